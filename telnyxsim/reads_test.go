package telnyxsim_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/telnyxsim"
)

func TestListEndpointsReturnEverythingInAPIOrder(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	rooms := sim.Rooms(demoKey)
	sessions := sim.Sessions(demoKey, "")
	participants := sim.Participants(demoKey, "")
	roomWithSessions := busiestRoom(sim)
	sessionWithParticipants := sim.Sessions(demoKey, roomWithSessions)[0].ID

	tests := []struct {
		name string
		path string
		want []string
	}{
		{"rooms", "/v2/rooms", roomIDs(rooms)},
		{"room_sessions", "/v2/room_sessions", sessionIDs(sessions)},
		{"rooms/{id}/sessions", "/v2/rooms/" + roomWithSessions + "/sessions", sessionIDs(sim.Sessions(demoKey, roomWithSessions))},
		{"room_participants", "/v2/room_participants", participantIDs(participants)},
		{"room_sessions/{id}/participants", "/v2/room_sessions/" + sessionWithParticipants + "/participants",
			participantIDs(sim.Participants(demoKey, sessionWithParticipants))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.NotEmpty(t, tc.want)
			assert.Equal(t, tc.want, c.fetchAll(tc.path, ""))
		})
	}
}

func TestAccessorsAreSortedWithIDTieBreak(t *testing.T) {
	sim := telnyxsim.New(telnyxsim.Config{})
	rooms := sim.Rooms(demoKey)
	for i := 1; i < len(rooms); i++ {
		a, b := rooms[i-1], rooms[i]
		require.True(t, a.CreatedAt.After(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID < b.ID))
	}
	sessions := sim.Sessions(demoKey, "")
	for i := 1; i < len(sessions); i++ {
		a, b := sessions[i-1], sessions[i]
		require.True(t, a.CreatedAt.After(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID < b.ID))
	}
	ps := sim.Participants(demoKey, "")
	for i := 1; i < len(ps); i++ {
		a, b := ps[i-1], ps[i]
		require.True(t, a.JoinedAt.After(b.JoinedAt) || (a.JoinedAt.Equal(b.JoinedAt) && a.ID < b.ID))
	}
}

