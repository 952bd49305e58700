// Package gqlhttp holds roomgraph's GraphQL-over-HTTP transports for gqlgen: GET and POST as the
// GraphQL-over-HTTP specification words them, written for speed.
//
// They differ from gqlgen's transport.GET and transport.POST in what the specification asks and gqlgen
// does not do: an error raised before execution answers with no "data" member, under application/json
// with 200, and under application/graphql-response+json with 400 when the request is invalid (parse,
// validation, a limit) and 200 otherwise (an unknown persisted query); with 400 under either when the
// request is not well-formed (a malformed persisted-query extension); a GET mutation is 405; a GET
// without a query is 400. And in speed: the response's data, which gqlgen already wrote as JSON, is
// copied as it is instead of being parsed and compacted again by encoding/json.
//
// Given CheckVariables, they have the variables, as the client wrote them, checked once the document
// validated, and answer with its error: gqlgen's own coercion is laxer than the specification.
//
// Which errors make a request invalid they decide from the error codes alone: gqlgen's parse and
// validation failures, and the codes the transport is given (InvalidRequestCodes, MalformedRequestCodes).
// They never consult or write gqlgen's package-level error-kind registry (errcode.RegisterErrorType), so
// an embedder's own gqlgen servers in the same process are unaffected.
//
// GET answers may be cached (Cache): a successful answer with neither errors nor extensions gets the
// Cache-Control given and an ETag, and a matching If-None-Match gets 304 with no body. Everything else (POST
// answers, errors, refusals, answers with extensions such as the query trace) is Cache-Control: no-store.
//
// They know nothing of roomgraph's schema.
package gqlhttp

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Media types.
const (
	MediaJSON            = "application/json"
	MediaGraphQLResponse = "application/graphql-response+json"
)

// POST serves POST requests with an application/json body.
type POST struct {
	// OnRequestError, if set, learns the code of every request it refuses before GraphQL parses it.
	OnRequestError func(r *http.Request, code string)
	// InvalidRequestCodes are the extensions.code values, besides gqlgen's parse and validation failures,
	// that make an error raised before execution an invalid request (see requestErrorStatus).
	InvalidRequestCodes []string
	// MalformedRequestCodes are the extensions.code values that make an error raised before execution a
	// request that is not well-formed (a parameter of the wrong shape): 400 under either media type.
	MalformedRequestCodes []string
	// CheckVariables, if set, checks the variables as decoded (see CheckVariables).
	CheckVariables CheckVariables
}

// GET serves query operations sent as URL parameters (cacheable; mutations are refused).
type GET struct {
	// OnRequestError, if set, learns the code of every request it refuses before GraphQL parses it.
	OnRequestError func(r *http.Request, code string)
	// InvalidRequestCodes are the extensions.code values, besides gqlgen's parse and validation failures,
	// that make an error raised before execution an invalid request (see requestErrorStatus).
	InvalidRequestCodes []string
	// MalformedRequestCodes are the extensions.code values that make an error raised before execution a
	// request that is not well-formed (a parameter of the wrong shape): 400 under either media type.
	MalformedRequestCodes []string
	// CheckVariables, if set, checks the variables as decoded (see CheckVariables).
	CheckVariables CheckVariables
	// Cache says how a cacheable answer may be cached; its zero value caches none (no-store).
	Cache HTTPCache
}

// HTTPCache is how browsers and CDNs may cache the GET answers that can be cached: those of a query that
// ran with neither errors nor extensions (extensions hold per-request diagnostics, such as the query
// trace). Such an answer gets CacheControl, Vary (Accept, which picks the media type, and the headers
// given) and a strong ETag (a hash of the media type and the body), and a request whose If-None-Match
// names that ETag (or is "*") gets 304 Not Modified with those headers and no body. The operation runs
// either way: the ETag is known only once the answer is.
type HTTPCache struct {
	// CacheControl is the Cache-Control of a cacheable answer, e.g. "public, max-age=5"; "": none is
	// cacheable, every answer is no-store.
	CacheControl string
	// Vary are the request headers a cacheable answer depends on besides Accept (e.g. Authorization when
	// each caller's credential goes upstream).
	Vary []string
}

