package pagination_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/pagination"
)

const uuidA = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"

func anchor(t testing.TB, key time.Time, id string) pagination.Anchor {
	t.Helper()
	a, ok := pagination.NewAnchor(key, id)
	require.True(t, ok, "%v %q", key, id)
	return a
}

func TestNewAnchor(t *testing.T) {
	at := time.Date(2026, 11, 1, 9, 30, 0, 123456000, time.UTC)
	a := anchor(t, at, uuidA)
	assert.Equal(t, at.UnixNano(), a.Key)
	assert.Equal(t, [16]byte{0x0c, 0xcc, 0x7b, 0x54, 0x4d, 0xf3, 0x4b, 0xca, 0xa6, 0x5a, 0x3d, 0xa1, 0xec, 0xc7, 0x77, 0xf0}, a.ID)
	assert.Equal(t, a, anchor(t, at.In(time.FixedZone("x", 3600)), strings.ToUpper(uuidA)), "the instant and the UUID, not their spelling")

	for name, c := range map[string]struct {
		key time.Time
		id  string
	}{
		"zero key":            {time.Time{}, uuidA},
		"key past 2261":       {time.Date(2262, 6, 1, 0, 0, 0, 0, time.UTC), uuidA},
		"key before 1678":     {time.Date(1677, 1, 1, 0, 0, 0, 0, time.UTC), uuidA},
		"not a UUID":          {at, "room-1"},
		"UUID without dashes": {at, strings.ReplaceAll(uuidA, "-", "") + "xxxx"},
		"dash misplaced":      {at, "0ccc7b5-44df3-4bca-a65a-3da1ecc777f0"},
		"non-hex digit":       {at, "0ccc7b54-4df3-4bca-a65a-3da1ecc777fg"},
		"empty":               {at, ""},
	} {
		_, ok := pagination.NewAnchor(c.key, c.id)
		assert.False(t, ok, name)
	}
}

// TestAnchorCompare: the upstream's order (docs/upstream.md §3.5): key descending, then id ascending, which
// for lowercase UUIDs is the order of the strings.
func TestAnchorCompare(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	ids := []string{
		"00000000-0000-0000-0000-000000000001", "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0",
		"0ccc7b54-4df3-4bca-a65a-3da1ecc777f1", "9fffffff-ffff-ffff-ffff-ffffffffffff",
		"a0000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
	}
	type item struct {
		key time.Time
		id  string
	}
	var items []item
	for _, d := range []time.Duration{time.Hour, time.Microsecond, 0} {
		for _, id := range ids {
			items = append(items, item{t0.Add(d), id})
		}
	}
	// items is in list order: newer keys first, ties by id string.
	for i, a := range items {
		for j, b := range items {
			got := anchor(t, a.key, a.id).Compare(anchor(t, b.key, b.id))
			switch {
			case i < j:
				assert.Negative(t, got, "%d before %d", i, j)
			case i > j:
				assert.Positive(t, got, "%d after %d", i, j)
			default:
				assert.Zero(t, got)
			}
		}
	}
	assert.True(t, slices.IsSortedFunc(ids, strings.Compare), "the test's ids are in string order")
}

func TestAnchoredCursorRoundTrip(t *testing.T) {
	c := testCodec()
	a := anchor(t, time.Date(2026, 11, 1, 9, 30, 0, 123456000, time.UTC), uuidA)
	for _, off := range []int{0, 1, 249, 65535, pagination.MaxOffset} {
		cur := pagination.Cursor{Offset: off, Anchor: a, Anchored: true}
		s := c.EncodeCursor(testScope, cur)
		assert.Len(t, s, 60, "anchored cursors have a fixed length")
		got, err := c.DecodeCursor(testScope, s)
		require.NoError(t, err)
		assert.Equal(t, cur, got)
		plain, err := c.Decode(testScope, s)
		require.NoError(t, err)
		assert.Equal(t, off, plain, "Decode reads the offset of either version")
	}
	// Version 2 cursors decode as offset-only Cursors, and EncodeCursor without an anchor writes them.
	v2 := c.Encode(testScope, 42)
	got, err := c.DecodeCursor(testScope, v2)
	require.NoError(t, err)
	assert.Equal(t, pagination.Cursor{Offset: 42}, got)
	assert.Equal(t, v2, c.EncodeCursor(testScope, pagination.Cursor{Offset: 42}))
}

