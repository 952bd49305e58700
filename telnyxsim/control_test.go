package telnyxsim_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/telnyxsim"
)

// TestControlJoinLeave: join answers 201 with the participant record the REST routes then serve; it starts a
// session in an idle room and joins the active one otherwise; leave answers 200, ends the session when it was
// the last, and is a no-op the second time.
func TestControlJoinLeave(t *testing.T) {
	sim, c := startHookSim(t, smallConfig())
	room := createRoom(t, c, `"max_participants":2`)

	p := join(t, c, room, "Alice")
	assert.Equal(t, []string{"id", "session_id", "context", "joined_at", "updated_at", "record_type"}, participantKeys(p), "a present participant has no left_at")
	assert.Regexp(t, uuidPattern, str(t, p, "id"))
	assert.Equal(t, "room_participant", str(t, p, "record_type"))
	assert.Regexp(t, tsPattern, str(t, p, "joined_at"))
	fromREST := decodeSingle(t, c.get("/v2/room_participants/"+str(t, p, "id")))
	assert.Equal(t, p, fromREST, "REST serves the same record at once")
	sess := decodeSingle(t, c.get("/v2/room_sessions/"+str(t, p, "session_id")+"?include_participants=true"))
	assert.JSONEq(t, `true`, string(sess["active"]))
	assert.Equal(t, str(t, p, "session_id"), str(t, decodeSingle(t, c.get("/v2/rooms/"+room)), "active_session_id"))
	sessions, m := decodeList(t, c.get("/v2/rooms/"+room+"/sessions"))
	assert.Equal(t, 1, m.total)
	assert.Equal(t, str(t, p, "session_id"), str(t, sessions[0], "id"))

	q := join(t, c, room, "")
	assert.Equal(t, str(t, p, "session_id"), str(t, q, "session_id"))
	assert.Equal(t, "", str(t, q, "context"))
	full := c.do("POST", "/_sim/rooms/"+room+"/join", `{"context":"Carol"}`)
	errs := decodeErrors(t, full, http.StatusUnprocessableEntity, "10015")
	assert.Contains(t, errs[0].Detail, "full")

	left := leave(t, c, str(t, p, "id"))
	assert.Regexp(t, tsPattern, str(t, left, "left_at"))
	assert.JSONEq(t, `true`, string(decodeSingle(t, c.get("/v2/room_sessions/"+str(t, p, "session_id")))["active"]), "Bob is still there")
	again := leave(t, c, str(t, p, "id"))
	assert.Equal(t, left, again, "leaving twice changes nothing")
	leave(t, c, str(t, q, "id"))
	ended := decodeSingle(t, c.get("/v2/room_sessions/"+str(t, p, "session_id")))
	assert.JSONEq(t, `false`, string(ended["active"]), "the last leave ended the session")
	assert.Equal(t, str(t, decodeSingle(t, c.get("/v2/room_participants/"+str(t, q, "id"))), "left_at"), str(t, ended, "ended_at"))
	assert.Len(t, sim.Events(demoKey), 6, "started, 2 joined, 2 left, ended: nothing for the second leave or the refused join")
}

