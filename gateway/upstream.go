package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/roomgraph/roomgraph/internal/telemetry"
	"github.com/roomgraph/roomgraph/internal/upstream/coalesce"
	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// upstream is the Telnyx client and the transport stack under it. From the top:
//
//	telnyx.Client → [trace: one span per call] → coalesce (identical reads in flight share one call)
//	→ resilience (retries, breaker, concurrency bound, rate budget) → [trace: one span per attempt] → base
//
// Coalescing sits above the retries, so a shared read is retried once for everyone who waits on it.
type upstream struct {
	client     *telnyx.Client
	resilience *resilience.Transport
	base       http.RoundTripper // the bare transport, for the readiness probe

	mu         sync.Mutex // guards lastReady, readyUntil
	lastReady  readiness
	readyUntil time.Time
}

func newUpstream(cfg Config, obs *observer, httpClient *http.Client, tp oteltrace.TracerProvider, basePath string, sh *shared) (*upstream, error) {
	var hc http.Client
	if httpClient != nil {
		hc = *httpClient
	}
	if hc.Transport == nil {
		hc.Transport = telnyx.NewTransport()
	}
	up := &upstream{base: hc.Transport}
	var tracer *telemetry.UpstreamTracer
	if tp != nil {
		tracer = telemetry.NewUpstreamTracer(tp, obs.routes)
		hc.Transport = tracer.Attempts(hc.Transport)
	}
	up.resilience = resilience.New(hc.Transport, cfg.Resilience.resilience(cfg.UpstreamTimeout), resilience.Hooks{
		OnAttempt:     func(ctx context.Context, a resilience.Attempt) { obs.attempt(ctx, basePath, a) },
		OnStateChange: obs.metrics.BreakerChange,
		OnHold:        obs.metrics.RateLimitHold,
		OnProbe:       obs.metrics.RateLimitProbe,
		OnShareHold:   sh.shareHold(),
	})
	obs.metrics.CountRateLimited(up.resilience.RateLimitedCredentials)
	hc.Transport = up.resilience
	if !cfg.DisableCoalescing {
		hc.Transport = coalesce.New(hc.Transport, coalesce.Config{CacheTTL: cfg.ReadCacheTTL, Shared: sh.readCacheStore()}, coalesce.Hooks{
			OnShared:   func(context.Context) { obs.metrics.UpstreamSaved("shared") },
			OnCacheHit: func(context.Context) { obs.metrics.UpstreamSaved("cache_hit") },
		})
	}
	if tracer != nil {
		hc.Transport = tracer.Calls(hc.Transport)
	}
	client, err := telnyx.New(telnyx.Options{BaseURL: cfg.BaseURL, HTTPClient: &hc,
		Observe: func(_ context.Context, c telnyx.Call) { obs.call(c.Err) }})
	if err != nil {
		return nil, err
	}
	up.client = client
	return up, nil
}

// readiness is the body of /readyz.
type readiness struct {
	Ready    bool   `json:"ready"`
	Upstream string `json:"upstream"` // "reachable", "unreachable"
	Breaker  string `json:"breaker"`  // "closed", "half-open", "open"
	// RateLimit is the server key's rate-limit state, in key mode only: "ok", "held" (every request fails
	// or waits until RateLimitedUntil, RFC 3339) or "probing" (a capped hold passed; one request is finding
	// out whether the upstream lets the key through again).
	RateLimit        string `json:"rateLimit,omitempty"`
	RateLimitedUntil string `json:"rateLimitedUntil,omitempty"`
	// RateLimitedKeys counts the callers' keys held back now, in forward mode only (a count, never a key).
	RateLimitedKeys *int `json:"rateLimitedKeys,omitempty"`
	// Redis is the shared state's Redis (Config.RedisURL): "up", or "down" while every shared feature
	// falls back to this replica; absent without Redis. It does not make the replica not ready: a replica
	// without Redis still serves every request (docs/redis.md), and taking every replica out of the load
	// balancer because their shared Redis failed would turn a degraded service into none.
	Redis string `json:"redis,omitempty"`
}

// ready answers /readyz: 200 when the upstream answered an HTTP request within the timeout (any status
// below 500: a 401 still proves it is there), the circuit breaker is not open and, in key mode, the
// upstream's rate limit does not hold the server key back; else 503. The probe is one page of one room with
// the server key, made at most once a second however often orchestrators ask, and not at all while the key
// is held back (it would spend the budget the upstream asked us to spare; the 429 proved it reachable).
//
// Readiness means "can serve". In key mode every request uses the one key, so while it is held back every
// request fails with UPSTREAM_RATE_LIMITED (or waits): not ready, like an open breaker, and for at most
// ROOMGRAPH_MAX_RETRY_AFTER, after which it is ready again and the next request probes the upstream. In
// forward mode one caller's key says nothing about the others': held keys are counted, readiness is not
// affected.
func (u *upstream) ready(cfg Config, sh *shared) http.Handler {
	probe := &http.Client{Transport: u.base, Timeout: cfg.ReadyTimeout}
	serverKey := "Bearer " + cfg.APIKey
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cfg.Auth == AuthServerKey {
			if hold := u.resilience.RateLimit(serverKey); hold.Until.After(time.Now()) {
				writeReadiness(w, readiness{Upstream: "reachable", Breaker: u.resilience.BreakerState(),
					RateLimit: "held", RateLimitedUntil: hold.Until.UTC().Format(time.RFC3339), Redis: sh.state()})
				return
			}
		}
		u.mu.Lock()
		state, fresh := u.lastReady, time.Now().Before(u.readyUntil)
		u.mu.Unlock()
		if !fresh {
			state = readiness{Upstream: "unreachable", Breaker: u.resilience.BreakerState()}
			req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, cfg.BaseURL+"/rooms?page%5Bsize%5D=1", nil)
			if err == nil {
				if cfg.APIKey != "" {
					req.Header.Set("Authorization", "Bearer "+cfg.APIKey)
				}
				if resp, err := probe.Do(req); err == nil {
					resp.Body.Close()
					if resp.StatusCode < 500 {
						state.Upstream = "reachable"
					}
				}
			}
			state.Ready = state.Upstream == "reachable" && state.Breaker != "open"
			u.mu.Lock()
			u.lastReady, u.readyUntil = state, time.Now().Add(time.Second)
			u.mu.Unlock()
		}
		switch cfg.Auth {
		case AuthServerKey:
			state.RateLimit = "ok"
			if u.resilience.RateLimit(serverKey).Probing {
				state.RateLimit = "probing"
			}
		case AuthForward:
			n := u.resilience.RateLimitedCredentials()
			state.RateLimitedKeys = &n
		}
		state.Redis = sh.state()
		writeReadiness(w, state)
	})
}

func writeReadiness(w http.ResponseWriter, state readiness) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !state.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(state)
}
