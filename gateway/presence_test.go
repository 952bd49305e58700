package gateway_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// TestParticipantsPresence: participants(present:) and participantCount(present:) agree with the
// simulator's truth (present = no left_at), and come from the one list call that brought the sessions,
// which asks for include_participants=true also when only counts are selected.
func TestParticipantsPresence(t *testing.T) {
	forExecutors(t, func(t *testing.T, e executor) {
		h := newHarness(t, telnyxsim.Config{Seed: 11, Rooms: 6, SessionsPerRoom: 20, ParticipantsPerSession: 5}, e.config(gateway.Config{}))
		type person struct {
			ID     string  `json:"telnyxId"`
			LeftAt *string `json:"leftAt"`
		}
		var out struct {
			RoomSessions struct {
				Nodes []struct {
					ID      string   `json:"telnyxId"`
					All     []person `json:"all"`
					Here    []person `json:"here"`
					Gone    []person `json:"gone"`
					Count   int      `json:"count"`
					NHere   int      `json:"nHere"`
					NGone   int      `json:"nGone"`
					NNull   int      `json:"nNull"`
					ViaVar  int      `json:"viaVar"`
					AllNull []person `json:"allNull"`
				} `json:"nodes"`
			} `json:"roomSessions"`
		}
		h.calls()
		h.ok(t, `query($p: Boolean) { roomSessions(first: 30) { nodes { telnyxId
			all: participants { telnyxId leftAt } here: participants(present: true) { telnyxId leftAt }
			gone: participants(present: false) { telnyxId leftAt } allNull: participants(present: null) { telnyxId leftAt }
			count: participantCount nHere: participantCount(present: true) nGone: participantCount(present: false)
			nNull: participantCount(present: null) viaVar: participantCount(present: $p) } } }`, map[string]any{"p": true}, &out)
		calls := h.calls()
		require.Len(t, calls, 1)
		assert.Equal(t, "true", decodedQuery(t, calls[0]).Get("include_participants"))

		require.Len(t, out.RoomSessions.Nodes, 30)
		sawBoth := false
		for _, s := range out.RoomSessions.Nodes {
			truth := h.sim.Participants(keyA, s.ID)
			var here, gone []string
			for _, p := range truth {
				if p.LeftAt == nil {
					here = append(here, p.ID)
				} else {
					gone = append(gone, p.ID)
				}
			}
			ids := func(ps []person) []string {
				var out []string
				for _, p := range ps {
					out = append(out, p.ID)
				}
				return out
			}
			assert.Equal(t, here, ids(s.Here), s.ID)
			assert.Equal(t, gone, ids(s.Gone), s.ID)
			assert.Equal(t, ids(s.All), ids(s.AllNull), s.ID)
			assert.Len(t, s.All, len(truth), s.ID)
			assert.Equal(t, []int{len(truth), len(here), len(gone), len(truth), len(here)}, []int{s.Count, s.NHere, s.NGone, s.NNull, s.ViaVar}, s.ID)
			for _, p := range s.Here {
				assert.Nil(t, p.LeftAt)
			}
			for _, p := range s.Gone {
				assert.NotNil(t, p.LeftAt)
			}
			sawBoth = sawBoth || (len(here) > 0 && len(gone) > 0)
		}
		assert.True(t, sawBoth, "the data set has a session with people present and people who left")

		// A count alone still embeds the participants, in the same single call; by id, too.
		var one struct {
			RoomSession struct {
				N int `json:"participantCount"`
			} `json:"roomSession"`
		}
		id := out.RoomSessions.Nodes[0].ID
		h.ok(t, `query($id: ID!) { roomSession(id: $id) { participantCount(present: true) } }`, map[string]any{"id": id}, &one)
		calls = h.calls()
		require.Len(t, calls, 1)
		assert.Equal(t, telnyxsim.RouteGetSession, calls[0].Route)
		assert.Equal(t, "true", decodedQuery(t, calls[0]).Get("include_participants"))
		assert.Equal(t, out.RoomSessions.Nodes[0].NHere, one.RoomSession.N)
	})
}
