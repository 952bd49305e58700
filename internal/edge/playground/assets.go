package playground

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// AssetsPrefix is the path under which [Assets] must be mounted; the page's tags point there.
const AssetsPrefix = "/_playground/"

//go:embed assets
var embedded embed.FS

// ownAssetsDir holds the files this repository writes (bootstrap script, layout CSS). Vendored npm
// files sit in <name>-<version>/ directories, so their URLs already change when they do; ours get a
// content hash in the file name instead, which is what makes the immutable Cache-Control safe for them.
const ownAssetsDir = "roomgraph"

// asset is one embedded file as served.
type asset struct {
	urlPath     string // below AssetsPrefix, e.g. "graphiql-4.1.2/graphiql.min.js"
	contentType string
	integrity   string // SRI value, "sha384-…"
	etag        string
	body        []byte
	// gzipped compresses body on first use, so building the handler stays cheap; nil for files not
	// worth compressing (LICENSE).
	gzipped func() ([]byte, error)
}

// catalog is everything Page and Assets need to know about the embedded files. It is built from the
// embedded bytes each time a handler is constructed, so hashes and URLs cannot drift from the content.
type catalog struct {
	byURL map[string]*asset

	graphiqlJS, graphiqlCSS, reactJS, reactDOMJS, bootstrapJS, pageCSS *asset
}

// contentType is keyed on the extension rather than sniffed, because nosniff is set on responses and
// the CSP requires scripts to be served as JavaScript.
func contentType(ext string) (string, bool) {
	switch ext {
	case ".js":
		return "text/javascript; charset=utf-8", true
	case ".css":
		return "text/css; charset=utf-8", true
	case "": // LICENSE
		return "text/plain; charset=utf-8", true
	}
	return "", false
}

func loadCatalog() (*catalog, error) {
	c := &catalog{byURL: map[string]*asset{}}
	byFile := map[string]*asset{}
	err := fs.WalkDir(embedded, "assets", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(name, "assets/")
		if !strings.Contains(rel, "/") {
			return nil // VERSIONS and other bookkeeping at the top level are not served
		}
		body, err := embedded.ReadFile(name)
		if err != nil {
			return err
		}
		ext := path.Ext(rel)
		ct, ok := contentType(ext)
		if !ok {
			return fmt.Errorf("playground: embedded %s has no known content type", rel)
		}
		sum256 := sha256.Sum256(body)
		sum384 := sha512.Sum384(body)
		a := &asset{
			urlPath:     rel,
			contentType: ct,
			integrity:   "sha384-" + base64.StdEncoding.EncodeToString(sum384[:]),
			etag:        `"` + hex.EncodeToString(sum256[:16]) + `"`,
			body:        body,
		}
		if ext != "" {
			a.gzipped = sync.OnceValues(func() ([]byte, error) { return gzipBytes(body) })
		}
		if path.Dir(rel) == ownAssetsDir {
			a.urlPath = strings.TrimSuffix(rel, ext) + "." + hex.EncodeToString(sum256[:6]) + ext
		}
		c.byURL[a.urlPath] = a
		byFile[rel] = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, want := range []struct {
		dst     **asset
		pattern string
	}{
		{&c.graphiqlJS, "graphiql-*/graphiql.min.js"},
		{&c.graphiqlCSS, "graphiql-*/graphiql.min.css"},
		{&c.reactJS, "react-[0-9]*/react.production.min.js"},
		{&c.reactDOMJS, "react-dom-*/react-dom.production.min.js"},
		{&c.bootstrapJS, ownAssetsDir + "/bootstrap.js"},
		{&c.pageCSS, ownAssetsDir + "/playground.css"},
	} {
		var found []*asset
		for rel, a := range byFile {
			if ok, _ := path.Match(want.pattern, rel); ok {
				found = append(found, a)
			}
		}
		// Two versions side by side would make the page's choice arbitrary; update-assets.sh removes
		// the old directory, and this keeps a hand-made mistake from shipping.
		if len(found) != 1 {
			return nil, fmt.Errorf("playground: want exactly one embedded %s, found %d", want.pattern, len(found))
		}
		*want.dst = found[0]
	}
	return c, nil
}

func mustLoadCatalog() *catalog {
	c, err := loadCatalog()
	if err != nil {
		// Only a broken embedded tree gets here, which the package's tests catch before release.
		panic(err)
	}
	return c
}

// url is the absolute path a tag uses to load a.
func (a *asset) url() string { return AssetsPrefix + a.urlPath }

// Assets serves the embedded GraphiQL, React and page files, plus the vendored packages' LICENSE
// files. Mount it at [AssetsPrefix] (it expects the full request path, prefix included). File names
// carry a version or content hash, so responses are cacheable for a year and marked immutable;
// anything else under the prefix is a 404.
func Assets() http.Handler {
	c := mustLoadCatalog()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rel, ok := strings.CutPrefix(r.URL.Path, AssetsPrefix)
		a := c.byURL[rel]
		if !ok || a == nil {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("X-Content-Type-Options", "nosniff")
		body, etag := a.body, a.etag
		if a.gzipped != nil {
			h.Add("Vary", "Accept-Encoding")
			// GraphiQL is 1 MB of JavaScript and 400 kB of CSS; gzip cuts the first load from 1.6 MB
			// to about 0.6 MB (the CSS is mostly base64 fonts). SRI hashes the decoded bytes, so the
			// integrity attributes hold either way.
			if acceptsGzip(r.Header.Values("Accept-Encoding")) {
				if gz, err := a.gzipped(); err == nil {
					h.Set("Content-Encoding", "gzip")
					body, etag = gz, strings.TrimSuffix(a.etag, `"`)+`-gzip"`
				}
			}
		}
		h.Set("ETag", etag)
		// ServeContent handles If-None-Match (304), Range and HEAD; the zero modtime leaves
		// Last-Modified out, since embedded files have none.
		http.ServeContent(w, r, a.urlPath, time.Time{}, bytes.NewReader(body))
	})
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// acceptsGzip reports whether an Accept-Encoding header lists gzip (or *) without q=0.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "*" {
				continue
			}
			q := strings.ReplaceAll(strings.ToLower(params), " ", "")
			if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
				continue
			}
			return true
		}
	}
	return false
}
