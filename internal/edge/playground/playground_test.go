package playground_test

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"hash"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/edge/playground"
)

// newServer mounts the package the way the gateway does: page at "/", files at AssetsPrefix.
func newServer(t *testing.T, opts playground.Options) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/{$}", playground.Page(opts))
	mux.Handle(playground.AssetsPrefix, playground.Assets())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, method, url string, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	// Ask for identity unless a test says otherwise: Go's transport would otherwise request gzip
	// and decode it silently, hiding which representation was served.
	req.Header.Set("Accept-Encoding", "identity")
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, body: string(body)}
}

func get(t *testing.T, url string) response {
	t.Helper()
	return do(t, http.MethodGet, url, nil)
}

var (
	tagRE  = regexp.MustCompile(`<(script|link)\b[^>]*>`)
	attrRE = regexp.MustCompile(`\s([a-z-]+)="([^"]*)"`)
)

type tag struct {
	name  string
	attrs map[string]string
}

func tags(t *testing.T, page string) []tag {
	t.Helper()
	var out []tag
	for _, m := range tagRE.FindAllStringSubmatch(page, -1) {
		tg := tag{name: m[1], attrs: map[string]string{}}
		for _, a := range attrRE.FindAllStringSubmatch(m[0], -1) {
			tg.attrs[a[1]] = html.UnescapeString(a[2])
		}
		out = append(out, tg)
	}
	return out
}

// assetTags are the tags that load a file from Assets(): every script with a src and every stylesheet.
func assetTags(t *testing.T, page string) []tag {
	t.Helper()
	var out []tag
	for _, tg := range tags(t, page) {
		if tg.attrs["src"] != "" || tg.attrs["rel"] == "stylesheet" {
			out = append(out, tg)
		}
	}
	return out
}

func (tg tag) url() string {
	if tg.name == "script" {
		return tg.attrs["src"]
	}
	return tg.attrs["href"]
}

