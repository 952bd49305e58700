package resilience_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
)

// BenchmarkOverhead measures a plain 200 GET over loopback through the bare
// transport and through the Transport with default settings (no fault fires,
// so this is the fast path: breaker closed, free slot, no held credential).
func BenchmarkOverhead(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":[]}`)
	}))
	defer srv.Close()

	run := func(b *testing.B, rt http.RoundTripper, deadline time.Duration) {
		client := &http.Client{Transport: rt}
		defer client.CloseIdleConnections()
		ctx := context.Background()
		if deadline > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, deadline)
			defer cancel()
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v2/rooms?page%5Bsize%5D=20", nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer KEY_bench")
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	}
	// "deadline": the caller's context has a deadline; "short" ends before
	// AttemptTimeout, so no per-attempt timer is needed.
	for _, v := range []struct {
		name     string
		deadline time.Duration
	}{{"", 0}, {"/deadline", time.Hour}, {"/short-deadline", 5 * time.Second}} {
		b.Run("bare"+v.name, func(b *testing.B) {
			run(b, &http.Transport{MaxIdleConnsPerHost: 8}, v.deadline)
		})
		b.Run("resilience"+v.name, func(b *testing.B) {
			run(b, resilience.New(&http.Transport{MaxIdleConnsPerHost: 8}, resilience.Config{}, resilience.Hooks{}), v.deadline)
		})
	}
	b.Run("resilience+hooks", func(b *testing.B) {
		var n int
		run(b, resilience.New(&http.Transport{MaxIdleConnsPerHost: 8}, resilience.Config{}, resilience.Hooks{
			OnAttempt: func(_ context.Context, a resilience.Attempt) { n += a.Number },
		}), 0)
	})
}
