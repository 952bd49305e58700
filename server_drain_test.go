package main

import (
	"bufio"
	"context"
	"io"
	"net"
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

// waitRun waits for a run started by startRun, cancelled by the caller, to return without error.
func waitRun(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return")
	}
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
	waitRun(t, done)
	_, err := http.Get(base + "/healthz")
	assert.Error(t, err, "new connections are refused after the drain")
}

// TestDrainClosesConnectionsReadingARequest: a connection that sent half a body, and one that sent half of
// its headers, when the drain starts are closed at once; a request already in its handler still finishes;
// and run returns nil well before the drain's 15s timeout (it used to wait for all 15s, then fail with
// context deadline exceeded: exit status 1).
func TestDrainClosesConnectionsReadingARequest(t *testing.T) {
	sim := telnyxsim.New(telnyxsim.Config{Keys: []string{"KEY_drain"}, Rooms: 3})
	sim.SetFault(telnyxsim.RouteListRooms, telnyxsim.Fault{Latency: 500 * time.Millisecond})
	up := httptest.NewServer(sim)
	defer up.Close()
	base, cancel, done := startRun(t, map[string]string{"PORT": "0", "TELNYX_BASE_URL": up.URL + "/v2", "TELNYX_API_KEY": "KEY_drain"})
	defer cancel()
	host := strings.TrimPrefix(base, "http://")

	dial := func(head string) net.Conn {
		c, err := net.Dial("tcp", host)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		_, err = io.WriteString(c, head)
		require.NoError(t, err)
		return c
	}
	halfBody := dial("POST /graphql HTTP/1.1\r\nHost: roomgraph\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n" + `{"query":"{ rooms { `)
	halfHead := dial("POST /graphql HTTP/1.1\r\nHost: roomgraph\r\nContent-Type: appl")
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), "\nroomgraph_http_body_bytes_in_flight 100\n")
	}, 5*time.Second, 10*time.Millisecond, "the half body is being read")

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

	start := time.Now()
	cancel()
	for name, c := range map[string]net.Conn{"half a body": halfBody, "half the headers": halfHead} {
		require.NoError(t, c.SetReadDeadline(time.Now().Add(3*time.Second)))
		_, err := io.ReadAll(c)
		assert.NoError(t, err, "%s: the connection is closed at once (EOF), not left until a timeout", name)
	}
	assert.Equal(t, `{"data":{"rooms":{"totalCount":3}}}`, <-inflight, "the request in its handler completes")
	select {
	case err := <-done:
		require.NoError(t, err, "a clean drain")
		assert.Less(t, time.Since(start), 5*time.Second)
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return within 5s of the drain's start")
	}
}
