package loaders_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/loaders"
	"github.com/roomgraph/roomgraph/internal/pagination"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// TestWavesDispatchWhenComplete: with the timer at an hour, loaders whose executor counts its need-adders
// (StartWaves, Go, Done) still answer, and each wave's needs meet in one batch: needs of one list with
// different windows make one call per wave, also when a second wave starts from the first one's answers
// and when a batch states needs to another loader (an active session by id).
func TestWavesDispatchWhenComplete(t *testing.T) {
	const key = "KEY_waves"
	sim, client := simClient(t, telnyxsim.Config{Seed: 5, Keys: []string{key}, Rooms: 3, SessionsPerRoom: 12, ParticipantsPerSession: 6})
	rooms := sim.Rooms(key)
	var room, activeSession string
	for _, r := range rooms {
		if r.ActiveSessionID != "" {
			room, activeSession = r.ID, r.ActiveSessionID
		}
	}
	require.NotEmpty(t, activeSession)
	window := func(n int) pagination.Request { return pagination.Request{Start: 0, End: n} }

	cases := []struct {
		name      string
		goroutine func(ctx context.Context, l *loaders.Loaders, i int) error
		n         int
		calls     int
	}{
		{"one need on the caller's goroutine", nil, 0, 1},
		{"ten windows of one list in one wave", func(ctx context.Context, l *loaders.Loaders, i int) error {
			_, err := l.RoomSessions(ctx, loaders.ListNeed[loaders.RoomSessionsList]{List: loaders.RoomSessionsList{RoomID: room}, Request: window(i + 1)})
			return err
		}, 10, 1},
		{"two waves: the sessions, then one list of participants for all", func(ctx context.Context, l *loaders.Loaders, i int) error {
			page, err := l.RoomSessions(ctx, loaders.ListNeed[loaders.RoomSessionsList]{List: loaders.RoomSessionsList{RoomID: room}, Request: window(i + 1)})
			if err != nil {
				return err
			}
			_, err = l.SessionParticipants(ctx, loaders.ListNeed[loaders.SessionParticipantsList]{List: loaders.SessionParticipantsList{SessionID: page.Items[0].ID}, Request: window(i + 1)})
			return err
		}, 5, 2},
		{"a batch that needs another loader (one active session, by id)", func(ctx context.Context, l *loaders.Loaders, _ int) error {
			_, err := l.ActiveSession(ctx, activeSession, false)
			return err
		}, 3, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := loaders.New(client, key, loaders.Config{Wait: time.Hour})
			ctx := loaders.With(context.Background(), l)
			sim.ResetStats()
			done := make(chan []error, 1)
			go func() {
				w := l.StartWaves()
				defer w.Stop()
				if c.goroutine == nil {
					_, err := l.RoomSessions(ctx, loaders.ListNeed[loaders.RoomSessionsList]{List: loaders.RoomSessionsList{RoomID: room}, Request: window(3)})
					done <- []error{err}
					return
				}
				errs := make([]error, c.n)
				g := w.Go(c.n)
				var wg sync.WaitGroup
				for i := range c.n {
					wg.Go(func() {
						defer g.Done()
						errs[i] = c.goroutine(ctx, l, i)
					})
				}
				wg.Wait()
				done <- errs
			}()
			select {
			case errs := <-done:
				for _, err := range errs {
					require.NoError(t, err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("no answer: the wave never completed, so only the hour-long timer would dispatch")
			}
			assert.Equal(t, c.calls, len(sim.Stats().Requests))
		})
	}
}
