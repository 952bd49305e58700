package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// BenchmarkQueries runs representative queries end to end: HTTP client → gateway → simulator over
// loopback. upstream-calls/op comes from the simulator's counters.
//
// Each query runs under both executors (executor=fastpath, the default, and executor=gqlgen, with
// DisableFastPath): compare them with `benchstat -col /executor`.
func BenchmarkQueries(b *testing.B) { forExecutors(b, benchmarkQueries) }

func benchmarkQueries(b *testing.B, e executor) {
	h := newHarness(b, telnyxsim.Config{Seed: 42, Rooms: 12, SessionsPerRoom: 25, ParticipantsPerSession: 6}, e.config(gateway.Config{}))
	rooms := h.sim.Rooms(keyA)
	room, _ := roomsBySessions(h.sim, keyA)
	cases := []struct {
		name  string
		query string
		vars  map[string]any
	}{
		{"id-only", `query($id: ID!) { room(id: $id) { id } }`, map[string]any{"id": room}},
		{"25-sessions", `query($id: ID!) { room(id: $id) { sessions(first: 25) { nodes { id active createdAt endedAt } } } }`, map[string]any{"id": room}},
		{"25-sessions-participants", `query($id: ID!) { room(id: $id) { sessions(first: 25) { totalCount pageInfo { hasNextPage endCursor }
			edges { cursor node { id active createdAt endedAt participants { id context joinedAt leftAt } } } } } }`, map[string]any{"id": room}},
		{"overlapping-aliases", `query($id: ID!) { room(id: $id) { a: sessions(first: 10) { nodes { id } } b: sessions(first: 25) { nodes { id participants { id } } } } }`, map[string]any{"id": room}},
		{"tail-5", `query($id: ID!) { room(id: $id) { sessions(last: 5) { nodes { id } } } }`, map[string]any{"id": room}},
		{"5-rooms", `query($a: ID!, $b: ID!, $c: ID!, $d: ID!, $e: ID!) {
			a: room(id: $a) { sessions(first: 5) { nodes { id } } } b: room(id: $b) { sessions(first: 5) { nodes { id } } }
			c: room(id: $c) { sessions(first: 5) { nodes { id } } } d: room(id: $d) { sessions(first: 5) { nodes { id } } }
			e: room(id: $e) { sessions(first: 5) { nodes { id } } } }`,
			map[string]any{"a": rooms[0].ID, "b": rooms[1].ID, "c": rooms[2].ID, "d": rooms[3].ID, "e": rooms[4].ID}},
	}
	cases = append(cases, struct {
		name  string
		query string
		vars  map[string]any
	}{"dashboard", `{ rooms(first: 5) { totalCount nodes { id uniqueName maxParticipants
		activeSession { id createdAt participants { context joinedAt } }
		sessions(first: 5) { totalCount nodes { id active createdAt endedAt
			participants { id context joinedAt leftAt session { id } } room { uniqueName } } } } } }`, nil})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	for _, c := range cases {
		body, _ := json.Marshal(map[string]any{"query": c.query, "variables": c.vars})
		b.Run(c.name, func(b *testing.B) {
			h.sim.ResetStats()
			b.ReportAllocs()
			for b.Loop() {
				postOK(b, client, h.gwURL, body)
			}
			b.ReportMetric(float64(h.sim.Stats().Total)/float64(b.N), "upstream-calls/op")
		})
	}
}

// BenchmarkS1Parallel is the harness's S1 shape (one room's 25 sessions with every field and their
// participants) under 64 concurrent requests, in process: the figure to profile for throughput.
func BenchmarkS1Parallel(b *testing.B) { forExecutors(b, benchmarkS1Parallel) }

func benchmarkS1Parallel(b *testing.B, e executor) {
	h := newHarness(b, telnyxsim.Config{Seed: 42, Rooms: 12, SessionsPerRoom: 25, ParticipantsPerSession: 6}, e.config(gateway.Config{}))
	room, _ := roomsBySessions(h.sim, keyA)
	query := `query S1($room: ID!) { room(id: $room) { sessions(first: 25) { nodes { id roomId active createdAt updatedAt endedAt
		participants { id sessionId context joinedAt updatedAt leftAt } } } } }`
	body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"room": room}})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.SetParallelism(32)
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(h.gwURL, "application/json", bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) {
				b.Errorf("status %d: %s", resp.StatusCode, out)
				return
			}
		}
	})
	b.ReportMetric(float64(h.sim.Stats().Total)/float64(b.N), "upstream-calls/op")
}

