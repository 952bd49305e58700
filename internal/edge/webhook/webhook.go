// Package webhook is the door through which Telnyx pushes video events: an http.Handler for
// POST /webhooks/telnyx that bounds the body, verifies the Ed25519 signature before anything reads the
// JSON, parses the event (internal/live), drops the duplicates, and queues the rest for worker goroutines
// that hand each one to the subscriptions (live.Hub, and a hook of the subscription layer).
//
// It answers fast: Telnyx counts a slow answer as a failure and retries. Nothing it accepts is dropped
// silently: a full queue answers 503, so that Telnyx retries later, and an event accepted but still queued
// when the shutdown's bound passes is counted (roomgraph_webhooks_abandoned_total) and logged.
//
// It must not trust anything of a request before the signature verifies, and must never log or answer a
// signature or a key. docs/webhooks.md describes the door for operators.
package webhook

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	oteltrace "go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"golang.org/x/sync/semaphore"

	"github.com/roomgraph/roomgraph/internal/live"
	"github.com/roomgraph/roomgraph/internal/telemetry"
)

// Path is where the gateway serves the door.
const Path = "/webhooks/telnyx"

// Config configures New. PublicKeys is required; every other zero field takes its default.
type Config struct {
	// PublicKeys verify the signatures (ParsePublicKeys reads Telnyx's base64 form): each delivery must be
	// signed by one of them. Several keys serve key rotation and several Telnyx accounts.
	PublicKeys []ed25519.PublicKey
	// Tolerance is how far a delivery's telnyx-timestamp may be from now, either way (default 300 s).
	Tolerance time.Duration

	// MaxBodyBytes bounds a body (default 64 KiB; Telnyx's video events are well under 2 KiB). A larger
	// declared Content-Length is refused with 413 before any of the body is read.
	MaxBodyBytes int64
	// MaxBodyBytesInFlight bounds the bodies being read and checked at once, across all connections
	// (default 64 × MaxBodyBytes, at least MaxBodyBytes). Each request reserves its declared length
	// (MaxBodyBytes when chunked) until it is answered; one that finds too little left gets 503.
	MaxBodyBytesInFlight int64

	// QueueSize bounds the accepted events waiting for a worker (default 1024); when it is full, a
	// delivery is answered 503 with Retry-After and Telnyx retries it.
	QueueSize int
	// Workers is the number of goroutines taking events from the queue (default 1, which hands events on
	// in the order they were accepted; more may reorder them, as Telnyx itself may).
	Workers int
	// DrainTimeout bounds how long Close waits for the queued events to be handed on (default 5s).
	DrainTimeout time.Duration

	// Dedupe remembers the ids of accepted events. Nil: a MemoryDedupe of DedupeSize ids (default
	// 50,000) for DedupeWindow each (default 15m), the handler's own.
	Dedupe       Deduper
	DedupeWindow time.Duration
	DedupeSize   int
	// MaxUnknownTypes bounds the unknown event types logged by name, once each (default 100); later
	// ones are still counted.
	MaxUnknownTypes int

	// Hub receives every processed event (Publish), after OnEvent. Either may be nil. A *live.Hub hands
	// the event to this process's subscribers; with several replicas, a publisher that fans out through
	// a shared bus (internal/shared/redisstate) takes its place.
	Hub Publisher
	// OnEvent is called by a worker for every event of a known type that was accepted, once per event id
	// within the dedupe window, before Hub.Publish. It must return when ctx ends (Close's bound passed).
	// A panic is recovered and logged; the event still counts as processed.
	OnEvent func(ctx context.Context, e live.Event)

	// Now is the clock of the timestamp check and the dedupe window (default time.Now).
	Now func() time.Time
	// Logger gets one line per refusal (warn for those that say something is misconfigured or overloaded,
	// at most once a minute per reason, else debug) and one per unknown event type (default: discard).
	Logger *slog.Logger
	// Metrics counts the door's traffic (default: a registry of its own, unserved).
	Metrics *telemetry.Metrics
	// Tracer makes one span per processed event (default: none).
	Tracer oteltrace.Tracer
}

// The defaults of MaxBodyBytes and QueueSize (the gateway's own knobs for them default to these).
const (
	DefaultMaxBodyBytes = 64 << 10
	DefaultQueueSize    = 1024
)

