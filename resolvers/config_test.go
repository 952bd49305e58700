package resolvers_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGqlgenConfigsAgree: the subgraph build binds the schema to the same Go types as the plain build, so
// the same resolvers serve both. gqlgen configs cannot include each other, so the models sections must be
// kept equal by hand; this test catches drift.
func TestGqlgenConfigsAgree(t *testing.T) {
	models := func(path string) string {
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		s := string(raw)
		i := strings.Index(s, "\nmodels:\n")
		require.Positive(t, i, "%s has a models section", path)
		return s[i:]
	}
	assert.Equal(t, models("../gqlgen.yml"), models("../gqlgen.federation.yml"))
}
