package resilience

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Defaults of Config; a zero field takes these.
const (
	DefaultMaxRetries        = 2
	DefaultBaseDelay         = 100 * time.Millisecond
	DefaultMaxDelay          = 2 * time.Second
	DefaultAttemptTimeout    = 10 * time.Second
	DefaultMaxConcurrent     = 64
	DefaultMaxQueueWait      = 2 * time.Second
	DefaultBreakerFailures   = 5
	DefaultBreakerOpenFor    = 5 * time.Second
	DefaultDefaultRetryAfter = time.Second
	DefaultMaxRetryAfter     = time.Minute
)

// Config tunes a Transport. A zero field means its default; negative values
// are rejected by Validate.
type Config struct {
	// MaxRetries is the number of retries after the first attempt of an
	// idempotent request (default 2, so at most 3 attempts).
	MaxRetries int
	// BaseDelay and MaxDelay shape the backoff before retry n (0-based):
	// a uniform random delay in [0, min(MaxDelay, BaseDelay*2^n)].
	BaseDelay, MaxDelay time.Duration
	// AttemptTimeout bounds one attempt, from sending the request to the end
	// of reading its body (default 10s).
	AttemptTimeout time.Duration
	// MaxConcurrent bounds upstream calls in flight across all requests
	// (default 64); a call holds its slot until its response body is closed.
	MaxConcurrent int
	// MaxQueueWait bounds the wait for a free slot (default 2s).
	MaxQueueWait time.Duration
	// BreakerFailures consecutive failed attempts open the circuit (default 5);
	// it stays open for BreakerOpenFor (default 5s) before a probe is let through.
	BreakerFailures int
	BreakerOpenFor  time.Duration
	// DefaultRetryAfter is the wait after a 429 that names none, and after
	// x-ratelimit-remaining: 0 without a usable x-ratelimit-reset (default 1s).
	DefaultRetryAfter time.Duration
	// MaxRetryAfter caps every wait the upstream asks for (Retry-After-Ms,
	// Retry-After, x-ratelimit-reset; default 60s), so that one answer cannot
	// hold a credential back for an hour. When a hold the upstream asked to
	// last longer has passed, one request of the credential probes the
	// upstream first; the others wait for its answer.
	MaxRetryAfter time.Duration

	// Now is the clock (default time.Now). It must track the wall clock
	// closely enough to be compared with context deadlines.
	Now func() time.Time
	// Rand returns a number in [0, 1) for the backoff jitter (default
	// math/rand/v2.Float64). It must be safe for concurrent use.
	Rand func() float64
	// Sleep waits for d or until ctx is done, returning ctx.Err() in that
	// case (default: a timer). Tests inject it together with Now so that
	// waits take no wall-clock time.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Defaults returns c with every zero field set to its default.
func (c Config) Defaults() Config {
	setInt := func(p *int, d int) {
		if *p == 0 {
			*p = d
		}
	}
	setDur := func(p *time.Duration, d time.Duration) {
		if *p == 0 {
			*p = d
		}
	}
	setInt(&c.MaxRetries, DefaultMaxRetries)
	setDur(&c.BaseDelay, DefaultBaseDelay)
	setDur(&c.MaxDelay, DefaultMaxDelay)
	setDur(&c.AttemptTimeout, DefaultAttemptTimeout)
	setInt(&c.MaxConcurrent, DefaultMaxConcurrent)
	setDur(&c.MaxQueueWait, DefaultMaxQueueWait)
	setInt(&c.BreakerFailures, DefaultBreakerFailures)
	setDur(&c.BreakerOpenFor, DefaultBreakerOpenFor)
	setDur(&c.DefaultRetryAfter, DefaultDefaultRetryAfter)
	setDur(&c.MaxRetryAfter, DefaultMaxRetryAfter)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Float64
	}
	if c.Sleep == nil {
		c.Sleep = sleepTimer
	}
	return c
}

// Validate reports every negative field, and a BaseDelay above MaxDelay once
// defaults are applied.
func (c Config) Validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"MaxRetries", int64(c.MaxRetries)},
		{"BaseDelay", int64(c.BaseDelay)},
		{"MaxDelay", int64(c.MaxDelay)},
		{"AttemptTimeout", int64(c.AttemptTimeout)},
		{"MaxConcurrent", int64(c.MaxConcurrent)},
		{"MaxQueueWait", int64(c.MaxQueueWait)},
		{"BreakerFailures", int64(c.BreakerFailures)},
		{"BreakerOpenFor", int64(c.BreakerOpenFor)},
		{"DefaultRetryAfter", int64(c.DefaultRetryAfter)},
		{"MaxRetryAfter", int64(c.MaxRetryAfter)},
	} {
		if f.v < 0 {
			errs = append(errs, fmt.Errorf("resilience: %s must not be negative", f.name))
		}
	}
	if d := c.Defaults(); len(errs) == 0 && d.BaseDelay > d.MaxDelay {
		errs = append(errs, fmt.Errorf("resilience: BaseDelay %v exceeds MaxDelay %v", d.BaseDelay, d.MaxDelay))
	}
	return errors.Join(errs...)
}

func sleepTimer(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
