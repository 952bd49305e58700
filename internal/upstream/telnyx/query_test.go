package telnyx_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

const (
	emptyList  = `{"data":[],"meta":{"page_number":1,"page_size":20,"total_pages":0,"total_results":0}}`
	singleBody = `{"data":{"id":"x"}}`
)

// wire percent-encodes the brackets of a readable query the way the SDKs do,
// so expectations stay legible while still being compared byte for byte.
var wire = strings.NewReplacer("[", "%5B", "]", "%5D").Replace

func TestQueryEncoding(t *testing.T) {
	t.Parallel()
	var (
		d1 = date(t, "2021-04-25")
		d2 = date(t, "2021-05-01")
		d3 = date(t, "2021-06-30")
	)
	fullSession := telnyx.SessionFilter{
		DateCreatedAt: telnyx.DateFilter{Eq: d1, Gte: d2, Lte: d3},
		DateUpdatedAt: telnyx.DateFilter{Gte: d1},
		DateEndedAt:   telnyx.DateFilter{Lte: d3},
		Active:        telnyx.True,
		RoomID:        "room-1",
	}
	fullParticipant := telnyx.ParticipantFilter{
		DateJoinedAt:  telnyx.DateFilter{Eq: d1},
		DateUpdatedAt: telnyx.DateFilter{Gte: d2, Lte: d3},
		DateLeftAt:    telnyx.DateFilter{Lte: d3},
		Context:       "Alice Smith",
		SessionID:     "sess-1",
	}

	tests := []struct {
		name     string
		respond  string
		call     func(context.Context, *telnyx.Client) error
		wantPath string
		wantRaw  string
		want     url.Values
	}{
		{
			name:    "room sessions/no params",
			respond: emptyList,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.ListRoomSessions(ctx, testKey, telnyx.ListRoomSessionsParams{RoomID: "r1"})
				return err
			},
			wantPath: "/v2/rooms/r1/sessions",
			wantRaw:  "",
			want:     url.Values{},
		},
		{
			name:    "room sessions/active false only",
			respond: emptyList,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.ListRoomSessions(ctx, testKey, telnyx.ListRoomSessionsParams{
					RoomID: "r1", Filter: telnyx.SessionFilter{Active: telnyx.False},
				})
				return err
			},
			wantPath: "/v2/rooms/r1/sessions",
			wantRaw:  wire("filter[active]=false"),
			want:     url.Values{"filter[active]": {"false"}},
		},
		{
			name:    "room sessions/every filter, room_id not sent",
			respond: emptyList,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.ListRoomSessions(ctx, testKey, telnyx.ListRoomSessionsParams{
					RoomID: "r1", Filter: fullSession, IncludeParticipants: true, Page: telnyx.Page{Number: 2, Size: 50},
				})
				return err
			},
			wantPath: "/v2/rooms/r1/sessions",
			wantRaw: wire("filter[active]=true" +
				"&filter[date_created_at][eq]=2021-04-25&filter[date_created_at][gte]=2021-05-01&filter[date_created_at][lte]=2021-06-30" +
				"&filter[date_ended_at][lte]=2021-06-30&filter[date_updated_at][gte]=2021-04-25" +
				"&include_participants=true&page[number]=2&page[size]=50"),
			want: url.Values{
				"filter[active]":               {"true"},
				"filter[date_created_at][eq]":  {"2021-04-25"},
				"filter[date_created_at][gte]": {"2021-05-01"},
				"filter[date_created_at][lte]": {"2021-06-30"},
				"filter[date_ended_at][lte]":   {"2021-06-30"},
				"filter[date_updated_at][gte]": {"2021-04-25"},
				"include_participants":         {"true"},
				"page[number]":                 {"2"},
				"page[size]":                   {"50"},
			},
		},
		{
			name:    "room sessions/page number only, path id escaped",
			respond: emptyList,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.ListRoomSessions(ctx, testKey, telnyx.ListRoomSessionsParams{
					RoomID: "a/b c?", Page: telnyx.Page{Number: 3},
				})
				return err
			},
			wantPath: "/v2/rooms/a%2Fb%20c%3F/sessions",
			wantRaw:  wire("page[number]=3"),
			want:     url.Values{"page[number]": {"3"}},
		},
		{
			name:    "sessions/no params",
			respond: emptyList,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.ListSessions(ctx, testKey, telnyx.ListSessionsParams{})
				return err
			},
			wantPath: "/v2/room_sessions",
			wantRaw:  "",
			want:     url.Values{},
		},
		{
			name:    "sessions/room id and active",
			respond: emptyList,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.ListSessions(ctx, testKey, telnyx.ListSessionsParams{
					Filter: telnyx.SessionFilter{RoomID: "room-1", Active: telnyx.True},
				})
				return err
			},
			wantPath: "/v2/room_sessions",
			wantRaw:  wire("filter[active]=true&filter[room_id]=room-1"),
			want:     url.Values{"filter[active]": {"true"}, "filter[room_id]": {"room-1"}},
		},
		{
			name:    "sessions/single date bound",
			respond: emptyList,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.ListSessions(ctx, testKey, telnyx.ListSessionsParams{
					Filter: telnyx.SessionFilter{DateUpdatedAt: telnyx.DateFilter{Gte: d1}},
				})
				return err
			},
			wantPath: "/v2/room_sessions",
			wantRaw:  wire("filter[date_updated_at][gte]=2021-04-25"),
			want:     url.Values{"filter[date_updated_at][gte]": {"2021-04-25"}},
		},
		{
			name:    "sessions/every filter",
			respond: emptyList,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.ListSessions(ctx, testKey, telnyx.ListSessionsParams{
					Filter: fullSession, IncludeParticipants: true, Page: telnyx.Page{Number: 2, Size: 50},
				})
				return err
			},
			wantPath: "/v2/room_sessions",
			wantRaw: wire("filter[active]=true" +
				"&filter[date_created_at][eq]=2021-04-25&filter[date_created_at][gte]=2021-05-01&filter[date_created_at][lte]=2021-06-30" +
				"&filter[date_ended_at][lte]=2021-06-30&filter[date_updated_at][gte]=2021-04-25" +
				"&filter[room_id]=room-1&include_participants=true&page[number]=2&page[size]=50"),
			want: url.Values{
				"filter[active]":               {"true"},
				"filter[date_created_at][eq]":  {"2021-04-25"},
				"filter[date_created_at][gte]": {"2021-05-01"},
				"filter[date_created_at][lte]": {"2021-06-30"},
				"filter[date_ended_at][lte]":   {"2021-06-30"},
				"filter[date_updated_at][gte]": {"2021-04-25"},
				"filter[room_id]":              {"room-1"},
				"include_participants":         {"true"},
				"page[number]":                 {"2"},
				"page[size]":                   {"50"},
			},
		},
		{
			name:    "session/with participants",
			respond: singleBody,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.GetSession(ctx, testKey, "s1", true)
				return err
			},
			wantPath: "/v2/room_sessions/s1",
			wantRaw:  "include_participants=true",
			want:     url.Values{"include_participants": {"true"}},
		},
		{
			name:    "session/without participants",
			respond: singleBody,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.GetSession(ctx, testKey, "s1", false)
				return err
			},
			wantPath: "/v2/room_sessions/s1",
			wantRaw:  "",
			want:     url.Values{},
		},
		{
			name:    "session participants/every filter, session_id not sent",
			respond: emptyList,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.ListSessionParticipants(ctx, testKey, telnyx.ListSessionParticipantsParams{
					SessionID: "s1", Filter: fullParticipant, Page: telnyx.Page{Size: 250},
				})
				return err
			},
			wantPath: "/v2/room_sessions/s1/participants",
			wantRaw: wire("filter[context]=Alice+Smith&filter[date_joined_at][eq]=2021-04-25" +
				"&filter[date_left_at][lte]=2021-06-30" +
				"&filter[date_updated_at][gte]=2021-05-01&filter[date_updated_at][lte]=2021-06-30&page[size]=250"),
			want: url.Values{
				"filter[context]":              {"Alice Smith"},
				"filter[date_joined_at][eq]":   {"2021-04-25"},
				"filter[date_left_at][lte]":    {"2021-06-30"},
				"filter[date_updated_at][gte]": {"2021-05-01"},
				"filter[date_updated_at][lte]": {"2021-06-30"},
				"page[size]":                   {"250"},
			},
		},
		{
			name:    "participants/every filter",
			respond: emptyList,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.ListParticipants(ctx, testKey, telnyx.ListParticipantsParams{
					Filter: fullParticipant, Page: telnyx.Page{Number: 1, Size: 10},
				})
				return err
			},
			wantPath: "/v2/room_participants",
			wantRaw: wire("filter[context]=Alice+Smith&filter[date_joined_at][eq]=2021-04-25" +
				"&filter[date_left_at][lte]=2021-06-30" +
				"&filter[date_updated_at][gte]=2021-05-01&filter[date_updated_at][lte]=2021-06-30" +
				"&filter[session_id]=sess-1&page[number]=1&page[size]=10"),
			want: url.Values{
				"filter[context]":              {"Alice Smith"},
				"filter[date_joined_at][eq]":   {"2021-04-25"},
				"filter[date_left_at][lte]":    {"2021-06-30"},
				"filter[date_updated_at][gte]": {"2021-05-01"},
				"filter[date_updated_at][lte]": {"2021-06-30"},
				"filter[session_id]":           {"sess-1"},
				"page[number]":                 {"1"},
				"page[size]":                   {"10"},
			},
		},
		{
			name:    "participants/context with reserved characters",
			respond: emptyList,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.ListParticipants(ctx, testKey, telnyx.ListParticipantsParams{
					Filter: telnyx.ParticipantFilter{Context: "a&b=c/d%"},
				})
				return err
			},
			wantPath: "/v2/room_participants",
			wantRaw:  wire("filter[context]=a%26b%3Dc%2Fd%25"),
			want:     url.Values{"filter[context]": {"a&b=c/d%"}},
		},
		{
			name:    "participant/no query",
			respond: singleBody,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.GetParticipant(ctx, testKey, "p1")
				return err
			},
			wantPath: "/v2/room_participants/p1",
			wantRaw:  "",
			want:     url.Values{},
		},
		{
			name:    "rooms/no params",
			respond: emptyList,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.ListRooms(ctx, testKey, telnyx.ListRoomsParams{})
				return err
			},
			wantPath: "/v2/rooms",
			wantRaw:  "",
			want:     url.Values{},
		},
		{
			name:    "rooms/every filter",
			respond: emptyList,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.ListRooms(ctx, testKey, telnyx.ListRoomsParams{
					Filter: telnyx.RoomFilter{
						DateCreatedAt: telnyx.DateFilter{Gte: d1, Lte: d3},
						DateUpdatedAt: telnyx.DateFilter{Eq: d2},
						UniqueName:    "my_video_room",
					},
					IncludeSessions: true,
					Page:            telnyx.Page{Number: 4, Size: 5},
				})
				return err
			},
			wantPath: "/v2/rooms",
			wantRaw: wire("filter[date_created_at][gte]=2021-04-25&filter[date_created_at][lte]=2021-06-30" +
				"&filter[date_updated_at][eq]=2021-05-01&filter[unique_name]=my_video_room" +
				"&include_sessions=true&page[number]=4&page[size]=5"),
			want: url.Values{
				"filter[date_created_at][gte]": {"2021-04-25"},
				"filter[date_created_at][lte]": {"2021-06-30"},
				"filter[date_updated_at][eq]":  {"2021-05-01"},
				"filter[unique_name]":          {"my_video_room"},
				"include_sessions":             {"true"},
				"page[number]":                 {"4"},
				"page[size]":                   {"5"},
			},
		},
		{
			name:    "room/with sessions",
			respond: singleBody,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.GetRoom(ctx, testKey, "r1", true)
				return err
			},
			wantPath: "/v2/rooms/r1",
			wantRaw:  "include_sessions=true",
			want:     url.Values{"include_sessions": {"true"}},
		},
		{
			name:    "room/without sessions",
			respond: singleBody,
			call: func(ctx context.Context, c *telnyx.Client) error {
				_, err := c.GetRoom(ctx, testKey, "r1", false)
				return err
			},
			wantPath: "/v2/rooms/r1",
			wantRaw:  "",
			want:     url.Values{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, replyJSON(http.StatusOK, tc.respond))
			var calls []telnyx.Call
			c := f.client(t, &calls)

			require.NoError(t, tc.call(context.Background(), c))
			require.NoError(t, tc.call(context.Background(), c))

			reqs := f.requests()
			require.Len(t, reqs, 2)
			got := reqs[0]
			assert.Equal(t, http.MethodGet, got.Method)
			assert.Equal(t, tc.wantPath, got.Path)
			assert.Equal(t, tc.wantRaw, got.RawQuery)
			decoded, err := url.ParseQuery(got.RawQuery)
			require.NoError(t, err)
			assert.Equal(t, tc.want, decoded)
			assert.Equal(t, got.RawQuery, reqs[1].RawQuery, "identical requests must give identical URLs")

			require.Len(t, calls, 2)
			assert.Equal(t, got.RawQuery, calls[0].Query, "Call.Query is the query as sent")
			assert.Equal(t, strings.TrimPrefix(tc.wantPath, "/v2"), calls[0].Path)
		})
	}
}

