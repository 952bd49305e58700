package resilience

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// maxReplayBody bounds what is buffered of a response that is about to be
// retried, so it can still be returned if the retry never happens. Error
// bodies are a few hundred bytes; a larger one is returned as the final answer
// instead of being retried.
const maxReplayBody = 256 << 10

// Attempt describes one upstream HTTP attempt for OnAttempt. It never holds
// headers, so never a credential.
type Attempt struct {
	Method, Path, RawQuery string // from req.URL; Path is escaped
	Number                 int    // 1 for the first attempt
	Status                 int    // 0 when no response
	Err                    error
	Duration               time.Duration // sending the request to receiving the response headers
	Waited                 time.Duration // time spent waiting (backoff, rate budget, slot) before this attempt
}

// Hooks are optional observers. They are called synchronously on the
// request's goroutine (OnStateChange under the breaker's lock), so they must
// be cheap and must not call into the Transport except BreakerState.
type Hooks struct {
	OnAttempt     func(ctx context.Context, a Attempt)
	OnStateChange func(from, to string) // "closed", "open", "half-open"
	// OnHold is called for each answer that holds its credential back:
	// reason is HoldTooManyRequests or HoldWindowExhausted, capped says the
	// upstream asked for a longer wait than MaxRetryAfter.
	OnHold func(reason string, capped bool)
	// OnProbe is called with the outcome of each probe after a capped hold:
	// ProbeCleared, ProbeHeldAgain or ProbeNoAnswer.
	OnProbe func(outcome string)
	// OnShareHold is called for each hold an upstream answer set, with the
	// SHA-256 of the credential's Authorization header (never the header),
	// the instant it holds until (already capped by MaxRetryAfter) and
	// whether it was capped: what other replicas need to hold the credential
	// back until the same instant (Transport.Hold). It must not block.
	OnShareHold func(credential [sha256.Size]byte, until time.Time, capped bool)
}

// Transport is the resilient http.RoundTripper. Use one per upstream; it is
// safe for concurrent use.
type Transport struct {
	base    http.RoundTripper
	cfg     Config
	hooks   Hooks
	slots   chan struct{}
	breaker breaker
	budgets budgetBook
}

// New wraps base (http.DefaultTransport when nil). A zero Config field takes
// its default; New panics when cfg.Validate fails, as that is a programming
// error.
func New(base http.RoundTripper, cfg Config, hooks Hooks) *Transport {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	if base == nil {
		base = http.DefaultTransport
	}
	cfg = cfg.Defaults()
	return &Transport{
		base:  base,
		cfg:   cfg,
		hooks: hooks,
		slots: make(chan struct{}, cfg.MaxConcurrent),
		breaker: breaker{
			threshold: cfg.BreakerFailures,
			openFor:   cfg.BreakerOpenFor,
			now:       cfg.Now,
			onChange:  hooks.OnStateChange,
		},
		budgets: budgetBook{maxWait: cfg.MaxRetryAfter},
	}
}

// BreakerState is "closed", "open" or "half-open". An open breaker whose
// cool-down has passed still says "open" until the next request probes.
func (t *Transport) BreakerState() string { return t.breaker.stateName() }

// RateLimit is the rate-limit state of the credential sent as authorization
// (the whole Authorization header value, e.g. "Bearer KEY"). The value is
// only hashed, never kept.
func (t *Transport) RateLimit(authorization string) Hold {
	c := credential{raw: authorization}
	return t.budgets.state(&c)
}

// Hold holds the credential whose Authorization header hashes (SHA-256) to
// credential back until until, as an upstream answer seen elsewhere (another
// replica) did; capped says that answer asked for longer than MaxRetryAfter,
// so that once until passes one request probes first. until is capped here
// too, so that no message can hold a credential back for longer than one
// answer could.
func (t *Transport) Hold(credential [sha256.Size]byte, until time.Time, capped bool) {
	now := t.cfg.Now()
	if !until.After(now) {
		return
	}
	if limit := now.Add(t.cfg.MaxRetryAfter); until.After(limit) {
		until, capped = limit, true
	}
	c := credentialOfHash(credential)
	t.budgets.hold(&c, until, capped, now, nil)
}

// RateLimitedCredentials counts the credentials held back now: waiting for
// their instant, or for a probe's answer.
func (t *Transport) RateLimitedCredentials() int { return t.budgets.held(t.cfg.Now()) }

