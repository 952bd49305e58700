package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// inflight wraps an upstream and records the most requests it had at once. With hold > 0, each request
// waits (at most 5 s) until hold requests are in at once before it is answered: a gateway that sends
// its calls together reaches the peak however slowly its goroutines start, one that sends fewer at once
// shows a lower peak after the wait, and one that sends more shows a higher one.
type inflight struct {
	next      http.Handler
	hold      int64
	now, peak atomic.Int64
}

func (f *inflight) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.now.Add(1)
	defer f.now.Add(-1)
	for {
		p := f.peak.Load()
		if n <= p || f.peak.CompareAndSwap(p, n) {
			break
		}
	}
	for deadline := time.Now().Add(5 * time.Second); f.peak.Load() < f.hold && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	f.next.ServeHTTP(w, r)
}

const fiveRooms = `query($a: ID!, $b: ID!, $c: ID!, $d: ID!, $e: ID!) {
	a: room(id: $a) { sessions(first: 2) { nodes { id } } } b: room(id: $b) { sessions(first: 2) { nodes { id } } }
	c: room(id: $c) { sessions(first: 2) { nodes { id } } } d: room(id: $d) { sessions(first: 2) { nodes { id } } }
	e: room(id: $e) { sessions(first: 2) { nodes { id } } } }`

func fiveRoomVars(sim *telnyxsim.Sim) map[string]any {
	r := sim.Rooms(keyA)
	return map[string]any{"a": r[0].ID, "b": r[1].ID, "c": r[2].ID, "d": r[3].ID, "e": r[4].ID}
}

func gatewayOver(t *testing.T, upstream http.Handler, cfg gateway.Config) string {
	t.Helper()
	up := httptest.NewServer(upstream)
	t.Cleanup(up.Close)
	cfg.BaseURL, cfg.APIKey = up.URL+"/v2", keyA
	_, root := serveOver(t, cfg, up)
	return root + "/graphql"
}

// TestFanOutBound: one wave's calls go out together, but never more than MaxParallel at once.
func TestFanOutBound(t *testing.T) { forExecutors(t, testFanOutBound) }

func testFanOutBound(t *testing.T, e executor) {
	for _, limit := range []int{1, 2, 5} {
		sim := telnyxsim.New(telnyxsim.Config{Keys: []string{keyA}, Rooms: 8})
		sim.SetFault(telnyxsim.RouteListRoomSessions, telnyxsim.Fault{Latency: 50 * time.Millisecond}) // calls over the bound would overlap
		up := &inflight{next: sim, hold: int64(limit)}
		// A 20ms loader window: the five needs meet in one batch even on a loaded machine (at 1ms the
		// batch split under a parallel -race run and the peak read 4 of 5).
		cfg := gateway.Config{MaxParallel: limit, LoaderWait: 20 * time.Millisecond}
		h := &harness{sim: sim, gwURL: gatewayOver(t, up, e.config(cfg))}
		r := h.post(t, fiveRooms, fiveRoomVars(sim))
		require.Empty(t, r.Errors)
		assert.Equal(t, 5, sim.Stats().Total)
		assert.Equal(t, int64(limit), up.peak.Load(), "peak concurrent upstream calls")
	}
}

// TestCancellationIsPerRequest: a caller that gives up cancels only its own upstream calls.
func TestCancellationIsPerRequest(t *testing.T) { forExecutors(t, testCancellationIsPerRequest) }

func testCancellationIsPerRequest(t *testing.T, e executor) {
	sim := telnyxsim.New(telnyxsim.Config{Keys: []string{keyA}, Rooms: 8})
	sim.SetFault(telnyxsim.RouteListRoomSessions, telnyxsim.Fault{Latency: 150 * time.Millisecond})
	url := gatewayOver(t, sim, e.config(gateway.Config{}))
	body, _ := json.Marshal(map[string]any{"query": fiveRooms, "variables": fiveRoomVars(sim)})

	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	wg.Go(func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		_, err := http.DefaultClient.Do(req)
		assert.Error(t, err, "the impatient caller gives up")
	})
	var out response
	wg.Go(func() {
		resp, err := http.Post(url, "application/json", bytes.NewReader(body))
		if !assert.NoError(t, err) {
			return
		}
		defer resp.Body.Close()
		assert.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	})
	wg.Wait()
	assert.Empty(t, out.Errors, "the patient caller is not affected")
	assert.Contains(t, string(out.Data), `"e":{"sessions"`)
}
