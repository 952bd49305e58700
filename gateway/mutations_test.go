package gateway_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

func routes(recs []telnyxsim.RequestRecord) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Route)
	}
	return out
}

func TestRoomMutations(t *testing.T) {
	h := newHarness(t, surfaceSim(), gateway.Config{})
	before := len(h.sim.Rooms(keyA))

	var created struct {
		CreateRoom struct {
			Room struct {
				ID                 string
				UniqueName         string
				MaxParticipants    int
				EnableRecording    bool
				WebhookEventURL    string `json:"webhookEventUrl"`
				WebhookTimeoutSecs int
			}
		}
	}
	h.ok(t, `mutation { createRoom(input: {uniqueName: "retro-weekly", maxParticipants: 12, enableRecording: true,
		webhookEventUrl: "https://example.com/hooks", webhookTimeoutSecs: 5}) {
		room { id uniqueName maxParticipants enableRecording webhookEventUrl webhookTimeoutSecs } } }`, nil, &created)
	room := created.CreateRoom.Room
	assert.Equal(t, "retro-weekly", room.UniqueName)
	assert.Equal(t, 12, room.MaxParticipants)
	assert.True(t, room.EnableRecording)
	assert.Equal(t, "https://example.com/hooks", room.WebhookEventURL)
	assert.Equal(t, 5, room.WebhookTimeoutSecs)
	assert.Equal(t, []string{telnyxsim.RouteCreateRoom}, routes(h.calls()), "the created room comes back with the write; no re-read")
	require.Len(t, h.sim.Rooms(keyA), before+1)

	t.Run("update, then a later read sees the change", func(t *testing.T) {
		var d struct {
			UpdateRoom struct {
				Room struct{ MaxParticipants int }
			}
		}
		r := h.post(t, `mutation($id: ID!) { updateRoom(id: $id, input: {maxParticipants: 30}) { room { maxParticipants } } }`, map[string]any{"id": room.ID})
		require.Empty(t, r.Errors)
		require.NoError(t, json.Unmarshal(r.Data, &d))
		assert.Equal(t, 30, d.UpdateRoom.Room.MaxParticipants)
		assert.Equal(t, []string{telnyxsim.RouteUpdateRoom}, routes(h.calls()))
		var q struct{ Room struct{ MaxParticipants int } }
		h.ok(t, `query($id: ID!) { room(id: $id) { maxParticipants } }`, map[string]any{"id": room.ID}, &q)
		assert.Equal(t, 30, q.Room.MaxParticipants)
		for _, s := range h.sim.Rooms(keyA) {
			if s.ID == room.ID {
				assert.Equal(t, "retro-weekly", s.UniqueName, "fields left out keep their value")
			}
		}
	})

	t.Run("mutations run in order", func(t *testing.T) {
		h.calls()
		r := h.post(t, `mutation($id: ID!) {
			a: updateRoom(id: $id, input: {maxParticipants: 3}) { room { maxParticipants } }
			b: updateRoom(id: $id, input: {maxParticipants: 4}) { room { maxParticipants } }
			c: updateRoom(id: $id, input: {maxParticipants: 5}) { room { maxParticipants } } }`, map[string]any{"id": room.ID})
		require.Empty(t, r.Errors)
		assert.JSONEq(t, `{"a":{"room":{"maxParticipants":3}},"b":{"room":{"maxParticipants":4}},"c":{"room":{"maxParticipants":5}}}`, string(r.Data))
		assert.Equal(t, []string{telnyxsim.RouteUpdateRoom, telnyxsim.RouteUpdateRoom, telnyxsim.RouteUpdateRoom}, routes(h.calls()))
	})

	t.Run("delete", func(t *testing.T) {
		var d struct {
			DeleteRoom struct{ DeletedRoomID string }
		}
		h.ok(t, `mutation($id: ID!) { deleteRoom(id: $id) { deletedRoomId } }`, map[string]any{"id": room.ID}, &d)
		assert.Equal(t, room.ID, d.DeleteRoom.DeletedRoomID)
		require.Len(t, h.sim.Rooms(keyA), before)
		r := h.post(t, `mutation($id: ID!) { deleteRoom(id: $id) { deletedRoomId } }`, map[string]any{"id": room.ID})
		assert.Equal(t, []string{"NOT_FOUND"}, r.codes())
		assert.Equal(t, 404.0, r.Errors[0].Extensions["upstreamStatus"])
	})

	t.Run("upstream 422: duplicate unique name", func(t *testing.T) {
		taken := h.sim.Rooms(keyA)[0].UniqueName
		r := h.post(t, `mutation($n: String) { createRoom(input: {uniqueName: $n}) { room { id } } }`, map[string]any{"n": taken})
		require.Len(t, r.Errors, 1)
		assert.Equal(t, "BAD_USER_INPUT", r.Errors[0].code())
		assert.Equal(t, 422.0, r.Errors[0].Extensions["upstreamStatus"])
		assert.Len(t, h.sim.Rooms(keyA), before)
	})

	t.Run("never retried", func(t *testing.T) {
		h.calls()
		h.sim.SetFault(telnyxsim.RouteCreateRoom, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503})
		defer h.sim.ClearFaults()
		r := h.post(t, `mutation { createRoom(input: {uniqueName: "flaky"}) { room { id } } }`, nil)
		assert.Equal(t, []string{"UPSTREAM_UNAVAILABLE"}, r.codes())
		assert.Len(t, h.calls(), 1)
	})
}

