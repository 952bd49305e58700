package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// rateLimitedGateway is a gateway whose upstream answers every GET /rooms with 429 and Retry-After: 3600.
type rateLimitedGateway struct {
	*harness
	url string // the gateway's root
}

func newRateLimitedGateway(t *testing.T, cfg gateway.Config) *rateLimitedGateway {
	t.Helper()
	sim := telnyxsim.New(telnyxsim.Config{Keys: []string{keyA, keyB}, Rooms: 3})
	sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{TooManyRate: 1, RetryAfter: time.Hour})
	simSrv := httptest.NewServer(sim)
	t.Cleanup(simSrv.Close)
	cfg.BaseURL, cfg.ServeMetrics = simSrv.URL+"/v2", true
	if cfg.Auth != gateway.AuthForward {
		cfg.APIKey = keyA
	}
	gw, err := gateway.New(cfg, gateway.WithHTTPClient(simSrv.Client()))
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return &rateLimitedGateway{harness: &harness{sim: sim, simURL: simSrv.URL + "/v2", gwURL: srv.URL + "/graphql"}, url: srv.URL}
}

func (g *rateLimitedGateway) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(g.url + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// series returns the sample lines of the metric name in a Prometheus text exposition.
func series(metrics, name string) []string {
	var out []string
	for line := range strings.Lines(metrics) {
		if rest, ok := strings.CutPrefix(line, name); ok && (strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "{")) {
			out = append(out, strings.TrimSuffix(line, "\n"))
		}
	}
	return out
}

// retryIn reads the wait an UPSTREAM_RATE_LIMITED message names ("…; retry in 59.998s").
func retryIn(t *testing.T, msg string) time.Duration {
	t.Helper()
	_, after, ok := strings.Cut(msg, "retry in ")
	require.True(t, ok, "the message names the wait: %q", msg)
	d, err := time.ParseDuration(after)
	require.NoError(t, err)
	return d
}

// TestRateLimitCannotLockAKeyOut: one 429 with Retry-After: 3600 holds the key back for at most the cap
// (60s by default), says so in /readyz (key mode: not ready, until when) and in the metrics.
func TestRateLimitCannotLockAKeyOut(t *testing.T) {
	const q = `{ rooms { totalCount } }`
	t.Run("key mode", func(t *testing.T) {
		g := newRateLimitedGateway(t, gateway.Config{})
		r := g.post(t, q, nil)
		assert.Equal(t, []string{"UPSTREAM_RATE_LIMITED"}, r.codes())
		assert.Len(t, g.calls(), 1, "the 429; its retry would pass the deadline")

		r = g.post(t, q, nil)
		require.Equal(t, []string{"UPSTREAM_RATE_LIMITED"}, r.codes())
		assert.Empty(t, g.calls(), "held back: no upstream call")
		wait := retryIn(t, r.Errors[0].Message)
		assert.LessOrEqual(t, wait, time.Minute, "the capped wait, not the hour")
		assert.Greater(t, wait, 50*time.Second)

		status, body := g.get(t, "/readyz")
		assert.Equal(t, http.StatusServiceUnavailable, status, body)
		var ready map[string]any
		require.NoError(t, json.Unmarshal([]byte(body), &ready))
		assert.Equal(t, false, ready["ready"])
		assert.Equal(t, "held", ready["rateLimit"])
		assert.Empty(t, g.calls(), "readiness does not spend the held key's budget")
		untilText, _ := ready["rateLimitedUntil"].(string)
		until, err := time.Parse(time.RFC3339, untilText)
		if assert.NoError(t, err, "rateLimitedUntil") {
			assert.WithinDuration(t, time.Now().Add(time.Minute), until, 10*time.Second)
		}

		_, metrics := g.get(t, "/metrics")
		assert.Equal(t, []string{"roomgraph_upstream_rate_limited_credentials 1"},
			series(metrics, "roomgraph_upstream_rate_limited_credentials"))
		assert.Equal(t, []string{`roomgraph_upstream_rate_limit_holds_total{capped="true",reason="too_many_requests"} 1`},
			series(metrics, "roomgraph_upstream_rate_limit_holds_total"))
		assert.NotContains(t, metrics, keyA)
	})
	t.Run("after the cap, one probe; the key recovers by itself", func(t *testing.T) {
		g := newRateLimitedGateway(t, gateway.Config{OperationTimeout: 5 * time.Second,
			Resilience: gateway.ResilienceConfig{MaxRetryAfter: 300 * time.Millisecond}})
		start := time.Now()
		r := g.post(t, q, nil)
		assert.Equal(t, []string{"UPSTREAM_RATE_LIMITED"}, r.codes())
		assert.Len(t, g.calls(), 3, "the 429, then a probe after each capped wait, each answered 429 again")
		assert.GreaterOrEqual(t, time.Since(start), 600*time.Millisecond, "two capped waits")

		g.sim.ClearFaults()
		require.Eventually(t, func() bool {
			status, body := g.get(t, "/readyz")
			return status == http.StatusOK && strings.Contains(body, `"rateLimit":"ok"`)
		}, 3*time.Second, 20*time.Millisecond, "ready again once the capped wait has passed")
		g.calls()
		r = g.post(t, q, nil)
		assert.Empty(t, r.Errors)
		assert.Len(t, g.calls(), 1, "the probe, answered: the key is free again")

		_, metrics := g.get(t, "/metrics")
		assert.Equal(t, []string{
			`roomgraph_upstream_rate_limit_probes_total{outcome="cleared"} 1`,
			`roomgraph_upstream_rate_limit_probes_total{outcome="held_again"} 2`,
		}, series(metrics, "roomgraph_upstream_rate_limit_probes_total"))
		assert.Equal(t, []string{"roomgraph_upstream_rate_limited_credentials 0"},
			series(metrics, "roomgraph_upstream_rate_limited_credentials"))
	})
	t.Run("forward mode", func(t *testing.T) {
		g := newRateLimitedGateway(t, gateway.Config{Auth: gateway.AuthForward})
		r := g.post(t, q, nil, "Authorization", "Bearer "+keyB)
		assert.Equal(t, []string{"UPSTREAM_RATE_LIMITED"}, r.codes())

		// One caller's key held back does not make the gateway unready for the others.
		status, body := g.get(t, "/readyz")
		assert.Equal(t, http.StatusOK, status, body)
		assert.Contains(t, body, `"rateLimitedKeys":1`)
		assert.NotContains(t, body, keyB)
		_, metrics := g.get(t, "/metrics")
		assert.Equal(t, []string{"roomgraph_upstream_rate_limited_credentials 1"},
			series(metrics, "roomgraph_upstream_rate_limited_credentials"))
	})
}