func sri(t *testing.T, integrity, body string) string {
	t.Helper()
	alg, _, ok := strings.Cut(integrity, "-")
	require.True(t, ok, "integrity %q has no algorithm prefix", integrity)
	var h hash.Hash
	switch alg {
	case "sha256":
		h = sha256.New()
	case "sha384":
		h = sha512.New384()
	case "sha512":
		h = sha512.New()
	default:
		t.Fatalf("integrity %q: algorithm not allowed by SRI", integrity)
	}
	h.Write([]byte(body))
	return alg + "-" + base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func TestPageReferencesNoOtherHost(t *testing.T) {
	srv := newServer(t, playground.Options{DefaultQuery: "{ room(id: \"r1\") { id } }"})
	res := get(t, srv.URL+"/")
	require.Equal(t, http.StatusOK, res.status)

	assert.NotContains(t, res.body, "http://")
	assert.NotContains(t, res.body, "https://")
	// Scheme-relative references ("//cdn.example/x.js") would also leave the machine.
	assert.NotRegexp(t, `["'(=\s]//`, res.body)

	for _, tg := range tags(t, res.body) {
		for _, attr := range []string{"src", "href"} {
			v, ok := tg.attrs[attr]
			if !ok {
				continue
			}
			ok = strings.HasPrefix(v, playground.AssetsPrefix) || strings.HasPrefix(v, "data:")
			assert.True(t, ok, "<%s %s=%q> loads from outside Assets()", tg.name, attr, v)
		}
	}
}

func TestPageIntegrityMatchesServedAssets(t *testing.T) {
	srv := newServer(t, playground.Options{})
	page := get(t, srv.URL+"/").body

	assetTags := assetTags(t, page)
	// React, ReactDOM, GraphiQL, bootstrap; GraphiQL's and the page's stylesheets.
	require.Len(t, assetTags, 6)
	for _, tg := range assetTags {
		t.Run(path.Base(tg.url()), func(t *testing.T) {
			integrity := tg.attrs["integrity"]
			require.NotEmpty(t, integrity, "tag without integrity")
			res := get(t, srv.URL+tg.url())
			require.Equal(t, http.StatusOK, res.status)
			assert.Equal(t, integrity, sri(t, integrity, res.body))
		})
	}
}

func TestAssetsHeaders(t *testing.T) {
	srv := newServer(t, playground.Options{})
	page := get(t, srv.URL+"/").body

	type asset struct{ url, contentType string }
	var cases []asset
	dirs := map[string]bool{}
	for _, tg := range assetTags(t, page) {
		ct := "text/css; charset=utf-8"
		if tg.name == "script" {
			ct = "text/javascript; charset=utf-8"
		}
		cases = append(cases, asset{tg.url(), ct})
		if dir := path.Dir(tg.url()); !strings.HasSuffix(dir, "/roomgraph") {
			dirs[dir] = true
		}
	}
	// The vendored packages' licences are served beside their files.
	require.Len(t, dirs, 3)
	for dir := range dirs {
		cases = append(cases, asset{dir + "/LICENSE", "text/plain; charset=utf-8"})
	}

	for _, tc := range cases {
		t.Run(strings.TrimPrefix(tc.url, playground.AssetsPrefix), func(t *testing.T) {
			res := get(t, srv.URL+tc.url)
			require.Equal(t, http.StatusOK, res.status)
			assert.Equal(t, tc.contentType, res.header.Get("Content-Type"))
			assert.Equal(t, "public, max-age=31536000, immutable", res.header.Get("Cache-Control"))
			assert.Equal(t, "nosniff", res.header.Get("X-Content-Type-Options"))
			etag := res.header.Get("ETag")
			require.NotEmpty(t, etag)
			if strings.HasSuffix(tc.url, "/LICENSE") {
				assert.Contains(t, res.body, "MIT License")
			}

			again := do(t, http.MethodGet, srv.URL+tc.url, http.Header{"If-None-Match": {etag}})
			assert.Equal(t, http.StatusNotModified, again.status)
			assert.Empty(t, again.body)

			head := do(t, http.MethodHead, srv.URL+tc.url, nil)
			assert.Equal(t, http.StatusOK, head.status)
			assert.Equal(t, tc.contentType, head.header.Get("Content-Type"))
			assert.Empty(t, head.body)
		})
	}
}

func TestAssetsUnknownPaths(t *testing.T) {
	srv := newServer(t, playground.Options{})
	for _, tc := range []struct{ name, path string }{
		{"missing file", playground.AssetsPrefix + "nope.js"},
		{"prefix itself", playground.AssetsPrefix},
		{"package directory", playground.AssetsPrefix + "graphiql-4.1.2/"},
		{"bookkeeping file", playground.AssetsPrefix + "VERSIONS"},
		{"own file without content hash", playground.AssetsPrefix + "roomgraph/bootstrap.js"},
		{"source map not vendored", playground.AssetsPrefix + "graphiql-4.1.2/index.umd.js.map"},
		{"traversal", playground.AssetsPrefix + "..%2fpage.go"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := get(t, srv.URL+tc.path)
			assert.Equal(t, http.StatusNotFound, res.status)
			assert.NotContains(t, res.header.Get("Cache-Control"), "immutable")
		})
	}
}

func TestMethodsOtherThanGetAreRejected(t *testing.T) {
	srv := newServer(t, playground.Options{})
	script := assetTags(t, get(t, srv.URL+"/").body)[0].url()
	for _, tc := range []struct{ name, path string }{
		{"page", "/"},
		{"asset", script},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, http.MethodPost, srv.URL+tc.path, nil)
			assert.Equal(t, http.StatusMethodNotAllowed, res.status)
			assert.Equal(t, "GET, HEAD", res.header.Get("Allow"))
		})
	}
}

