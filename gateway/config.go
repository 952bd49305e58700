package gateway

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/roomgraph/roomgraph/internal/edge/webhook"
	"github.com/roomgraph/roomgraph/internal/exec/limits"
	"github.com/roomgraph/roomgraph/internal/shared/redisstate"
	"github.com/roomgraph/roomgraph/internal/telemetry"
	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// AuthMode says whose Telnyx API key the gateway sends upstream.
type AuthMode string

const (
	// AuthServerKey sends the gateway's own key (Config.APIKey) for every caller.
	AuthServerKey AuthMode = "key"
	// AuthForward sends each caller's own `Authorization: Bearer …` upstream; callers without one are
	// refused with UNAUTHENTICATED before any upstream call.
	AuthForward AuthMode = "forward"
)

// Config is everything the gateway can be told. The zero value of every field but BaseURL/APIKey means
// "the default" (see Defaults).
type Config struct {
	// BaseURL of the Telnyx API, e.g. https://api.telnyx.com/v2.
	BaseURL string
	// APIKey is the server's key, used in AuthServerKey mode. Never logged or echoed.
	APIKey string
	// Auth picks the credential mode; default AuthServerKey.
	Auth AuthMode

	// DefaultFirst is the page size when a connection gets neither first nor last; default 20.
	DefaultFirst int
	// MaxFirst is the largest first/last accepted; default 100. Larger values are refused before any
	// upstream call.
	MaxFirst int
	// CursorSecret keys the cursors' integrity check. Cursors stay valid across restarts and replicas that
	// share it. Default: a fixed built-in secret (cursors are tamper-evident, not confidential).
	CursorSecret string

	// LoaderWait is how long loaders collect needs before calling the upstream when the end of the execution
	// wave is not known (gqlgen's executor); on the fast path, which dispatches when the wave is complete, it
	// is the backstop. Default 1ms.
	LoaderWait time.Duration
	// MaxParallel bounds one operation's concurrent upstream calls; default 8.
	MaxParallel int
	// UpstreamTimeout bounds each upstream call; default 10s.
	UpstreamTimeout time.Duration
	// OperationTimeout bounds a whole GraphQL operation, every upstream call and wait in it; default 15s.
	// When it passes, the operation answers with what it has and UPSTREAM_UNAVAILABLE errors for the rest.
	OperationTimeout time.Duration

	// AllowTrace lets callers ask for the query trace (header X-Roomgraph-Trace: 1) in extensions.
	AllowTrace bool
	// Introspection enables schema introspection and "did you mean" suggestions. Without it, an operation
	// selecting __schema or __type is refused with INTROSPECTION_DISABLED before anything runs.
	Introspection bool
	// Playground serves GraphiQL at / (its assets come from the binary; nothing is loaded from elsewhere).
	Playground bool
	// PlaygroundQuery is the query GraphiQL shows when it first opens ("" = a sample query).
	PlaygroundQuery string
	// PlaygroundTabs are further GraphiQL tabs beside PlaygroundQuery's, such as a ready subscription
	// (nil = a sample subscription when PlaygroundQuery is "" too, else none).
	PlaygroundTabs []string

	// Federation serves the Apollo Federation v2 subgraph build of the schema (_service, _entities; Room,
	// RoomSession and RoomParticipant are entities keyed by id).
	Federation bool

	// APQCacheSize and APQCacheBytes bound the automatic persisted queries (Apollo's APQ protocol, usable
	// over GET): at most 1000 documents and 4 MiB of them by default, the least used going first. A
	// document is registered only once it parsed, validated and passed the query limits, in forward mode
	// only for a caller that presents a credential, and only when it is at most MaxCachedDocumentBytes
	// long. DisableAPQ turns the protocol off.
	APQCacheSize  int
	APQCacheBytes int64
	DisableAPQ    bool
	// QueryCacheBytes bounds the parsed and validated documents kept for reuse, by an estimate of the
	// memory each holds (its text and about 512 bytes per node of its tree); default 16 MiB.
	QueryCacheBytes int64
	// MaxCachedDocumentBytes is the longest document text kept by either cache (APQ, parsed documents);
	// longer ones still run, but are parsed every time and never registered. Default 32 KiB.
	MaxCachedDocumentBytes int
	// TrustedDocuments is the path of a manifest (Apollo's persisted query manifest, or a JSON object of
	// SHA-256 hash to document). When set, only the manifest's operations run, and APQ is off.
	TrustedDocuments string

	// DisableCoalescing stops sharing identical upstream reads in flight for the same credential (on by
	// default: concurrent requests that need the same page cost one upstream call).
	DisableCoalescing bool
	// DisableFastPath makes gqlgen's executor answer every query. By default queries are answered by the
	// fast path, which writes the same bytes for much less CPU (BENCHMARKS.md), and hands anything it does
	// not cover (errors included) to gqlgen. The federated build always uses gqlgen's executor.
	DisableFastPath bool
	// ReadCacheTTL keeps successful upstream reads this long, per credential, dropped on any write of that
	// credential; 0 (the default) keeps none. A read that overlapped a write (started before it ended) is
	// never kept, nor shared with a read that starts after the write.
	ReadCacheTTL time.Duration

	// GETCacheMaxAge is how long browsers and CDNs may keep the answer of a query sent over GET (APQ
	// included) that ran without errors and without the query trace, in whole seconds: Cache-Control
	// "public, max-age=N" in AuthServerKey mode (every caller gets the same answer), "private, max-age=N"
	// with Vary: Authorization in AuthForward mode (each caller's key sees its own data). Zero, the default
	// of the Config type, is "no-cache": caches keep the answer but revalidate it every time (the ETag and
	// 304 still save the transfer). Every such answer has an ETag and answers a matching If-None-Match with
	// 304; POST answers, errors and traced answers are no-store. The roomgraph command defaults to 5s.
	//
	// A BFF that puts its own authentication in front of a gateway in AuthServerKey mode, with a shared
	// cache in front of both, must not set it: "public" lets that cache answer callers the BFF would refuse.
	GETCacheMaxAge time.Duration

	// CORSOrigins are the browser origins allowed to call the GraphQL endpoint: exact origins, "*" for any,
	// an origin with the port "*" for any port of that scheme and host ("http://localhost:*"; see
	// LocalDevOrigins), or one "*" elsewhere for any text ("https://*.example.com"). Empty (the default)
	// sends no CORS headers, so only same-origin pages can call it. Allowed origins may read the
	// X-Request-Id and ETag response headers.
	CORSOrigins []string
	// CORSHeaders are the request headers a cross-origin page may send (default: DefaultCORSHeaders).
	CORSHeaders []string
	// CORSMaxAge is how long browsers may cache a preflight answer (default 10m).
	CORSMaxAge time.Duration

	// Pprof serves net/http/pprof's profiles under /debug/pprof/ (off by default: never on a public port).
	Pprof bool

	// ReadyTimeout bounds the upstream check of /readyz (default 2s).
	ReadyTimeout time.Duration

	// MaxBodyBytes bounds a request body; default 1 MiB. A larger declared Content-Length is refused with
	// 413 before any of the body is read.
	MaxBodyBytes int64
	// MaxBodyBytesInFlight bounds the request bodies being read and held by the GraphQL endpoint at once,
	// across all connections, before anyone is authenticated; default 16 MiB, at least MaxBodyBytes. Each
	// POST reserves its declared Content-Length (MaxBodyBytes when chunked) until its response is written;
	// one that finds too little left is answered 503 SERVER_BUSY with Retry-After, unread.
	MaxBodyBytesInFlight int64
	// MaxTokens bounds the tokens of a query document; default 15000.
	MaxTokens int

	// WebhookPublicKeys turn on the Telnyx webhook door, POST /webhooks/telnyx (docs/webhooks.md): each is
	// the base64 of a raw 32-byte Ed25519 public key, as Mission Control shows it (Keys & Credentials →
	// Public Key), one per Telnyx account, or several during a key rotation. A delivery must be signed by
	// one of them, over its telnyx-timestamp (within 300 s of now) and its body, before anything parses
	// it; verified events reach the subscriptions. Empty (the default): no such route (404). New refuses an
	// entry that is not base64 of 32 bytes, naming its position, never its value.
	WebhookPublicKeys []string
	// WebhookMaxBodyBytes bounds a webhook body; default 64 KiB. A larger declared Content-Length is
	// refused with 413 before any of the body is read. The bodies being read at once are bounded too, by
	// 64 times this, across all connections (503 with Retry-After beyond).
	WebhookMaxBodyBytes int64
	// WebhookQueueSize bounds the verified events waiting to be handed to the subscriptions; default 1024.
	// When it is full, a delivery is answered 503 with Retry-After, and Telnyx retries it.
	WebhookQueueSize int
	// WebhookDedupeWindow and WebhookDedupeSize bound the event ids remembered to drop duplicate
	// deliveries: each id for the window after it was accepted (default 15m), at most this many ids
	// (default 50,000; past it, some ids are forgotten early).
	WebhookDedupeWindow time.Duration
	WebhookDedupeSize   int
	// Resilience tunes retries, the circuit breaker and the bound on concurrent upstream calls (zero
	// fields: defaults). Each attempt is bounded by UpstreamTimeout.
	Resilience ResilienceConfig
	// Limits bound the shape and predicted upstream cost of operations (zero fields: defaults). The cost of
	// a connection field is predicted from its first/last, or DefaultFirst, capped at MaxFirst.
	Limits LimitsConfig

	// SubscriptionBuffer is how many events a subscription may have waiting for its subscriber; one more
	// ends it with SLOW_CONSUMER (roomEvents), or makes roomUpdated read the room again (it sends states,
	// not events). Default 64.
	SubscriptionBuffer int
	// MaxSubscriptions bounds the subscriptions of the gateway, all connections together (default
	// 10000); MaxSubscriptionsPerConnection those of one WebSocket connection (default 20; an SSE request
	// is one); MaxSubscriptionsPerCredential those of one API key in AuthForward mode (default 100; kept by
	// a hash of the key, never the key). One more is refused with TOO_MANY_SUBSCRIPTIONS.
	MaxSubscriptions              int
	MaxSubscriptionsPerConnection int
	MaxSubscriptionsPerCredential int
	// WebSocketInitTimeout is how long a WebSocket may stay open without its connection_init; the
	// connection is then closed (default 10s).
	WebSocketInitTimeout time.Duration
	// KeepAliveInterval is the keepalive of subscriptions (default 15s): a WebSocket ping
	// (graphql-transport-ws; a connection that answers no pong for two intervals is closed; "ka" for the
	// legacy graphql-ws), an SSE comment line.
	KeepAliveInterval time.Duration

	// RedisURL, when set, shares state between the replicas of a deployment through Redis
	// (docs/redis.md): the webhook door's dedupe and its events (a webhook accepted by any replica reaches
	// the subscribers of all), the upstream's rate-limit holds per credential, the APQ registrations and
	// the read cache (ReadCacheTTL). redis://[user:password@]host:port[/db], rediss://… for TLS. Unset,
	// everything stays in this process. Redis down or slow is not the gateway down: each shared feature
	// falls back to this process's own behaviour until Redis answers again. Never logged.
	RedisURL string
	// RedisPrefix starts every key the gateway writes (default "roomgraph:"); replicas of one deployment
	// share it, deployments sharing a Redis differ in it. Credentials appear in keys only as hashes.
	RedisPrefix string
	// RedisTimeout bounds every Redis call (default 250ms): past it, the call's feature falls back and
	// Redis is taken for down until a health check (every second) finds it answering.
	RedisTimeout time.Duration

	// ServeMetrics serves the Prometheus metrics at GET /metrics of the gateway's mux (Metrics returns
	// them either way).
	ServeMetrics bool
	// MetricsMaxOperations bounds the distinct operation names of the metrics' operation label; later
	// names count as "other". Default 100.
	MetricsMaxOperations int
	// LogFormat ("text" or "json") and LogLevel ("debug", "info", "warn", "error") are for whoever builds
	// the logger handed to New (the server does); New only checks them. Defaults: text, info.
	LogFormat, LogLevel string
}