func TestQueryDateFilterBoundsEachAlone(t *testing.T) {
	t.Parallel()
	d := date(t, "2024-02-29")
	fields := []struct {
		name string
		set  func(*telnyx.SessionFilter, telnyx.DateFilter)
	}{
		{"date_created_at", func(f *telnyx.SessionFilter, df telnyx.DateFilter) { f.DateCreatedAt = df }},
		{"date_updated_at", func(f *telnyx.SessionFilter, df telnyx.DateFilter) { f.DateUpdatedAt = df }},
		{"date_ended_at", func(f *telnyx.SessionFilter, df telnyx.DateFilter) { f.DateEndedAt = df }},
	}
	bounds := []struct {
		name string
		df   telnyx.DateFilter
	}{
		{"eq", telnyx.DateFilter{Eq: d}},
		{"gte", telnyx.DateFilter{Gte: d}},
		{"lte", telnyx.DateFilter{Lte: d}},
	}
	f := newFake(t, replyJSON(http.StatusOK, emptyList))
	c := f.client(t, nil)
	for _, fld := range fields {
		for _, b := range bounds {
			var filter telnyx.SessionFilter
			fld.set(&filter, b.df)
			_, err := c.ListSessions(context.Background(), testKey, telnyx.ListSessionsParams{Filter: filter})
			require.NoError(t, err)
			reqs := f.requests()
			key := "filter[" + fld.name + "][" + b.name + "]"
			assert.Equal(t, wire(key)+"=2024-02-29", reqs[len(reqs)-1].RawQuery, key)
		}
	}
}
