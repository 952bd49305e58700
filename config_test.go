package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/gcpolicy"
	"github.com/roomgraph/roomgraph/internal/telemetry"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md from envVars")

func getenvOf(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

func TestLoadConfig(t *testing.T) {
	env := map[string]string{
		"TELNYX_API_KEY":                      " KEY_x ",
		"TELNYX_BASE_URL":                     "http://127.0.0.1:9/v2",
		"ROOMGRAPH_AUTH":                      "FORWARD",
		"ROOMGRAPH_DEFAULT_FIRST":             "10",
		"ROOMGRAPH_MAX_FIRST":                 "50",
		"ROOMGRAPH_LOADER_WAIT":               "2ms",
		"ROOMGRAPH_MAX_PARALLEL":              "3",
		"ROOMGRAPH_UPSTREAM_TIMEOUT":          "4s",
		"ROOMGRAPH_TRACE":                     "true",
		"ROOMGRAPH_MAX_BODY_BYTES":            "2048",
		"ROOMGRAPH_FAST_PATH":                 "false",
		"ROOMGRAPH_CORS_ORIGINS":              "https://a.example, ,https://b.example",
		"ROOMGRAPH_RETRIES":                   "4",
		"ROOMGRAPH_MAX_COST":                  "300",
		"ROOMGRAPH_MAX_REPRESENTATIONS":       "250",
		"ROOMGRAPH_CURSOR_SECRET":             " spaced secret ",
		"ROOMGRAPH_APQ_CACHE_BYTES":           "65536",
		"ROOMGRAPH_QUERY_CACHE_BYTES":         "131072",
		"ROOMGRAPH_MAX_CACHED_DOCUMENT_BYTES": "4096",
		"ROOMGRAPH_MAX_BODY_BYTES_IN_FLIGHT":  "8192",
		"TELNYX_PUBLIC_KEY":                   " AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=, ,BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA= ",
		"ROOMGRAPH_WEBHOOK_QUEUE_SIZE":        "16",
		"ROOMGRAPH_WEBHOOK_DEDUPE_WINDOW":     "1h",
	}
	c, err := loadConfig(getenvOf(env))
	require.NoError(t, err)
	cfg := c.gateway
	assert.False(t, c.embedded)
	assert.Equal(t, "KEY_x", cfg.APIKey)
	assert.Equal(t, gateway.AuthForward, cfg.Auth)
	assert.Equal(t, 10, cfg.DefaultFirst)
	assert.Equal(t, 50, cfg.MaxFirst)
	assert.Equal(t, 2*time.Millisecond, cfg.LoaderWait)
	assert.Equal(t, 3, cfg.MaxParallel)
	assert.Equal(t, 4*time.Second, cfg.UpstreamTimeout)
	assert.True(t, cfg.AllowTrace)
	assert.False(t, cfg.Introspection, "off against a real upstream unless enabled")
	assert.Equal(t, int64(2048), cfg.MaxBodyBytes)
	assert.True(t, cfg.DisableFastPath)
	assert.False(t, cfg.DisableAPQ)
	assert.Equal(t, int64(65536), cfg.APQCacheBytes)
	assert.Equal(t, int64(131072), cfg.QueryCacheBytes)
	assert.Equal(t, 4096, cfg.MaxCachedDocumentBytes)
	assert.Equal(t, int64(8192), cfg.MaxBodyBytesInFlight)
	assert.Equal(t, []string{"https://a.example", "https://b.example"}, cfg.CORSOrigins)
	assert.Equal(t, 4, cfg.Resilience.MaxRetries)
	assert.Equal(t, 300, cfg.Limits.MaxCost)
	assert.Equal(t, 250, cfg.Limits.MaxRepresentations)
	assert.Equal(t, " spaced secret ", cfg.CursorSecret, "the secret is taken as it is")
	assert.Equal(t, []string{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA="}, cfg.WebhookPublicKeys)
	assert.Equal(t, 16, cfg.WebhookQueueSize)
	assert.Equal(t, time.Hour, cfg.WebhookDedupeWindow)
	assert.Equal(t, int64(64<<10), cfg.WebhookMaxBodyBytes, "the default")

	emb, err := loadConfig(getenvOf(nil))
	require.NoError(t, err)
	assert.True(t, emb.embedded)
	assert.True(t, emb.gateway.AllowTrace && emb.gateway.Introspection && emb.gateway.Playground, "developer conveniences on with the simulator")
	assert.Equal(t, "https://api.telnyx.com/v2", emb.gateway.BaseURL)
	assert.Equal(t, 20, emb.gateway.DefaultFirst)
	assert.Equal(t, 100, emb.gateway.MaxFirst)
	assert.True(t, emb.gateway.ServeMetrics)
	assert.Empty(t, emb.gateway.WebhookPublicKeys, "no webhook door unless a key is given")
	assert.Nil(t, emb.tracing)

	off, err := loadConfig(getenvOf(map[string]string{"ROOMGRAPH_PLAYGROUND": "false"}))
	require.NoError(t, err)
	assert.True(t, off.embedded)
	assert.False(t, off.gateway.Playground, "an explicit setting wins over the simulator's default")
	assert.True(t, off.gateway.Introspection)
}

func TestLoadConfigTelemetry(t *testing.T) {
	defaults, err := loadConfig(getenvOf(map[string]string{"TELNYX_API_KEY": "KEY_x"}))
	require.NoError(t, err)
	assert.True(t, defaults.gateway.ServeMetrics)
	assert.Equal(t, 100, defaults.gateway.MetricsMaxOperations)
	assert.Equal(t, "text", defaults.gateway.LogFormat)
	assert.Equal(t, "info", defaults.gateway.LogLevel)

	c, err := loadConfig(getenvOf(map[string]string{
		"ROOMGRAPH_METRICS": "false", "ROOMGRAPH_METRICS_MAX_OPERATIONS": "7",
		"ROOMGRAPH_LOG_FORMAT": "JSON", "ROOMGRAPH_LOG_LEVEL": "debug",
	}))
	require.NoError(t, err)
	assert.False(t, c.gateway.ServeMetrics)
	assert.Equal(t, 7, c.gateway.MetricsMaxOperations)
	assert.Equal(t, "json", c.gateway.LogFormat)
	assert.Equal(t, "debug", c.gateway.LogLevel)
}

// TestLoadConfigErrors: a value the loader cannot parse is refused with the variable's name; one it parses
// but the gateway cannot work with is refused by gateway.New. Neither quotes a secret.
func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name, value string
		byGateway   bool // parsed, then refused by gateway.New
	}{
		{"ROOMGRAPH_MAX_FIRST", "lots", false},
		{"ROOMGRAPH_LOADER_WAIT", "5", false},
		{"ROOMGRAPH_TRACE", "maybe", false},
		{"ROOMGRAPH_METRICS", "maybe", false},
		{"ROOMGRAPH_GC_TARGET_MIB", "24MiB", false},
		{"ROOMGRAPH_SIM_LIVE", "fast", false},
		{"ROOMGRAPH_SIM_LIVE", "2/d", false},
		{"ROOMGRAPH_MAX_FIRST", "500", true},
		{"ROOMGRAPH_AUTH", "oauth", true},
		{"TELNYX_BASE_URL", "api.telnyx.com", true},
		{"ROOMGRAPH_LOG_FORMAT", "xml", true},
		{"ROOMGRAPH_LOG_LEVEL", "loud", true},
		{"ROOMGRAPH_METRICS_MAX_OPERATIONS", "-1", true},
		{"ROOMGRAPH_RETRIES", "-1", true},
		{"ROOMGRAPH_WEBHOOK_DEDUPE_WINDOW", "15", false},
		{"TELNYX_PUBLIC_KEY", "bm90IDMyIGJ5dGVz", true},
		{"ROOMGRAPH_WEBHOOK_QUEUE_SIZE", "-1", true},
	}
	for _, tc := range tests {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			env := map[string]string{tc.name: tc.value, "TELNYX_API_KEY": "KEY_secret"}
			c, err := loadConfig(getenvOf(env))
			if tc.byGateway {
				require.NoError(t, err)
				_, err = gateway.New(c.gateway)
			} else {
				assert.ErrorContains(t, err, tc.name)
			}
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "KEY_secret")
		})
	}
}

