package resilience_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/roomgraph/roomgraph/resilience"
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

	run := func(b *testing.B, rt http.RoundTripper) {
		client := &http.Client{Transport: rt}
		defer client.CloseIdleConnections()
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/v2/rooms?page%5Bsize%5D=20", nil)
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
	b.Run("bare", func(b *testing.B) {
		run(b, &http.Transport{MaxIdleConnsPerHost: 8})
	})
	b.Run("resilience", func(b *testing.B) {
		run(b, resilience.New(&http.Transport{MaxIdleConnsPerHost: 8}, resilience.Config{}, resilience.Hooks{}))
	})
	b.Run("resilience+hooks", func(b *testing.B) {
		var n int
		run(b, resilience.New(&http.Transport{MaxIdleConnsPerHost: 8}, resilience.Config{}, resilience.Hooks{
			OnAttempt: func(_ context.Context, a resilience.Attempt) { n += a.Number },
		}))
	})
}
