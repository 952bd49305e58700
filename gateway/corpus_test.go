package gateway_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/internal/model/origin"
)

// The differential corpus is generated from the schema (graph.NewExecutableSchema's),
// so that a field added to the schema is selected by it without anyone writing a query:
//
//   - one focused query per field of every object type reachable from Query: the shortest path to the
//     type, then that field alone (an object field with __typename below it), so that a failure names
//     the field;
//   - per root field, a query selecting every field of every type below it, nested to a bounded depth.
//
// Required arguments get values that find data (ids of the fixture's objects); every connection asks for
// a small page, which keeps the nested queries' size and predicted cost small.

// generated is one query of the corpus.
type generated struct {
	name  string
	query string
	// field is the field a focused query is about ("Room.uniqueName"); "" for the nested ones.
	field string
	// handoff: the origin table says gqlgen answers the field (introspection, federation), so the fast
	// path must hand the operation over from the start.
	handoff bool
}

// corpusGen writes queries over schema.
type corpusGen struct {
	schema *ast.Schema
	// ids holds, by object type, the id that required ID arguments returning that type get.
	ids map[string]string
	// first is the page size of every connection.
	first int
}

// graphSchema is the schema of the one gqlgen build, whatever it holds (federation's fields included once
// the build has them: their origin rows leave them to gqlgen, and the corpus does not select them).
func graphSchema(t testing.TB) *ast.Schema {
	t.Helper()
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	require.NotNil(t, s)
	return s
}

// gqlgensOwn reports whether the origin table leaves a field to gqlgen alone (introspection, federation).
func gqlgensOwn(parent *ast.Definition, fd *ast.FieldDefinition) bool {
	switch origin.Lookup(parent.Name, fd.Name).Kind() {
	case origin.Introspection, origin.Federation, origin.Node:
		return true // Node: Query.node and Query.nodes, answered by gqlgen (relay_test.go tests them)
	}
	return false
}

// hop is one step of a path from Query: a field of parent.
type hop struct {
	parent *ast.Definition
	field  *ast.FieldDefinition
}

// paths returns, for every object type reachable from Query (except through gqlgen's own fields), the
// shortest path of fields that reaches it, in breadth-first order (schema order among equals).
func (g *corpusGen) paths() (order []*ast.Definition, to map[string][]hop) {
	to = map[string][]hop{g.schema.Query.Name: nil}
	order = []*ast.Definition{g.schema.Query}
	for i := 0; i < len(order); i++ {
		def := order[i]
		for _, fd := range def.Fields {
			child := g.schema.Types[fd.Type.Name()]
			if gqlgensOwn(def, fd) || child == nil || child.Kind != ast.Object {
				continue
			}
			if _, seen := to[child.Name]; seen {
				continue
			}
			to[child.Name] = append(slices.Clone(to[def.Name]), hop{def, fd})
			order = append(order, child)
		}
	}
	return order, to
}

// focused returns one query per field (and __typename) of every reachable object type.
func (g *corpusGen) focused() []generated {
	order, to := g.paths()
	var out []generated
	for _, def := range order {
		names := []*ast.FieldDefinition{{Name: "__typename", Type: ast.NamedType("String", nil)}}
		names = append(names, def.Fields...)
		for _, fd := range names {
			leaf := fd.Name + g.args(fd)
			if child := g.schema.Types[fd.Type.Name()]; child != nil && isComposite(child) {
				leaf += " { __typename }"
			}
			out = append(out, generated{
				name:    def.Name + "." + fd.Name,
				query:   g.wrap(to[def.Name], leaf),
				field:   def.Name + "." + fd.Name,
				handoff: gqlgensOwn(def, fd),
			})
		}
	}
	return out
}

