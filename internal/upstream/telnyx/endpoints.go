package telnyx

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	// The hot path: decoding pages of sessions with participants. goccy/go-json decodes a 30 KB page
	// several times faster than encoding/json (figures in BENCHMARKS.md).
	fastjson "github.com/goccy/go-json"
)

// ListRoomSessions calls GET /rooms/{room_id}/sessions. p.Filter.RoomID is ignored.
func (c *Client) ListRoomSessions(ctx context.Context, key string, p ListRoomSessionsParams) (*List[RoomSession], error) {
	if err := check(key, p.RoomID, "room id"); err != nil {
		return nil, err
	}
	return fetchList(ctx, c, key, &request{
		method: http.MethodGet,
		route:  RouteListRoomSessions,
		path:   "/rooms/" + url.PathEscape(p.RoomID) + "/sessions",
		query:  sessionQuery(p.Filter, false, p.IncludeParticipants, p.Page),
	}, normalizeSession)
}

// ListSessions calls GET /room_sessions.
func (c *Client) ListSessions(ctx context.Context, key string, p ListSessionsParams) (*List[RoomSession], error) {
	if key == "" {
		return nil, ErrNoCredential
	}
	return fetchList(ctx, c, key, &request{
		method: http.MethodGet,
		route:  RouteListSessions,
		path:   "/room_sessions",
		query:  sessionQuery(p.Filter, true, p.IncludeParticipants, p.Page),
	}, normalizeSession)
}

// GetSession calls GET /room_sessions/{room_session_id}.
func (c *Client) GetSession(ctx context.Context, key, id string, includeParticipants bool) (*RoomSession, error) {
	if err := check(key, id, "session id"); err != nil {
		return nil, err
	}
	var query string
	if includeParticipants {
		query = "include_participants=true"
	}
	return fetchOne(ctx, c, key, &request{
		method: http.MethodGet,
		route:  RouteGetSession,
		path:   "/room_sessions/" + url.PathEscape(id),
		query:  query,
	}, normalizeSession)
}

// ListSessionParticipants calls GET /room_sessions/{room_session_id}/participants.
// p.Filter.SessionID is ignored.
func (c *Client) ListSessionParticipants(ctx context.Context, key string, p ListSessionParticipantsParams) (*List[RoomParticipant], error) {
	if err := check(key, p.SessionID, "session id"); err != nil {
		return nil, err
	}
	return fetchList(ctx, c, key, &request{
		method: http.MethodGet,
		route:  RouteListSessionParticipants,
		path:   "/room_sessions/" + url.PathEscape(p.SessionID) + "/participants",
		query:  participantQuery(p.Filter, false, p.Page),
	}, normalizeParticipant)
}

// ListParticipants calls GET /room_participants.
func (c *Client) ListParticipants(ctx context.Context, key string, p ListParticipantsParams) (*List[RoomParticipant], error) {
	if key == "" {
		return nil, ErrNoCredential
	}
	return fetchList(ctx, c, key, &request{
		method: http.MethodGet,
		route:  RouteListParticipants,
		path:   "/room_participants",
		query:  participantQuery(p.Filter, true, p.Page),
	}, normalizeParticipant)
}

// GetParticipant calls GET /room_participants/{room_participant_id}.
func (c *Client) GetParticipant(ctx context.Context, key, id string) (*RoomParticipant, error) {
	if err := check(key, id, "participant id"); err != nil {
		return nil, err
	}
	return fetchOne(ctx, c, key, &request{
		method: http.MethodGet,
		route:  RouteGetParticipant,
		path:   "/room_participants/" + url.PathEscape(id),
	}, normalizeParticipant)
}

// ListRooms calls GET /rooms.
func (c *Client) ListRooms(ctx context.Context, key string, p ListRoomsParams) (*List[Room], error) {
	if key == "" {
		return nil, ErrNoCredential
	}
	return fetchList(ctx, c, key, &request{
		method: http.MethodGet,
		route:  RouteListRooms,
		path:   "/rooms",
		query:  roomQuery(p.Filter, p.IncludeSessions, p.Page),
	}, normalizeRoom)
}