func TestAssetsGzip(t *testing.T) {
	srv := newServer(t, playground.Options{})
	var js tag
	for _, tg := range assetTags(t, get(t, srv.URL+"/").body) {
		if strings.HasSuffix(tg.url(), "/graphiql.min.js") {
			js = tg
		}
	}
	require.NotEmpty(t, js.url())
	plain := get(t, srv.URL+js.url())
	require.Equal(t, http.StatusOK, plain.status)
	assert.Empty(t, plain.header.Get("Content-Encoding"))
	assert.Equal(t, "Accept-Encoding", plain.header.Get("Vary"))

	for _, tc := range []struct {
		name, acceptEncoding string
		gzipped              bool
	}{
		{"gzip", "gzip", true},
		{"browser list", "gzip, deflate, br, zstd", true},
		{"wildcard", "br;q=1, *;q=0.5", true},
		{"gzip refused", "gzip;q=0, br", false},
		{"identity", "identity", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, http.MethodGet, srv.URL+js.url(), http.Header{"Accept-Encoding": {tc.acceptEncoding}})
			require.Equal(t, http.StatusOK, res.status)
			assert.Equal(t, "Accept-Encoding", res.header.Get("Vary"))
			if !tc.gzipped {
				assert.Empty(t, res.header.Get("Content-Encoding"))
				assert.Equal(t, plain.body, res.body)
				return
			}
			assert.Equal(t, "gzip", res.header.Get("Content-Encoding"))
			assert.NotEqual(t, plain.header.Get("ETag"), res.header.Get("ETag"), "representations need distinct ETags")
			assert.Less(t, len(res.body), len(plain.body)/2)
			zr, err := gzip.NewReader(strings.NewReader(res.body))
			require.NoError(t, err)
			decoded, err := io.ReadAll(zr)
			require.NoError(t, err)
			// Browsers check SRI against the decoded bytes.
			assert.Equal(t, js.attrs["integrity"], sri(t, js.attrs["integrity"], string(decoded)))
		})
	}
}

var configRE = regexp.MustCompile(`(?s)<script type="application/json" id="roomgraph-playground-config">(.*?)</script>`)

type pageConfig struct {
	Endpoint      string            `json:"endpoint"`
	DefaultQuery  *string           `json:"defaultQuery"`
	Tabs          []string          `json:"tabs"`
	Headers       map[string]string `json:"headers"`
	StoragePrefix string            `json:"storagePrefix"`
}

func config(t *testing.T, page string) pageConfig {
	t.Helper()
	m := configRE.FindStringSubmatch(page)
	require.NotNil(t, m, "config element missing")
	var c pageConfig
	require.NoError(t, json.Unmarshal([]byte(m[1]), &c), "config is not JSON: %s", m[1])
	return c
}

func TestPageCarriesDefaultQueryAndHeadersEscaped(t *testing.T) {
	hostile := "query Demo { room(id: \"r'1\") { id } }\n# </script><script>alert(1)</script> <!-- </SCRIPT > \u2028 & é"
	headers := map[string]string{
		"X-Roomgraph-Trace": "1",
		"X-Note":            `</script><img src=x onerror=alert(1)> "quoted" 'single'`,
	}
	tabs := []string{"subscription { roomUpdated(id: \"r1\") { id } }", "# </script><script>alert(2)</script>"}
	srv := newServer(t, playground.Options{
		Title:        `Room "graph" </title><script>`,
		Endpoint:     "/api/graphql",
		DefaultQuery: hostile,
		Tabs:         tabs,
		Headers:      headers,
	})
	page := get(t, srv.URL+"/").body

	// React, ReactDOM, config, GraphiQL, bootstrap: nothing in the options opened or closed a script.
	assert.Equal(t, 5, strings.Count(strings.ToLower(page), "<script"))
	assert.Equal(t, 5, strings.Count(strings.ToLower(page), "</script"))
	assert.NotContains(t, page, "<!--")
	assert.NotContains(t, page, "<img")
	assert.Contains(t, page, "<title>Room &#34;graph&#34; &lt;/title&gt;&lt;script&gt;</title>")

	c := config(t, page)
	assert.Equal(t, "/api/graphql", c.Endpoint)
	require.NotNil(t, c.DefaultQuery)
	assert.Equal(t, hostile, *c.DefaultQuery)
	assert.Equal(t, tabs, c.Tabs)
	assert.Equal(t, headers, c.Headers)
}

