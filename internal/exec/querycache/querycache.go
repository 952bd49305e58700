// Package querycache is gqlgen's cache of parsed and validated query documents (graphql.Cache of
// *ast.QueryDocument, keyed by the query text), bounded in bytes: a parsed document is many times larger
// than its text, and how many times depends on the text (a field name of two letters becomes a node of a
// few hundred bytes), so a bound in entries alone bounds nothing.
//
// Each entry is weighed by Size, an estimate of the memory it keeps alive, made once when it is added.
// Documents longer than a limit are not cached at all, and the caller decides per operation whether its
// document may be cached (a gateway that forwards credentials caches none for callers without one).
// Eviction is W-TinyLFU (github.com/maypok86/otter): a flood of documents sent once does not push out the
// ones in use.
//
// It knows GraphQL documents only: nothing of the schema, HTTP or the upstream.
package querycache

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/maypok86/otter/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// What a cached document keeps alive, measured on amd64 with Go 1.26 (TestSizeCoversMeasuredMemory, and
// the gateway's TestDocumentCacheFloodIsBounded for the whole): every node of the document (operation,
// variable, selection, argument, value, directive, fragment) takes 170 to 410 bytes once parsed and
// validated (an ast.Field with its Position is about 230; `__typename` gets a FieldDefinition of its own
// from the validator, about 410), plus what roomgraph keeps per document beside it (collected fields and
// query-limit figures, held weakly by the document). A document's fixed part (the QueryDocument, its
// operation list, the cache's node, the key) is under 1 KiB.
const (
	nodeBytes     = 512
	documentBytes = 1024
)

// Size estimates the bytes a cached document holds: its text (the key, which the parsed document's
// positions also point into; an eighth more for the allocator's size classes) and its nodes. Measured against the live heap, it is 1 to 3 times what a
// document really holds (the most for the smallest documents), whatever its shape: a document dense in short field names has a text far
// smaller than its tree, which an estimate from the text's length alone would miss.
func Size(query string, doc *ast.QueryDocument) int {
	return documentBytes + len(query) + len(query)/8 + nodeBytes*Nodes(doc)
}

// Nodes counts the nodes of a document.
func Nodes(doc *ast.QueryDocument) int {
	if doc == nil {
		return 0
	}
	n := 0
	var value func(*ast.Value)
	value = func(v *ast.Value) {
		if v == nil {
			return
		}
		n++
		for _, c := range v.Children {
			value(c.Value)
		}
	}
	arguments := func(args ast.ArgumentList) {
		for _, a := range args {
			n++
			value(a.Value)
		}
	}
	directives := func(ds ast.DirectiveList) {
		for _, d := range ds {
			n++
			arguments(d.Arguments)
		}
	}
	var selections func(ast.SelectionSet)
	selections = func(set ast.SelectionSet) {
		for _, s := range set {
			n++
			switch s := s.(type) {
			case *ast.Field:
				arguments(s.Arguments)
				directives(s.Directives)
				selections(s.SelectionSet)
			case *ast.InlineFragment:
				directives(s.Directives)
				selections(s.SelectionSet)
			case *ast.FragmentSpread:
				directives(s.Directives)
			}
		}
	}
	for _, op := range doc.Operations {
		n++
		for _, v := range op.VariableDefinitions {
			n++
			value(v.DefaultValue)
			directives(v.Directives)
		}
		directives(op.Directives)
		selections(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		n++
		directives(f.Directives)
		selections(f.SelectionSet)
	}
	return n
}

// Config bounds the cache.
type Config struct {
	// MaxBytes bounds the documents' estimated size (Size) together; MaxDocumentBytes is the longest query
	// text cached (longer ones are parsed and validated every time). Both must be positive.
	MaxBytes         int64
	MaxDocumentBytes int
	// Admit, when set, decides whether the document of the operation in ctx may be cached.
	Admit func(ctx context.Context) bool
}

// Cache is a graphql.Cache of parsed documents bounded in bytes; safe for concurrent use.
type Cache struct {
	docs        *otter.Cache[string, entry]
	maxDocument int
	admit       func(ctx context.Context) bool
}

// entry is a cached document with its weight, computed once outside the cache's locks.
type entry struct {
	doc    *ast.QueryDocument
	weight uint32
}

var _ graphql.Cache[*ast.QueryDocument] = (*Cache)(nil)

// New returns an empty cache; it fails when a bound is not positive.
func New(cfg Config) (*Cache, error) {
	if cfg.MaxBytes < 1 || cfg.MaxDocumentBytes < 1 {
		return nil, errors.New("querycache: bounds must be positive")
	}
	docs, err := otter.New(&otter.Options[string, entry]{
		MaximumWeight: uint64(cfg.MaxBytes),
		Weigher:       func(_ string, e entry) uint32 { return e.weight },
		// Maintenance (eviction) runs on the writing goroutine: the bound holds when Add returns, and the
		// cache starts no goroutine of its own.
		Executor: func(fn func()) { fn() },
	})
	if err != nil {
		return nil, err
	}
	return &Cache{docs: docs, maxDocument: cfg.MaxDocumentBytes, admit: cfg.Admit}, nil
}

// Get returns the parsed document of query.
func (c *Cache) Get(_ context.Context, query string) (*ast.QueryDocument, bool) {
	if len(query) > c.maxDocument {
		return nil, false // never cached: not worth hashing
	}
	e, ok := c.docs.GetIfPresent(query)
	return e.doc, ok
}

// Add caches the parsed and validated document of query, unless the text is too long or the operation's
// caller may not fill the cache.
func (c *Cache) Add(ctx context.Context, query string, doc *ast.QueryDocument) {
	if len(query) > c.maxDocument || (c.admit != nil && !c.admit(ctx)) {
		return
	}
	c.docs.Set(query, entry{doc: doc, weight: uint32(min(Size(query, doc), 1<<31))})
}

// WeightedSize is the estimated size of the cached documents together.
func (c *Cache) WeightedSize() uint64 { return c.docs.WeightedSize() }
