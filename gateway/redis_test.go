package gateway_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/exec/persisted"
	"github.com/roomgraph/roomgraph/internal/shared/redisstate/redistest"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// replicaSet is one simulator, one Redis and n gateways sharing it, each on its own server.
type replicaSet struct {
	sim    *telnyxsim.Sim
	redis  *redistest.Server
	priv   ed25519.PrivateKey
	gws    []*gateway.Gateway
	roots  []string // http://… of each replica
	sample *harness // for calls()
}

func newReplicaSet(t *testing.T, n int, cfg gateway.Config) *replicaSet {
	t.Helper()
	rs := &replicaSet{redis: redistest.Start(t)}
	rs.sim = telnyxsim.New(telnyxsim.Config{Keys: []string{keyA, keyB}, Rooms: 3})
	simSrv := httptest.NewServer(rs.sim)
	t.Cleanup(simSrv.Close)
	pub, priv, _ := ed25519.GenerateKey(nil)
	rs.priv = priv
	cfg.BaseURL, cfg.APIKey, cfg.ServeMetrics = simSrv.URL+"/v2", keyA, true
	cfg.WebhookPublicKeys = []string{base64.StdEncoding.EncodeToString(pub)}
	cfg.RedisURL, cfg.RedisPrefix = rs.redis.URL(), "test:"
	if cfg.LoaderWait == 0 {
		cfg.LoaderWait = 5 * time.Millisecond
	}
	for range n {
		gw, root := serveOver(t, cfg, simSrv)
		rs.gws, rs.roots = append(rs.gws, gw), append(rs.roots, root)
	}
	rs.sample = &harness{sim: rs.sim, simURL: simSrv.URL + "/v2", gwURL: rs.roots[0] + "/graphql"}
	return rs
}

// on is a harness whose requests go to replica i.
func (rs *replicaSet) on(i int) *harness {
	return &harness{sim: rs.sim, simURL: rs.sample.simURL, gwURL: rs.roots[i] + "/graphql"}
}

func (rs *replicaSet) get(t *testing.T, i int, path string) (int, string) {
	t.Helper()
	g := &rateLimitedGateway{url: rs.roots[i]}
	return g.get(t, path)
}

// ready is replica i's /readyz: its status and body.
func (rs *replicaSet) ready(t *testing.T, i int) (int, map[string]any) {
	t.Helper()
	status, body := rs.get(t, i, "/readyz")
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m), body)
	return status, m
}

func (rs *replicaSet) deliver(t *testing.T, i int, id, roomID string) string {
	t.Helper()
	status, text := deliverWebhook(t, signedDelivery(t, rs.roots[i]+"/webhooks/telnyx", rs.priv, id, roomID))
	require.Equal(t, http.StatusOK, status, text)
	return text
}

// nextEventID reads a roomEvents stream's next answer: the event's id, or its error code.
func nextEventID(t *testing.T, s *sseStream) string {
	t.Helper()
	type result struct {
		name string
		r    *gqlResult
	}
	ch := make(chan result, 1)
	go func() { name, r := s.next(t); ch <- result{name, r} }()
	select {
	case res := <-ch:
		if res.r == nil {
			return res.name
		}
		if c := res.r.code(); c != "" {
			return c
		}
		id, _ := jsonAt(res.r.Data, "roomEvents", "id").(string)
		return id
	case <-time.After(10 * time.Second):
		t.Fatal("no answer on the stream within 10s")
		return ""
	}
}

