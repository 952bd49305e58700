package pagination_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/pagination"
)

var testLimits = pagination.Limits{DefaultFirst: 20, MaxFirst: 100}

func intp(n int) *int        { return &n }
func strp(s string) *string  { return &s }
func cur(offset int) *string { return strp(testCodec().Encode(testScope, offset)) }
func req(s, e, l int) pagination.Request {
	return pagination.Request{Start: s, End: e, Last: l}
}

func tamper(cursor string) string {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		panic(err)
	}
	raw[3] ^= 0x01 // inside the offset
	return base64.RawURLEncoding.EncodeToString(raw)
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name string
		args pagination.Args
		want pagination.Request
	}{
		{name: "no arguments: default first", args: pagination.Args{}, want: req(0, 20, 0)},
		{name: "first", args: pagination.Args{First: intp(5)}, want: req(0, 5, 0)},
		{name: "first at the max", args: pagination.Args{First: intp(100)}, want: req(0, 100, 0)},
		{name: "first after", args: pagination.Args{First: intp(5), After: cur(9)}, want: req(10, 15, 0)},
		{name: "after alone uses default first", args: pagination.Args{After: cur(0)}, want: req(1, 21, 0)},
		{name: "last alone is the tail", args: pagination.Args{Last: intp(5)}, want: req(0, -1, 5)},
		{name: "last at the max", args: pagination.Args{Last: intp(100)}, want: req(0, -1, 100)},
		{name: "last after: tail not before the cursor", args: pagination.Args{Last: intp(5), After: cur(3)}, want: req(4, -1, 5)},
		{name: "last before", args: pagination.Args{Last: intp(5), Before: cur(20)}, want: req(15, 20, 0)},
		{name: "last before near the start", args: pagination.Args{Last: intp(5), Before: cur(3)}, want: req(0, 3, 0)},
		{name: "before alone uses default first", args: pagination.Args{Before: cur(50)}, want: req(0, 20, 0)},
		{name: "before alone within default first", args: pagination.Args{Before: cur(7)}, want: req(0, 7, 0)},
		{name: "first and last: last of the first", args: pagination.Args{First: intp(10), Last: intp(3)}, want: req(0, 10, 3)},
		{name: "first and last larger than first", args: pagination.Args{First: intp(3), Last: intp(10)}, want: req(0, 3, 0)},
		{name: "first last after", args: pagination.Args{First: intp(10), Last: intp(3), After: cur(4)}, want: req(5, 15, 3)},
		{name: "after and before", args: pagination.Args{After: cur(4), Before: cur(10)}, want: req(5, 10, 0)},
		{name: "after and before with first", args: pagination.Args{After: cur(4), Before: cur(10), First: intp(2)}, want: req(5, 7, 0)},
		{name: "after and before with last", args: pagination.Args{After: cur(4), Before: cur(10), Last: intp(2)}, want: req(8, 10, 0)},
		{name: "after and before with large last", args: pagination.Args{After: cur(4), Before: cur(10), Last: intp(50)}, want: req(5, 10, 0)},
		{name: "adjacent after and before: empty", args: pagination.Args{After: cur(4), Before: cur(5)}, want: req(5, 5, 0)},
		{name: "before equals after: empty", args: pagination.Args{After: cur(4), Before: cur(4)}, want: req(5, 5, 0)},
		{name: "before lower than after: empty", args: pagination.Args{After: cur(10), Before: cur(4), Last: intp(3)}, want: req(11, 11, 0)},
		{name: "first 0", args: pagination.Args{First: intp(0)}, want: req(0, 0, 0)},
		{name: "first 0 after", args: pagination.Args{First: intp(0), After: cur(9)}, want: req(10, 10, 0)},
		{name: "last 0 alone needs the total", args: pagination.Args{Last: intp(0)}, want: req(0, -1, 0)},
		{name: "last 0 before", args: pagination.Args{Last: intp(0), Before: cur(10)}, want: req(10, 10, 0)},
		{name: "huge after", args: pagination.Args{After: cur(pagination.MaxOffset), First: intp(10)}, want: req(pagination.MaxOffset+1, pagination.MaxOffset+11, 0)},
		{name: "huge before", args: pagination.Args{Before: cur(pagination.MaxOffset), Last: intp(100)}, want: req(pagination.MaxOffset-100, pagination.MaxOffset, 0)},
		{name: "huge after with last", args: pagination.Args{After: cur(pagination.MaxOffset), Last: intp(100)}, want: req(pagination.MaxOffset+1, -1, 100)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pagination.Resolve(tc.args, testLimits, testCodec(), testScope)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.want.End == -1, got.NeedsTotal())
			assert.LessOrEqual(t, got.Start, max(got.End, got.Start), "Start <= End when End is known")
		})
	}
}

