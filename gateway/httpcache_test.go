package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// cacheRequest sends one GraphQL request over GET (the query and extensions as URL parameters) or POST, and
// returns the response with its whole body; headers are name, value pairs.
func cacheRequest(t testing.TB, gwURL, method, query string, extensions map[string]any, headers ...string) (*http.Response, []byte) {
	t.Helper()
	var req *http.Request
	var err error
	if method == http.MethodGet {
		v := url.Values{}
		if query != "" {
			v.Set("query", query)
		}
		if extensions != nil {
			ext, _ := json.Marshal(extensions)
			v.Set("extensions", string(ext))
		}
		req, err = http.NewRequest(http.MethodGet, gwURL+"?"+v.Encode(), nil)
	} else {
		body, _ := json.Marshal(map[string]any{"query": query, "extensions": extensions})
		req, err = http.NewRequest(method, gwURL, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	require.NoError(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

var etagShape = regexp.MustCompile(`^"[A-Za-z0-9_-]{22}"$`)

// TestHTTPCaching: a query over GET that ran without errors or trace is cacheable (public in key mode,
// private and varying on Authorization in forward mode) with a strong ETag, and a matching If-None-Match
// answers 304 with no body; the operation still ran (and called the upstream) to learn the ETag. POST
// answers, errors and traced answers are no-store, without ETag, whatever If-None-Match says.
func TestHTTPCaching(t *testing.T) {
	const (
		ok       = `{ rooms(first: 2) { nodes { id uniqueName } } }`
		notFound = `{ room(id: "7d9c2c3e-0000-4000-8000-000000000000") { uniqueName } }`
	)
	type ifNoneMatch int
	const (
		none ifNoneMatch = iota
		match
		weakMatch
		mismatch
		star
		listWithMatch
	)
	cases := []struct {
		name       string
		method     string
		query      string
		trace      bool
		noKey      bool // forward mode: no Authorization
		inm        ifNoneMatch
		wantStatus int
		cacheable  bool
	}{
		{name: "GET success", method: http.MethodGet, query: ok, wantStatus: 200, cacheable: true},
		{name: "GET success, If-None-Match matches", method: http.MethodGet, query: ok, inm: match, wantStatus: 304, cacheable: true},
		{name: "GET success, If-None-Match matches weakly", method: http.MethodGet, query: ok, inm: weakMatch, wantStatus: 304, cacheable: true},
		{name: "GET success, If-None-Match other", method: http.MethodGet, query: ok, inm: mismatch, wantStatus: 200, cacheable: true},
		{name: "GET success, If-None-Match *", method: http.MethodGet, query: ok, inm: star, wantStatus: 304, cacheable: true},
		{name: "GET success, If-None-Match list naming it", method: http.MethodGet, query: ok, inm: listWithMatch, wantStatus: 304, cacheable: true},
		{name: "GET error", method: http.MethodGet, query: notFound, wantStatus: 200},
		{name: "GET error, If-None-Match *", method: http.MethodGet, query: notFound, inm: star, wantStatus: 200},
		{name: "GET traced", method: http.MethodGet, query: ok, trace: true, wantStatus: 200},
		{name: "GET traced, If-None-Match *", method: http.MethodGet, query: ok, trace: true, inm: star, wantStatus: 200},
		{name: "POST success", method: http.MethodPost, query: ok, wantStatus: 200},
		{name: "POST success, If-None-Match *", method: http.MethodPost, query: ok, inm: star, wantStatus: 200},
		{name: "POST error", method: http.MethodPost, query: notFound, wantStatus: 200},
		{name: "POST traced", method: http.MethodPost, query: ok, trace: true, wantStatus: 200},
		{name: "GET without a credential in forward mode", method: http.MethodGet, query: ok, noKey: true, inm: star, wantStatus: 200},
	}
	forExecutors(t, func(t *testing.T, e executor) {
		for _, auth := range []gateway.AuthMode{gateway.AuthServerKey, gateway.AuthForward} {
			t.Run("auth="+string(auth), func(t *testing.T) {
				h := newHarness(t, telnyxsim.Config{Rooms: 3}, e.config(gateway.Config{
					Auth: auth, AllowTrace: true, GETCacheMaxAge: 5 * time.Second}))
				wantCC, wantVary := "public, max-age=5", []string{"Accept", gateway.TraceHeader}
				if auth == gateway.AuthForward {
					wantCC, wantVary = "private, max-age=5", []string{"Accept", "Authorization", gateway.TraceHeader}
				}
				for _, tc := range cases {
					if tc.noKey && auth != gateway.AuthForward {
						continue
					}
					t.Run(tc.name, func(t *testing.T) {
						var headers []string
						if auth == gateway.AuthForward && !tc.noKey {
							headers = append(headers, "Authorization", "Bearer "+keyA)
						}
						if tc.trace {
							headers = append(headers, gateway.TraceHeader, "1")
						}
						first, firstBody := cacheRequest(t, h.gwURL, tc.method, tc.query, nil, headers...)
						require.Equal(t, http.StatusOK, first.StatusCode, "%s", firstBody)
						etag := first.Header.Get("ETag")
						switch tc.inm {
						case match:
							headers = append(headers, "If-None-Match", etag)
						case weakMatch:
							headers = append(headers, "If-None-Match", "W/"+etag)
						case mismatch:
							headers = append(headers, "If-None-Match", `"AAAAAAAAAAAAAAAAAAAAAA"`)
						case star:
							headers = append(headers, "If-None-Match", "*")
						case listWithMatch:
							headers = append(headers, "If-None-Match", `"AAAAAAAAAAAAAAAAAAAAAA", `+etag)
						}
						h.calls()
						resp, body := cacheRequest(t, h.gwURL, tc.method, tc.query, nil, headers...)
						calls := h.calls()
						require.Equal(t, tc.wantStatus, resp.StatusCode, "%s", body)
						if !tc.noKey {
							assert.NotEmpty(t, calls, "the operation ran and called the upstream")
						}
						if !tc.cacheable {
							assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
							assert.Empty(t, resp.Header.Get("ETag"))
							assert.Empty(t, etag, "the first answer had no ETag either")
							assert.NotEmpty(t, body)
							return
						}
						assert.Equal(t, wantCC, resp.Header.Get("Cache-Control"))
						assert.Equal(t, wantVary, resp.Header.Values("Vary"))
						assert.Regexp(t, etagShape, etag)
						assert.Equal(t, etag, resp.Header.Get("ETag"), "the same answer has the same ETag")
						if tc.wantStatus == http.StatusNotModified {
							assert.Empty(t, body)
							assert.Empty(t, resp.Header.Get("Content-Type"))
							return
						}
						assert.Equal(t, string(firstBody), string(body))
						assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
					})
				}
			})
		}
	})
}

// TestHTTPCachingDetails: what else decides whether and how a GET answer is cached.
func TestHTTPCachingDetails(t *testing.T) {
	const q = `{ rooms(first: 2) { nodes { id } } }`
	t.Run("a GET mutation is refused, no-store", func(t *testing.T) {
		h := newHarness(t, telnyxsim.Config{Rooms: 2}, gateway.Config{})
		resp, body := cacheRequest(t, h.gwURL, http.MethodGet, `mutation { deleteRoom(id: "x") { deletedRoomId } }`, nil)
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "%s", body)
		assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
		assert.Empty(t, resp.Header.Get("ETag"))
	})
	t.Run("max-age 0 is no-cache, ETag kept", func(t *testing.T) {
		h := newHarness(t, telnyxsim.Config{Rooms: 2}, gateway.Config{})
		resp, _ := cacheRequest(t, h.gwURL, http.MethodGet, q, nil)
		assert.Equal(t, "public, no-cache", resp.Header.Get("Cache-Control"))
		assert.Regexp(t, etagShape, resp.Header.Get("ETag"))
		assert.Equal(t, []string{"Accept"}, resp.Header.Values("Vary"), "without the trace allowed, only Accept")
	})
	t.Run("another media type is another ETag", func(t *testing.T) {
		h := newHarness(t, telnyxsim.Config{Rooms: 2}, gateway.Config{GETCacheMaxAge: time.Minute})
		a, bodyA := cacheRequest(t, h.gwURL, http.MethodGet, q, nil)
		b, bodyB := cacheRequest(t, h.gwURL, http.MethodGet, q, nil, "Accept", "application/graphql-response+json")
		require.Equal(t, string(bodyA), string(bodyB))
		assert.Equal(t, "public, max-age=60", b.Header.Get("Cache-Control"))
		assert.NotEqual(t, a.Header.Get("ETag"), b.Header.Get("ETag"))
		c, _ := cacheRequest(t, h.gwURL, http.MethodGet, `{ rooms(first: 1) { nodes { id } } }`, nil)
		assert.NotEqual(t, a.Header.Get("ETag"), c.Header.Get("ETag"), "another answer, another ETag")
	})
	t.Run("APQ over GET: an unknown hash is no-store, a known one cacheable", func(t *testing.T) {
		h := newHarness(t, telnyxsim.Config{Rooms: 2}, gateway.Config{GETCacheMaxAge: 5 * time.Second})
		ext := map[string]any{"persistedQuery": persistedQuery(sha(q))}
		resp, body := cacheRequest(t, h.gwURL, http.MethodGet, "", ext)
		require.Contains(t, string(body), "PERSISTED_QUERY_NOT_FOUND")
		assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
		assert.Empty(t, resp.Header.Get("ETag"))

		resp, body = cacheRequest(t, h.gwURL, http.MethodGet, q, ext)
		require.NotContains(t, string(body), "errors")
		assert.Equal(t, "public, max-age=5", resp.Header.Get("Cache-Control"))
		registered := resp.Header.Get("ETag")

		resp, hashOnly := cacheRequest(t, h.gwURL, http.MethodGet, "", ext)
		assert.Equal(t, string(body), string(hashOnly))
		assert.Equal(t, "public, max-age=5", resp.Header.Get("Cache-Control"))
		assert.Equal(t, registered, resp.Header.Get("ETag"))
		resp, hashOnly = cacheRequest(t, h.gwURL, http.MethodGet, "", ext, "If-None-Match", registered)
		assert.Equal(t, http.StatusNotModified, resp.StatusCode)
		assert.Empty(t, hashOnly)
	})
}
