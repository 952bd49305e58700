package gateway_test

import (
	"encoding/json"
	"strings"
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
	f := relayFixture(t, h)
	for _, tc := range []struct {
		name, query, id string
		typ             nodeid.Type
	}{
		{"room", `query($id: ID!) { room(id: $id) { id uniqueName } }`, f.room, nodeid.Room},
		{"roomSession", `query($id: ID!) { roomSession(id: $id) { id active } }`, f.sess, nodeid.RoomSession},
		{"roomParticipant", `query($id: ID!) { roomParticipant(id: $id) { id context } }`, f.part, nodeid.RoomParticipant},
		{"roomSessions roomId", `query($id: ID!) { roomSessions(roomId: $id, first: 1) { totalCount nodes { id } } }`, f.room, nodeid.Room},
		{"roomParticipants sessionId", `query($id: ID!) { roomParticipants(sessionId: $id, first: 1) { totalCount nodes { id } } }`, f.sess, nodeid.RoomSession},
		{"generateJoinClientToken roomId", `mutation($id: ID!) { generateJoinClientToken(roomId: $id) { roomId } }`, f.room, nodeid.Room},
	} {
		t.Run(tc.name, func(t *testing.T) {
			byUUID := h.post(t, tc.query, map[string]any{"id": tc.id})
			require.Empty(t, byUUID.Errors)
			uuidCalls := h.calls()
			byGlobal := h.post(t, tc.query, map[string]any{"id": nodeid.Encode(tc.typ, tc.id)})
			require.Empty(t, byGlobal.Errors)
			assert.JSONEq(t, string(byUUID.Data), string(byGlobal.Data))
			assert.Equal(t, len(uuidCalls), len(h.calls()))

			other := nodeid.Room
			if tc.typ == nodeid.Room {
				other = nodeid.RoomParticipant
			}
			for _, bad := range []string{nodeid.Encode(other, tc.id), strings.ToUpper(tc.id), nodeid.Encode(tc.typ, strings.ToUpper(tc.id)), "nope"} {
				r := h.post(t, tc.query, map[string]any{"id": bad})
				require.Len(t, r.Errors, 1, bad)
				assert.Equal(t, "BAD_USER_INPUT", r.Errors[0].code(), bad)
				assert.NotEmpty(t, r.Errors[0].Extensions["field"], bad)
				assert.Empty(t, h.calls(), "%s: no call", bad)
			}
		})
	}
}

// TestMutationIDsAllAtOnce: a mutation with several bad ids (the session, and participant ids of either
// form) reports each one, with its extensions.field, before any call.
func TestMutationIDsAllAtOnce(t *testing.T) { forExecutors(t, testMutationIDsAllAtOnce) }

func testMutationIDsAllAtOnce(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
	f := relayFixture(t, h)
	r := h.post(t, `mutation($s: ID!, $ids: [ID!], $ex: [ID!]) { kickParticipants(sessionId: $s, participants: {ids: $ids, exclude: $ex}) { sessionId } }`,
		map[string]any{"s": nodeid.Encode(nodeid.Room, f.sess), "ids": []string{f.partID, nodeid.Encode(nodeid.RoomSession, f.part)},
			"ex": []string{strings.ToUpper(f.part)}})
	var fields []any
	for _, e := range r.Errors {
		assert.Equal(t, "BAD_USER_INPUT", e.code())
		fields = append(fields, e.Extensions["field"])
	}
	assert.Equal(t, []any{"sessionId", "participants.ids[1]", "participants.exclude[0]"}, fields, "%+v", r.Errors)
	assert.Empty(t, h.calls(), "no call")
}

// relay names one participant of the simulator, its session and its room: the Telnyx UUIDs and the ids
// (global ids) the API handed out for them.
type relay struct {
	room, sess, part       string
	roomID, sessID, partID string
}

