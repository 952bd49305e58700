package fastpath

import (
	"runtime"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
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
	cache := newFieldCache()
	doc := parse(t, `{ room(id: "a") { b: id id uniqueName ...R } } fragment R on Room { createdAt id }`)
	sel := doc.Operations[0].SelectionSet[0].(*ast.Field).SelectionSet

	first := cache.of(doc).collect(&graphql.OperationContext{Doc: doc}, sel, roomImplementors)
	assert.Equal(t, []string{"b", "id", "uniqueName", "createdAt"}, names(first))
	second := cache.of(doc).collect(&graphql.OperationContext{Doc: doc}, sel, roomImplementors)
	require.NotEmpty(t, second)
	assert.Same(t, &first[0], &second[0], "the second request of the document reuses the first one's fields")

	// Another type over the same selection set is another entry.
	other := cache.of(doc).collect(&graphql.OperationContext{Doc: doc}, sel, roomSessionImplementors)
	assert.Equal(t, []string{"b", "id", "uniqueName"}, names(other))
}

func TestVariablesDecideCollectionWhenDirectivesUseThem(t *testing.T) {
	cache := newFieldCache()
	doc := parse(t, `query($s: Boolean!) { room(id: "a") { id uniqueName @skip(if: $s) } }`)
	sel := doc.Operations[0].SelectionSet[0].(*ast.Field).SelectionSet
	for _, skip := range []bool{true, false, true} {
		oc := &graphql.OperationContext{Doc: doc, Variables: map[string]any{"s": skip}}
		got := names(cache.of(doc).collect(oc, sel, roomImplementors))
		if skip {
			assert.Equal(t, []string{"id"}, got)
		} else {
			assert.Equal(t, []string{"id", "uniqueName"}, got)
		}
	}
}

func TestDocumentsLeaveTheCacheWithGqlgensQueryCache(t *testing.T) {
	cache := newFieldCache()
	func() {
		for range 20 {
			doc := parse(t, `{ room(id: "a") { id } }`)
			sel := doc.Operations[0].SelectionSet
			cache.of(doc).collect(&graphql.OperationContext{Doc: doc}, sel, queryImplementors)
		}
	}()
	assert.Positive(t, cache.len())
	assert.Eventually(t, func() bool {
		runtime.GC()
		return cache.len() == 0
	}, 5*time.Second, 10*time.Millisecond, "a document nobody holds is dropped")
}
