package resolvers

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/roomgraph/roomgraph/internal/apperr"
	"github.com/roomgraph/roomgraph/internal/model/origin"
)

// TestCheckWritesKnowsEveryMutation: every mutation of the schema (the origin table's writes) has its
// input check in checkWrite; a new one fails here until it has.
func TestCheckWritesKnowsEveryMutation(t *testing.T) {
	n := 0
	for _, f := range origin.Mutation.Fields() {
		if f.Kind() != origin.Write {
			continue
		}
		n++
		err := checkWrite(f.Name(), map[string]any{})
		ae, ok := errors.AsType[*apperr.Error](err)
		if assert.True(t, ok, "%s: %v", f, err) {
			assert.Equal(t, apperr.BadUserInput, ae.Code, "%s has no input check in checkWrite: %v", f, err)
		}
	}
	assert.Positive(t, n)
}
