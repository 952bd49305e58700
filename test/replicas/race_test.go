//go:build race

package replicas

// raceBuild: the test binary was built with -race, so the processes are too (the race-instrumented
// packages are then already in the build cache, and the processes are checked for races as well).
const raceBuild = true
