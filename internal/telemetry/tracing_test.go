package telemetry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
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

func TestTracingEnabled(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    bool
		wantErr bool
	}{
		{"nothing set", nil, false, false},
		{"exporter otlp", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, true, false},
		{"endpoint only", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, true, false},
		{"traces endpoint only", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, true, false},
		{"exporter none wins", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, false, false},
		{"sdk disabled wins", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, false, false},
		{"http/protobuf", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, true, false},
		{"grpc refused", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"}, false, true},
		{"unknown exporter", map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			on, err := telemetry.TracingEnabled(func(k string) string { return tc.env[k] })
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, on)
		})
	}
}

func TestTracerProviderFromEnvOff(t *testing.T) {
	tp, err := telemetry.TracerProviderFromEnv(context.Background(), func(string) string { return "" })
	require.NoError(t, err)
	assert.Nil(t, tp)
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

// TestTracerProviderFromEnvExports: with only the standard endpoint variable set, spans reach an OTLP/HTTP
// collector (here a loopback stand-in) by the time the provider is shut down.
func TestTracerProviderFromEnvExports(t *testing.T) {
	type received struct{ path, contentType string }
	got := make(chan received, 4)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- received{r.URL.Path, r.Header.Get("Content-Type")}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()
	// The exporter reads the process environment itself.
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_SERVICE_NAME", "roomgraph-test")

	tp, err := telemetry.TracerProviderFromEnv(context.Background(), os.Getenv)
	require.NoError(t, err)
	require.NotNil(t, tp)
	_, span := tp.Tracer("test").Start(context.Background(), "exported")
	span.End()
	require.NoError(t, tp.Shutdown(context.Background()))

	select {
	case r := <-got:
		assert.Equal(t, "/v1/traces", r.path)
		assert.Equal(t, "application/x-protobuf", r.contentType)
	default:
		t.Fatal("the collector received nothing")
	}
}
