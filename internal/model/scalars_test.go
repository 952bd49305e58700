package model_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/model"
)

// FuzzAppendDateTime holds the digit-by-digit DateTime writer to time.AppendFormat with the layout.
func FuzzAppendDateTime(f *testing.F) {
	for _, ns := range []int64{0, 1776332780954863000, -62135596800000000000 / 1000, 253402300799999999999 / 1000, 1, -1} {
		f.Add(ns, int32(0))
	}
	f.Add(int64(1776332780954863123), int32(-7*3600))
	f.Add(int64(1776332780954863123), int32(5*3600+1800))
	f.Fuzz(func(t *testing.T, unixNano int64, offset int32) {
		tm := time.Unix(0, unixNano).In(time.FixedZone("z", int(offset%(18*3600))))
		want := `"` + tm.UTC().Format("2006-01-02T15:04:05.000000Z07:00") + `"`
		require.Equal(t, want, string(model.AppendDateTime(nil, tm)))
	})
}

// FuzzDateTimes: a writer that remembers the last day writes each of a sequence of instants (the same day,
// another day, out of the fast range and back) exactly as AppendFormat does.
func FuzzDateTimes(f *testing.F) {
	f.Add(int64(1776332780954863000), int64(1776332780954863000+3600e9), int64(1776332780954863000+86400e9))
	f.Add(int64(1776332780954863000), int64(-1), int64(1776332780954863000))
	f.Add(int64(0), int64(86399999999999), int64(86400000000000))
	f.Fuzz(func(t *testing.T, a, b, c int64) {
		var w model.DateTimes
		var got []byte
		var want string
		for _, ns := range []int64{a, b, c, a} {
			tm := time.Unix(0, ns)
			got = w.Append(got, tm)
			want += `"` + tm.UTC().Format("2006-01-02T15:04:05.000000Z07:00") + `"`
		}
		require.Equal(t, want, string(got))
	})
}

func TestAppendDateTimeOutsideFourDigitYears(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(10000, 1, 2, 3, 4, 5, 6000, time.UTC),
		time.Date(-1, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	} {
		require.Equal(t, `"`+tm.Format("2006-01-02T15:04:05.000000Z07:00")+`"`, string(model.AppendDateTime(nil, tm)))
	}
}

func BenchmarkAppendDateTime(b *testing.B) {
	tm := time.Date(2026, 6, 3, 14, 49, 48, 477706000, time.UTC)
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf = model.AppendDateTime(buf[:0], tm)
	}
}

// BenchmarkDateTimes writes the timestamps of a session and its participants: one day, different times.
func BenchmarkDateTimes(b *testing.B) {
	tm := time.Date(2026, 6, 3, 14, 49, 48, 477706000, time.UTC)
	buf := make([]byte, 0, 64)
	for b.Loop() {
		var w model.DateTimes
		for i := range 8 {
			buf = w.Append(buf[:0], tm.Add(time.Duration(i)*time.Minute))
		}
	}
}
