package telemetry_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/telemetry"
)

func TestNewLogger(t *testing.T) {
	t.Run("json at warn", func(t *testing.T) {
		var buf bytes.Buffer
		logger, err := telemetry.NewLogger(&buf, "JSON", "warn")
		require.NoError(t, err)
		logger.Info("hidden")
		logger.Warn("shown", "k", "v")
		var line map[string]any
		require.NoError(t, json.Unmarshal(buf.Bytes(), &line))
		assert.Equal(t, "shown", line["msg"])
		assert.Equal(t, "v", line["k"])
	})
	t.Run("text at info by default", func(t *testing.T) {
		var buf bytes.Buffer
		logger, err := telemetry.NewLogger(&buf, "", "")
		require.NoError(t, err)
		logger.Debug("hidden")
		logger.Info("shown")
		assert.Equal(t, 1, strings.Count(buf.String(), "\n"))
		assert.Contains(t, buf.String(), "msg=shown")
	})
	for _, tc := range []struct{ name, format, level string }{
		{"unknown format", "xml", "info"},
		{"unknown level", "text", "loud"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := telemetry.NewLogger(&bytes.Buffer{}, tc.format, tc.level)
			require.Error(t, err)
		})
	}
}

func TestRequestID(t *testing.T) {
	generated := regexp.MustCompile(`^[0-9a-f]{32}$`)
	tests := []struct {
		name, in string
		kept     bool
	}{
		{"uuid", "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0", true},
		{"base64ish", "abc+/=._:-XYZ", true},
		{"empty", "", false},
		{"newline injection", "abc\nlevel=ERROR", false},
		{"space", "a b", false},
		{"quote", `a"b`, false},
		{"too long", strings.Repeat("a", 129), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := telemetry.RequestID(tc.in)
			if tc.kept {
				assert.Equal(t, tc.in, got)
				return
			}
			assert.Regexp(t, generated, got)
		})
	}
	assert.NotEqual(t, telemetry.RequestID(""), telemetry.RequestID(""))
}

func TestIsOperationName(t *testing.T) {
	for name, want := range map[string]bool{
		"Recent": true, "_x1": true, "a": true, strings.Repeat("a", 64): true,
		"": false, "1abc": false, "a-b": false, "a b": false, strings.Repeat("a", 65): false, "é": false,
	} {
		assert.Equal(t, want, telemetry.IsOperationName(name), "%q", name)
	}
}

// TestThrottle: one event per key and interval goes through; keys are independent; once the interval has
// passed, one goes through again.
func TestThrottle(t *testing.T) {
	th := telemetry.Throttle{Every: time.Hour}
	assert.True(t, th.Allow("a"))
	assert.False(t, th.Allow("a"), "the same key within the interval")
	assert.True(t, th.Allow("b"), "another key")
	assert.False(t, th.Allow("b"))

	short := telemetry.Throttle{Every: time.Nanosecond}
	assert.True(t, short.Allow("a"))
	time.Sleep(time.Millisecond)
	assert.True(t, short.Allow("a"), "the next interval")
}
