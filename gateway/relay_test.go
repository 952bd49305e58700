package gateway_test

import (
	"encoding/json"
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

// relayFixture reads one session of the simulator with its room and a participant.
func relayFixture(t *testing.T, h *harness) (room, sess, part string) {
	t.Helper()
	var seed struct {
		RoomParticipants struct {
			Nodes []struct {
				TelnyxID string `json:"telnyxId"`
				Session  struct {
					TelnyxID string `json:"telnyxId"`
					RoomID   string `json:"roomId"`
				} `json:"session"`
			} `json:"nodes"`
		} `json:"roomParticipants"`
	}
	h.ok(t, `{ roomParticipants(first: 1) { nodes { telnyxId session { telnyxId roomId } } } }`, nil, &seed)
	require.Len(t, seed.RoomParticipants.Nodes, 1)
	p := seed.RoomParticipants.Nodes[0]
	h.calls()
	return p.Session.RoomID, p.Session.TelnyxID, p.TelnyxID
}

// TestNodeRefetch: node(id:) refetches a room, a session and a participant by global id with one upstream
// call, the answer its own root field gives; with only id, telnyxId and __typename, no call.
func TestNodeRefetch(t *testing.T) { forExecutors(t, testNodeRefetch) }

func testNodeRefetch(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
	room, sess, part := relayFixture(t, h)
	for _, tc := range []struct {
		name, uuid, direct, fragment string
		typ                          nodeid.Type
	}{
		{"Room", room, `room(id: $id)`, `... on Room { id telnyxId uniqueName maxParticipants createdAt }`, nodeid.Room},
		{"RoomSession", sess, `roomSession(id: $id)`, `... on RoomSession { id telnyxId roomId active participants { telnyxId context } }`, nodeid.RoomSession},
		{"RoomParticipant", part, `roomParticipant(id: $id)`, `... on RoomParticipant { id telnyxId sessionId context joinedAt }`, nodeid.RoomParticipant},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gid := nodeid.Encode(tc.typ, tc.uuid)
			r := h.post(t, `query($id: ID!) { node(id: $id) { __typename `+tc.fragment+` } }`, map[string]any{"id": gid})
			require.Empty(t, r.Errors)
			assert.Len(t, h.calls(), 1, "one upstream call")
			want := h.post(t, `query($id: ID!) { node: `+tc.direct+` { __typename `+tc.fragment+` } }`, map[string]any{"id": tc.uuid})
			require.Empty(t, want.Errors)
			assert.JSONEq(t, string(want.Data), string(r.Data), "the same object as its own root field gives")
			h.calls()

			r = h.post(t, `query($id: ID!) { node(id: $id) { __typename id ... on `+tc.name+` { telnyxId } } }`, map[string]any{"id": gid})
			require.Empty(t, r.Errors)
			assert.JSONEq(t, `{"node":{"__typename":"`+tc.name+`","id":"`+tc.uuid+`","telnyxId":"`+tc.uuid+`"}}`, string(r.Data))
			assert.Empty(t, h.calls(), "only keys: no call")
		})
	}
}

// TestNodeRefusesOtherShapes: an id that is not a global id is BAD_USER_INPUT with no call, for node and
// for nodes (one bad id refuses the whole list); an unknown object is null with NOT_FOUND.
func TestNodeRefusesOtherShapes(t *testing.T) { forExecutors(t, testNodeRefusesOtherShapes) }

func testNodeRefusesOtherShapes(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
	room, _, _ := relayFixture(t, h)
	for _, tc := range []struct{ name, id string }{
		{"bare uuid", room},
		{"garbage", "nope"},
		{"unknown type", nodeid.Encode("Recording", room)},
		{"no uuid inside", nodeid.Encode(nodeid.Room, "42")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.post(t, `query($id: ID!) { node(id: $id) { id ... on Room { uniqueName } } }`, map[string]any{"id": tc.id})
			assert.Equal(t, []string{"BAD_USER_INPUT"}, r.codes())
			assert.JSONEq(t, `{"node":null}`, string(r.Data))
			r = h.post(t, `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Room { uniqueName } } }`,
				map[string]any{"ids": []string{nodeid.Encode(nodeid.Room, room), tc.id}})
			assert.Equal(t, []string{"BAD_USER_INPUT"}, r.codes())
			assert.Empty(t, h.calls(), "no call")
		})
	}
	r := h.post(t, `query($id: ID!) { node(id: $id) { id ... on Room { uniqueName } } }`,
		map[string]any{"id": nodeid.Encode(nodeid.Room, "00000000-0000-4000-8000-000000000000")})
	assert.Equal(t, []string{"NOT_FOUND"}, r.codes())
	assert.JSONEq(t, `{"node":null}`, string(r.Data))
}

// TestNodesBatching: nodes(ids:) resolves in one loader wave: one call per distinct object (a repeated id
// costs nothing more), none for an object whose selection is only keys; an unknown object is null with
// its error at its index while the others resolve.
func TestNodesBatching(t *testing.T) { forExecutors(t, testNodesBatching) }

func testNodesBatching(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
	room, sess, part := relayFixture(t, h)
	r0, s0, p0 := nodeid.Encode(nodeid.Room, room), nodeid.Encode(nodeid.RoomSession, sess), nodeid.Encode(nodeid.RoomParticipant, part)
	const q = `query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Room { uniqueName } ... on RoomSession { active } ... on RoomParticipant { context } } }`

	r := h.post(t, q, map[string]any{"ids": []string{r0, s0, p0, s0, r0}})
	require.Empty(t, r.Errors)
	assert.Len(t, h.calls(), 3, "one call per distinct object")

	r = h.post(t, `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, map[string]any{"ids": []string{r0, s0, p0}})
	require.Empty(t, r.Errors)
	assert.JSONEq(t, `{"nodes":[{"__typename":"Room","id":"`+room+`"},{"__typename":"RoomSession","id":"`+sess+`"},{"__typename":"RoomParticipant","id":"`+part+`"}]}`, string(r.Data))
	assert.Empty(t, h.calls(), "only keys: no call")

	unknown := nodeid.Encode(nodeid.RoomSession, "00000000-0000-4000-8000-000000000000")
	r = h.post(t, q, map[string]any{"ids": []string{s0, unknown}})
	require.Len(t, r.Errors, 1)
	assert.Equal(t, "NOT_FOUND", r.Errors[0].code())
	assert.Equal(t, []any{"nodes", float64(1)}, r.Errors[0].Path)
	var got struct {
		Nodes []map[string]any `json:"nodes"`
	}
	require.NoError(t, json.Unmarshal(r.Data, &got))
	require.Len(t, got.Nodes, 2)
	assert.NotNil(t, got.Nodes[0])
	assert.Nil(t, got.Nodes[1])
}
