package gcpolicy

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// The GOGC bounds: at most five times fewer collections than the default when the live heap is far below
// the target; never more than the default (GOGC=100) when the live heap and the stacks near or pass it.
//
// The floor was 50 until issue 21's sweep: with 128–256 requests in flight the live heap alone (18 MiB on
// the one-room shape) passes the default target, and GOGC 50 (the heap let grow by half the live heap, not
// all of it) then cost 13–19 % of the requests per second and raised p99 by 12–18 % (S1, alternating runs
// on one host) to keep the peak RSS 6–11 MiB lower, without reaching the target, which the live heap alone
// exceeded. BENCHMARKS.md has the figures. An operator who wants memory held harder sets GOMEMLIMIT (the
// runtime's policy then applies).
const (
	minGCPercent = 100
	maxGCPercent = 500
)

// The runtime metrics the tuner reads: the heap the last collection marked live, and the memory goroutine
// stacks hold. Stacks count against the target too: they grow with the requests in flight as the heap does,
// and in the benchmark shapes they are of the same order as the live heap.
const (
	liveHeap = "/gc/heap/live:bytes"
	stacks   = "/memory/classes/heap/stacks:bytes"
)

// tuner sets GOGC after every collection from the heap that collection found live: the heap may grow by
// what the target leaves after the live heap and the stacks.
//
// bytedance/gopkg's gctuner, which this replaces, reads runtime.MemStats.HeapInuse instead. Read in a
// finalizer, right after the collection, that still counts every span the collection has not swept yet, so
// it overstates the live heap about twice and holds GOGC far lower than the target allows; and each reading
// stops the world (ReadMemStats). The runtime/metrics reading is the marked heap, without a stop.
type tuner struct {
	target uint64
	sample []metrics.Sample

	mu       sync.Mutex // orders tune and stop: no GOGC is set after stop restored it
	stopped  bool
	original int // GOGC before the tuner, restored by stop
}

// sentinel is garbage as soon as it is made; its finalizer runs once per collection and makes the next.
// (It holds a pointer, so it is never batched with other small objects: its finalizer runs when it dies.)
type sentinel struct{ t *tuner }

func newTuner(target uint64) *tuner {
	t := &tuner{target: target, sample: []metrics.Sample{{Name: liveHeap}, {Name: stacks}}}
	// SetGCPercent is the one reader of the current GOGC that also covers "off" (-1); put it straight back.
	t.original = debug.SetGCPercent(100)
	debug.SetGCPercent(t.original)
	t.arm()
	return t
}

func (t *tuner) arm() {
	runtime.SetFinalizer(&sentinel{t: t}, func(s *sentinel) {
		if s.t.tune() {
			s.t.arm()
		}
	})
}

// tune runs after a collection (in the finalizer goroutine, one at a time); false once stopped.
func (t *tuner) tune() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false
	}
	metrics.Read(t.sample)
	for _, s := range t.sample {
		if s.Value.Kind() != metrics.KindUint64 {
			return true // not this runtime's metrics: leave GOGC as it is
		}
	}
	p := gcPercent(t.sample[0].Value.Uint64(), t.sample[1].Value.Uint64(), t.target)
	debug.SetGCPercent(p)
	return true
}

// stop ends the tuning and gives GOGC back the value it had before the tuner.
func (t *tuner) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.stopped {
		t.stopped = true
		debug.SetGCPercent(t.original)
	}
}

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
