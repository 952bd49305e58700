package telnyx_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

const (
	simKey   = "KEY_sim_primary_0123456789"
	otherKey = "KEY_sim_other_9876543210"
)

func simNow() time.Time { return time.Date(2026, 11, 2, 10, 30, 0, 123456000, time.UTC) }

type simEnv struct {
	sim *telnyxsim.Sim
	srv *httptest.Server
	c   *telnyx.Client

	mu    sync.Mutex
	calls []telnyx.Call
}

func startSim(t *testing.T, cfg telnyxsim.Config) *simEnv {
	t.Helper()
	if cfg.Keys == nil {
		cfg.Keys = []string{simKey, otherKey}
	}
	if cfg.Now == nil {
		cfg.Now = simNow
	}
	e := &simEnv{sim: telnyxsim.New(cfg)}
	e.srv = httptest.NewServer(e.sim)
	t.Cleanup(e.srv.Close)
	c, err := telnyx.New(telnyx.Options{
		BaseURL:    e.srv.URL + "/v2",
		HTTPClient: e.srv.Client(),
		Observe: func(_ context.Context, call telnyx.Call) {
			e.mu.Lock()
			e.calls = append(e.calls, call)
			e.mu.Unlock()
		},
	})
	require.NoError(t, err)
	e.c = c
	return e
}

func smallSim(t *testing.T) *simEnv {
	t.Helper()
	return startSim(t, telnyxsim.Config{Rooms: 8, SessionsPerRoom: 5, ParticipantsPerSession: 4})
}

func (e *simEnv) observed() []telnyx.Call {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]telnyx.Call(nil), e.calls...)
}

// simRoute maps a client route template to the simulator's, which includes the /v2 base path.
func simRoute(route string) string {
	method, path, _ := strings.Cut(route, " ")
	return method + " /v2" + path
}

func wantRoom(r telnyxsim.Room) telnyx.Room {
	return telnyx.Room{
		ID: r.ID, UniqueName: r.UniqueName, MaxParticipants: r.MaxParticipants, EnableRecording: r.EnableRecording,
		WebhookEventURL: r.WebhookEventURL, WebhookEventFailoverURL: r.WebhookEventFailoverURL,
		WebhookTimeoutSecs: r.WebhookTimeoutSecs, ActiveSessionID: r.ActiveSessionID,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, RecordType: "room",
	}
}

func wantSession(s telnyxsim.Session) telnyx.RoomSession {
	return telnyx.RoomSession{
		ID: s.ID, RoomID: s.RoomID, Active: s.Active, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
		EndedAt: s.EndedAt, RecordType: "room_session",
	}
}

func wantParticipant(p telnyxsim.Participant) telnyx.RoomParticipant {
	return telnyx.RoomParticipant{
		ID: p.ID, SessionID: p.SessionID, Context: p.Context, JoinedAt: p.JoinedAt, UpdatedAt: p.UpdatedAt,
		LeftAt: p.LeftAt, RecordType: "room_participant",
	}
}

func wantSessions(ss []telnyxsim.Session) []telnyx.RoomSession {
	out := make([]telnyx.RoomSession, len(ss))
	for i, s := range ss {
		out[i] = wantSession(s)
	}
	return out
}

func wantParticipants(ps []telnyxsim.Participant) []telnyx.RoomParticipant {
	out := make([]telnyx.RoomParticipant, len(ps))
	for i, p := range ps {
		out[i] = wantParticipant(p)
	}
	return out
}

// withParticipants embeds each session's participants from the store, as include_participants does.
func withParticipants(sim *telnyxsim.Sim, key string, ss []telnyx.RoomSession) []telnyx.RoomSession {
	for i := range ss {
		ss[i].Participants = wantParticipants(sim.Participants(key, ss[i].ID))
	}
	return ss
}

// pageAll walks a list endpoint with page[size]=size until meta says it is done,
// the way the SDKs' DefaultFlatPagination does.
func pageAll[T any](t *testing.T, size int, fetch func(telnyx.Page) (*telnyx.List[T], error)) []T {
	t.Helper()
	var all []T
	for n := 1; ; n++ {
		page, err := fetch(telnyx.Page{Number: n, Size: size})
		require.NoError(t, err)
		require.Equal(t, n, page.Meta.PageNumber)
		require.Equal(t, size, page.Meta.PageSize)
		all = append(all, page.Data...)
		if len(page.Data) == 0 || page.Meta.PageNumber >= page.Meta.TotalPages {
			require.Equal(t, page.Meta.TotalResults, len(all))
			return all
		}
		require.Less(t, n, 1000, "pagination does not terminate")
	}
}

