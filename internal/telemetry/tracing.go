package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// InstrumentationName names roomgraph's tracers.
const InstrumentationName = "github.com/roomgraph/roomgraph"

// Attribute keys of roomgraph's own span attributes (the others follow the OpenTelemetry semantic
// conventions: http.request.method, http.response.status_code, url.template, http.request.resend_count,
// graphql.operation.type, graphql.operation.name, error.type).
const (
	AttrRoute         = attribute.Key("roomgraph.upstream.route")
	AttrAttempt       = attribute.Key("roomgraph.upstream.attempt")
	AttrPageSize      = attribute.Key("roomgraph.upstream.page_size")
	AttrPageNumber    = attribute.Key("roomgraph.upstream.page_number")
	AttrRequestID     = attribute.Key("roomgraph.request_id")
	AttrUpstreamCalls = attribute.Key("roomgraph.upstream.calls")
	AttrErrorCodes    = attribute.Key("roomgraph.error_codes")
	AttrLoader        = attribute.Key("roomgraph.loader")
	AttrLoaderKeys    = attribute.Key("roomgraph.loader.keys")
	AttrLoaderCalls   = attribute.Key("roomgraph.loader.upstream_calls")
	AttrFieldPath     = attribute.Key("graphql.field.path")
	AttrLoads         = attribute.Key("roomgraph.loads")
	AttrEventID       = attribute.Key("roomgraph.webhook.event_id")
	AttrEventType     = attribute.Key("roomgraph.webhook.event_type")
	AttrEventAttempt  = attribute.Key("roomgraph.webhook.attempt")
	AttrRoomID        = attribute.Key("roomgraph.room_id")
	AttrQueueWait     = attribute.Key("roomgraph.webhook.queue_wait_ms")
)

// Propagator is the W3C trace-context propagator roomgraph injects upstream and extracts from callers.
// The global propagator is left alone: an embedder may have set it for its own purposes.
func Propagator() propagation.TextMapPropagator { return propagation.TraceContext{} }

// TraceExport says where the OTLP/HTTP exporter sends spans and how the service names itself. Package main
// fills it from the standard OTEL_* variables; this package reads none.
type TraceExport struct {
	// Endpoint is the full URL of the collector's traces endpoint; "" means DefaultTraceEndpoint.
	Endpoint string
	// Headers are sent with every export request (e.g. a vendor's API key).
	Headers map[string]string
	// ServiceName is the resource's service.name; "" means Attributes' service.name, else "roomgraph".
	ServiceName string
	// Attributes are further resource attributes.
	Attributes map[string]string
	// Sampler is one of the OpenTelemetry sampler names (always_on, always_off, traceidratio,
	// parentbased_always_on, parentbased_always_off, parentbased_traceidratio); "" means
	// parentbased_always_on. SamplerArg is the ratio of the traceidratio samplers, 0 to 1 (0 samples
	// nothing: package main sets 1 when OTEL_TRACES_SAMPLER_ARG is unset, as the specification says).
	Sampler    string
	SamplerArg float64
}

// DefaultTraceEndpoint is where spans go when TraceExport names no endpoint: a collector on this machine.
const DefaultTraceEndpoint = "http://localhost:4318/v1/traces"

// NewTracerProvider returns an SDK tracer provider with a batching OTLP/HTTP (protobuf) exporter to
// export.Endpoint. Call its Shutdown before exiting, to flush the spans still buffered.
//
// Everything TraceExport says is passed to the SDK explicitly. The SDK still reads the standard variables of
// its own tuning from the process environment (OTEL_EXPORTER_OTLP_TIMEOUT, _COMPRESSION, _CERTIFICATE…,
// OTEL_BSP_*, OTEL_SPAN_*_LIMIT…): that is the OpenTelemetry SDK's contract with operators, and it has no
// switch to turn it off.
func NewTracerProvider(ctx context.Context, export TraceExport) (*sdktrace.TracerProvider, error) {
	sampler, err := newSampler(export.Sampler, export.SamplerArg)
	if err != nil {
		return nil, err
	}
	endpoint := export.Endpoint
	if endpoint == "" {
		endpoint = DefaultTraceEndpoint
	}
	if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("OTLP traces endpoint %q: want an absolute http(s) URL", endpoint)
	}
	opts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(endpoint)}
	if len(export.Headers) > 0 {
		opts = append(opts, otlptracehttp.WithHeaders(export.Headers))
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	attrs := make([]attribute.KeyValue, 0, len(export.Attributes)+1)
	for k, v := range export.Attributes {
		if k != "service.name" {
			attrs = append(attrs, attribute.String(k, v))
		}
	}
	service := export.ServiceName
	if service == "" {
		service = export.Attributes["service.name"]
	}
	if service == "" {
		service = "roomgraph"
	}
	attrs = append(attrs, attribute.String("service.name", service))
	res, err := resource.New(ctx, resource.WithAttributes(attrs...), resource.WithTelemetrySDK())
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("OpenTelemetry resource: %w", err)
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res), sdktrace.WithSampler(sampler)), nil
}

