package apperr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/roomgraph/roomgraph/internal/apperr"
)

func TestCodeOf(t *testing.T) {
	cause := errors.New("dial tcp 10.0.0.1:443: connection refused")
	tests := []struct {
		name string
		err  error
		want apperr.Code
	}{
		{"an *Error", apperr.Errorf(apperr.NotFound, "no room %q", "x"), apperr.NotFound},
		{"wrapped", fmt.Errorf("loading: %w", apperr.Wrap(apperr.Conflict, cause, "taken")), apperr.Conflict},
		{"anything else", cause, apperr.Internal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, apperr.CodeOf(tc.err))
		})
	}
}

func TestWrapKeepsTheCauseForLogsOnly(t *testing.T) {
	cause := errors.New("dial tcp 10.0.0.1:443: connection refused")
	err := apperr.Wrap(apperr.UpstreamUnavailable, cause, "the Telnyx API did not give a usable answer")
	assert.Equal(t, "the Telnyx API did not give a usable answer", err.Error())
	assert.ErrorIs(t, err, cause)
}
