package limits_test

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/roomgraph/roomgraph/internal/exec/limits"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
	"github.com/roomgraph/roomgraph/internal/pagination"
)

const room = `"0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"`

// Global ids (package nodeid) of that room and of a session with the same UUID.
var (
	roomNodeValue = nodeid.Encode(nodeid.Room, "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0")
	roomNode      = strconv.Quote(roomNodeValue)
	sessionNode   = nodeid.Encode(nodeid.RoomSession, "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0")
)

// TestCostTable pins the predicted cost of query shapes, one rule at a time.
func TestCostTable(t *testing.T) {
	s := schema(t)
	const search = pagination.MaxSearchCalls
	cases := []struct {
		name  string
		query string
		vars  map[string]any
		cost  int
	}{
		{"room id only", `{ room(id: ` + room + `) { id __typename } }`, nil, 0},
		{"room sessions only: no room fetch", `{ room(id: ` + room + `) { id sessions { totalCount } } }`, nil, 1},
		{"room fields: one fetch per room object", `{ room(id: ` + room + `) { uniqueName maxParticipants createdAt webhookEventUrl } }`, nil, 1},
		{"two room aliases fetch twice (worst case)", `{ a: room(id: ` + room + `) { uniqueName } b: room(id: ` + room + `) { uniqueName } }`, nil, 2},
		{"repeated field counts twice", `{ rooms { totalCount } rooms { totalCount } }`, nil, 2},
		{"connection with __typename only", `{ rooms { __typename } }`, nil, 1},
		{"default page size multiplies", `{ rooms { nodes { sessions { totalCount } } } }`, nil, 1 + 20},
		{"edges multiply like nodes", `{ rooms(first: 4) { edges { cursor node { sessions { totalCount } } } } }`, nil, 1 + 4},
		{"pageInfo and totalCount do not multiply", `{ rooms(first: 4) { pageInfo { hasNextPage } totalCount } }`, nil, 1},
		{"tail needs a probe", `{ room(id: ` + room + `) { sessions(last: 5) { nodes { id } } } }`, nil, 2},
		{"last with before needs no probe, but may search for its anchor", `{ room(id: ` + room + `) { sessions(last: 5, before: "x") { nodes { id } } } }`, nil, 1 + search + 1},
		{"after: the window with the cursor's item, a search, the window again", `{ rooms(first: 10, after: "x") { totalCount } }`, nil, 1 + search + 1},
		{"after and before: a search each", `{ rooms(after: "x", before: "y") { totalCount } }`, nil, 1 + 2*search + 1},
		{"after with the tail: probe too", `{ rooms(last: 3, after: "x") { totalCount } }`, nil, 1 + search + 1 + 1},
		{"100 after a cursor: with its item 101, still one call", `{ rooms(first: 100, after: "x") { totalCount } }`, nil, 1 + search + 1},
		{"a cursor under a list of parents: one parent's list accepts it, the search counts once",
			`{ rooms(first: 100) { nodes { sessions(first: 10, after: "x") { totalCount } } } }`, nil, 1 + 100*1 + search + 1},
		{"null after is no cursor", `query($a: String) { rooms(first: 10, after: $a) { totalCount } }`, map[string]any{"a": nil}, 1},
		{"first and last: min for children, probe", `{ rooms(first: 10, last: 3) { nodes { sessions { totalCount } } } }`, nil, 1 + 1 + 3},
		{"first above MaxFirst is clamped", `{ rooms(first: 1000) { nodes { sessions { totalCount } } } }`, nil, 1 + 100},
		{"negative first is clamped to 0", `{ rooms(first: -5) { nodes { sessions { totalCount } } } }`, nil, 1},
		{"three levels of 100", `{ rooms(first: 100) { nodes { sessions(first: 100) { nodes { participantsConnection(first: 100) { nodes { id } } } } } } }`, nil, 10101},
		{"variable first", `query($n: Int) { rooms(first: $n) { nodes { sessions { totalCount } } } }`, map[string]any{"n": 7}, 1 + 7},
		{"variable first as int64", `query($n: Int) { rooms(first: $n) { nodes { sessions { totalCount } } } }`, map[string]any{"n": int64(9)}, 1 + 9},
		{"variable first as float64 (JSON)", `query($n: Int) { rooms(first: $n) { nodes { sessions { totalCount } } } }`, map[string]any{"n": float64(3)}, 1 + 3},
		{"variable first absent: default page", `query($n: Int) { rooms(first: $n) { nodes { sessions { totalCount } } } }`, nil, 1 + 20},
		{"variable first null: default page", `query($n: Int) { rooms(first: $n) { nodes { sessions { totalCount } } } }`, map[string]any{"n": nil}, 1 + 20},
		{"variable default value", `query($n: Int = 4) { rooms(first: $n) { nodes { sessions { totalCount } } } }`, nil, 1 + 4},
		{"variable last without before: probe", `query($l: Int, $b: String) { rooms(last: $l, before: $b) { nodes { sessions { totalCount } } } }`, map[string]any{"l": 2}, 2 + 2},
		{"variable last with before", `query($l: Int, $b: String) { rooms(last: $l, before: $b) { nodes { sessions { totalCount } } } }`, map[string]any{"l": 2, "b": "c"}, 1 + search + 1 + 2},
		{"plain list fans out", `{ roomSession(id: ` + room + `) { participants { session { active } } } }`, nil, 1 + 1},
		{"plain list fans out below the back-reference", `{ roomSession(id: ` + room + `) { participants { session { room { uniqueName } } } } }`, nil, 1 + 1 + 50},
		{"back-reference id only is free", `{ roomSessions(first: 20) { nodes { participants { session { id } } } } }`, nil, 1},
		{"participant session fetch per participant", `{ roomParticipants(first: 30) { nodes { session { active } } } }`, nil, 1 + 30},
		{"participant session id only", `{ roomParticipants(first: 30) { nodes { session { id } } } }`, nil, 1},
		{"session room with sessions only: no room fetch", `{ roomSession(id: ` + room + `) { room { id sessions(first: 2) { totalCount } } } }`, nil, 1 + 1},
		{"session room with a field", `{ roomSession(id: ` + room + `) { room { uniqueName } } }`, nil, 1 + 1},
		{"active session id: room fetch only", `{ room(id: ` + room + `) { activeSession { id } } }`, nil, 1},
		{"active session fields", `{ room(id: ` + room + `) { activeSession { active } } }`, nil, 2},
		{"rooms from a list carry their record", `{ rooms(first: 3) { nodes { uniqueName activeSessionId } } }`, nil, 1},
		{"participant by id", `{ roomParticipant(id: ` + room + `) { id } }`, nil, 1},
		{"named fragment expanded", `{ rooms(first: 3) { ...C } } fragment C on RoomConnection { nodes { ...R } } fragment R on Room { sessions { totalCount } }`, nil, 1 + 3},
		{"inline fragment expanded", `{ rooms(first: 3) { ... on RoomConnection { nodes { ... { sessions { totalCount } } } } } }`, nil, 1 + 3},
		{"fetch decided through a fragment", `{ room(id: ` + room + `) { ...F } } fragment F on Room { id ... on Room { uniqueName } }`, nil, 1},
		{"skip literal", `{ rooms(first: 3) { nodes { sessions @skip(if: true) { totalCount } } } }`, nil, 1},
		{"include literal false", `{ rooms(first: 3) { nodes { sessions @include(if: false) { totalCount } } } }`, nil, 1},
		{"include variable true", `query($i: Boolean!) { rooms(first: 3) { nodes { sessions @include(if: $i) { totalCount } } } }`, map[string]any{"i": true}, 1 + 3},
		{"skip variable true on a fragment", `query($s: Boolean!) { rooms(first: 3) { nodes { ...R @skip(if: $s) } } } fragment R on Room { sessions { totalCount } }`, map[string]any{"s": true}, 1},
		{"skip on an inline fragment", `query($s: Boolean = true) { rooms(first: 3) { nodes { ... @skip(if: $s) { sessions { totalCount } } } } }`, nil, 1},
		{"skip decides the room fetch", `query($s: Boolean!) { room(id: ` + room + `) { id uniqueName @skip(if: $s) } }`, map[string]any{"s": true}, 0},
		{"mutation with payload", `mutation { endRoomSession(id: ` + room + `) { sessionId session { active } room { uniqueName } } }`, nil, 1 + 1 + 2},
		{"mutation payload ids only", `mutation { endRoomSession(id: ` + room + `) { sessionId session { id } room { id } } }`, nil, 1 + 1},
		{"create room payload has the record", `mutation { createRoom(input: {}) { room { uniqueName } } }`, nil, 1},
		{"two mutations", `mutation { a: deleteRoom(id: ` + room + `) { deletedRoomId } b: deleteRoom(id: ` + room + `) { deletedRoomId } }`, nil, 2},
		{"subscription: the room read when it begins", `subscription { roomEvents(roomId: ` + room + `) { id occurredAt room { id } session { id } } }`, nil, 1},
		{"subscription: linked objects per event", `subscription { roomEvents(roomId: ` + room + `) { room { uniqueName } ... on RoomParticipantJoined { participant { context } } } }`, nil, 1 + 1 + 1},
		{"subscription: a recording's own fields cost nothing", `subscription { roomEvents(roomId: ` + room + `) { ... on RoomRecordingCompleted { recordingId trackType codec downloadUrl durationSecs sizeMb participant { id } } } }`, nil, 1},
		{"subscription: a recording's participant", `subscription { roomEvents(roomId: ` + room + `) { ... on RoomRecordingStarted { recordingId participant { context } } } }`, nil, 1 + 1},
		{"roomUpdated: the room comes with its record", `subscription { roomUpdated(id: ` + room + `) { uniqueName activeSession { participants { context } } } }`, nil, 1 + 1},
		{"node: keys only cost nothing", `{ node(id: ` + roomNode + `) { __typename id ... on Room { telnyxId } } }`, nil, 0},
		{"node: a room's sessions need no room fetch", `{ node(id: ` + roomNode + `) { ... on Room { sessions(first: 2) { totalCount } } } }`, nil, 1},
		{"node: a field beyond the keys is one fetch", `{ node(id: ` + roomNode + `) { id ... on Room { uniqueName } } }`, nil, 1},
		{"node: another type's fields do not count", `{ node(id: ` + roomNode + `) { id ... on RoomSession { active } } }`, nil, 0},
		{"node: session fields through a fragment", `query($n: ID!) { node(id: $n) { ...S } } fragment S on RoomSession { active }`, map[string]any{"n": sessionNode}, 1},
		{"node: a bare UUID is refused, no call", `{ node(id: ` + room + `) { ... on Room { uniqueName } } }`, nil, 0},
		{"node: an unknown id counts one call", `query($n: ID!) { node(id: $n) { ... on Room { uniqueName } } }`, nil, 1},
		{"nodes: keys only cost nothing", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []any{sessionNode, roomNodeValue}}, 0},
		{"nodes: one fetch per distinct id of a type selected beyond its keys", `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on RoomSession { active } } }`,
			map[string]any{"ids": []any{sessionNode, sessionNode, roomNodeValue}}, 1},
		{"nodes: literal list", `{ nodes(ids: [` + roomNode + `, ` + roomNode + `]) { ... on Room { uniqueName } } }`, nil, 1},
		{"introspection costs nothing", `{ __schema { types { name fields { name } } } __type(name: "Room") { name } }`, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			op := operation(t, s, tc.query)
			assert.Equal(t, tc.cost, limits.Cost(s, op, tc.vars, limits.Config{}))
		})
	}
}

