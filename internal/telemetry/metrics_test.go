package telemetry_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/telemetry"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

func TestMetricsOperationNamesBounded(t *testing.T) {
	m, err := telemetry.NewMetrics(telemetry.MetricsOptions{MaxOperationNames: 2, NoRuntimeCollectors: true})
	require.NoError(t, err)
	for _, name := range []string{"First", "Second", "Third", "First", "bad-name", ""} {
		m.Operation(m.OperationLabel(name), "query", telemetry.OutcomeOK, time.Millisecond)
	}
	want := `
# HELP roomgraph_graphql_operations_total GraphQL operations by operation name ("" anonymous, "other" past the cap), type and outcome (ok, error, refused).
# TYPE roomgraph_graphql_operations_total counter
roomgraph_graphql_operations_total{operation="",outcome="ok",type="query"} 1
roomgraph_graphql_operations_total{operation="First",outcome="ok",type="query"} 2
roomgraph_graphql_operations_total{operation="Second",outcome="ok",type="query"} 1
roomgraph_graphql_operations_total{operation="other",outcome="ok",type="query"} 2
`
	require.NoError(t, testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(want), "roomgraph_graphql_operations_total"))
}

func TestMetricsUpstreamAndBreaker(t *testing.T) {
	m, err := telemetry.NewMetrics(telemetry.MetricsOptions{NoRuntimeCollectors: true})
	require.NoError(t, err)
	m.UpstreamAttempt(telnyx.RouteGetRoom, 503, 1, time.Millisecond)
	m.UpstreamAttempt(telnyx.RouteGetRoom, 0, 2, time.Millisecond)
	m.UpstreamAttempt(telnyx.RouteGetRoom, 200, 3, time.Millisecond)
	m.BreakerChange("closed", "open")
	m.BreakerChange("open", "half-open")
	m.LoaderNeed("room")
	m.LoaderNeed("room")
	m.LoaderBatch("room", 1, 1)

	want := `
# HELP roomgraph_upstream_requests_total HTTP requests sent to the Telnyx API (every attempt, retries included), by route template and status code ("error": no response).
# TYPE roomgraph_upstream_requests_total counter
roomgraph_upstream_requests_total{code="200",route="GET /rooms/{room_id}"} 1
roomgraph_upstream_requests_total{code="503",route="GET /rooms/{room_id}"} 1
roomgraph_upstream_requests_total{code="error",route="GET /rooms/{room_id}"} 1
# HELP roomgraph_upstream_retries_total Upstream attempts after the first of a call (retries), by route template.
# TYPE roomgraph_upstream_retries_total counter
roomgraph_upstream_retries_total{route="GET /rooms/{room_id}"} 2
# HELP roomgraph_upstream_breaker_state State of the upstream circuit breaker: 0 closed, 1 half-open, 2 open.
# TYPE roomgraph_upstream_breaker_state gauge
roomgraph_upstream_breaker_state 1
# HELP roomgraph_upstream_breaker_transitions_total Circuit breaker state changes, by from and to state.
# TYPE roomgraph_upstream_breaker_transitions_total counter
roomgraph_upstream_breaker_transitions_total{from="closed",to="open"} 1
roomgraph_upstream_breaker_transitions_total{from="open",to="half-open"} 1
`
	require.NoError(t, testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(want),
		"roomgraph_upstream_requests_total", "roomgraph_upstream_retries_total",
		"roomgraph_upstream_breaker_state", "roomgraph_upstream_breaker_transitions_total"))
	assert.Equal(t, 2.0, counterSum(t, m, "roomgraph_loader_needs_total"))
	assert.Equal(t, 1.0, counterSum(t, m, "roomgraph_loader_upstream_calls_total"))

	lint, err := testutil.GatherAndLint(m.Gatherer())
	require.NoError(t, err)
	assert.Empty(t, lint, "Prometheus naming conventions")
}

// counterSum adds up the samples of one counter family.
func counterSum(t *testing.T, m *telemetry.Metrics, name string) float64 {
	t.Helper()
	return counterSumOf(t, m.Gatherer(), name)
}

func counterSumOf(t *testing.T, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == name {
			sum := 0.0
			for _, s := range mf.GetMetric() {
				sum += s.GetCounter().GetValue()
			}
			return sum
		}
	}
	t.Fatalf("no %s", name)
	return 0
}

