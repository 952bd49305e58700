package model

import (
	"fmt"
	"io"
	"strconv"
	"time"
)

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

// RoomRecordingStarted is video.room.recording.started: one participant's track began recording.
type RoomRecordingStarted struct {
	EventBase
	ParticipantID string
	RecordingID   string
	TrackType     *RecordingTrackType // nil when the event names no track, or one not in the enum
}

// RoomRecordingCompleted is video.room.recording.completed: the recording's file is ready.
type RoomRecordingCompleted struct {
	EventBase
	ParticipantID string
	RecordingID   string
	TrackType     *RecordingTrackType
	Codec         *string
	DownloadURL   *string
	DurationSecs  *int
	SizeMB        *float64
}

// RecordingTrackType is the schema's enum RecordingTrackType: which track a recording holds.
type RecordingTrackType string

// Its values, as the schema spells them.
const (
	RecordingTrackAudio RecordingTrackType = "AUDIO"
	RecordingTrackVideo RecordingTrackType = "VIDEO"
)

// TrackType is the enum value of a Telnyx recording `type` ("audio", "video"); nil for any other.
func TrackType(upstream string) *RecordingTrackType {
	var t RecordingTrackType
	switch upstream {
	case "audio":
		t = RecordingTrackAudio
	case "video":
		t = RecordingTrackVideo
	default:
		return nil
	}
	return &t
}

// MarshalGQL writes the value as a GraphQL enum value (a JSON string).
func (t RecordingTrackType) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(t)))
}

// UnmarshalGQL reads an enum value (the type is output only; this completes gqlgen's interface).
func (t *RecordingTrackType) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok || s != string(RecordingTrackAudio) && s != string(RecordingTrackVideo) {
		return fmt.Errorf("%v is not a valid RecordingTrackType", v)
	}
	*t = RecordingTrackType(s)
	return nil
}
