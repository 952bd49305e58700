package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/gcpolicy"
	"github.com/roomgraph/roomgraph/internal/telemetry"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// This file is the one place the roomgraph command reads its environment. Every variable it reads is an
// entry of envVars, with its default and meaning as docs/configuration.md shows them (TestConfigTable
// writes that table from envVars) and with how it is applied; loadConfig asks getenv for those names and no
// other. Whatever needs several variables at once (the embedded simulator, the listen address, trace
// export, the GC policy) is decided from them afterwards, in settings.config.

// config is what the environment tells the command.
type config struct {
	gateway  gateway.Config
	addr     string // listen address
	embedded bool   // no upstream configured: serve the embedded simulator with demo data
	gc       gcpolicy.Settings
	tracing  *telemetry.TraceExport // nil: no trace export
	simLive  float64                // the embedded simulator's live rate, changes per second (0: off)
}

// envVar is one environment variable the command reads.
type envVar struct {
	name, def, meaning string // as the configuration table shows them; a def in parentheses is not a value
	// set applies a non-blank value (trimmed unless untrimmed); nil keeps the value in settings.raw for the
	// decisions that need several variables.
	set       func(s *settings, v string) error
	untrimmed bool
	secret    bool // errors do not quote its value
}

// settings collect the variables before the decisions that need several of them.
type settings struct {
	cfg                              gateway.Config
	trace, introspection, playground *bool // nil: on with the embedded simulator, else off
	gcTargetMiB                      int
	simLive                          float64
	raw                              map[string]string // variables without a setter, trimmed
}

// The variables of the roomgraph command itself and of its GC policy.
var commandVars = []envVar{
	{name: "PORT", def: "8080",
		meaning: "Port to listen on (all interfaces)."},
	{name: "ROOMGRAPH_LISTEN", def: "(unset)",
		meaning: "Listen address `host:port` (e.g. `127.0.0.1:8080` for loopback only); overrides `PORT`."},
	{name: "ROOMGRAPH_GC_TARGET_MIB", def: strconv.Itoa(gcpolicy.DefaultTargetMiB),
		meaning: "Heap target of the garbage collector in MiB: GOGC is tuned after each collection (between 100 and 500: never more often than Go's default) to keep heap and goroutine stacks near it; `0`: off, the Go runtime's own policy. Off when `GOGC` or `GOMEMLIMIT` is set.",
		set:     integer(func(s *settings) *int { return &s.gcTargetMiB })},
	{name: "GOGC", def: "(unset)",
		meaning: "The Go runtime's own collector setting; when set, it applies and `ROOMGRAPH_GC_TARGET_MIB` does not."},
	{name: "GOMEMLIMIT", def: "(unset)",
		meaning: "The Go runtime's memory limit; when set, it applies and `ROOMGRAPH_GC_TARGET_MIB` does not."},
	{name: "ROOMGRAPH_SIM_LIVE", def: "1/s",
		meaning: "With the embedded simulator: how often its busy rooms change on their own (someone joins or leaves; sessions start and end), each change also emitted as a signed webhook event: `2/s`, `30/m`, `0.5` (per second); `0` or `off`: never. Ignored with a real upstream.",
		set:     func(s *settings, v string) (err error) { s.simLive, err = telnyxsim.ParseRate(v); return err }},
}

