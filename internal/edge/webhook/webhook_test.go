package webhook_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"

	"github.com/roomgraph/roomgraph/internal/edge/webhook"
	"github.com/roomgraph/roomgraph/internal/live"
	"github.com/roomgraph/roomgraph/internal/telemetry"
)

// httpClientGoroutines are the HTTP client's connection goroutines, which end a moment after the
// connections are closed: not the door's.
var httpClientGoroutines = []goleak.Option{
	goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
	goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
	goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m, httpClientGoroutines...) }

const room = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"

// key is a deterministic Ed25519 key pair, one per seed byte.
func key(seed byte) (ed25519.PublicKey, ed25519.PrivateKey) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
	return priv.Public().(ed25519.PublicKey), priv
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// door is a webhook handler served over loopback, with a clock the test moves, a hub, metrics and a log.
type door struct {
	h     *webhook.Handler
	srv   *httptest.Server
	hub   *live.Hub
	m     *telemetry.Metrics
	log   *lockedBuffer
	now   atomic.Int64 // Unix seconds
	priv  ed25519.PrivateKey
	spans *tracetest.SpanRecorder
}

func newDoor(t *testing.T, tweak func(*webhook.Config)) *door {
	t.Helper()
	pub, priv := key(1)
	m, err := telemetry.NewMetrics(telemetry.MetricsOptions{NoRuntimeCollectors: true})
	require.NoError(t, err)
	d := &door{hub: live.NewHub(live.HubConfig{}), m: m, log: &lockedBuffer{}, priv: priv, spans: tracetest.NewSpanRecorder()}
	d.now.Store(1_800_000_000)
	cfg := webhook.Config{
		PublicKeys: []ed25519.PublicKey{pub},
		Hub:        d.hub,
		Metrics:    m,
		Now:        func() time.Time { return time.Unix(d.now.Load(), 0) },
		Logger:     slog.New(slog.NewTextHandler(d.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Tracer:     sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(d.spans)).Tracer("test"),
	}
	if tweak != nil {
		tweak(&cfg)
	}
	d.h, err = webhook.New(cfg)
	require.NoError(t, err)
	d.srv = httptest.NewServer(d.h)
	t.Cleanup(func() {
		d.srv.Close()
		_ = d.h.Close()
		d.hub.Close()
	})
	return d
}

// event is a Telnyx envelope.
func event(id, typ string) []byte {
	return fmt.Appendf(nil, `{"data":{"record_type":"event","id":%q,"event_type":%q,"occurred_at":"2027-01-15T08:00:00.123456Z",`+
		`"payload":{"room_id":%q,"session_id":"5b4a4b3c-9b0e-4a57-9c2b-2f4e0a6e1d11","participant_id":"6f1c8d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f","context":"Alice"}},`+
		`"meta":{"attempt":1,"delivered_to":"https://example.com/webhooks/telnyx"}}`, id, typ, room)
}

// signedReq is a delivery signed by priv at ts.
func signedReq(t *testing.T, url string, priv ed25519.PrivateKey, ts string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.TimestampHeader, ts)
	req.Header.Set(webhook.SignatureHeader, b64(ed25519.Sign(priv, []byte(ts+"|"+string(body)))))
	return req
}

func (d *door) ts() string { return strconv.FormatInt(d.now.Load(), 10) }

// deliver posts body signed with the door's key at the door's now.
func (d *door) deliver(t *testing.T, body []byte) (int, string) {
	t.Helper()
	return do(t, signedReq(t, d.srv.URL, d.priv, d.ts(), body))
}

func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// next is the next event the subscription receives (a deadlock guard, not a timing target).
func next(t *testing.T, s *live.Subscription) live.Event {
	t.Helper()
	select {
	case e, ok := <-s.Events():
		require.True(t, ok, "subscription ended: %v", s.Err())
		return *e
	case <-time.After(10 * time.Second):
		t.Fatal("no event published")
		return live.Event{}
	}
}

