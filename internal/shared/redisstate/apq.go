package redisstate

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/roomgraph/roomgraph/internal/telemetry"
)

// DefaultAPQTTL is how long a registration lives in Redis after its last registration.
const DefaultAPQTTL = 24 * time.Hour

// APQ keeps automatic persisted queries in Redis (persisted.APQStore): a document registered on one
// replica is found on the others. Each is at most the gateway's MaxCachedDocumentBytes (the caller checks,
// as for its own cache), lives ttl, and the total is bounded by Redis's maxmemory (docs/redis.md). Keys are
// the documents' SHA-256, which names a query, not a credential.
type APQ struct {
	c   *Client
	ttl time.Duration
}

// NewAPQ keeps registrations for ttl (DefaultAPQTTL when 0).
func NewAPQ(c *Client, ttl time.Duration) *APQ {
	if ttl <= 0 {
		ttl = DefaultAPQTTL
	}
	return &APQ{c: c, ttl: ttl}
}

// Get returns the document registered under hash.
func (a *APQ) Get(ctx context.Context, hash string) (string, bool, error) {
	var doc string
	err := a.c.do(ctx, telemetry.RedisAPQ, func(ctx context.Context) error {
		var err error
		doc, err = a.c.rdb.Get(ctx, a.c.key("apq:", hash)).Result()
		return err
	})
	if err == redis.Nil {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return doc, true, nil
}

// Set registers doc under hash.
func (a *APQ) Set(ctx context.Context, hash, doc string) error {
	return a.c.do(ctx, telemetry.RedisAPQ, func(ctx context.Context) error {
		return a.c.rdb.Set(ctx, a.c.key("apq:", hash), doc, a.ttl).Err()
	})
}
