package querycache_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/roomgraph/roomgraph/internal/exec/querycache"
)

const sdl = `
type Query { room(id: ID!): Room  rooms(first: Int, filter: RoomFilter): RoomConnection! }
input RoomFilter { uniqueName: String  createdAfter: String }
type RoomConnection { totalCount: Int!  nodes: [Room!]! }
type Room { id: ID!  uniqueName: String  sessions(first: Int, active: Boolean): SessionConnection! }
type SessionConnection { totalCount: Int!  nodes: [Session!]! }
type Session { id: ID!  active: Boolean!  participants: [Participant!]! }
type Participant { id: ID!  context: String }
`

func parse(t testing.TB, schema *ast.Schema, q string) *ast.QueryDocument {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: q})
	require.NoError(t, err)
	require.Empty(t, validator.ValidateWithRules(schema, doc, nil))
	return doc
}

// corpus holds documents of every shape the estimate must cover: ordinary ones, and ones whose text is
// small for their tree (short names, many aliases, __typename), or large for it (a comment, a long string).
func corpus() map[string]string {
	rep := strings.Repeat
	return map[string]string{
		"small":     `{ rooms(first: 2) { totalCount } }`,
		"ordinary":  "query Room($id: ID!) {\n  room(id: $id) {\n    id\n    uniqueName\n    sessions(first: 5, active: false) {\n      totalCount\n      nodes { id active participants { id context } }\n    }\n  }\n}",
		"variables": `query($a: Int = 3, $f: RoomFilter = {uniqueName: "x"}) { rooms(first: $a, filter: $f) { nodes { id @include(if: true) } } }`,
		"dense ids": "{ rooms { nodes { " + rep("id ", 200) + "} } }",
		"typename":  "{ " + rep("__typename ", 200) + "}",
		"aliases":   "{ " + rep("a: __typename ", 200) + "}",
		"fragments": "{ rooms { nodes { ...F ... on Room { id } } } } fragment F on Room { " + rep("id uniqueName ", 100) + "}",
		"arguments": "{ " + rep(`r: rooms(first: 1, filter: {uniqueName: "a", createdAfter: "b"}) { totalCount } `, 50) + "}",
		"comment":   "# " + rep("x", 50000) + "\n{ rooms { totalCount } }",
		"string":    `{ room(id: "` + rep("x", 50000) + `") { id } }`,
	}
}

func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestSizeCoversMeasuredMemory: for each shape of document, Size is at least what 50 parsed and validated
// copies keep alive each (their text included), and at most four times that (the most for the smallest
// documents, whose fixed part Size counts generously: the cache's node, the figures kept beside them).
func TestSizeCoversMeasuredMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the heap")
	}
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: sdl})
	for name, q := range corpus() {
		t.Run(name, func(t *testing.T) {
			const n = 50
			texts := make([]string, n)
			docs := make([]*ast.QueryDocument, n)
			before := liveHeap()
			for i := range n {
				texts[i] = strings.Clone(q)
				docs[i] = parse(t, schema, texts[i])
			}
			held := float64(liveHeap()-before) / n
			runtime.KeepAlive(texts)
			size := float64(querycache.Size(q, docs[0]))
			t.Logf("%-10s text %6d B, %5d nodes: holds %8.0f B, Size %8.0f B (%.2f×)", name, len(q), querycache.Nodes(docs[0]), held, size, size/held)
			assert.GreaterOrEqual(t, size, held, "Size covers what the document holds")
			assert.LessOrEqual(t, size, 4*held, "and is not far above it")
		})
	}
}

func TestCache(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: sdl})
	ctx := context.Background()
	doc := func(i int) (string, *ast.QueryDocument) {
		q := fmt.Sprintf("query Q%d { rooms(first: %d) { totalCount nodes { id uniqueName } } }", i, i)
		return q, parse(t, schema, q)
	}
	t.Run("bounded in bytes", func(t *testing.T) {
		q, d := doc(0)
		one := querycache.Size(q, d)
		c, err := querycache.New(querycache.Config{MaxBytes: int64(20 * one), MaxDocumentBytes: 1 << 10})
		require.NoError(t, err)
		for i := range 500 {
			q, d := doc(i)
			c.Add(ctx, q, d)
			require.LessOrEqual(t, c.WeightedSize(), uint64(20*one+one), "after %d documents", i+1)
		}
	})
	t.Run("a document added while there is room is there", func(t *testing.T) {
		c, err := querycache.New(querycache.Config{MaxBytes: 1 << 20, MaxDocumentBytes: 1 << 10})
		require.NoError(t, err)
		q, d := doc(3)
		c.Add(ctx, q, d)
		got, ok := c.Get(ctx, q)
		assert.True(t, ok)
		assert.Same(t, d, got)
	})
	t.Run("documents above the size limit are not cached", func(t *testing.T) {
		c, err := querycache.New(querycache.Config{MaxBytes: 1 << 20, MaxDocumentBytes: 40})
		require.NoError(t, err)
		q, d := doc(1)
		require.Greater(t, len(q), 40)
		c.Add(ctx, q, d)
		_, ok := c.Get(ctx, q)
		assert.False(t, ok)
		assert.Zero(t, c.WeightedSize())
	})
	t.Run("the caller decides", func(t *testing.T) {
		type key struct{}
		c, err := querycache.New(querycache.Config{MaxBytes: 1 << 20, MaxDocumentBytes: 1 << 10,
			Admit: func(ctx context.Context) bool { return ctx.Value(key{}) != nil }})
		require.NoError(t, err)
		q, d := doc(2)
		c.Add(ctx, q, d)
		_, ok := c.Get(ctx, q)
		assert.False(t, ok, "refused")
		c.Add(context.WithValue(ctx, key{}, true), q, d)
		_, ok = c.Get(ctx, q)
		assert.True(t, ok, "admitted")
	})
	t.Run("a flood of documents sent once keeps the one in use", func(t *testing.T) {
		q, d := doc(0)
		c, err := querycache.New(querycache.Config{MaxBytes: int64(50 * querycache.Size(q, d)), MaxDocumentBytes: 1 << 10})
		require.NoError(t, err)
		c.Add(ctx, q, d)
		for i := 1; i < 2000; i++ {
			_, ok := c.Get(ctx, q)
			require.True(t, ok, "the document in use is still cached after %d others", i-1)
			other, d := doc(i)
			c.Add(ctx, other, d)
		}
	})
	t.Run("bounds must be positive", func(t *testing.T) {
		_, err := querycache.New(querycache.Config{MaxBytes: 0, MaxDocumentBytes: 1})
		assert.Error(t, err)
		_, err = querycache.New(querycache.Config{MaxBytes: 1, MaxDocumentBytes: 0})
		assert.Error(t, err)
	})
}