// sample is the value of one series of the door's metrics (0 when absent).
func sample(t *testing.T, g prometheus.Gatherer, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue metrics
				}
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return 0
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRejections: every way a delivery can fail its checks gets its status and reason, is counted by
// reason, and publishes nothing: the valid event sent after them all is the first the room receives.
func TestRejections(t *testing.T) {
	d := newDoor(t, func(c *webhook.Config) { c.MaxBodyBytes = 4096 })
	sub, err := d.hub.Subscribe(room)
	require.NoError(t, err)
	_, wrongPriv := key(2)
	pubB64 := b64(d.priv.Public().(ed25519.PublicKey))
	now := d.now.Load()
	body := event("a1f0e3b2-0000-4000-8000-000000000001", live.ParticipantJoined)
	at := func(secs int64) string { return strconv.FormatInt(secs, 10) }

	cases := []struct {
		name   string
		req    func() *http.Request
		status int
		reason string
	}{
		{"wrong method", func() *http.Request {
			r, _ := http.NewRequest(http.MethodGet, d.srv.URL, nil)
			return r
		}, http.StatusMethodNotAllowed, telemetry.WebhookMethod},
		{"missing signature", func() *http.Request {
			r := signedReq(t, d.srv.URL, d.priv, at(now), body)
			r.Header.Del(webhook.SignatureHeader)
			return r
		}, http.StatusBadRequest, telemetry.WebhookMissingHeader},
		{"missing timestamp", func() *http.Request {
			r := signedReq(t, d.srv.URL, d.priv, at(now), body)
			r.Header.Del(webhook.TimestampHeader)
			return r
		}, http.StatusBadRequest, telemetry.WebhookMissingHeader},
		{"empty timestamp", func() *http.Request {
			r := signedReq(t, d.srv.URL, d.priv, at(now), body)
			r.Header.Set(webhook.TimestampHeader, "")
			return r
		}, http.StatusBadRequest, telemetry.WebhookMissingHeader},
		{"timestamp not decimal", func() *http.Request {
			return signedReq(t, d.srv.URL, d.priv, "1.8e9", body)
		}, http.StatusBadRequest, telemetry.WebhookBadTimestamp},
		{"timestamp with a sign", func() *http.Request {
			return signedReq(t, d.srv.URL, d.priv, "+"+at(now), body)
		}, http.StatusBadRequest, telemetry.WebhookBadTimestamp},
		{"timestamp in RFC 3339", func() *http.Request {
			return signedReq(t, d.srv.URL, d.priv, time.Unix(now, 0).UTC().Format(time.RFC3339), body)
		}, http.StatusBadRequest, telemetry.WebhookBadTimestamp},
		{"signature not base64", func() *http.Request {
			r := signedReq(t, d.srv.URL, d.priv, at(now), body)
			r.Header.Set(webhook.SignatureHeader, "not base64 at all!")
			return r
		}, http.StatusBadRequest, telemetry.WebhookBadSignature},
		{"signature of 63 bytes", func() *http.Request {
			r := signedReq(t, d.srv.URL, d.priv, at(now), body)
			r.Header.Set(webhook.SignatureHeader, b64(ed25519.Sign(d.priv, []byte(at(now)+"|"+string(body)))[:63]))
			return r
		}, http.StatusBadRequest, telemetry.WebhookBadSignature},
		{"signature in URL-safe base64 without padding", func() *http.Request {
			r := signedReq(t, d.srv.URL, d.priv, at(now), body)
			r.Header.Set(webhook.SignatureHeader, base64.RawURLEncoding.EncodeToString(ed25519.Sign(d.priv, []byte(at(now)+"|"+string(body)))))
			return r
		}, http.StatusBadRequest, telemetry.WebhookBadSignature},
		{"wrong key", func() *http.Request {
			return signedReq(t, d.srv.URL, wrongPriv, at(now), body)
		}, http.StatusForbidden, telemetry.WebhookSignatureMismatch},
		{"tampered body", func() *http.Request {
			r := signedReq(t, d.srv.URL, d.priv, at(now), body)
			tampered := bytes.Replace(body, []byte("Alice"), []byte("Mallory"), 1)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(tampered)), int64(len(tampered))
			return r
		}, http.StatusForbidden, telemetry.WebhookSignatureMismatch},
		{"timestamp changed after signing", func() *http.Request {
			r := signedReq(t, d.srv.URL, d.priv, at(now), body)
			r.Header.Set(webhook.TimestampHeader, at(now+1))
			return r
		}, http.StatusForbidden, telemetry.WebhookSignatureMismatch},
		{"signed over the body alone", func() *http.Request {
			r := signedReq(t, d.srv.URL, d.priv, at(now), body)
			r.Header.Set(webhook.SignatureHeader, b64(ed25519.Sign(d.priv, body)))
			return r
		}, http.StatusForbidden, telemetry.WebhookSignatureMismatch},
		{"stale by 301 s", func() *http.Request {
			return signedReq(t, d.srv.URL, d.priv, at(now-301), body)
		}, http.StatusForbidden, telemetry.WebhookStale},
		{"future by 301 s", func() *http.Request {
			return signedReq(t, d.srv.URL, d.priv, at(now+301), body)
		}, http.StatusForbidden, telemetry.WebhookFuture},
		{"declared body over the limit", func() *http.Request {
			big := append(bytes.Repeat([]byte(" "), 4097-len(body)), body...)
			return signedReq(t, d.srv.URL, d.priv, at(now), big)
		}, http.StatusRequestEntityTooLarge, telemetry.WebhookTooLarge},
		{"chunked body over the limit", func() *http.Request {
			big := append(bytes.Repeat([]byte(" "), 4097-len(body)), body...)
			r := signedReq(t, d.srv.URL, d.priv, at(now), big)
			r.Body, r.ContentLength = io.NopCloser(io.MultiReader(bytes.NewReader(big))), -1
			return r
		}, http.StatusRequestEntityTooLarge, telemetry.WebhookTooLarge},
		{"signed, but not an envelope", func() *http.Request {
			return signedReq(t, d.srv.URL, d.priv, at(now), []byte(`{"data":{"id":"x"}}`))
		}, http.StatusBadRequest, telemetry.WebhookMalformed},
		{"signed, but not JSON", func() *http.Request {
			return signedReq(t, d.srv.URL, d.priv, at(now), []byte(`data=1`))
		}, http.StatusBadRequest, telemetry.WebhookMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := sample(t, d.m.Gatherer(), "roomgraph_webhooks_rejected_total", "reason", tc.reason)
			req := tc.req()
			sig := req.Header.Get(webhook.SignatureHeader)
			status, text := do(t, req)
			assert.Equal(t, tc.status, status, text)
			assert.Contains(t, text, tc.reason)
			assert.NotContains(t, text, pubB64, "never the key")
			if sig != "" {
				assert.NotContains(t, text, sig, "never the signature")
				assert.NotContains(t, d.log.String(), sig, "never the signature")
			}
			assert.Equal(t, before+1, sample(t, d.m.Gatherer(), "roomgraph_webhooks_rejected_total", "reason", tc.reason))
		})
	}
	assert.Contains(t, d.log.String(), "reason=stale")
	assert.NotContains(t, d.log.String(), pubB64)

	// Nothing above was processed: the first event the room sees is this one, at the edge of the window.
	status, text := do(t, signedReq(t, d.srv.URL, d.priv, at(now-300), event("a1f0e3b2-0000-4000-8000-000000000002", live.ParticipantLeft)))
	require.Equal(t, http.StatusOK, status, text)
	assert.Equal(t, "a1f0e3b2-0000-4000-8000-000000000002", next(t, sub).ID)
	assert.Equal(t, 1.0, sample(t, d.m.Gatherer(), "roomgraph_webhooks_processed_total"))
	assert.Equal(t, float64(len(cases)+1), sample(t, d.m.Gatherer(), "roomgraph_webhooks_received_total"))
}

