package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/pagination"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// Anchored cursors (docs/pagination.md, "When the list changes between two requests"): walks through every
// list while the simulator's lists move between page requests, driven through its REST writes and its
// control endpoints, each page compared with the REST list at that moment.

// liveItem is one item of a REST list: its id, its sort key and its parents.
type liveItem struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	JoinedAt  time.Time `json:"joined_at"`
	RoomID    string    `json:"room_id"`
	SessionID string    `json:"session_id"`
}

func (it liveItem) key() time.Time {
	if it.JoinedAt.IsZero() {
		return it.CreatedAt
	}
	return it.JoinedAt
}

// before reports whether it comes before other in the upstream's order (docs/upstream.md §3.5): newest
// first, then the id ascending.
func (it liveItem) before(other liveItem) bool {
	if !it.key().Equal(other.key()) {
		return it.key().After(other.key())
	}
	return it.ID < other.ID
}

// simClock is a clock for the simulator that moves 1ms at each reading, after the generated data: every
// write gets a key of its own, newer than everything before it.
func simClock() func() time.Time {
	var n atomic.Int64
	start := telnyxsim.DefaultEpoch().Add(24 * time.Hour)
	return func() time.Time { return start.Add(time.Duration(n.Add(1)) * time.Millisecond) }
}

// moving is a harness whose lists move: its simulator's writes and control endpoints.
type moving struct {
	t   *testing.T
	h   *harness
	rng *rand.Rand
	n   int
	// quiet is a room of the test's own with no active session: a join there starts a session at the head
	// of the account's sessions and a participant at the head of the account's participants.
	quiet string
}

func newMoving(t *testing.T, e executor, seed uint64) *moving {
	h := newHarness(t, telnyxsim.Config{Seed: int64(seed), Rooms: 6, SessionsPerRoom: 6, ParticipantsPerSession: 3, Now: simClock()},
		e.config(gateway.Config{CursorSecret: "anchors-test"}))
	l := &moving{t: t, h: h, rng: rand.New(rand.NewPCG(seed, 19))}
	l.quiet = l.createRoom()
	return l
}

// do sends a request to the simulator (path from its root: /v2/… or /_sim/…) and decodes the data.
func (l *moving) do(method, path string, body any, want int) liveItem {
	l.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(l.t, err)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, strings.TrimSuffix(l.h.simURL, "/v2")+path, rd)
	require.NoError(l.t, err)
	req.Header.Set("Authorization", "Bearer "+keyA)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(l.t, err)
	defer resp.Body.Close()
	require.Equal(l.t, want, resp.StatusCode, "%s %s", method, path)
	var out struct{ Data liveItem }
	if resp.StatusCode != http.StatusNoContent {
		require.NoError(l.t, json.NewDecoder(resp.Body).Decode(&out))
	}
	return out.Data
}

func (l *moving) createRoom() string {
	l.n++
	return l.do(http.MethodPost, "/v2/rooms", map[string]any{"unique_name": fmt.Sprintf("anchors-%d", l.n), "max_participants": 50}, http.StatusCreated).ID
}

func (l *moving) deleteRoom(id string) {
	l.do(http.MethodDelete, "/v2/rooms/"+id, nil, http.StatusNoContent)
}

// join puts a participant into room (starting a session when none is active) and returns it.
func (l *moving) join(room string) liveItem {
	l.n++
	return l.do(http.MethodPost, "/_sim/rooms/"+room+"/join", map[string]any{"context": fmt.Sprintf("p%d", l.n)}, http.StatusCreated)
}

func (l *moving) leave(participant string) {
	l.do(http.MethodPost, "/_sim/participants/"+participant+"/leave", nil, http.StatusOK)
}

// visit joins room and leaves: a new participant at the head, and a new (ended) session at the head when
// the room had none active.
func (l *moving) visit(room string) {
	l.leave(l.join(room).ID)
}

