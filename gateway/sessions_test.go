package gateway_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// sessionNode is a session of an answer: GlobalID is its `id`, ID its `telnyxId` (the simulator's id).
type sessionNode struct {
	GlobalID     string  `json:"id"`
	ID           string  `json:"telnyxId"`
	RoomID       string  `json:"roomId"`
	Active       bool    `json:"active"`
	CreatedAt    string  `json:"createdAt"`
	UpdatedAt    string  `json:"updatedAt"`
	EndedAt      *string `json:"endedAt"`
	Participants []struct {
		GlobalID  string  `json:"id"`
		ID        string  `json:"telnyxId"`
		SessionID string  `json:"sessionId"`
		Context   string  `json:"context"`
		JoinedAt  string  `json:"joinedAt"`
		LeftAt    *string `json:"leftAt"`
	} `json:"participants"`
}

type sessionConn struct {
	TotalCount int `json:"totalCount"`
	PageInfo   struct {
		HasNextPage     bool    `json:"hasNextPage"`
		HasPreviousPage bool    `json:"hasPreviousPage"`
		StartCursor     *string `json:"startCursor"`
		EndCursor       *string `json:"endCursor"`
	} `json:"pageInfo"`
	Edges []struct {
		Cursor string      `json:"cursor"`
		Node   sessionNode `json:"node"`
	} `json:"edges"`
	Nodes []sessionNode `json:"nodes"`
}

func (c sessionConn) ids() []string {
	var out []string
	for _, e := range c.Edges {
		out = append(out, e.Node.ID)
	}
	return out
}

type roomSessions struct {
	Room *struct {
		ID       string      `json:"id"`
		Sessions sessionConn `json:"sessions"`
	} `json:"room"`
}

