package gateway_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

var update = flag.Bool("update", false, "rewrite the golden files (docs/query-plans.md, testdata/schema*.graphql, testdata/federation/*) from what the tests see")

// plan is one row of the query plan table: a query and the upstream calls it makes, by route.
type plan struct {
	name  string
	query string
	calls func(f *planFixture) map[string]int
}

// movingPlan is a row that pages from a cursor while the list moves: prepare takes its cursors, moves the
// list and returns the row's own variables; its calls are not counted.
type movingPlan struct {
	plan
	prepare func(t *testing.T, h *harness, f *planFixture) map[string]any
}

// planFixture is the data the plan table runs on.
type planFixture struct {
	sim        *telnyxsim.Sim
	room       string // the busiest room
	activeRoom string // a room with an active session
	session    string // a session with participants
	refresh    string // a refresh token the simulator issued for room
}

func (f *planFixture) vars() map[string]any {
	return map[string]any{"room": f.room, "activeRoom": f.activeRoom, "session": f.session, "refreshToken": f.refresh,
		"roomNode": nodeid.Encode(nodeid.Room, f.room), "sessionNode": nodeid.Encode(nodeid.RoomSession, f.session)}
}

func (f *planFixture) distinctRooms(sessions []telnyxsim.Session) int {
	seen := map[string]bool{}
	for _, s := range sessions {
		seen[s.RoomID] = true
	}
	return len(seen)
}

func (f *planFixture) participantsAcross(n int) (sessions, rooms int) {
	parts := f.sim.Participants(keyA, "")[:n]
	ss, rs := map[string]bool{}, map[string]bool{}
	for _, p := range parts {
		ss[p.SessionID] = true
	}
	for _, s := range f.sim.Sessions(keyA, "") {
		if ss[s.ID] {
			rs[s.RoomID] = true
		}
	}
	return len(ss), len(rs)
}

const (
	rListRooms        = telnyxsim.RouteListRooms
	rGetRoom          = telnyxsim.RouteGetRoom
	rRoomSessions     = telnyxsim.RouteListRoomSessions
	rSessions         = telnyxsim.RouteListSessions
	rGetSession       = telnyxsim.RouteGetSession
	rSessionParts     = telnyxsim.RouteListSessionParticipants
	rParticipants     = telnyxsim.RouteListParticipants
	rGetParticipant   = telnyxsim.RouteGetParticipant
	rGenerateToken    = telnyxsim.RouteGenerateJoinClientToken
	rRefreshToken     = telnyxsim.RouteRefreshClientToken
	queryPlansDocPath = "../docs/query-plans.md"
)

func calls(kv ...any) func(*planFixture) map[string]int {
	return func(*planFixture) map[string]int { return pairs(kv...) }
}

func pairs(kv ...any) map[string]int {
	m := map[string]int{}
	for i := 0; i+1 < len(kv); i += 2 {
		if n := kv[i+1].(int); n > 0 {
			m[kv[i].(string)] = n
		}
	}
	return m
}