// invalidMutations are mutation fields with an input the gateway refuses before any upstream call.
func invalidMutations(room, session string) []struct{ name, field string } {
	return []struct{ name, field string }{
		{"max participants too low", `createRoom(input: {maxParticipants: 1}) { room { id } }`},
		{"max participants too high", `createRoom(input: {maxParticipants: 51}) { room { id } }`},
		{"webhook timeout negative", `createRoom(input: {webhookTimeoutSecs: -1}) { room { id } }`},
		{"webhook timeout too long", `createRoom(input: {webhookTimeoutSecs: 31}) { room { id } }`},
		{"webhook url without scheme", `createRoom(input: {webhookEventUrl: "example.com/hook"}) { room { id } }`},
		{"failover url not http", `createRoom(input: {webhookEventFailoverUrl: "ftp://example.com"}) { room { id } }`},
		{"blank unique name", `createRoom(input: {uniqueName: "  "}) { room { id } }`},
		{"update with a bad id", `updateRoom(id: "nope", input: {maxParticipants: 5}) { room { id } }`},
		{"update out of range", `updateRoom(id: "` + room + `", input: {maxParticipants: 99}) { room { id } }`},
		{"delete with a bad id", `deleteRoom(id: "1") { deletedRoomId }`},
		{"end with a bad id", `endRoomSession(id: "x") { sessionId }`},
		{"kick nobody", `kickParticipants(sessionId: "` + session + `", participants: {}) { sessionId }`},
		{"kick all and ids", `kickParticipants(sessionId: "` + session + `", participants: {all: true, ids: ["` + session + `"]}) { sessionId }`},
		{"mute with a bad id", `muteParticipants(sessionId: "` + session + `", participants: {ids: ["bob"]}) { sessionId }`},
		{"unmute with a bad exclusion", `unmuteParticipants(sessionId: "` + session + `", participants: {all: true, exclude: ["x"]}) { sessionId }`},
		{"kick all: false", `kickParticipants(sessionId: "` + session + `", participants: {all: false}) { sessionId }`},
		{"kick with a bad session id", `kickParticipants(sessionId: "s", participants: {all: true}) { sessionId }`},
	}
}

func TestMutationInputIsCheckedFirst(t *testing.T) {
	h := newHarness(t, surfaceSim(), gateway.Config{})
	s := h.sim.Sessions(keyA, "")[0]
	room := h.sim.Rooms(keyA)[0].ID
	for _, tc := range invalidMutations(room, s.ID) {
		t.Run(tc.name, func(t *testing.T) {
			h.calls()
			r := h.post(t, "mutation { "+tc.field+" }", nil)
			assert.Equal(t, []string{"BAD_USER_INPUT"}, r.codes(), "%+v", r.Errors)
			assert.Empty(t, h.calls(), "no upstream call")
		})
	}
}

