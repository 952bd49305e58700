package gateway_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
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
