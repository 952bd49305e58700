package telnyxsim

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Control endpoints under /_sim/ that make things happen (README "Control endpoints"). They are not API
// routes: no faults, no request accounting, no rate-limit headers; errors use the API's envelope.

const (
	maxControlBody = 64 << 10
	maxContext     = 4096 // bytes of a join's context
)

// joinPrefix and leavePrefix are the paths of POST /_sim/rooms/{room_id}/join and
// POST /_sim/participants/{participant_id}/leave.
const (
	roomsPrefix        = "/_sim/rooms/"
	participantsPrefix = "/_sim/participants/"
)

func (s *Sim) writeControl(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *Sim) controlError(w http.ResponseWriter, e apiError) {
	s.writeControl(w, e.status, appendErrors(nil, e))
}

// controlAccount is the account of the request's bearer key, or nil after answering 401.
func (s *Sim) controlAccount(w http.ResponseWriter, r *http.Request) *account {
	a := s.accounts[bearerKey(r.Header.Get("Authorization"))]
	if a == nil {
		s.controlError(w, errUnauthorized())
	}
	return a
}

// onlyPost answers 405 for any other method.
func (s *Sim) onlyPost(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodPost {
		return true
	}
	s.controlError(w, notAllowed(w, r, http.MethodPost))
	return false
}

// servePublicKey answers GET /_sim/public_key: {"public_key": base64 of the 32-byte Ed25519 key} of the
// bearer's account; without Authorization, the first account's (the only one in most setups); an unknown
// key → 401.
func (s *Sim) servePublicKey(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.controlError(w, notAllowed(w, r, "GET, HEAD"))
		return
	}
	key := s.keys[0]
	if r.Header.Get("Authorization") != "" {
		a := s.controlAccount(w, r)
		if a == nil {
			return
		}
		key = a.key
	}
	body, _ := json.Marshal(map[string]string{"public_key": base64.StdEncoding.EncodeToString(s.PublicKey(key))})
	s.writeControl(w, http.StatusOK, body)
}

// serveJoin answers POST /_sim/rooms/{room_id}/join {"context": "Alice"}: 201 with the new participant.
func (s *Sim) serveJoin(w http.ResponseWriter, r *http.Request, roomID string) {
	if !s.onlyPost(w, r) {
		return
	}
	a := s.controlAccount(w, r)
	if a == nil {
		return
	}
	if !isUUID(roomID) {
		s.controlError(w, errNotFound(""))
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxControlBody))
	if err != nil {
		s.controlError(w, errBadBody("/", "The request body could not be read: "+err.Error()))
		return
	}
	m, bad := decodeObject(raw)
	a.mu.Lock()
	defer a.mu.Unlock()
	room := a.roomByID[roomID]
	if room == nil {
		s.controlError(w, errNotFound(""))
		return
	}
	if bad != nil {
		s.controlError(w, *bad)
		return
	}
	context := ""
	if v, ok := m["context"]; ok && v != nil {
		sv, isStr := v.(string)
		if !isStr || len(sv) > maxContext {
			s.controlError(w, errBadBody("/context", "context must be a string of at most "+strconv.Itoa(maxContext)+" bytes."))
			return
		}
		context = sv
	}
	p, full := s.join(a, room, context)
	if full != nil {
		s.controlError(w, *full)
		return
	}
	body := appendParticipant(singleStart(nil), p)
	s.writeControl(w, http.StatusCreated, append(body, '}'))
}

// serveLeave answers POST /_sim/participants/{participant_id}/leave: 200 with the participant. Leaving twice
// is a 200 no-op. Any body is ignored.
func (s *Sim) serveLeave(w http.ResponseWriter, r *http.Request, participantID string) {
	if !s.onlyPost(w, r) {
		return
	}
	a := s.controlAccount(w, r)
	if a == nil {
		return
	}
	if !isUUID(participantID) {
		s.controlError(w, errNotFound(""))
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.participantByID[participantID]
	if p == nil {
		s.controlError(w, errNotFound(""))
		return
	}
	s.leaveRoom(a, p)
	body := appendParticipant(singleStart(nil), p)
	s.writeControl(w, http.StatusOK, append(body, '}'))
}

// join adds a participant to the room's active session, starting a session when there is none, and emits
// session.started (if so), participant.joined and, in a recording room, recording.started for its audio and
// video. A room with max_participants present answers 422. Called with a.mu held.
func (s *Sim) join(a *account, r *roomRec, context string) (*participantRec, *apiError) {
	now := s.nowMicros()
	x := r.active
	if x != nil && presentCount(x) >= r.maxParticipants {
		e := errBadBody("/", "Room "+r.id+" is full: "+strconv.Itoa(r.maxParticipants)+" participants are present (max_participants).")
		return nil, &e
	}
	if x == nil {
		start := max(now, r.createdAt)
		if len(r.sessions) > 0 {
			// Sessions of a room never overlap, even when the clock lags the generated data.
			last := r.sessions[0]
			start = max(start, last.createdAt, last.endedAt)
		}
		x = &sessionRec{id: newUUID(a.events), room: r, active: true, createdAt: start, updatedAt: start}
		r.sessions = insertSorted(r.sessions, x, sessionBefore)
		a.sessions = insertSorted(a.sessions, x, sessionBefore)
		a.sessionByID[x.id] = x
		r.active = x
		s.emitSessionStarted(a, x)
	}
	at := max(now, x.createdAt)
	p := &participantRec{id: newUUID(a.events), context: context, session: x, joinedAt: at, updatedAt: at}
	if r.enableRecording {
		p.recordings = []recordingRec{{id: newUUID(a.events), typ: "audio"}, {id: newUUID(a.events), typ: "video"}}
	}
	x.participants = insertSorted(x.participants, p, participantBefore)
	a.participants = insertSorted(a.participants, p, participantBefore)
	a.participantByID[p.id] = p
	s.emitJoined(a, p)
	return p, nil
}

// leaveRoom makes a present participant leave (left_reason "left"); when nobody is left in the session, it
// ends at once (ended_reason "stale"). A participant who already left is untouched. Called with a.mu held.
func (s *Sim) leaveRoom(a *account, p *participantRec) {
	if p.hasLeft {
		return
	}
	s.leave(a, p, s.nowMicros(), LeftLeft)
	if x := p.session; x.active && presentCount(x) == 0 {
		s.endSession(a, x, p.leftAt, EndedStale, LeftSessionEnded)
	}
}

func presentCount(x *sessionRec) int {
	n := 0
	for _, p := range x.participants {
		if !p.hasLeft {
			n++
		}
	}
	return n
}

// serveControl serves /_sim/: stats, the public key, join and leave.
func (s *Sim) serveControl(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case path == "/_sim/stats":
		s.serveStats(w, r)
		return
	case path == "/_sim/public_key":
		s.servePublicKey(w, r)
		return
	case strings.HasPrefix(path, roomsPrefix):
		if id, ok := strings.CutSuffix(path[len(roomsPrefix):], "/join"); ok && id != "" && !strings.Contains(id, "/") {
			s.serveJoin(w, r, id)
			return
		}
	case strings.HasPrefix(path, participantsPrefix):
		if id, ok := strings.CutSuffix(path[len(participantsPrefix):], "/leave"); ok && id != "" && !strings.Contains(id, "/") {
			s.serveLeave(w, r, id)
			return
		}
	}
	s.controlError(w, errNotFound("No simulator route matches "+r.Method+" "+path+"."))
}