// ResilienceConfig tunes how the gateway calls the upstream. A zero field means its default; negative values
// are refused by New. Writes are never retried; reads are retried after a connection error, a timeout, 408,
// 429 or 5xx.
//
// It is declared here rather than aliased from the internal package that implements it: the public type
// holds only what a BFF may set (not the implementation's clock and randomness hooks, nor the attempt
// timeout, which is Config.UpstreamTimeout), and a change inside the implementation cannot silently change
// this API.
type ResilienceConfig struct {
	// MaxRetries is the number of retries after the first attempt of a read (default 2: at most 3 attempts).
	MaxRetries int
	// BaseDelay and MaxDelay shape the backoff before retry n (0-based): a uniform random delay in
	// [0, min(MaxDelay, BaseDelay·2ⁿ)] (defaults 100ms and 2s). A longer Retry-After from the upstream wins.
	BaseDelay, MaxDelay time.Duration
	// MaxConcurrent bounds the upstream calls in flight across all requests (default 64); MaxQueueWait
	// bounds the wait for a free slot (default 2s), after which the call fails with UPSTREAM_UNAVAILABLE.
	MaxConcurrent int
	MaxQueueWait  time.Duration
	// BreakerFailures consecutive failed attempts open the circuit breaker (default 5); it stays open for
	// BreakerOpenFor (default 5s), answering UPSTREAM_UNAVAILABLE without a call, before one probe may
	// close it.
	BreakerFailures int
	BreakerOpenFor  time.Duration
	// DefaultRetryAfter is the wait after a 429 that names none, and after x-ratelimit-remaining: 0 without
	// a usable x-ratelimit-reset (default 1s).
	DefaultRetryAfter time.Duration
	// MaxRetryAfter caps every wait the upstream asks for (Retry-After, Retry-After-Ms, x-ratelimit-reset;
	// default 60s): a 429 asking for an hour holds its key back for this long at most. When such a capped
	// hold has passed, one request of the key probes the upstream while the others wait for its answer; a
	// 429 again holds the key again.
	MaxRetryAfter time.Duration
}

