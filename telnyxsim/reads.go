package telnyxsim

import (
	"net/http"
	"net/url"
)

func dates(fs ...dateField) [numDateFields]bool {
	var out [numDateFields]bool
	for _, f := range fs {
		out[f] = true
	}
	return out
}

func fail(b []byte, e apiError) (int, []byte) { return e.status, appendErrors(b, e) }

func failp(b []byte, e *apiError) (int, []byte) { return fail(b, *e) }

func singleStart(b []byte) []byte { return append(b, `{"data":`...) }

func singleEnd(b []byte) (int, []byte) { return http.StatusOK, append(b, '}') }

func (s *Sim) listRooms(a *account, q url.Values, b []byte) (int, []byte) {
	lq, err := parseList(q, listSpec{dates: dates(fCreated, fUpdated), name: true, include: qIncludeSessions})
	if err != nil {
		return failp(b, err)
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	var match func(*roomRec) bool
	if lq.hasFilter {
		match = lq.matchRoom
	}
	include := lq.include
	return http.StatusOK, appendPage(b, a.rooms, lq.number, lq.size, match,
		func(b []byte, r *roomRec) []byte { return appendRoom(b, r, include) })
}

func (s *Sim) getRoom(a *account, id string, q url.Values, b []byte) (int, []byte) {
	if !isUUID(id) {
		return fail(b, errNotFound(""))
	}
	include, _, err := parseBool(q, qIncludeSessions)
	if err != nil {
		return failp(b, err)
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	r := a.roomByID[id]
	if r == nil {
		return fail(b, errNotFound(""))
	}
	return singleEnd(appendRoom(singleStart(b), r, include))
}

func sessionSpec(withRoomID bool) listSpec {
	return listSpec{dates: dates(fCreated, fUpdated, fEnded), active: true, roomID: withRoomID, include: qIncludeParticipants}
}

func participantSpec(withSessionID bool) listSpec {
	return listSpec{dates: dates(fJoined, fUpdated, fLeft), context: true, sessionID: withSessionID}
}

func pageSessions(b []byte, src []*sessionRec, lq *listQuery) []byte {
	var match func(*sessionRec) bool
	if lq.hasFilter {
		match = lq.matchSession
	}
	include := lq.include
	return appendPage(b, src, lq.number, lq.size, match,
		func(b []byte, x *sessionRec) []byte { return appendSession(b, x, include) })
}

func pageParticipants(b []byte, src []*participantRec, lq *listQuery) []byte {
	var match func(*participantRec) bool
	if lq.hasFilter {
		match = lq.matchParticipant
	}
	return appendPage(b, src, lq.number, lq.size, match, appendParticipant)
}

func (s *Sim) listSessions(a *account, q url.Values, b []byte) (int, []byte) {
	lq, err := parseList(q, sessionSpec(true))
	if err != nil {
		return failp(b, err)
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	src := a.sessions
	if lq.roomID.set {
		// Use the room's index; an unknown room id is a filter that matches nothing.
		src = nil
		if r := a.roomByID[lq.roomID.v]; r != nil {
			src = r.sessions
		}
	}
	return http.StatusOK, pageSessions(b, src, &lq)
}

// listRoomSessions answers 404 for an unknown room (docs/upstream.md §7.1, the strict reading).
func (s *Sim) listRoomSessions(a *account, id string, q url.Values, b []byte) (int, []byte) {
	if !isUUID(id) {
		return fail(b, errNotFound(""))
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	r := a.roomByID[id]
	if r == nil {
		return fail(b, errNotFound(""))
	}
	lq, err := parseList(q, sessionSpec(false))
	if err != nil {
		return failp(b, err)
	}
	return http.StatusOK, pageSessions(b, r.sessions, &lq)
}

func (s *Sim) getSession(a *account, id string, q url.Values, b []byte) (int, []byte) {
	if !isUUID(id) {
		return fail(b, errNotFound(""))
	}
	include, _, err := parseBool(q, qIncludeParticipants)
	if err != nil {
		return failp(b, err)
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	x := a.sessionByID[id]
	if x == nil {
		return fail(b, errNotFound(""))
	}
	return singleEnd(appendSession(singleStart(b), x, include))
}

func (s *Sim) listSessionParticipants(a *account, id string, q url.Values, b []byte) (int, []byte) {
	if !isUUID(id) {
		return fail(b, errNotFound(""))
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	x := a.sessionByID[id]
	if x == nil {
		return fail(b, errNotFound(""))
	}
	lq, err := parseList(q, participantSpec(false))
	if err != nil {
		return failp(b, err)
	}
	return http.StatusOK, pageParticipants(b, x.participants, &lq)
}

func (s *Sim) listParticipants(a *account, q url.Values, b []byte) (int, []byte) {
	lq, err := parseList(q, participantSpec(true))
	if err != nil {
		return failp(b, err)
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	src := a.participants
	if lq.sessionID.set {
		src = nil
		if x := a.sessionByID[lq.sessionID.v]; x != nil {
			src = x.participants
		}
	}
	return http.StatusOK, pageParticipants(b, src, &lq)
}

func (s *Sim) getParticipant(a *account, id string, b []byte) (int, []byte) {
	if !isUUID(id) {
		return fail(b, errNotFound(""))
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	p := a.participantByID[id]
	if p == nil {
		return fail(b, errNotFound(""))
	}
	return singleEnd(appendParticipant(singleStart(b), p))
}