// CloseIdleConnections forwards to the base transport, so that
// http.Client.CloseIdleConnections keeps working through the wrapper.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// RoundTrip sends req with the policies of the package doc. It returns the
// upstream's last response as is, whatever its status; its error is either
// the base transport's (or the context's) or an *Error when the Transport
// refused to call the upstream at all.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	maxAttempts := 1
	if isIdempotent(req.Method) && (req.Body == nil || req.Body == http.NoBody || req.GetBody != nil) {
		maxAttempts += t.cfg.MaxRetries
	}
	cred := credential{raw: req.Header.Get("Authorization")}

	var (
		last    *http.Response // a retried response, body buffered, kept to return if no retry happens
		lastErr error
		delay   time.Duration // own wait before the next attempt (backoff or server-asked)
		claim   *probe        // this request probes its credential's capped hold; settled by its answer
	)
	defer func() {
		// Every way out without an answer that settled the probe (refused by the breaker or for a slot, a
		// transport error, a panic below) leaves the probe to the next request.
		if claim != nil {
			t.budgets.release(claim, false, t.cfg.Now())
			t.probed(ProbeNoAnswer)
		}
	}()
	waitStart := t.cfg.Now()
	for n := 1; ; n++ {
		if refused, rest := t.breaker.refuses(); refused {
			return giveUp(req, n, last, lastErr, &Error{Kind: KindCircuitOpen, RetryAfter: rest})
		}
		var err error
		if claim, err = t.wait(ctx, &cred, delay); err != nil {
			return giveUp(req, n, last, lastErr, err)
		}
		probe, ok, rest := t.breaker.allow()
		if !ok {
			return giveUp(req, n, last, lastErr, &Error{Kind: KindCircuitOpen, RetryAfter: rest})
		}
		if err := t.acquire(ctx); err != nil {
			t.breaker.record(probe, outcomeIgnored)
			return giveUp(req, n, last, lastErr, err)
		}

		areq, cancel := t.attemptRequest(req)
		if n > 1 && req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
			body, err := req.GetBody()
			if err != nil {
				cancel()
				t.release()
				t.breaker.record(probe, outcomeIgnored)
				return last, lastErr
			}
			if areq == req {
				areq = req.WithContext(ctx)
			}
			areq.Body = body
		}
		start := t.cfg.Now()
		resp, err := t.base.RoundTrip(areq)
		end := t.cfg.Now()
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		if t.hooks.OnAttempt != nil {
			t.hooks.OnAttempt(ctx, Attempt{
				Method:   req.Method,
				Path:     req.URL.EscapedPath(),
				RawQuery: req.URL.RawQuery,
				Number:   n,
				Status:   status,
				Err:      err,
				Duration: end.Sub(start),
				Waited:   start.Sub(waitStart),
			})
		}

		if err != nil {
			cancel()
			t.release()
			if claim != nil {
				t.budgets.release(claim, false, end)
				t.probed(ProbeNoAnswer)
				claim = nil
			}
			if ctx.Err() != nil {
				// The caller's own cancellation or deadline: not the upstream's fault.
				t.breaker.record(probe, outcomeIgnored)
				return nil, err
			}
			t.breaker.record(probe, outcomeFailure)
			if n >= maxAttempts {
				return nil, err
			}
			last, lastErr = nil, err
			delay = t.backoff(n - 1)
			waitStart = t.cfg.Now()
			continue
		}

		t.noteRateLimit(&cred, resp, end, claim)
		claim = nil
		if status >= 500 || status == http.StatusRequestTimeout {
			t.breaker.record(probe, outcomeFailure)
		} else {
			t.breaker.record(probe, outcomeSuccess)
		}
		if n >= maxAttempts || !shouldRetry(resp) {
			return t.keep(resp, cancel), nil
		}
		buffered, ok := bufferBody(resp)
		if !ok {
			// Too large to keep for later: this answer is final.
			return t.keep(buffered, cancel), nil
		}
		cancel()
		t.release()
		last, lastErr = buffered, nil
		asked := min(serverDelay(resp.Header, t.cfg.Now), t.cfg.MaxRetryAfter)
		if status == http.StatusTooManyRequests {
			// The credential's budget (set by noteRateLimit) already holds
			// every request until the shared instant; adding jitter here
			// would split them up again.
			delay = 0
		} else {
			delay = max(t.backoff(n-1), asked)
		}
		waitStart = t.cfg.Now()
	}
}

