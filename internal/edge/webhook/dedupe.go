package webhook

import (
	"context"
	"errors"
	"time"

	"github.com/maypok86/otter/v2"
)

// Deduper remembers the ids of the events accepted recently, so that a second delivery of one (Telnyx
// delivers at least once, and retries) is answered 200 without being processed again. The door claims an
// id before queueing its event and forgets it when the event is refused after all (a full queue): the
// retry Telnyx then makes must not be taken for a duplicate.
//
// MemoryDedupe keeps the ids in this process; a store shared by replicas (Redis: SET NX PX) can take its
// place through this interface.
type Deduper interface {
	// Claim records id and reports whether it was new: true means the caller processes the event, false
	// that it was claimed within the window already. An error means the store could not say (the door
	// answers 503, so Telnyx retries).
	Claim(ctx context.Context, id string) (bool, error)
	// Forget removes the claim of id.
	Forget(ctx context.Context, id string) error
}

// MemoryDedupe is a Deduper in this process's memory, bounded by time (an id is remembered for the window
// after its claim) and by count (past the count, the cache's W-TinyLFU policy forgets some ids before
// their window ends). It starts no goroutine: expiry and eviction run on the claiming goroutine.
type MemoryDedupe struct {
	ids *otter.Cache[string, struct{}]
}

// NewMemoryDedupe remembers at most size ids, each for window after its claim, by the clock now
// (time.Now when nil).
func NewMemoryDedupe(window time.Duration, size int, now func() time.Time) (*MemoryDedupe, error) {
	if window <= 0 || size < 1 {
		return nil, errors.New("webhook: the dedupe window and size must be positive")
	}
	if now == nil {
		now = time.Now
	}
	ids, err := otter.New(&otter.Options[string, struct{}]{
		MaximumSize:      size,
		ExpiryCalculator: otter.ExpiryWriting[string, struct{}](window),
		Clock:            clock{now},
		// Maintenance runs on the writing goroutine: the bounds hold when Claim returns, and no goroutine
		// of the cache's own outlives the door.
		Executor: func(fn func()) { fn() },
	})
	if err != nil {
		return nil, err
	}
	return &MemoryDedupe{ids: ids}, nil
}

// Claim records id; false when it is remembered already.
func (d *MemoryDedupe) Claim(_ context.Context, id string) (bool, error) {
	_, added := d.ids.SetIfAbsent(id, struct{}{})
	return added, nil
}

// Forget removes id.
func (d *MemoryDedupe) Forget(_ context.Context, id string) error {
	d.ids.Invalidate(id)
	return nil
}

// Len is the number of ids remembered (expired ones not yet removed included).
func (d *MemoryDedupe) Len() int { return d.ids.EstimatedSize() }

// clock is otter's clock over an injected now. It never ticks: without ticks the cache runs no periodic
// clean-up goroutine, and expired ids are removed during the maintenance that writes trigger.
type clock struct{ now func() time.Time }

func (c clock) NowNano() int64                      { return c.now().UnixNano() }
func (c clock) Tick(time.Duration) <-chan time.Time { return nil }