func TestSimReadEndpoints(t *testing.T) {
	t.Parallel()
	e := smallSim(t)
	ctx := context.Background()
	rooms := e.sim.Rooms(simKey)
	require.NotEmpty(t, rooms)
	room := rooms[0]
	roomSessions := e.sim.Sessions(simKey, room.ID)
	require.NotEmpty(t, roomSessions)
	allSessions := e.sim.Sessions(simKey, "")
	allParticipants := e.sim.Participants(simKey, "")

	// A session that has participants, for the participant endpoints.
	var session telnyxsim.Session
	for _, s := range allSessions {
		if len(e.sim.Participants(simKey, s.ID)) > 1 {
			session = s
			break
		}
	}
	require.NotEmpty(t, session.ID, "generated data has a session with participants")
	sessionParticipants := e.sim.Participants(simKey, session.ID)

	t.Run("list rooms, every page", func(t *testing.T) {
		got := pageAll(t, 3, func(p telnyx.Page) (*telnyx.List[telnyx.Room], error) {
			return e.c.ListRooms(ctx, simKey, telnyx.ListRoomsParams{Page: p})
		})
		want := make([]telnyx.Room, len(rooms))
		for i, r := range rooms {
			want[i] = wantRoom(r)
		}
		assert.Equal(t, want, got)
	})
	t.Run("list rooms by unique name with sessions", func(t *testing.T) {
		got, err := e.c.ListRooms(ctx, simKey, telnyx.ListRoomsParams{
			Filter: telnyx.RoomFilter{UniqueName: room.UniqueName}, IncludeSessions: true,
		})
		require.NoError(t, err)
		require.Len(t, got.Data, 1)
		want := wantRoom(room)
		want.Sessions = wantSessions(roomSessions)
		assert.Equal(t, want, got.Data[0])
	})
	t.Run("get room", func(t *testing.T) {
		got, err := e.c.GetRoom(ctx, simKey, room.ID, false)
		require.NoError(t, err)
		assert.Equal(t, wantRoom(room), *got)
	})
	t.Run("get room with sessions", func(t *testing.T) {
		got, err := e.c.GetRoom(ctx, simKey, room.ID, true)
		require.NoError(t, err)
		want := wantRoom(room)
		want.Sessions = wantSessions(roomSessions)
		assert.Equal(t, want, *got)
	})
	t.Run("list room sessions with participants", func(t *testing.T) {
		got := pageAll(t, 2, func(p telnyx.Page) (*telnyx.List[telnyx.RoomSession], error) {
			return e.c.ListRoomSessions(ctx, simKey, telnyx.ListRoomSessionsParams{RoomID: room.ID, IncludeParticipants: true, Page: p})
		})
		assert.Equal(t, withParticipants(e.sim, simKey, wantSessions(roomSessions)), got)
	})
	t.Run("list sessions, every page", func(t *testing.T) {
		got := pageAll(t, 7, func(p telnyx.Page) (*telnyx.List[telnyx.RoomSession], error) {
			return e.c.ListSessions(ctx, simKey, telnyx.ListSessionsParams{Page: p})
		})
		assert.Equal(t, wantSessions(allSessions), got)
	})
	t.Run("list sessions by room and activity", func(t *testing.T) {
		for _, active := range []bool{true, false} {
			got, err := e.c.ListSessions(ctx, simKey, telnyx.ListSessionsParams{
				Filter: telnyx.SessionFilter{RoomID: room.ID, Active: telnyx.BoolOf(active)},
				Page:   telnyx.Page{Size: 250},
			})
			require.NoError(t, err)
			var want []telnyx.RoomSession
			for _, s := range roomSessions {
				if s.Active == active {
					want = append(want, wantSession(s))
				}
			}
			if want == nil {
				want = []telnyx.RoomSession{}
			}
			assert.Equal(t, want, got.Data, "active=%v", active)
		}
	})
	t.Run("list sessions created on or after a date", func(t *testing.T) {
		pivot := allSessions[len(allSessions)/2].CreatedAt
		d := telnyx.DateOf(pivot)
		got, err := e.c.ListSessions(ctx, simKey, telnyx.ListSessionsParams{
			Filter: telnyx.SessionFilter{DateCreatedAt: telnyx.DateFilter{Gte: d}},
			Page:   telnyx.Page{Size: 250},
		})
		require.NoError(t, err)
		start := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
		var want []telnyx.RoomSession
		for _, s := range allSessions {
			if !s.CreatedAt.Before(start) {
				want = append(want, wantSession(s))
			}
		}
		require.NotEmpty(t, want)
		assert.Equal(t, want, got.Data)
	})
	t.Run("get session with participants", func(t *testing.T) {
		got, err := e.c.GetSession(ctx, simKey, session.ID, true)
		require.NoError(t, err)
		want := wantSession(session)
		want.Participants = wantParticipants(sessionParticipants)
		assert.Equal(t, want, *got)
	})
	t.Run("list session participants", func(t *testing.T) {
		got := pageAll(t, 1, func(p telnyx.Page) (*telnyx.List[telnyx.RoomParticipant], error) {
			return e.c.ListSessionParticipants(ctx, simKey, telnyx.ListSessionParticipantsParams{SessionID: session.ID, Page: p})
		})
		assert.Equal(t, wantParticipants(sessionParticipants), got)
	})
	t.Run("list participants, every page", func(t *testing.T) {
		got := pageAll(t, 50, func(p telnyx.Page) (*telnyx.List[telnyx.RoomParticipant], error) {
			return e.c.ListParticipants(ctx, simKey, telnyx.ListParticipantsParams{Page: p})
		})
		assert.Equal(t, wantParticipants(allParticipants), got)
	})
	t.Run("list participants by session and context", func(t *testing.T) {
		p := sessionParticipants[0]
		got, err := e.c.ListParticipants(ctx, simKey, telnyx.ListParticipantsParams{
			Filter: telnyx.ParticipantFilter{SessionID: session.ID, Context: p.Context},
		})
		require.NoError(t, err)
		require.NotEmpty(t, got.Data)
		for _, gp := range got.Data {
			assert.Equal(t, session.ID, gp.SessionID)
		}
		assert.Contains(t, got.Data, wantParticipant(p))
	})
	t.Run("get participant", func(t *testing.T) {
		p := sessionParticipants[len(sessionParticipants)-1]
		got, err := e.c.GetParticipant(ctx, simKey, p.ID)
		require.NoError(t, err)
		assert.Equal(t, wantParticipant(p), *got)
	})
	t.Run("accounts are isolated", func(t *testing.T) {
		_, err := e.c.GetRoom(ctx, otherKey, room.ID, false)
		var apiErr *telnyx.Error
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 404, apiErr.StatusCode)
		assert.Equal(t, "10005", apiErr.Code)
	})
}

