package pagination

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// MaxOffset is the largest offset a cursor can carry. It keeps Start+first and page numbers far from int
// overflow; no upstream list comes near two billion items.
const MaxOffset = math.MaxInt32

// The errors a cursor can fail with. Resolve wraps them in an *Error naming the argument.
var (
	ErrCursorScope     = errors.New("the cursor is from another list (another room, session or filter): ask this list for its own cursors")
	ErrCursorTampered  = errors.New("the cursor was altered (or issued with another cursor secret): use a cursor exactly as a pageInfo or edge gave it")
	ErrCursorMalformed = errors.New("malformed cursor")
)

const (
	offsetVersion   = 2  // version || offset || MAC || tag
	anchoredVersion = 3  // version || offset || key || id || MAC || tag
	macLen          = 12 // 96 bits: forging needs 2^96 tries against a per-request check
	tagLen          = 4  // the scope-free integrity tag: tells an altered cursor from another list's
	offsetHeaderLen = 1 + 4
	anchorLen       = 8 + 16 // the sort key (Unix nanoseconds) and the record's UUID
	anchorHeaderLen = offsetHeaderLen + anchorLen
	offsetLen       = offsetHeaderLen + macLen + tagLen // 21 bytes, 28 characters
	anchoredLen     = anchorHeaderLen + macLen + tagLen // 45 bytes, 60 characters
	maxHeaderLen    = anchorHeaderLen
	hmacBlockSize   = sha256.BlockSize
	innerPadByte    = 0x36
	outerPadByte    = 0x5c
	scopeStackSize  = 128 // scopes up to this size hash without a heap allocation
)

var cursorEncoding = base64.RawURLEncoding.Strict()

// The encoded lengths are fixed, so anything of another length is rejected before decoding.
var (
	offsetEncodedLen   = cursorEncoding.EncodedLen(offsetLen)
	anchoredEncodedLen = cursorEncoding.EncodedLen(anchoredLen)
)

// Cursor is what a cursor carries: the offset of its item when it was issued and, for a version 3
// cursor, the item's anchor (its place in the list's order), which finds the item again after the list
// moved. A version 2 cursor (Anchored false) is an offset only.
type Cursor struct {
	Offset   int
	Anchor   Anchor
	Anchored bool
}

// Codec encodes and decodes opaque, versioned, tamper-evident cursors (format in the package comment).
// The zero Codec is usable and equals NewCodec(nil). A Codec is immutable and safe for concurrent use.
type Codec struct {
	// key is the HMAC key already reduced to one block (RFC 2104: hashed when longer, zero-padded), so
	// each MAC costs two SHA-256 sums over stack buffers instead of hmac.New's allocations.
	key [hmacBlockSize]byte
}

// NewCodec returns a Codec whose cursors are bound to secret. The secret is copied.
func NewCodec(secret []byte) Codec {
	var c Codec
	if len(secret) > hmacBlockSize {
		sum := sha256.Sum256(secret)
		copy(c.key[:], sum[:])
	} else {
		copy(c.key[:], secret)
	}
	return c
}

// Encode returns the offset-only (version 2) cursor of offset within the list described by scope. It
// panics when offset is outside [0, MaxOffset]: offsets come from windows this package computed, so that
// is a caller bug.
func (c Codec) Encode(scope string, offset int) string {
	return c.EncodeCursor(scope, Cursor{Offset: offset})
}

// EncodeCursor returns the cursor of cur within the list described by scope: version 3 when cur is
// anchored, else version 2. It panics when the offset is outside [0, MaxOffset].
func (c Codec) EncodeCursor(scope string, cur Cursor) string {
	if cur.Offset < 0 || cur.Offset > MaxOffset {
		panic("pagination: cursor offset out of range: " + strconv.Itoa(cur.Offset))
	}
	var p [anchoredLen]byte
	header := offsetHeaderLen
	p[0] = offsetVersion
	if cur.Anchored {
		header = anchorHeaderLen
		p[0] = anchoredVersion
		binary.BigEndian.PutUint64(p[5:13], uint64(cur.Anchor.Key))
		copy(p[13:29], cur.Anchor.ID[:])
	}
	binary.BigEndian.PutUint32(p[1:5], uint32(cur.Offset))
	mac := c.mac(p[:header], scope)
	copy(p[header:], mac[:macLen])
	tag := c.mac(p[:header+macLen], "")
	copy(p[header+macLen:], tag[:tagLen])
	// Encoded on the stack: the string is the only allocation.
	var text [80]byte
	n := cursorEncoding.EncodedLen(header + macLen + tagLen)
	cursorEncoding.Encode(text[:n], p[:header+macLen+tagLen])
	return string(text[:n])
}

