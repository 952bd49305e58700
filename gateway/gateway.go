// Package gateway is roomgraph for a Go service (a BFF) that serves the Telnyx Video Rooms API as GraphQL:
// New builds the gateway as an http.Handler to mount, and Gateway.GraphQL returns just the endpoint, for a
// mux of one's own. It assembles the GraphQL server (gqlgen and the fast path), the per-operation loaders,
// the Telnyx client with its retries and circuit breaker, and the HTTP routes:
//
//	/graphql              GET and POST, GraphQL over HTTP (OPTIONS with CORS); subscriptions over
//	                      WebSocket (graphql-transport-ws) and SSE (POST, Accept: text/event-stream)
//	GET /healthz          liveness
//	GET /readyz           readiness: the upstream answers and the circuit breaker is not open
//	GET /metrics          Prometheus (Config.ServeMetrics)
//	GET /                 GraphiQL, its assets under /_playground/ (Config.Playground)
//	GET /debug/pprof/…    Go's profiles (Config.Pprof)
//	POST /webhooks/telnyx signed Telnyx video events in (Config.WebhookPublicKeys; docs/webhooks.md)
//
// Configuration arrives as a Config value and dependencies as options (WithLogger, WithHTTPClient,
// WithTracerProvider, WithMetricsRegisterer, WithoutRuntimeMetrics). This package reads no environment
// variable: the roomgraph command does, in its package main, and docs/configuration.md lists them.
//
// # Process-wide state
//
// New changes nothing that a BFF's own code or its own gqlgen servers could notice. It registers nothing in
// gqlgen's package-level error-code registry (errcode.RegisterErrorType: the gateway's transports decide the
// HTTP status of its own codes themselves), nor in Prometheus's default registry (its series live on a
// registry of its own, and on the one given to WithMetricsRegisterer). It sets no OpenTelemetry global: it
// traces with the provider given to WithTracerProvider and propagates W3C trace context with a propagator of
// its own. It leaves http.DefaultTransport, http.DefaultClient and http.DefaultServeMux alone (its upstream
// transport is its own; like http.DefaultTransport it honours HTTPS_PROXY and NO_PROXY, through
// http.ProxyFromEnvironment, unless WithHTTPClient brings another), and the garbage collector's settings
// (the roomgraph command's GC policy belongs to the command).
//
// What gateways of one process share are caches and pools that hold neither configuration nor any caller's
// data, so that sharing cannot change an answer: the fields collected per parsed query document (keyed by
// the document, which belongs to one gateway's query cache, and held weakly), the rendering of each filter
// type's zero value, and buffer pools (sync.Pool).
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/roomgraph/roomgraph/internal/apperr"
	"github.com/roomgraph/roomgraph/internal/edge/gqlhttp"
	"github.com/roomgraph/roomgraph/internal/edge/playground"
	"github.com/roomgraph/roomgraph/internal/edge/webhook"
	"github.com/roomgraph/roomgraph/internal/exec/fastpath"
	"github.com/roomgraph/roomgraph/internal/exec/limits"
	"github.com/roomgraph/roomgraph/internal/exec/persisted"
	"github.com/roomgraph/roomgraph/internal/exec/querycache"
	"github.com/roomgraph/roomgraph/internal/exec/stream"
	"github.com/roomgraph/roomgraph/internal/exec/variables"
	"github.com/roomgraph/roomgraph/internal/live"
	"github.com/roomgraph/roomgraph/internal/loaders"
	"github.com/roomgraph/roomgraph/internal/pagination"
	"github.com/roomgraph/roomgraph/internal/telemetry"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
	"github.com/roomgraph/roomgraph/resolvers"
)

// Gateway is roomgraph as an http.Handler: POST/GET /graphql, GraphiQL at / (when enabled), /healthz.
type Gateway struct {
	cfg     Config
	graphql http.Handler
	mux     *http.ServeMux
	obs     *observer
	door    *webhook.Handler // POST /webhooks/telnyx; nil without Config.WebhookPublicKeys
	subs    *subscriptions
	shared  *shared // Redis (Config.RedisURL); nil without

	closeOnce sync.Once
}

