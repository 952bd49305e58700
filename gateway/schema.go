package gateway

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/roomgraph/roomgraph/graph"
)

// There is one gqlgen build (package graph), and it is the Apollo Federation v2 subgraph: its schema holds
// _service, _entities, _Any, _Entity, the federation directives and scalars, and the @link and @key of
// schema/federation/. Without federation the gateway serves the plain schema instead, for validation and
// introspection alike: the generated executor reads the schema it is given in its Config (gqlgen's
// handler validates against ExecutableSchema.Schema(), and introspection reads the executor's schema), so
// _service and _entities are unknown fields there and the federation types do not exist.

// executableSchema is the generated schema over res: federated, or serving the plain schema.
func executableSchema(res graph.ResolverRoot, federation bool) graphql.ExecutableSchema {
	cfg := graph.Config{Resolvers: res}
	if !federation {
		cfg.Schema = plainSchema()
	}
	return graph.NewExecutableSchema(cfg)
}

// plainSchema is the schema without federation, derived once from the generated one and then shared
// read-only, as the generated package shares its own.
var plainSchema = sync.OnceValue(func() *ast.Schema {
	s, err := withoutFederation(graph.NewExecutableSchema(graph.Config{}).Schema())
	if err != nil {
		panic(fmt.Sprintf("gateway: the schema does not load without its federation sources: %v", err))
	}
	return s
})

// withoutFederation loads again the sources the federated schema was loaded from (gqlparser records each
// definition's source), minus gqlparser's prelude (LoadSchema adds it back) and minus federation's: gqlgen's
// built-in federation/*.graphql and our schema/federation/*.graphqls. Loading them, rather than deleting
// federation's parts from a copy, gives exactly the schema gqlgen would load from schema/*.graphqls alone.
// Every source that contributes to a schema defines or extends a type or a directive, so walking those
// finds them all.
func withoutFederation(fed *ast.Schema) (*ast.Schema, error) {
	seen := map[*ast.Source]bool{}
	var sources []*ast.Source
	add := func(p *ast.Position) {
		if p == nil || p.Src == nil || seen[p.Src] {
			return
		}
		seen[p.Src] = true
		if !p.Src.BuiltIn && !isFederationSource(p.Src.Name) {
			sources = append(sources, p.Src)
		}
	}
	addDirectives := func(l ast.DirectiveList) {
		for _, d := range l {
			add(d.Position)
		}
	}
	addDirectives(fed.SchemaDirectives)
	for _, def := range fed.Types {
		add(def.Position)
		addDirectives(def.Directives)
		for _, f := range def.Fields {
			add(f.Position)
			addDirectives(f.Directives)
			for _, a := range f.Arguments {
				add(a.Position)
			}
		}
		for _, v := range def.EnumValues {
			add(v.Position)
		}
	}
	for _, d := range fed.Directives {
		add(d.Position)
	}
	// In the generated order (by file name), so that the result does not depend on map iteration.
	slices.SortFunc(sources, func(a, b *ast.Source) int { return strings.Compare(a.Name, b.Name) })
	return gqlparser.LoadSchema(sources...)
}

// isFederationSource reports whether a schema source (named by its path, as gqlgen embeds it) lies in a
// folder named federation: schema/federation/ holds what only a subgraph declares.
func isFederationSource(name string) bool {
	return slices.Contains(strings.Split(filepath.ToSlash(filepath.Dir(name)), "/"), "federation")
}

// SDL returns the schema in GraphQL SDL, with its descriptions, for client code generation; with
// federation, the Apollo Federation subgraph schema instead, to compose a supergraph from: the formatter
// leaves out built-in definitions, so it has @link and @key but not _service, _entities or the federation
// types, which composition adds itself.
func SDL(federation bool) string {
	schema := plainSchema()
	if federation {
		schema = graph.NewExecutableSchema(graph.Config{}).Schema()
	}
	var b strings.Builder
	formatter.NewFormatter(&b, formatter.WithComments()).FormatSchema(schema)
	return b.String()
}
