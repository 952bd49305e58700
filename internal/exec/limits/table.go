package limits

import "strings"

// FieldCost says what resolving one instance of a field costs upstream, in calls. A field that is not in
// the table costs nothing itself (its children are still counted).
type FieldCost struct {
	// Calls are made every time the field resolves (a mutation, a fetch by id that is never skipped).
	Calls int
	// Connection marks a Relay connection field: one call per window (two for a window over 125 items,
	// which may straddle upstream pages), one more for a tail request (`last` without `before`, which
	// needs the total first), and its edges/nodes multiply their children by the page size.
	Connection bool
	// FetchUnless marks a field returning an object that the resolver only fetches when the selection
	// holds a field outside this set (and __typename): one more call then, once per object however many
	// fields need the record. nil means no such fetch.
	FetchUnless []string
	// BackRef names the field of this list's items that refers back to the object holding the list
	// (RoomSession.participants → RoomParticipant.session): that object is already loaded, so the
	// reference's fetch counts once for the list instead of once per item.
	BackRef string
}

// upstreamCosts is the one place that says which fields call the upstream; keep it in step with the
// resolvers and schema/*.graphqls (TestCostTableMatchesSchema checks the names and that every connection
// and mutation is listed). It is read-only after package initialisation: nothing writes to it, and
// CostTable hands out copies.
//
// A Room reached by id without its record (Query.room, RoomSession.room, RoomSessionPayload.room) needs
// one fetch as soon as anything but id/sessions is selected, whichever and however many Room fields
// that is; Rooms from a list or a mutation payload carry their record and cost nothing more.
var upstreamCosts = map[string]FieldCost{
	// Lists: one call per window.
	"Query.rooms":                        {Connection: true},
	"Query.roomSessions":                 {Connection: true},
	"Query.roomParticipants":             {Connection: true},
	"Room.sessions":                      {Connection: true},
	"RoomSession.participantsConnection": {Connection: true},

	// Embedded in the session's own call (include_participants); each participant's session is this one.
	"RoomSession.participants": {BackRef: "session"},

	// Entities by id.
	"Query.room":                 {FetchUnless: []string{"id", "sessions"}},
	"Query.roomSession":          {Calls: 1},
	"Query.roomParticipant":      {Calls: 1},
	"Room.activeSession":         {FetchUnless: []string{"id"}},
	"RoomSession.room":           {FetchUnless: []string{"id", "sessions"}},
	"RoomParticipant.session":    {FetchUnless: []string{"id"}},
	"RoomSessionPayload.session": {FetchUnless: []string{"id"}},
	// The payload's room is found through its session (one fetch), then behaves as RoomSession.room.
	"RoomSessionPayload.room": {Calls: 1, FetchUnless: []string{"id", "sessions"}},

	// Mutations: one call each (RoomPayload.room carries the record the call returned).
	"Mutation.createRoom":         {Calls: 1},
	"Mutation.updateRoom":         {Calls: 1},
	"Mutation.deleteRoom":         {Calls: 1},
	"Mutation.endRoomSession":     {Calls: 1},
	"Mutation.kickParticipants":   {Calls: 1},
	"Mutation.muteParticipants":   {Calls: 1},
	"Mutation.unmuteParticipants": {Calls: 1},
}

// CostTable returns a copy of the cost table, keyed by "Type.field".
func CostTable() map[string]FieldCost {
	out := make(map[string]FieldCost, len(upstreamCosts))
	for k, v := range upstreamCosts {
		v.FetchUnless = append([]string(nil), v.FetchUnless...)
		out[k] = v
	}
	return out
}

// fieldKey is a table key split once, so lookups during a walk allocate nothing.
type fieldKey struct{ typ, field string }

// costIndex is upstreamCosts keyed by fieldKey.
type costIndex map[fieldKey]FieldCost

func newCostIndex() costIndex {
	idx := make(costIndex, len(upstreamCosts))
	for k, v := range upstreamCosts {
		typ, field, _ := strings.Cut(k, ".")
		idx[fieldKey{typ, field}] = v
	}
	return idx
}
