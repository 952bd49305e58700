package resilience_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
	"github.com/roomgraph/roomgraph/telnyxsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetriesAgainstSimulator(t *testing.T) {
	tests := []struct {
		name       string
		route      string // where the fault goes
		fault      telnyxsim.Fault
		method     string
		path       string
		key        string // default k1
		cfg        resilience.Config
		wantStatus int  // 0: an error is expected
		wantErr    bool // the base transport's error, not an *resilience.Error
		wantCalls  int  // upstream requests = attempts
	}{
		{name: "503 retried twice", route: telnyxsim.RouteListRooms,
			fault: telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503}, method: "GET", path: "/v2/rooms",
			wantStatus: 503, wantCalls: 3},
		{name: "500 retried MaxRetries times", route: telnyxsim.RouteListRooms,
			fault: telnyxsim.Fault{ErrorRate: 1}, method: "GET", path: "/v2/rooms",
			cfg: resilience.Config{MaxRetries: 4}, wantStatus: 500, wantCalls: 5},
		{name: "408 retried", route: telnyxsim.RouteListRooms,
			fault: telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 408}, method: "GET", path: "/v2/rooms",
			wantStatus: 408, wantCalls: 3},
		{name: "429 retried", route: telnyxsim.RouteListRooms,
			fault: telnyxsim.Fault{TooManyRate: 1, RetryAfter: 10 * time.Millisecond}, method: "GET", path: "/v2/rooms",
			wantStatus: 429, wantCalls: 3},
		{name: "404 not retried", method: "GET", path: "/v2/rooms/" + unknownRoom,
			wantStatus: 404, wantCalls: 1},
		{name: "401 not retried", method: "GET", path: "/v2/rooms", key: "unknown-key",
			wantStatus: 401, wantCalls: 1},
		{name: "200 once", method: "GET", path: "/v2/rooms",
			wantStatus: 200, wantCalls: 1},
		{name: "POST 503 not retried", route: telnyxsim.RouteCreateRoom,
			fault: telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503}, method: "POST", path: "/v2/rooms",
			wantStatus: 503, wantCalls: 1},
		{name: "PATCH 503 not retried", route: telnyxsim.RouteUpdateRoom,
			fault: telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503}, method: "PATCH", path: "/v2/rooms/" + unknownRoom,
			wantStatus: 503, wantCalls: 1},
		{name: "DELETE 503 not retried", route: telnyxsim.RouteDeleteRoom,
			fault: telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503}, method: "DELETE", path: "/v2/rooms/" + unknownRoom,
			wantStatus: 503, wantCalls: 1},
		{name: "POST 429 not retried", route: telnyxsim.RouteCreateRoom,
			fault: telnyxsim.Fault{TooManyRate: 1, RetryAfter: 10 * time.Millisecond}, method: "POST", path: "/v2/rooms",
			wantStatus: 429, wantCalls: 1},
		{name: "POST generate_join_client_token 503 not retried", route: telnyxsim.RouteGenerateJoinClientToken,
			fault: telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503}, method: "POST", path: "/v2/rooms/" + unknownRoom + "/actions/generate_join_client_token",
			wantStatus: 503, wantCalls: 1},
		{name: "POST refresh_client_token 429 not retried", route: telnyxsim.RouteRefreshClientToken,
			fault: telnyxsim.Fault{TooManyRate: 1, RetryAfter: 10 * time.Millisecond}, method: "POST", path: "/v2/rooms/" + unknownRoom + "/actions/refresh_client_token",
			wantStatus: 429, wantCalls: 1},
		{name: "POST generate_join_client_token reset not retried", route: telnyxsim.RouteGenerateJoinClientToken,
			fault: telnyxsim.Fault{ResetRate: 1}, method: "POST", path: "/v2/rooms/" + unknownRoom + "/actions/generate_join_client_token",
			wantErr: true, wantCalls: 1},
		{name: "connection reset retried", route: telnyxsim.RouteListRooms,
			fault: telnyxsim.Fault{ResetRate: 1}, method: "GET", path: "/v2/rooms",
			wantErr: true, wantCalls: 3},
		{name: "POST connection reset not retried", route: telnyxsim.RouteCreateRoom,
			fault: telnyxsim.Fault{ResetRate: 1}, method: "POST", path: "/v2/rooms",
			wantErr: true, wantCalls: 1},
		{name: "hang cut by attempt timeout and retried", route: telnyxsim.RouteListRooms,
			fault: telnyxsim.Fault{HangRate: 1}, method: "GET", path: "/v2/rooms",
			cfg: resilience.Config{AttemptTimeout: 20 * time.Millisecond}, wantErr: true, wantCalls: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sim, url := newSim(t, telnyxsim.Config{})
			if tc.route != "" {
				sim.SetFault(tc.route, tc.fault)
			}
			var seen attempts
			rt := newTransport(t, withClock(tc.cfg, newClock()), resilience.Hooks{OnAttempt: seen.hook})

			key := tc.key
			if key == "" {
				key = "k1"
			}
			status, err := do(t, context.Background(), rt, tc.method, url+tc.path, key)
			if tc.wantErr {
				require.Error(t, err)
				var re *resilience.Error
				assert.False(t, errors.As(err, &re), "a transport failure is not a refusal: %v", err)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tc.wantStatus, status)
			}
			assert.Equal(t, tc.wantCalls, sim.Stats().Total, "upstream requests")
			got := seen.List()
			require.Len(t, got, tc.wantCalls, "OnAttempt calls")
			for i, a := range got {
				assert.Equal(t, i+1, a.Number)
				assert.Equal(t, tc.method, a.Method)
				assert.Equal(t, strings.SplitN(tc.path, "?", 2)[0], a.Path)
			}
		})
	}
}

