package resilience_test

import (
	"testing"
	"time"

	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaults(t *testing.T) {
	d := resilience.Config{}.Defaults()
	assert.Equal(t, 2, d.MaxRetries)
	assert.Equal(t, 100*time.Millisecond, d.BaseDelay)
	assert.Equal(t, 2*time.Second, d.MaxDelay)
	assert.Equal(t, 10*time.Second, d.AttemptTimeout)
	assert.Equal(t, 64, d.MaxConcurrent)
	assert.Equal(t, 2*time.Second, d.MaxQueueWait)
	assert.Equal(t, 5, d.BreakerFailures)
	assert.Equal(t, 5*time.Second, d.BreakerOpenFor)
	assert.Equal(t, time.Second, d.DefaultRetryAfter)
	assert.Equal(t, time.Minute, d.MaxRetryAfter)
	assert.NotNil(t, d.Now)
	assert.NotNil(t, d.Rand)
	assert.NotNil(t, d.Sleep)

	kept := resilience.Config{MaxRetries: 7, MaxConcurrent: 3}.Defaults()
	assert.Equal(t, 7, kept.MaxRetries)
	assert.Equal(t, 3, kept.MaxConcurrent)
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     resilience.Config
		wantErr string // "" = valid
	}{
		{name: "zero value", cfg: resilience.Config{}},
		{name: "explicit", cfg: resilience.Config{MaxRetries: 5, BaseDelay: time.Second, MaxDelay: time.Second}},
		{name: "negative retries", cfg: resilience.Config{MaxRetries: -1}, wantErr: "MaxRetries must not be negative"},
		{name: "negative base delay", cfg: resilience.Config{BaseDelay: -1}, wantErr: "BaseDelay must not be negative"},
		{name: "negative max delay", cfg: resilience.Config{MaxDelay: -1}, wantErr: "MaxDelay must not be negative"},
		{name: "negative attempt timeout", cfg: resilience.Config{AttemptTimeout: -time.Second}, wantErr: "AttemptTimeout"},
		{name: "negative concurrency", cfg: resilience.Config{MaxConcurrent: -1}, wantErr: "MaxConcurrent"},
		{name: "negative queue wait", cfg: resilience.Config{MaxQueueWait: -1}, wantErr: "MaxQueueWait"},
		{name: "negative breaker failures", cfg: resilience.Config{BreakerFailures: -1}, wantErr: "BreakerFailures"},
		{name: "negative open time", cfg: resilience.Config{BreakerOpenFor: -1}, wantErr: "BreakerOpenFor"},
		{name: "negative retry-after", cfg: resilience.Config{DefaultRetryAfter: -1}, wantErr: "DefaultRetryAfter"},
		{name: "negative retry-after cap", cfg: resilience.Config{MaxRetryAfter: -1}, wantErr: "MaxRetryAfter"},
		{name: "base above default max", cfg: resilience.Config{BaseDelay: 3 * time.Second}, wantErr: "BaseDelay 3s exceeds MaxDelay 2s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.wantErr == "" {
				require.NoError(t, err)
				assert.NotPanics(t, func() { resilience.New(nil, tc.cfg, resilience.Hooks{}) })
				return
			}
			require.ErrorContains(t, err, tc.wantErr)
			assert.Panics(t, func() { resilience.New(nil, tc.cfg, resilience.Hooks{}) })
		})
	}
}
