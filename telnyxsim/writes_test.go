package telnyxsim_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/telnyxsim"
)

const nowWire = "2026-11-02T10:30:00.123456Z"

func TestCreateRoom(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	before := len(sim.Rooms(demoKey))

	t.Run("defaults", func(t *testing.T) {
		r := c.do("POST", "/v2/rooms", `{}`)
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var env struct{ Data object }
		require.NoError(t, json.Unmarshal(r.body, &env))
		o := env.Data
		assert.Regexp(t, uuidPattern, str(t, o, "id"))
		assert.JSONEq(t, `10`, string(o["max_participants"]))
		assert.JSONEq(t, `false`, string(o["enable_recording"]))
		assert.JSONEq(t, `""`, string(o["webhook_event_failover_url"]))
		assert.JSONEq(t, `null`, string(o["webhook_timeout_secs"]))
		assert.NotContains(t, o, "active_session_id")
		assert.NotContains(t, o, "sessions")
		assert.Equal(t, nowWire, str(t, o, "created_at"))
		assert.Equal(t, nowWire, str(t, o, "updated_at"))
	})
	t.Run("all fields, listed first, reachable", func(t *testing.T) {
		r := c.do("POST", "/v2/rooms", `{"unique_name":"war-room","max_participants":50,"enable_recording":true,
			"webhook_event_url":"https://example.com/hook","webhook_event_failover_url":"http://example.org/f","webhook_timeout_secs":0}`)
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var env struct{ Data object }
		require.NoError(t, json.Unmarshal(r.body, &env))
		id := str(t, env.Data, "id")
		assert.JSONEq(t, `0`, string(env.Data["webhook_timeout_secs"]))

		got := decodeSingle(t, c.get("/v2/rooms/"+id))
		assert.Equal(t, "war-room", str(t, got, "unique_name"))
		assert.JSONEq(t, `50`, string(got["max_participants"]))
		assert.JSONEq(t, `true`, string(got["enable_recording"]))
		assert.Equal(t, "https://example.com/hook", str(t, got, "webhook_event_url"))

		data, m := decodeList(t, c.get("/v2/rooms?filter[unique_name]=war-room"))
		assert.Equal(t, []string{id}, ids(t, data))
		assert.Equal(t, 1, m.total)

		rooms := sim.Rooms(demoKey)
		require.Len(t, rooms, before+2)
		// Both created rooms share created_at (fixed clock): the smaller id comes first.
		assert.Equal(t, fixedNow().Truncate(1000), rooms[0].CreatedAt)
		assert.Less(t, rooms[0].ID, rooms[1].ID)
		data, _ = decodeList(t, c.get("/v2/rooms?page[size]=2"))
		assert.Equal(t, []string{rooms[0].ID, rooms[1].ID}, ids(t, data))
	})

	tests := []struct {
		name     string
		body     string
		code     string
		pointers []string
	}{
		{"max_participants too small", `{"max_participants":1}`, "10015", []string{"/max_participants"}},
		{"max_participants too large", `{"max_participants":51}`, "10015", []string{"/max_participants"}},
		{"max_participants float", `{"max_participants":2.5}`, "10015", []string{"/max_participants"}},
		{"max_participants string", `{"max_participants":"10"}`, "10015", []string{"/max_participants"}},
		{"timeout negative", `{"webhook_timeout_secs":-1}`, "10015", []string{"/webhook_timeout_secs"}},
		{"timeout too large", `{"webhook_timeout_secs":31}`, "10015", []string{"/webhook_timeout_secs"}},
		{"url without scheme", `{"webhook_event_url":"example.com/hook"}`, "10015", []string{"/webhook_event_url"}},
		{"failover url without host", `{"webhook_event_failover_url":"https://"}`, "10015", []string{"/webhook_event_failover_url"}},
		{"recording not bool", `{"enable_recording":"yes"}`, "10015", []string{"/enable_recording"}},
		{"name not string", `{"unique_name":7}`, "10015", []string{"/unique_name"}},
		{"duplicate unique_name", `{"unique_name":"war-room"}`, "10015", []string{"/unique_name"}},
		{"several errors at once", `{"max_participants":0,"webhook_timeout_secs":99}`, "10015", []string{"/max_participants", "/webhook_timeout_secs"}},
		{"malformed JSON", `{"unique_name":`, "10015", []string{"/"}},
		{"trailing data", `{} {}`, "10015", []string{"/"}},
		{"not an object", `["a"]`, "10015", []string{"/"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := len(sim.Rooms(demoKey))
			errs := decodeErrors(t, c.do("POST", "/v2/rooms", tc.body), http.StatusUnprocessableEntity, tc.code)
			var pointers []string
			for _, e := range errs {
				require.NotNil(t, e.Source)
				pointers = append(pointers, e.Source.Pointer)
			}
			assert.Equal(t, tc.pointers, pointers)
			assert.Len(t, sim.Rooms(demoKey), n, "a rejected create must not store anything")
		})
	}
}

