package resilience_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
	"github.com/roomgraph/roomgraph/telnyxsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Under the real client: a final 503 still decodes as the upstream's error,
// and a refusal reaches the caller matchable and without secrets.
func TestUnderTelnyxClient(t *testing.T) {
	sim, url := newSim(t, telnyxsim.Config{Keys: []string{secretKey}})
	sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503})
	rt := newTransport(t, withClock(resilience.Config{BreakerFailures: 3}, newClock()), resilience.Hooks{})
	client, err := telnyx.New(telnyx.Options{BaseURL: url + "/v2", HTTPClient: &http.Client{Transport: rt}})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	_, err = client.ListRooms(ctx, secretKey, telnyx.ListRoomsParams{})
	var apiErr *telnyx.Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 503, apiErr.StatusCode)
	assert.Equal(t, "10007", apiErr.Code)
	assert.Equal(t, 3, sim.Stats().Total)

	_, err = client.ListRooms(ctx, secretKey, telnyx.ListRoomsParams{})
	require.Error(t, err)
	assert.True(t, errors.Is(err, resilience.KindCircuitOpen), "got %v", err)
	assert.Equal(t, 3, sim.Stats().Total)
	for _, leak := range []string{secretKey, strings.TrimPrefix(url, "http://")} {
		assert.NotContains(t, err.Error(), leak)
	}
}
