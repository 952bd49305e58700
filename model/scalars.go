package model

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/roomgraph/roomgraph/apperr"
	"github.com/roomgraph/roomgraph/telnyx"
)

// dateTimeLayout keeps the upstream's microseconds: every timestamp has exactly six fractional digits.
const dateTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// MarshalDateTime writes t in UTC as RFC 3339 with microseconds.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		var buf [40]byte
		_, _ = w.Write(AppendDateTime(buf[:0], t))
	})
}

// AppendDateTime appends t as a quoted DateTime JSON string, exactly as MarshalDateTime writes it. Instants
// from 1970 to 9999 (every real timestamp) are written from the Unix time with a small calendar function and
// a table of digit pairs, several times faster than AppendFormat (a large response writes hundreds of
// timestamps); other instants go through AppendFormat. FuzzAppendDateTime holds the two equal.
func AppendDateTime(b []byte, t time.Time) []byte {
	u := t.Unix()
	if u < 0 || u >= maxFastUnix {
		b = append(b, '"')
		b = t.UTC().AppendFormat(b, dateTimeLayout)
		return append(b, '"')
	}
	days, secs := int(u/86400), int(u%86400)
	year, month, day := civil(days)
	us := t.Nanosecond() / 1000
	var d [dateTimeLen]byte
	d[0] = '"'
	put2(d[1:3], year/100)
	put2(d[3:5], year%100)
	d[5] = '-'
	put2(d[6:8], month)
	d[8] = '-'
	put2(d[9:11], day)
	d[11] = 'T'
	put2(d[12:14], secs/3600)
	d[14] = ':'
	put2(d[15:17], secs/60%60)
	d[17] = ':'
	put2(d[18:20], secs%60)
	d[20] = '.'
	put2(d[21:23], us/10000)
	put2(d[23:25], us/100%100)
	put2(d[25:27], us%100)
	d[27] = 'Z'
	d[28] = '"'
	return append(b, d[:]...)
}

// maxFastUnix is 10000-01-01T00:00:00Z: from 1970 to 9999 the writer needs no calendar of time's.
const maxFastUnix = 253402300800

// civil converts days since 1970-01-01 (≥ 0) to the proleptic Gregorian date (Howard Hinnant's
// days_from_civil, inverted).
func civil(days int) (year, month, day int) {
	z := uint32(days + 719468) // < 2^32 for days below year 10000
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = int(doy - (153*mp+2)/5 + 1)
	month = int(mp + 3)
	if mp >= 10 {
		month = int(mp - 9)
	}
	year = int(yoe + era*400)
	if month <= 2 {
		year++
	}
	return year, month, day
}

// dateTimeLen is the length of a quoted DateTime: "2006-01-02T15:04:05.000000Z".
const dateTimeLen = 29

// pairs holds "00" to "99".
const pairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// put2 writes v (0–99) as two digits into d (two bytes).
func put2(d []byte, v int) {
	p := pairs[2*v : 2*v+2]
	d[0], d[1] = p[0], p[1]
}

// UnmarshalDateTime reads an RFC 3339 timestamp.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, apperr.Errorf(apperr.BadUserInput, "DateTime must be a string, got %s", describe(v))
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, apperr.Errorf(apperr.BadUserInput, "invalid DateTime %s: want RFC 3339, e.g. 2026-04-16T09:46:20.954863Z", strconv.Quote(s))
	}
	return t.UTC(), nil
}

// MarshalDate writes a date as YYYY-MM-DD.
func MarshalDate(d telnyx.Date) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(d.String()))
	})
}

// UnmarshalDate reads a strict YYYY-MM-DD calendar date.
func UnmarshalDate(v any) (telnyx.Date, error) {
	s, ok := v.(string)
	if !ok {
		return telnyx.Date{}, apperr.Errorf(apperr.BadUserInput, "Date must be a string, got %s", describe(v))
	}
	d, err := telnyx.ParseDate(s)
	if err != nil {
		return telnyx.Date{}, apperr.Errorf(apperr.BadUserInput, "invalid Date %s: want YYYY-MM-DD, e.g. 2026-04-25", strconv.Quote(s))
	}
	return d, nil
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case int, int64, float64, int32:
		return "a number"
	default:
		return fmt.Sprintf("%T", v)
	}
}
