package telnyx_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

const actionOK = `{"data":{"result":"ok"}}`

func TestRequestShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		respond     string
		call        func(context.Context, *telnyx.Client) error
		wantMethod  string
		wantPath    string
		wantRoute   string
		wantAccept  string
		wantBody    string // JSON; "" means no body and no Content-Type
		wantQuery   string
		wantCallKey string
	}{
		{
			name: "list room sessions", status: http.StatusOK, respond: emptyList,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.ListRoomSessions(ctx, testKey, telnyx.ListRoomSessionsParams{RoomID: "r1"})
				return err
			},
			wantMethod: "GET", wantPath: "/v2/rooms/r1/sessions", wantRoute: telnyx.RouteListRoomSessions,
			wantAccept: "application/json",
		},
		{
			name: "list sessions", status: http.StatusOK, respond: emptyList,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.ListSessions(ctx, testKey, telnyx.ListSessionsParams{})
				return err
			},
			wantMethod: "GET", wantPath: "/v2/room_sessions", wantRoute: telnyx.RouteListSessions,
			wantAccept: "application/json",
		},
		{
			name: "get session", status: http.StatusOK, respond: singleBody,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.GetSession(ctx, testKey, "s1", false)
				return err
			},
			wantMethod: "GET", wantPath: "/v2/room_sessions/s1", wantRoute: telnyx.RouteGetSession,
			wantAccept: "application/json",
		},
		{
			name: "list session participants", status: http.StatusOK, respond: emptyList,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.ListSessionParticipants(ctx, testKey, telnyx.ListSessionParticipantsParams{SessionID: "s1"})
				return err
			},
			wantMethod: "GET", wantPath: "/v2/room_sessions/s1/participants", wantRoute: telnyx.RouteListSessionParticipants,
			wantAccept: "application/json",
		},
		{
			name: "list participants", status: http.StatusOK, respond: emptyList,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.ListParticipants(ctx, testKey, telnyx.ListParticipantsParams{})
				return err
			},
			wantMethod: "GET", wantPath: "/v2/room_participants", wantRoute: telnyx.RouteListParticipants,
			wantAccept: "application/json",
		},
		{
			name: "get participant", status: http.StatusOK, respond: singleBody,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.GetParticipant(ctx, testKey, "p1")
				return err
			},
			wantMethod: "GET", wantPath: "/v2/room_participants/p1", wantRoute: telnyx.RouteGetParticipant,
			wantAccept: "application/json",
		},
		{
			name: "list rooms", status: http.StatusOK, respond: emptyList,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.ListRooms(ctx, testKey, telnyx.ListRoomsParams{})
				return err
			},
			wantMethod: "GET", wantPath: "/v2/rooms", wantRoute: telnyx.RouteListRooms,
			wantAccept: "application/json",
		},
		{
			name: "get room", status: http.StatusOK, respond: singleBody,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.GetRoom(ctx, testKey, "r1", false)
				return err
			},
			wantMethod: "GET", wantPath: "/v2/rooms/r1", wantRoute: telnyx.RouteGetRoom,
			wantAccept: "application/json",
		},
		{
			name: "create room, every field", status: http.StatusCreated, respond: singleBody,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.CreateRoom(ctx, testKey, telnyx.RoomParams{
					UniqueName: ptr("my room"), MaxParticipants: ptr(10), EnableRecording: ptr(false),
					WebhookEventURL: ptr("https://example.com/h"), WebhookEventFailoverURL: ptr(""),
					WebhookTimeoutSecs: ptr(0),
				})
				return err
			},
			wantMethod: "POST", wantPath: "/v2/rooms", wantRoute: telnyx.RouteCreateRoom,
			wantAccept: "application/json",
			wantBody: `{"unique_name":"my room","max_participants":10,"enable_recording":false,` +
				`"webhook_event_url":"https://example.com/h","webhook_event_failover_url":"","webhook_timeout_secs":0}`,
		},
		{
			name: "create room, defaults", status: http.StatusCreated, respond: singleBody,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.CreateRoom(ctx, testKey, telnyx.RoomParams{})
				return err
			},
			wantMethod: "POST", wantPath: "/v2/rooms", wantRoute: telnyx.RouteCreateRoom,
			wantAccept: "application/json", wantBody: `{}`,
		},
		{
			name: "update room", status: http.StatusOK, respond: singleBody,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.UpdateRoom(ctx, testKey, "r1", telnyx.RoomParams{EnableRecording: ptr(true)})
				return err
			},
			wantMethod: "PATCH", wantPath: "/v2/rooms/r1", wantRoute: telnyx.RouteUpdateRoom,
			wantAccept: "application/json", wantBody: `{"enable_recording":true}`,
		},
		{
			name: "delete room", status: http.StatusNoContent, respond: "",
			call: func(ctx context.Context, c *telnyx.Client) error {
				return c.DeleteRoom(ctx, testKey, "r1")
			},
			wantMethod: "DELETE", wantPath: "/v2/rooms/r1", wantRoute: telnyx.RouteDeleteRoom,
			wantAccept: "*/*",
		},
		{
			name: "end session", status: http.StatusOK, respond: actionOK,
			call: func(ctx context.Context, c *telnyx.Client) error {
				return c.EndSession(ctx, testKey, "s1")
			},
			wantMethod: "POST", wantPath: "/v2/room_sessions/s1/actions/end", wantRoute: telnyx.RouteEndSession,
			wantAccept: "application/json",
		},
		{
			name: "kick all", status: http.StatusOK, respond: actionOK,
			call: func(ctx context.Context, c *telnyx.Client) error {
				return c.KickParticipants(ctx, testKey, "s1", telnyx.ParticipantsAction{All: true})
			},
			wantMethod: "POST", wantPath: "/v2/room_sessions/s1/actions/kick", wantRoute: telnyx.RouteKickParticipants,
			wantAccept: "application/json", wantBody: `{"participants":"all"}`,
		},
		{
			name: "kick all but one", status: http.StatusOK, respond: actionOK,
			call: func(ctx context.Context, c *telnyx.Client) error {
				return c.KickParticipants(ctx, testKey, "s1", telnyx.ParticipantsAction{All: true, Exclude: []string{"p9"}})
			},
			wantMethod: "POST", wantPath: "/v2/room_sessions/s1/actions/kick", wantRoute: telnyx.RouteKickParticipants,
			wantAccept: "application/json", wantBody: `{"participants":"all","exclude":["p9"]}`,
		},
		{
			name: "mute ids", status: http.StatusOK, respond: actionOK,
			call: func(ctx context.Context, c *telnyx.Client) error {
				return c.MuteParticipants(ctx, testKey, "s1", telnyx.ParticipantsAction{IDs: []string{"p1", "p2"}})
			},
			wantMethod: "POST", wantPath: "/v2/room_sessions/s1/actions/mute", wantRoute: telnyx.RouteMuteParticipants,
			wantAccept: "application/json", wantBody: `{"participants":["p1","p2"]}`,
		},
		{
			name: "unmute ids, empty action body tolerated", status: http.StatusOK, respond: "",
			call: func(ctx context.Context, c *telnyx.Client) error {
				return c.UnmuteParticipants(ctx, testKey, "s1", telnyx.ParticipantsAction{IDs: []string{"p1"}, Exclude: []string{"p2"}})
			},
			wantMethod: "POST", wantPath: "/v2/room_sessions/s1/actions/unmute", wantRoute: telnyx.RouteUnmuteParticipants,
			wantAccept: "application/json", wantBody: `{"participants":["p1"],"exclude":["p2"]}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, replyJSON(tc.status, tc.respond))
			var calls []telnyx.Call
			c := f.client(t, &calls)

			require.NoError(t, tc.call(context.Background(), c))

			got := f.only(t)
			assert.Equal(t, tc.wantMethod, got.Method)
			assert.Equal(t, tc.wantPath, got.Path)
			assert.Equal(t, "Bearer "+testKey, got.Header.Get("Authorization"))
			assert.Equal(t, tc.wantAccept, got.Header.Get("Accept"))
			assert.Equal(t, telnyx.DefaultUserAgent, got.Header.Get("User-Agent"))
			if tc.wantBody == "" {
				assert.Empty(t, got.Body)
				assert.Empty(t, got.Header.Get("Content-Type"))
			} else {
				assert.JSONEq(t, tc.wantBody, string(got.Body))
				assert.Equal(t, tc.wantBody, string(got.Body), "field order and omission are stable")
				assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
			}

			require.Len(t, calls, 1, "Observe runs once per attempt")
			call := calls[0]
			assert.Equal(t, tc.wantMethod, call.Method)
			assert.Equal(t, tc.wantRoute, call.Route)
			assert.Equal(t, tc.wantPath[len("/v2"):], call.Path)
			assert.Equal(t, tc.status, call.Status)
			assert.NoError(t, call.Err)
			assert.GreaterOrEqual(t, call.Duration, time.Duration(0))
			assert.NotContains(t, fmt.Sprintf("%#v", call), testKey, "a Call never carries the key")
		})
	}
}

func TestCustomUserAgent(t *testing.T) {
	t.Parallel()
	f := newFake(t, replyJSON(http.StatusOK, emptyList))
	c, err := telnyx.New(telnyx.Options{BaseURL: f.srv.URL + "/v2/", UserAgent: "gw/1.0"})
	require.NoError(t, err)
	_, err = c.ListRooms(context.Background(), testKey, telnyx.ListRoomsParams{})
	require.NoError(t, err)
	got := f.only(t)
	assert.Equal(t, "gw/1.0", got.Header.Get("User-Agent"))
	assert.Equal(t, "/v2/rooms", got.Path, "a trailing slash on BaseURL is not doubled")
}

func TestNoCallWithoutKeyOrID(t *testing.T) {
	t.Parallel()
	f := newFake(t, replyJSON(http.StatusOK, emptyList))
	var calls []telnyx.Call
	c := f.client(t, &calls)
	ctx := context.Background()
	all := telnyx.ParticipantsAction{All: true}

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"list room sessions/no key", func() error {
			_, err := c.ListRoomSessions(ctx, "", telnyx.ListRoomSessionsParams{RoomID: "r1"})
			return err
		}, telnyx.ErrNoCredential},
		{"list sessions/no key", func() error { _, err := c.ListSessions(ctx, "", telnyx.ListSessionsParams{}); return err }, telnyx.ErrNoCredential},
		{"get session/no key", func() error { _, err := c.GetSession(ctx, "", "s1", false); return err }, telnyx.ErrNoCredential},
		{"list session participants/no key", func() error {
			_, err := c.ListSessionParticipants(ctx, "", telnyx.ListSessionParticipantsParams{SessionID: "s1"})
			return err
		}, telnyx.ErrNoCredential},
		{"list participants/no key", func() error {
			_, err := c.ListParticipants(ctx, "", telnyx.ListParticipantsParams{})
			return err
		}, telnyx.ErrNoCredential},
		{"get participant/no key", func() error { _, err := c.GetParticipant(ctx, "", "p1"); return err }, telnyx.ErrNoCredential},
		{"list rooms/no key", func() error { _, err := c.ListRooms(ctx, "", telnyx.ListRoomsParams{}); return err }, telnyx.ErrNoCredential},
		{"get room/no key", func() error { _, err := c.GetRoom(ctx, "", "r1", false); return err }, telnyx.ErrNoCredential},
		{"create room/no key", func() error { _, err := c.CreateRoom(ctx, "", telnyx.RoomParams{}); return err }, telnyx.ErrNoCredential},
		{"update room/no key", func() error { _, err := c.UpdateRoom(ctx, "", "r1", telnyx.RoomParams{}); return err }, telnyx.ErrNoCredential},
		{"delete room/no key", func() error { return c.DeleteRoom(ctx, "", "r1") }, telnyx.ErrNoCredential},
		{"end session/no key", func() error { return c.EndSession(ctx, "", "s1") }, telnyx.ErrNoCredential},
		{"kick/no key", func() error { return c.KickParticipants(ctx, "", "s1", all) }, telnyx.ErrNoCredential},
		{"mute/no key", func() error { return c.MuteParticipants(ctx, "", "s1", all) }, telnyx.ErrNoCredential},
		{"unmute/no key", func() error { return c.UnmuteParticipants(ctx, "", "s1", all) }, telnyx.ErrNoCredential},
		{"list room sessions/no id", func() error {
			_, err := c.ListRoomSessions(ctx, testKey, telnyx.ListRoomSessionsParams{})
			return err
		}, telnyx.ErrInvalidArgument},
		{"get session/no id", func() error { _, err := c.GetSession(ctx, testKey, "", true); return err }, telnyx.ErrInvalidArgument},
		{"list session participants/no id", func() error {
			_, err := c.ListSessionParticipants(ctx, testKey, telnyx.ListSessionParticipantsParams{})
			return err
		}, telnyx.ErrInvalidArgument},
		{"get participant/no id", func() error { _, err := c.GetParticipant(ctx, testKey, ""); return err }, telnyx.ErrInvalidArgument},
		{"get room/no id", func() error { _, err := c.GetRoom(ctx, testKey, "", false); return err }, telnyx.ErrInvalidArgument},
		{"update room/no id", func() error { _, err := c.UpdateRoom(ctx, testKey, "", telnyx.RoomParams{}); return err }, telnyx.ErrInvalidArgument},
		{"delete room/no id", func() error { return c.DeleteRoom(ctx, testKey, "") }, telnyx.ErrInvalidArgument},
		{"end session/no id", func() error { return c.EndSession(ctx, testKey, "") }, telnyx.ErrInvalidArgument},
		{"kick/no id", func() error { return c.KickParticipants(ctx, testKey, "", all) }, telnyx.ErrInvalidArgument},
		{"kick/nobody targeted", func() error { return c.KickParticipants(ctx, testKey, "s1", telnyx.ParticipantsAction{}) }, telnyx.ErrInvalidArgument},
		{"kick/only exclude", func() error {
			return c.KickParticipants(ctx, testKey, "s1", telnyx.ParticipantsAction{Exclude: []string{"p1"}})
		}, telnyx.ErrInvalidArgument},
		{"mute/all and ids", func() error {
			return c.MuteParticipants(ctx, testKey, "s1", telnyx.ParticipantsAction{All: true, IDs: []string{"p1"}})
		}, telnyx.ErrInvalidArgument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.ErrorIs(t, err, tc.want)
			var apiErr *telnyx.Error
			assert.False(t, errors.As(err, &apiErr), "local validation is not an upstream error")
		})
	}
	assert.Empty(t, f.requests(), "no HTTP call is made")
	assert.Empty(t, calls, "Observe is not called without an attempt")
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	t.Parallel()
	for _, base := range []string{
		"api.telnyx.com/v2", "/v2", "ftp://api.telnyx.com/v2", "https://", "https://api.telnyx.com/v2?x=1",
		"https://user:pass@api.telnyx.com/v2", "https://api.telnyx.com/v2#frag", "http://[::1",
	} {
		t.Run(base, func(t *testing.T) {
			_, err := telnyx.New(telnyx.Options{BaseURL: base})
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "pass")
		})
	}
	c, err := telnyx.New(telnyx.Options{})
	require.NoError(t, err)
	require.NotNil(t, c)
}

func TestNewTransport(t *testing.T) {
	t.Parallel()
	tr := telnyx.NewTransport()
	assert.Equal(t, 64, tr.MaxIdleConnsPerHost)
	assert.Equal(t, 0, tr.MaxConnsPerHost)
	assert.Equal(t, 90*time.Second, tr.IdleConnTimeout)
	assert.True(t, tr.ForceAttemptHTTP2)
	assert.NotNil(t, tr.DialContext)
	assert.Positive(t, tr.TLSHandshakeTimeout)
	assert.Zero(t, tr.ResponseHeaderTimeout, "per-call context deadlines bound the wait instead")
}
