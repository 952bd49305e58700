package telnyxsim

import (
	"crypto/ed25519"
	"math/rand/v2"
	"sort"
	"sync"
	"time"
)

// Room is a read-only copy of a stored room, for tests.
type Room struct {
	ID, UniqueName                           string
	MaxParticipants                          int
	EnableRecording                          bool
	WebhookEventURL, WebhookEventFailoverURL string
	WebhookTimeoutSecs                       *int
	ActiveSessionID                          string // "" when none
	CreatedAt, UpdatedAt                     time.Time
}

// Session is a read-only copy of a stored room session, for tests.
type Session struct {
	ID, RoomID           string
	Active               bool
	CreatedAt, UpdatedAt time.Time
	EndedAt              *time.Time
}

// Participant is a read-only copy of a stored room participant, for tests.
type Participant struct {
	ID, SessionID, Context string
	JoinedAt, UpdatedAt    time.Time
	LeftAt                 *time.Time
}

// Times are kept as UTC unix microseconds: the wire format carries exactly microseconds,
// and integer compares keep filtering and sorting cheap.
type roomRec struct {
	id, uniqueName     string
	maxParticipants    int
	enableRecording    bool
	webhookURL         string
	webhookFailoverURL string
	webhookTimeout     int
	hasWebhookTimeout  bool
	active             *sessionRec
	createdAt          int64
	updatedAt          int64
	sessions           []*sessionRec // created_at desc, id asc
}

type sessionRec struct {
	id                   string
	room                 *roomRec
	active               bool
	createdAt, updatedAt int64
	endedAt              int64             // meaningful only when !active
	participants         []*participantRec // joined_at desc, id asc
}

type participantRec struct {
	id, context         string
	session             *sessionRec
	joinedAt, updatedAt int64
	leftAt              int64 // meaningful only when hasLeft
	hasLeft             bool
	recordings          []recordingRec // started at a join through the simulator into a recording room
}

// recordingRec is one recording of a participant's track; the simulator has no recordings API, only events.
type recordingRec struct{ id, typ string }

// account is one API key's world. Every index is kept sorted in the API's order so that a
// page is a slice walk, and per-room / per-session routes never scan the whole account.
type account struct {
	mu              sync.RWMutex
	key             string
	ids             *rand.Rand // ids for rooms created through the API; guarded by mu
	rooms           []*roomRec // created_at desc, id asc
	roomByID        map[string]*roomRec
	roomByName      map[string]*roomRec // non-empty unique names only
	sessions        []*sessionRec
	sessionByID     map[string]*sessionRec
	participants    []*participantRec
	participantByID map[string]*participantRec
	tokens          *rand.Rand            // client tokens (tokens.go); guarded by mu, apart from ids so tokens never shift room ids
	refresh         map[string]refreshRec // refresh tokens issued and not yet swept; guarded by mu
	refreshSweepAt  int                   // sweep expired refresh tokens when the table reaches this size
	events          *rand.Rand            // ids of events and of sessions, participants and recordings made by joins; guarded by mu
	signing         ed25519.PrivateKey    // webhook signing key (webhooks.go)
}

func roomBefore(a, b *roomRec) bool {
	return a.createdAt > b.createdAt || (a.createdAt == b.createdAt && a.id < b.id)
}

func sessionBefore(a, b *sessionRec) bool {
	return a.createdAt > b.createdAt || (a.createdAt == b.createdAt && a.id < b.id)
}

func participantBefore(a, b *participantRec) bool {
	return a.joinedAt > b.joinedAt || (a.joinedAt == b.joinedAt && a.id < b.id)
}

func (a *account) sortAll() {
	sort.Slice(a.rooms, func(i, j int) bool { return roomBefore(a.rooms[i], a.rooms[j]) })
	sort.Slice(a.sessions, func(i, j int) bool { return sessionBefore(a.sessions[i], a.sessions[j]) })
	sort.Slice(a.participants, func(i, j int) bool { return participantBefore(a.participants[i], a.participants[j]) })
	for _, r := range a.rooms {
		ss := r.sessions
		sort.Slice(ss, func(i, j int) bool { return sessionBefore(ss[i], ss[j]) })
	}
	for _, s := range a.sessions {
		ps := s.participants
		sort.Slice(ps, func(i, j int) bool { return participantBefore(ps[i], ps[j]) })
	}
}

// insertRoom keeps a.rooms sorted; created rooms usually land at the front.
func (a *account) insertRoom(r *roomRec) {
	i := sort.Search(len(a.rooms), func(i int) bool { return roomBefore(r, a.rooms[i]) })
	a.rooms = append(a.rooms, nil)
	copy(a.rooms[i+1:], a.rooms[i:])
	a.rooms[i] = r
	a.roomByID[r.id] = r
	if r.uniqueName != "" {
		a.roomByName[r.uniqueName] = r
	}
}

// insertSorted inserts x into xs, kept in the order of before.
func insertSorted[T any](xs []T, x T, before func(a, b T) bool) []T {
	i := sort.Search(len(xs), func(i int) bool { return before(x, xs[i]) })
	xs = append(xs, x)
	copy(xs[i+1:], xs[i:])
	xs[i] = x
	return xs
}

