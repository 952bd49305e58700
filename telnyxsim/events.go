package telnyxsim

import (
	"encoding/json"
	"strconv"
	"sync"
	"time"
)

// Video event types (../shared/upstream/telnyx-video-webhooks.md §1), the data.event_type of each event the
// simulator emits. Composition events are not modelled (the simulator has no compositions).
const (
	EventSessionStarted     = "video.room.session.started"
	EventSessionEnded       = "video.room.session.ended"
	EventParticipantJoined  = "video.room.participant.joined"
	EventParticipantLeft    = "video.room.participant.left"
	EventRecordingStarted   = "video.room.recording.started"
	EventRecordingCompleted = "video.room.recording.completed"
)

// Reasons the simulator writes into session.ended's ended_reason and participant.left's left_reason. Telnyx
// does not enumerate them; "stale" and "kicked" are the values of its examples, the others are the simulator's.
const (
	EndedStale       = "stale"        // the last present participant left (the session ends at once)
	EndedByAction    = "ended"        // POST /room_sessions/{id}/actions/end
	EndedRoomDeleted = "room_deleted" // DELETE /rooms/{id} ended the active session
	LeftLeft         = "left"         // the participant left (POST /_sim/participants/{id}/leave, or live mode)
	LeftKicked       = "kicked"       // POST /room_sessions/{id}/actions/kick
	LeftSessionEnded = "session_ended"
	LeftRoomDeleted  = "room_deleted"
)

// Event is one video event the simulator emitted, as kept in its event log (Sim.Events) and delivered.
type Event struct {
	Account       string    // the API key of the account whose room changed
	ID            string    // data.id
	Type          string    // data.event_type
	OccurredAt    time.Time // data.occurred_at, microseconds: the instant the store records for the change
	RoomID        string
	SessionID     string
	ParticipantID string          // "" on session events
	Data          json.RawMessage // the envelope's data object, byte for byte as delivered
}

// eventRec is an event on its way out: the data object is encoded once, the envelope and signature per attempt.
type eventRec struct {
	Event
	acct *account
}

// payload builds an event payload with fields in the order of the contract's table.
type payload struct{ b []byte }

func (p *payload) field(name string) {
	if len(p.b) == 0 {
		p.b = append(p.b, '{')
	} else {
		p.b = append(p.b, ',')
	}
	p.b = append(p.b, '"')
	p.b = append(p.b, name...)
	p.b = append(p.b, `":`...)
}

func (p *payload) id(name, v string) *payload  { p.field(name); p.b = appendID(p.b, v); return p }
func (p *payload) str(name, v string) *payload { p.field(name); p.b = appendString(p.b, v); return p }
func (p *payload) num(name string, v int64) *payload {
	p.field(name)
	p.b = strconv.AppendInt(p.b, v, 10)
	return p
}
func (p *payload) float(name string, v float64) *payload {
	p.field(name)
	p.b = strconv.AppendFloat(p.b, v, 'f', 2, 64)
	return p
}

func sessionPayload(x *sessionRec) *payload {
	p := &payload{}
	return p.id("room_id", x.room.id).id("session_id", x.id)
}

func participantPayload(pr *participantRec) *payload {
	return sessionPayload(pr.session).id("participant_id", pr.id).str("context", pr.context)
}

func recordingPayload(pr *participantRec, rc *recordingRec) *payload {
	return sessionPayload(pr.session).id("participant_id", pr.id).id("recording_id", rc.id).str("type", rc.typ)
}

// seconds is a whole number of seconds between two store instants, never negative.
func seconds(from, to int64) int64 { return max(to-from, 0) / secondMicros }

// emit records an event of account a and queues its deliveries. It runs under a.mu, inside the mutation it
// reports, so the event log and the delivery queue see an account's changes in the order the store made them,
// and a REST read made after the mutation's answer already shows what the event says.
func (s *Sim) emit(a *account, typ string, at int64, x *sessionRec, participantID string, p *payload) {
	id := newUUID(a.events)
	data := make([]byte, 0, 128+len(p.b))
	data = append(data, `{"record_type":"event","id":`...)
	data = appendID(data, id)
	data = append(data, `,"event_type":`...)
	data = appendString(data, typ)
	data = append(data, `,"occurred_at":`...)
	data = appendTime(data, at)
	data = append(data, `,"payload":`...)
	data = append(data, p.b...)
	data = append(data, "}}"...)
	ev := &eventRec{acct: a, Event: Event{
		Account: a.key, ID: id, Type: typ, OccurredAt: microsTime(at),
		RoomID: x.room.id, SessionID: x.id, ParticipantID: participantID, Data: data,
	}}
	s.events.add(ev.Event)
	s.hooks.enqueue(ev, x.room)
}

func (s *Sim) emitSessionStarted(a *account, x *sessionRec) {
	s.emit(a, EventSessionStarted, x.createdAt, x, "", sessionPayload(x))
}

func (s *Sim) emitSessionEnded(a *account, x *sessionRec, reason string) {
	p := sessionPayload(x).num("duration_secs", seconds(x.createdAt, x.endedAt)).str("ended_reason", reason)
	s.emit(a, EventSessionEnded, x.endedAt, x, "", p)
}

func (s *Sim) emitJoined(a *account, pr *participantRec) {
	s.emit(a, EventParticipantJoined, pr.joinedAt, pr.session, pr.id, participantPayload(pr))
	for i := range pr.recordings {
		rc := &pr.recordings[i]
		s.emit(a, EventRecordingStarted, pr.joinedAt, pr.session, pr.id, recordingPayload(pr, rc))
	}
}

// Nominal recording bitrates, for size_mb: 128 kbit/s Opus audio, 1 Mbit/s VP8 video.
const (
	audioMBPerSec = 0.016
	videoMBPerSec = 0.125
)

func (s *Sim) emitLeft(a *account, pr *participantRec, reason string) {
	dur := seconds(pr.joinedAt, pr.leftAt)
	p := participantPayload(pr).num("duration_secs", dur).str("left_reason", reason)
	s.emit(a, EventParticipantLeft, pr.leftAt, pr.session, pr.id, p)
	for i := range pr.recordings {
		rc := &pr.recordings[i]
		codec, rate := "opus", audioMBPerSec
		if rc.typ == "video" {
			codec, rate = "vp8", videoMBPerSec
		}
		p := recordingPayload(pr, rc).str("codec", codec).
			str("download_url", "https://recordings.example.com/telnyxsim/"+rc.id+".webm").
			num("duration_secs", dur).float("size_mb", float64(dur)*rate)
		s.emit(a, EventRecordingCompleted, pr.leftAt, pr.session, pr.id, p)
	}
}

// eventLog keeps the last maxEventLog events of the simulator, every account's, in emission order.
type eventLog struct {
	mu  sync.Mutex
	evs []Event
}

const maxEventLog = 10000

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evs, _ = appendCapped(l.evs, e, maxEventLog)
}

// Events returns the last events the simulator emitted for an account (key "" = every account), oldest first;
// at most the last 10000 across accounts are kept. It is what happened, whether or not anything was delivered.
func (s *Sim) Events(key string) []Event {
	s.events.mu.Lock()
	defer s.events.mu.Unlock()
	out := []Event{}
	for _, e := range lastN(s.events.evs, maxEventLog) {
		if key == "" || e.Account == key {
			out = append(out, e)
		}
	}
	return out
}
