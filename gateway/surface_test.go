package gateway_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// conn is any connection, decoded generically.
type conn struct {
	TotalCount int `json:"totalCount"`
	PageInfo   struct {
		HasNextPage     bool    `json:"hasNextPage"`
		HasPreviousPage bool    `json:"hasPreviousPage"`
		StartCursor     *string `json:"startCursor"`
		EndCursor       *string `json:"endCursor"`
	} `json:"pageInfo"`
	Edges []struct {
		Cursor string `json:"cursor"`
		Node   struct {
			ID string `json:"telnyxId"`
		} `json:"node"`
	} `json:"edges"`
}

func (c conn) ids() []string {
	var out []string
	for _, e := range c.Edges {
		out = append(out, e.Node.ID)
	}
	return out
}

// dig follows keys down a decoded response.
func dig(t testing.TB, data json.RawMessage, path ...string) json.RawMessage {
	t.Helper()
	for _, k := range path {
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(data, &m), "at %s in %s", k, data)
		data = m[k]
	}
	return data
}

const connFields = `totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { telnyxId } }`

// walk pages through a connection with cursors, in both directions and for several page sizes, and checks
// that every walk yields want exactly. query has $first/$after/$last/$before and the connection at path.
func walk(t *testing.T, h *harness, query string, vars map[string]any, path []string, want []string, sizes ...int) {
	t.Helper()
	for _, size := range sizes {
		for _, forward := range []bool{true, false} {
			name := fmt.Sprintf("backward/%d", size)
			if forward {
				name = fmt.Sprintf("forward/%d", size)
			}
			t.Run(name, func(t *testing.T) {
				v := map[string]any{}
				for k, x := range vars {
					v[k] = x
				}
				if forward {
					v["first"] = size
				} else {
					v["last"] = size
				}
				var got []string
				for pages := 0; ; pages++ {
					require.LessOrEqual(t, pages, len(want)+1, "walk does not end")
					r := h.post(t, query, v)
					require.Empty(t, r.Errors, "%+v", r.Errors)
					var c conn
					require.NoError(t, json.Unmarshal(dig(t, r.Data, path...), &c))
					require.Equal(t, len(want), c.TotalCount)
					if forward {
						got = append(got, c.ids()...)
						if !c.PageInfo.HasNextPage {
							break
						}
						v["after"] = *c.PageInfo.EndCursor
					} else {
						got = append(c.ids(), got...)
						if !c.PageInfo.HasPreviousPage {
							break
						}
						v["before"] = *c.PageInfo.StartCursor
					}
				}
				require.Equal(t, want, got)
			})
		}
	}
}

func surfaceSim() telnyxsim.Config {
	return telnyxsim.Config{Seed: 9, Rooms: 30, SessionsPerRoom: 4, ParticipantsPerSession: 6}
}

func TestWalks(t *testing.T) { forExecutors(t, testWalks) }