// Defaults returns cfg with every unset knob at its default.
func (cfg Config) Defaults() Config {
	if cfg.Tolerance == 0 {
		cfg.Tolerance = DefaultTolerance
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxBodyBytesInFlight == 0 {
		cfg.MaxBodyBytesInFlight = 64 * cfg.MaxBodyBytes
	}
	if cfg.QueueSize == 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.Workers == 0 {
		cfg.Workers = 1
	}
	if cfg.DrainTimeout == 0 {
		cfg.DrainTimeout = 5 * time.Second
	}
	if cfg.DedupeWindow == 0 {
		cfg.DedupeWindow = 15 * time.Minute
	}
	if cfg.DedupeSize == 0 {
		cfg.DedupeSize = 50_000
	}
	if cfg.MaxUnknownTypes == 0 {
		cfg.MaxUnknownTypes = 100
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// Publisher takes a processed event to the subscriptions and reports how many subscribers took it here
// (or -1 when it cannot tell: the event went to a shared bus).
type Publisher interface {
	Publish(e live.Event) int
}

// Handler is the webhook door. Close it to stop its workers.
type Handler struct {
	cfg     Config
	metrics *telemetry.Metrics
	tracer  oteltrace.Tracer
	dedupe  Deduper
	budget  *semaphore.Weighted

	mu     sync.RWMutex // closed and queue: sends hold it for reading, Close for writing
	closed bool
	queue  chan queued

	ctx       context.Context // the workers'; canceled when Close's bound passes
	cancel    context.CancelFunc
	workers   sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
	abandoned atomic.Int64

	logMu    sync.Mutex
	warned   telemetry.Throttle  // one warn line per reason and minute
	unknowns map[string]struct{} // unknown event types logged
}

// queued is an accepted event waiting for a worker.
type queued struct {
	event    live.Event
	key      string // its dedupe key
	accepted time.Time
}

// New starts the door's workers.
func New(cfg Config) (*Handler, error) {
	cfg = cfg.Defaults()
	switch {
	case len(cfg.PublicKeys) == 0:
		return nil, errors.New("webhook: no public key to verify signatures with")
	case cfg.Tolerance < time.Second || cfg.MaxBodyBytes < 1 || cfg.QueueSize < 1 || cfg.Workers < 1 || cfg.DrainTimeout < 0 || cfg.MaxUnknownTypes < 1:
		return nil, errors.New("webhook: Tolerance (at least 1s), MaxBodyBytes, QueueSize, Workers, DrainTimeout and MaxUnknownTypes must be positive")
	case cfg.MaxBodyBytesInFlight < cfg.MaxBodyBytes:
		return nil, fmt.Errorf("webhook: MaxBodyBytesInFlight (%d) must be at least MaxBodyBytes (%d)", cfg.MaxBodyBytesInFlight, cfg.MaxBodyBytes)
	}
	for i, k := range cfg.PublicKeys {
		if len(k) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("webhook: public key %d is %d bytes, want %d", i+1, len(k), ed25519.PublicKeySize)
		}
	}
	h := &Handler{
		cfg:      cfg,
		metrics:  cfg.Metrics,
		tracer:   cfg.Tracer,
		dedupe:   cfg.Dedupe,
		budget:   semaphore.NewWeighted(cfg.MaxBodyBytesInFlight),
		queue:    make(chan queued, cfg.QueueSize),
		warned:   telemetry.Throttle{Every: time.Minute},
		unknowns: map[string]struct{}{},
	}
	if h.metrics == nil {
		m, err := telemetry.NewMetrics(telemetry.MetricsOptions{NoRuntimeCollectors: true})
		if err != nil {
			return nil, err
		}
		h.metrics = m
	}
	if h.tracer == nil {
		h.tracer = noop.NewTracerProvider().Tracer(telemetry.InstrumentationName)
	}
	if h.dedupe == nil {
		d, err := NewMemoryDedupe(cfg.DedupeWindow, cfg.DedupeSize, cfg.Now)
		if err != nil {
			return nil, err
		}
		h.dedupe = d
	}
	h.metrics.CountWebhookQueue(func() int { return len(h.queue) })
	h.ctx, h.cancel = context.WithCancel(context.Background())
	for range cfg.Workers {
		h.workers.Add(1)
		go h.work()
	}
	return h, nil
}

// ServeHTTP takes one delivery. The checks run cheapest first, and nothing of the body is parsed before
// its signature verifies: method, declared length, signature headers and timestamp, the bodies-in-flight
// budget, the body itself (bounded), the signature, then the envelope, the dedupe and the queue.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.metrics.WebhookReceived()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, r, refusal{telemetry.WebhookMethod, http.StatusMethodNotAllowed, "Telnyx webhooks are POSTed"})
		return
	}
	maxBody := h.cfg.MaxBodyBytes
	if r.ContentLength > maxBody {
		h.refuse(w, r, tooLarge(maxBody))
		return
	}
	sig, bad := checkHeaders(r.Header, h.cfg.Now(), h.cfg.Tolerance)
	if bad != nil {
		h.refuse(w, r, *bad)
		return
	}
	reserved := r.ContentLength
	if reserved < 0 {
		reserved = maxBody // chunked: at most the limit
	}
	if !h.budget.TryAcquire(reserved) {
		w.Header().Set("Retry-After", "1")
		h.refuse(w, r, refusal{telemetry.WebhookBusy, http.StatusServiceUnavailable, "the server is reading as many webhook bodies as it holds at once: retry in a moment"})
		return
	}
	defer h.budget.Release(reserved)
	body, err := readBody(w, r, maxBody)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			h.refuse(w, r, tooLarge(maxBody))
			return
		}
		h.refuse(w, r, refusal{telemetry.WebhookUnreadable, http.StatusBadRequest, "could not read the request body"})
		return
	}
	if !verify(h.cfg.PublicKeys, sig, body) {
		h.refuse(w, r, refusal{telemetry.WebhookSignatureMismatch, http.StatusForbidden,
			"no configured public key verifies the signature of telnyx-timestamp|body (wrong key, or the body or timestamp was altered)"})
		return
	}
	e, err := live.Parse(body)
	if err != nil {
		h.refuse(w, r, refusal{telemetry.WebhookMalformed, http.StatusBadRequest, "the signature verifies, but the body is not a Telnyx event envelope (data.id, data.event_type, data.occurred_at)"})
		return
	}
	if !e.Known() {
		h.unknownType(r.Context(), e.Type)
		respond(w, http.StatusOK, "accepted: unknown event type, not processed")
		return
	}
	key := dedupeKey(e.ID)
	first, err := h.dedupe.Claim(r.Context(), key)
	if err != nil {
		w.Header().Set("Retry-After", "1")
		h.refuse(w, r, refusal{telemetry.WebhookDedupeFailed, http.StatusServiceUnavailable, "the dedupe store did not answer: retry in a moment"})
		return
	}
	if !first {
		h.metrics.WebhookDuplicate()
		respond(w, http.StatusOK, "duplicate: already accepted")
		return
	}
	if reason := h.enqueue(queued{event: e, key: key, accepted: time.Now()}); reason != "" {
		// Refused after all: its retry must not be taken for a duplicate.
		_ = h.dedupe.Forget(context.WithoutCancel(r.Context()), key)
		w.Header().Set("Retry-After", "1")
		text := "the event queue is full: retry in a moment"
		if reason == telemetry.WebhookShuttingDown {
			text = "the server is shutting down: retry in a moment"
		}
		h.refuse(w, r, refusal{reason, http.StatusServiceUnavailable, text})
		return
	}
	respond(w, http.StatusOK, "accepted")
}

