package limits_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/internal/edge/gqlhttp"
	"github.com/roomgraph/roomgraph/internal/exec/limits"
	"github.com/roomgraph/roomgraph/resolvers"
)

// executableSchema is the real generated schema over a resolver root with no upstream: the limits refuse
// before any resolver runs, and accepted operations are stopped by the servers below before execution.
func executableSchema() graphql.ExecutableSchema {
	return graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{}})
}

func schema(t testing.TB) *ast.Schema {
	t.Helper()
	s := executableSchema().Schema()
	require.NotNil(t, s)
	return s
}

// operation parses and validates q against the real schema and returns its only (or first) operation.
func operation(t testing.TB, s *ast.Schema, q string) *ast.OperationDefinition {
	t.Helper()
	doc, errs := gqlparser.LoadQueryWithRules(s, q, nil)
	require.Empty(t, errs, "query must validate: %s", q)
	require.NotEmpty(t, doc.Operations)
	return doc.Operations[0]
}

// server is a gqlgen server as the gateway builds it (GET and POST transports, introspection on) with the
// limits installed. When execute is false, an operation that passes the limits is answered
// {"reached": true} without running a resolver; reached counts those operations either way.
type server struct {
	url     string
	reached atomic.Int64
}

func newServer(t *testing.T, cfg limits.Config, execute bool) *server {
	t.Helper()
	s := &server{}
	srv := handler.New(executableSchema())
	invalid := []string{limits.CodeLimitExceeded}
	srv.AddTransport(gqlhttp.GET{InvalidRequestCodes: invalid})
	srv.AddTransport(gqlhttp.POST{InvalidRequestCodes: invalid})
	srv.Use(extension.Introspection{})
	srv.Use(limits.New(cfg))
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		s.reached.Add(1)
		if execute {
			return next(ctx)
		}
		stats, _ := json.Marshal(limits.GetStats(ctx))
		return graphql.OneShot(&graphql.Response{
			Data:       json.RawMessage(`{"reached":true}`),
			Extensions: map[string]any{"limits": json.RawMessage(stats)},
		})
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	s.url = ts.URL
	return s
}

type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

type response struct {
	status      int
	contentType string
	Data        json.RawMessage `json:"data"`
	Errors      []gqlError      `json:"errors"`
	Extensions  map[string]any  `json:"extensions"`
}

// do sends q by POST (or GET when get is true) with the given Accept header ("" sends none).
func (s *server) do(t *testing.T, get bool, accept, q string, vars map[string]any) response {
	t.Helper()
	var req *http.Request
	var err error
	if get {
		v := url.Values{"query": {q}}
		if vars != nil {
			b, _ := json.Marshal(vars)
			v.Set("variables", string(b))
		}
		req, err = http.NewRequest(http.MethodGet, s.url+"?"+v.Encode(), nil)
	} else {
		body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
		req, err = http.NewRequest(http.MethodPost, s.url, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	require.NoError(t, err)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	out := response{status: res.StatusCode, contentType: res.Header.Get("Content-Type")}
	require.NoError(t, json.Unmarshal(raw, &out), "body: %s", raw)
	return out
}

func (s *server) post(t *testing.T, q string, vars map[string]any) response {
	t.Helper()
	return s.do(t, false, "application/graphql-response+json", q, vars)
}
