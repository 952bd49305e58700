package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// dashboardQuery is the dashboard recipe of docs/query-plans.md: every room, its active session and who is
// in it now.
const dashboardQuery = `{ rooms(first: 100) { nodes { telnyxId uniqueName
	activeSession { telnyxId active participantCount(present: true) participants(present: true) { telnyxId context } } } } }`

type dashboard struct {
	Rooms struct {
		Nodes []struct {
			ID            string `json:"telnyxId"`
			ActiveSession *struct {
				ID           string `json:"telnyxId"`
				Active       bool   `json:"active"`
				Count        int    `json:"participantCount"`
				Participants []struct {
					ID string `json:"telnyxId"`
				} `json:"participants"`
			} `json:"activeSession"`
		} `json:"nodes"`
	} `json:"rooms"`
}

// TestActiveSessionsOneList: the active sessions of N rooms cost one account-wide GET
// /room_sessions?filter[active]=true (with include_participants, 250 a page), not N GET
// /room_sessions/{id}; the answer is the simulator's truth.
func TestActiveSessionsOneList(t *testing.T) {
	forExecutors(t, func(t *testing.T, e executor) {
		// A batch window wider than the default 1 ms: the rooms' needs meet in one wave on a loaded host too.
		h := newHarness(t, telnyxsim.Config{Seed: 11}, e.config(gateway.Config{LoaderWait: 20 * time.Millisecond}))
		active := 0
		for _, r := range h.sim.Rooms(keyA) {
			if r.ActiveSessionID != "" {
				active++
			}
		}
		require.GreaterOrEqual(t, active, 5, "the data set has several rooms with an active session")

		h.calls()
		var out dashboard
		h.ok(t, dashboardQuery, nil, &out)
		calls := h.calls()
		routes := map[string]int{}
		for _, c := range calls {
			routes[c.Route]++
		}
		assert.Equal(t, map[string]int{telnyxsim.RouteListRooms: 1, telnyxsim.RouteListSessions: 1}, routes,
			"%d rooms with an active session: one list, not %d calls by id", active, active)
		for _, c := range calls {
			if c.Route == telnyxsim.RouteListSessions {
				q := decodedQuery(t, c)
				assert.Equal(t, "true", q.Get("filter[active]"))
				assert.Equal(t, "true", q.Get("include_participants"))
				assert.Equal(t, "250", q.Get("page[size]"))
			}
		}
		checkDashboard(t, h.sim, out, nil)
	})
}

// checkDashboard compares a dashboard answer with the simulator's rooms; ended names sessions that ended
// after the rooms were read (the room still names them, the answer shows them ended).
func checkDashboard(t *testing.T, sim *telnyxsim.Sim, out dashboard, ended map[string]bool) {
	t.Helper()
	named := map[string]string{}
	for _, r := range sim.Rooms(keyA) {
		named[r.ID] = r.ActiveSessionID
	}
	require.Len(t, out.Rooms.Nodes, len(named))
	for _, r := range out.Rooms.Nodes {
		if r.ActiveSession == nil {
			assert.Empty(t, named[r.ID], r.ID)
			continue
		}
		s := r.ActiveSession
		if !ended[s.ID] {
			assert.Equal(t, named[r.ID], s.ID, r.ID)
		}
		assert.Equal(t, !ended[s.ID], s.Active, s.ID)
		var here []string
		for _, p := range sim.Participants(keyA, s.ID) {
			if p.LeftAt == nil {
				here = append(here, p.ID)
			}
		}
		var got []string
		for _, p := range s.Participants {
			got = append(got, p.ID)
		}
		assert.Equal(t, here, got, s.ID)
		assert.Equal(t, len(here), s.Count, s.ID)
	}
}

// endOnActiveList ends one session just before the first list of active sessions reaches the simulator:
// the room named it as active when it was read, the list no longer holds it.
type endOnActiveList struct {
	base    http.RoundTripper
	simURL  string
	session string
	once    sync.Once
}

func (e *endOnActiveList) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/room_sessions") && r.URL.Query().Get("filter[active]") == "true" {
		var err error
		e.once.Do(func() {
			req, _ := http.NewRequest(http.MethodPost, e.simURL+"/room_sessions/"+e.session+"/actions/end", nil)
			req.Header.Set("Authorization", "Bearer "+keyA)
			var resp *http.Response
			if resp, err = e.base.RoundTrip(req); err == nil {
				resp.Body.Close()
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return e.base.RoundTrip(r)
}

// TestActiveSessionRaced: a session that ended between reading its room and reading the list of active
// sessions is not in the list; it is fetched by id, so the room's activeSession is still the session the
// room named (now ended), and the other rooms keep theirs from the list.
func TestActiveSessionRaced(t *testing.T) {
	forExecutors(t, func(t *testing.T, e executor) {
		sim := telnyxsim.New(telnyxsim.Config{Seed: 11, Keys: []string{keyA}})
		simSrv := httptest.NewServer(sim)
		t.Cleanup(simSrv.Close)
		var victim string
		for _, r := range sim.Rooms(keyA) {
			if r.ActiveSessionID != "" {
				victim = r.ActiveSessionID
				break
			}
		}
		require.NotEmpty(t, victim)
		client := &http.Client{Transport: &endOnActiveList{base: simSrv.Client().Transport, simURL: simSrv.URL + "/v2", session: victim}}
		gw, err := gateway.New(e.config(gateway.Config{BaseURL: simSrv.URL + "/v2", APIKey: keyA, LoaderWait: 20 * time.Millisecond}), gateway.WithHTTPClient(client))
		require.NoError(t, err)
		gwSrv := httptest.NewServer(gw)
		t.Cleanup(gwSrv.Close)
		h := &harness{sim: sim, simURL: simSrv.URL + "/v2", gwURL: gwSrv.URL + "/graphql"}

		var out dashboard
		h.ok(t, dashboardQuery, nil, &out)
		routes := map[string]int{}
		for _, c := range h.calls() {
			routes[c.Route]++
		}
		assert.Equal(t, map[string]int{telnyxsim.RouteListRooms: 1, telnyxsim.RouteEndSession: 1, telnyxsim.RouteListSessions: 1, telnyxsim.RouteGetSession: 1}, routes)
		found := false
		for _, r := range out.Rooms.Nodes {
			if r.ActiveSession != nil && r.ActiveSession.ID == victim {
				found = true
				assert.False(t, r.ActiveSession.Active, "the session the room named, as it is now")
			}
		}
		assert.True(t, found, "the raced session is still the room's activeSession")
		checkDashboard(t, sim, out, map[string]bool{victim: true})
	})
}
