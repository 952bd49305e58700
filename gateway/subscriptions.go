package gateway

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/roomgraph/roomgraph/internal/apperr"
	"github.com/roomgraph/roomgraph/internal/exec/stream"
	"github.com/roomgraph/roomgraph/internal/live"
	"github.com/roomgraph/roomgraph/internal/telemetry"
)

// Subscriptions (docs/subscriptions.md): gqlgen's WebSocket and SSE transports on the GraphQL endpoint,
// each subscription paced by package stream (every event resolved with fresh loaders and a deadline of
// its own), bounded per connection, per credential and in all, and ended cleanly by Gateway.Close.

// websocketCloseGoingAway is the close code of a connection refused while the server shuts down.
const websocketCloseGoingAway = 1001

// websocketCloseForbidden is graphql-transport-ws's close code for a connection_init that is refused.
const websocketCloseForbidden = 4403

// subscriptions bounds and tracks the gateway's subscription operations.
type subscriptions struct {
	cfg     Config
	hub     *live.Hub
	metrics *telemetry.Metrics

	mu      sync.Mutex
	active  int                       // subscription operations admitted and not yet ended
	perKey  map[[sha256.Size]byte]int // by the hash of the credential (forward mode); never the key itself
	conns   map[*wsConn]struct{}      // open WebSocket connections
	closing bool
	idle    chan struct{} // closed when active reaches 0 while closing
}

func newSubscriptions(cfg Config, hub *live.Hub, metrics *telemetry.Metrics) *subscriptions {
	return &subscriptions{cfg: cfg, hub: hub, metrics: metrics, perKey: map[[sha256.Size]byte]int{}, conns: map[*wsConn]struct{}{}}
}

// wsConn is one WebSocket connection: its credential from connection_init (when its upgrade request had
// none), and its subscription count.
type wsConn struct {
	credential string
	cancel     context.CancelFunc
	upgrade    *upgrade
	subs       int // guarded by subscriptions.mu
}

// upgrade is what the gateway knows of a WebSocket upgrade request beyond gqlgen: its headers (the
// credential of forward mode), whether it was accepted, and whether the connection is closing (read
// failed: the client left or stopped answering pings; or a close frame was sent).
type upgrade struct {
	headers  http.Header
	accepted bool // set by the accepting goroutine, read by checkUpgrade's after ServeHTTP returns
	closed   atomic.Bool
}

type upgradeKey struct{}

func upgradeFrom(ctx context.Context) *upgrade {
	u, _ := ctx.Value(upgradeKey{}).(*upgrade)
	return u
}

// wsImplementation is gqlgen's coder/websocket adapter, counting the connections it accepts and noting,
// on the upgrade, when one starts closing: what tells a subscription whose client left from one whose
// client completed it.
type wsImplementation struct {
	transport.CoderWebsocketImplementation
	metrics *telemetry.Metrics
}

func (w wsImplementation) Accept(rw http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	conn, err := w.CoderWebsocketImplementation.Accept(rw, r, opts)
	if err != nil {
		return nil, err
	}
	u := upgradeFrom(r.Context())
	if u == nil {
		return conn, nil
	}
	u.accepted = true
	w.metrics.WebSocketOpened()
	return &trackedConn{WebsocketConn: conn, upgrade: u}, nil
}

// trackedConn notes when its connection starts closing. It keeps the adapter's read limit and deadline.
type trackedConn struct {
	transport.WebsocketConn
	upgrade *upgrade
}

func (c *trackedConn) NextReader() (int, io.Reader, error) {
	t, r, err := c.WebsocketConn.NextReader()
	if err != nil {
		c.upgrade.closed.Store(true)
	}
	return t, r, err
}

func (c *trackedConn) WriteClose(code int, message string) error {
	c.upgrade.closed.Store(true)
	return c.WebsocketConn.WriteClose(code, message)
}