func TestUpdateRoom(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	rooms := sim.Rooms(demoKey)
	target, other := rooms[2], rooms[3]

	r := c.do("PATCH", "/v2/rooms/"+target.ID, `{"max_participants":3,"webhook_timeout_secs":12,"unique_name":"renamed"}`)
	o := decodeSingle(t, r)
	assert.JSONEq(t, `3`, string(o["max_participants"]))
	assert.JSONEq(t, `12`, string(o["webhook_timeout_secs"]))
	assert.Equal(t, "renamed", str(t, o, "unique_name"))
	assert.Equal(t, nowWire, str(t, o, "updated_at"))
	assert.Equal(t, target.CreatedAt.Format("2006-01-02T15:04:05.000000Z"), str(t, o, "created_at"))

	data, _ := decodeList(t, c.get("/v2/rooms?filter[unique_name]=renamed"))
	assert.Equal(t, []string{target.ID}, ids(t, data))
	data, _ = decodeList(t, c.get("/v2/rooms?filter[unique_name]="+target.UniqueName))
	assert.Empty(t, data, "the old name is free")

	t.Run("null resets webhook fields", func(t *testing.T) {
		o := decodeSingle(t, c.do("PATCH", "/v2/rooms/"+target.ID, `{"webhook_timeout_secs":null,"webhook_event_url":null}`))
		assert.JSONEq(t, `null`, string(o["webhook_timeout_secs"]))
		assert.JSONEq(t, `""`, string(o["webhook_event_url"]))
		assert.Equal(t, "renamed", str(t, o, "unique_name"), "absent fields are untouched")
	})
	t.Run("null resets the failover URL, and only what it names", func(t *testing.T) {
		decodeSingle(t, c.do("PATCH", "/v2/rooms/"+target.ID, `{"webhook_event_url":"https://a.example/h","webhook_event_failover_url":"https://b.example/h","webhook_timeout_secs":5}`))
		o := decodeSingle(t, c.do("PATCH", "/v2/rooms/"+target.ID, `{"webhook_event_failover_url":null}`))
		assert.JSONEq(t, `""`, string(o["webhook_event_failover_url"]))
		assert.Equal(t, "https://a.example/h", str(t, o, "webhook_event_url"))
		assert.JSONEq(t, `5`, string(o["webhook_timeout_secs"]))
	})
	t.Run("null is refused for a setting that cannot be reset", func(t *testing.T) {
		errs := decodeErrors(t, c.do("PATCH", "/v2/rooms/"+target.ID, `{"max_participants":null}`), 422, "10015")
		require.NotEmpty(t, errs)
	})
	t.Run("keeping its own name is fine", func(t *testing.T) {
		decodeSingle(t, c.do("PATCH", "/v2/rooms/"+target.ID, `{"unique_name":"renamed"}`))
	})
	t.Run("another room's name is taken", func(t *testing.T) {
		errs := decodeErrors(t, c.do("PATCH", "/v2/rooms/"+target.ID, `{"unique_name":"`+other.UniqueName+`"}`), 422, "10015")
		assert.Equal(t, "/unique_name", errs[0].Source.Pointer)
	})
	t.Run("validation", func(t *testing.T) {
		errs := decodeErrors(t, c.do("PATCH", "/v2/rooms/"+target.ID, `{"max_participants":null}`), 422, "10015")
		assert.Equal(t, "/max_participants", errs[0].Source.Pointer)
		decodeErrors(t, c.do("PATCH", "/v2/rooms/"+target.ID, `nope`), 422, "10015")
	})
	t.Run("404 wins over a bad body", func(t *testing.T) {
		decodeErrors(t, c.do("PATCH", "/v2/rooms/9b0c2a52-5f3e-4c1e-9d8e-3f2a1b0c4d5e", `nope`), 404, "10005")
	})
}

