package gateway

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// serviceSDL lets routers read the subgraph's SDL (`{ _service { sdl } }`) when introspection is off,
// as Apollo's own subgraphs do: composition needs it in production. gqlgen's generated _service resolver
// refuses while introspection is disabled, so an operation that selects nothing but _service (and
// __typename) at its root runs with introspection allowed; everything else keeps the server's setting.
type serviceSDL struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = serviceSDL{}

func (serviceSDL) ExtensionName() string                   { return "FederationServiceSDL" }
func (serviceSDL) Validate(graphql.ExecutableSchema) error { return nil }

func (serviceSDL) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil || op.Operation.Operation != ast.Query || len(op.Operation.SelectionSet) == 0 {
		return nil
	}
	for _, sel := range op.Operation.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok || (f.Name != "_service" && f.Name != "__typename") {
			return nil
		}
	}
	op.DisableIntrospection = false
	return nil
}
