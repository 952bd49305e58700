package gateway

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
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
			gerr.Message = ae.Message
			gerr.Extensions = map[string]any{"code": string(ae.Code)}
			if ae.UpstreamStatus != 0 {
				gerr.Extensions["upstreamStatus"] = ae.UpstreamStatus
			}
			if ae.UpstreamCode != "" {
				gerr.Extensions["telnyxCode"] = ae.UpstreamCode
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

// recoverPanic turns a resolver panic into an INTERNAL error for that field; the process lives on.
func recoverPanic(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "panic in resolver", "panic", p, "stack", string(debug.Stack()))
		return apperr.Errorf(apperr.Internal, "internal error")
	}
}
