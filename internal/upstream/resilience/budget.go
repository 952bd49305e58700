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

// credentialOfHash is a credential known by its hash only (a hold shared by another replica).
func credentialOfHash(sum [sha256.Size]byte) credential {
	return credential{sum: sum, hashed: true}
}

// Reasons of a hold, for Hooks.OnHold.
const (
	HoldTooManyRequests = "too_many_requests" // a 429
	HoldWindowExhausted = "window_exhausted"  // x-ratelimit-remaining: 0
)

// Outcomes of a probe, for Hooks.OnProbe.
const (
	ProbeCleared   = "cleared"    // the upstream answered without holding the credential back: every request may go
	ProbeHeldAgain = "held_again" // the upstream held the credential back again
	ProbeNoAnswer  = "no_answer"  // the probe got no answer (or was never sent); the next request probes
)

// Hold is one credential's rate-limit state.
type Hold struct {
	// Until is the instant before which no request of the credential starts; zero when it is not held.
	Until time.Time
	// Probing: a capped hold has passed and one request is out probing the upstream; the credential's
	// other requests wait for its answer.
	Probing bool
}

// Held reports whether the credential is held back at all: waiting for Until, or for a probe.
func (h Hold) Held(now time.Time) bool { return h.Probing || h.Until.After(now) }

// budget is one held credential.
type budget struct {
	until time.Time
	// capped: the upstream asked for a longer wait than MaxRetryAfter. When until passes, one request (the
	// probe) goes first and the others wait for its answer, so that a budget the upstream still considers
	// exhausted costs one request, not a burst.
	capped bool
	probe  chan struct{} // non-nil while a probe is out; closed when its outcome is known
}

// probe is a request's claim to be the probe of its credential's capped hold.
type probe struct {
	key [sha256.Size]byte
	b   *budget
}

// budgetBook holds, per credential hash, the instant before which no attempt
// of that credential may start. Entries whose instant has passed are dropped
// lazily on lookup and in sweeps on insert, so the map only holds credentials
// that are currently held back (or, after a capped hold, whose next request
// probes, for at most one more capped wait).
type budgetBook struct {
	size atomic.Int64 // len(until), read without mu to skip hashing when no credential is held

	mu      sync.Mutex
	until   map[[sha256.Size]byte]*budget
	sweepAt int // len(until) that triggers the next sweep
	maxWait time.Duration
}

const minSweep = 64

// admission is what the book says about a request of a credential.
type admission struct {
	until   time.Time     // wait until then (if after now)
	probing chan struct{} // else wait for this probe's answer (if non-nil)
	claim   *probe        // else go, as this probe (if non-nil) or freely
}

// admit tells a request of the credential whether it may go now. Only when claim is true may it become
// the probe of a capped hold that has passed (the caller is about to send it).
func (b *budgetBook) admit(c *credential, now time.Time, claim bool) admission {
	if b.size.Load() == 0 {
		return admission{}
	}
	k := c.key()
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.until[k]
	switch {
	case !ok:
		return admission{}
	case e.until.After(now):
		return admission{until: e.until}
	case e.probe != nil:
		return admission{probing: e.probe}
	case !e.capped:
		b.remove(k)
		return admission{}
	case !claim:
		return admission{}
	}
	e.probe = make(chan struct{})
	return admission{claim: &probe{key: k, b: e}}
}

// hold makes the credential wait until at least t; capped says the upstream asked for longer. A probe's
// own answer settles its claim.
func (b *budgetBook) hold(c *credential, t time.Time, capped bool, now time.Time, p *probe) {
	k := c.key()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.until == nil {
		b.until = make(map[[sha256.Size]byte]*budget)
	}
	e, ok := b.until[k]
	if !ok {
		e = &budget{}
		b.until[k] = e
	}
	if t.After(e.until) {
		e.until = t
	}
	e.capped = e.capped || capped
	b.settleLocked(p)
	if len(b.until) >= max(b.sweepAt, minSweep) {
		for key, u := range b.until {
			if b.stale(u, now) {
				delete(b.until, key)
			}
		}
		// Doubling keeps sweeps amortised O(1) per insert even when every
		// entry is live.
		b.sweepAt = 2 * len(b.until)
	}
	b.size.Store(int64(len(b.until)))
}

// stale says an entry holds nothing back any more: its instant has passed, no probe is out, and if it was
// capped, a whole capped wait has passed since without any request probing (a credential that comes back
// after that long starts afresh).
func (b *budgetBook) stale(e *budget, now time.Time) bool {
	if e.until.After(now) || e.probe != nil {
		return false
	}
	return !e.capped || !e.until.Add(b.maxWait).After(now)
}

// release settles a probe that was not held again: cleared when the upstream answered without holding the
// credential back (the entry goes, unless another answer held it again meanwhile), else no answer (the
// next request probes).
func (b *budgetBook) release(p *probe, cleared bool, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if cleared && b.until[p.key] == p.b && !p.b.until.After(now) {
		b.remove(p.key)
	}
	b.settleLocked(p)
}

func (b *budgetBook) settleLocked(p *probe) {
	if p == nil || p.b.probe == nil {
		return
	}
	close(p.b.probe)
	p.b.probe = nil
}

func (b *budgetBook) remove(k [sha256.Size]byte) {
	delete(b.until, k)
	b.size.Store(int64(len(b.until)))
}

// state is the credential's hold, without changing anything.
func (b *budgetBook) state(c *credential) Hold {
	if b.size.Load() == 0 {
		return Hold{}
	}
	k := c.key()
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.until[k]
	if !ok {
		return Hold{}
	}
	return Hold{Until: e.until, Probing: e.probe != nil}
}

// held counts the credentials held back at now.
func (b *budgetBook) held(now time.Time) int {
	if b.size.Load() == 0 {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, e := range b.until {
		if e.probe != nil || e.until.After(now) {
			n++
		}
	}
	return n
}

func (b *budgetBook) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.until)
}
