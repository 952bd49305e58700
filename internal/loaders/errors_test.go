package loaders

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/roomgraph/roomgraph/internal/apperr"
	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

func TestUpstreamError(t *testing.T) {
	upstream := func(status int, code string) error {
		return &telnyx.Error{StatusCode: status, Code: code, Title: "Title", Detail: "detail"}
	}
	tests := []struct {
		name   string
		err    error
		code   apperr.Code
		status int
	}{
		{"400", upstream(http.StatusBadRequest, "10015"), apperr.BadUserInput, 400},
		{"401", upstream(http.StatusUnauthorized, "10009"), apperr.Unauthenticated, 401},
		{"403", upstream(http.StatusForbidden, "10010"), apperr.Forbidden, 403},
		{"404", upstream(http.StatusNotFound, "10005"), apperr.NotFound, 404},
		{"409", upstream(http.StatusConflict, ""), apperr.Conflict, 409},
		{"408", upstream(http.StatusRequestTimeout, ""), apperr.UpstreamUnavailable, 408},
		{"418", upstream(http.StatusTeapot, ""), apperr.UpstreamError, 418},
		{"422", upstream(http.StatusUnprocessableEntity, "10015"), apperr.BadUserInput, 422},
		{"429", upstream(http.StatusTooManyRequests, "10011"), apperr.UpstreamRateLimited, 429},
		{"503", upstream(http.StatusServiceUnavailable, "10007"), apperr.UpstreamUnavailable, 503},
		{"transport", &telnyx.TransportError{Route: "GET /rooms", Err: errors.New("reset")}, apperr.UpstreamUnavailable, 0},
		{"timeout", &telnyx.TransportError{Route: "GET /rooms", Timeout: true, Err: context.DeadlineExceeded}, apperr.UpstreamUnavailable, 0},
		{"no key", telnyx.ErrNoCredential, apperr.Unauthenticated, 0},
		{"circuit open", &telnyx.TransportError{Err: &resilience.Error{Kind: resilience.KindCircuitOpen, RetryAfter: time.Second}}, apperr.UpstreamUnavailable, 0},
		{"rate budget", &telnyx.TransportError{Err: &resilience.Error{Kind: resilience.KindRateLimited, RetryAfter: time.Second}}, apperr.UpstreamRateLimited, 429},
		{"busy", &telnyx.TransportError{Err: &resilience.Error{Kind: resilience.KindBusy}}, apperr.UpstreamUnavailable, 0},
		{"deadline", context.DeadlineExceeded, apperr.UpstreamUnavailable, 0},
		{"invalid argument", &telnyx.ParamError{Field: "token_ttl_secs", Message: "must be between 10 and 3600 seconds, got 5"}, apperr.BadUserInput, 0},
		{"anything else", errors.New("boom"), apperr.Internal, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := upstreamError(tc.err)
			var ae *apperr.Error
			if assert.ErrorAs(t, err, &ae) {
				assert.Equal(t, tc.code, ae.Code)
				assert.Equal(t, tc.status, ae.UpstreamStatus)
				assert.NotEmpty(t, ae.Message)
				assert.ErrorIs(t, err, tc.err, "the cause is kept for logs")
			}
			assert.Equal(t, tc.code, apperr.CodeOf(err))
		})
	}
	assert.NoError(t, upstreamError(nil))
	same := apperr.Errorf(apperr.NotFound, "x")
	assert.Same(t, same, upstreamError(same))
}
