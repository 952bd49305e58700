package telnyxsim_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/telnyxsim"
)

func TestAuthentication(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	roomID := sim.Rooms(demoKey)[0].ID
	tests := []struct {
		name   string
		header string
		want   int
	}{
		{"missing", "", http.StatusUnauthorized},
		{"unknown key", "Bearer KEY_nope", http.StatusUnauthorized},
		{"wrong scheme", "Basic " + demoKey, http.StatusUnauthorized},
		{"bare key", demoKey, http.StatusUnauthorized},
		{"empty bearer", "Bearer ", http.StatusUnauthorized},
		{"valid", "Bearer " + demoKey, http.StatusOK},
		{"scheme is case-insensitive", "bearer " + demoKey, http.StatusOK},
	}
	for _, tc := range tests {
		for _, path := range []string{"/v2/rooms", "/v2/rooms/" + roomID, "/v2/room_sessions", "/v2/room_participants"} {
			t.Run(tc.name+" "+path, func(t *testing.T) {
				req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
				require.NoError(t, err)
				if tc.header != "" {
					req.Header.Set("Authorization", tc.header)
				}
				resp, err := c.hc.Do(req)
				require.NoError(t, err)
				defer resp.Body.Close()
				require.Equal(t, tc.want, resp.StatusCode)
			})
		}
	}
	t.Run("401 envelope", func(t *testing.T) {
		errs := decodeErrors(t, c.withKey("").get("/v2/rooms"), http.StatusUnauthorized, "10009")
		assert.Equal(t, "Authentication failed", errs[0].Title)
		assert.NotEmpty(t, errs[0].Detail)
	})
	t.Run("auth is checked before routing", func(t *testing.T) {
		decodeErrors(t, c.withKey("").get("/v2/nowhere"), http.StatusUnauthorized, "10009")
	})
}

func TestErrors(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	roomID := sim.Rooms(demoKey)[0].ID
	sessionID := sim.Sessions(demoKey, "")[0].ID
	const unknown = "9b0c2a52-5f3e-4c1e-9d8e-3f2a1b0c4d5e"
	tests := []struct {
		name      string
		method    string
		path      string
		status    int
		code      string
		parameter string
	}{
		{"unknown room", "GET", "/v2/rooms/" + unknown, 404, "10005", ""},
		{"malformed room id", "GET", "/v2/rooms/not-a-uuid", 404, "10005", ""},
		{"unknown room sessions", "GET", "/v2/rooms/" + unknown + "/sessions", 404, "10005", ""},
		{"malformed room id sessions", "GET", "/v2/rooms/123/sessions", 404, "10005", ""},
		{"unknown session", "GET", "/v2/room_sessions/" + unknown, 404, "10005", ""},
		{"unknown session participants", "GET", "/v2/room_sessions/" + unknown + "/participants", 404, "10005", ""},
		{"unknown participant", "GET", "/v2/room_participants/" + unknown, 404, "10005", ""},
		{"malformed participant id", "GET", "/v2/room_participants/xyz", 404, "10005", ""},
		{"unknown route", "GET", "/v2/recordings", 404, "10005", ""},
		{"trailing slash", "GET", "/v2/rooms/", 404, "10005", ""},
		{"outside /v2", "GET", "/v1/rooms", 404, "10005", ""},
		{"unknown room action", "POST", "/v2/rooms/" + roomID + "/actions/start_recording", 404, "10005", ""},
		{"update unknown room", "PATCH", "/v2/rooms/" + unknown, 404, "10005", ""},
		{"delete unknown room", "DELETE", "/v2/rooms/" + unknown, 404, "10005", ""},
		{"end unknown session", "POST", "/v2/room_sessions/" + unknown + "/actions/end", 404, "10005", ""},
		{"kick malformed session", "POST", "/v2/room_sessions/zzz/actions/kick", 404, "10005", ""},
		{"wrong method", "PUT", "/v2/rooms/" + roomID, 405, "10015", ""},
		{"page size 0", "GET", "/v2/rooms?page[size]=0", 422, "10015", "page[size]"},
		{"page size 251", "GET", "/v2/room_sessions?page%5Bsize%5D=251", 422, "10015", "page[size]"},
		{"page size not integer", "GET", "/v2/room_participants?page[size]=ten", 422, "10015", "page[size]"},
		{"page size empty", "GET", "/v2/room_participants?page[size]=", 422, "10015", "page[size]"},
		{"page number 0", "GET", "/v2/rooms?page[number]=0", 422, "10015", "page[number]"},
		{"page number negative", "GET", "/v2/rooms?page[number]=-1", 422, "10015", "page[number]"},
		{"page number float", "GET", "/v2/rooms/" + roomID + "/sessions?page[number]=1.5", 422, "10015", "page[number]"},
		{"bad date", "GET", "/v2/room_sessions?filter[date_created_at][eq]=2021-13-01", 422, "10015", "filter[date_created_at][eq]"},
		{"timestamp instead of date", "GET", "/v2/room_sessions?filter[date_ended_at][gte]=2021-04-25T00:00:00Z", 422, "10015", "filter[date_ended_at][gte]"},
		{"bad date on participants", "GET", "/v2/room_participants?filter[date_left_at][lte]=yesterday", 422, "10015", "filter[date_left_at][lte]"},
		{"bad date on session participants", "GET", "/v2/room_sessions/" + sessionID + "/participants?filter[date_joined_at][eq]=2021-4-5", 422, "10015", "filter[date_joined_at][eq]"},
		{"bad date on rooms", "GET", "/v2/rooms?filter[date_updated_at][gte]=20210425", 422, "10015", "filter[date_updated_at][gte]"},
		{"bad boolean", "GET", "/v2/room_sessions?filter[active]=yes", 422, "10015", "filter[active]"},
		{"boolean is lowercase only", "GET", "/v2/rooms/" + roomID + "/sessions?filter[active]=True", 422, "10015", "filter[active]"},
		{"bad include_participants", "GET", "/v2/room_sessions/" + sessionID + "?include_participants=1", 422, "10015", "include_participants"},
		{"bad include_sessions", "GET", "/v2/rooms?include_sessions=yes", 422, "10015", "include_sessions"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(tc.method, tc.path, "")
			errs := decodeErrors(t, r, tc.status, tc.code)
			if tc.parameter != "" {
				require.NotNil(t, errs[0].Source)
				assert.Equal(t, tc.parameter, errs[0].Source.Parameter)
			}
			if tc.status == 405 {
				assert.NotEmpty(t, r.header.Get("Allow"))
			}
		})
	}
}

