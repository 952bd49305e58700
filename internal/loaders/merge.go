package loaders

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/roomgraph/roomgraph/internal/apperr"
	"github.com/roomgraph/roomgraph/internal/pagination"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// need is one caller's wish from one upstream list: a window, or only the list's total.
type need struct {
	req      pagination.Request
	metaOnly bool
}

// slice is what a need receives: its items, where they sit, and the list's total.
type slice[T any] struct {
	items  []T
	window pagination.Window
	total  int
	err    error
}

// fetchPage makes one upstream list call.
type fetchPage[T any] func(ctx context.Context, p pagination.Page) (*telnyx.List[T], error)

// segment is a run of consecutive items fetched from the list, starting at offset start.
type segment[T any] struct {
	start int
	items []T
}

func (s segment[T]) end() int { return s.start + len(s.items) }

// anchorOf returns an item's anchor: its place in the list's order (model.AnchorOf).
type anchorOf[T any] func(*T) (pagination.Anchor, bool)

// serveList answers every need on one list (same path, filter and embeds) with the fewest upstream calls:
// windows that overlap or fit one upstream page together are fetched once; a need for the list's tail
// (`last` without a cursor) or only its total rides on the other calls when there are any.
//
// A need whose cursors carry anchors is placed where its anchors cut the list now (locate): its first
// fetch covers its window as issued, its cursors' items and some slack (pagination.Request.Probe), which
// places an anchor that moved by a few items; one that moved further is searched for, and its window is
// fetched once placed.
//
// Calls that do not depend on each other run concurrently. When a call fails, every need of the list gets
// that error: the list is one unit of failure.
func serveList[T any](ctx context.Context, fetch fetchPage[T], anchor anchorOf[T], needs []need) []slice[T] {
	out := make([]slice[T], len(needs))
	g := &gather[T]{fetch: fetch, total: -1}

	// Phase 1: every window known without the total, anchored ones with their slack.
	var known []pagination.Window
	maxTail := 0
	for _, n := range needs {
		if n.metaOnly && !n.req.Anchored() {
			continue
		}
		if w, ok := n.req.Probe(); ok {
			if w.Len() > 0 {
				known = append(known, w)
			}
		} else {
			maxTail = max(maxTail, n.req.Last)
		}
	}
	spans := coalesce(known)
	if len(spans) == 0 {
		// Nothing placed yet: one probe from the start of the list gives the total, and covers the tail too
		// when the list is short.
		spans = []pagination.Window{{Start: 0, End: max(maxTail, 1)}}
	}
	g.fetchAll(ctx, spans)
	if g.total < 0 {
		g.total = 0
	}

	// Phase 2: the anchored needs, placed where their anchors cut the list now.
	reqs := make([]pagination.Request, len(needs))
	errs := make([]error, len(needs))
	cuts := map[cutKey]int{}
	for i, n := range needs {
		reqs[i] = n.req
		if g.err != nil || !n.req.Anchored() {
			continue
		}
		reqs[i], errs[i] = g.place(ctx, anchor, n.req, cuts)
	}

	// Phase 3: with the total known and the anchors placed, the windows the first calls did not cover.
	if g.err == nil {
		var missing []pagination.Window
		for i, n := range needs {
			if n.metaOnly || errs[i] != nil || !(n.req.NeedsTotal() || n.req.Anchored()) {
				continue
			}
			if w := reqs[i].Window(g.total); w.Len() > 0 {
				missing = append(missing, g.uncovered(w)...)
			}
		}
		if len(missing) > 0 {
			g.fetchAll(ctx, coalesce(missing))
		}
	}

	for i, n := range needs {
		if g.err != nil {
			out[i] = slice[T]{err: g.err}
			continue
		}
		if errs[i] != nil {
			out[i] = slice[T]{err: errs[i]}
			continue
		}
		w := reqs[i].Window(g.total)
		s := slice[T]{window: w, total: g.total}
		if !n.metaOnly {
			s.items = g.items(w)
			// A list that shrank between two calls leaves fewer items than planned: report what exists.
			s.window.End = s.window.Start + len(s.items)
		}
		out[i] = s
	}
	return out
}

