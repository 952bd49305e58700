package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunServesAndShutsDown runs the command on a free port, reads the printed base URL and
// keys, calls the API, then cancels the context the way SIGINT would.
func TestRunServesAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr strings.Builder
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-keys", "KEY_one, KEY_two", "-rooms", "3",
			"-fault-route", "GET /v2/room_participants", "-error-rate", "1", "-error-status", "503"}, pw, &stderr)
		pw.Close()
	}()

	sc := bufio.NewScanner(pr)
	vars := map[string]string{}
	for len(vars) < 4 && sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		require.True(t, ok, "line %q", sc.Text())
		vars[k] = v
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	base := vars["TELNYX_BASE_URL"]
	require.Regexp(t, `^http://127\.0\.0\.1:\d+/v2$`, base)
	assert.Equal(t, "KEY_one", vars["TELNYX_API_KEY"])
	assert.Equal(t, "KEY_one,KEY_two", vars["TELNYX_API_KEYS"])

	get := func(path, key string) (int, []byte) {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, body
	}
	status, body := get("/rooms", "KEY_two")
	require.Equal(t, http.StatusOK, status, "%s", body)
	var list struct {
		Meta struct {
			TotalResults int `json:"total_results"`
		} `json:"meta"`
	}
	require.NoError(t, json.Unmarshal(body, &list))
	assert.Equal(t, 3, list.Meta.TotalResults)
	status, _ = get("/room_participants", "KEY_one")
	assert.Equal(t, http.StatusServiceUnavailable, status, "the fault flags apply to -fault-route")
	status, _ = get("/rooms", "KEY_demo")
	assert.Equal(t, http.StatusUnauthorized, status)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancellation")
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	var stdout, stderr strings.Builder
	tests := []struct {
		name string
		args []string
	}{
		{"unknown flag", []string{"-nope"}},
		{"bad epoch", []string{"-epoch", "yesterday"}},
		{"bad address", []string{"-addr", "256.0.0.1:bad"}},
		{"bad live rate", []string{"-live", "fast"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Error(t, run(context.Background(), tc.args, &stdout, &stderr))
		})
	}
}

// TestRunLiveWebhooks: with -live and -webhook-url the command's busy rooms change on their own and every
// change arrives at the URL, signed with the printed TELNYX_PUBLIC_KEY.
func TestRunLiveWebhooks(t *testing.T) {
	got := make(chan [3]string, 64)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		select {
		case got <- [3]string{r.Header.Get("telnyx-timestamp"), r.Header.Get("telnyx-signature-ed25519"), string(body)}:
		default:
		}
	}))
	defer hook.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-rooms", "4", "-live", "200/s", "-webhook-url", hook.URL + "/hook"}, pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	vars := map[string]string{}
	for len(vars) < 4 && sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		vars[k] = v
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	pub, err := base64.StdEncoding.DecodeString(vars["TELNYX_PUBLIC_KEY"])
	require.NoError(t, err)
	require.Len(t, pub, ed25519.PublicKeySize)
	for range 3 {
		select {
		case d := <-got:
			sig, err := base64.StdEncoding.DecodeString(d[1])
			require.NoError(t, err)
			assert.True(t, ed25519.Verify(pub, []byte(d[0]+"|"+d[2]), sig), "signed with the printed key")
			assert.Contains(t, d[2], `"event_type":"video.room.`)
		case <-time.After(10 * time.Second):
			t.Fatal("no live webhook arrived")
		}
	}
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancellation")
	}
}