// attemptRequest bounds one attempt by AttemptTimeout. When the caller's
// deadline comes first anyway, the request goes as is: a timer context per
// attempt would only cost allocations.
func (t *Transport) attemptRequest(req *http.Request) (*http.Request, context.CancelFunc) {
	ctx := req.Context()
	if dl, ok := ctx.Deadline(); ok && dl.Sub(t.cfg.Now()) <= t.cfg.AttemptTimeout {
		return req, noCancel
	}
	actx, cancel := context.WithTimeout(ctx, t.cfg.AttemptTimeout)
	return req.WithContext(actx), cancel
}

func noCancel() {}

// giveUp ends the request before attempt n: the first attempt reports why,
// a retry returns what the previous attempt got, unless the caller cancelled.
func giveUp(req *http.Request, n int, last *http.Response, lastErr, why error) (*http.Response, error) {
	if n == 1 {
		closeBody(req)
		return nil, why
	}
	if errors.Is(why, context.Canceled) {
		return nil, why
	}
	return last, lastErr
}

func isIdempotent(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == ""
}

// shouldRetry reads the status and x-should-retry; the caller has checked the
// method and the attempt count.
func shouldRetry(resp *http.Response) bool {
	switch strings.ToLower(strings.TrimSpace(headerValue(resp.Header, "X-Should-Retry"))) {
	case "false":
		return false
	case "true":
		return true
	}
	s := resp.StatusCode
	return s == http.StatusRequestTimeout || s == http.StatusTooManyRequests || s >= 500
}

// wait blocks until the attempt's own delay has passed and the credential's
// budget allows a call. It fails, without waiting, when that moment is not
// before the context's deadline. After a capped hold, it returns the claim of
// the one request that probes; the others wait for the probe's answer, until
// their deadline at most.
func (t *Transport) wait(ctx context.Context, cred *credential, delay time.Duration) (*probe, error) {
	now := t.cfg.Now()
	own := now.Add(delay)
	for {
		a := t.budgets.admit(cred, now, !own.After(now))
		target, byBudget := own, false
		if a.until.After(target) {
			target, byBudget = a.until, true
		}
		if target.After(now) {
			if dl, ok := ctx.Deadline(); ok && !target.Before(dl) {
				if byBudget {
					// No context error inside: the deadline has not passed, and a
					// caller must not mistake this for a timeout.
					return nil, &Error{Kind: KindRateLimited, RetryAfter: target.Sub(now)}
				}
				return nil, context.DeadlineExceeded
			}
			if err := t.cfg.Sleep(ctx, target.Sub(now)); err != nil {
				return nil, err
			}
		} else if a.probing != nil {
			select {
			case <-a.probing:
			case <-ctx.Done():
				if errors.Is(ctx.Err(), context.DeadlineExceeded) {
					// The rate limit kept this request waiting until its deadline.
					return nil, &Error{Kind: KindRateLimited, Err: ctx.Err()}
				}
				return nil, ctx.Err()
			}
		} else {
			return a.claim, nil
		}
		// Another response may have moved the budget while we waited.
		now = t.cfg.Now()
	}
}

// acquire takes a concurrency slot, waiting at most MaxQueueWait and never
// past the context's deadline.
func (t *Transport) acquire(ctx context.Context) error {
	select {
	case t.slots <- struct{}{}:
		return nil
	default:
	}
	wait := t.cfg.MaxQueueWait
	var cause error
	if dl, ok := ctx.Deadline(); ok {
		if rest := dl.Sub(t.cfg.Now()); rest < wait {
			wait, cause = rest, context.DeadlineExceeded
		}
	}
	if wait <= 0 {
		return &Error{Kind: KindBusy, Err: cause}
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case t.slots <- struct{}{}:
		return nil
	case <-timer.C:
		return &Error{Kind: KindBusy, Err: cause}
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return &Error{Kind: KindBusy, Err: context.DeadlineExceeded}
		}
		return ctx.Err()
	}
}

func (t *Transport) release() { <-t.slots }

// backoff is the full-jitter delay before retry n (0-based).
func (t *Transport) backoff(n int) time.Duration {
	ceiling := t.cfg.BaseDelay
	for i := 0; i < n && ceiling < t.cfg.MaxDelay; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, t.cfg.MaxDelay)
	return time.Duration(t.cfg.Rand() * float64(ceiling))
}

