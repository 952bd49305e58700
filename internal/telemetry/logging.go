package telemetry

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Log formats.
const (
	LogText = "text"
	LogJSON = "json"
)

// NewLogger returns a slog logger writing format (LogText or LogJSON; "" is text) at level ("debug",
// "info", "warn", "error", or slog's "info+2" forms; "" is info) to w.
func NewLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	lvl, err := ParseLevel(level)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "", LogText:
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case LogJSON:
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want %q or %q", format, LogText, LogJSON)
}

// ParseLevel reads a slog level name; "" is info.
func ParseLevel(s string) (slog.Level, error) {
	var lvl slog.Level
	if strings.TrimSpace(s) == "" {
		return slog.LevelInfo, nil
	}
	if err := lvl.UnmarshalText([]byte(strings.TrimSpace(s))); err != nil {
		return 0, fmt.Errorf("log level %q: want debug, info, warn or error", s)
	}
	return lvl, nil
}

// RequestIDHeader carries the request id in and out.
const RequestIDHeader = "X-Request-Id"

// RequestID returns the caller's request id when it is sane (1 to 128 characters among letters,
// digits and "-_.:+/="), else a new random one (32 hex digits). A sane id cannot forge log fields or
// headers, and is short enough to log on every line.
func RequestID(incoming string) string {
	if saneRequestID(incoming) {
		return incoming
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

func saneRequestID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-_.:+/=", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// Throttle lets one event per key through each Every (a warn line that a flood must not multiply); the
// rest are for the caller to drop or log lower. Keys must come from a small fixed set (reasons, features):
// each is remembered.
type Throttle struct {
	Every time.Duration

	mu   sync.Mutex
	last map[string]time.Time
}

// Allow reports whether key's event may go through now, and if so starts its next interval.
func (t *Throttle) Allow(key string) bool {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if last, ok := t.last[key]; ok && now.Sub(last) < t.Every {
		return false
	}
	if t.last == nil {
		t.last = map[string]time.Time{}
	}
	t.last[key] = now
	return true
}
