package pagination_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/pagination"
)

const testScope = "room_sessions|room=5f2d|active=true"

func testCodec() pagination.Codec { return pagination.NewCodec([]byte("test-secret")) }

func TestCodecRoundTrip(t *testing.T) {
	codecs := map[string]pagination.Codec{
		"short secret": testCodec(),
		"zero codec":   {},
		"long secret":  pagination.NewCodec([]byte(strings.Repeat("k", 200))),
	}
	scopes := []string{"", testScope, strings.Repeat("long scope ", 40)}
	offsets := []int{0, 1, 19, 20, 249, 250, 65535, 1 << 24, pagination.MaxOffset}
	for name, c := range codecs {
		t.Run(name, func(t *testing.T) {
			for _, scope := range scopes {
				for _, off := range offsets {
					cur := c.Encode(scope, off)
					assert.Len(t, cur, 28, "cursors have a fixed length")
					assert.NotContains(t, cur, "=", "no padding")
					got, err := c.Decode(scope, cur)
					require.NoError(t, err)
					assert.Equal(t, off, got)
				}
			}
		})
	}
}

// TestCursorFormat pins the wire format documented in the package comment, and checks the hand-rolled
// HMAC against crypto/hmac for keys shorter than, equal to and longer than a SHA-256 block.
func TestCursorFormat(t *testing.T) {
	for _, secret := range []string{"", "test-secret", strings.Repeat("x", 64), strings.Repeat("y", 65), strings.Repeat("z", 300)} {
		for _, scope := range []string{"", "a", testScope, strings.Repeat("s", 127), strings.Repeat("s", 128), strings.Repeat("s", 1000)} {
			c := pagination.NewCodec([]byte(secret))
			raw, err := base64.RawURLEncoding.DecodeString(c.Encode(scope, 123456))
			require.NoError(t, err)
			require.Len(t, raw, 21)
			assert.Equal(t, byte(2), raw[0], "version")
			assert.Equal(t, uint32(123456), binary.BigEndian.Uint32(raw[1:5]), "offset")

			m := hmac.New(sha256.New, []byte(secret))
			m.Write(raw[:5])
			m.Write([]byte(scope))
			assert.Equal(t, m.Sum(nil)[:12], raw[5:17], "truncated HMAC-SHA256 (secret len %d, scope len %d)", len(secret), len(scope))
			tag := hmac.New(sha256.New, []byte(secret))
			tag.Write(raw[:17])
			assert.Equal(t, tag.Sum(nil)[:4], raw[17:], "integrity tag (secret len %d)", len(secret))
		}
	}
}

func TestCodecZeroValueEqualsEmptySecret(t *testing.T) {
	var zero pagination.Codec
	assert.Equal(t, pagination.NewCodec(nil).Encode(testScope, 7), zero.Encode(testScope, 7))
	assert.Equal(t, pagination.NewCodec([]byte{}).Encode(testScope, 7), zero.Encode(testScope, 7))
}

func TestCodecNewCodecCopiesSecret(t *testing.T) {
	secret := []byte("test-secret")
	c := pagination.NewCodec(secret)
	cur := c.Encode(testScope, 3)
	secret[0] = 'X'
	off, err := c.Decode(testScope, cur)
	require.NoError(t, err)
	assert.Equal(t, 3, off)
}

func TestCodecDecodeErrors(t *testing.T) {
	c := testCodec()
	valid := c.Encode(testScope, 42)
	raw, err := base64.RawURLEncoding.DecodeString(valid)
	require.NoError(t, err)
	withVersion := func(v byte) string {
		b := append([]byte(nil), raw...)
		b[0] = v
		return base64.RawURLEncoding.EncodeToString(b)
	}

	tests := []struct {
		name   string
		codec  pagination.Codec
		scope  string
		cursor string
		want   error
	}{
		{name: "empty", codec: c, scope: testScope, cursor: "", want: pagination.ErrCursorMalformed},
		{name: "garbage", codec: c, scope: testScope, cursor: "!!!", want: pagination.ErrCursorMalformed},
		{name: "garbage of the right length", codec: c, scope: testScope, cursor: strings.Repeat("*", len(valid)), want: pagination.ErrCursorMalformed},
		{name: "valid base64 but not a cursor", codec: c, scope: testScope, cursor: base64.RawURLEncoding.EncodeToString([]byte("not-a-cursor")), want: pagination.ErrCursorMalformed},
		{name: "padded", codec: c, scope: testScope, cursor: valid + "=", want: pagination.ErrCursorMalformed},
		{name: "truncated", codec: c, scope: testScope, cursor: valid[:len(valid)-1], want: pagination.ErrCursorMalformed},
		{name: "extended", codec: c, scope: testScope, cursor: valid + "A", want: pagination.ErrCursorMalformed},
		{name: "unknown version", codec: c, scope: testScope, cursor: withVersion(3), want: pagination.ErrCursorMalformed},
		{name: "version one (no tag)", codec: c, scope: testScope, cursor: withVersion(1), want: pagination.ErrCursorMalformed},
		{name: "version zero", codec: c, scope: testScope, cursor: withVersion(0), want: pagination.ErrCursorMalformed},
		{name: "other scope", codec: c, scope: testScope + "x", cursor: valid, want: pagination.ErrCursorScope},
		{name: "other room", codec: c, scope: strings.Replace(testScope, "5f2d", "5f2e", 1), cursor: valid, want: pagination.ErrCursorScope},
		{name: "other secret", codec: pagination.NewCodec([]byte("other-secret")), scope: testScope, cursor: valid, want: pagination.ErrCursorTampered},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			off, err := tc.codec.Decode(tc.scope, tc.cursor)
			require.ErrorIs(t, err, tc.want)
			assert.Zero(t, off)
		})
	}
}