// NoStore is the Cache-Control of every answer that must not be cached.
const NoStore = "no-store"

// CheckVariables checks the variables of a request, as the transport decoded them (JSON numbers as
// json.Number, so as written), against the operation once its document parsed and validated. Its error
// (a GRAPHQL_VALIDATION_FAILED one, as gqlgen's own variable errors) answers the request in place of
// whatever gqlgen's coercion and the operation-context extensions made of it: the specification coerces
// variables before anything else looks at the operation, and gqlgen's coercion is laxer.
type CheckVariables func(op *ast.OperationDefinition, variables map[string]any) *gqlerror.Error

var (
	_ graphql.Transport = POST{}
	_ graphql.Transport = GET{}
)

// Supports reports whether r is a JSON POST.
func (POST) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" || r.Method != http.MethodPost {
		return false
	}
	return IsJSON(r.Header.Get("Content-Type"))
}

// IsJSON reports whether a Content-Type is application/json (any parameters). The usual spellings are
// recognised without parsing.
func IsJSON(contentType string) bool {
	switch contentType {
	case MediaJSON, "application/json; charset=utf-8", "application/json;charset=utf-8", "application/json; charset=UTF-8":
		return true
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && mediaType == MediaJSON
}

// Do executes one POSTed operation.
func (p POST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	refuse := refuser(w, r, p.OnRequestError)
	media := ResponseMedia(r)
	w.Header().Set("Content-Type", media)
	w.Header().Set("Cache-Control", NoStore)
	start := graphql.Now()
	body, members, err := bodyBytes(r.Body)
	if err != nil {
		refuse(http.StatusBadRequest, "BAD_REQUEST", "could not read the request body")
		return
	}
	params := &graphql.RawParams{Headers: r.Header}
	if err := decode(body, members, params); err != nil {
		// Never echo the body: it may hold anything.
		refuse(http.StatusBadRequest, "BAD_REQUEST", "the request body is not a JSON object with a GraphQL query")
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	execute(w, r, exec, params, media, nil, statuses{p.InvalidRequestCodes, p.MalformedRequestCodes}, p.CheckVariables, refuse)
}

// Supports reports whether r is a GET.
func (GET) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" && r.Method == http.MethodGet
}

// Do executes one query operation sent as URL parameters.
func (g GET) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	refuse := refuser(w, r, g.OnRequestError)
	media := ResponseMedia(r)
	w.Header().Set("Content-Type", media)
	w.Header().Set("Cache-Control", NoStore) // until the answer proves cacheable
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		refuse(http.StatusBadRequest, "BAD_REQUEST", "the URL query string is malformed")
		return
	}
	params := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName"), Headers: r.Header}
	params.ReadTime.Start = graphql.Now()
	for _, p := range []struct {
		name string
		dst  *map[string]any
	}{{"variables", &params.Variables}, {"extensions", &params.Extensions}} {
		if v := q.Get(p.name); v != "" {
			if err := decodeObject([]byte(v), p.dst); err != nil {
				refuse(http.StatusBadRequest, "BAD_REQUEST", `the "`+p.name+`" URL parameter must be a JSON object`)
				return
			}
		}
	}
	if params.Query == "" && params.Extensions["persistedQuery"] == nil {
		refuse(http.StatusBadRequest, "BAD_REQUEST", `a GET request needs a "query" URL parameter`)
		return
	}
	params.ReadTime.End = graphql.Now()
	execute(w, r, exec, params, media, &g.Cache, statuses{g.InvalidRequestCodes, g.MalformedRequestCodes}, g.CheckVariables, refuse)
}