func TestPageDefaults(t *testing.T) {
	srv := newServer(t, playground.Options{})
	page := get(t, srv.URL+"/").body

	assert.Contains(t, page, "<title>roomgraph</title>")
	c := config(t, page)
	assert.Equal(t, "/graphql", c.Endpoint)
	assert.Nil(t, c.DefaultQuery, "an empty DefaultQuery leaves GraphiQL's own default")
	assert.Empty(t, c.Tabs)
	assert.Empty(t, c.Headers)
}

func TestPageStorageNamespaceFollowsDefaultQuery(t *testing.T) {
	prefix := func(q string, tabs ...string) string {
		t.Helper()
		return config(t, get(t, newServer(t, playground.Options{DefaultQuery: q, Tabs: tabs}).URL+"/").body).StoragePrefix
	}
	a1, a2, b := prefix("{ a }"), prefix("{ a }"), prefix("{ b }")
	assert.Equal(t, a1, a2)
	assert.NotEqual(t, a1, b)
	// Another ready subscription (another demo room) opens fresh tabs too.
	assert.NotEqual(t, a1, prefix("{ a }", "subscription { s }"))
	assert.NotEqual(t, prefix("{ a }", "subscription { s }"), prefix("{ a }", "subscription { t }"))
}

func TestPageContentSecurityPolicy(t *testing.T) {
	srv := newServer(t, playground.Options{})
	res := get(t, srv.URL+"/")
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, "text/html; charset=utf-8", res.header.Get("Content-Type"))
	assert.Equal(t, "no-store", res.header.Get("Cache-Control"))

	csp := res.header.Get("Content-Security-Policy")
	require.NotEmpty(t, csp)
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	assert.Equal(t, "'none'", directives["default-src"])
	assert.Equal(t, "'self'", directives["script-src"], "no inline script, no eval")
	// Fetches and the subscriptions' WebSocket go to this host only ('self', and ws:/wss: named for
	// browsers whose 'self' does not cover them).
	host := strings.TrimPrefix(srv.URL, "http://")
	assert.Equal(t, "'self' ws://"+host+" wss://"+host, directives["connect-src"])
	assert.Equal(t, "'none'", directives["frame-ancestors"])
	assert.Equal(t, "'none'", directives["base-uri"])
	assert.NotContains(t, csp, "unsafe")
	assert.NotContains(t, csp, "http")

	var nonce string
	for _, tg := range tags(t, res.body) {
		if tg.name != "script" {
			continue
		}
		// Every script is either loaded from Assets() or inert JSON: script-src 'self' needs no more.
		assert.True(t, tg.attrs["src"] != "" || tg.attrs["type"] == "application/json", "inline script %v", tg.attrs)
		if n := tg.attrs["nonce"]; n != "" {
			nonce = n
		}
	}
	require.NotEmpty(t, nonce, "the bootstrap script carries the style nonce")
	assert.Equal(t, "'self' 'nonce-"+nonce+"'", directives["style-src"])

	again := get(t, srv.URL+"/")
	assert.NotEqual(t, csp, again.header.Get("Content-Security-Policy"), "nonce must differ per response")
}

func TestPageRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts playground.Options
	}{
		{"endpoint with scheme", playground.Options{Endpoint: "https://example.com/graphql"}},
		{"scheme-relative endpoint", playground.Options{Endpoint: "//example.com/graphql"}},
		{"backslash endpoint", playground.Options{Endpoint: `/\example.com/graphql`}},
		{"relative endpoint", playground.Options{Endpoint: "graphql"}},
		{"header name with space", playground.Options{Headers: map[string]string{"X Trace": "1"}}},
		{"header value with CRLF", playground.Options{Headers: map[string]string{"X-Trace": "1\r\nX-Evil: 1"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Panics(t, func() { playground.Page(tc.opts) })
		})
	}
}

