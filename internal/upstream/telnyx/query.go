package telnyx

import (
	"net/url"
	"strconv"
)

// The query is built with url.Values and url.Values.Encode on purpose: that is
// how the Go SDK encodes (brackets percent-encoded as %5B %5D, spaces as +), and
// Encode sorts by key, so identical requests give byte-identical URLs that
// later layers use as coalescing keys.

func addDateFilter(q url.Values, name string, f DateFilter) {
	if !f.Eq.IsZero() {
		q.Set("filter["+name+"][eq]", f.Eq.String())
	}
	if !f.Gte.IsZero() {
		q.Set("filter["+name+"][gte]", f.Gte.String())
	}
	if !f.Lte.IsZero() {
		q.Set("filter["+name+"][lte]", f.Lte.String())
	}
}

func addPage(q url.Values, p Page) {
	if p.Number != 0 {
		q.Set("page[number]", strconv.Itoa(p.Number))
	}
	if p.Size != 0 {
		q.Set("page[size]", strconv.Itoa(p.Size))
	}
}

func addBool(q url.Values, name string, b OptionalBool) {
	switch b {
	case True:
		q.Set(name, "true")
	case False:
		q.Set(name, "false")
	}
}

// sessionQuery encodes the session list query; withRoom is false for
// GET /rooms/{room_id}/sessions, which has no filter[room_id].
func sessionQuery(f SessionFilter, withRoom, includeParticipants bool, p Page) string {
	q := make(url.Values, 8)
	addDateFilter(q, "date_created_at", f.DateCreatedAt)
	addDateFilter(q, "date_updated_at", f.DateUpdatedAt)
	addDateFilter(q, "date_ended_at", f.DateEndedAt)
	addBool(q, "filter[active]", f.Active)
	if withRoom && f.RoomID != "" {
		q.Set("filter[room_id]", f.RoomID)
	}
	if includeParticipants {
		q.Set("include_participants", "true")
	}
	addPage(q, p)
	return q.Encode()
}

// participantQuery encodes the participant list query; withSession is false
// for GET /room_sessions/{id}/participants, which has no filter[session_id].
func participantQuery(f ParticipantFilter, withSession bool, p Page) string {
	q := make(url.Values, 8)
	addDateFilter(q, "date_joined_at", f.DateJoinedAt)
	addDateFilter(q, "date_updated_at", f.DateUpdatedAt)
	addDateFilter(q, "date_left_at", f.DateLeftAt)
	if f.Context != "" {
		q.Set("filter[context]", f.Context)
	}
	if withSession && f.SessionID != "" {
		q.Set("filter[session_id]", f.SessionID)
	}
	addPage(q, p)
	return q.Encode()
}

func roomQuery(f RoomFilter, includeSessions bool, p Page) string {
	q := make(url.Values, 8)
	addDateFilter(q, "date_created_at", f.DateCreatedAt)
	addDateFilter(q, "date_updated_at", f.DateUpdatedAt)
	if f.UniqueName != "" {
		q.Set("filter[unique_name]", f.UniqueName)
	}
	if includeSessions {
		q.Set("include_sessions", "true")
	}
	addPage(q, p)
	return q.Encode()
}
