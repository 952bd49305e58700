package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
)

// rawResponse is one answer of the gateway as sent: status, media type, body and its decoded members.
type rawResponse struct {
	Status  int
	Media   string
	Body    []byte
	Members map[string]json.RawMessage
	Errors  []gqlError
}

func (r rawResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].code()
}

func (r rawResponse) message() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Message
}

// send sends one GraphQL request: a POST with body as its JSON body, or a GET with body as its query
// string. accept is the Accept header ("" for none); headers are name, value pairs, added (so a name may
// repeat; a name starting with "~" is sent as spelled after it, not canonicalized).
func send(t testing.TB, gwURL, method, body, accept string, headers ...string) rawResponse {
	t.Helper()
	target, reader := gwURL, io.Reader(strings.NewReader(body))
	if method == http.MethodGet {
		target, reader = gwURL+"?"+body, nil
	}
	req, err := http.NewRequest(method, target, reader)
	require.NoError(t, err)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if name, ok := strings.CutPrefix(headers[i], "~"); ok {
			req.Header[name] = append(req.Header[name], headers[i+1]) // sent as spelled
			continue
		}
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out := rawResponse{Status: resp.StatusCode, Media: resp.Header.Get("Content-Type")}
	out.Body, err = io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(out.Body, &out.Members), "a JSON object: %s", out.Body)
	if e, ok := out.Members["errors"]; ok {
		require.NoError(t, json.Unmarshal(e, &out.Errors))
	}
	return out
}

// encodeRequest is a request's POST body, or its GET query string.
func encodeRequest(t testing.TB, method, query string, vars map[string]any) string {
	t.Helper()
	if method == http.MethodGet {
		v := url.Values{"query": {query}}
		if vars != nil {
			b, err := json.Marshal(vars)
			require.NoError(t, err)
			v.Set("variables", string(b))
		}
		return v.Encode()
	}
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	return string(b)
}

const (
	mediaJSON     = "application/json"
	mediaResponse = "application/graphql-response+json"
)

