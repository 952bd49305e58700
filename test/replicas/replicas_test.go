package replicas

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/model/nodeid"
	"github.com/roomgraph/roomgraph/internal/shared/redisstate/redistest"
)

const (
	apiKey = "KEY_replicas"
	// The route the simulator answers with 429 (Retry-After: 1h) from the start. Nothing but the rate-limit
	// subtest, which runs last, reads it: a 429 holds the key back on every route, on every replica.
	tooManyRoute = "GET /v2/room_participants"
	tooManyQuery = `{ roomParticipants(first: 1) { totalCount } }`
	// maxRetryAfter is the replicas' ROOMGRAPH_MAX_RETRY_AFTER: the cap of a hold.
	maxRetryAfter = 20 * time.Second
)

// TestReplicasAsProcesses runs the simulator, one Redis and three roomgraph processes sharing it, every
// one on a loopback port, and checks from the outside what docs/redis.md promises: a webhook accepted by one
// replica reaches the subscribers of all three once; an APQ hash, a cursor and the read cache work across
// replicas; Redis stopped, requests keep succeeding; Redis back, fan-out resumes; a 429 seen by one replica
// holds the others back, counted at the simulator.
func TestReplicasAsProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs processes: skipped with -short")
	}
	redis := redistest.Start(t) // skips without redis-server, except in CI
	rgBin, simBin := build(t)

	ports := []int{freePort(t), freePort(t), freePort(t)}
	roots := make([]string, len(ports))
	for i, p := range ports {
		roots[i] = "http://127.0.0.1:" + strconv.Itoa(p)
	}
	// The simulator posts every event to replica 0 (-webhook-url); the room below also names replica 1 as
	// its own webhook_event_url, so each event reaches two replicas, as Telnyx's retries may.
	sim := start(t, "telnyx-sim", simBin, nil, "-addr", "127.0.0.1:0", "-keys", apiKey, "-rooms", "3",
		"-webhook-url", roots[0]+"/webhooks/telnyx", "-webhook-workers", "1", "-webhook-backoff", "50ms",
		"-fault-route", tooManyRoute, "-429-rate", "1", "-retry-after", "1h")
	simEnv := map[string]string{}
	for len(simEnv) < 3 {
		k, v, _ := strings.Cut(sim.line(t, regexp.MustCompile(`^TELNYX_(BASE_URL|API_KEY|PUBLIC_KEY)=`)), "=")
		simEnv[k] = v
	}
	s := &stack{sim: simEnv["TELNYX_BASE_URL"], roots: roots, redis: redis}

	for i, p := range ports {
		env := []string{
			"TELNYX_BASE_URL=" + simEnv["TELNYX_BASE_URL"],
			"TELNYX_API_KEY=" + simEnv["TELNYX_API_KEY"],
			"TELNYX_PUBLIC_KEY=" + simEnv["TELNYX_PUBLIC_KEY"],
			"ROOMGRAPH_REDIS_URL=" + redis.URL(),
			"ROOMGRAPH_REDIS_PREFIX=replicas-test:",
			"ROOMGRAPH_CURSOR_SECRET=the same on every replica",
			"ROOMGRAPH_READ_CACHE_TTL=1m",
			"ROOMGRAPH_MAX_RETRY_AFTER=" + maxRetryAfter.String(),
			"ROOMGRAPH_LISTEN=127.0.0.1:" + strconv.Itoa(p),
			"ROOMGRAPH_LOG_LEVEL=warn",
		}
		rg := start(t, fmt.Sprintf("roomgraph-%d", i), rgBin, env)
		rg.line(t, regexp.MustCompile(`^roomgraph listening on `+regexp.QuoteMeta(roots[i])+`$`))
	}
	for i := range roots {
		status, r := s.ready(t, i)
		require.Equal(t, http.StatusOK, status, "replica %d: %v", i, r)
		require.Equal(t, "up", r["redis"], "replica %d", i)
	}

	room := s.firstRoom(t)
	s.simPatch(t, "/rooms/"+room, map[string]any{"webhook_event_url": roots[1] + "/webhooks/telnyx"})

	t.Run("a webhook accepted by one replica reaches the subscribers of every replica once", func(t *testing.T) {
		subs := make([]*wsSub, len(roots))
		for i := range roots {
			subs[i] = s.subscribe(t, i, room)
		}
		before, hooksBefore := s.doorCounts(t), s.webhookStats(t)
		// Two rounds: a duplicate of a round-1 event arriving late would show in round 2.
		seen := make([][]string, len(subs))
		for _, who := range []string{"Ada", "Grace"} {
			pid := s.join(t, room, who)
			s.leave(t, pid)
			for i, sub := range subs {
				ids, until := sub.eventsUntilLeft(t, pid)
				require.Empty(t, until, "replica %d", i)
				seen[i] = append(seen[i], ids...)
			}
		}
		for i := range subs {
			assert.Equal(t, uniq(seen[i]), seen[i], "replica %d: every event once", i)
			assert.Equal(t, seen[0], seen[i], "replica %d: the same events as replica 0, in the same order", i)
		}
		assert.GreaterOrEqual(t, len(seen[0]), 4, "two joins and two leaves at least")
		// At the doors: each event went to replicas 0 and 1; one of them accepted it, the other answered
		// duplicate (with Redis, across replicas), and replica 2 received none.
		var hooks webhookStats
		require.Eventually(t, func() bool {
			hooks = s.webhookStats(t)
			return hooks.Delivered+hooks.Failed+hooks.Dropped == hooks.Queued
		}, 10*time.Second, 20*time.Millisecond, "the simulator delivered every event")
		events := hooks.Events - hooksBefore.Events
		assert.Equal(t, 2*events, hooks.Delivered-hooksBefore.Delivered, "every event delivered to both URLs, acknowledged")
		// A door answers 200 before its worker processes (and counts) the event: the last events (a
		// session ending after the last leave) may still be in a replica's queue.
		var after []door
		var accepted, duplicates int
		require.Eventually(t, func() bool {
			after = s.doorCounts(t)
			accepted, duplicates = 0, 0
			for i := range roots {
				accepted += after[i].processed - before[i].processed
				duplicates += after[i].duplicates - before[i].duplicates
			}
			return accepted >= events
		}, 10*time.Second, 20*time.Millisecond, "the replicas processed every event they accepted")
		assert.Equal(t, before[2].received, after[2].received, "nothing was posted to replica 2")
		assert.Equal(t, events, accepted, "each event accepted by one replica")
		assert.Equal(t, events, duplicates, "and answered duplicate by the other")
		assert.GreaterOrEqual(t, events, len(seen[0]))
	})

	t.Run("an APQ hash registered on one replica works on another", func(t *testing.T) {
		const q = `query APQ($id: ID!) { room(id: $id) { id } }`
		sum := sha256.Sum256([]byte(q))
		ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
		vars := map[string]any{"id": room}
		r := s.post(t, 2, map[string]any{"extensions": ext, "variables": vars})
		require.Equal(t, []string{"PERSISTED_QUERY_NOT_FOUND"}, r.codes())
		r = s.post(t, 0, map[string]any{"query": q, "extensions": ext, "variables": vars})
		require.Empty(t, r.Errors)
		for _, i := range []int{1, 2} {
			r = s.post(t, i, map[string]any{"extensions": ext, "variables": vars})
			assert.Empty(t, r.Errors, "replica %d", i)
			assert.Contains(t, string(r.Data), `"room":{"id":`, "replica %d", i)
		}
	})

	t.Run("a cursor from one replica pages on another (ROOMGRAPH_CURSOR_SECRET matches)", func(t *testing.T) {
		var first struct {
			Rooms struct {
				Nodes    []struct{ ID string }
				PageInfo struct{ EndCursor string }
			}
		}
		s.ok(t, 0, `{ rooms(first: 1) { nodes { id } pageInfo { endCursor } } }`, nil, &first)
		require.Len(t, first.Rooms.Nodes, 1)
		var next struct {
			Rooms struct{ Nodes []struct{ ID string } }
		}
		s.ok(t, 1, `query($after: String) { rooms(first: 1, after: $after) { nodes { id } } }`,
			map[string]any{"after": first.Rooms.PageInfo.EndCursor}, &next)
		require.Len(t, next.Rooms.Nodes, 1)
		assert.NotEqual(t, first.Rooms.Nodes[0].ID, next.Rooms.Nodes[0].ID)
	})

	t.Run("the read cache is shared, and a write on one replica is seen by reads on the others", func(t *testing.T) {
		const q = `query($id: ID!) { room(id: $id) { uniqueName } }`
		vars := map[string]any{"id": room}
		var got struct{ Room struct{ UniqueName string } }
		s.ok(t, 1, q, vars, &got)
		calls := s.simCalls(t)
		s.ok(t, 2, q, vars, &got)
		assert.Equal(t, calls, s.simCalls(t), "replica 2 answered from what replica 1 cached")

		s.ok(t, 0, `mutation($id: ID!) { updateRoom(id: $id, input: {uniqueName: "renamed-on-0"}) { room { uniqueName } } }`, vars, nil)
		for _, i := range []int{1, 2} {
			s.ok(t, i, q, vars, &got)
			assert.Equal(t, "renamed-on-0", got.Room.UniqueName, "replica %d reads after the write", i)
		}
	})

	t.Run("Redis stopped: requests keep succeeding; back: fan-out resumes", func(t *testing.T) {
		local, other := s.subscribe(t, 0, room), s.subscribe(t, 1, room)
		redis.Stop()

		const q = `query($id: ID!) { room(id: $id) { uniqueName } }`
		vars := map[string]any{"id": room}
		var got struct{ Room struct{ UniqueName string } }
		for i := range roots {
			s.ok(t, i, q, vars, &got)
		}
		s.ok(t, 1, `mutation($id: ID!) { updateRoom(id: $id, input: {uniqueName: "renamed-without-redis"}) { room { uniqueName } } }`, vars, nil)
		for i := range roots {
			s.ok(t, i, q, vars, &got)
			assert.Equal(t, "renamed-without-redis", got.Room.UniqueName, "replica %d: no cached read without Redis", i)
			require.Eventually(t, func() bool { _, r := s.ready(t, i); return r["redis"] == "down" }, 10*time.Second, 50*time.Millisecond, "replica %d", i)
			status, r := s.ready(t, i)
			assert.Equal(t, http.StatusOK, status, "replica %d: Redis down does not make it not ready: %v", i, r)
		}
		// The webhooks still reach the subscribers of the replicas that take them.
		pid := s.join(t, room, "Hedy")
		for i, sub := range []*wsSub{local, other} {
			ids, until := sub.eventsUntil(t, func(e event) bool { return e.is("RoomParticipantJoined", pid) })
			require.Empty(t, until, "subscriber on replica %d", i)
			assert.Equal(t, uniq(ids), ids, "replica %d", i)
		}
		m := s.metrics(t, 0)
		assert.Equal(t, 0.0, value(m, "roomgraph_redis_up"))
		assert.Positive(t, value(m, `roomgraph_redis_fallbacks_total{feature="events"}`))

		redis.Restart()
		for i := range roots {
			require.Eventually(t, func() bool { _, r := s.ready(t, i); return r["redis"] == "up" }, 15*time.Second, 50*time.Millisecond, "replica %d", i)
		}
		// Replicas that lost Redis may have missed events others took: roomEvents ends with EVENTS_MISSED.
		for i, sub := range []*wsSub{local, other} {
			_, until := sub.eventsUntil(t, func(event) bool { return false })
			assert.Equal(t, "EVENTS_MISSED", until, "subscriber on replica %d", i)
		}
		after := s.subscribe(t, 2, room)
		s.leave(t, pid)
		ids, until := after.eventsUntilLeft(t, pid)
		require.Empty(t, until)
		assert.Equal(t, uniq(ids), ids, "fan-out across replicas resumed, every event once")
		assert.Equal(t, 1.0, value(s.metrics(t, 2), "roomgraph_redis_gaps_total"))
	})

	t.Run("a 429 seen by one replica holds the others back, counted at the simulator", func(t *testing.T) {
		calls := s.simCalls(t)
		r := s.post(t, 0, map[string]any{"query": tooManyQuery})
		require.Equal(t, []string{"UPSTREAM_RATE_LIMITED"}, r.codes())
		require.Equal(t, calls+1, s.simCalls(t), "the one 429")
		for _, i := range []int{1, 2} {
			require.Eventually(t, func() bool {
				return value(s.metrics(t, i), "roomgraph_upstream_rate_limited_credentials") == 1
			}, 10*time.Second, 20*time.Millisecond, "replica %d heard of the hold", i)
			r := s.post(t, i, map[string]any{"query": tooManyQuery})
			require.Equal(t, []string{"UPSTREAM_RATE_LIMITED"}, r.codes(), "replica %d", i)
			status, body := s.ready(t, i)
			assert.Equal(t, http.StatusServiceUnavailable, status, "key mode: a held key is not ready: %v", body)
			assert.Equal(t, "held", body["rateLimit"])
		}
		assert.Equal(t, calls+1, s.simCalls(t), "no other replica called the upstream with the held key")
	})
}

