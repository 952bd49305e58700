package gcpolicy

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"

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

func TestGCPercent(t *testing.T) {
	const mib = 1 << 20
	cases := []struct {
		name                 string
		live, stacks, target uint64
		want                 int
	}{
		{"the one-room shape: 5 MiB live, 4 MiB of stacks", 5 * mib, 4 * mib, 24 * mib, 300},
		{"the ten-room shape: 9 MiB live, 9 MiB of stacks", 9 * mib, 9 * mib, 24 * mib, 66},
		{"far below the target", 1 * mib, 0, 24 * mib, maxGCPercent},
		{"just below the target", 20 * mib, 3 * mib, 24 * mib, minGCPercent},
		{"live heap and stacks over the target", 20 * mib, 8 * mib, 24 * mib, minGCPercent},
		{"live heap alone over the target", 30 * mib, 0, 24 * mib, minGCPercent},
		{"nothing live yet", 0, 1 * mib, 24 * mib, maxGCPercent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, gcPercent(c.live, c.stacks, c.target))
		})
	}
}

// TestTunerSetsGOGCAfterEachCollection: with the live heap near the target the collector runs often (GOGC at
// its minimum); once the heap is freed, far below the target, it runs rarely (GOGC at its maximum), from the
// next collection on. Process-wide: restores GOGC=100.
func TestTunerSetsGOGCAfterEachCollection(t *testing.T) {
	t.Cleanup(func() { debug.SetGCPercent(100) })
	tu := newTuner(40 << 20)
	t.Cleanup(tu.stop)
	gogc := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	current := func() int {
		metrics.Read(gogc)
		return int(gogc[0].Value.Uint64())
	}
	settle := func(want int) {
		t.Helper()
		assert.Eventually(t, func() bool {
			runtime.GC()
			return current() == want
		}, 5*time.Second, 20*time.Millisecond, "GOGC %d, want %d", current(), want)
	}
	ballast := make([]byte, 32<<20) // live: 32 MiB of a 40 MiB target leaves less than half of it to grow
	for i := range ballast {
		ballast[i] = byte(i)
	}
	settle(minGCPercent)
	runtime.KeepAlive(ballast)
	ballast = nil
	settle(maxGCPercent)
}
