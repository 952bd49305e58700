package coalesce_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/roomgraph/roomgraph/coalesce"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

const k1, k2 = "KEY_one", "KEY_two"

type fixture struct {
	sim    *telnyxsim.Sim
	url    string
	client *http.Client
	shared atomic.Int64
	hits   atomic.Int64
	now    atomic.Int64 // unix nanos of the fake clock
}

func newFixture(t *testing.T, cfg coalesce.Config) *fixture {
	t.Helper()
	f := &fixture{sim: telnyxsim.New(telnyxsim.Config{Keys: []string{k1, k2}, Rooms: 4})}
	srv := httptest.NewServer(f.sim)
	t.Cleanup(srv.Close)
	f.url = srv.URL + "/v2"
	f.now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	cfg.Now = func() time.Time { return time.Unix(0, f.now.Load()) }
	f.client = &http.Client{Transport: coalesce.New(http.DefaultTransport, cfg, coalesce.Hooks{
		OnShared:   func(context.Context) { f.shared.Add(1) },
		OnCacheHit: func(context.Context) { f.hits.Add(1) },
	})}
	return f
}

func (f *fixture) do(t *testing.T, ctx context.Context, method, path, key string) (int, string, error) {
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(`{"unique_name":"r-` + time.Now().Format("150405.000000000") + `"}`)
	}
	req, err := http.NewRequestWithContext(ctx, method, f.url+path, body)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { f(i) })
	}
	wg.Wait()
}

func TestIdenticalReadsInFlightShareOneCall(t *testing.T) {
	f := newFixture(t, coalesce.Config{})
	f.sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{Latency: 150 * time.Millisecond})
	bodies := make([]string, 10)
	parallel(10, func(i int) {
		status, body, err := f.do(t, context.Background(), http.MethodGet, "/rooms?page%5Bsize%5D=2", k1)
		assert.NoError(t, err)
		assert.Equal(t, 200, status)
		bodies[i] = body
	})
	assert.Equal(t, 1, f.sim.Stats().Total, "one upstream call")
	assert.Equal(t, int64(9), f.shared.Load())
	for _, b := range bodies {
		assert.Equal(t, bodies[0], b)
	}
}

func TestCredentialsNeverShare(t *testing.T) {
	f := newFixture(t, coalesce.Config{CacheTTL: time.Minute})
	f.sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{Latency: 100 * time.Millisecond})
	bodies := map[string][]string{}
	var mu sync.Mutex
	parallel(10, func(i int) {
		key := []string{k1, k2}[i%2]
		_, body, err := f.do(t, context.Background(), http.MethodGet, "/rooms", key)
		assert.NoError(t, err)
		mu.Lock()
		bodies[key] = append(bodies[key], body)
		mu.Unlock()
	})
	assert.Equal(t, 2, f.sim.Stats().Total, "one call per credential")
	require.NotEqual(t, bodies[k1][0], bodies[k2][0])
	for _, r := range f.sim.Rooms(k2) {
		assert.NotContains(t, bodies[k1][0], r.ID, "k1 never sees k2's rooms")
	}
	for _, b := range bodies[k1] {
		assert.Equal(t, bodies[k1][0], b)
	}
	// From the cache, still per credential.
	_, b2, _ := f.do(t, context.Background(), http.MethodGet, "/rooms", k2)
	assert.Equal(t, bodies[k2][0], b2)
	assert.Equal(t, 2, f.sim.Stats().Total)
}

func TestWritesAreNeverShared(t *testing.T) {
	f := newFixture(t, coalesce.Config{})
	f.sim.SetFault(telnyxsim.RouteCreateRoom, telnyxsim.Fault{Latency: 50 * time.Millisecond})
	parallel(5, func(int) {
		status, _, err := f.do(t, context.Background(), http.MethodPost, "/rooms", k1)
		assert.NoError(t, err)
		assert.Equal(t, 201, status)
	})
	assert.Equal(t, 5, f.sim.Stats().ByRoute[telnyxsim.RouteCreateRoom])
	assert.Zero(t, f.shared.Load())
}