// rest returns a REST list in the upstream's order: the truth a page is compared with.
func (l *moving) rest(path string, query url.Values) []liveItem {
	l.t.Helper()
	var items []liveItem
	for page := 1; ; page++ {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("page[size]", "250")
		q.Set("page[number]", itoa(page))
		req, err := http.NewRequest(http.MethodGet, l.h.simURL+path+"?"+q.Encode(), nil)
		require.NoError(l.t, err)
		req.Header.Set("Authorization", "Bearer "+keyA)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(l.t, err)
		var body struct {
			Data []liveItem
			Meta struct {
				TotalPages int `json:"total_pages"`
			}
		}
		require.NoError(l.t, json.NewDecoder(resp.Body).Decode(&body))
		resp.Body.Close()
		require.Equal(l.t, http.StatusOK, resp.StatusCode)
		items = append(items, body.Data...)
		if page >= body.Meta.TotalPages {
			return items
		}
	}
}

// liveList is one list of the graph, with its REST twin and the churn that moves it.
type liveList struct {
	name string
	// field is the connection field with its parent, aliased c: the first %s stands for the paging
	// arguments, the second for the connection's selection.
	field string
	rest  string
	query url.Values
	// setup prepares the list (the parent is $p) and returns the parent.
	setup func(l *moving) string
	// insert adds one item at the head.
	insert func(l *moving, parent string)
	// remove deletes items (the room of it, and with it its sessions and participants); nil for a list whose
	// items are only removed with their parent.
	remove func(l *moving, it liveItem)
}

func (ll liveList) restPath(parent string) string { return strings.ReplaceAll(ll.rest, "{p}", parent) }

func (ll liveList) restQuery(parent string) url.Values {
	q := url.Values{}
	for k, v := range ll.query {
		q[k] = []string{strings.ReplaceAll(v[0], "{p}", parent)}
	}
	return q
}

// roomOfSession finds a session's room through the simulator (for removals only).
func roomOfSession(l *moving, session string) string {
	for _, s := range l.h.sim.Sessions(keyA, "") {
		if s.ID == session {
			return s.RoomID
		}
	}
	return ""
}

// activeSession returns a session of a room of the test's own that stays active: one participant stays.
func activeSession(l *moving) (room, session string) {
	room = l.createRoom()
	session = l.join(room).SessionID
	for range 12 {
		l.visit(room)
	}
	return room, session
}

var liveLists = []liveList{
	{
		name: "rooms", field: `c: rooms(%s) %s`, rest: "/rooms",
		setup:  func(*moving) string { return "" },
		insert: func(l *moving, _ string) { l.createRoom() },
		remove: func(l *moving, it liveItem) {
			if it.ID != l.quiet {
				l.deleteRoom(it.ID)
			}
		},
	},
	{
		name: "account sessions", field: `c: roomSessions(%s) %s`, rest: "/room_sessions",
		setup:  func(*moving) string { return "" },
		insert: func(l *moving, _ string) { l.visit(l.quiet) },
		remove: func(l *moving, it liveItem) {
			if it.RoomID != l.quiet {
				l.deleteRoom(it.RoomID)
			}
		},
	},
	{
		name: "a room's sessions", field: `room(id: $p) { c: sessions(%s) %s }`, rest: "/rooms/{p}/sessions",
		setup: func(l *moving) string {
			room, _ := roomsBySessions(l.h.sim, keyA)
			for _, s := range l.h.sim.Sessions(keyA, room) {
				if s.Active {
					l.do(http.MethodPost, "/v2/room_sessions/"+s.ID+"/actions/end", nil, http.StatusOK)
				}
			}
			return room
		},
		insert: func(l *moving, room string) { l.visit(room) },
	},
	{
		name: "a room's sessions through roomSessions(roomId:)", field: `c: roomSessions(roomId: $p, %s) %s`, rest: "/room_sessions",
		query: url.Values{"filter[room_id]": {"{p}"}},
		setup: func(l *moving) string {
			room := l.createRoom()
			for range 12 {
				l.visit(room)
			}
			return room
		},
		insert: func(l *moving, room string) { l.visit(room) },
	},
	{
		name: "a session's participants", field: `roomSession(id: $p) { c: participantsConnection(%s) %s }`, rest: "/room_sessions/{p}/participants",
		setup: func(l *moving) string { _, s := activeSession(l); return s },
		insert: func(l *moving, session string) {
			l.visit(roomOfSession(l, session))
		},
	},
	{
		name: "a session's participants through roomParticipants(sessionId:)", field: `c: roomParticipants(sessionId: $p, %s) %s`, rest: "/room_participants",
		query: url.Values{"filter[session_id]": {"{p}"}},
		setup: func(l *moving) string { _, s := activeSession(l); return s },
		insert: func(l *moving, session string) {
			l.visit(roomOfSession(l, session))
		},
	},
	{
		name: "account participants", field: `c: roomParticipants(%s) %s`, rest: "/room_participants",
		setup:  func(*moving) string { return "" },
		insert: func(l *moving, _ string) { l.visit(l.quiet) },
		remove: func(l *moving, it liveItem) {
			if room := roomOfSession(l, it.SessionID); room != l.quiet && room != "" {
				l.deleteRoom(room)
			}
		},
	},
}