func TestDeleteRoom(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	roomID := busiestRoom(sim)
	sessions := sim.Sessions(demoKey, roomID)
	require.NotEmpty(t, sessions)
	participants := sim.Participants(demoKey, sessions[0].ID)
	require.NotEmpty(t, participants)
	nSessions, nParticipants := len(sim.Sessions(demoKey, "")), len(sim.Participants(demoKey, ""))
	var nRoomParticipants int
	for _, s := range sessions {
		nRoomParticipants += len(sim.Participants(demoKey, s.ID))
	}

	r := c.do("DELETE", "/v2/rooms/"+roomID, "")
	require.Equal(t, http.StatusNoContent, r.status)
	assert.Empty(t, r.body)

	for _, path := range []string{
		"/v2/rooms/" + roomID, "/v2/rooms/" + roomID + "/sessions", "/v2/room_sessions/" + sessions[0].ID,
		"/v2/room_sessions/" + sessions[0].ID + "/participants", "/v2/room_participants/" + participants[0].ID,
	} {
		decodeErrors(t, c.get(path), http.StatusNotFound, "10005")
	}
	decodeErrors(t, c.do("DELETE", "/v2/rooms/"+roomID, ""), http.StatusNotFound, "10005")
	assert.NotContains(t, c.fetchAll("/v2/rooms", ""), roomID)
	assert.Len(t, c.fetchAll("/v2/room_sessions", ""), nSessions-len(sessions))
	assert.Len(t, c.fetchAll("/v2/room_participants", ""), nParticipants-nRoomParticipants)
	data, _ := decodeList(t, c.get("/v2/room_sessions?filter[room_id]="+roomID))
	assert.Empty(t, data)
}

func activeSession(t *testing.T, sim *telnyxsim.Sim, key string) telnyxsim.Session {
	t.Helper()
	for _, s := range sim.Sessions(key, "") {
		if s.Active && len(sim.Participants(key, s.ID)) >= 2 {
			return s
		}
	}
	t.Fatal("no active session with two participants")
	return telnyxsim.Session{}
}

func TestEndSession(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	s := activeSession(t, sim, demoKey)

	r := c.do("POST", "/v2/room_sessions/"+s.ID+"/actions/end", "")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.JSONEq(t, `{"data":{"result":"ok"}}`, string(r.body))

	o := decodeSingle(t, c.get("/v2/room_sessions/"+s.ID))
	assert.JSONEq(t, `false`, string(o["active"]))
	assert.Equal(t, nowWire, str(t, o, "ended_at"))
	assert.Equal(t, nowWire, str(t, o, "updated_at"))
	room := decodeSingle(t, c.get("/v2/rooms/"+s.RoomID))
	assert.NotContains(t, room, "active_session_id")
	for _, p := range sim.Participants(demoKey, s.ID) {
		require.NotNil(t, p.LeftAt)
		if p.LeftAt.Equal(fixedNow().Truncate(1000)) {
			assert.Equal(t, *p.LeftAt, p.UpdatedAt)
		}
	}
	data, _ := decodeList(t, c.get("/v2/room_sessions/"+s.ID+"/participants?filter[date_left_at][eq]=2026-11-02"))
	assert.NotEmpty(t, data, "kicked participants left at now")
	active := c.fetchAll("/v2/room_sessions", "filter[active]=true")
	assert.NotContains(t, active, s.ID)

	t.Run("ending again changes nothing", func(t *testing.T) {
		before := c.get("/v2/room_sessions/" + s.ID + "?include_participants=true").body
		require.Equal(t, http.StatusOK, c.do("POST", "/v2/room_sessions/"+s.ID+"/actions/end", "").status)
		assert.Equal(t, string(before), string(c.get("/v2/room_sessions/"+s.ID+"?include_participants=true").body))
	})
}

