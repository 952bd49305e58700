package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/roomgraph/roomgraph/internal/exec/fastpath"
	"github.com/roomgraph/roomgraph/internal/loaders"
	"github.com/roomgraph/roomgraph/internal/telemetry"
	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
)

// RequestIDHeader carries the request id: a sane incoming one is kept, else one is made; the response
// always echoes it, and the operation's log line carries it.
const RequestIDHeader = "X-Request-Id"

// Option adds an optional dependency to New.
type Option func(*options)

type options struct {
	logger         *slog.Logger
	httpClient     *http.Client
	tracerProvider oteltrace.TracerProvider
	metrics        telemetry.MetricsOptions
}

// WithLogger sends internal errors and one line per GraphQL request to logger. Without it (or with nil)
// nothing is logged.
func WithLogger(logger *slog.Logger) Option {
	return func(o *options) { o.logger = logger }
}

// WithHTTPClient carries the upstream calls with client (its Transport is wrapped by the gateway's
// retries, breaker and coalescing; its Timeout is replaced by Config.UpstreamTimeout). Without it (or with
// nil) the calls go through a client over the gateway's own tuned transport.
func WithHTTPClient(client *http.Client) Option {
	return func(o *options) { o.httpClient = client }
}

// WithTracerProvider traces every operation, resolver that waits for the upstream, loader batch and
// upstream attempt with tp, and sends the W3C traceparent upstream. Without it (or with nil) nothing is
// traced and no header is added.
func WithTracerProvider(tp oteltrace.TracerProvider) Option {
	return func(o *options) { o.tracerProvider = tp }
}

// WithoutRuntimeMetrics leaves the Go runtime and process collectors out of Metrics, for a BFF that
// merges it with a registry that has its own (prometheus.Gatherers would report duplicates).
func WithoutRuntimeMetrics() Option {
	return func(o *options) { o.metrics.NoRuntimeCollectors = true }
}

// WithMetricsRegisterer also registers the gateway's roomgraph_* series (not the Go runtime and process
// collectors) on reg, so that a BFF's own registry, and its own /metrics, serve them with its other series;
// e.g. WithMetricsRegisterer(prometheus.DefaultRegisterer). New fails when reg refuses them, as it does a
// second gateway's on the same registry: give every gateway a label of its own with
// prometheus.WrapRegistererWith. Without it the series live only on the gateway's own registry (Metrics).
func WithMetricsRegisterer(reg prometheus.Registerer) Option {
	return func(o *options) { o.metrics.Registerer = reg }
}

// Metrics returns the gateway's own Prometheus registry (the series of its /metrics, with the Go runtime
// and process collectors unless WithoutRuntimeMetrics), to merge into one's own with prometheus.Gatherers
// or serve at a path of one's own. With WithMetricsRegisterer, use that registry instead.
func (g *Gateway) Metrics() prometheus.Gatherer { return g.obs.metrics.Gatherer() }

// observer watches operations: metrics, spans and the one log line per GraphQL request.
type observer struct {
	metrics *telemetry.Metrics
	logger  *slog.Logger
	tracer  oteltrace.Tracer // nil: no tracing
	prop    propagation.TextMapPropagator
	routes  telemetry.Routes
}

// requestState is one GraphQL request's observation, in its context from the HTTP middleware down to
// every upstream attempt.
type requestState struct {
	id    string
	start time.Time

	// Written once by the operation observer before the response is written, read after.
	observed              bool
	name, opType, outcome string
	codes                 []string
	traceID               string

	// Upstream attempts may still be finishing on other goroutines.
	upstream, retries atomic.Int32
}

type requestKey struct{}

func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(requestKey{}).(*requestState)
	return st
}

