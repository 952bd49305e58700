package redisstate_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/edge/webhook"
	"github.com/roomgraph/roomgraph/internal/live"
	"github.com/roomgraph/roomgraph/internal/shared/redisstate"
	"github.com/roomgraph/roomgraph/internal/shared/redisstate/redistest"
	"github.com/roomgraph/roomgraph/internal/telemetry"
)

// replica is one process's view: a client with its own metrics.
type replica struct {
	c       *redisstate.Client
	metrics *telemetry.Metrics
}

func open(t *testing.T, url, prefix string) replica {
	t.Helper()
	m, err := telemetry.NewMetrics(telemetry.MetricsOptions{NoRuntimeCollectors: true})
	require.NoError(t, err)
	c, err := redisstate.Open(redisstate.Config{URL: url, Prefix: prefix, Timeout: 200 * time.Millisecond,
		CheckInterval: 50 * time.Millisecond, Metrics: m})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return replica{c, m}
}

func memory(t *testing.T) webhook.Deduper {
	d, err := webhook.NewMemoryDedupe(time.Minute, 100, nil)
	require.NoError(t, err)
	return d
}

func TestDedupeAcrossReplicas(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv.URL(), "t:"), open(t, srv.URL(), "t:")
	da, db := redisstate.NewDedupe(a.c, memory(t), time.Minute), redisstate.NewDedupe(b.c, memory(t), time.Minute)
	ctx := context.Background()

	first, err := da.Claim(ctx, "ev-1")
	require.NoError(t, err)
	assert.True(t, first, "the first claim of an id, anywhere, is new")
	again, err := db.Claim(ctx, "ev-1")
	require.NoError(t, err)
	assert.False(t, again, "another replica's claim of the same id is a duplicate")

	require.NoError(t, da.Forget(ctx, "ev-1"))
	retry, err := db.Claim(ctx, "ev-1")
	require.NoError(t, err)
	assert.True(t, retry, "a forgotten id (its event refused after all) is new again")

	// A prefix namespaces the ids: another deployment on the same Redis claims its own.
	other := redisstate.NewDedupe(open(t, srv.URL(), "other:").c, memory(t), time.Minute)
	own, err := other.Claim(ctx, "ev-1")
	require.NoError(t, err)
	assert.True(t, own)
}

func TestBusFansOutEventsAndHolds(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv.URL(), "t:"), open(t, srv.URL(), "t:")
	hubA, hubB := live.NewHub(live.HubConfig{}), live.NewHub(live.HubConfig{})
	type held struct {
		cred   [32]byte
		until  time.Time
		capped bool
	}
	holdsA, holdsB := make(chan held, 4), make(chan held, 4)
	busA := redisstate.NewBus(a.c, hubA, func(c [32]byte, u time.Time, capped bool) { holdsA <- held{c, u, capped} })
	redisstate.NewBus(b.c, hubB, func(c [32]byte, u time.Time, capped bool) { holdsB <- held{c, u, capped} })
	subA, err := hubA.Subscribe("room-1")
	require.NoError(t, err)
	subB, err := hubB.Subscribe("room-1")
	require.NoError(t, err)

	ev := live.Event{ID: "ev-1", Type: live.ParticipantJoined, RoomID: "room-1", OccurredAt: time.Now().UTC().Truncate(time.Millisecond)}
	assert.Equal(t, -1, busA.Publish(ev), "through Redis, not to the local hub directly")
	for name, sub := range map[string]*live.Subscription{"publishing replica": subA, "other replica": subB} {
		select {
		case got := <-sub.Events():
			assert.Equal(t, ev.ID, got.ID, name)
			assert.True(t, ev.OccurredAt.Equal(got.OccurredAt), name)
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no event", name)
		}
		select {
		case extra := <-sub.Events():
			t.Fatalf("%s: a second delivery %v", name, extra)
		case <-time.After(100 * time.Millisecond):
		}
	}

	cred := sha256.Sum256([]byte("Bearer KEY"))
	until := time.Now().Add(3 * time.Second).Truncate(time.Millisecond)
	busA.ShareHold(cred, until, true)
	select {
	case h := <-holdsB:
		assert.Equal(t, cred, h.cred)
		assert.True(t, until.Equal(h.until), "the same instant on every replica")
		assert.True(t, h.capped)
	case <-time.After(5 * time.Second):
		t.Fatal("the other replica got no hold")
	}
	select {
	case h := <-holdsA:
		t.Fatalf("the replica that saw the answer got its own hold back: %v", h)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestReadCacheGenerations(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv.URL(), "t:"), open(t, srv.URL(), "t:")
	ra, rb := redisstate.NewReadCache(a.c), redisstate.NewReadCache(b.c)
	ctx := context.Background()
	cred := sha256.Sum256([]byte("Bearer KEY"))

	gen, val, err := ra.Lookup(ctx, cred, "read-1")
	require.NoError(t, err)
	assert.Nil(t, val)
	require.NoError(t, ra.Store(ctx, cred, gen, "read-1", []byte("answer"), time.Minute))
	gen2, val, err := rb.Lookup(ctx, cred, "read-1")
	require.NoError(t, err)
	assert.Equal(t, gen, gen2)
	assert.Equal(t, "answer", string(val), "stored by one replica, found by another")

	require.NoError(t, rb.Wrote(ctx, cred))
	gen3, val, err := ra.Lookup(ctx, cred, "read-1")
	require.NoError(t, err)
	assert.NotEqual(t, gen, gen3, "a write moves the generation on")
	assert.Nil(t, val, "nothing from before the write")

	// A read that started before the write does not store its answer after it.
	require.NoError(t, ra.Store(ctx, cred, gen, "read-1", []byte("stale"), time.Minute))
	_, val, err = rb.Lookup(ctx, cred, "read-1")
	require.NoError(t, err)
	assert.Nil(t, val)

	// Another credential's generation is its own.
	genOther, _, err := ra.Lookup(ctx, sha256.Sum256([]byte("Bearer OTHER")), "read-1")
	require.NoError(t, err)
	assert.Equal(t, "0", genOther)
}

