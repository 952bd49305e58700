// Package gcpolicy is the garbage-collector policy of the roomgraph binary (not of the gateway package: a
// service that mounts the gateway owns its process's runtime settings).
//
// The gateway's live heap is small — about 5 MiB under 64 concurrent one-room queries, 8–13 MiB under 64
// concurrent ten-room queries — and it allocates fast (every answer is new bytes). Under Go's default
// (GOGC=100) it collects whenever the heap doubles, which for a 5 MiB heap is every few milliseconds under
// load: a fifth of its CPU went to the collector, most of it per-cycle work (scanning every goroutine's
// stack) that does not shrink with the heap. The policy lets the heap grow towards a target instead: with
// the live heap and the goroutine stacks well below the target the collector runs up to five times less
// often (GOGC up to 500); as they near the target it runs as often as by default, and above it more often
// (GOGC down to 50), so memory stays near the target without the collector ever running back to back,
// which a hard memory limit (GOMEMLIMIT) does when the live heap reaches it.
//
// After each collection the tuner (tuner.go) sets GOGC = (target − stacks − live heap) / live heap,
// clamped to 50…500, from the runtime's metrics of that collection.
package gcpolicy

import (
	"fmt"
	"strconv"
	"strings"
)

// EnvTarget names the environment variable with the heap target in MiB; 0 turns the policy off.
const EnvTarget = "ROOMGRAPH_GC_TARGET_MIB"

// DefaultTargetMiB keeps the whole process (heap, goroutine stacks, the binary's own pages) under 64 MB in
// the benchmark harness's shapes (BENCHMARKS.md).
const DefaultTargetMiB = 20

// Policy is what FromEnv chose.
type Policy struct {
	TargetBytes uint64 // 0: the runtime's own policy (GOGC, GOMEMLIMIT)
	Reason      string // for the start-up log
}

// FromEnv reads the policy: off when the operator set GOGC or GOMEMLIMIT (their settings win), else the
// target of EnvTarget (default DefaultTargetMiB).
func FromEnv(getenv func(string) string) (Policy, error) {
	for _, v := range []string{"GOGC", "GOMEMLIMIT"} {
		if strings.TrimSpace(getenv(v)) != "" {
			return Policy{Reason: v + " is set: the Go runtime's policy applies"}, nil
		}
	}
	mib := DefaultTargetMiB
	if s := strings.TrimSpace(getenv(EnvTarget)); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 1<<20 {
			return Policy{}, fmt.Errorf("%s: want a whole number of MiB from 0 (off) to 1048576, got %q", EnvTarget, s)
		}
		mib = n
	}
	if mib == 0 {
		return Policy{Reason: EnvTarget + "=0: the Go runtime's policy applies"}, nil
	}
	return Policy{TargetBytes: uint64(mib) << 20, Reason: fmt.Sprintf("heap target %d MiB (GOGC tuned between 50 and 500)", mib)}, nil
}

// Apply puts p in force for the process; call it once, at start-up.
func (p Policy) Apply() {
	if p.TargetBytes > 0 {
		newTuner(p.TargetBytes)
	}
}