func TestParticipantActions(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	s := activeSession(t, sim, demoKey)
	ps := sim.Participants(demoKey, s.ID)
	var present []string
	for _, p := range ps {
		if p.LeftAt == nil {
			present = append(present, p.ID)
		}
	}
	require.NotEmpty(t, present)
	other := sim.Participants(demoKey, "")
	var foreign string
	for _, p := range other {
		if p.SessionID != s.ID {
			foreign = p.ID
			break
		}
	}
	path := func(action string) string { return "/v2/room_sessions/" + s.ID + "/actions/" + action }

	bad := []struct {
		name    string
		body    string
		code    string
		pointer string
	}{
		{"no body", "", "10004", "/"},
		{"participants wrong string", `{"participants":"everyone"}`, "10015", "/participants"},
		{"participants not array", `{"participants":5}`, "10015", "/participants"},
		{"participant id not string", `{"participants":[1]}`, "10015", "/participants/0"},
		{"participant of another session", `{"participants":["` + present[0] + `","` + foreign + `"]}`, "10015", "/participants/1"},
		{"exclude unknown", `{"participants":"all","exclude":["9b0c2a52-5f3e-4c1e-9d8e-3f2a1b0c4d5e"]}`, "10015", "/exclude/0"},
		{"malformed JSON", `{"participants":`, "10015", "/"},
	}
	for _, action := range []string{"kick", "mute", "unmute"} {
		for _, tc := range bad {
			t.Run(action+" "+tc.name, func(t *testing.T) {
				errs := decodeErrors(t, c.do("POST", path(action), tc.body), 422, tc.code)
				require.NotNil(t, errs[0].Source)
				assert.Equal(t, tc.pointer, errs[0].Source.Pointer)
			})
		}
	}

	t.Run("mute and unmute change nothing visible", func(t *testing.T) {
		before := c.get("/v2/room_sessions/" + s.ID + "?include_participants=true").body
		for _, action := range []string{"mute", "unmute"} {
			r := c.do("POST", path(action), `{"participants":"all"}`)
			require.Equal(t, http.StatusOK, r.status)
			assert.JSONEq(t, `{"data":{"result":"ok"}}`, string(r.body))
		}
		assert.Equal(t, string(before), string(c.get("/v2/room_sessions/"+s.ID+"?include_participants=true").body))
	})
	t.Run("kick a list", func(t *testing.T) {
		r := c.do("POST", path("kick"), `{"participants":["`+present[0]+`"]}`)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		o := decodeSingle(t, c.get("/v2/room_participants/"+present[0]))
		assert.Equal(t, nowWire, str(t, o, "left_at"))
		assert.Equal(t, nowWire, str(t, o, "updated_at"))
		sess := decodeSingle(t, c.get("/v2/room_sessions/"+s.ID))
		assert.JSONEq(t, `true`, string(sess["active"]), "kicking does not end the session")
	})
	t.Run("kick all but excluded", func(t *testing.T) {
		keep := ps[len(ps)-1].ID
		require.Equal(t, http.StatusOK, c.do("POST", path("kick"), `{"participants":"all","exclude":["`+keep+`"]}`).status)
		for _, p := range sim.Participants(demoKey, s.ID) {
			if p.ID == keep {
				assert.Equal(t, ps[len(ps)-1].LeftAt, p.LeftAt, "excluded participant untouched")
			} else {
				assert.NotNil(t, p.LeftAt)
			}
		}
	})
	t.Run("kick an empty list is a no-op", func(t *testing.T) {
		require.Equal(t, http.StatusOK, c.do("POST", path("kick"), `{"participants":[]}`).status)
	})
}