// TestAnchoredCursorFormat pins version 3: version, offset, key, id, the MAC over all of it and the scope,
// and the tag over everything before it.
func TestAnchoredCursorFormat(t *testing.T) {
	a := anchor(t, time.Date(2026, 11, 1, 9, 30, 0, 123456000, time.UTC), uuidA)
	for _, secret := range []string{"", "test-secret", strings.Repeat("y", 65)} {
		for _, scope := range []string{"", testScope, strings.Repeat("s", 128), strings.Repeat("s", 1000)} {
			c := pagination.NewCodec([]byte(secret))
			raw, err := base64.RawURLEncoding.DecodeString(c.EncodeCursor(scope, pagination.Cursor{Offset: 7, Anchor: a, Anchored: true}))
			require.NoError(t, err)
			require.Len(t, raw, 45)
			assert.Equal(t, byte(3), raw[0], "version")
			assert.Equal(t, uint32(7), binary.BigEndian.Uint32(raw[1:5]), "offset")
			assert.Equal(t, uint64(a.Key), binary.BigEndian.Uint64(raw[5:13]), "key")
			assert.Equal(t, a.ID[:], raw[13:29], "id")
			m := hmac.New(sha256.New, []byte(secret))
			m.Write(raw[:29])
			m.Write([]byte(scope))
			assert.Equal(t, m.Sum(nil)[:12], raw[29:41], "MAC")
			tag := hmac.New(sha256.New, []byte(secret))
			tag.Write(raw[:41])
			assert.Equal(t, tag.Sum(nil)[:4], raw[41:], "tag")
		}
	}
}

// TestAnchoredCursorTamper: every bit of a version 3 cursor matters, the anchor's included.
func TestAnchoredCursorTamper(t *testing.T) {
	c := testCodec()
	a := anchor(t, time.Now(), uuidA)
	valid := c.EncodeCursor(testScope, pagination.Cursor{Offset: 42, Anchor: a, Anchored: true})
	raw, err := base64.RawURLEncoding.DecodeString(valid)
	require.NoError(t, err)
	for i := range raw {
		for bit := range 8 {
			b := append([]byte(nil), raw...)
			b[i] ^= 1 << bit
			got, err := c.DecodeCursor(testScope, base64.RawURLEncoding.EncodeToString(b))
			require.Error(t, err, "byte %d bit %d", i, bit)
			assert.Zero(t, got)
			if i == 0 {
				assert.ErrorIs(t, err, pagination.ErrCursorMalformed, "version byte")
			} else {
				assert.ErrorIs(t, err, pagination.ErrCursorTampered, "byte %d", i)
			}
		}
	}
	_, err = c.DecodeCursor(testScope+"x", valid)
	assert.ErrorIs(t, err, pagination.ErrCursorScope)
	_, err = pagination.NewCodec([]byte("other")).DecodeCursor(testScope, valid)
	assert.ErrorIs(t, err, pagination.ErrCursorTampered)
	// A version byte that does not match the length is malformed, either way round.
	b := append([]byte(nil), raw...)
	b[0] = 2
	_, err = c.DecodeCursor(testScope, base64.RawURLEncoding.EncodeToString(b))
	assert.ErrorIs(t, err, pagination.ErrCursorMalformed)
}