// TestIntrospectionDisabled: with introspection off (the default outside the embedded simulator) every
// operation that asks for the schema is refused before anything runs — a request error with its own code
// and a message that says where the schema is, 400 under application/graphql-response+json, counted under
// its code, and no ERROR in the log (scanners probe for it all day). __typename, and with federation a
// router's `{ _service { sdl } }`, still work.
func TestIntrospectionDisabled(t *testing.T) {
	plain := newObserved(t, defaultSim(), gateway.Config{}, false)
	federated := newObserved(t, defaultSim(), gateway.Config{Federation: true}, false)

	refused := []struct {
		name  string
		gw    *observed
		query string
	}{
		{"schema", plain, `{ __schema { queryType { name } } }`},
		{"type", plain, `{ __type(name: "Room") { name fields { name } } }`},
		{"beside a data field", plain, `{ rooms { totalCount } __schema { types { name } } }`},
		{"in a named fragment", plain, `query { ...F } fragment F on Query { __schema { queryType { name } } }`},
		{"in an inline fragment", plain, `{ ... on Query { __type(name: "Room") { name } } }`},
		{"named operation", plain, `query IntrospectionQuery { __schema { types { name kind } } }`},
		{"over a limit too", plain, `{ __schema { types { ` + strings.Repeat("n: name ", 40) + `} } }`},
		{"federated: schema", federated, `{ __schema { queryType { name } } }`},
		{"federated: beside _service", federated, `{ _service { sdl } __schema { queryType { name } } }`},
		{"federated: _service beside a data field", federated, `{ _service { sdl } rooms { totalCount } }`},
		{"federated: _service in a fragment beside data", federated, `{ ...S rooms { totalCount } } fragment S on Query { _service { sdl } }`},
	}
	want := map[*observed]float64{}
	for _, tc := range refused {
		for _, method := range []string{http.MethodPost, http.MethodGet} {
			for accept, status := range map[string]int{mediaJSON: http.StatusOK, mediaResponse: http.StatusBadRequest} {
				t.Run(tc.name+"/"+method+"/"+accept, func(t *testing.T) {
					tc.gw.calls()
					r := send(t, tc.gw.gwURL, method, encodeRequest(t, method, tc.query, nil), accept)
					assert.Equal(t, status, r.Status, "%s", r.Body)
					assert.Equal(t, accept, r.Media)
					require.Len(t, r.Errors, 1, "%s", r.Body)
					assert.Equal(t, "INTROSPECTION_DISABLED", r.code())
					assert.Contains(t, r.message(), "roomgraph schema", "says how to get the schema")
					assert.NotContains(t, keys(r.Members), "data", "a request error: nothing ran")
					assert.Empty(t, tc.gw.calls(), "no upstream call")
					want[tc.gw]++
				})
			}
		}
	}

	t.Run("still answered", func(t *testing.T) {
		for _, tc := range []struct {
			name, query, data string
			gw                *observed
		}{
			{"__typename", `{ __typename }`, `{"__typename":"Query"}`, plain},
			{"__typename beside data", `{ __typename rooms { totalCount } }`, `{"__typename":"Query","rooms":{"totalCount":` + itoa(len(plain.sim.Rooms(keyA))) + `}}`, plain},
			{"federated __typename", `{ __typename }`, `{"__typename":"Query"}`, federated},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := send(t, tc.gw.gwURL, http.MethodPost, encodeRequest(t, http.MethodPost, tc.query, nil), mediaResponse)
				assert.Equal(t, http.StatusOK, r.Status)
				assert.Empty(t, r.Errors)
				assert.JSONEq(t, tc.data, string(r.Members["data"]))
			})
		}
		r := send(t, federated.gwURL, http.MethodPost, encodeRequest(t, http.MethodPost, `{ __typename _service { sdl } }`, nil), mediaResponse)
		assert.Equal(t, http.StatusOK, r.Status)
		assert.Empty(t, r.Errors)
		assert.Contains(t, string(r.Members["data"]), `@key(fields: \"id\")`, "a router reads the SDL")
	})

	t.Run("counted under its code, never logged as an error", func(t *testing.T) {
		for _, o := range []*observed{plain, federated} {
			mfs := o.scrape(t)
			assert.Equal(t, want[o], sample(mfs, "roomgraph_graphql_errors_total", "code", "INTROSPECTION_DISABLED"))
			assert.Zero(t, sample(mfs, "roomgraph_graphql_errors_total", "code", "INTERNAL"))
			assert.Equal(t, want[o], sample(mfs, "roomgraph_graphql_operations_total", "outcome", "refused"))
			assert.NotContains(t, o.logs.String(), `"level":"ERROR"`)
			lines := logLines(t, o.logs, "graphql operation")
			n := 0
			for _, l := range lines {
				if l["errors"] == "INTROSPECTION_DISABLED" {
					n++
					assert.Equal(t, "INFO", l["level"])
					assert.Equal(t, "refused", l["outcome"])
				}
			}
			assert.Equal(t, int(want[o]), n, "one INFO line per refused request")
		}
	})
}

