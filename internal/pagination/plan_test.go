package pagination_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/pagination"
)

func TestPageOffsets(t *testing.T) {
	assert.Equal(t, 0, pagination.Page{Number: 1, Size: 20}.Start())
	assert.Equal(t, 20, pagination.Page{Number: 1, Size: 20}.End())
	assert.Equal(t, 50, pagination.Page{Number: 3, Size: 25}.Start())
	assert.Equal(t, 75, pagination.Page{Number: 3, Size: 25}.End())
}

func TestPlanPagesExamples(t *testing.T) {
	tests := []struct {
		name string
		w    pagination.Window
		want []pagination.Page
	}{
		{name: "empty window", w: pagination.Window{Start: 10, End: 10}, want: nil},
		{name: "inverted window", w: pagination.Window{Start: 10, End: 5}, want: nil},
		{name: "one item at the start", w: pagination.Window{Start: 0, End: 1}, want: []pagination.Page{{1, 1}}},
		{name: "one item anywhere", w: pagination.Window{Start: 977, End: 978}, want: []pagination.Page{{978, 1}}},
		{name: "aligned first page", w: pagination.Window{Start: 0, End: 20}, want: []pagination.Page{{1, 20}}},
		{name: "aligned second page", w: pagination.Window{Start: 20, End: 40}, want: []pagination.Page{{2, 20}}},
		{name: "aligned third page", w: pagination.Window{Start: 40, End: 60}, want: []pagination.Page{{3, 20}}},
		{name: "aligned page of 100", w: pagination.Window{Start: 100, End: 200}, want: []pagination.Page{{2, 100}}},
		{name: "whole max page", w: pagination.Window{Start: 0, End: 250}, want: []pagination.Page{{1, 250}}},
		{name: "unaligned 20 in one page of 25", w: pagination.Window{Start: 30, End: 50}, want: []pagination.Page{{2, 25}}},
		{name: "unaligned 100 in one page of 125", w: pagination.Window{Start: 150, End: 250}, want: []pagination.Page{{2, 125}}},
		{name: "unaligned 2 straddling 250 in a page of 3", w: pagination.Window{Start: 249, End: 251}, want: []pagination.Page{{84, 3}}},
		{name: "unaligned 100 far out", w: pagination.Window{Start: 600, End: 700}, want: []pagination.Page{{7, 100}}},
		{name: "negative start counts from 0", w: pagination.Window{Start: -5, End: 3}, want: []pagination.Page{{1, 3}}},
		{name: "251 items need 2 calls", w: pagination.Window{Start: 0, End: 251}, want: []pagination.Page{{1, 126}, {2, 126}}},
		{name: "unaligned 250 needs 2 calls", w: pagination.Window{Start: 1, End: 251}, want: []pagination.Page{{1, 126}, {2, 126}}},
		{name: "126 straddling 250 needs 2 small pages", w: pagination.Window{Start: 125, End: 251}, want: []pagination.Page{{2, 84}, {3, 84}}},
		{name: "1000 items need 4 calls", w: pagination.Window{Start: 0, End: 1000}, want: []pagination.Page{{1, 250}, {2, 250}, {3, 250}, {4, 250}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, pagination.PlanPages(tc.w))
		})
	}
}

// TestPlanPagesExhaustive checks every window with start in 0..600 and length in 1..100, plus longer
// lengths up to and past one max page.
func TestPlanPagesExhaustive(t *testing.T) {
	lengths := make([]int, 0, 120)
	for l := 1; l <= 100; l++ {
		lengths = append(lengths, l)
	}
	lengths = append(lengths, 101, 125, 126, 127, 150, 199, 200, 201, 249, 250, 251, 300, 499, 500, 501, 1000)
	for start := 0; start <= 600; start++ {
		for _, l := range lengths {
			w := pagination.Window{Start: start, End: start + l}
			pages := pagination.PlanPages(w)
			checkCoverage(t, w, pages)

			oneCallPossible := false
			for s := l; s <= pagination.MaxUpstreamPageSize; s++ {
				if start/s == (w.End-1)/s {
					oneCallPossible = true
					break
				}
			}
			if oneCallPossible {
				require.Len(t, pages, 1, "window %v fits one page", w)
			}
			if l <= 125 {
				// Observed, not assumed by the code: every window up to half a max page fits one call.
				require.Len(t, pages, 1, "window %v", w)
			}
		}
	}
}

