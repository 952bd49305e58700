package pagination

import (
	"fmt"
	"strconv"
)

// MaxUpstreamPageSize is the largest page[size] the upstream accepts.
const MaxUpstreamPageSize = 250

// Args are the Relay arguments as received (nil = absent).
type Args struct {
	First, Last   *int
	After, Before *string
}

// Limits configure Resolve.
type Limits struct {
	// DefaultFirst is used as first when neither first nor last is given.
	DefaultFirst int
	// MaxFirst bounds first and last; larger values are rejected, not clamped, so a client never gets
	// fewer items than it asked for without being told.
	MaxFirst int
}

// Validate reports whether the limits are usable: 1 <= DefaultFirst <= MaxFirst <= MaxOffset.
// Resolve checks this too; call it at startup to fail before the first request.
func (l Limits) Validate() error {
	if l.MaxFirst < 1 || l.MaxFirst > MaxOffset || l.DefaultFirst < 1 || l.DefaultFirst > l.MaxFirst {
		return fmt.Errorf("pagination: invalid limits: need 1 <= DefaultFirst (%d) <= MaxFirst (%d) <= %d",
			l.DefaultFirst, l.MaxFirst, MaxOffset)
	}
	return nil
}

// Error is returned for invalid arguments: the caller's fault, safe to show, and no upstream call
// should follow. Field names the argument ("first", "last", "after", "before").
type Error struct {
	Field  string
	Reason string
	// Err is ErrCursorScope, ErrCursorTampered or ErrCursorMalformed (possibly wrapped) for cursor arguments, nil otherwise.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("invalid %q cursor: %s", e.Field, e.Reason)
	}
	return strconv.Quote(e.Field) + " " + e.Reason
}

// Unwrap exposes the cursor sentinel for errors.Is.
func (e *Error) Unwrap() error { return e.Err }

// Request is a resolved, validated request for a window; it may still need the total to be placed.
type Request struct {
	// Start is the first offset (inclusive) known without the total.
	Start int
	// End is the exclusive end known without the total; -1 = unbounded (until the end of the list).
	End int
	// Last > 0 keeps only the last Last items of [Start, min(End, total)) (End == -1 meaning total).
	// Resolve sets it only when it cannot apply last up front: the tail (End == -1, where Last may
	// also be 0) and first+last without before. With a before cursor, last is already folded into Start.
	Last int
}

// Resolve validates a and applies Relay's pagination algorithm (see the package comment). Invalid
// arguments give an *Error; invalid lim gives a plain error (a configuration bug, not the caller's).
// Before <= after gives an empty window, first: 0 and last: 0 give empty windows too.
func Resolve(a Args, lim Limits, codec Codec, scope string) (Request, error) {
	if err := lim.Validate(); err != nil {
		return Request{}, err
	}
	if err := checkCount("first", a.First, lim.MaxFirst); err != nil {
		return Request{}, err
	}
	if err := checkCount("last", a.Last, lim.MaxFirst); err != nil {
		return Request{}, err
	}
	r := Request{Start: 0, End: -1}
	if a.After != nil {
		off, err := decodeArg("after", *a.After, codec, scope)
		if err != nil {
			return Request{}, err
		}
		r.Start = off + 1
	}
	if a.Before != nil {
		off, err := decodeArg("before", *a.Before, codec, scope)
		if err != nil {
			return Request{}, err
		}
		r.End = max(off, r.Start)
	}

	first := a.First
	if first == nil && a.Last == nil {
		first = &lim.DefaultFirst
	}
	if first != nil {
		if r.End < 0 {
			r.End = r.Start + *first
		} else {
			r.End = min(r.End, r.Start+*first)
		}
	}
	if a.Last != nil {
		switch {
		case a.Before != nil || (*a.Last == 0 && r.End >= 0):
			// With before, the before item exists (in an unchanged list), so End <= total and last can be
			// applied now, which keeps the Known window as small as the answer. last: 0 is an empty window
			// at min(End, total), which Start = End already gives whatever the total.
			r.Start = max(r.Start, r.End-*a.Last)
		case r.End < 0 || *a.Last < r.End-r.Start:
			// The tail, or first+last: End may lie past the end of the list, so last applies only after
			// Window has clamped End to the total. A last not shorter than first changes nothing and is
			// dropped, so equal requests compare equal (they serve as loader keys).
			r.Last = *a.Last
		}
	}
	return r, nil
}

func checkCount(field string, n *int, maxN int) error {
	if n != nil && (*n < 0 || *n > maxN) {
		return &Error{Field: field, Reason: fmt.Sprintf("must be between 0 and %d, got %d", maxN, *n)}
	}
	return nil
}

func decodeArg(field, cursor string, codec Codec, scope string) (int, error) {
	off, err := codec.Decode(scope, cursor)
	if err != nil {
		return 0, &Error{Field: field, Reason: err.Error(), Err: err}
	}
	return off, nil
}

// NeedsTotal reports whether the window cannot be placed without knowing the total: last without before
// or first (the tail of the list).
func (r Request) NeedsTotal() bool { return r.End < 0 }

// Known returns the window to fetch and true when NeedsTotal is false. Its End may lie past the end of
// the list, and with first+last it is the whole first-window because which items are "last" depends on
// the total; Window(total) is always contained in it, so items fetched for the Known window cover the
// final one.
func (r Request) Known() (Window, bool) {
	if r.NeedsTotal() {
		return Window{}, false
	}
	start := max(r.Start, 0)
	return Window{Start: start, End: max(r.End, start)}, true
}

// Window is a half-open range [Start, End) of offsets. Start <= End always holds for windows returned by
// this package.
type Window struct{ Start, End int }

// Len is the number of offsets in the window.
func (w Window) Len() int { return w.End - w.Start }

// Window places the request against the known total: clamps to [0, total] and applies Last.
func (r Request) Window(total int) Window {
	total = max(total, 0)
	end := total
	if !r.NeedsTotal() {
		end = min(r.End, total)
	}
	start := min(max(r.Start, 0), end)
	if r.Last > 0 || r.NeedsTotal() {
		start = max(start, end-r.Last)
	}
	return Window{Start: start, End: end}
}

// PageInfo is Relay's pageInfo without the cursors.
type PageInfo struct{ HasPreviousPage, HasNextPage bool }

// Info computes exact page info for a placed window and the exact total.
func Info(w Window, total int) PageInfo {
	return PageInfo{
		HasPreviousPage: w.Start > 0 && total > 0,
		HasNextPage:     w.End < total,
	}
}