// GetRoom calls GET /rooms/{room_id}.
func (c *Client) GetRoom(ctx context.Context, key, id string, includeSessions bool) (*Room, error) {
	if err := check(key, id, "room id"); err != nil {
		return nil, err
	}
	var query string
	if includeSessions {
		query = "include_sessions=true"
	}
	return fetchOne(ctx, c, key, &request{
		method: http.MethodGet,
		route:  RouteGetRoom,
		path:   "/rooms/" + url.PathEscape(id),
		query:  query,
	}, normalizeRoom)
}

// CreateRoom calls POST /rooms (201 on success). Nil fields of p are not sent.
func (c *Client) CreateRoom(ctx context.Context, key string, p RoomParams) (*Room, error) {
	if key == "" {
		return nil, ErrNoCredential
	}
	body, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	return fetchOne(ctx, c, key, &request{
		method: http.MethodPost,
		route:  RouteCreateRoom,
		path:   "/rooms",
		body:   body,
	}, normalizeRoom)
}

// UpdateRoom calls PATCH /rooms/{room_id}. Nil fields of p are left unchanged.
func (c *Client) UpdateRoom(ctx context.Context, key, id string, p RoomParams) (*Room, error) {
	if err := check(key, id, "room id"); err != nil {
		return nil, err
	}
	body, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	return fetchOne(ctx, c, key, &request{
		method: http.MethodPatch,
		route:  RouteUpdateRoom,
		path:   "/rooms/" + url.PathEscape(id),
		body:   body,
	}, normalizeRoom)
}

// DeleteRoom calls DELETE /rooms/{room_id} (204 on success). Like the SDKs it
// sends Accept: */* because the success response has no body.
func (c *Client) DeleteRoom(ctx context.Context, key, id string) error {
	if err := check(key, id, "room id"); err != nil {
		return err
	}
	return c.do(ctx, key, &request{
		method: http.MethodDelete,
		route:  RouteDeleteRoom,
		path:   "/rooms/" + url.PathEscape(id),
		accept: "*/*",
	}, nil)
}

// EndSession calls POST /room_sessions/{room_session_id}/actions/end (no body).
func (c *Client) EndSession(ctx context.Context, key, id string) error {
	if err := check(key, id, "session id"); err != nil {
		return err
	}
	return c.do(ctx, key, &request{
		method: http.MethodPost,
		route:  RouteEndSession,
		path:   "/room_sessions/" + url.PathEscape(id) + "/actions/end",
	}, decodeActionResult)
}

// KickParticipants calls POST /room_sessions/{room_session_id}/actions/kick.
func (c *Client) KickParticipants(ctx context.Context, key, sessionID string, a ParticipantsAction) error {
	return c.participantsAction(ctx, key, sessionID, a, RouteKickParticipants, "kick")
}

// MuteParticipants calls POST /room_sessions/{room_session_id}/actions/mute.
func (c *Client) MuteParticipants(ctx context.Context, key, sessionID string, a ParticipantsAction) error {
	return c.participantsAction(ctx, key, sessionID, a, RouteMuteParticipants, "mute")
}

// UnmuteParticipants calls POST /room_sessions/{room_session_id}/actions/unmute.
func (c *Client) UnmuteParticipants(ctx context.Context, key, sessionID string, a ParticipantsAction) error {
	return c.participantsAction(ctx, key, sessionID, a, RouteUnmuteParticipants, "unmute")
}

// wireParticipantsAction is ActionsParticipantsRequest: participants is either
// the string "all" or an array of ids.
type wireParticipantsAction struct {
	Participants any      `json:"participants"`
	Exclude      []string `json:"exclude,omitempty"`
}

