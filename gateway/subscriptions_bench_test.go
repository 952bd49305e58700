package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// The subscriptions benchmark (issue 18 item 8; BENCHMARKS.md, "Subscriptions"): 1,000 subscribers of
// roomEvents over 10 rooms (100 each), on graphql-transport-ws or GraphQL over SSE over loopback, fed by
// signed Telnyx webhooks POSTed to /webhooks/telnyx.
//
//	go test -run '^$' -bench BenchmarkSubscriptions -benchmem ./gateway
const (
	benchSubscribers = 1000
	benchRooms       = 10
	// benchSubscribeParallel bounds the subscriptions being opened at once.
	benchSubscribeParallel = 32
	// benchSubscriberProcessEnv makes the test binary a subscriber process (TestMain): what the idle
	// benchmark runs its clients in, so that the gateway's memory is measured apart from theirs.
	benchSubscriberProcessEnv = "ROOMGRAPH_BENCH_SUBSCRIBER_PROCESS"
	// benchProfileEnv, set to a path prefix, makes the idle benchmark write the gateway's heap profile
	// (PREFIX.ws.heap, PREFIX.sse.heap) and goroutines (….goroutines) with its subscriptions open: what
	// an idle subscriber holds (go tool pprof -sample_index=inuse_space -top PREFIX.ws.heap).
	benchProfileEnv = "ROOMGRAPH_BENCH_PROFILE"
)

// benchSubscription selects only ids and the event's own fields: no upstream call per event, so the
// figures are the gateway's own (webhook door, hub, one small operation per event per subscriber, the
// transport's write).
const benchSubscription = `subscription($id: ID!) { roomEvents(roomId: $id) {
  __typename id occurredAt room { id } session { id } ... on RoomParticipantJoined { participant { id } } } }`

// BenchmarkSubscriptions measures subscriptions end to end:
//
//   - fanout/transport=ws|sse: 1,000 subscribers over 10 rooms; each op is a burst of 10 signed webhooks,
//     one per room, POSTed concurrently, and ends when all 1,000 deliveries have arrived. Latency is from
//     just before a webhook's POST to the moment its subscriber's client has read the frame (p50-ms,
//     p99-ms, max-ms over every delivery); events/s is deliveries per second of the loop; cpu-µs/event
//     the CPU time of the whole process (gateway and clients) per delivery, which depends less on what
//     else the machine runs.
//   - idle/transport=ws|sse: memory of the gateway per idle subscriber. The 1,000 clients run in a
//     subprocess (this test binary, benchSubscriberProcessEnv), so the gateway process holds only the
//     server's side: heap in use and goroutine stacks after GC, before and after they subscribe, ÷ 1,000.
//     Each op opens the 1,000 subscriptions (one connection each), measures, and closes them.
//
// Needs about 2,200 file descriptors (ulimit -n); skipped with a message when fewer are allowed.
func BenchmarkSubscriptions(b *testing.B) {
	for _, tr := range []string{"ws", "sse"} {
		b.Run("fanout/transport="+tr, func(b *testing.B) { benchmarkFanout(b, tr) })
	}
	for _, tr := range []string{"ws", "sse"} {
		b.Run("idle/transport="+tr, func(b *testing.B) { benchmarkIdle(b, tr) })
	}
}

// needFileDescriptors skips b when the process may not open n files (Go raises the soft limit to the
// hard one at start-up, so the soft limit is what remains).
func needFileDescriptors(b *testing.B, n uint64) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Skipf("cannot read the file descriptor limit: %v", err)
	}
	if lim.Cur < n {
		b.Skipf("needs %d file descriptors for %d subscribers over loopback, the limit is %d: raise it (ulimit -n %d) and run again",
			n, benchSubscribers, lim.Cur, n)
	}
}

// benchGateway is a live harness with a webhook key, and the room ids of its 10 rooms.
type benchGateway struct {
	*liveHarness
	priv    ed25519.PrivateKey
	hookURL string
	rooms   []string
}

func newBenchGateway(b *testing.B) *benchGateway {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	h := newLiveHarness(b, telnyxsim.Config{Seed: 18, Rooms: benchRooms, SessionsPerRoom: 2, ParticipantsPerSession: 2, Keys: []string{keyA}},
		gateway.Config{WebhookPublicKeys: []string{base64.StdEncoding.EncodeToString(pub)}})
	g := &benchGateway{liveHarness: h, priv: priv, hookURL: strings.TrimSuffix(h.url, "/graphql") + "/webhooks/telnyx"}
	for _, r := range h.sim.Rooms(keyA) {
		g.rooms = append(g.rooms, r.ID)
	}
	if len(g.rooms) != benchRooms {
		b.Fatalf("the simulator has %d rooms, want %d", len(g.rooms), benchRooms)
	}
	return g
}