// operationNotFound explains why no operation of ops is the one to run: a document of several operations
// needs operationName, and a name must be one of the document's.
func operationNotFound(ops ast.OperationList, name string) string {
	names := make([]string, 0, len(ops))
	for _, op := range ops {
		if op.Name == "" {
			names = append(names, "an anonymous operation")
		} else {
			names = append(names, strconv.Quote(op.Name))
		}
	}
	list := strings.Join(names, ", ")
	if name == "" {
		return fmt.Sprintf("the document has %d operations (%s): send operationName to choose the one to run", len(ops), list)
	}
	return fmt.Sprintf("the document has no operation named %q; it has %s", name, list)
}

// statuses are the codes that decide the status of an error raised before execution.
type statuses struct{ invalid, malformed []string }

// execute runs the operation and writes its response; cache is nil for a POST.
func execute(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, params *graphql.RawParams, media string, cache *HTTPCache, codes statuses, check CheckVariables, refuse func(status int, code, msg string)) {
	opCtx, errs := exec.CreateOperationContext(r.Context(), params)
	if opCtx != nil && opCtx.Doc != nil && opCtx.Operation == nil && len(errs) == 1 {
		// gqlgen says "operation  not found" (two spaces) for a missing operationName: say which is wrong.
		errs[0].Message = operationNotFound(opCtx.Doc.Operations, params.OperationName)
	}
	// An operation is known only once its document parsed and validated.
	if check != nil && opCtx != nil && opCtx.Operation != nil {
		if err := check(opCtx.Operation, params.Variables); err != nil {
			errs = gqlerror.List{err}
		}
	}
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(r.Context(), opCtx), errs)
		w.WriteHeader(requestErrorStatus(media, errs, codes))
		write(w, resp, true)
		return
	}
	if opCtx.Operation != nil && opCtx.Operation.Operation == ast.Subscription {
		// A subscription streams: over WebSocket, or POST with Accept: text/event-stream (the SSE transport).
		refuse(http.StatusBadRequest, "BAD_REQUEST", "a subscription needs a streaming transport: a WebSocket (graphql-transport-ws), or POST with Accept: text/event-stream")
		return
	}
	if cache != nil {
		if op := opCtx.Doc.Operations.ForName(opCtx.OperationName); op != nil && op.Operation != ast.Query {
			w.Header().Set("Allow", "POST")
			refuse(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "GET runs only query operations; send mutations with POST")
			return
		}
	}
	responses, ctx := exec.DispatchOperation(r.Context(), opCtx)
	resp := responses(ctx)
	if cache == nil || cache.CacheControl == "" || len(resp.Errors) > 0 || len(resp.Extensions) > 0 {
		write(w, resp, false)
		return
	}
	buf := encode(resp, false)
	defer release(buf)
	h := w.Header()
	h.Set("Cache-Control", cache.CacheControl)
	h.Add("Vary", "Accept")
	for _, v := range cache.Vary {
		h.Add("Vary", v)
	}
	etag := entityTag(media, buf.Bytes())
	h.Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && noneMatchHas(inm, etag) {
		h.Del("Content-Type")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	send(w, buf)
}

// entityTag is the strong ETag of an answer: a hash of its media type (the same bytes under another media
// type are another representation) and its body, 128 bits of SHA-256 (hashed once, at gigabytes a second).
func entityTag(media string, body []byte) string {
	d := sha256.New()
	d.Write([]byte(media))
	d.Write([]byte{0})
	d.Write(body)
	var sum [sha256.Size]byte
	var tag [2 + 22]byte // quotes and 16 bytes in unpadded base64url
	tag[0], tag[len(tag)-1] = '"', '"'
	base64.RawURLEncoding.Encode(tag[1:len(tag)-1], d.Sum(sum[:0])[:16])
	return string(tag[:])
}