// nested returns, for each root field the fast path may answer, a query selecting every field below it to
// depth levels of objects. A path does not come back to a type it went through (a session's room's
// sessions, a participant's session): that would select objects the query already selects, which the
// loaders fetch or not depending on timing, under gqlgen as on the fast path.
func (g *corpusGen) nested(depth int) []generated {
	var out []generated
	for _, fd := range g.schema.Query.Fields {
		if gqlgensOwn(g.schema.Query, fd) {
			continue
		}
		last := ""
		for d := 1; d <= depth; d++ {
			q := "{ __typename " + g.field(fd, d, []string{g.schema.Query.Name}) + " }"
			if q == last {
				break // every path has ended
			}
			last = q
			out = append(out, generated{name: "every field below Query." + fd.Name + " to depth " + strconv.Itoa(d), query: q})
		}
	}
	return out
}

// field writes fd with its arguments and, for an object, every field below it to depth levels of objects,
// except those leading back to a type of above (the types from the root down).
func (g *corpusGen) field(fd *ast.FieldDefinition, depth int, above []string) string {
	child := g.schema.Types[fd.Type.Name()]
	if child == nil || !isComposite(child) {
		return fd.Name + g.args(fd)
	}
	above = append(above, child.Name)
	var b strings.Builder
	b.WriteString(fd.Name + g.args(fd) + " { __typename")
	for _, sub := range child.Fields {
		grandchild := g.schema.Types[sub.Type.Name()]
		if gqlgensOwn(child, sub) {
			continue
		}
		if grandchild != nil && isComposite(grandchild) && (depth <= 1 || slices.Contains(above, grandchild.Name)) {
			continue
		}
		b.WriteString(" " + g.field(sub, depth-1, slices.Clip(above)))
	}
	b.WriteString(" }")
	return b.String()
}

// wrap writes the path's fields around leaf.
func (g *corpusGen) wrap(path []hop, leaf string) string {
	q := leaf
	for i := len(path) - 1; i >= 0; i-- {
		q = path[i].field.Name + g.args(path[i].field) + " { " + q + " }"
	}
	return "{ " + q + " }"
}

// args writes fd's arguments: values for the required ones, and a small page for a connection.
func (g *corpusGen) args(fd *ast.FieldDefinition) string {
	var parts []string
	for _, a := range fd.Arguments {
		switch {
		case a.Type.NonNull && a.DefaultValue == nil:
			parts = append(parts, a.Name+": "+g.value(a.Type, fd))
		case a.Name == "first" && a.Type.Name() == "Int":
			parts = append(parts, "first: "+strconv.Itoa(g.first))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// value is a literal of type t for a required argument of fd.
func (g *corpusGen) value(t *ast.Type, fd *ast.FieldDefinition) string {
	if t.Elem != nil {
		return "[]"
	}
	switch t.Name() {
	case "ID":
		if id, ok := g.ids[fd.Type.Name()]; ok {
			return strconv.Quote(id)
		}
		return `"00000000-0000-4000-8000-000000000000"`
	case "String":
		return `"Room"`
	case "Int":
		return "1"
	case "Boolean":
		return "true"
	}
	return "{}"
}

func isComposite(d *ast.Definition) bool {
	return d.Kind == ast.Object || d.Kind == ast.Interface || d.Kind == ast.Union
}

// selected returns the "Type.field" names a query selects (through fragments too), __typename included.
func selected(t *testing.T, s *ast.Schema, query string) []string {
	t.Helper()
	op := operationOf(t, s, query)
	var out []string
	var walk func(set ast.SelectionSet, parent *ast.Definition)
	walk = func(set ast.SelectionSet, parent *ast.Definition) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				out = append(out, parent.Name+"."+sel.Name)
				if sel.Definition != nil {
					if child := s.Types[sel.Definition.Type.Name()]; child != nil {
						walk(sel.SelectionSet, child)
					}
				}
			case *ast.InlineFragment:
				walk(sel.SelectionSet, parent)
			case *ast.FragmentSpread:
				walk(sel.Definition.SelectionSet, parent)
			}
		}
	}
	walk(op.SelectionSet, s.Query)
	return out
}

// operationOf parses and validates query against s and returns its operation.
func operationOf(t *testing.T, s *ast.Schema, query string) *ast.OperationDefinition {
	t.Helper()
	doc, errs := gqlparser.LoadQueryWithRules(s, query, nil)
	require.Empty(t, errs, "the corpus's query must validate: %s", query)
	require.Len(t, doc.Operations, 1)
	return doc.Operations[0]
}
