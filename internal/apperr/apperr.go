// Package apperr is roomgraph's one error type: a small closed set of codes that the GraphQL layer turns
// into extensions.code.
//
// It imports no other package of roomgraph's, and no GraphQL package: the presenter in package gateway does
// the presentation, and whoever calls the upstream maps its failures to codes (package loaders). Messages of
// an *Error are safe to show to callers; everything else is logged and replaced by a generic message.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for callers. The set is closed; callers switch on it.
type Code string

// The codes roomgraph puts in extensions.code.
const (
	BadUserInput        Code = "BAD_USER_INPUT"
	Unauthenticated     Code = "UNAUTHENTICATED"
	Forbidden           Code = "FORBIDDEN"
	NotFound            Code = "NOT_FOUND"
	Conflict            Code = "CONFLICT"
	UpstreamRateLimited Code = "UPSTREAM_RATE_LIMITED"
	UpstreamUnavailable Code = "UPSTREAM_UNAVAILABLE"
	UpstreamError       Code = "UPSTREAM_ERROR"
	Internal            Code = "INTERNAL"
	// TooManySubscriptions: a subscription was refused, a bound on subscriptions (per connection, per
	// credential, or in all) is reached.
	TooManySubscriptions Code = "TOO_MANY_SUBSCRIPTIONS"
	// SlowConsumer: a subscription was ended because its subscriber fell behind by more events than its
	// buffer holds.
	SlowConsumer Code = "SLOW_CONSUMER"
	// ShuttingDown: a subscription was refused because the server is shutting down.
	ShuttingDown Code = "SHUTTING_DOWN"
)

// Error is an error with a code and a message safe to show to the caller.
type Error struct {
	Code    Code
	Message string
	// UpstreamStatus and UpstreamCode carry the Telnyx HTTP status and error code when the error came
	// from the upstream (0 and "" otherwise).
	UpstreamStatus int
	UpstreamCode   string
	// UpstreamPointer is the JSON pointer into the request body that the upstream blamed (its error's
	// source.pointer, e.g. "/unique_name"), "" otherwise. A write maps it to Field.
	UpstreamPointer string
	// Field is the argument path at fault, e.g. "input.maxParticipants" ("" when no one argument is):
	// extensions.field.
	Field string
	// Err is the underlying cause, for logs and errors.Is/As; never shown to callers.
	Err error
}

func (e *Error) Error() string { return e.Message }

// Unwrap exposes the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a formatted, caller-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an *Error with a caller-safe message around a cause that is kept for logs only.
func Wrap(code Code, cause error, message string) *Error {
	return &Error{Code: code, Message: message, Err: cause}
}

// All returns every *Error of err: err itself, or each one of an errors.Join of them (nested joins
// flattened), in order. An input check reports every invalid field at once as such a join.
func All(err error) []*Error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*Error
		for _, e := range j.Unwrap() {
			out = append(out, All(e)...)
		}
		return out
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return []*Error{e}
	}
	return nil
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return Internal
}