// keys are a JSON object's member names.
func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestVariableCoercion: variables are coerced as the GraphQL specification's input coercion says (Int is a
// 32-bit integer written as a JSON integer, String takes strings only, Boolean true or false, ID a string or
// an integer, input objects their own fields), over POST and GET. A value that does not coerce is a request
// error — GRAPHQL_VALIDATION_FAILED, 400 under application/graphql-response+json, no data, no upstream
// call — whose message names the variable, where in it, and the value given as the client wrote it.
func TestVariableCoercion(t *testing.T) {
	h := newHarness(t, defaultSim(), gateway.Config{})
	room, _ := roomsBySessions(h.sim, keyA)
	const (
		intQ     = `query($n: Int) { rooms(first: $n) { totalCount } }`
		intReqQ  = `query($n: Int!) { rooms(first: $n) { totalCount } }`
		boolQ    = `query($b: Boolean) { roomSessions(filter: {active: $b}) { totalCount } }`
		stringQ  = `query($s: String) { rooms(filter: {uniqueName: $s}) { totalCount } }`
		idQ      = `query($id: ID!) { room(id: $id) { id } }`
		filterQ  = `query($f: RoomSessionFilter) { roomSessions(filter: $f) { totalCount } }`
		createM  = `mutation($i: CreateRoomInput!) { createRoom(input: $i) { room { id } } }`
		kickM    = `mutation($p: ParticipantSelection!) { kickParticipants(sessionId: "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0", participants: $p) { sessionId } }`
		kickIDsM = `mutation($ids: [ID!]) { kickParticipants(sessionId: "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0", participants: {ids: $ids}) { sessionId } }`
	)
	// raw is a variables object as the client wrote it, so that 1e3, 10.0 and big integers reach the
	// gateway as they are.
	type tc struct {
		name     string
		query    string
		vars     string   // JSON object; "" for none
		path     []any    // the error's path, under "variable"
		contains []string // the message says these
		excludes []string // and not these
	}
	refused := []tc{
		{name: "Int: a numeric string", query: intQ, vars: `{"n": "10"}`, path: []any{"n"}, contains: []string{`$n`, `"10"`, "string"}},
		{name: "Int: a fraction", query: intQ, vars: `{"n": 1.5}`, path: []any{"n"}, contains: []string{`$n`, "1.5", "fraction"}},
		{name: "Int: an exponent", query: intQ, vars: `{"n": 1e3}`, path: []any{"n"}, contains: []string{"1e3", "exponent"}},
		{name: "Int: a whole number with a fraction part", query: intQ, vars: `{"n": 10.0}`, path: []any{"n"}, contains: []string{"10.0"}},
		{name: "Int: a negative exponent", query: intQ, vars: `{"n": 5E-1}`, path: []any{"n"}, contains: []string{"5E-1"}},
		{name: "Int: 2^31", query: intQ, vars: `{"n": 2147483648}`, path: []any{"n"}, contains: []string{"2147483648", "32-bit"}},
		{name: "Int: below -2^31", query: intQ, vars: `{"n": -2147483649}`, path: []any{"n"}, contains: []string{"-2147483649", "32-bit"}},
		{name: "Int: beyond 64 bits", query: intQ, vars: `{"n": 99999999999999999999}`, path: []any{"n"}, contains: []string{"99999999999999999999", "32-bit"}},
		{name: "Int: a boolean", query: intQ, vars: `{"n": true}`, path: []any{"n"}, contains: []string{"true", "boolean"}},
		{name: "Int: an object", query: intQ, vars: `{"n": {"v": 1}}`, path: []any{"n"}, contains: []string{"object"}},
		{name: "Int: a list", query: intQ, vars: `{"n": [1]}`, path: []any{"n"}, contains: []string{"list"}},
		{name: "Int!: not provided", query: intReqQ, vars: `{}`, path: []any{"n"}, contains: []string{`$n`, `Int!`, "not provided"}},
		{name: "Int!: null", query: intReqQ, vars: `{"n": null}`, path: []any{"n"}, contains: []string{`$n`, `Int!`, "null"}},
		{name: "Boolean: 1", query: boolQ, vars: `{"b": 1}`, path: []any{"b"}, contains: []string{`$b`, " 1", "number"}, excludes: []string{"string"}},
		{name: "Boolean: 0", query: boolQ, vars: `{"b": 0}`, path: []any{"b"}, contains: []string{"0", "number"}, excludes: []string{"string"}},
		{name: "Boolean: a string", query: boolQ, vars: `{"b": "true"}`, path: []any{"b"}, contains: []string{`"true"`, "string"}},
		{name: "String: a number", query: stringQ, vars: `{"s": 5}`, path: []any{"s"}, contains: []string{"5", "number"}},
		{name: "String: a boolean", query: stringQ, vars: `{"s": false}`, path: []any{"s"}, contains: []string{"false", "boolean"}},
		{name: "ID: a fraction", query: idQ, vars: `{"id": 1.5}`, path: []any{"id"}, contains: []string{"1.5"}},
		{name: "ID: a boolean", query: idQ, vars: `{"id": true}`, path: []any{"id"}, contains: []string{"boolean"}},
		{name: "ID: an object", query: idQ, vars: `{"id": {}}`, path: []any{"id"}, contains: []string{"object"}},
		{name: "ID!: null", query: idQ, vars: `{"id": null}`, path: []any{"id"}, contains: []string{`$id`, "null"}},
		{name: "ID!: not provided", query: idQ, vars: ``, path: []any{"id"}, contains: []string{`$id`, "not provided"}},
		{name: "input object: a number for a Boolean field", query: filterQ, vars: `{"f": {"active": 1}}`, path: []any{"f", "active"}, contains: []string{`$f`, "f.active", " 1", "number"}, excludes: []string{"string"}},
		{name: "input object: a string for a Boolean field", query: filterQ, vars: `{"f": {"active": "yes"}}`, path: []any{"f", "active"}, contains: []string{`"yes"`, "string"}},
		{name: "input object: a string", query: filterQ, vars: `{"f": "active"}`, path: []any{"f"}, contains: []string{"string"}},
		{name: "input object: an unknown field", query: filterQ, vars: `{"f": {"nope": 1}}`, path: []any{"f", "nope"}, contains: []string{`"nope"`}},
		{name: "input object: an unknown nested field", query: filterQ, vars: `{"f": {"dateCreatedAt": {"eq": "2026-01-01", "x": 1}}}`, path: []any{"f", "dateCreatedAt", "x"}, contains: []string{`"x"`}},
		{name: "input object: a number for a nested object", query: filterQ, vars: `{"f": {"dateCreatedAt": 5}}`, path: []any{"f", "dateCreatedAt"}, contains: []string{"number"}},
		{name: "mutation input: a numeric string for an Int", query: createM, vars: `{"i": {"maxParticipants": "10"}}`, path: []any{"i", "maxParticipants"}, contains: []string{`"10"`, "i.maxParticipants"}},
		{name: "mutation input: a fraction for an Int", query: createM, vars: `{"i": {"maxParticipants": 1.5}}`, path: []any{"i", "maxParticipants"}, contains: []string{"1.5"}},
		{name: "mutation input: an exponent for an Int", query: createM, vars: `{"i": {"maxParticipants": 1e1}}`, path: []any{"i", "maxParticipants"}, contains: []string{"1e1"}},
		{name: "mutation input: an Int beyond 32 bits", query: createM, vars: `{"i": {"webhookTimeoutSecs": 4294967296}}`, path: []any{"i", "webhookTimeoutSecs"}, contains: []string{"4294967296", "32-bit"}},
		{name: "mutation input: a number for a Boolean", query: createM, vars: `{"i": {"enableRecording": 1}}`, path: []any{"i", "enableRecording"}, contains: []string{"number"}, excludes: []string{"string"}},
		{name: "mutation input: a number for a String", query: createM, vars: `{"i": {"uniqueName": 7}}`, path: []any{"i", "uniqueName"}, contains: []string{"7", "number"}},
		{name: "list item: a fraction for an ID", query: kickM, vars: `{"p": {"ids": [1.5]}}`, path: []any{"p", "ids", 0.0}, contains: []string{"p.ids[0]", "1.5"}},
		{name: "list item: a boolean for an ID", query: kickM, vars: `{"p": {"ids": ["0ccc7b54-4df3-4bca-a65a-3da1ecc777f0", true]}}`, path: []any{"p", "ids", 1.0}, contains: []string{"p.ids[1]", "boolean"}},
		{name: "list item: null for an ID!", query: kickM, vars: `{"p": {"ids": [null]}}`, path: []any{"p", "ids", 0.0}, contains: []string{"p.ids[0]", "null"}},
		{name: "list field: a string for a Boolean", query: kickM, vars: `{"p": {"all": "true"}}`, path: []any{"p", "all"}, contains: []string{`"true"`}},
		{name: "list variable: a fraction", query: kickIDsM, vars: `{"ids": ["0ccc7b54-4df3-4bca-a65a-3da1ecc777f0", 2.5]}`, path: []any{"ids", 1.0}, contains: []string{"ids[1]", "2.5"}},
		{name: "list variable: a single fraction", query: kickIDsM, vars: `{"ids": 2.5}`, path: []any{"ids"}, contains: []string{"2.5"}},
	}
	for _, c := range refused {
		for _, method := range []string{http.MethodPost, http.MethodGet} {
			if method == http.MethodGet && strings.HasPrefix(c.query, "mutation") {
				continue
			}
			t.Run(c.name+"/"+method, func(t *testing.T) {
				h.calls()
				r := send(t, h.gwURL, method, rawRequest(method, c.query, c.vars), mediaResponse)
				assert.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
				require.Len(t, r.Errors, 1, "%s", r.Body)
				assert.Equal(t, "GRAPHQL_VALIDATION_FAILED", r.code())
				assert.Equal(t, append([]any{"variable"}, c.path...), r.Errors[0].Path)
				for _, s := range c.contains {
					assert.Contains(t, r.message(), s)
				}
				for _, s := range c.excludes {
					assert.NotContains(t, r.message(), s)
				}
				assert.NotContains(t, keys(r.Members), "data", "a request error: nothing ran")
				assert.Empty(t, h.calls(), "no upstream call")

				j := send(t, h.gwURL, method, rawRequest(method, c.query, c.vars), mediaJSON)
				assert.Equal(t, http.StatusOK, j.Status, "200 under application/json")
				assert.Equal(t, r.Errors, j.Errors)
			})
		}
	}

	// Values that coerce: they reach the resolvers, which may refuse them on their own terms.
	accepted := []struct {
		name, query, vars string
		code              string // "" for no error
	}{
		{"Int", intQ, `{"n": 2}`, ""},
		{"Int: zero", intQ, `{"n": 0}`, ""},
		{"Int: negative zero", intQ, `{"n": -0}`, ""},
		{"Int: null", intQ, `{"n": null}`, ""},
		{"Int: absent", intQ, `{}`, ""},
		{"Int: 2^31-1, out of the resolver's range", intQ, `{"n": 2147483647}`, "BAD_USER_INPUT"},
		{"Int: -2^31, out of the resolver's range", intQ, `{"n": -2147483648}`, "BAD_USER_INPUT"},
		{"Boolean", boolQ, `{"b": false}`, ""},
		{"String", stringQ, `{"s": "standup"}`, ""},
		{"ID: a string", idQ, `{"id": "` + room + `"}`, ""},
		{"ID: an integer, not a UUID", idQ, `{"id": 5}`, "BAD_USER_INPUT"},
		{"input object", filterQ, `{"f": {"active": true, "dateCreatedAt": {"gte": "2026-01-01"}}}`, ""},
		{"input object: __typename is ignored", filterQ, `{"f": {"__typename": "RoomSessionFilter", "active": true}}`, ""},
		{"input object: null fields", filterQ, `{"f": {"active": null, "dateCreatedAt": null}}`, ""},
		{"custom scalar: its own rules", filterQ, `{"f": {"dateCreatedAt": {"eq": 20260101}}}`, "BAD_USER_INPUT"},
		{"mutation input", createM, `{"i": {"maxParticipants": 5, "enableRecording": false, "uniqueName": "coerced"}}`, ""},
	}
	for _, c := range accepted {
		for _, method := range []string{http.MethodPost, http.MethodGet} {
			if method == http.MethodGet && strings.HasPrefix(c.query, "mutation") {
				continue
			}
			t.Run("accepted/"+c.name+"/"+method, func(t *testing.T) {
				r := send(t, h.gwURL, method, rawRequest(method, c.query, c.vars), mediaResponse)
				assert.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
				assert.Contains(t, keys(r.Members), "data", "%s", r.Body)
				if c.code == "" {
					assert.Empty(t, r.Errors)
				} else {
					require.NotEmpty(t, r.Errors)
					assert.Equal(t, c.code, r.code(), "%s", r.Body)
				}
			})
		}
	}
}