// deleteRoom removes the room with its sessions and participants from every index.
func (a *account) deleteRoom(r *roomRec) {
	delete(a.roomByID, r.id)
	for tok, rec := range a.refresh {
		if rec.room == r {
			delete(a.refresh, tok)
		}
	}
	if r.uniqueName != "" && a.roomByName[r.uniqueName] == r {
		delete(a.roomByName, r.uniqueName)
	}
	a.rooms = removeWhere(a.rooms, func(x *roomRec) bool { return x == r })
	if len(r.sessions) == 0 {
		return
	}
	a.forgetSessions(r.sessions, func(x *sessionRec) bool { return x.room == r })
}

// forgetSessions removes sessions (those drop says, which are exactly these) and their participants from
// the account's indexes and lists. Called with a.mu held.
func (a *account) forgetSessions(sessions []*sessionRec, drop func(*sessionRec) bool) {
	for _, s := range sessions {
		delete(a.sessionByID, s.id)
		for _, p := range s.participants {
			delete(a.participantByID, p.id)
		}
	}
	a.sessions = removeWhere(a.sessions, drop)
	a.participants = removeWhere(a.participants, func(p *participantRec) bool { return drop(p.session) })
}

func removeWhere[T any](xs []T, drop func(T) bool) []T {
	out := xs[:0]
	for _, x := range xs {
		if !drop(x) {
			out = append(out, x)
		}
	}
	var zero T
	for i := len(out); i < len(xs); i++ {
		xs[i] = zero
	}
	return out
}

// appendCapped appends x to a list that keeps its last limit items, trimming in chunks (once it holds twice
// limit) so that appending stays amortised O(1); dropped is how many items the trim removed from the front.
// Readers take the last limit items (lastN).
func appendCapped[T any](xs []T, x T, limit int) (out []T, dropped int) {
	xs = append(xs, x)
	if len(xs) < 2*limit {
		return xs, 0
	}
	n := len(xs) - limit
	copy(xs, xs[n:])
	clear(xs[limit:])
	return xs[:limit], n
}

// lastN is the last n items of xs (all of them when there are fewer).
func lastN[T any](xs []T, n int) []T {
	if len(xs) > n {
		return xs[len(xs)-n:]
	}
	return xs
}

func microsTime(us int64) time.Time { return time.UnixMicro(us).UTC() }

func microsTimePtr(us int64) *time.Time {
	t := microsTime(us)
	return &t
}

func (r *roomRec) export() Room {
	out := Room{
		ID:                      r.id,
		UniqueName:              r.uniqueName,
		MaxParticipants:         r.maxParticipants,
		EnableRecording:         r.enableRecording,
		WebhookEventURL:         r.webhookURL,
		WebhookEventFailoverURL: r.webhookFailoverURL,
		CreatedAt:               microsTime(r.createdAt),
		UpdatedAt:               microsTime(r.updatedAt),
	}
	if r.hasWebhookTimeout {
		v := r.webhookTimeout
		out.WebhookTimeoutSecs = &v
	}
	if r.active != nil {
		out.ActiveSessionID = r.active.id
	}
	return out
}

func (s *sessionRec) export() Session {
	out := Session{
		ID:        s.id,
		RoomID:    s.room.id,
		Active:    s.active,
		CreatedAt: microsTime(s.createdAt),
		UpdatedAt: microsTime(s.updatedAt),
	}
	if !s.active {
		out.EndedAt = microsTimePtr(s.endedAt)
	}
	return out
}

func (p *participantRec) export() Participant {
	out := Participant{
		ID:        p.id,
		SessionID: p.session.id,
		Context:   p.context,
		JoinedAt:  microsTime(p.joinedAt),
		UpdatedAt: microsTime(p.updatedAt),
	}
	if p.hasLeft {
		out.LeftAt = microsTimePtr(p.leftAt)
	}
	return out
}

// Rooms returns copies of the account's rooms in API order (created_at desc, id asc).
// An unknown key gives nil.
func (s *Sim) Rooms(key string) []Room {
	a := s.accounts[key]
	if a == nil {
		return nil
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]Room, 0, len(a.rooms))
	for _, r := range a.rooms {
		out = append(out, r.export())
	}
	return out
}

// Sessions returns copies of a room's sessions (roomID "" = every session of the account) in
// API order (created_at desc, id asc). An unknown key or room gives nil.
func (s *Sim) Sessions(key, roomID string) []Session {
	a := s.accounts[key]
	if a == nil {
		return nil
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	src := a.sessions
	if roomID != "" {
		r := a.roomByID[roomID]
		if r == nil {
			return nil
		}
		src = r.sessions
	}
	out := make([]Session, 0, len(src))
	for _, x := range src {
		out = append(out, x.export())
	}
	return out
}

// Participants returns copies of a session's participants (sessionID "" = every participant of
// the account) in API order (joined_at desc, id asc). An unknown key or session gives nil.
func (s *Sim) Participants(key, sessionID string) []Participant {
	a := s.accounts[key]
	if a == nil {
		return nil
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	src := a.participants
	if sessionID != "" {
		x := a.sessionByID[sessionID]
		if x == nil {
			return nil
		}
		src = x.participants
	}
	out := make([]Participant, 0, len(src))
	for _, p := range src {
		out = append(out, p.export())
	}
	return out
}
