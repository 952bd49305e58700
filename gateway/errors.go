package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/roomgraph/roomgraph/internal/apperr"
)

// presentError turns any resolver error into what the caller sees: *apperr.Error keeps its message and gets
// its code (and the upstream's status and Telnyx code) in extensions; gqlgen's own parse and validation
// errors pass through; anything else is logged and shown as a generic INTERNAL error, so transport details
// (URLs, addresses) never reach callers.
//
// Without introspection, validation messages also lose their "Did you mean …?" hints: gqlgen drops them
// for unknown fields but not for unknown arguments, and they spell out schema names.
func presentError(logger *slog.Logger, suggest bool) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		if !suggest {
			if i := strings.Index(gerr.Message, " Did you mean "); i >= 0 {
				gerr.Message = gerr.Message[:i]
			}
		}
		if ae, ok := errors.AsType[*apperr.Error](err); ok {
			field := locateArgument(ctx, gerr)
			if ae.Field != "" {
				field = ae.Field
			}
			gerr.Message = ae.Message
			gerr.Extensions = map[string]any{"code": string(ae.Code)}
			if ae.UpstreamStatus != 0 {
				gerr.Extensions["upstreamStatus"] = ae.UpstreamStatus
			}
			if ae.UpstreamCode != "" {
				gerr.Extensions["telnyxCode"] = ae.UpstreamCode
			}
			if field != "" {
				gerr.Extensions["field"] = field
			}
			if ae.Code == apperr.Internal {
				logger.ErrorContext(ctx, "internal error", "path", gerr.Path.String(), "err", ae.Err)
			}
			return gerr
		}
		if gerr.Err == nil {
			return gerr // gqlgen's own error (parse, validation, complexity…): its message is for the caller
		}
		if _, ok := errors.AsType[*gqlerror.Error](gerr.Err); ok {
			return gerr
		}
		logger.ErrorContext(ctx, "internal error", "path", gerr.Path.String(), "err", err)
		gerr.Message = "internal error"
		gerr.Extensions = map[string]any{"code": string(apperr.Internal)}
		return gerr
	}
}

// locateArgument gives an error raised for a field without locations (a resolver's error, or gqlgen's for
// an argument it could not read, such as a bad Date) the field's location, and returns the argument path
// when the error's path goes below the field into its arguments (gqlgen's path for an argument error is
// the field's path, then the argument's: rooms.filter.dateCreatedAt.gte), e.g. "filter.dateCreatedAt.gte".
func locateArgument(ctx context.Context, gerr *gqlerror.Error) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil {
		return ""
	}
	if len(gerr.Locations) == 0 && fc.Field.Position != nil {
		gerr.Locations = []gqlerror.Location{{Line: fc.Field.Position.Line, Column: fc.Field.Position.Column}}
	}
	at := fc.Path()
	if len(gerr.Path) <= len(at) || gerr.Path[:len(at)].String() != at.String() {
		return ""
	}
	if _, ok := gerr.Path[len(at)].(ast.PathName); !ok {
		return "" // an item of the field's list (a batch's error), not an argument
	}
	var b strings.Builder
	for _, p := range gerr.Path[len(at):] {
		switch p := p.(type) {
		case ast.PathName:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(p))
		case ast.PathIndex:
			fmt.Fprintf(&b, "[%d]", int(p))
		}
	}
	return b.String()
}

// recoverPanic turns a resolver panic into an INTERNAL error for that field; the process lives on.
func recoverPanic(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "panic in resolver", "panic", p, "stack", string(debug.Stack()))
		return apperr.Errorf(apperr.Internal, "internal error")
	}
}