// TestVersionsFileMatchesEmbeddedFiles keeps assets/VERSIONS (what a reviewer reads) honest about
// what is actually served.
func TestVersionsFileMatchesEmbeddedFiles(t *testing.T) {
	f, err := os.Open("assets/VERSIONS")
	require.NoError(t, err)
	defer f.Close()
	listed := map[string]string{} // "graphiql-4.1.2/graphiql.min.js" -> "sha256-…"
	packages := map[string]bool{} // "graphiql@4.1.2"
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) == 0 || strings.HasPrefix(fields[0], "#"):
		case strings.HasPrefix(sc.Text(), " "):
			require.Len(t, fields, 2)
			listed[fields[0]] = fields[1]
		default:
			require.Len(t, fields, 2)
			require.True(t, strings.HasPrefix(fields[1], "sha512-"), "tarball integrity: %s", sc.Text())
			packages[fields[0]] = true
		}
	}
	require.NoError(t, sc.Err())
	require.Len(t, packages, 3)

	srv := newServer(t, playground.Options{})
	served := 0
	for _, tg := range assetTags(t, get(t, srv.URL+"/").body) {
		rel := strings.TrimPrefix(tg.url(), playground.AssetsPrefix)
		if strings.HasPrefix(rel, "roomgraph/") {
			continue
		}
		dir := path.Dir(rel)
		i := strings.LastIndex(dir, "-")
		assert.True(t, packages[dir[:i]+"@"+dir[i+1:]], "%s not in VERSIONS", dir)
		want, ok := listed[rel]
		require.True(t, ok, "%s not in VERSIONS", rel)
		assert.Equal(t, want, sri(t, want, get(t, srv.URL+tg.url()).body), rel)
		served++
	}
	assert.Equal(t, 4, served)
}

func BenchmarkPage(b *testing.B) {
	h := playground.Page(playground.Options{DefaultQuery: "{ room(id: \"r1\") { id } }"})
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

func BenchmarkAssetsGraphiQLJS(b *testing.B) {
	page := httptest.NewRecorder()
	playground.Page(playground.Options{}).ServeHTTP(page, httptest.NewRequest(http.MethodGet, "/", nil))
	js := regexp.MustCompile(`src="([^"]*/graphiql.min.js)"`).FindStringSubmatch(page.Body.String())
	if js == nil {
		b.Fatal("no graphiql.min.js tag")
	}
	h := playground.Assets()
	req := httptest.NewRequest(http.MethodGet, js[1], nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

// TestPageWebSocketSourceNeedsAPlainHost: connect-src names the WebSocket of the request's Host only when
// that is a plain host[:port]; anything else (which could add a source or a directive) leaves 'self'.
func TestPageWebSocketSourceNeedsAPlainHost(t *testing.T) {
	page := playground.Page(playground.Options{})
	for _, tc := range []struct{ host, want string }{
		{"localhost:8080", "'self' ws://localhost:8080 wss://localhost:8080"},
		{"rooms.example.com", "'self' ws://rooms.example.com wss://rooms.example.com"},
		{"[::1]:8080", "'self' ws://[::1]:8080 wss://[::1]:8080"},
		{"evil.example; script-src *", "'self'"},
		{"a.example b.example", "'self'"},
		{"a.example,b.example", "'self'"},
		{"a.example/path", "'self'"},
		{"", "'self'"},
		{strings.Repeat("a", 300), "'self'"},
	} {
		t.Run(tc.host, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Host = tc.host
			rec := httptest.NewRecorder()
			page.ServeHTTP(rec, req)
			require.Equal(t, http.StatusOK, rec.Code)
			var connect string
			for _, d := range strings.Split(rec.Header().Get("Content-Security-Policy"), ";") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(d), "connect-src "); ok {
					connect = v
				}
			}
			assert.Equal(t, tc.want, connect)
		})
	}
}