const pageQuery = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: RoomSessionFilter) {
  room(id: $id) { id sessions(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { telnyxId roomId active createdAt updatedAt endedAt } } } } }`

func defaultSim() telnyxsim.Config {
	return telnyxsim.Config{Seed: 42, Rooms: 8, SessionsPerRoom: 25, ParticipantsPerSession: 4}
}

// TestPaginationWalks walks a room's sessions with cursors, forward and backward, for every page size
// 1..60: the walk must yield exactly the REST list, in order, with no gap or duplicate.
func TestPaginationWalks(t *testing.T) { forExecutors(t, testPaginationWalks) }

func testPaginationWalks(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
	room, _ := roomsBySessions(h.sim, keyA)
	want := h.restSessions(t, keyA, room, nil)
	require.Greater(t, len(want), 60, "the busiest room must hold more sessions than the largest page")

	for size := 1; size <= 60; size++ {
		t.Run(fmt.Sprintf("forward/%d", size), func(t *testing.T) {
			var got []string
			vars := map[string]any{"id": room, "first": size}
			for pages := 0; ; pages++ {
				require.Less(t, pages, len(want)+2, "walk does not end")
				var d roomSessions
				h.ok(t, pageQuery, vars, &d)
				c := d.Room.Sessions
				require.Equal(t, len(want), c.TotalCount)
				require.Equal(t, pages > 0, c.PageInfo.HasPreviousPage)
				got = append(got, c.ids()...)
				if !c.PageInfo.HasNextPage {
					break
				}
				vars["after"] = *c.PageInfo.EndCursor
			}
			require.Equal(t, want, got)
		})
		t.Run(fmt.Sprintf("backward/%d", size), func(t *testing.T) {
			var got []string
			vars := map[string]any{"id": room, "last": size}
			for pages := 0; ; pages++ {
				require.Less(t, pages, len(want)+2, "walk does not end")
				var d roomSessions
				h.ok(t, pageQuery, vars, &d)
				c := d.Room.Sessions
				require.Equal(t, pages > 0, c.PageInfo.HasNextPage)
				got = append(c.ids(), got...)
				if !c.PageInfo.HasPreviousPage {
					break
				}
				vars["before"] = *c.PageInfo.StartCursor
			}
			require.Equal(t, want, got)
		})
	}
}

// TestWindows checks windows at offsets that do not line up with upstream pages: each is one upstream call.
func TestWindows(t *testing.T) { forExecutors(t, testWindows) }

func testWindows(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
	room, _ := roomsBySessions(h.sim, keyA)
	all := h.restSessions(t, keyA, room, nil)
	n := len(all)

	// cursorAt gets the cursor of the item at offset i by asking for a one-item window there.
	cursorAt := func(i int) string {
		var d roomSessions
		if i == 0 {
			h.ok(t, pageQuery, map[string]any{"id": room, "first": 1}, &d)
		} else {
			h.ok(t, pageQuery, map[string]any{"id": room, "first": 1, "after": cursorAtRaw(t, h, room, i-1)}, &d)
		}
		require.Equal(t, all[i], d.Room.Sessions.Edges[0].Node.ID)
		return d.Room.Sessions.Edges[0].Cursor
	}
	tests := []struct {
		name      string
		vars      func() map[string]any
		want      []string
		prev, nxt bool
	}{
		{"first 7 after offset 12", func() map[string]any { return map[string]any{"first": 7, "after": cursorAt(12)} }, all[13:20], true, true},
		{"last 9 before offset 40", func() map[string]any { return map[string]any{"last": 9, "before": cursorAt(40)} }, all[31:40], true, true},
		{"last 5 (the tail)", func() map[string]any { return map[string]any{"last": 5} }, all[n-5:], true, false},
		{"last larger than the list", func() map[string]any { return map[string]any{"last": 100} }, all[max(0, n-100):], n > 100, false},
		{"first 0", func() map[string]any { return map[string]any{"first": 0} }, nil, false, true},
		{"after the last item", func() map[string]any { return map[string]any{"after": cursorAt(n - 1)} }, nil, true, false},
		{"between after and before", func() map[string]any {
			return map[string]any{"after": cursorAt(3), "before": cursorAt(9), "first": 50}
		}, all[4:9], true, true},
		{"first and last together", func() map[string]any { return map[string]any{"first": 10, "last": 3} }, all[7:10], true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vars := tc.vars()
			vars["id"] = room
			h.calls()
			var d roomSessions
			h.ok(t, pageQuery, vars, &d)
			c := d.Room.Sessions
			assert.Equal(t, tc.want, c.ids())
			assert.Equal(t, tc.prev, c.PageInfo.HasPreviousPage, "hasPreviousPage")
			assert.Equal(t, tc.nxt, c.PageInfo.HasNextPage, "hasNextPage")
			assert.Equal(t, n, c.TotalCount)
			calls := h.calls()
			_, tail := vars["last"]
			_, before := vars["before"]
			_, first := vars["first"]
			if tail && !before && !first && n > vars["last"].(int) {
				assert.Len(t, calls, 2, "a tail needs the total first: probe + tail")
			} else {
				assert.Len(t, calls, 1, "one covering upstream call")
				for _, c := range calls {
					size := decodedQuery(t, c).Get("page[size]")
					assert.LessOrEqual(t, len(size), 3)
				}
			}
			if len(tc.want) == 0 {
				assert.Nil(t, c.PageInfo.StartCursor)
				assert.Nil(t, c.PageInfo.EndCursor)
			}
		})
	}
}

// cursorAtRaw finds the cursor of offset i by walking first:i+1 (no recursion through cursorAt).
func cursorAtRaw(t *testing.T, h *harness, room string, i int) string {
	t.Helper()
	var d roomSessions
	h.ok(t, pageQuery, map[string]any{"id": room, "first": i + 1}, &d)
	return *d.Room.Sessions.PageInfo.EndCursor
}

func TestEmptyRoom(t *testing.T) { forExecutors(t, testEmptyRoom) }

func testEmptyRoom(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
	_, empty := roomsBySessions(h.sim, keyA)
	require.NotEmpty(t, empty, "the simulator keeps at least one room without sessions")
	for _, vars := range []map[string]any{{"first": 10}, {"last": 10}} {
		vars["id"] = empty
		var d roomSessions
		h.ok(t, pageQuery, vars, &d)
		c := d.Room.Sessions
		assert.Zero(t, c.TotalCount)
		assert.Empty(t, c.Edges)
		assert.False(t, c.PageInfo.HasNextPage)
		assert.False(t, c.PageInfo.HasPreviousPage)
		assert.Nil(t, c.PageInfo.StartCursor)
		assert.Len(t, h.calls(), 1)
	}
}

// TestFilters compares every filter with the simulator's REST answer for the same filter.
func TestFilters(t *testing.T) { forExecutors(t, testFilters) }

func testFilters(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
	room, _ := roomsBySessions(h.sim, keyA)
	sessions := h.sim.Sessions(keyA, room)
	day := func(i int) string { return sessions[i].CreatedAt.UTC().Format("2006-01-02") }
	mid, old := day(len(sessions)/2), day(len(sessions)-1)
	var endedDay string
	for _, s := range sessions {
		if s.EndedAt != nil {
			endedDay = s.EndedAt.UTC().Format("2006-01-02")
			break
		}
	}
	tests := []struct {
		name   string
		filter map[string]any
		rest   url.Values
	}{
		{"active true", map[string]any{"active": true}, url.Values{"filter[active]": {"true"}}},
		{"active false", map[string]any{"active": false}, url.Values{"filter[active]": {"false"}}},
		{"created eq", map[string]any{"dateCreatedAt": map[string]any{"eq": mid}}, url.Values{"filter[date_created_at][eq]": {mid}}},
		{"created gte", map[string]any{"dateCreatedAt": map[string]any{"gte": mid}}, url.Values{"filter[date_created_at][gte]": {mid}}},
		{"created lte", map[string]any{"dateCreatedAt": map[string]any{"lte": mid}}, url.Values{"filter[date_created_at][lte]": {mid}}},
		{"created range", map[string]any{"dateCreatedAt": map[string]any{"gte": old, "lte": mid}}, url.Values{"filter[date_created_at][gte]": {old}, "filter[date_created_at][lte]": {mid}}},
		{"updated gte", map[string]any{"dateUpdatedAt": map[string]any{"gte": mid}}, url.Values{"filter[date_updated_at][gte]": {mid}}},
		{"updated lte", map[string]any{"dateUpdatedAt": map[string]any{"lte": mid}}, url.Values{"filter[date_updated_at][lte]": {mid}}},
		{"updated eq", map[string]any{"dateUpdatedAt": map[string]any{"eq": mid}}, url.Values{"filter[date_updated_at][eq]": {mid}}},
		{"ended eq", map[string]any{"dateEndedAt": map[string]any{"eq": endedDay}}, url.Values{"filter[date_ended_at][eq]": {endedDay}}},
		{"ended gte", map[string]any{"dateEndedAt": map[string]any{"gte": mid}}, url.Values{"filter[date_ended_at][gte]": {mid}}},
		{"ended lte", map[string]any{"dateEndedAt": map[string]any{"lte": mid}}, url.Values{"filter[date_ended_at][lte]": {mid}}},
		{"combined", map[string]any{"active": false, "dateCreatedAt": map[string]any{"gte": old}, "dateEndedAt": map[string]any{"lte": mid}},
			url.Values{"filter[active]": {"false"}, "filter[date_created_at][gte]": {old}, "filter[date_ended_at][lte]": {mid}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := h.restSessions(t, keyA, room, tc.rest)
			var d roomSessions
			h.ok(t, pageQuery, map[string]any{"id": room, "first": 100, "filter": tc.filter}, &d)
			assert.Equal(t, want, d.Room.Sessions.ids())
			assert.Equal(t, len(want), d.Room.Sessions.TotalCount)
			calls := h.calls()
			require.Len(t, calls, 1)
			q := decodedQuery(t, calls[0])
			for k, v := range tc.rest {
				assert.Equal(t, v, q[k], "upstream parameter %s", k)
			}
		})
	}
}

// TestFieldsMatchUpstream compares every field of a page with the simulator's store.
func TestFieldsMatchUpstream(t *testing.T) { forExecutors(t, testFieldsMatchUpstream) }

func testFieldsMatchUpstream(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
	room, _ := roomsBySessions(h.sim, keyA)
	var d roomSessions
	h.ok(t, `query($id: ID!) { room(id: $id) { id sessions(first: 30) { nodes {
		id telnyxId roomId active createdAt updatedAt endedAt participants { id telnyxId sessionId context joinedAt leftAt } } } } }`,
		map[string]any{"id": room}, &d)
	store := h.sim.Sessions(keyA, room)[:30]
	const layout = "2006-01-02T15:04:05.000000Z"
	require.Len(t, d.Room.Sessions.Nodes, 30)
	for i, s := range store {
		n := d.Room.Sessions.Nodes[i]
		assert.Equal(t, s.ID, n.ID)
		assert.Equal(t, nodeid.Encode(nodeid.RoomSession, s.ID), n.GlobalID, "id is the global id")
		assert.Equal(t, room, n.RoomID)
		assert.Equal(t, s.Active, n.Active)
		assert.Equal(t, s.CreatedAt.UTC().Format(layout), n.CreatedAt)
		assert.Equal(t, s.UpdatedAt.UTC().Format(layout), n.UpdatedAt)
		if s.EndedAt == nil {
			assert.Nil(t, n.EndedAt)
		} else {
			require.NotNil(t, n.EndedAt)
			assert.Equal(t, s.EndedAt.UTC().Format(layout), *n.EndedAt)
		}
		parts := h.sim.Participants(keyA, s.ID)
		require.Len(t, n.Participants, len(parts))
		for j, p := range parts {
			assert.Equal(t, p.ID, n.Participants[j].ID)
			assert.Equal(t, nodeid.Encode(nodeid.RoomParticipant, p.ID), n.Participants[j].GlobalID, "id is the global id")
			assert.Equal(t, s.ID, n.Participants[j].SessionID)
			assert.Equal(t, p.Context, n.Participants[j].Context)
			assert.Equal(t, p.JoinedAt.UTC().Format(layout), n.Participants[j].JoinedAt)
			assert.Equal(t, p.LeftAt == nil, n.Participants[j].LeftAt == nil)
		}
	}
}

// TestUpstreamCalls asserts how many upstream calls each query shape makes, from the simulator's counters.
func TestUpstreamCalls(t *testing.T) { forExecutors(t, testUpstreamCalls) }

func testUpstreamCalls(t *testing.T, e executor) {
	// Several rows assert that needs meet in one loader batch: a wider batch window than the default 1 ms
	// keeps that true on a loaded CI host (-race, other packages' tests), under both executors.
	h := newHarness(t, defaultSim(), e.config(gateway.Config{LoaderWait: 5 * time.Millisecond}))
	rooms := h.sim.Rooms(keyA)
	r1, r2 := rooms[0].ID, rooms[1].ID
	tests := []struct {
		name         string
		query        string
		calls        int
		participants []bool // include_participants per call, sorted false first
	}{
		{"id only: no call", `{ room(id: "` + r1 + `") { id } }`, 0, nil},
		{"__typename of the connection only: no call", `{ room(id: "` + r1 + `") { sessions { __typename } } }`, 0, nil},
		{"one page", `{ room(id: "` + r1 + `") { sessions(first: 5) { nodes { id } } } }`, 1, []bool{false}},
		{"participants selected", `{ room(id: "` + r1 + `") { sessions(first: 5) { edges { node { participants { id } } } } } }`, 1, []bool{true}},
		{"participants under nodes", `{ room(id: "` + r1 + `") { sessions(first: 5) { nodes { participants { id } } } } }`, 1, []bool{true}},
		{"identical aliases", `{ a: room(id: "` + r1 + `") { sessions(first: 5) { nodes { id } } } b: room(id: "` + r1 + `") { sessions(first: 5) { nodes { id } } } }`, 1, []bool{false}},
		{"fragments", `query { room(id: "` + r1 + `") { ...S x: sessions(first: 5) { nodes { id } } } } fragment S on Room { sessions(first: 5) { edges { node { id } } } }`, 1, []bool{false}},
		{"overlapping windows: first 10 and first 25", `{ room(id: "` + r1 + `") { a: sessions(first: 10) { nodes { id } } b: sessions(first: 25) { nodes { id } } } }`, 1, []bool{false}},
		{"with and without participants", `{ room(id: "` + r1 + `") { a: sessions(first: 10) { nodes { id } } b: sessions(first: 10) { nodes { participants { id } } } } }`, 1, []bool{true}},
		{"two rooms", `{ a: room(id: "` + r1 + `") { sessions(first: 5) { nodes { id } } } b: room(id: "` + r2 + `") { sessions(first: 5) { nodes { id } } } }`, 2, []bool{false, false}},
		{"two filters on one room", `{ room(id: "` + r1 + `") { a: sessions(first: 5, filter: {active: true}) { nodes { id } } b: sessions(first: 5) { nodes { id } } } }`, 2, []bool{false, false}},
		{"totalCount only: one call of one item", `{ room(id: "` + r1 + `") { sessions { totalCount } } }`, 1, []bool{false}},
		{"totalCount rides on the page's call", `{ room(id: "` + r1 + `") { a: sessions { totalCount } b: sessions(first: 3) { nodes { id } } } }`, 1, []bool{false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.calls()
			r := h.post(t, tc.query, nil)
			require.Empty(t, r.Errors)
			calls := h.calls()
			require.Len(t, calls, tc.calls)
			var inc []bool
			for _, c := range calls {
				assert.Equal(t, telnyxsim.RouteListRoomSessions, c.Route)
				inc = append(inc, decodedQuery(t, c).Get("include_participants") == "true")
			}
			slices.SortFunc(inc, func(a, b bool) int {
				if a == b {
					return 0
				}
				if !a {
					return -1
				}
				return 1
			})
			assert.Equal(t, tc.participants, inc)
		})
	}
}
