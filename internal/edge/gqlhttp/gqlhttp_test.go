package gqlhttp_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/internal/edge/gqlhttp"
	"github.com/roomgraph/roomgraph/resolvers"
)

const room = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"

func server(t *testing.T) string {
	t.Helper()
	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{}}))
	srv.AddTransport(gqlhttp.GET{})
	srv.AddTransport(gqlhttp.POST{})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestTransports(t *testing.T) {
	base := server(t)
	post := func(body, accept string) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, base, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		return r
	}
	get := func(q url.Values, accept string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, base+"?"+q.Encode(), nil)
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		return r
	}
	const gr = gqlhttp.MediaGraphQLResponse
	tests := []struct {
		name   string
		req    *http.Request
		status int
		media  string
		body   string // exact body, or "" to check only the members below
		code   string // code of the first error
		data   bool   // "data" member present
	}{
		{name: "POST query", req: post(`{"query":"{ room(id: \"`+room+`\") { telnyxId } }"}`, ""), status: 200, media: "application/json",
			body: `{"data":{"room":{"telnyxId":"` + room + `"}}}`, data: true},
		{name: "POST under graphql-response+json", req: post(`{"query":"{ __typename }"}`, gr), status: 200, media: gr, body: `{"data":{"__typename":"Query"}}`, data: true},
		{name: "Accept that prefers graphql-response+json", req: post(`{"query":"{ __typename }"}`, gr+", application/json;q=0.9"), status: 200, media: gr, data: true},
		{name: "Accept */*", req: post(`{"query":"{ __typename }"}`, "*/*"), status: 200, media: "application/json", data: true},
		{name: "execution error keeps data", req: post(`{"query":"{ room(id: \"nope\") { id } }"}`, ""), status: 200, media: "application/json", data: true},
		{name: "syntax error, json", req: post(`{"query":"{ room("}`, ""), status: 200, media: "application/json", code: "GRAPHQL_PARSE_FAILED"},
		{name: "syntax error, graphql-response+json", req: post(`{"query":"{ room("}`, gr), status: 400, media: gr, code: "GRAPHQL_PARSE_FAILED"},
		{name: "validation error, json", req: post(`{"query":"{ nope }"}`, ""), status: 200, media: "application/json", code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "validation error, graphql-response+json", req: post(`{"query":"{ nope }"}`, gr), status: 400, media: gr, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "variable coercion error", req: post(`{"query":"query($n: Int) { rooms(first: $n) { totalCount } }","variables":{"n":"x"}}`, gr), status: 400, media: gr, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "malformed body", req: post(`{"query":`, ""), status: 400, media: "application/json", code: "BAD_REQUEST"},
		{name: "trailing data", req: post(`{"query":"{ __typename }"} {}`, ""), status: 400, media: "application/json", code: "BAD_REQUEST"},
		{name: "GET query", req: get(url.Values{"query": {"{ __typename }"}}, ""), status: 200, media: "application/json", body: `{"data":{"__typename":"Query"}}`, data: true},
		{name: "GET with variables", req: get(url.Values{"query": {"query($id: ID!) { room(id: $id) { id } }"}, "variables": {`{"id":"` + room + `"}`}}, ""), status: 200, media: "application/json", data: true},
		{name: "GET mutation", req: get(url.Values{"query": {`mutation { deleteRoom(id: "` + room + `") { deletedRoomId } }`}}, gr), status: 405, media: gr, code: "METHOD_NOT_ALLOWED"},
		{name: "GET without a query", req: get(url.Values{}, ""), status: 400, media: "application/json", code: "BAD_REQUEST"},
		{name: "GET with bad variables", req: get(url.Values{"query": {"{ __typename }"}, "variables": {"[1]"}}, ""), status: 400, media: "application/json", code: "BAD_REQUEST"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(tc.req)
			require.NoError(t, err)
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			assert.Equal(t, tc.status, resp.StatusCode, "%s", raw)
			assert.Equal(t, tc.media, resp.Header.Get("Content-Type"))
			if tc.body != "" {
				assert.Equal(t, tc.body, string(raw))
			}
			var out map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(raw, &out), "%s", raw)
			_, hasData := out["data"]
			assert.Equal(t, tc.data, hasData, "data member: %s", raw)
			if tc.code != "" {
				var errs []struct{ Extensions map[string]any }
				require.NoError(t, json.Unmarshal(out["errors"], &errs))
				require.NotEmpty(t, errs)
				assert.Equal(t, tc.code, errs[0].Extensions["code"])
			}
			if resp.StatusCode == 405 {
				assert.Equal(t, "POST", resp.Header.Get("Allow"))
			}
		})
	}
}

func TestIsJSON(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json": true, "application/json; charset=utf-8": true, "application/json;charset=utf-8": true,
		"Application/JSON": true, "application/json ; charset=latin1": true, "application/json; x=\"y\"": true,
		"": false, "text/plain": false, "application/jsonx": false, "application/graphql": false, "application/json; =": false,
	} {
		assert.Equal(t, want, gqlhttp.IsJSON(ct), ct)
	}
}

