package gateway

import (
	"context"
	"fmt"

	"github.com/roomgraph/roomgraph/internal/edge/webhook"
	"github.com/roomgraph/roomgraph/internal/live"
)

// newWebhookDoor builds the Telnyx webhook door (internal/edge/webhook) when cfg names at least one public
// key, else nil (the route is not served). Verified events go to onEvent (may be nil), then to hub.
func newWebhookDoor(cfg Config, obs *observer, hub *live.Hub, onEvent func(context.Context, live.Event)) (*webhook.Handler, error) {
	if len(cfg.WebhookPublicKeys) == 0 {
		return nil, nil
	}
	keys, err := webhook.ParsePublicKeys(cfg.WebhookPublicKeys)
	if err != nil {
		return nil, fmt.Errorf("gateway: WebhookPublicKeys: %w", err)
	}
	door, err := webhook.New(webhook.Config{
		PublicKeys:   keys,
		MaxBodyBytes: cfg.WebhookMaxBodyBytes,
		QueueSize:    cfg.WebhookQueueSize,
		DedupeWindow: cfg.WebhookDedupeWindow,
		DedupeSize:   cfg.WebhookDedupeSize,
		Hub:          hub,
		OnEvent:      onEvent,
		Logger:       obs.logger,
		Metrics:      obs.metrics,
		Tracer:       obs.tracer,
	})
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	return door, nil
}

// closeDoor stops the webhook door: later deliveries are answered 503 (Telnyx retries them) and the events
// it queued are handed on, for 5 s at most (any left are counted in roomgraph_webhooks_abandoned_total and
// make the error).
func (g *Gateway) closeDoor() error {
	if g.door == nil {
		return nil
	}
	return g.door.Close()
}