// cutKey is one anchor's cut: after its item (inclusive) or before it.
type cutKey struct {
	anchor    pagination.Anchor
	inclusive bool
}

// place returns r rebased to where its anchors cut the list now, searching (more calls) for an anchor
// that the fetched pages do not place. cuts remembers the cuts found, for the other needs of the list.
func (g *gather[T]) place(ctx context.Context, anchor anchorOf[T], r pagination.Request, cuts map[cutKey]int) (pagination.Request, error) {
	after, before := r.After.At, r.Before.At
	find := func(c pagination.Cut, inclusive bool, want func(cut int) pagination.Window) (int, error) {
		k := cutKey{anchor: c.Anchor, inclusive: inclusive}
		if at, ok := cuts[k]; ok {
			return at, nil
		}
		at, err := g.locate(ctx, anchor, k, c.At, want)
		if err != nil {
			return 0, err
		}
		if g.err != nil {
			return 0, g.err
		}
		cuts[k] = at
		return at, nil
	}
	var err error
	if r.After.Anchored {
		after, err = find(r.After, true, func(cut int) pagination.Window { return r.Rebase(cut, before).Window(g.total) })
		if err != nil {
			return r, cursorMoved(err, "after")
		}
	}
	if r.Before.Anchored {
		before, err = find(r.Before, false, func(cut int) pagination.Window { return r.Rebase(after, cut).Window(g.total) })
		if err != nil {
			return r, cursorMoved(err, "before")
		}
	}
	return r.Rebase(after, before), nil
}

// cursorMoved names the cursor argument of a search that gave up (pagination.ErrCursorMoved); other
// errors are the list's.
func cursorMoved(err error, field string) error {
	if !errors.Is(err, pagination.ErrCursorMoved) {
		return err
	}
	e := apperr.Wrap(apperr.BadUserInput, err, fmt.Sprintf("invalid %q cursor: %s", field, err.Error()))
	e.Field = field
	return e
}

// locate returns where the anchor of k cuts the list now: the number of items that come before it in the
// list's order (and the item itself when k.inclusive, the cut of an after cursor). The cut lies in a
// bracket [lo, hi] that every fetched segment narrows; while it is open, one call at a time narrows it
// further: first the page next to what was fetched, on the side the anchor moved to (the common case, a
// shift a little beyond the slack), then a binary search over the bracket's pages of the largest size.
// When the bracket and the window the need would take from either end of it fit one call (want), that call
// is made instead and closes it. At most pagination.MaxSearchCalls calls; expected is the cut as issued.
func (g *gather[T]) locate(ctx context.Context, anchor anchorOf[T], k cutKey, expected int, want func(cut int) pagination.Window) (int, error) {
	lo, hi := g.bracket(anchor, k)
	for calls := 0; lo < hi; calls++ {
		if g.err != nil {
			return 0, g.err
		}
		if calls == pagination.MaxSearchCalls {
			return 0, pagination.ErrCursorMoved
		}
		span := pagination.Window{Start: lo, End: hi}
		if w := want(lo); w.Len() > 0 {
			span.Start = min(span.Start, w.Start)
		}
		if w := want(hi); w.Len() > 0 {
			span.End = max(span.End, w.End)
		}
		var page pagination.Page
		switch pages := pagination.PlanPages(span); {
		case len(pages) == 1:
			page = pages[0]
		case calls == 0 && lo >= expected:
			page = pagination.PageFrom(lo) // moved down: items were inserted before it
		case calls == 0:
			page = pagination.PageBefore(hi) // moved up: items before it were removed
		default:
			// The middle one of the bracket's pages of the largest size: each call halves the pages left.
			const size = pagination.MaxUpstreamPageSize
			page = pagination.PageAt(size * ((lo/size + (hi-1)/size) / 2))
		}
		g.fetchOne(ctx, page)
		lo, hi = g.bracket(anchor, k)
	}
	return lo, nil
}

