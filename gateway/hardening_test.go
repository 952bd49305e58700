package gateway_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// TestOperationDeadline: an upstream that never answers costs the caller no more than the operation's
// deadline; what could be answered is, the rest are typed errors.
func TestOperationDeadline(t *testing.T) { forExecutors(t, testOperationDeadline) }

func testOperationDeadline(t *testing.T, e executor) {
	h := newHarness(t, surfaceSim(), e.config(gateway.Config{OperationTimeout: 300 * time.Millisecond}))
	h.sim.SetFault(telnyxsim.RouteListRoomSessions, telnyxsim.Fault{HangRate: 1})
	room, _ := roomsBySessions(h.sim, keyA)
	start := time.Now()
	r := h.post(t, `query($id: ID!) { rooms(first: 2) { nodes { id } } room(id: $id) { sessions(first: 3) { nodes { id } } } }`, map[string]any{"id": room})
	elapsed := time.Since(start)
	assert.Less(t, elapsed, 5*time.Second, "bounded by the operation deadline, not the upstream")
	assert.Equal(t, []string{"UPSTREAM_UNAVAILABLE"}, r.codes())
	var d struct {
		Rooms struct{ Nodes []struct{ ID string } }
		Room  *struct{ Sessions *struct{} }
	}
	require.NoError(t, json.Unmarshal(r.Data, &d))
	assert.Len(t, d.Rooms.Nodes, 2, "the sibling that did not hang has its data")
	require.NotNil(t, d.Room, "only the list that hung is null")
	assert.Nil(t, d.Room.Sessions)
}

// panicky is an upstream transport that panics on one path: a bug below the loaders must not kill the process.
type panicky struct{ next http.RoundTripper }

func (p panicky) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/participants") {
		panic("boom")
	}
	return p.next.RoundTrip(r)
}

func TestPanicBecomesInternalError(t *testing.T) { forExecutors(t, testPanicBecomesInternalError) }

func testPanicBecomesInternalError(t *testing.T, e executor) {
	sim := telnyxsim.New(telnyxsim.Config{Keys: []string{keyA}, Rooms: 4})
	up := httptest.NewServer(sim)
	t.Cleanup(up.Close)
	var logs bytes.Buffer
	gw, err := gateway.New(e.config(gateway.Config{BaseURL: up.URL + "/v2", APIKey: keyA}),
		gateway.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))),
		gateway.WithHTTPClient(&http.Client{Transport: panicky{next: http.DefaultTransport}}))
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	h := &harness{sim: sim, gwURL: srv.URL + "/graphql"}

	s := sim.Sessions(keyA, "")[0]
	r := h.post(t, `query($id: ID!) { roomSession(id: $id) { id participantsConnection { totalCount } } rooms(first: 1) { totalCount } }`, map[string]any{"id": s.ID})
	assert.Equal(t, []string{"INTERNAL"}, r.codes())
	assert.Equal(t, "internal error", r.Errors[0].Message)
	assert.Contains(t, string(r.Data), `"rooms":{"totalCount":4}`, "the rest of the operation is answered")
	assert.Contains(t, logs.String(), "boom", "the panic is logged")

	var d struct{ Rooms struct{ TotalCount int } }
	h.ok(t, `{ rooms { totalCount } }`, nil, &d)
	assert.Equal(t, 4, d.Rooms.TotalCount, "the process lives on")
}

// TestCredentialIsolation: two accounts under concurrent load through one forwarding gateway; no response
// ever holds the other account's ids, and no key reaches the logs.
func TestCredentialIsolation(t *testing.T) { forExecutors(t, testCredentialIsolation) }

func testCredentialIsolation(t *testing.T, e executor) {
	sim := telnyxsim.New(telnyxsim.Config{Seed: 3, Keys: []string{keyA, keyB}, Rooms: 6, SessionsPerRoom: 6})
	up := httptest.NewServer(sim)
	t.Cleanup(up.Close)
	var logs syncBuffer
	gw, err := gateway.New(e.config(gateway.Config{BaseURL: up.URL + "/v2", Auth: gateway.AuthForward, AllowTrace: true}),
		gateway.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	h := &harness{sim: sim, gwURL: srv.URL + "/graphql"}

	ids := func(key string) map[string]bool {
		m := map[string]bool{}
		for _, r := range sim.Rooms(key) {
			m[r.ID] = true
		}
		for _, s := range sim.Sessions(key, "") {
			m[s.ID] = true
		}
		return m
	}
	own := map[string]map[string]bool{keyA: ids(keyA), keyB: ids(keyB)}
	const q = `{ rooms(first: 6) { nodes { id sessions(first: 3) { nodes { id room { id } } } } } roomSessions(first: 10) { nodes { id roomId } } }`

	var wg sync.WaitGroup
	var mu sync.Mutex
	var bodies []string
	var keys []string
	for i := range 60 {
		key := keyA
		if i%2 == 1 {
			key = keyB
		}
		wg.Go(func() {
			r := h.post(t, q, nil, "Authorization", "Bearer "+key, gateway.TraceHeader, "1")
			mu.Lock()
			defer mu.Unlock()
			raw, _ := json.Marshal(r)
			bodies = append(bodies, string(raw))
			keys = append(keys, key)
		})
	}
	wg.Wait()
	uuid := `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	for i, body := range bodies {
		other := keyA
		if keys[i] == keyA {
			other = keyB
		}
		found := uuidRE(uuid).FindAllString(body, -1)
		require.NotEmpty(t, found)
		for _, id := range found {
			assert.False(t, own[other][id], "response %d for %s holds %s of the other account", i, keys[i], id)
		}
		assert.NotContains(t, body, keyA)
		assert.NotContains(t, body, keyB)
	}
	// A refused key must not be logged either.
	h.post(t, q, nil, "Authorization", "Bearer KEY_never_log_me")
	assert.NotContains(t, logs.String(), keyA)
	assert.NotContains(t, logs.String(), keyB)
	assert.NotContains(t, logs.String(), "KEY_never_log_me")
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
