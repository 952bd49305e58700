package webhook_test

import (
	"bytes"
	"crypto/ed25519"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/roomgraph/roomgraph/internal/edge/webhook"
	"github.com/roomgraph/roomgraph/internal/live"
)

// BenchmarkDeliver: one signed delivery through the door, from the request to the 200 (verification,
// parse, dedupe, queue), with the worker publishing to a room nobody watches. Two keys configured, the
// second signing: the cost of a rotation.
func BenchmarkDeliver(b *testing.B) {
	oldPub, _ := key(20)
	pub, priv := key(21)
	hub := live.NewHub(live.HubConfig{})
	h, err := webhook.New(webhook.Config{PublicKeys: []ed25519.PublicKey{oldPub, pub}, Hub: hub, QueueSize: 1 << 16})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	bodies := make([][]byte, b.N)
	sigs := make([]string, b.N)
	for i := range b.N {
		bodies[i] = event("bench-"+strconv.Itoa(i), live.ParticipantJoined)
		sigs[i] = b64(ed25519.Sign(priv, []byte(ts+"|"+string(bodies[i]))))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		req := httptest.NewRequest(http.MethodPost, webhook.Path, bytes.NewReader(bodies[i]))
		req.Header.Set(webhook.TimestampHeader, ts)
		req.Header.Set(webhook.SignatureHeader, sigs[i])
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
