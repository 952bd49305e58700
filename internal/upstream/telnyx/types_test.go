package telnyx_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

func TestParseDate(t *testing.T) {
	t.Parallel()
	valid := []struct {
		in   string
		want telnyx.Date
	}{
		{"2021-04-25", telnyx.Date{Year: 2021, Month: time.April, Day: 25}},
		{"2024-02-29", telnyx.Date{Year: 2024, Month: time.February, Day: 29}},
		{"2000-02-29", telnyx.Date{Year: 2000, Month: time.February, Day: 29}},
		{"0001-01-01", telnyx.Date{Year: 1, Month: time.January, Day: 1}},
		{"9999-12-31", telnyx.Date{Year: 9999, Month: time.December, Day: 31}},
	}
	for _, tc := range valid {
		t.Run(tc.in, func(t *testing.T) {
			got, err := telnyx.ParseDate(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.in, got.String())
			assert.False(t, got.IsZero())
		})
	}
	invalid := []string{
		"", "2021-4-25", "2021-04-5", "21-04-25", "2021-04-25T00:00:00Z", "2021-04-25 ", " 2021-04-25",
		"2021/04/25", "+021-04-25", "2021-04-2a", "2023-02-29", "1900-02-29", "2021-13-01", "2021-00-10",
		"2021-04-31", "2021-04-00", "0000-01-01", "20210425", "２０２１-04-25",
	}
	for _, in := range invalid {
		t.Run("invalid "+in, func(t *testing.T) {
			_, err := telnyx.ParseDate(in)
			assert.Error(t, err)
		})
	}
}

func TestDateHelpers(t *testing.T) {
	t.Parallel()
	assert.True(t, telnyx.Date{}.IsZero())
	assert.Equal(t, "0000-00-00", telnyx.Date{}.String())
	assert.Equal(t, "0007-03-09", telnyx.Date{Year: 7, Month: time.March, Day: 9}.String())

	// 23:30 at UTC-2 is already the next day in UTC, which is what date filters compare.
	local := time.Date(2021, 4, 25, 23, 30, 0, 0, time.FixedZone("", -2*3600))
	assert.Equal(t, telnyx.Date{Year: 2021, Month: time.April, Day: 26}, telnyx.DateOf(local))

	assert.True(t, telnyx.DateFilter{}.IsZero())
	assert.False(t, telnyx.DateFilter{Lte: telnyx.DateOf(local)}.IsZero())

	// Comparable: usable as a map key, equal filters are equal keys.
	type key struct {
		f telnyx.SessionFilter
		p telnyx.Page
	}
	m := map[key]int{{f: telnyx.SessionFilter{Active: telnyx.True}, p: telnyx.Page{Size: 5}}: 1}
	assert.Equal(t, 1, m[key{f: telnyx.SessionFilter{Active: telnyx.BoolOf(true)}, p: telnyx.Page{Size: 5}}])
}

func TestOptionalBool(t *testing.T) {
	t.Parallel()
	tests := []struct {
		b         telnyx.OptionalBool
		wantValue bool
		wantOK    bool
		wantStr   string
	}{
		{telnyx.Unset, false, false, "unset"},
		{telnyx.True, true, true, "true"},
		{telnyx.False, false, true, "false"},
	}
	for _, tc := range tests {
		t.Run(tc.wantStr, func(t *testing.T) {
			v, ok := tc.b.Get()
			assert.Equal(t, tc.wantValue, v)
			assert.Equal(t, tc.wantOK, ok)
			assert.Equal(t, tc.wantStr, tc.b.String())
		})
	}
	assert.Equal(t, telnyx.True, telnyx.BoolOf(true))
	assert.Equal(t, telnyx.False, telnyx.BoolOf(false))
	var zero telnyx.OptionalBool
	assert.Equal(t, telnyx.Unset, zero)
}

// TestRoomParamsClearSendsNull: a cleared setting goes upstream as JSON null, beside the set ones; nothing
// cleared is the plain body.
func TestRoomParamsClearSendsNull(t *testing.T) {
	t.Parallel()
	n, u := 5, "https://example.com/h"
	tests := []struct {
		name string
		p    telnyx.RoomParams
		want string
	}{
		{"nothing", telnyx.RoomParams{}, `{}`},
		{"set only", telnyx.RoomParams{MaxParticipants: &n, WebhookEventURL: &u}, `{"max_participants":5,"webhook_event_url":"https://example.com/h"}`},
		{"clear only", telnyx.RoomParams{Clear: telnyx.RoomClear{WebhookTimeoutSecs: true}}, `{"webhook_timeout_secs":null}`},
		{"set and clear", telnyx.RoomParams{MaxParticipants: &n, Clear: telnyx.RoomClear{WebhookEventURL: true, WebhookEventFailoverURL: true, WebhookTimeoutSecs: true}},
			`{"max_participants":5,"webhook_event_url":null,"webhook_event_failover_url":null,"webhook_timeout_secs":null}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.p)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(b))
		})
	}
}