// The variables of package gateway's Config.
var gatewayVars = []envVar{
	{name: "TELNYX_API_KEY", def: "(unset)", secret: true,
		meaning: "Server API key sent upstream in key mode. With TELNYX_BASE_URL also unset (and not in forward mode), `go run .` starts the embedded simulator instead.",
		set:     func(s *settings, v string) error { s.cfg.APIKey = v; return nil }},
	{name: "TELNYX_BASE_URL", def: "https://api.telnyx.com/v2",
		meaning: "Upstream base URL.",
		set:     func(s *settings, v string) error { s.cfg.BaseURL = v; return nil }},
	{name: "ROOMGRAPH_AUTH", def: "key",
		meaning: "`key`: send TELNYX_API_KEY for everyone; `forward`: send each caller's own `Authorization: Bearer …` (callers without one get UNAUTHENTICATED).",
		set:     func(s *settings, v string) error { s.cfg.Auth = gateway.AuthMode(strings.ToLower(v)); return nil }},
	{name: "ROOMGRAPH_DEFAULT_FIRST", def: "20",
		meaning: "Page size when a connection gets neither `first` nor `last`.",
		set:     integer(func(s *settings) *int { return &s.cfg.DefaultFirst })},
	{name: "ROOMGRAPH_MAX_FIRST", def: "100",
		meaning: "Largest `first`/`last` accepted (1..250); above it: BAD_USER_INPUT, no upstream call.",
		set:     integer(func(s *settings) *int { return &s.cfg.MaxFirst })},
	{name: "ROOMGRAPH_CURSOR_SECRET", def: "(built-in)", secret: true, untrimmed: true,
		meaning: "Key of the cursors' integrity check; share it across replicas.",
		set:     func(s *settings, v string) error { s.cfg.CursorSecret = v; return nil }},
	{name: "ROOMGRAPH_LOADER_WAIT", def: "1ms",
		meaning: "How long loaders collect needs before calling the upstream when the wave's end is not known: gqlgen's executor (mutations, node/nodes, federation, subscription events); on the fast path only the backstop, which dispatches when the wave is complete.",
		set:     duration(func(s *settings) *time.Duration { return &s.cfg.LoaderWait })},
	{name: "ROOMGRAPH_MAX_PARALLEL", def: "8",
		meaning: "Concurrent upstream calls one operation may have in flight.",
		set:     integer(func(s *settings) *int { return &s.cfg.MaxParallel })},
	{name: "ROOMGRAPH_UPSTREAM_TIMEOUT", def: "10s",
		meaning: "Timeout of each upstream call.",
		set:     duration(func(s *settings) *time.Duration { return &s.cfg.UpstreamTimeout })},
	{name: "ROOMGRAPH_RETRIES", def: "2",
		meaning: "Retries of an upstream GET after a connection error, timeout, 408, 429 or 5xx (full-jitter backoff, honouring Retry-After, never past the operation deadline). Writes are never retried.",
		set:     integer(func(s *settings) *int { return &s.cfg.Resilience.MaxRetries })},
	{name: "ROOMGRAPH_RETRY_BASE_DELAY", def: "100ms",
		meaning: "Backoff before retry n: random in [0, min(max delay, base·2ⁿ)].",
		set:     duration(func(s *settings) *time.Duration { return &s.cfg.Resilience.BaseDelay })},
	{name: "ROOMGRAPH_RETRY_MAX_DELAY", def: "2s",
		meaning: "Cap of the backoff (a longer Retry-After from the upstream still wins).",
		set:     duration(func(s *settings) *time.Duration { return &s.cfg.Resilience.MaxDelay })},
	{name: "ROOMGRAPH_UPSTREAM_CONCURRENCY", def: "64",
		meaning: "Upstream calls in flight across all requests.",
		set:     integer(func(s *settings) *int { return &s.cfg.Resilience.MaxConcurrent })},
	{name: "ROOMGRAPH_UPSTREAM_QUEUE_WAIT", def: "2s",
		meaning: "Longest wait for a free upstream slot (then UPSTREAM_UNAVAILABLE).",
		set:     duration(func(s *settings) *time.Duration { return &s.cfg.Resilience.MaxQueueWait })},
	{name: "ROOMGRAPH_BREAKER_FAILURES", def: "5",
		meaning: "Consecutive failed upstream attempts that open the circuit breaker (then UPSTREAM_UNAVAILABLE at once, no upstream call).",
		set:     integer(func(s *settings) *int { return &s.cfg.Resilience.BreakerFailures })},
	{name: "ROOMGRAPH_BREAKER_OPEN_FOR", def: "5s",
		meaning: "How long the breaker stays open before one probe may close it.",
		set:     duration(func(s *settings) *time.Duration { return &s.cfg.Resilience.BreakerOpenFor })},
	{name: "ROOMGRAPH_MAX_RETRY_AFTER", def: "60s",
		meaning: "Longest wait honoured of what the upstream asks for (`Retry-After`, `Retry-After-Ms`, `x-ratelimit-reset`): a 429 asking for an hour holds its key back this long at most; then one request probes, the others wait for its answer.",
		set:     duration(func(s *settings) *time.Duration { return &s.cfg.Resilience.MaxRetryAfter })},
	{name: "ROOMGRAPH_OPERATION_TIMEOUT", def: "15s",
		meaning: "Deadline of a whole GraphQL operation (every upstream call, retry and wait in it).",
		set:     duration(func(s *settings) *time.Duration { return &s.cfg.OperationTimeout })},
	{name: "ROOMGRAPH_TRACE", def: "(on with the embedded simulator, else off)",
		meaning: "Allow the query trace (request header `X-Roomgraph-Trace: 1`).",
		set:     optional(func(s *settings) **bool { return &s.trace })},
	{name: "ROOMGRAPH_INTROSPECTION", def: "(on with the embedded simulator, else off)",
		meaning: "Schema introspection and field suggestions.",
		set:     optional(func(s *settings) **bool { return &s.introspection })},
	{name: "ROOMGRAPH_FEDERATION", def: "false",
		meaning: "Serve the Apollo Federation v2 subgraph schema (`_service`, `_entities`; Room, RoomSession, RoomParticipant keyed by id).",
		set:     boolean(func(s *settings) *bool { return &s.cfg.Federation })},
	{name: "ROOMGRAPH_APQ", def: "true",
		meaning: "Automatic persisted queries (Apollo's APQ protocol, also over GET for CDN caching).",
		set:     negated(func(s *settings) *bool { return &s.cfg.DisableAPQ })},
	{name: "ROOMGRAPH_APQ_CACHE_SIZE", def: "1000",
		meaning: "Most persisted queries remembered (the least used go first). A document is registered only once it parsed, validated and passed the query limits, and in forward mode only for a caller with a credential.",
		set:     integer(func(s *settings) *int { return &s.cfg.APQCacheSize })},
	{name: "ROOMGRAPH_APQ_CACHE_BYTES", def: "4194304",
		meaning: "Most bytes of persisted queries remembered (their text, hashes and bookkeeping).",
		set:     integer64(func(s *settings) *int64 { return &s.cfg.APQCacheBytes })},
	{name: "ROOMGRAPH_QUERY_CACHE_BYTES", def: "16777216",
		meaning: "Most bytes of parsed and validated documents kept for reuse, estimated per document from its text and its nodes (about 512 bytes each).",
		set:     integer64(func(s *settings) *int64 { return &s.cfg.QueryCacheBytes })},
	{name: "ROOMGRAPH_MAX_CACHED_DOCUMENT_BYTES", def: "32768",
		meaning: "Longest document text either cache keeps; longer documents still run, parsed every time, and are never registered as persisted queries.",
		set:     integer(func(s *settings) *int { return &s.cfg.MaxCachedDocumentBytes })},
	{name: "ROOMGRAPH_TRUSTED_DOCUMENTS", def: "(unset)",
		meaning: "Path of a persisted query manifest: when set, only its operations run (PERSISTED_QUERY_NOT_ALLOWED otherwise) and APQ is off.",
		set:     func(s *settings, v string) error { s.cfg.TrustedDocuments = v; return nil }},
	{name: "ROOMGRAPH_COALESCE", def: "true",
		meaning: "Identical upstream reads in flight at the same time, for the same key, become one call.",
		set:     negated(func(s *settings) *bool { return &s.cfg.DisableCoalescing })},
	{name: "ROOMGRAPH_FAST_PATH", def: "true",
		meaning: "Answer queries with the fast path (the same bytes as gqlgen's executor for much less CPU: BENCHMARKS.md); false: gqlgen's executor for every query.",
		set:     negated(func(s *settings) *bool { return &s.cfg.DisableFastPath })},
	{name: "ROOMGRAPH_READ_CACHE_TTL", def: "0s",
		meaning: "Keep successful upstream reads this long, per key, dropped on any write of that key; a read that overlapped a write is never kept (0: off). At most 1000 answers, each kept as bytes and as decoded records.",
		set:     duration(func(s *settings) *time.Duration { return &s.cfg.ReadCacheTTL })},
	{name: "ROOMGRAPH_GET_CACHE_MAX_AGE", def: "5s",
		meaning: "How long browsers and CDNs may keep the answer of a query over GET (APQ included) that ran without errors or trace, in whole seconds: `public, max-age=N` in key mode, `private, max-age=N` with `Vary: Authorization` in forward mode; `0s`: `no-cache` (kept, revalidated every time). Each such answer has an ETag, and a matching `If-None-Match` gets 304; POST answers, errors and traced answers are `no-store`.",
		set:     duration(func(s *settings) *time.Duration { return &s.cfg.GETCacheMaxAge })},
	{name: "ROOMGRAPH_CORS_ORIGINS", def: "(local dev servers with the embedded simulator, else unset)",
		meaning: "Comma-separated browser origins allowed to call /graphql: exact origins, `*` for any, `http://localhost:*` for any port, `https://*.example.com`. With the embedded simulator the default is `" + strings.Join(gateway.LocalDevOrigins(), ", ") + "` (a front-end dev server on this machine); otherwise unset: same-origin only, no CORS headers.",
		set:     func(s *settings, v string) error { s.cfg.CORSOrigins = list(v); return nil }},
	{name: "ROOMGRAPH_CORS_HEADERS", def: strings.Join(gateway.DefaultCORSHeaders(), ", "),
		meaning: "Request headers cross-origin pages may send (the default: roomgraph's own, and those Apollo Client 4 sends for client awareness and Apollo's CSRF prevention).",
		set:     func(s *settings, v string) error { s.cfg.CORSHeaders = list(v); return nil }},
	{name: "ROOMGRAPH_CORS_MAX_AGE", def: "10m",
		meaning: "How long browsers may cache a preflight answer.",
		set:     duration(func(s *settings) *time.Duration { return &s.cfg.CORSMaxAge })},
	{name: "ROOMGRAPH_SUBSCRIPTION_BUFFER", def: "64",
		meaning: "Events a subscription may have waiting for its subscriber; one more ends a `roomEvents` subscription with SLOW_CONSUMER (docs/subscriptions.md).",
		set:     integer(func(s *settings) *int { return &s.cfg.SubscriptionBuffer })},
	{name: "ROOMGRAPH_MAX_SUBSCRIPTIONS", def: "10000",
		meaning: "Subscriptions the server holds in all; one more is refused with TOO_MANY_SUBSCRIPTIONS.",
		set:     integer(func(s *settings) *int { return &s.cfg.MaxSubscriptions })},
	{name: "ROOMGRAPH_MAX_SUBSCRIPTIONS_PER_CONNECTION", def: "20",
		meaning: "Subscriptions one WebSocket connection may hold.",
		set:     integer(func(s *settings) *int { return &s.cfg.MaxSubscriptionsPerConnection })},
	{name: "ROOMGRAPH_MAX_SUBSCRIPTIONS_PER_CREDENTIAL", def: "100",
		meaning: "Subscriptions one API key may hold in forward mode (counted by a hash of the key).",
		set:     integer(func(s *settings) *int { return &s.cfg.MaxSubscriptionsPerCredential })},
	{name: "ROOMGRAPH_WS_INIT_TIMEOUT", def: "10s",
		meaning: "How long a WebSocket may stay open without its `connection_init`.",
		set:     duration(func(s *settings) *time.Duration { return &s.cfg.WebSocketInitTimeout })},
	{name: "ROOMGRAPH_KEEPALIVE", def: "15s",
		meaning: "Keepalive of subscriptions: a WebSocket ping (a connection answering no pong for two intervals is closed), an SSE comment.",
		set:     duration(func(s *settings) *time.Duration { return &s.cfg.KeepAliveInterval })},
	{name: "ROOMGRAPH_PPROF", def: "false",
		meaning: "Serve Go's CPU, heap and goroutine profiles under `/debug/pprof/` (for profiling; keep it off on public ports).",
		set:     boolean(func(s *settings) *bool { return &s.cfg.Pprof })},
	{name: "ROOMGRAPH_READY_TIMEOUT", def: "2s",
		meaning: "Bound of the upstream check behind /readyz.",
		set:     duration(func(s *settings) *time.Duration { return &s.cfg.ReadyTimeout })},
	{name: "ROOMGRAPH_PLAYGROUND", def: "(on with the embedded simulator, else off)",
		meaning: "GraphiQL at `/`.",
		set:     optional(func(s *settings) **bool { return &s.playground })},
	{name: "ROOMGRAPH_MAX_BODY_BYTES", def: "1048576",
		meaning: "Largest request body accepted (larger: 413 REQUEST_TOO_LARGE; a larger declared `Content-Length` is refused before the body is read, and gets no `100 Continue`).",
		set:     integer64(func(s *settings) *int64 { return &s.cfg.MaxBodyBytes })},
	{name: "ROOMGRAPH_MAX_BODY_BYTES_IN_FLIGHT", def: "16777216",
		meaning: "Most bytes of request bodies being read and held at once, across all connections (at least `ROOMGRAPH_MAX_BODY_BYTES`): each POST reserves its declared length until it is answered; one that finds too little left gets 503 SERVER_BUSY with Retry-After.",
		set:     integer64(func(s *settings) *int64 { return &s.cfg.MaxBodyBytesInFlight })},
	{name: "TELNYX_PUBLIC_KEY", def: "(unset)",
		meaning: "Comma-separated Telnyx public keys (base64 of a raw 32-byte Ed25519 key: Mission Control → Keys & Credentials → Public Key), one per account or several during a rotation. Set, it turns on `POST /webhooks/telnyx`, where signed video events arrive for the subscriptions (docs/webhooks.md); unset, that route answers 404.",
		set:     func(s *settings, v string) error { s.cfg.WebhookPublicKeys = list(v); return nil }},
	{name: "ROOMGRAPH_WEBHOOK_MAX_BODY_BYTES", def: "65536",
		meaning: "Largest webhook body accepted (larger: 413; a larger declared `Content-Length` is refused unread). The bodies read at once are bounded by 64 times this (beyond: 503 with `Retry-After`).",
		set:     integer64(func(s *settings) *int64 { return &s.cfg.WebhookMaxBodyBytes })},
	{name: "ROOMGRAPH_WEBHOOK_QUEUE_SIZE", def: "1024",
		meaning: "Verified webhook events waiting to be handed to the subscriptions; when full, deliveries get 503 with `Retry-After` and Telnyx retries them.",
		set:     integer(func(s *settings) *int { return &s.cfg.WebhookQueueSize })},
	{name: "ROOMGRAPH_WEBHOOK_DEDUPE_WINDOW", def: "15m",
		meaning: "How long an accepted event's `data.id` is remembered: a redelivery within it answers 200 and is not processed again.",
		set:     duration(func(s *settings) *time.Duration { return &s.cfg.WebhookDedupeWindow })},
	{name: "ROOMGRAPH_WEBHOOK_DEDUPE_SIZE", def: "50000",
		meaning: "Most event ids remembered for deduplication (past it, some are forgotten before their window ends).",
		set:     integer(func(s *settings) *int { return &s.cfg.WebhookDedupeSize })},
	{name: "ROOMGRAPH_REDIS_URL", def: "(unset)", secret: true,
		meaning: "Redis shared by the replicas of a deployment (`redis://[user:password@]host:port[/db]`, `rediss://…` for TLS): webhook events reach the subscribers of every replica, the dedupe, the upstream's rate-limit holds, APQ and the read cache are shared (docs/redis.md). Unset: all in this process. Redis down is not roomgraph down: each feature falls back to this process until it answers.",
		set:     func(s *settings, v string) error { s.cfg.RedisURL = v; return nil }},
	{name: "ROOMGRAPH_REDIS_PREFIX", def: "roomgraph:",
		meaning: "Starts every Redis key roomgraph writes: the same for the replicas of one deployment, different for deployments sharing a Redis.",
		set:     func(s *settings, v string) error { s.cfg.RedisPrefix = v; return nil }},
	{name: "ROOMGRAPH_REDIS_TIMEOUT", def: "250ms",
		meaning: "Bound of every Redis call; past it the call's feature falls back to this process, and Redis is taken for down until a health check (every second) finds it answering.",
		set:     duration(func(s *settings) *time.Duration { return &s.cfg.RedisTimeout })},
	{name: "ROOMGRAPH_MAX_TOKENS", def: "15000",
		meaning: "Most tokens in a query document (more: GRAPHQL_PARSE_FAILED).",
		set:     integer(func(s *settings) *int { return &s.cfg.MaxTokens })},
	{name: "ROOMGRAPH_MAX_DEPTH", def: "12",
		meaning: "Deepest nesting of fields, fragments expanded (deeper: QUERY_LIMIT_EXCEEDED).",
		set:     integer(func(s *settings) *int { return &s.cfg.Limits.MaxDepth })},
	{name: "ROOMGRAPH_MAX_ALIASES", def: "30",
		meaning: "Most aliased fields in one operation.",
		set:     integer(func(s *settings) *int { return &s.cfg.Limits.MaxAliases })},
	{name: "ROOMGRAPH_MAX_ROOT_FIELDS", def: "20",
		meaning: "Most top-level fields in one operation.",
		set:     integer(func(s *settings) *int { return &s.cfg.Limits.MaxRootFields })},
	{name: "ROOMGRAPH_MAX_COST", def: "1000",
		meaning: "Most upstream calls an operation may be predicted to make.",
		set:     integer(func(s *settings) *int { return &s.cfg.Limits.MaxCost })},
	{name: "ROOMGRAPH_MAX_REPRESENTATIONS", def: "1000",
		meaning: "Most `_entities` representations in one operation, all counted (with `ROOMGRAPH_FEDERATION`; more: QUERY_LIMIT_EXCEEDED before any upstream call).",
		set:     integer(func(s *settings) *int { return &s.cfg.Limits.MaxRepresentations })},
	{name: "ROOMGRAPH_METRICS", def: "true",
		meaning: "Serve Prometheus metrics at `GET /metrics`.",
		set:     boolean(func(s *settings) *bool { return &s.cfg.ServeMetrics })},
	{name: "ROOMGRAPH_METRICS_MAX_OPERATIONS", def: "100",
		meaning: "Most distinct operation names in the metrics' `operation` label (later ones: `other`).",
		set:     integer(func(s *settings) *int { return &s.cfg.MetricsMaxOperations })},
	{name: "ROOMGRAPH_LOG_FORMAT", def: "text",
		meaning: "`text` or `json` (log/slog); one line per GraphQL request with its request id.",
		set:     func(s *settings, v string) error { s.cfg.LogFormat = strings.ToLower(v); return nil }},
	{name: "ROOMGRAPH_LOG_LEVEL", def: "info",
		meaning: "`debug`, `info`, `warn` or `error`.",
		set:     func(s *settings, v string) error { s.cfg.LogLevel = v; return nil }},
}

