package telnyxsim

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Webhook defaults (README "Webhooks").
const (
	DefaultWebhookTimeout     = 2 * time.Second // Telnyx's platform default, used when webhook_timeout_secs is null or 0
	DefaultWebhookAttempts    = 3               // attempts per URL, as Telnyx documents for messaging
	DefaultWebhookBackoff     = time.Second     // before a URL's 2nd attempt; doubles for each further one
	DefaultWebhookQueue       = 1024
	DefaultWebhookWorkers     = 4
	DefaultWebhookReorderHold = 100 * time.Millisecond // longest a reorder group waits to fill
	maxAckBody                = 64 << 10               // the part of a receiver's answer read (and ignored) before closing
)

// WebhookFaults misbehave the way Telnyx's delivery may: late, duplicated, out of order. The zero value
// injects nothing.
type WebhookFaults struct {
	Delay          time.Duration // waited before a delivery's first attempt
	Jitter         time.Duration // + uniform random [0, Jitter)
	DuplicateRate  float64       // probability that a delivery is made twice (the same data.id, meta.attempt from 1 again)
	DuplicateEvery int           // >0: every nth delivery is made twice as well
	ReorderWindow  int           // ≥2: deliveries are held in groups of this many and released in reverse order
	ReorderHold    time.Duration // longest a group waits to fill before it is released (reversed); default 100ms
}

// WebhookStats counts the simulator's events and their deliveries. A delivery is one event on its way to one
// chain of URLs: the room's webhook_event_url then its webhook_event_failover_url, or Config.WebhookURL.
type WebhookStats struct {
	Events         int `json:"events"`          // events emitted (state changes reported), delivered or not
	Undeliverable  int `json:"undeliverable"`   // events with no URL to go to (no room URL, no WebhookURL, or only reserved example domains)
	Queued         int `json:"queued"`          // deliveries accepted into the queue
	Dropped        int `json:"dropped"`         // deliveries refused: the queue was full, or the simulator was closed
	Duplicated     int `json:"duplicated"`      // extra deliveries made by WebhookFaults
	Attempts       int `json:"attempts"`        // HTTP requests made
	FailedAttempts int `json:"failed_attempts"` // of which were not answered with a 2xx in time
	Delivered      int `json:"delivered"`       // deliveries acknowledged with a 2xx
	Failed         int `json:"failed"`          // deliveries that failed every attempt on every URL of their chain
	Abandoned      int `json:"abandoned"`       // deliveries cut short by Close
}

// delivery is one event going down one chain of URLs.
type delivery struct {
	ev      *eventRec
	urls    []string
	timeout time.Duration
}

// hookBook is the delivery machinery: a bounded queue, a dispatcher that applies the reorder and duplicate
// faults, and workers that post, retry and fail over. Its goroutines start with the first queued delivery
// and stop in Close.
type hookBook struct {
	s        *Sim
	client   *http.Client
	extraURL string
	timeout  time.Duration
	attempts int
	backoff  time.Duration
	workers  int

	mu      sync.Mutex
	started bool
	closed  bool
	faults  WebhookFaults
	rng     *rand.Rand // fault decisions; guarded by mu
	nth     int        // deliveries dispatched, for DuplicateEvery; guarded by mu
	stats   WebhookStats

	queue chan *delivery
	work  chan *delivery
	ctx   context.Context
	done  context.CancelFunc
	wg    sync.WaitGroup
}

func (h *hookBook) init(s *Sim, cfg Config) {
	h.s = s
	h.extraURL = cfg.WebhookURL
	h.timeout = cmpOr(cfg.WebhookTimeout, DefaultWebhookTimeout)
	h.attempts = cmpOr(cfg.WebhookAttempts, DefaultWebhookAttempts)
	h.backoff = cmpOr(cfg.WebhookBackoff, DefaultWebhookBackoff)
	h.workers = cmpOr(cfg.WebhookWorkers, DefaultWebhookWorkers)
	h.faults = cfg.WebhookFaults
	h.rng = rand.New(rand.NewPCG(uint64(cfg.Seed), 0x7e6_400c5))
	rt := cfg.WebhookTransport
	if rt == nil {
		// A private transport: no proxy from the environment, and Close can drop its idle connections.
		rt = &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     30 * time.Second,
		}
	}
	h.client = &http.Client{
		Transport: rt,
		// A redirect is a failed attempt (only a 2xx acknowledges), never followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	h.queue = make(chan *delivery, cmpOr(cfg.WebhookQueue, DefaultWebhookQueue))
	h.work = make(chan *delivery)
	h.ctx, h.done = context.WithCancel(context.Background())
}

