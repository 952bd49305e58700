package gateway_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/live"
)

// signedDelivery is a Telnyx delivery of a participant.joined event for roomID, signed by priv now.
func signedDelivery(t *testing.T, url string, priv ed25519.PrivateKey, id, roomID string) *http.Request {
	t.Helper()
	body := fmt.Appendf(nil, `{"data":{"record_type":"event","id":%q,"event_type":"video.room.participant.joined",`+
		`"occurred_at":"2027-01-15T08:00:00Z","payload":{"room_id":%q,"context":"Alice"}},"meta":{"attempt":1}}`, id, roomID)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("telnyx-timestamp", ts)
	req.Header.Set("telnyx-signature-ed25519", base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(ts+"|"+string(body)))))
	return req
}

func deliverWebhook(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// TestWebhookDoor: with a public key configured, a signed delivery to POST /webhooks/telnyx reaches the
// subscribers of its room through the gateway's hub, once; a wrong signature is refused; the door is
// counted in the gateway's metrics; Close stops it.
func TestWebhookDoor(t *testing.T) {
	_, other, _ := ed25519.GenerateKey(nil)
	pub, priv, _ := ed25519.GenerateKey(nil)
	otherPub := other.Public().(ed25519.PublicKey)
	gw, err := gateway.New(gateway.Config{
		BaseURL: "http://127.0.0.1:9/v2", APIKey: "KEY_x", ServeMetrics: true,
		WebhookPublicKeys: []string{base64.StdEncoding.EncodeToString(otherPub), base64.StdEncoding.EncodeToString(pub)},
	})
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	defer srv.Close()
	url := srv.URL + "/webhooks/telnyx"

	sub, err := gw.Hub().Subscribe("room-1")
	require.NoError(t, err)
	status, text := deliverWebhook(t, signedDelivery(t, url, priv, "ev-1", "room-1"))
	require.Equal(t, http.StatusOK, status, text)
	status, text = deliverWebhook(t, signedDelivery(t, url, priv, "ev-1", "room-1"))
	require.Equal(t, http.StatusOK, status, text)
	assert.Contains(t, text, "duplicate")

	_, stranger, _ := ed25519.GenerateKey(nil)
	status, _ = deliverWebhook(t, signedDelivery(t, url, stranger, "ev-2", "room-1"))
	assert.Equal(t, http.StatusForbidden, status)
	status, _ = deliverWebhook(t, signedDelivery(t, url, other, "ev-3", "room-1"))
	assert.Equal(t, http.StatusOK, status, "any configured key verifies")

	for _, want := range []string{"ev-1", "ev-3"} {
		select {
		case e := <-sub.Events():
			assert.Equal(t, want, e.ID)
			assert.Equal(t, live.ParticipantJoined, e.Type)
			assert.Equal(t, "Alice", e.Context)
		case <-time.After(10 * time.Second):
			t.Fatalf("%s was not published", want)
		}
	}

	resp, err := http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, line := range []string{
		"roomgraph_webhooks_received_total 4",
		"roomgraph_webhooks_duplicates_total 1",
		"roomgraph_webhooks_processed_total 2",
		`roomgraph_webhooks_rejected_total{reason="signature_mismatch"} 1`,
		`roomgraph_http_requests_total{code="200",handler="webhooks",method="POST"} 3`,
	} {
		assert.Contains(t, string(metrics), line+"\n")
	}

	require.NoError(t, gw.Close(context.Background()))
	_, open := <-sub.Events()
	assert.False(t, open, "Close ends the subscriptions")
	status, _ = deliverWebhook(t, signedDelivery(t, url, priv, "ev-4", "room-1"))
	assert.Equal(t, http.StatusServiceUnavailable, status, "a closed door asks Telnyx to retry")
	require.NoError(t, gw.Close(context.Background()), "idempotent")
}

// TestWebhookRouteOff: without a public key there is no webhook route, and Close still works.
func TestWebhookRouteOff(t *testing.T) {
	gw, err := gateway.New(gateway.Config{BaseURL: "http://127.0.0.1:9/v2", APIKey: "KEY_x"})
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	defer srv.Close()
	_, priv, _ := ed25519.GenerateKey(nil)
	status, _ := deliverWebhook(t, signedDelivery(t, srv.URL+"/webhooks/telnyx", priv, "ev-1", "room-1"))
	assert.Equal(t, http.StatusNotFound, status)
	require.NoError(t, gw.Close(context.Background()))
}

// TestWebhookKeysValidated: New refuses a key that is not base64 of 32 bytes, naming its position and
// not its value.
func TestWebhookKeysValidated(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	good := base64.StdEncoding.EncodeToString(pub)
	short := base64.StdEncoding.EncodeToString(pub[:16])
	for _, tc := range []struct {
		keys []string
		want string
	}{
		{[]string{good, "%%%"}, "gateway: WebhookPublicKeys: public key 2 of 2 is not standard base64"},
		{[]string{short}, "gateway: WebhookPublicKeys: public key 1 of 1 is 16 bytes, an Ed25519 public key is 32"},
	} {
		_, err := gateway.New(gateway.Config{BaseURL: "http://127.0.0.1:9/v2", APIKey: "KEY_x", WebhookPublicKeys: tc.keys})
		require.EqualError(t, err, tc.want)
		assert.False(t, strings.Contains(err.Error(), short) || strings.Contains(err.Error(), "%%%"), "never the value")
	}
}