func TestResolveErrors(t *testing.T) {
	valid := testCodec().Encode(testScope, 42)
	tests := []struct {
		name      string
		args      pagination.Args
		wantField string
		wantIs    error // nil for count errors
		wantMsg   string
	}{
		{name: "negative first", args: pagination.Args{First: intp(-1)}, wantField: "first", wantMsg: `"first" must be between 0 and 100, got -1`},
		{name: "first above max", args: pagination.Args{First: intp(101)}, wantField: "first", wantMsg: `"first" must be between 0 and 100, got 101`},
		{name: "negative last", args: pagination.Args{Last: intp(-5)}, wantField: "last", wantMsg: `"last" must be between 0 and 100, got -5`},
		{name: "last above max", args: pagination.Args{Last: intp(1000)}, wantField: "last", wantMsg: `"last" must be between 0 and 100, got 1000`},
		{name: "first checked before last", args: pagination.Args{First: intp(101), Last: intp(-1)}, wantField: "first"},
		{name: "counts checked before cursors", args: pagination.Args{Last: intp(101), After: strp("garbage")}, wantField: "last"},
		{name: "after from another scope", args: pagination.Args{After: strp(testCodec().Encode("rooms|other", 42))}, wantField: "after", wantIs: pagination.ErrCursorScope,
			wantMsg: `invalid "after" cursor: the cursor is from another list (another room, session or filter): ask this list for its own cursors`},
		{name: "before from another scope", args: pagination.Args{Before: strp(testCodec().Encode("rooms|other", 42))}, wantField: "before", wantIs: pagination.ErrCursorScope},
		{name: "after from another secret", args: pagination.Args{After: strp(pagination.NewCodec([]byte("x")).Encode(testScope, 42))}, wantField: "after", wantIs: pagination.ErrCursorTampered},
		{name: "tampered after", args: pagination.Args{After: strp(tamper(valid))}, wantField: "after", wantIs: pagination.ErrCursorTampered,
			wantMsg: `invalid "after" cursor: the cursor was altered (or issued with another cursor secret): use a cursor exactly as a pageInfo or edge gave it`},
		{name: "tampered before", args: pagination.Args{Before: strp(tamper(valid)), Last: intp(3)}, wantField: "before", wantIs: pagination.ErrCursorTampered},
		{name: "garbage base64 after", args: pagination.Args{After: strp("%%%not base64%%%")}, wantField: "after", wantIs: pagination.ErrCursorMalformed,
			wantMsg: `invalid "after" cursor: malformed cursor: wrong length`},
		{name: "garbage of cursor length", args: pagination.Args{After: strp("############################")}, wantField: "after", wantIs: pagination.ErrCursorMalformed,
			wantMsg: `invalid "after" cursor: malformed cursor: not base64url`},
		{name: "empty after", args: pagination.Args{After: strp("")}, wantField: "after", wantIs: pagination.ErrCursorMalformed,
			wantMsg: `invalid "after" cursor: malformed cursor: empty`},
		{name: "empty before", args: pagination.Args{Before: strp(""), First: intp(1)}, wantField: "before", wantIs: pagination.ErrCursorMalformed},
		{name: "valid after, bad before", args: pagination.Args{After: strp(valid), Before: strp("x")}, wantField: "before", wantIs: pagination.ErrCursorMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pagination.Resolve(tc.args, testLimits, testCodec(), testScope)
			require.Error(t, err)
			assert.Zero(t, got)
			var perr *pagination.Error
			require.ErrorAs(t, err, &perr)
			assert.Equal(t, tc.wantField, perr.Field)
			assert.NotEmpty(t, perr.Reason)
			if tc.wantIs != nil {
				assert.ErrorIs(t, err, tc.wantIs)
			} else {
				assert.NotErrorIs(t, err, pagination.ErrCursorScope)
				assert.NotErrorIs(t, err, pagination.ErrCursorMalformed)
			}
			if tc.wantMsg != "" {
				assert.EqualError(t, err, tc.wantMsg)
			}
		})
	}
}

