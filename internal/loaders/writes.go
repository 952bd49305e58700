package loaders

import (
	"context"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// Writes go straight to the upstream, one call each, never retried, and never batched. Each one then
// forgets every read this operation cached, so what the mutation's payload reads is fetched anew.

// CreateRoom creates a room (POST /rooms).
func (l *Loaders) CreateRoom(ctx context.Context, p telnyx.RoomParams) (*telnyx.Room, error) {
	room, err := l.up.CreateRoom(ctx, l.credential, p)
	return l.wrote(ctx, room, err)
}

// UpdateRoom changes a room (PATCH /rooms/{id}).
func (l *Loaders) UpdateRoom(ctx context.Context, id string, p telnyx.RoomParams) (*telnyx.Room, error) {
	room, err := l.up.UpdateRoom(ctx, l.credential, id, p)
	room, err = l.wrote(ctx, room, err)
	return room, notFound(err, "room", id)
}

// DeleteRoom deletes a room (DELETE /rooms/{id}).
func (l *Loaders) DeleteRoom(ctx context.Context, id string) error {
	_, err := l.wrote(ctx, nil, l.up.DeleteRoom(ctx, l.credential, id))
	return notFound(err, "room", id)
}

// EndSession ends a session (POST /room_sessions/{id}/actions/end).
func (l *Loaders) EndSession(ctx context.Context, id string) error {
	_, err := l.wrote(ctx, nil, l.up.EndSession(ctx, l.credential, id))
	return notFound(err, "session", id)
}

// Action is one of the participant actions.
type Action int

// The participant actions.
const (
	Kick Action = iota
	Mute
	Unmute
)

// ParticipantsAction kicks, mutes or unmutes participants of a session.
func (l *Loaders) ParticipantsAction(ctx context.Context, act Action, sessionID string, a telnyx.ParticipantsAction) error {
	do := l.up.KickParticipants
	switch act {
	case Mute:
		do = l.up.MuteParticipants
	case Unmute:
		do = l.up.UnmuteParticipants
	}
	_, err := l.wrote(ctx, nil, do(ctx, l.credential, sessionID, a))
	return notFound(err, "session", sessionID)
}

// GenerateJoinClientToken issues a join token and a refresh token for a room (POST
// /rooms/{id}/actions/generate_join_client_token). Unlike the other writes it changes no record the
// operation may have read, so the cached reads stay.
func (l *Loaders) GenerateJoinClientToken(ctx context.Context, roomID string, p telnyx.JoinClientTokenParams) (*telnyx.JoinClientToken, error) {
	t, err := l.up.GenerateJoinClientToken(ctx, l.credential, roomID, p)
	if err != nil {
		return nil, upstreamError(err)
	}
	return t, nil
}

// RefreshClientToken issues a new join token for a room from a refresh token (POST
// /rooms/{id}/actions/refresh_client_token). It changes no record either.
func (l *Loaders) RefreshClientToken(ctx context.Context, roomID string, p telnyx.RefreshClientTokenParams) (*telnyx.ClientToken, error) {
	t, err := l.up.RefreshClientToken(ctx, l.credential, roomID, p)
	if err != nil {
		return nil, upstreamError(err)
	}
	return t, nil
}

// wrote forgets every cached read and, after a successful write that returned a room, primes it.
func (l *Loaders) wrote(ctx context.Context, room *telnyx.Room, err error) (*telnyx.Room, error) {
	l.roomSessions.clearAll()
	l.sessions.clearAll()
	l.sessionParticipants.clearAll()
	l.participants.clearAll()
	l.rooms.clearAll()
	l.room.clearAll()
	l.session.clearAll()
	l.participant.clearAll()
	l.activeSessions.clearAll()
	l.activeMemo.reset()
	l.knownRooms.reset()
	l.knownSessions.reset()
	l.knownParticipants.reset()
	if err != nil {
		return nil, upstreamError(err)
	}
	if room != nil {
		l.knownRooms.add([]telnyx.Room{*room}, false)
	}
	return room, nil
}