// reps returns representations of typename, one per id.
func reps(typename string, ids ...any) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = map[string]any{"__typename": typename, "id": id}
	}
	return out
}

// TestEntitiesCost pins what _entities (federation) costs: per distinct representation, its type's fetch
// (a Room only when more than its keys is selected; sessions and participants always) and its selection
// on that type. Representations counts all of them.
func TestEntitiesCost(t *testing.T) {
	s := schema(t)
	const r1, r2, r3 = "room-1", "room-2", "room-3"
	entities := func(sel string) string {
		return `query($reps: [_Any!]!) { _entities(representations: $reps) { __typename ` + sel + ` } }`
	}
	vars := func(reps ...[]any) map[string]any {
		var all []any
		for _, r := range reps {
			all = append(all, r...)
		}
		return map[string]any{"reps": all}
	}
	many := make([]any, 12000)
	for i := range many {
		many[i] = i
	}
	cases := []struct {
		name  string
		query string
		vars  map[string]any
		cost  int
		reps  int
	}{
		{"rooms by id only cost nothing", entities(`... on Room { id }`), vars(reps("Room", r1, r2, r3)), 0, 3},
		{"rooms by id and __typename", entities(`... on Room { id __typename }`), vars(reps("Room", r1, r2)), 0, 2},
		{"room sessions only: no room fetch", entities(`... on Room { id sessions(first: 2) { totalCount } }`), vars(reps("Room", r1, r2)), 2, 2},
		{"a room field: one fetch per distinct room", entities(`... on Room { uniqueName maxParticipants }`), vars(reps("Room", r1, r2, r1)), 2, 3},
		{"room fields and sessions", entities(`... on Room { uniqueName sessions(first: 5) { nodes { id } } }`), vars(reps("Room", r1, r2)), 4, 2},
		{"room sessions' participants connections multiply", entities(`... on Room { sessions(first: 5) { nodes { participantsConnection(first: 2) { totalCount } } } }`),
			vars(reps("Room", r1)), 1 + 5, 1},
		{"room active session fields", entities(`... on Room { activeSession { active } }`), vars(reps("Room", r1, r2)), 4, 2},
		{"a session is fetched whatever is selected", entities(`... on RoomSession { id }`), vars(reps("RoomSession", "s1", "s2", "s1")), 2, 3},
		{"a session's room", entities(`... on RoomSession { room { uniqueName } }`), vars(reps("RoomSession", "s1", "s2")), 4, 2},
		{"a session's participants page", entities(`... on RoomSession { participantsConnection(first: 5) { nodes { id } } }`), vars(reps("RoomSession", "s1")), 2, 1},
		{"a participant's session", entities(`... on RoomParticipant { context session { active } }`), vars(reps("RoomParticipant", "p1", "p2")), 4, 2},
		{"mixed types: each counts its own fragment", entities(`... on Room { id } ... on RoomSession { active } ... on RoomParticipant { context }`),
			vars(reps("Room", r1, r2), reps("RoomSession", "s1"), reps("RoomParticipant", "p1", "p2")), 3, 5},
		{"a fragment on another type fetches no room", entities(`... on Room { id } ... on RoomSession { room { uniqueName } }`), vars(reps("Room", r1, r2)), 0, 2},
		{"fragment on the union", `query($reps: [_Any!]!) { _entities(representations: $reps) { ...E } }
			fragment E on _Entity { ... on Room { uniqueName } ...S } fragment S on RoomSession { id }`,
			vars(reps("Room", r1), reps("RoomSession", "s1", "s2")), 3, 3},
		{"named fragment on Room decides the fetch", `query($reps: [_Any!]!) { _entities(representations: $reps) { ...R } } fragment R on Room { id ...N }
			fragment N on Room { createdAt }`, vars(reps("Room", r1, r2)), 2, 2},
		{"12,000 repeats of one id: one fetch", entities(`... on Room { uniqueName }`), vars(reps("Room", make([]any, 12000)...)), 1, 12000},
		{"12,000 distinct rooms", entities(`... on Room { uniqueName }`), vars(reps("Room", many...)), 12000, 12000},
		{"12,000 distinct rooms by id only", entities(`... on Room { id }`), vars(reps("Room", many...)), 0, 12000},
		{"an id as a number and as a string count twice", entities(`... on RoomSession { id }`), vars(reps("RoomSession", 5, "5", float64(5))), 3, 3},
		{"unknown typenames and malformed representations cost nothing", entities(`... on Room { uniqueName }`),
			vars(reps("Nope", r1), []any{map[string]any{"id": r2}, "x", nil}), 0, 4},
		{"literal representations", `{ _entities(representations: [{__typename: "Room", id: "a"}, {__typename: "Room", id: "b"}]) { ... on Room { uniqueName } } }`,
			nil, 2, 2},
		{"literal representations with a variable inside", `query($id: ID) { _entities(representations: [{__typename: "RoomSession", id: $id}]) { ... on RoomSession { id } } }`,
			map[string]any{"id": "s1"}, 1, 1},
		{"one representation where a list is expected", entities(`... on RoomSession { id }`),
			map[string]any{"reps": map[string]any{"__typename": "RoomSession", "id": "s1"}}, 1, 1},
		{"representations from a default value", `query($reps: [_Any!]! = [{__typename: "Room", id: "a"}]) { _entities(representations: $reps) { ... on Room { uniqueName } } }`,
			nil, 1, 1},
		{"two _entities fields add up", `query($a: [_Any!]!, $b: [_Any!]!) { a: _entities(representations: $a) { ... on Room { uniqueName } }
			b: _entities(representations: $b) { ... on Room { uniqueName } } }`,
			map[string]any{"a": reps("Room", r1, r2), "b": reps("Room", r1)}, 3, 3},
		{"skipped", `query($reps: [_Any!]!, $s: Boolean!) { _entities(representations: $reps) @skip(if: $s) { ... on Room { uniqueName } } }`,
			map[string]any{"reps": reps("Room", r1), "s": true}, 0, 0},
		{"beside a root field", `query($reps: [_Any!]!) { rooms(first: 2) { totalCount } _entities(representations: $reps) { ... on Room { uniqueName } } }`,
			vars(reps("Room", r1)), 2, 1},
		{"_service costs nothing", `{ _service { sdl } }`, nil, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := limits.Measure(s, operation(t, s, tc.query), tc.vars, limits.Config{})
			assert.Equal(t, tc.cost, st.Cost, "cost")
			assert.Equal(t, tc.reps, st.Representations, "representations")
		})
	}
}

