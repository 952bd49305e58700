package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// TestCORSOrigins: the forms of Config.CORSOrigins (exact, any port, one wildcard, "*"), checked by a
// preflight that asks for the headers Apollo Client 4 sends; and what an allowed page may read.
func TestCORSOrigins(t *testing.T) {
	sim := httptest.NewServer(telnyxsim.New(telnyxsim.Config{Keys: []string{keyA}, Rooms: 1}))
	t.Cleanup(sim.Close)
	serve := func(origins ...string) string {
		gw, err := gateway.New(gateway.Config{BaseURL: sim.URL + "/v2", APIKey: keyA, CORSOrigins: origins})
		require.NoError(t, err)
		srv := httptest.NewServer(gw)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	// Sorted, as browsers send them (rs/cors refuses a list out of order).
	const apollo = "apollo-require-preflight,apollographql-client-name,apollographql-client-version,apollographql-library-name,apollographql-library-version,x-apollo-operation-name"
	local, exact, wildcard, any := serve(gateway.LocalDevOrigins()...), serve("https://App.example.com"), serve("https://*.example.com"), serve("*")
	cases := []struct {
		name, base, origin, allowOrigin string // allowOrigin "": refused
	}{
		{"local: localhost, a Vite port", local, "http://localhost:5173", "http://localhost:5173"},
		{"local: 127.0.0.1", local, "http://127.0.0.1:3000", "http://127.0.0.1:3000"},
		{"local: [::1]", local, "http://[::1]:4200", "http://[::1]:4200"},
		{"local: no port", local, "http://localhost", "http://localhost"},
		{"local: https is another origin", local, "https://localhost:5173", ""},
		{"local: a longer host", local, "http://localhost.evil.example:5173", ""},
		{"local: a port that is no port", local, "http://localhost:5173.evil.example", ""},
		{"local: a remote origin", local, "https://app.example.com", ""},
		{"exact, case aside", exact, "https://app.example.com", "https://app.example.com"},
		{"exact: another", exact, "https://admin.example.com", ""},
		{"wildcard", wildcard, "https://admin.example.com", "https://admin.example.com"},
		{"wildcard: another domain", wildcard, "https://example.org", ""},
		{"any", any, "https://anything.example", "*"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodOptions, tc.base+"/graphql", nil)
			req.Header.Set("Origin", tc.origin)
			req.Header.Set("Access-Control-Request-Method", "GET")
			req.Header.Set("Access-Control-Request-Headers", apollo)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tc.allowOrigin, resp.Header.Get("Access-Control-Allow-Origin"))
			if tc.allowOrigin != "" {
				assert.Equal(t, apollo, strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "Apollo Client's headers are allowed by default")
			}
		})
	}
	t.Run("an allowed page may read the request id and the ETag", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, local+"/graphql?query="+"%7B__typename%7D", nil)
		req.Header.Set("Origin", "http://localhost:5173")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, "http://localhost:5173", resp.Header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "X-Request-Id, Etag", resp.Header.Get("Access-Control-Expose-Headers"))
		assert.NotEmpty(t, resp.Header.Get("ETag"))
		assert.Contains(t, resp.Header.Values("Vary"), "Origin")
	})
}