func TestSimStatsMatchCalls(t *testing.T) {
	t.Parallel()
	e := smallSim(t)
	ctx := context.Background()
	room := e.sim.Rooms(simKey)[0]
	d := telnyx.DateOf(room.CreatedAt)

	_, err := e.c.ListRoomSessions(ctx, simKey, telnyx.ListRoomSessionsParams{
		RoomID: room.ID, IncludeParticipants: true, Page: telnyx.Page{Number: 1, Size: 25},
		Filter: telnyx.SessionFilter{Active: telnyx.False, DateCreatedAt: telnyx.DateFilter{Lte: d}},
	})
	require.NoError(t, err)
	_, err = e.c.ListRooms(ctx, simKey, telnyx.ListRoomsParams{Filter: telnyx.RoomFilter{UniqueName: "a b&c"}})
	require.NoError(t, err)
	_, err = e.c.GetRoom(ctx, simKey, room.ID, true)
	require.NoError(t, err)

	st := e.sim.Stats()
	calls := e.observed()
	require.Len(t, calls, 3)
	require.Len(t, st.Requests, 3)
	assert.Equal(t, 3, st.Total)
	for i, call := range calls {
		assert.Equal(t, 1, st.ByRoute[simRoute(call.Route)], call.Route)
		assert.Equal(t, simRoute(call.Route), st.Requests[i].Route)
		assert.Equal(t, call.Query, st.Requests[i].RawQuery, "the query arrives exactly as Call reports it")
		assert.Equal(t, "/v2"+call.Path, st.Requests[i].Path)
		assert.Equal(t, call.Status, st.Requests[i].Status)
	}
}