// TestCostConfig checks that the page and fan-out knobs feed the prediction.
func TestCostConfig(t *testing.T) {
	s := schema(t)
	q := `{ rooms { nodes { sessions(first: 200) { nodes { participants { session { room { uniqueName } } } } } } } }`
	cases := []struct {
		name string
		cfg  limits.Config
		cost int
	}{
		// Per session: its participants' (shared) session fetched once, then a room fetch per participant.
		{"defaults: 20 rooms, 100 sessions, 50 participants", limits.Config{}, 1 + 20*(1+100*(1+50))},
		{"DefaultFirst", limits.Config{DefaultFirst: 2}, 1 + 2*(1+100*(1+50))},
		{"MaxFirst 250: window over 125 may take two calls", limits.Config{MaxFirst: 250}, 1 + 20*(2+200*(1+50))},
		{"ListFanOut", limits.Config{ListFanOut: 3}, 1 + 20*(1+100*(1+3))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.cost, limits.Cost(s, operation(t, s, q), nil, tc.cfg))
		})
	}
}

// TestCostCoversQueryPlans checks the prediction never undercounts the upstream calls the gateway's
// query-plan test measured through the simulator (docs/query-plans.md).
func TestCostCoversQueryPlans(t *testing.T) {
	s := schema(t)
	doc, err := os.ReadFile("../../../docs/query-plans.md")
	require.NoError(t, err)
	rows := regexp.MustCompile("(?m)^\\| (.+?) \\| `(.+?)` \\| \\*\\*(\\d+)\\*\\*").FindAllStringSubmatch(string(doc), -1)
	require.GreaterOrEqual(t, len(rows), 15, "the table's format changed: update the pattern")
	for _, row := range rows {
		t.Run(row[1], func(t *testing.T) {
			actual, err := strconv.Atoi(row[3])
			require.NoError(t, err)
			// The rows that page from a cursor get one: its worst case is what the prediction must cover.
			vars := map[string]any{"after": "a cursor", "before": "a cursor"}
			st := limits.Measure(s, operation(t, s, row[2]), vars, limits.Config{})
			assert.GreaterOrEqual(t, st.Cost, actual, "predicted cost below the measured calls")
			assert.LessOrEqual(t, st.Cost, limits.Config{}.Defaults().MaxCost, "a documented query is refused at the defaults")
		})
	}
}