// TestReplicasShareRedis: three gateways, one simulator, one Redis.
func TestReplicasShareRedis(t *testing.T) {
	rs := newReplicaSet(t, 3, gateway.Config{ReadCacheTTL: time.Minute,
		Resilience: gateway.ResilienceConfig{MaxRetryAfter: 20 * time.Second}})
	room := rs.sim.Rooms(keyA)[0]
	for i := range rs.gws {
		_, r := rs.ready(t, i)
		require.Equal(t, "up", r["redis"], "replica %d", i)
	}

	t.Run("a webhook accepted by one replica reaches the subscribers of every replica once", func(t *testing.T) {
		streams := make([]*sseStream, 3)
		for i := range streams {
			streams[i] = openSSE(t, rs.roots[i]+"/graphql", roomEventsQuery, map[string]any{"id": room.ID}, nil)
			require.Eventually(t, func() bool { return rs.gws[i].Hub().Len() == 1 }, 5*time.Second, 2*time.Millisecond)
		}
		assert.Equal(t, "accepted\n", rs.deliver(t, 0, "ev-1", room.ID))
		// Telnyx retries the same event, and the retry lands on other replicas: duplicates, everywhere.
		assert.Contains(t, rs.deliver(t, 1, "ev-1", room.ID), "duplicate")
		assert.Contains(t, rs.deliver(t, 2, "ev-1", room.ID), "duplicate")
		assert.Equal(t, "accepted\n", rs.deliver(t, 2, "ev-2", room.ID))
		for i, s := range streams {
			assert.Equal(t, "ev-1", nextEventID(t, s), "replica %d", i)
			assert.Equal(t, "ev-2", nextEventID(t, s), "replica %d: the next answer is the next event, not ev-1 again", i)
		}
	})

	t.Run("an APQ hash registered on one replica works on another", func(t *testing.T) {
		const q = `{ rooms(first: 1) { totalCount } }`
		hash := persisted.Hash(q)
		r := apqRequest(t, rs.roots[2]+"/graphql", false, "", persistedQuery(hash))
		require.Equal(t, []string{"PERSISTED_QUERY_NOT_FOUND"}, r.codes())
		r = apqRequest(t, rs.roots[0]+"/graphql", false, q, persistedQuery(hash))
		require.Empty(t, r.Errors)
		for _, i := range []int{1, 2} {
			r = apqRequest(t, rs.roots[i]+"/graphql", true, "", persistedQuery(hash))
			assert.Empty(t, r.Errors, "replica %d", i)
			assert.Contains(t, string(r.Data), "totalCount", "replica %d", i)
		}
	})

	t.Run("the read cache is shared, and a write on one replica is seen by reads on the others", func(t *testing.T) {
		const q = `query($id: ID!) { room(id: $id) { uniqueName } }`
		vars := map[string]any{"id": room.ID}
		var got struct{ Room struct{ UniqueName string } }
		rs.on(1).ok(t, q, vars, &got) // a call, or what the subscriptions above read
		rs.sample.calls()
		rs.on(2).ok(t, q, vars, &got)
		assert.Empty(t, rs.sample.calls(), "replica 2 answered from what replica 1 cached")

		var upd struct {
			UpdateRoom struct{ Room struct{ UniqueName string } }
		}
		rs.on(0).ok(t, `mutation($id: ID!) { updateRoom(id: $id, input: {uniqueName: "renamed-on-0"}) { room { uniqueName } } }`, vars, &upd)
		for _, i := range []int{1, 2} {
			rs.on(i).ok(t, q, vars, &got)
			assert.Equal(t, "renamed-on-0", got.Room.UniqueName, "replica %d reads after the write", i)
		}
	})

	t.Run("Redis stopped: requests keep succeeding; back: fan-out resumes", func(t *testing.T) {
		before := openSSE(t, rs.roots[1]+"/graphql", roomEventsQuery, map[string]any{"id": room.ID}, nil)
		require.Eventually(t, func() bool { return rs.gws[1].Hub().Len() == 1 }, 5*time.Second, 2*time.Millisecond)
		local := openSSE(t, rs.roots[0]+"/graphql", roomEventsQuery, map[string]any{"id": room.ID}, nil)
		require.Eventually(t, func() bool { return rs.gws[0].Hub().Len() == 1 }, 5*time.Second, 2*time.Millisecond)
		rs.redis.Stop()

		const q = `query($id: ID!) { room(id: $id) { uniqueName } }`
		vars := map[string]any{"id": room.ID}
		var got struct{ Room struct{ UniqueName string } }
		for i := range rs.gws {
			rs.on(i).ok(t, q, vars, &got)
		}
		var upd struct {
			UpdateRoom struct{ Room struct{ UniqueName string } }
		}
		rs.on(1).ok(t, `mutation($id: ID!) { updateRoom(id: $id, input: {uniqueName: "renamed-without-redis"}) { room { uniqueName } } }`, vars, &upd)
		for i := range rs.gws {
			rs.on(i).ok(t, q, vars, &got)
			assert.Equal(t, "renamed-without-redis", got.Room.UniqueName, "replica %d: no cached read without Redis", i)
		}
		// A webhook still reaches the subscribers of the replica that took it.
		assert.Equal(t, "accepted\n", rs.deliver(t, 0, "ev-3", room.ID))
		for i := range rs.gws {
			require.Eventually(t, func() bool { _, r := rs.ready(t, i); return r["redis"] == "down" }, 5*time.Second, 20*time.Millisecond)
			status, r := rs.ready(t, i)
			assert.Equal(t, http.StatusOK, status, "Redis down does not make a replica not ready: %v", r)
		}
		_, metrics := rs.get(t, 0, "/metrics")
		assert.Equal(t, []string{"roomgraph_redis_up 0"}, series(metrics, "roomgraph_redis_up"))
		assert.NotEmpty(t, series(metrics, "roomgraph_redis_fallbacks_total"))
		assert.Contains(t, metrics, `roomgraph_redis_fallbacks_total{feature="events"}`)
		// The subscription on replica 0 read its event through the fallback. The one on replica 1 missed it.
		skipEv := func(s *sseStream) string {
			for {
				id := nextEventID(t, s)
				if id != "ev-1" && id != "ev-2" {
					return id
				}
			}
		}
		assert.Equal(t, "ev-3", skipEv(local))

		rs.redis.Restart()
		for i := range rs.gws {
			require.Eventually(t, func() bool { _, r := rs.ready(t, i); return r["redis"] == "up" }, 10*time.Second, 20*time.Millisecond, "replica %d", i)
		}
		// roomEvents on replica 1 missed ev-3: it ends with EVENTS_MISSED rather than pretend it saw all.
		assert.Equal(t, "EVENTS_MISSED", skipEv(before))
		after := openSSE(t, rs.roots[2]+"/graphql", roomEventsQuery, map[string]any{"id": room.ID}, nil)
		require.Eventually(t, func() bool { return rs.gws[2].Hub().Len() == 1 }, 5*time.Second, 2*time.Millisecond)
		assert.Equal(t, "accepted\n", rs.deliver(t, 1, "ev-4", room.ID))
		assert.Equal(t, "ev-4", nextEventID(t, after), "fan-out across replicas resumed")
		_, metrics = rs.get(t, 2, "/metrics")
		assert.Equal(t, []string{"roomgraph_redis_up 1"}, series(metrics, "roomgraph_redis_up"))
		assert.Equal(t, []string{"roomgraph_redis_gaps_total 1"}, series(metrics, "roomgraph_redis_gaps_total"))
	})

	t.Run("a 429 seen by one replica holds the others back, counted at the simulator", func(t *testing.T) {
		rs.sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{TooManyRate: 1, RetryAfter: time.Hour})
		const q = `{ rooms(first: 2) { totalCount } }`
		rs.sample.calls()
		r := rs.on(0).post(t, q, nil)
		require.Equal(t, []string{"UPSTREAM_RATE_LIMITED"}, r.codes())
		require.Len(t, rs.sample.calls(), 1, "the one 429")
		for _, i := range []int{1, 2} {
			require.Eventually(t, func() bool {
				_, m := rs.get(t, i, "/metrics")
				return slicesEqual(series(m, "roomgraph_upstream_rate_limited_credentials"), "roomgraph_upstream_rate_limited_credentials 1")
			}, 5*time.Second, 10*time.Millisecond, "replica %d heard of the hold", i)
			r := rs.on(i).post(t, q, nil)
			require.Equal(t, []string{"UPSTREAM_RATE_LIMITED"}, r.codes(), "replica %d", i)
			wait := retryIn(t, r.Errors[0].Message)
			assert.LessOrEqual(t, wait, 20*time.Second, "the capped wait")
			assert.Greater(t, wait, 10*time.Second)
		}
		assert.Empty(t, rs.sample.calls(), "no replica called the upstream with the held key")
	})
}

func slicesEqual(got []string, want ...string) bool {
	return strings.Join(got, "\n") == strings.Join(want, "\n")
}