// TestControlErrors: auth, unknown ids, methods and bodies.
func TestControlErrors(t *testing.T) {
	cfg := smallConfig()
	cfg.Keys = []string{"KEY_a", "KEY_b"}
	sim, c := startHookSim(t, cfg)
	room := sim.Rooms("KEY_a")[0].ID
	part := sim.Participants("KEY_a", "")[0].ID
	cases := []struct {
		name, key, method, path, body string
		status                        int
		code, pointer                 string
	}{
		{"join without auth", "", "POST", "/_sim/rooms/" + room + "/join", `{}`, 401, "10009", ""},
		{"join with an unknown key", "KEY_x", "POST", "/_sim/rooms/" + room + "/join", `{}`, 401, "10009", ""},
		{"join another account's room", "KEY_b", "POST", "/_sim/rooms/" + room + "/join", `{}`, 404, "10005", ""},
		{"join an unknown room", "KEY_a", "POST", "/_sim/rooms/00000000-0000-4000-8000-000000000000/join", `{}`, 404, "10005", ""},
		{"join a malformed id", "KEY_a", "POST", "/_sim/rooms/nope/join", `{}`, 404, "10005", ""},
		{"join with GET", "KEY_a", "GET", "/_sim/rooms/" + room + "/join", ``, 405, "10015", ""},
		{"join: not JSON", "KEY_a", "POST", "/_sim/rooms/" + room + "/join", `{"context":`, 422, "10015", "/"},
		{"join: not an object", "KEY_a", "POST", "/_sim/rooms/" + room + "/join", `["Alice"]`, 422, "10015", "/"},
		{"join: context not a string", "KEY_a", "POST", "/_sim/rooms/" + room + "/join", `{"context":42}`, 422, "10015", "/context"},
		{"join: context too long", "KEY_a", "POST", "/_sim/rooms/" + room + "/join", `{"context":"` + strings.Repeat("x", 4097) + `"}`, 422, "10015", "/context"},
		{"join: body too large", "KEY_a", "POST", "/_sim/rooms/" + room + "/join", `{"context":"` + strings.Repeat("x", 70<<10) + `"}`, 422, "10015", "/"},
		{"leave without auth", "", "POST", "/_sim/participants/" + part + "/leave", ``, 401, "10009", ""},
		{"leave another account's participant", "KEY_b", "POST", "/_sim/participants/" + part + "/leave", ``, 404, "10005", ""},
		{"leave an unknown participant", "KEY_a", "POST", "/_sim/participants/00000000-0000-4000-8000-000000000000/leave", ``, 404, "10005", ""},
		{"leave with DELETE", "KEY_a", "DELETE", "/_sim/participants/" + part + "/leave", ``, 405, "10015", ""},
		{"unknown control route", "KEY_a", "POST", "/_sim/rooms/" + room + "/dance", ``, 404, "10005", ""},
		{"nested path", "KEY_a", "POST", "/_sim/participants/" + part + "/x/leave", ``, 404, "10005", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := decodeErrors(t, c.withKey(tc.key).do(tc.method, tc.path, tc.body), tc.status, tc.code)
			if tc.pointer != "" {
				require.NotNil(t, errs[0].Source)
				assert.Equal(t, tc.pointer, errs[0].Source.Pointer)
			}
		})
	}
	assert.Empty(t, sim.Events(""), "no refused call changed anything")
	assert.Zero(t, sim.Stats().Total, "control calls are not API requests")
}

// TestLiveMode: with a rate, busy rooms get joins and leaves on their own, sessions start and end, within the
// bounds, only in the busy rooms.
func TestLiveMode(t *testing.T) {
	rc := newReceiver(t)
	cfg := smallConfig()
	cfg.Now = time.Now
	cfg.Keys = []string{"KEY_a", "KEY_b"}
	cfg.WebhookURL = rc.url("/live")
	cfg.WebhookBackoff = time.Millisecond
	cfg.Live = telnyxsim.LiveConfig{Rate: 500, Rooms: 2, MaxParticipants: 3}
	sim := telnyxsim.New(cfg)
	defer sim.Close()
	for _, k := range cfg.Keys {
		require.Len(t, sim.LiveRooms(k), 2)
	}
	require.Eventually(t, func() bool {
		seen := map[string]bool{}
		for _, e := range sim.Events("") {
			seen[e.Account+e.Type] = true
		}
		return seen["KEY_a"+telnyxsim.EventSessionEnded] && seen["KEY_b"+telnyxsim.EventSessionEnded] &&
			seen["KEY_a"+telnyxsim.EventSessionStarted] && seen["KEY_b"+telnyxsim.EventSessionStarted]
	}, 20*time.Second, 5*time.Millisecond, "both accounts' busy rooms start and end sessions")
	sim.Close()

	busy := map[string]bool{}
	for _, k := range cfg.Keys {
		for _, id := range sim.LiveRooms(k) {
			busy[id] = true
		}
	}
	for _, e := range sim.Events("") {
		assert.True(t, busy[e.RoomID], "events only in busy rooms")
	}
	for _, k := range cfg.Keys {
		for _, id := range sim.LiveRooms(k) {
			for _, s := range sim.Sessions(k, id) {
				present := 0
				for _, p := range sim.Participants(k, s.ID) {
					if p.LeftAt == nil {
						present++
					}
				}
				if s.Active {
					assert.LessOrEqual(t, present, max(3, cfg.ParticipantsPerSession), "bounded")
					assert.Positive(t, present)
				} else {
					assert.Zero(t, present)
				}
			}
		}
	}
	assert.NotEmpty(t, rc.all(), "live events are delivered")
}