func (c *trackedConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

func (c *trackedConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

type wsConnKey struct{}

func wsConnFrom(ctx context.Context) *wsConn {
	c, _ := ctx.Value(wsConnKey{}).(*wsConn)
	return c
}

// websocket is the WebSocket transport: graphql-transport-ws (and the legacy graphql-ws subprotocol,
// which gqlgen serves too), with the connection_init timeout, keepalive, and the credential of forward
// mode taken from the upgrade request or the connection_init payload. The origin was checked before
// (checkUpgrade), so the library's own same-origin check is off.
func (s *subscriptions) websocket() transport.Websocket {
	return transport.Websocket{
		Implementation: wsImplementation{
			CoderWebsocketImplementation: transport.CoderWebsocketImplementation{AcceptOptions: coderws.AcceptOptions{InsecureSkipVerify: true}},
			metrics:                      s.metrics,
		},
		InitTimeout: s.cfg.WebSocketInitTimeout,
		// graphql-transport-ws: a ping every interval, and a connection that answers no pong for two
		// intervals is closed; the legacy graphql-ws gets its "ka" messages instead.
		PingPongInterval:      s.cfg.KeepAliveInterval,
		KeepAlivePingInterval: s.cfg.KeepAliveInterval,
		PayloadReadLimit:      &s.cfg.MaxBodyBytes,
		InitFunc:              s.init,
	}
}

// init accepts a connection_init: in forward mode the connection needs a credential, from the upgrade
// request's Authorization or the payload's ("Authorization": "Bearer <key>"); one in the payload that is
// not a bearer token refuses the connection. A connection opened while the server shuts down is refused.
func (s *subscriptions) init(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	st := stateFrom(ctx)
	if st != nil {
		// The connection's own log line; each operation on it is observed on its own.
		st.observed, st.opType, st.outcome = true, "websocket", telemetry.OutcomeOK
	}
	// The reason goes in the close frame (graphql-transport-ws has no message for it): at most 123 bytes.
	refuse := func(code int, reason string) (context.Context, *transport.InitPayload, error) {
		if st != nil {
			st.outcome = telemetry.OutcomeRefused
		}
		return transport.AppendCloseReason(transport.WithWebsocketCloseCode(ctx, code), reason), nil, errors.New(reason)
	}
	c := &wsConn{upgrade: upgradeFrom(ctx)}
	if v := payload.Authorization(); v != "" {
		c.credential = bearer(v)
		if c.credential == "" {
			return refuse(websocketCloseForbidden, "connection_init: Authorization must be Bearer <your Telnyx API key>")
		}
	}
	if s.cfg.Auth == AuthForward && c.credential == "" {
		if h := wsHeaders(ctx); bearer(h.Get("Authorization")) == "" {
			return refuse(websocketCloseForbidden, "send your Telnyx API key: Authorization: Bearer <key>, on the upgrade or in connection_init")
		}
	}
	ctx, c.cancel = context.WithCancel(context.WithValue(ctx, wsConnKey{}, c))
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		c.cancel()
		return refuse(websocketCloseGoingAway, "the server is shutting down")
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	context.AfterFunc(ctx, func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	})
	return ctx, nil, nil
}

// wsHeaders returns the headers of the upgrade request (kept in its context by checkUpgrade).
func wsHeaders(ctx context.Context) http.Header {
	if u := upgradeFrom(ctx); u != nil {
		return u.headers
	}
	return nil
}

// credentialOf is the credential of an operation in forward mode: its request's bearer token, or its
// WebSocket connection's from connection_init.
func credentialOf(ctx context.Context, headers http.Header) string {
	if key := bearer(headers.Get("Authorization")); key != "" {
		return key
	}
	if c := wsConnFrom(ctx); c != nil {
		return c.credential
	}
	return ""
}

// admit counts a new subscription operation against the bounds, or refuses it. The caller gives the slots
// back with release when ctx ends: after gqlgen has sent the operation's last message (its complete, over
// WebSocket; the end of the stream, over SSE). release first calls record, under the lock that Close takes
// to begin shutting down, with whether it has.
func (s *subscriptions) admit(ctx context.Context, key string) (release func(record func(closing bool)), err error) {
	c := wsConnFrom(ctx)
	var h [sha256.Size]byte
	perKey := s.cfg.Auth == AuthForward
	if perKey {
		h = sha256.Sum256([]byte(key))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		return nil, apperr.Errorf(apperr.ShuttingDown, "the server is shutting down: subscribe again in a moment")
	case c != nil && c.subs >= s.cfg.MaxSubscriptionsPerConnection:
		return nil, apperr.Errorf(apperr.TooManySubscriptions, "this connection has %d subscriptions, the most it may have: end one first", c.subs)
	case perKey && s.perKey[h] >= s.cfg.MaxSubscriptionsPerCredential:
		return nil, apperr.Errorf(apperr.TooManySubscriptions, "this API key has %d subscriptions, the most it may have: end one first", s.perKey[h])
	}
	s.active++
	if c != nil {
		c.subs++
	}
	if perKey {
		s.perKey[h]++
	}
	return func(record func(closing bool)) {
		s.mu.Lock()
		defer s.mu.Unlock()
		record(s.closing)
		s.active--
		if c != nil {
			c.subs--
		}
		if perKey {
			if s.perKey[h]--; s.perKey[h] == 0 {
				delete(s.perKey, h)
			}
		}
		if s.closing && s.active == 0 && s.idle != nil {
			close(s.idle)
			s.idle = nil
		}
	}, nil
}

// operation runs one subscription operation: admitted against the bounds, its resolver paced through a
// gate, each event resolved in the scope the resolver made it in (fresh loaders, a deadline of its own),
// and, when the resolver ends the stream with an error (SLOW_CONSUMER), that error as the last response.
// It is counted in the subscription metrics: refused (and why), or started, each answer, and why it ended.
func (s *subscriptions) operation(ctx context.Context, key string, next graphql.OperationHandler, newScope func() stream.Scope,
	present graphql.ErrorPresenterFunc) graphql.ResponseHandler {
	conn := wsConnFrom(ctx)
	tr := telemetry.TransportSSE
	if conn != nil {
		tr = telemetry.TransportWebSocket
	}
	release, err := s.admit(ctx, key)
	if err != nil {
		s.metrics.SubscriptionRefused(tr, refusedReason(apperr.CodeOf(err)))
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{present(ctx, err)}})
	}
	gate := stream.NewGate(newScope)
	respond := next(stream.With(ctx, gate))
	if !gate.Attached() {
		// Refused by its resolver: gqlgen's one answer with the errors.
		context.AfterFunc(ctx, func() { release(func(bool) {}) })
		counted := false
		return func(ctx context.Context) *graphql.Response {
			resp := respond(ctx)
			if resp != nil && !counted {
				counted = true
				s.metrics.SubscriptionRefused(tr, refusedReason(responseCode(resp)))
			}
			return resp
		}
	}
	s.metrics.SubscriptionStarted(tr)
	// serverEnded: the stream ended while its client was still there (the resolver closed its pipe).
	var serverEnded atomic.Bool
	context.AfterFunc(ctx, func() {
		release(func(closing bool) {
			s.metrics.SubscriptionEnded(tr, endReason(gate.Err(), closing, serverEnded.Load(), conn))
		})
	})
	ended := false
	return func(ctx context.Context) *graphql.Response {
		if ended {
			return nil
		}
		scope, ok := gate.Next(ctx)
		if !ok {
			ended = true
			return nil
		}
		ectx, cancel := scope.Context(ctx)
		defer cancel()
		resp := respond(ectx)
		if resp == nil {
			ended = true
			serverEnded.Store(ctx.Err() == nil)
			if err := gate.Err(); err != nil {
				return &graphql.Response{Errors: gqlerror.List{present(ctx, err)}}
			}
			return nil
		}
		s.metrics.SubscriptionDelivered(tr)
		return resp
	}
}

