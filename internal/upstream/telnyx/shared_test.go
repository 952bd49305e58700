package telnyx_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/upstream/coalesce"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// Over a coalescing transport, callers of one shared call get one decoded list (decoded once), and a call
// of a write is never shared.
func TestCoalescedReadsAreDecodedOnce(t *testing.T) {
	sim := telnyxsim.New(telnyxsim.Config{Keys: []string{"KEY_x"}, Rooms: 3, SessionsPerRoom: 5})
	sim.SetFault(telnyxsim.RouteListRoomSessions, telnyxsim.Fault{Latency: 150 * time.Millisecond})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := telnyx.New(telnyx.Options{BaseURL: srv.URL + "/v2", HTTPClient: &http.Client{
		Transport: coalesce.New(http.DefaultTransport, coalesce.Config{}, coalesce.Hooks{}),
	}})
	require.NoError(t, err)
	room := sim.Rooms("KEY_x")[0].ID
	lists := make([]*telnyx.List[telnyx.RoomSession], 6)
	var wg sync.WaitGroup
	for i := range lists {
		wg.Go(func() {
			l, err := c.ListRoomSessions(context.Background(), "KEY_x", telnyx.ListRoomSessionsParams{RoomID: room, IncludeParticipants: true})
			assert.NoError(t, err)
			lists[i] = l
		})
	}
	wg.Wait()
	require.Equal(t, 1, sim.Stats().Total)
	require.NotNil(t, lists[0])
	for _, l := range lists {
		assert.Same(t, lists[0], l, "one decoded list for every caller of the shared call")
	}
	assert.Len(t, lists[0].Data, len(sim.Sessions("KEY_x", room)))
}
