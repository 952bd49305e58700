package fastpath

import (
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"github.com/roomgraph/roomgraph/internal/model"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
	"github.com/roomgraph/roomgraph/internal/model/origin"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// Plain lists: a list of sessions or participants whose selected fields are all read from the records (no
// resolver, nothing that may wait; a session's participants count when their own fields are plain) is
// written with each field's row found once per list, not once per element, and with no per-element
// checks: the general path (object) asks every element whether a field is deferred or may wait, and finds
// each field's writer by its name. The bytes are the same; the differential test holds both to gqlgen.

// maxPlainFields bounds a plain selection (aliases may repeat a field): plans hold their fields in an
// array, so that compiling one allocates nothing. A larger selection takes the general path.
const maxPlainFields = 24

// plain reports whether the origin table says a field is read from the record at hand (or is the key or
// __typename). Whether it is written here is the writers' to say: they name every field they write.
func plain(field origin.Field) bool {
	switch field.Kind() {
	case origin.Meta, origin.Key, origin.Value:
		return true
	}
	return false
}

// appendParticipantField writes a plain field of p; dt writes its timestamps. false when it is not one.
func appendParticipantField(b []byte, field origin.Field, p *telnyx.RoomParticipant, dt *model.DateTimes) ([]byte, bool) {
	switch field {
	case origin.Typename:
		return appendString(b, origin.RoomParticipant.String()), true
	case origin.RoomParticipantID:
		return nodeid.Append(b, nodeid.RoomParticipant, p.ID), true
	case origin.RoomParticipantTelnyxID:
		return appendString(b, p.ID), true
	case origin.RoomParticipantSessionID:
		return appendString(b, p.SessionID), true
	case origin.RoomParticipantContext:
		return appendString(b, p.Context), true
	case origin.RoomParticipantJoinedAt:
		return dt.Append(b, p.JoinedAt), true
	case origin.RoomParticipantUpdatedAt:
		return dt.Append(b, p.UpdatedAt), true
	case origin.RoomParticipantLeftAt:
		return appendNullableTime(b, p.LeftAt, dt), true
	}
	return b, false
}

// appendSessionField writes a plain field of s; dt writes its timestamps. false when it is not one.
func appendSessionField(b []byte, field origin.Field, s *telnyx.RoomSession, dt *model.DateTimes) ([]byte, bool) {
	switch field {
	case origin.Typename:
		return appendString(b, origin.RoomSession.String()), true
	case origin.RoomSessionID:
		return nodeid.Append(b, nodeid.RoomSession, s.ID), true
	case origin.RoomSessionTelnyxID:
		return appendString(b, s.ID), true
	case origin.RoomSessionRoomID:
		return appendString(b, s.RoomID), true
	case origin.RoomSessionActive:
		return strconv.AppendBool(b, s.Active), true
	case origin.RoomSessionCreatedAt:
		return dt.Append(b, s.CreatedAt), true
	case origin.RoomSessionUpdatedAt:
		return dt.Append(b, s.UpdatedAt), true
	case origin.RoomSessionEndedAt:
		return appendNullableTime(b, s.EndedAt, dt), true
	}
	return b, false
}

// participantPlan is a RoomParticipant selection compiled for a plain list.
type participantPlan struct {
	fields []graphql.CollectedField
	kinds  [maxPlainFields]origin.Field
}

// planParticipants compiles a RoomParticipant selection; false when a field is not plain.
func planParticipants(fields []graphql.CollectedField) (plan participantPlan, ok bool) {
	if len(fields) > maxPlainFields {
		return plan, false
	}
	plan.fields = fields
	for i := range fields {
		if fields[i].Deferrables != nil {
			return plan, false
		}
		if plan.kinds[i] = origin.RoomParticipant.Field(fields[i].Name); !plain(plan.kinds[i]) {
			return plan, false
		}
	}
	return plan, true
}

// appendParticipants writes ps as a JSON array of objects under plan; dt writes the timestamps. false
// when a field has no plain writer.
func appendParticipants(b []byte, plan *participantPlan, ps []telnyx.RoomParticipant, dt *model.DateTimes) ([]byte, bool) {
	b = append(b, '[')
	for i := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		for j := range plan.fields {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendKey(b, plan.fields[j].Alias)
			var ok bool
			if b, ok = appendParticipantField(b, plan.kinds[j], &ps[i], dt); !ok {
				return b, false
			}
		}
		b = append(b, '}')
	}
	return append(b, ']'), true
}

// sessionPlan is a RoomSession selection compiled for a plain list; participants holds the plan of each
// participants field (by field index), since two aliases may select different participant fields.
type sessionPlan struct {
	fields       []graphql.CollectedField
	kinds        [maxPlainFields]origin.Field
	participants []participantPlan
	// present is the present argument of each participants and participantCount field (nil: everyone).
	present [maxPlainFields]*bool
}

// planSessions compiles a RoomSession selection; false when a field is not plain.
func (r *run) planSessions(fields []graphql.CollectedField) (plan sessionPlan, ok bool) {
	if len(fields) > maxPlainFields {
		return plan, false
	}
	plan.fields = fields
	for i := range fields {
		f := &fields[i]
		if f.Deferrables != nil {
			return plan, false
		}
		plan.kinds[i] = origin.RoomSession.Field(f.Name)
		if plan.kinds[i].Embeds() == origin.RoomSessionParticipants {
			if plan.present[i], ok = r.presentArg(f); !ok {
				return plan, false
			}
		}
		if plain(plan.kinds[i]) {
			continue
		}
		if plan.kinds[i] != origin.RoomSessionParticipants { // references, connections: resolvers
			return plan, false
		}
		pp, ok := planParticipants(r.collect(f.Selections, roomParticipantImplementors))
		if !ok {
			return plan, false
		}
		if plan.participants == nil {
			plan.participants = make([]participantPlan, len(fields))
		}
		plan.participants[i] = pp
	}
	return plan, true
}

// appendSessions writes ss as a JSON array of objects under plan. false when a field has no plain writer.
func appendSessions(b []byte, plan *sessionPlan, ss []telnyx.RoomSession) ([]byte, bool) {
	var dt model.DateTimes
	b = append(b, '[')
	for i := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		s := &ss[i]
		b = append(b, '{')
		for j := range plan.fields {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendKey(b, plan.fields[j].Alias)
			var ok bool
			switch plan.kinds[j] {
			case origin.RoomSessionParticipants:
				b, ok = appendParticipants(b, &plan.participants[j], model.Present(s.Participants, plan.present[j]), &dt)
			case origin.RoomSessionParticipantCount:
				b, ok = strconv.AppendInt(b, int64(model.CountPresent(s.Participants, plan.present[j])), 10), true
			default:
				b, ok = appendSessionField(b, plan.kinds[j], s, &dt)
			}
			if !ok {
				return b, false
			}
		}
		b = append(b, '}')
	}
	return append(b, ']'), true
}

// presentArg reads the present argument of RoomSession.participants or participantCount (nil when absent
// or null); false when it does not read.
func (r *run) presentArg(f *graphql.CollectedField) (*bool, bool) {
	if len(f.Arguments) == 0 {
		return nil, true
	}
	a := &args{m: f.ArgumentMap(r.oc.Variables)}
	present := a.optionalBool("present")
	return present, a.err == nil
}