// bracket returns the bounds [lo, hi] of the cut of k's anchor that the fetched segments give: an item
// that comes before the cut (or is the anchor's item, for an inclusive cut) raises lo past it, one after
// it lowers hi to it. A list that changed between two calls can give lo > hi; the cut is then lo's
// estimate, hi.
func (g *gather[T]) bracket(anchor anchorOf[T], k cutKey) (lo, hi int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	lo, hi = 0, g.total
	for _, s := range g.segs {
		// Items before the cut: those before the anchor, and the anchor's own item for an inclusive cut. A
		// segment is sorted, so they are a prefix of it.
		n := sort.Search(len(s.items), func(i int) bool {
			a, _ := anchor(&s.items[i])
			c := a.Compare(k.anchor)
			return c > 0 || (c == 0 && !k.inclusive)
		})
		if n > 0 {
			lo = max(lo, s.start+n)
		}
		if n < len(s.items) {
			hi = min(hi, s.start+n)
		}
	}
	if hi < lo {
		return hi, hi
	}
	return lo, hi
}

// coalesce merges windows that overlap, touch, or together fit one upstream page, so that each result
// can be planned as one run of pages.
func coalesce(ws []pagination.Window) []pagination.Window {
	if len(ws) == 0 {
		return nil
	}
	ws = slices.Clone(ws)
	slices.SortFunc(ws, func(a, b pagination.Window) int { return a.Start - b.Start })
	out := []pagination.Window{ws[0]}
	for _, w := range ws[1:] {
		cur := &out[len(out)-1]
		if w.Start <= cur.End || max(cur.End, w.End)-cur.Start <= pagination.MaxUpstreamPageSize {
			cur.End = max(cur.End, w.End)
			continue
		}
		out = append(out, w)
	}
	return out
}

// gather collects the segments of one list as calls come back.
type gather[T any] struct {
	fetch fetchPage[T]

	mu    sync.Mutex
	segs  []segment[T]
	total int
	err   error
}

func (g *gather[T]) fetchAll(ctx context.Context, spans []pagination.Window) {
	var pages []pagination.Page
	for _, s := range spans {
		pages = append(pages, pagination.PlanPages(s)...)
	}
	if len(pages) == 1 {
		g.fetchOne(ctx, pages[0])
		return
	}
	var wg sync.WaitGroup
	for _, p := range pages {
		wg.Go(func() { g.fetchOne(ctx, p) })
	}
	wg.Wait()
}

func (g *gather[T]) fetchOne(ctx context.Context, p pagination.Page) {
	var list *telnyx.List[T]
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = panicError(r)
			}
		}()
		list, err = g.fetch(ctx, p)
		return err
	}()
	g.mu.Lock()
	defer g.mu.Unlock()
	if err != nil {
		if g.err == nil {
			g.err = err
		}
		return
	}
	if g.total < 0 {
		g.total = list.Meta.TotalResults
	}
	if len(list.Data) > 0 {
		g.segs = append(g.segs, segment[T]{start: p.Start(), items: list.Data})
	}
}

// items returns the fetched items of w in order, stopping at the first offset no call returned.
func (g *gather[T]) items(w pagination.Window) []T {
	var out []T
	for off := w.Start; off < w.End; {
		seg, ok := g.segmentAt(off)
		if !ok {
			break
		}
		end := min(seg.end(), w.End)
		part := seg.items[off-seg.start : end-seg.start]
		if out == nil && end == w.End {
			return part // the common case: one segment holds the whole window, no copy
		}
		out = append(out, part...)
		off = end
	}
	return out
}

func (g *gather[T]) segmentAt(off int) (segment[T], bool) {
	for _, s := range g.segs {
		if off >= s.start && off < s.end() {
			return s, true
		}
	}
	return segment[T]{}, false
}

// uncovered returns the parts of w that no fetched segment holds.
func (g *gather[T]) uncovered(w pagination.Window) []pagination.Window {
	var out []pagination.Window
	for off := w.Start; off < w.End; {
		if seg, ok := g.segmentAt(off); ok {
			off = seg.end()
			continue
		}
		start := off
		for off < w.End {
			if _, ok := g.segmentAt(off); ok {
				break
			}
			off++
		}
		out = append(out, pagination.Window{Start: start, End: off})
	}
	return out
}