// endReason is why a subscription that began ended (roomgraph_subscriptions_ended_total): the error its
// stream ended with, whether the server was shutting down, whether the stream ended while its client was
// there, and its WebSocket connection (nil over SSE).
func endReason(err error, closing, serverEnded bool, conn *wsConn) string {
	switch {
	case errors.Is(err, live.ErrSlowConsumer):
		return telemetry.SubscriptionSlowConsumer
	case closing:
		return telemetry.SubscriptionShutdown
	case err != nil:
		return telemetry.SubscriptionError
	case serverEnded:
		return telemetry.SubscriptionComplete
	case conn != nil && (conn.upgrade == nil || !conn.upgrade.closed.Load()):
		return telemetry.SubscriptionComplete // the client sent complete, its connection stays
	}
	return telemetry.SubscriptionClientGone
}

// refusedReason is the reason label of a refusal with code.
func refusedReason(code apperr.Code) string {
	switch code {
	case apperr.TooManySubscriptions:
		return telemetry.SubscriptionRefusedLimit
	case apperr.ShuttingDown:
		return telemetry.SubscriptionRefusedShutdown
	}
	return telemetry.SubscriptionRefusedError
}

// responseCode is the code of a response's first error.
func responseCode(resp *graphql.Response) apperr.Code {
	if len(resp.Errors) == 0 {
		return ""
	}
	c, _ := resp.Errors[0].Extensions["code"].(string)
	return apperr.Code(c)
}

