package fastpath

import (
	"time"

	"github.com/roomgraph/roomgraph/internal/model"
)

const hex = "0123456789ABCDEF" // gqlgen writes \u00XX in upper case

// appendString appends s as a JSON string with gqlgen's escaping (graphql.MarshalString): \t \r \n \\ \"
// by name, other control characters as \u00XX, everything else (invalid UTF-8 included) as it is.
//
// Nearly every string (ids, names, contexts) needs no escaping: it is checked eight bytes at a time and
// then copied in one piece.
func appendString(b []byte, s string) []byte {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if needsEscape(load64(s, i)) {
			return appendEscaped(b, s, i)
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '\\' || c == '"' {
			return appendEscaped(b, s, i)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendEscaped is appendString for a string with a byte to escape at or after from (none before it).
func appendEscaped(b []byte, s string, from int) []byte {
	b = append(b, '"')
	start := 0
	for i := from; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '\\' && c != '"' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '\t':
			b = append(b, `\t`...)
		case '\r':
			b = append(b, `\r`...)
		case '\n':
			b = append(b, `\n`...)
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendKey appends an object key and its colon. Keys are response names — field names and aliases — which
// the GraphQL grammar limits to [_A-Za-z][_0-9A-Za-z]*, so, unlike any other string, they never need
// escaping (gqlparser refuses anything else before execution).
func appendKey(b []byte, name string) []byte {
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// load64 reads s[i:i+8] as a little-endian word (the compiler makes it one load).
func load64(s string, i int) uint64 {
	w := s[i : i+8] // one bounds check; the eight byte loads below then merge into one
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// needsEscape reports whether any byte of w is below 0x20, '"' or '\\' (the bit tricks "has less than" and
// "has zero byte"; bytes from 0x80 up never match).
func needsEscape(w uint64) bool {
	less := (w - ones*0x20) & ^w
	quote := w ^ (ones * '"')
	slash := w ^ (ones * '\\')
	return (less|((quote-ones)&^quote)|((slash-ones)&^slash))&highs != 0
}

func appendNullableString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

// appendNullableTime writes a nullable DateTime with dt.
func appendNullableTime(b []byte, t *time.Time, dt *model.DateTimes) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	return dt.Append(b, *t)
}