// Decode returns the offset carried by a cursor of either version; see DecodeCursor.
func (c Codec) Decode(scope, cursor string) (int, error) {
	cur, err := c.DecodeCursor(scope, cursor)
	return cur.Offset, err
}

// DecodeCursor returns what cursor carries if it was encoded by a Codec with the same secret for the same
// scope: version 2 (offset only) or version 3 (offset and anchor). Errors wrap ErrCursorMalformed (not a
// cursor of either format), ErrCursorTampered (shaped like a cursor, but the integrity tag does not
// verify: altered, or another secret) or ErrCursorScope (intact, but the scope's MAC does not verify: a
// cursor of another list).
func (c Codec) DecodeCursor(scope, cursor string) (Cursor, error) {
	var header, version int
	switch len(cursor) {
	case 0:
		return Cursor{}, fmt.Errorf("%w: empty", ErrCursorMalformed)
	case offsetEncodedLen:
		header, version = offsetHeaderLen, offsetVersion
	case anchoredEncodedLen:
		header, version = anchorHeaderLen, anchoredVersion
	default:
		return Cursor{}, fmt.Errorf("%w: wrong length", ErrCursorMalformed)
	}
	var buf [anchoredLen]byte
	p := buf[:header+macLen+tagLen]
	if n, err := cursorEncoding.Decode(p, []byte(cursor)); err != nil || n != len(p) {
		return Cursor{}, fmt.Errorf("%w: not base64url", ErrCursorMalformed)
	}
	if int(p[0]) != version {
		return Cursor{}, fmt.Errorf("%w: unsupported version %d", ErrCursorMalformed, p[0])
	}
	tag := c.mac(p[:header+macLen], "")
	if subtle.ConstantTimeCompare(tag[:tagLen], p[header+macLen:]) != 1 {
		return Cursor{}, ErrCursorTampered
	}
	mac := c.mac(p[:header], scope)
	if subtle.ConstantTimeCompare(mac[:macLen], p[header:header+macLen]) != 1 {
		return Cursor{}, ErrCursorScope
	}
	offset := binary.BigEndian.Uint32(p[1:5])
	if offset > MaxOffset {
		// Only reachable with a forged MAC or a Codec from a build with another MaxOffset.
		return Cursor{}, fmt.Errorf("%w: offset out of range", ErrCursorMalformed)
	}
	cur := Cursor{Offset: int(offset)}
	if version == anchoredVersion {
		cur.Anchored = true
		cur.Anchor.Key = int64(binary.BigEndian.Uint64(p[5:13]))
		copy(cur.Anchor.ID[:], p[13:29])
	}
	return cur, nil
}

// mac is HMAC-SHA256(key, header || scope) computed by hand (RFC 2104) to stay allocation-free; the
// tests check it against crypto/hmac.
func (c Codec) mac(header []byte, scope string) [sha256.Size]byte {
	var stack [hmacBlockSize + maxHeaderLen + scopeStackSize]byte
	inner := stack[:0]
	for _, k := range c.key {
		inner = append(inner, k^innerPadByte)
	}
	inner = append(inner, header...)
	inner = append(inner, scope...)
	innerSum := sha256.Sum256(inner)

	var outer [hmacBlockSize + sha256.Size]byte
	for i, k := range c.key {
		outer[i] = k ^ outerPadByte
	}
	copy(outer[hmacBlockSize:], innerSum[:])
	return sha256.Sum256(outer[:])
}

// Scope joins the parts that identify a list (endpoint, parent id, normalized filter values, ...) into
// one scope string for Encode and Decode. Each part is length-prefixed, so ("a|b", "c") and ("a", "b|c")
// give different scopes. Include everything that changes which items are at which offset, and nothing
// that does not (page size, include flags), or cursors stop working across harmless changes.
func Scope(parts ...string) string {
	var b strings.Builder
	n := 0
	for _, p := range parts {
		n += len(p) + 4
	}
	b.Grow(n)
	for _, p := range parts {
		b.WriteString(strconv.Itoa(len(p)))
		b.WriteByte(':')
		b.WriteString(p)
	}
	return b.String()
}
