package resilience_test

import (
	"context"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
)

// TestSharedHolds: a hold an answer sets is reported with the credential's hash and the capped instant;
// Hold applied on another Transport holds that credential back until the same instant (capped by its own
// MaxRetryAfter), without an upstream call, and no other credential.
func TestSharedHolds(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("Authorization") == "Bearer A" {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	type shared struct {
		cred   [32]byte
		until  time.Time
		capped bool
	}
	var got []shared
	seen := resilience.New(nil, resilience.Config{MaxRetryAfter: 10 * time.Second}, resilience.Hooks{
		OnShareHold: func(c [32]byte, u time.Time, capped bool) { got = append(got, shared{c, u, capped}) },
	})
	get := func(tr *resilience.Transport, key string) (*http.Response, error) {
		// A deadline sooner than any hold: the retry after the 429 is not waited for.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		t.Cleanup(cancel)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		return tr.RoundTrip(req)
	}
	before := time.Now()
	resp, err := (&http.Client{Transport: seen, Timeout: 2 * time.Second}).Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Empty(t, got, "no hold for a 200")
	if resp, err := get(seen, "A"); err == nil { // the 429
		resp.Body.Close()
	}
	require.NotEmpty(t, got)
	h := got[0]
	assert.Equal(t, sha256.Sum256([]byte("Bearer A")), h.cred)
	assert.True(t, h.capped)
	assert.WithinDuration(t, before.Add(10*time.Second), h.until, 2*time.Second, "capped by MaxRetryAfter")

	other := resilience.New(nil, resilience.Config{MaxRetryAfter: 5 * time.Second}, resilience.Hooks{})
	other.Hold(h.cred, h.until, h.capped)
	hold := other.RateLimit("Bearer A")
	assert.WithinDuration(t, time.Now().Add(5*time.Second), hold.Until, time.Second, "capped by this transport's own MaxRetryAfter")
	assert.True(t, other.RateLimit("Bearer B").Until.IsZero(), "another credential is not held")
	calls.Store(0)
	resp, err = get(other, "B")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, int32(1), calls.Load())
	other.Hold(h.cred, time.Now().Add(-time.Second), false)
	assert.WithinDuration(t, time.Now().Add(5*time.Second), other.RateLimit("Bearer A").Until, time.Second, "a past instant changes nothing")
}
