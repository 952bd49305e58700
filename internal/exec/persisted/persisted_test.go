package persisted_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/internal/exec/persisted"
	"github.com/roomgraph/roomgraph/resolvers"
)

const (
	docA = `query A { __typename }`
	docB = `query B { t: __typename }`
)

func server(t *testing.T, m *persisted.Manifest) *httptest.Server {
	t.Helper()
	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{}}))
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.Use(persisted.NewTrusted(m))
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}

type result struct {
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func post(t *testing.T, url string, body map[string]any) result {
	t.Helper()
	raw, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", strings.NewReader(string(raw)))
	require.NoError(t, err)
	defer resp.Body.Close()
	var r result
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
	return r
}

func pq(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
}

func TestManifestFormats(t *testing.T) {
	apollo := `{"format":"apollo-persisted-query-manifest","version":1,"operations":[
		{"id":"` + persisted.Hash(docA) + `","body":` + quote(docA) + `,"name":"A","type":"query"}]}`
	plain := `{"` + persisted.Hash(docA) + `":` + quote(docA) + `,"` + persisted.Hash(docB) + `":` + quote(docB) + `}`
	tests := []struct {
		name, manifest string
		docs           int
		wantErr        string
	}{
		{"apollo", apollo, 1, ""},
		{"plain map", plain, 2, ""},
		{"wrong hash", `{"` + persisted.Hash(docB) + `":` + quote(docA) + `}`, 0, "not the SHA-256"},
		{"not a hash", `{"abc":` + quote(docA) + `}`, 0, "not a lowercase SHA-256"},
		{"unknown format", `{"format":"relay","version":1,"operations":[]}`, 0, "unsupported manifest format"},
		{"not JSON", `query A { x }`, 0, "JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := persisted.ParseManifest(strings.NewReader(tc.manifest))
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.docs, m.Len())
		})
	}
	path := filepath.Join(t.TempDir(), "manifest.json")
	require.NoError(t, os.WriteFile(path, []byte(apollo), 0o600))
	m, err := persisted.LoadManifest(path)
	require.NoError(t, err)
	assert.Equal(t, 1, m.Len())
	_, err = persisted.LoadManifest(filepath.Join(t.TempDir(), "missing.json"))
	assert.Error(t, err)
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestTrustedDocuments(t *testing.T) {
	m, err := persisted.ParseManifest(strings.NewReader(`{"` + persisted.Hash(docA) + `":` + quote(docA) + `}`))
	require.NoError(t, err)
	ts := server(t, m)
	tests := []struct {
		name string
		body map[string]any
		code string // "" = runs
	}{
		{"trusted document by hash", map[string]any{"extensions": pq(persisted.Hash(docA))}, ""},
		{"trusted document as text", map[string]any{"query": docA}, ""},
		{"trusted text with its hash", map[string]any{"query": docA, "extensions": pq(persisted.Hash(docA))}, ""},
		{"other document as text", map[string]any{"query": docB}, persisted.CodeNotTrusted},
		{"other document registered APQ-style", map[string]any{"query": docB, "extensions": pq(persisted.Hash(docB))}, persisted.CodeNotTrusted},
		{"unknown hash", map[string]any{"extensions": pq(persisted.Hash(docB))}, persisted.CodeNotFound},
		{"hash that does not match the text", map[string]any{"query": docA, "extensions": pq(persisted.Hash(docB))}, persisted.CodeNotTrusted},
		{"neither query nor hash", map[string]any{}, persisted.CodeNotTrusted},
		{"malformed hash", map[string]any{"extensions": pq("ABC")}, persisted.CodeNotTrusted},
		{"wrong version", map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 2, "sha256Hash": persisted.Hash(docA)}}}, persisted.CodeNotTrusted},
		{"persistedQuery not an object", map[string]any{"extensions": map[string]any{"persistedQuery": "x"}}, persisted.CodeNotTrusted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, ts.URL, tc.body)
			if tc.code == "" {
				require.Empty(t, r.Errors)
				assert.Equal(t, "Query", r.Data["__typename"])
				return
			}
			require.Len(t, r.Errors, 1)
			assert.Equal(t, tc.code, r.Errors[0].Extensions["code"])
			assert.NotEmpty(t, r.Errors[0].Message)
		})
	}
	t.Run("over GET by hash, cacheable", func(t *testing.T) {
		ext, _ := json.Marshal(pq(persisted.Hash(docA)))
		resp, err := http.Get(ts.URL + "?" + url.Values{"extensions": {string(ext)}}.Encode())
		require.NoError(t, err)
		defer resp.Body.Close()
		var r result
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
		require.Empty(t, r.Errors)
		assert.Equal(t, "Query", r.Data["__typename"])
	})
}

func TestTrustedNeedsAManifest(t *testing.T) {
	m, err := persisted.ParseManifest(strings.NewReader(`{}`))
	require.NoError(t, err)
	assert.Error(t, persisted.NewTrusted(m).Validate(nil))
}
