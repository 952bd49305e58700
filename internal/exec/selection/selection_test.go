package selection

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// The implementors lists of the types the tests collect for, one variable each as the cache requires.
var (
	queryImplementors       = []string{"Query"}
	roomImplementors        = []string{"Room"}
	roomSessionImplementors = []string{"RoomSession"}
)

func parse(t *testing.T, q string) *ast.QueryDocument {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: q})
	require.NoError(t, err)
	return doc
}

func names(fs []graphql.CollectedField) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Alias)
	}
	return out
}

func TestCollectionDirectivesMakeADocumentPerRequest(t *testing.T) {
	cases := []struct {
		name      string
		query     string
		cacheable bool
	}{
		{"plain", `{ room(id: "a") { id sessions(first: 2) { nodes { id } } } }`, true},
		{"aliases and fragments", `query { a: room(id: "a") { ...R } } fragment R on Room { id ... on Room { uniqueName } }`, true},
		{"other directive", `{ room(id: "a") { id @deprecated } }`, true},
		{"skip on a field", `query($s: Boolean!) { room(id: "a") { id @skip(if: $s) } }`, false},
		{"include deep", `query($i: Boolean!) { room(id: "a") { sessions { nodes { id @include(if: $i) } } } }`, false},
		{"on an inline fragment", `query($i: Boolean!) { room(id: "a") { ... on Room @include(if: $i) { id } } }`, false},
		{"on a spread", `query($i: Boolean!) { room(id: "a") { ...R @include(if: $i) } } fragment R on Room { id }`, false},
		{"inside a fragment", `query($s: Boolean!) { room(id: "a") { ...R } } fragment R on Room { id @skip(if: $s) }`, false},
		{"defer", `{ room(id: "a") { ... @defer { id } } }`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.cacheable, !hasCollectionDirectives(parse(t, c.query)))
		})
	}
}

func TestCollectedFieldsAreSharedAcrossRequestsOfOneDocument(t *testing.T) {
	cache := New()
	doc := parse(t, `{ room(id: "a") { b: id id uniqueName ...R } } fragment R on Room { createdAt id }`)
	sel := doc.Operations[0].SelectionSet[0].(*ast.Field).SelectionSet

	first := cache.Of(doc).Collect(&graphql.OperationContext{Doc: doc}, sel, roomImplementors)
	assert.Equal(t, []string{"b", "id", "uniqueName", "createdAt"}, names(first))
	second := cache.Of(doc).Collect(&graphql.OperationContext{Doc: doc}, sel, roomImplementors)
	require.NotEmpty(t, second)
	assert.Same(t, &first[0], &second[0], "the second request of the document reuses the first one's fields")

	// Another type over the same selection set is another entry.
	other := cache.Of(doc).Collect(&graphql.OperationContext{Doc: doc}, sel, roomSessionImplementors)
	assert.Equal(t, []string{"b", "id", "uniqueName"}, names(other))
}

func TestVariablesDecideCollectionWhenDirectivesUseThem(t *testing.T) {
	cache := New()
	doc := parse(t, `query($s: Boolean!) { room(id: "a") { id uniqueName @skip(if: $s) } }`)
	sel := doc.Operations[0].SelectionSet[0].(*ast.Field).SelectionSet
	for _, skip := range []bool{true, false, true} {
		oc := &graphql.OperationContext{Doc: doc, Variables: map[string]any{"s": skip}}
		got := names(cache.Of(doc).Collect(oc, sel, roomImplementors))
		if skip {
			assert.Equal(t, []string{"id"}, got)
		} else {
			assert.Equal(t, []string{"id", "uniqueName"}, got)
		}
	}
}

func TestDocumentsLeaveTheCacheWithGqlgensQueryCache(t *testing.T) {
	cache := New()
	func() {
		for range 20 {
			doc := parse(t, `{ room(id: "a") { id } }`)
			sel := doc.Operations[0].SelectionSet
			cache.Of(doc).Collect(&graphql.OperationContext{Doc: doc}, sel, queryImplementors)
		}
	}()
	assert.Positive(t, cache.Len())
	assert.Eventually(t, func() bool {
		runtime.GC()
		return cache.Len() == 0
	}, 5*time.Second, 10*time.Millisecond, "a document nobody holds is dropped")
}

// fieldContext is the context a resolver of the document's first root field sees.
func fieldContext(doc *ast.QueryDocument, vars map[string]any) context.Context {
	oc := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: vars}
	ctx := graphql.WithOperationContext(context.Background(), oc)
	root := doc.Operations[0].SelectionSet[0].(*ast.Field)
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: root, Selections: root.SelectionSet}})
}

func TestLookAheadAnswersAsGqlgenDoes(t *testing.T) {
	paths := []string{"edges.node.participants", "nodes.participants", "totalCount"}
	split := map[string]Path{
		"edges.node.participants": {"edges", "node", "participants"},
		"nodes.participants":      {"nodes", "participants"},
		"totalCount":              {"totalCount"},
	}
	cases := []struct {
		name  string
		query string
		vars  map[string]any
	}{
		{"nodes with participants", `{ sessions(roomId: "a") { nodes { id participants { nodes { id } } } } }`, nil},
		{"edges with participants", `{ sessions(roomId: "a") { edges { node { participants { totalCount } } } } }`, nil},
		{"no participants", `{ sessions(roomId: "a") { nodes { id } edges { cursor } } }`, nil},
		{"aliased", `{ sessions(roomId: "a") { n: nodes { p: participants { totalCount } } } }`, nil},
		{"through fragments", `{ sessions(roomId: "a") { ...C } } fragment C on RoomSessionConnection { edges { ... on RoomSessionEdge { node { participants { totalCount } } } } }`, nil},
		{"skipped by a variable", `query($s: Boolean!) { sessions(roomId: "a") { nodes { participants @skip(if: $s) { totalCount } } } }`, map[string]any{"s": true}},
		{"kept by a variable", `query($s: Boolean!) { sessions(roomId: "a") { nodes { participants @skip(if: $s) { totalCount } } } }`, map[string]any{"s": false}},
		{"only the count", `{ sessions(roomId: "a") { totalCount } }`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := parse(t, c.query)
			for range 2 { // the second time from the cache
				ctx := fieldContext(doc, c.vars)
				for _, p := range paths {
					assert.Equal(t, graphql.AnyFieldRequested(ctx, p), AnyRequested(ctx, split[p]), p)
				}
				assert.Equal(t, graphql.AnyFieldRequested(ctx, paths...), AnyRequested(ctx, split[paths[0]], split[paths[1]], split[paths[2]]))
				assert.Equal(t, names(graphql.CollectFieldsCtx(ctx, nil)), names(Fields(ctx)))
			}
		})
	}
}

func TestLookAheadCostsNoAllocationOnceCached(t *testing.T) {
	doc := parse(t, `{ sessions(roomId: "a") { edges { node { participants { totalCount } } } } }`)
	ctx := fieldContext(doc, nil)
	path := Path{"nodes", "participants"}
	require.False(t, AnyRequested(ctx, path))
	assert.Zero(t, testing.AllocsPerRun(100, func() { AnyRequested(ctx, path) }))
}