// TestHeadersAnyCase: the signature headers are found whatever their letter case, also when the handler
// is called with header names net/http did not canonicalize.
func TestHeadersAnyCase(t *testing.T) {
	d := newDoor(t, nil)
	sub, err := d.hub.Subscribe(room)
	require.NoError(t, err)
	body := event("b1", live.SessionStarted)
	r := signedReq(t, d.srv.URL, d.priv, d.ts(), body)
	ts, sig := r.Header.Get(webhook.TimestampHeader), r.Header.Get(webhook.SignatureHeader)
	r.Header = http.Header{"TELNYX-TIMESTAMP": {ts}, "telnyx-signature-ed25519": {sig}}
	status, text := do(t, r)
	require.Equal(t, http.StatusOK, status, text)
	assert.Equal(t, "b1", next(t, sub).ID)

	raw := httptest.NewRequest(http.MethodPost, "/webhooks/telnyx", bytes.NewReader(event("b2", live.SessionEnded)))
	raw.Header = http.Header{"telnyx-timestamp": {d.ts()}, "Telnyx-Signature-ED25519": {b64(ed25519.Sign(d.priv, []byte(d.ts()+"|"+string(event("b2", live.SessionEnded)))))}}
	rec := httptest.NewRecorder()
	d.h.ServeHTTP(rec, raw)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, "b2", next(t, sub).ID)
}