// quiet waits until the upstream has had no request for 100ms: a subscription joins the hub before its
// subscribe read, so some reads may still run when the hub holds them all.
func (g *benchGateway) quiet() {
	for last := -1; ; {
		n := g.sim.Stats().Total
		if n == last {
			return
		}
		last = n
		time.Sleep(100 * time.Millisecond)
	}
}

// delivery is a signed webhook ready to POST: a participant.joined event of room.
func (g *benchGateway) delivery(id, room string) *http.Request {
	body := fmt.Appendf(nil, `{"data":{"record_type":"event","id":%q,"event_type":"video.room.participant.joined",`+
		`"occurred_at":%q,"payload":{"room_id":%q,"session_id":"bench-session","participant_id":"bench-%s","context":"bench"}},`+
		`"meta":{"attempt":1,"delivered_to":%q}}`, id, time.Now().UTC().Format(time.RFC3339Nano), room, id, g.hookURL)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest(http.MethodPost, g.hookURL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("telnyx-timestamp", ts)
	req.Header.Set("telnyx-signature-ed25519", base64.StdEncoding.EncodeToString(ed25519.Sign(g.priv, []byte(ts+"|"+string(body)))))
	return req
}

// recorder matches deliveries with the instants their webhooks were posted.
type recorder struct {
	mu       sync.Mutex
	sent     map[string]time.Time // event id → just before its POST
	samples  chan time.Duration
	failures atomic.Int64
	failure  atomic.Pointer[string]
}

func (r *recorder) posted(id string) {
	r.mu.Lock()
	r.sent[id] = time.Now()
	r.mu.Unlock()
}

func (r *recorder) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.failure.Store(&msg)
	r.failures.Add(1)
}