// TestMetricsOnAnEmbeddersRegistry: with a Registerer, the series also land there (without the runtime
// collectors, which the embedder's registry may have already); a second set of the same series is refused,
// unless the embedder tells each set apart with a label of its own.
func TestMetricsOnAnEmbeddersRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector())
	m, err := telemetry.NewMetrics(telemetry.MetricsOptions{Registerer: reg})
	require.NoError(t, err)
	m.LoaderNeed("room")

	names := func(g prometheus.Gatherer) map[string]bool {
		mfs, err := g.Gather()
		require.NoError(t, err)
		out := map[string]bool{}
		for _, mf := range mfs {
			out[mf.GetName()] = true
		}
		return out
	}
	theirs, ours := names(reg), names(m.Gatherer())
	assert.True(t, theirs["roomgraph_loader_needs_total"], "the series reach the embedder's registry")
	assert.True(t, ours["roomgraph_loader_needs_total"], "and stay on the gateway's own")
	assert.True(t, ours["go_goroutines"], "the gateway's own registry has the runtime collectors")

	_, err = telemetry.NewMetrics(telemetry.MetricsOptions{Registerer: reg})
	assert.Error(t, err, "the same series twice on one registry")

	shared := prometheus.NewRegistry()
	for _, name := range []string{"rooms-a", "rooms-b"} {
		m, err := telemetry.NewMetrics(telemetry.MetricsOptions{Registerer: prometheus.WrapRegistererWith(prometheus.Labels{"gateway": name}, shared)})
		require.NoError(t, err, "told apart by a label of the embedder's")
		m.LoaderNeed("room")
	}
	assert.Equal(t, 2.0, counterSumOf(t, shared, "roomgraph_loader_needs_total"))
}

func TestMetricsRateLimit(t *testing.T) {
	m, err := telemetry.NewMetrics(telemetry.MetricsOptions{NoRuntimeCollectors: true})
	require.NoError(t, err)
	require.NoError(t, testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(`
# HELP roomgraph_upstream_rate_limited_credentials Credentials (API keys) the upstream's rate limit holds back now: their requests wait or fail with UPSTREAM_RATE_LIMITED, without an upstream call. A count only, never a key.
# TYPE roomgraph_upstream_rate_limited_credentials gauge
roomgraph_upstream_rate_limited_credentials 0
`), "roomgraph_upstream_rate_limited_credentials"), "0 before anything counts them")

	held := 3
	m.CountRateLimited(func() int { return held })
	m.RateLimitHold("too_many_requests", true)
	m.RateLimitHold("too_many_requests", false)
	m.RateLimitHold("window_exhausted", false)
	m.RateLimitHold("Bearer KEY_secret", false)
	m.RateLimitProbe("held_again")
	m.RateLimitProbe("cleared")
	m.RateLimitProbe("bogus")
	want := `
# HELP roomgraph_upstream_rate_limited_credentials Credentials (API keys) the upstream's rate limit holds back now: their requests wait or fail with UPSTREAM_RATE_LIMITED, without an upstream call. A count only, never a key.
# TYPE roomgraph_upstream_rate_limited_credentials gauge
roomgraph_upstream_rate_limited_credentials 3
# HELP roomgraph_upstream_rate_limit_holds_total Upstream answers that held their credential back, by reason (too_many_requests: a 429; window_exhausted: x-ratelimit-remaining: 0) and capped (true: the upstream asked for a longer wait than ROOMGRAPH_MAX_RETRY_AFTER).
# TYPE roomgraph_upstream_rate_limit_holds_total counter
roomgraph_upstream_rate_limit_holds_total{capped="false",reason="other"} 1
roomgraph_upstream_rate_limit_holds_total{capped="false",reason="too_many_requests"} 1
roomgraph_upstream_rate_limit_holds_total{capped="false",reason="window_exhausted"} 1
roomgraph_upstream_rate_limit_holds_total{capped="true",reason="too_many_requests"} 1
# HELP roomgraph_upstream_rate_limit_probes_total Requests that probed the upstream when a capped rate-limit hold had passed, by outcome (cleared, held_again, no_answer).
# TYPE roomgraph_upstream_rate_limit_probes_total counter
roomgraph_upstream_rate_limit_probes_total{outcome="cleared"} 1
roomgraph_upstream_rate_limit_probes_total{outcome="held_again"} 1
roomgraph_upstream_rate_limit_probes_total{outcome="other"} 1
`
	require.NoError(t, testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(want),
		"roomgraph_upstream_rate_limited_credentials", "roomgraph_upstream_rate_limit_holds_total", "roomgraph_upstream_rate_limit_probes_total"))
	held = 0
	require.NoError(t, testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(`
# HELP roomgraph_upstream_rate_limited_credentials Credentials (API keys) the upstream's rate limit holds back now: their requests wait or fail with UPSTREAM_RATE_LIMITED, without an upstream call. A count only, never a key.
# TYPE roomgraph_upstream_rate_limited_credentials gauge
roomgraph_upstream_rate_limited_credentials 0
`), "roomgraph_upstream_rate_limited_credentials"), "counted at scrape time")
}

