package telemetry

import (
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Outcomes of a GraphQL operation, the values of the outcome label.
const (
	OutcomeOK      = "ok"      // answered without errors
	OutcomeError   = "error"   // executed, with at least one error (partial data or none)
	OutcomeRefused = "refused" // refused before execution: malformed request, parse, validation, limits, auth
)

// MetricsOptions tune NewMetrics.
type MetricsOptions struct {
	// MaxOperationNames bounds the distinct values of the operation label; later names count as
	// "other". Default 100.
	MaxOperationNames int
	// NoRuntimeCollectors leaves out the Go runtime and process collectors, for an embedder that merges
	// Gatherer with a registry that has its own.
	NoRuntimeCollectors bool
	// Registerer, if set, also gets roomgraph's series (not the runtime collectors), registered as one
	// collector: an embedder's own registry then serves them with its own.
	Registerer prometheus.Registerer
}

// Metrics holds roomgraph's Prometheus series on a registry of its own (never the global default registry),
// and on an embedder's registerer when given one. It is itself a prometheus.Collector of those series. Its
// methods are safe for concurrent use and cheap enough to call on every request, attempt and loader need.
type Metrics struct {
	reg    *prometheus.Registry
	names  *operationNames
	series []prometheus.Collector

	httpRequests       *prometheus.CounterVec
	httpDuration       *prometheus.HistogramVec
	operations         *prometheus.CounterVec
	operationDuration  *prometheus.HistogramVec
	errors             *prometheus.CounterVec
	upstreamRequests   *prometheus.CounterVec
	upstreamDuration   *prometheus.HistogramVec
	upstreamRetries    *prometheus.CounterVec
	upstreamRefused    *prometheus.CounterVec
	upstreamSaved      *prometheus.CounterVec
	breakerState       prometheus.Gauge
	breakerTransitions *prometheus.CounterVec
	rateLimitHolds     *prometheus.CounterVec
	rateLimitProbes    *prometheus.CounterVec
	rateLimitedNow     atomic.Pointer[func() int] // read at scrape time; nil: 0
	batchSize          *prometheus.HistogramVec
	loaderNeeds        *prometheus.CounterVec
	loaderCalls        *prometheus.CounterVec
	executions         *prometheus.CounterVec
	bodyBytes          prometheus.Gauge

	webhooksReceived   prometheus.Counter
	webhooksRejected   *prometheus.CounterVec
	webhooksDuplicates prometheus.Counter
	webhooksUnknown    prometheus.Counter
	webhooksProcessed  prometheus.Counter
	webhooksAbandoned  prometheus.Counter
	webhookQueueDepth  atomic.Pointer[func() int] // read at scrape time; nil: 0

	subscriptionsActive    *prometheus.GaugeVec
	subscriptionsStarted   *prometheus.CounterVec
	subscriptionsEnded     *prometheus.CounterVec
	subscriptionsRefused   *prometheus.CounterVec
	subscriptionsDelivered *prometheus.CounterVec
	websocketConnections   prometheus.Gauge
}

// NewMetrics registers every series on a new registry, and on opts.Registerer when set; it fails only when
// opts.Registerer refuses them (for example because it already holds series of the same names).
func NewMetrics(opts MetricsOptions) (*Metrics, error) {
	if opts.MaxOperationNames <= 0 {
		opts.MaxOperationNames = 100
	}
	reg := prometheus.NewRegistry()
	m := &Metrics{reg: reg, names: newOperationNames(opts.MaxOperationNames)}
	f := func(c prometheus.Collector) { m.series = append(m.series, c) }
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
		f(v)
		return v
	}
	histogram := func(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
		v := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
		f(v)
		return v
	}
	m.httpRequests = counter("roomgraph_http_requests_total",
		"HTTP requests served, by handler, method and status code.", "handler", "method", "code")
	m.httpDuration = histogram("roomgraph_http_request_duration_seconds",
		"Time to serve an HTTP request, by handler.", prometheus.DefBuckets, "handler")
	m.operations = counter("roomgraph_graphql_operations_total",
		"GraphQL operations by operation name (\"\" anonymous, \"other\" past the cap), type and outcome (ok, error, refused).",
		"operation", "type", "outcome")
	m.operationDuration = histogram("roomgraph_graphql_operation_duration_seconds",
		"Time from receiving a GraphQL operation to its response, by operation name and type.",
		prometheus.DefBuckets, "operation", "type")
	m.errors = counter("roomgraph_graphql_errors_total",
		"GraphQL errors returned, by extensions.code.", "code")
	m.upstreamRequests = counter("roomgraph_upstream_requests_total",
		"HTTP requests sent to the Telnyx API (every attempt, retries included), by route template and status code (\"error\": no response).",
		"route", "code")
	m.upstreamDuration = histogram("roomgraph_upstream_request_duration_seconds",
		"Time from sending an upstream request to its response headers, by route template.",
		prometheus.DefBuckets, "route")
	m.upstreamRetries = counter("roomgraph_upstream_retries_total",
		"Upstream attempts after the first of a call (retries), by route template.", "route")
	m.upstreamSaved = counter("roomgraph_upstream_coalesced_total",
		"Upstream reads not made because an identical read of the same credential was in flight (shared) or cached (cache_hit).",
		"reason")
	m.upstreamRefused = counter("roomgraph_upstream_refused_total",
		"Upstream calls the gateway answered itself without an attempt, by reason (circuit_open, busy, rate_limited).", "reason")
	m.breakerState = prometheus.NewGauge(prometheus.GaugeOpts{Name: "roomgraph_upstream_breaker_state",
		Help: "State of the upstream circuit breaker: 0 closed, 1 half-open, 2 open."})
	f(m.breakerState)
	m.breakerTransitions = counter("roomgraph_upstream_breaker_transitions_total",
		"Circuit breaker state changes, by from and to state.", "from", "to")
	f(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "roomgraph_upstream_rate_limited_credentials",
		Help: "Credentials (API keys) the upstream's rate limit holds back now: their requests wait or fail with UPSTREAM_RATE_LIMITED, without an upstream call. A count only, never a key."},
		func() float64 {
			if n := m.rateLimitedNow.Load(); n != nil {
				return float64((*n)())
			}
			return 0
		}))
	m.rateLimitHolds = counter("roomgraph_upstream_rate_limit_holds_total",
		"Upstream answers that held their credential back, by reason (too_many_requests: a 429; window_exhausted: x-ratelimit-remaining: 0) and capped (true: the upstream asked for a longer wait than ROOMGRAPH_MAX_RETRY_AFTER).",
		"reason", "capped")
	m.rateLimitProbes = counter("roomgraph_upstream_rate_limit_probes_total",
		"Requests that probed the upstream when a capped rate-limit hold had passed, by outcome (cleared, held_again, no_answer).",
		"outcome")
	m.batchSize = histogram("roomgraph_loader_batch_size",
		"Distinct needs a loader batch received (identical needs already merged), by loader.",
		prometheus.ExponentialBuckets(1, 2, 9), "loader")
	m.loaderNeeds = counter("roomgraph_loader_needs_total",
		"Needs resolvers stated to a loader, identical and already-fetched ones included, by loader.", "loader")
	m.loaderCalls = counter("roomgraph_loader_upstream_calls_total",
		"Upstream calls (before retries) loader batches made to serve those needs, by loader.", "loader")
	m.executions = counter("roomgraph_graphql_executions_total",
		"How query operations were executed: served (the fast path wrote the response), fallback (the fast path handed the operation to gqlgen: an error or a null), unsupported (gqlgen from the start: mutations, introspection).",
		"path")
	m.bodyBytes = prometheus.NewGauge(prometheus.GaugeOpts{Name: "roomgraph_http_body_bytes_in_flight",
		Help: "Bytes of request bodies the GraphQL endpoint has reserved for reading and holding right now (declared lengths; the budget is ROOMGRAPH_MAX_BODY_BYTES_IN_FLIGHT)."})
	f(m.bodyBytes)
	plain := func(name, help string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
		f(c)
		return c
	}
	m.webhooksReceived = plain("roomgraph_webhooks_received_total",
		"Requests to the Telnyx webhook door (POST /webhooks/telnyx), refused ones included.")
	m.webhooksRejected = counter("roomgraph_webhooks_rejected_total",
		"Webhook requests answered with a 4xx or 5xx, nothing processed, by reason (a closed set: docs/webhooks.md).", "reason")
	m.webhooksDuplicates = plain("roomgraph_webhooks_duplicates_total",
		"Verified webhook events whose data.id was seen within the dedupe window: answered 200, not processed again.")
	m.webhooksUnknown = plain("roomgraph_webhooks_unknown_types_total",
		"Verified webhook events of an event_type roomgraph does not know: answered 200, not processed.")
	m.webhooksProcessed = plain("roomgraph_webhooks_processed_total",
		"Webhook events taken from the queue and handed to the subscriptions.")
	m.webhooksAbandoned = plain("roomgraph_webhooks_abandoned_total",
		"Accepted webhook events still queued when the shutdown's drain bound passed: never processed.")
	f(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "roomgraph_webhook_queue_depth",
		Help: "Accepted webhook events waiting in the queue for a worker."},
		func() float64 {
			if n := m.webhookQueueDepth.Load(); n != nil {
				return float64((*n)())
			}
			return 0
		}))
	m.subscriptionsActive = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "roomgraph_subscriptions_active",
		Help: "GraphQL subscriptions running now, by transport (ws: graphql-transport-ws or graphql-ws; sse)."}, []string{"transport"})
	f(m.subscriptionsActive)
	m.subscriptionsStarted = counter("roomgraph_subscriptions_started_total",
		"GraphQL subscriptions that began (admitted, their room readable), by transport.", "transport")
	m.subscriptionsEnded = counter("roomgraph_subscriptions_ended_total",
		"GraphQL subscriptions that ended, by transport and reason (complete, client_gone, slow_consumer, shutdown, error).",
		"transport", "reason")
	m.subscriptionsRefused = counter("roomgraph_subscriptions_refused_total",
		"GraphQL subscriptions refused before they began, by transport and reason (limit, shutting_down, error: the room could not be read, or the arguments were wrong).",
		"transport", "reason")
	m.subscriptionsDelivered = counter("roomgraph_subscription_events_delivered_total",
		"Answers handed to subscribers' connections (each next: an event of roomEvents, a state of roomUpdated), by transport.",
		"transport")
	m.websocketConnections = prometheus.NewGauge(prometheus.GaugeOpts{Name: "roomgraph_websocket_connections",
		Help: "WebSocket connections open now (upgraded, not yet closed), whether or not they have subscriptions."})
	f(m.websocketConnections)
	reg.MustRegister(m)
	if !opts.NoRuntimeCollectors {
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(m); err != nil {
			return nil, fmt.Errorf("registering roomgraph's metrics: %w", err)
		}
	}
	return m, nil
}

