package resilience_test

import (
	"context"
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