var plans = []plan{
	{"a room's id only", `query($room: ID!) { room(id: $room) { id } }`, calls()},
	{"a room's sessions", `query($room: ID!) { room(id: $room) { sessions(first: 10) { nodes { id createdAt } } } }`, calls(rRoomSessions, 1)},
	{"a room's sessions with participants (include_participants=true)", `query($room: ID!) { room(id: $room) { sessions(first: 10) { nodes { id participants { context } } } } }`, calls(rRoomSessions, 1)},
	{"overlapping aliases: first 10 and first 25 with participants", `query($room: ID!) { room(id: $room) { a: sessions(first: 10) { nodes { id } } b: sessions(first: 25) { nodes { participants { id } } } } }`, calls(rRoomSessions, 1)},
	{"the tail of a room's sessions (last: 5)", `query($room: ID!) { room(id: $room) { sessions(last: 5) { nodes { id } } } }`, calls(rRoomSessions, 2)},
	{"totalCount only", `query($room: ID!) { room(id: $room) { sessions { totalCount } } }`, calls(rRoomSessions, 1)},
	{"a room's fields and its sessions", `query($room: ID!) { room(id: $room) { uniqueName maxParticipants sessions(first: 5) { nodes { id } } } }`, calls(rGetRoom, 1, rRoomSessions, 1)},
	{"the same room from two aliases", `query($room: ID!) { a: room(id: $room) { uniqueName } b: room(id: $room) { maxParticipants } }`, calls(rGetRoom, 1)},
	{"a room's active session id only", `query($activeRoom: ID!) { room(id: $activeRoom) { activeSession { id } } }`, calls(rGetRoom, 1)},
	{"a room's active session with participants", `query($activeRoom: ID!) { room(id: $activeRoom) { activeSession { active participants { context } } } }`, calls(rGetRoom, 1, rGetSession, 1)},
	{"rooms with names", `{ rooms(first: 3) { nodes { uniqueName createdAt } } }`, calls(rListRooms, 1)},
	{"rooms with their sessions and participants", `{ rooms(first: 3) { nodes { uniqueName sessions(first: 5) { nodes { id participants { context } } } } } }`, calls(rListRooms, 1, rRoomSessions, 3)},
	{"100 account sessions, back-reference room { id }", `{ roomSessions(first: 100) { nodes { id room { id } } } }`, calls(rSessions, 1)},
	{"100 account sessions, back-reference room { uniqueName }", `{ roomSessions(first: 100) { nodes { id room { uniqueName } } } }`,
		func(f *planFixture) map[string]int {
			return pairs(rSessions, 1, rGetRoom, f.distinctRooms(f.sim.Sessions(keyA, "")[:100]))
		}},
	{"participants' session back-reference, primed by the list", `{ roomSessions(first: 20) { nodes { participants { context session { id active } } } } }`, calls(rSessions, 1)},
	{"participants page by page for 5 sessions", `{ roomSessions(first: 5) { nodes { participantsConnection(first: 3) { totalCount nodes { context } } } } }`, calls(rSessions, 1, rSessionParts, 5)},
	{"one session: room, participants page", `query($session: ID!) { roomSession(id: $session) { active room { uniqueName } participantsConnection(first: 5) { nodes { context } } } }`,
		calls(rGetSession, 1, rGetRoom, 1, rSessionParts, 1)},
	{"account participants with their sessions and rooms", `{ roomParticipants(first: 30) { nodes { context session { active room { uniqueName } } } } }`,
		func(f *planFixture) map[string]int {
			s, r := f.participantsAcross(30)
			return pairs(rParticipants, 1, rGetSession, s, rGetRoom, r)
		}},
	{"a participant and its session's id", `query($session: ID!) { roomParticipants(sessionId: $session, first: 1) { nodes { id session { id } } } }`, calls(rParticipants, 1)},
	{"node: a room's global id, keys only", `query($roomNode: ID!) { node(id: $roomNode) { __typename id ... on Room { telnyxId } } }`, calls()},
	{"node: a room refetched by global id", `query($roomNode: ID!) { node(id: $roomNode) { id ... on Room { uniqueName maxParticipants } } }`, calls(rGetRoom, 1)},
	{"node: a session refetched with its participants", `query($sessionNode: ID!) { node(id: $sessionNode) { ... on RoomSession { active participants { context } } } }`, calls(rGetSession, 1)},
	{"nodes: a room and the same session twice", `query($roomNode: ID!, $sessionNode: ID!) { nodes(ids: [$roomNode, $sessionNode, $sessionNode]) { ... on Room { uniqueName } ... on RoomSession { active } } }`,
		calls(rGetRoom, 1, rGetSession, 1)},
	{"dashboard: rooms, active session, recent sessions, participants, back-reference", `{ rooms(first: 3) { nodes { uniqueName
		activeSession { id participants { context } }
		sessions(first: 5) { nodes { id endedAt participants { context session { id } } room { uniqueName } } } } } }`,
		func(f *planFixture) map[string]int {
			return f.activeSessions(3, rListRooms, 1, rRoomSessions, 3)
		}},
	// Writes: one call each, never retried; a token payload is what the write returned (no follow-up read).
	{"a join token for the client SDK", `mutation($room: ID!) { generateJoinClientToken(roomId: $room, input: {tokenTtlSecs: 300}) { token tokenExpiresAt refreshToken refreshTokenExpiresAt } }`,
		calls(rGenerateToken, 1)},
	{"a new join token from a refresh token", `mutation($room: ID!, $refreshToken: String!) { refreshClientToken(roomId: $room, refreshToken: $refreshToken) { token tokenExpiresAt } }`,
		calls(rRefreshToken, 1)},
	{"a session's participant counts: present, and everyone", `query($session: ID!) { roomSession(id: $session) { here: participantCount(present: true) all: participantCount } }`,
		calls(rGetSession, 1)},
	{"active sessions account-wide, who is present in each", `{ roomSessions(first: 20, filter: { active: true }) { nodes { roomId participantCount(present: true) participants(present: true) { context } } } }`,
		calls(rSessions, 1)},
	{"dashboard recipe: rooms, their active session and who is in it", `{ rooms(first: 6) { nodes { id uniqueName
		activeSession { id createdAt participantCount(present: true) participants(present: true) { id context joinedAt } } } } }`,
		func(f *planFixture) map[string]int { return f.activeSessions(6, rListRooms, 1) }},
}