// Describe sends the descriptors of roomgraph's series (prometheus.Collector).
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.series {
		c.Describe(ch)
	}
}

// Collect sends the current values of roomgraph's series (prometheus.Collector).
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.series {
		c.Collect(ch)
	}
}

// Gatherer returns the registry, to merge with one's own (prometheus.Gatherers) or serve elsewhere.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// OperationLabel returns the bounded label value of a client-chosen operation name.
func (m *Metrics) OperationLabel(name string) string { return m.names.label(name) }

// HTTPRequest counts one served request. handler is a fixed route name, never a path.
func (m *Metrics) HTTPRequest(handler, method string, code int, d time.Duration) {
	m.httpRequests.WithLabelValues(handler, httpMethod(method), statusLabel(code)).Inc()
	m.httpDuration.WithLabelValues(handler).Observe(d.Seconds())
}

// Operation counts one GraphQL operation; operation is a value from OperationLabel.
func (m *Metrics) Operation(operation, opType, outcome string, d time.Duration) {
	m.operations.WithLabelValues(operation, opType, outcome).Inc()
	m.operationDuration.WithLabelValues(operation, opType).Observe(d.Seconds())
}

// Error counts one GraphQL error by its code (codes are the gateway's own, a closed set).
func (m *Metrics) Error(code string) {
	if code == "" || len(code) > 48 {
		code = OperationOther
	}
	m.errors.WithLabelValues(code).Inc()
}

