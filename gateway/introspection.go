package gateway

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// codeIntrospectionDisabled is the code of an operation that asks for the schema while introspection is off.
const codeIntrospectionDisabled = "INTROSPECTION_DISABLED"

// introspectionOff refuses, before anything runs, an operation that asks for the schema while
// introspection is off: one that selects __schema or __type, or (federated) _service where serviceSDL did
// not allow it. gqlgen would run such an operation and fail those fields with an untyped error, which the
// presenter can only show as INTERNAL — and log, for every scanner's probe. This is the caller's request
// and not a fault of ours: a request error with its own code, 400 under application/graphql-response+json
// like a validation failure (graphql-js refuses introspection with a validation rule), and a message
// saying where the schema is published instead.
//
// It runs after serviceSDL, which turns introspection on for a router's `{ _service { sdl } }`, and
// before the limits, so that a probe learns that the schema is not served here rather than that its
// query is too large.
type introspectionOff struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = introspectionOff{}

func (introspectionOff) ExtensionName() string                   { return "IntrospectionOff" }
func (introspectionOff) Validate(graphql.ExecutableSchema) error { return nil }

func (introspectionOff) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if !op.DisableIntrospection || op.Operation == nil {
		return nil // allowed for this operation (serviceSDL)
	}
	f := schemaField(op.Operation.SelectionSet, op.Doc.Fragments, map[string]bool{})
	if f == nil {
		return nil
	}
	msg := "introspection is turned off on this server: get the schema (SDL) from the roomgraph command, `roomgraph schema`"
	if f.Name == "_service" {
		msg = "introspection is turned off on this server: _service is answered only in an operation that selects nothing else, as a router's `{ _service { sdl } }`; the SDL is also printed by `roomgraph schema -federation`"
	}
	err := gqlerror.ErrorPosf(f.Position, "%s", msg)
	err.Extensions = map[string]any{"code": codeIntrospectionDisabled}
	return err
}

// schemaField returns the first root field of set (fragments expanded) that asks for the schema, or nil.
// __schema, __type and _service exist only on the query root, so the root selection set is all there is
// to look at. Fields under @skip or @include count as selected: a probe gains nothing from the difference.
func schemaField(set ast.SelectionSet, fragments ast.FragmentDefinitionList, seen map[string]bool) *ast.Field {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			switch s.Name {
			case "__schema", "__type", "_service":
				return s
			}
		case *ast.InlineFragment:
			if f := schemaField(s.SelectionSet, fragments, seen); f != nil {
				return f
			}
		case *ast.FragmentSpread:
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if def := fragments.ForName(s.Name); def != nil {
				if f := schemaField(def.SelectionSet, fragments, seen); f != nil {
					return f
				}
			}
		}
	}
	return nil
}