// movingPlans come after plans: they change the fixture (new sessions in $room, a room deleted).
var movingPlans = []movingPlan{
	// Anchored cursors (docs/pagination.md): the next page while the list moves.
	{plan{"next page of a room's sessions, nothing moved", nextSessions, calls(rRoomSessions, 1)}, movedSessions(0, false)},
	{plan{"next page after 1 new session at the head", nextSessions, calls(rRoomSessions, 1)}, movedSessions(1, false)},
	{plan{"next page after 5 new sessions at the head", nextSessions, calls(rRoomSessions, 1)}, movedSessions(5, false)},
	{plan{"next page after 60 new sessions at the head: one search call", nextSessions, calls(rRoomSessions, 2)}, movedSessions(60, false)},
	{plan{"previous page (last/before) after 5 new sessions at the head", previousSessions, calls(rRoomSessions, 1)}, movedSessions(5, true)},
	{plan{"next page of rooms after the cursor's room was deleted", `query($after: String) { rooms(first: 3, after: $after) { nodes { id uniqueName } } }`,
		calls(rListRooms, 1)}, anchorDeleted},
}

const (
	nextSessions     = `query($room: ID!, $after: String) { room(id: $room) { sessions(first: 10, after: $after) { nodes { id } } } }`
	previousSessions = `query($room: ID!, $before: String) { room(id: $room) { sessions(last: 10, before: $before) { nodes { id } } } }`
)

// movedSessions takes the cursor a row pages from, the end of $room's first 10 sessions (or, backward, the
// start of the next 10), then starts inserted sessions at the head of $room (a join and a leave each).
func movedSessions(inserted int, backward bool) func(t *testing.T, h *harness, f *planFixture) map[string]any {
	return func(t *testing.T, h *harness, f *planFixture) map[string]any {
		l := &moving{t: t, h: h}
		for _, s := range h.sim.Sessions(keyA, f.room) {
			if s.Active {
				l.do(http.MethodPost, "/v2/room_sessions/"+s.ID+"/actions/end", nil, http.StatusOK)
			}
		}
		var data struct {
			Room struct{ Sessions page }
		}
		h.ok(t, `query($room: ID!) { room(id: $room) { sessions(first: 20) { edges { cursor node { telnyxId } } } } }`, map[string]any{"room": f.room}, &data)
		require.Len(t, data.Room.Sessions.Edges, 20)
		for range inserted {
			l.visit(f.room)
		}
		if backward {
			return map[string]any{"before": data.Room.Sessions.Edges[10].Cursor}
		}
		return map[string]any{"after": data.Room.Sessions.Edges[9].Cursor}
	}
}

