package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
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
	waitRun(t, done)
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
	waitRun(t, done)
}

// TestFirstRunIsLive is the first `go run .` of a front-end developer: the banner's WebSocket URL and
// ready subscription work as printed (the room at once), the printed curl makes someone join and
// leave, and each change arrives as a new roomUpdated answer; GraphiQL opens with the same
// subscription in its second tab. Live mode is off so that only the printed commands change the room.
func TestFirstRunIsLive(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := map[string]string{"PORT": "0", "ROOMGRAPH_SIM_LIVE": "0"}
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, nil, func(k string) string { return env[k] }, outW, io.Discard)
		outW.Close()
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var banner strings.Builder
	deadline := time.After(20 * time.Second)
	for !strings.Contains(banner.String(), "/leave\n") {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "output ended early:\n%s", banner.String())
			banner.WriteString(l + "\n")
		case <-deadline:
			t.Fatalf("no ready subscription printed:\n%s", banner.String())
		}
	}
	go func() {
		for range lines {
		}
	}()
	out := banner.String()
	t.Logf("banner:\n%s", out)
	match := func(re string) []string {
		m := regexp.MustCompile(re).FindStringSubmatch(out)
		require.NotNil(t, m, "%s not in the banner", re)
		return m
	}
	base := match(`listening on (http://\S+)`)[1]
	wsURL := match(`Subscriptions: (ws://\S+/graphql) \(graphql-transport-ws\)`)[1]
	subscription := match(`(?s)(subscription LiveRoom \{.*?\n\})`)[1]
	join := match(`curl -X POST -H 'Authorization: Bearer (\S+)' -d '(\{"context":"You"\})' (http://127\.0\.0\.1:\d+/_sim/rooms/[0-9a-f-]+/join)`)
	key, joinBody, joinURL := join[1], join[2], join[3]
	leave := match(`curl -X POST -H 'Authorization: Bearer \S+' (http://127\.0\.0\.1:\d+/_sim/participants/)<the id it answers>(/leave)`)

	// GraphiQL's second tab is the same subscription.
	resp, err := http.Get(base + "/")
	require.NoError(t, err)
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	cfgJSON := regexp.MustCompile(`(?s)id="roomgraph-playground-config">(.*?)</script>`).FindSubmatch(page)
	require.NotNil(t, cfgJSON)
	var pageCfg struct {
		Tabs []string `json:"tabs"`
	}
	require.NoError(t, json.Unmarshal(cfgJSON[1], &pageCfg))
	assert.Equal(t, []string{subscription}, pageCfg.Tabs)

	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	conn, _, err := websocket.Dial(wctx, wsURL, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	require.NoError(t, err)
	defer conn.CloseNow()
	type msg struct {
		ID      string          `json:"id,omitempty"`
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload,omitempty"`
	}
	require.NoError(t, wsjson.Write(wctx, conn, msg{Type: "connection_init"}))
	var ack msg
	require.NoError(t, wsjson.Read(wctx, conn, &ack))
	require.Equal(t, "connection_ack", ack.Type)
	payload, _ := json.Marshal(map[string]string{"query": subscription})
	require.NoError(t, wsjson.Write(wctx, conn, msg{ID: "1", Type: "subscribe", Payload: payload}))
	type answer struct {
		Data struct {
			RoomUpdated struct {
				UniqueName    string `json:"uniqueName"`
				ActiveSession *struct {
					Participants []struct {
						Context string `json:"context"`
					} `json:"participants"`
				} `json:"activeSession"`
			} `json:"roomUpdated"`
		} `json:"data"`
		Errors []any `json:"errors"`
	}
	next := func() answer {
		t.Helper()
		for {
			var m msg
			require.NoError(t, wsjson.Read(wctx, conn, &m))
			if m.Type == "ping" {
				require.NoError(t, wsjson.Write(wctx, conn, msg{Type: "pong"}))
				continue
			}
			require.Equal(t, "next", m.Type, "%s", m.Payload)
			var a answer
			require.NoError(t, json.Unmarshal(m.Payload, &a))
			require.Empty(t, a.Errors)
			return a
		}
	}
	present := func(a answer) []string {
		var names []string
		if a.Data.RoomUpdated.ActiveSession != nil {
			for _, p := range a.Data.RoomUpdated.ActiveSession.Participants {
				names = append(names, p.Context)
			}
		}
		return names
	}
	first := next()
	assert.NotEmpty(t, first.Data.RoomUpdated.UniqueName)
	assert.NotContains(t, present(first), "You")

	post := func(url, body string) map[string]any {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Less(t, resp.StatusCode, 300)
		var r struct {
			Data map[string]any `json:"data"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
		return r.Data
	}
	joined := post(joinURL, joinBody)
	assert.Contains(t, present(next()), "You", "the join arrives")
	post(leave[1]+joined["id"].(string)+leave[2], "")
	assert.NotContains(t, present(next()), "You", "the leave arrives")

	cancel()
	waitRun(t, done)
}
