package gateway

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Env describes one environment variable LoadConfig reads; EnvVars lists them all (a test keeps the
// README's table in step with it).
type Env struct {
	Name, Default, Meaning string
}

// EnvVars returns the variables the server reads: LoadConfig's, and the standard OTEL_* ones that
// telemetry.TracerProviderFromEnv reads.
func EnvVars() []Env {
	return []Env{
		{"TELNYX_API_KEY", "(unset)", "Server API key sent upstream in key mode. With TELNYX_BASE_URL also unset (and not in forward mode), `go run .` starts the embedded simulator instead."},
		{"TELNYX_BASE_URL", "https://api.telnyx.com/v2", "Upstream base URL."},
		{"ROOMGRAPH_AUTH", "key", "`key`: send TELNYX_API_KEY for everyone; `forward`: send each caller's own `Authorization: Bearer …` (callers without one get UNAUTHENTICATED)."},
		{"ROOMGRAPH_DEFAULT_FIRST", "20", "Page size when a connection gets neither `first` nor `last`."},
		{"ROOMGRAPH_MAX_FIRST", "100", "Largest `first`/`last` accepted (1..250); above it: BAD_USER_INPUT, no upstream call."},
		{"ROOMGRAPH_CURSOR_SECRET", "(built-in)", "Key of the cursors' integrity check; share it across replicas."},
		{"ROOMGRAPH_LOADER_WAIT", "1ms", "How long loaders collect needs before calling the upstream."},
		{"ROOMGRAPH_MAX_PARALLEL", "8", "Concurrent upstream calls one operation may have in flight."},
		{"ROOMGRAPH_UPSTREAM_TIMEOUT", "10s", "Timeout of each upstream call."},
		{"ROOMGRAPH_RETRIES", "2", "Retries of an upstream GET after a connection error, timeout, 408, 429 or 5xx (full-jitter backoff, honouring Retry-After, never past the operation deadline). Writes are never retried."},
		{"ROOMGRAPH_RETRY_BASE_DELAY", "100ms", "Backoff before retry n: random in [0, min(max delay, base·2ⁿ)]."},
		{"ROOMGRAPH_RETRY_MAX_DELAY", "2s", "Cap of the backoff (a longer Retry-After from the upstream still wins)."},
		{"ROOMGRAPH_UPSTREAM_CONCURRENCY", "64", "Upstream calls in flight across all requests."},
		{"ROOMGRAPH_UPSTREAM_QUEUE_WAIT", "2s", "Longest wait for a free upstream slot (then UPSTREAM_UNAVAILABLE)."},
		{"ROOMGRAPH_BREAKER_FAILURES", "5", "Consecutive failed upstream attempts that open the circuit breaker (then UPSTREAM_UNAVAILABLE at once, no upstream call)."},
		{"ROOMGRAPH_BREAKER_OPEN_FOR", "5s", "How long the breaker stays open before one probe may close it."},
		{"ROOMGRAPH_OPERATION_TIMEOUT", "15s", "Deadline of a whole GraphQL operation (every upstream call, retry and wait in it)."},
		{"ROOMGRAPH_TRACE", "on with the embedded simulator, else off", "Allow the query trace (request header `X-Roomgraph-Trace: 1`)."},
		{"ROOMGRAPH_INTROSPECTION", "on with the embedded simulator, else off", "Schema introspection and field suggestions."},
		{"ROOMGRAPH_FEDERATION", "false", "Serve the Apollo Federation v2 subgraph schema (`_service`, `_entities`; Room, RoomSession, RoomParticipant keyed by id)."},
		{"ROOMGRAPH_APQ", "true", "Automatic persisted queries (Apollo's APQ protocol, also over GET for CDN caching)."},
		{"ROOMGRAPH_APQ_CACHE_SIZE", "1000", "Most persisted queries remembered (least recently used go first)."},
		{"ROOMGRAPH_TRUSTED_DOCUMENTS", "(unset)", "Path of a persisted query manifest: when set, only its operations run (PERSISTED_QUERY_NOT_ALLOWED otherwise) and APQ is off."},
		{"ROOMGRAPH_COALESCE", "true", "Identical upstream reads in flight at the same time, for the same key, become one call."},
		{"ROOMGRAPH_FAST_PATH", "true", "Answer queries with the fast path (the same bytes as gqlgen's executor, several times less CPU); false: gqlgen's executor for every query."},
		{"ROOMGRAPH_READ_CACHE_TTL", "0s", "Keep successful upstream reads this long, per key, dropped on any write (0: off). At most 1000 answers, each kept as bytes and as decoded records."},
		{"ROOMGRAPH_CORS_ORIGINS", "(unset)", "Comma-separated browser origins allowed to call /graphql (`*` for any); unset: same-origin only, no CORS headers."},
		{"ROOMGRAPH_CORS_HEADERS", "Content-Type, Authorization, X-Roomgraph-Trace, X-Request-Id, traceparent, tracestate", "Request headers cross-origin pages may send."},
		{"ROOMGRAPH_CORS_MAX_AGE", "10m", "How long browsers may cache a preflight answer."},
		{"ROOMGRAPH_PPROF", "false", "Serve Go's CPU, heap and goroutine profiles under `/debug/pprof/` (for profiling; keep it off on public ports)."},
		{"ROOMGRAPH_READY_TIMEOUT", "2s", "Bound of the upstream check behind /readyz."},
		{"ROOMGRAPH_PLAYGROUND", "on with the embedded simulator, else off", "GraphiQL at `/`."},
		{"ROOMGRAPH_MAX_BODY_BYTES", "1048576", "Largest request body accepted (larger: 413 REQUEST_TOO_LARGE)."},
		{"ROOMGRAPH_MAX_TOKENS", "15000", "Most tokens in a query document (more: GRAPHQL_PARSE_FAILED)."},
		{"ROOMGRAPH_MAX_DEPTH", "12", "Deepest nesting of fields, fragments expanded (deeper: QUERY_LIMIT_EXCEEDED)."},
		{"ROOMGRAPH_MAX_ALIASES", "30", "Most aliased fields in one operation."},
		{"ROOMGRAPH_MAX_ROOT_FIELDS", "20", "Most top-level fields in one operation."},
		{"ROOMGRAPH_MAX_COST", "1000", "Most upstream calls an operation may be predicted to make."},
		{"ROOMGRAPH_METRICS", "true", "Serve Prometheus metrics at `GET /metrics`."},
		{"ROOMGRAPH_METRICS_MAX_OPERATIONS", "100", "Most distinct operation names in the metrics' `operation` label (later ones: `other`)."},
		{"ROOMGRAPH_LOG_FORMAT", "text", "`text` or `json` (log/slog); one line per GraphQL request with its request id."},
		{"ROOMGRAPH_LOG_LEVEL", "info", "`debug`, `info`, `warn` or `error`."},
		{"OTEL_TRACES_EXPORTER", "(unset)", "`otlp` exports OpenTelemetry traces over OTLP/HTTP; `none` or unset: no export, unless an OTLP endpoint below is set."},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "(unset)", "OTLP/HTTP collector base URL, e.g. `http://localhost:4318`; setting it (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) turns trace export on. The other standard `OTEL_*` variables apply (`OTEL_SERVICE_NAME`, default roomgraph; `OTEL_TRACES_SAMPLER`; `OTEL_EXPORTER_OTLP_HEADERS`; `OTEL_SDK_DISABLED`)."},
	}
}

