package resilience_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
	"github.com/roomgraph/roomgraph/telnyxsim"
	"github.com/stretchr/testify/require"
)

// A room id no account of the simulator has: GET /v2/rooms/{it} is a 404.
const unknownRoom = "00000000-0000-4000-8000-000000000000"

// clock is a fake clock for Config.Now and Config.Sleep. Unless gated, Sleep
// returns at once and moves the clock to the end of the sleep, so waits take
// no wall-clock time and are recorded exactly. When gated, Sleep blocks until
// Advance moves the clock past its end. It starts near the wall clock because
// the Transport compares it with context deadlines.
type clock struct {
	mu      sync.Mutex
	now     time.Time
	gated   bool
	sleeps  []sleep
	waiters []waiter
}

type sleep struct {
	label string // from the request context, see withLabel
	d     time.Duration
	until time.Time
}

type waiter struct {
	until time.Time
	ch    chan struct{}
}

type labelKey struct{}

func withLabel(ctx context.Context, label string) context.Context {
	return context.WithValue(ctx, labelKey{}, label)
}

func newClock() *clock {
	return &clock{now: time.Now().Truncate(time.Second)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	label, _ := ctx.Value(labelKey{}).(string)
	c.mu.Lock()
	until := c.now.Add(d)
	c.sleeps = append(c.sleeps, sleep{label: label, d: d, until: until})
	if !c.gated {
		if until.After(c.now) {
			c.now = until
		}
		c.mu.Unlock()
		return nil
	}
	w := waiter{until: until, ch: make(chan struct{})}
	c.waiters = append(c.waiters, w)
	c.mu.Unlock()
	select {
	case <-w.ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.until.After(c.now) {
			kept = append(kept, w)
			continue
		}
		close(w.ch)
	}
	c.waiters = kept
}

func (c *clock) Sleeps() []sleep {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]sleep(nil), c.sleeps...)
}

func (c *clock) Durations() []time.Duration {
	var ds []time.Duration
	for _, s := range c.Sleeps() {
		ds = append(ds, s.d)
	}
	return ds
}

func (c *clock) Waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// withClock injects c and a fixed jitter draw of 0.5 into cfg.
func withClock(cfg resilience.Config, c *clock) resilience.Config {
	cfg.Now = c.Now
	cfg.Sleep = c.Sleep
	if cfg.Rand == nil {
		cfg.Rand = func() float64 { return 0.5 }
	}
	return cfg
}

// attempts records what OnAttempt saw.
type attempts struct {
	mu  sync.Mutex
	all []resilience.Attempt
}

func (a *attempts) hook(_ context.Context, at resilience.Attempt) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.all = append(a.all, at)
}

func (a *attempts) List() []resilience.Attempt {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]resilience.Attempt(nil), a.all...)
}

func (a *attempts) Statuses() []int {
	var s []int
	for _, at := range a.List() {
		s = append(s, at.Status)
	}
	return s
}

// states records OnStateChange.
type states struct {
	mu  sync.Mutex
	all []string
}

func (s *states) hook(from, to string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, from+">"+to)
}

func (s *states) List() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.all...)
}

func newSim(t *testing.T, cfg telnyxsim.Config) (*telnyxsim.Sim, string) {
	t.Helper()
	if cfg.Keys == nil {
		cfg.Keys = []string{"k1", "k2"}
	}
	if cfg.Rooms == 0 {
		cfg.Rooms = 3
		cfg.SessionsPerRoom = 1
		cfg.ParticipantsPerSession = 1
	}
	sim := telnyxsim.New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

// newBase returns a base transport without keep-alives, so Go's own silent
// retry of a reset on a reused connection cannot add upstream requests.
func newBase(t *testing.T) *http.Transport {
	t.Helper()
	base := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(base.CloseIdleConnections)
	return base
}

func newTransport(t *testing.T, cfg resilience.Config, hooks resilience.Hooks) *resilience.Transport {
	t.Helper()
	rt := resilience.New(newBase(t), cfg, hooks)
	t.Cleanup(rt.CloseIdleConnections)
	return rt
}

// do sends one request through rt with key as the bearer credential. The
// response body is read and closed; its status is returned (0 on error).
func do(t *testing.T, ctx context.Context, rt http.RoundTripper, method, url, key string) (int, error) {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost || method == http.MethodPatch {
		body = strings.NewReader(`{}`)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	require.NoError(t, err)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, nil
}

// scripted is a fake upstream answering from a list of (status, headers),
// the last entry repeating. It counts requests.
type scripted struct {
	mu      sync.Mutex
	answers []answer
	n       int
}

type answer struct {
	status  int
	headers map[string]string
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	a := s.answers[min(s.n, len(s.answers)-1)]
	s.n++
	s.mu.Unlock()
	for k, v := range a.headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, `{"errors":[{"code":"10007","title":"scripted"}]}`)
}

func (s *scripted) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func newScripted(t *testing.T, answers ...answer) (*scripted, string) {
	t.Helper()
	s := &scripted{answers: answers}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}