// The standard OpenTelemetry variables of trace export (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).
var otelVars = []envVar{
	{name: "OTEL_TRACES_EXPORTER", def: "(unset)",
		meaning: "`otlp` exports OpenTelemetry traces over OTLP/HTTP; `none`: no export; unset: export when an OTLP endpoint below is set."},
	{name: "OTEL_SDK_DISABLED", def: "false",
		meaning: "`true` turns trace export off whatever else is set."},
	{name: "OTEL_EXPORTER_OTLP_ENDPOINT", def: "(unset)",
		meaning: "OTLP/HTTP collector base URL, e.g. `http://localhost:4318` (spans go to its `/v1/traces`); setting it turns trace export on."},
	{name: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", def: "(unset)",
		meaning: "Full URL of the collector's traces endpoint; wins over `OTEL_EXPORTER_OTLP_ENDPOINT` and also turns export on. With neither: `" + telemetry.DefaultTraceEndpoint + "`."},
	{name: "OTEL_EXPORTER_OTLP_PROTOCOL", def: "http/protobuf",
		meaning: "Only `http/protobuf` is supported (anything else is refused at start-up)."},
	{name: "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", def: "(unset)",
		meaning: "As `OTEL_EXPORTER_OTLP_PROTOCOL`, for traces; wins over it."},
	{name: "OTEL_EXPORTER_OTLP_HEADERS", def: "(unset)", secret: true,
		meaning: "Headers of every export request, `key=value` pairs separated by commas, values percent-encoded (e.g. a vendor's API key)."},
	{name: "OTEL_EXPORTER_OTLP_TRACES_HEADERS", def: "(unset)", secret: true,
		meaning: "As `OTEL_EXPORTER_OTLP_HEADERS`, for traces; a key set in both takes this value."},
	{name: "OTEL_SERVICE_NAME", def: "roomgraph",
		meaning: "The `service.name` of the spans' resource; wins over one in `OTEL_RESOURCE_ATTRIBUTES`."},
	{name: "OTEL_RESOURCE_ATTRIBUTES", def: "(unset)",
		meaning: "Further resource attributes, `key=value` pairs separated by commas, values percent-encoded."},
	{name: "OTEL_TRACES_SAMPLER", def: "parentbased_always_on",
		meaning: "`always_on`, `always_off`, `traceidratio`, or their `parentbased_` forms (follow the caller's sampling decision when there is one)."},
	{name: "OTEL_TRACES_SAMPLER_ARG", def: "1",
		meaning: "The ratio of the `traceidratio` samplers, 0 to 1."},
}

