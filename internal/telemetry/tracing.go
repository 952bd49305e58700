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
)

// Propagator is the W3C trace-context propagator roomgraph injects upstream and extracts from callers.
// The global propagator is left alone: an embedder may have set it for its own purposes.
func Propagator() propagation.TextMapPropagator { return propagation.TraceContext{} }

// TracingEnabled says whether the standard OTEL_* variables ask for trace export, and reports a setting
// roomgraph cannot honour. Export is on when OTEL_TRACES_EXPORTER is "otlp", or when it is unset and
// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set; OTEL_SDK_DISABLED=true and
// OTEL_TRACES_EXPORTER=none turn it off. Only the OTLP http/protobuf protocol is supported.
func TracingEnabled(getenv func(string) string) (bool, error) {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false, nil
	}
	on := false
	switch exp := strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER"))); exp {
	case "none":
		return false, nil
	case "otlp":
		on = true
	case "":
		on = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")) != "" ||
			strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) != ""
	default:
		return false, fmt.Errorf("OTEL_TRACES_EXPORTER=%q: roomgraph exports traces with \"otlp\" or \"none\"", exp)
	}
	if !on {
		return false, nil
	}
	proto := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"))
	if proto == "" {
		proto = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_PROTOCOL"))
	}
	if proto != "" && proto != "http/protobuf" {
		return false, fmt.Errorf("OTLP protocol %q: roomgraph exports with http/protobuf only", proto)
	}
	return true, nil
}

// TracerProviderFromEnv returns the tracer provider the OTEL_* variables ask for (see TracingEnabled),
// or nil when they ask for none: an SDK provider with a batching OTLP/HTTP exporter. The exporter and
// the sampler read their own standard variables (OTEL_EXPORTER_OTLP_*, OTEL_TRACES_SAMPLER*) from the
// process environment, the resource OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (service.name
// defaults to "roomgraph"). Call its Shutdown before exiting, to flush the spans still buffered.
func TracerProviderFromEnv(ctx context.Context, getenv func(string) string) (*sdktrace.TracerProvider, error) {
	on, err := TracingEnabled(getenv)
	if err != nil || !on {
		return nil, err
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "roomgraph")),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(),
	)
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("OpenTelemetry resource: %w", err)
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
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
