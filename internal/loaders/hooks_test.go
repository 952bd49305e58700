package loaders_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/loaders"
	"github.com/roomgraph/roomgraph/internal/pagination"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// hookLog records what the hooks saw.
type hookLog struct {
	mu      sync.Mutex
	needs   map[loaders.Kind]int
	batches []batch
}

// snapshot returns the batches seen so far.
func (h *hookLog) snapshot() []batch {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]batch(nil), h.batches...)
}

type batch struct {
	kind        loaders.Kind
	keys, calls int
}

type markKey struct{}

func (h *hookLog) hooks() loaders.Hooks {
	return loaders.Hooks{
		Need: func(_ context.Context, k loaders.Kind) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.needs[k]++
		},
		Batch: func(ctx context.Context, k loaders.Kind, keys int) (context.Context, func(int)) {
			return context.WithValue(ctx, markKey{}, true), func(calls int) {
				h.mu.Lock()
				defer h.mu.Unlock()
				h.batches = append(h.batches, batch{kind: k, keys: keys, calls: calls})
			}
		},
	}
}

// TestHooks: identical needs and needs served by what a list already fetched are counted as needs but
// cost no batch and no call.
func TestHooks(t *testing.T) {
	const key = "KEY_hooks"
	sim := telnyxsim.New(telnyxsim.Config{Seed: 2, Keys: []string{key}, Rooms: 2, SessionsPerRoom: 3})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	marked := 0
	var mu sync.Mutex
	client, err := telnyx.New(telnyx.Options{BaseURL: srv.URL + "/v2", HTTPClient: srv.Client(),
		Observe: func(ctx context.Context, _ telnyx.Call) {
			mu.Lock()
			defer mu.Unlock()
			if ctx.Value(markKey{}) == true {
				marked++
			}
		}})
	require.NoError(t, err)

	log := &hookLog{needs: map[loaders.Kind]int{}}
	l := loaders.New(client, key, loaders.Config{Hooks: log.hooks()})
	ctx := context.Background()
	room := sim.Rooms(key)[0].ID

	for range 2 {
		_, err := l.Room(ctx, room)
		require.NoError(t, err)
	}
	page, err := l.RoomSessions(ctx, loaders.ListNeed[loaders.RoomSessionsList]{
		List: loaders.RoomSessionsList{RoomID: room}, Request: pagination.Request{Start: 0, End: 10},
	})
	require.NoError(t, err)
	require.NotEmpty(t, page.Items)
	_, err = l.Session(ctx, page.Items[0].ID, false) // primed by the list
	require.NoError(t, err)

	// The Batch hook's done runs before a batch hands out its results: both batches are recorded.
	log.mu.Lock()
	assert.Equal(t, map[loaders.Kind]int{loaders.KindRoom: 2, loaders.KindRoomSessions: 1, loaders.KindSession: 1}, log.needs)
	log.mu.Unlock()
	assert.Equal(t, []batch{
		{kind: loaders.KindRoom, keys: 1, calls: 1},
		{kind: loaders.KindRoomSessions, keys: 1, calls: 1},
	}, log.snapshot())
	assert.Equal(t, 2, marked, "each upstream call runs in the context the Batch hook returned")
	assert.Equal(t, 2, sim.Stats().Total)
}