// TestValidEventPublishedOnceWithSpan: a valid event answers 200 at once, reaches the hook and the hub
// once, and makes one span with its type and id.
func TestValidEventPublishedOnceWithSpan(t *testing.T) {
	var hooked []live.Event
	var mu sync.Mutex
	d := newDoor(t, func(c *webhook.Config) {
		c.OnEvent = func(_ context.Context, e live.Event) {
			mu.Lock()
			defer mu.Unlock()
			hooked = append(hooked, e)
		}
	})
	sub, err := d.hub.Subscribe(room)
	require.NoError(t, err)
	status, text := d.deliver(t, event("c1", live.ParticipantJoined))
	require.Equal(t, http.StatusOK, status, text)
	e := next(t, sub)
	assert.Equal(t, live.Event{ID: "c1", Type: live.ParticipantJoined, OccurredAt: time.Date(2027, 1, 15, 8, 0, 0, 123456000, time.UTC),
		RoomID: room, SessionID: "5b4a4b3c-9b0e-4a57-9c2b-2f4e0a6e1d11", ParticipantID: "6f1c8d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f",
		Context: "Alice", Attempt: 1}, e)
	mu.Lock()
	assert.Equal(t, []live.Event{e}, hooked, "the hook ran before the hub got it")
	mu.Unlock()

	require.NoError(t, d.h.Close())
	spans := d.spans.Ended()
	require.Len(t, spans, 1)
	assert.Equal(t, "webhook "+live.ParticipantJoined, spans[0].Name())
	attrs := map[string]string{}
	for _, kv := range spans[0].Attributes() {
		attrs[string(kv.Key)] = kv.Value.String()
	}
	assert.Equal(t, "c1", attrs[string(telemetry.AttrEventID)])
	assert.Equal(t, live.ParticipantJoined, attrs[string(telemetry.AttrEventType)])
	assert.Equal(t, room, attrs[string(telemetry.AttrRoomID)])
	assert.Equal(t, "1", attrs["roomgraph.webhook.subscribers"])
}