// TestNoWriteBeforeEveryInputIsChecked: an invalid input anywhere in a mutation operation means no write at
// all, not even of the valid fields before it (docs/nullability.md#mutations).
func TestNoWriteBeforeEveryInputIsChecked(t *testing.T) {
	h := newHarness(t, surfaceSim(), gateway.Config{})
	s := h.sim.Sessions(keyA, "")[0]
	room := h.sim.Rooms(keyA)[0].ID
	before := len(h.sim.Rooms(keyA))
	check := func(t *testing.T, query string, vars map[string]any) {
		t.Helper()
		h.calls()
		r := h.post(t, query, vars)
		require.Equal(t, []string{"BAD_USER_INPUT"}, r.codes(), "%+v", r.Errors)
		assert.Equal(t, []any{"b"}, r.Errors[0].Path)
		assert.Equal(t, "null", string(r.Data), "nothing ran")
		assert.Empty(t, routes(h.calls()), "no upstream write (nor read)")
		assert.Len(t, h.sim.Rooms(keyA), before, "the valid createRoom before it did not run")
	}
	for _, tc := range invalidMutations(room, s.ID) {
		t.Run(tc.name, func(t *testing.T) {
			check(t, `mutation { a: createRoom(input: {uniqueName: "first-of-two"}) { room { id } } b: `+tc.field+` }`, nil)
		})
	}
	t.Run("from variables", func(t *testing.T) {
		check(t, `mutation($ok: CreateRoomInput!, $bad: CreateRoomInput!) {
			a: createRoom(input: $ok) { room { id } } b: createRoom(input: $bad) { room { id } } }`,
			map[string]any{"ok": map[string]any{"maxParticipants": 5}, "bad": map[string]any{"maxParticipants": 99}})
	})
	t.Run("ids from variables", func(t *testing.T) {
		check(t, `mutation($s: ID!, $ids: [ID!]) {
			a: endRoomSession(id: $s) { sessionId } b: muteParticipants(sessionId: $s, participants: {ids: $ids}) { sessionId } }`,
			map[string]any{"s": s.ID, "ids": []any{"not-a-uuid"}})
	})
	t.Run("through a fragment", func(t *testing.T) {
		check(t, `mutation { a: createRoom(input: {uniqueName: "x"}) { room { id } } ...F } fragment F on Mutation { b: deleteRoom(id: "1") { deletedRoomId } }`, nil)
	})
	t.Run("a skipped field is not checked", func(t *testing.T) {
		h.calls()
		r := h.post(t, `mutation { a: createRoom(input: {uniqueName: "kept"}) { room { id } } b: createRoom(input: {maxParticipants: 99}) @skip(if: true) { room { id } } }`, nil)
		require.Empty(t, r.Errors)
		assert.Equal(t, []string{telnyxsim.RouteCreateRoom}, routes(h.calls()))
		require.Len(t, h.sim.Rooms(keyA), before+1)
		before++
	})
}

// TestWriteThatRanIsNeverLost: a later failure (a write's, or a read inside a payload) never takes a payload
// of a write that ran out of the answer.
func TestWriteThatRanIsNeverLost(t *testing.T) { forExecutors(t, testWriteThatRanIsNeverLost) }

func testWriteThatRanIsNeverLost(t *testing.T, e executor) {
	h := newHarness(t, surfaceSim(), e.config(quickResilience()))
	room := h.sim.Rooms(keyA)[0].ID
	before := len(h.sim.Rooms(keyA))
	var d struct {
		A *struct {
			Room struct {
				ID string `json:"telnyxId"`
			}
		}
		B *struct {
			Room struct {
				ID string `json:"telnyxId"`
			}
		}
	}

	t.Run("the second write fails upstream", func(t *testing.T) {
		h.sim.SetFault(telnyxsim.RouteUpdateRoom, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503})
		defer h.sim.ClearFaults()
		r := h.post(t, `mutation($id: ID!) { a: createRoom(input: {uniqueName: "survives"}) { room { telnyxId } }
			b: updateRoom(id: $id, input: {maxParticipants: 20}) { room { telnyxId } } }`, map[string]any{"id": room})
		require.Equal(t, []string{"UPSTREAM_UNAVAILABLE"}, r.codes(), "%+v", r.Errors)
		assert.Equal(t, []any{"b"}, r.Errors[0].Path)
		require.NoError(t, json.Unmarshal(r.Data, &d))
		require.NotNil(t, d.A, "the first write ran: its payload is in the answer")
		require.NotEmpty(t, d.A.Room.ID)
		assert.Nil(t, d.B)
		rooms := h.sim.Rooms(keyA)
		require.Len(t, rooms, before+1)
		assert.True(t, slices.ContainsFunc(rooms, func(r telnyxsim.Room) bool { return r.ID == d.A.Room.ID }), "the id answered is the room created")
	})
	t.Run("a read inside the payload fails", func(t *testing.T) {
		h.sim.SetFault(telnyxsim.RouteListRoomSessions, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503})
		defer h.sim.ClearFaults()
		r := h.post(t, `mutation { a: createRoom(input: {uniqueName: "survives-too"}) { room { id sessions(first: 1) { totalCount } } } }`, nil)
		require.Equal(t, []string{"UPSTREAM_UNAVAILABLE"}, r.codes(), "%+v", r.Errors)
		assert.Equal(t, []any{"a", "room", "sessions"}, r.Errors[0].Path)
		require.NoError(t, json.Unmarshal(r.Data, &d))
		require.NotNil(t, d.A, "the write ran: its payload is in the answer")
		assert.NotEmpty(t, d.A.Room.ID)
	})
}

