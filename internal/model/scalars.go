package model

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/roomgraph/roomgraph/internal/apperr"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
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
// a table of digit pairs, faster than AppendFormat (a large response writes hundreds of timestamps;
// BenchmarkAppendDateTime, figures in BENCHMARKS.md); other instants go through AppendFormat.
// FuzzAppendDateTime holds the two equal.
func AppendDateTime(b []byte, t time.Time) []byte {
	var w DateTimes
	return w.Append(b, t)
}

// DateTimes appends DateTime values as AppendDateTime does, remembering the last calendar day it wrote: the
// timestamps of one answer fall on few days (a session's and its participants' on one or two), and the
// calendar arithmetic is a large part of a timestamp's work. The zero value is ready; not for concurrent use.
type DateTimes struct {
	day  int // days since 1970-01-01 of date, plus one (0: none yet)
	date [10]byte
}

// Append appends t as a quoted DateTime JSON string.
func (w *DateTimes) Append(b []byte, t time.Time) []byte {
	u := t.Unix()
	if u < 0 || u >= maxFastUnix {
		b = append(b, '"')
		b = t.UTC().AppendFormat(b, dateTimeLayout)
		return append(b, '"')
	}
	days, secs := int(u/86400), int(u%86400)
	if w.day != days+1 {
		year, month, day := civil(days)
		p := digitPairs[year/100&127] // every value here is below 100; the mask only spares a bounds check
		w.date[0], w.date[1] = p[0], p[1]
		p = digitPairs[year%100&127]
		w.date[2], w.date[3] = p[0], p[1]
		p = digitPairs[month&127]
		w.date[4], w.date[5], w.date[6] = '-', p[0], p[1]
		p = digitPairs[day&127]
		w.date[7], w.date[8], w.date[9] = '-', p[0], p[1]
		w.day = days + 1
	}
	// Unsigned from here: division by a constant is a multiplication and a shift, without sign fixes.
	sec, us := uint(secs), uint(t.Nanosecond())/1000
	n := len(b)
	b = slices.Grow(b, dateTimeLen)[:n+dateTimeLen] // written in place: no copy from a scratch array
	d := (*[dateTimeLen]byte)(b[n:])                // constant indices below: no bounds checks
	d[0] = '"'
	*(*[10]byte)(d[1:11]) = w.date
	d[11], d[14], d[17], d[20], d[27], d[28] = 'T', ':', ':', '.', 'Z', '"'
	mins := sec / 60
	p := digitPairs[mins/60&127]
	d[12], d[13] = p[0], p[1]
	p = digitPairs[(mins-mins/60*60)&127]
	d[15], d[16] = p[0], p[1]
	p = digitPairs[(sec-mins*60)&127]
	d[18], d[19] = p[0], p[1]
	hi, lo := us/10000, us%10000
	p = digitPairs[hi&127]
	d[21], d[22] = p[0], p[1]
	p = digitPairs[lo/100&127]
	d[23], d[24] = p[0], p[1]
	p = digitPairs[lo%100&127]
	d[25], d[26] = p[0], p[1]
	return b
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

// digitPairs holds "00" to "99" at their values (128 entries, so that an index masked with 127 needs no
// bounds check).
var digitPairs = func() (t [128][2]byte) {
	for i := range 100 {
		t[i] = [2]byte{'0' + byte(i/10), '0' + byte(i%10)}
	}
	return t
}()

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
		return telnyx.Date{}, apperr.Errorf(apperr.BadUserInput, "invalid Date %s: %s", strconv.Quote(clip(s, 40)), dateProblem(s))
	}
	return d, nil
}

// dateProblem says what is wrong with s, which telnyx.ParseDate refused: the part a person would fix
// ("month 13", "day 31 of April 2026"), or the expected shape when s is not shaped like a date at all.
func dateProblem(s string) string {
	const shape = "a Date is YYYY-MM-DD, e.g. 2026-04-25"
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		if len(s) > 10 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ') {
			return "a Date has no time of day (YYYY-MM-DD, e.g. " + s[:10] + ")"
		}
		return shape
	}
	y, ok1 := atoi(s[0:4])
	m, ok2 := atoi(s[5:7])
	d, ok3 := atoi(s[8:10])
	switch {
	case !ok1 || !ok2 || !ok3:
		return "year, month and day must be digits; " + shape
	case y < 1:
		return "year 0"
	case m < 1 || m > 12:
		return "month " + strconv.Itoa(m)
	default:
		last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
		return fmt.Sprintf("day %d of %s %d (it has %d days)", d, time.Month(m), y, last)
	}
}

func atoi(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
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
