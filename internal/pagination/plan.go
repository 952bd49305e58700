package pagination

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