func TestRetriesAgainstScriptedUpstream(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		answers    []answer
		wantStatus int
		wantCalls  int
	}{
		{name: "recovers after two 503s", method: "GET",
			answers:    []answer{{status: 503}, {status: 502}, {status: 200}},
			wantStatus: 200, wantCalls: 3},
		{name: "HEAD retried", method: "HEAD",
			answers:    []answer{{status: 503}},
			wantStatus: 503, wantCalls: 3},
		{name: "x-should-retry false stops a 503", method: "GET",
			answers:    []answer{{status: 503, headers: map[string]string{"X-Should-Retry": "false"}}},
			wantStatus: 503, wantCalls: 1},
		{name: "x-should-retry true retries a 409", method: "GET",
			answers:    []answer{{status: 409, headers: map[string]string{"x-should-retry": "true"}}, {status: 200}},
			wantStatus: 200, wantCalls: 2},
		{name: "x-should-retry true does not retry a POST", method: "POST",
			answers:    []answer{{status: 409, headers: map[string]string{"x-should-retry": "true"}}},
			wantStatus: 409, wantCalls: 1},
		{name: "400 not retried", method: "GET",
			answers:    []answer{{status: 400}},
			wantStatus: 400, wantCalls: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			up, url := newScripted(t, tc.answers...)
			rt := newTransport(t, withClock(resilience.Config{}, newClock()), resilience.Hooks{})
			status, err := do(t, context.Background(), rt, tc.method, url+"/v2/rooms", "k1")
			require.NoError(t, err)
			assert.Equal(t, tc.wantStatus, status)
			assert.Equal(t, tc.wantCalls, up.Count())
		})
	}
}

// The body of a response that was retried is buffered, so when the retries
// run out it reaches the caller intact.
func TestLastResponseBodyIntact(t *testing.T) {
	_, url := newScripted(t, answer{status: 503})
	rt := newTransport(t, withClock(resilience.Config{}, newClock()), resilience.Hooks{})
	req, err := http.NewRequest(http.MethodGet, url+"/v2/rooms", nil)
	require.NoError(t, err)
	resp, err := rt.RoundTrip(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	buf := new(strings.Builder)
	_, err = io.Copy(buf, resp.Body)
	require.NoError(t, err)
	assert.Equal(t, 503, resp.StatusCode)
	assert.JSONEq(t, `{"errors":[{"code":"10007","title":"scripted"}]}`, buf.String())
}

// A GET with a replayable body sends it again on every attempt.
func TestRetryReplaysBody(t *testing.T) {
	var (
		mu     sync.Mutex
		bodies []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	rt := newTransport(t, withClock(resilience.Config{}, newClock()), resilience.Hooks{})
	req, err := http.NewRequest(http.MethodGet, srv.URL, strings.NewReader("q=1"))
	require.NoError(t, err)
	resp, err := rt.RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"q=1", "q=1", "q=1"}, bodies)
}

