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
// repeat).
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