// TestMeasure pins depth, aliases and root fields.
func TestMeasure(t *testing.T) {
	s := schema(t)
	cases := []struct {
		name  string
		query string
		want  limits.Stats
	}{
		{"leaf counts as a level", `{ rooms { nodes { id } } }`, limits.Stats{Depth: 3, RootFields: 1, Cost: 1}},
		{"__typename is no level", `{ rooms { nodes { __typename } } }`, limits.Stats{Depth: 2, RootFields: 1, Cost: 1}},
		{"__typename is no root field", `{ __typename rooms { totalCount } }`, limits.Stats{Depth: 2, RootFields: 1, Cost: 1}},
		{"fragments add their depth", `{ rooms { ...C } } fragment C on RoomConnection { nodes { ... on Room { sessions { totalCount } } } }`, limits.Stats{Depth: 4, RootFields: 1, Cost: 21}},
		{"aliases counted, same-name alias not", `{ a: rooms { n: totalCount totalCount: totalCount } }`, limits.Stats{Depth: 2, Aliases: 2, RootFields: 1, Cost: 1}},
		{"aliases counted per fragment use", `{ a: rooms { ...T } b: rooms { ...T } } fragment T on RoomConnection { n: totalCount }`, limits.Stats{Depth: 2, Aliases: 4, RootFields: 2, Cost: 2}},
		{"root fields through fragments", `{ ...Q ...Q } fragment Q on Query { rooms { totalCount } }`, limits.Stats{Depth: 2, RootFields: 2, Cost: 2}},
		{"introspection is one level", `{ __schema { types { fields { type { ofType { name } } } } } }`, limits.Stats{Depth: 1, RootFields: 1}},
		{"aliases inside introspection count", `{ __type(name: "Room") { n: name k: kind } }`, limits.Stats{Depth: 1, Aliases: 2, RootFields: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, limits.Measure(s, operation(t, s, tc.query), nil, limits.Config{}))
		})
	}
}

