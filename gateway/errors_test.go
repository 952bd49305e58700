package gateway_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

const unknownRoom = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"

// cursorFixture holds real cursors of the busiest room and their misuses.
type cursorFixture struct {
	room, other string // the busiest room and another one
	cursor      string // a cursor of room, unfiltered
	filtered    string // a cursor of room under filter {active: false}
	tampered    string // cursor with one byte of its offset changed
}

func newCursorFixture(t *testing.T, h *harness) cursorFixture {
	t.Helper()
	var f cursorFixture
	f.room, _ = roomsBySessions(h.sim, keyA)
	f.other = h.sim.Rooms(keyA)[0].ID
	if f.other == f.room {
		f.other = h.sim.Rooms(keyA)[1].ID
	}
	var d roomSessions
	h.ok(t, pageQuery, map[string]any{"id": f.room, "first": 2}, &d)
	f.cursor = *d.Room.Sessions.PageInfo.EndCursor
	h.ok(t, pageQuery, map[string]any{"id": f.room, "first": 2, "filter": map[string]any{"active": false}}, &d)
	f.filtered = *d.Room.Sessions.PageInfo.EndCursor
	raw, err := base64.RawURLEncoding.DecodeString(f.cursor)
	require.NoError(t, err)
	raw[3] ^= 0xff
	f.tampered = base64.RawURLEncoding.EncodeToString(raw)
	return f
}

// TestBadInputMakesNoUpstreamCall: every argument error is BAD_USER_INPUT and costs no upstream call.
func TestBadInputMakesNoUpstreamCall(t *testing.T) { forExecutors(t, testBadInputMakesNoUpstreamCall) }

func testBadInputMakesNoUpstreamCall(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
	f := newCursorFixture(t, h)
	room, other, cursor, filteredCursor, tampered := f.room, f.other, f.cursor, f.filtered, f.tampered

	tests := []struct {
		name string
		vars map[string]any
		want string // substring of the message
	}{
		{"first above the maximum", map[string]any{"id": room, "first": 101}, "first"},
		{"negative first", map[string]any{"id": room, "first": -1}, "first"},
		{"last above the maximum", map[string]any{"id": room, "last": 1000}, "last"},
		{"negative last", map[string]any{"id": room, "last": -5}, "last"},
		{"garbage cursor", map[string]any{"id": room, "after": "not a cursor"}, "after"},
		{"empty cursor", map[string]any{"id": room, "before": ""}, "before"},
		{"tampered cursor", map[string]any{"id": room, "after": tampered}, "after"},
		{"cursor of another room", map[string]any{"id": other, "after": cursor}, "another"},
		{"cursor of another filter", map[string]any{"id": room, "after": filteredCursor}, "another"},
		{"filtered cursor without the filter", map[string]any{"id": room, "after": cursor, "filter": map[string]any{"active": true}}, "another"},
		{"bad date", map[string]any{"id": room, "filter": map[string]any{"dateCreatedAt": map[string]any{"gte": "2026-13-01"}}}, "Date"},
		{"timestamp instead of date", map[string]any{"id": room, "filter": map[string]any{"dateEndedAt": map[string]any{"eq": "2026-01-01T00:00:00Z"}}}, "Date"},
		{"not a uuid", map[string]any{"id": "room-1"}, "UUID"},
		{"uuid with a path in it", map[string]any{"id": "../rooms"}, "UUID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.calls()
			r := h.post(t, pageQuery, tc.vars)
			require.NotEmpty(t, r.Errors)
			assert.Equal(t, "BAD_USER_INPUT", r.Errors[0].code(), "%+v", r.Errors)
			assert.Contains(t, r.Errors[0].Message, tc.want)
			assert.Empty(t, h.calls(), "no upstream call for bad input")
			assert.Equal(t, http.StatusOK, r.Status)
		})
	}
}

func TestUpstreamErrorMapping(t *testing.T) { forExecutors(t, testUpstreamErrorMapping) }

