package resilience

import (
	"strconv"
	"time"
)

// Kind says why the Transport answered without (another) upstream call. A Kind
// is itself an error so that errors.Is(err, KindBusy) matches any *Error of
// that kind.
type Kind int

const (
	// KindCircuitOpen: the breaker is open (or a half-open probe is already
	// out); no network I/O was done. RetryAfter is the rest of the cool-down.
	KindCircuitOpen Kind = iota + 1
	// KindBusy: no concurrency slot came free within MaxQueueWait or before the
	// context's deadline. Err is context.DeadlineExceeded when the deadline cut
	// the wait short.
	KindBusy
	// KindRateLimited: the credential's rate-limit budget forbids a call before
	// the context's deadline. RetryAfter is the remaining wait.
	KindRateLimited
)

func (k Kind) String() string {
	switch k {
	case KindCircuitOpen:
		return "circuit open"
	case KindBusy:
		return "busy"
	case KindRateLimited:
		return "rate limited"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Error makes a Kind usable as an errors.Is target.
func (k Kind) Error() string { return "resilience: " + k.String() }

// Error is what the Transport returns when it refuses to call the upstream.
// Upstream error statuses are never turned into an Error. Its message carries
// the kind and the wait only: no URL, host or credential, and not Err's text
// either, so that a future cause naming an address cannot leak through it.
type Error struct {
	Kind       Kind
	RetryAfter time.Duration // how long until a call could succeed; 0 if unknown
	Err        error         // the cause, if any (e.g. context.DeadlineExceeded)
}

func (e *Error) Error() string {
	msg := "resilience: "
	switch e.Kind {
	case KindCircuitOpen:
		msg += "circuit open: upstream failing"
	case KindBusy:
		msg += "busy: no upstream slot free in time"
	case KindRateLimited:
		msg += "rate limited: credential budget exhausted"
	default:
		msg += e.Kind.String()
	}
	if e.RetryAfter > 0 {
		msg += " (retry after " + e.RetryAfter.Round(time.Millisecond).String() + ")"
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches a Kind target: errors.Is(err, resilience.KindCircuitOpen).
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && e.Kind == k
}
