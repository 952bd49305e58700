package telnyx_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

func TestDecodeSessionList(t *testing.T) {
	t.Parallel()
	const body = `{"data":[
	  {"id":"s1","room_id":"r1","active":true,"created_at":"2021-04-16T09:46:20.954863Z",
	   "updated_at":"2021-04-16T10:00:00.000001Z","record_type":"room_session",
	   "participants":[
	     {"id":"p1","session_id":"s1","context":"Alice","joined_at":"2021-04-16T09:47:00.5Z",
	      "updated_at":"2021-04-16T09:47:00.5Z","left_at":null,"record_type":"room_participant"},
	     {"id":"p2","session_id":"s1","context":"Bob","joined_at":"2021-04-16T11:47:00+02:00",
	      "updated_at":"2021-04-16T09:48:00Z","left_at":"2021-04-16T09:50:00.123456Z","record_type":"room_participant"}]},
	  {"id":"s2","room_id":"r1","active":false,"created_at":"2021-04-15T09:00:00Z",
	   "updated_at":"2021-04-15T10:00:00Z","ended_at":"2021-04-15T10:00:00.654321Z","record_type":"room_session",
	   "unknown_field":{"ignored":true}},
	  {"id":"s3","room_id":"r1","active":true,"created_at":"2021-04-14T09:00:00Z","updated_at":"2021-04-14T09:00:00Z",
	   "ended_at":null,"participants":[]}
	],"meta":{"page_number":2,"page_size":25,"total_pages":3,"total_results":55}}`

	f := newFake(t, replyJSON(http.StatusOK, body))
	c := f.client(t, nil)
	got, err := c.ListRoomSessions(context.Background(), testKey, telnyx.ListRoomSessionsParams{RoomID: "r1", IncludeParticipants: true})
	require.NoError(t, err)

	assert.Equal(t, telnyx.Meta{PageNumber: 2, PageSize: 25, TotalPages: 3, TotalResults: 55}, got.Meta)
	require.Len(t, got.Data, 3)

	s1 := got.Data[0]
	assert.Equal(t, "s1", s1.ID)
	assert.Equal(t, "r1", s1.RoomID)
	assert.True(t, s1.Active)
	assert.Equal(t, time.Date(2021, 4, 16, 9, 46, 20, 954863000, time.UTC), s1.CreatedAt)
	assert.Equal(t, time.Date(2021, 4, 16, 10, 0, 0, 1000, time.UTC), s1.UpdatedAt)
	assert.Nil(t, s1.EndedAt, "absent ended_at")
	assert.Equal(t, "room_session", s1.RecordType)
	require.Len(t, s1.Participants, 2)
	assert.Nil(t, s1.Participants[0].LeftAt, "null left_at")
	assert.Equal(t, "Alice", s1.Participants[0].Context)
	assert.Equal(t, time.Date(2021, 4, 16, 9, 47, 0, 500000000, time.UTC), s1.Participants[0].JoinedAt)
	p2 := s1.Participants[1]
	assert.Equal(t, time.UTC, p2.JoinedAt.Location(), "offsets are normalised to UTC")
	assert.Equal(t, time.Date(2021, 4, 16, 9, 47, 0, 0, time.UTC), p2.JoinedAt)
	require.NotNil(t, p2.LeftAt)
	assert.Equal(t, time.Date(2021, 4, 16, 9, 50, 0, 123456000, time.UTC), *p2.LeftAt)

	s2 := got.Data[1]
	require.NotNil(t, s2.EndedAt)
	assert.Equal(t, time.Date(2021, 4, 15, 10, 0, 0, 654321000, time.UTC), *s2.EndedAt)
	assert.Nil(t, s2.Participants)

	s3 := got.Data[2]
	assert.Nil(t, s3.EndedAt, "null ended_at")
	assert.NotNil(t, s3.Participants)
	assert.Empty(t, s3.Participants)
}

