package limits_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"

	"github.com/roomgraph/roomgraph/internal/exec/limits"
)

// FuzzCost: measuring never panics and stays within 0..Saturated on any document that parses and
// validates against the real schema, whatever the variables. The seeds run as ordinary tests.
func FuzzCost(f *testing.F) {
	seeds := []string{
		`{ room(id: "x") { id } }`,
		`{ rooms(first: 100) { nodes { sessions(first: 100) { nodes { participantsConnection(first: 100) { nodes { id } } } } } } }`,
		`query($n: Int, $l: Int, $b: String) { rooms(first: $n, last: $l, before: $b) { edges { node { uniqueName } } } }`,
		`query($s: Boolean!, $i: Boolean = false) { rooms { nodes { ...R @skip(if: $s) ... @include(if: $i) { id } } } } fragment R on Room { sessions { nodes { participants { session { room { uniqueName } } } } } }`,
		`{ ...Q ...Q } fragment Q on Query { a: roomSessions { totalCount } b: roomParticipants(last: 3) { nodes { session { active } } } }`,
		`mutation { endRoomSession(id: "x") { session { participants { id } } room { uniqueName activeSession { id } } } }`,
		`{ __schema { types { name fields { name type { name ofType { name } } } } } __type(name: "Room") { name } }`,
		`{ rooms { nodes { ...F0 } } } fragment F0 on Room { ...F1 ...F1 } fragment F1 on Room { ...F2 ...F2 } fragment F2 on Room { sessions { totalCount } }`,
	}
	if doc, err := os.ReadFile("../../../docs/query-plans.md"); err == nil {
		for _, m := range regexp.MustCompile("(?m)^\\| .+? \\| `(.+?)` \\|").FindAllStringSubmatch(string(doc), -1) {
			seeds = append(seeds, m[1])
		}
	}
	for _, s := range seeds {
		f.Add(s, int64(3), true)
	}
	s := schema(f)
	f.Fuzz(func(t *testing.T, query string, n int64, flag bool) {
		doc, errs := gqlparser.LoadQueryWithRules(s, query, nil)
		if len(errs) > 0 {
			return
		}
		vars := map[string]any{"n": n, "l": n, "first": n, "last": n, "b": "c", "s": flag, "i": flag}
		for _, op := range doc.Operations {
			for _, v := range []map[string]any{nil, vars} {
				st := limits.Measure(s, op, v, limits.Config{})
				for _, x := range []int{st.Cost, st.Depth, st.Aliases, st.RootFields} {
					require.GreaterOrEqual(t, x, 0)
					require.LessOrEqual(t, x, limits.Saturated)
				}
				require.Equal(t, st.Cost, limits.Cost(s, op, v, limits.Config{}))
			}
		}
	})
}
