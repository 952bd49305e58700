package model

import "time"

// RoomEvent is what Subscription.roomEvents delivers: one of the event types below, each carrying the
// event's own facts (the ids it names, what it says of itself). Linked objects (room, session,
// participant) are references by those ids, fetched only when selected beyond their id.
type RoomEvent interface {
	// Event returns the facts every event has.
	Event() *EventBase
}

// EventBase is what every room event carries.
type EventBase struct {
	ID         string    // Telnyx's data.id
	OccurredAt time.Time // data.occurred_at
	RoomID     string
	SessionID  string // "" when the event names none
}

// Event implements RoomEvent.
func (e *EventBase) Event() *EventBase { return e }

// RoomSessionStarted is video.room.session.started.
type RoomSessionStarted struct{ EventBase }

// RoomSessionEnded is video.room.session.ended.
type RoomSessionEnded struct {
	EventBase
	DurationSecs *int
	Reason       *string
}

// RoomParticipantJoined is video.room.participant.joined.
type RoomParticipantJoined struct {
	EventBase
	ParticipantID string
}

// RoomParticipantLeft is video.room.participant.left.
type RoomParticipantLeft struct {
	EventBase
	ParticipantID string
	DurationSecs  *int
	Reason        *string
}