func TestDelays(t *testing.T) {
	tests := []struct {
		name     string
		cfg      resilience.Config
		simFault *telnyxsim.Fault // else answers from a scripted upstream
		answers  func(c *clock) []answer
		want     []time.Duration // every Sleep, in order
	}{
		{name: "full jitter backoff doubles", cfg: resilience.Config{BaseDelay: 100 * time.Millisecond},
			answers: func(*clock) []answer { return []answer{{status: 503}} },
			want:    []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}},
		{name: "backoff capped by MaxDelay",
			cfg:     resilience.Config{BaseDelay: time.Second, MaxDelay: 1500 * time.Millisecond, MaxRetries: 3, Rand: func() float64 { return 1 }},
			answers: func(*clock) []answer { return []answer{{status: 500}} },
			want:    []time.Duration{time.Second, 1500 * time.Millisecond, 1500 * time.Millisecond}},
		{name: "zero draw waits nothing", cfg: resilience.Config{Rand: func() float64 { return 0 }},
			answers: func(*clock) []answer { return []answer{{status: 500}} },
			want:    nil},
		{name: "Retry-After seconds on a 503 beats a shorter backoff",
			answers: func(*clock) []answer {
				return []answer{{status: 503, headers: map[string]string{"Retry-After": "3"}}}
			},
			want: []time.Duration{3 * time.Second, 3 * time.Second}},
		{name: "backoff beats a shorter Retry-After",
			cfg: resilience.Config{BaseDelay: 2 * time.Second, MaxDelay: 8 * time.Second},
			answers: func(*clock) []answer {
				return []answer{{status: 503, headers: map[string]string{"Retry-After-Ms": "10"}}}
			},
			want: []time.Duration{time.Second, 2 * time.Second}},
		{name: "Retry-After HTTP date",
			answers: func(c *clock) []answer {
				date := c.Now().Add(4 * time.Second).UTC().Format(http.TimeFormat)
				return []answer{{status: 503, headers: map[string]string{"Retry-After": date}}, {status: 200}}
			},
			want: []time.Duration{4 * time.Second}},
		{name: "429 without header waits DefaultRetryAfter", cfg: resilience.Config{DefaultRetryAfter: 700 * time.Millisecond},
			answers: func(*clock) []answer { return []answer{{status: 429}, {status: 200}} },
			want:    []time.Duration{700 * time.Millisecond}},
		{name: "429 from the simulator: Retry-After-Ms wins over rounded Retry-After",
			simFault: &telnyxsim.Fault{TooManyRate: 1, RetryAfter: 1500 * time.Millisecond},
			want:     []time.Duration{1500 * time.Millisecond, 1500 * time.Millisecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			var url string
			if tc.simFault != nil {
				var sim *telnyxsim.Sim
				sim, url = newSim(t, telnyxsim.Config{Now: c.Now})
				sim.SetFault(telnyxsim.RouteListRooms, *tc.simFault)
			} else {
				_, url = newScripted(t, tc.answers(c)...)
			}
			var seen attempts
			rt := newTransport(t, withClock(tc.cfg, c), resilience.Hooks{OnAttempt: seen.hook})
			_, err := do(t, context.Background(), rt, "GET", url+"/v2/rooms", "k1")
			require.NoError(t, err)
			assert.Equal(t, tc.want, c.Durations())

			// Waited reports the same waits, one attempt later.
			got := seen.List()
			require.NotEmpty(t, got)
			assert.Zero(t, got[0].Waited)
			for i, a := range got[1:] {
				want := time.Duration(0)
				if tc.want != nil {
					want = tc.want[i]
				}
				assert.Equal(t, want, a.Waited, "attempt %d", a.Number)
			}
		})
	}
}