// UpstreamAttempt counts one upstream HTTP attempt; status 0 means no response. attempt is 1 for the
// first attempt of a call.
func (m *Metrics) UpstreamAttempt(route string, status, attempt int, d time.Duration) {
	code := "error"
	if status != 0 {
		code = statusLabel(status)
	}
	m.upstreamRequests.WithLabelValues(route, code).Inc()
	m.upstreamDuration.WithLabelValues(route).Observe(d.Seconds())
	if attempt > 1 {
		m.upstreamRetries.WithLabelValues(route).Inc()
	}
}

// UpstreamRefused counts a call answered without an upstream attempt.
func (m *Metrics) UpstreamRefused(reason string) { m.upstreamRefused.WithLabelValues(reason).Inc() }

// BodyBytes adds delta (negative when released) to the request-body bytes in flight.
func (m *Metrics) BodyBytes(delta int64) { m.bodyBytes.Add(float64(delta)) }

// Execution records how an operation was executed (fastpath.Outcome: served, fallback, unsupported).
func (m *Metrics) Execution(path string) { m.executions.WithLabelValues(path).Inc() }

// UpstreamSaved records a read answered without its own upstream call ("shared" or "cache_hit").
func (m *Metrics) UpstreamSaved(reason string) { m.upstreamSaved.WithLabelValues(reason).Inc() }