// TestDuplicates: a second delivery of an event id answers 200 and is counted, not processed; once the
// dedupe window has passed, the id is taken again.
func TestDuplicates(t *testing.T) {
	d := newDoor(t, func(c *webhook.Config) { c.DedupeWindow = 10 * time.Minute })
	sub, err := d.hub.Subscribe(room)
	require.NoError(t, err)
	status, text := d.deliver(t, event("d1", live.ParticipantJoined))
	require.Equal(t, http.StatusOK, status, text)
	assert.Equal(t, "accepted\n", text)

	d.now.Add(60) // a retry, signed anew a minute later
	status, text = d.deliver(t, event("d1", live.ParticipantJoined))
	require.Equal(t, http.StatusOK, status, text)
	assert.Contains(t, text, "duplicate")
	status, _ = d.deliver(t, event("d2", live.ParticipantLeft))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "d1", next(t, sub).ID)
	assert.Equal(t, "d2", next(t, sub).ID, "d1 was not published twice")
	assert.Equal(t, 1.0, sample(t, d.m.Gatherer(), "roomgraph_webhooks_duplicates_total"))

	d.now.Add(int64((10 * time.Minute).Seconds()))
	status, text = d.deliver(t, event("d1", live.ParticipantJoined))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "accepted\n", text, "the window has passed")
	assert.Equal(t, "d1", next(t, sub).ID)
	assert.Equal(t, 3.0, sample(t, d.m.Gatherer(), "roomgraph_webhooks_processed_total"))
}

// TestKeyRotation: any configured key verifies; a key not configured does not.
func TestKeyRotation(t *testing.T) {
	oldPub, _ := key(10)
	newPub, newPriv := key(11)
	_, otherPriv := key(12)
	d := newDoor(t, func(c *webhook.Config) { c.PublicKeys = []ed25519.PublicKey{oldPub, newPub} })
	sub, err := d.hub.Subscribe(room)
	require.NoError(t, err)
	status, text := do(t, signedReq(t, d.srv.URL, newPriv, d.ts(), event("e1", live.SessionStarted)))
	require.Equal(t, http.StatusOK, status, text)
	assert.Equal(t, "e1", next(t, sub).ID)
	status, _ = do(t, signedReq(t, d.srv.URL, otherPriv, d.ts(), event("e2", live.SessionStarted)))
	assert.Equal(t, http.StatusForbidden, status)
}

// TestUnknownTypes: an event of a type roomgraph does not know is accepted, counted and logged once per
// type, and not processed.
func TestUnknownTypes(t *testing.T) {
	d := newDoor(t, nil)
	sub, err := d.hub.Subscribe(room)
	require.NoError(t, err)
	for i, typ := range []string{"video.room.composition.failed", "video.room.composition.failed", "video.room.track.muted"} {
		status, text := d.deliver(t, event(fmt.Sprintf("f%d", i), typ))
		require.Equal(t, http.StatusOK, status, text)
		assert.Contains(t, text, "unknown event type")
	}
	status, _ := d.deliver(t, event("f9", live.SessionEnded))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "f9", next(t, sub).ID, "no unknown type was published")
	assert.Equal(t, 3.0, sample(t, d.m.Gatherer(), "roomgraph_webhooks_unknown_types_total"))
	assert.Equal(t, 1.0, sample(t, d.m.Gatherer(), "roomgraph_webhooks_processed_total"))
	log := d.log.String()
	assert.Equal(t, 1, strings.Count(log, "event_type=video.room.composition.failed"), log)
	assert.Equal(t, 1, strings.Count(log, "event_type=video.room.track.muted"), log)
}