// envVars is every variable the command reads, in the order of the configuration table.
var envVars = concat(commandVars, gatewayVars, otelVars)

// otelTuning is the table's note on the variables the OpenTelemetry SDK reads by itself.
const otelTuning = "When trace export is on, the OpenTelemetry SDK also reads the standard variables of its own tuning from the process environment " +
	"(`OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_EXPORTER_OTLP_COMPRESSION`, `OTEL_EXPORTER_OTLP_CERTIFICATE` and their `_TRACES_` forms, `OTEL_BSP_*`, `OTEL_SPAN_*_LIMIT`, …); " +
	"those are the SDK's, and roomgraph neither reads nor overrides them. The upstream transport honours `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` " +
	"as every Go HTTP client does (read by net/http)."

func concat(lists ...[]envVar) []envVar {
	var out []envVar
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// defaultGETCacheMaxAge is the command's GETCacheMaxAge (gateway.Config's zero value is no-cache): long
// enough for a CDN to absorb a burst of identical GETs (a dashboard opened by many at once), short enough
// that no one notices the lag behind the Telnyx API.
const defaultGETCacheMaxAge = 5 * time.Second

// defaultSimLive is the embedded simulator's live rate: a change a second keeps a dashboard moving without
// flooding it.
const defaultSimLive = 1.0

// loadConfig reads the command's configuration through getenv (os.Getenv in production, a map in tests),
// asking it for the names of envVars only.
func loadConfig(getenv func(string) string) (config, error) {
	s := settings{
		cfg:         gateway.Config{ServeMetrics: true, GETCacheMaxAge: defaultGETCacheMaxAge},
		gcTargetMiB: gcpolicy.DefaultTargetMiB,
		simLive:     defaultSimLive,
		raw:         map[string]string{},
	}
	for _, v := range envVars {
		val := getenv(v.name)
		if strings.TrimSpace(val) == "" {
			continue
		}
		if !v.untrimmed {
			val = strings.TrimSpace(val)
		}
		if v.set == nil {
			s.raw[v.name] = val
			continue
		}
		if err := v.set(&s, val); err != nil {
			if v.secret {
				return config{}, fmt.Errorf("%s: %w", v.name, err)
			}
			return config{}, fmt.Errorf("%s=%q: %w", v.name, val, err)
		}
	}
	return s.config()
}

// config makes the decisions that need several variables.
func (s settings) config() (config, error) {
	c := config{gateway: s.cfg}
	c.embedded = s.cfg.BaseURL == "" && s.cfg.APIKey == "" && s.cfg.Auth != gateway.AuthForward
	or := func(b *bool) bool {
		if b == nil {
			return c.embedded
		}
		return *b
	}
	c.gateway.AllowTrace, c.gateway.Introspection, c.gateway.Playground = or(s.trace), or(s.introspection), or(s.playground)
	if c.embedded && len(c.gateway.CORSOrigins) == 0 {
		// A front-end dev server (another port, so another origin) calls the local gateway; a real
		// upstream's gateway stays closed unless ROOMGRAPH_CORS_ORIGINS says otherwise.
		c.gateway.CORSOrigins = gateway.LocalDevOrigins()
	}
	c.gateway = c.gateway.Defaults()

	c.addr = ":8080"
	if p := s.raw["PORT"]; p != "" {
		c.addr = ":" + p
	}
	if a := s.raw["ROOMGRAPH_LISTEN"]; a != "" {
		c.addr = a
	}

	c.simLive = s.simLive
	c.gc.TargetMiB = s.gcTargetMiB
	for _, name := range []string{"GOGC", "GOMEMLIMIT"} {
		if s.raw[name] != "" && c.gc.RuntimeOverride == "" {
			c.gc.RuntimeOverride = name
		}
	}

	var err error
	c.tracing, err = traceExport(s.raw)
	return c, err
}

// traceExport reads the OTEL_* variables: nil when they ask for no trace export. Export is on when
// OTEL_TRACES_EXPORTER is "otlp", or when it is unset and an OTLP endpoint is set; OTEL_SDK_DISABLED=true
// and OTEL_TRACES_EXPORTER=none turn it off. Only the OTLP http/protobuf protocol is supported.
func traceExport(raw map[string]string) (*telemetry.TraceExport, error) {
	if strings.EqualFold(raw["OTEL_SDK_DISABLED"], "true") {
		return nil, nil
	}
	switch exp := strings.ToLower(raw["OTEL_TRACES_EXPORTER"]); exp {
	case "none":
		return nil, nil
	case "otlp":
	case "":
		if raw["OTEL_EXPORTER_OTLP_ENDPOINT"] == "" && raw["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] == "" {
			return nil, nil
		}
	default:
		return nil, fmt.Errorf("OTEL_TRACES_EXPORTER=%q: roomgraph exports traces with \"otlp\" or \"none\"", exp)
	}
	proto := firstSet(raw["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"], raw["OTEL_EXPORTER_OTLP_PROTOCOL"])
	if proto != "" && proto != "http/protobuf" {
		return nil, fmt.Errorf("OTLP protocol %q: roomgraph exports with http/protobuf only", proto)
	}
	ex := &telemetry.TraceExport{
		Endpoint:    raw["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"],
		ServiceName: raw["OTEL_SERVICE_NAME"],
		Sampler:     strings.ToLower(raw["OTEL_TRACES_SAMPLER"]),
		SamplerArg:  1,
	}
	if base := raw["OTEL_EXPORTER_OTLP_ENDPOINT"]; ex.Endpoint == "" && base != "" {
		ex.Endpoint = strings.TrimSuffix(base, "/") + "/v1/traces"
	}
	if a := raw["OTEL_TRACES_SAMPLER_ARG"]; a != "" {
		f, err := strconv.ParseFloat(a, 64)
		if err != nil {
			return nil, fmt.Errorf("OTEL_TRACES_SAMPLER_ARG=%q: want a number from 0 to 1", a)
		}
		ex.SamplerArg = f
	}
	var err error
	for _, name := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"} {
		if ex.Headers, err = keyValues(name, raw[name], ex.Headers); err != nil {
			return nil, err
		}
	}
	if ex.Attributes, err = keyValues("OTEL_RESOURCE_ATTRIBUTES", raw["OTEL_RESOURCE_ATTRIBUTES"], nil); err != nil {
		return nil, err
	}
	return ex, nil
}

