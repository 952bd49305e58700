package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// unknownID is well-formed (so the id check passes and the upstream is asked) but names nothing.
const unknownID = "00000000-0000-4000-8000-000000000000"

// serveFederation serves the simulator (behind upstream, which may wrap it) and the gateway in front of
// it on loopback, and returns the upstream's and the GraphQL endpoint's URLs.
func serveFederation(t *testing.T, upstream http.Handler, federation bool) (upURL, graphqlURL string) {
	t.Helper()
	up := httptest.NewServer(upstream)
	t.Cleanup(up.Close)
	// Introspection off, as in production: routers still read _service { sdl }.
	gw, err := gateway.New(gateway.Config{BaseURL: up.URL + "/v2", APIKey: e2eKey, Federation: federation})
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	requireLoopback(t, up.URL)
	requireLoopback(t, srv.URL)
	return up.URL, srv.URL + "/graphql"
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

func postQuery(t *testing.T, url, query string, variables map[string]any) gqlResponse {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": variables})
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var out gqlResponse
	require.NoError(t, json.NewDecoder(res.Body).Decode(&out))
	return out
}

// callsByPath counts the simulator's requests of one route by path (one path per record).
func callsByPath(st telnyxsim.Stats, route string) map[string]int {
	out := map[string]int{}
	for _, r := range st.Requests {
		if r.Route == route {
			out[r.Path]++
		}
	}
	return out
}

// representations are what a router sends for these Telnyx ids: the key it was given, the global id.
func representations(typename string, ids ...string) []map[string]any {
	out := make([]map[string]any, len(ids))
	for i, id := range ids {
		out[i] = map[string]any{"__typename": typename, "id": nodeid.Encode(nodeid.Type(typename), id)}
	}
	return out
}

func uniq(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// ---- 4. the subgraph protocol, from Go ----

// sessionGate holds GET /v2/room_sessions/{id} until want of them are in flight at once: if the gateway
// sent them one after another the peak would stay at 1. That proves overlap without measuring time;
// maxWait only bounds how long a serial implementation takes to fail.
type sessionGate struct {
	next    http.Handler
	maxWait time.Duration

	mu       sync.Mutex
	want     int
	inFlight int
	peak     int
	open     chan struct{}
}

func newSessionGate(next http.Handler) *sessionGate {
	return &sessionGate{next: next, maxWait: 5 * time.Second, open: make(chan struct{})}
}

// arm starts a new round that opens once want session GETs wait together.
func (g *sessionGate) arm(want int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.want, g.inFlight, g.peak, g.open = want, 0, 0, make(chan struct{})
}

func (g *sessionGate) Peak() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.peak
}

func (g *sessionGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/v2/room_sessions/")
	if r.Method != http.MethodGet || !ok || strings.Contains(rest, "/") {
		g.next.ServeHTTP(w, r)
		return
	}
	g.mu.Lock()
	g.inFlight++
	g.peak = max(g.peak, g.inFlight)
	open := g.open
	if g.inFlight == g.want {
		close(open)
	}
	g.mu.Unlock()
	timer := time.NewTimer(g.maxWait)
	select {
	case <-open:
	case <-timer.C:
	case <-r.Context().Done():
	}
	timer.Stop()
	g.next.ServeHTTP(w, r)
	g.mu.Lock()
	g.inFlight--
	g.mu.Unlock()
}

// TestFederationSubgraphProtocol checks the two fields a federation router relies on, without Node:
// _service and _entities exist only with federation on, and _entities resolves representations in order,
// in one batch of concurrent upstream calls, with a per-entity error for an id the upstream does not know.
func TestFederationSubgraphProtocol(t *testing.T) {
	sim := newSim()

	t.Run("_service only with federation on", func(t *testing.T) {
		_, plainURL := serveFederation(t, sim, false)
		for _, q := range []string{`{ _service { sdl } }`, `{ _entities(representations: []) { __typename } }`} {
			r := postQuery(t, plainURL, q, nil)
			assert.Equal(t, "null", string(bytes.TrimSpace(orNull(r.Data))), "a validation error executes nothing: %s", q)
			require.Len(t, r.Errors, 1, q)
			assert.Equal(t, "GRAPHQL_VALIDATION_FAILED", r.Errors[0].Extensions["code"], q)
			assert.Contains(t, r.Errors[0].Message, "Cannot query field", q)
		}

		sim.ResetStats()
		_, fedURL := serveFederation(t, sim, true)
		r := postQuery(t, fedURL, `{ _service { sdl } }`, nil)
		require.Empty(t, r.Errors)
		var data struct {
			Service struct {
				SDL string `json:"sdl"`
			} `json:"_service"`
		}
		require.NoError(t, json.Unmarshal(r.Data, &data))
		sdl := data.Service.SDL
		assert.Contains(t, sdl, `@link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])`)
		for _, typ := range []string{"Room", "RoomSession", "RoomParticipant"} {
			assert.Contains(t, sdl, "extend type "+typ+` @key(fields: "id")`)
		}
		assert.Contains(t, sdl, "type Query {")
		assert.NotContains(t, sdl, "_entities", "the router adds _entities and _service itself; the SDL must not declare them")
		assert.Zero(t, sim.Stats().Total, "the SDL costs no upstream call")
	})

	t.Run("RoomSession entities", func(t *testing.T) {
		gate := newSessionGate(sim)
		_, url := serveFederation(t, gate, true)
		all := sim.Sessions(e2eKey, "")
		require.GreaterOrEqual(t, len(all), 20)
		// From different places in the store, not in its order, so the answer's order can only come from
		// the representations.
		a, b, c := all[17].ID, all[2].ID, all[9].ID
		const query = `query($reps: [_Any!]!) { _entities(representations: $reps) { __typename ... on RoomSession { id active room { id } } } }`
		cases := []struct {
			name     string
			ids      []string
			notFound []int // indexes of representations that must get a NOT_FOUND error and null
		}{
			{name: "three sessions", ids: []string{a, b, c}},
			{name: "a repeated session is fetched once", ids: []string{a, b, a, c}},
			{name: "an unknown id fails alone", ids: []string{a, unknownID, b, c}, notFound: []int{1}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				distinct := uniq(tc.ids)
				gate.arm(len(distinct))
				sim.ResetStats()
				r := postQuery(t, url, query, map[string]any{"reps": representations("RoomSession", tc.ids...)})
				st := sim.Stats()

				var data struct {
					Entities []*struct {
						Typename string `json:"__typename"`
						ID       string `json:"id"`
						Room     struct {
							ID string `json:"id"`
						} `json:"room"`
					} `json:"_entities"`
				}
				require.NoError(t, json.Unmarshal(r.Data, &data), string(r.Data))
				require.Len(t, data.Entities, len(tc.ids))
				for i, id := range tc.ids {
					if slices.Contains(tc.notFound, i) {
						assert.Nil(t, data.Entities[i], "representation %d", i)
						continue
					}
					require.NotNil(t, data.Entities[i], "representation %d (%s)", i, id)
					assert.Equal(t, "RoomSession", data.Entities[i].Typename)
					assert.Equal(t, nodeid.Encode(nodeid.RoomSession, id), data.Entities[i].ID, "representation %d: the answer keeps the representations' order", i)
					assert.Equal(t, nodeid.Encode(nodeid.Room, sessionRoom(t, sim, id)), data.Entities[i].Room.ID, "representation %d", i)
				}
				require.Len(t, r.Errors, len(tc.notFound), "%+v", r.Errors)
				for j, i := range tc.notFound {
					e := r.Errors[j]
					assert.Equal(t, []any{"_entities", float64(i)}, e.Path)
					assert.Equal(t, "NOT_FOUND", e.Extensions["code"])
				}

				gets := callsByPath(st, telnyxsim.RouteGetSession)
				assert.Len(t, gets, len(distinct), "one GET per distinct session: %v", gets)
				for _, id := range distinct {
					assert.Equal(t, 1, gets["/v2/room_sessions/"+id], "GET of %s", id)
				}
				// room { id } comes from the session itself: nothing else is fetched.
				assert.Equal(t, len(distinct), st.Total, "%v", st.ByRoute)
				assert.Equal(t, len(distinct), gate.Peak(), "every session GET was in flight at the same time")
			})
		}
	})

	t.Run("Room entities", func(t *testing.T) {
		_, url := serveFederation(t, sim, true)
		rooms := sim.Rooms(e2eKey)
		require.GreaterOrEqual(t, len(rooms), 5)
		ids := []string{rooms[4].ID, rooms[1].ID, rooms[4].ID, rooms[3].ID}
		reps := representations("Room", ids...)
		byID := map[string]telnyxsim.Room{}
		for _, r := range rooms {
			byID[r.ID] = r
		}

		t.Run("only the key costs nothing", func(t *testing.T) {
			sim.ResetStats()
			r := postQuery(t, url, `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Room { id } } }`, map[string]any{"reps": reps})
			require.Empty(t, r.Errors)
			var data struct {
				Entities []struct{ ID string } `json:"_entities"`
			}
			require.NoError(t, json.Unmarshal(r.Data, &data))
			require.Len(t, data.Entities, len(ids))
			for i, id := range ids {
				assert.Equal(t, nodeid.Encode(nodeid.Room, id), data.Entities[i].ID)
			}
			assert.Zero(t, sim.Stats().Total, "%v", sim.Stats().ByRoute)
		})

		t.Run("a room field costs one GET per distinct room", func(t *testing.T) {
			sim.ResetStats()
			r := postQuery(t, url, `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Room { id uniqueName maxParticipants } } }`, map[string]any{"reps": reps})
			require.Empty(t, r.Errors)
			var data struct {
				Entities []struct {
					ID              string  `json:"id"`
					UniqueName      *string `json:"uniqueName"`
					MaxParticipants int     `json:"maxParticipants"`
				} `json:"_entities"`
			}
			require.NoError(t, json.Unmarshal(r.Data, &data))
			require.Len(t, data.Entities, len(ids))
			for i, id := range ids {
				assert.Equal(t, nodeid.Encode(nodeid.Room, id), data.Entities[i].ID)
				assert.Equal(t, nameOrNil(byID[id].UniqueName), data.Entities[i].UniqueName)
				assert.Equal(t, byID[id].MaxParticipants, data.Entities[i].MaxParticipants)
			}
			st := sim.Stats()
			gets := callsByPath(st, telnyxsim.RouteGetRoom)
			assert.Len(t, gets, len(uniq(ids)), "%v", gets)
			for _, n := range gets {
				assert.Equal(t, 1, n)
			}
			assert.Equal(t, len(uniq(ids)), st.Total, "%v", st.ByRoute)
		})
	})
}

func orNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	return raw
}

func nameOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func sessionRoom(t *testing.T, sim *telnyxsim.Sim, sessionID string) string {
	t.Helper()
	for _, s := range sim.Sessions(e2eKey, "") {
		if s.ID == sessionID {
			return s.RoomID
		}
	}
	t.Fatalf("session %s is not in the store", sessionID)
	return ""
}

// ---- 5. Apollo Federation with Apollo's tools ----

type fedMessage struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type subgraphFetch struct {
	Subgraph        string           `json:"subgraph"`
	Operation       string           `json:"operation"`
	Entities        bool             `json:"entities"`
	Representations []map[string]any `json:"representations"`
}

type fedQuery struct {
	Name            string           `json:"name"`
	Query           string           `json:"query"`
	Status          int              `json:"status"`
	Data            json.RawMessage  `json:"data"`
	Errors          []gqlError       `json:"errors"`
	SubgraphFetches []subgraphFetch  `json:"subgraph_fetches"`
	NotesReferences []map[string]any `json:"notes_references"`
	Upstream        struct {
		Total    int            `json:"total"`
		ByRoute  map[string]int `json:"by_route"`
		Requests []struct {
			Route string `json:"route"`
			Path  string `json:"path"`
		} `json:"requests"`
	} `json:"upstream"`
}

