package gateway_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
)

func TestLoadConfig(t *testing.T) {
	env := map[string]string{
		"TELNYX_API_KEY":             " KEY_x ",
		"TELNYX_BASE_URL":            "http://127.0.0.1:9/v2",
		"ROOMGRAPH_AUTH":             "FORWARD",
		"ROOMGRAPH_DEFAULT_FIRST":    "10",
		"ROOMGRAPH_MAX_FIRST":        "50",
		"ROOMGRAPH_LOADER_WAIT":      "2ms",
		"ROOMGRAPH_MAX_PARALLEL":     "3",
		"ROOMGRAPH_UPSTREAM_TIMEOUT": "4s",
		"ROOMGRAPH_TRACE":            "true",
		"ROOMGRAPH_MAX_BODY_BYTES":   "2048",
	}
	cfg, err := gateway.LoadConfig(func(k string) string { return env[k] }, false)
	require.NoError(t, err)
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

	emb, err := gateway.LoadConfig(func(string) string { return "" }, true)
	require.NoError(t, err)
	assert.True(t, emb.AllowTrace && emb.Introspection && emb.Playground, "developer conveniences on with the simulator")
	assert.Equal(t, "https://api.telnyx.com/v2", emb.BaseURL)
	assert.Equal(t, 20, emb.DefaultFirst)
	assert.Equal(t, 100, emb.MaxFirst)
}

func TestLoadConfigErrors(t *testing.T) {
	for _, kv := range [][2]string{
		{"ROOMGRAPH_MAX_FIRST", "lots"}, {"ROOMGRAPH_MAX_FIRST", "500"}, {"ROOMGRAPH_LOADER_WAIT", "5"},
		{"ROOMGRAPH_TRACE", "maybe"}, {"ROOMGRAPH_AUTH", "oauth"}, {"TELNYX_BASE_URL", "api.telnyx.com"},
	} {
		t.Run(kv[0]+"="+kv[1], func(t *testing.T) {
			env := map[string]string{kv[0]: kv[1], "TELNYX_API_KEY": "KEY_secret"}
			_, err := gateway.LoadConfig(func(k string) string { return env[k] }, false)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "KEY_secret")
		})
	}
}

func TestEmbedded(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, true},
		{map[string]string{"TELNYX_API_KEY": "  "}, true},
		{map[string]string{"TELNYX_API_KEY": "KEY"}, false},
		{map[string]string{"TELNYX_BASE_URL": "http://127.0.0.1:1/v2"}, false},
		{map[string]string{"ROOMGRAPH_AUTH": "forward"}, false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, gateway.Embedded(func(k string) string { return tc.env[k] }), "%v", tc.env)
	}
}

// TestReadmeConfigTable keeps the README's configuration table in step with EnvVars (-update rewrites it).
func TestReadmeConfigTable(t *testing.T) {
	const path = "../README.md"
	readme, err := os.ReadFile(path)
	require.NoError(t, err)
	const startMark, endMark = "<!-- env:start", "<!-- env:end -->"
	start := strings.Index(string(readme), startMark)
	end := strings.Index(string(readme), endMark)
	require.True(t, start >= 0 && end > start, "README has the env markers")
	start += strings.Index(string(readme[start:]), "\n") + 1

	var table strings.Builder
	table.WriteString("| variable | default | meaning |\n|---|---|---|\n| `PORT` | `8080` | Port to listen on (all interfaces). |\n| `ROOMGRAPH_LISTEN` | (unset) | Listen address `host:port` (e.g. `127.0.0.1:8080` for loopback only); overrides `PORT`. |\n")
	for _, v := range gateway.EnvVars() {
		def := v.Default
		if !strings.HasPrefix(def, "(") && !strings.Contains(def, " ") {
			def = "`" + def + "`"
		}
		fmt.Fprintf(&table, "| `%s` | %s | %s |\n", v.Name, def, v.Meaning)
	}
	if *update {
		out := string(readme[:start]) + table.String() + string(readme[end:])
		require.NoError(t, os.WriteFile(path, []byte(out), 0o644))
		return
	}
	assert.Equal(t, table.String(), string(readme[start:end]), "README config table is out of date: go test ./gateway -run TestReadmeConfigTable -update")
}