func TestCodecRejectsStandardBase64Alphabet(t *testing.T) {
	c := testCodec()
	for off := 0; off < 1000; off++ {
		cur := c.Encode(testScope, off)
		if !strings.ContainsAny(cur, "-_") {
			continue
		}
		_, err := c.Decode(testScope, strings.NewReplacer("-", "+", "_", "/").Replace(cur))
		require.ErrorIs(t, err, pagination.ErrCursorMalformed)
		return
	}
	t.Fatal("no cursor with '-' or '_' among the first 1000 offsets")
}

// TestCodecTamper flips every bit of every byte of the payload: each must fail, never decode to an offset.
func TestCodecTamper(t *testing.T) {
	c := testCodec()
	raw, err := base64.RawURLEncoding.DecodeString(c.Encode(testScope, 42))
	require.NoError(t, err)
	for i := range raw {
		for bit := range 8 {
			b := append([]byte(nil), raw...)
			b[i] ^= 1 << bit
			off, err := c.Decode(testScope, base64.RawURLEncoding.EncodeToString(b))
			require.Error(t, err, "byte %d bit %d", i, bit)
			assert.Zero(t, off)
			if i == 0 {
				assert.ErrorIs(t, err, pagination.ErrCursorMalformed, "version byte")
			} else {
				assert.ErrorIs(t, err, pagination.ErrCursorTampered, "offset, MAC or tag byte %d: altered, not another list", i)
			}
		}
	}
	// Changing one character of the text gives either another payload (altered) or invalid base64.
	valid := c.Encode(testScope, 42)
	for i := range valid {
		for _, ch := range "AZaz09-_" {
			if byte(ch) == valid[i] {
				continue
			}
			tampered := valid[:i] + string(ch) + valid[i+1:]
			_, err := c.Decode(testScope, tampered)
			require.Error(t, err, "char %d -> %q", i, ch)
			assert.True(t, errorIsOne(err, pagination.ErrCursorTampered, pagination.ErrCursorMalformed), "unexpected error %v", err)
		}
	}
}

func TestCodecEncodePanicsOutOfRange(t *testing.T) {
	c := testCodec()
	assert.Panics(t, func() { c.Encode(testScope, -1) })
	assert.Panics(t, func() { c.Encode(testScope, pagination.MaxOffset+1) })
}

func TestCursorsDifferAcrossScopesAndOffsets(t *testing.T) {
	c := testCodec()
	seen := map[string]bool{}
	for _, scope := range []string{"", "a", "b", testScope} {
		for off := range 50 {
			cur := c.Encode(scope, off)
			assert.False(t, seen[cur], "duplicate cursor for %q/%d", scope, off)
			seen[cur] = true
		}
	}
}

func TestScope(t *testing.T) {
	assert.NotEqual(t, pagination.Scope("a|b", "c"), pagination.Scope("a", "b|c"))
	assert.NotEqual(t, pagination.Scope("ab", ""), pagination.Scope("a", "b"))
	assert.NotEqual(t, pagination.Scope(), pagination.Scope(""))
	assert.NotEqual(t, pagination.Scope("1:a"), pagination.Scope("1", "a"))
	assert.Equal(t, pagination.Scope("rooms", "r1"), pagination.Scope("rooms", "r1"))
}

func FuzzDecodeCursor(f *testing.F) {
	c := testCodec()
	f.Add(testScope, c.Encode(testScope, 0), 0)
	f.Add(testScope, c.Encode(testScope, 42), 42)
	f.Add("", c.Encode("", pagination.MaxOffset), pagination.MaxOffset)
	f.Add("other", c.Encode(testScope, 7), 7)
	f.Add(testScope, "", -1)
	f.Add(testScope, "!!!", 1<<40)
	f.Add(testScope, "AQAAACrrrrrrrrrrrrrrrrr", 5)
	f.Add(testScope, strings.Repeat("A", 28), 250)
	f.Add(strings.Repeat("s", 300), "AAAAAAAAAAAAAAAAAAAAAAA=", 3)
	f.Fuzz(func(t *testing.T, scope, cursor string, offset int) {
		// Arbitrary input never panics; a success always yields an offset Encode would give back.
		if off, err := c.Decode(scope, cursor); err == nil {
			require.GreaterOrEqual(t, off, 0)
			require.LessOrEqual(t, off, pagination.MaxOffset)
			require.Equal(t, cursor, c.Encode(scope, off), "only canonical cursors decode")
		} else {
			require.True(t, errorIsOne(err, pagination.ErrCursorMalformed, pagination.ErrCursorScope, pagination.ErrCursorTampered), "unexpected error %v", err)
		}

		if offset < 0 {
			offset = -(offset + 1)
		}
		offset %= pagination.MaxOffset + 1
		cur := c.Encode(scope, offset)
		got, err := c.Decode(scope, cur)
		require.NoError(t, err)
		require.Equal(t, offset, got)
		_, err = c.Decode(scope+"\x00", cur)
		require.ErrorIs(t, err, pagination.ErrCursorScope)
	})
}

func errorIsOne(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
