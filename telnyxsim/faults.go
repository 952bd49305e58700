package telnyxsim

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Fault describes misbehaviour injected on a route. The zero value injects nothing.
// The rates are probabilities per request; one uniform draw per request picks at most one of
// reset, hang, error, too-many, truncate, malformed and wrong-content-type (in that order of
// precedence, as consecutive bands of [0,1)), so their sum should not exceed 1.
type Fault struct {
	Latency              time.Duration // added before answering
	Jitter               time.Duration // + uniform random [0, Jitter)
	ErrorRate            float64       // answer ErrorStatus (default 500) with the errors envelope (code 10007)
	ErrorStatus          int
	TooManyRate          float64       // answer 429 code 10011 with Retry-After (seconds, rounded up) and Retry-After-Ms
	RetryAfter           time.Duration // for TooManyRate (default 1s) and RateLimit (default: until the window resets)
	RateLimit            int           // >0: at most RateLimit requests per RateWindow per account (key); above -> 429
	RateWindow           time.Duration // default 1s
	ResetRate            float64       // hijack and close the connection without answering (connection reset)
	HangRate             float64       // never answer until the client gives up (request context done)
	TruncateRate         float64       // the real answer's status with its JSON body cut in half
	MalformedRate        float64       // 200 with a body that is not JSON at all
	WrongContentTypeRate float64       // 200 with Content-Type text/html and an HTML body
}

type faultOutcome int

const (
	outNone faultOutcome = iota
	outReset
	outHang
	outError
	outTooMany
	outTruncate
	outMalformed
	outWrongContentType
)

// faultBook holds the fault table, the seeded source for fault decisions and the windows of
// RateLimit faults. One mutex keeps the random sequence deterministic for a given seed and
// request order.
type faultBook struct {
	mu      sync.Mutex
	byRoute map[string]Fault
	rng     *rand.Rand
	windows windowBook
}

func (fb *faultBook) init(seed int64) {
	fb.byRoute = map[string]Fault{}
	fb.rng = rand.New(rand.NewPCG(uint64(seed), 0xfa017_5eed))
	fb.windows.init()
}

func (fb *faultBook) set(route string, f Fault) {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	if f == (Fault{}) {
		delete(fb.byRoute, route)
	} else {
		fb.byRoute[route] = f
	}
	fb.windows.forgetRoute(route)
}

func (fb *faultBook) clear() {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	fb.byRoute = map[string]Fault{}
	fb.windows.init()
}

// lookup returns the fault for route and the table key it came from.
func (fb *faultBook) lookup(route string) (Fault, string, bool) {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	if len(fb.byRoute) == 0 {
		return Fault{}, "", false
	}
	if f, ok := fb.byRoute[route]; ok {
		return f, route, true
	}
	if f, ok := fb.byRoute[RouteAll]; ok {
		return f, RouteAll, true
	}
	return Fault{}, "", false
}

// decide draws the delay and the outcome for one request.
func (fb *faultBook) decide(f Fault) (time.Duration, faultOutcome) {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	delay := f.Latency
	if f.Jitter > 0 {
		delay += time.Duration(fb.rng.Int64N(int64(f.Jitter)))
	}
	bands := [...]struct {
		rate float64
		out  faultOutcome
	}{
		{f.ResetRate, outReset},
		{f.HangRate, outHang},
		{f.ErrorRate, outError},
		{f.TooManyRate, outTooMany},
		{f.TruncateRate, outTruncate},
		{f.MalformedRate, outMalformed},
		{f.WrongContentTypeRate, outWrongContentType},
	}
	var sum float64
	for _, b := range bands {
		sum += max(b.rate, 0)
	}
	if sum == 0 {
		return delay, outNone
	}
	u := fb.rng.Float64()
	var acc float64
	for _, b := range bands {
		acc += max(b.rate, 0)
		if u < acc {
			return delay, b.out
		}
	}
	return delay, outNone
}

// take counts one request against a RateLimit fault's window for (fault route, API key).
func (fb *faultBook) take(faultRoute, key string, f Fault, now time.Time) windowState {
	win := f.RateWindow
	if win <= 0 {
		win = time.Second
	}
	fb.mu.Lock()
	defer fb.mu.Unlock()
	return fb.windows.take(faultRoute+"\x00"+key, f.RateLimit, win, now, true)
}

// windowBook is a set of fixed-window request counters.
type windowBook struct {
	mu      sync.Mutex
	windows map[string]*window
}

const maxWindows = 10000

type window struct {
	start time.Time
	count int
}

type windowState struct {
	allowed   bool
	limit     int
	remaining int
	reset     time.Duration // until the window resets
}

func (wb *windowBook) init() {
	wb.mu.Lock()
	defer wb.mu.Unlock()
	wb.windows = map[string]*window{}
}

func (wb *windowBook) forgetRoute(route string) {
	wb.mu.Lock()
	defer wb.mu.Unlock()
	prefix := route + "\x00"
	for k := range wb.windows {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			delete(wb.windows, k)
		}
	}
}

// take counts a request when enforce is false or when the window still has room.
func (wb *windowBook) take(key string, limit int, win time.Duration, now time.Time, enforce bool) windowState {
	wb.mu.Lock()
	defer wb.mu.Unlock()
	w := wb.windows[key]
	if w == nil {
		// Any Authorization value gets a window; forget them all rather than grow without bound.
		if len(wb.windows) >= maxWindows {
			clear(wb.windows)
		}
		w = &window{start: now}
		wb.windows[key] = w
	}
	if now.Sub(w.start) >= win || now.Before(w.start) {
		w.start = now
		w.count = 0
	}
	st := windowState{limit: limit, reset: win - now.Sub(w.start)}
	if enforce && w.count >= limit {
		return st
	}
	w.count++
	st.allowed = true
	st.remaining = max(limit-w.count, 0)
	return st
}