// relayFixture reads one participant with its session and room.
func relayFixture(t *testing.T, h *harness) relay {
	t.Helper()
	var seed struct {
		RoomParticipants struct {
			Nodes []struct {
				ID       string `json:"id"`
				TelnyxID string `json:"telnyxId"`
				Session  struct {
					ID       string `json:"id"`
					TelnyxID string `json:"telnyxId"`
					Room     struct {
						ID       string `json:"id"`
						TelnyxID string `json:"telnyxId"`
					} `json:"room"`
				} `json:"session"`
			} `json:"nodes"`
		} `json:"roomParticipants"`
	}
	h.ok(t, `{ roomParticipants(first: 1) { nodes { id telnyxId session { id telnyxId room { id telnyxId } } } } }`, nil, &seed)
	require.Len(t, seed.RoomParticipants.Nodes, 1)
	p := seed.RoomParticipants.Nodes[0]
	h.calls()
	return relay{room: p.Session.Room.TelnyxID, sess: p.Session.TelnyxID, part: p.TelnyxID,
		roomID: p.Session.Room.ID, sessID: p.Session.ID, partID: p.ID}
}

// TestNodeRefetch: node(id:) refetches a room, a session and a participant by global id with one upstream
// call, the answer its own root field gives; with only id, telnyxId and __typename, no call.
func TestNodeRefetch(t *testing.T) { forExecutors(t, testNodeRefetch) }

func testNodeRefetch(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
	f := relayFixture(t, h)
	for _, tc := range []struct {
		name, uuid, gid, direct, fragment string
	}{
		{"Room", f.room, f.roomID, `room(id: $id)`, `... on Room { id telnyxId uniqueName maxParticipants createdAt }`},
		{"RoomSession", f.sess, f.sessID, `roomSession(id: $id)`, `... on RoomSession { id telnyxId roomId active participants { id telnyxId context } }`},
		{"RoomParticipant", f.part, f.partID, `roomParticipant(id: $id)`, `... on RoomParticipant { id telnyxId sessionId context joinedAt }`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gid := tc.gid // the id the API handed out
			typ, uuid, err := nodeid.Decode(gid)
			require.NoError(t, err, "id is a global id")
			assert.Equal(t, tc.name, string(typ))
			assert.Equal(t, tc.uuid, uuid)
			r := h.post(t, `query($id: ID!) { node(id: $id) { __typename `+tc.fragment+` } }`, map[string]any{"id": gid})
			require.Empty(t, r.Errors)
			assert.Len(t, h.calls(), 1, "one upstream call")
			want := h.post(t, `query($id: ID!) { node: `+tc.direct+` { __typename `+tc.fragment+` } }`, map[string]any{"id": tc.uuid})
			require.Empty(t, want.Errors)
			assert.JSONEq(t, string(want.Data), string(r.Data), "the same object as its own root field gives")
			h.calls()

			r = h.post(t, `query($id: ID!) { node(id: $id) { __typename id ... on `+tc.name+` { telnyxId } } }`, map[string]any{"id": gid})
			require.Empty(t, r.Errors)
			assert.JSONEq(t, `{"node":{"__typename":"`+tc.name+`","id":"`+gid+`","telnyxId":"`+tc.uuid+`"}}`, string(r.Data))
			assert.Empty(t, h.calls(), "only keys: no call")
		})
	}
}

// TestNodeRefusesOtherShapes: an id that is not a global id is BAD_USER_INPUT with no call, for node and
// for nodes (one bad id refuses the whole list); an unknown object is null with NOT_FOUND.
func TestNodeRefusesOtherShapes(t *testing.T) { forExecutors(t, testNodeRefusesOtherShapes) }

func testNodeRefusesOtherShapes(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
	room := relayFixture(t, h).room
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
	f := relayFixture(t, h)
	r0, s0, p0 := f.roomID, f.sessID, f.partID
	const q = `query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Room { uniqueName } ... on RoomSession { active } ... on RoomParticipant { context } } }`

	r := h.post(t, q, map[string]any{"ids": []string{r0, s0, p0, s0, r0}})
	require.Empty(t, r.Errors)
	assert.Len(t, h.calls(), 3, "one call per distinct object")

	r = h.post(t, `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, map[string]any{"ids": []string{r0, s0, p0}})
	require.Empty(t, r.Errors)
	assert.JSONEq(t, `{"nodes":[{"__typename":"Room","id":"`+r0+`"},{"__typename":"RoomSession","id":"`+s0+`"},{"__typename":"RoomParticipant","id":"`+p0+`"}]}`, string(r.Data))
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
