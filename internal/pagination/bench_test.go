package pagination_test

import (
	"testing"

	"github.com/roomgraph/roomgraph/internal/pagination"
)

func BenchmarkPlanPages(b *testing.B) {
	windows := map[string]pagination.Window{
		"aligned 20":       {Start: 40, End: 60},
		"unaligned 100":    {Start: 617, End: 717},
		"2 calls":          {Start: 1, End: 251},
		"1000 far out":     {Start: 1 << 30, End: 1<<30 + 1000},
		"empty":            {Start: 5, End: 5},
		"one item far out": {Start: 123456789, End: 123456790},
	}
	for name, w := range windows {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			calls := 0
			for b.Loop() {
				calls = len(pagination.PlanPages(w))
			}
			b.ReportMetric(float64(calls), "upstream-calls/op")
		})
	}
}

func BenchmarkCodecEncode(b *testing.B) {
	c := testCodec()
	b.ReportAllocs()
	off := 0
	for b.Loop() {
		_ = c.Encode(testScope, off)
		off = (off + 1) & 0xffff
	}
}

func BenchmarkCodecDecode(b *testing.B) {
	c := testCodec()
	cursor := c.Encode(testScope, 4242)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Decode(testScope, cursor); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCodecDecodeWrongScope(b *testing.B) {
	c := testCodec()
	cursor := c.Encode(testScope, 4242)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Decode("another scope", cursor); err == nil {
			b.Fatal("decoded a cursor of another scope")
		}
	}
}

func BenchmarkResolve(b *testing.B) {
	c := testCodec()
	args := pagination.Args{First: intp(20), After: strp(c.Encode(testScope, 99))}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pagination.Resolve(args, testLimits, c, testScope); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCodecAnchored(b *testing.B) {
	c := testCodec()
	cur := pagination.Cursor{Offset: 42, Anchor: pagination.Anchor{Key: 1_793_000_000_123_456_000, ID: [16]byte{0x0c, 0xcc, 0x7b, 0x54}}, Anchored: true}
	s := c.EncodeCursor(testScope, cur)
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = c.EncodeCursor(testScope, cur)
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.DecodeCursor(testScope, s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
