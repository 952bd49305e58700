package telemetry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/roomgraph/roomgraph/internal/telemetry"
	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

func TestNewTracerProviderRefuses(t *testing.T) {
	tests := []struct {
		name   string
		export telemetry.TraceExport
	}{
		{"unknown sampler", telemetry.TraceExport{Sampler: "jaeger_remote"}},
		{"ratio above 1", telemetry.TraceExport{Sampler: "traceidratio", SamplerArg: 1.5}},
		{"negative ratio", telemetry.TraceExport{Sampler: "parentbased_traceidratio", SamplerArg: -0.1}},
		{"relative endpoint", telemetry.TraceExport{Endpoint: "localhost:4318/v1/traces"}},
		{"not http", telemetry.TraceExport{Endpoint: "grpc://collector:4317"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tp, err := telemetry.NewTracerProvider(context.Background(), tc.export)
			require.Error(t, err)
			assert.Nil(t, tp)
		})
	}
}

// TestUpstreamTracer sends a call through the gateway's stack (calls → retries → attempts) to a server
// that fails twice: three client spans, numbered, each one's traceparent received upstream.
func TestUpstreamTracer(t *testing.T) {
	var (
		mu      sync.Mutex
		parents []string
	)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		parents = append(parents, r.Header.Get("Traceparent"))
		if len(parents) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer upstream.Close()

	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer func() { require.NoError(t, tp.Shutdown(context.Background())) }()
	ut := telemetry.NewUpstreamTracer(tp, telemetry.NewRoutes("/v2"))
	rt := ut.Calls(resilience.New(ut.Attempts(upstream.Client().Transport), resilience.Config{BaseDelay: 1, MaxDelay: 1}, resilience.Hooks{}))

	ctx, parent := tp.Tracer("test").Start(context.Background(), "parent")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		upstream.URL+"/v2/rooms/0ccc7b54-4df3-4bca-a65a-3da1ecc777f0/sessions?page%5Bnumber%5D=2&page%5Bsize%5D=25", nil)
	require.NoError(t, err)
	resp, err := (&http.Client{Transport: rt}).Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	parent.End()
	assert.Empty(t, req.Header.Get("Traceparent"), "the caller's request is not modified")

	spans := exp.GetSpans()
	require.Len(t, spans, 4)
	require.Len(t, parents, 3)
	for i, s := range spans[:3] {
		assert.Equal(t, telnyx.RouteListRoomSessions, s.Name)
		assert.Equal(t, trace.SpanKindClient, s.SpanKind)
		assert.Equal(t, parent.SpanContext().SpanID(), s.Parent.SpanID())
		attrs := attrMap(s.Attributes)
		assert.Equal(t, int64(i+1), attrs[telemetry.AttrAttempt].AsInt64())
		assert.Equal(t, int64(25), attrs[telemetry.AttrPageSize].AsInt64())
		assert.Equal(t, int64(2), attrs[telemetry.AttrPageNumber].AsInt64())
		assert.Equal(t, "/rooms/{room_id}/sessions", attrs["url.template"].AsString())
		wantStatus := int64(503)
		if i == 2 {
			wantStatus = 200
		}
		assert.Equal(t, wantStatus, attrs["http.response.status_code"].AsInt64())
		if i > 0 {
			assert.Equal(t, int64(i), attrs["http.request.resend_count"].AsInt64())
		}
		want := "00-" + s.SpanContext.TraceID().String() + "-" + s.SpanContext.SpanID().String() + "-01"
		assert.Equal(t, want, parents[i], "attempt %d's traceparent names its own span", i+1)
	}
}

func attrMap(kvs []attribute.KeyValue) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

// TestNewTracerProviderExports: spans reach an OTLP/HTTP collector (here a loopback stand-in) at the endpoint
// given, with the headers and the resource given, by the time the provider is shut down; a sampler that
// samples nothing sends nothing.
func TestNewTracerProviderExports(t *testing.T) {
	type received struct{ path, contentType, auth string }
	tests := []struct {
		name    string
		sampler string
		want    bool
	}{
		{"default sampler", "", true},
		{"always_off", "always_off", false},
		{"traceidratio 1", "traceidratio", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan received, 4)
			collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got <- received{r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Authorization")}
				w.Header().Set("Content-Type", "application/x-protobuf")
				w.WriteHeader(http.StatusOK)
			}))
			defer collector.Close()

			tp, err := telemetry.NewTracerProvider(context.Background(), telemetry.TraceExport{
				Endpoint:    collector.URL + "/v1/traces",
				Headers:     map[string]string{"Authorization": "Bearer collector-key"},
				ServiceName: "roomgraph-test",
				Sampler:     tc.sampler,
				SamplerArg:  1,
			})
			require.NoError(t, err)
			_, span := tp.Tracer("test").Start(context.Background(), "exported")
			span.End()
			require.NoError(t, tp.Shutdown(context.Background()))

			select {
			case r := <-got:
				require.True(t, tc.want, "nothing should be exported")
				assert.Equal(t, received{"/v1/traces", "application/x-protobuf", "Bearer collector-key"}, r)
			default:
				require.False(t, tc.want, "the collector received nothing")
			}
		})
	}
}
