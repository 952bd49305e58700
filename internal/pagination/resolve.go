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

	// After and Before are the cuts of the after and before cursors. They are set only when one of them is
	// anchored (Anchored); Start, End and Last are then the window as if nothing had moved since the
	// cursors were issued, and Rebase places it where the cuts are now.
	After, Before Cut
	first, last   int // the counts as given (first defaulted), -1 when absent; for Rebase
}

// Cut is where an after or before cursor cuts the list.
type Cut struct {
	// At is the offset of the cut when the cursor was issued: the offset just after the cursor's item for
	// after, the item's own offset for before; -1 when the request has no such cursor.
	At int
	// Anchor is the cursor's item; when Anchored is false (a version 2 cursor) the cut stays at At.
	Anchor   Anchor
	Anchored bool
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
	after, before := Cut{At: -1}, Cut{At: -1}
	if a.After != nil {
		c, err := decodeArg("after", *a.After, codec, scope)
		if err != nil {
			return Request{}, err
		}
		after = Cut{At: c.Offset + 1, Anchor: c.Anchor, Anchored: c.Anchored}
	}
	if a.Before != nil {
		c, err := decodeArg("before", *a.Before, codec, scope)
		if err != nil {
			return Request{}, err
		}
		before = Cut{At: c.Offset, Anchor: c.Anchor, Anchored: c.Anchored}
	}
	first, last := -1, -1
	if a.First != nil {
		first = *a.First
	}
	if a.Last != nil {
		last = *a.Last
	}
	if first < 0 && last < 0 {
		first = lim.DefaultFirst
	}
	r := place(after.At, before.At, first, last)
	if after.Anchored || before.Anchored {
		r.After, r.Before, r.first, r.last = after, before, first, last
	}
	return r, nil
}

// place applies the cursors' cuts (-1: no such cursor) and the counts (-1: absent).
func place(after, before, first, last int) Request {
	r := Request{Start: 0, End: -1}
	if after >= 0 {
		r.Start = after
	}
	if before >= 0 {
		r.End = max(before, r.Start)
	}
	if first >= 0 {
		if r.End < 0 {
			r.End = r.Start + first
		} else {
			r.End = min(r.End, r.Start+first)
		}
	}
	if last >= 0 {
		switch {
		case before >= 0 || (last == 0 && r.End >= 0):
			// With before, the before item exists (in an unchanged list, or where its anchor was found), so
			// End <= total and last can be applied now, which keeps the Known window as small as the answer.
			// last: 0 is an empty window at min(End, total), which Start = End already gives whatever the
			// total.
			r.Start = max(r.Start, r.End-last)
		case r.End < 0 || last < r.End-r.Start:
			// The tail, or first+last: End may lie past the end of the list, so last applies only after
			// Window has clamped End to the total. A last not shorter than first changes nothing and is
			// dropped, so equal requests compare equal (they serve as loader keys).
			r.Last = last
		}
	}
	return r
}

// Anchored reports whether a cursor of the request carries an anchor: its window must then be placed
// where the anchor is now (Rebase), not where it was.
func (r Request) Anchored() bool { return r.After.Anchored || r.Before.Anchored }

// Rebase returns the request placed with its anchored cuts at the offsets after and before, where their
// anchors cut the list now (an argument is ignored for a cut that is absent or not anchored, which stays
// at its At). The result carries no anchors. A request that is not Anchored is returned as it is.
func (r Request) Rebase(after, before int) Request {
	if !r.Anchored() {
		return r
	}
	a, b := r.After.At, r.Before.At
	if r.After.Anchored {
		a = max(after, 0)
	}
	if r.Before.Anchored {
		b = max(before, 0)
	}
	return place(a, b, r.first, r.last)
}

// Slack is how many items beyond an anchored request's window (and its cursors' items) the first fetch
// takes on either side when that costs no extra upstream call: an anchor that moved by up to Slack places
// itself from that fetch alone.
const Slack = 10

// Probe returns the window to fetch first for an Anchored request: the window as issued (its Known window;
// nothing for a tail), the items of its anchored cursors, and up to Slack items on either side: the widest
// slack whose pages are no more calls than the window as issued alone. A request that is not Anchored
// gets its Known window.
func (r Request) Probe() (Window, bool) {
	known, ok := r.Known()
	if !r.Anchored() {
		return known, ok
	}
	lo, hi := MaxOffset, -1
	if ok && known.Len() > 0 {
		lo, hi = known.Start, known.End
	}
	if r.After.Anchored && r.After.At > 0 {
		lo, hi = min(lo, r.After.At-1), max(hi, r.After.At)
	}
	if r.Before.Anchored {
		lo, hi = min(lo, r.Before.At), max(hi, r.Before.At+1)
	}
	if hi < 0 {
		return known, ok
	}
	calls := max(len(PlanPages(known)), 1)
	for s := Slack; s > 0; s-- {
		w := Window{Start: max(lo-s, 0), End: hi + s}
		if len(PlanPages(w)) <= calls {
			return w, true
		}
	}
	return Window{Start: lo, End: hi}, true
}

func checkCount(field string, n *int, maxN int) error {
	if n != nil && (*n < 0 || *n > maxN) {
		return &Error{Field: field, Reason: fmt.Sprintf("must be between 0 and %d, got %d", maxN, *n)}
	}
	return nil
}

func decodeArg(field, cursor string, codec Codec, scope string) (Cursor, error) {
	c, err := codec.DecodeCursor(scope, cursor)
	if err != nil {
		return Cursor{}, &Error{Field: field, Reason: err.Error(), Err: err}
	}
	return c, nil
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
