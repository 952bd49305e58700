package telnyxsim_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/telnyxsim"
)

// freshClient never reuses connections: Go's Transport silently retries an idempotent request
// whose reused keep-alive connection is reset, which would hide the reset fault.
func freshClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
}

func TestFaultResponses(t *testing.T) {
	tests := []struct {
		name   string
		fault  telnyxsim.Fault
		status int
		check  func(t *testing.T, r response)
	}{
		{"error default 500", telnyxsim.Fault{ErrorRate: 1}, 500, func(t *testing.T, r response) {
			decodeErrors(t, r, 500, "10007")
		}},
		{"error 503", telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503}, 503, func(t *testing.T, r response) {
			decodeErrors(t, r, 503, "10007")
		}},
		{"too many default retry", telnyxsim.Fault{TooManyRate: 1}, 429, func(t *testing.T, r response) {
			decodeErrors(t, r, 429, "10011")
			assert.Equal(t, "1", r.header.Get("Retry-After"))
			assert.Equal(t, "1000", r.header.Get("Retry-After-Ms"))
		}},
		{"too many rounds up", telnyxsim.Fault{TooManyRate: 1, RetryAfter: 1500 * time.Millisecond}, 429, func(t *testing.T, r response) {
			decodeErrors(t, r, 429, "10011")
			assert.Equal(t, "2", r.header.Get("Retry-After"))
			assert.Equal(t, "1500", r.header.Get("Retry-After-Ms"))
		}},
		{"truncate", telnyxsim.Fault{TruncateRate: 1}, 200, func(t *testing.T, r response) {
			assert.False(t, json.Valid(r.body))
			assert.Equal(t, "application/json", r.header.Get("Content-Type"))
			assert.NotEmpty(t, r.body)
		}},
		{"malformed", telnyxsim.Fault{MalformedRate: 1}, 200, func(t *testing.T, r response) {
			assert.False(t, json.Valid(r.body))
			assert.Equal(t, "application/json", r.header.Get("Content-Type"))
		}},
		{"wrong content type", telnyxsim.Fault{WrongContentTypeRate: 1}, 200, func(t *testing.T, r response) {
			assert.Equal(t, "text/html; charset=utf-8", r.header.Get("Content-Type"))
			assert.Contains(t, string(r.body), "<html>")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := startSim(t, smallConfig())
			sim.SetFault(telnyxsim.RouteListRooms, tc.fault)
			r := c.get("/v2/rooms")
			require.Equal(t, tc.status, r.status)
			tc.check(t, r)
			assert.NotEmpty(t, r.header.Get("x-ratelimit-limit"))
			// Other routes are untouched by a route-specific fault.
			require.Equal(t, http.StatusOK, c.get("/v2/room_sessions").status)
			st := sim.Stats()
			assert.Equal(t, tc.status, st.Requests[0].Status)
		})
	}
}

func TestTruncateCutsTheRealBodyInHalf(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	whole := c.get("/v2/rooms?page[size]=3").body
	sim.SetFault(telnyxsim.RouteAll, telnyxsim.Fault{TruncateRate: 1})
	cut := c.get("/v2/rooms?page[size]=3").body
	assert.Equal(t, string(whole[:len(whole)/2]), string(cut))
}

func TestFaultsHitBeforeAuth(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	sim.SetFault(telnyxsim.RouteAll, telnyxsim.Fault{ErrorRate: 1})
	decodeErrors(t, c.withKey("").get("/v2/rooms"), 500, "10007")
	sim.ClearFaults()
	decodeErrors(t, c.withKey("").get("/v2/rooms"), 401, "10009")
	require.Equal(t, http.StatusOK, c.get("/v2/rooms").status)
}

func TestRouteFaultOverridesWildcard(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	sim.SetFault(telnyxsim.RouteAll, telnyxsim.Fault{ErrorRate: 1})
	sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{TooManyRate: 1})
	assert.Equal(t, 429, c.get("/v2/rooms").status)
	assert.Equal(t, 500, c.get("/v2/room_sessions").status)
	sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{})
	assert.Equal(t, 500, c.get("/v2/rooms").status, "zero fault removes the route entry; the wildcard applies again")
}

