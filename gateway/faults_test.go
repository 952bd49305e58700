package gateway_test

import (
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// quickResilience keeps the fault matrix fast: short backoffs and timeouts, the same shape as production.
func quickResilience() gateway.Config {
	return gateway.Config{
		UpstreamTimeout:  200 * time.Millisecond,
		OperationTimeout: 2 * time.Second,
		Resilience:       gateway.ResilienceConfig{BaseDelay: 5 * time.Millisecond, MaxDelay: 20 * time.Millisecond, BreakerFailures: 1000},
	}
}

// TestFaultMatrix runs each upstream fault against two query shapes: a lone connection (the fault hits
// it) and a query whose sibling is healthy (partial data). Every answer comes within the operation
// deadline, with typed errors and the expected number of upstream attempts on the faulty route.
func TestFaultMatrix(t *testing.T) { forExecutors(t, testFaultMatrix) }

func testFaultMatrix(t *testing.T, e executor) {
	t.Parallel() // mostly waiting on backoffs and hung upstreams: the two executors' runs overlap
	faults := []struct {
		name     string
		fault    telnyxsim.Fault
		code     string // "" = success
		attempts int    // attempts on the faulty route; 0: at most 3; -1: see the row
	}{
		{"latency spike", telnyxsim.Fault{Latency: 80 * time.Millisecond}, "", 1},
		{"500 always", telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 500}, "UPSTREAM_UNAVAILABLE", 3},
		{"502 always", telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 502}, "UPSTREAM_UNAVAILABLE", 3},
		{"503 always", telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503}, "UPSTREAM_UNAVAILABLE", 3},
		{"503 half the time", telnyxsim.Fault{ErrorRate: 0.5, ErrorStatus: 503}, "?", 0},
		{"429 with Retry-After", telnyxsim.Fault{TooManyRate: 1, RetryAfter: 30 * time.Millisecond}, "UPSTREAM_RATE_LIMITED", 3},
		// Go's transport itself re-sends a GET once when a reused keep-alive connection is reset, so one of
		// our attempts may reach the upstream twice: 3 to 6 requests.
		{"connection reset", telnyxsim.Fault{ResetRate: 1}, "UPSTREAM_UNAVAILABLE", -1},
		{"hang", telnyxsim.Fault{HangRate: 1}, "UPSTREAM_UNAVAILABLE", 3},
		{"truncated JSON", telnyxsim.Fault{TruncateRate: 1}, "UPSTREAM_UNAVAILABLE", 1},
		{"malformed JSON", telnyxsim.Fault{MalformedRate: 1}, "UPSTREAM_UNAVAILABLE", 1},
		{"wrong content type", telnyxsim.Fault{WrongContentTypeRate: 1}, "UPSTREAM_UNAVAILABLE", 1},
	}
	shapes := []struct {
		name    string
		query   string
		sibling bool
	}{
		{"lone connection", `query($id: ID!) { room(id: $id) { sessions(first: 5) { nodes { id } } } }`, false},
		{"with a healthy sibling", `query($id: ID!) { rooms(first: 3) { nodes { id } } room(id: $id) { sessions(first: 5) { nodes { id participants { id } } } } }`, true},
	}
	for _, f := range faults {
		for _, s := range shapes {
			t.Run(f.name+"/"+s.name, func(t *testing.T) {
				cfg := quickResilience()
				if f.name == "hang" {
					// Three hung attempts of half a second and their backoffs fit in the operation's
					// deadline; half a second is room enough for the healthy sibling's one call.
					cfg.UpstreamTimeout, cfg.OperationTimeout = 500*time.Millisecond, 4*time.Second
				} else {
					// Only the hang is about the attempt timeout: elsewhere a timeout would be the loaded
					// host's, not the fault's, and its retry an attempt the row does not count.
					cfg.UpstreamTimeout = time.Second
				}
				h := newHarness(t, telnyxsim.Config{Seed: 8, Rooms: 5, SessionsPerRoom: 6}, e.config(cfg))
				room, _ := roomsBySessions(h.sim, keyA)
				h.sim.SetFault(telnyxsim.RouteListRoomSessions, f.fault)
				start := time.Now()
				r := h.post(t, s.query, map[string]any{"id": room})
				elapsed := time.Since(start)

				assert.Less(t, elapsed, cfg.OperationTimeout+time.Second, "within the operation deadline")
				assert.Equal(t, 200, r.Status)
				stats := h.sim.Stats()
				faulty := stats.ByRoute[telnyxsim.RouteListRoomSessions]
				switch f.code {
				case "":
					assert.Empty(t, r.Errors)
				case "?":
					assert.True(t, len(r.Errors) == 0 || r.Errors[0].code() == "UPSTREAM_UNAVAILABLE", "%+v", r.Errors)
					assert.LessOrEqual(t, faulty, 3)
				default:
					require.Len(t, r.Errors, 1, "%+v", r.Errors)
					assert.Equal(t, f.code, r.Errors[0].code())
					assert.Equal(t, []any{"room", "sessions"}, r.Errors[0].Path)
					assert.NotContains(t, r.Errors[0].Message, "127.0.0.1")
				}
				switch {
				case f.attempts > 0:
					assert.Equal(t, f.attempts, faulty, "attempts on the faulty route")
				case f.attempts < 0:
					assert.True(t, faulty >= 3 && faulty <= 6, "attempts on the faulty route: %d", faulty)
				}
				if s.sibling {
					var d struct {
						Rooms struct{ Nodes []struct{ ID string } }
					}
					require.NoError(t, json.Unmarshal(r.Data, &d))
					assert.Len(t, d.Rooms.Nodes, 3, "the healthy sibling keeps its data")
					assert.Equal(t, 1, stats.ByRoute[telnyxsim.RouteListRooms])
				}
			})
		}
	}
}