// stack is the running processes, seen from the outside.
type stack struct {
	sim   string   // the simulator's API base URL (…/v2)
	roots []string // http://127.0.0.1:port of each replica
	redis *redistest.Server
}

var client = &http.Client{Timeout: 10 * time.Second}

func (s *stack) simBase() string { return strings.TrimSuffix(s.sim, "/v2") }

func (s *stack) simRequest(t *testing.T, method, url string, body any) []byte {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Less(t, resp.StatusCode, 300, "%s %s: %s", method, url, out)
	return out
}

func (s *stack) firstRoom(t *testing.T) string {
	t.Helper()
	var r struct{ Data []struct{ ID string } }
	require.NoError(t, json.Unmarshal(s.simRequest(t, http.MethodGet, s.sim+"/rooms?page%5Bsize%5D=1", nil), &r))
	require.NotEmpty(t, r.Data)
	return r.Data[0].ID
}

func (s *stack) simPatch(t *testing.T, path string, body any) {
	t.Helper()
	s.simRequest(t, http.MethodPatch, s.sim+path, body)
}

// join makes a participant join the room (the simulator emits its events) and returns its id.
func (s *stack) join(t *testing.T, room, who string) string {
	t.Helper()
	var r struct{ Data struct{ ID string } }
	require.NoError(t, json.Unmarshal(s.simRequest(t, http.MethodPost, s.simBase()+"/_sim/rooms/"+room+"/join", map[string]any{"context": who}), &r))
	require.NotEmpty(t, r.Data.ID)
	return r.Data.ID
}