func TestWireShapes(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	var active, ended telnyxsim.Session
	for _, s := range sim.Sessions(demoKey, "") {
		if s.Active && active.ID == "" {
			active = s
		}
		if !s.Active && ended.ID == "" {
			ended = s
		}
	}
	require.NotEmpty(t, active.ID)
	require.NotEmpty(t, ended.ID)

	t.Run("active session leaves ended_at out", func(t *testing.T) {
		o := decodeSingle(t, c.get("/v2/room_sessions/"+active.ID))
		assert.Equal(t, []string{"active", "created_at", "id", "record_type", "room_id", "updated_at"}, keys(o))
		assert.JSONEq(t, `"room_session"`, string(o["record_type"]))
		assert.JSONEq(t, `true`, string(o["active"]))
		assert.Equal(t, active.RoomID, str(t, o, "room_id"))
		assert.Equal(t, active.CreatedAt.Format("2006-01-02T15:04:05.000000Z"), str(t, o, "created_at"))
	})
	t.Run("ended session has ended_at", func(t *testing.T) {
		o := decodeSingle(t, c.get("/v2/room_sessions/"+ended.ID))
		assert.Contains(t, o, "ended_at")
		assert.Regexp(t, tsPattern, str(t, o, "ended_at"))
		assert.NotContains(t, o, "participants")
	})
	t.Run("include_participants embeds them in API order", func(t *testing.T) {
		o := decodeSingle(t, c.get("/v2/room_sessions/"+active.ID+"?include_participants=true"))
		var ps []object
		require.NoError(t, json.Unmarshal(o["participants"], &ps))
		assert.Equal(t, participantIDs(sim.Participants(demoKey, active.ID)), ids(t, ps))
	})
	t.Run("include_participants=false leaves them out", func(t *testing.T) {
		o := decodeSingle(t, c.get("/v2/room_sessions/"+active.ID+"?include_participants=false"))
		assert.NotContains(t, o, "participants")
	})
	t.Run("room with active session", func(t *testing.T) {
		o := decodeSingle(t, c.get("/v2/rooms/"+active.RoomID))
		assert.Equal(t, active.ID, str(t, o, "active_session_id"))
		assert.Equal(t, []string{"active_session_id", "created_at", "enable_recording", "id", "max_participants",
			"record_type", "unique_name", "updated_at", "webhook_event_failover_url", "webhook_event_url",
			"webhook_timeout_secs"}, keys(o))
	})
	t.Run("room without active session", func(t *testing.T) {
		for _, r := range sim.Rooms(demoKey) {
			if r.ActiveSessionID == "" {
				o := decodeSingle(t, c.get("/v2/rooms/"+r.ID))
				assert.NotContains(t, o, "active_session_id")
				return
			}
		}
		t.Fatal("no room without an active session")
	})
	t.Run("include_sessions embeds sessions without participants", func(t *testing.T) {
		o := decodeSingle(t, c.get("/v2/rooms/"+active.RoomID+"?include_sessions=true"))
		var ss []object
		require.NoError(t, json.Unmarshal(o["sessions"], &ss))
		assert.Equal(t, sessionIDs(sim.Sessions(demoKey, active.RoomID)), ids(t, ss))
		for _, s := range ss {
			assert.NotContains(t, s, "participants")
		}
	})
	t.Run("webhook_timeout_secs null when unset", func(t *testing.T) {
		for _, r := range sim.Rooms(demoKey) {
			if r.WebhookTimeoutSecs == nil {
				o := decodeSingle(t, c.get("/v2/rooms/"+r.ID))
				assert.Equal(t, "null", string(o["webhook_timeout_secs"]))
				return
			}
		}
		t.Fatal("no room without webhook_timeout_secs")
	})
	t.Run("participant present leaves left_at out", func(t *testing.T) {
		for _, p := range sim.Participants(demoKey, active.ID) {
			if p.LeftAt == nil {
				o := decodeSingle(t, c.get("/v2/room_participants/"+p.ID))
				assert.Equal(t, []string{"context", "id", "joined_at", "record_type", "session_id", "updated_at"}, keys(o))
				assert.Equal(t, p.Context, str(t, o, "context"))
				assert.JSONEq(t, `"room_participant"`, string(o["record_type"]))
				return
			}
		}
		t.Fatal("active session without present participant")
	})
	t.Run("list include flags", func(t *testing.T) {
		data, _ := decodeList(t, c.get("/v2/room_sessions?include_participants=true&page[size]=5"))
		for _, o := range data {
			assert.Contains(t, o, "participants")
		}
		data, _ = decodeList(t, c.get("/v2/rooms?include_sessions=true&page[size]=5"))
		for _, o := range data {
			assert.Contains(t, o, "sessions")
		}
		data, _ = decodeList(t, c.get("/v2/rooms?page[size]=5"))
		for _, o := range data {
			assert.NotContains(t, o, "sessions")
		}
	})
}

func TestTimestampsAndIDsOnTheWire(t *testing.T) {
	_, c := startSim(t, smallConfig())
	check := func(t *testing.T, o object) {
		t.Helper()
		assert.Regexp(t, uuidPattern, str(t, o, "id"))
		for _, f := range []string{"created_at", "updated_at", "ended_at", "joined_at", "left_at"} {
			if _, ok := o[f]; ok {
				assert.Regexp(t, tsPattern, str(t, o, f))
			}
		}
	}
	for _, path := range []string{"/v2/rooms", "/v2/room_sessions", "/v2/room_participants"} {
		data, _ := decodeList(t, c.get(path+"?page[size]=250"))
		for _, o := range data {
			check(t, o)
		}
	}
}

func TestPagination(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	total := len(sim.Sessions(demoKey, ""))
	all := sessionIDs(sim.Sessions(demoKey, ""))
	require.Greater(t, total, 25)

	tests := []struct {
		name      string
		query     string
		wantNum   int
		wantSize  int
		wantFirst int // index into all, -1 = empty page
		wantLen   int
	}{
		{"defaults", "", 1, 20, 0, min(20, total)},
		{"first page", "page[number]=1&page[size]=10", 1, 10, 0, 10},
		{"second page", "page[number]=2&page[size]=10", 2, 10, 10, 10},
		{"last page", "page[number]=" + itoa((total+9)/10) + "&page[size]=10", (total + 9) / 10, 10, ((total+9)/10 - 1) * 10, total - ((total+9)/10-1)*10},
		{"beyond last", "page[number]=" + itoa((total+9)/10+1) + "&page[size]=10", (total+9)/10 + 1, 10, -1, 0},
		{"far beyond", "page[number]=9223372036854775807&page[size]=250", 9223372036854775807, 250, -1, 0},
		{"size 1", "page[size]=1&page[number]=3", 3, 1, 2, 1},
		{"size 250", "page[size]=250", 1, 250, 0, min(250, total)},
		{"percent-encoded keys", "page%5Bnumber%5D=2&page%5Bsize%5D=7", 2, 7, 7, 7},
		{"unknown keys ignored (pre-2026 Go SDK number=)", "number=3&page[size]=5&foo=bar", 1, 5, 0, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, m := decodeList(t, c.get("/v2/room_sessions?"+tc.query))
			assert.Equal(t, tc.wantNum, m.number)
			assert.Equal(t, tc.wantSize, m.size)
			assert.Equal(t, total, m.total)
			assert.Equal(t, (total+tc.wantSize-1)/tc.wantSize, m.pages)
			require.Len(t, data, tc.wantLen)
			if tc.wantFirst >= 0 {
				assert.Equal(t, all[tc.wantFirst:tc.wantFirst+tc.wantLen], ids(t, data))
			}
		})
	}
	t.Run("empty result has zero pages", func(t *testing.T) {
		data, m := decodeList(t, c.get("/v2/room_sessions?filter[room_id]=nope"))
		assert.Empty(t, data)
		assert.Equal(t, meta{number: 1, size: 20, pages: 0, total: 0}, m)
	})
}

