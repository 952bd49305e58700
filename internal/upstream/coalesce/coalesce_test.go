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

	"github.com/roomgraph/roomgraph/internal/upstream/coalesce"
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
	// The shared call lasts a second: the other callers join it however slowly their goroutines start.
	f.sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{Latency: time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		_, _, err := f.do(t, ctx, http.MethodGet, "/rooms", k1)
		assert.ErrorIs(t, err, context.Canceled)
	})
	require.Eventually(t, func() bool { return f.sim.Stats().Total == 1 }, 5*time.Second, time.Millisecond,
		"the first caller leads the shared call")
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

// decodeVia sends a GET and decodes its body through ShareDecoded when the body offers it.
func (f *fixture) decodeVia(t *testing.T, path, key string, decodeKey any, decode func([]byte) (any, error)) (any, error) {
	req, err := http.NewRequest(http.MethodGet, f.url+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := f.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	sb, ok := resp.Body.(interface {
		ShareDecoded(any, func([]byte) (any, error)) (any, error)
	})
	require.True(t, ok, "a read's body can share its decoded value")
	return sb.ShareDecoded(decodeKey, decode)
}

func TestSharedCallsDecodeOnce(t *testing.T) {
	f := newFixture(t, coalesce.Config{})
	f.sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{Latency: 150 * time.Millisecond})
	type listKey struct{}
	type otherKey struct{}
	var decodes, others atomic.Int32
	values := make([]any, 10)
	parallel(10, func(i int) {
		key, counter := any(listKey{}), &decodes
		if i%5 == 4 {
			key, counter = otherKey{}, &others
		}
		v, err := f.decodeVia(t, "/rooms?page%5Bsize%5D=2", k1, key, func(b []byte) (any, error) {
			counter.Add(1)
			s := string(b)
			return &s, nil
		})
		assert.NoError(t, err)
		values[i] = v
	})
	require.Equal(t, 1, f.sim.Stats().Total, "one upstream call")
	assert.Equal(t, int32(1), decodes.Load(), "one decode for the eight callers with the same key")
	assert.Equal(t, int32(1), others.Load(), "another key decodes on its own, once")
	for i, v := range values {
		if i%5 != 4 {
			assert.Same(t, values[0], v, "the same value for every caller of the key")
		}
	}
	assert.NotSame(t, values[0], values[4])

	// Another credential never sees the value.
	v, err := f.decodeVia(t, "/rooms?page%5Bsize%5D=2", k2, listKey{}, func(b []byte) (any, error) { s := string(b); return &s, nil })
	require.NoError(t, err)
	assert.NotSame(t, values[0], v)
	assert.NotEqual(t, *values[0].(*string), *v.(*string), "each account its own rooms")
}

func TestSharedDecodeErrorsAndPanics(t *testing.T) {
	f := newFixture(t, coalesce.Config{CacheTTL: time.Minute})
	type k struct{}
	_, err := f.decodeVia(t, "/rooms", k1, k{}, func([]byte) (any, error) { return nil, io.ErrUnexpectedEOF })
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	// The cached answer keeps the decode's result: the same error, no second decode.
	_, err = f.decodeVia(t, "/rooms", k1, k{}, func([]byte) (any, error) { t.Error("decoded twice"); return nil, nil })
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)

	type p struct{}
	assert.PanicsWithValue(t, "bad decoder", func() {
		_, _ = f.decodeVia(t, "/rooms", k1, p{}, func([]byte) (any, error) { panic("bad decoder") })
	})
	v, err := f.decodeVia(t, "/rooms", k1, p{}, func([]byte) (any, error) { return "never", nil })
	assert.Nil(t, v)
	require.ErrorContains(t, err, "panicked", "the others get an error, not a nil value")
}