func (s *stack) leave(t *testing.T, pid string) {
	t.Helper()
	s.simRequest(t, http.MethodPost, s.simBase()+"/_sim/participants/"+pid+"/leave", nil)
}

// webhookStats are the simulator's webhook counters (telnyxsim.WebhookStats).
type webhookStats struct {
	Events, Queued, Dropped, Delivered, Failed int
}

func (s *stack) webhookStats(t *testing.T) webhookStats {
	t.Helper()
	var st struct{ Webhooks webhookStats }
	require.NoError(t, json.Unmarshal(s.simRequest(t, http.MethodGet, s.simBase()+"/_sim/stats", nil), &st))
	return st.Webhooks
}

// simCalls is the number of API requests the simulator has received.
func (s *stack) simCalls(t *testing.T) int {
	t.Helper()
	var st struct{ Total int }
	require.NoError(t, json.Unmarshal(s.simRequest(t, http.MethodGet, s.simBase()+"/_sim/stats", nil), &st))
	return st.Total
}

func (s *stack) get(t *testing.T, i int, path string) (int, string) {
	t.Helper()
	resp, err := client.Get(s.roots[i] + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func (s *stack) ready(t *testing.T, i int) (int, map[string]any) {
	t.Helper()
	status, body := s.get(t, i, "/readyz")
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m), body)
	return status, m
}