// LimitsConfig bounds the operations the gateway accepts; an operation over a bound is refused with
// QUERY_LIMIT_EXCEEDED before any resolver runs. A zero field means its default. Declared here rather than
// aliased, for the reasons given on ResilienceConfig.
type LimitsConfig struct {
	// MaxDepth bounds the nesting depth of fields, fragments expanded (default 12).
	MaxDepth int
	// MaxAliases bounds the aliased fields of the whole operation, fragments expanded (default 30).
	MaxAliases int
	// MaxRootFields bounds the top-level fields of the operation (default 20).
	MaxRootFields int
	// MaxCost bounds the upstream calls the operation is predicted to make at worst (default 1000).
	MaxCost int
	// MaxRepresentations bounds the representations a router may send to _entities in one operation, all
	// of them counted (default 1000; with Federation only).
	MaxRepresentations int
}

// resilience is the implementation's configuration: c with defaults, each attempt bounded by attempt.
func (c ResilienceConfig) resilience(attempt time.Duration) resilience.Config {
	return resilience.Config{
		MaxRetries:        c.MaxRetries,
		BaseDelay:         c.BaseDelay,
		MaxDelay:          c.MaxDelay,
		AttemptTimeout:    attempt,
		MaxConcurrent:     c.MaxConcurrent,
		MaxQueueWait:      c.MaxQueueWait,
		BreakerFailures:   c.BreakerFailures,
		BreakerOpenFor:    c.BreakerOpenFor,
		DefaultRetryAfter: c.DefaultRetryAfter,
		MaxRetryAfter:     c.MaxRetryAfter,
	}.Defaults()
}

