package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
)

// apqRequest sends one APQ request: query ("" for the hash alone) with extensions.persistedQuery set to pq,
// over POST, or over GET when get is set; headers are name, value pairs.
func apqRequest(t testing.TB, gwURL string, get bool, query string, pq any, headers ...string) response {
	t.Helper()
	ext, err := json.Marshal(map[string]any{"persistedQuery": pq})
	require.NoError(t, err)
	var req *http.Request
	if get {
		v := url.Values{"extensions": {string(ext)}}
		if query != "" {
			v.Set("query", query)
		}
		req, err = http.NewRequest(http.MethodGet, gwURL+"?"+v.Encode(), nil)
	} else {
		m := map[string]any{"extensions": json.RawMessage(ext)}
		if query != "" {
			m["query"] = query
		}
		body, _ := json.Marshal(m)
		req, err = http.NewRequest(http.MethodPost, gwURL, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	require.NoError(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out response
	require.NoError(t, json.Unmarshal(raw, &out), "%s", raw)
	out.Status = resp.StatusCode
	return out
}

func persistedQuery(hash string) map[string]any {
	return map[string]any{"version": 1, "sha256Hash": hash}
}

// TestAPQRegistersOnlyRunnableDocuments: a document is remembered under its hash only once it parsed,
// validated and passed the query limits, only when it is small enough to cache, and in forward mode only
// for a caller that presents a credential. Whatever was not registered answers PERSISTED_QUERY_NOT_FOUND
// when asked for by hash.
func TestAPQRegistersOnlyRunnableDocuments(t *testing.T) {
	const valid = `{ rooms(first: 2) { totalCount } }`
	bearer := []string{"Authorization", "Bearer " + keyA}
	cases := []struct {
		name       string
		cfg        gateway.Config
		query      string
		headers    []string
		registered bool
	}{
		{name: "a valid document", query: valid, registered: true},
		{name: "a document that does not parse", query: `{ rooms(`},
		{name: "a document that does not validate", query: `{ rooms { secret } }`},
		{name: "a document over a query limit", query: `{ rooms { ` + strings.Repeat("a: totalCount ", 31) + `} }`},
		{name: "a document above the size limit of cached documents", query: "# " + strings.Repeat("x", 64<<10) + "\n" + valid},
		{name: "forward mode, a caller without a credential", cfg: gateway.Config{Auth: gateway.AuthForward}, query: valid},
		{name: "forward mode, a caller with a credential", cfg: gateway.Config{Auth: gateway.AuthForward}, query: valid, headers: bearer, registered: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, defaultSim(), tc.cfg)
			apqRequest(t, h.gwURL, false, tc.query, persistedQuery(sha(tc.query)), tc.headers...)
			r := apqRequest(t, h.gwURL, true, "", persistedQuery(sha(tc.query)), bearer...)
			if tc.registered {
				assert.Empty(t, r.Errors, "the hash alone runs the registered document")
				assert.JSONEq(t, `{"rooms":{"totalCount":8}}`, string(r.Data))
				return
			}
			assert.Equal(t, []string{"PERSISTED_QUERY_NOT_FOUND"}, r.codes(), "not registered")
		})
	}
}

// TestAPQErrorsAreTyped: every refusal of the APQ protocol has a code, the GraphQL-over-HTTP status (a
// request that is not well-formed is 400 whatever the media type; an invalid one 400 under
// application/graphql-response+json and 200 under application/json), and counts under its code.
func TestAPQErrorsAreTyped(t *testing.T) {
	o := newObserved(t, defaultSim(), gateway.Config{}, false)
	const q = `{ rooms(first: 1) { totalCount } }`
	cases := []struct {
		name       string
		query      string
		pq         any
		code       string
		statusJSON int // under Accept: application/json
		statusGQL  int // under Accept: application/graphql-response+json
	}{
		{name: "hash does not match the query", query: q, pq: persistedQuery(sha("{ other }")), code: "PERSISTED_QUERY_HASH_MISMATCH", statusJSON: 200, statusGQL: 400},
		{name: "unsupported version", query: q, pq: map[string]any{"version": 2, "sha256Hash": sha(q)}, code: "BAD_REQUEST", statusJSON: 400, statusGQL: 400},
		{name: "no version", query: q, pq: map[string]any{"sha256Hash": sha(q)}, code: "BAD_REQUEST", statusJSON: 400, statusGQL: 400},
		{name: "persistedQuery is not an object", query: q, pq: "abc", code: "BAD_REQUEST", statusJSON: 400, statusGQL: 400},
		{name: "hash is not a string", query: q, pq: map[string]any{"version": 1, "sha256Hash": 12}, code: "BAD_REQUEST", statusJSON: 400, statusGQL: 400},
		{name: "hash is not a SHA-256", pq: persistedQuery("abc"), code: "BAD_REQUEST", statusJSON: 400, statusGQL: 400},
		{name: "unknown hash", pq: persistedQuery(sha("{ never sent }")), code: "PERSISTED_QUERY_NOT_FOUND", statusJSON: 200, statusGQL: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, get := range []bool{false, true} {
				for accept, status := range map[string]int{"application/json": tc.statusJSON, "application/graphql-response+json": tc.statusGQL} {
					r := apqRequest(t, o.gwURL, get, tc.query, tc.pq, "Accept", accept)
					assert.Equal(t, []string{tc.code}, r.codes(), "GET %v, %s: %+v", get, accept, r.Errors)
					assert.Equal(t, status, r.Status, "GET %v, %s", get, accept)
					assert.Nil(t, r.Data, "no data: nothing ran")
				}
			}
		})
	}
	mfs := o.scrape(t)
	for _, code := range []string{"PERSISTED_QUERY_HASH_MISMATCH", "BAD_REQUEST", "PERSISTED_QUERY_NOT_FOUND"} {
		assert.Positive(t, sample(mfs, "roomgraph_graphql_errors_total", "code", code), "counted under %s", code)
	}
}

