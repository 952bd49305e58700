package gateway_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
)

// TestDocumentCacheFloodIsBounded: 400 distinct valid documents of 300 aliased fields each (5 KB of text,
// over 100 KB each once parsed; refused by the alias limit, but parsed, validated and cached before that)
// held about 50 MiB while the parsed-document cache was bounded in entries (1000) only. Bounded in bytes
// (16 MiB by default), the live heap grows by less than that and 8 MiB of slack.
func TestDocumentCacheFloodIsBounded(t *testing.T) {
	h := newHarness(t, defaultSim(), gateway.Config{DisableAPQ: true})
	bound := gateway.Config{}.Defaults().QueryCacheBytes + 8<<20
	var fields strings.Builder
	for i := range 300 {
		fmt.Fprintf(&fields, "a%d: __typename ", i)
	}
	before := liveHeap()
	for i := range 400 {
		r := h.post(t, "# "+itoa(i)+"\n{ "+fields.String()+"}", nil)
		require.Equal(t, []string{"QUERY_LIMIT_EXCEEDED"}, r.codes())
	}
	grown := int64(liveHeap()) - int64(before)
	t.Logf("live heap grew by %.1f MiB", float64(grown)/(1<<20))
	assert.Less(t, grown, bound, "live heap growth under a flood of distinct documents")
}
