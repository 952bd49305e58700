// Package limits refuses GraphQL operations that are too deep, too wide or too expensive for roomgraph's
// upstream, before any resolver runs and so before any upstream call. It is a gqlgen handler extension
// (like gqlgen's extension.ComplexityLimit) that measures the validated operation once: nesting depth,
// aliases, top-level fields, the representations given to _entities (federation) and the predicted
// worst-case number of upstream calls (Cost), from one cost table (CostTable), derived from package
// origin, that names the fields calling the upstream.
//
// It reads only the parsed operation and its variables: it must not call resolvers, loaders or the
// upstream. The only state it keeps between operations is the figures of parsed operations that use no
// variable, for as long as gqlgen's query cache holds their document (the same document is not walked
// again for every request).
package limits

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/roomgraph/roomgraph/internal/exec/weakmap"
)

// CodeLimitExceeded is extensions.code of every refusal; extensions.limit says which limit. A refusal is an
// invalid request: the gateway names this code to its transports (gqlhttp's InvalidRequestCodes), which
// answer it with 400 under application/graphql-response+json.
const CodeLimitExceeded = "QUERY_LIMIT_EXCEEDED"

// The values of extensions.limit.
const (
	LimitDepth           = "depth"
	LimitAliases         = "aliases"
	LimitRootFields      = "rootFields"
	LimitRepresentations = "representations"
	LimitCost            = "cost"
)

// extensionName names the extension to gqlgen and keys its Stats in the operation's stats.
const extensionName = "QueryLimits"

// Extension is the gqlgen extension: srv.Use(limits.New(cfg)).
type Extension struct {
	cfg    Config
	costs  costIndex
	schema *ast.Schema
	// known holds the figures of operations that do not depend on variables, by parsed operation.
	known *weakmap.Map[ast.OperationDefinition, Stats]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*Extension)(nil)

// New returns the extension for cfg with its zero knobs at their defaults. An invalid cfg is reported by
// Validate, which gqlgen calls from srv.Use (and panics on): check cfg.Defaults().Validate() first to get
// an error instead.
func New(cfg Config) *Extension {
	return &Extension{cfg: cfg.Defaults(), costs: newCostIndex(), known: weakmap.New[ast.OperationDefinition, Stats]()}
}

// Config returns the limits in force (defaults applied).
func (e *Extension) Config() Config { return e.cfg }

// ExtensionName implements graphql.HandlerExtension.
func (e *Extension) ExtensionName() string { return extensionName }

// Validate implements graphql.HandlerExtension: it checks the config and keeps the schema.
func (e *Extension) Validate(es graphql.ExecutableSchema) error {
	if err := e.cfg.Validate(); err != nil {
		return err
	}
	if es == nil || es.Schema() == nil {
		return fmt.Errorf("limits: no schema")
	}
	e.schema = es.Schema()
	return nil
}

// MutateOperationContext implements graphql.OperationContextMutator: gqlgen calls it after validation and
// variable coercion, before the operation is dispatched. It records the Stats (GetStats) and refuses the
// first limit exceeded, checked in the order depth, aliases, rootFields, representations, cost.
func (e *Extension) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Operation
	if op == nil && opCtx.Doc != nil {
		op = opCtx.Doc.Operations.ForName(opCtx.OperationName)
	}
	if op == nil {
		return nil
	}
	s, ok := e.known.Load(op)
	if !ok {
		var usedVars bool
		s, usedVars = measureVars(e.schema, e.costs, e.cfg, op, opCtx.Variables)
		if !usedVars {
			e.known.Store(op, s)
		}
	}
	opCtx.Stats.SetExtension(extensionName, &s)
	return e.check(s)
}

func (e *Extension) check(s Stats) *gqlerror.Error {
	switch c := e.cfg; {
	case s.Depth > c.MaxDepth:
		return refusal(LimitDepth, s.Depth, c.MaxDepth, "query exceeds the maximum depth: %d > %d")
	case s.Aliases > c.MaxAliases:
		return refusal(LimitAliases, s.Aliases, c.MaxAliases, "query exceeds the maximum number of aliases: %d > %d")
	case s.RootFields > c.MaxRootFields:
		return refusal(LimitRootFields, s.RootFields, c.MaxRootFields, "query exceeds the maximum number of top-level fields: %d > %d")
	case s.Representations > c.MaxRepresentations:
		return refusal(LimitRepresentations, s.Representations, c.MaxRepresentations,
			"query exceeds the maximum number of _entities representations: %d > %d")
	case s.Cost > c.MaxCost:
		return refusal(LimitCost, s.Cost, c.MaxCost, "query may make %d upstream calls; the maximum is %d")
	}
	return nil
}

func refusal(limit string, value, maxValue int, format string) *gqlerror.Error {
	return &gqlerror.Error{
		Message: fmt.Sprintf(format, value, maxValue),
		Extensions: map[string]any{
			"code":  CodeLimitExceeded,
			"limit": limit,
			"value": value,
			"max":   maxValue,
		},
	}
}

// GetStats returns the figures measured for the current operation, or nil outside one (or when the
// extension is not installed).
func GetStats(ctx context.Context) *Stats {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	s, _ := graphql.GetOperationContext(ctx).Stats.GetExtension(extensionName).(*Stats)
	return s
}
