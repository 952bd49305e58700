package resilience

import (
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"
)

// credential is the Authorization header of one request, hashed only when the
// budget book is actually consulted or written.
type credential struct {
	raw    string
	sum    [sha256.Size]byte
	hashed bool
}

func (c *credential) key() [sha256.Size]byte {
	if !c.hashed {
		c.sum = sha256.Sum256([]byte(c.raw))
		c.hashed = true
		c.raw = ""
	}
	return c.sum
}

// budgetBook holds, per credential hash, the instant before which no attempt
// of that credential may start. Entries whose instant has passed are dropped
// lazily on lookup and in sweeps on insert, so the map only holds credentials
// that are currently held back.
type budgetBook struct {
	size atomic.Int64 // len(until), read without mu to skip hashing when no credential is held

	mu      sync.Mutex
	until   map[[sha256.Size]byte]time.Time
	sweepAt int // len(until) that triggers the next sweep
}

const minSweep = 64

// instant returns the credential's hold-until instant when it lies after now.
func (b *budgetBook) instant(c *credential, now time.Time) (time.Time, bool) {
	if b.size.Load() == 0 {
		return time.Time{}, false
	}
	k := c.key()
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.until[k]
	if !ok {
		return time.Time{}, false
	}
	if !t.After(now) {
		delete(b.until, k)
		b.size.Store(int64(len(b.until)))
		return time.Time{}, false
	}
	return t, true
}

// hold makes the credential wait until at least t.
func (b *budgetBook) hold(c *credential, t, now time.Time) {
	if !t.After(now) {
		return
	}
	k := c.key()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.until == nil {
		b.until = make(map[[sha256.Size]byte]time.Time)
	}
	if old, ok := b.until[k]; ok && !t.After(old) {
		return
	}
	b.until[k] = t
	if len(b.until) >= max(b.sweepAt, minSweep) {
		for key, u := range b.until {
			if !u.After(now) {
				delete(b.until, key)
			}
		}
		// Doubling keeps sweeps amortised O(1) per insert even when every
		// entry is live.
		b.sweepAt = 2 * len(b.until)
	}
	b.size.Store(int64(len(b.until)))
}

func (b *budgetBook) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.until)
}
