package loaders

import (
	"context"

	"github.com/roomgraph/roomgraph/telnyx"
)

// RoomSessions returns a window of a room's sessions (GET /rooms/{room_id}/sessions).
func (l *Loaders) RoomSessions(ctx context.Context, n ListNeed[RoomSessionsList]) (*Page[telnyx.RoomSession], error) {
	return l.roomSessions.Load(ctx, n)()
}

// Sessions returns a window of the account's sessions (GET /room_sessions).
func (l *Loaders) Sessions(ctx context.Context, n ListNeed[SessionsList]) (*Page[telnyx.RoomSession], error) {
	return l.sessions.Load(ctx, n)()
}

// SessionParticipants returns a window of a session's participants (GET /room_sessions/{id}/participants).
func (l *Loaders) SessionParticipants(ctx context.Context, n ListNeed[SessionParticipantsList]) (*Page[telnyx.RoomParticipant], error) {
	return l.sessionParticipants.Load(ctx, n)()
}

// Participants returns a window of the account's participants (GET /room_participants).
func (l *Loaders) Participants(ctx context.Context, n ListNeed[ParticipantsList]) (*Page[telnyx.RoomParticipant], error) {
	return l.participants.Load(ctx, n)()
}

// Rooms returns a window of the account's rooms (GET /rooms).
func (l *Loaders) Rooms(ctx context.Context, n ListNeed[RoomsList]) (*Page[telnyx.Room], error) {
	return l.rooms.Load(ctx, n)()
}

// Room returns one room (GET /rooms/{id}).
func (l *Loaders) Room(ctx context.Context, id string) (*telnyx.Room, error) {
	return l.room.Load(ctx, entityKey{ID: id})()
}

// Session returns one session (GET /room_sessions/{id}), with its participants when asked.
func (l *Loaders) Session(ctx context.Context, id string, participants bool) (*telnyx.RoomSession, error) {
	return l.session.Load(ctx, entityKey{ID: id, Embed: participants})()
}

// Participant returns one participant (GET /room_participants/{id}).
func (l *Loaders) Participant(ctx context.Context, id string) (*telnyx.RoomParticipant, error) {
	return l.participant.Load(ctx, entityKey{ID: id})()
}
