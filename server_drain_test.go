package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/telnyxsim"
)

// startRun runs the server with env and returns its base URL, a cancel that starts the drain, and the
// channel run's result arrives on.
func startRun(t *testing.T, env map[string]string) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, nil, func(k string) string { return env[k] }, outW, io.Discard)
		outW.Close()
	}()
	base := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(outR)
		re := regexp.MustCompile(`listening on (http://\S+)`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				base <- m[1]
			}
		}
	}()
	select {
	case b := <-base:
		return b, cancel, done
	case err := <-done:
		t.Fatalf("run ended early: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("server did not start")
	}
	return "", cancel, done
}

// TestGracefulDrain: on shutdown, a request in flight completes, new connections are refused, then run
// returns.
func TestGracefulDrain(t *testing.T) {
	sim := telnyxsim.New(telnyxsim.Config{Keys: []string{"KEY_drain"}, Rooms: 3})
	sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{Latency: 500 * time.Millisecond})
	up := httptest.NewServer(sim)
	defer up.Close()
	base, cancel, done := startRun(t, map[string]string{"PORT": "0", "TELNYX_BASE_URL": up.URL + "/v2", "TELNYX_API_KEY": "KEY_drain"})
	defer cancel()

	inflight := make(chan string, 1)
	go func() {
		resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{ rooms { totalCount } }"}`))
		if err != nil {
			inflight <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		inflight <- string(b)
	}()
	require.Eventually(t, func() bool { return sim.Stats().Total == 1 }, 5*time.Second, 5*time.Millisecond, "the request reached the upstream")
	cancel()

	assert.Equal(t, `{"data":{"rooms":{"totalCount":3}}}`, <-inflight, "the in-flight request completes")
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return")
	}
	_, err := http.Get(base + "/healthz")
	assert.Error(t, err, "new connections are refused after the drain")
}