func (q *fedQuery) callsByPath(route string) map[string]int {
	out := map[string]int{}
	for _, r := range q.Upstream.Requests {
		if r.Route == route {
			out[r.Path]++
		}
	}
	return out
}

// fetchesTo lists the query's requests to one subgraph.
func (q *fedQuery) fetchesTo(subgraph string) []subgraphFetch {
	var out []subgraphFetch
	for _, f := range q.SubgraphFetches {
		if f.Subgraph == subgraph {
			out = append(out, f)
		}
	}
	return out
}

type federationOutput struct {
	Versions    map[string]string `json:"versions"`
	SDLBytes    int               `json:"roomgraph_sdl_bytes"`
	Composition *struct {
		OK              bool         `json:"ok"`
		Errors          []fedMessage `json:"errors"`
		Hints           []fedMessage `json:"hints"`
		SupergraphBytes int          `json:"supergraph_bytes"`
	} `json:"composition"`
	Queries []fedQuery `json:"queries"`
	Failure string     `json:"failure"`
}

func (o *federationOutput) query(t *testing.T, name string) *fedQuery {
	t.Helper()
	for i := range o.Queries {
		if o.Queries[i].Name == name {
			q := &o.Queries[i]
			var data bytes.Buffer
			if json.Compact(&data, q.Data) != nil {
				data.Write(q.Data)
			}
			t.Logf("%s: %d upstream calls %v; subgraph fetches: %s; data: %s; errors: %+v", name, q.Upstream.Total, q.Upstream.ByRoute, fetchSummary(q), data.String(), q.Errors)
			return q
		}
	}
	t.Fatalf("federation.mjs ran no query %q", name)
	return nil
}