// close refuses new subscriptions and connections, ends every subscription (each completes), waits until
// gqlgen has sent every last message or ctx ends, then closes the WebSocket connections.
func (s *subscriptions) close(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	var idle chan struct{}
	if s.active > 0 {
		if s.idle == nil {
			s.idle = make(chan struct{})
		}
		idle = s.idle
	}
	s.mu.Unlock()
	s.hub.Close()
	var err error
	if idle != nil {
		select {
		case <-idle:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	s.mu.Lock()
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.cancel() // gqlgen closes the socket (1000)
	}
	return err
}

// checkUpgrade guards WebSocket upgrade requests before gqlgen accepts them: a browser page of another
// origin may open one only when CORS allows that origin (browsers send no preflight for WebSockets, so
// this is the only check); requests without Origin (not from a browser) and same-origin pages may. It
// keeps the upgrade request's headers in the context, for the connection's credential, and counts the
// connection open (roomgraph_websocket_connections) while gqlgen serves it.
func checkUpgrade(cfg Config, metrics *telemetry.Metrics, next http.Handler) http.Handler {
	allowed := allowOrigin(cfg.CORSOrigins) // "*" allows every origin
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "" {
			next.ServeHTTP(w, r)
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && !sameOrigin(r, origin) && !allowed(origin) {
			refuse(w, r, http.StatusForbidden, "FORBIDDEN_ORIGIN", "this page's origin may not open a WebSocket to this server (see ROOMGRAPH_CORS_ORIGINS)")
			return
		}
		u := &upgrade{headers: r.Header}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), upgradeKey{}, u)))
		if u.accepted { // gqlgen serves the connection until it ends
			metrics.WebSocketClosed()
		}
	})
}

// sameOrigin reports whether origin's host is the request's own (what a page served by this server sends).
func sameOrigin(r *http.Request, origin string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// Close ends what the gateway runs beside its requests. First the webhook door stops (later deliveries
// are answered 503, so Telnyx retries them) and hands on the events it queued, for 5 s at most; then every
// subscription ends cleanly (each completes; new ones are refused with SHUTTING_DOWN), Close waits until
// their last messages are sent or ctx ends, and closes the WebSocket connections, which
// http.Server.Shutdown does not track. Call it when the server stops taking requests, before
// http.Server.Shutdown: a subscription is a request that lasts. It is idempotent; later calls return nil
// at once. The gateway must not serve requests afterwards.
func (g *Gateway) Close(ctx context.Context) error {
	var err error
	// Redis last: the door's last events still go through the bus.
	g.closeOnce.Do(func() { err = errors.Join(g.closeDoor(), g.subs.close(ctx), g.shared.close()) })
	return err
}

// keepAliveDefault and initTimeoutDefault are the defaults of Config.KeepAliveInterval and
// Config.WebSocketInitTimeout.
const (
	keepAliveDefault   = 15 * time.Second
	initTimeoutDefault = 10 * time.Second
)