// New builds the gateway from cfg. opts add its dependencies (WithLogger, WithHTTPClient,
// WithTracerProvider, …); each has a working default.
func New(cfg Config, opts ...Option) (*Gateway, error) {
	cfg = cfg.Defaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	logger := o.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	o.metrics.MaxOperationNames = cfg.MetricsMaxOperations
	basePath := strings.TrimSuffix(mustURL(cfg.BaseURL).EscapedPath(), "/")
	metrics, err := telemetry.NewMetrics(o.metrics)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	obs := &observer{
		metrics: metrics,
		logger:  logger,
		prop:    telemetry.Propagator(),
		routes:  telemetry.NewRoutes(basePath),
	}
	if o.tracerProvider != nil {
		obs.tracer = o.tracerProvider.Tracer(telemetry.InstrumentationName)
	}
	sh, err := openShared(cfg, obs)
	if err != nil {
		return nil, err
	}
	g, err := assemble(cfg, o, obs, basePath, sh)
	if err != nil {
		return nil, errors.Join(err, sh.close())
	}
	return g, nil
}

// assemble builds the gateway around its shared state (nil without Redis).
func assemble(cfg Config, o options, obs *observer, basePath string, sh *shared) (*Gateway, error) {
	logger := obs.logger
	metrics := obs.metrics
	up, err := newUpstream(cfg, obs, o.httpClient, o.tracerProvider, basePath, sh)
	if err != nil {
		return nil, err
	}
	hub := live.NewHub(live.HubConfig{Buffer: cfg.SubscriptionBuffer, MaxSubscriptions: cfg.MaxSubscriptions})
	sh.startBus(hub, up.resilience.Hold)
	subs := newSubscriptions(cfg, hub, metrics)
	srv, err := newServer(cfg, logger, obs, up.client, subs, sh)
	if err != nil {
		return nil, err
	}

	// Bounds every body, and all bodies together; a POST's is read and checked there.
	endpoint := checkEnvelope(cfg.MaxBodyBytes, newBodyBudget(cfg.MaxBodyBytesInFlight, metrics), srv)
	endpoint = checkAuthorization(endpoint)         // one credential at most, before any body is read
	endpoint = checkUpgrade(cfg, metrics, endpoint) // a WebSocket's origin, as CORS would check a page's request
	if len(cfg.CORSOrigins) > 0 {
		opts := cors.Options{
			AllowedMethods: []string{http.MethodGet, http.MethodPost},
			AllowedHeaders: cfg.CORSHeaders,
			// ETag, for a client that revalidates by itself (the browser's HTTP cache needs no exposing).
			ExposedHeaders: []string{RequestIDHeader, "ETag"},
			MaxAge:         int(cfg.CORSMaxAge / time.Second),
		}
		if slices.Contains(cfg.CORSOrigins, "*") {
			opts.AllowedOrigins = []string{"*"} // Access-Control-Allow-Origin: *
		} else {
			opts.AllowOriginFunc = allowOrigin(cfg.CORSOrigins)
		}
		endpoint = cors.New(opts).Handler(endpoint)
	}
	g := &Gateway{
		cfg:     cfg,
		graphql: obs.graphQLHandler(endpoint),
		mux:     http.NewServeMux(),
		obs:     obs,
		subs:    subs,
		shared:  sh,
	}
	dedupe, err := sh.deduper(cfg)
	if err != nil {
		return nil, err
	}
	if g.door, err = newWebhookDoor(cfg, obs, sh.publisher(hub), dedupe, nil); err != nil {
		return nil, err
	}
	for _, rt := range routes(cfg, g.graphql, obs, up, g.door, sh) {
		h := rt.handler
		if rt.name != "" {
			h = obs.counted(rt.name, h)
		}
		g.mux.Handle(rt.pattern, h)
	}
	return g, nil
}

// route is one entry of the gateway's mux.
type route struct {
	pattern string       // http.ServeMux pattern
	name    string       // handler label of the HTTP metrics; "": not counted there (GraphQL counts itself)
	handler http.Handler // the handler
}

