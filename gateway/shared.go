package gateway

import (
	"fmt"
	"time"

	"github.com/roomgraph/roomgraph/internal/edge/webhook"
	"github.com/roomgraph/roomgraph/internal/exec/persisted"
	"github.com/roomgraph/roomgraph/internal/live"
	"github.com/roomgraph/roomgraph/internal/shared/redisstate"
	"github.com/roomgraph/roomgraph/internal/upstream/coalesce"
)

// shared is the state the gateway shares with the other replicas through Redis (Config.RedisURL,
// docs/redis.md); nil without it, and every use of it then keeps the state in this process.
type shared struct {
	client    *redisstate.Client
	bus       *redisstate.Bus // set once the upstream exists (it needs the transport's Hold)
	apq       *redisstate.APQ
	readCache *redisstate.ReadCache
}

// openShared connects to Redis when cfg names it. Redis not answering is no error: the gateway starts
// with every shared feature in its fallback, and uses Redis once it answers.
func openShared(cfg Config, obs *observer) (*shared, error) {
	if cfg.RedisURL == "" {
		return nil, nil
	}
	c, err := redisstate.Open(redisstate.Config{URL: cfg.RedisURL, Prefix: cfg.RedisPrefix, Timeout: cfg.RedisTimeout,
		Logger: obs.logger, Metrics: obs.metrics})
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	return &shared{client: c, apq: redisstate.NewAPQ(c, 0), readCache: redisstate.NewReadCache(c)}, nil
}

// startBus starts the event and hold bus: events to hub, other replicas' holds to hold.
func (s *shared) startBus(hub *live.Hub, hold func(cred [32]byte, until time.Time, capped bool)) {
	if s != nil {
		s.bus = redisstate.NewBus(s.client, hub, hold)
	}
}

// shareHold is the resilience hook that tells the other replicas of a hold (nil without Redis).
func (s *shared) shareHold() func(cred [32]byte, until time.Time, capped bool) {
	if s == nil {
		return nil
	}
	return func(cred [32]byte, until time.Time, capped bool) { s.bus.ShareHold(cred, until, capped) }
}

// readCacheStore is the read cache's shared store (nil without Redis).
func (s *shared) readCacheStore() coalesce.SharedCache {
	if s == nil {
		return nil
	}
	return s.readCache
}

// apqStore is the APQ registrations' shared store (nil without Redis).
func (s *shared) apqStore() persisted.APQStore {
	if s == nil {
		return nil
	}
	return s.apq
}

// publisher is where the webhook door publishes: the bus with Redis, else the hub.
func (s *shared) publisher(hub *live.Hub) webhook.Publisher {
	if s == nil {
		return hub
	}
	return s.bus
}

// deduper is the webhook door's dedupe: across replicas with Redis (nil: the door's own, in memory).
func (s *shared) deduper(cfg Config) (webhook.Deduper, error) {
	if s == nil {
		return nil, nil
	}
	local, err := webhook.NewMemoryDedupe(cfg.WebhookDedupeWindow, cfg.WebhookDedupeSize, nil)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	return redisstate.NewDedupe(s.client, local, cfg.WebhookDedupeWindow), nil
}

// state is Redis's state for /readyz: "" without Redis, else "up" or "down".
func (s *shared) state() string {
	if s == nil {
		return ""
	}
	return s.client.State()
}

// close stops the bus and closes the connections.
func (s *shared) close() error {
	if s == nil {
		return nil
	}
	return s.client.Close()
}
