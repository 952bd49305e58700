package loaders

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/roomgraph/roomgraph/internal/apperr"
	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// upstreamError turns what the telnyx client returned into an *apperr.Error: the one place an upstream
// failure gets its code, beside the batch functions that call the upstream. Telnyx's own title and detail
// are kept (they describe the request, never the credential); transport details (URLs, addresses) are not.
// A nil error stays nil, and an *apperr.Error passes through unchanged.
func upstreamError(err error) error {
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*apperr.Error](err); ok {
		return e
	}
	if ue, ok := errors.AsType[*telnyx.Error](err); ok {
		return statusError(ue)
	}
	if re, ok := errors.AsType[*resilience.Error](err); ok {
		return refusalError(re, err)
	}
	if errors.Is(err, telnyx.ErrInvalidArgument) {
		// The client refused arguments the resolvers should have refused first (their checks are the
		// contract's): still the caller's input, never a bug to hide behind INTERNAL. Its message names the
		// wire field and never a credential.
		return apperr.Wrap(apperr.BadUserInput, err, strings.TrimPrefix(err.Error(), "telnyx: "))
	}
	if errors.Is(err, telnyx.ErrNoCredential) {
		return apperr.Wrap(apperr.Unauthenticated, err, "no Telnyx API key: send Authorization: Bearer <key>")
	}
	if te, ok := errors.AsType[*telnyx.TransportError](err); ok {
		msg := "the Telnyx API did not give a usable answer"
		if te.Timeout {
			msg = "the Telnyx API did not answer in time"
		}
		return &apperr.Error{Code: apperr.UpstreamUnavailable, Message: msg, UpstreamStatus: te.Status, Err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return apperr.Wrap(apperr.UpstreamUnavailable, err, "the Telnyx API did not answer in time")
	}
	if errors.Is(err, context.Canceled) {
		return apperr.Wrap(apperr.UpstreamUnavailable, err, "the request was cancelled before the Telnyx API answered")
	}
	return apperr.Wrap(apperr.Internal, err, "internal error")
}

// notFound names what was not found: an upstream 404 for a call about one object (a fetch by id, a list
// under a parent, a write) becomes "room 0ccc… not found", with Telnyx's own words after it. The error may
// be shared by every load of a batch, so it is copied, never changed.
func notFound(err error, kind, id string) error {
	e, ok := errors.AsType[*apperr.Error](err)
	if !ok || e.Code != apperr.NotFound {
		return err
	}
	named := *e
	named.Message = fmt.Sprintf("%s %s not found (%s)", kind, id, e.Message)
	return &named
}

// refusalError explains why the gateway itself did not call the upstream.
func refusalError(re *resilience.Error, err error) *apperr.Error {
	wait := ""
	if re.RetryAfter > 0 {
		wait = fmt.Sprintf("; retry in %s", re.RetryAfter.Round(time.Millisecond))
	}
	switch re.Kind {
	case resilience.KindRateLimited:
		return &apperr.Error{Code: apperr.UpstreamRateLimited, Message: "the Telnyx API rate limit for this key is exhausted" + wait, UpstreamStatus: 429, Err: err}
	case resilience.KindCircuitOpen:
		return &apperr.Error{Code: apperr.UpstreamUnavailable, Message: "the Telnyx API keeps failing, so the gateway stopped calling it for a moment" + wait, Err: err}
	default:
		return &apperr.Error{Code: apperr.UpstreamUnavailable, Message: "the gateway has too many Telnyx API calls in flight; try again shortly", Err: err}
	}
}

// statusError maps an upstream HTTP error to a code by its status.
func statusError(ue *telnyx.Error) *apperr.Error {
	code := apperr.UpstreamError
	switch s := ue.StatusCode; {
	case s == http.StatusBadRequest, s == http.StatusUnprocessableEntity:
		code = apperr.BadUserInput
	case s == http.StatusUnauthorized:
		code = apperr.Unauthenticated
	case s == http.StatusForbidden:
		code = apperr.Forbidden
	case s == http.StatusNotFound:
		code = apperr.NotFound
	case s == http.StatusConflict:
		code = apperr.Conflict
	case s == http.StatusTooManyRequests:
		code = apperr.UpstreamRateLimited
	case s == http.StatusRequestTimeout, s >= 500:
		code = apperr.UpstreamUnavailable
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
	return &apperr.Error{
		Code:            code,
		Message:         "Telnyx API: " + msg,
		UpstreamStatus:  ue.StatusCode,
		UpstreamCode:    ue.Code,
		UpstreamPointer: ue.SourcePointer,
		Err:             ue,
	}
}