// page is one connection as the gateway answered it.
type page struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       *string
	}
	Edges []struct {
		Cursor string
		Node   struct{ TelnyxID string } // the UUID the REST lists have (id is the Relay global id)
	}
}

func (p page) ids() []string {
	out := make([]string, len(p.Edges))
	for i, e := range p.Edges {
		out[i] = e.Node.TelnyxID
	}
	return out
}

// pageArgs are the paging arguments of one request; a cursor remembers the item it was issued for.
type pageArgs struct {
	first, last   int // 0: absent
	after, before *issued
}

type issued struct {
	cursor string
	item   liveItem
}

// fetch asks the gateway for one page of ll.
func (l *moving) fetch(ll liveList, parent string, a pageArgs) page {
	l.t.Helper()
	var args []string
	vars := map[string]any{}
	decl := []string{}
	if parent != "" {
		vars["p"] = parent
		decl = append(decl, "$p: ID!")
	}
	add := func(name, typ string, v any) {
		args = append(args, name+": $"+name)
		decl = append(decl, "$"+name+": "+typ)
		vars[name] = v
	}
	if a.first > 0 {
		add("first", "Int", a.first)
	}
	if a.last > 0 {
		add("last", "Int", a.last)
	}
	if a.after != nil {
		add("after", "String", a.after.cursor)
	}
	if a.before != nil {
		add("before", "String", a.before.cursor)
	}
	const sel = `{ totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { telnyxId } } }`
	q := "query"
	if len(decl) > 0 {
		q += "(" + strings.Join(decl, ", ") + ")"
	}
	q += " { " + fmt.Sprintf(ll.field, strings.Join(args, ", "), sel) + " }"
	var data map[string]json.RawMessage
	l.h.ok(l.t, q, vars, &data)
	return findConnection(l.t, data)
}

// findConnection returns the object aliased c, at the top or one level down.
func findConnection(t *testing.T, data map[string]json.RawMessage) page {
	t.Helper()
	raw, ok := data["c"]
	for _, v := range data {
		if ok {
			break
		}
		var inner map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(v, &inner))
		raw, ok = inner["c"]
	}
	require.True(t, ok, "no connection in %v", data)
	var p page
	require.NoError(t, json.Unmarshal(raw, &p))
	return p
}

// expect is the page the truth says a request gets: Relay's algorithm over the list as it is now, with the
// cursors cutting after and before their items' places in the order (whether or not they still exist).
func expect(truth []liveItem, a pageArgs) (items []liveItem, hasPrev, hasNext bool) {
	start, end := 0, len(truth)
	if a.after != nil {
		for start < len(truth) && !a.after.item.before(truth[start]) {
			start++
		}
	}
	if a.before != nil {
		end = 0
		for end < len(truth) && truth[end].before(a.before.item) {
			end++
		}
	}
	end = max(end, start)
	if a.first > 0 {
		end = min(end, start+a.first)
	}
	if a.last > 0 {
		start = max(start, end-a.last)
	}
	return truth[start:end], start > 0 && len(truth) > 0, end < len(truth)
}