func cmpOr[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// reservedHost reports the example domains of RFC 2606 / RFC 6761 (example.com, .net, .org and their
// subdomains, the .example and .invalid TLDs). Generated rooms point their webhooks there; the simulator never
// posts to them, so it never sends anything off the machine unless a room (or WebhookURL) names a real host.
func reservedHost(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return true
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	for _, d := range []string{"example.com", "example.net", "example.org", "example", "invalid"} {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// enqueue queues the deliveries of one event: to the room's chain (webhook_event_url, then
// webhook_event_failover_url) and to WebhookURL. Never blocks: a full queue drops, and counts it.
func (h *hookBook) enqueue(ev *eventRec, r *roomRec) {
	var chains []delivery
	var own []string
	for _, u := range []string{r.webhookURL, r.webhookFailoverURL} {
		if u != "" && !reservedHost(u) {
			own = append(own, u)
		}
	}
	if len(own) > 0 {
		timeout := h.timeout
		if r.hasWebhookTimeout && r.webhookTimeout > 0 {
			timeout = time.Duration(r.webhookTimeout) * time.Second
		}
		chains = append(chains, delivery{ev: ev, urls: own, timeout: timeout})
	}
	if h.extraURL != "" && h.extraURL != r.webhookURL && h.extraURL != r.webhookFailoverURL {
		chains = append(chains, delivery{ev: ev, urls: []string{h.extraURL}, timeout: h.timeout})
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stats.Events++
	if len(chains) == 0 {
		h.stats.Undeliverable++
		return
	}
	if h.closed {
		h.stats.Dropped += len(chains)
		return
	}
	if !h.started {
		h.start()
	}
	for i := range chains {
		d := &chains[i]
		select {
		case h.queue <- d:
			h.stats.Queued++
		default:
			h.stats.Dropped++
		}
	}
}

// start launches the dispatcher and the workers. Called with h.mu held.
func (h *hookBook) start() {
	h.started = true
	h.wg.Add(1 + h.workers)
	go h.dispatch()
	for range h.workers {
		go h.worker()
	}
}

// close stops the goroutines: queued deliveries are dropped, attempts in flight are cancelled.
func (h *hookBook) close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	h.done()
	h.mu.Unlock()
	h.wg.Wait()
	h.mu.Lock()
	for {
		select {
		case <-h.queue:
			h.stats.Abandoned++
			continue
		default:
		}
		break
	}
	h.mu.Unlock()
	h.client.CloseIdleConnections()
}

// dispatch moves deliveries from the queue to the workers, holding and reversing groups when ReorderWindow
// asks for it, and doubling the ones the duplicate faults pick.
func (h *hookBook) dispatch() {
	defer h.wg.Done()
	var held []*delivery
	hold := time.NewTimer(time.Hour)
	hold.Stop()
	defer hold.Stop()
	send := func(d *delivery) bool {
		select {
		case h.work <- d:
			return true
		case <-h.ctx.Done():
			h.abandon(1)
			return false
		}
	}
	flush := func() bool {
		for i := len(held) - 1; i >= 0; i-- {
			if !send(held[i]) {
				h.abandon(i)
				held = nil
				return false
			}
		}
		held = held[:0]
		return true
	}
	for {
		var holdC <-chan time.Time
		if len(held) > 0 {
			holdC = hold.C
		}
		select {
		case <-h.ctx.Done():
			h.abandon(len(held))
			return
		case <-holdC:
			if !flush() {
				return
			}
		case d := <-h.queue:
			h.mu.Lock()
			f := h.faults
			h.nth++
			dup := (f.DuplicateEvery > 0 && h.nth%f.DuplicateEvery == 0) || (f.DuplicateRate > 0 && h.rng.Float64() < f.DuplicateRate)
			if dup {
				h.stats.Duplicated++
			}
			h.mu.Unlock()
			batch := []*delivery{d}
			if dup {
				batch = append(batch, d)
			}
			if f.ReorderWindow < 2 {
				for i, x := range batch {
					if !send(x) {
						h.abandon(len(batch) - i - 1)
						return
					}
				}
				continue
			}
			if len(held) == 0 {
				hold.Reset(cmpOr(f.ReorderHold, DefaultWebhookReorderHold))
			}
			held = append(held, batch...)
			if len(held) >= f.ReorderWindow {
				hold.Stop()
				if !flush() {
					return
				}
			}
		}
	}
}

func (h *hookBook) abandon(n int) {
	if n <= 0 {
		return
	}
	h.mu.Lock()
	h.stats.Abandoned += n
	h.mu.Unlock()
}

func (h *hookBook) worker() {
	defer h.wg.Done()
	for {
		select {
		case <-h.ctx.Done():
			return
		case d := <-h.work:
			h.deliver(d)
		}
	}
}

// deliver runs one delivery's chain: up to attempts tries per URL, waiting backoff, 2·backoff, … between the
// tries to one URL, then the next URL at once. meta.attempt counts across the chain (1, 2, 3 on the primary,
// 4, 5, 6 on the failover).
func (h *hookBook) deliver(d *delivery) {
	h.mu.Lock()
	f := h.faults
	wait := f.Delay
	if f.Jitter > 0 {
		wait += time.Duration(h.rng.Int64N(int64(f.Jitter)))
	}
	h.mu.Unlock()
	if wait > 0 && !sleepCtx(h.ctx, wait) {
		h.abandon(1)
		return
	}
	attempt := 0
	for _, u := range d.urls {
		for i := range h.attempts {
			if i > 0 && !sleepCtx(h.ctx, h.backoff<<(i-1)) {
				h.abandon(1)
				return
			}
			attempt++
			ok := h.post(d, u, attempt)
			h.mu.Lock()
			h.stats.Attempts++
			switch {
			case ok:
				h.stats.Delivered++
			case h.ctx.Err() != nil:
				h.stats.Abandoned++
			default:
				h.stats.FailedAttempts++
			}
			h.mu.Unlock()
			if ok {
				return
			}
			if h.ctx.Err() != nil {
				return
			}
		}
	}
	h.mu.Lock()
	h.stats.Failed++
	h.mu.Unlock()
}

// post makes one signed attempt; true when it was answered with a 2xx within the timeout.
func (h *hookBook) post(d *delivery, target string, attempt int) bool {
	body := make([]byte, 0, len(d.ev.Data)+96+len(target))
	body = append(body, `{"data":`...)
	body = append(body, d.ev.Data...)
	body = append(body, `,"meta":{"attempt":`...)
	body = strconv.AppendInt(body, int64(attempt), 10)
	body = append(body, `,"delivered_to":`...)
	body = appendString(body, target)
	body = append(body, "}}"...)
	ts := strconv.FormatInt(h.s.now().Unix(), 10)

	ctx, cancel := context.WithTimeout(h.ctx, d.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "telnyxsim-webhooks/1")
	req.Header.Set("Telnyx-Timestamp", ts)
	req.Header.Set("Telnyx-Signature-Ed25519", Sign(d.ev.acct.signing, ts, body))
	resp, err := h.client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAckBody))
	_ = resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode < 300
}

// Sign is the signature Telnyx sends in telnyx-signature-ed25519: base64 of the Ed25519 signature of
// timestamp + "|" + body, with timestamp exactly as sent in telnyx-timestamp.
func Sign(key ed25519.PrivateKey, timestamp string, body []byte) string {
	msg := make([]byte, 0, len(timestamp)+1+len(body))
	msg = append(msg, timestamp...)
	msg = append(msg, '|')
	msg = append(msg, body...)
	return base64.StdEncoding.EncodeToString(ed25519.Sign(key, msg))
}

// signingKey derives an account's webhook signing key from the seed and the API key, so the same
// configuration always has the same public keys and two accounts never share one.
func signingKey(seed int64, apiKey string) ed25519.PrivateKey {
	h := sha256.New()
	_, _ = h.Write([]byte("telnyxsim webhook signing key\x00"))
	_, _ = h.Write(strconv.AppendInt(nil, seed, 10))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(apiKey))
	return ed25519.NewKeyFromSeed(h.Sum(nil))
}

