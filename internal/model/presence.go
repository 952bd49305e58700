package model

import "github.com/roomgraph/roomgraph/internal/upstream/telnyx"

// Presence: RoomSession.participants(present:) and participantCount(present:) read the participants
// embedded in the session's record; a participant is present while it has not left (left_at absent).

// Present filters ps by presence: nil keeps everyone (ps itself, no copy), true those still present, false
// those who left.
func Present(ps []telnyx.RoomParticipant, present *bool) []telnyx.RoomParticipant {
	if present == nil {
		return ps
	}
	out := make([]telnyx.RoomParticipant, 0, CountPresent(ps, present))
	for i := range ps {
		if (ps[i].LeftAt == nil) == *present {
			out = append(out, ps[i])
		}
	}
	return out
}

// CountPresent is len(Present(ps, present)) without the copy.
func CountPresent(ps []telnyx.RoomParticipant, present *bool) int {
	if present == nil {
		return len(ps)
	}
	n := 0
	for i := range ps {
		if (ps[i].LeftAt == nil) == *present {
			n++
		}
	}
	return n
}