// routes is every route the gateway serves, in one place; cfg decides the optional ones.
func routes(cfg Config, graphQL http.Handler, obs *observer, up *upstream, door *webhook.Handler, sh *shared) []route {
	rs := []route{
		{"/graphql", "", graphQL},
		{"GET /healthz", "healthz", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write([]byte("ok\n"))
		})},
		{"GET /readyz", "readyz", up.ready(cfg, sh)},
	}
	if cfg.ServeMetrics {
		rs = append(rs, route{"GET /metrics", "metrics", obs.metrics.Handler()})
	}
	if cfg.Pprof {
		rs = append(rs,
			route{"GET /debug/pprof/", "", http.HandlerFunc(pprof.Index)},
			route{"GET /debug/pprof/cmdline", "", http.HandlerFunc(pprof.Cmdline)},
			route{"GET /debug/pprof/profile", "", http.HandlerFunc(pprof.Profile)},
			route{"GET /debug/pprof/symbol", "", http.HandlerFunc(pprof.Symbol)},
			route{"GET /debug/pprof/trace", "", http.HandlerFunc(pprof.Trace)},
		)
	}
	if door != nil {
		// Every method reaches the door, which answers all but POST with 405 and counts them.
		rs = append(rs, route{webhook.Path, "webhooks", door})
	}
	if cfg.Playground {
		query, tabs := cfg.PlaygroundQuery, cfg.PlaygroundTabs
		if query == "" {
			query = samplePlaygroundQuery
			if tabs == nil {
				tabs = []string{samplePlaygroundSubscription}
			}
		}
		rs = append(rs,
			route{"GET /{$}", "playground", playground.Page(playground.Options{Title: "roomgraph", Endpoint: "/graphql", DefaultQuery: query, Tabs: tabs})},
			route{"GET " + playground.AssetsPrefix, "playground", playground.Assets()},
		)
	}
	return rs
}

// samplePlaygroundQuery opens GraphiQL when no demo room is known.
const samplePlaygroundQuery = `# roomgraph: the Telnyx Video Rooms API as one graph. Docs: the book icon on the left.
{
  rooms(first: 5) {
    totalCount
    nodes { id uniqueName activeSession { id participants { context joinedAt } } }
  }
}
`

// samplePlaygroundSubscription is the sample's second tab: a room as it changes, over a WebSocket.
const samplePlaygroundSubscription = `# A room as it changes (docs/subscriptions.md): its state now, then again after every change.
# Paste the id of a room from the first tab, then run; GraphiQL keeps the WebSocket open.
subscription LiveRoom {
  roomUpdated(id: "ROOM_ID") {
    uniqueName
    activeSession { id participants(present: true) { context joinedAt } }
  }
}
`