// TestGraphiQLIntrospectionFits: GraphiQL's introspection query nests 15 fields deep (nine ofType), over
// MaxDepth's default, and must still pass every default limit.
func TestGraphiQLIntrospectionFits(t *testing.T) {
	s := schema(t)
	q, err := os.ReadFile("testdata/graphiql-introspection.graphql")
	require.NoError(t, err)
	st := limits.Measure(s, operation(t, s, string(q)), nil, limits.Config{})
	assert.Equal(t, limits.Stats{Depth: 1, RootFields: 1}, st)
}

// TestDeepFragments: fragments spread twice in each of 40 nested fragments expand to 2^40 copies; the
// walk stays linear and the figures saturate instead of overflowing.
func TestDeepFragments(t *testing.T) {
	s := schema(t)
	const n = 40
	var b strings.Builder
	b.WriteString(`{ rooms { nodes { ...F0 } } }`)
	for i := range n - 1 {
		fmt.Fprintf(&b, "\nfragment F%d on Room { a%d: id ...F%d ...F%d }", i, i, i+1, i+1)
	}
	fmt.Fprintf(&b, "\nfragment F%d on Room { sessions { totalCount } }", n-1)
	st := limits.Measure(s, operation(t, s, b.String()), nil, limits.Config{})
	assert.Equal(t, limits.Saturated, st.Cost)
	assert.Equal(t, limits.Saturated, st.Aliases)
	assert.Equal(t, 4, st.Depth)
	assert.Equal(t, 1, st.RootFields)
}