func testWalks(t *testing.T, e executor) {
	h := newHarness(t, surfaceSim(), e.config(gateway.Config{}))
	room, _ := roomsBySessions(h.sim, keyA)
	sessions := h.sim.Sessions(keyA, "")
	var busySession string
	most := 0
	for _, s := range sessions {
		if n := len(h.sim.Participants(keyA, s.ID)); n > most {
			most, busySession = n, s.ID
		}
	}
	require.GreaterOrEqual(t, most, 4)

	t.Run("rooms", func(t *testing.T) {
		want := h.restIDs(t, keyA, "/rooms", nil)
		require.Len(t, want, 30)
		walk(t, h, `query($first: Int, $after: String, $last: Int, $before: String) { rooms(first: $first, after: $after, last: $last, before: $before) { `+connFields+` } }`,
			nil, []string{"rooms"}, want, 1, 4, 7, 30)
	})
	t.Run("rooms filtered", func(t *testing.T) {
		day := h.sim.Rooms(keyA)[10].CreatedAt.UTC().Format("2006-01-02")
		want := h.restIDs(t, keyA, "/rooms", url.Values{"filter[date_created_at][lte]": {day}})
		require.NotEmpty(t, want)
		walk(t, h, `query($first: Int, $after: String, $last: Int, $before: String, $day: Date) { rooms(filter: {dateCreatedAt: {lte: $day}}, first: $first, after: $after, last: $last, before: $before) { `+connFields+` } }`,
			map[string]any{"day": day}, []string{"rooms"}, want, 3)
	})
	t.Run("account sessions", func(t *testing.T) {
		want := h.restIDs(t, keyA, "/room_sessions", nil)
		require.Greater(t, len(want), 60)
		walk(t, h, `query($first: Int, $after: String, $last: Int, $before: String) { roomSessions(first: $first, after: $after, last: $last, before: $before) { `+connFields+` } }`,
			nil, []string{"roomSessions"}, want, 9, 50)
	})
	t.Run("account sessions of one room, ended", func(t *testing.T) {
		want := h.restIDs(t, keyA, "/room_sessions", url.Values{"filter[room_id]": {room}, "filter[active]": {"false"}})
		require.NotEmpty(t, want)
		walk(t, h, `query($room: ID, $first: Int, $after: String, $last: Int, $before: String) { roomSessions(roomId: $room, filter: {active: false}, first: $first, after: $after, last: $last, before: $before) { `+connFields+` } }`,
			map[string]any{"room": room}, []string{"roomSessions"}, want, 2)
	})
	t.Run("session participants", func(t *testing.T) {
		want := h.restIDs(t, keyA, "/room_sessions/"+busySession+"/participants", nil)
		walk(t, h, `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { roomSession(id: $id) { participantsConnection(first: $first, after: $after, last: $last, before: $before) { `+connFields+` } } }`,
			map[string]any{"id": busySession}, []string{"roomSession", "participantsConnection"}, want, 1, 3)
	})
	t.Run("account participants", func(t *testing.T) {
		want := h.restIDs(t, keyA, "/room_participants", nil)
		walk(t, h, `query($first: Int, $after: String, $last: Int, $before: String) { roomParticipants(first: $first, after: $after, last: $last, before: $before) { `+connFields+` } }`,
			nil, []string{"roomParticipants"}, want, 37, 100)
	})
	t.Run("account participants of one session", func(t *testing.T) {
		want := h.restIDs(t, keyA, "/room_participants", url.Values{"filter[session_id]": {busySession}})
		walk(t, h, `query($s: ID, $first: Int, $after: String, $last: Int, $before: String) { roomParticipants(sessionId: $s, first: $first, after: $after, last: $last, before: $before) { `+connFields+` } }`,
			map[string]any{"s": busySession}, []string{"roomParticipants"}, want, 2)
	})
}

func TestRoomFields(t *testing.T) { forExecutors(t, testRoomFields) }

