package loaders

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/pagination"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// fakeList serves pages of the list 0..total-1 and records the pages asked for.
type fakeList struct {
	total int
	fail  error

	mu    sync.Mutex
	pages []pagination.Page
}

func (f *fakeList) fetch(_ context.Context, p pagination.Page) (*telnyx.List[int], error) {
	f.mu.Lock()
	f.pages = append(f.pages, p)
	f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	var data []int
	for i := p.Start(); i < p.End() && i < f.total; i++ {
		data = append(data, i)
	}
	return &telnyx.List[int]{Data: data, Meta: telnyx.Meta{PageNumber: p.Number, PageSize: p.Size, TotalResults: f.total}}, nil
}

func (f *fakeList) sortedPages() []pagination.Page {
	out := slices.Clone(f.pages)
	slices.SortFunc(out, func(a, b pagination.Page) int { return a.Start() - b.Start() })
	return out
}

func ints(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func known(start, end int) need { return need{req: pagination.Request{Start: start, End: end}} }
func tail(n int) need           { return need{req: pagination.Request{Start: 0, End: -1, Last: n}} }

func TestServeList(t *testing.T) {
	tests := []struct {
		name      string
		total     int
		needs     []need
		wantPages []pagination.Page
		wantItems [][]int
	}{
		{
			name:      "one window, one aligned page",
			total:     100,
			needs:     []need{known(0, 20)},
			wantPages: []pagination.Page{{Number: 1, Size: 20}},
			wantItems: [][]int{ints(0, 20)},
		},
		{
			name:      "first 10 and first 25 share one call",
			total:     100,
			needs:     []need{known(0, 10), known(0, 25)},
			wantPages: []pagination.Page{{Number: 1, Size: 25}},
			wantItems: [][]int{ints(0, 10), ints(0, 25)},
		},
		{
			name:      "disjoint windows close together share one call",
			total:     300,
			needs:     []need{known(0, 10), known(100, 110)},
			wantPages: []pagination.Page{{Number: 1, Size: 110}},
			wantItems: [][]int{ints(0, 10), ints(100, 110)},
		},
		{
			name:      "windows too far apart for one page are fetched apart",
			total:     1000,
			needs:     []need{known(0, 10), known(500, 510)},
			wantPages: []pagination.Page{{Number: 1, Size: 10}, {Number: 51, Size: 10}},
			wantItems: [][]int{ints(0, 10), ints(500, 510)},
		},
		{
			name:      "unaligned window in one page of a larger size",
			total:     100,
			needs:     []need{known(7, 12)},
			wantPages: []pagination.Page{{Number: 2, Size: 6}},
			wantItems: [][]int{ints(7, 12)},
		},
		{
			name:      "tail of a short list: the probe covers it",
			total:     8,
			needs:     []need{tail(10)},
			wantPages: []pagination.Page{{Number: 1, Size: 10}},
			wantItems: [][]int{ints(0, 8)},
		},
		{
			name:      "tail of a long list: probe, then the tail",
			total:     95,
			needs:     []need{tail(10)},
			wantPages: []pagination.Page{{Number: 1, Size: 10}, {Number: 8, Size: 12}},
			wantItems: [][]int{ints(85, 95)},
		},
		{
			name:      "tail rides on a known window's call for the total",
			total:     40,
			needs:     []need{known(0, 20), tail(5)},
			wantPages: []pagination.Page{{Number: 1, Size: 20}, {Number: 8, Size: 5}},
			wantItems: [][]int{ints(0, 20), ints(35, 40)},
		},
		{
			name:      "tail already inside a known window costs nothing more",
			total:     18,
			needs:     []need{known(0, 20), tail(5)},
			wantPages: []pagination.Page{{Number: 1, Size: 20}},
			wantItems: [][]int{ints(0, 18), ints(13, 18)},
		},
		{
			name:      "total only: one call of one item",
			total:     50,
			needs:     []need{{req: pagination.Request{Start: 0, End: 20}, metaOnly: true}},
			wantPages: []pagination.Page{{Number: 1, Size: 1}},
			wantItems: [][]int{nil},
		},
		{
			name:      "total only rides on a window's call",
			total:     50,
			needs:     []need{known(0, 5), {req: pagination.Request{Start: 0, End: 20}, metaOnly: true}},
			wantPages: []pagination.Page{{Number: 1, Size: 5}},
			wantItems: [][]int{ints(0, 5), nil},
		},
		{
			name:      "empty list",
			total:     0,
			needs:     []need{known(0, 20), tail(3)},
			wantPages: []pagination.Page{{Number: 1, Size: 20}},
			wantItems: [][]int{nil, nil},
		},
		{
			name:      "window past the end",
			total:     30,
			needs:     []need{known(40, 50)},
			wantPages: []pagination.Page{{Number: 5, Size: 10}},
			wantItems: [][]int{nil},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeList{total: tc.total}
			got := serveList(context.Background(), f.fetch, intAnchor, tc.needs)
			require.Len(t, got, len(tc.needs))
			assert.Equal(t, tc.wantPages, f.sortedPages())
			for i, s := range got {
				require.NoError(t, s.err)
				assert.Equal(t, tc.total, s.total, "need %d total", i)
				if !tc.needs[i].metaOnly {
					assert.Equal(t, tc.wantItems[i], s.items, "need %d items", i)
					assert.Equal(t, len(s.items), s.window.Len(), "need %d window", i)
				}
			}
		})
	}
}

func TestServeListErrorReachesEveryNeed(t *testing.T) {
	boom := errors.New("boom")
	f := &fakeList{total: 10, fail: boom}
	got := serveList(context.Background(), f.fetch, intAnchor, []need{known(0, 5), tail(2), {req: pagination.Request{End: 3}, metaOnly: true}})
	for _, s := range got {
		require.ErrorIs(t, s.err, boom)
	}
	assert.Len(t, f.pages, 1, "no second phase after a failure")
}

func TestCoalesce(t *testing.T) {
	w := func(s, e int) pagination.Window { return pagination.Window{Start: s, End: e} }
	tests := []struct {
		name string
		in   []pagination.Window
		want []pagination.Window
	}{
		{"none", nil, nil},
		{"overlapping", []pagination.Window{w(10, 30), w(0, 20)}, []pagination.Window{w(0, 30)}},
		{"touching", []pagination.Window{w(0, 10), w(10, 20)}, []pagination.Window{w(0, 20)}},
		{"gap within a page", []pagination.Window{w(0, 10), w(200, 250)}, []pagination.Window{w(0, 250)}},
		{"gap beyond a page", []pagination.Window{w(0, 10), w(200, 251)}, []pagination.Window{w(0, 10), w(200, 251)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, coalesce(tc.in)) })
	}
}

// intAnchor anchors the fake lists' items: item x has the key -x, so the lists 0, 1, 2, … are in the
// upstream's order (key descending).
func intAnchor(x *int) (pagination.Anchor, bool) { return pagination.Anchor{Key: -int64(*x)}, true }