// newServer builds the gqlgen server: the schema (plain or federated), transports, extensions in order,
// and the per-operation setup (credential, deadline, loaders, query trace).
func newServer(cfg Config, logger *slog.Logger, obs *observer, client *telnyx.Client, subs *subscriptions, sh *shared) (*handler.Server, error) {
	res := &resolvers.Resolver{
		Pages:  pagination.Limits{DefaultFirst: cfg.DefaultFirst, MaxFirst: cfg.MaxFirst},
		Codec:  pagination.NewCodec([]byte(cfg.CursorSecret)),
		Logger: logger,
		Hub:    subs.hub,
	}
	schema := executableSchema(res, cfg.Federation)
	if !cfg.DisableFastPath {
		// Federated too: the fast path hands _service and _entities, like any root field it does not
		// name, to gqlgen.
		schema = fastpath.New(schema, res, func(o fastpath.Outcome) { obs.metrics.Execution(string(o)) })
	}
	srv := handler.New(schema)
	refused := func(r *http.Request, code string) { noteRefusal(r.Context(), code) }
	srv.AddTransport(transport.Options{AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions}})
	// Subscriptions: a WebSocket upgrade (before GET, which leaves upgrades alone anyway), and SSE (before
	// POST, which would take an SSE request for a plain one).
	srv.AddTransport(subs.websocket())
	srv.AddTransport(transport.SSE{KeepAlivePingInterval: cfg.KeepAliveInterval})
	// Limit and introspection refusals are invalid requests (400 under graphql-response+json), and so is
	// an APQ hash that does not match its query; decided by the transports from these lists, not by
	// gqlgen's package-level error-kind registry, which the gateway leaves alone. APQ's malformed
	// extensions are not well-formed requests (400 whatever the media type), as the envelope's BAD_REQUEST
	// refusals are.
	invalid := []string{limits.CodeLimitExceeded, codeIntrospectionDisabled, persisted.CodeHashMismatch}
	malformed := []string{persisted.CodeBadRequest}
	// Variables are coerced as the specification says, which gqlgen's coercion does not quite do.
	vars := checkVariables(schema.Schema())
	srv.AddTransport(gqlhttp.GET{OnRequestError: refused, InvalidRequestCodes: invalid, MalformedRequestCodes: malformed, CheckVariables: vars,
		Cache: httpCache(cfg)})
	srv.AddTransport(gqlhttp.POST{OnRequestError: refused, InvalidRequestCodes: invalid, MalformedRequestCodes: malformed, CheckVariables: vars})
	// In forward mode, the caches take nothing from a caller without a credential: its operation cannot
	// run, and it must not be able to fill them for those who can.
	mayCache := func(ctx context.Context) bool {
		return cfg.Auth != AuthForward || graphql.HasOperationContext(ctx) &&
			bearer(graphql.GetOperationContext(ctx).Headers.Get("Authorization")) != ""
	}
	docs, err := querycache.New(querycache.Config{MaxBytes: cfg.QueryCacheBytes, MaxDocumentBytes: cfg.MaxCachedDocumentBytes, Admit: mayCache})
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	srv.SetQueryCache(docs)
	// First, so that it is the outermost: it sees every operation, refused ones included.
	srv.Use(obs)
	if obs.tracer != nil {
		srv.Use(fieldTracer{tracer: obs.tracer})
	}
	if cfg.TrustedDocuments != "" {
		m, err := persisted.LoadManifest(cfg.TrustedDocuments)
		if err != nil {
			return nil, fmt.Errorf("gateway: trusted documents: %w", err)
		}
		srv.Use(persisted.NewTrusted(m))
	}
	srv.SetParserTokenLimit(cfg.MaxTokens)
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true)
		if cfg.Federation {
			srv.Use(serviceSDL{})
		}
		srv.Use(introspectionOff{}) // after serviceSDL, before the limits
	}
	srv.Use(limits.New(cfg.Limits.limits(cfg.DefaultFirst, cfg.MaxFirst)))
	if cfg.TrustedDocuments == "" && !cfg.DisableAPQ {
		// After the limits: APQ registers a document once every check before it has passed.
		apq, err := persisted.NewAPQ(persisted.APQConfig{
			MaxBytes: cfg.APQCacheBytes, MaxEntries: cfg.APQCacheSize, MaxDocumentBytes: cfg.MaxCachedDocumentBytes,
			MayRegister: func(ctx context.Context, _ *graphql.OperationContext) bool { return mayCache(ctx) },
			Shared:      sh.apqStore(),
		})
		if err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		srv.Use(apq)
	}
	present := presentError(logger, cfg.Introspection)
	srv.SetErrorPresenter(present)
	srv.SetRecoverFunc(recoverPanic(logger))

	loaderCfg := loaders.Config{Wait: cfg.LoaderWait, MaxParallel: cfg.MaxParallel, Hooks: obs.loaderHooks()}
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		op := graphql.GetOperationContext(ctx)
		key := cfg.APIKey
		if cfg.Auth == AuthForward {
			key = credentialOf(ctx, op.Headers)
			if key == "" {
				return unauthenticated()
			}
		}
		// Every write's input is checked before the first write: one invalid input means no write at all.
		if bad := resolvers.CheckWrites(op); len(bad) > 0 {
			return refuseWrites(ctx, present, bad)
		}
		if op.Operation != nil && op.Operation.Operation == ast.Subscription {
			// No deadline on the subscription: each event gets its own, with fresh loaders.
			newScope := func() stream.Scope {
				l := loaders.New(client, key, loaderCfg)
				return stream.Scope{
					Deadline: time.Now().Add(cfg.OperationTimeout),
					Values:   func(ctx context.Context) context.Context { return loaders.With(ctx, l) },
				}
			}
			return subs.operation(ctx, key, next, newScope, present)
		}
		// The deadline covers the execution too: gqlgen runs the resolvers with the context given to next.
		ctx, cancel := context.WithTimeout(ctx, cfg.OperationTimeout)
		ctx = loaders.With(ctx, loaders.New(client, key, loaderCfg))
		var t *trace
		if cfg.AllowTrace && wantsTrace(op.Headers.Get(TraceHeader)) {
			t = &trace{}
			ctx = withTrace(ctx, t)
		}
		respond := next(ctx)
		return func(ctx context.Context) *graphql.Response {
			defer cancel()
			resp := respond(ctx)
			if resp != nil && t != nil {
				if resp.Extensions == nil {
					resp.Extensions = map[string]any{}
				}
				resp.Extensions[traceExtension] = t.snapshot()
			}
			return resp
		}
	})
	return srv, nil
}

