package telnyxsim

import (
	"math"
	"net/url"
	"strconv"
	"time"
)

// dateField names a timestamp that a filter[date_*] family applies to.
type dateField int

const (
	fCreated dateField = iota
	fUpdated
	fEnded
	fJoined
	fLeft
	numDateFields
)

// dateKeys returns the decoded query keys of a field's eq, gte and lte filters.
func dateKeys(f dateField) [3]string {
	switch f {
	case fCreated:
		return [3]string{"filter[date_created_at][eq]", "filter[date_created_at][gte]", "filter[date_created_at][lte]"}
	case fUpdated:
		return [3]string{"filter[date_updated_at][eq]", "filter[date_updated_at][gte]", "filter[date_updated_at][lte]"}
	case fEnded:
		return [3]string{"filter[date_ended_at][eq]", "filter[date_ended_at][gte]", "filter[date_ended_at][lte]"}
	case fJoined:
		return [3]string{"filter[date_joined_at][eq]", "filter[date_joined_at][gte]", "filter[date_joined_at][lte]"}
	default:
		return [3]string{"filter[date_left_at][eq]", "filter[date_left_at][gte]", "filter[date_left_at][lte]"}
	}
}

// Query keys (decoded).
const (
	qPageNumber          = "page[number]"
	qPageSize            = "page[size]"
	qActive              = "filter[active]"
	qRoomID              = "filter[room_id]"
	qSessionID           = "filter[session_id]"
	qContext             = "filter[context]"
	qUniqueName          = "filter[unique_name]"
	qIncludeParticipants = "include_participants"
	qIncludeSessions     = "include_sessions"
)

const (
	defaultPageSize = 20
	maxPageSize     = 250
	dayMicros       = int64(24 * time.Hour / time.Microsecond)
)

// timeRange is a half-open interval [lo, hi) of UTC microseconds; every date filter on a field
// narrows it (docs/upstream.md §3.3: eq = [d, d+1), gte = [d, ∞), lte = (-∞, d+1)).
type timeRange struct {
	set    bool
	lo, hi int64
}

func (tr *timeRange) narrow(lo, hi int64) {
	if !tr.set {
		*tr = timeRange{set: true, lo: lo, hi: hi}
		return
	}
	tr.lo = max(tr.lo, lo)
	tr.hi = min(tr.hi, hi)
}

func (tr *timeRange) match(us int64) bool { return !tr.set || (us >= tr.lo && us < tr.hi) }

// matchOptional is for ended_at / left_at: a missing timestamp never matches a filter on it.
func (tr *timeRange) matchOptional(us int64, present bool) bool {
	return !tr.set || (present && us >= tr.lo && us < tr.hi)
}

type strFilter struct {
	set bool
	v   string
}

// listSpec says which query keys a list route understands; other keys are ignored (docs/upstream.md §7.2).
type listSpec struct {
	dates     [numDateFields]bool
	active    bool
	roomID    bool
	sessionID bool
	context   bool
	name      bool
	include   string // the include_* flag this route takes, or ""
}

type listQuery struct {
	number, size                     int
	dates                            [numDateFields]timeRange
	activeSet, active                bool
	roomID, sessionID, context, name strFilter
	include                          bool
	hasFilter                        bool
}

func firstValue(q url.Values, key string) (string, bool) {
	vs, ok := q[key]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// parseBool accepts only the literals the SDKs send.
func parseBool(q url.Values, key string) (val, set bool, err *apiError) {
	v, ok := firstValue(q, key)
	if !ok {
		return false, false, nil
	}
	switch v {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	e := errBadParam(key, "The value "+strconv.Quote(v)+" is not a boolean; use true or false.")
	return false, false, &e
}

// parseDate accepts exactly YYYY-MM-DD (the SDKs never send timestamps here, docs/upstream.md §7.3).
func parseDate(key, v string) (int64, *apiError) {
	t, err := time.ParseInLocation(time.DateOnly, v, time.UTC)
	if err != nil {
		e := errBadParam(key, "The value "+strconv.Quote(v)+" is not a date in the format YYYY-MM-DD.")
		return 0, &e
	}
	return t.UnixMicro(), nil
}

func parseList(q url.Values, spec listSpec) (listQuery, *apiError) {
	lq := listQuery{number: 1, size: defaultPageSize}
	if v, ok := firstValue(q, qPageNumber); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			e := errBadPage(qPageNumber, "page[number] must be an integer greater than or equal to 1, got "+strconv.Quote(v)+".")
			return lq, &e
		}
		lq.number = n
	}
	if v, ok := firstValue(q, qPageSize); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			e := errBadPage(qPageSize, "page[size] must be an integer between 1 and 250, got "+strconv.Quote(v)+".")
			return lq, &e
		}
		lq.size = n
	}
	for f := range numDateFields {
		if !spec.dates[f] {
			continue
		}
		keys := dateKeys(f)
		for op, key := range keys {
			v, ok := firstValue(q, key)
			if !ok {
				continue
			}
			d, err := parseDate(key, v)
			if err != nil {
				return lq, err
			}
			switch op {
			case 0:
				lq.dates[f].narrow(d, d+dayMicros)
			case 1:
				lq.dates[f].narrow(d, math.MaxInt64)
			case 2:
				lq.dates[f].narrow(math.MinInt64, d+dayMicros)
			}
			lq.hasFilter = true
		}
	}
	if spec.active {
		v, set, err := parseBool(q, qActive)
		if err != nil {
			return lq, err
		}
		lq.active, lq.activeSet = v, set
		lq.hasFilter = lq.hasFilter || set
	}
	str := func(enabled bool, key string, dst *strFilter) {
		if !enabled {
			return
		}
		if v, ok := firstValue(q, key); ok {
			*dst = strFilter{set: true, v: v}
			lq.hasFilter = true
		}
	}
	str(spec.roomID, qRoomID, &lq.roomID)
	str(spec.sessionID, qSessionID, &lq.sessionID)
	str(spec.context, qContext, &lq.context)
	str(spec.name, qUniqueName, &lq.name)
	if spec.include != "" {
		v, _, err := parseBool(q, spec.include)
		if err != nil {
			return lq, err
		}
		lq.include = v
	}
	return lq, nil
}

func (lq *listQuery) matchRoom(r *roomRec) bool {
	return lq.dates[fCreated].match(r.createdAt) &&
		lq.dates[fUpdated].match(r.updatedAt) &&
		(!lq.name.set || r.uniqueName == lq.name.v)
}

func (lq *listQuery) matchSession(s *sessionRec) bool {
	return lq.dates[fCreated].match(s.createdAt) &&
		lq.dates[fUpdated].match(s.updatedAt) &&
		lq.dates[fEnded].matchOptional(s.endedAt, !s.active) &&
		(!lq.activeSet || s.active == lq.active) &&
		(!lq.roomID.set || s.room.id == lq.roomID.v)
}

func (lq *listQuery) matchParticipant(p *participantRec) bool {
	return lq.dates[fJoined].match(p.joinedAt) &&
		lq.dates[fUpdated].match(p.updatedAt) &&
		lq.dates[fLeft].matchOptional(p.leftAt, p.hasLeft) &&
		(!lq.context.set || p.context == lq.context.v) &&
		(!lq.sessionID.set || p.session.id == lq.sessionID.v)
}

// isUUID accepts the canonical lowercase-or-uppercase 8-4-4-4-12 hex form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
