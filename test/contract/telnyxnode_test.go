package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/telnyxsim"
)

const (
	contractKey = "KEY_a"
	nodeDir     = "telnyx-node"
	sdkVersion  = "7.24.0"
	// The upstream's timestamp shape: RFC 3339, UTC, always six fractional digits.
	microLayout = "2006-01-02T15:04:05.000000Z07:00"
)

// TestTelnyxNodeSDK runs contract.mjs (the official Telnyx Node SDK) against the simulator and checks
// that every list, read, mutation and error the SDK reported matches the simulator's store.
func TestTelnyxNodeSDK(t *testing.T) {
	nodeBin := requireTool(t, "node")
	npmBin := requireTool(t, "npm")
	ensureNodeModules(t, npmBin)

	sim := telnyxsim.New(telnyxsim.Config{Seed: 7, Keys: []string{contractKey}, Rooms: 8, SessionsPerRoom: 5, ParticipantsPerSession: 4})
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	require.True(t, strings.HasPrefix(ts.URL, "http://127.0.0.1:"), "the SDK must only reach loopback, got %s", ts.URL)

	before := takeSnapshot(sim)
	require.NotEmpty(t, before.rooms)
	started := time.Now().Truncate(time.Microsecond)
	out := runContract(t, nodeBin, ts.URL+"/v2")
	ended := time.Now()
	after := takeSnapshot(sim)
	stats := sim.Stats()

	t.Run("sdk", func(t *testing.T) {
		assert.Equal(t, sdkVersion, out.SDK.Version, "node_modules holds another telnyx version; run npm ci in test/contract/telnyx-node")
		assert.Empty(t, out.Failures, "SDK calls that threw unexpectedly")
	})

	t.Run("rooms list", func(t *testing.T) {
		require.NotNil(t, out.RoomsList)
		assert.Equal(t, roomViewsFromStore(before.rooms), roomViewsFromWire(out.RoomsList.Items))
		assertPages(t, out.RoomsList.Pages, len(before.rooms), 3)
		assert.Equal(t, ids(before.rooms, func(r telnyxsim.Room) string { return r.ID }), out.RoomsListItemsIter,
			"for await over the list promise must yield the same rooms as the page walk")
	})

	t.Run("sessions list1 per room", func(t *testing.T) {
		require.NotNil(t, out.SessionsByRoom)
		require.Len(t, out.SessionsByRoom.Rooms, len(before.rooms), "one list1 walk per room")
		for _, room := range before.rooms {
			t.Run(room.ID, func(t *testing.T) {
				got, ok := out.SessionsByRoom.Rooms[room.ID]
				require.True(t, ok, "no list1 result for room")
				want := before.sessionsOf(room.ID)
				assert.Equal(t, before.sessionViews(want, true), sessionViewsFromWire(got.Items, true))
				assertPages(t, got.Pages, len(want), out.SessionsByRoom.PageSize)
			})
		}
	})

	t.Run("sessions list0", func(t *testing.T) {
		require.NotNil(t, out.SessionsList0)
		assert.Equal(t, before.sessionViews(before.sessions, true), sessionViewsFromWire(out.SessionsList0.Items, true))
		assertPages(t, out.SessionsList0.Pages, len(before.sessions), 7)
		assert.Equal(t, ids(before.sessions, func(s telnyxsim.Session) string { return s.ID }), out.SessionsList0Iter)
	})

	t.Run("filtered session lists", func(t *testing.T) {
		for _, tc := range []struct {
			name             string
			got              *filteredList
			keep             func(t *testing.T, got *filteredList, s telnyxsim.Session) bool
			size             int
			withParticipants bool
		}{
			{
				name: "list0 filter room_id",
				got:  out.SessionsList0ByRoom,
				keep: func(_ *testing.T, got *filteredList, s telnyxsim.Session) bool { return s.RoomID == got.Filter.RoomID },
				size: 2,
			},
			{
				name: "list1 filter date_created_at gte",
				got:  out.SessionsList1DateFilter,
				keep: func(t *testing.T, got *filteredList, s telnyxsim.Session) bool {
					return s.RoomID == got.RoomID && !s.CreatedAt.Before(dayStart(t, got.Filter.DateCreatedAt.Gte))
				},
				size: 2,
			},
			{
				name: "list1 filter active",
				got:  out.SessionsList1Active,
				keep: func(_ *testing.T, got *filteredList, s telnyxsim.Session) bool {
					return s.RoomID == got.RoomID && s.Active
				},
				size:             20,
				withParticipants: true,
			},
			{
				name: "list0 filter active false and date_created_at lte",
				got:  out.SessionsList0InactiveDated,
				keep: func(t *testing.T, got *filteredList, s telnyxsim.Session) bool {
					return !s.Active && s.CreatedAt.Before(dayStart(t, got.Filter.DateCreatedAt.Lte).AddDate(0, 0, 1))
				},
				size: 5,
			},
		} {
			t.Run(tc.name, func(t *testing.T) {
				require.NotNil(t, tc.got)
				var want []telnyxsim.Session
				for _, s := range before.sessions {
					if tc.keep(t, tc.got, s) {
						want = append(want, s)
					}
				}
				require.NotEmpty(t, want, "the chosen filter matches nothing in the store, so it proves nothing")
				assert.Equal(t, before.sessionViews(want, tc.withParticipants), sessionViewsFromWire(tc.got.Items, tc.withParticipants))
				assertPages(t, tc.got.Pages, len(want), tc.size)
			})
		}
		require.NotNil(t, out.SessionsList1DateFilter)
		assert.Less(t, len(out.SessionsList1DateFilter.Items), len(before.sessionsOf(out.SessionsList1DateFilter.RoomID)),
			"the date filter should drop some of the room's sessions")
	})

	t.Run("session retrieve", func(t *testing.T) {
		require.NotEmpty(t, out.SessionRetrieve)
		for _, got := range out.SessionRetrieve {
			want, ok := before.session(got.ID)
			require.True(t, ok, "retrieved session %s not in store", got.ID)
			assert.Equal(t, before.sessionView(want, true), sessionViewFromWire(got, true))
		}
	})

	t.Run("session participants", func(t *testing.T) {
		require.NotEmpty(t, out.SessionParticipants)
		for sessionID, got := range out.SessionParticipants {
			want := before.participantsOf(sessionID)
			assert.Equal(t, participantViewsFromStore(want), participantViewsFromWire(got.Items), sessionID)
			assertPages(t, got.Pages, len(want), 3)
		}
	})

	t.Run("participants list", func(t *testing.T) {
		require.NotNil(t, out.ParticipantsList)
		assert.Equal(t, participantViewsFromStore(before.participants), participantViewsFromWire(out.ParticipantsList.Items))
		assertPages(t, out.ParticipantsList.Pages, len(before.participants), 25)

		got := out.ParticipantsListBySession
		require.NotNil(t, got)
		want := before.participantsOf(got.Filter.SessionID)
		require.NotEmpty(t, want)
		assert.Equal(t, participantViewsFromStore(want), participantViewsFromWire(got.Items))
		assertPages(t, got.Pages, len(want), 3)
	})

	t.Run("participant retrieve", func(t *testing.T) {
		require.NotNil(t, out.ParticipantRetrieve)
		want, ok := before.participant(out.ParticipantRetrieve.ID)
		require.True(t, ok)
		assert.Equal(t, participantViewFromStore(want), participantViewFromWire(*out.ParticipantRetrieve))
	})

	t.Run("room retrieve", func(t *testing.T) {
		require.NotNil(t, out.RoomRetrieve)
		want, ok := before.room(out.RoomRetrieve.ID)
		require.True(t, ok)
		assert.Equal(t, roomViewFromStore(want), roomViewFromWire(*out.RoomRetrieve))

		require.NotNil(t, out.RoomRetrieveWithSessions)
		assert.Equal(t, roomViewFromStore(want), roomViewFromWire(*out.RoomRetrieveWithSessions))
		// Embedded order is undocumented, so only membership is part of the contract.
		assert.ElementsMatch(t,
			ids(before.sessionsOf(want.ID), func(s telnyxsim.Session) string { return s.ID }),
			ids(out.RoomRetrieveWithSessions.Sessions, func(s wireSession) string { return s.ID }))
	})

	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			got        *wireError
			wantClass  string
			wantStatus int
			wantCode   string
		}{
			{"unknown room", out.ErrorRoomNotFound, "NotFoundError", 404, "10005"},
			{"unknown session", out.ErrorSessionNotFound, "NotFoundError", 404, "10005"},
			{"unknown participant", out.ErrorParticipantNotFound, "NotFoundError", 404, "10005"},
			{"deleted room", out.RoomDeleteThenRetrieve, "NotFoundError", 404, "10005"},
			{"bad key", out.ErrorBadKey, "AuthenticationError", 401, "10009"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				require.NotNil(t, tc.got)
				require.True(t, tc.got.Threw, "the SDK returned a result instead of throwing")
				assert.Equal(t, tc.wantClass, tc.got.Class)
				assert.Equal(t, tc.wantStatus, tc.got.Status)
				require.NotNil(t, tc.got.Error, "the SDK surfaced no error body")
				require.NotEmpty(t, tc.got.Error.Errors, "error body lacks the errors array envelope")
				assert.Equal(t, tc.wantCode, tc.got.Error.Errors[0].Code)
				assert.NotEmpty(t, tc.got.Error.Errors[0].Title)
			})
		}
	})

	t.Run("client tokens", func(t *testing.T) {
		require.NotNil(t, out.TokenGenerateDefault)
		require.NotNil(t, out.TokenGenerateTTLs)
		require.NotNil(t, out.TokenRefreshDefault)
		require.NotNil(t, out.TokenRefreshTTL)
		roomID := out.TokenGenerateDefault.RoomID
		stored := sim.RefreshTokens(contractKey, roomID)
		// expiresWithin checks that an expiry is ttl after some instant of the run.
		expiresWithin := func(t *testing.T, ts string, ttl time.Duration) time.Time {
			t.Helper()
			require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`, ts)
			at, err := time.Parse(time.RFC3339Nano, ts)
			require.NoError(t, err)
			assert.False(t, at.Before(started.Add(ttl)) || at.After(ended.Add(ttl)), "%s is not %s after the run", ts, ttl)
			return at
		}
		for _, tc := range []struct {
			name            string
			got             *wireTokenStep
			ttl, refreshTTL time.Duration
		}{
			{"generate with the defaults", out.TokenGenerateDefault, 600 * time.Second, time.Hour},
			{"generate with ttls", out.TokenGenerateTTLs, time.Minute, 2 * time.Minute},
		} {
			t.Run(tc.name, func(t *testing.T) {
				d := tc.got.Data
				assert.Equal(t, roomID, tc.got.RoomID)
				assert.Len(t, strings.Split(d.Token, "."), 3, "a JWT string")
				assert.Len(t, strings.Split(d.RefreshToken, "."), 3, "a JWT string")
				exp := expiresWithin(t, d.TokenExpiresAt, tc.ttl)
				refreshExp := expiresWithin(t, d.RefreshTokenExpiresAt, tc.refreshTTL)
				assert.Equal(t, tc.refreshTTL-tc.ttl, refreshExp.Sub(exp), "both expiries count from the same instant")
				assert.Contains(t, stored, telnyxsim.RefreshToken{Token: d.RefreshToken, RoomID: roomID, ExpiresAt: refreshExp},
					"the store remembers the refresh token with its expiry")
			})
		}
		assert.Len(t, stored, 2, "two generates, two refresh tokens; refreshing adds none")
		for _, tc := range []struct {
			name string
			got  *wireTokenStep
			ttl  time.Duration
		}{
			{"refresh with the default ttl", out.TokenRefreshDefault, 600 * time.Second},
			{"refresh with a ttl", out.TokenRefreshTTL, 30 * time.Second},
		} {
			t.Run(tc.name, func(t *testing.T) {
				d := tc.got.Data
				assert.Len(t, strings.Split(d.Token, "."), 3, "a JWT string")
				assert.NotEqual(t, out.TokenGenerateDefault.Data.Token, d.Token)
				assert.NotEqual(t, out.TokenGenerateTTLs.Data.Token, d.Token)
				expiresWithin(t, d.TokenExpiresAt, tc.ttl)
				assert.Empty(t, d.RefreshToken, "a refresh answers no new refresh token")
				assert.Empty(t, d.RefreshTokenExpiresAt)
			})
		}
		for _, tc := range []struct {
			name         string
			got          *wireError
			wantClass    string
			wantStatus   int
			wantCode     string
			wantPointers []string
		}{
			{"generate, ttls out of range", out.TokenGenerateBadTTL, "UnprocessableEntityError", 422, "10015", []string{"/token_ttl_secs", "/refresh_token_ttl_secs"}},
			{"generate, unknown room", out.TokenGenerateUnknownRoom, "NotFoundError", 404, "10005", nil},
			{"refresh, unknown token", out.TokenRefreshUnknown, "UnprocessableEntityError", 422, "10015", []string{"/refresh_token"}},
			{"refresh, another room's token", out.TokenRefreshOtherRoom, "UnprocessableEntityError", 422, "10015", []string{"/refresh_token"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				require.NotNil(t, tc.got)
				require.True(t, tc.got.Threw, "the SDK returned a result instead of throwing")
				assert.Equal(t, tc.wantClass, tc.got.Class)
				assert.Equal(t, tc.wantStatus, tc.got.Status)
				require.NotNil(t, tc.got.Error, "the SDK surfaced no error body")
				var pointers []string
				for _, e := range tc.got.Error.Errors {
					assert.Equal(t, tc.wantCode, e.Code)
					if e.Source.Pointer != "" {
						pointers = append(pointers, e.Source.Pointer)
					}
				}
				assert.Equal(t, tc.wantPointers, pointers)
			})
		}
	})

	t.Run("create room", func(t *testing.T) {
		require.NotNil(t, out.RoomCreate)
		body, got := out.RoomCreate.Body, out.RoomCreate.Data
		stored, ok := after.room(got.ID)
		require.True(t, ok, "created room %s missing from store", got.ID)
		assert.Equal(t, roomViewFromStore(stored), roomViewFromWire(got), "create response must match the store")
		assert.Equal(t, body.UniqueName, stored.UniqueName)
		assert.Equal(t, *body.MaxParticipants, stored.MaxParticipants)
		assert.Equal(t, *body.EnableRecording, stored.EnableRecording)
		assert.Equal(t, *body.WebhookEventURL, stored.WebhookEventURL)
		assert.Equal(t, *body.WebhookEventFailoverURL, stored.WebhookEventFailoverURL)
		assert.Equal(t, body.WebhookTimeoutSecs, stored.WebhookTimeoutSecs)
		assert.Empty(t, stored.ActiveSessionID)
	})

	t.Run("update room", func(t *testing.T) {
		require.NotNil(t, out.RoomUpdate)
		body, got := out.RoomUpdate.Body, out.RoomUpdate.Data
		old, ok := before.room(out.RoomUpdate.RoomID)
		require.True(t, ok)
		stored, ok := after.room(out.RoomUpdate.RoomID)
		require.True(t, ok, "updated room vanished")
		assert.Equal(t, roomViewFromStore(stored), roomViewFromWire(got), "update response must match the store")
		require.NotNil(t, out.RoomRetrieveAfterUpdate)
		assert.Equal(t, roomViewFromStore(stored), roomViewFromWire(*out.RoomRetrieveAfterUpdate))

		assert.Equal(t, body.UniqueName, stored.UniqueName)
		assert.Equal(t, *body.MaxParticipants, stored.MaxParticipants)
		assert.Equal(t, *body.EnableRecording, stored.EnableRecording)
		assert.Equal(t, *body.WebhookEventURL, stored.WebhookEventURL)
		assert.Equal(t, body.WebhookTimeoutSecs, stored.WebhookTimeoutSecs)
		// PATCH semantics: a field left out of the body keeps its value.
		assert.Equal(t, old.WebhookEventFailoverURL, stored.WebhookEventFailoverURL)
		assert.Equal(t, old.CreatedAt, stored.CreatedAt)
		assert.False(t, stored.UpdatedAt.Before(old.UpdatedAt))
	})

	t.Run("delete room", func(t *testing.T) {
		require.NotNil(t, out.RoomDelete)
		_, ok := after.room(out.RoomDelete.Created.ID)
		assert.False(t, ok, "deleted room still in store")
		assert.Nil(t, out.RoomDelete.Result, "delete resolves to no body")
		assert.Len(t, after.rooms, len(before.rooms)+1, "one room created and kept, one created and deleted")
	})

	t.Run("session actions", func(t *testing.T) {
		require.NotEmpty(t, out.Actions, "no session actions ran: the seeded store has no active session with participants")
		seen := map[string]int{}
		for _, a := range out.Actions {
			seen[a.Action]++
		}
		assert.Equal(t, map[string]int{"mute": 2, "unmute": 2, "kick": 3, "end": 1}, seen)

		// Actions may share a session, so each one is judged against the state the previous one left,
		// as read back through the SDK right after it; the first one against the pre-run store.
		state := map[string][]participantView{}
		sessionState := map[string]sessionView{}
		for i, a := range out.Actions {
			t.Run(strconv.Itoa(i)+" "+a.Action, func(t *testing.T) {
				assert.Equal(t, "ok", a.Data.Result)
				prevSession, ok := sessionState[a.SessionID]
				if !ok {
					s, found := before.session(a.SessionID)
					require.True(t, found, "action on unknown session %s", a.SessionID)
					prevSession = before.sessionView(s, true)
				}
				prev, ok := state[a.SessionID]
				if !ok {
					prev = prevSession.Participants
				}
				require.True(t, prevSession.Active, "%s must target an active session", a.Action)
				require.NotNil(t, a.After, "no read-back after %s", a.Action)
				got := sessionViewFromWire(*a.After, true)
				require.Len(t, got.Participants, len(prev), "participants of session %s", a.SessionID)
				gotByID := map[string]participantView{}
				for _, p := range got.Participants {
					gotByID[p.ID] = p
				}

				targeted := map[string]bool{}
				switch a.Action {
				case "kick":
					targeted = actionTargets(prev, a.Body)
					require.NotEmpty(t, targeted, "the kick targets nobody still present")
					if p := a.Body.Participants; p != nil && !p.All {
						assert.Less(t, len(targeted), len(a.Body.Participants.IDs), "exclude should spare a listed participant")
					}
				case "end":
					for _, p := range prev {
						if p.LeftAt == "" {
							targeted[p.ID] = true
						}
					}
				}
				for _, p := range prev {
					after, ok := gotByID[p.ID]
					require.True(t, ok, "participant %s vanished", p.ID)
					if targeted[p.ID] {
						assert.NotEmpty(t, after.LeftAt, "%s left participant %s present", a.Action, p.ID)
					} else {
						assert.Equal(t, p, after, "%s changed participant %s it did not target", a.Action, p.ID)
					}
				}
				if a.Action == "end" {
					assert.False(t, got.Active)
					assert.NotEmpty(t, got.EndedAt)
				} else {
					assert.True(t, got.Active, "%s must not end the session", a.Action)
					assert.Empty(t, got.EndedAt)
				}
				state[a.SessionID] = got.Participants
				sessionState[a.SessionID] = got
			})
		}

		for id, want := range sessionState {
			stored, ok := after.session(id)
			require.True(t, ok)
			assert.Equal(t, want, after.sessionView(stored, true), "the store must end where the last read-back of %s did", id)
			if !stored.Active {
				room, ok := after.room(stored.RoomID)
				require.True(t, ok)
				assert.NotEqual(t, id, room.ActiveSessionID, "room still points at the ended session")
			}
		}
	})

	t.Run("untouched records", func(t *testing.T) {
		touchedSessions := map[string]bool{}
		touchedRooms := map[string]bool{}
		for _, a := range out.Actions {
			touchedSessions[a.SessionID] = true
			if s, ok := before.session(a.SessionID); ok {
				touchedRooms[s.RoomID] = true
			}
		}
		if out.RoomUpdate != nil {
			touchedRooms[out.RoomUpdate.RoomID] = true
		}
		for _, r := range before.rooms {
			if touchedRooms[r.ID] {
				continue
			}
			got, ok := after.room(r.ID)
			if assert.True(t, ok, "room %s vanished", r.ID) {
				assert.Equal(t, roomViewFromStore(r), roomViewFromStore(got))
			}
		}
		for _, s := range before.sessions {
			if touchedSessions[s.ID] {
				continue
			}
			got, ok := after.session(s.ID)
			if assert.True(t, ok, "session %s vanished", s.ID) {
				assert.Equal(t, before.sessionView(s, true), after.sessionView(got, true))
			}
		}
	})

	t.Run("pagination on the wire", func(t *testing.T) {
		// The SDK's auto-pager asks for page[number]=n+1 with the previous query otherwise unchanged, and
		// must stop at meta.total_pages: a room with 5 sessions at size 2 gets exactly 3 requests, and an
		// empty room one.
		require.NotNil(t, out.SessionsByRoom)
		perRoom := map[string][]string{}
		for _, req := range stats.Requests {
			q, err := url.ParseQuery(req.RawQuery)
			require.NoError(t, err, req.RawQuery)
			// Keys a buggy pager sends instead of page[number] (the Go SDK before 2026-01-14 sent "number").
			for _, k := range []string{"number", "size", "page", "page_number", "page[page]"} {
				assert.NotContains(t, q, k, "stray pagination key in %s %s", req.Route, req.RawQuery)
			}
			if req.Route != telnyxsim.RouteListRoomSessions || q.Get("filter[date_created_at][lte]") != out.SessionsByRoom.Filter.DateCreatedAt.Lte {
				continue
			}
			if q.Has("page[number]") {
				assert.Contains(t, req.RawQuery, "page%5Bnumber%5D=", "the SDK percent-encodes brackets")
			}
			assert.Equal(t, out.SessionsByRoom.Filter.DateCreatedAt.Gte, q.Get("filter[date_created_at][gte]"), "filters must ride along every page")
			assert.Equal(t, "true", q.Get("include_participants"))
			assert.Equal(t, strconv.Itoa(out.SessionsByRoom.PageSize), q.Get("page[size]"))
			roomID := strings.TrimSuffix(strings.TrimPrefix(req.Path, "/v2/rooms/"), "/sessions")
			perRoom[roomID] = append(perRoom[roomID], q.Get("page[number]"))
		}
		for _, room := range before.rooms {
			n := len(before.sessionsOf(room.ID))
			want := []string{""}
			for p := 2; p <= pageCount(n, out.SessionsByRoom.PageSize); p++ {
				want = append(want, strconv.Itoa(p))
			}
			assert.Equal(t, want, perRoom[room.ID], "page[number] sequence for room %s (%d sessions)", room.ID, n)
		}

		var list1Pages int
		for _, got := range out.SessionsByRoom.Rooms {
			list1Pages += len(got.Pages)
		}
		for _, got := range []*filteredList{out.SessionsList1DateFilter, out.SessionsList1Active} {
			require.NotNil(t, got)
			list1Pages += len(got.Pages)
		}
		assert.Equal(t, list1Pages, stats.ByRoute[telnyxsim.RouteListRoomSessions], "the simulator saw exactly the list1 pages the SDK reported")
	})

	t.Run("statuses on the wire", func(t *testing.T) {
		seen := map[string][]int{}
		for _, req := range stats.Requests {
			seen[req.Route] = append(seen[req.Route], req.Status)
		}
		for _, tc := range []struct {
			route string
			want  []int
		}{
			{telnyxsim.RouteCreateRoom, []int{201, 201}},
			{telnyxsim.RouteUpdateRoom, []int{200}},
			{telnyxsim.RouteDeleteRoom, []int{204}},
			{telnyxsim.RouteEndSession, []int{200}},
			{telnyxsim.RouteKick, []int{200, 200, 200}},
			{telnyxsim.RouteMute, []int{200, 200}},
			{telnyxsim.RouteUnmute, []int{200, 200}},
			{telnyxsim.RouteGenerateJoinClientToken, []int{201, 201, 422, 404}},
			{telnyxsim.RouteRefreshClientToken, []int{201, 201, 422, 422}},
		} {
			t.Run(tc.route, func(t *testing.T) {
				assert.Equal(t, tc.want, seen[tc.route])
			})
		}
		assert.Contains(t, seen[telnyxsim.RouteListRooms], 401, "the bad-key request")
		assert.Equal(t, stats.Total, len(stats.Requests), "every request recorded")
	})
}

// ---- running the Node side ----

func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not on PATH; CI must provide node 20+ and npm for the SDK contract test", name)
	}
	t.Skipf("%s not on PATH: skipping the Telnyx Node SDK contract test", name)
	return ""
}

func ensureNodeModules(t *testing.T, npmBin string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", "telnyx", "package.json")); err == nil {
		return
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npmBin, "ci", "--no-audit", "--no-fund")
	cmd.Dir = nodeDir
	var combined bytes.Buffer
	cmd.Stdout, cmd.Stderr = &combined, &combined
	require.NoError(t, cmd.Run(), "npm ci in test/contract/telnyx-node:\n%s", combined.String())
}

func runContract(t *testing.T, nodeBin, baseURL string) *contractOutput {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin, "contract.mjs")
	cmd.Dir = nodeDir
	// A minimal environment: inherited TELNYX_* variables (a client id, a log level) would change how the
	// SDK authenticates or what it prints.
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"TELNYX_BASE_URL=" + baseURL,
		"TELNYX_API_KEY=" + contractKey,
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()

	var exitErr *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exitErr) {
		t.Fatalf("node contract.mjs did not run: %v\nstderr:\n%s", runErr, stderr.String())
	}
	var out contractOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("contract.mjs printed no JSON document (%v; exit %v)\nstderr:\n%s\nstdout:\n%.2000s", err, runErr, stderr.String(), stdout.String())
	}
	require.NotContains(t, stdout.String(), contractKey, "the API key leaked into the output")
	if runErr != nil {
		// Keep going: the per-area subtests below say which comparisons the failures broke.
		t.Errorf("contract.mjs exited with %v; failures: %+v\nstderr:\n%s", runErr, out.Failures, stderr.String())
	}
	return &out
}

// ---- the store side ----

type snapshot struct {
	rooms        []telnyxsim.Room
	sessions     []telnyxsim.Session
	participants []telnyxsim.Participant
	bySession    map[string][]telnyxsim.Participant
}

func takeSnapshot(sim *telnyxsim.Sim) snapshot {
	s := snapshot{
		rooms:        sim.Rooms(contractKey),
		sessions:     sim.Sessions(contractKey, ""),
		participants: sim.Participants(contractKey, ""),
		bySession:    map[string][]telnyxsim.Participant{},
	}
	for _, sess := range s.sessions {
		s.bySession[sess.ID] = sim.Participants(contractKey, sess.ID)
	}
	return s
}

func (s snapshot) room(id string) (telnyxsim.Room, bool) {
	i := slices.IndexFunc(s.rooms, func(r telnyxsim.Room) bool { return r.ID == id })
	if i < 0 {
		return telnyxsim.Room{}, false
	}
	return s.rooms[i], true
}

func (s snapshot) session(id string) (telnyxsim.Session, bool) {
	i := slices.IndexFunc(s.sessions, func(x telnyxsim.Session) bool { return x.ID == id })
	if i < 0 {
		return telnyxsim.Session{}, false
	}
	return s.sessions[i], true
}

func (s snapshot) participant(id string) (telnyxsim.Participant, bool) {
	i := slices.IndexFunc(s.participants, func(p telnyxsim.Participant) bool { return p.ID == id })
	if i < 0 {
		return telnyxsim.Participant{}, false
	}
	return s.participants[i], true
}

func (s snapshot) sessionsOf(roomID string) []telnyxsim.Session {
	var out []telnyxsim.Session
	for _, x := range s.sessions {
		if x.RoomID == roomID {
			out = append(out, x)
		}
	}
	return out
}

func (s snapshot) participantsOf(sessionID string) []telnyxsim.Participant {
	return s.bySession[sessionID]
}

// ---- views: one comparable shape for store records and SDK output ----

type roomView struct {
	ID, UniqueName                           string
	MaxParticipants                          int
	EnableRecording                          bool
	WebhookEventURL, WebhookEventFailoverURL string
	WebhookTimeoutSecs                       *int
	ActiveSessionID                          string
	CreatedAt, UpdatedAt, RecordType         string
}

type sessionView struct {
	ID, RoomID                                string
	Active                                    bool
	CreatedAt, UpdatedAt, EndedAt, RecordType string
	Participants                              []participantView
}

type participantView struct {
	ID, SessionID, Context                  string
	JoinedAt, UpdatedAt, LeftAt, RecordType string
}

func stamp(t time.Time) string { return t.UTC().Format(microLayout) }

func stampPtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return stamp(*t)
}

func roomViewFromStore(r telnyxsim.Room) roomView {
	return roomView{
		ID: r.ID, UniqueName: r.UniqueName, MaxParticipants: r.MaxParticipants, EnableRecording: r.EnableRecording,
		WebhookEventURL: r.WebhookEventURL, WebhookEventFailoverURL: r.WebhookEventFailoverURL,
		WebhookTimeoutSecs: r.WebhookTimeoutSecs, ActiveSessionID: r.ActiveSessionID,
		CreatedAt: stamp(r.CreatedAt), UpdatedAt: stamp(r.UpdatedAt), RecordType: "room",
	}
}

func roomViewsFromStore(rs []telnyxsim.Room) []roomView {
	out := make([]roomView, 0, len(rs))
	for _, r := range rs {
		out = append(out, roomViewFromStore(r))
	}
	return out
}

func (s snapshot) sessionView(x telnyxsim.Session, withParticipants bool) sessionView {
	v := sessionView{
		ID: x.ID, RoomID: x.RoomID, Active: x.Active,
		CreatedAt: stamp(x.CreatedAt), UpdatedAt: stamp(x.UpdatedAt), EndedAt: stampPtr(x.EndedAt), RecordType: "room_session",
	}
	if withParticipants {
		v.Participants = participantViewsFromStore(s.participantsOf(x.ID))
	}
	return v
}

func (s snapshot) sessionViews(xs []telnyxsim.Session, withParticipants bool) []sessionView {
	out := make([]sessionView, 0, len(xs))
	for _, x := range xs {
		out = append(out, s.sessionView(x, withParticipants))
	}
	return out
}

func participantViewFromStore(p telnyxsim.Participant) participantView {
	return participantView{
		ID: p.ID, SessionID: p.SessionID, Context: p.Context,
		JoinedAt: stamp(p.JoinedAt), UpdatedAt: stamp(p.UpdatedAt), LeftAt: stampPtr(p.LeftAt), RecordType: "room_participant",
	}
}

func participantViewsFromStore(ps []telnyxsim.Participant) []participantView {
	out := make([]participantView, 0, len(ps))
	for _, p := range ps {
		out = append(out, participantViewFromStore(p))
	}
	return out
}

// ---- what contract.mjs prints ----

type contractOutput struct {
	SDK struct {
		Package string `json:"package"`
		Version string `json:"version"`
	} `json:"sdk"`
	Failures []wireFailure `json:"failures"`

	RoomsList          *collected[wireRoom] `json:"rooms_list"`
	RoomsListItemsIter []string             `json:"rooms_list_items_iter"`
	SessionsByRoom     *struct {
		Filter   wireFilter                        `json:"filter"`
		PageSize int                               `json:"page_size"`
		Rooms    map[string]collected[wireSession] `json:"rooms"`
	} `json:"sessions_by_room"`
	SessionsList0              *collected[wireSession]               `json:"sessions_list0"`
	SessionsList0Iter          []string                              `json:"sessions_list0_iter"`
	SessionsList0ByRoom        *filteredList                         `json:"sessions_list0_by_room"`
	SessionsList1DateFilter    *filteredList                         `json:"sessions_list1_date_filter"`
	SessionsList1Active        *filteredList                         `json:"sessions_list1_active"`
	SessionsList0InactiveDated *filteredList                         `json:"sessions_list0_inactive_dated"`
	SessionRetrieve            []wireSession                         `json:"session_retrieve"`
	SessionParticipants        map[string]collected[wireParticipant] `json:"session_participants"`
	ParticipantsList           *collected[wireParticipant]           `json:"participants_list"`
	ParticipantsListBySession  *struct {
		Filter wireFilter `json:"filter"`
		collected[wireParticipant]
	} `json:"participants_list_by_session"`
	ParticipantRetrieve      *wireParticipant `json:"participant_retrieve"`
	RoomRetrieve             *wireRoom        `json:"room_retrieve"`
	RoomRetrieveWithSessions *wireRoom        `json:"room_retrieve_with_sessions"`

	ErrorRoomNotFound        *wireError `json:"error_room_not_found"`
	ErrorSessionNotFound     *wireError `json:"error_session_not_found"`
	ErrorParticipantNotFound *wireError `json:"error_participant_not_found"`
	ErrorBadKey              *wireError `json:"error_bad_key"`

	RoomCreate *struct {
		Body wireRoomBody `json:"body"`
		Data wireRoom     `json:"data"`
	} `json:"room_create"`
	RoomUpdate *struct {
		RoomID string       `json:"room_id"`
		Body   wireRoomBody `json:"body"`
		Data   wireRoom     `json:"data"`
	} `json:"room_update"`
	RoomDelete *struct {
		Created wireRoom `json:"created"`
		Result  any      `json:"result"`
	} `json:"room_delete"`
	RoomDeleteThenRetrieve  *wireError `json:"room_delete_then_retrieve"`
	RoomRetrieveAfterUpdate *wireRoom  `json:"room_retrieve_after_update"`

	Actions []wireAction `json:"actions"`

	TokenGenerateDefault     *wireTokenStep `json:"token_generate_default"`
	TokenGenerateTTLs        *wireTokenStep `json:"token_generate_ttls"`
	TokenRefreshDefault      *wireTokenStep `json:"token_refresh_default"`
	TokenRefreshTTL          *wireTokenStep `json:"token_refresh_ttl"`
	TokenGenerateBadTTL      *wireError     `json:"token_generate_bad_ttl"`
	TokenGenerateUnknownRoom *wireError     `json:"token_generate_unknown_room"`
	TokenRefreshUnknown      *wireError     `json:"token_refresh_unknown"`
	TokenRefreshOtherRoom    *wireError     `json:"token_refresh_other_room"`
}

type wireTokenStep struct {
	RoomID string `json:"room_id"`
	Data   struct {
		Token                 string `json:"token"`
		TokenExpiresAt        string `json:"token_expires_at"`
		RefreshToken          string `json:"refresh_token"`
		RefreshTokenExpiresAt string `json:"refresh_token_expires_at"`
	} `json:"data"`
}

type wireFailure struct {
	Step    string          `json:"step"`
	Class   string          `json:"class"`
	Status  *int            `json:"status"`
	Message string          `json:"message"`
	Error   json.RawMessage `json:"error"`
}

type wirePage struct {
	PageNumber   *int `json:"page_number"`
	PageSize     *int `json:"page_size"`
	TotalPages   *int `json:"total_pages"`
	TotalResults *int `json:"total_results"`
	Count        int  `json:"count"`
}

type collected[T any] struct {
	Pages []wirePage `json:"pages"`
	Items []T        `json:"items"`
}

type wireDateRange struct {
	Eq  string `json:"eq"`
	Gte string `json:"gte"`
	Lte string `json:"lte"`
}

type wireFilter struct {
	Active        *bool         `json:"active"`
	RoomID        string        `json:"room_id"`
	SessionID     string        `json:"session_id"`
	DateCreatedAt wireDateRange `json:"date_created_at"`
}

type filteredList struct {
	RoomID string     `json:"room_id"`
	Filter wireFilter `json:"filter"`
	collected[wireSession]
}

type wireRoom struct {
	ID                      string        `json:"id"`
	UniqueName              string        `json:"unique_name"`
	MaxParticipants         *int          `json:"max_participants"`
	EnableRecording         *bool         `json:"enable_recording"`
	WebhookEventURL         *string       `json:"webhook_event_url"`
	WebhookEventFailoverURL *string       `json:"webhook_event_failover_url"`
	WebhookTimeoutSecs      *int          `json:"webhook_timeout_secs"`
	ActiveSessionID         *string       `json:"active_session_id"`
	CreatedAt               string        `json:"created_at"`
	UpdatedAt               string        `json:"updated_at"`
	RecordType              string        `json:"record_type"`
	Sessions                []wireSession `json:"sessions"`
}

type wireSession struct {
	ID           string            `json:"id"`
	RoomID       string            `json:"room_id"`
	Active       *bool             `json:"active"`
	CreatedAt    string            `json:"created_at"`
	UpdatedAt    string            `json:"updated_at"`
	EndedAt      *string           `json:"ended_at"`
	RecordType   string            `json:"record_type"`
	Participants []wireParticipant `json:"participants"`
}

type wireParticipant struct {
	ID         string  `json:"id"`
	SessionID  string  `json:"session_id"`
	Context    string  `json:"context"`
	JoinedAt   string  `json:"joined_at"`
	UpdatedAt  string  `json:"updated_at"`
	LeftAt     *string `json:"left_at"`
	RecordType string  `json:"record_type"`
}

type wireRoomBody struct {
	UniqueName              string  `json:"unique_name"`
	MaxParticipants         *int    `json:"max_participants"`
	EnableRecording         *bool   `json:"enable_recording"`
	WebhookEventURL         *string `json:"webhook_event_url"`
	WebhookEventFailoverURL *string `json:"webhook_event_failover_url"`
	WebhookTimeoutSecs      *int    `json:"webhook_timeout_secs"`
}

type wireError struct {
	Threw  bool   `json:"threw"`
	Class  string `json:"class"`
	Status int    `json:"status"`
	Error  *struct {
		Errors []struct {
			Code   string `json:"code"`
			Title  string `json:"title"`
			Source struct {
				Pointer string `json:"pointer"`
			} `json:"source"`
		} `json:"errors"`
	} `json:"error"`
}

// participantSelector is the ActionsParticipantsRequest.participants union: "all" or a list of ids.
// A body without it (nil in wireActionBody) targets everyone, like "all" (docs/upstream.md §7.12).
type participantSelector struct {
	All bool
	IDs []string
}

func (p *participantSelector) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		p.All = s == "all"
		return nil
	}
	return json.Unmarshal(b, &p.IDs)
}

type wireActionBody struct {
	Participants *participantSelector `json:"participants"`
	Exclude      []string             `json:"exclude"`
}

type wireAction struct {
	Action    string         `json:"action"`
	SessionID string         `json:"session_id"`
	Body      wireActionBody `json:"body"`
	Data      struct {
		Result string `json:"result"`
	} `json:"data"`
	After *wireSession `json:"after"`
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// Absent and null are treated alike for optional strings: the contract leaves that choice open
// (docs/upstream.md §7.7).
func roomViewFromWire(r wireRoom) roomView {
	return roomView{
		ID: r.ID, UniqueName: r.UniqueName, MaxParticipants: deref(r.MaxParticipants), EnableRecording: deref(r.EnableRecording),
		WebhookEventURL: deref(r.WebhookEventURL), WebhookEventFailoverURL: deref(r.WebhookEventFailoverURL),
		WebhookTimeoutSecs: r.WebhookTimeoutSecs, ActiveSessionID: deref(r.ActiveSessionID),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, RecordType: r.RecordType,
	}
}

func roomViewsFromWire(rs []wireRoom) []roomView {
	out := make([]roomView, 0, len(rs))
	for _, r := range rs {
		out = append(out, roomViewFromWire(r))
	}
	return out
}

// Embedded participants are compared only when the call asked for them: without include_participants
// the contract allows the array to be absent or empty (docs/upstream.md §7.8).
func sessionViewFromWire(x wireSession, withParticipants bool) sessionView {
	v := sessionView{
		ID: x.ID, RoomID: x.RoomID, Active: deref(x.Active),
		CreatedAt: x.CreatedAt, UpdatedAt: x.UpdatedAt, EndedAt: deref(x.EndedAt), RecordType: x.RecordType,
	}
	if withParticipants {
		v.Participants = participantViewsFromWire(x.Participants)
	}
	return v
}

func sessionViewsFromWire(xs []wireSession, withParticipants bool) []sessionView {
	out := make([]sessionView, 0, len(xs))
	for _, x := range xs {
		out = append(out, sessionViewFromWire(x, withParticipants))
	}
	return out
}

func participantViewFromWire(p wireParticipant) participantView {
	return participantView{
		ID: p.ID, SessionID: p.SessionID, Context: p.Context,
		JoinedAt: p.JoinedAt, UpdatedAt: p.UpdatedAt, LeftAt: deref(p.LeftAt), RecordType: p.RecordType,
	}
}

func participantViewsFromWire(ps []wireParticipant) []participantView {
	out := make([]participantView, 0, len(ps))
	for _, p := range ps {
		out = append(out, participantViewFromWire(p))
	}
	return out
}

// ---- small helpers ----

func ids[T any](xs []T, id func(T) string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func pageCount(n, size int) int { return (n + size - 1) / size }

// assertPages checks the meta of every page the SDK walked: numbered 1..total_pages, full pages but the
// last, and no page fetched past the end. An empty result is one page with total_pages 0.
func assertPages(t *testing.T, pages []wirePage, n, size int) {
	t.Helper()
	total := pageCount(n, size)
	require.Equal(t, max(total, 1), len(pages), "pages walked for %d results at size %d", n, size)
	for i, p := range pages {
		assert.Equal(t, i+1, deref(p.PageNumber), "page_number of page %d", i+1)
		assert.Equal(t, size, deref(p.PageSize), "page_size of page %d", i+1)
		assert.Equal(t, total, deref(p.TotalPages), "total_pages of page %d", i+1)
		assert.Equal(t, n, deref(p.TotalResults), "total_results of page %d", i+1)
		assert.Equal(t, min(size, n-i*size), p.Count, "items on page %d", i+1)
	}
}

func dayStart(t *testing.T, day string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, day)
	require.NoError(t, err)
	return d
}

// actionTargets applies the ActionsParticipantsRequest rules to a session's participants as they were
// before the action: "all" (or no participants field) or the listed ids, minus exclude, and only those
// still present.
func actionTargets(ps []participantView, body wireActionBody) map[string]bool {
	out := map[string]bool{}
	for _, p := range ps {
		if p.LeftAt != "" || slices.Contains(body.Exclude, p.ID) {
			continue
		}
		if sel := body.Participants; sel == nil || sel.All || slices.Contains(sel.IDs, p.ID) {
			out[p.ID] = true
		}
	}
	return out
}