// check asks for a page and compares it with the truth at that moment; it returns the page's items with
// their keys (from the truth) and its cursors.
func (l *moving) check(ll liveList, parent string, a pageArgs, msg string) (got []liveItem, start, end *issued, p page) {
	l.t.Helper()
	p = l.fetch(ll, parent, a)
	truth := l.rest(ll.restPath(parent), ll.restQuery(parent))
	want, hasPrev, hasNext := expect(truth, a)
	wantIDs := make([]string, len(want))
	for i, it := range want {
		wantIDs[i] = it.ID
	}
	require.Equal(l.t, wantIDs, p.ids(), "%s: the page", msg)
	assert.Equal(l.t, len(truth), p.TotalCount, "%s: totalCount", msg)
	assert.Equal(l.t, hasPrev, p.PageInfo.HasPreviousPage, "%s: hasPreviousPage", msg)
	assert.Equal(l.t, hasNext, p.PageInfo.HasNextPage, "%s: hasNextPage", msg)
	if len(want) == 0 {
		assert.Nil(l.t, p.PageInfo.StartCursor, msg)
		return nil, nil, nil, p
	}
	require.NotNil(l.t, p.PageInfo.StartCursor)
	require.NotNil(l.t, p.PageInfo.EndCursor)
	assert.Equal(l.t, p.Edges[0].Cursor, *p.PageInfo.StartCursor, "%s: startCursor is the first edge's", msg)
	assert.Equal(l.t, p.Edges[len(p.Edges)-1].Cursor, *p.PageInfo.EndCursor, "%s: endCursor is the last edge's", msg)
	assert.Len(l.t, *p.PageInfo.EndCursor, 60, "anchored (version 3) cursors")
	return want, &issued{*p.PageInfo.StartCursor, want[0]}, &issued{*p.PageInfo.EndCursor, want[len(want)-1]}, p
}

// churn moves the list between two requests: k new items at the head, and now and then a removal (half
// the time, of the item the walk's cursor stands on).
func (l *moving) churn(ll liveList, parent string, k int, at *issued) {
	for range k {
		ll.insert(l, parent)
	}
	if ll.remove == nil || l.rng.IntN(3) != 0 {
		return
	}
	truth := l.rest(ll.restPath(parent), ll.restQuery(parent))
	if len(truth) < 4 {
		return
	}
	victim := truth[l.rng.IntN(len(truth))]
	if at != nil && l.rng.IntN(2) == 0 {
		if i := slices.IndexFunc(truth, func(it liveItem) bool { return it.ID == at.item.ID }); i >= 0 {
			victim = truth[i]
		}
	}
	ll.remove(l, victim)
}

// TestWalkUnderChurn: a complete forward walk (first/after) and a complete backward walk (last/before) of
// every list, with items inserted at the head (once a burst of 15 to 44, beyond the slack) and removed
// between any two page requests, returns every item
// that existed during the whole walk exactly once and in order; the forward walk returns no item created
// during it (they are all newer than where it is), the backward walk every one that still exists at its end.
// Every page is the truth's at its moment, with exact totalCount, hasNextPage and hasPreviousPage.
func TestWalkUnderChurn(t *testing.T) {
	forExecutors(t, func(t *testing.T, e executor) {
		for i, ll := range liveLists {
			for _, backward := range []bool{false, true} {
				name := ll.name + map[bool]string{false: "/forward", true: "/backward"}[backward]
				t.Run(name, func(t *testing.T) {
					l := newMoving(t, e, uint64(100+i))
					parent := ll.setup(l)
					truth0 := l.rest(ll.restPath(parent), ll.restQuery(parent))
					require.GreaterOrEqual(t, len(truth0), 5, "a list to walk")
					n := 3 + l.rng.IntN(3)
					var walked []liveItem
					var at *issued
					for step := 0; ; step++ {
						require.Less(t, step, 200, "the walk ends")
						a := pageArgs{first: n, after: at}
						if backward {
							a = pageArgs{last: n, before: at}
						}
						items, start, end, p := l.check(ll, parent, a, fmt.Sprintf("step %d", step))
						if backward {
							walked = append(slices.Clone(items), walked...)
							at = start
							if !p.PageInfo.HasPreviousPage {
								break
							}
						} else {
							walked = append(walked, items...)
							at = end
							if !p.PageInfo.HasNextPage {
								break
							}
						}
						k := l.rng.IntN(n)
						if step == 1 {
							k = 15 + l.rng.IntN(30) // once, a burst beyond the slack: the anchor is searched for
						}
						l.churn(ll, parent, k, at)
					}
					final := l.rest(ll.restPath(parent), ll.restQuery(parent))
					assertWalk(t, walked, truth0, final, backward)
				})
			}
		}
	})
}

