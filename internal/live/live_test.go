package live_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/live"
)

func TestParse(t *testing.T) {
	dur, size := 42, 5.25
	cases := []struct {
		name string
		body string
		want live.Event
		err  bool
	}{
		{
			name: "participant left, space in the time, meta",
			body: `{"data":{"record_type":"event","id":"e1","event_type":"video.room.participant.left","occurred_at":"2022-03-02 04:47:29.980874Z",
				"payload":{"room_id":"r","session_id":"s","participant_id":"p","context":"Alice","duration_secs":42,"left_reason":"kicked"}},
				"meta":{"attempt":2,"delivered_to":"https://x"}}`,
			want: live.Event{ID: "e1", Type: live.ParticipantLeft, OccurredAt: time.Date(2022, 3, 2, 4, 47, 29, 980874000, time.UTC),
				RoomID: "r", SessionID: "s", ParticipantID: "p", Context: "Alice", DurationSecs: &dur, Reason: "kicked", Attempt: 2},
		},
		{
			name: "session ended without meta",
			body: `{"data":{"record_type":"event","id":"e2","event_type":"video.room.session.ended","occurred_at":"2026-01-01T00:00:00Z","payload":{"room_id":"r","session_id":"s","ended_reason":"stale"}}}`,
			want: live.Event{ID: "e2", Type: live.SessionEnded, OccurredAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), RoomID: "r", SessionID: "s", Reason: "stale"},
		},
		{
			name: "recording started",
			body: `{"data":{"record_type":"event","id":"e4","event_type":"video.room.recording.started","occurred_at":"2026-01-01T00:00:00Z",
				"payload":{"room_id":"r","session_id":"s","participant_id":"p","recording_id":"rec","type":"audio"}}}`,
			want: live.Event{ID: "e4", Type: live.RecordingStarted, OccurredAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
				RoomID: "r", SessionID: "s", ParticipantID: "p", RecordingID: "rec", RecordingType: "audio"},
		},
		{
			name: "recording completed",
			body: `{"data":{"record_type":"event","id":"e5","event_type":"video.room.recording.completed","occurred_at":"2026-01-01T00:00:42Z",
				"payload":{"room_id":"r","session_id":"s","participant_id":"p","recording_id":"rec","type":"video","codec":"vp8",
				"download_url":"https://x/rec.webm","duration_secs":42,"size_mb":5.25}}}`,
			want: live.Event{ID: "e5", Type: live.RecordingCompleted, OccurredAt: time.Date(2026, 1, 1, 0, 0, 42, 0, time.UTC),
				RoomID: "r", SessionID: "s", ParticipantID: "p", RecordingID: "rec", RecordingType: "video", Codec: "vp8",
				DownloadURL: "https://x/rec.webm", DurationSecs: &dur, SizeMB: &size},
		},
		{
			name: "recording completed without the file's facts",
			body: `{"data":{"id":"e6","event_type":"video.room.recording.completed","occurred_at":"2026-01-01T00:00:42Z","payload":{"room_id":"r","recording_id":"rec"}}}`,
			want: live.Event{ID: "e6", Type: live.RecordingCompleted, OccurredAt: time.Date(2026, 1, 1, 0, 0, 42, 0, time.UTC), RoomID: "r", RecordingID: "rec"},
		},
		{
			name: "unknown type parses",
			body: `{"data":{"id":"e3","event_type":"video.room.something","occurred_at":"2026-01-01T00:00:00Z"}}`,
			want: live.Event{ID: "e3", Type: "video.room.something", OccurredAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		},
		{name: "not json", body: `{`, err: true},
		{name: "no data", body: `{}`, err: true},
		{name: "no id", body: `{"data":{"event_type":"x","occurred_at":"2026-01-01T00:00:00Z"}}`, err: true},
		{name: "no type", body: `{"data":{"id":"e","occurred_at":"2026-01-01T00:00:00Z"}}`, err: true},
		{name: "bad time", body: `{"data":{"id":"e","event_type":"x","occurred_at":"yesterday"}}`, err: true},
		{name: "not an event", body: `{"data":{"record_type":"room","id":"e","event_type":"x","occurred_at":"2026-01-01T00:00:00Z"}}`, err: true},
		{name: "payload of the wrong shape", body: `{"data":{"id":"e","event_type":"x","occurred_at":"2026-01-01T00:00:00Z","payload":[1]}}`, err: true},
		{name: "size_mb not a number", body: `{"data":{"id":"e","event_type":"x","occurred_at":"2026-01-01T00:00:00Z","payload":{"size_mb":"big"}}}`, err: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := live.Parse([]byte(tc.body))
			if tc.err {
				require.ErrorIs(t, err, live.ErrMalformed)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.want.Type != "video.room.something", got.Known())
		})
	}
}

