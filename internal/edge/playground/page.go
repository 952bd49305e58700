package playground

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Options configure the page. The zero value serves GraphiQL for "/graphql" titled "roomgraph".
type Options struct {
	Title        string            // default "roomgraph"
	Endpoint     string            // GraphQL endpoint path, default "/graphql"
	DefaultQuery string            // shown when the page opens; "" = GraphiQL's default
	Tabs         []string          // further editor tabs opened beside DefaultQuery's (a ready subscription, say)
	Headers      map[string]string // extra request headers the page's fetcher sends (and the WebSocket's connection_init payload)
}

// pageConfig is what the bootstrap script reads. It is rendered into a non-executed JSON script
// element, where html/template's JS escaping keeps "</script>", quotes and "<!--" inert.
type pageConfig struct {
	Endpoint      string            `json:"endpoint"`
	DefaultQuery  string            `json:"defaultQuery,omitempty"`
	Tabs          []string          `json:"tabs,omitempty"`
	Headers       map[string]string `json:"headers,omitempty"`
	StoragePrefix string            `json:"storagePrefix"`
}

type pageData struct {
	Title  string
	Nonce  string
	Config pageConfig

	GraphiQLJS, GraphiQLCSS, ReactJS, ReactDOMJS, BootstrapJS, PageCSS tag
}

type tag struct {
	URL       string
	Integrity string
}