// noteRateLimit holds the credential after a 429 or an exhausted window, for
// at most MaxRetryAfter, and settles the probe claim p (nil: not a probe)
// with the answer.
func (t *Transport) noteRateLimit(cred *credential, resp *http.Response, now time.Time, p *probe) {
	var (
		wait   time.Duration
		reason string
	)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		wait, reason = serverDelay(resp.Header, t.cfg.Now), HoldTooManyRequests
	case isZero(headerValue(resp.Header, "X-Ratelimit-Remaining")):
		wait, reason = parseSeconds(headerValue(resp.Header, "X-Ratelimit-Reset")), HoldWindowExhausted
	default:
		if p != nil {
			t.budgets.release(p, true, now)
			t.probed(ProbeCleared)
		}
		return
	}
	if wait <= 0 {
		wait = t.cfg.DefaultRetryAfter
	}
	capped := wait > t.cfg.MaxRetryAfter
	if capped {
		wait = t.cfg.MaxRetryAfter
	}
	t.budgets.hold(cred, now.Add(wait), capped, now, p)
	if t.hooks.OnShareHold != nil {
		t.hooks.OnShareHold(cred.key(), now.Add(wait), capped)
	}
	if t.hooks.OnHold != nil {
		t.hooks.OnHold(reason, capped)
	}
	if p != nil {
		t.probed(ProbeHeldAgain)
	}
}

func (t *Transport) probed(outcome string) {
	if t.hooks.OnProbe != nil {
		t.hooks.OnProbe(outcome)
	}
}

func isZero(v string) bool {
	if v == "" {
		return false
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return err == nil && n == 0
}

// headerValue reads a canonical key without Header.Get's canonicalisation.
func headerValue(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// serverDelay reads Retry-After-Ms (milliseconds, may be fractional), then
// Retry-After (seconds, may be fractional, or an HTTP date), the order the
// Telnyx SDKs use. Absent, negative or past values give 0.
func serverDelay(h http.Header, now func() time.Time) time.Duration {
	if v := strings.TrimSpace(headerValue(h, "Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e12 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(headerValue(h, "Retry-After"))
	if v == "" {
		return 0
	}
	if d := parseSeconds(v); d > 0 {
		return d
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now()), 0)
	}
	return 0
}

func parseSeconds(v string) time.Duration {
	s, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || s <= 0 || s >= 1e9 {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}

// bufferBody reads and closes resp.Body so the connection and slot are freed
// during the backoff, and returns a copy of resp that can still be handed to
// the caller. ok is false when the body was larger than maxReplayBody; the
// response returned then still streams the rest of the original body.
func bufferBody(resp *http.Response) (*http.Response, bool) {
	var buf bytes.Buffer
	if resp.ContentLength > 0 && resp.ContentLength <= maxReplayBody {
		buf.Grow(int(resp.ContentLength))
	}
	// A read error leaves a short body: the status is still the answer.
	_, _ = buf.ReadFrom(io.LimitReader(resp.Body, maxReplayBody+1))
	if buf.Len() > maxReplayBody {
		cp := *resp
		cp.Body = readCloser{io.MultiReader(&buf, resp.Body), resp.Body}
		return &cp, false
	}
	resp.Body.Close()
	cp := *resp
	cp.Body = io.NopCloser(bytes.NewReader(buf.Bytes()))
	cp.ContentLength = int64(buf.Len())
	return &cp, true
}

type readCloser struct {
	io.Reader
	io.Closer
}

// keep hands the final response to the caller. Its slot and attempt context
// live until the body is closed or read to the end, because the body is still
// being transferred from the upstream.
func (t *Transport) keep(resp *http.Response, cancel context.CancelFunc) *http.Response {
	if resp.Body == nil || resp.Body == http.NoBody {
		cancel()
		t.release()
		return resp
	}
	resp.Body = &heldBody{ReadCloser: resp.Body, t: t, cancel: cancel}
	return resp
}

type heldBody struct {
	io.ReadCloser
	t      *Transport
	cancel context.CancelFunc
	done   atomic.Bool
}

func (b *heldBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.finish()
	}
	return n, err
}

func (b *heldBody) Close() error {
	err := b.ReadCloser.Close()
	b.finish()
	return err
}

func (b *heldBody) finish() {
	if b.done.CompareAndSwap(false, true) {
		b.cancel()
		b.t.release()
	}
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