// noneMatchHas reports whether an If-None-Match value matches etag: "*", or a list that names it, compared
// weakly (W/"x" matches "x"), as RFC 9110 §13.1.2 asks of If-None-Match.
func noneMatchHas(inm, etag string) bool {
	for part := range strings.SplitSeq(inm, ",") {
		t := strings.TrimSpace(part)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// requestErrorStatus is the status of an error raised before execution: 400 for a request that is not
// well-formed (the malformed codes given), whatever the media type; otherwise application/json answers
// 200 (the specification's SHOULD), and application/graphql-response+json answers 400 for a request that
// is not a valid GraphQL request (parse and validation failures, and the invalid codes given: roomgraph's
// limits) and 200 for the rest (for example an unknown persisted query, which clients expect as a GraphQL
// error).
func requestErrorStatus(media string, errs gqlerror.List, codes statuses) int {
	status := http.StatusOK
	for _, e := range errs {
		code, _ := e.Extensions["code"].(string)
		switch {
		case slices.Contains(codes.malformed, code):
			return http.StatusBadRequest
		case media == MediaGraphQLResponse && (code == errcode.ParseFailed || code == errcode.ValidationFailed || slices.Contains(codes.invalid, code)):
			status = http.StatusBadRequest
		}
	}
	return status
}

// WriteRequestError writes one request-level error (no data member) with the given status.
func WriteRequestError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	w.Header().Set("Content-Type", ResponseMedia(r))
	w.Header().Set("Cache-Control", NoStore)
	w.WriteHeader(status)
	write(w, &graphql.Response{Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}}}, true)
}

// refuser returns the function that writes one request-level error (and reports its code).
func refuser(w http.ResponseWriter, r *http.Request, report func(*http.Request, string)) func(status int, code, msg string) {
	return func(status int, code, msg string) {
		if report != nil {
			report(r, code)
		}
		WriteRequestError(w, r, status, code, msg)
	}
}

// ResponseMedia picks the response media type from Accept: application/graphql-response+json when the
// client names it first or only accepts it, else application/json (what every client understands).
func ResponseMedia(r *http.Request) string {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return MediaJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case MediaGraphQLResponse:
			return MediaGraphQLResponse
		case MediaJSON, "*/*", "application/*":
			return MediaJSON
		}
	}
	return MediaJSON
}

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// write writes a response. The data member is gqlgen's own JSON output and is copied as it is; omitData
// leaves it out, as the GraphQL specification asks when an error was raised before execution.
func write(w http.ResponseWriter, resp *graphql.Response, omitData bool) {
	buf := encode(resp, omitData)
	defer release(buf)
	send(w, buf)
}

// encode renders a response into a pooled buffer (give it back with release).
func encode(resp *graphql.Response, omitData bool) *bytes.Buffer {
	buf := buffers.Get().(*bytes.Buffer)
	buf.WriteByte('{')
	sep := false
	member := func(name string) {
		if sep {
			buf.WriteByte(',')
		}
		sep = true
		buf.WriteByte('"')
		buf.WriteString(name)
		buf.WriteString(`":`)
	}
	if len(resp.Errors) > 0 {
		member("errors")
		b, err := json.Marshal(resp.Errors)
		if err != nil {
			b = []byte(`[{"message":"internal error","extensions":{"code":"INTERNAL"}}]`)
		}
		buf.Write(b)
	}
	if !omitData || resp.Data != nil {
		member("data")
		if len(resp.Data) == 0 {
			buf.WriteString("null")
		} else {
			buf.Write(resp.Data)
		}
	}
	if len(resp.Extensions) > 0 {
		member("extensions")
		b, err := json.Marshal(resp.Extensions)
		if err != nil {
			b = []byte("{}")
		}
		buf.Write(b)
	}
	buf.WriteByte('}')
	return buf
}

// release gives a buffer of encode back to the pool, unless it grew too large to keep.
func release(buf *bytes.Buffer) {
	if buf.Cap() <= 1<<20 {
		buf.Reset()
		buffers.Put(buf)
	}
}

// send writes an encoded response.
func send(w http.ResponseWriter, buf *bytes.Buffer) {
	// With its length known, net/http sends the body as it is instead of in chunks: for a large answer one
	// write to the socket fewer (no closing chunk). Ignored when the status was already written.
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}