func TestSessionFilters(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	all := sim.Sessions(demoKey, "")
	var active, ended telnyxsim.Session
	for _, s := range all {
		if s.Active && active.ID == "" {
			active = s
		}
		if !s.Active && ended.ID == "" {
			ended = s
		}
	}
	cd := day(ended.CreatedAt)
	ud := day(ended.UpdatedAt)
	ed := day(*ended.EndedAt)
	tests := []struct {
		name  string
		query url.Values
		keep  func(telnyxsim.Session) bool
	}{
		{"created eq", url.Values{"filter[date_created_at][eq]": {cd}}, func(s telnyxsim.Session) bool { return day(s.CreatedAt) == cd }},
		{"created gte", url.Values{"filter[date_created_at][gte]": {cd}}, func(s telnyxsim.Session) bool { return day(s.CreatedAt) >= cd }},
		{"created lte", url.Values{"filter[date_created_at][lte]": {cd}}, func(s telnyxsim.Session) bool { return day(s.CreatedAt) <= cd }},
		{"created range", url.Values{"filter[date_created_at][gte]": {"2026-07-01"}, "filter[date_created_at][lte]": {"2026-08-31"}},
			func(s telnyxsim.Session) bool {
				return day(s.CreatedAt) >= "2026-07-01" && day(s.CreatedAt) <= "2026-08-31"
			}},
		{"updated eq", url.Values{"filter[date_updated_at][eq]": {ud}}, func(s telnyxsim.Session) bool { return day(s.UpdatedAt) == ud }},
		{"updated gte", url.Values{"filter[date_updated_at][gte]": {ud}}, func(s telnyxsim.Session) bool { return day(s.UpdatedAt) >= ud }},
		{"updated lte", url.Values{"filter[date_updated_at][lte]": {ud}}, func(s telnyxsim.Session) bool { return day(s.UpdatedAt) <= ud }},
		{"ended eq", url.Values{"filter[date_ended_at][eq]": {ed}}, func(s telnyxsim.Session) bool { return s.EndedAt != nil && day(*s.EndedAt) == ed }},
		{"ended gte excludes active", url.Values{"filter[date_ended_at][gte]": {"2000-01-01"}}, func(s telnyxsim.Session) bool { return s.EndedAt != nil }},
		{"ended lte", url.Values{"filter[date_ended_at][lte]": {ed}}, func(s telnyxsim.Session) bool { return s.EndedAt != nil && day(*s.EndedAt) <= ed }},
		{"active true", url.Values{"filter[active]": {"true"}}, func(s telnyxsim.Session) bool { return s.Active }},
		{"active false", url.Values{"filter[active]": {"false"}}, func(s telnyxsim.Session) bool { return !s.Active }},
		{"room_id", url.Values{"filter[room_id]": {active.RoomID}}, func(s telnyxsim.Session) bool { return s.RoomID == active.RoomID }},
		{"room_id unknown", url.Values{"filter[room_id]": {"00000000-0000-4000-8000-000000000000"}}, func(telnyxsim.Session) bool { return false }},
		{"combined", url.Values{"filter[active]": {"false"}, "filter[date_created_at][gte]": {cd}, "filter[room_id]": {ended.RoomID}},
			func(s telnyxsim.Session) bool { return !s.Active && day(s.CreatedAt) >= cd && s.RoomID == ended.RoomID }},
		{"unknown filter ignored", url.Values{"filter[date_created_at][gt]": {"garbage"}, "filter[whatever]": {"x"}}, func(telnyxsim.Session) bool { return true }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, s := range all {
				if tc.keep(s) {
					want = append(want, s.ID)
				}
			}
			got := c.fetchAll("/v2/room_sessions", tc.query.Encode())
			assert.Equal(t, nilIfEmpty(want), nilIfEmpty(got))
		})
	}
	t.Run("same filters on /rooms/{id}/sessions, room_id ignored there", func(t *testing.T) {
		roomID := busiestRoom(sim)
		var want []string
		for _, s := range sim.Sessions(demoKey, roomID) {
			if !s.Active && day(s.CreatedAt) >= "2026-07-01" {
				want = append(want, s.ID)
			}
		}
		q := url.Values{"filter[active]": {"false"}, "filter[date_created_at][gte]": {"2026-07-01"}, "filter[room_id]": {"ignored"}}
		assert.Equal(t, nilIfEmpty(want), nilIfEmpty(c.fetchAll("/v2/rooms/"+roomID+"/sessions", q.Encode())))
	})
	t.Run("raw and percent-encoded brackets agree", func(t *testing.T) {
		raw := c.get("/v2/room_sessions?filter[active]=true&page[size]=3")
		enc := c.get("/v2/room_sessions?filter%5Bactive%5D=true&page%5Bsize%5D=3")
		require.Equal(t, 200, raw.status)
		assert.Equal(t, string(raw.body), string(enc.body))
	})
}