func (s *stack) metrics(t *testing.T, i int) string {
	t.Helper()
	status, body := s.get(t, i, "/metrics")
	require.Equal(t, http.StatusOK, status)
	return body
}

// door is one replica's webhook door counters.
type door struct{ received, duplicates, processed int }

func (s *stack) doorCounts(t *testing.T) []door {
	t.Helper()
	out := make([]door, len(s.roots))
	for i := range s.roots {
		m := s.metrics(t, i)
		out[i] = door{
			received:   int(value(m, "roomgraph_webhooks_received_total")),
			duplicates: int(value(m, "roomgraph_webhooks_duplicates_total")),
			processed:  int(value(m, "roomgraph_webhooks_processed_total")),
		}
	}
	return out
}

// value is the value of one series (name with its labels, exactly as exposed) in a metrics page; 0 when
// absent.
func value(metrics, series string) float64 {
	for line := range strings.Lines(metrics) {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err == nil {
				return v
			}
		}
	}
	return 0
}

// result is one GraphQL response.
type result struct {
	Data   json.RawMessage
	Errors []struct {
		Message    string
		Extensions map[string]any
	}
}

func (r result) codes() []string {
	var out []string
	for _, e := range r.Errors {
		c, _ := e.Extensions["code"].(string)
		out = append(out, c)
	}
	return out
}

