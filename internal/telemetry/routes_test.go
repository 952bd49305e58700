package telemetry_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/roomgraph/roomgraph/internal/telemetry"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

func TestRoutesTemplate(t *testing.T) {
	routes := telemetry.NewRoutes("/v2")
	ids := strings.NewReplacer(
		"{room_id}", "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0",
		"{room_session_id}", "5a1e8f3c-0d5f-4c1b-9d0e-2b7f1f1b3c4d",
		"{room_participant_id}", "9f3b2a71-3c5e-4a8e-8d7c-6b5a4f3e2d1c",
	)
	for _, route := range []string{
		telnyx.RouteListSessions, telnyx.RouteListRoomSessions, telnyx.RouteGetSession,
		telnyx.RouteListSessionParticipants, telnyx.RouteListParticipants, telnyx.RouteGetParticipant,
		telnyx.RouteListRooms, telnyx.RouteGetRoom, telnyx.RouteCreateRoom, telnyx.RouteUpdateRoom,
		telnyx.RouteDeleteRoom, telnyx.RouteEndSession, telnyx.RouteKickParticipants,
		telnyx.RouteMuteParticipants, telnyx.RouteUnmuteParticipants,
		telnyx.RouteGenerateJoinClientToken, telnyx.RouteRefreshClientToken,
	} {
		t.Run(route, func(t *testing.T) {
			method, path, _ := strings.Cut(route, " ")
			assert.Equal(t, route, routes.Template(method, "/v2"+ids.Replace(path)))
		})
	}

	others := []struct{ name, method, path string }{
		{"outside the base path", "GET", "/v1/rooms"},
		{"base path only", "GET", "/v2"},
		{"unknown collection", "GET", "/v2/recordings"},
		{"too deep", "GET", "/v2/rooms/r1/sessions/s1/participants"},
		{"wrong method", "PUT", "/v2/rooms/r1"},
		{"unknown action", "POST", "/v2/room_sessions/s1/actions/explode"},
		{"unknown room action", "POST", "/v2/rooms/r1/actions/explode"},
		{"token action by GET", "GET", "/v2/rooms/r1/actions/generate_join_client_token"},
		{"empty segment", "GET", "/v2/rooms//sessions"},
		{"prefix lookalike", "GET", "/v2rooms"},
	}
	for _, tc := range others {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, telemetry.RouteOther, routes.Template(tc.method, tc.path))
		})
	}
	assert.Equal(t, telnyx.RouteListRooms, telemetry.NewRoutes("").Template("GET", "/rooms"), "an API at the root")
}
