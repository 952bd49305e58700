package resilience

import (
	"sync"
	"sync/atomic"
	"time"
)

const (
	stateClosed int32 = iota
	stateOpen
	stateHalfOpen
)

var stateNames = [...]string{stateClosed: "closed", stateOpen: "open", stateHalfOpen: "half-open"}

// outcome of one attempt as the breaker sees it.
type outcome int

const (
	outcomeSuccess outcome = iota // any answer that shows the upstream works, 4xx and 429 included
	outcomeFailure                // connection error, timeout, 5xx, 408
	outcomeIgnored                // the caller gave up; says nothing about the upstream
)

// breaker is a consecutive-failure circuit breaker with a single half-open
// probe. The closed-state success path touches only atomics, so a healthy
// upstream costs no lock.
type breaker struct {
	threshold int
	openFor   time.Duration
	now       func() time.Time
	onChange  func(from, to string)

	state    atomic.Int32 // read without mu; written under mu
	failures atomic.Int64 // consecutive failures while closed

	mu       sync.Mutex
	openedAt time.Time
	probing  bool // a half-open probe is out
}

// allow says whether an attempt may go to the upstream. probe is true when the
// attempt is the half-open probe, whose outcome decides the state. When the
// attempt is refused, wait is the rest of the cool-down (0 while a probe is out).
func (b *breaker) allow() (probe, ok bool, wait time.Duration) {
	if b.state.Load() == stateClosed {
		return false, true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state.Load() {
	case stateClosed:
		return false, true, 0
	case stateOpen:
		if rest := b.openFor - b.now().Sub(b.openedAt); rest > 0 {
			return false, false, rest
		}
		b.setState(stateHalfOpen)
	}
	if b.probing {
		return false, false, 0
	}
	b.probing = true
	return true, true, 0
}

// refuses is allow without side effects, used to fail fast before waiting for
// a backoff or a budget that would end in a refusal anyway.
func (b *breaker) refuses() (bool, time.Duration) {
	if b.state.Load() == stateClosed {
		return false, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state.Load() {
	case stateOpen:
		if rest := b.openFor - b.now().Sub(b.openedAt); rest > 0 {
			return true, rest
		}
		return false, 0
	case stateHalfOpen:
		return b.probing, 0
	}
	return false, 0
}

func (b *breaker) record(probe bool, o outcome) {
	if !probe && b.state.Load() == stateClosed {
		switch o {
		case outcomeSuccess:
			if b.failures.Load() != 0 {
				b.failures.Store(0)
			}
			return
		case outcomeIgnored:
			return
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
		switch o {
		case outcomeSuccess:
			b.failures.Store(0)
			b.setState(stateClosed)
		case outcomeFailure:
			b.open()
		}
		return
	}
	// Answers to calls let through before the circuit opened say nothing new
	// once it is open or probing.
	if o == outcomeFailure && b.state.Load() == stateClosed {
		if b.failures.Add(1) >= int64(b.threshold) {
			b.open()
		}
	}
}

func (b *breaker) open() {
	b.openedAt = b.now()
	b.setState(stateOpen)
}

// setState runs under mu; the hook is called there too so that the
// transitions it sees are in order. It must not call back into the Transport
// other than BreakerState, which takes no lock.
func (b *breaker) setState(to int32) {
	from := b.state.Swap(to)
	if from != to && b.onChange != nil {
		b.onChange(stateNames[from], stateNames[to])
	}
}

func (b *breaker) stateName() string { return stateNames[b.state.Load()] }
