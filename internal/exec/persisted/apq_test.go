package persisted_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/internal/exec/persisted"
	"github.com/roomgraph/roomgraph/resolvers"
)

// apqServer serves the schema with the APQ extension built from cfg, behind gqlgen's own transports.
func apqServer(t *testing.T, cfg persisted.APQConfig) *httptest.Server {
	t.Helper()
	apq, err := persisted.NewAPQ(cfg)
	require.NoError(t, err)
	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{}}))
	srv.AddTransport(transport.POST{})
	srv.Use(apq)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}

func roomy() persisted.APQConfig {
	return persisted.APQConfig{MaxBytes: 1 << 20, MaxEntries: 100, MaxDocumentBytes: 1 << 10}
}

func TestAPQ(t *testing.T) {
	ts := apqServer(t, roomy())
	with := func(pqv any) map[string]any { return map[string]any{"persistedQuery": pqv} }
	tests := []struct {
		name string
		body map[string]any
		code string // "" = runs
	}{
		{"unknown hash", map[string]any{"extensions": pq(persisted.Hash(docA))}, persisted.CodeNotFound},
		{"text with its hash: registers", map[string]any{"query": docA, "extensions": pq(persisted.Hash(docA))}, ""},
		{"then the hash alone", map[string]any{"extensions": pq(persisted.Hash(docA))}, ""},
		{"text without the extension", map[string]any{"query": "query C { __typename }"}, ""},
		{"hash that does not match the text", map[string]any{"query": docB, "extensions": pq(persisted.Hash(docA))}, persisted.CodeHashMismatch},
		{"persistedQuery not an object", map[string]any{"query": docA, "extensions": with("x")}, persisted.CodeBadRequest},
		{"no version", map[string]any{"query": docA, "extensions": with(map[string]any{"sha256Hash": persisted.Hash(docA)})}, persisted.CodeBadRequest},
		{"version 2", map[string]any{"query": docA, "extensions": with(map[string]any{"version": 2, "sha256Hash": persisted.Hash(docA)})}, persisted.CodeBadRequest},
		{"version as a string", map[string]any{"query": docA, "extensions": with(map[string]any{"version": "1", "sha256Hash": persisted.Hash(docA)})}, persisted.CodeBadRequest},
		{"no hash", map[string]any{"extensions": with(map[string]any{"version": 1})}, persisted.CodeBadRequest},
		{"hash not a string", map[string]any{"extensions": with(map[string]any{"version": 1, "sha256Hash": 7})}, persisted.CodeBadRequest},
		{"hash in upper case", map[string]any{"extensions": pq(strings.ToUpper(persisted.Hash(docA)))}, persisted.CodeBadRequest},
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
			if tc.code == persisted.CodeNotFound {
				assert.Equal(t, "PersistedQueryNotFound", r.Errors[0].Message, "what Apollo's clients look for")
			}
		})
	}
}

// registered reports whether doc runs by its hash alone.
func registered(t *testing.T, url, doc string) bool {
	t.Helper()
	r := post(t, url, map[string]any{"extensions": pq(persisted.Hash(doc))})
	return len(r.Errors) == 0
}

func register(t *testing.T, url, doc string) {
	t.Helper()
	post(t, url, map[string]any{"query": doc, "extensions": pq(persisted.Hash(doc))})
}

func TestAPQRegistration(t *testing.T) {
	doc := func(i int) string { return fmt.Sprintf("query Q%d { __typename }", i) }
	t.Run("only documents that validate", func(t *testing.T) {
		ts := apqServer(t, roomy())
		for _, bad := range []string{`{ __typename`, `{ nope }`, `query A { __typename } query A { __typename }`} {
			register(t, ts.URL, bad)
			assert.False(t, registered(t, ts.URL, bad), "%s", bad)
		}
	})
	t.Run("only documents of at most MaxDocumentBytes", func(t *testing.T) {
		cfg := roomy()
		cfg.MaxDocumentBytes = len(docA)
		ts := apqServer(t, cfg)
		register(t, ts.URL, docA)
		register(t, ts.URL, docA+" ")
		assert.True(t, registered(t, ts.URL, docA))
		assert.False(t, registered(t, ts.URL, docA+" "))
	})
	t.Run("only when MayRegister says so", func(t *testing.T) {
		cfg := roomy()
		cfg.MayRegister = func(_ context.Context, op *graphql.OperationContext) bool { return op.Headers.Get("X-Ok") != "" }
		ts := apqServer(t, cfg)
		register(t, ts.URL, docA)
		assert.False(t, registered(t, ts.URL, docA))
	})
	t.Run("at most MaxEntries documents", func(t *testing.T) {
		cfg := roomy()
		cfg.MaxEntries = 10
		ts := apqServer(t, cfg)
		n := 0
		for i := range 40 {
			register(t, ts.URL, doc(i))
		}
		for i := range 40 {
			if registered(t, ts.URL, doc(i)) {
				n++
			}
		}
		assert.LessOrEqual(t, n, 10)
		assert.Positive(t, n)
	})
	t.Run("at most MaxBytes", func(t *testing.T) {
		cfg := roomy()
		cfg.MaxBytes = 4 << 10 // an entry weighs its text, its hash and 256 bytes: about 12 of these
		ts := apqServer(t, cfg)
		n := 0
		for i := range 40 {
			register(t, ts.URL, doc(i))
		}
		for i := range 40 {
			if registered(t, ts.URL, doc(i)) {
				n++
			}
		}
		assert.LessOrEqual(t, n, (4<<10)/(256+64+len(doc(10))))
		assert.Positive(t, n)
	})
	t.Run("bounds must be positive", func(t *testing.T) {
		for _, cfg := range []persisted.APQConfig{{MaxEntries: 1, MaxDocumentBytes: 1}, {MaxBytes: 1, MaxDocumentBytes: 1}, {MaxBytes: 1, MaxEntries: 1}} {
			_, err := persisted.NewAPQ(cfg)
			assert.Error(t, err)
		}
	})
}
