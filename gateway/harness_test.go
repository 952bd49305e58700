package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

const keyA, keyB = "KEY_alpha", "KEY_bravo"

// harness is a gateway in front of a simulator, both over loopback HTTP.
type harness struct {
	sim    *telnyxsim.Sim
	simURL string // API base, …/v2
	gwURL  string // …/graphql
}

func newHarness(t testing.TB, simCfg telnyxsim.Config, cfg gateway.Config) *harness {
	t.Helper()
	st := startStack(t, simCfg, cfg)
	return &harness{sim: st.sim, simURL: st.simURL, gwURL: st.root + "/graphql"}
}

// stack is a simulator and a gateway over it, both served on loopback.
type stack struct {
	sim    *telnyxsim.Sim
	simURL string // API base, …/v2
	gw     *gateway.Gateway
	root   string // the gateway's http://127.0.0.1:PORT
}

// startStack serves a simulator built from simCfg (accounts keyA and keyB unless it names its keys) and a
// gateway over it configured by cfg (key mode with keyA unless cfg says otherwise). When the test ends the
// gateway closes first, then the servers.
func startStack(t testing.TB, simCfg telnyxsim.Config, cfg gateway.Config) stack {
	t.Helper()
	if simCfg.Keys == nil {
		simCfg.Keys = []string{keyA, keyB}
	}
	sim := telnyxsim.New(simCfg)
	simSrv := httptest.NewServer(sim)
	t.Cleanup(simSrv.Close)
	cfg.BaseURL = simSrv.URL + "/v2"
	if cfg.APIKey == "" && cfg.Auth != gateway.AuthForward {
		cfg.APIKey = keyA
	}
	gw, root := serveOver(t, cfg, simSrv)
	return stack{sim: sim, simURL: simSrv.URL + "/v2", gw: gw, root: root}
}

// serveOver serves a gateway configured by cfg and opts, calling the upstream through up's client, and
// returns it with its http://127.0.0.1:PORT. When the test ends the gateway closes, then its server.
func serveOver(t testing.TB, cfg gateway.Config, up *httptest.Server, opts ...gateway.Option) (*gateway.Gateway, string) {
	t.Helper()
	gw, err := gateway.New(cfg, append([]gateway.Option{gateway.WithHTTPClient(up.Client())}, opts...)...)
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = gw.Close(ctx)
		srv.Close()
	})
	return gw, srv.URL
}

// executor is one way of answering queries: the fast path (the default, which hands what it does not
// cover to gqlgen) or gqlgen's executor alone (DisableFastPath). The integration tests that execute queries
// run under both (forExecutors): they must pass the same either way.
type executor struct {
	name    string
	disable bool
}

var executors = []executor{{"fastpath", false}, {"gqlgen", true}}

// config returns cfg with its queries answered by e.
func (e executor) config(cfg gateway.Config) gateway.Config {
	cfg.DisableFastPath = e.disable
	return cfg
}

// forExecutors runs test once per executor, as the subtests (or sub-benchmarks) executor=fastpath and
// executor=gqlgen (compare benchmarks with `benchstat -col /executor`), one after the other: many of these
// tests measure timing or concurrency. A test that mostly waits (backoffs, Retry-After, hung upstreams)
// calls t.Parallel itself, so that its two runs overlap.
func forExecutors[T interface{ Run(string, func(T)) bool }](tb T, test func(T, executor)) {
	for _, e := range executors {
		tb.Run("executor="+e.name, func(tb T) { test(tb, e) })
	}
}

// gqlError is one entry of a response's errors.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Locations  []gqlLocation  `json:"locations"`
	Extensions map[string]any `json:"extensions"`
}

// gqlLocation is one entry of an error's locations.
type gqlLocation struct{ Line, Column int }

func (e gqlError) code() string { c, _ := e.Extensions["code"].(string); return c }

type response struct {
	Status     int
	Data       json.RawMessage            `json:"data"`
	Errors     []gqlError                 `json:"errors"`
	Extensions map[string]json.RawMessage `json:"extensions"`
}

func (r response) codes() []string {
	var out []string
	for _, e := range r.Errors {
		out = append(out, e.code())
	}
	return out
}

// post sends one GraphQL request; headers are name, value pairs.
func (h *harness) post(t testing.TB, query string, vars map[string]any, headers ...string) response {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, h.gwURL, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out response
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	out.Status = resp.StatusCode
	return out
}

// ok sends a request that must succeed without errors and decodes data into dst.
func (h *harness) ok(t testing.TB, query string, vars map[string]any, dst any, headers ...string) {
	t.Helper()
	r := h.post(t, query, vars, headers...)
	require.Empty(t, r.Errors, "errors: %+v", r.Errors)
	require.NoError(t, json.Unmarshal(r.Data, dst))
}

// calls returns the upstream requests the simulator saw since the last reset, and resets.
func (h *harness) calls() []telnyxsim.RequestRecord {
	s := h.sim.Stats()
	h.sim.ResetStats()
	return s.Requests
}

// restSessions lists a room's sessions straight from the simulator's REST API: the ground truth.
func (h *harness) restSessions(t testing.TB, key, roomID string, query url.Values) []string {
	t.Helper()
	return h.restIDs(t, key, "/rooms/"+roomID+"/sessions", query)
}

// restIDs walks every page of a REST list of the simulator and returns the ids in order.
func (h *harness) restIDs(t testing.TB, key, path string, query url.Values) []string {
	t.Helper()
	var ids []string
	for page := 1; ; page++ {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("page[size]", "250")
		q.Set("page[number]", itoa(page))
		req, err := http.NewRequest(http.MethodGet, h.simURL+path+"?"+q.Encode(), nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var body struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
			Meta struct {
				TotalPages int `json:"total_pages"`
			} `json:"meta"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		for _, d := range body.Data {
			ids = append(ids, d.ID)
		}
		if page >= body.Meta.TotalPages {
			break
		}
	}
	h.sim.ResetStats()
	return ids
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// decodedQuery returns a recorded request's query decoded.
func decodedQuery(t testing.TB, rec telnyxsim.RequestRecord) url.Values {
	t.Helper()
	q, err := url.ParseQuery(rec.RawQuery)
	require.NoError(t, err)
	return q
}

// roomsBySessions returns the account's rooms ordered by how many sessions they have, most first.
func roomsBySessions(sim *telnyxsim.Sim, key string) (busiest, empty string) {
	most := -1
	for _, r := range sim.Rooms(key) {
		n := len(sim.Sessions(key, r.ID))
		if n > most {
			most, busiest = n, r.ID
		}
		if n == 0 && empty == "" {
			empty = r.ID
		}
	}
	return busiest, empty
}
