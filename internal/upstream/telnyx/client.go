package telnyx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultBaseURL is the production API root.
const DefaultBaseURL = "https://api.telnyx.com/v2"

// DefaultUserAgent is sent when Options.UserAgent is empty.
const DefaultUserAgent = "roomgraph"

const (
	// maxBodyBytes bounds what a success response may make us buffer: a page
	// of 250 rooms with embedded sessions is far below it, a runaway body is not.
	maxBodyBytes = 16 << 20
	// Error bodies are a few hundred bytes; anything longer is not an envelope.
	maxErrorBodyBytes = 1 << 20
	// Buffers grown past this are not pooled so one huge page does not pin memory.
	maxPooledBuffer = 1 << 20
)

// Route templates, the values of Call.Route and TransportError.Route. They are
// stable labels for metrics and traces.
const (
	RouteListSessions            = "GET /room_sessions"
	RouteListRoomSessions        = "GET /rooms/{room_id}/sessions"
	RouteGetSession              = "GET /room_sessions/{room_session_id}"
	RouteListSessionParticipants = "GET /room_sessions/{room_session_id}/participants"
	RouteListParticipants        = "GET /room_participants"
	RouteGetParticipant          = "GET /room_participants/{room_participant_id}"
	RouteListRooms               = "GET /rooms"
	RouteGetRoom                 = "GET /rooms/{room_id}"
	RouteCreateRoom              = "POST /rooms"
	RouteUpdateRoom              = "PATCH /rooms/{room_id}"
	RouteDeleteRoom              = "DELETE /rooms/{room_id}"
	RouteEndSession              = "POST /room_sessions/{room_session_id}/actions/end"
	RouteKickParticipants        = "POST /room_sessions/{room_session_id}/actions/kick"
	RouteMuteParticipants        = "POST /room_sessions/{room_session_id}/actions/mute"
	RouteUnmuteParticipants      = "POST /room_sessions/{room_session_id}/actions/unmute"
	RouteGenerateJoinClientToken = "POST /rooms/{room_id}/actions/generate_join_client_token"
	RouteRefreshClientToken      = "POST /rooms/{room_id}/actions/refresh_client_token"
)

// Options configure a Client. The zero value is usable.
type Options struct {
	// BaseURL is the API root; default DefaultBaseURL. It must be an absolute
	// http(s) URL without query, fragment or user info.
	BaseURL string
	// HTTPClient defaults to &http.Client{Transport: NewTransport()}. Leave its
	// Timeout at zero and bound calls with context deadlines instead.
	HTTPClient *http.Client
	// UserAgent defaults to DefaultUserAgent.
	UserAgent string
	// Observe, when set, is called exactly once per HTTP attempt after the
	// response body has been read and decoded (or the attempt failed). It runs
	// on the caller's goroutine, so it must be quick.
	Observe func(ctx context.Context, c Call)
	// Now is the clock used to turn an HTTP-date Retry-After into a duration;
	// default time.Now.
	Now func() time.Time
}

// Call describes one upstream HTTP exchange for traces and metrics. It never
// contains the API key.
type Call struct {
	Method   string        // "GET"
	Route    string        // template, e.g. "GET /rooms/{room_id}/sessions"
	Path     string        // escaped path relative to the base, e.g. "/rooms/6b1.../sessions"
	Query    string        // encoded query exactly as sent, "" when none
	Status   int           // 0 when no response arrived
	Duration time.Duration // from sending the request to the end of decoding
	Err      error         // what the method returned; nil on success
}

// Client calls the Telnyx Video Rooms API. It is safe for concurrent use and
// holds no credentials: each method takes the caller's API key.
type Client struct {
	base      string // scheme://host[/path], no trailing slash
	hostNames []string
	hc        *http.Client
	userAgent string
	observe   func(context.Context, Call)
	now       func() time.Time
	bufs      sync.Pool // *bytes.Buffer, reused across response reads
}

