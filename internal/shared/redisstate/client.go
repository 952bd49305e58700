// Package redisstate is the state roomgraph's replicas share, in Redis (github.com/redis/go-redis/v9):
// the client and its health, and one adapter per shared feature, each behind an interface of the package
// whose in-process behaviour it extends:
//
//	Dedupe     webhook.Deduper        the webhook door's event ids (SET NX PX), across replicas
//	Bus        webhook.Publisher      verified events to every replica's live.Hub (a Redis Stream), and
//	                                  the upstream's rate-limit holds to every replica's resilience.Transport
//	APQ        persisted.APQStore     automatic persisted queries
//	ReadCache  coalesce.SharedCache   the read cache, versioned per credential (INCR on every write)
//
// Redis failing is not roomgraph failing. Every call has a short timeout (Config.Timeout); the first that
// fails marks Redis down, and while it is down no call is made at all: each feature falls back to its
// in-process behaviour at once (counted in roomgraph_redis_fallbacks_total{feature}, logged at most once a
// minute per feature). A health check (PING, every Config.CheckInterval) marks it up again; the features
// then use it again on their own, and the Bus ends this replica's subscriptions with a gap (live.ErrGap),
// since events that other replicas received meanwhile never reached them.
//
// Keys are namespaced by Config.Prefix; a credential appears in them only as a hash (SHA-256, truncated).
// docs/redis.md describes the keys, the bounds and the behaviour of each feature without Redis.
package redisstate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/roomgraph/roomgraph/internal/telemetry"
)

// Defaults of Config.
const (
	DefaultPrefix        = "roomgraph:"
	DefaultTimeout       = 250 * time.Millisecond
	DefaultCheckInterval = time.Second
)

// Config configures Open.
type Config struct {
	// URL is redis://[user:password@]host:port[/db], rediss://… (TLS) or unix://…; required. Never logged.
	URL string
	// Prefix starts every key (default "roomgraph:").
	Prefix string
	// Timeout bounds every Redis call (default 250ms), the blocking reads of the Bus aside (a second each).
	Timeout time.Duration
	// CheckInterval is how often Redis is PINGed (default 1s): what tells a replica that Redis is back.
	CheckInterval time.Duration
	// Logger gets a line when Redis goes down and comes back, and per feature at most once a minute when
	// it falls back (default: discard).
	Logger *slog.Logger
	// Metrics gets roomgraph_redis_* (default: a registry of its own, unserved).
	Metrics *telemetry.Metrics
}

// ErrDown is returned, without a call, while Redis is marked down.
var ErrDown = errors.New("redisstate: redis is down")

// ParseURL checks a Redis URL. Its error never contains the URL (it may hold a password).
func ParseURL(u string) (*redis.Options, error) {
	opt, err := redis.ParseURL(u)
	if err != nil {
		return nil, errors.New("not a redis://, rediss:// or unix:// URL that go-redis accepts (user, password, host, port, db)")
	}
	return opt, nil
}

