package gateway_test

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// TestBoundedLoad drives the gateway with a fixed number of requests from a few workers (stopping early
// at a time bound): no request may fail, and the heap after the run may not exceed the heap before by more
// than 16 MiB (loaders, caches and buffers are per operation, so nothing should accumulate). It runs on the
// fast path only: what it guards is our state, which the fast path holds all of (loaders, the collected
// fields, lent buffers, the size table) and gqlgen's executor part of; the answers under both are the
// other tests' to check.
func TestBoundedLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	h := newHarness(t, telnyxsim.Config{Seed: 4, Rooms: 10, SessionsPerRoom: 10}, gateway.Config{})
	rooms := h.sim.Rooms(keyA)
	const requests, workers = 1500, 8
	deadline := time.Now().Add(60 * time.Second)

	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	// Warm up pools and caches, then measure.
	for i := range 50 {
		h.post(t, `query($id: ID!) { room(id: $id) { uniqueName sessions(first: 10) { nodes { id participants { context } } } } }`, map[string]any{"id": rooms[i%len(rooms)].ID})
	}
	before := heap()

	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > requests || time.Now().After(deadline) {
					return
				}
				r := h.post(t, `query($id: ID!) { room(id: $id) { uniqueName sessions(first: 10) { totalCount nodes { id participants { context } } } } }`,
					map[string]any{"id": rooms[int(i)%len(rooms)].ID})
				if len(r.Errors) > 0 || r.Status != 200 {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	after := heap()
	done := min(next.Load(), requests)
	require.Zero(t, failed.Load(), "failed requests")
	assert.Greater(t, done, int64(requests/3), "enough requests ran within the time bound")
	growth := int64(after) - int64(before)
	t.Logf("%d requests, heap %d KiB -> %d KiB", done, before>>10, after>>10)
	assert.Less(t, growth, int64(16<<20), "heap growth")
}