// TestPlanPagesOptimal compares a sample of windows with a brute force that walks every page of every
// size. For a size s, the pages that intersect the window are exactly the minimal consecutive cover (any
// cover must contain each of them, and together they cover), so the brute force sees every candidate plan.
func TestPlanPagesOptimal(t *testing.T) {
	for start := 0; start <= 600; start += 7 {
		for l := 1; l <= 260; l += 1 + l/25 {
			w := pagination.Window{Start: start, End: start + l}
			want := bruteForcePlan(w)
			require.Equal(t, want, pagination.PlanPages(w), "window %v", w)
		}
	}
}

func bruteForcePlan(w pagination.Window) []pagination.Page {
	var best []pagination.Page
	better := func(p []pagination.Page) bool {
		if best == nil || len(p) != len(best) {
			return best == nil || len(p) < len(best)
		}
		fetched, bestFetched := len(p)*p[0].Size, len(best)*best[0].Size
		return fetched < bestFetched || (fetched == bestFetched && p[0].Size < best[0].Size)
	}
	for size := 1; size <= pagination.MaxUpstreamPageSize; size++ {
		var plan []pagination.Page
		for n := 1; (n-1)*size < w.End; n++ {
			p := pagination.Page{Number: n, Size: size}
			if p.End() > w.Start {
				plan = append(plan, p)
			}
		}
		if better(plan) {
			best = plan
		}
	}
	return best
}

func checkCoverage(t *testing.T, w pagination.Window, pages []pagination.Page) {
	t.Helper()
	name := fmt.Sprintf("window %v plan %v", w, pages)
	require.NotEmpty(t, pages, name)
	size := pages[0].Size
	require.GreaterOrEqual(t, size, 1, name)
	require.LessOrEqual(t, size, pagination.MaxUpstreamPageSize, name)
	require.GreaterOrEqual(t, pages[0].Number, 1, name)
	for i, p := range pages {
		require.Equal(t, size, p.Size, "one size: %s", name)
		require.Equal(t, pages[0].Number+i, p.Number, "consecutive: %s", name)
		require.True(t, p.Start() < w.End && p.End() > w.Start, "every page holds part of the window: %s", name)
	}
	require.LessOrEqual(t, pages[0].Start(), w.Start, name)
	require.GreaterOrEqual(t, pages[len(pages)-1].End(), w.End, name)
	minCalls := (w.Len() + pagination.MaxUpstreamPageSize - 1) / pagination.MaxUpstreamPageSize
	require.GreaterOrEqual(t, len(pages), minCalls, name)
	require.LessOrEqual(t, len(pages), minCalls+1, "a max-size plan needs at most one extra call: %s", name)
}

func FuzzPlanPages(f *testing.F) {
	f.Add(0, 1)
	f.Add(0, 20)
	f.Add(30, 20)
	f.Add(249, 2)
	f.Add(1, 250)
	f.Add(125, 126)
	f.Add(pagination.MaxOffset, 100)
	f.Add(-7, 5)
	f.Add(123456789, 1000)
	f.Fuzz(func(t *testing.T, start, length int) {
		start %= pagination.MaxOffset + 1
		length %= 2001
		w := pagination.Window{Start: start, End: start + length}
		pages := pagination.PlanPages(w)
		if max(start, 0) >= w.End {
			require.Nil(t, pages)
			return
		}
		w.Start = max(start, 0)
		checkCoverage(t, w, pages)
		if w.End <= 5000 {
			require.Equal(t, bruteForcePlan(w), pages)
		}
	})
}