// New validates opts and returns a Client.
func New(opts Options) (*Client, error) {
	raw := opts.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("telnyx: invalid BaseURL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("telnyx: BaseURL must be an absolute http(s) URL, got %q", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil || u.Opaque != "" {
		return nil, errors.New("telnyx: BaseURL must not carry a query, fragment or user info")
	}
	c := &Client{
		base:      strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"),
		hostNames: []string{u.Host, u.Hostname()},
		hc:        opts.HTTPClient,
		userAgent: opts.UserAgent,
		observe:   opts.Observe,
		now:       opts.Now,
	}
	if c.hc == nil {
		c.hc = &http.Client{Transport: NewTransport()}
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// NewTransport returns a transport tuned for the gateway's fan-out: many
// concurrent requests to one host. It keeps up to 64 idle connections per host
// and does not cap active ones. It sets no ResponseHeaderTimeout because every
// call carries its own context deadline.
func NewTransport() *http.Transport {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		MaxConnsPerHost:       0,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// request is one prepared upstream call.
type request struct {
	method string
	route  string
	path   string // escaped, relative to base
	query  string // encoded
	body   []byte // nil: no body
	accept string
	secret string // a credential in the body (a refresh token), redacted like the key from every error
}

// errMissingData marks a 2xx body without a usable "data" member.
var errMissingData = errors.New("response has no data member")

// do performs one HTTP attempt. decode gets the body of a 2xx response (nil
// decode: the body is read and discarded); a decode error becomes a
// TransportError because a success status with an unusable body is not an
// answer we can act on.
func (c *Client) do(ctx context.Context, key string, r *request, decode func(body []byte) error) error {
	var d *decoder
	if decode != nil {
		d = &decoder{fn: func(body []byte) (any, error) { return nil, decode(body) }}
	}
	_, err := c.doValue(ctx, key, r, d)
	return err
}

// decoder makes a value of a 2xx body. A decoder with a key may be shared: when the body comes from a
// call shared by several callers (package coalesce), the value is made once for all of them, so it must
// be read-only for every caller (records are: nothing in the gateway writes to a decoded record).
type decoder struct {
	key any // comparable; nil: never shared
	fn  func(body []byte) (any, error)
}

// sharedBody is a response body that can share a decoded value (coalesce.Body); an interface here, so
// the client does not depend on the transport stack it runs over.
type sharedBody interface {
	ShareDecoded(key any, decode func(body []byte) (any, error)) (any, error)
}

// doValue performs one HTTP attempt and returns the decoded value of a 2xx body.
func (c *Client) doValue(ctx context.Context, key string, r *request, d *decoder) (any, error) {
	start := time.Now()
	status, v, err := c.attempt(ctx, key, r, d)
	if c.observe != nil {
		c.observe(ctx, Call{
			Method:   r.method,
			Route:    r.route,
			Path:     r.path,
			Query:    r.query,
			Status:   status,
			Duration: time.Since(start),
			Err:      err,
		})
	}
	return v, err
}

func (c *Client) attempt(ctx context.Context, key string, r *request, d *decoder) (int, any, error) {
	target := c.base + r.path
	if r.query != "" {
		target += "?" + r.query
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return 0, nil, c.transportError(ctx, r, 0, err, key)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	accept := r.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", c.userAgent)

	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, c.transportError(ctx, r, 0, err, key)
	}
	defer resp.Body.Close()
	status := resp.StatusCode

	ok := status >= 200 && status <= 299
	if sb, shared := resp.Body.(sharedBody); shared && ok && d != nil && d.key != nil {
		// A shared call's bytes are already in memory: decode them once for every caller of the call.
		if resp.ContentLength > maxBodyBytes {
			return status, nil, c.transportError(ctx, r, status, fmt.Errorf("response body exceeds %d bytes", maxBodyBytes), key)
		}
		if resp.ContentLength > 0 {
			if ct := resp.Header.Get("Content-Type"); ct != "" && !isJSONContentType(ct) {
				return status, nil, c.transportError(ctx, r, status, fmt.Errorf("unexpected content type %q", ct), key)
			}
		}
		v, err := sb.ShareDecoded(d.key, d.fn)
		if err != nil {
			return status, nil, c.transportError(ctx, r, status, fmt.Errorf("decode response: %w", err), key)
		}
		return status, v, nil
	}
	limit := int64(maxBodyBytes)
	if !ok {
		limit = maxErrorBodyBytes
	}
	buf := c.getBuffer()
	defer c.putBuffer(buf)
	if resp.ContentLength > 0 && resp.ContentLength <= limit {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	_, readErr := buf.ReadFrom(io.LimitReader(resp.Body, limit+1))
	tooLarge := int64(buf.Len()) > limit

	if !ok {
		// The status alone is an answer; a body we could not read or parse
		// only costs us the details.
		var b []byte
		if readErr == nil && !tooLarge {
			b = buf.Bytes()
		}
		return status, nil, c.upstreamError(resp, b, key, r.secret)
	}
	if readErr != nil {
		return status, nil, c.transportError(ctx, r, status, readErr, key)
	}
	if tooLarge {
		return status, nil, c.transportError(ctx, r, status, fmt.Errorf("response body exceeds %d bytes", limit), key)
	}
	if d == nil {
		return status, nil, nil
	}
	if buf.Len() > 0 {
		if ct := resp.Header.Get("Content-Type"); ct != "" && !isJSONContentType(ct) {
			return status, nil, c.transportError(ctx, r, status, fmt.Errorf("unexpected content type %q", ct), key)
		}
	}
	v, err := d.fn(buf.Bytes())
	if err != nil {
		return status, nil, c.transportError(ctx, r, status, fmt.Errorf("decode response: %w", err), key)
	}
	return status, v, nil
}

func (c *Client) getBuffer() *bytes.Buffer {
	if b, ok := c.bufs.Get().(*bytes.Buffer); ok {
		return b
	}
	return new(bytes.Buffer)
}

func (c *Client) putBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	c.bufs.Put(b)
}

// isJSONContentType accepts application/json and any +json media type. An
// absent header is tolerated by the caller; a present, different one means the
// body came from something other than the API (a proxy error page, say).
func isJSONContentType(ct string) bool {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	return strings.EqualFold(ct, "application/json") ||
		(len(ct) > 5 && strings.EqualFold(ct[len(ct)-5:], "+json"))
}

func (c *Client) transportError(ctx context.Context, r *request, status int, err error, key string) *TransportError {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		// url.Error's message repeats the full URL; keep only its cause.
		err = urlErr.Err
	}
	timeout := errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded)
	var netErr net.Error
	if !timeout && errors.As(err, &netErr) && netErr.Timeout() {
		timeout = true
	}
	secrets := append([]string{key, r.secret, c.base}, c.hostNames...)
	return &TransportError{
		Route:   r.route,
		Timeout: timeout,
		Err:     err,
		Status:  status,
		msg:     redact(describeTransport(err, timeout), secrets...),
	}
}

// wireError is one error object. Code is normally a string of digits; a
// number is tolerated.
type wireError struct {
	Code   wireCode `json:"code"`
	Title  string   `json:"title"`
	Detail string   `json:"detail"`
	Source struct {
		Pointer   string `json:"pointer"`
		Parameter string `json:"parameter"`
	} `json:"source"`
}

// wireErrorBody accepts every error shape the spec mentions: the
// {"errors":[...]} envelope, a bare error object, and {"message":...,"success":false}.
type wireErrorBody struct {
	Errors []wireError `json:"errors"`
	wireError
	Message string `json:"message"`
}

type wireCode string

func (c *wireCode) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = wireCode(s)
		return nil
	}
	if len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) {
		*c = wireCode(b)
	}
	return nil
}