// graphQLHandler wraps the GraphQL endpoint: request id, HTTP metrics, and the log line.
func (o *observer) graphQLHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &requestState{id: telemetry.RequestID(r.Header.Get(RequestIDHeader)), start: time.Now()}
		w.Header().Set(RequestIDHeader, st.id)
		sw := &statusWriter{ResponseWriter: w}
		// The fast path writes responses into buffers lent for this request; they go back once the
		// handler below has returned, when every response has been written and nothing holds them.
		ctx := context.WithValue(r.Context(), requestKey{}, st)
		var buffers *fastpath.Buffers
		if r.Header.Get("Upgrade") == "" {
			// Not on a WebSocket: its operations would hold their buffers until the connection closes.
			ctx, buffers = fastpath.WithBuffers(ctx)
		}
		next.ServeHTTP(sw, r.WithContext(ctx))
		if buffers != nil {
			buffers.Release()
		}
		d := time.Since(st.start)
		o.metrics.HTTPRequest("graphql", r.Method, sw.status(), d)
		if !st.observed {
			if r.Method != http.MethodGet && r.Method != http.MethodPost {
				return // no operation: a preflight or HEAD
			}
			// Refused before GraphQL saw it (the envelope check notes its code).
			st.outcome = telemetry.OutcomeRefused
			o.metrics.Operation("", "", telemetry.OutcomeRefused, d)
			for _, c := range st.codes {
				o.metrics.Error(c)
			}
		}
		if !o.logger.Enabled(r.Context(), slog.LevelInfo) {
			return
		}
		attrs := []slog.Attr{
			slog.String("request_id", st.id),
			slog.String("operation", logName(st.name)),
			slog.String("type", st.opType),
			slog.String("outcome", st.outcome),
			slog.Int("status", sw.status()),
			slog.Float64("duration_ms", ms(d)),
			slog.Int("upstream_calls", int(st.upstream.Load())),
			slog.Int("upstream_retries", int(st.retries.Load())),
			slog.String("errors", strings.Join(st.codes, ",")),
		}
		if st.traceID != "" {
			attrs = append(attrs, slog.String("trace_id", st.traceID))
		}
		o.logger.LogAttrs(r.Context(), slog.LevelInfo, "graphql operation", attrs...)
	})
}

// counted wraps a route other than GraphQL with the HTTP metrics only.
func (o *observer) counted(handler string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		o.metrics.HTTPRequest(handler, r.Method, sw.status(), time.Since(start))
	})
}

