// Package resolvers holds roomgraph's GraphQL resolvers. They stay thin: validate arguments, describe the
// need (room, filter, window, embeds) to the operation's loaders, and wrap what comes back in the graph's
// models. They make no HTTP calls and handle no JSON.
//
// It sits at the top level because gqlgen's layout (gqlgen.yml) puts it there, not because it is an API: a
// BFF imports package gateway, never this one.
package resolvers

import (
	"log/slog"

	"github.com/roomgraph/roomgraph/internal/live"
	"github.com/roomgraph/roomgraph/internal/pagination"
)

//go:generate go tool gqlgen generate

// Resolver is the root resolver; it holds what every resolver shares.
type Resolver struct {
	// Pages bounds first/last and sets the default page size.
	Pages pagination.Limits
	// Codec makes and checks cursors.
	Codec pagination.Codec
	// Logger receives what resolvers need to report.
	Logger *slog.Logger
	// Hub delivers the verified webhook events the subscriptions follow (nil: no subscriptions).
	Hub *live.Hub
}