func TestRateLimitFault(t *testing.T) {
	var mu sync.Mutex
	now := fixedNow()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	cfg := smallConfig()
	cfg.Keys = []string{"KEY_a", "KEY_b"}
	cfg.Now = clock
	cfg.Faults = map[string]telnyxsim.Fault{telnyxsim.RouteAll: {RateLimit: 3, RateWindow: 10 * time.Second}}
	_, c := startSim(t, cfg)
	a, b := c.withKey("KEY_a"), c.withKey("KEY_b")

	for i, wantRemaining := range []string{"2", "1", "0"} {
		r := a.get("/v2/rooms")
		require.Equal(t, http.StatusOK, r.status, "request %d", i)
		assert.Equal(t, "3", r.header.Get("x-ratelimit-limit"))
		assert.Equal(t, wantRemaining, r.header.Get("x-ratelimit-remaining"))
		assert.Equal(t, "10", r.header.Get("x-ratelimit-reset"))
	}
	r := a.get("/v2/room_sessions")
	decodeErrors(t, r, http.StatusTooManyRequests, "10011")
	assert.Equal(t, "10", r.header.Get("Retry-After"), "until the window resets")
	assert.Equal(t, "10000", r.header.Get("Retry-After-Ms"))
	assert.Equal(t, "0", r.header.Get("x-ratelimit-remaining"))

	require.Equal(t, http.StatusOK, b.get("/v2/rooms").status, "each key has its own window")

	mu.Lock()
	now = now.Add(4 * time.Second)
	mu.Unlock()
	r = a.get("/v2/rooms")
	require.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "6", r.header.Get("Retry-After"))

	mu.Lock()
	now = now.Add(6 * time.Second)
	mu.Unlock()
	require.Equal(t, http.StatusOK, a.get("/v2/rooms").status, "a new window")
}

func TestResetFault(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	sim.SetFault(telnyxsim.RouteGetRoom, telnyxsim.Fault{ResetRate: 1})
	req, err := http.NewRequest(http.MethodGet, c.base+"/v2/rooms/"+sim.Rooms(demoKey)[0].ID, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+demoKey)
	resp, err := freshClient(5 * time.Second).Do(req)
	if resp != nil {
		resp.Body.Close()
	}
	require.Error(t, err)
	st := sim.Stats()
	require.Len(t, st.Requests, 1)
	assert.Equal(t, 0, st.Requests[0].Status, "no answer was sent")
}

func TestHangFault(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{HangRate: 1})
	// A second: the request reaches the simulator (which counts it on arrival) before it gives up.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/v2/rooms", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+demoKey)
	resp, err := freshClient(0).Do(req)
	if resp != nil {
		resp.Body.Close()
	}
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded))
	assert.Equal(t, 1, sim.Stats().ByRoute[telnyxsim.RouteListRooms])
}

func TestLatencyFaultDelaysTheAnswer(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{Latency: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/v2/rooms", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+demoKey)
	resp, err := freshClient(0).Do(req)
	if resp != nil {
		resp.Body.Close()
	}
	require.Error(t, err, "a minute of latency outlasts the client's deadline")
}

func TestFaultDecisionsAreDeterministic(t *testing.T) {
	outcomes := func() []int {
		sim := telnyxsim.New(telnyxsim.Config{Rooms: 2, Faults: map[string]telnyxsim.Fault{
			telnyxsim.RouteAll: {ErrorRate: 0.3, TooManyRate: 0.3, Jitter: time.Microsecond},
		}})
		var out []int
		for range 50 {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/v2/rooms", nil)
			req.Header.Set("Authorization", "Bearer "+demoKey)
			sim.ServeHTTP(rec, req)
			out = append(out, rec.Code)
		}
		return out
	}
	first := outcomes()
	assert.Equal(t, first, outcomes())
	assert.Contains(t, first, 200)
	assert.Contains(t, first, 500)
	assert.Contains(t, first, 429)
}

func TestStats(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	roomID := sim.Rooms(demoKey)[0].ID
	c.get("/v2/rooms/" + roomID + "/sessions?filter%5Bactive%5D=true&page[size]=2")
	c.get("/v2/rooms/" + roomID + "/sessions")
	c.withKey("").get("/v2/rooms")
	c.get("/v2/nope")

	st := sim.Stats()
	assert.Equal(t, 4, st.Total)
	assert.Equal(t, map[string]int{telnyxsim.RouteListRoomSessions: 2, telnyxsim.RouteListRooms: 1, telnyxsim.RouteUnknown: 1}, st.ByRoute)
	require.Len(t, st.Requests, 4)
	assert.Equal(t, telnyxsim.RequestRecord{
		Route: telnyxsim.RouteListRoomSessions, Path: "/v2/rooms/" + roomID + "/sessions",
		RawQuery: "filter%5Bactive%5D=true&page[size]=2", Status: 200,
	}, st.Requests[0])
	assert.Equal(t, 401, st.Requests[2].Status)
	assert.Equal(t, 404, st.Requests[3].Status)

	t.Run("over HTTP without auth and uncounted", func(t *testing.T) {
		resp, err := http.Get(c.base + "/_sim/stats")
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		var got telnyxsim.Stats
		require.NoError(t, json.Unmarshal(body, &got))
		assert.Equal(t, st, got)
		assert.Contains(t, string(body), `"by_route"`)
		assert.Contains(t, string(body), `"raw_query"`)
		assert.Equal(t, 4, sim.Stats().Total)
	})
	t.Run("reset over HTTP", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodDelete, c.base+"/_sim/stats", nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusNoContent, resp.StatusCode)
		st := sim.Stats()
		assert.Equal(t, 0, st.Total)
		assert.Empty(t, st.ByRoute)
		assert.Empty(t, st.Requests)
	})
	t.Run("ResetStats", func(t *testing.T) {
		c.get("/v2/rooms")
		require.Equal(t, 1, sim.Stats().Total)
		sim.ResetStats()
		assert.Equal(t, 0, sim.Stats().Total)
	})
	t.Run("bounded to the last 10000", func(t *testing.T) {
		sim := telnyxsim.New(telnyxsim.Config{Rooms: 1})
		for i := range 20005 {
			req := httptest.NewRequest(http.MethodGet, "/v2/rooms?i="+itoa(i), nil)
			sim.ServeHTTP(httptest.NewRecorder(), req)
		}
		st := sim.Stats()
		assert.Equal(t, 20005, st.Total)
		require.Len(t, st.Requests, 10000)
		assert.Equal(t, "i=10005", st.Requests[0].RawQuery)
		assert.Equal(t, "i=20004", st.Requests[9999].RawQuery)
	})
}

