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
// It tries every size once (two divisions each) and allocates only the result.
func PlanPages(w Window) []Page {
	start := max(w.Start, 0)
	if w.End <= start {
		return nil
	}
	last := w.End - 1
	bestSize, bestCalls, bestFetched := 0, 0, 0
	// Sizes below the window length / 250 can never win, but the loop is too cheap to be worth pruning.
	for size := 1; size <= MaxUpstreamPageSize; size++ {
		calls := last/size - start/size + 1
		fetched := calls * size
		// Increasing size order makes "smaller size" the tie-break for free.
		if bestSize == 0 || calls < bestCalls || (calls == bestCalls && fetched < bestFetched) {
			bestSize, bestCalls, bestFetched = size, calls, fetched
		}
	}
	pages := make([]Page, bestCalls)
	first := start/bestSize + 1
	for i := range pages {
		pages[i] = Page{Number: first + i, Size: bestSize}
	}
	return pages
}