// BreakerChange records a transition of the circuit breaker ("closed", "half-open", "open").
func (m *Metrics) BreakerChange(from, to string) {
	m.breakerTransitions.WithLabelValues(breakerLabel(from), breakerLabel(to)).Inc()
	switch to {
	case "closed":
		m.breakerState.Set(0)
	case "half-open":
		m.breakerState.Set(1)
	case "open":
		m.breakerState.Set(2)
	}
}

// CountRateLimited sets how to count, at scrape time, the credentials the upstream's rate limit holds back.
func (m *Metrics) CountRateLimited(count func() int) { m.rateLimitedNow.Store(&count) }

// RateLimitHold counts an upstream answer that held its credential back; reason is too_many_requests or
// window_exhausted, capped says the wait asked for was longer than the gateway honours.
func (m *Metrics) RateLimitHold(reason string, capped bool) {
	switch reason {
	case "too_many_requests", "window_exhausted":
	default:
		reason = "other"
	}
	m.rateLimitHolds.WithLabelValues(reason, strconv.FormatBool(capped)).Inc()
}

// RateLimitProbe counts a probe after a capped hold by its outcome: cleared, held_again or no_answer.
func (m *Metrics) RateLimitProbe(outcome string) {
	switch outcome {
	case "cleared", "held_again", "no_answer":
	default:
		outcome = "other"
	}
	m.rateLimitProbes.WithLabelValues(outcome).Inc()
}

// LoaderNeed counts one need stated to loader.
func (m *Metrics) LoaderNeed(loader string) { m.loaderNeeds.WithLabelValues(loader).Inc() }

// LoaderBatch records a batch of keys distinct needs that made calls upstream calls.
func (m *Metrics) LoaderBatch(loader string, keys, calls int) {
	m.batchSize.WithLabelValues(loader).Observe(float64(keys))
	m.loaderCalls.WithLabelValues(loader).Add(float64(calls))
}

// Reasons a webhook request is refused, the values of roomgraph_webhooks_rejected_total's reason label.
const (
	WebhookMethod            = "method"             // not a POST (405)
	WebhookTooLarge          = "too_large"          // body over the limit (413)
	WebhookBusy              = "busy"               // the bodies in flight fill their budget (503)
	WebhookMissingHeader     = "missing_header"     // no telnyx-signature-ed25519 or telnyx-timestamp (400)
	WebhookBadTimestamp      = "bad_timestamp"      // telnyx-timestamp is not decimal Unix seconds (400)
	WebhookBadSignature      = "bad_signature"      // the signature is not base64 of 64 bytes (400)
	WebhookStale             = "stale"              // timestamp more than the tolerance in the past (403)
	WebhookFuture            = "future"             // timestamp more than the tolerance in the future (403)
	WebhookSignatureMismatch = "signature_mismatch" // no configured key verifies it: wrong key, altered body or timestamp (403)
	WebhookUnreadable        = "unreadable"         // the body could not be read (400)
	WebhookMalformed         = "malformed"          // verified, but not a Telnyx event envelope (400)
	WebhookQueueFull         = "queue_full"         // the queue is full (503)
	WebhookShuttingDown      = "shutting_down"      // the door is closed (503)
	WebhookDedupeFailed      = "dedupe_failed"      // the dedupe store did not answer (503)
)

// WebhookReceived counts one request to the webhook door.
func (m *Metrics) WebhookReceived() { m.webhooksReceived.Inc() }

// WebhookRejected counts a refused webhook request by reason (one of the Webhook… constants; anything else
// counts as "other").
func (m *Metrics) WebhookRejected(reason string) {
	switch reason {
	case WebhookMethod, WebhookTooLarge, WebhookBusy, WebhookMissingHeader, WebhookBadTimestamp, WebhookBadSignature,
		WebhookStale, WebhookFuture, WebhookSignatureMismatch, WebhookUnreadable, WebhookMalformed, WebhookQueueFull,
		WebhookShuttingDown, WebhookDedupeFailed:
	default:
		reason = OperationOther
	}
	m.webhooksRejected.WithLabelValues(reason).Inc()
}

