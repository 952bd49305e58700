package gateway

import (
	"strings"

	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/graph/subgraph"
)

// SDL returns the schema in GraphQL SDL, with its descriptions, for client code generation; with
// federation, the Apollo Federation subgraph schema instead.
func SDL(federation bool) string {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	if federation {
		schema = subgraph.NewExecutableSchema(subgraph.Config{}).Schema()
	}
	var b strings.Builder
	formatter.NewFormatter(&b, formatter.WithComments()).FormatSchema(schema)
	return b.String()
}
