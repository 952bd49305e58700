// Package gcpolicy is the garbage-collector policy of the roomgraph binary (not of the gateway package: a
// service that mounts the gateway owns its process's runtime settings). Package main chooses it from plain
// settings it read from the environment and applies it while it serves; this package reads no environment
// variable.
//
// The gateway's live heap is small and it allocates fast (every answer is new bytes). Under Go's default
// (GOGC=100) it collects whenever the heap doubles, which for a heap that small is every few milliseconds
// under load, and most of a collection's cost is per-cycle work (scanning every goroutine's stack) that does
// not shrink with the heap. The policy lets the heap grow towards a target instead: with the live heap and
// the goroutine stacks well below the target the collector runs up to five times less often (GOGC up to
// 500); as they near or pass the target it runs as often as by default, never more often: once the requests
// in flight hold more than the target, squeezing the heap further costs a share of the throughput (13–19 %
// at 128–256 connections) for a few MiB and cannot reach the target anyway. A hard memory limit
// (GOMEMLIMIT, under which the collector runs back to back once the live heap reaches it) is the
// operator's choice, not the default. The measurements behind this are in BENCHMARKS.md
// ("Figures behind the code's comments").
//
// After each collection the tuner (tuner.go) sets GOGC = (target − stacks − live heap) / live heap,
// clamped to 100…500, from the runtime's metrics of that collection.
package gcpolicy

import (
	"fmt"
)

// DefaultTargetMiB is the heap target when none is given: it keeps the whole process (heap, goroutine
// stacks, the binary's own pages) within the benchmark harness's memory target (BENCHMARKS.md).
const DefaultTargetMiB = 20

// MaxTargetMiB is the largest target accepted (1 TiB).
const MaxTargetMiB = 1 << 20

// Settings are what the operator asked for.
type Settings struct {
	// TargetMiB is the heap target in MiB; 0 turns the policy off.
	TargetMiB int
	// RuntimeOverride names the Go runtime setting the operator made, if any ("GOGC" or "GOMEMLIMIT"):
	// the runtime's own policy then applies.
	RuntimeOverride string
}

// Policy is what Choose chose.
type Policy struct {
	TargetBytes uint64 // 0: the runtime's own policy (GOGC, GOMEMLIMIT)
	Reason      string // for the start-up log
}

// Choose returns the policy for s: off when the operator set the runtime's own GOGC or GOMEMLIMIT (their
// settings win) or a target of 0, else the tuner towards s.TargetMiB.
func Choose(s Settings) (Policy, error) {
	if s.RuntimeOverride != "" {
		return Policy{Reason: s.RuntimeOverride + " is set: the Go runtime's policy applies"}, nil
	}
	if s.TargetMiB < 0 || s.TargetMiB > MaxTargetMiB {
		return Policy{}, fmt.Errorf("heap target %d MiB: want a whole number of MiB from 0 (off) to %d", s.TargetMiB, MaxTargetMiB)
	}
	if s.TargetMiB == 0 {
		return Policy{Reason: "heap target 0: the Go runtime's policy applies"}, nil
	}
	return Policy{TargetBytes: uint64(s.TargetMiB) << 20, Reason: fmt.Sprintf("heap target %d MiB (GOGC tuned between %d and %d)", s.TargetMiB, minGCPercent, maxGCPercent)}, nil
}

// Apply puts p in force for the process until stop is called, which gives GOGC back the value it had.
// Only one policy should be in force at a time: it is the process's.
func (p Policy) Apply() (stop func()) {
	if p.TargetBytes == 0 {
		return func() {}
	}
	return newTuner(p.TargetBytes).stop
}