// enqueue queues q without waiting; "" when queued, else the reason it was not.
func (h *Handler) enqueue(q queued) string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.closed {
		return telemetry.WebhookShuttingDown
	}
	select {
	case h.queue <- q:
		return ""
	default:
		return telemetry.WebhookQueueFull
	}
}

// work hands queued events on until the queue is closed and empty. Once the workers' context ends
// (Close's bound passed), what is left is counted as abandoned instead.
func (h *Handler) work() {
	defer h.workers.Done()
	for q := range h.queue {
		if h.ctx.Err() != nil {
			h.abandon(q)
			continue
		}
		h.process(q)
	}
}

// process hands one event to OnEvent and the hub, in a span that starts when the event was accepted.
func (h *Handler) process(q queued) {
	e := q.event
	ctx, span := h.tracer.Start(h.ctx, "webhook "+e.Type,
		oteltrace.WithSpanKind(oteltrace.SpanKindConsumer),
		oteltrace.WithTimestamp(q.accepted),
		oteltrace.WithAttributes(
			telemetry.AttrEventType.String(e.Type),
			telemetry.AttrEventID.String(e.ID),
			telemetry.AttrRoomID.String(e.RoomID),
			telemetry.AttrEventAttempt.Int(e.Attempt),
			telemetry.AttrQueueWait.Float64(float64(time.Since(q.accepted).Microseconds())/1000),
		))
	defer span.End()
	if h.cfg.OnEvent != nil {
		h.onEvent(ctx, span, e)
	}
	// Counted before it is published, so whoever sees the event also sees it counted.
	h.metrics.WebhookProcessed()
	if h.cfg.Hub != nil {
		span.SetAttributes(attribute.Int("roomgraph.webhook.subscribers", h.cfg.Hub.Publish(e)))
	}
}