func TestOneCallerGivingUpDoesNotFailTheOthers(t *testing.T) {
	f := newFixture(t, coalesce.Config{})
	f.sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{Latency: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		_, _, err := f.do(t, ctx, http.MethodGet, "/rooms", k1)
		assert.ErrorIs(t, err, context.Canceled)
	})
	time.Sleep(30 * time.Millisecond) // the first caller leads the shared call
	results := make([]int, 3)
	wg.Go(func() {
		parallel(3, func(i int) { results[i], _, _ = f.do(t, context.Background(), http.MethodGet, "/rooms", k1) })
	})
	time.Sleep(30 * time.Millisecond)
	cancel()
	wg.Wait()
	assert.Equal(t, []int{200, 200, 200}, results)
	assert.Equal(t, 1, f.sim.Stats().Total)
}

func TestShortLivedCache(t *testing.T) {
	f := newFixture(t, coalesce.Config{CacheTTL: 10 * time.Second})
	get := func(key string) int {
		status, _, err := f.do(t, context.Background(), http.MethodGet, "/rooms", key)
		require.NoError(t, err)
		return status
	}
	get(k1)
	get(k1)
	get(k2)
	assert.Equal(t, 2, f.sim.Stats().Total, "the second k1 read is a cache hit")
	assert.Equal(t, int64(1), f.hits.Load())

	// A write of k1 forgets k1's reads, not k2's.
	status, _, err := f.do(t, context.Background(), http.MethodPost, "/rooms", k1)
	require.NoError(t, err)
	require.Equal(t, 201, status)
	get(k1)
	get(k2)
	assert.Equal(t, 4, f.sim.Stats().Total, "k1 read again upstream after its write; k2 from the cache")

	// Entries expire.
	f.now.Add(int64(11 * time.Second))
	get(k2)
	assert.Equal(t, 5, f.sim.Stats().Total)

	// Errors are not cached.
	f.sim.SetFault(telnyxsim.RouteGetRoom, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503})
	for range 2 {
		status, _, err := f.do(t, context.Background(), http.MethodGet, "/rooms/"+f.sim.Rooms(k1)[0].ID, k1)
		require.NoError(t, err)
		assert.Equal(t, 503, status)
	}
	assert.Equal(t, 2, f.sim.Stats().ByRoute[telnyxsim.RouteGetRoom])
}

func TestCacheIsBounded(t *testing.T) {
	f := newFixture(t, coalesce.Config{CacheTTL: time.Minute, CacheEntries: 2})
	rooms := f.sim.Rooms(k1)
	for _, r := range rooms[:3] {
		_, _, err := f.do(t, context.Background(), http.MethodGet, "/rooms/"+r.ID, k1)
		require.NoError(t, err)
	}
	_, _, _ = f.do(t, context.Background(), http.MethodGet, "/rooms/"+rooms[0].ID, k1)
	assert.Equal(t, 4, f.sim.Stats().Total, "the oldest entry was evicted")
	_, _, _ = f.do(t, context.Background(), http.MethodGet, "/rooms/"+rooms[2].ID, k1)
	assert.Equal(t, 4, f.sim.Stats().Total, "a recent entry is still cached")
}

type panicking struct{}

func (panicking) RoundTrip(*http.Request) (*http.Response, error) { panic("boom") }

// TestPanicBelowReachesTheCaller: a panic in the wrapped transport panics again on the caller's
// goroutine, where the caller's own recovery applies, instead of on singleflight's, which would crash.
func TestPanicBelowReachesTheCaller(t *testing.T) {
	c := &http.Client{Transport: coalesce.New(panicking{}, coalesce.Config{}, coalesce.Hooks{})}
	assert.PanicsWithValue(t, "boom", func() { _, _ = c.Get("http://127.0.0.1:1/v2/rooms") })
}
