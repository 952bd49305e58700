package resilience_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test closes its servers and idle connections, and every held slot is
// released through the response body, so no goroutine may outlive the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
