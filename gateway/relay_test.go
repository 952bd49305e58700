package gateway_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
)

// TestIDArgumentsAcceptGlobalIDs: every id argument takes the Telnyx UUID or the object's global id
// (docs/relay.md), with the same upstream calls; a global id of another type, or any other shape, is
// BAD_USER_INPUT with no call.
func TestIDArgumentsAcceptGlobalIDs(t *testing.T) { forExecutors(t, testIDArgumentsAcceptGlobalIDs) }

func testIDArgumentsAcceptGlobalIDs(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
	var seed struct {
		RoomSessions struct {
			Nodes []struct {
				ID     string `json:"id"`
				RoomID string `json:"roomId"`
			} `json:"nodes"`
		} `json:"roomSessions"`
	}
	h.ok(t, `{ roomSessions(first: 1) { nodes { id roomId } } }`, nil, &seed)
	require.Len(t, seed.RoomSessions.Nodes, 1)
	sess, room := seed.RoomSessions.Nodes[0].ID, seed.RoomSessions.Nodes[0].RoomID
	h.calls()

	for _, tc := range []struct{ name, query, id string }{
		{"room", `query($id: ID!) { room(id: $id) { id uniqueName } }`, room},
		{"roomSession", `query($id: ID!) { roomSession(id: $id) { id active } }`, sess},
		{"roomSessions roomId", `query($id: ID!) { roomSessions(roomId: $id, first: 1) { totalCount } }`, room},
	} {
		t.Run(tc.name, func(t *testing.T) {
			typ := nodeid.Room
			if tc.id == sess {
				typ = nodeid.RoomSession
			}
			byUUID := h.post(t, tc.query, map[string]any{"id": tc.id})
			require.Empty(t, byUUID.Errors)
			uuidCalls := h.calls()
			byGlobal := h.post(t, tc.query, map[string]any{"id": nodeid.Encode(typ, tc.id)})
			require.Empty(t, byGlobal.Errors)
			assert.JSONEq(t, string(byUUID.Data), string(byGlobal.Data))
			assert.Equal(t, len(uuidCalls), len(h.calls()))

			other := nodeid.Encode(nodeid.RoomParticipant, tc.id)
			r := h.post(t, tc.query, map[string]any{"id": other})
			assert.Equal(t, []string{"BAD_USER_INPUT"}, r.codes())
			assert.Empty(t, h.calls(), "a global id of another type: no call")
		})
	}
}