// anchorDeleted makes two rooms, takes the cursor of the older one (the second of the list) and deletes
// that room.
func anchorDeleted(t *testing.T, h *harness, _ *planFixture) map[string]any {
	l := &moving{t: t, h: h}
	older := l.createRoom()
	l.createRoom()
	var data struct{ Rooms page }
	h.ok(t, `{ rooms(first: 2) { edges { cursor node { telnyxId } } } }`, nil, &data)
	require.Equal(t, older, data.Rooms.Edges[1].Node.TelnyxID)
	l.deleteRoom(older)
	return map[string]any{"after": data.Rooms.Edges[1].Cursor}
}

// activeSessions adds to the calls kv what reading the active sessions of the first n rooms costs: none
// without one, the by-id call for one, the account's list of active sessions for more.
func (f *planFixture) activeSessions(n int, kv ...any) map[string]int {
	active := 0
	for _, r := range f.sim.Rooms(keyA)[:n] {
		if r.ActiveSessionID != "" {
			active++
		}
	}
	switch {
	case active == 1:
		kv = append(kv, rGetSession, 1)
	case active >= 2:
		kv = append(kv, rSessions, 1)
	}
	return pairs(kv...)
}

func newPlanFixture(t testing.TB, e executor) (*harness, *planFixture) {
	// The table asserts which needs meet in one loader batch: a wider batch window than the default 1 ms
	// keeps that true on a loaded CI host (-race, other packages' tests), under both executors.
	h := newHarness(t, telnyxsim.Config{Seed: 11, Rooms: 6, SessionsPerRoom: 20, ParticipantsPerSession: 5},
		e.config(gateway.Config{LoaderWait: 5 * time.Millisecond}))
	return h, planFixtureFor(t, h)
}

// planFixtureFor finds the table's variables in h's simulator.
func planFixtureFor(t testing.TB, h *harness) *planFixture {
	f := &planFixture{sim: h.sim}
	f.room, _ = roomsBySessions(h.sim, keyA)
	for _, r := range h.sim.Rooms(keyA) {
		if r.ActiveSessionID != "" {
			f.activeRoom = r.ID
			break
		}
	}
	for _, s := range h.sim.Sessions(keyA, "") {
		if len(h.sim.Participants(keyA, s.ID)) >= 3 {
			f.session = s.ID
			break
		}
	}
	f.refresh = simRefreshToken(t, h, keyA, f.room)
	require.NotEmpty(t, f.activeRoom)
	require.NotEmpty(t, f.session)
	return f
}

// TestQueryPlans asserts every row of the query plan table (docs/query-plans.md) through the simulator's
// counters, and keeps the document in step with the table (-update rewrites it).
func TestQueryPlans(t *testing.T) { forExecutors(t, testQueryPlans) }

func testQueryPlans(t *testing.T, e executor) {
	h, f := newPlanFixture(t, e)
	var doc strings.Builder
	doc.WriteString(planDocHeader)
	rows := make([]movingPlan, 0, len(plans)+len(movingPlans))
	for _, p := range plans {
		rows = append(rows, movingPlan{plan: p})
	}
	for _, p := range append(rows, movingPlans...) {
		t.Run(p.name, func(t *testing.T) {
			vars := map[string]any{}
			for k, v := range f.vars() {
				if strings.Contains(p.query, "$"+k) {
					vars[k] = v
				}
			}
			if p.prepare != nil {
				maps.Copy(vars, p.prepare(t, h, f))
			}
			h.calls()
			r := h.post(t, p.query, vars)
			require.Empty(t, r.Errors, "%+v", r.Errors)
			got := map[string]int{}
			for _, c := range h.calls() {
				got[c.Route]++
			}
			want := p.calls(f)
			assert.Equal(t, want, got)
			fmt.Fprintf(&doc, "| %s | `%s` | %s |\n", p.name, oneLine(p.query), describeCalls(want))
		})
	}
	path := queryPlansDocPath
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(doc.String()), 0o644))
		return
	}
	current, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, doc.String(), string(current), "docs/query-plans.md is out of date: go test ./gateway -run TestQueryPlans -update")
}