func TestEmbedded(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"nothing set", map[string]string{}, true},
		{"a blank key", map[string]string{"TELNYX_API_KEY": "  "}, true},
		{"a key", map[string]string{"TELNYX_API_KEY": "KEY"}, false},
		{"a base URL", map[string]string{"TELNYX_BASE_URL": "http://127.0.0.1:1/v2"}, false},
		{"forward mode", map[string]string{"ROOMGRAPH_AUTH": "forward"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(getenvOf(tc.env))
			require.NoError(t, err)
			assert.Equal(t, tc.want, c.embedded)
		})
	}
}

// TestSimLive: the embedded simulator's live rate, 1/s unless set; its first busy room is the demo room.
func TestSimLive(t *testing.T) {
	for in, want := range map[string]float64{"": 1, "off": 0, "0": 0, "30/m": 0.5, "4/s": 4} {
		c, err := loadConfig(getenvOf(map[string]string{"ROOMGRAPH_SIM_LIVE": in}))
		require.NoError(t, err, in)
		assert.InDelta(t, want, c.simLive, 1e-12, in)
	}
	sim := telnyxsim.New(telnyxsim.Config{Seed: 1, Keys: []string{demoKey}})
	defer sim.Close()
	assert.Equal(t, busiestRoom(sim, demoKey), sim.LiveRooms(demoKey)[0], "the ready query's room is busy")
}