func TestResolveInvalidLimits(t *testing.T) {
	for _, lim := range []pagination.Limits{
		{},
		{DefaultFirst: 0, MaxFirst: 100},
		{DefaultFirst: 20, MaxFirst: 0},
		{DefaultFirst: 101, MaxFirst: 100},
		{DefaultFirst: -1, MaxFirst: 100},
		{DefaultFirst: 1, MaxFirst: pagination.MaxOffset + 1},
	} {
		t.Run(fmt.Sprintf("%d/%d", lim.DefaultFirst, lim.MaxFirst), func(t *testing.T) {
			require.Error(t, lim.Validate())
			_, err := pagination.Resolve(pagination.Args{}, lim, testCodec(), testScope)
			require.Error(t, err)
			var perr *pagination.Error
			assert.False(t, errors.As(err, &perr), "a configuration bug is not the caller's fault")
		})
	}
	assert.NoError(t, testLimits.Validate())
	assert.NoError(t, pagination.Limits{DefaultFirst: 1, MaxFirst: 1}.Validate())
}

func TestWindowAndInfo(t *testing.T) {
	tests := []struct {
		name  string
		req   pagination.Request
		total int
		want  pagination.Window
		info  pagination.PageInfo
	}{
		{name: "first page of many", req: req(0, 20, 0), total: 55, want: pagination.Window{0, 20}, info: pagination.PageInfo{HasNextPage: true}},
		{name: "middle page", req: req(20, 40, 0), total: 55, want: pagination.Window{20, 40}, info: pagination.PageInfo{HasPreviousPage: true, HasNextPage: true}},
		{name: "last partial page", req: req(40, 60, 0), total: 55, want: pagination.Window{40, 55}, info: pagination.PageInfo{HasPreviousPage: true}},
		{name: "exactly to the end", req: req(35, 55, 0), total: 55, want: pagination.Window{35, 55}, info: pagination.PageInfo{HasPreviousPage: true}},
		{name: "whole list", req: req(0, 20, 0), total: 20, want: pagination.Window{0, 20}, info: pagination.PageInfo{}},
		{name: "start past the end", req: req(60, 80, 0), total: 55, want: pagination.Window{55, 55}, info: pagination.PageInfo{HasPreviousPage: true}},
		{name: "empty list", req: req(0, 20, 0), total: 0, want: pagination.Window{0, 0}, info: pagination.PageInfo{}},
		{name: "empty list after a cursor", req: req(10, 30, 0), total: 0, want: pagination.Window{0, 0}, info: pagination.PageInfo{}},
		{name: "first 0 at the start", req: req(0, 0, 0), total: 5, want: pagination.Window{0, 0}, info: pagination.PageInfo{HasNextPage: true}},
		{name: "first 0 at the end", req: req(5, 5, 0), total: 5, want: pagination.Window{5, 5}, info: pagination.PageInfo{HasPreviousPage: true}},
		{name: "tail", req: req(0, -1, 5), total: 55, want: pagination.Window{50, 55}, info: pagination.PageInfo{HasPreviousPage: true}},
		{name: "tail longer than the list", req: req(0, -1, 100), total: 55, want: pagination.Window{0, 55}, info: pagination.PageInfo{}},
		{name: "tail exactly the list", req: req(0, -1, 55), total: 55, want: pagination.Window{0, 55}, info: pagination.PageInfo{}},
		{name: "tail of an empty list", req: req(0, -1, 5), total: 0, want: pagination.Window{0, 0}, info: pagination.PageInfo{}},
		{name: "tail bounded by after", req: req(52, -1, 5), total: 55, want: pagination.Window{52, 55}, info: pagination.PageInfo{HasPreviousPage: true}},
		{name: "tail after past the end", req: req(60, -1, 5), total: 55, want: pagination.Window{55, 55}, info: pagination.PageInfo{HasPreviousPage: true}},
		{name: "last 0 alone", req: req(0, -1, 0), total: 55, want: pagination.Window{55, 55}, info: pagination.PageInfo{HasPreviousPage: true}},
		{name: "last 0 alone on an empty list", req: req(0, -1, 0), total: 0, want: pagination.Window{0, 0}, info: pagination.PageInfo{}},
		{name: "before past a shrunk list", req: req(40, 50, 0), total: 30, want: pagination.Window{30, 30}, info: pagination.PageInfo{HasPreviousPage: true}},
		{name: "first+last on a long list", req: req(0, 10, 3), total: 55, want: pagination.Window{7, 10}, info: pagination.PageInfo{HasPreviousPage: true, HasNextPage: true}},
		{name: "first+last on a list shorter than first", req: req(0, 10, 3), total: 5, want: pagination.Window{2, 5}, info: pagination.PageInfo{HasPreviousPage: true}},
		{name: "first+last on an empty list", req: req(0, 10, 3), total: 0, want: pagination.Window{0, 0}, info: pagination.PageInfo{}},
		{name: "negative total is empty", req: req(0, 20, 0), total: -3, want: pagination.Window{0, 0}, info: pagination.PageInfo{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.req.Window(tc.total)
			assert.Equal(t, tc.want, w)
			assert.Equal(t, tc.want.End-tc.want.Start, w.Len())
			assert.Equal(t, tc.info, pagination.Info(w, max(tc.total, 0)))
		})
	}
}