// Client is the connection to Redis, its health, and what the features share. Close it last.
type Client struct {
	rdb      *redis.Client
	prefix   string
	timeout  time.Duration
	interval time.Duration
	replica  string // this process's id on the Bus
	logger   *slog.Logger
	metrics  *telemetry.Metrics

	up        atomic.Bool
	upCh      chan struct{} // closed while up; replaced when down
	mu        sync.Mutex    // guards upCh, onRecover
	onRecover []func()
	warned    telemetry.Throttle // one warn line per feature and minute

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Open connects to Redis and starts the health check. Redis being down is not an error: the client starts
// down, the features fall back, and it comes up when Redis answers.
func Open(cfg Config) (*Client, error) {
	opt, err := ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("redisstate: %w", err)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.CheckInterval <= 0 {
		cfg.CheckInterval = DefaultCheckInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		m, err := telemetry.NewMetrics(telemetry.MetricsOptions{NoRuntimeCollectors: true})
		if err != nil {
			return nil, err
		}
		cfg.Metrics = m
	}
	// Fail fast: no retry of a call, one dial per call bounded by the timeout, no wait for a pooled
	// connection past it; deadlines of the callers' contexts honoured.
	opt.MaxRetries = -1
	opt.DialerRetries = 1
	opt.DialTimeout = cfg.Timeout
	opt.ReadTimeout = cfg.Timeout
	opt.WriteTimeout = cfg.Timeout
	opt.PoolTimeout = cfg.Timeout
	opt.ContextTimeoutEnabled = true
	opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	opt.ClientName = "roomgraph"
	var id [8]byte
	_, _ = rand.Read(id[:])
	c := &Client{
		rdb:      redis.NewClient(opt),
		prefix:   cfg.Prefix,
		timeout:  cfg.Timeout,
		interval: cfg.CheckInterval,
		replica:  hex.EncodeToString(id[:]),
		logger:   cfg.Logger,
		metrics:  cfg.Metrics,
		upCh:     make(chan struct{}),
		warned:   telemetry.Throttle{Every: time.Minute},
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.metrics.RedisState(false)
	if c.ping() == nil {
		c.setUp()
	} else {
		c.logger.LogAttrs(context.Background(), slog.LevelWarn, "redis does not answer: shared state falls back to this process until it does")
	}
	c.wg.Add(1)
	go c.check()
	return c, nil
}

// Up reports whether Redis is marked up.
func (c *Client) Up() bool { return c.up.Load() }

// State is "up" or "down", for /readyz.
func (c *Client) State() string {
	if c.Up() {
		return "up"
	}
	return "down"
}

// OnRecover registers fn, called (on the health check's goroutine) each time Redis comes back up after it
// was marked down.
func (c *Client) OnRecover(fn func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.onRecover = append(c.onRecover, fn)
}

// Close stops the health check and the features' goroutines, and closes the connections.
func (c *Client) Close() error {
	c.cancel()
	c.wg.Wait()
	return c.rdb.Close()
}

func (c *Client) ping() error {
	ctx, cancel := context.WithTimeout(c.ctx, c.timeout)
	defer cancel()
	return c.rdb.Ping(ctx).Err()
}

// check PINGs Redis every interval: a failure marks it down, an answer up.
func (c *Client) check() {
	defer c.wg.Done()
	t := time.NewTicker(c.interval)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
		if err := c.ping(); err != nil {
			if c.ctx.Err() == nil {
				c.markDown(telemetry.RedisHealth, err)
			}
			continue
		}
		if !c.up.Load() {
			c.setUp()
		}
	}
}

func (c *Client) setUp() {
	c.mu.Lock()
	if c.up.Load() {
		c.mu.Unlock()
		return
	}
	c.up.Store(true)
	close(c.upCh)
	fns := append([]func(){}, c.onRecover...)
	c.mu.Unlock()
	c.metrics.RedisState(true)
	c.logger.LogAttrs(context.Background(), slog.LevelInfo, "redis answers: shared state is shared again")
	for _, fn := range fns {
		fn()
	}
}

// markDown marks Redis down after a failed call of feature.
func (c *Client) markDown(feature string, err error) {
	c.mu.Lock()
	if !c.up.Load() {
		c.mu.Unlock()
		return
	}
	c.up.Store(false)
	c.upCh = make(chan struct{})
	c.mu.Unlock()
	c.metrics.RedisState(false)
	c.logger.LogAttrs(context.Background(), slog.LevelWarn, "redis failed: shared state falls back to this process until it answers again",
		slog.String("feature", feature), slog.String("error", err.Error()))
}

// waitUp returns a channel closed once Redis is up (already closed while it is).
func (c *Client) waitUp() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.upCh
}

// fallback counts and logs (once a minute per feature) a use of feature without Redis.
func (c *Client) fallback(feature string) {
	c.metrics.RedisFallback(feature)
	if c.warned.Allow(feature) {
		c.logger.LogAttrs(context.Background(), slog.LevelWarn, "redis unavailable: a shared feature falls back to this process (logged once a minute per feature)",
			slog.String("feature", feature))
	}
}

// do runs one Redis call of feature under the timeout (and the caller's deadline, when sooner). While
// Redis is down it makes no call and returns ErrDown. A failure (redis.Nil is an answer, not a failure)
// marks Redis down, unless the caller's own context ended. Either way the feature's fallback is counted.
func (c *Client) do(ctx context.Context, feature string, call func(ctx context.Context) error) error {
	if !c.up.Load() {
		c.fallback(feature)
		return ErrDown
	}
	cctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	err := call(cctx)
	if err == nil || errors.Is(err, redis.Nil) {
		return err
	}
	c.metrics.RedisError(feature)
	if ctx.Err() == nil {
		c.markDown(feature, err)
	}
	c.fallback(feature)
	return err
}

// key is the prefix and the parts.
func (c *Client) key(parts ...string) string {
	n := len(c.prefix)
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	b = append(b, c.prefix...)
	for _, p := range parts {
		b = append(b, p...)
	}
	return string(b)
}
