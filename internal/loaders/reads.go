package loaders

import (
	"context"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// RoomSessions returns a window of a room's sessions (GET /rooms/{room_id}/sessions).
func (l *Loaders) RoomSessions(ctx context.Context, n ListNeed[RoomSessionsList]) (*Page[telnyx.RoomSession], error) {
	page, err := load(ctx, l, KindRoomSessions, l.roomSessions.get(l.buildRoomSessions), n)
	return page, notFound(err, "room", n.List.RoomID)
}

// Sessions returns a window of the account's sessions (GET /room_sessions).
func (l *Loaders) Sessions(ctx context.Context, n ListNeed[SessionsList]) (*Page[telnyx.RoomSession], error) {
	return load(ctx, l, KindSessions, l.sessions.get(l.buildSessions), n)
}

// SessionParticipants returns a window of a session's participants (GET /room_sessions/{id}/participants).
func (l *Loaders) SessionParticipants(ctx context.Context, n ListNeed[SessionParticipantsList]) (*Page[telnyx.RoomParticipant], error) {
	page, err := load(ctx, l, KindSessionParticipants, l.sessionParticipants.get(l.buildSessionParticipants), n)
	return page, notFound(err, "session", n.List.SessionID)
}

// Participants returns a window of the account's participants (GET /room_participants).
func (l *Loaders) Participants(ctx context.Context, n ListNeed[ParticipantsList]) (*Page[telnyx.RoomParticipant], error) {
	return load(ctx, l, KindParticipants, l.participants.get(l.buildParticipants), n)
}

// Rooms returns a window of the account's rooms (GET /rooms).
func (l *Loaders) Rooms(ctx context.Context, n ListNeed[RoomsList]) (*Page[telnyx.Room], error) {
	return load(ctx, l, KindRooms, l.rooms.get(l.buildRooms), n)
}

// Room returns one room (GET /rooms/{id}).
func (l *Loaders) Room(ctx context.Context, id string) (*telnyx.Room, error) {
	if r, ok := l.knownRooms.get(id, false); ok {
		l.servedKnown(ctx, KindRoom)
		return r, nil
	}
	r, err := load(ctx, l, KindRoom, l.room.get(l.buildRoom), entityKey{ID: id})
	return r, notFound(err, "room", id)
}

// Session returns one session (GET /room_sessions/{id}), with its participants when asked.
func (l *Loaders) Session(ctx context.Context, id string, participants bool) (*telnyx.RoomSession, error) {
	if s, ok := l.knownSessions.get(id, participants); ok {
		l.servedKnown(ctx, KindSession)
		return s, nil
	}
	s, err := load(ctx, l, KindSession, l.session.get(l.buildSession), entityKey{ID: id, Embed: participants})
	return s, notFound(err, "session", id)
}

// Participant returns one participant (GET /room_participants/{id}).
func (l *Loaders) Participant(ctx context.Context, id string) (*telnyx.RoomParticipant, error) {
	if p, ok := l.knownParticipants.get(id, false); ok {
		l.servedKnown(ctx, KindParticipant)
		return p, nil
	}
	p, err := load(ctx, l, KindParticipant, l.participant.get(l.buildParticipant), entityKey{ID: id})
	return p, notFound(err, "participant", id)
}

// servedKnown reports a need answered from records a list already returned (it still counts as a need).
func (l *Loaders) servedKnown(ctx context.Context, kind Kind) {
	if l.cfg.Hooks.Need != nil {
		l.cfg.Hooks.Need(ctx, kind)
	}
}
