package telnyx

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// ErrNoCredential is returned, without any HTTP call, when a method gets an empty API key.
var ErrNoCredential = errors.New("telnyx: no API key")

// ErrInvalidArgument is wrapped by errors for inputs that cannot form a valid
// request (an empty path id, a ParticipantsAction that targets nobody). No HTTP
// call is made for them.
var ErrInvalidArgument = errors.New("telnyx: invalid argument")

// Error is a non-2xx answer from the upstream. Code, Title, Detail and the
// Source fields come from the first entry of the error envelope; Errors holds
// every entry the body carried (nil when the body had no recognisable entry, in
// which case Title is the HTTP status text).
type Error struct {
	StatusCode      int
	Code            string // Telnyx string code, e.g. "10005"
	Title           string
	Detail          string
	SourceParameter string
	SourcePointer   string
	// RetryAfter comes from Retry-After-Ms, else Retry-After (seconds or an
	// HTTP date); 0 when absent, unparseable or in the past.
	RetryAfter time.Duration
	Errors     []ErrorDetail
	// RateLimitRemaining is x-ratelimit-remaining, or -1 when absent.
	RateLimitRemaining int
	// ShouldRetry is the x-should-retry header the SDKs honour; Unset when absent.
	ShouldRetry OptionalBool
}

// ErrorDetail is one entry of the {"errors":[...]} envelope.
type ErrorDetail struct {
	Code, Title, Detail, SourceParameter, SourcePointer string
}

// Error returns "telnyx: <status> <code> <title>: <detail>", leaving out empty
// parts. It never contains the request URL or the API key.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("telnyx: ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Code != "" {
		b.WriteByte(' ')
		b.WriteString(e.Code)
	}
	if e.Title != "" {
		b.WriteByte(' ')
		b.WriteString(e.Title)
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// TransportError means no usable response: the connection failed, the context
// expired, or a success response had a truncated or malformed body or a non-JSON
// content type. Status is the HTTP status when one was received, else 0.
type TransportError struct {
	Route   string // template, e.g. "GET /rooms/{room_id}/sessions"
	Timeout bool
	Err     error
	Status  int

	// msg is computed once from Err with the upstream host and the API key
	// removed: net errors embed addresses and x509 errors embed host names.
	msg string
}

// Error names the route template and the failure, never the URL or host.
func (e *TransportError) Error() string {
	if e.msg != "" {
		return "telnyx: " + e.Route + ": " + e.msg
	}
	if e.Err != nil {
		return "telnyx: " + e.Route + ": " + e.Err.Error()
	}
	return "telnyx: " + e.Route + ": transport error"
}

// Unwrap returns the underlying error, so errors.Is(err, context.DeadlineExceeded) works.
func (e *TransportError) Unwrap() error { return e.Err }

// describeTransport renders err without addresses: for *net.OpError only the
// operation and the innermost cause are kept.
func describeTransport(err error, timeout bool) string {
	var parts []string
	if timeout {
		parts = append(parts, "timeout")
	}
	switch {
	case errors.Is(err, context.Canceled):
		parts = append(parts, "context canceled")
	case errors.Is(err, context.DeadlineExceeded):
		parts = append(parts, "context deadline exceeded")
	default:
		var dnsErr *net.DNSError
		var opErr *net.OpError
		switch {
		case errors.As(err, &dnsErr):
			parts = append(parts, "dns lookup: "+dnsErr.Err)
		case errors.As(err, &opErr):
			s := opErr.Op
			var sysErr *os.SyscallError
			switch {
			case errors.As(opErr.Err, &sysErr):
				s += ": " + sysErr.Err.Error()
			case opErr.Err != nil:
				s += ": " + opErr.Err.Error()
			}
			parts = append(parts, s)
		default:
			parts = append(parts, err.Error())
		}
	}
	return strings.Join(parts, ": ")
}

// redact removes every occurrence of the secrets (key, host names) from s.
func redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}