func fetchSummary(q *fedQuery) string {
	var parts []string
	for _, f := range q.SubgraphFetches {
		kind := "root"
		if f.Entities {
			kind = fmt.Sprintf("_entities×%d", len(f.Representations))
		}
		parts = append(parts, f.Subgraph+" "+kind)
	}
	return strings.Join(parts, " → ")
}

// What the notes subgraph of federation.mjs computes from a room.
func bookingNotes(id string) []string { return []string{"booked: " + id, "desk " + id[:8]} }
func capacityLabel(r telnyxsim.Room) string {
	return fmt.Sprintf("up to %d people", r.MaxParticipants)
}

type fedRoom struct {
	ID            string   `json:"id"`
	UniqueName    *string  `json:"uniqueName"`
	BookingNotes  []string `json:"bookingNotes"`
	CapacityLabel *string  `json:"capacityLabel"`
	Sessions      *struct {
		Nodes []struct {
			ID           string `json:"id"`
			Participants []struct {
				Context string `json:"context"`
			} `json:"participants"`
		} `json:"nodes"`
	} `json:"sessions"`
}

// TestFederation composes roomgraph's subgraph SDL with a second subgraph that extends Room, using
// Apollo's composition, gateway and server, and runs queries that cross the two both ways: the data
// roomgraph contributes must be the simulator's, every room must carry the other subgraph's fields,
// and the entity lookups the router sends to roomgraph must cost no more upstream calls than the
// fields they select need.
func TestFederation(t *testing.T) {
	sim := newSim()
	upURL, graphqlURL := serveFederation(t, sim, true)
	rooms := sim.Rooms(e2eKey)
	require.GreaterOrEqual(t, len(rooms), 8)
	// The supergraph's Room key is roomgraph's id, the global id: the other subgraph keeps rooms by it.
	gid := func(uuid string) string { return nodeid.Encode(nodeid.Room, uuid) }
	byID := map[string]telnyxsim.Room{}
	for _, r := range rooms {
		byID[gid(r.ID)] = r
	}
	unknownRoom := gid(unknownID)
	// A repeated id: the router or roomgraph must not fetch the same room twice.
	featured := []string{gid(rooms[5].ID), gid(rooms[2].ID), gid(rooms[5].ID), gid(rooms[7].ID)}
	distinct := uniq(featured)
	featuredJSON, err := json.Marshal(featured)
	require.NoError(t, err)

	var out federationOutput
	runScript(t, "federation.mjs", map[string]string{
		"ROOMGRAPH_URL": graphqlURL, "SIM_STATS_URL": upURL + "/_sim/stats",
		"FEATURED_IDS": string(featuredJSON), "UNKNOWN_ROOM_ID": unknownRoom,
	}, &out)
	t.Logf("versions: %v", out.Versions)
	require.Empty(t, out.Failure)

	t.Run("composition", func(t *testing.T) {
		require.NotNil(t, out.Composition)
		for _, h := range out.Composition.Hints {
			t.Logf("hint %s: %s", h.Code, h.Message)
		}
		assert.True(t, out.Composition.OK)
		assert.Empty(t, out.Composition.Errors)
		assert.Positive(t, out.SDLBytes)
		assert.Positive(t, out.Composition.SupergraphBytes)
	})

	t.Run("rooms from roomgraph, notes from the other subgraph", func(t *testing.T) {
		q := out.query(t, "rooms_cross")
		var data struct {
			Rooms struct {
				Nodes []fedRoom `json:"nodes"`
			} `json:"rooms"`
		}
		require.NoError(t, json.Unmarshal(q.Data, &data))
		require.Len(t, data.Rooms.Nodes, 3)
		for i, got := range data.Rooms.Nodes {
			want := rooms[i]
			assert.Equal(t, gid(want.ID), got.ID, "room %d in list order", i)
			assert.Equal(t, nameOrNil(want.UniqueName), got.UniqueName, "room %d", i)
			assert.Equal(t, bookingNotes(gid(want.ID)), got.BookingNotes, "room %d", i)
			if assert.NotNil(t, got.CapacityLabel, "room %d", i) {
				assert.Equal(t, capacityLabel(want), *got.CapacityLabel, "room %d: @requires(maxParticipants) from roomgraph", i)
			}
			require.NotNil(t, got.Sessions)
			wantSessions := sim.Sessions(e2eKey, want.ID)
			require.Len(t, got.Sessions.Nodes, min(2, len(wantSessions)), "room %d", i)
			for j, s := range got.Sessions.Nodes {
				assert.Equal(t, wantSessions[j].ID, uuids(t, nodeid.RoomSession, s.ID)[0], "room %d session %d", i, j)
				var wantCtx, gotCtx []string
				for _, p := range sim.Participants(e2eKey, wantSessions[j].ID) {
					wantCtx = append(wantCtx, p.Context)
				}
				for _, p := range s.Participants {
					gotCtx = append(gotCtx, p.Context)
				}
				assert.Equal(t, wantCtx, gotCtx, "participants of session %s", s.ID)
			}
		}

		// roomgraph answers the root field, then notes gets all three rooms in one _entities request,
		// each with the maxParticipants its @requires asked roomgraph for.
		rg, notes := q.fetchesTo("roomgraph"), q.fetchesTo("notes")
		require.Len(t, rg, 1, fetchSummary(q))
		assert.False(t, rg[0].Entities)
		require.Len(t, notes, 1, fetchSummary(q))
		assert.True(t, notes[0].Entities)
		require.Len(t, notes[0].Representations, 3)
		for i, rep := range notes[0].Representations {
			assert.Equal(t, "Room", rep["__typename"])
			assert.Equal(t, gid(rooms[i].ID), rep["id"])
			assert.Equal(t, float64(rooms[i].MaxParticipants), rep["maxParticipants"])
		}
		assert.Len(t, q.NotesReferences, 3, "notes resolved each room once")
		// One list of rooms, one list of sessions per room (participants embedded): nothing per room.
		assert.Equal(t, map[string]int{telnyxsim.RouteListRooms: 1, telnyxsim.RouteListRoomSessions: 3}, q.Upstream.ByRoute)
	})

	checkFeatured := func(t *testing.T, q *fedQuery) []fedRoom {
		t.Helper()
		var data struct {
			Featured []fedRoom `json:"featuredRooms"`
		}
		require.NoError(t, json.Unmarshal(q.Data, &data))
		require.Len(t, data.Featured, len(featured))
		for i, r := range data.Featured {
			assert.Equal(t, featured[i], r.ID, "featuredRooms keeps the ids' order and repeats")
		}
		return data.Featured
	}

	// requireEntityFetch finds the router's _entities request to roomgraph: Room representations of the
	// featured rooms (the router may leave out repeats).
	requireEntityFetch := func(t *testing.T, q *fedQuery) subgraphFetch {
		t.Helper()
		rg := q.fetchesTo("roomgraph")
		require.Len(t, rg, 1, fetchSummary(q))
		f := rg[0]
		require.True(t, f.Entities, "the query starts in notes, so roomgraph is asked for entities: %s", f.Operation)
		var ids []string
		for _, rep := range f.Representations {
			assert.Equal(t, "Room", rep["__typename"])
			ids = append(ids, fmt.Sprint(rep["id"]))
		}
		assert.ElementsMatch(t, distinct, uniq(ids))
		return f
	}

	t.Run("featured rooms from the other subgraph, names from roomgraph's _entities", func(t *testing.T) {
		q := out.query(t, "featured_names")
		got := checkFeatured(t, q)
		for i, r := range got {
			assert.Equal(t, nameOrNil(byID[r.ID].UniqueName), r.UniqueName, "room %d", i)
			assert.Equal(t, bookingNotes(r.ID), r.BookingNotes, "room %d", i)
		}
		requireEntityFetch(t, q)
		gets := q.callsByPath(telnyxsim.RouteGetRoom)
		assert.Len(t, gets, len(distinct), "%v", gets)
		for path, n := range gets {
			assert.Equal(t, 1, n, "at most one GET of %s", path)
		}
		assert.Equal(t, len(distinct), q.Upstream.Total, "%v", q.Upstream.ByRoute)
	})

	t.Run("an entity whose fields need only its id costs no room GET", func(t *testing.T) {
		q := out.query(t, "featured_sessions")
		got := checkFeatured(t, q)
		for i, r := range got {
			want := sim.Sessions(e2eKey, byID[r.ID].ID)
			require.NotNil(t, r.Sessions, "room %d", i)
			require.Len(t, r.Sessions.Nodes, min(2, len(want)), "room %d", i)
			for j, s := range r.Sessions.Nodes {
				assert.Equal(t, want[j].ID, uuids(t, nodeid.RoomSession, s.ID)[0], "room %d session %d", i, j)
			}
		}
		requireEntityFetch(t, q)
		assert.Zero(t, q.Upstream.ByRoute[telnyxsim.RouteGetRoom], "%v", q.Upstream.ByRoute)
		lists := q.callsByPath(telnyxsim.RouteListRoomSessions)
		assert.Len(t, lists, len(distinct), "%v", lists)
		for path, n := range lists {
			assert.Equal(t, 1, n, "at most one list of %s", path)
		}
		assert.Equal(t, len(distinct), q.Upstream.Total, "%v", q.Upstream.ByRoute)
	})

	t.Run("notes, then roomgraph for @requires, then notes again", func(t *testing.T) {
		q := out.query(t, "featured_capacity")
		got := checkFeatured(t, q)
		for i, r := range got {
			if assert.NotNil(t, r.CapacityLabel, "room %d", i) {
				assert.Equal(t, capacityLabel(byID[r.ID]), *r.CapacityLabel, "room %d", i)
			}
		}
		requireEntityFetch(t, q)
		notes := q.fetchesTo("notes")
		require.Len(t, notes, 2, fetchSummary(q))
		assert.False(t, notes[0].Entities)
		assert.True(t, notes[1].Entities)
		require.NotEmpty(t, q.NotesReferences)
		for _, ref := range q.NotesReferences {
			id := fmt.Sprint(ref["id"])
			assert.Contains(t, distinct, id)
			assert.Equal(t, float64(byID[id].MaxParticipants), ref["maxParticipants"], "reference %s", id)
		}
		assert.Equal(t, map[string]int{telnyxsim.RouteGetRoom: len(distinct)}, q.Upstream.ByRoute)
	})

	t.Run("an unknown room fails alone", func(t *testing.T) {
		q := out.query(t, "featured_unknown")
		var data struct {
			Featured []fedRoom `json:"featuredRooms"`
		}
		require.NoError(t, json.Unmarshal(q.Data, &data))
		require.Len(t, data.Featured, 2)
		known := data.Featured[0]
		assert.Equal(t, featured[0], known.ID)
		assert.Equal(t, nameOrNil(byID[known.ID].UniqueName), known.UniqueName)
		assert.Equal(t, unknownRoom, data.Featured[1].ID)
		assert.Nil(t, data.Featured[1].UniqueName)
		assert.Equal(t, bookingNotes(unknownRoom), data.Featured[1].BookingNotes, "the other subgraph's fields still resolve")
		require.Len(t, q.Errors, 1, "%+v", q.Errors)
		e := q.Errors[0]
		assert.Equal(t, []any{"featuredRooms", float64(1), "uniqueName"}, e.Path)
		assert.Equal(t, "NOT_FOUND", e.Extensions["code"], "%+v", e)
		assert.Equal(t, "roomgraph", e.Extensions["serviceName"], "the router names the subgraph that failed")
		assert.Equal(t, "10005", e.Extensions["telnyxCode"], "roomgraph's extensions pass through the router")
		assert.Equal(t, map[string]int{"/v2/rooms/" + byID[featured[0]].ID: 1, "/v2/rooms/" + unknownID: 1}, q.callsByPath(telnyxsim.RouteGetRoom))
		assert.Equal(t, 2, q.Upstream.Total, "%v", q.Upstream.ByRoute)
	})
}
