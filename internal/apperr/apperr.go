// Package apperr is roomgraph's one error type: a small closed set of codes that the GraphQL layer turns
// into extensions.code, plus the mapping from upstream (Telnyx) failures to those codes.
//
// It must not import GraphQL packages: the presenter in package gateway does the presentation. Messages of
// an *Error are safe to show to callers; everything else is logged and replaced by a generic message.
package apperr

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
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
)

// Error is an error with a code and a message safe to show to the caller.
type Error struct {
	Code    Code
	Message string
	// UpstreamStatus and UpstreamCode carry the Telnyx HTTP status and error code when the error came
	// from the upstream (0 and "" otherwise).
	UpstreamStatus int
	UpstreamCode   string
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

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return Internal
}

// FromUpstream turns what the telnyx client returned into an *Error. Telnyx's own title and detail are kept
// (they describe the request, never the credential); transport details (URLs, addresses) are not.
// A nil error stays nil, and an *Error passes through unchanged.
func FromUpstream(err error) error {
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	if ue, ok := errors.AsType[*telnyx.Error](err); ok {
		return fromStatus(ue)
	}
	if re, ok := errors.AsType[*resilience.Error](err); ok {
		return fromResilience(re, err)
	}
	if errors.Is(err, telnyx.ErrNoCredential) {
		return Wrap(Unauthenticated, err, "no Telnyx API key: send Authorization: Bearer <key>")
	}
	if te, ok := errors.AsType[*telnyx.TransportError](err); ok {
		msg := "the Telnyx API did not give a usable answer"
		if te.Timeout {
			msg = "the Telnyx API did not answer in time"
		}
		return &Error{Code: UpstreamUnavailable, Message: msg, UpstreamStatus: te.Status, Err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Wrap(UpstreamUnavailable, err, "the Telnyx API did not answer in time")
	}
	if errors.Is(err, context.Canceled) {
		return Wrap(UpstreamUnavailable, err, "the request was cancelled before the Telnyx API answered")
	}
	return Wrap(Internal, err, "internal error")
}

// fromResilience explains why the gateway itself did not call the upstream.
func fromResilience(re *resilience.Error, err error) *Error {
	wait := ""
	if re.RetryAfter > 0 {
		wait = fmt.Sprintf("; retry in %s", re.RetryAfter.Round(time.Millisecond))
	}
	switch re.Kind {
	case resilience.KindRateLimited:
		return &Error{Code: UpstreamRateLimited, Message: "the Telnyx API rate limit for this key is exhausted" + wait, UpstreamStatus: 429, Err: err}
	case resilience.KindCircuitOpen:
		return &Error{Code: UpstreamUnavailable, Message: "the Telnyx API keeps failing, so the gateway stopped calling it for a moment" + wait, Err: err}
	default:
		return &Error{Code: UpstreamUnavailable, Message: "the gateway has too many Telnyx API calls in flight; try again shortly", Err: err}
	}
}

func fromStatus(ue *telnyx.Error) *Error {
	code := UpstreamError
	switch s := ue.StatusCode; {
	case s == http.StatusBadRequest, s == http.StatusUnprocessableEntity:
		code = BadUserInput
	case s == http.StatusUnauthorized:
		code = Unauthenticated
	case s == http.StatusForbidden:
		code = Forbidden
	case s == http.StatusNotFound:
		code = NotFound
	case s == http.StatusConflict:
		code = Conflict
	case s == http.StatusTooManyRequests:
		code = UpstreamRateLimited
	case s == http.StatusRequestTimeout, s >= 500:
		code = UpstreamUnavailable
	}
	msg := ue.Title
	if msg == "" {
		msg = http.StatusText(ue.StatusCode)
	}
	if ue.Detail != "" {
		msg += ": " + ue.Detail
	}
	if ue.SourceParameter != "" {
		msg += " (parameter " + ue.SourceParameter + ")"
	}
	return &Error{
		Code:           code,
		Message:        "Telnyx API: " + msg,
		UpstreamStatus: ue.StatusCode,
		UpstreamCode:   ue.Code,
		Err:            ue,
	}
}