func TestDecodeRoom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want telnyx.Room
	}{
		{
			name: "every field with sessions",
			body: `{"data":{"id":"r1","unique_name":"my_video_room","max_participants":10,"enable_recording":true,
			  "webhook_event_url":"https://example.com/h","webhook_event_failover_url":"https://example.com/f",
			  "webhook_timeout_secs":25,"active_session_id":"s1","record_type":"room",
			  "created_at":"2021-04-16T09:46:20.954863Z","updated_at":"2021-04-16T09:46:20.954863Z",
			  "sessions":[{"id":"s1","room_id":"r1","active":true,"created_at":"2021-04-16T09:46:20Z","updated_at":"2021-04-16T09:46:20Z"}]}}`,
			want: telnyx.Room{
				ID: "r1", UniqueName: "my_video_room", MaxParticipants: 10, EnableRecording: true,
				WebhookEventURL: "https://example.com/h", WebhookEventFailoverURL: "https://example.com/f",
				WebhookTimeoutSecs: ptr(25), ActiveSessionID: "s1", RecordType: "room",
				CreatedAt: time.Date(2021, 4, 16, 9, 46, 20, 954863000, time.UTC),
				UpdatedAt: time.Date(2021, 4, 16, 9, 46, 20, 954863000, time.UTC),
				Sessions: []telnyx.RoomSession{{
					ID: "s1", RoomID: "r1", Active: true,
					CreatedAt: time.Date(2021, 4, 16, 9, 46, 20, 0, time.UTC),
					UpdatedAt: time.Date(2021, 4, 16, 9, 46, 20, 0, time.UTC),
				}},
			},
		},
		{
			name: "nulls",
			body: `{"data":{"id":"r2","webhook_timeout_secs":null,"active_session_id":null,"webhook_event_failover_url":null,
			  "created_at":"2021-04-16T09:46:20Z","updated_at":"2021-04-16T09:46:20Z"}}`,
			want: telnyx.Room{
				ID:        "r2",
				CreatedAt: time.Date(2021, 4, 16, 9, 46, 20, 0, time.UTC),
				UpdatedAt: time.Date(2021, 4, 16, 9, 46, 20, 0, time.UTC),
			},
		},
		{
			name: "absent optional fields",
			body: `{"data":{"id":"r3"}}`,
			want: telnyx.Room{ID: "r3"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, replyJSON(http.StatusOK, tc.body))
			got, err := f.client(t, nil).GetRoom(context.Background(), testKey, "r1", true)
			require.NoError(t, err)
			assert.Equal(t, tc.want, *got)
		})
	}
}

func TestDecodeCreatedRoom(t *testing.T) {
	t.Parallel()
	f := newFake(t, replyJSON(http.StatusCreated, `{"data":{"id":"new","unique_name":"x","max_participants":10}}`))
	got, err := f.client(t, nil).CreateRoom(context.Background(), testKey, telnyx.RoomParams{UniqueName: ptr("x")})
	require.NoError(t, err)
	assert.Equal(t, "new", got.ID)
	assert.Equal(t, 10, got.MaxParticipants)
}

func TestDecodeParticipant(t *testing.T) {
	t.Parallel()
	f := newFake(t, replyJSON(http.StatusOK, `{"data":{"id":"p1","session_id":"s1","context":"Alice",
	  "joined_at":"2021-04-16T09:46:20.954863Z","updated_at":"2021-04-16T09:46:21Z","left_at":"2021-04-16T09:50:00Z",
	  "record_type":"room_participant"}}`))
	got, err := f.client(t, nil).GetParticipant(context.Background(), testKey, "p1")
	require.NoError(t, err)
	left := time.Date(2021, 4, 16, 9, 50, 0, 0, time.UTC)
	assert.Equal(t, telnyx.RoomParticipant{
		ID: "p1", SessionID: "s1", Context: "Alice",
		JoinedAt:   time.Date(2021, 4, 16, 9, 46, 20, 954863000, time.UTC),
		UpdatedAt:  time.Date(2021, 4, 16, 9, 46, 21, 0, time.UTC),
		LeftAt:     &left,
		RecordType: "room_participant",
	}, *got)
}

func TestJSONContentTypeVariantsAccepted(t *testing.T) {
	t.Parallel()
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON", "application/vnd.api+json", ""} {
		t.Run(ct, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
				if ct != "" {
					w.Header().Set("Content-Type", ct)
				} else {
					w.Header()["Content-Type"] = nil // suppress sniffing
				}
				_, _ = w.Write([]byte(emptyList))
			})
			got, err := f.client(t, nil).ListRooms(context.Background(), testKey, telnyx.ListRoomsParams{})
			require.NoError(t, err)
			assert.Empty(t, got.Data)
		})
	}
}