func (s *stack) post(t *testing.T, i int, body map[string]any) result {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	resp, err := client.Post(s.roots[i]+"/graphql", "application/json", bytes.NewReader(b))
	require.NoError(t, err)
	defer resp.Body.Close()
	var r result
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
	return r
}

// ok runs a query on replica i, requires no errors and decodes data into out (when not nil).
func (s *stack) ok(t *testing.T, i int, query string, vars map[string]any, out any) {
	t.Helper()
	r := s.post(t, i, map[string]any{"query": query, "variables": vars})
	require.Empty(t, r.Errors, "replica %d: %s", i, query)
	if out != nil {
		require.NoError(t, json.Unmarshal(r.Data, out))
	}
}

const roomEventsQuery = `subscription($id: ID!) { roomEvents(roomId: $id) {
  __typename id
  ... on RoomParticipantJoined { participant { id } }
  ... on RoomParticipantLeft { participant { id } }
} }`

// wsSub is one roomEvents subscription over graphql-transport-ws.
type wsSub struct {
	conn *websocket.Conn
}

// subscribe subscribes to the room's events on replica i and waits until the replica counts it.
func (s *stack) subscribe(t *testing.T, i int, room string) *wsSub {
	t.Helper()
	active := func() float64 { return value(s.metrics(t, i), `roomgraph_subscriptions_active{transport="ws"}`) }
	n := active()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.roots[i], "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	require.NoError(t, err)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	sub := &wsSub{conn: conn}
	require.NoError(t, wsjson.Write(ctx, conn, map[string]any{"type": "connection_init"}))
	m := sub.read(t)
	require.Equal(t, "connection_ack", m.Type)
	require.NoError(t, wsjson.Write(ctx, conn, map[string]any{"id": "1", "type": "subscribe",
		"payload": map[string]any{"query": roomEventsQuery, "variables": map[string]any{"id": room}}}))
	require.Eventually(t, func() bool { return active() == n+1 }, 10*time.Second, 20*time.Millisecond, "replica %d", i)
	return sub
}