func TestAPQShared(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv.URL(), "t:"), open(t, srv.URL(), "t:")
	ctx := context.Background()
	require.NoError(t, redisstate.NewAPQ(a.c, time.Minute).Set(ctx, "h1", "{ rooms { id } }"))
	doc, ok, err := redisstate.NewAPQ(b.c, time.Minute).Get(ctx, "h1")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "{ rooms { id } }", doc)
	_, ok, err = redisstate.NewAPQ(b.c, time.Minute).Get(ctx, "h2")
	require.NoError(t, err)
	assert.False(t, ok)
}

// TestRedisDownAndBack: with Redis gone every call fails fast and falls back (counted), publishing goes to
// the local hub; when Redis is back the client comes up by itself, and the bus ends the subscriptions of
// the replica with a gap.
func TestRedisDownAndBack(t *testing.T) {
	srv := redistest.Start(t)
	a := open(t, srv.URL(), "t:")
	hub := live.NewHub(live.HubConfig{})
	bus := redisstate.NewBus(a.c, hub, nil)
	dedupe := redisstate.NewDedupe(a.c, memory(t), time.Minute)
	require.True(t, a.c.Up())
	sub, err := hub.Subscribe("room-1")
	require.NoError(t, err)

	srv.Stop()
	ctx := context.Background()
	start := time.Now()
	first, err := dedupe.Claim(ctx, "ev-1") // fails (marks Redis down), or finds it down already
	require.NoError(t, err, "the local dedupe answers")
	assert.True(t, first)
	assert.Less(t, time.Since(start), 2*time.Second, "bounded by the timeout")
	require.Eventually(t, func() bool { return !a.c.Up() }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, "down", a.c.State())
	dup, err := dedupe.Claim(ctx, "ev-1")
	require.NoError(t, err)
	assert.False(t, dup, "duplicates reaching this replica are still dropped")
	assert.Equal(t, 1, bus.Publish(live.Event{ID: "ev-2", Type: live.ParticipantJoined, RoomID: "room-1"}),
		"down: straight to this replica's subscribers")
	assert.Equal(t, "ev-2", (<-sub.Events()).ID)
	assert.Positive(t, fallbacks(t, a.metrics, telemetry.RedisDedupe))
	assert.Positive(t, fallbacks(t, a.metrics, telemetry.RedisEvents))

	srv.Restart()
	require.Eventually(t, a.c.Up, 5*time.Second, 10*time.Millisecond, "back up by itself")
	select {
	case _, ok := <-sub.Events():
		assert.False(t, ok)
	case <-time.After(5 * time.Second):
		t.Fatal("the subscription was not ended with a gap")
	}
	assert.ErrorIs(t, sub.Err(), live.ErrGap)
	fresh, err := dedupe.Claim(ctx, "ev-3")
	require.NoError(t, err)
	assert.True(t, fresh)
}

// fallbacks reads roomgraph_redis_fallbacks_total{feature}.
func fallbacks(t *testing.T, m *telemetry.Metrics, feature string) float64 {
	t.Helper()
	mfs, err := m.Gatherer().Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != "roomgraph_redis_fallbacks_total" {
			continue
		}
		for _, s := range mf.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "feature" && l.GetValue() == feature {
					return s.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
