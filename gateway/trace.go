package gateway

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
)

// TraceHeader is the request header that asks for the query trace (when the server allows it).
const TraceHeader = "X-Roomgraph-Trace"

// traceExtension is the key under the response's extensions.
const traceExtension = "upstreamCalls"

// UpstreamCall is one entry of the query trace: an upstream HTTP attempt the operation caused. A call
// that was retried appears once per attempt.
type UpstreamCall struct {
	Method     string  `json:"method"`
	Path       string  `json:"path"`
	Query      string  `json:"query"`
	Status     int     `json:"status"`
	DurationMs float64 `json:"durationMs"`
	Attempt    int     `json:"attempt"`
	// WaitedMs is the time spent before the attempt (backoff, rate budget, a free slot).
	WaitedMs float64 `json:"waitedMs,omitempty"`
	// Error says why there was no response (status 0), without addresses.
	Error string `json:"error,omitempty"`
}

// trace collects one operation's upstream calls.
type trace struct {
	mu    sync.Mutex
	calls []UpstreamCall
}

type traceKey struct{}

func withTrace(ctx context.Context, t *trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

// observe records an upstream attempt in the operation's trace, if any. Paths are shown relative to
// the upstream's base URL, as the Telnyx docs write them.
func observe(ctx context.Context, basePath string, a resilience.Attempt) {
	t, _ := ctx.Value(traceKey{}).(*trace)
	if t == nil {
		return
	}
	c := UpstreamCall{
		Method:     a.Method,
		Path:       strings.TrimPrefix(a.Path, basePath),
		Query:      a.RawQuery,
		Status:     a.Status,
		DurationMs: ms(a.Duration),
		Attempt:    a.Number,
		WaitedMs:   ms(a.Waited),
	}
	if a.Err != nil {
		c.Error = "no response"
		if errors.Is(a.Err, context.DeadlineExceeded) {
			c.Error = "timeout"
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls = append(t.calls, c)
}

func ms(d time.Duration) float64 {
	return float64(d.Round(time.Microsecond)) / float64(time.Millisecond)
}

func (t *trace) snapshot() []UpstreamCall {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]UpstreamCall, len(t.calls))
	copy(out, t.calls)
	return out
}