// TestQueueFull: with the worker held and the queue full, a delivery is answered 503 with Retry-After and
// not remembered as seen, so Telnyx's retry of it is processed once room frees up.
func TestQueueFull(t *testing.T) {
	started, release := make(chan string, 8), make(chan struct{})
	d := newDoor(t, func(c *webhook.Config) {
		c.QueueSize = 1
		c.OnEvent = func(_ context.Context, e live.Event) {
			started <- e.ID
			<-release
		}
	})
	sub, err := d.hub.Subscribe(room)
	require.NoError(t, err)

	status, _ := d.deliver(t, event("g1", live.ParticipantJoined))
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "g1", <-started) // the worker holds g1; the queue is empty
	status, _ = d.deliver(t, event("g2", live.ParticipantJoined))
	require.Equal(t, http.StatusOK, status) // queued
	assert.Equal(t, 1.0, sample(t, d.m.Gatherer(), "roomgraph_webhook_queue_depth"))

	req := signedReq(t, d.srv.URL, d.priv, d.ts(), event("g3", live.ParticipantLeft))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.Contains(t, string(b), telemetry.WebhookQueueFull)
	assert.Equal(t, 1.0, sample(t, d.m.Gatherer(), "roomgraph_webhooks_rejected_total", "reason", telemetry.WebhookQueueFull))

	close(release)
	assert.Equal(t, "g1", next(t, sub).ID)
	assert.Equal(t, "g2", next(t, sub).ID)

	d.now.Add(30) // Telnyx retries g3, signed anew
	status, text := d.deliver(t, event("g3", live.ParticipantLeft))
	require.Equal(t, http.StatusOK, status, text)
	assert.Equal(t, "accepted\n", text, "not taken for a duplicate")
	assert.Equal(t, "g3", next(t, sub).ID)
	assert.Equal(t, 0.0, sample(t, d.m.Gatherer(), "roomgraph_webhooks_duplicates_total"))
	assert.Equal(t, 3.0, sample(t, d.m.Gatherer(), "roomgraph_webhooks_processed_total"))
}

// blockingBody signals its first Read, then blocks until released.
type blockingBody struct {
	reading chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingBody) Read([]byte) (int, error) {
	b.once.Do(func() { close(b.reading) })
	<-b.release
	return 0, io.ErrUnexpectedEOF
}

func (b *blockingBody) Close() error { return nil }

// TestBodiesInFlightBounded: a body being read holds its declared length of the budget; a request that
// finds too little left is answered 503 without reading its body.
func TestBodiesInFlightBounded(t *testing.T) {
	d := newDoor(t, func(c *webhook.Config) { c.MaxBodyBytes, c.MaxBodyBytesInFlight = 1024, 1500 })
	slow := &blockingBody{reading: make(chan struct{}), release: make(chan struct{})}
	hold := httptest.NewRequest(http.MethodPost, webhook.Path, nil)
	hold.Body, hold.ContentLength = slow, 1000
	hold.Header.Set(webhook.TimestampHeader, d.ts())
	hold.Header.Set(webhook.SignatureHeader, b64(make([]byte, 64)))
	held := make(chan int)
	go func() {
		rec := httptest.NewRecorder()
		d.h.ServeHTTP(rec, hold)
		held <- rec.Code
	}()
	<-slow.reading // 1000 of the 1500 bytes are reserved

	req := signedReq(t, d.srv.URL, d.priv, d.ts(), append(bytes.Repeat([]byte(" "), 600), event("h1", live.SessionStarted)...))
	status, text := do(t, req)
	assert.Equal(t, http.StatusServiceUnavailable, status, text)
	assert.Contains(t, text, telemetry.WebhookBusy)

	close(slow.release)
	assert.Equal(t, http.StatusBadRequest, <-held)
	status, _ = do(t, signedReq(t, d.srv.URL, d.priv, d.ts(), append(bytes.Repeat([]byte(" "), 600), event("h1", live.SessionStarted)...)))
	assert.Equal(t, http.StatusOK, status, "the budget was given back")
}