func TestHubRoutesByRoom(t *testing.T) {
	h := live.NewHub(live.HubConfig{Buffer: 4})
	a1, err := h.Subscribe("A")
	require.NoError(t, err)
	a2, err := h.Subscribe("A")
	require.NoError(t, err)
	b, err := h.Subscribe("B")
	require.NoError(t, err)
	assert.Equal(t, 3, h.Len())
	assert.ElementsMatch(t, []string{"A", "B"}, h.Rooms())

	assert.Equal(t, 2, h.Publish(live.Event{ID: "1", RoomID: "A"}))
	assert.Equal(t, 0, h.Publish(live.Event{ID: "2", RoomID: "C"}))
	assert.Equal(t, "1", (<-a1.Events()).ID)
	assert.Equal(t, "1", (<-a2.Events()).ID)
	select {
	case e := <-b.Events():
		t.Fatalf("room B got room A's event %v", e)
	default:
	}

	a1.Close()
	a1.Close() // idempotent
	_, open := <-a1.Events()
	assert.False(t, open)
	assert.NoError(t, a1.Err())
	assert.Equal(t, 1, h.Publish(live.Event{ID: "3", RoomID: "A"}))
	assert.Equal(t, 2, h.Len())
}

func TestHubEndsSlowConsumer(t *testing.T) {
	h := live.NewHub(live.HubConfig{Buffer: 2})
	slow, err := h.Subscribe("A")
	require.NoError(t, err)
	fast, err := h.Subscribe("A")
	require.NoError(t, err)
	for i := range 3 {
		h.Publish(live.Event{ID: string(rune('a' + i)), RoomID: "A"})
		<-fast.Events()
	}
	var got []string
	for e := range slow.Events() {
		got = append(got, e.ID)
	}
	assert.Equal(t, []string{"a", "b"}, got, "what was buffered is still delivered, then the end")
	assert.ErrorIs(t, slow.Err(), live.ErrSlowConsumer)
	assert.Equal(t, 1, h.Len())
}

func TestHubBoundsAndShutdown(t *testing.T) {
	h := live.NewHub(live.HubConfig{MaxSubscriptions: 2})
	s1, err := h.Subscribe("A")
	require.NoError(t, err)
	_, err = h.Subscribe("B")
	require.NoError(t, err)
	_, err = h.Subscribe("C")
	require.ErrorIs(t, err, live.ErrTooManySubscriptions)
	s1.Close()
	_, err = h.Subscribe("C")
	require.NoError(t, err)

	h.Close()
	assert.Equal(t, 0, h.Len())
	_, err = h.Subscribe("A")
	require.ErrorIs(t, err, live.ErrShutdown)
}

func TestHubConcurrent(t *testing.T) {
	h := live.NewHub(live.HubConfig{Buffer: 1000})
	var wg sync.WaitGroup
	subs := make([]*live.Subscription, 20)
	for i := range subs {
		s, err := h.Subscribe("A")
		require.NoError(t, err)
		subs[i] = s
	}
	for i := range 10 {
		wg.Go(func() {
			for j := range 50 {
				h.Publish(live.Event{ID: string(rune(i*100 + j)), RoomID: "A"})
			}
		})
	}
	wg.Wait()
	for _, s := range subs {
		assert.Len(t, s.Events(), 500)
		s.Close()
	}
	assert.Equal(t, 0, h.Len())
}

// TestHubInterrupt: Interrupt ends every subscription with ErrGap and leaves the hub open.
func TestHubInterrupt(t *testing.T) {
	h := live.NewHub(live.HubConfig{})
	a, err := h.Subscribe("r1")
	require.NoError(t, err)
	b, err := h.Subscribe("r2")
	require.NoError(t, err)
	assert.Equal(t, 2, h.Interrupt())
	for _, s := range []*live.Subscription{a, b} {
		_, ok := <-s.Events()
		assert.False(t, ok)
		assert.ErrorIs(t, s.Err(), live.ErrGap)
	}
	assert.Zero(t, h.Len())
	c, err := h.Subscribe("r1")
	require.NoError(t, err, "the hub stays open")
	assert.Equal(t, 1, h.Publish(live.Event{ID: "e", RoomID: "r1"}))
	c.Close()
}
