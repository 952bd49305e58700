package gateway_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/telemetry"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// observed is a gateway in front of the simulator whose logs, metrics and spans the test reads, and
// whose upstream records the traceparent header of every request.
type observed struct {
	*harness
	base  string // gateway root URL
	gw    *gateway.Gateway
	logs  *syncBuffer
	spans *tracetest.InMemoryExporter

	mu           sync.Mutex
	traceparents []string
}

// lines returns the JSON log lines with msg.
func logLines(t testing.TB, b *syncBuffer, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for l := range strings.SplitSeq(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func newObserved(t testing.TB, simCfg telnyxsim.Config, cfg gateway.Config, tracing bool) *observed {
	t.Helper()
	if simCfg.Keys == nil {
		simCfg.Keys = []string{keyA, keyB}
	}
	o := &observed{harness: &harness{sim: telnyxsim.New(simCfg)}, logs: &syncBuffer{}}
	simSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.traceparents = append(o.traceparents, r.Header.Get("Traceparent"))
		o.mu.Unlock()
		o.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(simSrv.Close)
	o.simURL = simSrv.URL + "/v2"
	cfg.BaseURL = o.simURL
	if cfg.APIKey == "" && cfg.Auth != gateway.AuthForward {
		cfg.APIKey = keyA
	}
	cfg.ServeMetrics = true
	logger := slog.New(slog.NewJSONHandler(o.logs, nil))
	var opts []gateway.Option
	if tracing {
		o.spans = tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(o.spans))
		t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		opts = append(opts, gateway.WithTracerProvider(tp))
	}
	o.gw, o.base = serveOver(t, cfg, simSrv, append(opts, gateway.WithLogger(logger))...)
	o.gwURL = o.base + "/graphql"
	return o
}

// scrape reads /metrics as a Prometheus server would.
func (o *observed) scrape(t testing.TB) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(o.base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	return mfs
}

// sample sums the samples of family whose labels include every pair of want (counter or gauge value,
// histogram count).
func sample(mfs map[string]*dto.MetricFamily, family string, want ...string) float64 {
	mf := mfs[family]
	if mf == nil {
		return 0
	}
	sum := 0.0
next:
	for _, m := range mf.GetMetric() {
		labels := map[string]string{}
		for _, lp := range m.GetLabel() {
			labels[lp.GetName()] = lp.GetValue()
		}
		for i := 0; i+1 < len(want); i += 2 {
			if labels[want[i]] != want[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

const overlapQuery = `query Overlap($id: ID!) {
  room(id: $id) {
    recent: sessions(first: 10) { nodes { id } }
    detail: sessions(first: 25) { nodes { id participants { context } } }
  }
}`

// TestMetrics runs a healthy query, an overlapping one, one whose upstream answers 503 until the breaker
// opens, and one the open breaker refuses; then /metrics must tell that story, without a single id.
func TestMetrics(t *testing.T) {
	cfg := gateway.Config{
		// A loader wait long enough that Overlap's two needs meet in one batch even on a loaded CI
		// machine (at the 1ms default, the planner-savings figures flaked under a parallel test run).
		LoaderWait:       50 * time.Millisecond,
		UpstreamTimeout:  time.Second,
		OperationTimeout: 5 * time.Second,
		Resilience: gateway.ResilienceConfig{BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond,
			BreakerFailures: 3, BreakerOpenFor: time.Hour},
	}
	o := newObserved(t, telnyxsim.Config{Seed: 3, Rooms: 4, SessionsPerRoom: 30}, cfg, false)
	room, _ := roomsBySessions(o.sim, keyA)
	vars := map[string]any{"id": room}

	var data any
	o.ok(t, `query One($id: ID!) { room(id: $id) { sessions(first: 5) { totalCount nodes { id } } } }`, vars, &data)
	o.ok(t, overlapQuery, vars, &data)

	o.sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503})
	r := o.post(t, `query Failing { rooms(first: 3) { nodes { id } } }`, nil)
	require.Equal(t, []string{"UPSTREAM_UNAVAILABLE"}, r.codes())
	r = o.post(t, `query Failing { rooms(first: 3) { nodes { id } } }`, nil)
	require.Equal(t, []string{"UPSTREAM_UNAVAILABLE"}, r.codes(), "refused by the open breaker")
	r = o.post(t, `{ room(id: "nope") { id } }`, nil)
	require.Equal(t, []string{"BAD_USER_INPUT"}, r.codes())
	r = o.post(t, `{ room(`, nil)
	require.Equal(t, []string{"GRAPHQL_PARSE_FAILED"}, r.codes())

	stats := o.sim.Stats()
	mfs := o.scrape(t)

	t.Run("upstream requests match what the upstream received", func(t *testing.T) {
		assert.Equal(t, float64(stats.Total), sample(mfs, "roomgraph_upstream_requests_total"))
		for simRoute, n := range stats.ByRoute {
			route := strings.Replace(simRoute, " /v2/", " /", 1)
			assert.Equal(t, float64(n), sample(mfs, "roomgraph_upstream_requests_total", "route", route), route)
			assert.Equal(t, float64(n), sample(mfs, "roomgraph_upstream_request_duration_seconds", "route", route), route)
		}
		assert.Equal(t, 3.0, sample(mfs, "roomgraph_upstream_requests_total", "route", telnyx.RouteListRooms, "code", "503"))
	})
	t.Run("retries and the breaker", func(t *testing.T) {
		assert.Equal(t, 2.0, sample(mfs, "roomgraph_upstream_retries_total", "route", telnyx.RouteListRooms))
		assert.Equal(t, 0.0, sample(mfs, "roomgraph_upstream_retries_total", "route", telnyx.RouteListRoomSessions))
		assert.Equal(t, 2.0, sample(mfs, "roomgraph_upstream_breaker_state"), "open")
		assert.Equal(t, 1.0, sample(mfs, "roomgraph_upstream_breaker_transitions_total", "from", "closed", "to", "open"))
		assert.Equal(t, 1.0, sample(mfs, "roomgraph_upstream_refused_total", "reason", "circuit_open"))
	})
	t.Run("planner savings", func(t *testing.T) {
		needs := sample(mfs, "roomgraph_loader_needs_total", "loader", "room_sessions")
		calls := sample(mfs, "roomgraph_loader_upstream_calls_total", "loader", "room_sessions")
		assert.Equal(t, 3.0, needs, "one need in One, two in Overlap")
		assert.Equal(t, 2.0, calls, "the two needs of Overlap cost one call")
		assert.Equal(t, 2.0, sample(mfs, "roomgraph_loader_batch_size", "loader", "room_sessions"), "one batch per operation")
		assert.Equal(t, 2.0, sample(mfs, "roomgraph_loader_upstream_calls_total", "loader", "rooms"), "two calls, the second refused by the breaker")
	})
	t.Run("operations", func(t *testing.T) {
		assert.Equal(t, 1.0, sample(mfs, "roomgraph_graphql_operations_total", "operation", "One", "type", "query", "outcome", "ok"))
		assert.Equal(t, 1.0, sample(mfs, "roomgraph_graphql_operations_total", "operation", "Overlap", "type", "query", "outcome", "ok"))
		assert.Equal(t, 2.0, sample(mfs, "roomgraph_graphql_operations_total", "operation", "Failing", "outcome", "error"))
		assert.Equal(t, 1.0, sample(mfs, "roomgraph_graphql_operations_total", "operation", "", "type", "query", "outcome", "error"))
		assert.Equal(t, 1.0, sample(mfs, "roomgraph_graphql_operations_total", "operation", "", "type", "", "outcome", "refused"))
		assert.Equal(t, 6.0, sample(mfs, "roomgraph_graphql_operation_duration_seconds"))
		assert.Equal(t, 2.0, sample(mfs, "roomgraph_graphql_errors_total", "code", "UPSTREAM_UNAVAILABLE"))
		assert.Equal(t, 1.0, sample(mfs, "roomgraph_graphql_errors_total", "code", "GRAPHQL_PARSE_FAILED"))
	})
	t.Run("http requests", func(t *testing.T) {
		assert.Equal(t, 6.0, sample(mfs, "roomgraph_http_requests_total", "handler", "graphql", "method", "POST"))
		assert.Equal(t, 6.0, sample(mfs, "roomgraph_http_requests_total", "handler", "graphql", "code", "200"), "the parse error answers 200 under application/json, like the rest")
		assert.NotNil(t, mfs["go_goroutines"], "Go runtime collector")
	})
	t.Run("no id in any label", func(t *testing.T) {
		uuid := regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
		for name, mf := range mfs {
			for _, m := range mf.GetMetric() {
				for _, lp := range m.GetLabel() {
					assert.NotRegexp(t, uuid, lp.GetValue(), "%s{%s}", name, lp.GetName())
					assert.NotContains(t, lp.GetValue(), "?", "%s{%s}: no query strings", name, lp.GetName())
				}
			}
		}
	})
	t.Run("the gatherer is the scraped registry", func(t *testing.T) {
		got, err := o.gw.Metrics().Gather()
		require.NoError(t, err)
		names := map[string]bool{}
		for _, mf := range got {
			names[mf.GetName()] = true
		}
		assert.True(t, names["roomgraph_upstream_requests_total"])
	})
}

func TestMetricsRouteOptional(t *testing.T) {
	h := newHarness(t, telnyxsim.Config{Seed: 1, Rooms: 1}, gateway.Config{})
	resp, err := http.Get(strings.TrimSuffix(h.gwURL, "/graphql") + "/metrics")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "ServeMetrics is off in a bare Config")
}

// TestTracing checks the span tree of one overlapping query: the operation, the two resolvers that
// waited for the upstream, the loader batch, and the one upstream attempt, whose traceparent the
// upstream received; and that a caller's traceparent becomes the operation's parent.
func TestTracing(t *testing.T) {
	o := newObserved(t, telnyxsim.Config{Seed: 3, Rooms: 4, SessionsPerRoom: 30}, gateway.Config{LoaderWait: 20 * time.Millisecond}, true) // one batch even on a loaded machine
	room, _ := roomsBySessions(o.sim, keyA)
	const callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	var data any
	o.ok(t, overlapQuery, map[string]any{"id": room}, &data,
		"Traceparent", "00-"+callerTrace+"-00f067aa0ba902b7-01")

	spans := o.spans.GetSpans()
	byName := map[string][]tracetest.SpanStub{}
	for _, s := range spans {
		byName[s.Name] = append(byName[s.Name], s)
	}
	names := make([]string, 0, len(spans))
	for _, s := range spans {
		names = append(names, s.Name)
	}
	require.Len(t, byName["query Overlap"], 1, "%v", names)
	op := byName["query Overlap"][0]
	assert.Equal(t, trace.SpanKindServer, op.SpanKind)
	assert.Equal(t, callerTrace, op.SpanContext.TraceID().String())
	assert.Equal(t, "00f067aa0ba902b7", op.Parent.SpanID().String(), "child of the caller's span")
	opAttrs := attrs(op.Attributes)
	assert.Equal(t, "query", opAttrs["graphql.operation.type"].AsString())
	assert.Equal(t, "Overlap", opAttrs["graphql.operation.name"].AsString())
	assert.Equal(t, int64(1), opAttrs[telemetry.AttrUpstreamCalls].AsInt64())

	resolvers := byName["Room.sessions"]
	require.Len(t, resolvers, 2, "one span per resolver that waited for the upstream: %v", names)
	paths := []string{}
	for _, s := range resolvers {
		assert.Equal(t, op.SpanContext.SpanID(), s.Parent.SpanID())
		assert.Equal(t, "room_sessions", attrs(s.Attributes)[telemetry.AttrLoader].AsString())
		paths = append(paths, attrs(s.Attributes)[telemetry.AttrFieldPath].AsString())
	}
	assert.ElementsMatch(t, []string{"room.recent", "room.detail"}, paths)
	assert.Empty(t, byName["RoomSession.participants"], "fields served from the parent's data have no span")
	assert.Empty(t, byName["Query.room"], "room(id:) with only sessions selected makes no call")

	require.Len(t, byName["loader room_sessions"], 1, "%v", names)
	batch := byName["loader room_sessions"][0]
	assert.Equal(t, op.SpanContext.SpanID(), batch.Parent.SpanID())
	assert.Equal(t, int64(2), attrs(batch.Attributes)[telemetry.AttrLoaderKeys].AsInt64())
	assert.Equal(t, int64(1), attrs(batch.Attributes)[telemetry.AttrLoaderCalls].AsInt64())

	require.Len(t, byName[telnyx.RouteListRoomSessions], 1, "%v", names)
	up := byName[telnyx.RouteListRoomSessions][0]
	assert.Equal(t, trace.SpanKindClient, up.SpanKind)
	assert.Equal(t, batch.SpanContext.SpanID(), up.Parent.SpanID())
	upAttrs := attrs(up.Attributes)
	assert.Equal(t, int64(200), upAttrs["http.response.status_code"].AsInt64())
	assert.Equal(t, int64(25), upAttrs[telemetry.AttrPageSize].AsInt64())
	assert.Equal(t, int64(1), upAttrs[telemetry.AttrAttempt].AsInt64())
	assert.Equal(t, telnyx.RouteListRoomSessions, upAttrs[telemetry.AttrRoute].AsString())

	o.mu.Lock()
	defer o.mu.Unlock()
	require.Len(t, o.traceparents, 1)
	assert.Equal(t, "00-"+callerTrace+"-"+up.SpanContext.SpanID().String()+"-01", o.traceparents[0],
		"the upstream joins the trace under the attempt's span")
}

// TestTracingRetriesAndMutations: each attempt is a span with its number; a mutation's root field is a
// span and its write is its child.
func TestTracingRetriesAndMutations(t *testing.T) {
	cfg := gateway.Config{Resilience: gateway.ResilienceConfig{BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}}
	o := newObserved(t, telnyxsim.Config{Seed: 3, Rooms: 2, SessionsPerRoom: 2}, cfg, true)
	o.sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503})
	r := o.post(t, `{ rooms(first: 2) { nodes { id } } }`, nil)
	require.Equal(t, []string{"UPSTREAM_UNAVAILABLE"}, r.codes())

	var attempts []int64
	var op tracetest.SpanStub
	for _, s := range o.spans.GetSpans() {
		switch s.Name {
		case telnyx.RouteListRooms:
			attempts = append(attempts, attrs(s.Attributes)[telemetry.AttrAttempt].AsInt64())
			assert.Equal(t, int64(503), attrs(s.Attributes)["http.response.status_code"].AsInt64())
		case "query":
			op = s
		}
	}
	assert.Equal(t, []int64{1, 2, 3}, attempts)
	assert.Equal(t, "Error", op.Status.Code.String())
	assert.Equal(t, []string{"UPSTREAM_UNAVAILABLE"}, attrs(op.Attributes)[telemetry.AttrErrorCodes].AsStringSlice())

	o.spans.Reset()
	var created struct {
		CreateRoom struct{ Room struct{ ID string } }
	}
	o.ok(t, `mutation Make { createRoom(input: { uniqueName: "traced-room" }) { room { id } } }`, nil, &created)
	var field, write tracetest.SpanStub
	for _, s := range o.spans.GetSpans() {
		switch s.Name {
		case "Mutation.createRoom":
			field = s
		case telnyx.RouteCreateRoom:
			write = s
		}
	}
	require.True(t, field.SpanContext.IsValid(), "a span for the mutation field")
	assert.Equal(t, field.SpanContext.SpanID(), write.Parent.SpanID())
}