// TestCloseDrainsTheQueue: Close hands every queued event on before it returns, later deliveries get 503,
// and no goroutine is left.
func TestCloseDrainsTheQueue(t *testing.T) {
	defer goleak.VerifyNone(t, append(httpClientGoroutines, goleak.IgnoreCurrent())...)
	release := make(chan struct{})
	var processed atomic.Int32
	d := newDoor(t, func(c *webhook.Config) {
		c.OnEvent = func(context.Context, live.Event) { <-release; processed.Add(1) }
	})
	for i := range 5 {
		status, _ := d.deliver(t, event(fmt.Sprintf("i%d", i), live.ParticipantJoined))
		require.Equal(t, http.StatusOK, status)
	}
	closed := make(chan error)
	go func() { closed <- d.h.Close() }()
	close(release)
	require.NoError(t, <-closed)
	assert.Equal(t, int32(5), processed.Load(), "every accepted event was handed on")
	assert.Equal(t, 5.0, sample(t, d.m.Gatherer(), "roomgraph_webhooks_processed_total"))

	status, text := d.deliver(t, event("i9", live.ParticipantJoined))
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Contains(t, text, telemetry.WebhookShuttingDown)
	require.NoError(t, d.h.Close(), "idempotent")
	d.srv.Close()
	d.hub.Close()
	http.DefaultClient.CloseIdleConnections()
}

// TestCloseBounded: when the queue is not handed on within DrainTimeout, the hook's context ends, what
// is left is counted as abandoned, and Close says so.
func TestCloseBounded(t *testing.T) {
	defer goleak.VerifyNone(t, append(httpClientGoroutines, goleak.IgnoreCurrent())...)
	started := make(chan struct{}, 8)
	d := newDoor(t, func(c *webhook.Config) {
		c.DrainTimeout = 20 * time.Millisecond
		c.OnEvent = func(ctx context.Context, _ live.Event) { started <- struct{}{}; <-ctx.Done() }
	})
	for i := range 3 {
		status, _ := d.deliver(t, event(fmt.Sprintf("j%d", i), live.ParticipantJoined))
		require.Equal(t, http.StatusOK, status)
	}
	<-started
	err := d.h.Close()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "2 queued events")
	assert.Equal(t, 2.0, sample(t, d.m.Gatherer(), "roomgraph_webhooks_abandoned_total"))
	assert.Equal(t, 1.0, sample(t, d.m.Gatherer(), "roomgraph_webhooks_processed_total"))
	assert.Contains(t, d.log.String(), "abandoned")
	d.srv.Close()
	d.hub.Close()
	http.DefaultClient.CloseIdleConnections()
}

func TestParsePublicKeys(t *testing.T) {
	pub, _ := key(1)
	keys, err := webhook.ParsePublicKeys([]string{" " + b64(pub) + " "})
	require.NoError(t, err)
	assert.Equal(t, []ed25519.PublicKey{pub}, keys)

	_, err = webhook.ParsePublicKeys([]string{b64(pub), "not-base64!"})
	require.EqualError(t, err, "public key 2 of 2 is not standard base64")
	_, err = webhook.ParsePublicKeys([]string{b64(pub[:31])})
	require.EqualError(t, err, "public key 1 of 1 is 31 bytes, an Ed25519 public key is 32")
	assert.NotContains(t, err.Error(), b64(pub[:31]))

	_, err = webhook.New(webhook.Config{})
	assert.ErrorContains(t, err, "no public key")
}

// TestMemoryDedupeBounds: an id is remembered for the window, and no more ids than the size.
func TestMemoryDedupeBounds(t *testing.T) {
	var now atomic.Int64
	now.Store(1_800_000_000)
	d, err := webhook.NewMemoryDedupe(time.Minute, 10, func() time.Time { return time.Unix(now.Load(), 0) })
	require.NoError(t, err)
	ctx := context.Background()
	first, err := d.Claim(ctx, "a")
	require.NoError(t, err)
	assert.True(t, first)
	first, _ = d.Claim(ctx, "a")
	assert.False(t, first)
	require.NoError(t, d.Forget(ctx, "a"))
	first, _ = d.Claim(ctx, "a")
	assert.True(t, first, "forgotten")
	now.Add(61)
	first, _ = d.Claim(ctx, "a")
	assert.True(t, first, "expired")

	for i := range 1000 {
		_, _ = d.Claim(ctx, strconv.Itoa(i))
	}
	assert.LessOrEqual(t, d.Len(), 10)
}
