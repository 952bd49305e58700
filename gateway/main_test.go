package gateway_test

import (
	"os"
	"regexp"
	"testing"

	"go.uber.org/goleak"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// TestMain fails the package when a test leaves goroutines behind (loaders, batchers, upstream calls).
// Idle keep-alive connections of the standard library's pools are not leaks of ours. With
// ROOMGRAPH_BENCH_SUBSCRIBER_PROCESS set, the binary is BenchmarkSubscriptions' subscriber process instead.
func TestMain(m *testing.M) {
	if spec := os.Getenv(benchSubscriberProcessEnv); spec != "" {
		os.Exit(subscriberProcess(spec))
	}
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

func uuidRE(pattern string) *regexp.Regexp { return regexp.MustCompile(pattern) }

func telnyxParseDate(s string) (telnyx.Date, error) { return telnyx.ParseDate(s) }