func TestSimWriteEndpoints(t *testing.T) {
	t.Parallel()
	e := smallSim(t)
	ctx := context.Background()

	created, err := e.c.CreateRoom(ctx, simKey, telnyx.RoomParams{
		UniqueName: ptr("client-test-room"), MaxParticipants: ptr(12), EnableRecording: ptr(true),
		WebhookEventURL: ptr("https://example.com/hook"), WebhookTimeoutSecs: ptr(20),
	})
	require.NoError(t, err)
	require.NotEmpty(t, created.ID)
	stored := findRoom(t, e.sim.Rooms(simKey), created.ID)
	assert.Equal(t, wantRoom(stored), *created)
	assert.Equal(t, "client-test-room", created.UniqueName)
	assert.Equal(t, 12, created.MaxParticipants)
	assert.True(t, created.EnableRecording)
	assert.Equal(t, ptr(20), created.WebhookTimeoutSecs)
	assert.Empty(t, created.ActiveSessionID)

	updated, err := e.c.UpdateRoom(ctx, simKey, created.ID, telnyx.RoomParams{MaxParticipants: ptr(20), EnableRecording: ptr(false)})
	require.NoError(t, err)
	stored = findRoom(t, e.sim.Rooms(simKey), created.ID)
	assert.Equal(t, wantRoom(stored), *updated)
	assert.Equal(t, 20, updated.MaxParticipants)
	assert.False(t, updated.EnableRecording)
	assert.Equal(t, "client-test-room", updated.UniqueName, "unsent fields are unchanged")

	_, err = e.c.CreateRoom(ctx, simKey, telnyx.RoomParams{MaxParticipants: ptr(500)})
	var apiErr *telnyx.Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 422, apiErr.StatusCode)
	assert.NotEmpty(t, apiErr.Code)

	require.NoError(t, e.c.DeleteRoom(ctx, simKey, created.ID))
	for _, r := range e.sim.Rooms(simKey) {
		assert.NotEqual(t, created.ID, r.ID)
	}
	err = e.c.DeleteRoom(ctx, simKey, created.ID)
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 404, apiErr.StatusCode)
	assert.Equal(t, "10005", apiErr.Code)
}

func findRoom(t *testing.T, rooms []telnyxsim.Room, id string) telnyxsim.Room {
	t.Helper()
	for _, r := range rooms {
		if r.ID == id {
			return r
		}
	}
	require.Failf(t, "room not in store", "id %s", id)
	return telnyxsim.Room{}
}

func TestSimSessionActions(t *testing.T) {
	t.Parallel()
	e := smallSim(t)
	ctx := context.Background()

	// Active sessions with at least two present participants.
	var targets []telnyxsim.Session
	for _, s := range e.sim.Sessions(simKey, "") {
		if s.Active && len(present(e.sim.Participants(simKey, s.ID))) >= 2 {
			targets = append(targets, s)
		}
	}
	require.NotEmpty(t, targets, "generated data has an active session with participants")
	s := targets[0]
	ps := present(e.sim.Participants(simKey, s.ID))

	require.NoError(t, e.c.MuteParticipants(ctx, simKey, s.ID, telnyx.ParticipantsAction{All: true}))
	require.NoError(t, e.c.UnmuteParticipants(ctx, simKey, s.ID, telnyx.ParticipantsAction{IDs: []string{ps[0].ID}}))
	assert.Len(t, present(e.sim.Participants(simKey, s.ID)), len(ps), "mute and unmute change no visible state")

	require.NoError(t, e.c.KickParticipants(ctx, simKey, s.ID, telnyx.ParticipantsAction{IDs: []string{ps[0].ID}}))
	after := present(e.sim.Participants(simKey, s.ID))
	assert.Len(t, after, len(ps)-1)
	kicked, err := e.c.GetParticipant(ctx, simKey, ps[0].ID)
	require.NoError(t, err)
	require.NotNil(t, kicked.LeftAt)

	require.NoError(t, e.c.EndSession(ctx, simKey, s.ID))
	ended, err := e.c.GetSession(ctx, simKey, s.ID, true)
	require.NoError(t, err)
	assert.False(t, ended.Active)
	require.NotNil(t, ended.EndedAt)
	for _, p := range ended.Participants {
		assert.NotNil(t, p.LeftAt, "end kicks everyone still present")
	}
	room := findRoom(t, e.sim.Rooms(simKey), s.RoomID)
	assert.NotEqual(t, s.ID, room.ActiveSessionID)

	calls := e.observed()
	st := e.sim.Stats()
	for _, route := range []string{telnyx.RouteMuteParticipants, telnyx.RouteUnmuteParticipants, telnyx.RouteKickParticipants, telnyx.RouteEndSession} {
		assert.Equal(t, 1, st.ByRoute[simRoute(route)], route)
	}
	assert.Len(t, calls, st.Total)
}