// TestMutationsAreNeverRetried: a write that fails is tried once.
func TestMutationsAreNeverRetried(t *testing.T) {
	h := newHarness(t, telnyxsim.Config{Rooms: 3}, quickResilience())
	for _, route := range []string{telnyxsim.RouteCreateRoom, telnyxsim.RouteDeleteRoom} {
		h.sim.SetFault(route, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503})
	}
	for _, q := range []string{`mutation { createRoom(input: {uniqueName: "x"}) { room { id } } }`,
		`mutation { deleteRoom(id: "` + h.sim.Rooms(keyA)[0].ID + `") { deletedRoomId } }`} {
		h.calls()
		r := h.post(t, q, nil)
		assert.Equal(t, []string{"UPSTREAM_UNAVAILABLE"}, r.codes())
		assert.Len(t, h.calls(), 1, q)
	}
}

// TestCircuitBreaker: once the upstream keeps failing, calls fail fast with no upstream call, and the
// breaker closes by itself after its cool-down.
func TestCircuitBreaker(t *testing.T) { forExecutors(t, testCircuitBreaker) }

func testCircuitBreaker(t *testing.T, e executor) {
	cfg := quickResilience()
	cfg.Resilience.BreakerFailures = 3
	cfg.Resilience.BreakerOpenFor = 2 * time.Second // the second request comes well within it, however loaded the host
	h := newHarness(t, telnyxsim.Config{Rooms: 3}, e.config(cfg))
	h.sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 500})
	const q = `{ rooms { totalCount } }`

	r := h.post(t, q, nil)
	assert.Equal(t, []string{"UPSTREAM_UNAVAILABLE"}, r.codes())
	assert.Len(t, h.calls(), 3, "three failed attempts open the breaker")

	r = h.post(t, q, nil)
	assert.Equal(t, []string{"UPSTREAM_UNAVAILABLE"}, r.codes())
	assert.Contains(t, r.Errors[0].Message, "stopped calling it")
	assert.Empty(t, h.calls(), "open: no upstream call")

	h.sim.ClearFaults()
	require.Eventually(t, func() bool {
		return len(h.post(t, q, nil).Errors) == 0
	}, 10*time.Second, 50*time.Millisecond, "the breaker closes again by itself")
}

// TestRateBudgetPerCredential: a 429 for one key holds that key's requests until the same instant; the
// other key's requests are not delayed.
func TestRateBudgetPerCredential(t *testing.T) { forExecutors(t, testRateBudgetPerCredential) }

func testRateBudgetPerCredential(t *testing.T, e executor) {
	cfg := quickResilience()
	cfg.Auth = gateway.AuthForward
	cfg.OperationTimeout = 5 * time.Second
	cfg.DisableCoalescing = true // key A's six identical reads each call, and so run into the limit
	h := newHarness(t, telnyxsim.Config{Rooms: 3}, e.config(cfg))
	// The simulator allows each key 2 requests per 2-second window.
	h.sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{RateLimit: 2, RateWindow: 2 * time.Second})
	const q = `{ rooms { totalCount } }`

	var wg sync.WaitGroup
	var mu sync.Mutex
	var aErrs []string
	var aDone atomic.Int32
	for range 6 {
		wg.Go(func() {
			r := h.post(t, q, nil, "Authorization", "Bearer "+keyA)
			mu.Lock()
			aErrs = append(aErrs, r.codes()...)
			mu.Unlock()
			aDone.Add(1)
		})
	}
	require.Eventually(t, func() bool {
		answered := 0
		for _, rec := range h.sim.Stats().Requests {
			if rec.Status == 200 {
				answered++
			}
		}
		return answered >= 2
	}, 10*time.Second, time.Millisecond, "key A used up its window (the rest are held or refused)")
	r := h.post(t, q, nil, "Authorization", "Bearer "+keyB)
	aDoneAtB := aDone.Load()
	wg.Wait()

	assert.Empty(t, r.codes(), "key B is not affected")
	assert.LessOrEqual(t, aDoneAtB, int32(2), "key B was answered before key A's held requests: it did not wait for A's budget")
	assert.Empty(t, aErrs, "key A's requests wait out the window together and then succeed")
	var rejected int
	for _, rec := range h.sim.Stats().Requests {
		if rec.Status == 429 {
			rejected++
		}
	}
	assert.LessOrEqual(t, rejected, 6, "held requests do not each hammer the upstream")
}