func TestControlEndpointErrors(t *testing.T) {
	_, c := startSim(t, smallConfig())
	resp, err := http.Post(c.base+"/_sim/stats", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	resp, err = http.Get(c.base + "/_sim/nope")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestEveryRouteIsCounted(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	s := activeSession(t, sim, demoKey)
	p := sim.Participants(demoKey, s.ID)[0]
	calls := map[string]func() response{
		telnyxsim.RouteListSessions:            func() response { return c.get("/v2/room_sessions") },
		telnyxsim.RouteListRoomSessions:        func() response { return c.get("/v2/rooms/" + s.RoomID + "/sessions") },
		telnyxsim.RouteGetSession:              func() response { return c.get("/v2/room_sessions/" + s.ID) },
		telnyxsim.RouteListSessionParticipants: func() response { return c.get("/v2/room_sessions/" + s.ID + "/participants") },
		telnyxsim.RouteListParticipants:        func() response { return c.get("/v2/room_participants") },
		telnyxsim.RouteGetParticipant:          func() response { return c.get("/v2/room_participants/" + p.ID) },
		telnyxsim.RouteListRooms:               func() response { return c.get("/v2/rooms") },
		telnyxsim.RouteGetRoom:                 func() response { return c.get("/v2/rooms/" + s.RoomID) },
		telnyxsim.RouteCreateRoom:              func() response { return c.do("POST", "/v2/rooms", `{}`) },
		telnyxsim.RouteUpdateRoom:              func() response { return c.do("PATCH", "/v2/rooms/"+s.RoomID, `{}`) },
		telnyxsim.RouteMute: func() response {
			return c.do("POST", "/v2/room_sessions/"+s.ID+"/actions/mute", `{"participants":"all"}`)
		},
		telnyxsim.RouteUnmute: func() response {
			return c.do("POST", "/v2/room_sessions/"+s.ID+"/actions/unmute", `{"participants":"all"}`)
		},
		telnyxsim.RouteKick:       func() response { return c.do("POST", "/v2/room_sessions/"+s.ID+"/actions/kick", `{"participants":[]}`) },
		telnyxsim.RouteEndSession: func() response { return c.do("POST", "/v2/room_sessions/"+s.ID+"/actions/end", "") },
		telnyxsim.RouteDeleteRoom: func() response { return c.do("DELETE", "/v2/rooms/"+s.RoomID, "") },
		telnyxsim.RouteGenerateJoinClientToken: func() response {
			return c.do("POST", "/v2/rooms/"+s.RoomID+"/actions/generate_join_client_token", "")
		},
		telnyxsim.RouteRefreshClientToken: func() response {
			toks := sim.RefreshTokens(demoKey, s.RoomID)
			require.NotEmpty(t, toks, "generate runs before refresh")
			return c.do("POST", "/v2/rooms/"+s.RoomID+"/actions/refresh_client_token", `{"refresh_token":"`+toks[0].Token+`"}`)
		},
	}
	require.Len(t, calls, len(telnyxsim.Routes()))
	// Delete last: it removes the session the actions use.
	routes := append(slices.DeleteFunc(telnyxsim.Routes(), func(r string) bool { return r == telnyxsim.RouteDeleteRoom }), telnyxsim.RouteDeleteRoom)
	for _, route := range routes {
		sim.ResetStats()
		r := calls[route]()
		require.Less(t, r.status, 300, "%s: %s", route, r.body)
		assert.Equal(t, map[string]int{route: 1}, sim.Stats().ByRoute, route)
	}
}
