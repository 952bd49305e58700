package gateway

import (
	"context"
	"sync"
	"time"

	"github.com/roomgraph/roomgraph/telnyx"
)

// TraceHeader is the request header that asks for the query trace (when the server allows it).
const TraceHeader = "X-Roomgraph-Trace"

// traceExtension is the key under the response's extensions.
const traceExtension = "upstreamCalls"

// UpstreamCall is one entry of the query trace: an upstream HTTP exchange the operation caused.
type UpstreamCall struct {
	Method     string  `json:"method"`
	Path       string  `json:"path"`
	Query      string  `json:"query"`
	Status     int     `json:"status"`
	DurationMs float64 `json:"durationMs"`
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

// observe is the telnyx client's Observe hook: it records the call in the operation's trace, if any.
func observe(ctx context.Context, c telnyx.Call) {
	t, _ := ctx.Value(traceKey{}).(*trace)
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls = append(t.calls, UpstreamCall{
		Method:     c.Method,
		Path:       c.Path,
		Query:      c.Query,
		Status:     c.Status,
		DurationMs: float64(c.Duration.Round(time.Microsecond)) / float64(time.Millisecond),
	})
}

func (t *trace) snapshot() []UpstreamCall {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]UpstreamCall, len(t.calls))
	copy(out, t.calls)
	return out
}
