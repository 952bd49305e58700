package coalesce_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/upstream/coalesce"
)

// gated is a fake upstream whose every request waits at the door until the test lets it through, so the
// test decides exactly how reads and writes overlap. A read answers the state as it was when the read
// arrived (the upstream took its snapshot then, however late the answer travels back); a write changes the
// state when it is let through, and only then answers.
type gated struct {
	state   atomic.Int64
	arrived chan *call
}

type call struct {
	method  string
	release chan struct{}
}

func newGated() *gated { return &gated{arrived: make(chan *call, 16)} }

func (g *gated) RoundTrip(req *http.Request) (*http.Response, error) {
	c := &call{method: req.Method, release: make(chan struct{})}
	seen := g.state.Load()
	g.arrived <- c
	select {
	case <-c.release:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	if req.Method != http.MethodGet {
		seen = g.state.Add(1)
	}
	body := strconv.FormatInt(seen, 10)
	return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req}, nil
}

// next returns the next request that reached the upstream, or nil when none comes within wait (the caller
// was answered without an upstream call, or is waiting on another caller's).
func (g *gated) next(wait time.Duration) *call {
	select {
	case c := <-g.arrived:
		return c
	case <-time.After(wait):
		return nil
	}
}

// start sends a request through tr and returns where its answer (the body, the state it saw) will come.
func start(t *testing.T, tr http.RoundTripper, method string) <-chan string {
	t.Helper()
	out := make(chan string, 1)
	req, err := http.NewRequest(method, "http://upstream.test/v2/rooms", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+k1)
	go func() {
		resp, err := tr.RoundTrip(req)
		if err != nil {
			out <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		out <- string(b)
	}()
	return out
}

// arrive waits for the next upstream request and checks its method.
func (g *gated) arrive(t *testing.T, method string) *call {
	t.Helper()
	c := g.next(10 * time.Second)
	require.NotNil(t, c, "a %s reaches the upstream", method)
	require.Equal(t, method, c.method)
	return c
}

// answer lets c through and returns what its caller got.
func answer(t *testing.T, c *call, res <-chan string) string {
	t.Helper()
	close(c.release)
	select {
	case s := <-res:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no answer")
		return ""
	}
}

// readAfter is a read that starts once the write has been answered: it must see the state after the write,
// whether it is answered from the cache, from a shared call or by a call of its own.
func readAfter(t *testing.T, g *gated, tr http.RoundTripper) string {
	t.Helper()
	res := start(t, tr, http.MethodGet)
	timeout := time.After(10 * time.Second)
	for {
		select {
		case c := <-g.arrived:
			require.Equal(t, http.MethodGet, c.method)
			close(c.release)
		case s := <-res:
			return s
		case <-timeout:
			return "no answer: it joined a read that is still in flight"
		}
	}
}

// TestReadsOverlappingAWriteNeverOutliveIt: a read whose call overlapped a write of the same credential
// (it started before the write ended) is neither kept in the cache past the write nor handed to a read
// that starts after the write ended. Each case lines up one read against one write; the state is 0 before
// the write and 1 after.
func TestReadsOverlappingAWriteNeverOutliveIt(t *testing.T) {
	tests := []struct {
		name string
		ttl  time.Duration
		// overlap runs the read and the write in some order and returns what the overlapping read saw.
		overlap func(t *testing.T, g *gated, tr http.RoundTripper) string
	}{
		{
			name: "cached: a read that started and ended while the write was in flight",
			ttl:  time.Minute,
			overlap: func(t *testing.T, g *gated, tr http.RoundTripper) string {
				w := start(t, tr, http.MethodPost)
				wc := g.arrive(t, http.MethodPost)
				r := start(t, tr, http.MethodGet)
				seen := answer(t, g.arrive(t, http.MethodGet), r)
				require.Equal(t, "1", answer(t, wc, w))
				return seen
			},
		},
		{
			name: "cached: a read that started while the write was in flight and ended after it",
			ttl:  time.Minute,
			overlap: func(t *testing.T, g *gated, tr http.RoundTripper) string {
				w := start(t, tr, http.MethodPost)
				wc := g.arrive(t, http.MethodPost)
				r := start(t, tr, http.MethodGet)
				rc := g.arrive(t, http.MethodGet)
				require.Equal(t, "1", answer(t, wc, w))
				return answer(t, rc, r)
			},
		},
		{
			name: "cached: a read that started before the write and ended after it",
			ttl:  time.Minute,
			overlap: func(t *testing.T, g *gated, tr http.RoundTripper) string {
				r := start(t, tr, http.MethodGet)
				rc := g.arrive(t, http.MethodGet)
				w := start(t, tr, http.MethodPost)
				require.Equal(t, "1", answer(t, g.arrive(t, http.MethodPost), w))
				return answer(t, rc, r)
			},
		},
		{
			name: "shared: a read still in flight that started before the write ended",
			ttl:  0,
			overlap: func(t *testing.T, g *gated, tr http.RoundTripper) string {
				w := start(t, tr, http.MethodPost)
				wc := g.arrive(t, http.MethodPost)
				r := start(t, tr, http.MethodGet)
				rc := g.arrive(t, http.MethodGet)
				require.Equal(t, "1", answer(t, wc, w))
				t.Cleanup(func() { answer(t, rc, r) })
				return "0" // still in flight: the read after the write must not join it
			},
		},
		{
			name: "shared and cached: a read still in flight that started before the write",
			ttl:  time.Minute,
			overlap: func(t *testing.T, g *gated, tr http.RoundTripper) string {
				r := start(t, tr, http.MethodGet)
				rc := g.arrive(t, http.MethodGet)
				w := start(t, tr, http.MethodPost)
				require.Equal(t, "1", answer(t, g.arrive(t, http.MethodPost), w))
				t.Cleanup(func() { answer(t, rc, r) })
				return "0"
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newGated()
			tr := coalesce.New(g, coalesce.Config{CacheTTL: tc.ttl}, coalesce.Hooks{})
			assert.Equal(t, "0", tc.overlap(t, g, tr), "the overlapping read saw the state before the write")
			assert.Equal(t, "1", readAfter(t, g, tr), "a read after the write sees the write")
		})
	}
}

// TestReadsBetweenWritesStillShare: versioning the reads by writes costs no sharing among reads that start
// between the same writes.
func TestReadsBetweenWritesStillShare(t *testing.T) {
	g := newGated()
	var shared, hits atomic.Int64
	tr := coalesce.New(g, coalesce.Config{CacheTTL: time.Minute}, coalesce.Hooks{
		OnShared:   func(context.Context) { shared.Add(1) },
		OnCacheHit: func(context.Context) { hits.Add(1) },
	})
	w := start(t, tr, http.MethodPost)
	require.Equal(t, "1", answer(t, g.arrive(t, http.MethodPost), w))

	a := start(t, tr, http.MethodGet)
	ac := g.arrive(t, http.MethodGet)
	b := start(t, tr, http.MethodGet)
	// b has two seconds to reach the transport; a b that came later would find no read in flight and
	// make its own call (seen here), or be answered from the cache after the release (shared stays 0).
	require.Nil(t, g.next(2*time.Second), "the second read joins the first")
	close(ac.release)
	assert.Equal(t, "1", <-a)
	assert.Equal(t, "1", <-b)
	assert.Equal(t, int64(1), shared.Load())

	assert.Equal(t, "1", readAfter(t, g, tr))
	assert.Equal(t, int64(1), hits.Load(), "no write since: the answer was cached")
}
