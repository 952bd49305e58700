// Package loaders turns what resolvers need from the upstream into the fewest upstream calls. One *Loaders
// lives for one GraphQL operation (created in the server's AroundOperations) and carries that operation's
// credential, so nothing one caller fetched can reach another.
//
// Resolvers describe needs (a room's sessions, this filter, this window, with or without participants);
// dataloaders collect the needs of one execution wave, identical needs collapse into one key, and the batch
// functions merge overlapping needs on the same list into covering upstream pages (see serveList).
//
// It knows nothing of GraphQL or HTTP handlers: only the telnyx client and the pagination arithmetic.
package loaders

import (
	"context"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/roomgraph/roomgraph/telnyx"
)

// Config tunes batching.
type Config struct {
	// Wait is how long a loader collects needs before it calls the upstream. Default 1ms.
	Wait time.Duration
	// MaxParallel bounds the upstream calls one operation has in flight at once. Default 8.
	MaxParallel int
}

func (c Config) withDefaults() Config {
	if c.Wait <= 0 {
		c.Wait = time.Millisecond
	}
	if c.MaxParallel <= 0 {
		c.MaxParallel = 8
	}
	return c
}

// Upstream is what the loaders need of the Telnyx client.
type Upstream interface {
	ListRoomSessions(ctx context.Context, key string, p telnyx.ListRoomSessionsParams) (*telnyx.List[telnyx.RoomSession], error)
}

// Loaders holds one operation's loaders.
type Loaders struct {
	up         Upstream
	credential string
	slots      chan struct{} // bounds this operation's concurrent upstream calls

	roomSessions *dataloader.Loader[SessionsKey, *SessionsPage]
}

// New returns the loaders of one operation, calling up with credential.
func New(up Upstream, credential string, cfg Config) *Loaders {
	cfg = cfg.withDefaults()
	l := &Loaders{up: up, credential: credential, slots: make(chan struct{}, cfg.MaxParallel)}
	l.roomSessions = dataloader.NewBatchedLoader(l.batchRoomSessions,
		dataloader.WithWait[SessionsKey, *SessionsPage](cfg.Wait))
	return l
}

type ctxKey struct{}

// With returns ctx carrying l.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From returns the operation's loaders, or nil outside an operation.
func From(ctx context.Context) *Loaders {
	l, _ := ctx.Value(ctxKey{}).(*Loaders)
	return l
}

// acquire takes one of the operation's upstream call slots, or fails when ctx ends first.
func (l *Loaders) acquire(ctx context.Context) (release func(), err error) {
	select {
	case l.slots <- struct{}{}:
		return func() { <-l.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