// FuzzDecode: arbitrary text never panics and only canonical cursors of either version decode; any
// cursor Encode writes, anchored or not, decodes to what it was given, and only within its scope.
func FuzzDecode(f *testing.F) {
	c := testCodec()
	a := pagination.Anchor{Key: 1_793_000_000_000_000_000, ID: [16]byte{1, 2, 3}}
	f.Add(testScope, c.EncodeCursor(testScope, pagination.Cursor{Offset: 3, Anchor: a, Anchored: true}), 3, int64(5), []byte{1}, true)
	f.Add(testScope, c.Encode(testScope, 9), 9, int64(0), []byte{}, false)
	f.Add("", strings.Repeat("A", 60), 0, int64(-1), []byte(strings.Repeat("\xff", 16)), true)
	f.Add("x", "AwAAAAA", pagination.MaxOffset, int64(1)<<62, []byte("0123456789abcdefXYZ"), true)
	f.Fuzz(func(t *testing.T, scope, cursor string, offset int, key int64, id []byte, anchored bool) {
		if got, err := c.DecodeCursor(scope, cursor); err == nil {
			require.GreaterOrEqual(t, got.Offset, 0)
			require.LessOrEqual(t, got.Offset, pagination.MaxOffset)
			require.Equal(t, cursor, c.EncodeCursor(scope, got), "only canonical cursors decode")
		} else {
			require.True(t, errorIsOne(err, pagination.ErrCursorMalformed, pagination.ErrCursorScope, pagination.ErrCursorTampered), "unexpected error %v", err)
		}

		if offset < 0 {
			offset = -(offset + 1)
		}
		cur := pagination.Cursor{Offset: offset % (pagination.MaxOffset + 1), Anchored: anchored}
		if anchored {
			cur.Anchor.Key = key
			copy(cur.Anchor.ID[:], id)
		}
		s := c.EncodeCursor(scope, cur)
		got, err := c.DecodeCursor(scope, s)
		require.NoError(t, err)
		require.Equal(t, cur, got)
		_, err = c.DecodeCursor(scope+"\x00", s)
		require.ErrorIs(t, err, pagination.ErrCursorScope)
	})
}

// anchoredCursor is the cursor of offset with an anchor (any: Resolve does not look inside it).
func anchoredCursor(offset int) *string {
	return strp(testCodec().EncodeCursor(testScope, pagination.Cursor{Offset: offset, Anchor: pagination.Anchor{Key: int64(offset)}, Anchored: true}))
}

// TestRebaseMatchesResolve: an anchored request rebased to where its cuts were issued is the request
// Resolve gives for offset-only cursors; rebased to other cuts, it is the request for cursors there.
func TestRebaseMatchesResolve(t *testing.T) {
	lim := pagination.Limits{DefaultFirst: 3, MaxFirst: 12}
	counts := []*int{nil, intp(0), intp(2), intp(5)}
	offs := []int{-1, 0, 4, 9}
	for _, a := range offs {
		for _, b := range offs {
			for _, first := range counts {
				for _, last := range counts {
					for _, shift := range []int{0, 3, -1} {
						args, plain := pagination.Args{First: first, Last: last}, pagination.Args{First: first, Last: last}
						afterCut, beforeCut := -1, -1
						if a >= 0 {
							args.After = anchoredCursor(a)
							if a+shift >= 0 {
								plain.After = cur(a + shift)
							}
							afterCut = a + 1 + shift
						}
						if b >= 0 {
							args.Before = anchoredCursor(b)
							if b+shift >= 0 {
								plain.Before = cur(b + shift)
							}
							beforeCut = b + shift
						}
						if afterCut == 0 || beforeCut < 0 && b >= 0 {
							continue // no cursor has that cut
						}
						r, err := pagination.Resolve(args, lim, testCodec(), testScope)
						require.NoError(t, err)
						want, err := pagination.Resolve(plain, lim, testCodec(), testScope)
						require.NoError(t, err)
						name := fmtArgs(a, b, first, last, shift)
						require.Equal(t, a >= 0 || b >= 0, r.Anchored(), name)
						got := r.Rebase(afterCut, beforeCut)
						assert.Equal(t, want, got, name)
						assert.False(t, got.Anchored(), name)
						if shift == 0 && r.Anchored() {
							assert.Equal(t, want.Start, r.Start, name)
							assert.Equal(t, want.End, r.End, name)
							assert.Equal(t, want.Last, r.Last, name)
						}
					}
				}
			}
		}
	}
}