// A short deadline and a long server-asked wait: the Transport returns the
// 429 at once instead of sleeping into the deadline, and later requests of the
// same credential are refused up front while its budget is held.
func TestDeadlineRespected(t *testing.T) {
	sim, url := newSim(t, telnyxsim.Config{})
	sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{TooManyRate: 1, RetryAfter: time.Minute})
	rt := newTransport(t, resilience.Config{}, resilience.Hooks{})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	status, err := do(t, ctx, rt, "GET", url+"/v2/rooms", "k1")
	require.NoError(t, err)
	assert.Equal(t, 429, status, "the last response, as is")
	assert.NoError(t, ctx.Err(), "returned before the deadline")
	assert.Equal(t, 1, sim.Stats().Total)

	_, err = do(t, ctx, rt, "GET", url+"/v2/rooms", "k1")
	var re *resilience.Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, resilience.KindRateLimited, re.Kind)
	assert.Greater(t, re.RetryAfter, 50*time.Second)
	assert.LessOrEqual(t, re.RetryAfter, time.Minute)
	assert.NotErrorIs(t, err, context.DeadlineExceeded, "not a timeout: the deadline has not passed")
	assert.Equal(t, 1, sim.Stats().Total, "refused without an upstream call")

	// Another credential is not held back.
	status, err = do(t, ctx, rt, "GET", url+"/v2/rooms", "k2")
	require.NoError(t, err)
	assert.Equal(t, 429, status)
	assert.Equal(t, 2, sim.Stats().Total)
}

func TestBackoffBeyondDeadlineReturnsLastResponse(t *testing.T) {
	up, url := newScripted(t, answer{status: 503, headers: map[string]string{"Retry-After": "30"}})
	c := newClock()
	rt := newTransport(t, withClock(resilience.Config{}, c), resilience.Hooks{})
	ctx, cancel := context.WithDeadline(context.Background(), c.Now().Add(10*time.Second))
	defer cancel()
	status, err := do(t, ctx, rt, "GET", url, "k1")
	require.NoError(t, err)
	assert.Equal(t, 503, status)
	assert.Equal(t, 1, up.Count())
	assert.Empty(t, c.Sleeps(), "no wait that could not end before the deadline")
}

// The caller's own cancellation is neither retried nor a breaker failure.
func TestCallerCancellationNotRetried(t *testing.T) {
	sim, url := newSim(t, telnyxsim.Config{})
	sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{HangRate: 1})
	rt := newTransport(t, withClock(resilience.Config{BreakerFailures: 1}, newClock()), resilience.Hooks{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for sim.Stats().Total == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := do(t, ctx, rt, "GET", url+"/v2/rooms", "k1")
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, sim.Stats().Total)
	assert.Equal(t, "closed", rt.BreakerState())
}

// With the default timer-based Sleep: short real backoffs, and a long one cut
// short by the caller's cancellation.
func TestRealTimers(t *testing.T) {
	t.Run("short backoff", func(t *testing.T) {
		sim, url := newSim(t, telnyxsim.Config{})
		sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503})
		rt := newTransport(t, resilience.Config{BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}, resilience.Hooks{})
		status, err := do(t, context.Background(), rt, "GET", url+"/v2/rooms", "k1")
		require.NoError(t, err)
		assert.Equal(t, 503, status)
		assert.Equal(t, 3, sim.Stats().Total)
	})
	t.Run("cancelled while waiting", func(t *testing.T) {
		up, url := newScripted(t, answer{status: 503, headers: map[string]string{"Retry-After": "3600"}})
		var seen attempts
		rt := newTransport(t, resilience.Config{}, resilience.Hooks{OnAttempt: seen.hook})
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			for len(seen.List()) == 0 {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
		_, err := do(t, ctx, rt, "GET", url, "k1")
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, up.Count())
	})
}

// A retryable answer too large to keep in memory is final: it is returned,
// whole, instead of being retried.
func TestLargeErrorBodyNotRetried(t *testing.T) {
	big := strings.Repeat("x", 300<<10)
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, big)
	}))
	t.Cleanup(srv.Close)
	rt := newTransport(t, withClock(resilience.Config{MaxConcurrent: 1, MaxQueueWait: time.Millisecond}, newClock()), resilience.Hooks{})
	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	resp, err := rt.RoundTrip(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, 502, resp.StatusCode)
	assert.Len(t, b, len(big))
	assert.Equal(t, int64(1), calls.Load())

	// Its slot was released when the body was closed.
	resp, err = rt.RoundTrip(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
}