// delivered takes one answer of roomEvents, read at at.
func (r *recorder) delivered(payload []byte, at time.Time) {
	var resp struct {
		Data struct {
			RoomEvents struct {
				ID string `json:"id"`
			} `json:"roomEvents"`
		} `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(payload, &resp); err != nil || len(resp.Errors) > 0 {
		r.fail("an answer with errors: %s", payload)
		return
	}
	r.mu.Lock()
	t0, ok := r.sent[resp.Data.RoomEvents.ID]
	r.mu.Unlock()
	if !ok {
		r.fail("an event that was not posted: %s", payload)
		return
	}
	r.samples <- at.Sub(t0)
}

// subscriber is one open subscription of a client: closing it ends its reader.
type subscriber interface{ close() }

type wsSubscriber struct{ conn *websocket.Conn }

func (s wsSubscriber) close() { _ = s.conn.CloseNow() }

type sseSubscriber struct {
	cancel context.CancelFunc
	body   io.Closer
}

func (s sseSubscriber) close() { s.cancel(); _ = s.body.Close() }

// openWSSubscriber opens a graphql-transport-ws connection with one subscription to room; each frame
// then goes to onFrame (pings are answered) until the connection closes.
func openWSSubscriber(ctx context.Context, url, room string, onFrame func(typ string, payload []byte, at time.Time)) (subscriber, error) {
	conn, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	payload, _ := json.Marshal(map[string]any{"query": benchSubscription, "variables": map[string]any{"id": room}})
	for _, m := range []wsMsg{{Type: "connection_init"}, {ID: "1", Type: "subscribe", Payload: payload}} {
		data, _ := json.Marshal(m)
		if err := conn.Write(ctx, websocket.MessageText, data); err != nil {
			_ = conn.CloseNow()
			return nil, err
		}
	}
	go func() {
		for {
			_, data, err := conn.Read(context.Background())
			at := time.Now()
			if err != nil {
				return
			}
			var m wsMsg
			if json.Unmarshal(data, &m) != nil {
				onFrame("garbage", data, at)
				continue
			}
			switch m.Type {
			case "connection_ack":
				continue
			case "ping":
				_ = conn.Write(context.Background(), websocket.MessageText, []byte(`{"type":"pong"}`))
				continue
			}
			onFrame(m.Type, m.Payload, at)
		}
	}()
	return wsSubscriber{conn}, nil
}

// openSSESubscriber opens a GraphQL-over-SSE subscription to room; each event's data then goes to
// onFrame until the stream ends.
func openSSESubscriber(ctx context.Context, client *http.Client, url, room string, onFrame func(typ string, payload []byte, at time.Time)) (subscriber, error) {
	body, _ := json.Marshal(map[string]any{"query": benchSubscription, "variables": map[string]any{"id": room}})
	sctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(sctx, http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	stop := context.AfterFunc(ctx, cancel) // ctx bounds the opening only
	resp, err := client.Do(req)
	stop()
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		_ = resp.Body.Close()
		return nil, fmt.Errorf("SSE subscription answered %d", resp.StatusCode)
	}
	go func() {
		rd := bufio.NewReader(resp.Body)
		event := ""
		for {
			line, err := rd.ReadSlice('\n')
			at := time.Now()
			if err != nil {
				return
			}
			line = bytes.TrimRight(line, "\r\n")
			switch {
			case bytes.HasPrefix(line, []byte("event: ")):
				event = string(line[len("event: "):])
			case bytes.HasPrefix(line, []byte("data: ")):
				onFrame(event, line[len("data: "):], at)
			}
		}
	}()
	return sseSubscriber{cancel: cancel, body: resp.Body}, nil
}

// openSubscribers opens n subscriptions over transport, one connection each, room i%rooms for the i-th,
// benchSubscribeParallel at a time.
func openSubscribers(transport, gqlURL string, rooms []string, n int, onFrame func(typ string, payload []byte, at time.Time)) ([]subscriber, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(gqlURL, "http")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: -1}}
	subs := make([]subscriber, n)
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range benchSubscribeParallel {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				room := rooms[i%len(rooms)]
				if transport == "ws" {
					subs[i], errs[i] = openWSSubscriber(ctx, wsURL, room, onFrame)
				} else {
					subs[i], errs[i] = openSSESubscriber(ctx, client, gqlURL, room, onFrame)
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		closeSubscribers(subs)
		return nil, err
	}
	return subs, nil
}

func closeSubscribers(subs []subscriber) {
	for _, s := range subs {
		if s != nil {
			s.close()
		}
	}
}

func benchmarkFanout(b *testing.B, transport string) {
	needFileDescriptors(b, 2*benchSubscribers+200) // both ends of every connection, in this process
	g := newBenchGateway(b)
	rec := &recorder{sent: map[string]time.Time{}, samples: make(chan time.Duration, benchSubscribers)}
	onFrame := func(typ string, payload []byte, at time.Time) {
		if typ == "next" {
			rec.delivered(payload, at)
			return
		}
		rec.fail("a %q frame: %s", typ, payload)
	}
	subs, err := openSubscribers(transport, g.url, g.rooms, benchSubscribers, onFrame)
	if err != nil {
		b.Fatal(err)
	}
	defer closeSubscribers(subs)
	g.waitSubscribed(b, benchSubscribers)

	poster := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchRooms}}
	defer poster.CloseIdleConnections()
	post := func(req *http.Request, id string) error {
		rec.posted(id)
		resp, err := poster.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("webhook %s answered %d", id, resp.StatusCode)
		}
		return nil
	}
	samples := make([]time.Duration, 0, 64*benchSubscribers)
	g.quiet()
	g.sim.ResetStats()
	burst := 0
	cpu0 := processCPU()
	for b.Loop() {
		burst++
		reqs := make([]*http.Request, benchRooms)
		for r := range reqs {
			reqs[r] = g.delivery(fmt.Sprintf("bench-%d-%d", burst, r), g.rooms[r])
		}
		errs := make([]error, benchRooms)
		var wg sync.WaitGroup
		for r, req := range reqs {
			wg.Go(func() { errs[r] = post(req, fmt.Sprintf("bench-%d-%d", burst, r)) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			b.Fatal(err)
		}
		timeout := time.After(30 * time.Second)
		for i := range benchSubscribers {
			select {
			case d := <-rec.samples:
				samples = append(samples, d)
			case <-timeout:
				b.Fatalf("burst %d: %d of %d deliveries arrived within 30s", burst, i, benchSubscribers)
			}
		}
		if n := rec.failures.Load(); n > 0 {
			b.Fatalf("%d bad frames, the last: %s", n, *rec.failure.Load())
		}
	}
	elapsed, cpu := b.Elapsed(), processCPU()-cpu0
	slices.Sort(samples)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(samples[len(samples)/2]), "p50-ms")
	b.ReportMetric(ms(samples[len(samples)*99/100]), "p99-ms")
	b.ReportMetric(ms(samples[len(samples)-1]), "max-ms")
	b.ReportMetric(float64(len(samples))/elapsed.Seconds(), "events/s")
	// The whole process: gateway, clients and simulator (idle) together.
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(samples)), "cpu-µs/event")
	b.ReportMetric(float64(g.sim.Stats().Total)/float64(b.N), "upstream-calls/op")
}

func benchmarkIdle(b *testing.B, transport string) {
	needFileDescriptors(b, benchSubscribers+200) // the gateway's end of every connection
	g := newBenchGateway(b)
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	// round runs one subscriber process to its end: measure (if set) is called once its subscriptions are
	// all open.
	round := func(measure func()) {
		cmd := exec.Command(self, "-test.run=^$")
		cmd.Env = append(os.Environ(), benchSubscriberProcessEnv+"="+strings.Join(append([]string{transport, g.url}, g.rooms...), ","))
		stdin, err := cmd.StdinPipe()
		if err != nil {
			b.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.After(2 * time.Minute)
		for g.gw.Hub().Len() < benchSubscribers {
			select {
			case err := <-exited:
				b.Fatalf("the subscriber process ended early (%v): %s", err, stderr.Bytes())
			case <-deadline:
				_ = cmd.Process.Kill()
				<-exited
				b.Fatalf("%d of %d subscriptions after 2 minutes", g.gw.Hub().Len(), benchSubscribers)
			case <-time.After(10 * time.Millisecond):
			}
		}
		if measure != nil {
			measure()
		}
		_ = stdin.Close() // the process closes its connections and exits
		if err := <-exited; err != nil {
			b.Fatalf("the subscriber process: %v: %s", err, stderr.Bytes())
		}
		for g.gw.Hub().Len() > 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	type snapshot struct {
		heap, stack uint64
		goroutines  int
	}
	snap := func() snapshot {
		// Let the connections settle (the subscribe reads' garbage, the transports' first buffers).
		time.Sleep(200 * time.Millisecond)
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return snapshot{heap: m.HeapInuse, stack: m.StackInuse, goroutines: runtime.NumGoroutine()}
	}
	// A first round fills the pools and caches that the gateway keeps after (connections to the
	// upstream, the query cache), so that the measured round counts the subscriptions alone.
	round(nil)
	var heap, stack, goroutines float64
	for b.Loop() {
		b.StopTimer()
		before := snap()
		b.StartTimer()
		round(func() {
			b.StopTimer()
			after := snap()
			if prefix := os.Getenv(benchProfileEnv); prefix != "" {
				writeProfiles(b, prefix+"."+transport)
			}
			heap += float64(int64(after.heap)-int64(before.heap)) / benchSubscribers
			stack += float64(int64(after.stack)-int64(before.stack)) / benchSubscribers
			goroutines += float64(after.goroutines-before.goroutines) / benchSubscribers
			b.StartTimer()
		})
	}
	n := float64(b.N)
	b.ReportMetric(heap/n, "heap-B/sub")
	b.ReportMetric(stack/n, "stack-B/sub")
	b.ReportMetric((heap+stack)/n, "B/sub")
	b.ReportMetric(goroutines/n, "goroutines/sub")
}

// writeProfiles writes the heap profile and the goroutines now to prefix.heap and prefix.goroutines.
func writeProfiles(b *testing.B, prefix string) {
	for _, p := range []struct {
		profile, file string
		debug         int
	}{{"heap", prefix + ".heap", 0}, {"goroutine", prefix + ".goroutines", 1}} {
		f, err := os.Create(p.file)
		if err != nil {
			b.Fatal(err)
		}
		if err := errors.Join(pprof.Lookup(p.profile).WriteTo(f, p.debug), f.Close()); err != nil {
			b.Fatal(err)
		}
	}
}

// subscriberProcess is the test binary run by benchmarkIdle (spec: transport,url,room…): it opens
// benchSubscribers subscriptions, keeps them until its stdin closes, then closes them and returns the
// exit code.
func subscriberProcess(spec string) int {
	parts := strings.Split(spec, ",")
	if len(parts) < 3 {
		fmt.Fprintf(os.Stderr, "%s: want transport,url,room…\n", benchSubscriberProcessEnv)
		return 2
	}
	var bad atomic.Pointer[string]
	subs, err := openSubscribers(parts[0], parts[1], parts[2:], benchSubscribers, func(typ string, payload []byte, _ time.Time) {
		msg := fmt.Sprintf("an idle subscriber received a %q frame: %s", typ, payload)
		bad.Store(&msg)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	closeSubscribers(subs)
	if msg := bad.Load(); msg != nil {
		fmt.Fprintln(os.Stderr, *msg)
		return 1
	}
	return 0
}
