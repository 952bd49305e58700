package loaders

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"
)

// Every batch runs on a new goroutine (dataloader starts one per batch window), and an upstream call is a
// deep chain of frames (batch → list plan → telnyx client → net/http client → transports → decode). A new
// goroutine's stack starts small, so it used to be grown at the bottom of that chain, where the runtime
// must copy and adjust some thirty frames (it showed in the S1 profile: BENCHMARKS.md). Growing it once at
// the top, where there are three frames to move, makes the whole chain fit.

// batchStack is how much stack a batch goroutine reserves before it starts: the chain measured at about
// 9 KiB; the runtime rounds up to the next power of two (16 KiB, still served from its per-P cache).
const batchStack = 10 << 10

// growStack needs batchStack bytes of frame, so calling it grows a small stack in one step.
//
//go:noinline
func growStack(i, j int) byte {
	var reserve [batchStack]byte
	reserve[i] = 1
	return reserve[j] // an index the compiler cannot see keeps the array (and the frame) in place
}

// grown runs batch on a stack grown up front; see batchStack.
func grown[K comparable, V any](batch dataloader.BatchFunc[K, V]) dataloader.BatchFunc[K, V] {
	return func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		growStack(0, len(keys)%batchStack)
		return batch(ctx, keys)
	}
}
