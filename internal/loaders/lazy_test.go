package loaders

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

func TestRecordsFromListsAreFoundByID(t *testing.T) {
	l := &Loaders{}
	l.knownSessions.id = func(s *telnyx.RoomSession) string { return s.ID }
	l.knownParticipants.id = func(p *telnyx.RoomParticipant) string { return p.ID }

	// A page without participants, then the same session with them, then a page of participants.
	l.primeSessions(t.Context(), []telnyx.RoomSession{{ID: "s1", RoomID: "r"}}, false)
	l.primeSessions(t.Context(), []telnyx.RoomSession{
		{ID: "s1", RoomID: "r", Participants: []telnyx.RoomParticipant{{ID: "p1", SessionID: "s1", Context: "first"}}},
		{ID: "s2", RoomID: "r", Participants: []telnyx.RoomParticipant{{ID: "p2", SessionID: "s2"}, {ID: "p3", SessionID: "s2"}}},
		{ID: "s3", RoomID: "r"},
	}, true)
	l.primeParticipants(t.Context(), []telnyx.RoomParticipant{{ID: "p4", SessionID: "s3"}}, false)

	cases := []struct {
		id      string
		embed   bool
		found   bool
		withSub int // participants carried, for sessions
	}{
		{"s1", false, true, 1}, // the record with participants wins over the one without
		{"s1", true, true, 1},
		{"s2", true, true, 2},
		{"s3", true, true, 0},
		{"s4", false, false, 0},
	}
	for _, c := range cases {
		s, ok := l.knownSessions.get(c.id, c.embed)
		require.Equal(t, c.found, ok, c.id)
		if ok {
			assert.Equal(t, c.id, s.ID)
			assert.Len(t, s.Participants, c.withSub, c.id)
		}
	}
	for _, id := range []string{"p1", "p2", "p3", "p4"} {
		p, ok := l.knownParticipants.get(id, false)
		require.True(t, ok, "participant %s, from a session page or a participant page", id)
		assert.Equal(t, id, p.ID)
	}
	p, _ := l.knownParticipants.get("p1", false)
	assert.Equal(t, "first", p.Context)
	_, ok := l.knownParticipants.get("p9", false)
	assert.False(t, ok)

	// Pages arriving after a lookup are found too; a write forgets everything.
	l.primeSessions(t.Context(), []telnyx.RoomSession{{ID: "s5", Participants: []telnyx.RoomParticipant{{ID: "p5"}}}}, true)
	_, ok = l.knownParticipants.get("p5", false)
	assert.True(t, ok)
	l.knownSessions.reset()
	l.knownParticipants.reset()
	for _, id := range []string{"p1", "p5"} {
		_, ok = l.knownParticipants.get(id, false)
		assert.False(t, ok, id)
	}
	_, ok = l.knownSessions.get("s1", false)
	assert.False(t, ok)
}

func TestPrimingAPageOfSessionsCostsAFixedNumberOfAllocations(t *testing.T) {
	items := make([]telnyx.RoomSession, 25)
	for i := range items {
		items[i].Participants = make([]telnyx.RoomParticipant, 6)
	}
	allocs := testing.AllocsPerRun(50, func() {
		l := &Loaders{}
		l.primeSessions(t.Context(), items, true)
	})
	assert.LessOrEqual(t, allocs, 4.0, "not one per session")
}