// keyValues adds the comma-separated key=value pairs of v (values percent-encoded) to into. Its errors
// quote nothing of v, which may hold a credential.
func keyValues(name, v string, into map[string]string) (map[string]string, error) {
	if v == "" {
		return into, nil
	}
	if into == nil {
		into = map[string]string{}
	}
	for i, pair := range strings.Split(v, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		key, value, ok := strings.Cut(pair, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return nil, fmt.Errorf("%s: entry %d is not key=value", name, i+1)
		}
		value, err := url.PathUnescape(strings.TrimSpace(value))
		if err != nil {
			return nil, fmt.Errorf("%s: entry %d: bad percent-encoding", name, i+1)
		}
		into[key] = value
	}
	return into, nil
}

// firstSet returns the first non-empty string.
func firstSet(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Setters of envVar.

func integer(field func(*settings) *int) func(*settings, string) error {
	return func(s *settings, v string) (err error) { *field(s), err = strconv.Atoi(v); return err }
}

func integer64(field func(*settings) *int64) func(*settings, string) error {
	return func(s *settings, v string) (err error) { *field(s), err = strconv.ParseInt(v, 10, 64); return err }
}

func duration(field func(*settings) *time.Duration) func(*settings, string) error {
	return func(s *settings, v string) (err error) { *field(s), err = time.ParseDuration(v); return err }
}

func boolean(field func(*settings) *bool) func(*settings, string) error {
	return func(s *settings, v string) (err error) { *field(s), err = strconv.ParseBool(v); return err }
}

// negated sets a Disable… field from a variable that says whether the feature is on.
func negated(field func(*settings) *bool) func(*settings, string) error {
	return func(s *settings, v string) error {
		on, err := strconv.ParseBool(v)
		*field(s) = !on
		return err
	}
}

// optional sets a setting whose default depends on other variables.
func optional(field func(*settings) **bool) func(*settings, string) error {
	return func(s *settings, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return err
		}
		*field(s) = &b
		return nil
	}
}

// list splits a comma-separated variable, dropping blanks.
func list(v string) []string {
	var out []string
	for part := range strings.SplitSeq(v, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}