func present(ps []telnyxsim.Participant) []telnyxsim.Participant {
	var out []telnyxsim.Participant
	for _, p := range ps {
		if p.LeftAt == nil {
			out = append(out, p)
		}
	}
	return out
}

func TestSimErrorsAndFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault telnyxsim.Fault
		key   string
		check func(t *testing.T, err error)
	}{
		{
			name: "unknown key", key: "KEY_nobody_knows_this_one",
			check: func(t *testing.T, err error) {
				var apiErr *telnyx.Error
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, 401, apiErr.StatusCode)
				assert.Equal(t, "10009", apiErr.Code)
				assert.NotContains(t, err.Error(), "KEY_nobody_knows_this_one")
			},
		},
		{
			name: "injected 503", fault: telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503},
			check: func(t *testing.T, err error) {
				var apiErr *telnyx.Error
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, 503, apiErr.StatusCode)
				assert.Equal(t, "10007", apiErr.Code)
			},
		},
		{
			name: "too many requests", fault: telnyxsim.Fault{TooManyRate: 1, RetryAfter: 1500 * time.Millisecond},
			check: func(t *testing.T, err error) {
				var apiErr *telnyx.Error
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, 429, apiErr.StatusCode)
				assert.Equal(t, "10011", apiErr.Code)
				assert.Equal(t, 1500*time.Millisecond, apiErr.RetryAfter, "Retry-After-Ms wins over the rounded seconds")
				assert.Equal(t, 0, apiErr.RateLimitRemaining)
			},
		},
		{
			name: "connection reset", fault: telnyxsim.Fault{ResetRate: 1},
			check: func(t *testing.T, err error) {
				var te *telnyx.TransportError
				require.ErrorAs(t, err, &te)
				assert.Zero(t, te.Status)
				assert.False(t, te.Timeout)
			},
		},
		{
			name: "truncated body", fault: telnyxsim.Fault{TruncateRate: 1},
			check: func(t *testing.T, err error) {
				var te *telnyx.TransportError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, 200, te.Status)
			},
		},
		{
			name: "malformed body", fault: telnyxsim.Fault{MalformedRate: 1},
			check: func(t *testing.T, err error) {
				var te *telnyx.TransportError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, 200, te.Status)
			},
		},
		{
			name: "wrong content type", fault: telnyxsim.Fault{WrongContentTypeRate: 1},
			check: func(t *testing.T, err error) {
				var te *telnyx.TransportError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, 200, te.Status)
				assert.Contains(t, err.Error(), "unexpected content type")
			},
		},
		{
			name: "hang until the deadline", fault: telnyxsim.Fault{HangRate: 1},
			check: func(t *testing.T, err error) {
				var te *telnyx.TransportError
				require.ErrorAs(t, err, &te)
				assert.True(t, te.Timeout)
				assert.ErrorIs(t, err, context.DeadlineExceeded)
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := startSim(t, telnyxsim.Config{Rooms: 2, SessionsPerRoom: 2, ParticipantsPerSession: 2})
			room := e.sim.Rooms(simKey)[0]
			e.sim.SetFault(simRoute(telnyx.RouteListRoomSessions), tc.fault)
			key := tc.key
			if key == "" {
				key = simKey
			}
			// Long enough for the call to reach the simulator (counted on arrival) on a loaded host.
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if tc.fault.HangRate == 0 {
				ctx = context.Background()
			}

			_, err := e.c.ListRoomSessions(ctx, key, telnyx.ListRoomSessionsParams{RoomID: room.ID, IncludeParticipants: true})

			require.Error(t, err)
			tc.check(t, err)
			assert.NotContains(t, err.Error(), key)
			assert.NotContains(t, err.Error(), e.srv.URL)
			assert.Equal(t, 1, e.sim.Stats().ByRoute[simRoute(telnyx.RouteListRoomSessions)], "exactly one attempt")
			assert.Len(t, e.observed(), 1)
		})
	}
}