func testUpstreamErrorMapping(t *testing.T, e executor) {
	t.Parallel() // mostly waiting on retries (a 429's Retry-After): the two executors' runs overlap
	tests := []struct {
		name       string
		fault      *telnyxsim.Fault
		room       string
		key        string
		code       string
		status     float64
		telnyxCode string
	}{
		{name: "unknown room", room: unknownRoom, code: "NOT_FOUND", status: 404, telnyxCode: "10005"},
		{name: "unknown key", key: "KEY_nobody", code: "UNAUTHENTICATED", status: 401, telnyxCode: "10009"},
		{name: "rate limited", fault: &telnyxsim.Fault{TooManyRate: 1}, code: "UPSTREAM_RATE_LIMITED", status: 429, telnyxCode: "10011"},
		{name: "server error", fault: &telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503}, code: "UPSTREAM_UNAVAILABLE", status: 503, telnyxCode: "10007"},
		{name: "malformed body", fault: &telnyxsim.Fault{MalformedRate: 1}, code: "UPSTREAM_UNAVAILABLE"},
		{name: "truncated body", fault: &telnyxsim.Fault{TruncateRate: 1}, code: "UPSTREAM_UNAVAILABLE"},
		{name: "wrong content type", fault: &telnyxsim.Fault{WrongContentTypeRate: 1}, code: "UPSTREAM_UNAVAILABLE"},
		{name: "connection reset", fault: &telnyxsim.Fault{ResetRate: 1}, code: "UPSTREAM_UNAVAILABLE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := gateway.Config{APIKey: tc.key}
			h := newHarness(t, defaultSim(), e.config(cfg))
			room := tc.room
			if room == "" {
				room, _ = roomsBySessions(h.sim, keyA)
			}
			if tc.fault != nil {
				h.sim.SetFault(telnyxsim.RouteListRoomSessions, *tc.fault)
			}
			r := h.post(t, pageQuery, map[string]any{"id": room})
			require.Len(t, r.Errors, 1, "%+v", r.Errors)
			e := r.Errors[0]
			assert.Equal(t, tc.code, e.code())
			if tc.status != 0 {
				assert.Equal(t, tc.status, e.Extensions["upstreamStatus"])
				assert.Equal(t, tc.telnyxCode, e.Extensions["telnyxCode"])
			}
			assert.Equal(t, []any{"room", "sessions"}, e.Path)
			assert.NotContains(t, e.Message, "127.0.0.1", "no transport details")
			assert.NotContains(t, e.Message, "KEY_", "no key")
			// The room itself resolved (its id needs no call); only its sessions failed, and only they are
			// null (docs/nullability.md).
			assert.JSONEq(t, `{"room": {"id": "`+nodeid.Encode(nodeid.Room, room)+`", "sessions": null}}`, string(r.Data))
		})
	}
}

// TestPartialData: one aliased room failing leaves its siblings intact.
func TestPartialData(t *testing.T) { forExecutors(t, testPartialData) }

func testPartialData(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
	room, _ := roomsBySessions(h.sim, keyA)
	r := h.post(t, `query($ok: ID!, $bad: ID!) {
		good: room(id: $ok) { sessions(first: 2) { totalCount } }
		missing: room(id: $bad) { sessions(first: 2) { totalCount } }
		malformed: room(id: "nope") { id } }`, map[string]any{"ok": room, "bad": unknownRoom})
	var d map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(r.Data, &d))
	assert.Contains(t, string(d["good"]), "totalCount")
	// Selecting only keys and sessions makes no call for the room itself: the list call finds it unknown,
	// and only the list is null.
	assert.JSONEq(t, `{"sessions": null}`, string(d["missing"]))
	assert.Equal(t, "null", string(d["malformed"]))
	assert.ElementsMatch(t, []string{"NOT_FOUND", "BAD_USER_INPUT"}, r.codes())
}

func TestForwardAuth(t *testing.T) { forExecutors(t, testForwardAuth) }