// TestDeepNesting: a fragment chain 300 levels deep is walked without trouble and measured exactly.
func TestDeepNesting(t *testing.T) {
	s := schema(t)
	const n = 300
	var b strings.Builder
	b.WriteString(`{ roomSession(id: ` + room + `) { ...S0 } }`)
	for i := range n {
		fmt.Fprintf(&b, "\nfragment S%d on RoomSession { room { activeSession { ...S%d } } }", i, i+1)
	}
	fmt.Fprintf(&b, "\nfragment S%d on RoomSession { active }", n)
	st := limits.Measure(s, operation(t, s, b.String()), nil, limits.Config{})
	assert.Equal(t, 1+2*n+1, st.Depth)
	assert.Equal(t, 1+2*n, st.Cost) // roomSession, then a room fetch and a session fetch per level
}

// TestFragmentCycleNoOverflow: validation refuses fragment cycles, but the walk must not recurse forever
// even when handed such a document (the spreads are resolved by the validator's walk regardless).
func TestFragmentCycleNoOverflow(t *testing.T) {
	s := schema(t)
	doc, perr := parser.ParseQuery(&ast.Source{Input: `{ rooms { nodes { ...A } } }
		fragment A on Room { sessions { totalCount } ...B }
		fragment B on Room { uniqueName ...A }`})
	require.NoError(t, perr)
	errs := validator.ValidateWithRules(s, doc, nil)
	require.NotEmpty(t, errs, "validation must refuse the cycle")
	assert.Contains(t, errs.Error(), "Cannot spread fragment")
	st := limits.Measure(s, doc.Operations[0], nil, limits.Config{})
	assert.Equal(t, 1+20, st.Cost)
	assert.Equal(t, 4, st.Depth)
}

// TestMeasureTolerates documents the walk cannot fully resolve.
func TestMeasureTolerates(t *testing.T) {
	s := schema(t)
	assert.Equal(t, limits.Stats{}, limits.Measure(s, nil, nil, limits.Config{}))
	assert.Equal(t, limits.Stats{}, limits.Measure(nil, &ast.OperationDefinition{}, nil, limits.Config{}))

	doc, perr := parser.ParseQuery(&ast.Source{Input: `{ rooms(first: "x") { nodes { nope { id } ...Missing } } }`})
	require.NoError(t, perr)
	st := limits.Measure(s, doc.Operations[0], map[string]any{"x": struct{}{}}, limits.Config{})
	assert.Equal(t, limits.Stats{Depth: 3, RootFields: 1, Cost: 1}, st)
}