// httpCache is how GET answers may be cached (Config.GETCacheMaxAge). In key mode an answer depends on
// nothing of the caller, so shared caches may keep it; in forward mode it depends on the caller's key, so
// only the caller's own cache may, per Authorization. With the trace allowed, a cache must not answer a
// request asking for the trace with an answer that has none.
func httpCache(cfg Config) gqlhttp.HTTPCache {
	scope, vary := "public", []string(nil)
	if cfg.Auth == AuthForward {
		scope, vary = "private", []string{"Authorization"}
	}
	if cfg.AllowTrace {
		vary = append(vary, TraceHeader)
	}
	cc := scope + ", no-cache"
	if s := int64(cfg.GETCacheMaxAge / time.Second); s > 0 {
		cc = scope + ", max-age=" + strconv.FormatInt(s, 10)
	}
	return gqlhttp.HTTPCache{CacheControl: cc, Vary: vary}
}

// checkVariables checks a request's variables against schema (internal/exec/variables).
func checkVariables(schema *ast.Schema) gqlhttp.CheckVariables {
	return func(op *ast.OperationDefinition, values map[string]any) *gqlerror.Error {
		return variables.Check(schema, op, values)
	}
}

// ServeHTTP serves every route of the gateway.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.mux.ServeHTTP(w, r) }

// GraphQL returns the GraphQL endpoint alone (GET, POST, OPTIONS), to mount at any path of one's own mux.
func (g *Gateway) GraphQL() http.Handler { return g.graphql }

// mustURL parses a URL that validate already checked.
func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// bearer extracts the token of an `Authorization: Bearer <token>` header, or "" when there is none or it
// cannot be a key: a bearer token is token68 (RFC 6750), so "A B" or "A," never goes upstream as one.
func bearer(h string) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	token = strings.TrimSpace(token)
	if !isToken68(token) {
		return ""
	}
	return token
}

func wantsTrace(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// unauthenticated ends an operation before any resolver runs.
// refuseWrites answers a mutation operation with an invalid input before anything ran: no data, and
// each invalid field's error (BAD_USER_INPUT) at its path, presented as a resolver's would be.
func refuseWrites(ctx context.Context, present graphql.ErrorPresenterFunc, bad []resolvers.InvalidWrite) graphql.ResponseHandler {
	errs := make(gqlerror.List, 0, len(bad))
	for _, w := range bad {
		// One error per invalid argument field (extensions.field), every one of them at once.
		each := []error{w.Err}
		if all := apperr.All(w.Err); len(all) > 0 {
			each = each[:0]
			for _, e := range all {
				each = append(each, e)
			}
		}
		for _, err := range each {
			e := &gqlerror.Error{Message: err.Error(), Path: ast.Path{ast.PathName(w.Field.Alias)}, Err: err}
			if w.Field.Position != nil {
				e.Locations = []gqlerror.Location{{Line: w.Field.Position.Line, Column: w.Field.Position.Column}}
			}
			errs = append(errs, present(ctx, e))
		}
	}
	return graphql.OneShot(&graphql.Response{Errors: errs})
}

func unauthenticated() graphql.ResponseHandler {
	return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
		Message:    "this gateway forwards your Telnyx API key: send Authorization: Bearer <key>",
		Extensions: map[string]any{"code": string(apperr.Unauthenticated)},
	}}})
}
