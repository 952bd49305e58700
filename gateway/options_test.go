package gateway_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// familyNames gathers g and returns the names of its metric families.
func familyNames(t *testing.T, g prometheus.Gatherer) map[string]bool {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	out := map[string]bool{}
	for _, mf := range mfs {
		out[mf.GetName()] = true
	}
	return out
}

// TestWithMetricsRegisterer: a BFF's registry gets the gateway's series (and not a second set of runtime
// collectors); the gateway's own registry keeps serving them; a second gateway on the same registry is
// refused unless each has a label of its own.
func TestWithMetricsRegisterer(t *testing.T) {
	sim := httptest.NewServer(telnyxsim.New(telnyxsim.Config{Keys: []string{keyA}, Rooms: 2}))
	t.Cleanup(sim.Close)
	cfg := gateway.Config{BaseURL: sim.URL + "/v2", APIKey: keyA}

	bff := prometheus.NewRegistry()
	gw, err := gateway.New(cfg, gateway.WithMetricsRegisterer(bff))
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ rooms { totalCount } }"}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	gw.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	theirs, ours := familyNames(t, bff), familyNames(t, gw.Metrics())
	assert.True(t, theirs["roomgraph_graphql_operations_total"], "the BFF's registry serves the gateway's series")
	assert.False(t, theirs["go_goroutines"], "runtime collectors are the BFF's own business")
	assert.True(t, ours["roomgraph_graphql_operations_total"], "Metrics keeps the gateway's own registry")

	_, err = gateway.New(cfg, gateway.WithMetricsRegisterer(bff))
	assert.Error(t, err, "a second gateway's series collide on one registry")

	shared := prometheus.NewRegistry()
	for _, name := range []string{"eu", "us"} {
		_, err := gateway.New(cfg, gateway.WithMetricsRegisterer(prometheus.WrapRegistererWith(prometheus.Labels{"gateway": name}, shared)))
		require.NoError(t, err, "gateway %s", name)
	}
}

// A BFF that serves its own /metrics puts the gateway's series on its registry, beside its own.
func ExampleWithMetricsRegisterer() {
	sim := httptest.NewServer(telnyxsim.New(telnyxsim.Config{Keys: []string{"KEY_example"}}))
	defer sim.Close()

	reg := prometheus.NewRegistry() // or prometheus.DefaultRegisterer
	gw, err := gateway.New(gateway.Config{BaseURL: sim.URL + "/v2", APIKey: "KEY_example"},
		gateway.WithMetricsRegisterer(reg))
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", gw.GraphQL())
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	families, _ := reg.Gather()
	fmt.Println(len(families) > 0)
	// Output: true
}
