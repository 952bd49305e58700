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

func TestChoose(t *testing.T) {
	cases := []struct {
		name     string
		settings Settings
		target   uint64
		err      bool
	}{
		{"a target", Settings{TargetMiB: 40}, 40 << 20, false},
		{"the default", Settings{TargetMiB: DefaultTargetMiB}, DefaultTargetMiB << 20, false},
		{"off", Settings{TargetMiB: 0}, 0, false},
		{"GOGC wins", Settings{TargetMiB: 40, RuntimeOverride: "GOGC"}, 0, false},
		{"GOMEMLIMIT wins", Settings{TargetMiB: 40, RuntimeOverride: "GOMEMLIMIT"}, 0, false},
		{"negative", Settings{TargetMiB: -1}, 0, true},
		{"absurd", Settings{TargetMiB: 99999999}, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Choose(c.settings)
			if c.err {
				require.Error(t, err)
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
		{"the ten-room shape: 9 MiB live, 9 MiB of stacks (66 %, floored)", 9 * mib, 9 * mib, 24 * mib, 100},
		{"room to grow by twice the live heap", 6 * mib, 6 * mib, 24 * mib, 200},
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
// next collection on; stop gives GOGC back its value from before. Process-wide.
func TestTunerSetsGOGCAfterEachCollection(t *testing.T) {
	before := debug.SetGCPercent(123)
	t.Cleanup(func() { debug.SetGCPercent(before) })
	tu := newTuner(40 << 20)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			tu.stop()
		}
	})
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

	tu.stop()
	stopped = true
	runtime.GC()
	runtime.GC()
	assert.Equal(t, 123, current(), "stop restores GOGC, and no later collection changes it")
}

func TestApplyOffIsANoOp(t *testing.T) {
	before := debug.SetGCPercent(77)
	t.Cleanup(func() { debug.SetGCPercent(before) })
	stop := Policy{}.Apply()
	runtime.GC()
	stop()
	assert.Equal(t, 77, debug.SetGCPercent(77))
}
