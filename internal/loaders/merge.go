package loaders

import (
	"context"
	"slices"
	"sync"

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

// serveList answers every need on one list (same path, filter and embeds) with the fewest upstream calls:
// windows that overlap or fit one upstream page together are fetched once; a need for the list's tail
// (`last` without a cursor) or only its total rides on the other calls when there are any.
//
// Calls that do not depend on each other run concurrently. When a call fails, every need of the list gets
// that error: the list is one unit of failure.
func serveList[T any](ctx context.Context, fetch fetchPage[T], needs []need) []slice[T] {
	out := make([]slice[T], len(needs))
	g := &gather[T]{fetch: fetch, total: -1}

	// Phase 1: every window known without the total.
	var known []pagination.Window
	maxTail := 0
	for _, n := range needs {
		if n.metaOnly {
			continue
		}
		if w, ok := n.req.Known(); ok {
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

	// Phase 2: with the total known, the tails that the first calls did not cover.
	if g.err == nil && maxTail > 0 {
		var missing []pagination.Window
		for _, n := range needs {
			if n.metaOnly || !n.req.NeedsTotal() {
				continue
			}
			if w := n.req.Window(g.total); w.Len() > 0 {
				missing = append(missing, g.uncovered(w)...)
			}
		}
		if len(missing) > 0 {
			g.fetchAll(ctx, coalesce(missing))
		}
	}

	if g.total < 0 {
		g.total = 0
	}
	for i, n := range needs {
		if g.err != nil {
			out[i] = slice[T]{err: g.err}
			continue
		}
		w := n.req.Window(g.total)
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