// TestParticipantActionsOptionalFields: both fields of ActionsParticipantsRequest are optional
// (docs/upstream.md §7.12); a body without participants (the Node SDK's kick(id, {})) targets
// every participant, less exclude.
func TestParticipantActionsOptionalFields(t *testing.T) {
	cases := []struct {
		name       string
		action     string
		body       func(keep string) string
		wantKicked bool // every present participant but keep leaves
		keepStays  bool // keep stays present
	}{
		{"kick {}", "kick", func(string) string { return `{}` }, true, false},
		{"kick null participants", "kick", func(string) string { return `{"participants":null}` }, true, false},
		{"kick exclude only", "kick", func(k string) string { return `{"exclude":["` + k + `"]}` }, true, true},
		{"kick empty exclude", "kick", func(string) string { return `{"exclude":[]}` }, true, false},
		{"mute {}", "mute", func(string) string { return `{}` }, false, true},
		{"unmute {}", "unmute", func(string) string { return `{}` }, false, true},
		{"unmute exclude only", "unmute", func(k string) string { return `{"exclude":["` + k + `"]}` }, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := startSim(t, smallConfig())
			s := activeSession(t, sim, demoKey)
			before := sim.Participants(demoKey, s.ID)
			var keep string
			for _, p := range before {
				if p.LeftAt == nil {
					keep = p.ID
				}
			}
			require.NotEmpty(t, keep)
			r := c.do("POST", "/v2/room_sessions/"+s.ID+"/actions/"+tc.action, tc.body(keep))
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			assert.JSONEq(t, `{"data":{"result":"ok"}}`, string(r.body))

			after := sim.Participants(demoKey, s.ID)
			require.Len(t, after, len(before))
			for i, p := range after {
				was := before[i]
				require.Equal(t, was.ID, p.ID)
				switch {
				case was.LeftAt != nil, !tc.wantKicked, p.ID == keep && tc.keepStays:
					assert.Equal(t, was, p, "participant %s untouched", p.ID)
				default:
					require.NotNil(t, p.LeftAt, "participant %s kicked", p.ID)
					assert.Equal(t, fixedNow().Truncate(time.Microsecond), *p.LeftAt)
				}
			}
			sess := sim.Sessions(demoKey, s.RoomID)
			for _, x := range sess {
				if x.ID == s.ID {
					assert.True(t, x.Active, "a kick never ends the session")
				}
			}
		})
	}
}

func TestActionAuth(t *testing.T) {
	t.Run("required by default", func(t *testing.T) {
		sim, c := startSim(t, smallConfig())
		s := activeSession(t, sim, demoKey)
		decodeErrors(t, c.withKey("").do("POST", "/v2/room_sessions/"+s.ID+"/actions/end", ""), 401, "10009")
		assert.True(t, sim.Sessions(demoKey, s.RoomID)[0].Active)
	})
	t.Run("relaxed", func(t *testing.T) {
		cfg := smallConfig()
		cfg.Keys = []string{"KEY_a", "KEY_b"}
		cfg.RelaxActionAuth = true
		sim, c := startSim(t, cfg)
		s := activeSession(t, sim, "KEY_b")
		anon := c.withKey("")
		require.Equal(t, http.StatusOK, anon.do("POST", "/v2/room_sessions/"+s.ID+"/actions/mute", `{"participants":"all"}`).status)
		require.Equal(t, http.StatusOK, anon.do("POST", "/v2/room_sessions/"+s.ID+"/actions/end", "").status)
		assert.False(t, sim.Sessions("KEY_b", s.RoomID)[0].Active)
		// A valid key still scopes the lookup to its own account.
		decodeErrors(t, c.withKey("KEY_a").do("POST", "/v2/room_sessions/"+s.ID+"/actions/end", ""), 404, "10005")
		// Reads still need auth.
		decodeErrors(t, anon.get("/v2/room_sessions/"+s.ID), 401, "10009")
	})
}

func TestStringsRoundTripThroughEscaping(t *testing.T) {
	_, c := startSim(t, smallConfig())
	name := "a\"b\\c\n\r\t\u0001 é 😀 </script>"
	body, err := json.Marshal(map[string]string{"unique_name": name})
	require.NoError(t, err)
	r := c.do("POST", "/v2/rooms", string(body))
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	require.True(t, json.Valid(r.body))
	var env struct{ Data object }
	require.NoError(t, json.Unmarshal(r.body, &env))
	assert.Equal(t, name, str(t, env.Data, "unique_name"))
	data, _ := decodeList(t, c.get("/v2/rooms?filter%5Bunique_name%5D="+url.QueryEscape(name)))
	require.Len(t, data, 1)
	assert.Equal(t, name, str(t, data[0], "unique_name"))
}