func testForwardAuth(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{Auth: gateway.AuthForward}))
	roomA, _ := roomsBySessions(h.sim, keyA)
	roomB, _ := roomsBySessions(h.sim, keyB)
	const q = `query($id: ID!) { room(id: $id) { sessions(first: 50) { nodes { telnyxId roomId } } } }`

	t.Run("no header: UNAUTHENTICATED, no upstream call", func(t *testing.T) {
		h.calls()
		r := h.post(t, q, map[string]any{"id": roomA})
		require.Len(t, r.Errors, 1)
		assert.Equal(t, "UNAUTHENTICATED", r.Errors[0].code())
		assert.Empty(t, h.calls())
	})
	t.Run("not a bearer token", func(t *testing.T) {
		r := h.post(t, q, map[string]any{"id": roomA}, "Authorization", "Basic "+keyA)
		assert.Equal(t, []string{"UNAUTHENTICATED"}, r.codes())
		assert.Empty(t, h.calls())
	})
	t.Run("each key sees its own account", func(t *testing.T) {
		var d roomSessions
		h.ok(t, q, map[string]any{"id": roomA}, &d, "Authorization", "Bearer "+keyA)
		wantA := h.sim.Sessions(keyA, roomA)
		require.NotEmpty(t, d.Room.Sessions.Nodes)
		assert.Equal(t, wantA[0].ID, d.Room.Sessions.Nodes[0].ID)
		h.ok(t, q, map[string]any{"id": roomB}, &d, "Authorization", "Bearer "+keyB)
		assert.Equal(t, h.sim.Sessions(keyB, roomB)[0].ID, d.Room.Sessions.Nodes[0].ID)
	})
	t.Run("another account's room is not found", func(t *testing.T) {
		r := h.post(t, q, map[string]any{"id": roomB}, "Authorization", "Bearer "+keyA)
		assert.Equal(t, []string{"NOT_FOUND"}, r.codes())
	})
	t.Run("an unknown key is refused upstream and never echoed", func(t *testing.T) {
		r := h.post(t, q, map[string]any{"id": roomA}, "Authorization", "Bearer KEY_secret_value")
		assert.Equal(t, []string{"UNAUTHENTICATED"}, r.codes())
		raw, _ := json.Marshal(r)
		assert.NotContains(t, string(raw), "KEY_secret_value")
	})
}

func TestQueryTrace(t *testing.T) { forExecutors(t, testQueryTrace) }

func testQueryTrace(t *testing.T, e executor) {
	const q = `query($id: ID!) { room(id: $id) { sessions(first: 4) { edges { node { participants { id } } } } } }`
	t.Run("on request", func(t *testing.T) {
		h := newHarness(t, defaultSim(), e.config(gateway.Config{AllowTrace: true}))
		room, _ := roomsBySessions(h.sim, keyA)
		r := h.post(t, q, map[string]any{"id": room}, gateway.TraceHeader, "1")
		require.Empty(t, r.Errors)
		var calls []gateway.UpstreamCall
		require.NoError(t, json.Unmarshal(r.Extensions["upstreamCalls"], &calls))
		require.Len(t, calls, 1)
		c := calls[0]
		assert.Equal(t, "GET", c.Method)
		assert.Equal(t, "/rooms/"+room+"/sessions", c.Path)
		assert.Equal(t, 200, c.Status)
		assert.Contains(t, c.Query, "include_participants=true")
		assert.Positive(t, c.DurationMs)
		assert.False(t, strings.Contains(string(r.Extensions["upstreamCalls"]), keyA), "no key in the trace")
	})
	t.Run("not asked", func(t *testing.T) {
		h := newHarness(t, defaultSim(), e.config(gateway.Config{AllowTrace: true}))
		room, _ := roomsBySessions(h.sim, keyA)
		r := h.post(t, q, map[string]any{"id": room})
		assert.NotContains(t, r.Extensions, "upstreamCalls")
	})
	t.Run("not allowed by the server", func(t *testing.T) {
		h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
		room, _ := roomsBySessions(h.sim, keyA)
		r := h.post(t, q, map[string]any{"id": room}, gateway.TraceHeader, "1")
		assert.NotContains(t, r.Extensions, "upstreamCalls")
	})
}
