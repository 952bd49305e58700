package fastpath

import (
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"github.com/roomgraph/roomgraph/internal/model"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// Plain lists: a list of sessions or participants whose selected fields are all read from the records (no
// resolver, nothing that may wait; a session's participants count when their own fields are plain) is
// written with each field's kind found once per list, not once per element, and with no per-element
// checks: the general path (object) asks every element whether a field is deferred or may wait, and finds
// each field's writer by its name. The bytes are the same; the differential test holds both to gqlgen.

// plainField is what a plain field writes.
type plainField uint8

const (
	plainTypename plainField = iota
	plainID
	plainRoomID
	plainSessionID
	plainContext
	plainActive
	plainCreatedAt
	plainUpdatedAt
	plainEndedAt
	plainJoinedAt
	plainLeftAt
	plainParticipants
)

// maxPlainFields bounds a plain selection (aliases may repeat a field): plans hold their fields' kinds in
// an array, so that compiling one allocates nothing. A larger selection takes the general path.
const maxPlainFields = 24

// participantKind is the plain kind of a RoomParticipant field; false for session (a resolver).
func participantKind(name string) (plainField, bool) {
	switch name {
	case "__typename":
		return plainTypename, true
	case "id":
		return plainID, true
	case "sessionId":
		return plainSessionID, true
	case "context":
		return plainContext, true
	case "joinedAt":
		return plainJoinedAt, true
	case "updatedAt":
		return plainUpdatedAt, true
	case "leftAt":
		return plainLeftAt, true
	}
	return 0, false
}

// appendParticipantField writes a plain field of p; dt writes its timestamps.
func appendParticipantField(b []byte, kind plainField, p *telnyx.RoomParticipant, dt *model.DateTimes) []byte {
	switch kind {
	case plainTypename:
		return appendString(b, "RoomParticipant")
	case plainID:
		return appendString(b, p.ID)
	case plainSessionID:
		return appendString(b, p.SessionID)
	case plainContext:
		return appendString(b, p.Context)
	case plainJoinedAt:
		return dt.Append(b, p.JoinedAt)
	case plainUpdatedAt:
		return dt.Append(b, p.UpdatedAt)
	default: // plainLeftAt
		return appendNullableTime(b, p.LeftAt, dt)
	}
}

// sessionKind is the plain kind of a RoomSession scalar field; false for participants, room and
// participantsConnection.
func sessionKind(name string) (plainField, bool) {
	switch name {
	case "__typename":
		return plainTypename, true
	case "id":
		return plainID, true
	case "roomId":
		return plainRoomID, true
	case "active":
		return plainActive, true
	case "createdAt":
		return plainCreatedAt, true
	case "updatedAt":
		return plainUpdatedAt, true
	case "endedAt":
		return plainEndedAt, true
	}
	return 0, false
}

// appendSessionField writes a plain scalar field of s; dt writes its timestamps.
func appendSessionField(b []byte, kind plainField, s *telnyx.RoomSession, dt *model.DateTimes) []byte {
	switch kind {
	case plainTypename:
		return appendString(b, "RoomSession")
	case plainID:
		return appendString(b, s.ID)
	case plainRoomID:
		return appendString(b, s.RoomID)
	case plainActive:
		return strconv.AppendBool(b, s.Active)
	case plainCreatedAt:
		return dt.Append(b, s.CreatedAt)
	case plainUpdatedAt:
		return dt.Append(b, s.UpdatedAt)
	default: // plainEndedAt
		return appendNullableTime(b, s.EndedAt, dt)
	}
}

// participantPlan is a RoomParticipant selection compiled for a plain list.
type participantPlan struct {
	fields []graphql.CollectedField
	kinds  [maxPlainFields]plainField
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
		if plan.kinds[i], ok = participantKind(fields[i].Name); !ok {
			return plan, false
		}
	}
	return plan, true
}

// appendParticipants writes ps as a JSON array of objects under plan; dt writes the timestamps.
func appendParticipants(b []byte, plan *participantPlan, ps []telnyx.RoomParticipant, dt *model.DateTimes) []byte {
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
			b = appendParticipantField(b, plan.kinds[j], &ps[i], dt)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// sessionPlan is a RoomSession selection compiled for a plain list; participants holds the plan of each
// participants field (by field index), since two aliases may select different participant fields.
type sessionPlan struct {
	fields       []graphql.CollectedField
	kinds        [maxPlainFields]plainField
	participants []participantPlan
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
		if plan.kinds[i], ok = sessionKind(f.Name); ok {
			continue
		}
		if f.Name != "participants" { // room, participantsConnection: resolvers
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
		plan.kinds[i] = plainParticipants
	}
	return plan, true
}

// appendSessions writes ss as a JSON array of objects under plan.
func appendSessions(b []byte, plan *sessionPlan, ss []telnyx.RoomSession) []byte {
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
			if plan.kinds[j] == plainParticipants {
				b = appendParticipants(b, &plan.participants[j], s.Participants, &dt)
			} else {
				b = appendSessionField(b, plan.kinds[j], s, &dt)
			}
		}
		b = append(b, '}')
	}
	return append(b, ']')
}
