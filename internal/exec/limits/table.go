package limits

import (
	"strings"

	"github.com/roomgraph/roomgraph/internal/model/origin"
)

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
	// Entities marks Query._entities (Apollo Federation): what one representation costs, by its
	// __typename — Calls for a type fetched whatever is selected, FetchUnless for one fetched only when
	// the selection under `... on Type` goes beyond these fields — before what that selection costs.
	// Each distinct (__typename, id) counts once; a type not listed costs nothing (gqlgen refuses it).
	Entities map[string]FieldCost
	// NodeArg marks Query.node and Query.nodes (Relay): it names the argument holding the global ids, and
	// Nodes says what one id costs by the type it names (FetchUnless: that type's keys, so `id`,
	// `telnyxId` and `__typename` alone cost nothing), before what the selection costs. Each distinct
	// global id counts once (the operation's loaders fetch an object once); an id that is not a global id
	// costs nothing (refused before any call); an id not known when measuring counts one call.
	NodeArg string
	Nodes   map[string]FieldCost
}

// upstreamCosts says which fields call the upstream. It is derived from package origin, the one table of
// where each field comes from, which the resolvers and the fast path read too (TestCostTable pins the
// figures, TestCostTableMatchesSchema the names, TestCostTableCoversFederatedSchema that every field of the
// federated schema has a rule). It is read-only after package initialisation: nothing
// writes to it, and CostTable hands out copies.
//
//   - A connection (origin.Connection) is one call per window.
//   - A fetch by id that is never skipped (origin.Fetch), a mutation (origin.Write) and a subscription
//     (origin.Subscribe: the read of its room when it begins) are one call each; what a subscription's
//     selection costs is what each of its events costs.
//   - A reference (origin.Reference) fetches its object unless the selection holds only the object's keys
//     (origin.Type.Keys): a Room reached by id (Query.room, RoomSession.room, RoomSessionPayload.room)
//     needs one fetch as soon as anything but id/sessions is selected, whichever and however many Room
//     fields that is; Rooms from a list or a mutation payload carry their record and cost nothing more.
//     A reference whose id is read from a record its parent does not carry (RoomSessionPayload.room: the
//     session's roomId) costs that record's fetch too.
//   - An embedded list (origin.Embedded) costs nothing itself; its items' reference back to the object
//     holding the list is that object, already loaded (BackRef).
//   - _entities (origin.Federation) costs, per distinct representation, its type's fetch
//     (origin.Type.Entity: a Reference like a room by id, a Fetch always) and its selection (Entities).
//     _service, introspection, keys and values cost nothing.
var upstreamCosts = costsFromOrigin()

func costsFromOrigin() map[string]FieldCost {
	out := map[string]FieldCost{}
	for _, f := range origin.All() {
		var c FieldCost
		switch f.Kind() {
		case origin.Connection:
			c.Connection = true
		case origin.Fetch, origin.Write, origin.Subscribe:
			c.Calls = 1
		case origin.Reference:
			c.FetchUnless = f.Of().Keys()
			if need := f.Needs(); need != origin.NoRecord && need != f.Type().Record() {
				c.Calls = 1
			}
		case origin.Node:
			c.NodeArg, c.Nodes = "id", nodeCosts()
			if f == origin.QueryNodes {
				c.NodeArg = "ids"
			}
		case origin.Federation:
			if f == origin.QueryEntities {
				c.Entities = entityCosts()
			}
		case origin.Embedded:
			for _, ref := range f.Of().Fields() {
				if ref.Kind() == origin.Reference && ref.Of() == f.Type() {
					c.BackRef = ref.Name()
				}
			}
		}
		if c.Calls != 0 || c.Connection || c.FetchUnless != nil || c.BackRef != "" || c.Entities != nil || c.NodeArg != "" {
			out[f.String()] = c
		}
	}
	return out
}

// entityCosts is what one representation of each entity type costs before its selection.
func entityCosts() map[string]FieldCost {
	out := map[string]FieldCost{}
	for _, t := range origin.Entities() {
		switch t.Entity() {
		case origin.Reference:
			out[t.String()] = FieldCost{FetchUnless: t.Keys()}
		case origin.Fetch:
			out[t.String()] = FieldCost{Calls: 1}
		}
	}
	return out
}

// nodeCosts is what one global id of each Node type costs before its selection: a fetch unless only the
// type's keys are selected (resolvers/nodes.go answers a stub then).
func nodeCosts() map[string]FieldCost {
	out := map[string]FieldCost{}
	for _, t := range []origin.Type{origin.Room, origin.RoomSession, origin.RoomParticipant} {
		out[t.String()] = FieldCost{FetchUnless: t.Keys()}
	}
	return out
}

// Rule returns the cost rule of the field typ.field (the zero rule for a field that calls nothing), and
// whether the limits know the field at all: a field package origin does not list would count as free
// whatever it calls, so the schema tests require every field to be known.
func Rule(typ, field string) (FieldCost, bool) {
	if origin.Lookup(typ, field) == origin.Unknown {
		return FieldCost{}, false
	}
	return copyCost(upstreamCosts[typ+"."+field]), true
}

func copyCost(c FieldCost) FieldCost {
	c.FetchUnless = append([]string(nil), c.FetchUnless...)
	c.Entities, c.Nodes = copyCosts(c.Entities), copyCosts(c.Nodes)
	return c
}

func copyCosts(m map[string]FieldCost) map[string]FieldCost {
	if m == nil {
		return nil
	}
	out := make(map[string]FieldCost, len(m))
	for k, v := range m {
		out[k] = copyCost(v)
	}
	return out
}

// CostTable returns a copy of the cost table, keyed by "Type.field".
func CostTable() map[string]FieldCost {
	out := make(map[string]FieldCost, len(upstreamCosts))
	for k, v := range upstreamCosts {
		out[k] = copyCost(v)
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
