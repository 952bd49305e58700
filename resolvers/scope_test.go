package resolvers

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// TestFilterScopeIsFmtsRendering: cursors carry their list's scope, so the cached rendering of an unfiltered
// list must be byte for byte what fmt gives (cursors made before stay valid), for every filter type, and
// must not be confused between types or with a filtered list.
func TestFilterScopeIsFmtsRendering(t *testing.T) {
	day := telnyx.Date{Year: 2026, Month: 11, Day: 26}
	cases := []struct {
		name   string
		got    func() string
		filter any
	}{
		{"sessions, unfiltered", func() string { return filterScope(telnyx.SessionFilter{}) }, telnyx.SessionFilter{}},
		{"sessions, unfiltered again", func() string { return filterScope(telnyx.SessionFilter{}) }, telnyx.SessionFilter{}},
		{"sessions, active", func() string { return filterScope(telnyx.SessionFilter{Active: telnyx.True}) }, telnyx.SessionFilter{Active: telnyx.True}},
		{"participants, unfiltered", func() string { return filterScope(telnyx.ParticipantFilter{}) }, telnyx.ParticipantFilter{}},
		{"participants, context", func() string { return filterScope(telnyx.ParticipantFilter{Context: "x"}) }, telnyx.ParticipantFilter{Context: "x"}},
		{"rooms, unfiltered", func() string { return filterScope(telnyx.RoomFilter{}) }, telnyx.RoomFilter{}},
		{"rooms, created", func() string {
			return filterScope(telnyx.RoomFilter{DateCreatedAt: telnyx.DateFilter{Gte: day}})
		}, telnyx.RoomFilter{DateCreatedAt: telnyx.DateFilter{Gte: day}}},
	}
	seen := map[string]string{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.got()
			assert.Equal(t, fmt.Sprintf("%+v", c.filter), got)
			if other, ok := seen[got]; ok {
				assert.Equal(t, fmt.Sprintf("%T %+v", c.filter, c.filter), other, "one rendering, one filter")
			}
			seen[got] = fmt.Sprintf("%T %+v", c.filter, c.filter)
		})
	}
}
