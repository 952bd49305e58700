package gcpolicy

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/bytedance/gopkg/util/gctuner"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFromEnv(t *testing.T) {
	cases := []struct {
		name   string
		env    map[string]string
		target uint64
		err    bool
	}{
		{"default", nil, DefaultTargetMiB << 20, false},
		{"a target", map[string]string{EnvTarget: "40"}, 40 << 20, false},
		{"off", map[string]string{EnvTarget: "0"}, 0, false},
		{"GOGC wins", map[string]string{"GOGC": "200", EnvTarget: "40"}, 0, false},
		{"GOMEMLIMIT wins", map[string]string{"GOMEMLIMIT": "100MiB"}, 0, false},
		{"not a number", map[string]string{EnvTarget: "24MiB"}, 0, true},
		{"negative", map[string]string{EnvTarget: "-1"}, 0, true},
		{"absurd", map[string]string{EnvTarget: "99999999"}, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := FromEnv(func(k string) string { return c.env[k] })
			if c.err {
				require.Error(t, err)
				assert.Contains(t, err.Error(), EnvTarget)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.target, p.TargetBytes)
			assert.NotEmpty(t, p.Reason)
		})
	}
}

// TestApplyTunesGOGCToTheHeap: with the heap in use far below the target the collector runs rarely (GOGC
// at its maximum), far above it often (GOGC at its minimum). Process-wide: restores GOGC=100.
func TestApplyTunesGOGCToTheHeap(t *testing.T) {
	t.Cleanup(func() {
		gctuner.Tuning(0)
		debug.SetGCPercent(100)
	})
	ballast := make([]byte, 8<<20) // some heap in use, so the tiny target is below it
	for i := range ballast {
		ballast[i] = byte(i)
	}
	settle := func(want uint32) {
		t.Helper()
		assert.Eventually(t, func() bool {
			runtime.GC()
			return gctuner.GetGCPercent() == want
		}, 5*time.Second, 20*time.Millisecond, "GOGC %d, want %d", gctuner.GetGCPercent(), want)
	}
	Policy{TargetBytes: 1 << 20}.Apply()
	settle(gctuner.GetMinGCPercent())
	Policy{TargetBytes: 1 << 30}.Apply()
	settle(gctuner.GetMaxGCPercent())
	runtime.KeepAlive(ballast)
}
