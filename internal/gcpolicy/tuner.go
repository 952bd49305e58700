package gcpolicy

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// The GOGC bounds: at most five times fewer collections than the default when the live heap is far below
// the target; as often as GOGC=50 when it is above it, never back to back.
const (
	minGCPercent = 50
	maxGCPercent = 500
)

// The runtime metrics the tuner reads: the heap the last collection marked live, and the memory goroutine
// stacks hold. Stacks count against the target too: they grow with the requests in flight as the heap does
// (the ten-room shape holds 9 MiB of them, the one-room shape 4).
const (
	liveHeap = "/gc/heap/live:bytes"
	stacks   = "/memory/classes/heap/stacks:bytes"
)

// tuner sets GOGC after every collection from the heap that collection found live: the heap may grow by
// what the target leaves after the live heap and the stacks.
//
// bytedance/gopkg's gctuner, which this replaces, reads runtime.MemStats.HeapInuse instead. Read in a
// finalizer, right after the collection, that still counts every span the collection has not swept yet:
// under S1 it read about 11 MiB for a 5 MiB live heap and held GOGC near 115 instead of near 300, and each
// reading stopped the world (ReadMemStats). The runtime/metrics reading is the marked heap, without a stop.
type tuner struct {
	target  uint64
	stopped atomic.Bool
	sample  []metrics.Sample
}

// sentinel is garbage as soon as it is made; its finalizer runs once per collection and makes the next.
// (It holds a pointer, so it is never batched with other small objects: its finalizer runs when it dies.)
type sentinel struct{ t *tuner }

func newTuner(target uint64) *tuner {
	t := &tuner{target: target, sample: []metrics.Sample{{Name: liveHeap}, {Name: stacks}}}
	t.arm()
	return t
}

func (t *tuner) arm() {
	runtime.SetFinalizer(&sentinel{t: t}, func(s *sentinel) {
		if s.t.stopped.Load() {
			return
		}
		s.t.tune()
		s.t.arm()
	})
}

// tune runs after a collection (in the finalizer goroutine, one at a time).
func (t *tuner) tune() {
	metrics.Read(t.sample)
	for _, s := range t.sample {
		if s.Value.Kind() != metrics.KindUint64 {
			return // not this runtime's metrics: leave GOGC as it is
		}
	}
	p := gcPercent(t.sample[0].Value.Uint64(), t.sample[1].Value.Uint64(), t.target)
	debug.SetGCPercent(p)
}

func (t *tuner) stop() { t.stopped.Store(true) }

// gcPercent is GOGC for a live heap, the stacks and a target: the heap may grow by what the live heap and
// the stacks leave of the target, clamped to minGCPercent…maxGCPercent.
func gcPercent(live, stacks, target uint64) int {
	if live == 0 {
		return maxGCPercent
	}
	if live+stacks >= target {
		return minGCPercent
	}
	p := math.Floor(float64(target-stacks-live) / float64(live) * 100)
	return int(max(minGCPercent, min(maxGCPercent, p)))
}