// TestOperationLog: one line per GraphQL request with its request id (kept when sane, made otherwise,
// always echoed), and never a key.
func TestOperationLog(t *testing.T) {
	o := newObserved(t, telnyxsim.Config{Seed: 3, Rooms: 4, SessionsPerRoom: 30}, gateway.Config{Auth: gateway.AuthForward}, false)
	room, _ := roomsBySessions(o.sim, keyA)

	send := func(t *testing.T, body, contentType string, headers ...string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, o.gwURL, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", contentType)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	query := `{"query":"query Overlap($id: ID!) { room(id: $id) { a: sessions(first: 2) { nodes { id } } b: sessions(first: 3) { nodes { id } } } }","variables":{"id":"` + room + `"}}`

	resp := send(t, query, "application/json", "Authorization", "Bearer "+keyA, "X-Request-Id", "req-42")
	assert.Equal(t, "req-42", resp.Header.Get(gateway.RequestIDHeader))
	resp = send(t, query, "application/json", "Authorization", "Bearer "+keyB, "X-Request-Id", "bad id level=ERROR")
	generated := resp.Header.Get(gateway.RequestIDHeader)
	assert.Regexp(t, `^[0-9a-f]{32}$`, generated)
	send(t, query, "application/json") // no credential: refused
	send(t, query, "text/plain", "Authorization", "Bearer "+keyA)

	lines := logLines(t, o.logs, "graphql operation")
	require.Len(t, lines, 4, o.logs.String())
	first := lines[0]
	assert.Equal(t, "req-42", first["request_id"])
	assert.Equal(t, "Overlap", first["operation"])
	assert.Equal(t, "query", first["type"])
	assert.Equal(t, "ok", first["outcome"])
	assert.Equal(t, 200.0, first["status"])
	assert.Equal(t, 1.0, first["upstream_calls"])
	assert.Equal(t, "", first["errors"])
	assert.Contains(t, first, "duration_ms")
	assert.Equal(t, generated, lines[1]["request_id"])
	assert.Equal(t, "refused", lines[2]["outcome"])
	assert.Equal(t, "UNAUTHENTICATED", lines[2]["errors"])
	assert.Equal(t, 0.0, lines[2]["upstream_calls"])
	assert.Equal(t, "refused", lines[3]["outcome"])
	assert.Equal(t, "UNSUPPORTED_MEDIA_TYPE", lines[3]["errors"])
	assert.Equal(t, 415.0, lines[3]["status"])

	logs := o.logs.String()
	for _, secret := range []string{keyA, keyB, "Bearer", "Authorization"} {
		assert.NotContains(t, logs, secret)
	}
}

func attrs(kvs []attribute.KeyValue) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}