// TestCostTableFromOrigin pins the rows derived from package origin: a change of the origin table that
// changes what a field costs shows here.
func TestCostTableFromOrigin(t *testing.T) {
	fetchRoom, fetchOther := []string{"id", "telnyxId", "sessions"}, []string{"id", "telnyxId"}
	nodes := map[string]limits.FieldCost{"Room": {FetchUnless: fetchRoom}, "RoomSession": {FetchUnless: fetchOther},
		"RoomParticipant": {FetchUnless: fetchOther}}
	assert.Equal(t, map[string]limits.FieldCost{
		"Query.rooms":                        {Connection: true},
		"Query.roomSessions":                 {Connection: true},
		"Query.roomParticipants":             {Connection: true},
		"Room.sessions":                      {Connection: true},
		"RoomSession.participantsConnection": {Connection: true},
		"RoomSession.participants":           {BackRef: "session"},
		"Query.room":                         {FetchUnless: fetchRoom},
		"Query.roomSession":                  {Calls: 1},
		"Query.node":                         {NodeArg: "id", Nodes: nodes},
		"Query.nodes":                        {NodeArg: "ids", Nodes: nodes},
		"Query.roomParticipant":              {Calls: 1},
		"Room.activeSession":                 {FetchUnless: fetchOther},
		"RoomSession.room":                   {FetchUnless: fetchRoom},
		"RoomParticipant.session":            {FetchUnless: fetchOther},
		"RoomSessionPayload.session":         {FetchUnless: fetchOther},
		"RoomSessionPayload.room":            {Calls: 1, FetchUnless: fetchRoom},
		"Mutation.createRoom":                {Calls: 1},
		"Mutation.updateRoom":                {Calls: 1},
		"Mutation.deleteRoom":                {Calls: 1},
		"Mutation.endRoomSession":            {Calls: 1},
		"Mutation.kickParticipants":          {Calls: 1},
		"Mutation.muteParticipants":          {Calls: 1},
		"Mutation.unmuteParticipants":        {Calls: 1},
		"Mutation.generateJoinClientToken":   {Calls: 1},
		"Mutation.refreshClientToken":        {Calls: 1},
		"Subscription.roomEvents":            {Calls: 1},
		"Subscription.roomUpdated":           {Calls: 1},
		"RoomEvent.room":                     {FetchUnless: fetchRoom},
		"RoomEvent.session":                  {FetchUnless: fetchOther},
		"RoomSessionStarted.room":            {FetchUnless: fetchRoom},
		"RoomSessionStarted.session":         {FetchUnless: fetchOther},
		"RoomSessionEnded.room":              {FetchUnless: fetchRoom},
		"RoomSessionEnded.session":           {FetchUnless: fetchOther},
		"RoomParticipantJoined.room":         {FetchUnless: fetchRoom},
		"RoomParticipantJoined.session":      {FetchUnless: fetchOther},
		"RoomParticipantJoined.participant":  {FetchUnless: fetchOther},
		"RoomParticipantLeft.room":           {FetchUnless: fetchRoom},
		"RoomParticipantLeft.session":        {FetchUnless: fetchOther},
		"RoomParticipantLeft.participant":    {FetchUnless: fetchOther},
		"RoomRecordingStarted.room":          {FetchUnless: fetchRoom},
		"RoomRecordingStarted.session":       {FetchUnless: fetchOther},
		"RoomRecordingStarted.participant":   {FetchUnless: fetchOther},
		"RoomRecordingCompleted.room":        {FetchUnless: fetchRoom},
		"RoomRecordingCompleted.session":     {FetchUnless: fetchOther},
		"RoomRecordingCompleted.participant": {FetchUnless: fetchOther},
		"Query._entities": {Entities: map[string]limits.FieldCost{
			"Room":            {FetchUnless: fetchRoom},
			"RoomSession":     {Calls: 1},
			"RoomParticipant": {Calls: 1},
		}},
	}, limits.CostTable())
}