func TestSessionActions(t *testing.T) {
	h := newHarness(t, telnyxsim.Config{Seed: 2, Rooms: 20, SessionsPerRoom: 6, ParticipantsPerSession: 8}, gateway.Config{})
	// Active sessions with at least three people present.
	var active []telnyxsim.Session
	for _, s := range h.sim.Sessions(keyA, "") {
		present := 0
		for _, p := range h.sim.Participants(keyA, s.ID) {
			if p.LeftAt == nil {
				present++
			}
		}
		if s.Active && present >= 3 {
			active = append(active, s)
		}
	}
	require.GreaterOrEqual(t, len(active), 4, "the seed must give four busy active sessions")
	presentIDs := func(sessionID string) []string {
		var ids []string
		for _, p := range h.sim.Participants(keyA, sessionID) {
			if p.LeftAt == nil {
				ids = append(ids, p.ID)
			}
		}
		return ids
	}
	type payload struct {
		SessionID string
		Session   struct {
			Active       bool
			EndedAt      *string
			Participants []struct {
				ID     string `json:"telnyxId"`
				LeftAt *string
			}
		}
		Room struct{ ActiveSessionID *string }
	}

	t.Run("kick these ids minus the excluded", func(t *testing.T) {
		s := active[0]
		ids := presentIDs(s.ID)
		var d struct{ KickParticipants payload }
		h.ok(t, `mutation($s: ID!, $ids: [ID!], $ex: [ID!]) { kickParticipants(sessionId: $s, participants: {ids: $ids, exclude: $ex}) {
			sessionId session { active participants { telnyxId leftAt } } } }`,
			map[string]any{"s": s.ID, "ids": ids[:2], "ex": ids[1:2]}, &d)
		left := map[string]bool{}
		for _, p := range d.KickParticipants.Session.Participants {
			left[p.ID] = p.LeftAt != nil
		}
		assert.True(t, left[ids[0]], "kicked")
		assert.False(t, left[ids[1]], "excluded")
		assert.False(t, left[ids[2]], "not targeted")
		assert.Equal(t, []string{telnyxsim.RouteKick, telnyxsim.RouteGetSession}, routes(h.calls()), "the action, then the session re-read")
	})
	t.Run("mute and unmute all", func(t *testing.T) {
		for _, m := range []string{"muteParticipants", "unmuteParticipants"} {
			var d map[string]payload
			h.ok(t, `mutation($s: ID!) { `+m+`(sessionId: $s, participants: {all: true}) { sessionId } }`, map[string]any{"s": active[0].ID}, &d)
			assert.Equal(t, active[0].ID, d[m].SessionID)
		}
		assert.Equal(t, []string{telnyxsim.RouteMute, telnyxsim.RouteUnmute}, routes(h.calls()), "no re-read when nothing is selected")
	})
	t.Run("end", func(t *testing.T) {
		s := active[1]
		var d struct{ EndRoomSession payload }
		h.ok(t, `mutation($s: ID!) { endRoomSession(id: $s) { session { active endedAt participants { leftAt } } room { activeSessionId } } }`,
			map[string]any{"s": s.ID}, &d)
		assert.False(t, d.EndRoomSession.Session.Active)
		assert.NotNil(t, d.EndRoomSession.Session.EndedAt)
		for _, p := range d.EndRoomSession.Session.Participants {
			assert.NotNil(t, p.LeftAt, "everyone was kicked")
		}
		assert.Nil(t, d.EndRoomSession.Room.ActiveSessionID)
	})
	t.Run("a payload read after a write is not served from the operation's cache", func(t *testing.T) {
		h.calls()
		s := active[3]
		ids := presentIDs(s.ID)
		var d struct {
			K struct{ Session struct{ Active bool } }
			E struct{ Session struct{ Active bool } }
		}
		h.ok(t, `mutation($s: ID!, $p: [ID!]) {
			k: kickParticipants(sessionId: $s, participants: {ids: $p}) { session { active } }
			e: endRoomSession(id: $s) { session { active } } }`, map[string]any{"s": s.ID, "p": ids[:1]}, &d)
		assert.True(t, d.K.Session.Active, "read after the kick")
		assert.False(t, d.E.Session.Active, "read anew after the end")
		assert.Equal(t, []string{telnyxsim.RouteKick, telnyxsim.RouteGetSession, telnyxsim.RouteEndSession, telnyxsim.RouteGetSession}, routes(h.calls()))
	})
	t.Run("unknown session", func(t *testing.T) {
		r := h.post(t, `mutation { endRoomSession(id: "`+unknownRoom+`") { sessionId } }`, nil)
		assert.Equal(t, []string{"NOT_FOUND"}, r.codes())
	})
	t.Run("upstream 422: a participant of another session", func(t *testing.T) {
		other := presentIDs(active[2].ID)
		require.NotEmpty(t, other)
		r := h.post(t, `mutation($s: ID!, $ids: [ID!]) { kickParticipants(sessionId: $s, participants: {ids: $ids}) { sessionId } }`,
			map[string]any{"s": active[0].ID, "ids": other[:1]})
		assert.Equal(t, []string{"BAD_USER_INPUT"}, r.codes())
	})
}
