package resilience_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
	"github.com/roomgraph/roomgraph/telnyxsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBreakerOpensFailsFastAndCloses(t *testing.T) {
	c := newClock()
	sim, url := newSim(t, telnyxsim.Config{})
	sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503})
	var st states
	rt := newTransport(t, withClock(resilience.Config{BreakerFailures: 5, BreakerOpenFor: 5 * time.Second}, c),
		resilience.Hooks{OnStateChange: st.hook})
	ctx := context.Background()

	// 3 attempts, then 2 more: the fifth failure opens the circuit and the
	// third attempt of the second request is not made; its last 503 returns.
	for _, wantCalls := range []int{3, 5} {
		status, err := do(t, ctx, rt, "GET", url+"/v2/rooms", "k1")
		require.NoError(t, err)
		assert.Equal(t, 503, status)
		assert.Equal(t, wantCalls, sim.Stats().Total)
	}
	assert.Equal(t, "open", rt.BreakerState())

	// Open: every method fails fast, with no upstream call.
	for _, method := range []string{"GET", "POST", "DELETE"} {
		_, err := do(t, ctx, rt, method, url+"/v2/rooms", "k2")
		var re *resilience.Error
		require.ErrorAs(t, err, &re, method)
		assert.Equal(t, resilience.KindCircuitOpen, re.Kind)
		assert.Equal(t, 5*time.Second, re.RetryAfter)
		assert.ErrorIs(t, err, resilience.KindCircuitOpen)
	}
	assert.Equal(t, 5, sim.Stats().Total, "no upstream call while open")

	// Still open just before the cool-down ends.
	c.Advance(5*time.Second - time.Millisecond)
	_, err := do(t, ctx, rt, "GET", url+"/v2/rooms", "k1")
	require.ErrorIs(t, err, resilience.KindCircuitOpen)
	assert.Equal(t, 5, sim.Stats().Total)

	// After it, one probe goes through; the upstream has recovered.
	sim.ClearFaults()
	c.Advance(time.Millisecond)
	status, err := do(t, ctx, rt, "GET", url+"/v2/rooms", "k1")
	require.NoError(t, err)
	assert.Equal(t, 200, status)
	assert.Equal(t, 6, sim.Stats().Total)
	assert.Equal(t, "closed", rt.BreakerState())
	assert.Equal(t, []string{"closed>open", "open>half-open", "half-open>closed"}, st.List())
}

func TestBreakerFailedProbeReopens(t *testing.T) {
	c := newClock()
	sim, url := newSim(t, telnyxsim.Config{})
	sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 500})
	var st states
	rt := newTransport(t, withClock(resilience.Config{BreakerFailures: 3, BreakerOpenFor: time.Second}, c),
		resilience.Hooks{OnStateChange: st.hook})

	status, err := do(t, context.Background(), rt, "GET", url+"/v2/rooms", "k1")
	require.NoError(t, err)
	assert.Equal(t, 500, status)
	require.Equal(t, "open", rt.BreakerState())

	c.Advance(time.Second)
	status, err = do(t, context.Background(), rt, "GET", url+"/v2/rooms", "k1")
	require.NoError(t, err)
	assert.Equal(t, 500, status, "the failed probe's answer, not retried past the reopened breaker")
	assert.Equal(t, 4, sim.Stats().Total)
	assert.Equal(t, "open", rt.BreakerState())
	assert.Equal(t, []string{"closed>open", "open>half-open", "half-open>open"}, st.List())

	_, err = do(t, context.Background(), rt, "GET", url+"/v2/rooms", "k1")
	require.ErrorIs(t, err, resilience.KindCircuitOpen)
	assert.Equal(t, 4, sim.Stats().Total)
}

func TestBreakerIgnoresClientErrors(t *testing.T) {
	tests := []struct {
		name   string
		route  string
		fault  telnyxsim.Fault
		method string
		path   string
		want   int
	}{
		{name: "404", method: "GET", path: "/v2/rooms/" + unknownRoom, want: 404},
		{name: "422", method: "GET", path: "/v2/rooms?page%5Bsize%5D=999", want: 422},
		{name: "429", route: telnyxsim.RouteCreateRoom, fault: telnyxsim.Fault{TooManyRate: 1, RetryAfter: time.Millisecond},
			method: "POST", path: "/v2/rooms", want: 429},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sim, url := newSim(t, telnyxsim.Config{})
			if tc.route != "" {
				sim.SetFault(tc.route, tc.fault)
			}
			rt := newTransport(t, withClock(resilience.Config{BreakerFailures: 2}, newClock()), resilience.Hooks{})
			for range 6 {
				status, err := do(t, context.Background(), rt, tc.method, url+tc.path, "k1")
				require.NoError(t, err)
				assert.Equal(t, tc.want, status)
			}
			assert.Equal(t, "closed", rt.BreakerState())
			assert.Equal(t, 6, sim.Stats().Total)
		})
	}
}

// Failures must be consecutive: a success in between starts the count anew.
func TestBreakerCountsConsecutiveFailures(t *testing.T) {
	_, url := newScripted(t, answer{status: 500}, answer{status: 500}, answer{status: 200},
		answer{status: 500}, answer{status: 500}, answer{status: 200})
	rt := newTransport(t, withClock(resilience.Config{BreakerFailures: 3, MaxRetries: 5}, newClock()), resilience.Hooks{})
	for range 2 {
		status, err := do(t, context.Background(), rt, "GET", url, "k1")
		require.NoError(t, err)
		assert.Equal(t, 200, status)
	}
	assert.Equal(t, "closed", rt.BreakerState())
}

// While the half-open probe is out, other requests fail fast.
func TestBreakerSingleProbe(t *testing.T) {
	c := newClock()
	release := make(chan struct{})
	arrived := make(chan struct{}, 4)
	var fail atomic.Bool
	fail.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		arrived <- struct{}{}
		if fail.Load() {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		<-release
	}))
	t.Cleanup(srv.Close)
	rt := newTransport(t, withClock(resilience.Config{BreakerFailures: 1}, c), resilience.Hooks{})

	status, err := do(t, context.Background(), rt, "POST", srv.URL, "k1")
	require.NoError(t, err)
	require.Equal(t, 502, status)
	<-arrived
	require.Equal(t, "open", rt.BreakerState())

	fail.Store(false)
	c.Advance(resilience.DefaultBreakerOpenFor)
	probeDone := make(chan error, 1)
	go func() {
		_, err := do(t, context.Background(), rt, "GET", srv.URL, "k1")
		probeDone <- err
	}()
	<-arrived
	assert.Equal(t, "half-open", rt.BreakerState())

	_, err = do(t, context.Background(), rt, "GET", srv.URL, "k2")
	var re *resilience.Error
	require.True(t, errors.As(err, &re), "got %v", err)
	assert.Equal(t, resilience.KindCircuitOpen, re.Kind)

	close(release)
	require.NoError(t, <-probeDone)
	assert.Equal(t, "closed", rt.BreakerState())
}
