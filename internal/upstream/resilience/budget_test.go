package resilience_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
	"github.com/roomgraph/roomgraph/telnyxsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// k1 exhausts its window at the simulator (2 requests per second, per key).
// Whether a k1 request got a 429 or saw the budget held before its first
// attempt, every k1 request still waiting waits for the same instant, the
// window's reset; k2, meanwhile, is not delayed at all. The clock is gated:
// nothing moves until the test advances it.
func TestBudgetPerCredential(t *testing.T) {
	c := newClock()
	c.gated = true
	t0 := c.Now()
	sim, url := newSim(t, telnyxsim.Config{Now: c.Now})
	sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{RateLimit: 2, RateWindow: time.Second})
	var seen attempts
	rt := newTransport(t, withClock(resilience.Config{}, c), resilience.Hooks{OnAttempt: seen.hook})

	const k1Requests = 4
	var (
		wg     sync.WaitGroup
		k1Done atomic.Int64
	)
	statuses := make([]int, k1Requests)
	errs := make([]error, k1Requests)
	for i := range k1Requests {
		wg.Go(func() {
			statuses[i], errs[i] = do(t, withLabel(context.Background(), "k1"), rt, "GET", url+"/v2/rooms", "k1")
			k1Done.Add(1)
		})
	}
	// Two k1 requests fit the window; the other two end up waiting.
	require.Eventually(t, func() bool { return k1Done.Load() == 2 && c.Waiting() == 2 },
		5*time.Second, time.Millisecond)

	// k2 has its own budget: two requests, no wait, while k1 is held.
	for range 2 {
		status, err := do(t, withLabel(context.Background(), "k2"), rt, "GET", url+"/v2/rooms", "k2")
		require.NoError(t, err)
		assert.Equal(t, 200, status)
	}
	assert.Equal(t, int64(2), k1Done.Load(), "k1 still held after k2 went through")

	// A k1 request whose deadline comes before the instant fails at once.
	ctx, cancel := context.WithDeadline(context.Background(), t0.Add(500*time.Millisecond))
	_, err := do(t, ctx, rt, "GET", url+"/v2/rooms", "k1")
	cancel()
	var re *resilience.Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, resilience.KindRateLimited, re.Kind)
	assert.Equal(t, time.Second, re.RetryAfter, "the remaining wait")

	c.Advance(time.Second) // the window resets: the held k1 requests go
	wg.Wait()
	for i := range k1Requests {
		require.NoError(t, errs[i])
		assert.Equal(t, 200, statuses[i])
	}

	for _, s := range c.Sleeps() {
		assert.Equal(t, "k1", s.label, "only k1 waits")
		assert.Equal(t, t0.Add(time.Second), s.until, "every k1 wait ends at the same instant")
	}
	assert.Len(t, c.Sleeps(), 2)

	var tooMany int
	for _, s := range seen.Statuses() {
		if s == 429 {
			tooMany++
		}
	}
	assert.LessOrEqual(t, tooMany, 2)
	assert.Equal(t, k1Requests+2+tooMany, sim.Stats().Total, "each 429 cost exactly one extra attempt")
}

// x-ratelimit-remaining: 0 on a success holds the credential for
// x-ratelimit-reset seconds before its next request, mutations included.
func TestBudgetFromRemainingZero(t *testing.T) {
	up, url := newScripted(t,
		answer{status: 200, headers: map[string]string{"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": "3"}},
		answer{status: 201, headers: map[string]string{"X-Ratelimit-Remaining": "5", "X-Ratelimit-Reset": "3"}})
	c := newClock()
	rt := newTransport(t, withClock(resilience.Config{}, c), resilience.Hooks{})

	status, err := do(t, context.Background(), rt, "GET", url, "k1")
	require.NoError(t, err)
	assert.Equal(t, 200, status)
	assert.Empty(t, c.Sleeps())

	status, err = do(t, context.Background(), rt, "POST", url, "k1")
	require.NoError(t, err)
	assert.Equal(t, 201, status)
	assert.Equal(t, []time.Duration{3 * time.Second}, c.Durations())
	assert.Equal(t, 2, up.Count())
}

// Entries whose instant has passed are dropped, so the book holds only the
// credentials currently held back.
func TestBudgetBookBounded(t *testing.T) {
	_, url := newScripted(t, answer{status: 429, headers: map[string]string{"Retry-After-Ms": "1000"}})
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
	assert.Equal(t, 100, resilience.HeldCredentials(rt))

	c.Advance(2 * time.Second)
	for i := range 100 {
		post(fmt.Sprintf("new-%d", i))
	}
	assert.LessOrEqual(t, resilience.HeldCredentials(rt), 128, "expired entries swept")
	assert.GreaterOrEqual(t, resilience.HeldCredentials(rt), 100, "live entries kept")
	assert.Empty(t, c.Sleeps(), "distinct credentials never wait for each other")
}
