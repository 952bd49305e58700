package loaders_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/loaders"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// TestActiveSessionPages: with more active sessions than one page of 250, the loader walks the list of
// active sessions only while its remaining pages cost fewer calls than fetching the missing sessions by id,
// and one need alone is the by-id call. Every answer is the session asked for.
func TestActiveSessionPages(t *testing.T) {
	const key = "KEY_active"
	sim, client := simClient(t, telnyxsim.Config{Seed: 3, Keys: []string{key}, Rooms: 2000, SessionsPerRoom: 2, ParticipantsPerSession: 2})
	ctx := context.Background()

	var pages [][]string // the ids of each page of 250 active sessions, as the upstream lists them
	for n := 1; ; n++ {
		res, err := client.ListSessions(ctx, key, telnyx.ListSessionsParams{Filter: telnyx.SessionFilter{Active: telnyx.True}, Page: telnyx.Page{Number: n, Size: 250}})
		require.NoError(t, err)
		if len(res.Data) == 0 {
			break
		}
		var ids []string
		for _, s := range res.Data {
			ids = append(ids, s.ID)
		}
		pages = append(pages, ids)
	}
	require.Len(t, pages, 2, "the data set has between 251 and 500 active sessions")

	cases := []struct {
		name                string
		want                []string
		listCalls, getCalls int
	}{
		{"one session: by id", pages[1][:1], 0, 1},
		{"two on the first page: one list page", pages[0][:2], 1, 0},
		{"two on the second page: both pages", pages[1][:2], 2, 0},
		{"one on each page: a page, then the missing one by id", []string{pages[0][0], pages[1][0]}, 1, 1},
		{"ten on the first page, twenty on the second: both pages", append(append([]string(nil), pages[0][:10]...), pages[1][:20]...), 2, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A wide batch window: the needs of each case meet in one wave, as a query's rooms do.
			l := loaders.New(client, key, loaders.Config{MaxParallel: 4, Wait: 50 * time.Millisecond})
			sim.ResetStats()
			got := make([]*telnyx.RoomSession, len(c.want))
			errs := make([]error, len(c.want))
			var wg sync.WaitGroup
			for i, id := range c.want {
				wg.Go(func() { got[i], errs[i] = l.ActiveSession(ctx, id, i%2 == 0) })
			}
			wg.Wait()
			for i, id := range c.want {
				require.NoError(t, errs[i])
				assert.Equal(t, id, got[i].ID)
				assert.True(t, got[i].Active)
			}
			routes := map[string]int{}
			for _, r := range sim.Stats().Requests {
				routes[r.Route]++
			}
			assert.Equal(t, c.listCalls, routes[telnyxsim.RouteListSessions], "lists of active sessions")
			assert.Equal(t, c.getCalls, routes[telnyxsim.RouteGetSession], "sessions by id")
		})
	}
}

// TestActiveListOncePerOperation: two waves of active sessions in one operation (here, two batches that a
// short window keeps apart, the second dispatched while the first's list may still be in flight) share one
// call of the account-wide list; a write forgets it, so the next wave lists again.
func TestActiveListOncePerOperation(t *testing.T) {
	const key = "KEY_active"
	sim, client := simClient(t, telnyxsim.Config{Seed: 11, Keys: []string{key}})
	ctx := context.Background()
	var active []string
	for _, r := range sim.Rooms(key) {
		if r.ActiveSessionID != "" {
			active = append(active, r.ActiveSessionID)
		}
	}
	require.GreaterOrEqual(t, len(active), 4, "the data set has several active sessions")

	l := loaders.New(client, key, loaders.Config{MaxParallel: 4, Wait: time.Millisecond})
	wave := func(ids []string) {
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Go(func() {
				s, err := l.ActiveSession(ctx, id, true)
				assert.NoError(t, err)
				assert.Equal(t, id, s.ID)
			})
		}
		wg.Wait()
	}
	lists := func() int {
		n := 0
		for _, r := range sim.Stats().Requests {
			if r.Route == telnyxsim.RouteListSessions {
				n++
			}
		}
		return n
	}
	sim.ResetStats()
	// The list takes 100 ms: the second wave's batch (past the first's 1 ms window, a batch of its own)
	// runs while the first's list is in flight.
	sim.SetFault(telnyxsim.RouteListSessions, telnyxsim.Fault{Latency: 100 * time.Millisecond})
	var both sync.WaitGroup
	both.Go(func() { wave(active[:2]) })
	time.Sleep(20 * time.Millisecond)
	both.Go(func() { wave(active[2:4]) })
	both.Wait()
	sim.SetFault(telnyxsim.RouteListSessions, telnyxsim.Fault{})
	assert.Equal(t, 1, lists(), "one list for both waves")
	assert.Len(t, sim.Stats().Requests, 1, "and nothing by id")

	_, err := l.CreateRoom(ctx, telnyx.RoomParams{})
	require.NoError(t, err)
	sim.ResetStats()
	wave(active[:2])
	assert.Equal(t, 1, lists(), "a write forgets the list")
}