func fmtArgs(a, b int, first, last *int, shift int) string {
	return "after=" + fmtp(&a) + " before=" + fmtp(&b) + " first=" + fmtp(first) + " last=" + fmtp(last) + " shift=" + fmtp(&shift)
}

// TestProbe: an anchored request's first fetch covers its window as issued, its cursors' items and up to
// Slack items on either side, never in more calls than the window as issued alone.
func TestProbe(t *testing.T) {
	lim := pagination.Limits{DefaultFirst: 20, MaxFirst: 250}
	for _, tc := range []struct {
		name string
		args pagination.Args
		want pagination.Window
	}{
		{"first after", pagination.Args{First: intp(10), After: anchoredCursor(49)}, pagination.Window{Start: 39, End: 70}},
		{"after near the head", pagination.Args{First: intp(10), After: anchoredCursor(3)}, pagination.Window{Start: 0, End: 24}},
		{"last before", pagination.Args{Last: intp(10), Before: anchoredCursor(50)}, pagination.Window{Start: 30, End: 61}},
		{"the tail after: the cursor's item", pagination.Args{Last: intp(10), After: anchoredCursor(50)}, pagination.Window{Start: 40, End: 61}},
		{"after and before", pagination.Args{After: anchoredCursor(20), Before: anchoredCursor(30)}, pagination.Window{Start: 10, End: 41}},
		{"first 240: no slack where it would cost a call", pagination.Args{First: intp(240), After: anchoredCursor(9)}, pagination.Window{Start: 9, End: 250}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := pagination.Resolve(tc.args, lim, testCodec(), testScope)
			require.NoError(t, err)
			w, ok := r.Probe()
			require.True(t, ok)
			assert.Equal(t, tc.want, w)
			if k, ok := r.Known(); ok {
				assert.LessOrEqual(t, len(pagination.PlanPages(w)), max(len(pagination.PlanPages(k)), 1))
				assert.True(t, w.Start <= k.Start && k.End <= w.End || k.Len() == 0)
			}
		})
	}
	// Without anchors, Probe is Known.
	r, err := pagination.Resolve(pagination.Args{First: intp(10), After: cur(49)}, lim, testCodec(), testScope)
	require.NoError(t, err)
	w, ok := r.Probe()
	k, _ := r.Known()
	assert.True(t, ok)
	assert.Equal(t, k, w)
}

// TestProbePages: PageFrom and PageBefore cover the most offsets on their side in one call, at least 125.
func TestProbePages(t *testing.T) {
	for off := 0; off < 3000; off++ {
		p := pagination.PageFrom(off)
		require.LessOrEqual(t, p.Start(), off)
		require.Greater(t, p.End(), off)
		require.GreaterOrEqual(t, p.End()-off, pagination.MaxUpstreamPageSize/2, "from %d", off)
		q := pagination.PageBefore(off + 1)
		require.LessOrEqual(t, q.Start(), off)
		require.Equal(t, off+1, min(q.End(), off+1))
		require.GreaterOrEqual(t, off+1-q.Start(), min(off+1, pagination.MaxUpstreamPageSize/2), "before %d", off+1)
		for size := 1; size <= pagination.MaxUpstreamPageSize; size++ {
			require.LessOrEqual(t, size-off%size, p.End()-off, "PageFrom(%d) is the widest", off)
			require.LessOrEqual(t, off%size+1, off+1-q.Start(), "PageBefore(%d) is the widest", off+1)
		}
		a := pagination.PageAt(off)
		require.Equal(t, pagination.MaxUpstreamPageSize, a.Size)
		require.True(t, a.Start() <= off && off < a.End())
	}
	assert.Equal(t, pagination.PageFrom(0), pagination.PageBefore(0))
}
