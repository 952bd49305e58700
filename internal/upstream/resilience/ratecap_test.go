package resilience_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
)

// An hour asked by the upstream is waited for at most MaxRetryAfter (default 60s), whichever header asks
// for it; shorter waits are honoured as they are.
func TestServerAskedWaitIsCapped(t *testing.T) {
	hour := map[string]string{"Retry-After": "3600"}
	tests := []struct {
		name     string
		cfg      resilience.Config
		answers  func(c *clock) []answer
		requests int             // GETs sent one after another (default 1)
		want     []time.Duration // every Sleep, in order
	}{
		{name: "429 Retry-After: 3600",
			answers: func(*clock) []answer { return []answer{{status: 429, headers: hour}, {status: 200}} },
			want:    []time.Duration{time.Minute}},
		{name: "429 Retry-After-Ms: 3600000",
			answers: func(*clock) []answer {
				return []answer{{status: 429, headers: map[string]string{"Retry-After-Ms": "3600000"}}, {status: 200}}
			},
			want: []time.Duration{time.Minute}},
		{name: "429 Retry-After as an HTTP date an hour away",
			answers: func(c *clock) []answer {
				date := c.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
				return []answer{{status: 429, headers: map[string]string{"Retry-After": date}}, {status: 200}}
			},
			want: []time.Duration{time.Minute}},
		{name: "x-ratelimit-remaining: 0 with x-ratelimit-reset: 3600", requests: 2,
			answers: func(*clock) []answer {
				return []answer{{status: 200, headers: map[string]string{"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": "3600"}},
					{status: 200}}
			},
			want: []time.Duration{time.Minute}},
		{name: "503 Retry-After: 3600",
			answers: func(*clock) []answer { return []answer{{status: 503, headers: hour}, {status: 200}} },
			want:    []time.Duration{time.Minute}},
		{name: "a wait below the cap is honoured as is",
			answers: func(*clock) []answer {
				return []answer{{status: 429, headers: map[string]string{"Retry-After": "30"}}, {status: 200}}
			},
			want: []time.Duration{30 * time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			up, url := newScripted(t, tc.answers(c)...)
			rt := newTransport(t, withClock(tc.cfg, c), resilience.Hooks{})
			for range max(tc.requests, 1) {
				status, err := do(t, context.Background(), rt, "GET", url, "k1")
				require.NoError(t, err)
				assert.Equal(t, 200, status)
			}
			assert.Equal(t, tc.want, c.Durations())
			assert.Equal(t, len(tc.answers(c)), up.Count())
		})
	}
}

// While a capped hold lasts, a request whose deadline comes first fails at once, naming the capped wait.
func TestCappedHoldFailsFast(t *testing.T) {
	up, url := newScripted(t, answer{status: 429, headers: map[string]string{"Retry-After": "3600"}})
	c := newClock()
	rt := newTransport(t, withClock(resilience.Config{}, c), resilience.Hooks{})
	status, err := do(t, context.Background(), rt, "POST", url, "k1")
	require.NoError(t, err)
	require.Equal(t, 429, status)

	c.Advance(10 * time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), c.Now().Add(15*time.Second))
	defer cancel()
	_, err = do(t, ctx, rt, "GET", url, "k1")
	var re *resilience.Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, resilience.KindRateLimited, re.Kind)
	assert.Equal(t, 50*time.Second, re.RetryAfter, "the rest of the capped wait, not of the hour")
	assert.Equal(t, 1, up.Count())
}

// When a capped hold passes, one request probes the upstream while the others of the credential wait for
// its answer: a 429 again holds them all for another capped wait, a success lets them all go.
func TestOneProbeWhenTheCapPasses(t *testing.T) {
	hour := map[string]string{"Retry-After": "3600"}
	up, url := newScripted(t, answer{status: 429, headers: hour}, answer{status: 429, headers: hour}, answer{status: 200})
	c := newClock()
	c.gated = true
	t0 := c.Now()
	rt := newTransport(t, withClock(resilience.Config{}, c), resilience.Hooks{})

	status, err := do(t, context.Background(), rt, "POST", url, "k1") // writes are not retried: one 429
	require.NoError(t, err)
	require.Equal(t, 429, status)

	const held = 3
	var wg sync.WaitGroup
	statuses := make([]int, held)
	for i := range held {
		wg.Go(func() {
			statuses[i], _ = do(t, withLabel(context.Background(), "held"), rt, "GET", url, "k1")
		})
	}
	t.Cleanup(func() { c.Advance(24 * time.Hour) }) // a failing run lets its requests go
	require.Eventually(t, func() bool { return c.Waiting() == held }, 5*time.Second, time.Millisecond, "all held")
	assert.Equal(t, 1, up.Count())

	c.Advance(time.Minute)
	require.Eventually(t, func() bool { return up.Count() == 2 && c.Waiting() == held }, 5*time.Second, time.Millisecond,
		"one probe got a 429 again, and every request waits for another capped wait")
	time.Sleep(20 * time.Millisecond)
	assert.Equal(t, 2, up.Count(), "only the probe went")

	c.Advance(time.Minute)
	wg.Wait()
	assert.Equal(t, []int{200, 200, 200}, statuses)
	assert.Equal(t, 2+held, up.Count(), "the second probe succeeded; then the others went")
	for _, s := range c.Sleeps() {
		assert.Contains(t, []time.Time{t0.Add(time.Minute), t0.Add(2 * time.Minute)}, s.until, "every wait ends with a capped hold")
	}
}

// roundTripFunc is a base transport made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func reply(r *http.Request, status int, headers map[string]string) *http.Response {
	h := http.Header{}
	for k, v := range headers {
		h.Set(k, v)
	}
	return &http.Response{StatusCode: status, Header: h, Body: http.NoBody, Request: r}
}

