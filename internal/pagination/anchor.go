package pagination

import (
	"bytes"
	"cmp"
	"time"
)

// Anchor is an item's place in its list's order, which outlives its offset: the item's sort key and its
// id. Every upstream list is sorted by the key descending (newest first), then by the id ascending; the
// key never changes for an item (created_at, joined_at), so the items that come after an anchor in the
// order are the same whatever was inserted or removed elsewhere, the anchor's own item included.
type Anchor struct {
	// Key is the sort key in Unix nanoseconds (the upstream writes microseconds).
	Key int64
	// ID is the record's UUID (not a GraphQL id): the tie-breaker between equal keys.
	ID [16]byte
}

// NewAnchor returns the anchor of an item whose sort key is key and whose id is the UUID id (hex digits
// in the 8-4-4-4-12 form, either case). It reports false when id is not a UUID or key is zero or outside
// what Unix nanoseconds hold (years 1678 to 2262): such an item gets an offset-only cursor.
func NewAnchor(key time.Time, id string) (Anchor, bool) {
	var a Anchor
	if key.IsZero() || key.Year() < 1678 || key.Year() > 2261 || !parseUUID(&a.ID, id) {
		return Anchor{}, false
	}
	a.Key = key.UnixNano()
	return a, true
}

// Compare places a and b in the list order: negative when a comes before b (a newer key, or an equal key
// and a smaller id, byte by byte, which for lowercase UUIDs is the order of the strings), zero when they
// are the same item, positive when a comes after b.
func (a Anchor) Compare(b Anchor) int {
	if c := cmp.Compare(b.Key, a.Key); c != 0 {
		return c
	}
	return bytes.Compare(a.ID[:], b.ID[:])
}

// parseUUID decodes the 36-character 8-4-4-4-12 hex form into dst.
func parseUUID(dst *[16]byte, s string) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	j := 0
	for i := 0; i < 36; {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			i++
			continue
		}
		hi, ok1 := fromHex(s[i])
		lo, ok2 := fromHex(s[i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[j] = hi<<4 | lo
		j++
		i += 2
	}
	return true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
