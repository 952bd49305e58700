package telemetry

import (
	"strings"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// RouteOther is the route of a request that matches no telnyx.Route* template.
const RouteOther = "other"

// Routes maps upstream request paths to the telnyx.Route* templates, so that metrics and span names never
// carry an id.
type Routes struct {
	basePath string // the escaped path of the API base URL, e.g. "/v2", without a trailing slash
}

// NewRoutes returns the mapping for an API whose base URL has the escaped path basePath ("/v2").
func NewRoutes(basePath string) Routes {
	return Routes{basePath: strings.TrimSuffix(basePath, "/")}
}

// Template returns the route template of method and escapedPath (as the upstream sees it, base path
// included), or RouteOther.
func (r Routes) Template(method, escapedPath string) string {
	rest, ok := strings.CutPrefix(escapedPath, r.basePath)
	if !ok || !strings.HasPrefix(rest, "/") {
		return RouteOther
	}
	var seg [5]string
	n := 0
	for part := range strings.SplitSeq(strings.TrimSuffix(rest[1:], "/"), "/") {
		if n == len(seg) || part == "" {
			return RouteOther
		}
		seg[n] = part
		n++
	}
	switch seg[0] {
	case "rooms":
		switch {
		case n == 1:
			return pick(method, "GET", telnyx.RouteListRooms, "POST", telnyx.RouteCreateRoom)
		case n == 2:
			switch method {
			case "PATCH":
				return telnyx.RouteUpdateRoom
			case "DELETE":
				return telnyx.RouteDeleteRoom
			}
			return pick(method, "GET", telnyx.RouteGetRoom, "", "")
		case n == 3 && seg[2] == "sessions":
			return pick(method, "GET", telnyx.RouteListRoomSessions, "", "")
		case n == 4 && seg[2] == "actions" && method == "POST":
			switch seg[3] {
			case "generate_join_client_token":
				return telnyx.RouteGenerateJoinClientToken
			case "refresh_client_token":
				return telnyx.RouteRefreshClientToken
			}
		}
	case "room_sessions":
		switch {
		case n == 1:
			return pick(method, "GET", telnyx.RouteListSessions, "", "")
		case n == 2:
			return pick(method, "GET", telnyx.RouteGetSession, "", "")
		case n == 3 && seg[2] == "participants":
			return pick(method, "GET", telnyx.RouteListSessionParticipants, "", "")
		case n == 4 && seg[2] == "actions" && method == "POST":
			switch seg[3] {
			case "end":
				return telnyx.RouteEndSession
			case "kick":
				return telnyx.RouteKickParticipants
			case "mute":
				return telnyx.RouteMuteParticipants
			case "unmute":
				return telnyx.RouteUnmuteParticipants
			}
		}
	case "room_participants":
		switch n {
		case 1:
			return pick(method, "GET", telnyx.RouteListParticipants, "", "")
		case 2:
			return pick(method, "GET", telnyx.RouteGetParticipant, "", "")
		}
	}
	return RouteOther
}

// pick returns the template whose method matches, or RouteOther.
func pick(method, m1, t1, m2, t2 string) string {
	switch {
	case method == m1:
		return t1
	case m2 != "" && method == m2:
		return t2
	}
	return RouteOther
}