func TestKnown(t *testing.T) {
	w, ok := req(10, 30, 0).Known()
	assert.True(t, ok)
	assert.Equal(t, pagination.Window{10, 30}, w)

	w, ok = req(5, 5, 0).Known()
	assert.True(t, ok)
	assert.Zero(t, w.Len())

	w, ok = req(5, 15, 3).Known()
	assert.True(t, ok)
	assert.Equal(t, pagination.Window{5, 15}, w, "first+last fetches the first-window")

	_, ok = req(0, -1, 5).Known()
	assert.False(t, ok)
	_, ok = req(0, -1, 0).Known()
	assert.False(t, ok)
}

// TestResolveMatchesRelayModel runs every combination of arguments on small lists through Resolve and
// Window, and compares with Relay's algorithm applied to an actual slice of items (the spec's
// ApplyCursorsToEdges, then first, then last), using only cursors of items that exist.
func TestResolveMatchesRelayModel(t *testing.T) {
	codec := testCodec()
	lim := pagination.Limits{DefaultFirst: 3, MaxFirst: 12}
	for total := 0; total <= 9; total++ {
		cursors := make([]*string, 0, total+1)
		cursors = append(cursors, nil)
		for off := range total {
			cursors = append(cursors, strp(codec.Encode(testScope, off)))
		}
		counts := []*int{nil}
		for n := 0; n <= total+1; n++ {
			counts = append(counts, intp(n))
		}
		for ai, after := range cursors {
			for bi, before := range cursors {
				for _, first := range counts {
					for _, last := range counts {
						args := pagination.Args{First: first, Last: last, After: after, Before: before}
						r, err := pagination.Resolve(args, lim, codec, testScope)
						require.NoError(t, err)
						w := r.Window(total)
						want := relayModel(total, ai-1, bi-1, first, last, lim.DefaultFirst)
						name := fmt.Sprintf("total=%d after=%d before=%d first=%s last=%s", total, ai-1, bi-1, fmtp(first), fmtp(last))

						require.LessOrEqual(t, 0, w.Start, name)
						require.LessOrEqual(t, w.Start, w.End, name)
						require.LessOrEqual(t, w.End, total, name)
						require.Equal(t, len(want), w.Len(), name)
						if len(want) > 0 {
							require.Equal(t, want[0], w.Start, name)
							info := pagination.Info(w, total)
							require.Equal(t, want[0] > 0, info.HasPreviousPage, name)
							require.Equal(t, want[len(want)-1] < total-1, info.HasNextPage, name)
						}
						if kw, ok := r.Known(); ok {
							require.False(t, r.NeedsTotal(), name)
							if w.Len() > 0 {
								require.True(t, kw.Start <= w.Start && w.End <= kw.End, "Known window must contain the final one: %s", name)
							}
						} else {
							require.True(t, last != nil && first == nil && before == nil, "only the tail needs the total: %s", name)
						}
					}
				}
			}
		}
	}
}

// relayModel returns the offsets Relay's algorithm returns for a list [0, total). after and before are
// offsets of existing items, or -1 when absent.
func relayModel(total, after, before int, first, last *int, defaultFirst int) []int {
	var edges []int
	for i := range total {
		if (after < 0 || i > after) && (before < 0 || i < before) {
			edges = append(edges, i)
		}
	}
	if first == nil && last == nil {
		first = &defaultFirst
	}
	if first != nil && len(edges) > *first {
		edges = edges[:*first]
	}
	if last != nil && len(edges) > *last {
		edges = edges[len(edges)-*last:]
	}
	return edges
}

func fmtp(p *int) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}