// TestMetricsWebhookReasonsBounded: the reason label holds the door's closed set only; the queue depth is
// read at scrape time.
func TestMetricsWebhookReasonsBounded(t *testing.T) {
	m, err := telemetry.NewMetrics(telemetry.MetricsOptions{NoRuntimeCollectors: true})
	require.NoError(t, err)
	m.WebhookRejected(telemetry.WebhookStale)
	m.WebhookRejected("chosen by someone else")
	depth := 3
	m.CountWebhookQueue(func() int { return depth })
	want := `
# HELP roomgraph_webhooks_rejected_total Webhook requests answered with a 4xx or 5xx, nothing processed, by reason (a closed set: docs/webhooks.md).
# TYPE roomgraph_webhooks_rejected_total counter
roomgraph_webhooks_rejected_total{reason="other"} 1
roomgraph_webhooks_rejected_total{reason="stale"} 1
# HELP roomgraph_webhook_queue_depth Accepted webhook events waiting in the queue for a worker.
# TYPE roomgraph_webhook_queue_depth gauge
roomgraph_webhook_queue_depth 3
`
	require.NoError(t, testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(want),
		"roomgraph_webhooks_rejected_total", "roomgraph_webhook_queue_depth"))
	lint, err := testutil.GatherAndLint(m.Gatherer())
	require.NoError(t, err)
	assert.Empty(t, lint, "Prometheus naming conventions")
}

// TestMetricsSubscriptionLabelsBounded: the transport and reason labels hold their closed sets only, and an
// ended subscription leaves the active gauge.
func TestMetricsSubscriptionLabelsBounded(t *testing.T) {
	m, err := telemetry.NewMetrics(telemetry.MetricsOptions{NoRuntimeCollectors: true})
	require.NoError(t, err)
	m.SubscriptionStarted(telemetry.TransportWebSocket)
	m.SubscriptionStarted(telemetry.TransportSSE)
	m.SubscriptionStarted("carrier pigeon")
	m.SubscriptionEnded(telemetry.TransportWebSocket, telemetry.SubscriptionSlowConsumer)
	m.SubscriptionEnded("carrier pigeon", "it flew away")
	m.SubscriptionRefused(telemetry.TransportSSE, telemetry.SubscriptionRefusedLimit)
	m.SubscriptionRefused(telemetry.TransportSSE, "because")
	m.SubscriptionDelivered(telemetry.TransportSSE)
	m.WebSocketOpened()
	m.WebSocketOpened()
	m.WebSocketClosed()
	want := `
# HELP roomgraph_subscriptions_active GraphQL subscriptions running now, by transport (ws: graphql-transport-ws or graphql-ws; sse).
# TYPE roomgraph_subscriptions_active gauge
roomgraph_subscriptions_active{transport="other"} 0
roomgraph_subscriptions_active{transport="sse"} 1
roomgraph_subscriptions_active{transport="ws"} 0
# HELP roomgraph_subscriptions_ended_total GraphQL subscriptions that ended, by transport and reason (complete, client_gone, slow_consumer, shutdown, error).
# TYPE roomgraph_subscriptions_ended_total counter
roomgraph_subscriptions_ended_total{reason="other",transport="other"} 1
roomgraph_subscriptions_ended_total{reason="slow_consumer",transport="ws"} 1
# HELP roomgraph_subscriptions_refused_total GraphQL subscriptions refused before they began, by transport and reason (limit, shutting_down, error: the room could not be read, or the arguments were wrong).
# TYPE roomgraph_subscriptions_refused_total counter
roomgraph_subscriptions_refused_total{reason="limit",transport="sse"} 1
roomgraph_subscriptions_refused_total{reason="other",transport="sse"} 1
# HELP roomgraph_subscription_events_delivered_total Answers handed to subscribers' connections (each next: an event of roomEvents, a state of roomUpdated), by transport.
# TYPE roomgraph_subscription_events_delivered_total counter
roomgraph_subscription_events_delivered_total{transport="sse"} 1
# HELP roomgraph_websocket_connections WebSocket connections open now (upgraded, not yet closed), whether or not they have subscriptions.
# TYPE roomgraph_websocket_connections gauge
roomgraph_websocket_connections 1
`
	require.NoError(t, testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(want),
		"roomgraph_subscriptions_active", "roomgraph_subscriptions_ended_total", "roomgraph_subscriptions_refused_total",
		"roomgraph_subscription_events_delivered_total", "roomgraph_websocket_connections"))
	lint, err := testutil.GatherAndLint(m.Gatherer())
	require.NoError(t, err)
	assert.Empty(t, lint, "Prometheus naming conventions")
}