// noteRefusal records a request refused before GraphQL saw it (see checkEnvelope).
func noteRefusal(ctx context.Context, code string) {
	if st := stateFrom(ctx); st != nil && !st.observed {
		st.codes = []string{code}
	}
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush flushes what was written (SSE: gqlgen's transport asserts http.Flusher on the writer itself).
func (w *statusWriter) Flush() {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// The gqlgen extension.

var (
	_ graphql.HandlerExtension     = (*observer)(nil)
	_ graphql.OperationInterceptor = (*observer)(nil)
	_ graphql.ResponseInterceptor  = (*observer)(nil)
	_ graphql.HandlerExtension     = fieldTracer{}
	_ graphql.FieldInterceptor     = fieldTracer{}
)

func (o *observer) ExtensionName() string                   { return "RoomgraphObserver" }
func (o *observer) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation observes an operation that gqlgen executes (parsed and valid).
func (o *observer) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	opCtx := graphql.GetOperationContext(ctx)
	st := stateFrom(ctx)
	if st == nil || wsConnFrom(ctx) != nil {
		// Each operation of a WebSocket connection is observed on its own: they run concurrently, and the
		// connection's state is its own log line's.
		st = &requestState{id: telemetry.RequestID(""), start: time.Now()}
		ctx = context.WithValue(ctx, requestKey{}, st)
	}
	st.observed = true
	span := o.startOperation(&ctx, opCtx, time.Now())
	respond := next(ctx)
	var once sync.Once
	return func(ctx context.Context) *graphql.Response {
		resp := respond(ctx)
		once.Do(func() { o.finish(st, span, opCtx, resp, false) })
		return resp
	}
}

// InterceptResponse observes the requests refused before execution (they reach no operation
// interceptor); executed ones pass through.
func (o *observer) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	st := stateFrom(ctx)
	if st != nil && st.observed {
		return next(ctx)
	}
	if st == nil {
		st = &requestState{id: telemetry.RequestID(""), start: time.Now()}
	}
	st.observed = true
	var opCtx *graphql.OperationContext
	if graphql.HasOperationContext(ctx) {
		opCtx = graphql.GetOperationContext(ctx)
	}
	span := o.startOperation(&ctx, opCtx, st.start)
	resp := next(ctx)
	o.finish(st, span, opCtx, resp, true)
	return resp
}

// startOperation starts the operation's span (nil when not tracing), a child of the caller's trace when
// the request carries one and ctx has none yet.
func (o *observer) startOperation(ctx *context.Context, opCtx *graphql.OperationContext, start time.Time) oteltrace.Span {
	if o.tracer == nil {
		return nil
	}
	name, typ := nameAndType(opCtx)
	if opCtx != nil && !oteltrace.SpanContextFromContext(*ctx).IsValid() {
		*ctx = o.prop.Extract(*ctx, propagation.HeaderCarrier(opCtx.Headers))
	}
	spanName := "graphql"
	if typ != "" {
		spanName = strings.TrimSpace(typ + " " + spanOperationName(name))
	}
	var span oteltrace.Span
	*ctx, span = o.tracer.Start(*ctx, spanName, oteltrace.WithSpanKind(oteltrace.SpanKindServer), oteltrace.WithTimestamp(start),
		oteltrace.WithAttributes(
			attribute.String("graphql.operation.type", typ),
			attribute.String("graphql.operation.name", spanOperationName(name)),
		))
	if st := stateFrom(*ctx); st != nil {
		span.SetAttributes(telemetry.AttrRequestID.String(st.id))
	}
	return span
}

// finish records the operation's metrics, fills the log line's fields and ends its span.
func (o *observer) finish(st *requestState, span oteltrace.Span, opCtx *graphql.OperationContext, resp *graphql.Response, refused bool) {
	name, typ := nameAndType(opCtx)
	start := st.start
	if opCtx != nil && !opCtx.Stats.OperationStart.IsZero() {
		start = opCtx.Stats.OperationStart
	}
	var all []string
	requestLevel := true
	if resp != nil {
		for _, e := range resp.Errors {
			c, _ := e.Extensions["code"].(string)
			all = append(all, c)
			if len(e.Path) > 0 {
				requestLevel = false
			}
		}
	}
	outcome := telemetry.OutcomeOK
	switch {
	case refused:
		outcome = telemetry.OutcomeRefused
	case resp == nil:
		outcome, all = telemetry.OutcomeError, append(all, "CANCELED")
	case len(resp.Errors) == 0:
	case requestLevel && len(resp.Data) == 0 || requestLevel && string(resp.Data) == "null":
		// Errors of the whole request without data: refused before any resolver ran (e.g. no credential).
		outcome = telemetry.OutcomeRefused
	default:
		outcome = telemetry.OutcomeError
	}
	o.metrics.Operation(o.metrics.OperationLabel(name), typ, outcome, time.Since(start))
	for _, c := range all {
		o.metrics.Error(c)
	}
	st.name, st.opType, st.outcome, st.codes = name, typ, outcome, distinct(all)
	if span == nil {
		return
	}
	span.SetAttributes(
		attribute.String("roomgraph.outcome", outcome),
		telemetry.AttrUpstreamCalls.Int(int(st.upstream.Load())),
	)
	if len(st.codes) > 0 {
		span.SetAttributes(telemetry.AttrErrorCodes.StringSlice(st.codes))
	}
	if outcome != telemetry.OutcomeOK {
		span.SetStatus(codes.Error, strings.Join(st.codes, ","))
	}
	if sc := span.SpanContext(); sc.IsValid() {
		st.traceID = sc.TraceID().String()
	}
	span.End()
}

// fieldTracer traces the resolvers that wait for the upstream. It is installed only when tracing, as
// gqlgen calls a field interceptor for every field of every response.
type fieldTracer struct{ tracer oteltrace.Tracer }

func (fieldTracer) ExtensionName() string                   { return "RoomgraphFieldTracer" }
func (fieldTracer) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptField makes a resolver's span once it returns, and only if it stated a need to a loader (or
// is a mutation, which always calls the upstream). Fields that read what their parent already holds
// cost one context lookup.
func (o fieldTracer) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !fc.IsResolver || !oteltrace.SpanFromContext(ctx).IsRecording() {
		return next(ctx)
	}
	if fc.Object == "Mutation" {
		ctx, span := o.tracer.Start(ctx, fc.Object+"."+fc.Field.Name,
			oteltrace.WithAttributes(telemetry.AttrFieldPath.String(fc.Path().String())))
		res, err := next(ctx)
		endField(span, err)
		return res, err
	}
	io := &fieldIO{}
	start := time.Now()
	res, err := next(context.WithValue(ctx, fieldIOKey{}, io))
	if n := io.loads.Load(); n > 0 {
		_, span := o.tracer.Start(ctx, fc.Object+"."+fc.Field.Name, oteltrace.WithTimestamp(start),
			oteltrace.WithAttributes(
				telemetry.AttrFieldPath.String(fc.Path().String()),
				telemetry.AttrLoads.Int(int(n)),
				telemetry.AttrLoader.String(string(firstKind(io))),
			))
		endField(span, err)
	}
	return res, err
}

