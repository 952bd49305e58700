// Package selection collects the fields of selection sets (gqlgen's CollectFields: merged aliases,
// fragments, @skip/@include) once per parsed document instead of once per request, and answers resolvers'
// look-ahead questions ("does this field select participants?") from the same collected fields.
package selection

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/roomgraph/roomgraph/internal/exec/weakmap"
)

// Field collection (gqlgen's CollectFields: merged aliases, fragments, @skip/@include) is a function of the
// document, the selection set, the type and the operation's variables. gqlgen caches it per operation, so
// every request collected its selections again, building the cache keys for each lookup. A document gqlgen
// has parsed is one object for as long as its query cache holds it, and when none of its selections
// carries a directive that collection evaluates, its collected fields are the same for every request:
// those are kept per document, for every request of that document.

// collectKey names one selection set of a document for one type: the selection set by its first element's
// address (unique within the document), the type by its implementors list, which callers must keep in one
// variable for the life of the process (gqlgen's generated code and package fastpath do), or nil: every
// field, whatever its type condition.
type collectKey struct {
	sel  *ast.Selection
	impl *string
}

// Doc holds the collected fields of one document.
type Doc struct {
	cacheable bool     // no @skip, @include or @defer in any selection
	fields    sync.Map // collectKey → []graphql.CollectedField, read-only once stored
}

// Cache maps live documents to their collected fields. Documents are held weakly: an entry goes when
// gqlgen's query cache drops its document and the collector frees it. Documents are distinct objects, so
// one cache serves every gateway of a process (Shared).
type Cache struct {
	docs *weakmap.Map[ast.QueryDocument, *Doc]
}

// New returns an empty cache.
func New() *Cache {
	return &Cache{docs: weakmap.New[ast.QueryDocument, *Doc]()}
}

// Shared is the process's cache, used by the package functions.
var Shared = New()

// Of returns doc's entry, made on first use.
func (c *Cache) Of(doc *ast.QueryDocument) *Doc {
	return c.docs.LoadOrStore(doc, func() *Doc { return &Doc{cacheable: !hasCollectionDirectives(doc)} })
}

// Len is the number of documents held.
func (c *Cache) Len() int { return c.docs.Len() }

// Collect is graphql.CollectFields, answered from the document's entry when it has one that holds for every
// request. The result is shared: callers must not change it.
func (d *Doc) Collect(oc *graphql.OperationContext, sel ast.SelectionSet, implementors []string) []graphql.CollectedField {
	if d == nil || !d.cacheable || len(sel) == 0 {
		return graphql.CollectFields(oc, sel, implementors)
	}
	k := collectKey{sel: &sel[0]}
	if len(implementors) > 0 {
		k.impl = &implementors[0]
	}
	if v, ok := d.fields.Load(k); ok {
		return v.([]graphql.CollectedField)
	}
	v := graphql.CollectFields(oc, sel, implementors)
	d.fields.Store(k, v)
	return v
}

// Collect is graphql.CollectFields through the shared cache.
func Collect(oc *graphql.OperationContext, sel ast.SelectionSet, implementors []string) []graphql.CollectedField {
	return Shared.Of(oc.Doc).Collect(oc, sel, implementors)
}

// Fields is graphql.CollectFieldsCtx(ctx, nil) through the shared cache: the fields the current field
// selects, whatever their type condition.
func Fields(ctx context.Context) []graphql.CollectedField {
	return Collect(graphql.GetOperationContext(ctx), graphql.GetFieldContext(ctx).Field.Selections, nil)
}

// Path is a field path below the current field, one name per level ("edges", "node", "participants").
type Path []string

// AnyRequested is graphql.AnyFieldRequested through the shared cache, with the paths split beforehand: it
// reports whether the current field selects any of the paths.
func AnyRequested(ctx context.Context, paths ...Path) bool {
	oc := graphql.GetOperationContext(ctx)
	doc := Shared.Of(oc.Doc)
	sel := graphql.GetFieldContext(ctx).Field.Selections
	for _, p := range paths {
		if requested(doc, oc, sel, p) {
			return true
		}
	}
	return false
}

// requested reports whether sel selects path, as gqlgen's fieldPathRequested does.
func requested(doc *Doc, oc *graphql.OperationContext, sel ast.SelectionSet, path Path) bool {
	if len(path) == 0 {
		return true
	}
	for _, f := range doc.Collect(oc, sel, nil) {
		if f.Name == path[0] && (len(path) == 1 || requested(doc, oc, f.Selections, path[1:])) {
			return true
		}
	}
	return false
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