// limits is the implementation's configuration: c with defaults, and the gateway's page sizes.
func (c LimitsConfig) limits(defaultFirst, maxFirst int) limits.Config {
	return limits.Config{
		MaxDepth:           c.MaxDepth,
		MaxAliases:         c.MaxAliases,
		MaxRootFields:      c.MaxRootFields,
		MaxCost:            c.MaxCost,
		MaxRepresentations: c.MaxRepresentations,
		DefaultFirst:       defaultFirst,
		MaxFirst:           maxFirst,
	}.Defaults()
}

// DefaultCORSHeaders returns the request headers a cross-origin page may send by default: the gateway's own
// (Authorization, the trace and request id, W3C trace context) and those Apollo Client 4 sends (client
// awareness: apollographql-client-name and -version by default, apollographql-library-name and -version
// with enhancedClientAwareness over headers) or is told to send for Apollo Server's CSRF prevention
// (apollo-require-preflight, x-apollo-operation-name). Relay sends none of its own. Accept needs no
// listing (a CORS-safelisted header).
func DefaultCORSHeaders() []string {
	return []string{
		"Content-Type", "Authorization", TraceHeader, "X-Request-Id", "traceparent", "tracestate",
		"apollographql-client-name", "apollographql-client-version", "apollographql-library-name", "apollographql-library-version",
		"apollo-require-preflight", "x-apollo-operation-name",
	}
}

