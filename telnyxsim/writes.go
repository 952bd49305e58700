package telnyxsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// decodeObject parses a request body that must be one JSON object. An empty body decodes to
// an empty object. Numbers stay json.Number so that 2.5 is told apart from 2.
func decodeObject(body []byte) (map[string]any, *apiError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		e := errBadBody("/", "The request body is not valid JSON: "+err.Error())
		return nil, &e
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		e := errBadBody("/", "The request body has data after the JSON value.")
		return nil, &e
	}
	m, ok := v.(map[string]any)
	if !ok {
		e := errBadBody("/", "The request body must be a JSON object.")
		return nil, &e
	}
	return m, nil
}

func jsonInt(v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(string(n), 10, 32)
	if err != nil {
		return 0, false
	}
	return int(i), true
}

// validWebhookURL accepts "" (unset) or an absolute URL with a scheme and a host.
func validWebhookURL(s string) bool {
	if s == "" {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && u.Host != ""
}

// roomPatch is a validated create/update body; nil fields were absent.
type roomPatch struct {
	uniqueName      *string
	maxParticipants *int
	enableRecording *bool
	webhookURL      *string
	failoverURL     *string
	timeoutSet      bool
	timeout         *int
}

// parseRoomPatch validates every field (docs/upstream.md §4.1, §7.14) and reports every problem at once.
// null is accepted only for the webhook fields, which older specs marked nullable; it resets
// them to their defaults. Unknown fields are ignored.
func parseRoomPatch(m map[string]any) (roomPatch, []apiError) {
	var p roomPatch
	var errs []apiError
	if v, ok := m["unique_name"]; ok {
		if sv, isStr := v.(string); isStr {
			p.uniqueName = &sv
		} else {
			errs = append(errs, errBadBody("/unique_name", "unique_name must be a string."))
		}
	}
	if v, ok := m["max_participants"]; ok {
		if n, isInt := jsonInt(v); isInt && n >= 2 && n <= 50 {
			p.maxParticipants = &n
		} else {
			errs = append(errs, errBadBody("/max_participants", "max_participants must be an integer between 2 and 50."))
		}
	}
	if v, ok := m["enable_recording"]; ok {
		if bv, isBool := v.(bool); isBool {
			p.enableRecording = &bv
		} else {
			errs = append(errs, errBadBody("/enable_recording", "enable_recording must be a boolean."))
		}
	}
	urlField := func(name string, dst **string) {
		v, ok := m[name]
		if !ok {
			return
		}
		if v == nil {
			empty := ""
			*dst = &empty
			return
		}
		sv, isStr := v.(string)
		if !isStr || !validWebhookURL(sv) {
			errs = append(errs, errBadBody("/"+name, name+" must be an absolute URI including a scheme, e.g. https://example.com/webhooks."))
			return
		}
		*dst = &sv
	}
	urlField("webhook_event_url", &p.webhookURL)
	urlField("webhook_event_failover_url", &p.failoverURL)
	if v, ok := m["webhook_timeout_secs"]; ok {
		if v == nil {
			p.timeoutSet = true
		} else if n, isInt := jsonInt(v); isInt && n >= 0 && n <= 30 {
			p.timeoutSet, p.timeout = true, &n
		} else {
			errs = append(errs, errBadBody("/webhook_timeout_secs", "webhook_timeout_secs must be an integer between 0 and 30, or null."))
		}
	}
	return p, errs
}

func (p *roomPatch) apply(r *roomRec) {
	if p.uniqueName != nil {
		r.uniqueName = *p.uniqueName
	}
	if p.maxParticipants != nil {
		r.maxParticipants = *p.maxParticipants
	}
	if p.enableRecording != nil {
		r.enableRecording = *p.enableRecording
	}
	if p.webhookURL != nil {
		r.webhookURL = *p.webhookURL
	}
	if p.failoverURL != nil {
		r.webhookFailoverURL = *p.failoverURL
	}
	if p.timeoutSet {
		r.hasWebhookTimeout = p.timeout != nil
		r.webhookTimeout = 0
		if p.timeout != nil {
			r.webhookTimeout = *p.timeout
		}
	}
}

// nameTaken reports a clash of unique_name with another room of the account (case-sensitive;
// "" is never unique-checked).
func (a *account) nameTaken(p *roomPatch, self *roomRec) *apiError {
	if p.uniqueName == nil || *p.uniqueName == "" {
		return nil
	}
	if other := a.roomByName[*p.uniqueName]; other != nil && other != self {
		e := errBadBody("/unique_name", "A room with unique_name "+strconv.Quote(*p.uniqueName)+" already exists in this account.")
		return &e
	}
	return nil
}

func (s *Sim) createRoom(a *account, body, b []byte) (int, []byte) {
	m, err := decodeObject(body)
	if err != nil {
		return failp(b, err)
	}
	p, errs := parseRoomPatch(m)
	if len(errs) > 0 {
		return errorStatus(errs), appendErrors(b, errs...)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.nameTaken(&p, nil); err != nil {
		return failp(b, err)
	}
	now := s.nowMicros()
	r := &roomRec{id: newUUID(a.ids), maxParticipants: 10, createdAt: now, updatedAt: now}
	p.apply(r)
	a.insertRoom(r)
	_, b = singleEnd(appendRoom(singleStart(b), r, false))
	return http.StatusCreated, b
}

func (s *Sim) updateRoom(a *account, id string, body, b []byte) (int, []byte) {
	if !isUUID(id) {
		return fail(b, errNotFound(""))
	}
	m, decodeErr := decodeObject(body)
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.roomByID[id]
	if r == nil {
		return fail(b, errNotFound(""))
	}
	if decodeErr != nil {
		return failp(b, decodeErr)
	}
	p, errs := parseRoomPatch(m)
	if len(errs) > 0 {
		return errorStatus(errs), appendErrors(b, errs...)
	}
	if err := a.nameTaken(&p, r); err != nil {
		return failp(b, err)
	}
	if r.uniqueName != "" && a.roomByName[r.uniqueName] == r {
		delete(a.roomByName, r.uniqueName)
	}
	p.apply(r)
	if r.uniqueName != "" {
		a.roomByName[r.uniqueName] = r
	}
	r.updatedAt = max(s.nowMicros(), r.createdAt)
	return singleEnd(appendRoom(singleStart(b), r, false))
}

// deleteRoom kicks the room's participants and ends its session first (docs/upstream.md §4.2); the
// room, its sessions and their participants then disappear from every route.
func (s *Sim) deleteRoom(a *account, id string, b []byte) (int, []byte) {
	if !isUUID(id) {
		return fail(b, errNotFound(""))
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.roomByID[id]
	if r == nil {
		return fail(b, errNotFound(""))
	}
	if r.active != nil {
		s.endSession(a, r.active, s.nowMicros(), EndedRoomDeleted, LeftRoomDeleted)
	}
	a.deleteRoom(r)
	return http.StatusNoContent, b
}

// endSession applies the [rec] side effects of actions/end, and emits participant.left (leftReason) for
// everyone still present, then session.ended (endedReason). Ending an ended session changes nothing and emits
// nothing. Timestamps never precede the session's own (the clock may lag the generated data). Called with a.mu
// held.
func (s *Sim) endSession(a *account, x *sessionRec, now int64, endedReason, leftReason string) {
	if !x.active {
		return
	}
	now = max(now, x.createdAt)
	for _, p := range x.participants {
		if !p.hasLeft {
			s.leave(a, p, now, leftReason)
		}
	}
	x.active = false
	x.endedAt = now
	x.updatedAt = max(now, x.updatedAt)
	if x.room.active == x {
		x.room.active = nil
	}
	s.emitSessionEnded(a, x, endedReason)
}

// leave marks a present participant as gone and emits participant.left (and recording.completed for its
// recordings). It never ends the session: the caller decides. Called with a.mu held.
func (s *Sim) leave(a *account, p *participantRec, now int64, reason string) {
	now = max(now, p.joinedAt)
	p.hasLeft = true
	p.leftAt = now
	p.updatedAt = max(now, p.updatedAt)
	s.emitLeft(a, p, reason)
}

// accountOfSession finds the owner of a session for unauthenticated actions (RelaxActionAuth).
func (s *Sim) accountOfSession(id string) *account {
	for _, k := range s.keys {
		a := s.accounts[k]
		a.mu.RLock()
		_, ok := a.sessionByID[id]
		a.mu.RUnlock()
		if ok {
			return a
		}
	}
	return nil
}

func (s *Sim) sessionAction(a *account, route, id string, body, b []byte) (int, []byte) {
	if !isUUID(id) {
		return fail(b, errNotFound(""))
	}
	if a == nil {
		if a = s.accountOfSession(id); a == nil {
			return fail(b, errNotFound(""))
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	x := a.sessionByID[id]
	if x == nil {
		return fail(b, errNotFound(""))
	}
	now := s.nowMicros()
	if route == RouteEndSession {
		s.endSession(a, x, now, EndedByAction, LeftSessionEnded)
		return actionOK(b)
	}
	targets, errs := a.parseParticipantsRequest(body, x)
	if len(errs) > 0 {
		return errorStatus(errs), appendErrors(b, errs...)
	}
	if route == RouteKick {
		for _, p := range targets {
			if !p.hasLeft {
				s.leave(a, p, now, LeftKicked)
			}
		}
	}
	// mute/unmute: no participant field records audio state, so nothing visible changes.
	return actionOK(b)
}

func actionOK(b []byte) (int, []byte) {
	return http.StatusOK, append(b, `{"data":{"result":"ok"}}`...)
}

// parseParticipantsRequest validates an ActionsParticipantsRequest against the session. The body
// is required (422 10004 without one), but both of its fields are optional, as in the contract:
// participants left out (or null) targets everyone, like "all", less any exclude. Every id must
// name a participant of this session (422 10015), so that client bugs surface.
func (a *account) parseParticipantsRequest(body []byte, x *sessionRec) ([]*participantRec, []apiError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, []apiError{errMissing("/", "This action requires a JSON body with a participants field.")}
	}
	m, err := decodeObject(body)
	if err != nil {
		return nil, []apiError{*err}
	}
	var errs []apiError
	ids := func(field string, v any) map[*participantRec]bool {
		arr, ok := v.([]any)
		if !ok {
			errs = append(errs, errBadBody("/"+field, field+` must be "all" or an array of participant ids.`))
			return nil
		}
		set := make(map[*participantRec]bool, len(arr))
		for i, item := range arr {
			ptr := "/" + field + "/" + strconv.Itoa(i)
			sv, isStr := item.(string)
			if !isStr {
				errs = append(errs, errBadBody(ptr, "A participant id must be a string."))
				continue
			}
			p := a.participantByID[sv]
			if p == nil || p.session != x {
				errs = append(errs, errBadBody(ptr, "Participant "+strconv.Quote(sv)+" is not a participant of room session "+x.id+"."))
				continue
			}
			set[p] = true
		}
		return set
	}
	var selected map[*participantRec]bool
	all := false
	switch v, ok := m["participants"]; {
	case !ok || v == nil, v == "all":
		// Absent participants means everyone (docs/upstream.md §7.12): the schema makes it optional
		// beside an optional exclude, and {"exclude":[…]} only means something against "all".
		all = true
	default:
		selected = ids("participants", v)
	}
	var excluded map[*participantRec]bool
	if v, ok := m["exclude"]; ok && v != nil {
		excluded = ids("exclude", v)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	var out []*participantRec
	for _, p := range x.participants {
		if (all || selected[p]) && !excluded[p] {
			out = append(out, p)
		}
	}
	return out, nil
}