// assertWalk checks the guarantee of a complete walk: no item twice, the list's order, every item that
// existed during the whole walk; none created during a forward walk; every one still there after a
// backward one.
func assertWalk(t *testing.T, walked, before, after []liveItem, backward bool) {
	t.Helper()
	seen := map[string]bool{}
	for i, it := range walked {
		require.False(t, seen[it.ID], "item %s twice", it.ID)
		seen[it.ID] = true
		if i > 0 {
			require.True(t, walked[i-1].before(it), "the walk keeps the list's order at %d", i)
		}
	}
	existed := map[string]bool{}
	for _, it := range before {
		existed[it.ID] = true
	}
	for _, it := range after {
		if existed[it.ID] {
			assert.True(t, seen[it.ID], "item %s existed during the whole walk and was not returned", it.ID)
		} else if backward {
			assert.True(t, seen[it.ID], "item %s created during the backward walk is at the head, where it ended", it.ID)
		} else {
			assert.False(t, seen[it.ID], "item %s created during the forward walk is behind it", it.ID)
		}
	}
	for _, it := range walked {
		if !backward {
			assert.True(t, existed[it.ID], "a forward walk returns only items older than its start")
		}
	}
}

// TestPagingUnderChurnRandom is the property test: random page sizes, directions (onwards from the last
// page's end, back from its start, or between two cursors seen earlier) and churn, every page compared
// with the REST truth at its moment. Seeded, a bounded number of steps per list.
func TestPagingUnderChurnRandom(t *testing.T) {
	forExecutors(t, func(t *testing.T, e executor) {
		for i, ll := range liveLists {
			t.Run(ll.name, func(t *testing.T) {
				seed := uint64(700 + i)
				l := newMoving(t, e, seed)
				parent := ll.setup(l)
				var cursors []*issued
				var start, end *issued
				for step := range 20 {
					n := 1 + l.rng.IntN(6)
					var a pageArgs
					switch r := l.rng.IntN(10); {
					case r < 4 && end != nil:
						a = pageArgs{first: n, after: end}
					case r < 7 && start != nil:
						a = pageArgs{last: n, before: start}
					case r < 8 && len(cursors) >= 2:
						x, y := cursors[l.rng.IntN(len(cursors))], cursors[l.rng.IntN(len(cursors))]
						if y.item.before(x.item) {
							x, y = y, x
						}
						a = pageArgs{first: n, after: x, before: y}
					case r < 9:
						a = pageArgs{last: n} // the tail
					default:
						a = pageArgs{first: n}
					}
					_, s, en, _ := l.check(ll, parent, a, fmt.Sprintf("seed %d step %d %+v", seed, step, a))
					if s != nil {
						start, end = s, en
						cursors = append(cursors, s, en)
					}
					k := l.rng.IntN(4)
					if l.rng.IntN(8) == 0 {
						k = 15 + l.rng.IntN(30) // a burst beyond the slack
					}
					l.churn(ll, parent, k, end)
				}
			})
		}
	})
}