// refuseByName refuses, before execution, the operations named TooBig (code TOO_BIG), Later (code LATER)
// and Garbled (code GARBLED).
type refuseByName struct{}

func (refuseByName) ExtensionName() string                   { return "refuseByName" }
func (refuseByName) Validate(graphql.ExecutableSchema) error { return nil }
func (refuseByName) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	switch oc.Operation.Name {
	case "TooBig":
		return &gqlerror.Error{Message: "too big", Extensions: map[string]any{"code": "TOO_BIG"}}
	case "Later":
		return &gqlerror.Error{Message: "later", Extensions: map[string]any{"code": "LATER"}}
	case "Garbled":
		return &gqlerror.Error{Message: "garbled", Extensions: map[string]any{"code": "GARBLED"}}
	}
	return nil
}

// TestInvalidRequestCodes: a code named in InvalidRequestCodes makes a refusal before execution a 400 under
// graphql-response+json (200 under application/json); one named in MalformedRequestCodes a 400 under
// both; other codes stay 200. gqlgen's package-level error-kind registry is neither needed nor written.
func TestInvalidRequestCodes(t *testing.T) {
	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{}}))
	invalid, malformed := []string{"TOO_BIG"}, []string{"GARBLED"}
	srv.AddTransport(gqlhttp.GET{InvalidRequestCodes: invalid, MalformedRequestCodes: malformed})
	srv.AddTransport(gqlhttp.POST{InvalidRequestCodes: invalid, MalformedRequestCodes: malformed})
	srv.Use(refuseByName{})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	tests := []struct {
		name, operation, accept string
		get                     bool
		status                  int
	}{
		{"invalid code, graphql-response+json", "TooBig", gqlhttp.MediaGraphQLResponse, false, http.StatusBadRequest},
		{"invalid code over GET, graphql-response+json", "TooBig", gqlhttp.MediaGraphQLResponse, true, http.StatusBadRequest},
		{"invalid code, application/json", "TooBig", gqlhttp.MediaJSON, false, http.StatusOK},
		{"other code, graphql-response+json", "Later", gqlhttp.MediaGraphQLResponse, false, http.StatusOK},
		{"malformed code, graphql-response+json", "Garbled", gqlhttp.MediaGraphQLResponse, false, http.StatusBadRequest},
		{"malformed code, application/json", "Garbled", gqlhttp.MediaJSON, false, http.StatusBadRequest},
		{"malformed code over GET, application/json", "Garbled", gqlhttp.MediaJSON, true, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			query := "query " + tc.operation + " { __typename }"
			var req *http.Request
			if tc.get {
				req, _ = http.NewRequest(http.MethodGet, ts.URL+"?"+url.Values{"query": {query}}.Encode(), nil)
			} else {
				body, _ := json.Marshal(map[string]string{"query": query})
				req, _ = http.NewRequest(http.MethodPost, ts.URL, strings.NewReader(string(body)))
				req.Header.Set("Content-Type", "application/json")
			}
			req.Header.Set("Accept", tc.accept)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			assert.Equal(t, tc.status, resp.StatusCode, "%s", raw)
			assert.NotContains(t, string(raw), `"data"`, "refused before execution: no data member")
		})
	}
	assert.Equal(t, errcode.KindUser, errcode.GetErrorKind(gqlerror.List{{Extensions: map[string]any{"code": "TOO_BIG"}}}),
		"the transports do not register their codes in gqlgen's package-level table")
}

