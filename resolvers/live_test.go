package resolvers

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/roomgraph/roomgraph/internal/live"
)

// TestFacts: which events make roomUpdated read again, and which reads it must not send.
func TestFacts(t *testing.T) {
	f := newFacts()
	steps := []struct {
		e    live.Event
		read bool
	}{
		{live.Event{ID: "1", Type: live.ParticipantJoined, ParticipantID: "p"}, true},
		{live.Event{ID: "1", Type: live.ParticipantJoined, ParticipantID: "p"}, false}, // duplicate
		{live.Event{ID: "2", Type: live.ParticipantLeft, ParticipantID: "p"}, true},
		{live.Event{ID: "3", Type: live.ParticipantJoined, ParticipantID: "p"}, false}, // late joined after left
		{live.Event{ID: "4", Type: live.SessionEnded, SessionID: "s"}, true},
		{live.Event{ID: "5", Type: live.SessionStarted, SessionID: "s"}, false}, // late started after ended
		{live.Event{ID: "6", Type: live.SessionStarted, SessionID: "t"}, true},
		{live.Event{ID: "7", Type: live.RecordingStarted, SessionID: "t"}, false},
	}
	for _, s := range steps {
		assert.Equal(t, s.read, f.note(s.e), "event %s %s", s.e.ID, s.e.Type)
	}
	assert.True(t, f.contradicts(&roomRead{active: "t", present: []string{"p"}}), "someone who left is present")
	assert.True(t, f.contradicts(&roomRead{active: "s"}), "an ended session is active")
	assert.False(t, f.contradicts(&roomRead{active: "t", present: []string{"q"}}))
	assert.True(t, f.contradicts(&roomRead{active: "u", torn: true}), "the room names a session its read shows ended")
}

// TestRecentForgetsTheOldest: the bookkeeping is bounded.
func TestRecentForgetsTheOldest(t *testing.T) {
	r := newRecent(2)
	assert.True(t, r.add("a"))
	assert.False(t, r.add("a"))
	assert.True(t, r.add("b"))
	assert.True(t, r.add("c"))
	assert.False(t, r.has("a"))
	assert.True(t, r.has("b") && r.has("c"))
	assert.Len(t, r.set, 2)
	assert.True(t, r.add("d"))
	assert.False(t, r.has("b"))
	assert.True(t, r.has("c") && r.has("d"))

	// It grows as strings come, never past its bound, and keeps the last n in every round of the ring.
	r = newRecent(3)
	assert.Empty(t, r.ring, "nothing allocated for an idle subscription")
	for i := range 10 {
		s := string(rune('a' + i))
		assert.True(t, r.add(s))
		assert.LessOrEqual(t, len(r.ring), 3)
		for j := range 10 {
			kept := j <= i && j > i-3
			assert.Equal(t, kept, r.has(string(rune('a'+j))), "after %d adds: %c", i+1, 'a'+j)
		}
	}
	assert.Len(t, r.set, 3)
}