func (h *Handler) onEvent(ctx context.Context, span oteltrace.Span, e live.Event) {
	defer func() {
		if p := recover(); p != nil {
			span.SetStatus(codes.Error, "panic")
			h.cfg.Logger.LogAttrs(ctx, slog.LevelError, "webhook event hook panicked",
				slog.String("event_type", e.Type), slog.String("event_id", e.ID), slog.Any("panic", p))
		}
	}()
	h.cfg.OnEvent(ctx, e)
}

func (h *Handler) abandon(q queued) {
	h.abandoned.Add(1)
	h.metrics.WebhookAbandoned(1)
	// Not processed: a redelivery (to another replica, or after the restart) must be taken.
	_ = h.dedupe.Forget(context.Background(), q.key)
	h.cfg.Logger.LogAttrs(context.Background(), slog.LevelWarn, "webhook event abandoned at shutdown",
		slog.String("event_type", q.event.Type), slog.String("event_id", q.event.ID))
}

// Close stops the door: later deliveries are answered 503 (Telnyx retries them), and the workers hand on
// the events queued, for DrainTimeout at most. Events still queued then are abandoned (counted, logged),
// the context of a running OnEvent ends, and Close waits for the workers to return. It returns an error
// when events were abandoned. Safe to call more than once.
func (h *Handler) Close() error {
	h.closeOnce.Do(func() {
		h.mu.Lock()
		h.closed = true
		close(h.queue)
		h.mu.Unlock()

		done := make(chan struct{})
		go func() { h.workers.Wait(); close(done) }()
		timer := time.NewTimer(h.cfg.DrainTimeout)
		defer timer.Stop()
		select {
		case <-done:
		case <-timer.C:
			h.cancel()
			<-done
		}
		h.cancel()
		if n := h.abandoned.Load(); n > 0 {
			h.closeErr = fmt.Errorf("webhook: %d queued events not handed on within %s of shutdown", n, h.cfg.DrainTimeout)
		}
	})
	return h.closeErr
}

// refuse answers a refused delivery, counts it and logs it.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, f refusal) {
	h.metrics.WebhookRejected(f.reason)
	respond(w, f.status, "refused: "+f.reason+": "+f.text)
	level := slog.LevelDebug
	if warns(f.reason) && h.mayWarn(f.reason) {
		level = slog.LevelWarn
	}
	h.cfg.Logger.LogAttrs(r.Context(), level, "webhook refused",
		slog.String("reason", f.reason), slog.Int("status", f.status), slog.String("remote", r.RemoteAddr))
}

// warns says whether a refusal hints at something an operator should fix: a key or clock out of step, or
// a door too small for the traffic.
func warns(reason string) bool {
	switch reason {
	case telemetry.WebhookSignatureMismatch, telemetry.WebhookStale, telemetry.WebhookFuture,
		telemetry.WebhookQueueFull, telemetry.WebhookBusy, telemetry.WebhookDedupeFailed:
		return true
	}
	return false
}

// mayWarn lets one warn line per reason through each minute, so that a flood of refusals cannot flood
// the log; the others go at debug.
func (h *Handler) mayWarn(reason string) bool { return h.warned.Allow(reason) }

// unknownType counts an event of a type roomgraph does not know, and logs the first of each type.
func (h *Handler) unknownType(ctx context.Context, typ string) {
	h.metrics.WebhookUnknownType()
	if len(typ) > 128 {
		typ = typ[:128]
	}
	h.logMu.Lock()
	_, seen := h.unknowns[typ]
	log := !seen && len(h.unknowns) < h.cfg.MaxUnknownTypes
	if log {
		h.unknowns[typ] = struct{}{}
	}
	h.logMu.Unlock()
	if log {
		h.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "webhook event of an unknown type accepted, not processed (logged once per type)",
			slog.String("event_type", typ))
	}
}

// dedupeKey is the event id, or the SHA-256 of an id longer than a UUID needs: the dedupe store holds
// keys of bounded length whatever the body says.
func dedupeKey(id string) string {
	if len(id) <= 64 {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func tooLarge(maxBody int64) refusal {
	return refusal{telemetry.WebhookTooLarge, http.StatusRequestEntityTooLarge, "the body is larger than " + strconv.FormatInt(maxBody, 10) + " bytes"}
}

// readBody reads the body: into a buffer of exactly its declared length, which the budget reserved, or
// when chunked, up to maxBody.
func readBody(w http.ResponseWriter, r *http.Request, maxBody int64) ([]byte, error) {
	if r.ContentLength < 0 {
		return io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	}
	body := make([]byte, r.ContentLength)
	_, err := io.ReadFull(r.Body, body)
	return body, err
}

// respond writes a short plain-text answer.
func respond(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, text+"\n")
}
