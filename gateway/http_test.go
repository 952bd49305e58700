package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

func TestRoutes(t *testing.T) {
	sim := httptest.NewServer(telnyxsim.New(telnyxsim.Config{Keys: []string{keyA}}))
	t.Cleanup(sim.Close)
	for _, playground := range []bool{true, false} {
		gw, err := gateway.New(gateway.Config{BaseURL: sim.URL + "/v2", APIKey: keyA, Playground: playground})
		require.NoError(t, err)
		srv := httptest.NewServer(gw)
		t.Cleanup(srv.Close)

		resp, err := http.Get(srv.URL + "/healthz")
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "ok\n", string(body))

		resp, err = http.Get(srv.URL + "/")
		require.NoError(t, err)
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if playground {
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Contains(t, string(body), "graphiql")
		} else {
			assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		}

		q := url.Values{"query": {`{ room(id: "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0") { id } }`}}
		resp, err = http.Get(srv.URL + "/graphql?" + q.Encode())
		require.NoError(t, err)
		var out struct {
			Data map[string]any `json:"data"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, map[string]any{"id": nodeid.Encode(nodeid.Room, "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0")}, out.Data["room"])
	}
}

func TestIntrospectionSwitch(t *testing.T) {
	for _, on := range []bool{true, false} {
		h := newHarness(t, defaultSim(), gateway.Config{Introspection: on})
		r := h.post(t, `{ __schema { queryType { name } } }`, nil)
		if on {
			assert.Empty(t, r.Errors)
			assert.JSONEq(t, `{"__schema":{"queryType":{"name":"Query"}}}`, string(r.Data))
		} else {
			require.NotEmpty(t, r.Errors)
		}
		for _, q := range []string{`{ rom(id: "x") { id } }`, `{ rooms(frist: 2) { totalCount } }`} {
			r = h.post(t, q, nil)
			require.NotEmpty(t, r.Errors)
			if on {
				assert.Contains(t, r.Errors[0].Message, "Did you mean", q)
			} else {
				assert.NotContains(t, r.Errors[0].Message, "Did you mean", q)
			}
		}
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  gateway.Config
	}{
		{"unknown auth mode", gateway.Config{Auth: "magic"}},
		{"relative base URL", gateway.Config{BaseURL: "/v2"}},
		{"max first above the upstream's page", gateway.Config{MaxFirst: 251}},
		{"default above max", gateway.Config{MaxFirst: 10, DefaultFirst: 11}},
		{"negative APQ cache bytes", gateway.Config{APQCacheBytes: -1}},
		{"negative query cache bytes", gateway.Config{QueryCacheBytes: -1}},
		{"negative cached document size", gateway.Config{MaxCachedDocumentBytes: -1}},
		{"body budget below the body limit", gateway.Config{MaxBodyBytes: 2 << 20, MaxBodyBytesInFlight: 1 << 20}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gateway.New(tc.cfg)
			require.Error(t, err)
		})
	}
}

func TestMaxFirstIsConfigurable(t *testing.T) { forExecutors(t, testMaxFirstIsConfigurable) }

func testMaxFirstIsConfigurable(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{MaxFirst: 5, DefaultFirst: 5}))
	room, _ := roomsBySessions(h.sim, keyA)
	r := h.post(t, pageQuery, map[string]any{"id": room, "first": 6})
	assert.Equal(t, []string{"BAD_USER_INPUT"}, r.codes())
	var d roomSessions
	h.ok(t, pageQuery, map[string]any{"id": room}, &d)
	assert.Len(t, d.Room.Sessions.Edges, 5, "default first")
}

// TestRequestErrorStatuses: errors raised before execution answer as the GraphQL-over-HTTP spec asks:
// 200 under application/json, 400 under application/graphql-response+json, and no data member.
func TestRequestErrorStatuses(t *testing.T) {
	h := newHarness(t, defaultSim(), gateway.Config{})
	for _, q := range []string{`{ rooms(`, `{ nope }`, `{ rooms { ` + strings.Repeat("a: totalCount ", 31) + `} }`} {
		for accept, status := range map[string]int{"application/json": 200, "application/graphql-response+json": 400} {
			body, _ := json.Marshal(map[string]string{"query": q})
			req, _ := http.NewRequest(http.MethodPost, h.gwURL, strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", accept)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, status, resp.StatusCode, "%s %s: %s", accept, q, raw)
			assert.Equal(t, accept, resp.Header.Get("Content-Type"))
			var out map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(raw, &out))
			assert.NotContains(t, out, "data", "no data member before execution")
			assert.Contains(t, out, "errors")
		}
	}
}
