package gateway_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

func sha(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:]) }

func getJSON(t *testing.T, rawURL string) (int, response, http.Header) {
	t.Helper()
	resp, err := http.Get(rawURL)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out response
	raw, _ := io.ReadAll(resp.Body)
	require.NoError(t, json.Unmarshal(raw, &out), "%s", raw)
	return resp.StatusCode, out, resp.Header
}

// TestAPQ: the Apollo automatic persisted query protocol, over POST and GET.
func TestAPQ(t *testing.T) { forExecutors(t, testAPQ) }

func testAPQ(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
	const q = `{ rooms(first: 2) { totalCount } }`
	ext := func() string {
		b, _ := json.Marshal(map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha(q)}})
		return string(b)
	}
	get := h.gwURL + "?" + url.Values{"extensions": {ext()}}.Encode()

	_, r, _ := getJSON(t, get)
	require.Len(t, r.Errors, 1)
	assert.Equal(t, "PERSISTED_QUERY_NOT_FOUND", r.Errors[0].code(), "unknown hash")

	var reg map[string]any
	require.NoError(t, json.Unmarshal([]byte(ext()), &reg))
	body, _ := json.Marshal(map[string]any{"query": q, "extensions": reg})
	resp, err := http.Post(h.gwURL, "application/json", strings.NewReader(string(body)))
	require.NoError(t, err)
	resp.Body.Close()

	status, r, _ := getJSON(t, get)
	assert.Equal(t, 200, status)
	assert.Empty(t, r.Errors)
	assert.JSONEq(t, `{"rooms":{"totalCount":8}}`, string(r.Data), "hash only, over GET (CDN-cacheable)")
}

// TestTrustedDocuments: with a manifest, only its operations run.
func TestTrustedDocuments(t *testing.T) { forExecutors(t, testTrustedDocuments) }

func testTrustedDocuments(t *testing.T, e executor) {
	const allowed = `query Count { rooms { totalCount } }`
	path := filepath.Join(t.TempDir(), "manifest.json")
	manifest, _ := json.Marshal(map[string]any{"format": "apollo-persisted-query-manifest", "version": 1,
		"operations": []any{map[string]any{"id": sha(allowed), "body": allowed, "name": "Count", "type": "query"}}})
	require.NoError(t, os.WriteFile(path, manifest, 0o600))
	h := newHarness(t, defaultSim(), e.config(gateway.Config{TrustedDocuments: path}))

	var d struct{ Rooms struct{ TotalCount int } }
	h.ok(t, allowed, nil, &d)
	assert.Equal(t, 8, d.Rooms.TotalCount)

	get := h.gwURL + "?" + url.Values{"extensions": {`{"persistedQuery":{"version":1,"sha256Hash":"` + sha(allowed) + `"}}`}}.Encode()
	_, r, _ := getJSON(t, get)
	assert.Empty(t, r.Errors, "by hash")

	h.calls()
	r = h.post(t, `{ rooms { nodes { id } } }`, nil)
	assert.Equal(t, []string{"PERSISTED_QUERY_NOT_ALLOWED"}, r.codes())
	assert.Empty(t, h.calls())

	_, err := gateway.New(gateway.Config{BaseURL: "http://127.0.0.1:1/v2", TrustedDocuments: filepath.Join(t.TempDir(), "none.json")})
	assert.Error(t, err, "a missing manifest is a startup error")
}

func TestCORS(t *testing.T) {
	sim := httptest.NewServer(telnyxsim.New(telnyxsim.Config{Keys: []string{keyA}, Rooms: 2}))
	t.Cleanup(sim.Close)
	preflight := func(t *testing.T, base, origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, base+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type") // as browsers send it
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	serve := func(cfg gateway.Config) string {
		cfg.BaseURL, cfg.APIKey = sim.URL+"/v2", keyA
		gw, err := gateway.New(cfg)
		require.NoError(t, err)
		srv := httptest.NewServer(gw)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	t.Run("off by default", func(t *testing.T) {
		resp := preflight(t, serve(gateway.Config{}), "https://app.example.com")
		assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	})
	base := serve(gateway.Config{CORSOrigins: []string{"https://app.example.com"}})
	t.Run("allowed origin preflight", func(t *testing.T) {
		resp := preflight(t, base, "https://app.example.com")
		assert.Equal(t, http.StatusNoContent, resp.StatusCode)
		assert.Equal(t, "https://app.example.com", resp.Header.Get("Access-Control-Allow-Origin"))
		assert.Contains(t, strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "authorization")
		assert.Equal(t, "600", resp.Header.Get("Access-Control-Max-Age"))
	})
	t.Run("other origin", func(t *testing.T) {
		resp := preflight(t, base, "https://evil.example.com")
		assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	})
	t.Run("actual request", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "https://app.example.com")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, "https://app.example.com", resp.Header.Get("Access-Control-Allow-Origin"))
		assert.Contains(t, resp.Header.Get("Access-Control-Expose-Headers"), "X-Request-Id")
	})
}

