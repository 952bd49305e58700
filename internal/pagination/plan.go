package pagination

import "errors"

// Page is one upstream page request: page[number]=Number, page[size]=Size.
type Page struct{ Number, Size int }

// Start is the offset of the page's first item.
func (p Page) Start() int { return (p.Number - 1) * p.Size }

// End is the offset just past the page's last item.
func (p Page) End() int { return p.Number * p.Size }

// PlanPages returns the fewest upstream pages covering [w.Start, w.End): all of one size in
// 1..MaxUpstreamPageSize, with consecutive numbers, in order. Among plans with the fewest calls it picks
// the fewest fetched items (calls*size), then the smaller size. An empty window gives nil; a negative
// Start counts as 0.
//
// It allocates only the result and usually stops after a few sizes: see the loop comment.
func PlanPages(w Window) []Page {
	start := max(w.Start, 0)
	length := w.End - start
	if length <= 0 {
		return nil
	}
	// k calls of size s cover the window iff the first page's slack before the window plus the window
	// fits in them: start%s + length <= k*s, which also needs s >= ceil(length/k). Trying k upward and, for
	// each k, s upward from that bound, the first hit has the fewest calls, then the fewest fetched items
	// (k*s grows with s), then the smallest size. Size MaxUpstreamPageSize always succeeds by
	// k = ceil(length/MaxUpstreamPageSize)+1, so at most two passes run.
	for calls := ceilDiv(length, MaxUpstreamPageSize); ; calls++ {
		for size := ceilDiv(length, calls); size <= MaxUpstreamPageSize; size++ {
			if start%size+length <= calls*size {
				pages := make([]Page, calls)
				first := start/size + 1
				for i := range pages {
					pages[i] = Page{Number: first + i, Size: size}
				}
				return pages
			}
		}
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// MaxSearchCalls bounds the upstream calls spent finding one anchor that moved beyond what the first
// fetch covered (see the package comment, "When the upstream list changes between two requests"). The
// first goes next to the fetched items, on the side the anchor moved to, and covers at least 125 offsets;
// the next ones are a binary search over the pages of MaxUpstreamPageSize items the anchor can still be
// in, ⌈log2(m+1)⌉ calls for m pages. So a list of up to MaxUpstreamPageSize·(2^(MaxSearchCalls-1)-1) =
// 8,191,750 items always places the anchor within the bound; in a longer one, an anchor that moved further
// fails with ErrCursorMoved.
const MaxSearchCalls = 16

// ErrCursorMoved is the error of a cursor whose anchor could not be found within MaxSearchCalls calls.
var ErrCursorMoved = errors.New("the list moved too far since the cursor was issued to find its item again: page again from the start")

// PageFrom returns the one upstream page that covers the most offsets from off on (at least
// MaxUpstreamPageSize/2); among those, the smallest.
func PageFrom(off int) Page {
	off = max(off, 0)
	best, covered := Page{}, -1
	for size := 1; size <= MaxUpstreamPageSize; size++ {
		if c := size - off%size; c > covered {
			best, covered = Page{Number: off/size + 1, Size: size}, c
		}
	}
	return best
}

// PageBefore returns the one upstream page that covers the most offsets just before end (the page holding
// end-1; at least MaxUpstreamPageSize/2 of them when end is that far from 0); among those, the smallest.
// An end <= 0 gives PageFrom(0).
func PageBefore(end int) Page {
	if end <= 0 {
		return PageFrom(0)
	}
	last := end - 1
	best, covered := Page{}, -1
	for size := 1; size <= MaxUpstreamPageSize; size++ {
		if c := last%size + 1; c > covered {
			best, covered = Page{Number: last/size + 1, Size: size}, c
		}
	}
	return best
}

// PageAt returns the page of the largest size that holds off.
func PageAt(off int) Page {
	return Page{Number: max(off, 0)/MaxUpstreamPageSize + 1, Size: MaxUpstreamPageSize}
}
