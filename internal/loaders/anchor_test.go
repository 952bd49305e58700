package loaders

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/apperr"
	"github.com/roomgraph/roomgraph/internal/pagination"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// movingList is a list of distinct ints in the upstream's order: item v has the sort key v (vAnchor), so
// a larger v is newer and comes first. Items are top, top-1, …, bottom+1 minus the removed ones, computed
// per page, so lists of millions cost nothing; raising top inserts items at the head.
type movingList struct {
	mu      sync.Mutex
	top     int // the newest item
	bottom  int // items are > bottom
	removed map[int]bool
	pages   []pagination.Page
}

func newMovingList(n int) *movingList { return &movingList{top: n, bottom: 0, removed: map[int]bool{}} }

// vAnchor anchors item v on the key v: a larger v is newer, so it comes first.
func vAnchor(v *int) (pagination.Anchor, bool) { return pagination.Anchor{Key: int64(*v)}, true }

func (l *movingList) total() int { return l.top - l.bottom - len(l.removed) }

// at returns the item at offset i (the removed set is small: walk it).
func (l *movingList) at(i int) int {
	v := l.top - i
	for {
		// every removed item >= v pushes v down by one
		n := 0
		for r := range l.removed {
			if r >= v {
				n++
			}
		}
		if l.top-i-n == v {
			return v
		}
		v = l.top - i - n
	}
}

func (l *movingList) offsetOf(v int) int {
	n := 0
	for r := range l.removed {
		if r > v {
			n++
		}
	}
	return l.top - v - n
}

func (l *movingList) fetch(_ context.Context, p pagination.Page) (*telnyx.List[int], error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pages = append(l.pages, p)
	total := l.total()
	var data []int
	for i := p.Start(); i < p.End() && i < total; i++ {
		data = append(data, l.at(i))
	}
	return &telnyx.List[int]{Data: data, Meta: telnyx.Meta{PageNumber: p.Number, PageSize: p.Size, TotalResults: total}}, nil
}

func (l *movingList) calls() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.pages)
	l.pages = nil
	return n
}

// cursorOf is the anchored cursor of item v at its current offset.
func (l *movingList) cursorOf(c pagination.Codec, v int) string {
	a, _ := vAnchor(&v)
	return c.EncodeCursor("s", pagination.Cursor{Offset: l.offsetOf(v), Anchor: a, Anchored: true})
}

func resolveReq(t *testing.T, a pagination.Args) pagination.Request {
	t.Helper()
	r, err := pagination.Resolve(a, pagination.Limits{DefaultFirst: 20, MaxFirst: 250}, pagination.Codec{}, "s")
	require.NoError(t, err)
	require.True(t, r.Anchored())
	return r
}

func intp(n int) *int { return &n }

// TestLocate: a next page (after) and a previous page (before) of 10 over a list of 200 whose anchor moved
// by k: the page is the 10 items just past the anchor, whatever moved, with the calls the design promises.
func TestLocate(t *testing.T) {
	codec := pagination.Codec{}
	tests := []struct {
		name     string
		inserted int  // new items at the head
		removed  int  // items removed just before the anchor
		gone     bool // the anchor's own item removed
		calls    int
	}{
		{name: "nothing moved", calls: 1},
		{name: "1 inserted at the head", inserted: 1, calls: 1},
		{name: "5 inserted", inserted: 5, calls: 1},
		{name: "10 inserted: the slack", inserted: 10, calls: 1},
		{name: "60 inserted", inserted: 60, calls: 2},
		{name: "3 removed before it", removed: 3, calls: 1},
		{name: "40 removed before it", removed: 40, calls: 2},
		{name: "the anchor removed", gone: true, calls: 1},
		{name: "the anchor removed and 60 inserted", gone: true, inserted: 60, calls: 2},
	}
	for _, tc := range tests {
		for _, backward := range []bool{false, true} {
			name := tc.name + map[bool]string{false: "/after", true: "/before"}[backward]
			t.Run(name, func(t *testing.T) {
				l := newMovingList(200)
				anchor := l.at(100)
				var args pagination.Args
				cur := l.cursorOf(codec, anchor)
				if backward {
					args = pagination.Args{Last: intp(10), Before: &cur}
				} else {
					args = pagination.Args{First: intp(10), After: &cur}
				}
				r := resolveReq(t, args)
				l.top += tc.inserted
				for v := anchor + 1; v <= anchor+tc.removed; v++ {
					l.removed[v] = true
				}
				if tc.gone {
					l.removed[anchor] = true
				}
				got := serveList(context.Background(), l.fetch, vAnchor, []need{{req: r}})[0]
				require.NoError(t, got.err)
				var want []int
				if backward {
					// the 10 items just before the anchor: the smallest larger values, newest first
					for v := anchor + 1; len(want) < 10; v++ {
						if !l.removed[v] {
							want = append([]int{v}, want...)
						}
					}
				} else {
					for v := anchor - 1; len(want) < 10; v-- {
						want = append(want, v)
					}
				}
				assert.Equal(t, want, got.items)
				assert.Equal(t, l.total(), got.total)
				assert.Equal(t, l.offsetOf(want[0]), got.window.Start)
				assert.Equal(t, tc.calls, l.calls(), "upstream calls")
			})
		}
	}
}

