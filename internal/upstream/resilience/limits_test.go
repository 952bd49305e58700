package resilience_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
	"github.com/roomgraph/roomgraph/telnyxsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inFlight wraps an upstream and records the peak of concurrent requests.
type inFlight struct {
	next      http.Handler
	cur, peak atomic.Int64
}

func (f *inFlight) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.cur.Add(1)
	defer f.cur.Add(-1)
	for {
		p := f.peak.Load()
		if n <= p || f.peak.CompareAndSwap(p, n) {
			break
		}
	}
	f.next.ServeHTTP(w, r)
}

func TestConcurrencyBound(t *testing.T) {
	const limit, requests = 3, 24
	sim := telnyxsim.New(telnyxsim.Config{Keys: []string{"k1", "k2"}, Rooms: 3, SessionsPerRoom: 1, ParticipantsPerSession: 1})
	sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{Latency: 5 * time.Millisecond})
	up := &inFlight{next: sim}
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	rt := newTransport(t, resilience.Config{MaxConcurrent: limit, MaxQueueWait: time.Minute}, resilience.Hooks{})

	var wg sync.WaitGroup
	statuses := make([]int, requests)
	errs := make([]error, requests)
	for i := range requests {
		wg.Go(func() {
			key := []string{"k1", "k2"}[i%2]
			statuses[i], errs[i] = do(t, context.Background(), rt, "GET", srv.URL+"/v2/rooms", key)
		})
	}
	wg.Wait()
	for i := range requests {
		require.NoError(t, errs[i])
		assert.Equal(t, 200, statuses[i])
	}
	assert.Equal(t, requests, sim.Stats().Total)
	assert.LessOrEqual(t, up.peak.Load(), int64(limit), "peak in flight at the upstream")
	assert.Positive(t, up.peak.Load())
}

// blocking is an upstream whose requests wait until released.
type blocking struct {
	arrived chan struct{}
	release chan struct{}
	count   atomic.Int64
}

func newBlocking(t *testing.T) (*blocking, string) {
	t.Helper()
	b := &blocking{arrived: make(chan struct{}, 16), release: make(chan struct{})}
	srv := httptest.NewServer(b)
	t.Cleanup(srv.Close)
	t.Cleanup(b.Release) // before srv.Close runs, so no handler is left blocked
	return b, srv.URL
}

func (b *blocking) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.count.Add(1)
	b.arrived <- struct{}{}
	select {
	case <-b.release:
	case <-r.Context().Done():
	}
	w.WriteHeader(http.StatusOK)
}

func (b *blocking) Release() {
	select {
	case <-b.release:
	default:
		close(b.release)
	}
}

func TestBusy(t *testing.T) {
	tests := []struct {
		name         string
		queueWait    time.Duration
		deadline     time.Duration // 0: none
		wantDeadline bool
	}{
		{name: "queue wait runs out", queueWait: 20 * time.Millisecond},
		{name: "deadline comes first", queueWait: time.Minute, deadline: 20 * time.Millisecond, wantDeadline: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			up, url := newBlocking(t)
			rt := newTransport(t, resilience.Config{MaxConcurrent: 1, MaxQueueWait: tc.queueWait}, resilience.Hooks{})

			first := make(chan error, 1)
			go func() {
				_, err := do(t, context.Background(), rt, "GET", url, "k1")
				first <- err
			}()
			<-up.arrived // the only slot is taken

			ctx := context.Background()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			_, err := do(t, ctx, rt, "GET", url, "k2")
			var re *resilience.Error
			require.ErrorAs(t, err, &re)
			assert.Equal(t, resilience.KindBusy, re.Kind)
			assert.ErrorIs(t, err, resilience.KindBusy)
			assert.Equal(t, tc.wantDeadline, assert.ObjectsAreEqual(context.DeadlineExceeded, re.Err))
			assert.Equal(t, int64(1), up.count.Load(), "the refused request never reached the upstream")

			up.Release()
			require.NoError(t, <-first)
			status, err := do(t, context.Background(), rt, "GET", url, "k2")
			require.NoError(t, err)
			assert.Equal(t, 200, status, "the slot is free again")
		})
	}
}

// A call keeps its slot until its response body is closed: the body is still
// coming from the upstream until then.
func TestSlotHeldUntilBodyClosed(t *testing.T) {
	_, url := newSim(t, telnyxsim.Config{})
	rt := newTransport(t, resilience.Config{MaxConcurrent: 1, MaxQueueWait: time.Millisecond}, resilience.Hooks{})

	req, err := http.NewRequest(http.MethodGet, url+"/v2/rooms", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer k1")
	resp, err := rt.RoundTrip(req)
	require.NoError(t, err)

	_, err = do(t, context.Background(), rt, "GET", url+"/v2/rooms", "k1")
	require.ErrorIs(t, err, resilience.KindBusy)

	require.NoError(t, resp.Body.Close())
	status, err := do(t, context.Background(), rt, "GET", url+"/v2/rooms", "k1")
	require.NoError(t, err)
	assert.Equal(t, 200, status)
}