// BenchmarkS1Serial is the harness's S1 shape one request at a time (one client, as wrk -c1), end to end
// over loopback: the latency of a light request, where a fixed loader wait would be a floor every request
// pays. wait=1ms is the default ROOMGRAPH_LOADER_WAIT; wait=1µs is what the same request costs when the
// loader dispatches at once (the bound for a wave-complete dispatch). Compare with `benchstat -col /wait`.
func BenchmarkS1Serial(b *testing.B) {
	for _, wait := range []time.Duration{time.Millisecond, time.Microsecond} {
		b.Run("wait="+wait.String(), func(b *testing.B) {
			forExecutors(b, func(b *testing.B, e executor) { benchmarkS1Serial(b, e, wait) })
		})
	}
}

func benchmarkS1Serial(b *testing.B, e executor, wait time.Duration) {
	h := newHarness(b, telnyxsim.Config{Seed: 42, Rooms: 12, SessionsPerRoom: 25, ParticipantsPerSession: 6}, e.config(gateway.Config{LoaderWait: wait}))
	room, _ := roomsBySessions(h.sim, keyA)
	query := `query S1($room: ID!) { room(id: $room) { sessions(first: 25) { nodes { id roomId active createdAt updatedAt endedAt
		participants { id sessionId context joinedAt updatedAt leftAt } } } } }`
	body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"room": room}})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	h.sim.ResetStats()
	b.ReportAllocs()
	for b.Loop() {
		postOK(b, client, h.gwURL, body)
	}
	b.ReportMetric(float64(h.sim.Stats().Total)/float64(b.N), "upstream-calls/op")
}

// BenchmarkS1Pipeline is S1 through the gateway's handler without sockets or upstream calls: the answer's
// page comes from the read cache (ReadCacheTTL) after the first request, and requests go straight to
// ServeHTTP with a recorder. What is left is roomgraph's own per-request work — body checks, gqlgen's
// operation setup, loaders, the telnyx client down to the coalescing transport, decoding the shared page's
// records, rendering the 30 KB answer — under 64 concurrent requests (the loaders' batch window overlaps).
func BenchmarkS1Pipeline(b *testing.B) {
	sim := telnyxsim.New(telnyxsim.Config{Keys: []string{keyA}, Seed: 42, Rooms: 12, SessionsPerRoom: 25, ParticipantsPerSession: 6})
	simSrv := httptest.NewServer(sim)
	b.Cleanup(simSrv.Close)
	gw, err := gateway.New(gateway.Config{BaseURL: simSrv.URL + "/v2", APIKey: keyA, ReadCacheTTL: time.Hour}, gateway.WithHTTPClient(simSrv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	room, _ := roomsBySessions(sim, keyA)
	query := `query S1($room: ID!) { room(id: $room) { sessions(first: 25) { nodes { id roomId active createdAt updatedAt endedAt
		participants { id sessionId context joinedAt updatedAt leftAt } } } } }`
	body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"room": room}})
	serve := func(w *countingWriter) {
		req, _ := http.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w.reset()
		gw.ServeHTTP(w, req)
	}
	first := &countingWriter{keep: true}
	serve(first)
	if out := first.body.Bytes(); first.code != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) || len(out) < 20000 {
		b.Fatalf("status %d, %d bytes: %.300s", first.code, len(out), out)
	}
	size := first.n
	sim.ResetStats()
	b.ReportAllocs()
	b.SetParallelism(32)
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		w := &countingWriter{}
		for pb.Next() {
			if serve(w); w.code != http.StatusOK || w.n != size {
				b.Errorf("status %d, %d bytes instead of %d", w.code, w.n, size)
				return
			}
		}
	})
	b.ReportMetric(float64(sim.Stats().Total)/float64(b.N), "upstream-calls/op")
}

// reportCPU starts counting the process's CPU time; the function it returns reports it per operation
// (cpu-µs/op). On a shared host wall time per operation moves with the neighbours' load; CPU time much less,
// so it is the figure to compare. In-process, it includes the client's and the simulator's share.
func reportCPU(b *testing.B) func() {
	start := processCPU()
	return func() {
		b.ReportMetric(float64((processCPU()-start).Nanoseconds())/1e3/float64(b.N), "cpu-µs/op")
	}
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// countingWriter is an http.ResponseWriter that counts the body's bytes (keeping them only when asked), so
// that a benchmark's allocations are the handler's.
type countingWriter struct {
	header http.Header
	code   int
	n      int
	keep   bool
	body   bytes.Buffer
}

func (w *countingWriter) reset() { w.header, w.code, w.n = http.Header{}, 0, 0 }

func (w *countingWriter) Header() http.Header { return w.header }

func (w *countingWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	if w.keep {
		w.body.Write(p)
	}
	return len(p), nil
}

// postOK posts one GraphQL request and fails the benchmark unless it answered 200 without errors.
func postOK(b *testing.B, client *http.Client, url string, body []byte) {
	b.Helper()
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) {
		b.Fatalf("status %d: %s", resp.StatusCode, out)
	}
}
