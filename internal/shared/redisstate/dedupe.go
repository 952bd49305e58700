package redisstate

import (
	"context"
	"time"

	"github.com/roomgraph/roomgraph/internal/edge/webhook"
	"github.com/roomgraph/roomgraph/internal/telemetry"
)

// Dedupe is the webhook door's Deduper across replicas: an event id is claimed with SET NX PX (the dedupe
// window), so that one delivery is processed by one replica only. Every claim this replica wins is also made in local (this
// process), which answers alone while Redis is down: duplicates that reach this replica are still dropped,
// one that reaches another replica too is processed there as well (the subscriptions drop repeated event
// ids, so a subscriber sees it once). Only ids this replica took are remembered here.
type Dedupe struct {
	c      *Client
	local  webhook.Deduper
	window time.Duration
}

// NewDedupe claims ids for window (the door's DedupeWindow), with local as this process's memory.
func NewDedupe(c *Client, local webhook.Deduper, window time.Duration) *Dedupe {
	return &Dedupe{c: c, local: local, window: window}
}

// Claim records id across replicas; false when any replica claimed it within the window (or this one did
// while Redis was down).
func (d *Dedupe) Claim(ctx context.Context, id string) (bool, error) {
	var first bool
	err := d.c.do(ctx, telemetry.RedisDedupe, func(ctx context.Context) error {
		var err error
		first, err = d.c.rdb.SetNX(ctx, d.c.key("webhook:", id), d.c.replica, d.window).Result()
		return err
	})
	if err == nil && !first {
		return false, nil // another replica claimed it
	}
	// Taken here, or Redis did not answer: remembered here too, for the time Redis may be down.
	return d.local.Claim(ctx, id)
}

// Forget removes the claim of id, in Redis and here.
func (d *Dedupe) Forget(ctx context.Context, id string) error {
	_ = d.c.do(ctx, telemetry.RedisDedupe, func(ctx context.Context) error {
		return d.c.rdb.Del(ctx, d.c.key("webhook:", id)).Err()
	})
	return d.local.Forget(ctx, id)
}