type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// read is the next message other than a keepalive, within 10s.
func (w *wsSub) read(t *testing.T) wsMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		var m wsMsg
		require.NoError(t, wsjson.Read(ctx, w.conn, &m), "no message within 10s")
		switch m.Type {
		case "ping":
			require.NoError(t, wsjson.Write(ctx, w.conn, wsMsg{Type: "pong"}))
		case "pong", "ka":
		default:
			return m
		}
	}
}

type event struct {
	Typename    string `json:"__typename"`
	ID          string
	Participant struct{ ID string } // a global id
}

// is reports whether the event is of type typename and names the participant with Telnyx id pid.
func (e event) is(typename, pid string) bool {
	return e.Typename == typename && e.Participant.ID == nodeid.Encode(nodeid.RoomParticipant, pid)
}

// eventsUntil reads events up to and including the first for which stop is true: their ids, in order.
// until is "" then; else the error code the subscription ended with ("complete" when it just completed).
func (w *wsSub) eventsUntil(t *testing.T, stop func(event) bool) (ids []string, until string) {
	t.Helper()
	for {
		m := w.read(t)
		switch m.Type {
		case "complete":
			return ids, "complete"
		case "error":
			return ids, "error: " + string(m.Payload)
		}
		require.Equal(t, "next", m.Type, string(m.Payload))
		var r struct {
			Data   struct{ RoomEvents *event }
			Errors []struct{ Extensions map[string]any }
		}
		require.NoError(t, json.Unmarshal(m.Payload, &r))
		if len(r.Errors) > 0 {
			c, _ := r.Errors[0].Extensions["code"].(string)
			return ids, c
		}
		require.NotNil(t, r.Data.RoomEvents, string(m.Payload))
		ids = append(ids, r.Data.RoomEvents.ID)
		if stop(*r.Data.RoomEvents) {
			return ids, ""
		}
	}
}

func (w *wsSub) eventsUntilLeft(t *testing.T, pid string) ([]string, string) {
	t.Helper()
	return w.eventsUntil(t, func(e event) bool { return e.is("RoomParticipantLeft", pid) })
}

func uniq(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// build builds roomgraph and the simulator into a temporary directory, with -race when this test has it.
func build(t *testing.T) (roomgraph, sim string) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "the go command builds the binaries")
	dir := t.TempDir()
	args := []string{"build", "-o", dir}
	if raceBuild {
		args = append(args, "-race")
	}
	args = append(args, "github.com/roomgraph/roomgraph", "github.com/roomgraph/roomgraph/cmd/telnyx-sim")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, args...).CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return filepath.Join(dir, "roomgraph"), filepath.Join(dir, "telnyx-sim")
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// proc is a process the test started: its stdout lines arrive on lines, and all its output is kept for the
// log of a failed test.
type proc struct {
	name  string
	lines chan string
	mu    sync.Mutex
	out   bytes.Buffer
}

// start starts bin with exactly env (nothing inherited) and args; it is stopped (SIGTERM, then SIGKILL
// after 5s) when the test ends, and its output logged if the test failed. A data race reported by a
// process built with -race fails the test.
func start(t *testing.T, name, bin string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, lines: make(chan string, 64)}
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"GORACE=halt_on_error=0"}, env...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = p
	require.NoError(t, cmd.Start())
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			_, _ = p.Write([]byte(sc.Text() + "\n"))
			select {
			case p.lines <- sc.Text():
			default: // nobody waits for it; it is in the output
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { <-scanned; _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if strings.Contains(p.out.String(), "WARNING: DATA RACE") {
			t.Errorf("%s reported a data race:\n%s", name, p.out.String())
		} else if t.Failed() {
			t.Logf("%s output:\n%s", name, p.out.String())
		}
	})
	return p
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

// line waits (30s at most) for the next stdout line matching re.
func (p *proc) line(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l := <-p.lines:
			if re.MatchString(l) {
				return l
			}
		case <-deadline:
			p.mu.Lock()
			defer p.mu.Unlock()
			t.Fatalf("%s printed no line matching %s within 30s:\n%s", p.name, re, p.out.String())
		}
	}
}