// LoadConfig reads the gateway's configuration through getenv (os.Getenv in production, a map in tests).
// embedded says whether the caller runs the embedded simulator, which changes the defaults of the
// developer conveniences (trace, introspection, playground) to on.
func LoadConfig(getenv func(string) string, embedded bool) (Config, error) {
	cfg := Config{
		APIKey:        strings.TrimSpace(getenv("TELNYX_API_KEY")),
		BaseURL:       strings.TrimSpace(getenv("TELNYX_BASE_URL")),
		Auth:          AuthMode(strings.ToLower(strings.TrimSpace(getenv("ROOMGRAPH_AUTH")))),
		CursorSecret:  getenv("ROOMGRAPH_CURSOR_SECRET"),
		AllowTrace:    embedded,
		Introspection: embedded,
		Playground:    embedded,
		ServeMetrics:  true,
		LogFormat:     strings.ToLower(strings.TrimSpace(getenv("ROOMGRAPH_LOG_FORMAT"))),
		LogLevel:      strings.TrimSpace(getenv("ROOMGRAPH_LOG_LEVEL")),
	}
	var err error
	set := func(name string, parse func(string) error) {
		if err != nil {
			return
		}
		if v := strings.TrimSpace(getenv(name)); v != "" {
			if perr := parse(v); perr != nil {
				err = fmt.Errorf("%s=%q: %w", name, v, perr)
			}
		}
	}
	atoi := func(dst *int) func(string) error {
		return func(v string) (e error) { *dst, e = strconv.Atoi(v); return e }
	}
	duration := func(dst *time.Duration) func(string) error {
		return func(v string) (e error) { *dst, e = time.ParseDuration(v); return e }
	}
	boolean := func(dst *bool) func(string) error {
		return func(v string) (e error) { *dst, e = strconv.ParseBool(v); return e }
	}
	set("ROOMGRAPH_DEFAULT_FIRST", atoi(&cfg.DefaultFirst))
	set("ROOMGRAPH_MAX_FIRST", atoi(&cfg.MaxFirst))
	set("ROOMGRAPH_LOADER_WAIT", duration(&cfg.LoaderWait))
	set("ROOMGRAPH_MAX_PARALLEL", atoi(&cfg.MaxParallel))
	set("ROOMGRAPH_UPSTREAM_TIMEOUT", duration(&cfg.UpstreamTimeout))
	set("ROOMGRAPH_OPERATION_TIMEOUT", duration(&cfg.OperationTimeout))
	set("ROOMGRAPH_FEDERATION", boolean(&cfg.Federation))
	apq, coalescing, fast := true, true, true
	set("ROOMGRAPH_APQ", boolean(&apq))
	set("ROOMGRAPH_APQ_CACHE_SIZE", atoi(&cfg.APQCacheSize))
	cfg.TrustedDocuments = strings.TrimSpace(getenv("ROOMGRAPH_TRUSTED_DOCUMENTS"))
	set("ROOMGRAPH_COALESCE", boolean(&coalescing))
	set("ROOMGRAPH_FAST_PATH", boolean(&fast))
	cfg.DisableAPQ, cfg.DisableCoalescing, cfg.DisableFastPath = !apq, !coalescing, !fast
	set("ROOMGRAPH_READ_CACHE_TTL", duration(&cfg.ReadCacheTTL))
	cfg.CORSOrigins = list(getenv("ROOMGRAPH_CORS_ORIGINS"))
	cfg.CORSHeaders = list(getenv("ROOMGRAPH_CORS_HEADERS"))
	set("ROOMGRAPH_CORS_MAX_AGE", duration(&cfg.CORSMaxAge))
	set("ROOMGRAPH_READY_TIMEOUT", duration(&cfg.ReadyTimeout))
	set("ROOMGRAPH_PPROF", boolean(&cfg.Pprof))
	set("ROOMGRAPH_RETRIES", atoi(&cfg.Resilience.MaxRetries))
	set("ROOMGRAPH_RETRY_BASE_DELAY", duration(&cfg.Resilience.BaseDelay))
	set("ROOMGRAPH_RETRY_MAX_DELAY", duration(&cfg.Resilience.MaxDelay))
	set("ROOMGRAPH_UPSTREAM_CONCURRENCY", atoi(&cfg.Resilience.MaxConcurrent))
	set("ROOMGRAPH_UPSTREAM_QUEUE_WAIT", duration(&cfg.Resilience.MaxQueueWait))
	set("ROOMGRAPH_BREAKER_FAILURES", atoi(&cfg.Resilience.BreakerFailures))
	set("ROOMGRAPH_BREAKER_OPEN_FOR", duration(&cfg.Resilience.BreakerOpenFor))
	set("ROOMGRAPH_TRACE", boolean(&cfg.AllowTrace))
	set("ROOMGRAPH_INTROSPECTION", boolean(&cfg.Introspection))
	set("ROOMGRAPH_PLAYGROUND", boolean(&cfg.Playground))
	set("ROOMGRAPH_MAX_TOKENS", atoi(&cfg.MaxTokens))
	set("ROOMGRAPH_MAX_DEPTH", atoi(&cfg.Limits.MaxDepth))
	set("ROOMGRAPH_MAX_ALIASES", atoi(&cfg.Limits.MaxAliases))
	set("ROOMGRAPH_MAX_ROOT_FIELDS", atoi(&cfg.Limits.MaxRootFields))
	set("ROOMGRAPH_MAX_COST", atoi(&cfg.Limits.MaxCost))
	set("ROOMGRAPH_METRICS", boolean(&cfg.ServeMetrics))
	set("ROOMGRAPH_METRICS_MAX_OPERATIONS", atoi(&cfg.MetricsMaxOperations))
	set("ROOMGRAPH_MAX_BODY_BYTES", func(v string) (e error) { cfg.MaxBodyBytes, e = strconv.ParseInt(v, 10, 64); return e })
	if err != nil {
		return Config{}, err
	}
	cfg = cfg.Defaults()
	return cfg, cfg.validate()
}

// Embedded reports whether the environment configures no upstream at all, so that `go run .` should serve
// the embedded simulator: TELNYX_BASE_URL and TELNYX_API_KEY both unset or empty, and not forward mode.
func Embedded(getenv func(string) string) bool {
	return strings.TrimSpace(getenv("TELNYX_BASE_URL")) == "" &&
		strings.TrimSpace(getenv("TELNYX_API_KEY")) == "" &&
		!strings.EqualFold(strings.TrimSpace(getenv("ROOMGRAPH_AUTH")), string(AuthForward))
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