// TestLiveStepDeterministic: the same seed and the same steps make the same changes; no rate, no goroutine.
func TestLiveStepDeterministic(t *testing.T) {
	run := func() []telnyxsim.Event {
		cfg := smallConfig()
		cfg.Live = telnyxsim.LiveConfig{Rooms: 1, MaxParticipants: 2}
		sim := telnyxsim.New(cfg)
		defer sim.Close()
		for range 60 {
			require.True(t, sim.LiveStep())
		}
		return sim.Events(demoKey)
	}
	a, b := run(), run()
	require.NotEmpty(t, a)
	assert.Equal(t, a, b)
	starts, ends := 0, 0
	for _, e := range a {
		switch e.Type {
		case telnyxsim.EventSessionStarted:
			starts++
		case telnyxsim.EventSessionEnded:
			ends++
		}
	}
	assert.Positive(t, starts, "60 steps in one room of at most 2 start sessions")
	assert.Positive(t, ends)
}

func TestParseRate(t *testing.T) {
	cases := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"2/s", 2, true}, {"30/m", 0.5, true}, {"360/h", 0.1, true}, {"0.5", 0.5, true},
		{"", 0, true}, {"0", 0, true}, {"off", 0, true}, {" 4 / s ", 4, true},
		{"2/d", 0, false}, {"fast", 0, false}, {"-1/s", 0, false}, {"NaN", 0, false}, {"1e9/s", 0, false},
	}
	for _, tc := range cases {
		got, err := telnyxsim.ParseRate(tc.in)
		if !tc.ok {
			assert.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.InDelta(t, tc.want, got, 1e-12, tc.in)
	}
}

func participantKeys(o object) []string {
	order := []string{"id", "session_id", "context", "joined_at", "updated_at", "left_at", "record_type"}
	var out []string
	for _, k := range order {
		if _, ok := o[k]; ok {
			out = append(out, k)
		}
	}
	if len(out) != len(o) {
		out = append(out, "unexpected fields")
	}
	return out
}

// TestLiveKeepsBoundedHistory: a busy room keeps at most KeepSessions sessions (the active one among them
// or beside them); the oldest ended ones go with their participants, from every list.
func TestLiveKeepsBoundedHistory(t *testing.T) {
	cfg := smallConfig()
	cfg.Live = telnyxsim.LiveConfig{Rooms: 1, MaxParticipants: 2, KeepSessions: 8}
	sim := telnyxsim.New(cfg)
	defer sim.Close()
	room := sim.LiveRooms(demoKey)[0]
	started := 0
	for range 400 {
		require.True(t, sim.LiveStep())
	}
	for _, e := range sim.Events(demoKey) {
		if e.Type == telnyxsim.EventSessionStarted {
			started++
		}
	}
	require.Greater(t, started, 20, "enough sessions to trim")

	sessions := sim.Sessions(demoKey, room)
	assert.LessOrEqual(t, len(sessions), 9, "at most KeepSessions ended ones, and the active one")
	kept := map[string]bool{}
	for _, x := range sessions {
		kept[x.ID] = true
	}
	inRoom := 0
	for _, x := range sim.Sessions(demoKey, "") {
		if x.RoomID == room {
			inRoom++
			assert.True(t, kept[x.ID], "the account list has no trimmed session")
		}
	}
	assert.Equal(t, len(sessions), inRoom)
	all := map[string]bool{}
	for _, x := range sim.Sessions(demoKey, "") {
		all[x.ID] = true
	}
	for _, p := range sim.Participants(demoKey, "") {
		require.True(t, all[p.SessionID], "no participant of a trimmed session is left")
	}
}
