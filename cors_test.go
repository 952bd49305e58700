package main

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

// TestLocalCORS: with the embedded simulator, a front-end dev server on this machine (any port) may call
// the gateway, Apollo Client's headers included; against a real upstream the default stays closed; and
// ROOMGRAPH_CORS_ORIGINS overrides either default.
func TestLocalCORS(t *testing.T) {
	sim := httptest.NewServer(telnyxsim.New(telnyxsim.Config{Keys: []string{demoKey}, Rooms: 1}))
	t.Cleanup(sim.Close)
	const apolloHeaders = "apollographql-client-name,apollographql-client-version,content-type"
	cases := []struct {
		name    string
		env     map[string]string
		origin  string
		allowed bool
	}{
		{"embedded, Vite on localhost", map[string]string{}, "http://localhost:5173", true},
		{"embedded, 127.0.0.1", map[string]string{}, "http://127.0.0.1:3000", true},
		{"embedded, [::1]", map[string]string{}, "http://[::1]:8081", true},
		{"embedded, localhost on port 80", map[string]string{}, "http://localhost", true},
		{"embedded, https is another origin", map[string]string{}, "https://localhost:5173", false},
		{"embedded, a look-alike host", map[string]string{}, "http://localhost.evil.example:5173", false},
		{"embedded, a remote origin", map[string]string{}, "https://app.example.com", false},
		{"a real upstream, localhost", map[string]string{"TELNYX_API_KEY": demoKey}, "http://localhost:5173", false},
		{"embedded, ROOMGRAPH_CORS_ORIGINS overrides", map[string]string{"ROOMGRAPH_CORS_ORIGINS": "https://app.example.com"}, "http://localhost:5173", false},
		{"embedded, ROOMGRAPH_CORS_ORIGINS allows its own", map[string]string{"ROOMGRAPH_CORS_ORIGINS": "https://app.example.com"}, "https://app.example.com", true},
		{"a real upstream, ROOMGRAPH_CORS_ORIGINS", map[string]string{"TELNYX_API_KEY": demoKey, "ROOMGRAPH_CORS_ORIGINS": "http://localhost:*"}, "http://localhost:5173", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(getenvOf(tc.env))
			require.NoError(t, err)
			cfg := c.gateway
			cfg.BaseURL, cfg.APIKey = sim.URL+"/v2", demoKey // what serve does with the embedded simulator
			gw, err := gateway.New(cfg)
			require.NoError(t, err)
			srv := httptest.NewServer(gw)
			t.Cleanup(srv.Close)

			req, err := http.NewRequest(http.MethodOptions, srv.URL+"/graphql", nil)
			require.NoError(t, err)
			req.Header.Set("Origin", tc.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", apolloHeaders)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			if !tc.allowed {
				assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
				return
			}
			assert.Equal(t, http.StatusNoContent, resp.StatusCode)
			assert.Equal(t, tc.origin, resp.Header.Get("Access-Control-Allow-Origin"))
			assert.Equal(t, apolloHeaders, strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")))
		})
	}
}