func (c *Client) participantsAction(ctx context.Context, key, sessionID string, a ParticipantsAction, route, action string) error {
	if err := check(key, sessionID, "session id"); err != nil {
		return err
	}
	// The spec leaves both fields optional, so an omitted participants member
	// might mean "everyone" upstream. Refusing an empty target keeps a caller's
	// empty list from turning into a kick of the whole session.
	w := wireParticipantsAction{Exclude: a.Exclude}
	switch {
	case a.All && len(a.IDs) > 0:
		return fmt.Errorf("%w: participants action sets both All and IDs", ErrInvalidArgument)
	case a.All:
		w.Participants = "all"
	case len(a.IDs) > 0:
		w.Participants = a.IDs
	default:
		return fmt.Errorf("%w: participants action targets nobody (set All or IDs)", ErrInvalidArgument)
	}
	body, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	return c.do(ctx, key, &request{
		method: http.MethodPost,
		route:  route,
		path:   "/room_sessions/" + url.PathEscape(sessionID) + "/actions/" + action,
		body:   body,
	}, decodeActionResult)
}

func check(key, id, what string) error {
	if key == "" {
		return ErrNoCredential
	}
	if id == "" {
		return fmt.Errorf("%w: empty %s", ErrInvalidArgument, what)
	}
	return nil
}

// decodeActionResult accepts {"data":{"result":...}} or an empty body. The
// result value is not checked: the spec only ever shows "ok", and a 2xx status
// is the contract's success signal.
func decodeActionResult(body []byte) error {
	if len(body) == 0 {
		return nil
	}
	var w struct {
		Data *struct {
			Result string `json:"result"`
		} `json:"data"`
	}
	return json.Unmarshal(body, &w)
}

// listKey and oneKey name what fetchList and fetchOne decode into, so a shared body's decoded value is
// shared only with callers that decode the same type.
type (
	listKey[T any] struct{}
	oneKey[T any]  struct{}
)

// fetchList decodes a list answer. The list may be shared with other callers of a coalesced call: it is
// read-only.
func fetchList[T any](ctx context.Context, c *Client, key string, r *request, normalize func(*T)) (*List[T], error) {
	v, err := c.doValue(ctx, key, r, &decoder{key: listKey[T]{}, fn: func(body []byte) (any, error) {
		out := new(List[T])
		if err := fastjson.Unmarshal(body, out); err != nil {
			return nil, err
		}
		if out.Data == nil {
			return nil, errMissingData
		}
		for i := range out.Data {
			normalize(&out.Data[i])
		}
		return out, nil
	}})
	if err != nil {
		return nil, err
	}
	return v.(*List[T]), nil
}

// fetchOne decodes a single-record answer; like fetchList's, the record may be shared and is read-only.
func fetchOne[T any](ctx context.Context, c *Client, key string, r *request, normalize func(*T)) (*T, error) {
	v, err := c.doValue(ctx, key, r, &decoder{key: oneKey[T]{}, fn: func(body []byte) (any, error) {
		var w struct {
			Data *T `json:"data"`
		}
		if err := fastjson.Unmarshal(body, &w); err != nil {
			return nil, err
		}
		if w.Data == nil {
			return nil, errMissingData
		}
		normalize(w.Data)
		return w.Data, nil
	}})
	if err != nil {
		return nil, err
	}
	return v.(*T), nil
}

// Timestamps arrive with a Z suffix, but an offset would make time.Time keep a
// fabricated zone; callers compare and format in UTC, so normalise once here.

func normalizeRoom(r *Room) {
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	for i := range r.Sessions {
		normalizeSession(&r.Sessions[i])
	}
}

func normalizeSession(s *RoomSession) {
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	s.EndedAt = utcPtr(s.EndedAt)
	for i := range s.Participants {
		normalizeParticipant(&s.Participants[i])
	}
}

func normalizeParticipant(p *RoomParticipant) {
	p.JoinedAt, p.UpdatedAt = p.JoinedAt.UTC(), p.UpdatedAt.UTC()
	p.LeftAt = utcPtr(p.LeftAt)
}

func utcPtr(t *time.Time) *time.Time {
	if t != nil {
		*t = t.UTC()
	}
	return t
}
