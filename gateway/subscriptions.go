package gateway

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
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
	cfg Config
	hub *live.Hub

	mu      sync.Mutex
	active  int                       // subscription operations admitted and not yet ended
	perKey  map[[sha256.Size]byte]int // by the hash of the credential (forward mode); never the key itself
	conns   map[*wsConn]struct{}      // open WebSocket connections
	closing bool
	idle    chan struct{} // closed when active reaches 0 while closing
}

func newSubscriptions(cfg Config, hub *live.Hub) *subscriptions {
	return &subscriptions{cfg: cfg, hub: hub, perKey: map[[sha256.Size]byte]int{}, conns: map[*wsConn]struct{}{}}
}

// wsConn is one WebSocket connection: its credential from connection_init (when its upgrade request had
// none), and its subscription count.
type wsConn struct {
	credential string
	cancel     context.CancelFunc
	subs       int // guarded by subscriptions.mu
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
		Implementation: transport.CoderWebsocketImplementation{AcceptOptions: coderws.AcceptOptions{InsecureSkipVerify: true}},
		InitTimeout:    s.cfg.WebSocketInitTimeout,
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
	c := &wsConn{}
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

type upgradeHeadersKey struct{}

// wsHeaders returns the headers of the upgrade request (kept in its context by checkUpgrade).
func wsHeaders(ctx context.Context) http.Header {
	h, _ := ctx.Value(upgradeHeadersKey{}).(http.Header)
	return h
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

// admit counts a new subscription operation against the bounds, or refuses it. The slots are given back
// when ctx ends: after gqlgen has sent the operation's last message (its complete, over WebSocket; the
// end of the stream, over SSE).
func (s *subscriptions) admit(ctx context.Context, key string) error {
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
		return apperr.Errorf(apperr.ShuttingDown, "the server is shutting down: subscribe again in a moment")
	case c != nil && c.subs >= s.cfg.MaxSubscriptionsPerConnection:
		return apperr.Errorf(apperr.TooManySubscriptions, "this connection has %d subscriptions, the most it may have: end one first", c.subs)
	case perKey && s.perKey[h] >= s.cfg.MaxSubscriptionsPerCredential:
		return apperr.Errorf(apperr.TooManySubscriptions, "this API key has %d subscriptions, the most it may have: end one first", s.perKey[h])
	}
	s.active++
	if c != nil {
		c.subs++
	}
	if perKey {
		s.perKey[h]++
	}
	context.AfterFunc(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
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
	})
	return nil
}

// operation runs one subscription operation: admitted against the bounds, its resolver paced through a
// gate, each event resolved in the scope the resolver made it in (fresh loaders, a deadline of its own),
// and, when the resolver ends the stream with an error (SLOW_CONSUMER), that error as the last response.
func (s *subscriptions) operation(ctx context.Context, key string, next graphql.OperationHandler, newScope func() stream.Scope,
	present graphql.ErrorPresenterFunc) graphql.ResponseHandler {
	if err := s.admit(ctx, key); err != nil {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{present(ctx, err)}})
	}
	gate := stream.NewGate(newScope)
	respond := next(stream.With(ctx, gate))
	if !gate.Attached() {
		return respond // refused by its resolver: gqlgen's one answer with the errors
	}
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
			if err := gate.Err(); err != nil {
				return &graphql.Response{Errors: gqlerror.List{present(ctx, err)}}
			}
		}
		return resp
	}
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
// keeps the upgrade request's headers in the context, for the connection's credential.
func checkUpgrade(cfg Config, next http.Handler) http.Handler {
	allowed := allowOrigin(cfg.CORSOrigins)
	anyOrigin := slices.Contains(cfg.CORSOrigins, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "" {
			next.ServeHTTP(w, r)
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && !anyOrigin && !sameOrigin(r, origin) && !allowed(origin) {
			refuse(w, r, http.StatusForbidden, "FORBIDDEN_ORIGIN", "this page's origin may not open a WebSocket to this server (see ROOMGRAPH_CORS_ORIGINS)")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), upgradeHeadersKey{}, r.Header)))
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
	g.closeOnce.Do(func() { err = errors.Join(g.closeDoor(), g.subs.close(ctx)) })
	return err
}

// keepAliveDefault and initTimeoutDefault are the defaults of Config.KeepAliveInterval and
// Config.WebSocketInitTimeout.
const (
	keepAliveDefault   = 15 * time.Second
	initTimeoutDefault = 10 * time.Second
)