func TestAccountIsolation(t *testing.T) {
	cfg := smallConfig()
	cfg.Keys = []string{"KEY_a", "KEY_b"}
	sim, c := startSim(t, cfg)
	a, b := c.withKey("KEY_a"), c.withKey("KEY_b")
	roomsA, roomsB := roomIDs(sim.Rooms("KEY_a")), roomIDs(sim.Rooms("KEY_b"))
	require.NotEmpty(t, roomsA)
	for _, id := range roomsA {
		assert.NotContains(t, roomsB, id, "keys must not share ids")
	}
	assert.Equal(t, roomsA, a.fetchAll("/v2/rooms", ""))
	assert.Equal(t, roomsB, b.fetchAll("/v2/rooms", ""))

	sessA := sim.Sessions("KEY_a", "")[0]
	partA := sim.Participants("KEY_a", "")[0]
	for _, path := range []string{
		"/v2/rooms/" + roomsA[0], "/v2/rooms/" + roomsA[0] + "/sessions", "/v2/room_sessions/" + sessA.ID,
		"/v2/room_sessions/" + sessA.ID + "/participants", "/v2/room_participants/" + partA.ID,
	} {
		decodeErrors(t, b.get(path), http.StatusNotFound, "10005")
	}
	data, _ := decodeList(t, b.get("/v2/room_sessions?filter[room_id]="+sessA.RoomID))
	assert.Empty(t, data)
	data, _ = decodeList(t, b.get("/v2/room_participants?filter[session_id]="+sessA.ID))
	assert.Empty(t, data)

	t.Run("writes stay in their account", func(t *testing.T) {
		decodeErrors(t, b.do("DELETE", "/v2/rooms/"+roomsA[0], ""), http.StatusNotFound, "10005")
		decodeErrors(t, b.do("POST", "/v2/room_sessions/"+sessA.ID+"/actions/end", ""), http.StatusNotFound, "10005")
		r := b.do("POST", "/v2/rooms", `{"unique_name":"only-in-b"}`)
		require.Equal(t, http.StatusCreated, r.status)
		assert.Len(t, sim.Rooms("KEY_b"), len(roomsB)+1)
		assert.Len(t, sim.Rooms("KEY_a"), len(roomsA))
		// The same unique_name is free in the other account.
		require.Equal(t, http.StatusCreated, a.do("POST", "/v2/rooms", `{"unique_name":"only-in-b"}`).status)
	})
	t.Run("accessors reject unknown keys", func(t *testing.T) {
		assert.Nil(t, sim.Rooms("KEY_c"))
		assert.Nil(t, sim.Sessions("KEY_c", ""))
		assert.Nil(t, sim.Participants("KEY_c", ""))
		assert.Nil(t, sim.Sessions("KEY_b", roomsA[0]))
	})
}

func TestRateLimitHeadersOnEveryResponse(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	sim.SetFault(telnyxsim.RouteGetParticipant, telnyxsim.Fault{TooManyRate: 1})
	for _, r := range []response{
		c.get("/v2/rooms"),
		c.withKey("").get("/v2/rooms"),
		c.get("/v2/rooms/nope"),
		c.get("/v2/rooms?page[size]=0"),
		c.get("/v2/room_participants/" + sim.Participants(demoKey, "")[0].ID),
		c.do("DELETE", "/v2/rooms/"+sim.Rooms(demoKey)[0].ID, ""),
	} {
		assert.Regexp(t, `^\d+$`, r.header.Get("x-ratelimit-limit"), "status %d", r.status)
		assert.Regexp(t, `^\d+$`, r.header.Get("x-ratelimit-remaining"), "status %d", r.status)
		assert.Regexp(t, `^\d+$`, r.header.Get("x-ratelimit-reset"), "status %d", r.status)
	}
}
