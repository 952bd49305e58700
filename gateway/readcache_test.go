package gateway_test

import (
	"encoding/json"
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

// answerLate delays the answers of GETs whose path starts with prefix by d, after the simulator made
// them: the answer holds the state as it was when the request arrived, however late it travels back (the
// simulator's own latency fault waits before it reads the state).
func answerLate(next http.Handler, prefix string, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, prefix) {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// TestWritesAreNeverHiddenByEarlierReads: with the read cache on, and with coalescing alone, reads of the
// same key that run while a slow write is in flight never answer for the write: neither the mutation's
// payload nor a query after it shows the state from before the change.
func TestWritesAreNeverHiddenByEarlierReads(t *testing.T) {
	type write struct {
		name     string
		route    string // the write's simulator route, slowed down
		readPath string // the upstream path of the reads, for answerLate
		// mutation and read return, for the ids of the fixture, the mutation, the concurrent read and a
		// check that an answer (the payload's data, or the read's) shows the state after the write.
		mutation func(room, session string) (query string, vars map[string]any)
		read     func(room, session string) (query string, vars map[string]any)
		changed  func(t *testing.T, data json.RawMessage) bool
	}
	allLeft := func(t *testing.T, data json.RawMessage) bool {
		var d map[string]struct {
			Participants []struct{ LeftAt *string }
			Session      struct {
				Participants []struct{ LeftAt *string }
			}
		}
		require.NoError(t, json.Unmarshal(data, &d))
		for _, v := range d {
			ps := append(v.Participants, v.Session.Participants...)
			require.NotEmpty(t, ps)
			for _, p := range ps {
				if p.LeftAt == nil {
					return false
				}
			}
		}
		return true
	}
	is30 := func(t *testing.T, data json.RawMessage) bool {
		var d map[string]struct {
			MaxParticipants int
			Room            struct{ MaxParticipants int }
		}
		require.NoError(t, json.Unmarshal(data, &d))
		for _, v := range d {
			if v.MaxParticipants != 30 && v.Room.MaxParticipants != 30 {
				return false
			}
		}
		return true
	}
	writes := []write{
		{
			name: "kickParticipants", route: telnyxsim.RouteKick, readPath: "/v2/room_sessions/",
			mutation: func(_, s string) (string, map[string]any) {
				return `mutation($s: ID!) { kickParticipants(sessionId: $s, participants: {all: true}) {
					session { participants { id leftAt } } } }`, map[string]any{"s": s}
			},
			read: func(_, s string) (string, map[string]any) {
				return `query($s: ID!) { roomSession(id: $s) { participants { id leftAt } } }`, map[string]any{"s": s}
			},
			changed: allLeft,
		},
		{
			name: "updateRoom", route: telnyxsim.RouteUpdateRoom, readPath: "/v2/rooms/",
			mutation: func(r, _ string) (string, map[string]any) {
				return `mutation($r: ID!) { updateRoom(id: $r, input: {maxParticipants: 30}) { room { maxParticipants } } }`,
					map[string]any{"r": r}
			},
			read: func(r, _ string) (string, map[string]any) {
				return `query($r: ID!) { room(id: $r) { maxParticipants } }`, map[string]any{"r": r}
			},
			changed: is30,
		},
	}
	modes := []struct {
		name      string
		cacheTTL  time.Duration
		readLate  time.Duration // answerLate on the reads: they stay in flight past the write's end
		writeTime time.Duration
	}{
		{name: "read cache", cacheTTL: time.Minute, writeTime: 300 * time.Millisecond},
		{name: "coalescing only", readLate: 400 * time.Millisecond, writeTime: 200 * time.Millisecond},
	}
	for _, w := range writes {
		for _, m := range modes {
			t.Run(w.name+"/"+m.name, func(t *testing.T) {
				sim := telnyxsim.New(telnyxsim.Config{Keys: []string{keyA}, Seed: 2, Rooms: 20, SessionsPerRoom: 6, ParticipantsPerSession: 8})
				var upstream http.Handler = sim
				if m.readLate > 0 {
					upstream = answerLate(sim, w.readPath, m.readLate)
				}
				simSrv := httptest.NewServer(upstream)
				t.Cleanup(simSrv.Close)
				_, root := serveOver(t, gateway.Config{BaseURL: simSrv.URL + "/v2", APIKey: keyA, ReadCacheTTL: m.cacheTTL}, simSrv)
				h := &harness{sim: sim, simURL: simSrv.URL + "/v2", gwURL: root + "/graphql"}

				var room, session string
				for _, s := range sim.Sessions(keyA, "") {
					if s.Active {
						room, session = s.RoomID, s.ID
						break
					}
				}
				require.NotEmpty(t, session, "the seed has an active session")
				readQ, readV := w.read(room, session)
				before := h.post(t, readQ, readV)
				require.Empty(t, before.Errors)
				require.False(t, w.changed(t, before.Data), "the state before the write")

				sim.SetFault(w.route, telnyxsim.Fault{Latency: m.writeTime})
				mutQ, mutV := w.mutation(room, session)
				payload := make(chan response, 1)
				go func() { payload <- h.post(t, mutQ, mutV) }()
				require.Eventually(t, func() bool { return sim.Stats().ByRoute[w.route] == 1 }, 5*time.Second, time.Millisecond,
					"the write reached the upstream")

				// Reads of the same key, one after another, until the write is answered.
				stop := make(chan struct{})
				var readers sync.WaitGroup
				for range 2 {
					readers.Go(func() {
						for {
							select {
							case <-stop:
								return
							default:
							}
							r := h.post(t, readQ, readV)
							assert.Empty(t, r.Errors)
						}
					})
				}
				r := <-payload
				close(stop)
				require.Empty(t, r.Errors, "%+v", r.Errors)
				assert.True(t, w.changed(t, r.Data), "the payload shows the state after the write: %s", r.Data)

				after := h.post(t, readQ, readV)
				require.Empty(t, after.Errors)
				assert.True(t, w.changed(t, after.Data), "a read after the write sees it: %s", after.Data)
				readers.Wait()
			})
		}
	}
}