// rawRequest is a request's POST body, or its GET query string, with vars (a JSON object) as written.
func rawRequest(method, query, vars string) string {
	if method == http.MethodGet {
		v := url.Values{"query": {query}}
		if vars != "" {
			v.Set("variables", vars)
		}
		return v.Encode()
	}
	q, _ := json.Marshal(query)
	if vars == "" {
		return `{"query": ` + string(q) + `}`
	}
	return `{"query": ` + string(q) + `, "variables": ` + vars + `}`
}

// TestAuthorizationHeaders: a request with more than one credential — two Authorization header lines, or
// two credentials joined by a comma in one — is refused before GraphQL sees it, in either auth mode: the
// gateway never guesses which one counts. BAD_REQUEST with 400 (a malformed request: Authorization is a
// singleton header), no data, no upstream call, the values neither echoed nor logged. One credential,
// auth-params and all, passes; in forward mode only a bearer token of the token68 syntax goes upstream.
func TestAuthorizationHeaders(t *testing.T) {
	const (
		q      = `{ rooms(first: 1) { totalCount } }`
		sigV4  = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
		digest = `Digest username="ops", realm="rooms, video", nonce="dcd98b7102dd2f0e", uri="/graphql", response="6629fae49393a05397450978507c4ef1"`
	)
	modes := map[gateway.AuthMode]*observed{
		gateway.AuthServerKey: newObserved(t, defaultSim(), gateway.Config{Auth: gateway.AuthServerKey}, false),
		gateway.AuthForward:   newObserved(t, defaultSim(), gateway.Config{Auth: gateway.AuthForward}, false),
	}
	refused := []struct {
		name    string
		headers []string
	}{
		{"two headers, one credential twice", []string{"Authorization", "Bearer " + keyA, "Authorization", "Bearer " + keyA}},
		{"two headers, two keys", []string{"Authorization", "Bearer " + keyA, "Authorization", "Bearer " + keyB}},
		{"two headers, the first empty", []string{"Authorization", "", "Authorization", "Bearer " + keyA}},
		{"two spellings of the name", []string{"~authorization", "Bearer " + keyB, "~Authorization", "Bearer " + keyA}},
		{"two credentials in one header", []string{"Authorization", "Bearer " + keyA + ", Bearer " + keyB}},
		{"two credentials without a space", []string{"Authorization", "Bearer " + keyA + ",Bearer " + keyA}},
		{"a credential and a bare token", []string{"Authorization", "Bearer " + keyA + ", " + keyB}},
		{"two schemes", []string{"Authorization", "Basic dXNlcjpwYXNz, Bearer " + keyA}},
	}
	want := map[*observed]float64{}
	for mode, o := range modes {
		for _, tc := range refused {
			for _, method := range []string{http.MethodPost, http.MethodGet} {
				for _, accept := range []string{mediaJSON, mediaResponse} {
					t.Run(string(mode)+"/"+tc.name+"/"+method+"/"+accept, func(t *testing.T) {
						o.calls()
						r := send(t, o.gwURL, method, encodeRequest(t, method, q, nil), accept, tc.headers...)
						assert.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
						require.Len(t, r.Errors, 1, "%s", r.Body)
						assert.Equal(t, "BAD_REQUEST", r.code())
						assert.Contains(t, r.message(), "Authorization")
						assert.NotContains(t, keys(r.Members), "data")
						assert.NotContains(t, string(r.Body), "KEY_", "no credential echoed")
						assert.NotContains(t, string(r.Body), "dXNlcjpwYXNz", "no credential echoed")
						assert.Empty(t, o.calls(), "no upstream call")
						want[o]++
					})
				}
			}
		}
	}

	accepted := []struct {
		name    string
		mode    gateway.AuthMode
		headers []string
		code    string // "" for data without errors
	}{
		{"key mode: no header", gateway.AuthServerKey, nil, ""},
		{"key mode: one bearer token (not used)", gateway.AuthServerKey, []string{"Authorization", "Bearer KEY_someone_else"}, ""},
		{"key mode: one credential with auth-params", gateway.AuthServerKey, []string{"Authorization", sigV4}, ""},
		{"key mode: a quoted comma", gateway.AuthServerKey, []string{"Authorization", digest}, ""},
		{"forward: one bearer token", gateway.AuthForward, []string{"Authorization", "Bearer " + keyA}, ""},
		{"forward: the scheme in another case", gateway.AuthForward, []string{"Authorization", "bearer " + keyA}, ""},
		{"forward: no header", gateway.AuthForward, nil, "UNAUTHENTICATED"},
		{"forward: one credential with auth-params", gateway.AuthForward, []string{"Authorization", sigV4}, "UNAUTHENTICATED"},
		{"forward: a bearer token with a space", gateway.AuthForward, []string{"Authorization", "Bearer " + keyA + " " + keyB}, "UNAUTHENTICATED"},
		{"forward: a bearer token and a trailing comma", gateway.AuthForward, []string{"Authorization", "Bearer " + keyA + ","}, "UNAUTHENTICATED"},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			o := modes[tc.mode]
			o.calls()
			r := send(t, o.gwURL, http.MethodPost, encodeRequest(t, http.MethodPost, q, nil), mediaResponse, tc.headers...)
			assert.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			if tc.code == "" {
				assert.Empty(t, r.Errors, "%s", r.Body)
				assert.NotEmpty(t, o.calls())
				return
			}
			require.Len(t, r.Errors, 1, "%s", r.Body)
			assert.Equal(t, tc.code, r.code())
			assert.Empty(t, o.calls(), "no upstream call for a credential that cannot be a key")
		})
	}

	t.Run("counted, and no credential in the log", func(t *testing.T) {
		for _, o := range modes {
			assert.Equal(t, want[o], sample(o.scrape(t), "roomgraph_graphql_errors_total", "code", "BAD_REQUEST"))
			assert.NotContains(t, o.logs.String(), "KEY_")
			assert.NotContains(t, o.logs.String(), "dXNlcjpwYXNz")
		}
	})
}
