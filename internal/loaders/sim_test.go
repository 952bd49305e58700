package loaders_test

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// simClient serves a simulator built from cfg over loopback for the test and returns it with a client of
// its API.
func simClient(t *testing.T, cfg telnyxsim.Config) (*telnyxsim.Sim, *telnyx.Client) {
	t.Helper()
	sim := telnyxsim.New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	client, err := telnyx.New(telnyx.Options{BaseURL: srv.URL + "/v2", HTTPClient: srv.Client()})
	require.NoError(t, err)
	return sim, client
}