// newSampler is the sampler of an OpenTelemetry sampler name.
func newSampler(name string, arg float64) (sdktrace.Sampler, error) {
	ratio := func() (sdktrace.Sampler, error) {
		if arg < 0 || arg > 1 {
			return nil, fmt.Errorf("trace sampler ratio %v: want 0 to 1", arg)
		}
		return sdktrace.TraceIDRatioBased(arg), nil
	}
	switch name {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "parentbased_traceidratio":
		s, err := ratio()
		if err != nil {
			return nil, err
		}
		return sdktrace.ParentBased(s), nil
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "traceidratio":
		return ratio()
	}
	return nil, fmt.Errorf("trace sampler %q: roomgraph supports always_on, always_off, traceidratio and their parentbased_ forms", name)
}

// UpstreamTracer makes one client span per upstream HTTP attempt and sends the W3C traceparent with
// it, so the upstream can join the trace. Attempts wraps the transport below the retry layer (it sees
// every attempt); Calls wraps the one above it (it sees each call once) and numbers the attempts.
type UpstreamTracer struct {
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
	routes Routes
}

// NewUpstreamTracer traces with tp (which must not be nil).
func NewUpstreamTracer(tp trace.TracerProvider, routes Routes) *UpstreamTracer {
	return &UpstreamTracer{tracer: tp.Tracer(InstrumentationName), prop: Propagator(), routes: routes}
}

type attemptsKey struct{}

// Calls wraps the transport that each upstream call enters once, above retries.
func (u *UpstreamTracer) Calls(next http.RoundTripper) http.RoundTripper {
	return &callsTransport{next: next}
}

// Attempts wraps the transport that sends each attempt, below retries.
func (u *UpstreamTracer) Attempts(base http.RoundTripper) http.RoundTripper {
	return &attemptsTransport{u: u, base: base}
}

type callsTransport struct{ next http.RoundTripper }

func (t *callsTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var n atomic.Int32
	return t.next.RoundTrip(req.WithContext(context.WithValue(req.Context(), attemptsKey{}, &n)))
}

func (t *callsTransport) CloseIdleConnections() { closeIdle(t.next) }

type attemptsTransport struct {
	u    *UpstreamTracer
	base http.RoundTripper
}

func (t *attemptsTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	attempt := 1
	if n, ok := ctx.Value(attemptsKey{}).(*atomic.Int32); ok {
		attempt = int(n.Add(1))
	}
	route := t.u.routes.Template(req.Method, req.URL.EscapedPath())
	ctx, span := t.u.tracer.Start(ctx, route, trace.WithSpanKind(trace.SpanKindClient))
	if !span.SpanContext().IsValid() {
		span.End()
		return t.base.RoundTrip(req)
	}
	if span.IsRecording() {
		attrs := []attribute.KeyValue{
			attribute.String("http.request.method", req.Method),
			AttrRoute.String(route),
			AttrAttempt.Int(attempt),
			attribute.String("server.address", req.URL.Hostname()),
		}
		if _, tmpl, ok := strings.Cut(route, " "); ok {
			attrs = append(attrs, attribute.String("url.template", tmpl))
		}
		if port, err := strconv.Atoi(req.URL.Port()); err == nil {
			attrs = append(attrs, attribute.Int("server.port", port))
		}
		if attempt > 1 {
			attrs = append(attrs, attribute.Int("http.request.resend_count", attempt-1))
		}
		if req.URL.RawQuery != "" {
			if q, err := url.ParseQuery(req.URL.RawQuery); err == nil {
				if v, err := strconv.Atoi(q.Get("page[size]")); err == nil {
					attrs = append(attrs, AttrPageSize.Int(v))
				}
				if v, err := strconv.Atoi(q.Get("page[number]")); err == nil {
					attrs = append(attrs, AttrPageNumber.Int(v))
				}
			}
		}
		span.SetAttributes(attrs...)
	}
	// The request may be the caller's own (the retry layer reuses it): inject into a copy.
	out := req.Clone(ctx)
	t.u.prop.Inject(ctx, propagation.HeaderCarrier(out.Header))
	resp, err := t.base.RoundTrip(out)
	switch {
	case err != nil:
		kind := "connection"
		if errors.Is(err, context.DeadlineExceeded) {
			kind = "timeout"
		} else if errors.Is(err, context.Canceled) {
			kind = "canceled"
		}
		span.SetAttributes(attribute.String("error.type", kind))
		span.SetStatus(codes.Error, kind)
	default:
		span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
		if resp.StatusCode >= 400 {
			span.SetAttributes(attribute.String("error.type", strconv.Itoa(resp.StatusCode)))
		}
		if resp.StatusCode >= 500 {
			span.SetStatus(codes.Error, http.StatusText(resp.StatusCode))
		}
	}
	span.End()
	return resp, err
}

func (t *attemptsTransport) CloseIdleConnections() { closeIdle(t.base) }

func closeIdle(rt http.RoundTripper) {
	if c, ok := rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
