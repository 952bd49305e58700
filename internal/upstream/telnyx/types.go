package telnyx

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/roomgraph/roomgraph/internal/model/nodeid"
)

// Date is a calendar date (YYYY-MM-DD) as used by every date filter of the API.
// The filters take dates, not timestamps, so a dedicated type keeps callers from
// sending a time of day or a local offset. The zero Date means "unset". Date is
// comparable so it can sit inside loader keys.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

var errBadDate = errors.New("telnyx: date must be a real calendar date in YYYY-MM-DD form")

// ParseDate parses a strict YYYY-MM-DD date. It rejects other layouts, signs,
// surrounding space, years before 0001, and dates that do not exist (2023-02-29).
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, errBadDate
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(time.Month(m), y) {
		return Date{}, errBadDate
	}
	return Date{Year: y, Month: time.Month(m), Day: d}, nil
}

// DateOf returns the UTC calendar date of t, the reading the upstream applies
// when it compares a date filter with a timestamp.
func DateOf(t time.Time) Date {
	y, m, d := t.UTC().Date()
	return Date{Year: y, Month: m, Day: d}
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// String formats d as YYYY-MM-DD (the zero Date prints as 0000-00-00).
func (d Date) String() string {
	var b [10]byte
	y := d.Year
	if y < 0 || y > 9999 {
		y = 0
	}
	b[0] = byte('0' + y/1000)
	b[1] = byte('0' + y/100%10)
	b[2] = byte('0' + y/10%10)
	b[3] = byte('0' + y%10)
	b[4] = '-'
	m, day := int(d.Month), d.Day
	if m < 0 || m > 99 {
		m = 0
	}
	if day < 0 || day > 99 {
		day = 0
	}
	b[5] = byte('0' + m/10)
	b[6] = byte('0' + m%10)
	b[7] = '-'
	b[8] = byte('0' + day/10)
	b[9] = byte('0' + day%10)
	return string(b[:])
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == Date{} }

// DateFilter bounds a timestamp field by calendar date; each bound is omitted
// from the query when zero. Comparable.
type DateFilter struct {
	Eq, Gte, Lte Date
}

// IsZero reports whether no bound is set.
func (f DateFilter) IsZero() bool { return f == DateFilter{} }

// OptionalBool is a tri-state boolean: a filter that is unset is different from
// one that is false. Comparable.
type OptionalBool uint8

// The values of OptionalBool.
const (
	Unset OptionalBool = iota
	True
	False
)

// BoolOf returns True or False.
func BoolOf(b bool) OptionalBool {
	if b {
		return True
	}
	return False
}

// Get returns the boolean value and whether it is set.
func (b OptionalBool) Get() (value, ok bool) {
	return b == True, b == True || b == False
}

// String returns "true", "false" or "unset".
func (b OptionalBool) String() string {
	switch b {
	case True:
		return "true"
	case False:
		return "false"
	default:
		return "unset"
	}
}

// Page selects a page of a list endpoint. A zero field omits its parameter so
// the server default applies (page 1, size 20). Values are sent as given; the
// upstream validates the ranges (number >= 1, size 1..250).
type Page struct {
	Number, Size int
}

// SessionFilter holds the filter[...] parameters of the session list endpoints.
type SessionFilter struct {
	DateCreatedAt, DateUpdatedAt, DateEndedAt DateFilter
	Active                                    OptionalBool
	// RoomID is only sent by ListSessions (GET /room_sessions); ListRoomSessions
	// takes the room from its path and ignores this field.
	RoomID string
}

// ParticipantFilter holds the filter[...] parameters of the participant list endpoints.
type ParticipantFilter struct {
	DateJoinedAt, DateUpdatedAt, DateLeftAt DateFilter
	Context                                 string
	// SessionID is only sent by ListParticipants (GET /room_participants);
	// ListSessionParticipants takes the session from its path and ignores it.
	SessionID string
}

// RoomFilter holds the filter[...] parameters of GET /rooms.
type RoomFilter struct {
	DateCreatedAt, DateUpdatedAt DateFilter
	UniqueName                   string
}

// ListRoomSessionsParams are the inputs of GET /rooms/{room_id}/sessions.
type ListRoomSessionsParams struct {
	RoomID              string
	Filter              SessionFilter
	IncludeParticipants bool
	Page                Page
}

// ListSessionsParams are the inputs of GET /room_sessions.
type ListSessionsParams struct {
	Filter              SessionFilter
	IncludeParticipants bool
	Page                Page
}

// ListSessionParticipantsParams are the inputs of GET /room_sessions/{id}/participants.
type ListSessionParticipantsParams struct {
	SessionID string
	Filter    ParticipantFilter
	Page      Page
}

// ListParticipantsParams are the inputs of GET /room_participants.
type ListParticipantsParams struct {
	Filter ParticipantFilter
	Page   Page
}

// ListRoomsParams are the inputs of GET /rooms.
type ListRoomsParams struct {
	Filter          RoomFilter
	IncludeSessions bool
	Page            Page
}

// Room is a video room. Timestamps are in UTC.
type Room struct {
	ID                      string `json:"id"`
	UniqueName              string `json:"unique_name"`
	MaxParticipants         int    `json:"max_participants"`
	EnableRecording         bool   `json:"enable_recording"`
	WebhookEventURL         string `json:"webhook_event_url"`
	WebhookEventFailoverURL string `json:"webhook_event_failover_url"`
	// WebhookTimeoutSecs is nil when the upstream sends null or leaves it out.
	WebhookTimeoutSecs *int `json:"webhook_timeout_secs"`
	// ActiveSessionID is "" when the room has no active session (null or absent).
	ActiveSessionID string `json:"active_session_id"`
	// Sessions is filled only when the request asked for include_sessions.
	Sessions   []RoomSession `json:"sessions"`
	CreatedAt  time.Time     `json:"created_at"`
	UpdatedAt  time.Time     `json:"updated_at"`
	RecordType string        `json:"record_type"`
}

// RoomSession is one session of a room. Timestamps are in UTC.
type RoomSession struct {
	ID        string    `json:"id"`
	RoomID    string    `json:"room_id"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// EndedAt is nil while the session is active (null or absent upstream).
	EndedAt *time.Time `json:"ended_at"`
	// Participants is filled only when the request asked for include_participants.
	Participants []RoomParticipant `json:"participants"`
	RecordType   string            `json:"record_type"`
}

// GlobalID is the session's Relay global id, its GraphQL `id` (docs/relay.md). The graph binds this wire
// type itself (gqlgen.yml), so the method sits here: a page of sessions reaches the response uncopied.
func (s *RoomSession) GlobalID() string { return nodeid.Encode(nodeid.RoomSession, s.ID) }

// RoomParticipant is one participant of a session. Timestamps are in UTC.
type RoomParticipant struct {
	ID        string    `json:"id"`
	SessionID string    `json:"session_id"`
	Context   string    `json:"context"`
	JoinedAt  time.Time `json:"joined_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// LeftAt is nil while the participant is present (null or absent upstream).
	LeftAt     *time.Time `json:"left_at"`
	RecordType string     `json:"record_type"`
}

// GlobalID is the participant's Relay global id, its GraphQL `id` (docs/relay.md).
func (p *RoomParticipant) GlobalID() string { return nodeid.Encode(nodeid.RoomParticipant, p.ID) }

// Meta is the pagination block of a list response.
type Meta struct {
	PageNumber   int `json:"page_number"`
	PageSize     int `json:"page_size"`
	TotalPages   int `json:"total_pages"`
	TotalResults int `json:"total_results"`
}

// List is one page of a list endpoint.
type List[T any] struct {
	Data []T  `json:"data"`
	Meta Meta `json:"meta"`
}

// RoomParams is the body of CreateRoom and UpdateRoom. A nil field is not sent,
// so the server default (create) or the current value (update) applies.
type RoomParams struct {
	UniqueName              *string `json:"unique_name,omitempty"`
	MaxParticipants         *int    `json:"max_participants,omitempty"`
	EnableRecording         *bool   `json:"enable_recording,omitempty"`
	WebhookEventURL         *string `json:"webhook_event_url,omitempty"`
	WebhookEventFailoverURL *string `json:"webhook_event_failover_url,omitempty"`
	WebhookTimeoutSecs      *int    `json:"webhook_timeout_secs,omitempty"`
	// Clear names the settings an update resets: each is sent as JSON null, which
	// the contract accepts for the three webhook fields only (docs/upstream.md).
	Clear RoomClear `json:"-"`
}

// RoomClear selects the nullable room settings an update resets to their default.
// A field set here must be nil in RoomParams.
type RoomClear struct {
	WebhookEventURL, WebhookEventFailoverURL, WebhookTimeoutSecs bool
}

// MarshalJSON writes the set fields, then null for each cleared one.
func (p RoomParams) MarshalJSON() ([]byte, error) {
	type plain RoomParams
	b, err := json.Marshal(plain(p))
	if err != nil || p.Clear == (RoomClear{}) {
		return b, err
	}
	b = b[:len(b)-1] // the closing brace
	for _, f := range []struct {
		name    string
		cleared bool
	}{
		{"webhook_event_url", p.Clear.WebhookEventURL},
		{"webhook_event_failover_url", p.Clear.WebhookEventFailoverURL},
		{"webhook_timeout_secs", p.Clear.WebhookTimeoutSecs},
	} {
		if !f.cleared {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, f.name...)
		b = append(b, `":null`...)
	}
	return append(b, '}'), nil
}

// ParticipantsAction selects the participants of a kick, mute or unmute: either
// All or a non-empty IDs list (exactly one of them), minus Exclude.
type ParticipantsAction struct {
	All     bool
	IDs     []string
	Exclude []string
}