// TestQueryPlansWaveComplete asserts the table's calls for every query the fast path answers when the
// loader wait is 30 seconds: its loaders then dispatch when the execution wave is complete (every goroutine
// that may state a need has stated it or ended), not by the timer. A wave that never completed would leave
// the query waiting for the timer, past the client's 10-second limit (an error); one dispatched too early
// would make more calls than the row says. Mutations and node/nodes are gqlgen's, which batches by the timer.
func TestQueryPlansWaveComplete(t *testing.T) {
	h := newHarness(t, telnyxsim.Config{Seed: 11, Rooms: 6, SessionsPerRoom: 20, ParticipantsPerSession: 5},
		gateway.Config{LoaderWait: 30 * time.Second})
	f := planFixtureFor(t, h)
	client := &http.Client{Timeout: 10 * time.Second}
	for _, p := range plans {
		if strings.HasPrefix(p.query, "mutation") || strings.Contains(p.query, "node(") || strings.Contains(p.query, "nodes(") {
			continue
		}
		ok := t.Run(p.name, func(t *testing.T) {
			vars := map[string]any{}
			for k, v := range f.vars() {
				if strings.Contains(p.query, "$"+k) {
					vars[k] = v
				}
			}
			body, err := json.Marshal(map[string]any{"query": p.query, "variables": vars})
			require.NoError(t, err)
			h.calls()
			resp, err := client.Post(h.gwURL, "application/json", bytes.NewReader(body))
			require.NoError(t, err, "no answer before the loader wait: the wave did not complete")
			defer resp.Body.Close()
			var r response
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
			require.Empty(t, r.Errors, "%+v", r.Errors)
			got := map[string]int{}
			for _, c := range h.calls() {
				got[c.Route]++
			}
			assert.Equal(t, p.calls(f), got)
		})
		if !ok {
			return // a request left waiting for the timer holds the server's shutdown: stop at the first
		}
	}
}

func oneLine(q string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(q), " "), "|", `\|`)
}

func describeCalls(m map[string]int) string {
	if len(m) == 0 {
		return "**0**"
	}
	total := 0
	var parts []string
	for route, n := range m {
		total += n
		// "GET /v2/rooms" is shown as /rooms; a write keeps its method: POST /rooms/….
		parts = append(parts, fmt.Sprintf("%d × `%s`", n, strings.TrimPrefix(strings.Replace(route, " /v2/", " /", 1), "GET ")))
	}
	slices.Sort(parts)
	return fmt.Sprintf("**%d**: %s", total, strings.Join(parts, ", "))
}

const planDocHeader = `# Query plans: what each query costs upstream

Generated by ` + "`go test ./gateway -run TestQueryPlans -update`" + ` and asserted by the same test through the
simulator's request counters (seed 11: 6 rooms, about 20 sessions each, up to 5 participants per session).
Variables: ` + "`$room`" + ` is the busiest room, ` + "`$activeRoom`" + ` a room with a session in progress,
` + "`$session`" + ` a session with participants, ` + "`$refreshToken`" + ` a refresh token issued for ` + "`$room`" + `,
` + "`$roomNode`" + ` and ` + "`$sessionNode`" + ` the global ids of ` + "`$room`" + ` and ` + "`$session`" + ` (docs/relay.md). Calls in one row that
do not depend on each other go out
concurrently. In the rows that page from a cursor, ` + "`$after`" + ` and ` + "`$before`" + ` were taken from an earlier page before
the change the row names (sessions started at the head through the simulator's join and leave, a room
deleted); the first call fetches the window with up to ` + "`pagination.Slack`" + ` (10) items on either side, so a shift
within them costs nothing more ([pagination.md](pagination.md#when-the-list-changes-between-two-requests)).

| query shape | query | upstream calls |
|---|---|---|
`

// simRefreshToken asks the simulator's REST API itself for a join token for room and returns its refresh
// token.
func simRefreshToken(t testing.TB, h *harness, key, room string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.simURL+"/rooms/"+room+"/actions/generate_join_client_token", strings.NewReader(`{}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	var body struct {
		Data struct {
			RefreshToken string `json:"refresh_token"`
		} `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.NotEmpty(t, body.Data.RefreshToken)
	return body.Data.RefreshToken
}