// upstreamError decodes an error answer. The key and secret (a credential the request carried in its body,
// or "") are redacted from every string taken from the body: an upstream may echo what it was sent.
func (c *Client) upstreamError(resp *http.Response, body []byte, key, secret string) *Error {
	e := &Error{
		StatusCode:         resp.StatusCode,
		RetryAfter:         retryAfter(resp.Header, c.now),
		RateLimitRemaining: -1,
	}
	if v := resp.Header.Get("X-Ratelimit-Remaining"); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			e.RateLimitRemaining = n
		}
	}
	switch strings.ToLower(strings.TrimSpace(resp.Header.Get("X-Should-Retry"))) {
	case "true":
		e.ShouldRetry = True
	case "false":
		e.ShouldRetry = False
	}

	var w wireErrorBody
	if len(body) > 0 && json.Unmarshal(body, &w) == nil {
		switch {
		case len(w.Errors) > 0:
			e.Errors = make([]ErrorDetail, len(w.Errors))
			for i := range w.Errors {
				e.Errors[i] = w.Errors[i].detail(key, secret)
			}
		case w.Code != "" || w.Title != "" || w.Detail != "":
			e.Errors = []ErrorDetail{w.wireError.detail(key, secret)}
		case w.Message != "":
			e.Detail = redact(w.Message, key, secret)
		}
	}
	if len(e.Errors) > 0 {
		first := e.Errors[0]
		e.Code, e.Title, e.Detail = first.Code, first.Title, first.Detail
		e.SourceParameter, e.SourcePointer = first.SourceParameter, first.SourcePointer
	}
	if e.Title == "" {
		e.Title = http.StatusText(resp.StatusCode)
	}
	return e
}

func (w *wireError) detail(key, secret string) ErrorDetail {
	return ErrorDetail{
		Code:            redact(string(w.Code), key, secret),
		Title:           redact(w.Title, key, secret),
		Detail:          redact(w.Detail, key, secret),
		SourceParameter: redact(w.Source.Parameter, key, secret),
		SourcePointer:   redact(w.Source.Pointer, key, secret),
	}
}

// retryAfter reads Retry-After-Ms (milliseconds, may be fractional), then
// Retry-After (seconds, may be fractional, or an HTTP date), the order the
// SDKs use. Negative or past values give 0.
func retryAfter(h http.Header, now func() time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e12 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s > 0 && s < 1e9 {
			return time.Duration(s * float64(time.Second))
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now()); d > 0 {
			return d
		}
	}
	return 0
}
