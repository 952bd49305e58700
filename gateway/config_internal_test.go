package gateway

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/telemetry"
)

// TestRequestIDHeader: the header the gateway documents is the one its telemetry reads and writes.
func TestRequestIDHeader(t *testing.T) {
	assert.Equal(t, telemetry.RequestIDHeader, RequestIDHeader)
}

// fillDistinct sets every field of the struct v points to a distinct non-zero value.
func fillDistinct(t *testing.T, v any) {
	t.Helper()
	s := reflect.ValueOf(v).Elem()
	for i := range s.NumField() {
		f := s.Field(i)
		switch f.Kind() {
		case reflect.Int, reflect.Int64:
			if f.Type() == reflect.TypeFor[time.Duration]() {
				f.SetInt(int64(time.Duration(i+1) * time.Millisecond))
			} else {
				f.SetInt(int64(i + 1))
			}
		default:
			t.Fatalf("field %s: no distinct value for kind %s", s.Type().Field(i).Name, f.Kind())
		}
	}
}

// sameFields checks that every field of pub has a field of the same name and value in impl.
func sameFields(t *testing.T, pub, impl any) {
	t.Helper()
	p, in := reflect.ValueOf(pub), reflect.ValueOf(impl)
	for i := range p.NumField() {
		name := p.Type().Field(i).Name
		f := in.FieldByName(name)
		require.True(t, f.IsValid(), "%s has no field %s", in.Type(), name)
		assert.Equal(t, p.Field(i).Interface(), f.Interface(), "%s reaches %s unchanged", name, in.Type())
	}
}

// TestPublicConfigsReachTheImplementation: every field of the re-declared ResilienceConfig and LimitsConfig
// is carried to the internal configuration, so adding a field without converting it fails here.
func TestPublicConfigsReachTheImplementation(t *testing.T) {
	var r ResilienceConfig
	fillDistinct(t, &r)
	got := r.resilience(7 * time.Second)
	sameFields(t, r, got)
	assert.Equal(t, 7*time.Second, got.AttemptTimeout, "each attempt is bounded by UpstreamTimeout")

	var l LimitsConfig
	fillDistinct(t, &l)
	lim := l.limits(10, 50)
	sameFields(t, l, lim)
	assert.Equal(t, [2]int{10, 50}, [2]int{lim.DefaultFirst, lim.MaxFirst}, "page sizes come from Config")
}

func TestDefaultsFillTheNestedConfigs(t *testing.T) {
	cfg := Config{}.Defaults()
	assert.Equal(t, ResilienceConfig{
		MaxRetries: 2, BaseDelay: 100 * time.Millisecond, MaxDelay: 2 * time.Second,
		MaxConcurrent: 64, MaxQueueWait: 2 * time.Second, BreakerFailures: 5, BreakerOpenFor: 5 * time.Second,
		DefaultRetryAfter: time.Second, MaxRetryAfter: time.Minute,
	}, cfg.Resilience)
	assert.Equal(t, LimitsConfig{MaxDepth: 12, MaxAliases: 30, MaxRootFields: 20, MaxCost: 1000, MaxRepresentations: 1000}, cfg.Limits)
	require.NoError(t, cfg.validate())

	neg := Config{Resilience: ResilienceConfig{MaxRetries: -1}}.Defaults()
	assert.ErrorContains(t, neg.validate(), "MaxRetries")
	neg = Config{Limits: LimitsConfig{MaxCost: -1}}.Defaults()
	assert.ErrorContains(t, neg.validate(), "MaxCost")
}