// liveHeap is the heap the last complete garbage collection found live, after forcing one.
func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestAPQFloodIsBounded: the attack of issue 16 (300 registrations of 1 MB documents took RSS from 44 to
// 446 MB), scaled to stay quick under the race detector: 40 registrations of 1 MB documents held 40 MB of
// heap when APQ registered whatever hashed right, before parsing, in a cache bounded in entries only. Now a
// document is registered once it parsed and validated, and one above the size limit of cached documents is
// cached by neither APQ nor the parsed-document cache: the live heap grows by less than the stated bound,
// APQ's byte budget (4 MiB by default) and 8 MiB of slack. Most documents do not parse (their first token
// is wrong); 10 of 100 KiB parse and validate, and are too long to cache.
func TestAPQFloodIsBounded(t *testing.T) {
	h := newHarness(t, defaultSim(), gateway.Config{})
	bound := gateway.Config{}.Defaults().APQCacheBytes + 8<<20
	before := liveHeap()
	pad := strings.Repeat("x", 1000<<10)
	for i := range 40 {
		q := "} " + itoa(i) + pad
		r := apqRequest(t, h.gwURL, false, q, persistedQuery(sha(q)))
		require.Equal(t, []string{"GRAPHQL_PARSE_FAILED"}, r.codes())
	}
	pad = strings.Repeat("x", 100<<10)
	for i := range 10 {
		q := "# " + itoa(i) + pad + "\n{ __typename }"
		r := apqRequest(t, h.gwURL, false, q, persistedQuery(sha(q)))
		require.Empty(t, r.Errors)
	}
	grown := int64(liveHeap()) - int64(before)
	t.Logf("live heap grew by %.1f MiB", float64(grown)/(1<<20))
	assert.Less(t, grown, bound, "live heap growth under an APQ flood")
}