// rateHooks records OnHold and OnProbe.
type rateHooks struct {
	mu     sync.Mutex
	holds  []string
	probes []string
}

func (h *rateHooks) hooks() resilience.Hooks {
	return resilience.Hooks{
		OnHold: func(reason string, capped bool) {
			h.mu.Lock()
			defer h.mu.Unlock()
			if capped {
				reason += " capped"
			}
			h.holds = append(h.holds, reason)
		},
		OnProbe: func(outcome string) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.probes = append(h.probes, outcome)
		},
	}
}

func (h *rateHooks) seen() ([]string, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.holds...), append([]string(nil), h.probes...)
}

// The probe's outcomes: a request that waits for the probe gives up at its deadline with KindRateLimited;
// a probe without an answer leaves the probe to the next attempt; a probe's success clears the hold. The
// state is visible through RateLimit and RateLimitedCredentials, and the hooks see every hold and probe.
func TestProbeOutcomes(t *testing.T) {
	c := newClock()
	t0 := c.Now()
	var (
		mu      sync.Mutex
		script  []func(*http.Request) (*http.Response, error)
		arrived = make(chan struct{}, 8)
	)
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		next := script[0]
		if len(script) > 1 {
			script = script[1:]
		}
		mu.Unlock()
		arrived <- struct{}{}
		return next(r)
	})
	tooMany := func(r *http.Request) (*http.Response, error) {
		return reply(r, 429, map[string]string{"Retry-After": "3600"}), nil
	}
	gate := make(chan struct{})
	script = []func(*http.Request) (*http.Response, error){
		tooMany,
		func(*http.Request) (*http.Response, error) { return nil, io.ErrUnexpectedEOF }, // the first probe: no answer
		func(r *http.Request) (*http.Response, error) { <-gate; return reply(r, 200, nil), nil },
		func(r *http.Request) (*http.Response, error) { return reply(r, 200, nil), nil },
	}
	var hooks rateHooks
	rt := resilience.New(base, withClock(resilience.Config{BreakerFailures: 100}, c), hooks.hooks())

	status, err := do(t, context.Background(), rt, "POST", "http://upstream.test/rooms", "k1")
	require.NoError(t, err)
	require.Equal(t, 429, status)
	<-arrived
	assert.Equal(t, resilience.Hold{Until: t0.Add(time.Minute)}, rt.RateLimit("Bearer k1"))
	assert.True(t, rt.RateLimit("Bearer k1").Held(c.Now()))
	assert.False(t, rt.RateLimit("Bearer k2").Held(c.Now()), "another key is not held")
	assert.Equal(t, 1, rt.RateLimitedCredentials())

	c.Advance(time.Minute)
	assert.Zero(t, rt.RateLimitedCredentials(), "the capped wait has passed; nobody probes yet")
	probe := make(chan int, 1)
	go func() {
		s, err := do(t, context.Background(), rt, "GET", "http://upstream.test/rooms", "k1")
		assert.NoError(t, err)
		probe <- s
	}()
	<-arrived // the probe without an answer; the same request probes again after its backoff
	<-arrived // and waits at the gate
	assert.True(t, rt.RateLimit("Bearer k1").Probing)
	assert.Equal(t, 1, rt.RateLimitedCredentials())

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	_, err = do(t, ctx, rt, "GET", "http://upstream.test/rooms", "k1")
	cancel()
	var re *resilience.Error
	require.ErrorAs(t, err, &re, "a request waiting for the probe gives up at its deadline")
	assert.Equal(t, resilience.KindRateLimited, re.Kind)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	close(gate)
	assert.Equal(t, 200, <-probe)
	assert.Equal(t, resilience.Hold{}, rt.RateLimit("Bearer k1"), "cleared")
	status, err = do(t, context.Background(), rt, "GET", "http://upstream.test/rooms", "k1")
	require.NoError(t, err)
	assert.Equal(t, 200, status)
	<-arrived

	holds, probes := hooks.seen()
	assert.Equal(t, []string{resilience.HoldTooManyRequests + " capped"}, holds)
	assert.Equal(t, []string{resilience.ProbeNoAnswer, resilience.ProbeCleared}, probes)
	assert.Equal(t, []time.Duration{50 * time.Millisecond}, c.Durations(), "the backoff after the probe without an answer")
}

// Holds that were capped stay in the book until a request probes, or a whole capped wait after they
// passed; then they are swept like the others.
func TestCappedHoldsAreSwept(t *testing.T) {
	_, url := newScripted(t, answer{status: 429, headers: map[string]string{"Retry-After": "3600"}})
	c := newClock()
	rt := newTransport(t, withClock(resilience.Config{}, c), resilience.Hooks{})
	post := func(key string) {
		t.Helper()
		status, err := do(t, context.Background(), rt, "POST", url, key)
		require.NoError(t, err)
		require.Equal(t, 429, status)
	}
	for i := range 100 {
		post(fmt.Sprintf("old-%d", i))
	}
	assert.Equal(t, 100, rt.RateLimitedCredentials())
	c.Advance(time.Minute)
	assert.Zero(t, rt.RateLimitedCredentials())
	assert.Equal(t, 100, resilience.HeldCredentials(rt), "kept: their next request probes")

	c.Advance(time.Minute)
	for i := range 100 {
		post(fmt.Sprintf("new-%d", i))
	}
	assert.LessOrEqual(t, resilience.HeldCredentials(rt), 128, "a capped wait later, swept")
	assert.Equal(t, 100, rt.RateLimitedCredentials())
}