// The nonce is only on the bootstrap script so that it can hand it to GraphiQL's style injector
// (see bootstrap.js); script-src itself stays 'self' without a nonce.
const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{.PageCSS.URL}}" integrity="{{.PageCSS.Integrity}}">
<link rel="stylesheet" href="{{.GraphiQLCSS.URL}}" integrity="{{.GraphiQLCSS.Integrity}}">
<script src="{{.ReactJS.URL}}" integrity="{{.ReactJS.Integrity}}"></script>
<script src="{{.ReactDOMJS.URL}}" integrity="{{.ReactDOMJS.Integrity}}"></script>
</head>
<body>
<div id="graphiql"><div class="loading">Loading…</div></div>
<script type="application/json" id="roomgraph-playground-config">{{.Config}}</script>
<script src="{{.GraphiQLJS.URL}}" integrity="{{.GraphiQLJS.Integrity}}"></script>
<script src="{{.BootstrapJS.URL}}" integrity="{{.BootstrapJS.Integrity}}" nonce="{{.Nonce}}"></script>
</body>
</html>
`

// contentSecurityPolicy allows nothing by default and then only the page's own origin. GraphiQL 4
// (CodeMirror 5) needs no eval and no workers; its fonts are data: URLs inside its stylesheet, and its
// one inline need is the <style> elements react-remove-scroll adds for dialogs, which carry the
// per-response nonce.
//
// connect-src also names the WebSocket URLs of the page's own host, which subscriptions use. CSP Level 3
// lets 'self' match ws: and wss: of the same host and port (Chromium and Firefox do), but browsers that
// predate that rule (Safari before 15.4) would block the socket; host is the request's Host, used only
// when it is a plain host[:port] (wsSources), so it cannot add a directive.
func contentSecurityPolicy(nonce, host string) string {
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'nonce-" + nonce + "'",
		"connect-src 'self'" + wsSources(host),
		"img-src 'self' data:",
		"font-src 'self' data:", // graphiql.min.css inlines its fonts (Roboto, Fira Code) as data: URLs
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// Page serves the GraphiQL HTML page for opts (mount it at "/"; it answers GET and HEAD). Its tags
// load from [AssetsPrefix], so [Assets] must be mounted there on the same origin.
//
// Page panics if opts.Endpoint is not an absolute path on this origin (such as "/graphql") or a
// header in opts.Headers is not a valid HTTP field, as http.ServeMux.Handle does for a bad pattern:
// both are fixed configuration, and a cross-origin endpoint would be blocked by connect-src anyway.
func Page(opts Options) http.Handler {
	if opts.Title == "" {
		opts.Title = "roomgraph"
	}
	if opts.Endpoint == "" {
		opts.Endpoint = "/graphql"
	}
	if err := checkEndpoint(opts.Endpoint); err != nil {
		panic(err)
	}
	for name, value := range opts.Headers {
		if err := checkHeader(name, value); err != nil {
			panic(err)
		}
	}
	tmpl := template.Must(template.New("graphiql").Parse(pageHTML))
	c := mustLoadCatalog()
	tagFor := func(a *asset) tag { return tag{URL: a.url(), Integrity: a.integrity} }

	// A different default query (another demo room) or endpoint gets its own localStorage namespace,
	// so GraphiQL's saved tabs from the old one do not hide the new default.
	sum := sha256.Sum256([]byte(opts.Endpoint + "\x00" + opts.DefaultQuery + "\x00" + strings.Join(opts.Tabs, "\x00")))
	headers := make(map[string]string, len(opts.Headers))
	for k, v := range opts.Headers {
		headers[k] = v
	}
	base := pageData{
		Title: opts.Title,
		Config: pageConfig{
			Endpoint:      opts.Endpoint,
			DefaultQuery:  opts.DefaultQuery,
			Tabs:          slices.Clone(opts.Tabs),
			Headers:       headers,
			StoragePrefix: "roomgraph:" + hex.EncodeToString(sum[:6]) + ":",
		},
		GraphiQLJS:  tagFor(c.graphiqlJS),
		GraphiQLCSS: tagFor(c.graphiqlCSS),
		ReactJS:     tagFor(c.reactJS),
		ReactDOMJS:  tagFor(c.reactDOMJS),
		BootstrapJS: tagFor(c.bootstrapJS),
		PageCSS:     tagFor(c.pageCSS),
	}

	// Everything but the nonce is fixed, so the page is rendered once around a placeholder and each
	// response only splices in its nonce. The placeholder and the nonce alphabet (unpadded base64url)
	// are both left untouched by html/template's attribute escaping.
	base.Nonce = noncePlaceholder
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, base); err != nil {
		panic(err) // a template bug, caught by the package's tests
	}
	before, after, found := strings.Cut(buf.String(), noncePlaceholder)
	if !found || strings.Contains(after, noncePlaceholder) {
		panic("playground: page template must use the nonce exactly once")
	}

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		nonce := newNonce()
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", contentSecurityPolicy(nonce, r.Host))
		// The nonce is per response, so a stored copy must not be replayed.
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = io.WriteString(w, before+nonce+after)
	})
}

// hostRE is a host (a DNS name, an IPv4 address or a bracketed IPv6 address) with an optional port: what
// a CSP host-source takes, and nothing that could end it (no space, no ';', no ',').
var hostRE = regexp.MustCompile(`^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)

// wsSources is " ws://host wss://host" for a well-formed host, else "" ('self' alone then).
func wsSources(host string) string {
	if len(host) > 255 || !hostRE.MatchString(host) {
		return ""
	}
	return " ws://" + host + " wss://" + host
}

const noncePlaceholder = "roomgraph-nonce-placeholder"

func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func checkEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(endpoint, "/") ||
		strings.HasPrefix(endpoint, "//") || strings.HasPrefix(endpoint, "/\\") {
		return fmt.Errorf("playground: Endpoint %q must be an absolute path on this origin, like \"/graphql\"", endpoint)
	}
	return nil
}

func checkHeader(name, value string) error {
	if name == "" || strings.IndexFunc(name, func(r rune) bool { return !isTokenRune(r) }) >= 0 {
		return fmt.Errorf("playground: header name %q is not an HTTP token", name)
	}
	if strings.IndexFunc(value, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) >= 0 {
		return fmt.Errorf("playground: header %s has a control character in its value", name)
	}
	return nil
}

func isTokenRune(r rune) bool {
	return r < 0x7f && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' ||
		strings.ContainsRune("!#$%&'*+-.^_`|~", r))
}