func firstKind(io *fieldIO) loaders.Kind {
	k, _ := io.first.Load().(loaders.Kind)
	return k
}

func endField(span oteltrace.Span, err error) {
	if err != nil {
		span.SetStatus(codes.Error, "resolver error")
	}
	span.End()
}

// fieldIO counts a resolver's loader needs.
type fieldIO struct {
	loads atomic.Int32
	first atomic.Value // loaders.Kind
}

type fieldIOKey struct{}

// loaderHooks count needs and batches, and trace each batch as a child of the operation.
func (o *observer) loaderHooks() loaders.Hooks {
	return loaders.Hooks{
		Need: func(ctx context.Context, kind loaders.Kind) {
			o.metrics.LoaderNeed(string(kind))
			if io, ok := ctx.Value(fieldIOKey{}).(*fieldIO); ok {
				io.first.CompareAndSwap(nil, kind) // before the count: a counted need always has a kind
				io.loads.Add(1)
			}
		},
		Batch: func(ctx context.Context, kind loaders.Kind, keys int) (context.Context, func(int)) {
			var span oteltrace.Span
			if o.tracer != nil && oteltrace.SpanFromContext(ctx).IsRecording() {
				ctx, span = o.tracer.Start(ctx, "loader "+string(kind), oteltrace.WithAttributes(
					telemetry.AttrLoader.String(string(kind)),
					telemetry.AttrLoaderKeys.Int(keys),
				))
			}
			return ctx, func(calls int) {
				o.metrics.LoaderBatch(string(kind), keys, calls)
				if span != nil {
					span.SetAttributes(telemetry.AttrLoaderCalls.Int(calls))
					span.End()
				}
			}
		},
	}
}

// attempt observes one upstream attempt: the query trace, the metrics, the operation's counts.
func (o *observer) attempt(ctx context.Context, basePath string, a resilience.Attempt) {
	observe(ctx, basePath, a)
	o.metrics.UpstreamAttempt(o.routes.Template(a.Method, a.Path), a.Status, a.Number, a.Duration)
	if st := stateFrom(ctx); st != nil {
		st.upstream.Add(1)
		if a.Number > 1 {
			st.retries.Add(1)
		}
	}
}

// call observes one upstream call as the client saw it, to count those answered without an attempt.
func (o *observer) call(err error) {
	if re, ok := errors.AsType[*resilience.Error](err); ok {
		switch re.Kind {
		case resilience.KindCircuitOpen:
			o.metrics.UpstreamRefused("circuit_open")
		case resilience.KindBusy:
			o.metrics.UpstreamRefused("busy")
		case resilience.KindRateLimited:
			o.metrics.UpstreamRefused("rate_limited")
		}
	}
}

func nameAndType(opCtx *graphql.OperationContext) (name, typ string) {
	if opCtx == nil {
		return "", ""
	}
	name = opCtx.OperationName
	if opCtx.Operation != nil {
		name, typ = opCtx.Operation.Name, string(opCtx.Operation.Operation)
	}
	return name, typ
}

// spanOperationName is the operation name fit for a span name: identifiers only.
func spanOperationName(name string) string {
	if name == "" || telemetry.IsOperationName(name) {
		return name
	}
	return telemetry.OperationOther
}

// logName is the operation name fit for a log line: identifiers only, so a client cannot write its own
// fields into the log.
func logName(name string) string { return spanOperationName(name) }

// distinct returns codes without repeats, in first-seen order, at most 10.
func distinct(codes []string) []string {
	var out []string
	for _, c := range codes {
		if c == "" {
			c = "UNKNOWN"
		}
		dup := false
		for _, o := range out {
			dup = dup || o == c
		}
		if !dup && len(out) < 10 {
			out = append(out, c)
		}
	}
	return out
}