// WebhookDuplicate counts a verified event already seen.
func (m *Metrics) WebhookDuplicate() { m.webhooksDuplicates.Inc() }

// WebhookUnknownType counts a verified event of an unknown type.
func (m *Metrics) WebhookUnknownType() { m.webhooksUnknown.Inc() }

// WebhookProcessed counts an event the workers handed on.
func (m *Metrics) WebhookProcessed() { m.webhooksProcessed.Inc() }

// WebhookAbandoned counts n accepted events left unprocessed at shutdown.
func (m *Metrics) WebhookAbandoned(n int) { m.webhooksAbandoned.Add(float64(n)) }

// CountWebhookQueue sets how to read, at scrape time, the events waiting in the webhook queue.
func (m *Metrics) CountWebhookQueue(depth func() int) { m.webhookQueueDepth.Store(&depth) }

// Transports of a subscription, the values of the transport label.
const (
	TransportWebSocket = "ws"  // graphql-transport-ws, or the legacy graphql-ws subprotocol
	TransportSSE       = "sse" // GraphQL over SSE
)

// Why a subscription ended, the values of roomgraph_subscriptions_ended_total's reason label.
const (
	SubscriptionComplete     = "complete"      // the client completed it, or the server had no more to send
	SubscriptionClientGone   = "client_gone"   // its connection closed (the client left, or stopped answering pings)
	SubscriptionSlowConsumer = "slow_consumer" // it fell behind by more than its buffer (SLOW_CONSUMER)
	SubscriptionShutdown     = "shutdown"      // the server shut down (Gateway.Close)
	SubscriptionError        = "error"         // the server ended it with another error
)

// Why a subscription was refused, the values of roomgraph_subscriptions_refused_total's reason label.
const (
	SubscriptionRefusedLimit    = "limit"         // TOO_MANY_SUBSCRIPTIONS: per connection, per credential or in all
	SubscriptionRefusedShutdown = "shutting_down" // SHUTTING_DOWN
	SubscriptionRefusedError    = "error"         // anything else: the room could not be read (NOT_FOUND, …), a bad argument
)

func transportLabel(t string) string {
	if t == TransportWebSocket || t == TransportSSE {
		return t
	}
	return OperationOther
}

// SubscriptionStarted counts a subscription that began and adds it to the active ones.
func (m *Metrics) SubscriptionStarted(transport string) {
	transport = transportLabel(transport)
	m.subscriptionsStarted.WithLabelValues(transport).Inc()
	m.subscriptionsActive.WithLabelValues(transport).Inc()
}

// SubscriptionEnded counts a subscription that ended (one SubscriptionStarted counted) by reason (one of the
// Subscription… constants; anything else counts as "other").
func (m *Metrics) SubscriptionEnded(transport, reason string) {
	switch reason {
	case SubscriptionComplete, SubscriptionClientGone, SubscriptionSlowConsumer, SubscriptionShutdown, SubscriptionError:
	default:
		reason = OperationOther
	}
	transport = transportLabel(transport)
	m.subscriptionsActive.WithLabelValues(transport).Dec()
	m.subscriptionsEnded.WithLabelValues(transport, reason).Inc()
}

// SubscriptionRefused counts a subscription refused before it began, by reason (SubscriptionRefused…).
func (m *Metrics) SubscriptionRefused(transport, reason string) {
	switch reason {
	case SubscriptionRefusedLimit, SubscriptionRefusedShutdown, SubscriptionRefusedError:
	default:
		reason = OperationOther
	}
	m.subscriptionsRefused.WithLabelValues(transportLabel(transport), reason).Inc()
}

// SubscriptionDelivered counts one answer handed to a subscriber's connection.
func (m *Metrics) SubscriptionDelivered(transport string) {
	m.subscriptionsDelivered.WithLabelValues(transportLabel(transport)).Inc()
}

// WebSocketOpened and WebSocketClosed track the open WebSocket connections.
func (m *Metrics) WebSocketOpened() { m.websocketConnections.Inc() }

// WebSocketClosed: see WebSocketOpened.
func (m *Metrics) WebSocketClosed() { m.websocketConnections.Dec() }

func httpMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodHead, http.MethodOptions, http.MethodPut,
		http.MethodPatch, http.MethodDelete:
		return m
	}
	return "other"
}

func statusLabel(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return strconv.Itoa(code)
}

func breakerLabel(s string) string {
	switch s {
	case "closed", "half-open", "open":
		return s
	}
	return "other"
}
