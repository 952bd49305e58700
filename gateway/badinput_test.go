package gateway_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
)

// badRequest is one entry of the bad-input corpus: a raw HTTP request and what must come back.
type badRequest struct {
	name        string
	method      string // default POST
	contentType string // default application/json
	body        string // raw body (POST) or query string (GET)
	status      int    // expected HTTP status
	code        string // expected extensions.code of the first error
}

func gqlBody(query string, vars map[string]any) string {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return string(b)
}

// badInputCorpus builds the corpus over real ids and cursors of the harness's simulator.
func badInputCorpus(t *testing.T, h *harness) []badRequest {
	f := newCursorFixture(t, h)
	room, other, cursor, filtered, tampered := f.room, f.other, f.cursor, f.filtered, f.tampered

	sessions := func(args string) string {
		return gqlBody(`{ room(id: "`+room+`") { sessions(`+args+`) { nodes { id } } } }`, nil)
	}
	withVars := func(q string, vars map[string]any) string { return gqlBody(q, vars) }
	const ok = http.StatusOK
	// Request errors (parse, validation, limits) answer 200 under application/json, as the GraphQL-over-HTTP
	// spec asks; the corpus sends no Accept header. TestRequestErrorStatuses covers graphql-response+json.
	const unproc = http.StatusOK
	c := []badRequest{
		// The HTTP envelope.
		{name: "malformed JSON", body: `{"query": "{ rooms { totalCount } }"`, status: 400, code: "BAD_REQUEST"},
		{name: "empty body", body: ``, status: 400, code: "BAD_REQUEST"},
		{name: "JSON null", body: `null`, status: 400, code: "BAD_REQUEST"},
		{name: "JSON string", body: `"{ rooms { totalCount } }"`, status: 400, code: "BAD_REQUEST"},
		{name: "batched array", body: `[{"query":"{ rooms { totalCount } }"},{"query":"{ rooms { totalCount } }"}]`, status: 400, code: "BATCH_NOT_SUPPORTED"},
		{name: "query is a number", body: `{"query": 5}`, status: 400, code: "BAD_REQUEST"},
		{name: "query is an object", body: `{"query": {"rooms": 1}}`, status: 400, code: "BAD_REQUEST"},
		{name: "variables is a string", body: `{"query": "{ rooms { totalCount } }", "variables": "x"}`, status: 400, code: "BAD_REQUEST"},
		{name: "variables is an array", body: `{"query": "{ rooms { totalCount } }", "variables": [1]}`, status: 400, code: "BAD_REQUEST"},
		{name: "operationName is a number", body: `{"query": "{ rooms { totalCount } }", "operationName": 1}`, status: 400, code: "BAD_REQUEST"},
		{name: "extensions is a string", body: `{"query": "{ rooms { totalCount } }", "extensions": "x"}`, status: 400, code: "BAD_REQUEST"},
		{name: "invalid UTF-8", body: "{\"query\": \"{ rooms(filter: {uniqueName: \\\"\xff\xfe\\\"}) { totalCount } }\"}", status: 400, code: "BAD_REQUEST"},
		{name: "text/plain", contentType: "text/plain", body: `{"query": "{ rooms { totalCount } }"}`, status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "form encoded", contentType: "application/x-www-form-urlencoded", body: `query=%7B%7D`, status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "no content type", contentType: "-", body: `{"query": "{ rooms { totalCount } }"}`, status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "huge body", body: `{"query": "{ rooms { totalCount } }", "extensions": {"pad": "` + strings.Repeat("x", 2<<20) + `"}}`, status: 413, code: "REQUEST_TOO_LARGE"},
		{name: "PUT", method: http.MethodPut, body: `{"query": "{ rooms { totalCount } }"}`, status: 405, code: "METHOD_NOT_ALLOWED"},
		{name: "DELETE", method: http.MethodDelete, status: 405, code: "METHOD_NOT_ALLOWED"},
		{name: "GET mutation", method: http.MethodGet, body: url.Values{"query": {`mutation { deleteRoom(id: "` + room + `") { deletedRoomId } }`}}.Encode(), status: 405, code: "METHOD_NOT_ALLOWED"},
		{name: "GET without a query", method: http.MethodGet, body: "", status: 400, code: "BAD_REQUEST"},
		{name: "GET with bad variables", method: http.MethodGet, body: url.Values{"query": {`{ rooms { totalCount } }`}, "variables": {"{nope"}}.Encode(), status: 400, code: "BAD_REQUEST"},
		{name: "missing query", body: `{}`, status: 400, code: "BAD_REQUEST"},
		{name: "unknown operation name", body: `{"query": "query A { rooms { totalCount } }", "operationName": "B"}`, status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "two operations, no name", body: gqlBody(`query A { rooms { totalCount } } query B { rooms { totalCount } }`, nil), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},

		// The document.
		{name: "syntax error", body: gqlBody(`{ room(`, nil), status: unproc, code: "GRAPHQL_PARSE_FAILED"},
		{name: "unknown field", body: gqlBody(`{ rooms { totalCount secret } }`, nil), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "unknown argument", body: gqlBody(`{ rooms(limit: 5) { totalCount } }`, nil), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "unknown filter field", body: gqlBody(`{ rooms(filter: {name: "x"}) { totalCount } }`, nil), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "missing required argument", body: gqlBody(`{ room { id } }`, nil), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "id of the wrong type", body: gqlBody(`{ room(id: true) { id } }`, nil), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "first of the wrong type", body: gqlBody(`{ rooms(first: "ten") { totalCount } }`, nil), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "first beyond 32 bits", body: gqlBody(`{ rooms(first: 99999999999) { totalCount } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "fragment cycle", body: gqlBody(`{ rooms { ...A } } fragment A on RoomConnection { ...B } fragment B on RoomConnection { ...A }`, nil), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "unknown fragment", body: gqlBody(`{ rooms { ...Nope } }`, nil), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "unused variable", body: withVars(`query($x: Int) { rooms { totalCount } }`, nil), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "undefined variable", body: withVars(`{ rooms(first: $x) { totalCount } }`, nil), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "variable of the wrong declared type", body: withVars(`query($x: String) { rooms(first: $x) { totalCount } }`, map[string]any{"x": "3"}), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "variable value of the wrong type", body: withVars(`query($x: Int) { rooms(first: $x) { totalCount } }`, map[string]any{"x": "ten"}), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "null for a non-null variable", body: withVars(`query($id: ID!) { room(id: $id) { id } }`, map[string]any{"id": nil}), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "selection on a scalar", body: gqlBody(`{ rooms { totalCount { x } } }`, nil), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "object without a selection", body: gqlBody(`{ rooms }`, nil), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "subscription", body: gqlBody(`subscription { rooms { totalCount } }`, nil), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "unknown directive", body: gqlBody(`{ rooms @cached { totalCount } }`, nil), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "filter variable with an unknown field", body: withVars(`query($f: RoomFilter) { rooms(filter: $f) { totalCount } }`, map[string]any{"f": map[string]any{"nope": 1}}), status: unproc, code: "GRAPHQL_VALIDATION_FAILED"},

		// Arguments: refused before any upstream call.
		{name: "date that does not exist", body: gqlBody(`{ rooms(filter: {dateCreatedAt: {eq: "2026-02-30"}}) { totalCount } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "two-digit year", body: gqlBody(`{ rooms(filter: {dateCreatedAt: {gte: "26-01-01"}}) { totalCount } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "empty date", body: gqlBody(`{ roomSessions(filter: {dateEndedAt: {lte: ""}}) { totalCount } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "date without zero padding", body: gqlBody(`{ roomSessions(filter: {dateUpdatedAt: {eq: "2026-1-1"}}) { totalCount } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "timestamp for a date", body: gqlBody(`{ roomParticipants(filter: {dateJoinedAt: {eq: "2026-01-01T00:00:00Z"}}) { totalCount } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "date as a number", body: withVars(`query($d: Date) { rooms(filter: {dateCreatedAt: {eq: $d}}) { totalCount } }`, map[string]any{"d": 20260101}), status: ok, code: "BAD_USER_INPUT"},
		{name: "relative date", body: gqlBody(`{ roomParticipants(filter: {dateLeftAt: {gte: "yesterday"}}) { totalCount } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "date with a space", body: gqlBody(`{ rooms(filter: {dateUpdatedAt: {lte: " 2026-01-01"}}) { totalCount } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "empty id", body: gqlBody(`{ room(id: "") { uniqueName } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "id that is a name", body: gqlBody(`{ room(id: "standup") { uniqueName } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "id with a path", body: gqlBody(`{ roomSession(id: "../../rooms") { id } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "id one digit short", body: gqlBody(`{ roomParticipant(id: "0ccc7b54-4df3-4bca-a65a-3da1ecc777f") { id } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "id with a query string", body: gqlBody(`{ room(id: "`+room+`?x=1") { uniqueName } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "roomId filter not a uuid", body: gqlBody(`{ roomSessions(roomId: "r1") { totalCount } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "garbage cursor", body: sessions(`after: "not-a-cursor"`), status: ok, code: "BAD_USER_INPUT"},
		{name: "empty cursor", body: sessions(`before: ""`), status: ok, code: "BAD_USER_INPUT"},
		{name: "tampered cursor", body: sessions(`after: "` + tampered + `"`), status: ok, code: "BAD_USER_INPUT"},
		{name: "cursor of another room", body: gqlBody(`{ room(id: "`+other+`") { sessions(after: "`+cursor+`") { nodes { id } } } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "cursor of another filter", body: sessions(`after: "` + filtered + `"`), status: ok, code: "BAD_USER_INPUT"},
		{name: "cursor of another list", body: gqlBody(`{ roomSessions(after: "`+cursor+`") { totalCount } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "base64 junk cursor", body: sessions(`after: "` + base64.RawURLEncoding.EncodeToString([]byte("v1:12:room")) + `"`), status: ok, code: "BAD_USER_INPUT"},
		{name: "negative first", body: sessions(`first: -1`), status: ok, code: "BAD_USER_INPUT"},
		{name: "first above the maximum", body: sessions(`first: 101`), status: ok, code: "BAD_USER_INPUT"},
		{name: "huge first", body: sessions(`first: 2147483647`), status: ok, code: "BAD_USER_INPUT"},
		{name: "negative last", body: sessions(`last: -3`), status: ok, code: "BAD_USER_INPUT"},
		{name: "last above the maximum", body: sessions(`last: 101`), status: ok, code: "BAD_USER_INPUT"},
		{name: "first above the maximum on rooms", body: gqlBody(`{ rooms(first: 500) { totalCount } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "mutation out of range", body: gqlBody(`mutation { createRoom(input: {maxParticipants: 0}) { room { id } } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "mutation with a bad webhook URL", body: gqlBody(`mutation { updateRoom(id: "`+room+`", input: {webhookEventUrl: "javascript:alert(1)"}) { room { id } } }`, nil), status: ok, code: "BAD_USER_INPUT"},
		{name: "kick with nobody", body: gqlBody(`mutation { kickParticipants(sessionId: "`+room+`", participants: {}) { sessionId } }`, nil), status: ok, code: "BAD_USER_INPUT"},
	}
	// Limits: refused after validation, before any resolver.
	deep := "{ roomSession(id: \"" + room + "\") { " + strings.Repeat("room { sessions { nodes { ", 4) + "id" + strings.Repeat(" } } }", 4) + " } }"
	var aliases, roots strings.Builder
	for i := range 40 {
		fmt.Fprintf(&aliases, "a%d: totalCount ", i)
	}
	for range 25 {
		roots.WriteString("rooms { totalCount } ")
	}
	c = append(c,
		badRequest{name: "too deep", body: gqlBody(deep, nil), status: unproc, code: "QUERY_LIMIT_EXCEEDED"},
		badRequest{name: "alias bomb", body: gqlBody(`{ rooms { `+aliases.String()+` } }`, nil), status: unproc, code: "QUERY_LIMIT_EXCEEDED"},
		badRequest{name: "too many root fields", body: gqlBody(`{ `+roots.String()+` }`, nil), status: unproc, code: "QUERY_LIMIT_EXCEEDED"},
		badRequest{name: "cost bomb", body: gqlBody(`{ rooms(first: 100) { nodes { sessions(first: 100) { nodes { participantsConnection(first: 100) { nodes { id } } } } } } }`, nil), status: unproc, code: "QUERY_LIMIT_EXCEEDED"},
		badRequest{name: "cost bomb through variables", body: gqlBody(`query($n: Int = 100) { roomSessions(first: $n) { nodes { room { uniqueName sessions(first: $n) { nodes { participantsConnection { totalCount } } } } } } }`, nil), status: unproc, code: "QUERY_LIMIT_EXCEEDED"},
		badRequest{name: "too many tokens", body: gqlBody(`{ rooms { `+strings.Repeat("totalCount ", 16000)+` } }`, nil), status: unproc, code: "GRAPHQL_PARSE_FAILED"},
	)
	return c
}

// TestBadInputCorpus: every entry gets a clear error with a code, never a 500, and costs no upstream call.
func TestBadInputCorpus(t *testing.T) { forExecutors(t, testBadInputCorpus) }

func testBadInputCorpus(t *testing.T, e executor) {
	h := newHarness(t, surfaceSim(), e.config(gateway.Config{}))
	corpus := badInputCorpus(t, h)
	require.GreaterOrEqual(t, len(corpus), 60)
	for _, tc := range corpus {
		t.Run(tc.name, func(t *testing.T) {
			h.calls()
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			target := h.gwURL
			var body io.Reader = strings.NewReader(tc.body)
			if method == http.MethodGet {
				target += "?" + tc.body
				body = nil
			}
			req, err := http.NewRequest(method, target, body)
			require.NoError(t, err)
			switch tc.contentType {
			case "":
				req.Header.Set("Content-Type", "application/json")
			case "-":
			default:
				req.Header.Set("Content-Type", tc.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			require.NoError(t, err)

			assert.Equal(t, tc.status, resp.StatusCode, "body: %.300s", raw)
			assert.Less(t, resp.StatusCode, 500)
			var out response
			require.NoError(t, json.Unmarshal(raw, &out), "a JSON body: %.300s", raw)
			require.NotEmpty(t, out.Errors, "an error")
			assert.NotEmpty(t, out.Errors[0].Message)
			if tc.code != "" {
				assert.Equal(t, tc.code, out.Errors[0].code(), "%+v", out.Errors)
			}
			assert.Empty(t, h.calls(), "no upstream call")
			assert.False(t, bytes.Contains(raw, []byte("xxxxxxxxxx")), "the body is not echoed back")
		})
	}
}