// PublicKey returns the Ed25519 public key that verifies the webhooks of the account with this API key
// (nil for an unknown key). Its base64 is what TELNYX_PUBLIC_KEY holds for a real account.
func (s *Sim) PublicKey(apiKey string) ed25519.PublicKey {
	a := s.accounts[apiKey]
	if a == nil {
		return nil
	}
	return a.signing.Public().(ed25519.PublicKey)
}

// SetWebhookFaults replaces the webhook faults; deliveries already dispatched are not affected.
func (s *Sim) SetWebhookFaults(f WebhookFaults) {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	s.hooks.faults = f
}

// WebhookStats returns a copy of the webhook counters (also in Stats().Webhooks and GET /_sim/stats).
func (s *Sim) WebhookStats() WebhookStats {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return s.hooks.stats
}

// HandlerTransport is an http.RoundTripper that serves each request with h in the calling goroutine, without
// a network: with Config.WebhookTransport = HandlerTransport(gatewayHandler) the simulator delivers its
// webhooks in-process. The answer's status and headers are kept, its body up to 64 KiB.
func HandlerTransport(h http.Handler) http.RoundTripper { return handlerTransport{h} }

type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body == nil {
		req.Body = http.NoBody
	}
	if req.Host == "" {
		req.Host = req.URL.Host
	}
	if req.RequestURI == "" {
		req.RequestURI = req.URL.RequestURI()
	}
	if req.RemoteAddr == "" {
		req.RemoteAddr = "127.0.0.1:0"
	}
	rec := &recorder{header: http.Header{}}
	t.h.ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	return &http.Response{
		Status:     strconv.Itoa(rec.status) + " " + http.StatusText(rec.status),
		StatusCode: rec.status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: rec.header, Body: io.NopCloser(bytes.NewReader(rec.body)),
		ContentLength: int64(len(rec.body)), Request: req,
	}, nil
}

// recorder is the ResponseWriter of HandlerTransport.
type recorder struct {
	header http.Header
	status int
	body   []byte
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	if room := maxAckBody - len(r.body); room > 0 {
		r.body = append(r.body, p[:min(len(p), room)]...)
	}
	return len(p), nil
}
