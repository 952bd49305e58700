package telnyxsim_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/roomgraph/roomgraph/telnyxsim"
)

// BenchmarkListRoomSessions serves a page of 25 sessions with their participants embedded:
// the gateway's heaviest upstream call.
func BenchmarkListRoomSessions(b *testing.B) {
	sim := telnyxsim.New(telnyxsim.Config{SessionsPerRoom: 20})
	room := busiestRoom(sim)
	if n := len(sim.Sessions(demoKey, room)); n < 25 {
		b.Fatalf("busiest room has %d sessions, want >= 25", n)
	}
	target := "/v2/rooms/" + room + "/sessions?page%5Bsize%5D=25&include_participants=true"

	b.Run("recorder", func(b *testing.B) {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("Authorization", "Bearer "+demoKey)
		b.ReportAllocs()
		var size int
		for b.Loop() {
			rec := httptest.NewRecorder()
			sim.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
			size = rec.Body.Len()
		}
		b.ReportMetric(float64(size), "resp-bytes")
	})
	b.Run("loopback", func(b *testing.B) {
		srv := httptest.NewServer(sim)
		defer srv.Close()
		hc := srv.Client()
		req, err := http.NewRequest(http.MethodGet, srv.URL+target, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+demoKey)
		b.ReportAllocs()
		for b.Loop() {
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}