func TestDateFilterBoundariesAreInclusiveUTC(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	s := sim.Sessions(demoKey, "")[5]
	d := s.CreatedAt
	prev, next := day(d.AddDate(0, 0, -1)), day(d.AddDate(0, 0, 1))
	tests := []struct {
		name  string
		query string
		found bool
	}{
		{"eq same day", "filter[date_created_at][eq]=" + day(d), true},
		{"eq previous day", "filter[date_created_at][eq]=" + prev, false},
		{"gte same day", "filter[date_created_at][gte]=" + day(d), true},
		{"gte next day", "filter[date_created_at][gte]=" + next, false},
		{"lte same day", "filter[date_created_at][lte]=" + day(d), true},
		{"lte previous day", "filter[date_created_at][lte]=" + prev, false},
		{"gte and lte same day", "filter[date_created_at][gte]=" + day(d) + "&filter[date_created_at][lte]=" + day(d), true},
		{"empty intersection", "filter[date_created_at][gte]=" + next + "&filter[date_created_at][lte]=" + prev, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := c.fetchAll("/v2/rooms/"+s.RoomID+"/sessions", tc.query)
			assert.Equal(t, tc.found, contains(got, s.ID))
		})
	}
}

func TestParticipantFilters(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	all := sim.Participants(demoKey, "")
	var left, present telnyxsim.Participant
	for _, p := range all {
		if p.LeftAt != nil && left.ID == "" {
			left = p
		}
		if p.LeftAt == nil && present.ID == "" {
			present = p
		}
	}
	require.NotEmpty(t, present.ID)
	jd, ud, ld := day(left.JoinedAt), day(left.UpdatedAt), day(*left.LeftAt)
	tests := []struct {
		name  string
		query url.Values
		keep  func(telnyxsim.Participant) bool
	}{
		{"joined eq", url.Values{"filter[date_joined_at][eq]": {jd}}, func(p telnyxsim.Participant) bool { return day(p.JoinedAt) == jd }},
		{"joined gte", url.Values{"filter[date_joined_at][gte]": {jd}}, func(p telnyxsim.Participant) bool { return day(p.JoinedAt) >= jd }},
		{"joined lte", url.Values{"filter[date_joined_at][lte]": {jd}}, func(p telnyxsim.Participant) bool { return day(p.JoinedAt) <= jd }},
		{"updated eq", url.Values{"filter[date_updated_at][eq]": {ud}}, func(p telnyxsim.Participant) bool { return day(p.UpdatedAt) == ud }},
		{"updated gte", url.Values{"filter[date_updated_at][gte]": {ud}}, func(p telnyxsim.Participant) bool { return day(p.UpdatedAt) >= ud }},
		{"updated lte", url.Values{"filter[date_updated_at][lte]": {ud}}, func(p telnyxsim.Participant) bool { return day(p.UpdatedAt) <= ud }},
		{"left eq", url.Values{"filter[date_left_at][eq]": {ld}}, func(p telnyxsim.Participant) bool { return p.LeftAt != nil && day(*p.LeftAt) == ld }},
		{"left gte excludes present", url.Values{"filter[date_left_at][gte]": {"2000-01-01"}}, func(p telnyxsim.Participant) bool { return p.LeftAt != nil }},
		{"left lte", url.Values{"filter[date_left_at][lte]": {ld}}, func(p telnyxsim.Participant) bool { return p.LeftAt != nil && day(*p.LeftAt) <= ld }},
		{"context exact", url.Values{"filter[context]": {left.Context}}, func(p telnyxsim.Participant) bool { return p.Context == left.Context }},
		{"context is case-sensitive and not substring", url.Values{"filter[context]": {"alice"}}, func(p telnyxsim.Participant) bool { return p.Context == "alice" }},
		{"session_id", url.Values{"filter[session_id]": {present.SessionID}}, func(p telnyxsim.Participant) bool { return p.SessionID == present.SessionID }},
		{"session_id and context", url.Values{"filter[session_id]": {present.SessionID}, "filter[context]": {present.Context}},
			func(p telnyxsim.Participant) bool {
				return p.SessionID == present.SessionID && p.Context == present.Context
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, p := range all {
				if tc.keep(p) {
					want = append(want, p.ID)
				}
			}
			assert.Equal(t, nilIfEmpty(want), nilIfEmpty(c.fetchAll("/v2/room_participants", tc.query.Encode())))
		})
	}
	t.Run("session route ignores filter[session_id]", func(t *testing.T) {
		want := participantIDs(sim.Participants(demoKey, present.SessionID))
		q := url.Values{"filter[session_id]": {"other"}}
		assert.Equal(t, want, c.fetchAll("/v2/room_sessions/"+present.SessionID+"/participants", q.Encode()))
	})
	t.Run("session route filters by left_at", func(t *testing.T) {
		var want []string
		for _, p := range sim.Participants(demoKey, present.SessionID) {
			if p.LeftAt != nil {
				want = append(want, p.ID)
			}
		}
		q := url.Values{"filter[date_left_at][gte]": {"2000-01-01"}}
		assert.Equal(t, nilIfEmpty(want), nilIfEmpty(c.fetchAll("/v2/room_sessions/"+present.SessionID+"/participants", q.Encode())))
	})
}

