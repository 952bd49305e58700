package gateway_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/internal/exec/limits"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// entitiesQuery asks for representations given in $reps, with sel under `... on Type { }` fragments.
func entitiesQuery(sel string) string {
	return `query($reps: [_Any!]!) { _entities(representations: $reps) { __typename ` + sel + ` } }`
}

// distinctReps returns n representations of typename with n distinct well-formed ids (unknown to the
// simulator: each would still cost its GET).
func distinctReps(typename string, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"__typename": typename, "id": fmt.Sprintf("00000000-0000-4000-8000-%012d", i)}
	}
	return out
}

// TestEntitiesFloodRefused reproduces the issue: with federation on, 12,000 representations in one request
// made 12,000 upstream calls under the default ROOMGRAPH_MAX_COST (1000). They must be refused with
// QUERY_LIMIT_EXCEEDED before any upstream call.
func TestEntitiesFloodRefused(t *testing.T) {
	h := newHarness(t, telnyxsim.Config{Seed: 11, Rooms: 2, SessionsPerRoom: 1}, gateway.Config{Federation: true})
	h.sim.ResetStats()
	res := h.post(t, entitiesQuery(`... on Room { id uniqueName }`), map[string]any{"reps": distinctReps("Room", 12000)})
	assert.Zero(t, h.sim.Stats().Total, "upstream calls")
	require.Equal(t, 1, len(res.Errors), "errors (not listed: there may be thousands)")
	assert.Equal(t, "QUERY_LIMIT_EXCEEDED", res.Errors[0].code())
	assert.Equal(t, "null", string(orNull(res.Data)), "nothing executed")
}

// TestEntitiesRepresentationCap: the representations of one request are capped (all of them: Room
// representations selecting only their id cost no call, so only the cap bounds them), at the default and
// at a configured cap; one over is refused before any upstream call.
func TestEntitiesRepresentationCap(t *testing.T) {
	q := entitiesQuery(`... on Room { id }`)
	cases := []struct {
		name  string
		cap   int // Config.Limits.MaxRepresentations; 0: the default, 1000
		reps  int
		limit bool
	}{
		{"default cap: 1000", 0, 1000, false},
		{"default cap: 1001", 0, 1001, true},
		{"configured cap: 25", 25, 25, false},
		{"configured cap: 26", 25, 26, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, telnyxsim.Config{Seed: 11, Rooms: 2, SessionsPerRoom: 1},
				gateway.Config{Federation: true, Limits: gateway.LimitsConfig{MaxRepresentations: tc.cap}})
			h.sim.ResetStats()
			res := h.post(t, q, map[string]any{"reps": distinctReps("Room", tc.reps)})
			assert.Zero(t, h.sim.Stats().Total, "Room representations by id cost no upstream call, refused or not")
			if !tc.limit {
				require.Empty(t, res.Errors)
				assert.Contains(t, string(res.Data), `"id":"`+nodeid.Encode(nodeid.Room, "00000000-0000-4000-8000-000000000000")+`"`)
				return
			}
			require.Len(t, res.Errors, 1)
			e := res.Errors[0]
			assert.Equal(t, "QUERY_LIMIT_EXCEEDED", e.code())
			assert.Equal(t, "representations", e.Extensions["limit"])
			assert.Equal(t, float64(tc.reps), e.Extensions["value"])
			assert.Equal(t, float64(tc.reps-1), e.Extensions["max"])
			assert.Equal(t, fmt.Sprintf("query exceeds the maximum number of _entities representations: %d > %d", tc.reps, tc.reps-1), e.Message)
			assert.Equal(t, "null", string(orNull(res.Data)))
		})
	}
}

// TestEntitiesCostCoversCalls: for _entities selections a router sends, the limits' prediction is at or
// above the upstream calls the gateway really makes (as docs/query-plans.md promises for other shapes),
// both pinned. Representations that repeat an id cost nothing more, Room representations by id nothing.
func TestEntitiesCostCoversCalls(t *testing.T) {
	h := newHarness(t, telnyxsim.Config{Seed: 11, Rooms: 6, SessionsPerRoom: 4, ParticipantsPerSession: 3}, gateway.Config{Federation: true})
	fed := graph.NewExecutableSchema(graph.Config{}).Schema()
	rooms := h.sim.Rooms(keyA)
	require.GreaterOrEqual(t, len(rooms), 3)
	var sessions []telnyxsim.Session
	for _, r := range rooms {
		sessions = append(sessions, h.sim.Sessions(keyA, r.ID)...)
	}
	require.GreaterOrEqual(t, len(sessions), 3)
	participants := h.sim.Participants(keyA, sessions[0].ID)
	require.GreaterOrEqual(t, len(participants), 2)
	rep := func(typename, id string) any { return map[string]any{"__typename": typename, "id": id} }
	list := func(r ...any) []any { return r }
	cases := []struct {
		name      string
		sel       string
		reps      []any
		predicted int
		actual    int
	}{
		{"rooms by id only, one repeated", `... on Room { id }`,
			list(rep("Room", rooms[0].ID), rep("Room", rooms[1].ID), rep("Room", rooms[0].ID)), 0, 0},
		{"room fields, one repeated", `... on Room { id uniqueName }`,
			list(rep("Room", rooms[0].ID), rep("Room", rooms[1].ID), rep("Room", rooms[0].ID)), 2, 2},
		{"room sessions without room fields", `... on Room { id sessions(first: 2) { totalCount nodes { id participants { context } } } }`,
			list(rep("Room", rooms[0].ID), rep("Room", rooms[1].ID)), 2, 2},
		{"room fields and sessions' rooms", `... on Room { uniqueName sessions(first: 2) { nodes { room { maxParticipants } } } }`,
			list(rep("Room", rooms[0].ID), rep("Room", rooms[1].ID)), 2 * (1 + 1 + 2), 4},
		{"sessions by id only, one repeated", `... on RoomSession { id }`,
			list(rep("RoomSession", sessions[0].ID), rep("RoomSession", sessions[1].ID), rep("RoomSession", sessions[0].ID)), 2, 2},
		{"sessions with their room and participants page", `... on RoomSession { active room { uniqueName } participantsConnection(first: 2) { totalCount } }`,
			list(rep("RoomSession", sessions[0].ID), rep("RoomSession", sessions[1].ID)), 2 * 3, 5},
		{"participants with their session", `... on RoomParticipant { context session { active } }`,
			list(rep("RoomParticipant", participants[0].ID), rep("RoomParticipant", participants[1].ID)), 4, 3},
		{"mixed types", `... on Room { id } ... on RoomSession { active } ... on RoomParticipant { context }`,
			list(rep("Room", rooms[2].ID), rep("RoomSession", sessions[2].ID), rep("RoomParticipant", participants[0].ID)), 2, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := entitiesQuery(tc.sel)
			vars := map[string]any{"reps": tc.reps}
			doc, errs := gqlparser.LoadQueryWithRules(fed, q, nil)
			require.Empty(t, errs)
			st := limits.Measure(fed, doc.Operations[0], vars, limits.Config{})
			h.sim.ResetStats()
			res := h.post(t, q, vars)
			require.Empty(t, res.Errors)
			actual := h.sim.Stats().Total
			assert.GreaterOrEqual(t, st.Cost, actual, "the prediction must not undercount")
			assert.Equal(t, tc.predicted, st.Cost, "predicted")
			assert.Equal(t, tc.actual, actual, "upstream calls")
			assert.Equal(t, len(tc.reps), st.Representations)
		})
	}
}
