package limits_test

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"

	"github.com/roomgraph/roomgraph/internal/exec/limits"
)

// dashboard is the gateway benchmark's dashboard query, written with a fragment and variables as a client
// would send it.
const dashboard = `query Dashboard($rooms: Int = 5, $sessions: Int = 5) {
	rooms(first: $rooms) { totalCount nodes { ...RoomCard } }
}
fragment RoomCard on Room {
	id uniqueName maxParticipants
	activeSession { id createdAt participants { context joinedAt } }
	sessions(first: $sessions) { totalCount nodes { id active createdAt endedAt
		participants { id context joinedAt leftAt session { id } } room { uniqueName } } }
}`

// BenchmarkExtension measures the extension's per-operation work (what gqlgen runs after validation).
func BenchmarkExtension(b *testing.B) {
	es := executableSchema()
	ext := limits.New(limits.Config{})
	require.NoError(b, ext.Validate(es))
	doc, errs := gqlparser.LoadQueryWithRules(es.Schema(), dashboard, nil)
	require.Empty(b, errs)
	vars := map[string]any{"rooms": int64(5), "sessions": int64(5)}
	ctx := context.Background()
	var cost int
	b.ReportAllocs()
	for b.Loop() {
		opCtx := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: vars}
		if err := ext.MutateOperationContext(ctx, opCtx); err != nil {
			b.Fatal(err)
		}
		cost = opCtx.Stats.GetExtension("QueryLimits").(*limits.Stats).Cost
	}
	b.ReportMetric(float64(cost), "predicted-calls/op")
}
