package loaders

import (
	"context"
	"sync/atomic"

	"github.com/graph-gophers/dataloader/v7"
)

// Kind names a loader, for metrics and traces.
type Kind string

// The loaders of an operation.
const (
	KindRoomSessions        Kind = "room_sessions"        // GET /rooms/{room_id}/sessions
	KindSessions            Kind = "sessions"             // GET /room_sessions
	KindSessionParticipants Kind = "session_participants" // GET /room_sessions/{id}/participants
	KindParticipants        Kind = "participants"         // GET /room_participants
	KindRooms               Kind = "rooms"                // GET /rooms
	KindRoom                Kind = "room"                 // GET /rooms/{id}
	KindSession             Kind = "session"              // GET /room_sessions/{id}
	KindParticipant         Kind = "participant"          // GET /room_participants/{id}
	KindActiveSessions      Kind = "active_sessions"      // GET /room_sessions?filter[active]=true, else by id
)

// Hooks observe what only the loaders know: how many needs resolvers stated, and how many upstream calls
// the batches made for them. Both are optional; they run on the caller's goroutine and must be cheap.
type Hooks struct {
	// Need is called for every need a resolver states, with the resolver's context, before identical
	// needs are merged and before what the operation already fetched answers it.
	Need func(ctx context.Context, kind Kind)
	// Batch is called when a loader starts a batch of keys distinct needs. The context it returns is the
	// one the batch's upstream calls get (nil Batch: ctx); done, if not nil, is called when the batch has
	// finished, with the number of upstream calls it made (retries not counted).
	Batch func(ctx context.Context, kind Kind, keys int) (_ context.Context, done func(calls int))
}

func (h Hooks) enabled() bool { return h.Need != nil || h.Batch != nil }

// hookTracer adapts Hooks to dataloader's Tracer.
type hookTracer[K comparable, V any] struct {
	kind  Kind
	hooks Hooks
}

func (t hookTracer[K, V]) TraceLoad(ctx context.Context, _ K) (context.Context, dataloader.TraceLoadFinishFunc[V]) {
	if t.hooks.Need != nil {
		t.hooks.Need(ctx, t.kind)
	}
	return ctx, noLoadFinish[V]
}

func (t hookTracer[K, V]) TraceLoadMany(ctx context.Context, keys []K) (context.Context, dataloader.TraceLoadManyFinishFunc[V]) {
	if t.hooks.Need != nil {
		for range keys {
			t.hooks.Need(ctx, t.kind)
		}
	}
	return ctx, noLoadManyFinish[V]
}

// TraceBatch does nothing: the Batch hook wraps the batch function instead (hooked), because dataloader
// calls a TraceBatch finish only after the batch's results have been handed out, when the resolvers (and
// a response, and a metrics scrape) may already have moved on.
func (t hookTracer[K, V]) TraceBatch(ctx context.Context, _ []K) (context.Context, dataloader.TraceBatchFinishFunc[V]) {
	return ctx, noBatchFinish[V]
}

// hooked wraps a loader's batch function with the Batch hook: the hook sees the batch start, the batch's
// upstream calls run in the context it returns, and done is called before the results are handed out.
//
// It also wraps it with the wave count's bookkeeping (waved), outside the hook, so that the batch's place is
// handed back after done.
func hooked[K comparable, V any](l *Loaders, kind Kind, batch dataloader.BatchFunc[K, V]) dataloader.BatchFunc[K, V] {
	if l.cfg.Hooks.Batch == nil {
		return waved(l, kind, batch)
	}
	return waved(l, kind, func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		calls := new(atomic.Int32)
		ctx, done := l.cfg.Hooks.Batch(context.WithValue(ctx, callsKey{}, calls), kind, len(keys))
		out := batch(ctx, keys)
		if done != nil {
			done(int(calls.Load()))
		}
		return out
	})
}

func noBatchFinish[V any]([]*dataloader.Result[V]) {}

func noLoadFinish[V any](dataloader.Thunk[V])         {}
func noLoadManyFinish[V any](dataloader.ThunkMany[V]) {}

type callsKey struct{}

// countCall notes one upstream call of the batch running in ctx (nothing without hooks).
func countCall(ctx context.Context) {
	if n, ok := ctx.Value(callsKey{}).(*atomic.Int32); ok {
		n.Add(1)
	}
}

const inputCapacity = 32

// loaderOptions are the dataloader options of one loader of kind.
func loaderOptions[K comparable, V any](l *Loaders, kind Kind) []dataloader.Option[K, V] {
	// The input channel's default capacity (1000 needs, ~8 KB per batch) is sized for a loader shared by
	// many requests; one operation states a handful of needs per batch, and a full channel only makes a
	// resolver wait for the batcher goroutine that is draining it.
	opts := []dataloader.Option[K, V]{dataloader.WithWait[K, V](l.cfg.Wait), dataloader.WithInputCapacity[K, V](inputCapacity)}
	if l.cfg.Hooks.enabled() {
		opts = append(opts, dataloader.WithTracer[K, V](hookTracer[K, V]{kind: kind, hooks: l.cfg.Hooks}))
	}
	return opts
}
