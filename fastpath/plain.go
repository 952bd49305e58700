package fastpath

import (
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"github.com/roomgraph/roomgraph/model"
	"github.com/roomgraph/roomgraph/telnyx"
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

// participantPlan is a RoomParticipant selection compiled for a plain list.
type participantPlan struct {
	fields []graphql.CollectedField
	kinds  [maxPlainFields]plainField
}

// planParticipants compiles a RoomParticipant selection; false when a field is not plain.
func (r *run) planParticipants(fields []graphql.CollectedField) (plan participantPlan, ok bool) {
	if len(fields) > maxPlainFields {
		return plan, false
	}
	plan.fields = fields
	kinds := &plan.kinds
	for i := range fields {
		f := &fields[i]
		if f.Deferrables != nil {
			return plan, false
		}
		switch f.Name {
		case "__typename":
			kinds[i] = plainTypename
		case "id":
			kinds[i] = plainID
		case "sessionId":
			kinds[i] = plainSessionID
		case "context":
			kinds[i] = plainContext
		case "joinedAt":
			kinds[i] = plainJoinedAt
		case "updatedAt":
			kinds[i] = plainUpdatedAt
		case "leftAt":
			kinds[i] = plainLeftAt
		default: // session: a resolver
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
		p := &ps[i]
		b = append(b, '{')
		for j := range plan.fields {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendKey(b, plan.fields[j].Alias)
			switch plan.kinds[j] {
			case plainTypename:
				b = appendString(b, "RoomParticipant")
			case plainID:
				b = appendString(b, p.ID)
			case plainSessionID:
				b = appendString(b, p.SessionID)
			case plainContext:
				b = appendString(b, p.Context)
			case plainJoinedAt:
				b = dt.Append(b, p.JoinedAt)
			case plainUpdatedAt:
				b = dt.Append(b, p.UpdatedAt)
			default: // plainLeftAt
				b = appendNullableTime(b, p.LeftAt, dt)
			}
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
			return sessionPlan{}, false
		}
		switch f.Name {
		case "__typename":
			plan.kinds[i] = plainTypename
		case "id":
			plan.kinds[i] = plainID
		case "roomId":
			plan.kinds[i] = plainRoomID
		case "active":
			plan.kinds[i] = plainActive
		case "createdAt":
			plan.kinds[i] = plainCreatedAt
		case "updatedAt":
			plan.kinds[i] = plainUpdatedAt
		case "endedAt":
			plan.kinds[i] = plainEndedAt
		case "participants":
			pp, ok := r.planParticipants(r.collect(f.Selections, roomParticipantImplementors))
			if !ok {
				return sessionPlan{}, false
			}
			if plan.participants == nil {
				plan.participants = make([]participantPlan, len(fields))
			}
			plan.participants[i] = pp
			plan.kinds[i] = plainParticipants
		default: // room, participantsConnection: resolvers
			return sessionPlan{}, false
		}
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
			switch plan.kinds[j] {
			case plainTypename:
				b = appendString(b, "RoomSession")
			case plainID:
				b = appendString(b, s.ID)
			case plainRoomID:
				b = appendString(b, s.RoomID)
			case plainActive:
				b = strconv.AppendBool(b, s.Active)
			case plainCreatedAt:
				b = dt.Append(b, s.CreatedAt)
			case plainUpdatedAt:
				b = dt.Append(b, s.UpdatedAt)
			case plainEndedAt:
				b = appendNullableTime(b, s.EndedAt, &dt)
			default: // plainParticipants
				b = appendParticipants(b, &plan.participants[j], s.Participants, &dt)
			}
		}
		b = append(b, '}')
	}
	return append(b, ']')
}
