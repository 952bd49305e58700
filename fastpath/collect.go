package fastpath

import (
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/roomgraph/roomgraph/weakmap"
)

// Field collection (gqlgen's CollectFields: merged aliases, fragments, @skip/@include) is a function of the
// document, the selection set, the type and the operation's variables. gqlgen caches it per operation, so
// every request collected its selections again (a tenth of S1's allocations, with the cache keys built for
// each lookup). A document gqlgen has parsed is one object for as long as its query cache holds it, and when
// none of its selections carries a directive that collection evaluates, its collected fields are the same
// for every request: those are kept per document, for every request of that document.

// collectKey names one selection set of a document for one type: the selection set by its first element's
// address (unique within the document), the type by its implementors list (package variables here).
type collectKey struct {
	sel  *ast.Selection
	impl *string
}

// docFields holds the collected fields of one document.
type docFields struct {
	cacheable bool     // no @skip, @include or @defer in any selection
	fields    sync.Map // collectKey → []graphql.CollectedField, read-only once stored
}

// fieldCache maps live documents to their collected fields. Documents are held weakly: an entry goes when
// gqlgen's query cache drops its document and the collector frees it.
type fieldCache struct {
	docs *weakmap.Map[ast.QueryDocument, *docFields]
}

func newFieldCache() *fieldCache {
	return &fieldCache{docs: weakmap.New[ast.QueryDocument, *docFields]()}
}

// of returns doc's entry, made on first use.
func (c *fieldCache) of(doc *ast.QueryDocument) *docFields {
	return c.docs.LoadOrStore(doc, func() *docFields { return &docFields{cacheable: !hasCollectionDirectives(doc)} })
}

// len is the number of documents held (for tests).
func (c *fieldCache) len() int { return c.docs.Len() }

// collect is graphql.CollectFields, answered from the document's entry when it has one that holds for every
// request.
func (d *docFields) collect(oc *graphql.OperationContext, sel ast.SelectionSet, implementors []string) []graphql.CollectedField {
	if d == nil || !d.cacheable || len(sel) == 0 || len(implementors) == 0 {
		return graphql.CollectFields(oc, sel, implementors)
	}
	k := collectKey{sel: &sel[0], impl: &implementors[0]}
	if v, ok := d.fields.Load(k); ok {
		return v.([]graphql.CollectedField)
	}
	v := graphql.CollectFields(oc, sel, implementors)
	d.fields.Store(k, v)
	return v
}

// collectionDirectives are the directives CollectFields evaluates (with the operation's variables).
var collectionDirectives = map[string]bool{"skip": true, "include": true, "defer": true}

// hasCollectionDirectives reports whether any selection of doc, in its operations or its fragments, carries
// a directive that field collection evaluates.
func hasCollectionDirectives(doc *ast.QueryDocument) bool {
	for _, op := range doc.Operations {
		if selectionHasDirectives(op.SelectionSet) {
			return true
		}
	}
	for _, f := range doc.Fragments {
		if directivesMatter(f.Directives) || selectionHasDirectives(f.SelectionSet) {
			return true
		}
	}
	return false
}

func selectionHasDirectives(sel ast.SelectionSet) bool {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if directivesMatter(s.Directives) || selectionHasDirectives(s.SelectionSet) {
				return true
			}
		case *ast.InlineFragment:
			if directivesMatter(s.Directives) || selectionHasDirectives(s.SelectionSet) {
				return true
			}
		case *ast.FragmentSpread:
			if directivesMatter(s.Directives) {
				return true
			}
		default:
			return true // a selection kind this code does not know: never cache
		}
	}
	return false
}

func directivesMatter(ds ast.DirectiveList) bool {
	for _, d := range ds {
		if collectionDirectives[d.Name] {
			return true
		}
	}
	return false
}
