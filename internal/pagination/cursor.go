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
	cursorVersion  = 2
	macLen         = 12 // 96 bits: forging needs 2^96 tries against a per-request check
	tagLen         = 4  // the scope-free integrity tag: tells an altered cursor from another list's
	payloadLen     = 1 + 4 + macLen + tagLen
	hmacBlockSize  = sha256.BlockSize
	innerPadByte   = 0x36
	outerPadByte   = 0x5c
	scopeStackSize = 128 // scopes up to this size hash without a heap allocation
)

var cursorEncoding = base64.RawURLEncoding.Strict()

// encodedLen is fixed, so anything of another length is rejected before decoding.
var encodedLen = cursorEncoding.EncodedLen(payloadLen)

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

// Encode returns the cursor of offset within the list described by scope. It panics when offset is
// outside [0, MaxOffset]: offsets come from windows this package computed, so that is a caller bug.
func (c Codec) Encode(scope string, offset int) string {
	if offset < 0 || offset > MaxOffset {
		panic("pagination: cursor offset out of range: " + strconv.Itoa(offset))
	}
	var p [payloadLen]byte
	p[0] = cursorVersion
	binary.BigEndian.PutUint32(p[1:5], uint32(offset))
	mac := c.mac(p[:5], scope)
	copy(p[5:], mac[:macLen])
	tag := c.mac(p[:5+macLen], "")
	copy(p[5+macLen:], tag[:tagLen])
	return cursorEncoding.EncodeToString(p[:])
}

// Decode returns the offset carried by cursor if it was encoded by a Codec with the same secret for the
// same scope. Errors wrap ErrCursorMalformed (not a cursor of this format), ErrCursorTampered (shaped like
// a cursor, but the integrity tag does not verify: altered, or another secret) or ErrCursorScope (intact,
// but the scope's MAC does not verify: a cursor of another list).
func (c Codec) Decode(scope, cursor string) (int, error) {
	if cursor == "" {
		return 0, fmt.Errorf("%w: empty", ErrCursorMalformed)
	}
	if len(cursor) != encodedLen {
		return 0, fmt.Errorf("%w: wrong length", ErrCursorMalformed)
	}
	var p [payloadLen]byte
	if n, err := cursorEncoding.Decode(p[:], []byte(cursor)); err != nil || n != payloadLen {
		return 0, fmt.Errorf("%w: not base64url", ErrCursorMalformed)
	}
	if p[0] != cursorVersion {
		return 0, fmt.Errorf("%w: unsupported version %d", ErrCursorMalformed, p[0])
	}
	tag := c.mac(p[:5+macLen], "")
	if subtle.ConstantTimeCompare(tag[:tagLen], p[5+macLen:]) != 1 {
		return 0, ErrCursorTampered
	}
	mac := c.mac(p[:5], scope)
	if subtle.ConstantTimeCompare(mac[:macLen], p[5:5+macLen]) != 1 {
		return 0, ErrCursorScope
	}
	offset := binary.BigEndian.Uint32(p[1:5])
	if offset > MaxOffset {
		// Only reachable with a forged MAC or a Codec from a build with another MaxOffset.
		return 0, fmt.Errorf("%w: offset out of range", ErrCursorMalformed)
	}
	return int(offset), nil
}

// mac is HMAC-SHA256(key, header || scope) computed by hand (RFC 2104) to stay allocation-free; the
// tests check it against crypto/hmac.
func (c Codec) mac(header []byte, scope string) [sha256.Size]byte {
	var stack [hmacBlockSize + 5 + scopeStackSize]byte
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