func testRoomFields(t *testing.T, e executor) {
	// The rooms' active sessions are read together when their needs meet in one wave: a batch window wider
	// than the default 1 ms keeps that true on a loaded host.
	h := newHarness(t, surfaceSim(), e.config(gateway.Config{LoaderWait: 20 * time.Millisecond}))
	const layout = "2006-01-02T15:04:05.000000Z"
	type roomJSON struct {
		GlobalID                string  `json:"id"`
		ID                      string  `json:"telnyxId"`
		UniqueName              *string `json:"uniqueName"`
		MaxParticipants         int     `json:"maxParticipants"`
		EnableRecording         bool    `json:"enableRecording"`
		WebhookEventURL         *string `json:"webhookEventUrl"`
		WebhookEventFailoverURL *string `json:"webhookEventFailoverUrl"`
		WebhookTimeoutSecs      *int    `json:"webhookTimeoutSecs"`
		ActiveSessionID         *string `json:"activeSessionId"`
		ActiveSession           *struct {
			ID     string `json:"telnyxId"`
			Active bool   `json:"active"`
		} `json:"activeSession"`
		CreatedAt string `json:"createdAt"`
		UpdatedAt string `json:"updatedAt"`
	}
	const fields = `id telnyxId uniqueName maxParticipants enableRecording webhookEventUrl webhookEventFailoverUrl webhookTimeoutSecs activeSessionId activeSession { telnyxId active } createdAt updatedAt`
	check := func(t *testing.T, got roomJSON, want telnyxsim.Room) {
		t.Helper()
		assert.Equal(t, want.ID, got.ID)
		assert.Equal(t, nodeid.Encode(nodeid.Room, want.ID), got.GlobalID, "id is the global id")
		assert.Equal(t, want.UniqueName, deref(got.UniqueName))
		assert.Equal(t, want.MaxParticipants, got.MaxParticipants)
		assert.Equal(t, want.EnableRecording, got.EnableRecording)
		assert.Equal(t, want.WebhookEventURL, deref(got.WebhookEventURL))
		assert.Equal(t, want.WebhookEventFailoverURL, deref(got.WebhookEventFailoverURL))
		assert.Equal(t, want.WebhookTimeoutSecs, got.WebhookTimeoutSecs)
		assert.Equal(t, want.ActiveSessionID, deref(got.ActiveSessionID))
		if want.ActiveSessionID == "" {
			assert.Nil(t, got.ActiveSession)
		} else {
			require.NotNil(t, got.ActiveSession)
			assert.Equal(t, want.ActiveSessionID, got.ActiveSession.ID)
			assert.True(t, got.ActiveSession.Active)
		}
		assert.Equal(t, want.CreatedAt.UTC().Format(layout), got.CreatedAt)
		assert.Equal(t, want.UpdatedAt.UTC().Format(layout), got.UpdatedAt)
	}

	t.Run("rooms list", func(t *testing.T) {
		var d struct {
			Rooms struct{ Nodes []roomJSON } `json:"rooms"`
		}
		h.ok(t, `{ rooms(first: 30) { nodes { `+fields+` } } }`, nil, &d)
		store := h.sim.Rooms(keyA)
		require.Len(t, d.Rooms.Nodes, len(store))
		for i := range store {
			check(t, d.Rooms.Nodes[i], store[i])
		}
		calls := h.calls()
		byRoute := map[string]int{}
		for _, c := range calls {
			byRoute[c.Route]++
		}
		active := 0
		for _, r := range store {
			if r.ActiveSessionID != "" {
				active++
			}
		}
		require.Greater(t, active, 1)
		assert.Equal(t, map[string]int{telnyxsim.RouteListRooms: 1, telnyxsim.RouteListSessions: 1}, byRoute,
			"one list call; the room records come with it; one list of the account's active sessions for theirs")
	})
	t.Run("room by id", func(t *testing.T) {
		for _, want := range h.sim.Rooms(keyA)[:5] {
			var d struct{ Room roomJSON }
			h.ok(t, `query($id: ID!) { room(id: $id) { `+fields+` } }`, map[string]any{"id": want.ID}, &d)
			check(t, d.Room, want)
		}
	})
	t.Run("unknown room", func(t *testing.T) {
		h.calls()
		r := h.post(t, `{ room(id: "`+unknownRoom+`") { id uniqueName } }`, nil)
		assert.JSONEq(t, `{"room": null}`, string(r.Data))
		assert.Equal(t, []string{"NOT_FOUND"}, r.codes())
		assert.Len(t, h.calls(), 1)
	})
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func TestSessionAndParticipantByID(t *testing.T) { forExecutors(t, testSessionAndParticipantByID) }

func testSessionAndParticipantByID(t *testing.T, e executor) {
	h := newHarness(t, surfaceSim(), e.config(gateway.Config{}))
	sessions := h.sim.Sessions(keyA, "")
	s := sessions[3]
	parts := h.sim.Participants(keyA, s.ID)
	require.NotEmpty(t, parts)

	t.Run("session with participants: one call with include_participants", func(t *testing.T) {
		var d struct {
			RoomSession struct {
				TelnyxID     string
				RoomID       string
				Participants []struct{ TelnyxID string }
			}
		}
		h.ok(t, `query($id: ID!) { roomSession(id: $id) { telnyxId roomId participants { telnyxId } } }`, map[string]any{"id": s.ID}, &d)
		assert.Equal(t, s.ID, d.RoomSession.TelnyxID)
		assert.Equal(t, s.RoomID, d.RoomSession.RoomID)
		assert.Len(t, d.RoomSession.Participants, len(parts))
		calls := h.calls()
		require.Len(t, calls, 1)
		assert.Equal(t, telnyxsim.RouteGetSession, calls[0].Route)
		assert.Equal(t, "true", decodedQuery(t, calls[0]).Get("include_participants"))
	})
	t.Run("session without participants", func(t *testing.T) {
		h.post(t, `query($id: ID!) { roomSession(id: $id) { id active } }`, map[string]any{"id": s.ID})
		calls := h.calls()
		require.Len(t, calls, 1)
		assert.Empty(t, decodedQuery(t, calls[0]).Get("include_participants"))
	})
	t.Run("participant and its session", func(t *testing.T) {
		var d struct {
			RoomParticipant struct {
				ID, TelnyxID, SessionID, Context string
				Session                          struct{ ID, TelnyxID, RoomID string }
			}
		}
		h.ok(t, `query($id: ID!) { roomParticipant(id: $id) { id telnyxId sessionId context session { id telnyxId roomId } } }`, map[string]any{"id": parts[0].ID}, &d)
		assert.Equal(t, parts[0].ID, d.RoomParticipant.TelnyxID)
		assert.Equal(t, nodeid.Encode(nodeid.RoomParticipant, parts[0].ID), d.RoomParticipant.ID)
		assert.Equal(t, parts[0].Context, d.RoomParticipant.Context)
		assert.Equal(t, s.ID, d.RoomParticipant.Session.TelnyxID)
		assert.Equal(t, nodeid.Encode(nodeid.RoomSession, s.ID), d.RoomParticipant.Session.ID)
		assert.Equal(t, s.RoomID, d.RoomParticipant.Session.RoomID)
		assert.Len(t, h.calls(), 2)
	})
	t.Run("unknown ids", func(t *testing.T) {
		for _, q := range []string{`{ roomSession(id: "` + unknownRoom + `") { id active } }`, `{ roomParticipant(id: "` + unknownRoom + `") { id context } }`} {
			r := h.post(t, q, nil)
			assert.Equal(t, []string{"NOT_FOUND"}, r.codes(), q)
		}
	})
	t.Run("bad ids make no call", func(t *testing.T) {
		h.calls()
		for _, q := range []string{`{ roomSession(id: "x") { id } }`, `{ roomParticipant(id: "1") { id } }`,
			`{ roomSessions(roomId: "r") { totalCount } }`, `{ roomParticipants(sessionId: "s") { totalCount } }`} {
			r := h.post(t, q, nil)
			assert.Equal(t, []string{"BAD_USER_INPUT"}, r.codes(), q)
		}
		assert.Empty(t, h.calls())
	})
}

// TestListFilters compares the new lists' filters with the simulator's REST answers.
func TestListFilters(t *testing.T) { forExecutors(t, testListFilters) }

func testListFilters(t *testing.T, e executor) {
	h := newHarness(t, surfaceSim(), e.config(gateway.Config{}))
	rooms := h.sim.Rooms(keyA)
	parts := h.sim.Participants(keyA, "")
	day := func(ts interface{ Format(string) string }) string { return ts.Format("2006-01-02") }
	var leftDay string
	for _, p := range parts {
		if p.LeftAt != nil {
			leftDay = day(p.LeftAt.UTC())
			break
		}
	}
	joined := day(parts[len(parts)/2].JoinedAt.UTC())
	tests := []struct {
		name  string
		query string
		path  string
		rest  url.Values
	}{
		{"rooms by unique name", `{ rooms(filter: {uniqueName: "` + rooms[4].UniqueName + `"}) { ` + connFields + ` } }`, "/rooms",
			url.Values{"filter[unique_name]": {rooms[4].UniqueName}}},
		{"rooms updated since", `{ rooms(first: 100, filter: {dateUpdatedAt: {gte: "` + day(rooms[10].UpdatedAt.UTC()) + `"}}) { ` + connFields + ` } }`, "/rooms",
			url.Values{"filter[date_updated_at][gte]": {day(rooms[10].UpdatedAt.UTC())}}},
		{"participants by context", `{ roomParticipants(first: 100, filter: {context: "` + parts[0].Context + `"}) { ` + connFields + ` } }`, "/room_participants",
			url.Values{"filter[context]": {parts[0].Context}}},
		{"participants joined on", `{ roomParticipants(first: 100, filter: {dateJoinedAt: {eq: "` + joined + `"}}) { ` + connFields + ` } }`, "/room_participants",
			url.Values{"filter[date_joined_at][eq]": {joined}}},
		{"participants left by", `{ roomParticipants(first: 100, filter: {dateLeftAt: {lte: "` + leftDay + `"}}) { ` + connFields + ` } }`, "/room_participants",
			url.Values{"filter[date_left_at][lte]": {leftDay}}},
		{"participants updated since", `{ roomParticipants(first: 100, filter: {dateUpdatedAt: {gte: "` + joined + `"}}) { ` + connFields + ` } }`, "/room_participants",
			url.Values{"filter[date_updated_at][gte]": {joined}}},
		{"a session's participants by context", `{ roomSession(id: "` + parts[0].SessionID + `") { participantsConnection(filter: {context: "` + parts[0].Context + `"}) { ` + connFields + ` } } }`,
			"/room_sessions/" + parts[0].SessionID + "/participants", url.Values{"filter[context]": {parts[0].Context}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := h.restIDs(t, keyA, tc.path, tc.rest)
			require.NotEmpty(t, want)
			r := h.post(t, tc.query, nil)
			require.Empty(t, r.Errors)
			var top map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(r.Data, &top))
			raw := top["rooms"]
			if raw == nil {
				raw = top["roomParticipants"]
			}
			if raw == nil {
				raw = dig(t, top["roomSession"], "participantsConnection")
			}
			var c conn
			require.NoError(t, json.Unmarshal(raw, &c))
			assert.Equal(t, want[:min(len(want), 100)], c.ids())
			assert.Equal(t, len(want), c.TotalCount)
			for _, call := range h.calls() {
				if call.Route == telnyxsim.RouteGetSession {
					continue
				}
				q := decodedQuery(t, call)
				for k, v := range tc.rest {
					assert.Equal(t, v, q[k], "upstream parameter %s", k)
				}
			}
		})
	}
}
