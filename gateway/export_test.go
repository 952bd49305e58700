package gateway

import "github.com/roomgraph/roomgraph/internal/live"

// Hub exposes the gateway's event hub to its tests (package gateway_test too): they publish events
// straight into it, or watch its subscriptions.
func (g *Gateway) Hub() *live.Hub { return g.subs.hub }
