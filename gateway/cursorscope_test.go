package gateway_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// TestSameListSameCursors: a room's sessions are one upstream list whether paged through
// room(id:) { sessions } or roomSessions(roomId:), and a session's participants whether through
// roomSession(id:) { participantsConnection } or roomParticipants(sessionId:): a cursor of one continues
// the other, in both directions, with the same filter. A cursor of another room, session, filter or of the
// account-wide list is still refused before any upstream call.
func TestSameListSameCursors(t *testing.T) {
	h := newHarness(t, telnyxsim.Config{Seed: 11, Rooms: 6, SessionsPerRoom: 20, ParticipantsPerSession: 5}, gateway.Config{})
	busiest, _ := roomsBySessions(h.sim, keyA)
	var other string
	for _, r := range h.sim.Rooms(keyA) {
		if r.ID != busiest {
			other = r.ID
			break
		}
	}
	type page struct {
		Nodes []struct {
			ID string `json:"telnyxId"`
		} `json:"nodes"`
		PageInfo struct {
			EndCursor string `json:"endCursor"`
		} `json:"pageInfo"`
	}
	const (
		viaRoom = `query($room: ID!, $after: String, $f: RoomSessionFilter) {
			c: room(id: $room) { c: sessions(first: 3, after: $after, filter: $f) { nodes { telnyxId } pageInfo { endCursor } } } }`
		viaRoot = `query($room: ID, $after: String, $f: RoomSessionFilter) {
			c: roomSessions(roomId: $room, first: 3, after: $after, filter: $f) { nodes { telnyxId } pageInfo { endCursor } } }`
		viaSession = `query($session: ID!, $after: String) {
			c: roomSession(id: $session) { c: participantsConnection(first: 1, after: $after) { nodes { telnyxId } pageInfo { endCursor } } } }`
		viaParticipants = `query($session: ID, $after: String) {
			c: roomParticipants(sessionId: $session, first: 1, after: $after) { nodes { telnyxId } pageInfo { endCursor } } }`
	)
	get := func(t *testing.T, query string, vars map[string]any) page {
		t.Helper()
		r := h.post(t, query, vars)
		require.Empty(t, r.Errors, "errors: %+v", r.Errors)
		var out struct {
			C struct {
				page
				C *page `json:"c"`
			} `json:"c"`
		}
		require.NoError(t, json.Unmarshal(r.Data, &out))
		if out.C.C != nil {
			return *out.C.C
		}
		return out.C.page
	}
	ids := func(p page) []string {
		var out []string
		for _, n := range p.Nodes {
			out = append(out, n.ID)
		}
		return out
	}
	ended := map[string]any{"active": false}
	truth := h.restSessions(t, keyA, busiest, nil)
	endedTruth := h.restSessions(t, keyA, busiest, map[string][]string{"filter[active]": {"false"}})
	require.GreaterOrEqual(t, len(endedTruth), 6)

	cases := []struct {
		name        string
		first, then string
		filter      map[string]any
		want        []string
	}{
		{"room.sessions then roomSessions(roomId:)", viaRoom, viaRoot, nil, truth[3:6]},
		{"roomSessions(roomId:) then room.sessions", viaRoot, viaRoom, nil, truth[3:6]},
		{"filtered, room.sessions then roomSessions(roomId:)", viaRoom, viaRoot, ended, endedTruth[3:6]},
		{"filtered, roomSessions(roomId:) then room.sessions", viaRoot, viaRoom, ended, endedTruth[3:6]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := get(t, c.first, map[string]any{"room": busiest, "f": c.filter})
			next := get(t, c.then, map[string]any{"room": busiest, "f": c.filter, "after": p.PageInfo.EndCursor})
			assert.Equal(t, c.want, ids(next))
		})
	}
	t.Run("the room named by its global id, then by its UUID", func(t *testing.T) {
		p := get(t, viaRoom, map[string]any{"room": nodeid.Encode(nodeid.Room, busiest)})
		assert.Equal(t, truth[3:6], ids(get(t, viaRoot, map[string]any{"room": busiest, "after": p.PageInfo.EndCursor})))
		p = get(t, viaRoot, map[string]any{"room": busiest})
		assert.Equal(t, truth[3:6], ids(get(t, viaRoom, map[string]any{"room": nodeid.Encode(nodeid.Room, busiest), "after": p.PageInfo.EndCursor})))
	})

	session := truth[0]
	parts := h.restIDs(t, keyA, "/room_sessions/"+session+"/participants", nil)
	require.GreaterOrEqual(t, len(parts), 2)
	t.Run("participants, both ways", func(t *testing.T) {
		p := get(t, viaSession, map[string]any{"session": session})
		assert.Equal(t, parts[1:2], ids(get(t, viaParticipants, map[string]any{"session": session, "after": p.PageInfo.EndCursor})))
		p = get(t, viaParticipants, map[string]any{"session": session})
		assert.Equal(t, parts[1:2], ids(get(t, viaSession, map[string]any{"session": session, "after": p.PageInfo.EndCursor})))
	})

	roomCursor := get(t, viaRoom, map[string]any{"room": busiest}).PageInfo.EndCursor
	accountCursor := get(t, viaRoot, map[string]any{}).PageInfo.EndCursor
	sessionCursor := get(t, viaSession, map[string]any{"session": session}).PageInfo.EndCursor
	refused := []struct {
		name  string
		query string
		vars  map[string]any
	}{
		{"another room's cursor, root", viaRoot, map[string]any{"room": other, "after": roomCursor}},
		{"another room's cursor, room", viaRoom, map[string]any{"room": other, "after": roomCursor}},
		{"another filter's cursor", viaRoot, map[string]any{"room": busiest, "f": ended, "after": roomCursor}},
		{"the account list's cursor in a room's list", viaRoom, map[string]any{"room": busiest, "after": accountCursor}},
		{"a room's cursor in the account list", viaRoot, map[string]any{"after": roomCursor}},
		{"a session's participants cursor in the account's participants", viaParticipants, map[string]any{"after": sessionCursor}},
		{"a sessions cursor in participants", viaParticipants, map[string]any{"session": session, "after": roomCursor}},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			h.calls()
			r := h.post(t, c.query, c.vars)
			assert.Equal(t, []string{"BAD_USER_INPUT"}, r.codes())
			assert.Empty(t, h.calls(), "refused before any upstream call")
		})
	}
}