// TestCheckVariables: the CheckVariables hook sees the variables as decoded once the document parsed and
// validated, and its error answers the request in place of whatever gqlgen's coercion or an extension said;
// it is not asked about documents that did not parse or validate, and when it passes, gqlgen's own
// variable errors stand.
func TestCheckVariables(t *testing.T) {
	var seen []map[string]any
	check := func(op *ast.OperationDefinition, vars map[string]any) *gqlerror.Error {
		seen = append(seen, vars)
		if vars["n"] == json.Number("1.5") {
			err := gqlerror.Errorf("checked: 1.5")
			errcode.Set(err, errcode.ValidationFailed)
			return err
		}
		return nil
	}
	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{}}))
	srv.AddTransport(gqlhttp.GET{CheckVariables: check, InvalidRequestCodes: []string{"TOO_BIG"}})
	srv.AddTransport(gqlhttp.POST{CheckVariables: check, InvalidRequestCodes: []string{"TOO_BIG"}})
	srv.Use(refuseByName{})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	const q = `query($n: Int) { rooms(first: $n) { totalCount } }`
	tests := []struct {
		name, query, vars string
		asked             bool
		message           string // of the one error
	}{
		{"refused by the check", q, `{"n": 1.5}`, true, "checked: 1.5"},
		{"refused by the check over gqlgen's coercion", q, `{"n": 1.5, "m": 1}`, true, "checked: 1.5"},
		{"refused by the check before an extension", `query TooBig($n: Int) { rooms(first: $n) { totalCount } }`, `{"n": 1.5}`, true, "checked: 1.5"},
		{"an extension's refusal when the check passes", `query TooBig($n: Int) { rooms(first: $n) { totalCount } }`, `{"n": 1}`, true, "too big"},
		{"gqlgen's coercion when the check passes", q, `{"n": "x"}`, true, ""},
		{"a parse error: not asked", `{ rooms(`, `{"n": 1.5}`, false, ""},
		{"a validation error: not asked", `query($n: Int) { nope(first: $n) }`, `{"n": 1.5}`, false, ""},
		{"an unknown operation: not asked", q, `{"n": 1.5}`, false, ""},
	}
	for _, tc := range tests {
		for _, get := range []bool{false, true} {
			t.Run(tc.name+map[bool]string{true: "/GET", false: "/POST"}[get], func(t *testing.T) {
				seen = nil
				body := map[string]any{"query": tc.query, "variables": json.RawMessage(tc.vars)}
				if tc.name == "an unknown operation: not asked" {
					body["operationName"] = "Nope"
				}
				var req *http.Request
				if get {
					v := url.Values{"query": {tc.query}, "variables": {tc.vars}}
					if op, ok := body["operationName"].(string); ok {
						v.Set("operationName", op)
					}
					req, _ = http.NewRequest(http.MethodGet, ts.URL+"?"+v.Encode(), nil)
				} else {
					b, _ := json.Marshal(body)
					req, _ = http.NewRequest(http.MethodPost, ts.URL, strings.NewReader(string(b)))
					req.Header.Set("Content-Type", "application/json")
				}
				req.Header.Set("Accept", gqlhttp.MediaGraphQLResponse)
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				defer resp.Body.Close()
				var out struct {
					Errors []struct{ Message string } `json:"errors"`
				}
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
				assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
				require.Len(t, out.Errors, 1)
				if tc.message != "" {
					assert.Equal(t, tc.message, out.Errors[0].Message)
				}
				if tc.asked {
					require.Len(t, seen, 1)
					if !strings.Contains(tc.vars, `"n": "`) {
						assert.IsType(t, json.Number(""), seen[0]["n"], "numbers as written")
					}
				} else {
					assert.Empty(t, seen)
				}
			})
		}
	}
}

// TestGETCache: a GET answer without errors or extensions gets the Cache-Control and Vary given and an ETag,
// and If-None-Match is compared weakly against it (RFC 9110 §13.1.2); without a cache policy, and for POST,
// everything is no-store.
func TestGETCache(t *testing.T) {
	serve := func(cache gqlhttp.HTTPCache) string {
		srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{}}))
		srv.AddTransport(gqlhttp.GET{Cache: cache})
		srv.AddTransport(gqlhttp.POST{})
		ts := httptest.NewServer(srv)
		t.Cleanup(ts.Close)
		return ts.URL
	}
	do := func(t *testing.T, base, inm string) *http.Response {
		t.Helper()
		r, _ := http.NewRequest(http.MethodGet, base+"?"+url.Values{"query": {"{ __typename }"}}.Encode(), nil)
		if inm != "" {
			r.Header.Set("If-None-Match", inm)
		}
		resp, err := http.DefaultClient.Do(r)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	cached := serve(gqlhttp.HTTPCache{CacheControl: "public, max-age=1", Vary: []string{"Authorization"}})
	etag := do(t, cached, "").Header.Get("ETag")
	require.Regexp(t, `^"[A-Za-z0-9_-]{22}"$`, etag)
	tests := []struct {
		name, inm string
		status    int
	}{
		{"none", "", http.StatusOK},
		{"the tag", etag, http.StatusNotModified},
		{"the tag, weak", "W/" + etag, http.StatusNotModified},
		{"a list with the tag, spaced", ` "a" ,  ` + etag + ` `, http.StatusNotModified},
		{"a list without it", `"a", W/"b"`, http.StatusOK},
		{"the tag unquoted", strings.Trim(etag, `"`), http.StatusOK},
		{"*", "*", http.StatusNotModified},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := do(t, cached, tc.inm)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, "public, max-age=1", resp.Header.Get("Cache-Control"))
			assert.Equal(t, []string{"Accept", "Authorization"}, resp.Header.Values("Vary"))
			assert.Equal(t, etag, resp.Header.Get("ETag"))
		})
	}
	t.Run("no cache policy", func(t *testing.T) {
		resp := do(t, serve(gqlhttp.HTTPCache{}), "*")
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, gqlhttp.NoStore, resp.Header.Get("Cache-Control"))
		assert.Empty(t, resp.Header.Get("ETag"))
	})
	t.Run("POST", func(t *testing.T) {
		resp, err := http.Post(cached, gqlhttp.MediaJSON, strings.NewReader(`{"query":"{ __typename }"}`))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, gqlhttp.NoStore, resp.Header.Get("Cache-Control"))
		assert.Empty(t, resp.Header.Get("ETag"))
	})
}
