// Package live carries verified Telnyx video events from the webhook door (internal/edge/webhook) to the
// GraphQL subscriptions: it parses an event's envelope into an Event and fans each event out, by room id,
// to that room's subscribers, each with a buffer of bounded length.
//
// It makes no upstream call and knows nothing of HTTP or GraphQL: whoever publishes has verified the
// signature; whoever subscribes has checked that its caller may read the room.
package live

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The video event types Telnyx has published (../shared/upstream/telnyx-video-webhooks.md §1). Any other
// event_type parses too: its Event has Known() false.
const (
	SessionStarted       = "video.room.session.started"
	SessionEnded         = "video.room.session.ended"
	ParticipantJoined    = "video.room.participant.joined"
	ParticipantLeft      = "video.room.participant.left"
	RecordingStarted     = "video.room.recording.started"
	RecordingCompleted   = "video.room.recording.completed"
	CompositionCompleted = "video.room.composition.completed"
)

// Event is one Telnyx video event: the envelope's data, its payload flattened. Every payload field is
// optional upstream; absent ones are zero.
type Event struct {
	ID         string    // data.id: the event's uuid, what deduplication keys on
	Type       string    // data.event_type
	OccurredAt time.Time // data.occurred_at (payloads carry no time of their own)

	RoomID        string
	SessionID     string
	ParticipantID string
	Context       string   // participant events: what the client SDK passed at join
	DurationSecs  *int     // session.ended, participant.left, recording.completed
	Reason        string   // ended_reason or left_reason
	RecordingID   string   // recording events: the recording's uuid
	RecordingType string   // recording events: its track, "audio" or "video"
	Codec         string   // recording.completed: the file's codec (opus, vp8, …)
	DownloadURL   string   // recording.completed: where the file is
	SizeMB        *float64 // recording.completed: the file's size in megabytes

	Attempt int // meta.attempt (0 when meta is absent)
}

// Known reports whether the event's type is one Telnyx has published.
func (e Event) Known() bool {
	switch e.Type {
	case SessionStarted, SessionEnded, ParticipantJoined, ParticipantLeft,
		RecordingStarted, RecordingCompleted, CompositionCompleted:
		return true
	}
	return false
}

// ErrMalformed is returned by Parse for a body that is not a Telnyx event envelope.
var ErrMalformed = errors.New("live: not a Telnyx event envelope")

type envelope struct {
	Data *struct {
		RecordType string          `json:"record_type"`
		ID         string          `json:"id"`
		EventType  string          `json:"event_type"`
		OccurredAt string          `json:"occurred_at"`
		Payload    json.RawMessage `json:"payload"`
	} `json:"data"`
	Meta *struct {
		Attempt int `json:"attempt"`
	} `json:"meta"`
}

type payload struct {
	RoomID        string   `json:"room_id"`
	SessionID     string   `json:"session_id"`
	ParticipantID string   `json:"participant_id"`
	Context       string   `json:"context"`
	DurationSecs  *int     `json:"duration_secs"`
	EndedReason   string   `json:"ended_reason"`
	LeftReason    string   `json:"left_reason"`
	RecordingID   string   `json:"recording_id"`
	Type          string   `json:"type"`
	Codec         string   `json:"codec"`
	DownloadURL   string   `json:"download_url"`
	SizeMB        *float64 `json:"size_mb"`
}

// Parse reads a verified webhook body. It needs data.id, data.event_type and a data.occurred_at it can
// read (RFC 3339, or with a space for the T, as one of Telnyx's examples writes it); the payload's fields
// are all optional, as upstream.
func Parse(body []byte) (Event, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	d := env.Data
	switch {
	case d == nil:
		return Event{}, fmt.Errorf("%w: no data", ErrMalformed)
	case d.ID == "":
		return Event{}, fmt.Errorf("%w: no data.id", ErrMalformed)
	case d.EventType == "":
		return Event{}, fmt.Errorf("%w: no data.event_type", ErrMalformed)
	case d.RecordType != "" && d.RecordType != "event":
		return Event{}, fmt.Errorf("%w: data.record_type %q", ErrMalformed, d.RecordType)
	}
	at, err := parseTime(d.OccurredAt)
	if err != nil {
		return Event{}, fmt.Errorf("%w: data.occurred_at: %v", ErrMalformed, err)
	}
	e := Event{ID: d.ID, Type: d.EventType, OccurredAt: at}
	if env.Meta != nil {
		e.Attempt = env.Meta.Attempt
	}
	if len(d.Payload) > 0 && string(d.Payload) != "null" {
		var p payload
		if err := json.Unmarshal(d.Payload, &p); err != nil {
			return Event{}, fmt.Errorf("%w: data.payload: %v", ErrMalformed, err)
		}
		e.RoomID, e.SessionID, e.ParticipantID = p.RoomID, p.SessionID, p.ParticipantID
		e.Context, e.DurationSecs, e.RecordingID, e.RecordingType = p.Context, p.DurationSecs, p.RecordingID, p.Type
		e.Codec, e.DownloadURL, e.SizeMB = p.Codec, p.DownloadURL, p.SizeMB
		e.Reason = p.EndedReason
		if e.Reason == "" {
			e.Reason = p.LeftReason
		}
	}
	return e, nil
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("missing")
	}
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	return time.Parse(time.RFC3339Nano, s)
}
