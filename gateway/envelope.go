package gateway

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/sync/semaphore"

	"github.com/roomgraph/roomgraph/internal/edge/gqlhttp"
	"github.com/roomgraph/roomgraph/internal/telemetry"

	json "github.com/goccy/go-json" // every request body is checked here; why goccy: BENCHMARKS.md
)

// Codes of requests refused before GraphQL sees them.
const (
	codeBadRequest       = "BAD_REQUEST"
	codeBatchUnsupported = "BATCH_NOT_SUPPORTED"
	codeTooLarge         = "REQUEST_TOO_LARGE"
	codeMediaType        = "UNSUPPORTED_MEDIA_TYPE"
	codeMethod           = "METHOD_NOT_ALLOWED"
	codeBusy             = "SERVER_BUSY"
)

// bodyBudget bounds the bytes of request bodies read and held at once, across every connection: a door
// bounded before anyone is authenticated. A request reserves its declared length (the most a chunked body
// may take) before reading any of it, and gives it back once its response is written.
type bodyBudget struct {
	sem     *semaphore.Weighted
	metrics *telemetry.Metrics
}

func newBodyBudget(bytes int64, metrics *telemetry.Metrics) *bodyBudget {
	return &bodyBudget{sem: semaphore.NewWeighted(bytes), metrics: metrics}
}

// reserve takes n bytes if they are free now, never waiting: a full budget is answered at once (503), not
// queued behind the slow bodies that fill it.
func (b *bodyBudget) reserve(n int64) bool {
	if !b.sem.TryAcquire(n) {
		return false
	}
	b.metrics.BodyBytes(n)
	return true
}

// release gives back n reserved bytes.
func (b *bodyBudget) release(n int64) {
	b.metrics.BodyBytes(-n)
	b.sem.Release(n)
}

// checkEnvelope refuses, before gqlgen parses anything, the requests that are not a well-formed GraphQL
// request: wrong method or media type, bodies over the limit, invalid UTF-8 or JSON, arrays of operations
// (batching is not supported), members of the wrong type. Each refusal is a GraphQL error with a code in
// extensions and the HTTP status the GraphQL-over-HTTP spec asks for, and never echoes the body back
// (gqlgen's own decode error would).
//
// A POST's body is read only when its declared length is within maxBody and budget has room for it; else
// it is answered (413, or 503 with Retry-After) without reading any of it. net/http sends a client's
// `100 Continue` only when the handler first reads the body, so a client that asked for it gets the refusal
// instead, and never sends the body.
func checkEnvelope(maxBody int64, budget *bodyBudget, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodOptions, http.MethodHead:
			r.Body = http.MaxBytesReader(w, r.Body, maxBody) // nothing should read it; bounded all the same
			next.ServeHTTP(w, r)
			return
		case http.MethodPost:
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			refuse(w, r, http.StatusMethodNotAllowed, codeMethod, "use GET or POST for GraphQL requests")
			return
		}
		if !gqlhttp.IsJSON(r.Header.Get("Content-Type")) {
			refuse(w, r, http.StatusUnsupportedMediaType, codeMediaType, "send the request body as application/json")
			return
		}
		if r.ContentLength > maxBody {
			refuse(w, r, http.StatusRequestEntityTooLarge, codeTooLarge, tooLarge(maxBody))
			return
		}
		reserved := r.ContentLength
		if reserved < 0 {
			reserved = maxBody // chunked: at most the limit
		}
		if !budget.reserve(reserved) {
			w.Header().Set("Retry-After", "1")
			refuse(w, r, http.StatusServiceUnavailable, codeBusy, "the server is reading as many request bodies as it holds at once: retry in a moment")
			return
		}
		defer func() { budget.release(reserved) }() // the body is referenced until the response is written
		body, err := readBody(w, r, maxBody)
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				refuse(w, r, http.StatusRequestEntityTooLarge, codeTooLarge, tooLarge(maxBody))
				return
			}
			refuse(w, r, http.StatusBadRequest, codeBadRequest, "could not read the request body")
			return
		}
		members, msg, code := badBody(body)
		if msg != "" {
			refuse(w, r, http.StatusBadRequest, code, msg)
			return
		}
		if eventStream(r) && int64(len(body)) < reserved {
			// A subscription over SSE holds its body for as long as it lives: only the bytes it has stay
			// reserved (a chunked one reserved the whole limit).
			budget.release(reserved - int64(len(body)))
			reserved = int64(len(body))
		}
		r.Body = gqlhttp.NewCheckedBody(body, members) // read by the POST transport without a copy or a second parse
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// eventStream reports whether a POST asks for a GraphQL-over-SSE answer (gqlgen's SSE transport takes it).
func eventStream(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

func tooLarge(maxBody int64) string {
	return "the request body is larger than " + strconv.FormatInt(maxBody, 10) + " bytes"
}

// readBody reads a POST's body: into a buffer of exactly its declared length, which the budget reserved
// (a growing buffer would take up to twice that), or when chunked, up to maxBody.
func readBody(w http.ResponseWriter, r *http.Request, maxBody int64) ([]byte, error) {
	if r.ContentLength < 0 {
		return io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	}
	body := make([]byte, r.ContentLength)
	_, err := io.ReadFull(r.Body, body)
	return body, err
}

// badBody says what is wrong with a POST body, or "" with the body's top-level members (the POST transport
// decodes those instead of the body again).
func badBody(body []byte) (shape gqlhttp.Members, msg, code string) {
	if !utf8.Valid(body) {
		return shape, "the request body is not valid UTF-8", codeBadRequest
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return shape, "batched requests (a JSON array of operations) are not supported: send one operation per request", codeBatchUnsupported
	}
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return shape, `the request body must be a JSON object such as {"query": "{ rooms { totalCount } }"}`, codeBadRequest
	}
	shape, err := gqlhttp.ParseMembers(body)
	if err != nil {
		return shape, "the request body is not valid JSON", codeBadRequest
	}
	switch {
	case len(shape.Query) == 0 && !hasPersistedQuery(shape.Extensions):
		return shape, `"query" is required: a string holding a GraphQL document (or extensions.persistedQuery with its hash)`, codeBadRequest
	case !isKind(shape.Query, '"'):
		return shape, `"query" must be a string holding a GraphQL document`, codeBadRequest
	case !isKind(shape.OperationName, '"', 'n'):
		return shape, `"operationName" must be a string or null`, codeBadRequest
	case !isKind(shape.Variables, '{', 'n'):
		return shape, `"variables" must be an object or null`, codeBadRequest
	case !isKind(shape.Extensions, '{', 'n'):
		return shape, `"extensions" must be an object or null`, codeBadRequest
	}
	return shape, "", ""
}

// hasPersistedQuery reports whether extensions name a persisted query (APQ or a trusted document).
func hasPersistedQuery(ext json.RawMessage) bool {
	var m map[string]json.RawMessage
	return len(ext) > 0 && json.Unmarshal(ext, &m) == nil && len(m["persistedQuery"]) > 0 && string(m["persistedQuery"]) != "null"
}

// isKind reports whether a JSON member is absent or starts with one of the given bytes. Absent members
// pass: a persisted query has no "query", and gqlgen reports a missing one itself.
func isKind(v json.RawMessage, first ...byte) bool {
	if len(v) == 0 {
		return true
	}
	return bytes.IndexByte(first, v[0]) >= 0
}

// refuse writes a request-level GraphQL error.
func refuse(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	noteRefusal(r.Context(), code)
	gqlhttp.WriteRequestError(w, r, status, code, msg)
}