func TestReadyz(t *testing.T) {
	sim := telnyxsim.New(telnyxsim.Config{Keys: []string{keyA}, Rooms: 2})
	up := httptest.NewServer(sim)
	t.Cleanup(up.Close)
	cfg := gateway.Config{BaseURL: up.URL + "/v2", APIKey: keyA}
	cfg.Resilience.BreakerFailures = 2
	cfg.Resilience.BreakerOpenFor = time.Minute
	cfg.Resilience.BaseDelay, cfg.Resilience.MaxDelay = time.Millisecond, 2*time.Millisecond
	gw, err := gateway.New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)

	ready := func() (int, map[string]any) {
		resp, err := http.Get(srv.URL + "/readyz")
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return resp.StatusCode, out
	}
	status, body := ready()
	assert.Equal(t, 200, status)
	assert.Equal(t, map[string]any{"ready": true, "upstream": "reachable", "breaker": "closed", "rateLimit": "ok"}, body)

	// The upstream keeps failing: the breaker opens and readiness follows (after its one-second memo).
	sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 500})
	h := &harness{sim: sim, gwURL: srv.URL + "/graphql"}
	h.post(t, `{ rooms { totalCount } }`, nil)
	require.Eventually(t, func() bool {
		status, body := ready()
		return status == 503 && body["breaker"] == "open"
	}, 5*time.Second, 100*time.Millisecond)

	// An upstream that is gone.
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	gw2, err := gateway.New(gateway.Config{BaseURL: gone.URL + "/v2", APIKey: keyA, ReadyTimeout: 500 * time.Millisecond})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	gw2.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	assert.Equal(t, 503, rec.Code)
	assert.Contains(t, rec.Body.String(), `"upstream":"unreachable"`)
}

func TestOfflinePlaygroundRoute(t *testing.T) {
	sim := httptest.NewServer(telnyxsim.New(telnyxsim.Config{Keys: []string{keyA}}))
	t.Cleanup(sim.Close)
	gw, err := gateway.New(gateway.Config{BaseURL: sim.URL + "/v2", APIKey: keyA, Playground: true,
		PlaygroundQuery: "{ rooms { totalCount } }"})
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/")
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.NotContains(t, string(page), "https://", "no asset from another host")
	assert.Contains(t, string(page), "rooms { totalCount }", "the ready query")
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "connect-src 'self'")
}

// TestCrossRequestCoalescing: identical reads of concurrent requests share one upstream call per key;
// different keys never share; with coalescing off every request makes its own call.
func TestCrossRequestCoalescing(t *testing.T) { forExecutors(t, testCrossRequestCoalescing) }

func testCrossRequestCoalescing(t *testing.T, e executor) {
	const q = `{ rooms(first: 3) { nodes { id } } }`
	run := func(t *testing.T, cfg gateway.Config, keys ...string) (*telnyxsim.Sim, []string) {
		cfg.Auth = gateway.AuthForward
		h := newHarness(t, defaultSim(), e.config(cfg))
		// Every request must reach the coalescer while the first call is still out: a second is
		// generous for goroutines starting on a loaded CI host.
		h.sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{Latency: time.Second})
		bodies := make([]string, len(keys))
		done := make(chan struct{})
		for i, k := range keys {
			go func() {
				defer func() { done <- struct{}{} }()
				r := h.post(t, q, nil, "Authorization", "Bearer "+k)
				bodies[i] = string(r.Data)
			}()
		}
		for range keys {
			<-done
		}
		return h.sim, bodies
	}
	t.Run("same key", func(t *testing.T) {
		sim, bodies := run(t, gateway.Config{}, keyA, keyA, keyA, keyA, keyA, keyA)
		assert.Equal(t, 1, sim.Stats().ByRoute[telnyxsim.RouteListRooms])
		for _, b := range bodies {
			assert.Equal(t, bodies[0], b)
		}
	})
	t.Run("two keys", func(t *testing.T) {
		sim, bodies := run(t, gateway.Config{}, keyA, keyB, keyA, keyB)
		assert.Equal(t, 2, sim.Stats().ByRoute[telnyxsim.RouteListRooms])
		for _, r := range sim.Rooms(keyB) {
			assert.NotContains(t, bodies[0], r.ID, "key A never gets key B's rooms")
		}
		assert.NotEqual(t, bodies[0], bodies[1])
	})
	t.Run("off", func(t *testing.T) {
		sim, _ := run(t, gateway.Config{DisableCoalescing: true}, keyA, keyA, keyA)
		assert.Equal(t, 3, sim.Stats().ByRoute[telnyxsim.RouteListRooms])
	})
}

func TestPprofSwitch(t *testing.T) {
	for _, on := range []bool{false, true} {
		gw, err := gateway.New(gateway.Config{BaseURL: "http://127.0.0.1:1/v2", APIKey: keyA, Pprof: on})
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		gw.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/heap?debug=1", nil))
		if on {
			assert.Equal(t, 200, rec.Code)
			assert.Contains(t, rec.Body.String(), "heap profile")
		} else {
			assert.Equal(t, 404, rec.Code)
		}
	}
}

// TestServiceSDLWithoutIntrospection: a router can read the subgraph's SDL although introspection is off,
// and nothing else gets introspection with it.
func TestServiceSDLWithoutIntrospection(t *testing.T) {
	h := newHarness(t, defaultSim(), gateway.Config{Federation: true})
	var d struct {
		Service struct{ SDL string } `json:"_service"`
	}
	h.ok(t, `{ _service { sdl } }`, nil, &d)
	assert.Contains(t, d.Service.SDL, `@key(fields: "id")`)
	r := h.post(t, `{ _service { sdl } __schema { queryType { name } } }`, nil)
	assert.NotEmpty(t, r.Errors, "introspection stays off for anything else")
	r = h.post(t, `{ __schema { queryType { name } } }`, nil)
	assert.NotEmpty(t, r.Errors)
}