func TestListenAddress(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"default", nil, ":8080"},
		{"PORT", map[string]string{"PORT": " 9090 "}, ":9090"},
		{"ROOMGRAPH_LISTEN wins", map[string]string{"PORT": "9090", "ROOMGRAPH_LISTEN": "127.0.0.1:7070"}, "127.0.0.1:7070"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(getenvOf(tc.env))
			require.NoError(t, err)
			assert.Equal(t, tc.want, c.addr)
		})
	}
}

func TestGCSettings(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want gcpolicy.Settings
	}{
		{"default", nil, gcpolicy.Settings{TargetMiB: gcpolicy.DefaultTargetMiB}},
		{"a target", map[string]string{"ROOMGRAPH_GC_TARGET_MIB": "40"}, gcpolicy.Settings{TargetMiB: 40}},
		{"off", map[string]string{"ROOMGRAPH_GC_TARGET_MIB": "0"}, gcpolicy.Settings{}},
		{"GOGC wins", map[string]string{"GOGC": "200", "ROOMGRAPH_GC_TARGET_MIB": "40"}, gcpolicy.Settings{TargetMiB: 40, RuntimeOverride: "GOGC"}},
		{"GOMEMLIMIT wins", map[string]string{"GOMEMLIMIT": "100MiB"}, gcpolicy.Settings{TargetMiB: gcpolicy.DefaultTargetMiB, RuntimeOverride: "GOMEMLIMIT"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(getenvOf(tc.env))
			require.NoError(t, err)
			assert.Equal(t, tc.want, c.gc)
		})
	}
}