// Defaults returns cfg with every unset knob at its default.
func (cfg Config) Defaults() Config {
	if cfg.Auth == "" {
		cfg.Auth = AuthServerKey
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = telnyx.DefaultBaseURL
	}
	if cfg.DefaultFirst == 0 {
		cfg.DefaultFirst = 20
	}
	if cfg.MaxFirst == 0 {
		cfg.MaxFirst = 100
	}
	if cfg.CursorSecret == "" {
		cfg.CursorSecret = "roomgraph-cursor-v1"
	}
	if cfg.LoaderWait == 0 {
		cfg.LoaderWait = time.Millisecond
	}
	if cfg.MaxParallel == 0 {
		cfg.MaxParallel = 8
	}
	if cfg.UpstreamTimeout == 0 {
		cfg.UpstreamTimeout = 10 * time.Second
	}
	if cfg.OperationTimeout == 0 {
		cfg.OperationTimeout = 15 * time.Second
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.MaxBodyBytesInFlight == 0 {
		cfg.MaxBodyBytesInFlight = max(16<<20, cfg.MaxBodyBytes)
	}
	if cfg.APQCacheSize == 0 {
		cfg.APQCacheSize = 1000
	}
	if cfg.APQCacheBytes == 0 {
		cfg.APQCacheBytes = 4 << 20
	}
	if cfg.QueryCacheBytes == 0 {
		cfg.QueryCacheBytes = 16 << 20
	}
	if cfg.MaxCachedDocumentBytes == 0 {
		cfg.MaxCachedDocumentBytes = 32 << 10
	}
	if len(cfg.CORSHeaders) == 0 {
		cfg.CORSHeaders = DefaultCORSHeaders()
	}
	if cfg.CORSMaxAge == 0 {
		cfg.CORSMaxAge = 10 * time.Minute
	}
	if cfg.ReadyTimeout == 0 {
		cfg.ReadyTimeout = 2 * time.Second
	}
	if cfg.MaxTokens == 0 {
		cfg.MaxTokens = 15000
	}
	if cfg.WebhookMaxBodyBytes == 0 {
		cfg.WebhookMaxBodyBytes = webhook.DefaultMaxBodyBytes
	}
	if cfg.WebhookQueueSize == 0 {
		cfg.WebhookQueueSize = webhook.DefaultQueueSize
	}
	if cfg.WebhookDedupeWindow == 0 {
		cfg.WebhookDedupeWindow = 15 * time.Minute
	}
	if cfg.WebhookDedupeSize == 0 {
		cfg.WebhookDedupeSize = 50_000
	}
	if cfg.MetricsMaxOperations == 0 {
		cfg.MetricsMaxOperations = 100
	}
	if cfg.SubscriptionBuffer == 0 {
		cfg.SubscriptionBuffer = 64
	}
	if cfg.MaxSubscriptions == 0 {
		cfg.MaxSubscriptions = 10_000
	}
	if cfg.MaxSubscriptionsPerConnection == 0 {
		cfg.MaxSubscriptionsPerConnection = 20
	}
	if cfg.MaxSubscriptionsPerCredential == 0 {
		cfg.MaxSubscriptionsPerCredential = 100
	}
	if cfg.WebSocketInitTimeout == 0 {
		cfg.WebSocketInitTimeout = initTimeoutDefault
	}
	if cfg.KeepAliveInterval == 0 {
		cfg.KeepAliveInterval = keepAliveDefault
	}
	if cfg.RedisPrefix == "" {
		cfg.RedisPrefix = redisstate.DefaultPrefix
	}
	if cfg.RedisTimeout == 0 {
		cfg.RedisTimeout = redisstate.DefaultTimeout
	}
	if cfg.LogFormat == "" {
		cfg.LogFormat = telemetry.LogText
	}
	if cfg.LogLevel == "" {
		cfg.LogLevel = "info"
	}
	r := cfg.Resilience.resilience(cfg.UpstreamTimeout)
	cfg.Resilience = ResilienceConfig{
		MaxRetries: r.MaxRetries, BaseDelay: r.BaseDelay, MaxDelay: r.MaxDelay,
		MaxConcurrent: r.MaxConcurrent, MaxQueueWait: r.MaxQueueWait,
		BreakerFailures: r.BreakerFailures, BreakerOpenFor: r.BreakerOpenFor,
		DefaultRetryAfter: r.DefaultRetryAfter, MaxRetryAfter: r.MaxRetryAfter,
	}
	l := cfg.Limits.limits(cfg.DefaultFirst, cfg.MaxFirst)
	cfg.Limits = LimitsConfig{MaxDepth: l.MaxDepth, MaxAliases: l.MaxAliases, MaxRootFields: l.MaxRootFields, MaxCost: l.MaxCost,
		MaxRepresentations: l.MaxRepresentations}
	return cfg
}

// validate reports the first setting that cannot work. It names settings, never the key's value.
func (cfg Config) validate() error {
	switch cfg.Auth {
	case AuthServerKey, AuthForward:
	default:
		return fmt.Errorf("gateway: unknown auth mode %q (want %q or %q)", cfg.Auth, AuthServerKey, AuthForward)
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("gateway: base URL must be an absolute http(s) URL")
	}
	if cfg.MaxFirst < 1 || cfg.MaxFirst > 250 {
		return fmt.Errorf("gateway: MaxFirst must be within 1..250, got %d", cfg.MaxFirst)
	}
	if cfg.DefaultFirst < 1 || cfg.DefaultFirst > cfg.MaxFirst {
		return fmt.Errorf("gateway: DefaultFirst must be within 1..MaxFirst (%d), got %d", cfg.MaxFirst, cfg.DefaultFirst)
	}
	if cfg.MaxParallel < 1 || cfg.LoaderWait < 0 || cfg.UpstreamTimeout < 0 || cfg.OperationTimeout < 0 || cfg.MaxBodyBytes < 1 {
		return errors.New("gateway: MaxParallel, LoaderWait, UpstreamTimeout, OperationTimeout and MaxBodyBytes must be positive")
	}
	if cfg.APQCacheSize < 1 || cfg.ReadCacheTTL < 0 || cfg.CORSMaxAge < 0 || cfg.ReadyTimeout < 0 || cfg.GETCacheMaxAge < 0 {
		return errors.New("gateway: APQCacheSize, ReadCacheTTL, CORSMaxAge, ReadyTimeout and GETCacheMaxAge must be positive")
	}
	if cfg.MaxBodyBytesInFlight < cfg.MaxBodyBytes {
		return fmt.Errorf("gateway: MaxBodyBytesInFlight (%d) must be at least MaxBodyBytes (%d)", cfg.MaxBodyBytesInFlight, cfg.MaxBodyBytes)
	}
	if cfg.MaxTokens < 1 {
		return errors.New("gateway: MaxTokens must be positive")
	}
	if cfg.APQCacheBytes < 1 || cfg.QueryCacheBytes < 1 || cfg.MaxCachedDocumentBytes < 1 {
		return errors.New("gateway: APQCacheBytes, QueryCacheBytes and MaxCachedDocumentBytes must be positive")
	}
	if _, err := webhook.ParsePublicKeys(cfg.WebhookPublicKeys); err != nil {
		return fmt.Errorf("gateway: WebhookPublicKeys: %w", err)
	}
	if cfg.WebhookMaxBodyBytes < 1 || cfg.WebhookQueueSize < 1 || cfg.WebhookDedupeWindow < 1 || cfg.WebhookDedupeSize < 1 {
		return errors.New("gateway: WebhookMaxBodyBytes, WebhookQueueSize, WebhookDedupeWindow and WebhookDedupeSize must be positive")
	}
	if cfg.SubscriptionBuffer < 1 || cfg.MaxSubscriptions < 1 || cfg.MaxSubscriptionsPerConnection < 1 || cfg.MaxSubscriptionsPerCredential < 1 {
		return errors.New("gateway: SubscriptionBuffer, MaxSubscriptions, MaxSubscriptionsPerConnection and MaxSubscriptionsPerCredential must be positive")
	}
	if cfg.WebSocketInitTimeout < 0 || cfg.KeepAliveInterval < 0 {
		return errors.New("gateway: WebSocketInitTimeout and KeepAliveInterval must be positive")
	}
	if cfg.RedisURL != "" {
		if _, err := redisstate.ParseURL(cfg.RedisURL); err != nil {
			return fmt.Errorf("gateway: RedisURL: %w", err)
		}
	}
	if cfg.RedisTimeout < 0 {
		return errors.New("gateway: RedisTimeout must be positive")
	}
	if cfg.MetricsMaxOperations < 1 {
		return errors.New("gateway: MetricsMaxOperations must be positive")
	}
	if _, err := telemetry.NewLogger(io.Discard, cfg.LogFormat, cfg.LogLevel); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	if err := cfg.Resilience.resilience(cfg.UpstreamTimeout).Validate(); err != nil {
		return fmt.Errorf("gateway: resilience: %w", err)
	}
	if err := cfg.Limits.limits(cfg.DefaultFirst, cfg.MaxFirst).Validate(); err != nil {
		return fmt.Errorf("gateway: limits: %w", err)
	}
	return nil
}