func TestRoomFilters(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	rooms := sim.Rooms(demoKey)
	r := rooms[3]
	cd, ud := day(r.CreatedAt), day(r.UpdatedAt)
	tests := []struct {
		name  string
		query url.Values
		keep  func(telnyxsim.Room) bool
	}{
		{"unique_name exact", url.Values{"filter[unique_name]": {r.UniqueName}}, func(x telnyxsim.Room) bool { return x.ID == r.ID }},
		{"unique_name no substring", url.Values{"filter[unique_name]": {r.UniqueName[:3]}}, func(telnyxsim.Room) bool { return false }},
		{"created eq", url.Values{"filter[date_created_at][eq]": {cd}}, func(x telnyxsim.Room) bool { return day(x.CreatedAt) == cd }},
		{"created gte", url.Values{"filter[date_created_at][gte]": {cd}}, func(x telnyxsim.Room) bool { return day(x.CreatedAt) >= cd }},
		{"created lte", url.Values{"filter[date_created_at][lte]": {cd}}, func(x telnyxsim.Room) bool { return day(x.CreatedAt) <= cd }},
		{"updated eq", url.Values{"filter[date_updated_at][eq]": {ud}}, func(x telnyxsim.Room) bool { return day(x.UpdatedAt) == ud }},
		{"updated gte", url.Values{"filter[date_updated_at][gte]": {ud}}, func(x telnyxsim.Room) bool { return day(x.UpdatedAt) >= ud }},
		{"updated lte", url.Values{"filter[date_updated_at][lte]": {ud}}, func(x telnyxsim.Room) bool { return day(x.UpdatedAt) <= ud }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, x := range rooms {
				if tc.keep(x) {
					want = append(want, x.ID)
				}
			}
			assert.Equal(t, nilIfEmpty(want), nilIfEmpty(c.fetchAll("/v2/rooms", tc.query.Encode())))
		})
	}
}

func busiestRoom(sim *telnyxsim.Sim) string {
	best, n := "", -1
	for _, r := range sim.Rooms(demoKey) {
		if k := len(sim.Sessions(demoKey, r.ID)); k > n {
			best, n = r.ID, k
		}
	}
	return best
}

func roomIDs(rs []telnyxsim.Room) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func sessionIDs(ss []telnyxsim.Session) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

func participantIDs(ps []telnyxsim.Participant) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func contains(s []string, v string) bool { return slices.Contains(s, v) }

func keys(o object) []string {
	out := make([]string, 0, len(o))
	for k := range o {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
