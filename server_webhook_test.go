package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/telnyxsim"
)

// TestWebhookDoorThroughTheCommand: TELNYX_PUBLIC_KEY opens POST /webhooks/telnyx, a delivery signed with
// the second key of the list is accepted, and the drain closes the door without error.
func TestWebhookDoorThroughTheCommand(t *testing.T) {
	up := httptest.NewServer(telnyxsim.New(telnyxsim.Config{Keys: []string{"KEY_hook"}, Rooms: 1}))
	defer up.Close()
	old, _, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	pub, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	base, cancel, done := startRun(t, map[string]string{
		"PORT": "0", "TELNYX_BASE_URL": up.URL + "/v2", "TELNYX_API_KEY": "KEY_hook",
		"TELNYX_PUBLIC_KEY": base64.StdEncoding.EncodeToString(old) + ", " + base64.StdEncoding.EncodeToString(pub),
	})
	defer cancel()

	body := []byte(`{"data":{"record_type":"event","id":"ev-1","event_type":"video.room.session.started","occurred_at":"2027-01-15T08:00:00Z","payload":{"room_id":"r"}}}`)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequest(http.MethodPost, base+"/webhooks/telnyx", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("telnyx-timestamp", ts)
	req.Header.Set("telnyx-signature-ed25519", base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(ts+"|"+string(body)))))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	text, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, string(text))

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return")
	}
}

// TestEmbeddedSimulatorWebhooks: with no TELNYX_* set, the embedded simulator's live rooms change on their
// own and its signed webhooks reach the gateway's door in-process: accepted (signature verified with the
// simulator's key, which the command gives the door) and processed, none rejected.
func TestEmbeddedSimulatorWebhooks(t *testing.T) {
	base, cancel, done := startRun(t, map[string]string{"PORT": "0", "ROOMGRAPH_SIM_LIVE": "50/s"})
	defer cancel()

	metric := func(name string) float64 {
		resp, err := http.Get(base + "/metrics")
		require.NoError(t, err)
		defer resp.Body.Close()
		text, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		total := 0.0
		for line := range strings.SplitSeq(string(text), "\n") {
			if rest, ok := strings.CutPrefix(line, name); ok && (strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "{")) {
				v, err := strconv.ParseFloat(rest[strings.LastIndexByte(rest, ' ')+1:], 64)
				require.NoError(t, err, line)
				total += v
			}
		}
		return total
	}
	require.Eventually(t, func() bool { return metric("roomgraph_webhooks_processed_total") >= 3 }, 15*time.Second, 50*time.Millisecond,
		"the live simulator's events reach the door")
	assert.Zero(t, metric("roomgraph_webhooks_rejected_total"), "every delivery verifies")

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return")
	}
}
