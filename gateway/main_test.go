package gateway_test

import (
	"regexp"
	"testing"

	"go.uber.org/goleak"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// TestMain fails the package when a test leaves goroutines behind (loaders, batchers, upstream calls).
// Idle keep-alive connections of the standard library's pools are not leaks of ours.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

func uuidRE(pattern string) *regexp.Regexp { return regexp.MustCompile(pattern) }

func telnyxParseDate(s string) (telnyx.Date, error) { return telnyx.ParseDate(s) }