// TestCostTableMatchesSchema keeps the table in step with schema/*.graphqls: every entry names a real
// field, every connection and mutation is listed, and the fetch/back-reference names exist.
func TestCostTableMatchesSchema(t *testing.T) {
	s := schema(t)
	table := limits.CostTable()
	for key, c := range table {
		typ, field, ok := strings.Cut(key, ".")
		require.True(t, ok, key)
		def := s.Types[typ]
		require.NotNil(t, def, "%s: no type %s", key, typ)
		fd := def.Fields.ForName(field)
		require.NotNil(t, fd, "%s: no field %s", key, field)
		target := s.Types[fd.Type.Name()]
		for _, name := range c.FetchUnless {
			assert.NotNil(t, target.Fields.ForName(name), "%s: FetchUnless names %s.%s", key, target.Name, name)
		}
		if c.BackRef != "" {
			require.NotNil(t, fd.Type.Elem, "%s: BackRef on a field that is no list", key)
			ref := target.Fields.ForName(c.BackRef)
			require.NotNil(t, ref, "%s: BackRef names %s.%s", key, target.Name, c.BackRef)
			assert.Equal(t, typ, ref.Type.Name(), "%s: BackRef must lead back to %s", key, typ)
		}
	}
	for _, def := range s.Types {
		if def.BuiltIn || def.Kind != ast.Object {
			continue
		}
		for _, f := range def.Fields {
			key := def.Name + "." + f.Name
			if strings.HasSuffix(f.Type.Name(), "Connection") {
				assert.True(t, table[key].Connection, "%s returns a connection: mark it Connection", key)
			}
			if def == s.Mutation {
				assert.Positive(t, table[key].Calls, "mutation %s must cost at least one call", key)
			}
		}
	}
	table["Query.rooms"] = limits.FieldCost{}
	assert.True(t, limits.CostTable()["Query.rooms"].Connection, "CostTable must hand out a copy")
}

// TestCostTableCoversFederatedSchema: every field a query or a mutation of the federated schema (the one
// gqlgen builds; the plain schema is it without federation) can reach has a cost rule — _service and
// _entities included, and through _entities every entity type's fields — so that no new field counts as
// free by accident. Only below fields gqlgen answers from the schema itself (introspection, _service) is
// nothing to cost.
func TestCostTableCoversFederatedSchema(t *testing.T) {
	s := schema(t)
	require.NotNil(t, s.Query.Fields.ForName("_entities"), "the schema under test is the federated one")
	require.NotNil(t, s.Query.Fields.ForName("_service"), "the schema under test is the federated one")
	seen := map[string]bool{}
	var visit func(def *ast.Definition)
	visit = func(def *ast.Definition) {
		if def == nil || seen[def.Name] {
			return
		}
		seen[def.Name] = true
		if def.Kind == ast.Union || def.Kind == ast.Interface {
			for _, p := range s.GetPossibleTypes(def) {
				visit(p)
			}
			return
		}
		if def.Kind != ast.Object {
			return
		}
		for _, f := range def.Fields {
			key := def.Name + "." + f.Name
			rule, known := limits.Rule(def.Name, f.Name)
			if !assert.True(t, known, "%s has no cost rule: add its row to internal/model/origin", key) {
				continue
			}
			assert.Equal(t, limits.CostTable()[key], rule, key)
			switch f.Name {
			case "__schema", "__type", "_service":
				assert.Zero(t, rule, "%s is answered from the schema: no call", key)
				continue // answered by gqlgen from the schema: nothing below calls the upstream
			}
			visit(s.Types[f.Type.Name()])
		}
	}
	visit(s.Query)
	visit(s.Mutation)
	for _, name := range []string{"Room", "RoomSession", "RoomParticipant", "_Entity"} {
		assert.True(t, seen[name], "%s reached", name)
	}

	entities, _ := limits.Rule("Query", "_entities")
	require.NotNil(t, entities.Entities, "_entities is costed per representation")
	var members []string
	for _, p := range s.GetPossibleTypes(s.Types["_Entity"]) {
		members = append(members, p.Name)
		rule, ok := entities.Entities[p.Name]
		if assert.True(t, ok, "entity %s has no cost per representation", p.Name) {
			assert.True(t, rule.Calls > 0 || rule.FetchUnless != nil, "entity %s: a representation is fetched, always or unless only its keys are selected", p.Name)
		}
	}
	assert.Len(t, entities.Entities, len(members), "a cost per representation for each entity, no more: %v", members)
	_, known := limits.Rule("Query", "nope")
	assert.False(t, known)
}