func TestTraceExport(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    *telemetry.TraceExport // nil: no export
		wantErr string                 // contained in the error
	}{
		{"nothing set", nil, nil, ""},
		{"exporter otlp", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"},
			&telemetry.TraceExport{SamplerArg: 1}, ""},
		{"endpoint only", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318/"},
			&telemetry.TraceExport{Endpoint: "http://127.0.0.1:4318/v1/traces", SamplerArg: 1}, ""},
		{"traces endpoint wins", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:4318/traces"},
			&telemetry.TraceExport{Endpoint: "http://b:4318/traces", SamplerArg: 1}, ""},
		{"exporter none wins", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, nil, ""},
		{"sdk disabled wins", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, nil, ""},
		{"http/protobuf", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
			&telemetry.TraceExport{SamplerArg: 1}, ""},
		{"everything", map[string]string{
			"OTEL_TRACES_EXPORTER":              "otlp",
			"OTEL_EXPORTER_OTLP_HEADERS":        "api-key=one,x-team=video%20rooms",
			"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "api-key=two",
			"OTEL_SERVICE_NAME":                 "rooms-gateway",
			"OTEL_RESOURCE_ATTRIBUTES":          "deployment.environment=staging, service.version=1.2",
			"OTEL_TRACES_SAMPLER":               "ParentBased_TraceIDRatio",
			"OTEL_TRACES_SAMPLER_ARG":           "0.25",
		}, &telemetry.TraceExport{
			Headers:     map[string]string{"api-key": "two", "x-team": "video rooms"},
			ServiceName: "rooms-gateway",
			Attributes:  map[string]string{"deployment.environment": "staging", "service.version": "1.2"},
			Sampler:     "parentbased_traceidratio",
			SamplerArg:  0.25,
		}, ""},
		{"grpc refused", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"}, nil, "http/protobuf"},
		{"unknown exporter", map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, nil, "OTEL_TRACES_EXPORTER"},
		{"bad sampler argument", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_TRACES_SAMPLER_ARG": "half"}, nil, "OTEL_TRACES_SAMPLER_ARG"},
		{"bad header, not quoted", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_HEADERS": "api-key=ok,secretwithoutequals"}, nil, "OTEL_EXPORTER_OTLP_HEADERS: entry 2"},
		{"bad escape, not quoted", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "api-key=secret%zz"}, nil, "bad percent-encoding"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(getenvOf(tc.env))
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				assert.NotContains(t, err.Error(), "secret")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, c.tracing)
		})
	}
}

// TestDocumentedDefaults: setting a variable to the default the table shows changes nothing, so the table
// cannot drift from the defaults that apply (package gateway's Config.Defaults, the GC policy's, the
// command's own). Defaults in parentheses describe rather than name a value and are skipped.
func TestDocumentedDefaults(t *testing.T) {
	base := map[string]string{"TELNYX_API_KEY": "KEY_x"} // not the embedded simulator, whose defaults differ
	want, err := loadConfig(getenvOf(base))
	require.NoError(t, err)
	for _, v := range envVars {
		if strings.HasPrefix(v.def, "(") {
			continue
		}
		t.Run(v.name, func(t *testing.T) {
			env := map[string]string{v.name: v.def}
			for k, val := range base {
				env[k] = val
			}
			got, err := loadConfig(getenvOf(env))
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

// TestConfigTable keeps the table of docs/configuration.md in step with envVars (-update rewrites it).
func TestConfigTable(t *testing.T) {
	const path = "docs/configuration.md"
	doc, err := os.ReadFile(path)
	require.NoError(t, err)
	const startMark, endMark = "<!-- env:start", "<!-- env:end -->"
	start := strings.Index(string(doc), startMark)
	end := strings.Index(string(doc), endMark)
	require.True(t, start >= 0 && end > start, "%s has the env markers", path)
	start += strings.Index(string(doc[start:]), "\n") + 1

	var table strings.Builder
	table.WriteString("| variable | default | meaning |\n|---|---|---|\n")
	for _, v := range envVars {
		def := v.def
		if !strings.HasPrefix(def, "(") && !strings.Contains(def, " ") {
			def = "`" + def + "`"
		}
		fmt.Fprintf(&table, "| `%s` | %s | %s |\n", v.name, def, v.meaning)
	}
	table.WriteString("\n" + otelTuning + "\n")
	if *update {
		out := string(doc[:start]) + table.String() + string(doc[end:])
		require.NoError(t, os.WriteFile(path, []byte(out), 0o644))
		return
	}
	assert.Equal(t, table.String(), string(doc[start:end]), "the configuration table is out of date: go test . -run TestConfigTable -update")
}