// TestLocateWorstCase: an anchor that moved across most of a long list is found within MaxSearchCalls,
// plus the window's own call, in a list of up to 8,191,750 items; in a list past that size, one that moved far enough gives up with
// ErrCursorMoved, a BAD_USER_INPUT naming the cursor.
func TestLocateWorstCase(t *testing.T) {
	codec := pagination.Codec{}
	for _, tc := range []struct {
		name      string
		size      int
		at, moved int
	}{
		{"8,191,750 items, moved to the end", 8_191_750 - 100, 10, 100},
		{"8,191,750 items, moved 4,000,003", 8_191_750 - 4_000_003, 10, 4_000_003},
		{"8,191,750 items, moved 1,234,567", 8_191_750 - 1_234_567, 40_000, 1_234_567},
		{"250,000 items, moved 131,072", 250_000, 1000, 131_072},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newMovingList(tc.size)
			anchor := l.at(tc.at)
			cur := l.cursorOf(codec, anchor)
			r := resolveReq(t, pagination.Args{First: intp(20), After: &cur})
			l.top += tc.moved
			got := serveList(context.Background(), l.fetch, vAnchor, []need{{req: r}})[0]
			require.NoError(t, got.err)
			require.Len(t, got.items, 20)
			assert.Equal(t, anchor-1, got.items[0])
			assert.LessOrEqual(t, l.calls(), 1+pagination.MaxSearchCalls+1)
		})
	}

	// Random sizes, places and shifts within the bound, both directions of movement.
	rng := rand.New(rand.NewPCG(19, 3))
	for range 300 {
		size := 1 + rng.IntN(8_191_750)
		at := rng.IntN(size)
		l := newMovingList(size)
		anchor := l.at(at)
		cur := l.cursorOf(codec, anchor)
		first := 1 + rng.IntN(100)
		r := resolveReq(t, pagination.Args{First: intp(first), After: &cur})
		if rng.IntN(2) == 0 {
			l.top += rng.IntN(8_191_750 - size + 1)
		} else {
			l.bottom = -rng.IntN(1000) // older items do not move it
			for range rng.IntN(50) {
				if v := anchor + 1 + rng.IntN(size-at+1); v <= l.top {
					l.removed[v] = true
				}
			}
		}
		got := serveList(context.Background(), l.fetch, vAnchor, []need{{req: r}})[0]
		require.NoError(t, got.err)
		if len(got.items) > 0 {
			require.Equal(t, anchor-1, got.items[0], "size %d at %d", size, at)
		}
		require.LessOrEqual(t, l.calls(), 1+pagination.MaxSearchCalls+1, "size %d at %d", size, at)
	}

	l := newMovingList(200_000_000)
	anchor := l.at(10)
	cur := l.cursorOf(codec, anchor)
	r := resolveReq(t, pagination.Args{First: intp(20), After: &cur})
	l.top += 100_000_000
	got := serveList(context.Background(), l.fetch, vAnchor, []need{{req: r}})[0]
	require.ErrorIs(t, got.err, pagination.ErrCursorMoved)
	assert.Equal(t, apperr.BadUserInput, apperr.CodeOf(got.err))
	e, ok := got.err.(*apperr.Error)
	require.True(t, ok)
	assert.Equal(t, "after", e.Field)
	assert.Equal(t, 1+pagination.MaxSearchCalls, l.calls(), "the first fetch, then the bounded search")
}

// TestLocateSharedAcrossNeeds: two needs with the same anchor (aliases paging the same list from the same
// cursor) search once, and an unanchored need on the same list rides on the same calls.
func TestLocateSharedAcrossNeeds(t *testing.T) {
	codec := pagination.Codec{}
	l := newMovingList(500)
	anchor := l.at(100)
	cur := l.cursorOf(codec, anchor)
	a := resolveReq(t, pagination.Args{First: intp(5), After: &cur})
	b := resolveReq(t, pagination.Args{First: intp(15), After: &cur})
	l.top += 300
	got := serveList(context.Background(), l.fetch, vAnchor, []need{{req: a}, {req: b}, known(0, 3)})
	for _, s := range got {
		require.NoError(t, s.err)
	}
	assert.Equal(t, []int{anchor - 1, anchor - 2, anchor - 3, anchor - 4, anchor - 5}, got[0].items)
	assert.Len(t, got[1].items, 15)
	assert.Equal(t, got[0].items, got[1].items[:5])
	assert.Equal(t, []int{800, 799, 798}, got[2].items)
	assert.LessOrEqual(t, l.calls(), 4, "one first fetch, one search for both anchored needs, the windows")
}

// TestLocateMetaOnly: a need for pageInfo alone with an anchored cursor is placed too (its hasNextPage and
// hasPreviousPage depend on where the anchor is now), without fetching its window.
func TestLocateMetaOnly(t *testing.T) {
	codec := pagination.Codec{}
	l := newMovingList(30)
	anchor := l.at(19)
	cur := l.cursorOf(codec, anchor)
	r := resolveReq(t, pagination.Args{First: intp(10), After: &cur})
	l.top += 5
	got := serveList(context.Background(), l.fetch, vAnchor, []need{{req: r, metaOnly: true}})[0]
	require.NoError(t, got.err)
	assert.Equal(t, pagination.Window{Start: 25, End: 35}, got.window)
	assert.Equal(t, 35, got.total)
	assert.False(t, pagination.Info(got.window, got.total).HasNextPage)
	assert.Equal(t, 1, l.calls())
}