// TestSortOrderAsTheContractRecommends: what the anchors rely on, checked against the simulator for every
// list: newest first by created_at (joined_at for participants), ties by id ascending — with a frozen
// clock every write ties, so the id decides — and a session's embedded participants in the same order as
// its participants list.
func TestSortOrderAsTheContractRecommends(t *testing.T) {
	frozen := telnyxsim.DefaultEpoch().Add(48 * time.Hour)
	h := newHarness(t, telnyxsim.Config{Seed: 5, Rooms: 4, SessionsPerRoom: 5, ParticipantsPerSession: 4, Now: func() time.Time { return frozen }}, gateway.Config{})
	l := &moving{t: t, h: h, rng: rand.New(rand.NewPCG(5, 5))}
	var rooms []string
	for range 6 {
		rooms = append(rooms, l.createRoom())
	}
	for _, r := range rooms {
		for range 3 {
			l.join(r)
		}
	}
	ties := 0
	check := func(name string, items []liveItem) {
		for i := 1; i < len(items); i++ {
			require.True(t, items[i-1].before(items[i]), "%s: items %d and %d out of order", name, i-1, i)
			if items[i-1].key().Equal(items[i].key()) {
				ties++
			}
		}
	}
	check("rooms", l.rest("/rooms", nil))
	check("account sessions", l.rest("/room_sessions", nil))
	check("account participants", l.rest("/room_participants", nil))
	for _, r := range h.sim.Rooms(keyA) {
		check("room sessions", l.rest("/rooms/"+r.ID+"/sessions", nil))
	}
	for _, s := range h.sim.Sessions(keyA, "") {
		list := l.rest("/room_sessions/"+s.ID+"/participants", nil)
		check("session participants", list)
		var one struct {
			Data struct{ Participants []liveItem }
		}
		req, err := http.NewRequest(http.MethodGet, h.simURL+"/room_sessions/"+s.ID+"?include_participants=true", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+keyA)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&one))
		resp.Body.Close()
		require.Equal(t, itemIDs(list), itemIDs(one.Data.Participants), "embedded participants in the list's order")
	}
	assert.Greater(t, ties, 10, "the frozen clock made ties, which the id ordered")

	// And the gateway walks those ties one at a time without a gap or a repeat while more tie.
	ll := liveLists[0]
	var walked []liveItem
	var at *issued
	truth0 := l.rest("/rooms", nil)
	for step := 0; ; step++ {
		require.Less(t, step, 100)
		items, _, end, p := l.check(ll, "", pageArgs{first: 1, after: at}, fmt.Sprintf("tie step %d", step))
		walked = append(walked, items...)
		at = end
		if !p.PageInfo.HasNextPage {
			break
		}
		l.createRoom() // the same created_at as every room made here: placed by its id
	}
	// Rooms created during the walk tie with the walk's first items: those with a larger id than the
	// anchor come after it and are returned. The guarantee is about the others.
	seen := map[string]bool{}
	for _, it := range walked {
		require.False(t, seen[it.ID])
		seen[it.ID] = true
	}
	for _, it := range truth0 {
		assert.True(t, seen[it.ID], "room %s existed during the whole walk", it.ID)
	}
}

func itemIDs(items []liveItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

// TestOffsetCursorsStillServed: a version 2 cursor (offset only), as handed out before anchors, keeps its
// meaning: the page after its offset, wherever the items moved.
func TestOffsetCursorsStillServed(t *testing.T) {
	forExecutors(t, func(t *testing.T, e executor) {
		l := newMoving(t, e, 9)
		codec := pagination.NewCodec([]byte("anchors-test"))
		scope := pagination.Scope("rooms", "", fmt.Sprintf("%+v", telnyx.RoomFilter{}))
		v2 := &issued{cursor: codec.Encode(scope, 1)}
		truth := l.rest("/rooms", nil)
		assert.Equal(t, itemIDs(truth[2:4]), l.fetch(liveLists[0], "", pageArgs{first: 2, after: v2}).ids())
		l.createRoom()
		truth = l.rest("/rooms", nil)
		assert.Equal(t, itemIDs(truth[2:4]), l.fetch(liveLists[0], "", pageArgs{first: 2, after: v2}).ids(), "an offset is an offset: the new room shifts the page")
		// The same place as an anchored cursor holds its item.
		p := l.fetch(liveLists[0], "", pageArgs{first: 2})
		anchored := &issued{cursor: p.Edges[1].Cursor}
		got, err := codec.DecodeCursor(scope, anchored.cursor)
		require.NoError(t, err)
		assert.True(t, got.Anchored)
		assert.Equal(t, 1, got.Offset)
		l.createRoom()
		truth = l.rest("/rooms", nil)
		assert.Equal(t, itemIDs(truth[3:5]), l.fetch(liveLists[0], "", pageArgs{first: 2, after: anchored}).ids())
	})
}
