package telnyxsim_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/roomgraph/roomgraph/telnyxsim"
)

// TestWebhookLifecycleEvents: joins, a kick, a last leave and actions/end each arrive as their events, in
// the order of the changes, with the contract's payloads, and the REST reads already show what they say.
func TestWebhookLifecycleEvents(t *testing.T) {
	rc := newReceiver(t)
	clk := newClock(fixedNow())
	sim, c := startHookSim(t, hookConfig(clk))
	room := createRoom(t, c, `"webhook_event_url":"`+rc.url("/hook")+`"`)

	alice := join(t, c, room, "Alice")
	sessionID := str(t, alice, "session_id")
	roomNow := decodeSingle(t, c.get("/v2/rooms/"+room))
	assert.Equal(t, sessionID, str(t, roomNow, "active_session_id"), "the join started a session, visible at once")
	clk.advance(5 * time.Second)
	bob := join(t, c, room, `Bob "B" (iPad)`)
	assert.Equal(t, sessionID, str(t, bob, "session_id"), "a second join joins the active session")
	clk.advance(7 * time.Second)
	r := c.do("POST", "/v2/room_sessions/"+sessionID+"/actions/kick", `{"participants":["`+str(t, bob, "id")+`"]}`)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	clk.advance(3 * time.Second)
	leave(t, c, str(t, alice, "id"))
	ended := decodeSingle(t, c.get("/v2/room_sessions/"+sessionID))
	assert.JSONEq(t, `false`, string(ended["active"]), "the last leave ended the session")
	_, hasActive := decodeSingle(t, c.get("/v2/rooms/"+room))["active_session_id"]
	assert.False(t, hasActive)

	clk.advance(time.Minute)
	carol := join(t, c, room, "Carol")
	second := str(t, carol, "session_id")
	assert.NotEqual(t, sessionID, second, "a join into an idle room starts a new session")
	clk.advance(2 * time.Second)
	require.Equal(t, http.StatusOK, c.do("POST", "/v2/room_sessions/"+second+"/actions/end", "").status)

	got := rc.wait(10)
	require.Equal(t, []string{
		telnyxsim.EventSessionStarted, telnyxsim.EventParticipantJoined, telnyxsim.EventParticipantJoined,
		telnyxsim.EventParticipantLeft, telnyxsim.EventParticipantLeft, telnyxsim.EventSessionEnded,
		telnyxsim.EventSessionStarted, telnyxsim.EventParticipantJoined, telnyxsim.EventParticipantLeft, telnyxsim.EventSessionEnded,
	}, types(got))

	ids := map[string]bool{}
	for _, h := range got {
		assert.Equal(t, "event", h.env.Data.RecordType)
		assert.Regexp(t, uuidPattern, h.env.Data.ID)
		assert.False(t, ids[h.env.Data.ID], "event ids are unique")
		ids[h.env.Data.ID] = true
		_, err := time.Parse(time.RFC3339Nano, h.env.Data.OccurredAt)
		assert.NoError(t, err)
		assert.Equal(t, 1, h.env.Meta.Attempt)
		assert.Equal(t, rc.url("/hook"), h.env.Meta.DeliveredTo)
		assert.Equal(t, "application/json", h.header.Get("Content-Type"))
	}
	aid, bid, cid := str(t, alice, "id"), str(t, bob, "id"), str(t, carol, "id")
	want := []string{
		`{"room_id":"` + room + `","session_id":"` + sessionID + `"}`,
		`{"room_id":"` + room + `","session_id":"` + sessionID + `","participant_id":"` + aid + `","context":"Alice"}`,
		`{"room_id":"` + room + `","session_id":"` + sessionID + `","participant_id":"` + bid + `","context":"Bob \"B\" (iPad)"}`,
		`{"room_id":"` + room + `","session_id":"` + sessionID + `","participant_id":"` + bid + `","context":"Bob \"B\" (iPad)","duration_secs":7,"left_reason":"kicked"}`,
		`{"room_id":"` + room + `","session_id":"` + sessionID + `","participant_id":"` + aid + `","context":"Alice","duration_secs":15,"left_reason":"left"}`,
		`{"room_id":"` + room + `","session_id":"` + sessionID + `","duration_secs":15,"ended_reason":"stale"}`,
		`{"room_id":"` + room + `","session_id":"` + second + `"}`,
		`{"room_id":"` + room + `","session_id":"` + second + `","participant_id":"` + cid + `","context":"Carol"}`,
		`{"room_id":"` + room + `","session_id":"` + second + `","participant_id":"` + cid + `","context":"Carol","duration_secs":2,"left_reason":"session_ended"}`,
		`{"room_id":"` + room + `","session_id":"` + second + `","duration_secs":2,"ended_reason":"ended"}`,
	}
	for i, h := range got {
		assert.Equal(t, want[i], string(h.env.Data.Payload), "event %d: fields in the contract's order", i)
	}
	// occurred_at is the instant the store records: joined_at, left_at, created_at, ended_at.
	assert.Equal(t, str(t, alice, "joined_at"), got[1].env.Data.OccurredAt)
	kicked := decodeSingle(t, c.get("/v2/room_participants/"+bid))
	assert.Equal(t, str(t, kicked, "left_at"), got[3].env.Data.OccurredAt)
	assert.Equal(t, str(t, ended, "ended_at"), got[5].env.Data.OccurredAt)
	assert.Equal(t, str(t, ended, "created_at"), got[0].env.Data.OccurredAt)

	log := sim.Events(demoKey)
	require.Len(t, log, 10)
	for i, e := range log {
		assert.Equal(t, got[i].env.Data.ID, e.ID)
		assert.Equal(t, room, e.RoomID)
		var data map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(e.Data, &data))
		assert.JSONEq(t, string(got[i].env.Data.Payload), string(data["payload"]))
	}
	// The receiver records a delivery before it answers; the simulator counts it once the answer is in.
	require.Eventually(t, func() bool { return sim.WebhookStats().Delivered == 10 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, telnyxsim.WebhookStats{Events: 10, Queued: 10, Attempts: 10, Delivered: 10}, sim.Stats().Webhooks)
}

// TestWebhookRecordingEvents: in a room with enable_recording, a join starts an audio and a video recording,
// the leave completes them.
func TestWebhookRecordingEvents(t *testing.T) {
	rc := newReceiver(t)
	clk := newClock(fixedNow())
	_, c := startHookSim(t, hookConfig(clk))
	room := createRoom(t, c, `"enable_recording":true,"webhook_event_url":"`+rc.url("/hook")+`"`)
	p := join(t, c, room, "Zoë")
	clk.advance(10 * time.Second)
	leave(t, c, str(t, p, "id"))

	got := rc.wait(8)
	require.Equal(t, []string{
		telnyxsim.EventSessionStarted, telnyxsim.EventParticipantJoined, telnyxsim.EventRecordingStarted, telnyxsim.EventRecordingStarted,
		telnyxsim.EventParticipantLeft, telnyxsim.EventRecordingCompleted, telnyxsim.EventRecordingCompleted, telnyxsim.EventSessionEnded,
	}, types(got))
	type rec struct {
		RoomID, SessionID, ParticipantID, RecordingID, Type, Codec, DownloadURL string
		DurationSecs                                                            *int
		SizeMB                                                                  *float64
	}
	decode := func(h hook) rec {
		var m struct {
			RoomID        string   `json:"room_id"`
			SessionID     string   `json:"session_id"`
			ParticipantID string   `json:"participant_id"`
			RecordingID   string   `json:"recording_id"`
			Type          string   `json:"type"`
			Codec         string   `json:"codec"`
			DownloadURL   string   `json:"download_url"`
			DurationSecs  *int     `json:"duration_secs"`
			SizeMB        *float64 `json:"size_mb"`
		}
		require.NoError(t, json.Unmarshal(h.env.Data.Payload, &m))
		return rec(m)
	}
	audio, video := decode(got[2]), decode(got[3])
	assert.Equal(t, "audio", audio.Type)
	assert.Equal(t, "video", video.Type)
	assert.NotEqual(t, audio.RecordingID, video.RecordingID)
	for _, r := range []rec{audio, video} {
		assert.Equal(t, room, r.RoomID)
		assert.Equal(t, str(t, p, "id"), r.ParticipantID)
		assert.Regexp(t, uuidPattern, r.RecordingID)
		assert.Nil(t, r.DurationSecs, "started carries no duration")
	}
	doneAudio, doneVideo := decode(got[5]), decode(got[6])
	assert.Equal(t, audio.RecordingID, doneAudio.RecordingID, "completed names the started recording")
	assert.Equal(t, video.RecordingID, doneVideo.RecordingID)
	assert.Equal(t, "opus", doneAudio.Codec)
	assert.Equal(t, "vp8", doneVideo.Codec)
	for _, r := range []rec{doneAudio, doneVideo} {
		require.NotNil(t, r.DurationSecs)
		assert.Equal(t, 10, *r.DurationSecs)
		assert.True(t, strings.HasSuffix(r.DownloadURL, r.RecordingID+".webm"), r.DownloadURL)
	}
	assert.InDelta(t, 0.16, *doneAudio.SizeMB, 1e-9)
	assert.InDelta(t, 1.25, *doneVideo.SizeMB, 1e-9)
}

// TestWebhookSignature: every delivery verifies with the account's public key over timestamp|body, and
// fails when the body, the timestamp or the key is another.
func TestWebhookSignature(t *testing.T) {
	rc := newReceiver(t)
	clk := newClock(fixedNow())
	cfg := hookConfig(clk)
	cfg.Keys = []string{"KEY_a", "KEY_b"}
	sim, c := startHookSim(t, cfg)
	room := createRoom(t, c, `"webhook_event_url":"`+rc.url("/hook")+`"`)
	join(t, c, room, "Alice")
	got := rc.wait(2)

	var pk struct {
		PublicKey string `json:"public_key"`
	}
	require.NoError(t, json.Unmarshal(c.get("/_sim/public_key").body, &pk))
	raw, err := base64.StdEncoding.DecodeString(pk.PublicKey)
	require.NoError(t, err)
	require.Len(t, raw, ed25519.PublicKeySize)
	pub := ed25519.PublicKey(raw)
	assert.Equal(t, pub, sim.PublicKey("KEY_a"))

	for _, h := range got {
		assert.Equal(t, strconv.FormatInt(clk.now().Unix(), 10), h.header.Get("telnyx-timestamp"), "unix seconds of the simulator clock")
		sig, err := base64.StdEncoding.DecodeString(h.header.Get("telnyx-signature-ed25519"))
		require.NoError(t, err)
		assert.Len(t, sig, ed25519.SignatureSize)
		assert.True(t, verify(pub, h), "signature verifies")

		tampered := h
		tampered.body = []byte(strings.Replace(string(h.body), `"attempt":1`, `"attempt":2`, 1))
		require.NotEqual(t, string(h.body), string(tampered.body))
		assert.False(t, verify(pub, tampered), "tampered body")
		stale := h
		stale.header = h.header.Clone()
		stale.header.Set("telnyx-timestamp", strconv.FormatInt(clk.now().Unix()-1, 10))
		assert.False(t, verify(pub, stale), "another timestamp")
		assert.False(t, verify(sim.PublicKey("KEY_b"), h), "another account's key")
	}
}

// TestWebhookKeysPerAccount: each account signs with its own key, the same for the same seed and key, and
// another for another seed.
func TestWebhookKeysPerAccount(t *testing.T) {
	rc := newReceiver(t)
	cfg := hookConfig(newClock(fixedNow()))
	cfg.Keys = []string{"KEY_a", "KEY_b"}
	sim, c := startHookSim(t, cfg)
	a, b := sim.PublicKey("KEY_a"), sim.PublicKey("KEY_b")
	require.Len(t, a, ed25519.PublicKeySize)
	assert.NotEqual(t, a, b)
	assert.Nil(t, sim.PublicKey("KEY_nobody"))
	again := telnyxsim.New(cfg)
	defer again.Close()
	assert.Equal(t, a, again.PublicKey("KEY_a"), "deterministic from (seed, key)")
	cfg.Seed = 99
	other := telnyxsim.New(cfg)
	defer other.Close()
	assert.NotEqual(t, a, other.PublicKey("KEY_a"), "another seed, another key")

	roomA := createRoom(t, c.withKey("KEY_a"), `"webhook_event_url":"`+rc.url("/a")+`"`)
	roomB := createRoom(t, c.withKey("KEY_b"), `"webhook_event_url":"`+rc.url("/b")+`"`)
	join(t, c.withKey("KEY_a"), roomA, "Alice")
	join(t, c.withKey("KEY_b"), roomB, "Bob")
	got := rc.wait(4)
	for _, h := range got {
		mine, theirs := a, b
		if h.path == "/b" {
			mine, theirs = b, a
		}
		assert.True(t, verify(mine, h), "%s verifies with its account's key", h.path)
		assert.False(t, verify(theirs, h), "%s does not verify with the other account's key", h.path)
	}
}

func TestPublicKeyEndpoint(t *testing.T) {
	cfg := smallConfig()
	cfg.Keys = []string{"KEY_a", "KEY_b"}
	sim, c := startSim(t, cfg)
	get := func(key string) response { return c.withKey(key).do("GET", "/_sim/public_key", "") }
	b64 := func(k ed25519.PublicKey) string {
		return `{"public_key":"` + base64.StdEncoding.EncodeToString(k) + `"}`
	}
	r := get("")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	assert.JSONEq(t, b64(sim.PublicKey("KEY_a")), string(r.body), "no Authorization: the first account's")
	assert.JSONEq(t, b64(sim.PublicKey("KEY_b")), string(get("KEY_b").body), "the bearer's account's")
	decodeErrors(t, get("KEY_nobody"), http.StatusUnauthorized, "10009")
	r = c.do("POST", "/_sim/public_key", "")
	decodeErrors(t, r, http.StatusMethodNotAllowed, "10015")
	assert.Equal(t, "GET, HEAD", r.header.Get("Allow"))
}

// TestWebhookFailoverAndRetries: a failing primary is tried WebhookAttempts times, then the failover URL;
// meta.attempt counts across both, delivered_to names the URL of each attempt.
func TestWebhookFailoverAndRetries(t *testing.T) {
	rc := newReceiver(t)
	rc.status = func(path string, n int) int {
		switch {
		case path == "/primary":
			return http.StatusInternalServerError
		case path == "/failover" && n == 1:
			return http.StatusMovedPermanently // not a 2xx: a failure, never followed
		}
		return http.StatusNoContent // any 2xx acknowledges
	}
	cfg := hookConfig(newClock(fixedNow()))
	sim, c := startHookSim(t, cfg)
	room := createRoom(t, c, `"webhook_event_url":"`+rc.url("/primary")+`","webhook_event_failover_url":"`+rc.url("/failover")+`"`)
	join(t, c, room, "Alice")
	got := rc.wait(10) // 2 events × (3 on the primary + 2 on the failover)
	byEvent := map[string][]hook{}
	var order []string
	for _, h := range got {
		if _, ok := byEvent[h.env.Data.ID]; !ok {
			order = append(order, h.env.Data.ID)
		}
		byEvent[h.env.Data.ID] = append(byEvent[h.env.Data.ID], h)
	}
	require.Len(t, order, 2)
	for _, id := range order {
		hs := byEvent[id]
		require.Len(t, hs, 5)
		for i, h := range hs {
			assert.Equal(t, i+1, h.env.Meta.Attempt)
			wantPath := "/primary"
			if i >= 3 {
				wantPath = "/failover"
			}
			assert.Equal(t, wantPath, h.path)
			assert.Equal(t, rc.url(wantPath), h.env.Meta.DeliveredTo)
		}
	}
	require.Eventually(t, func() bool { return sim.WebhookStats().Delivered == 2 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, telnyxsim.WebhookStats{Events: 2, Queued: 2, Attempts: 10, FailedAttempts: 8, Delivered: 2}, sim.WebhookStats())

	t.Run("every URL fails", func(t *testing.T) {
		rc2 := newReceiver(t)
		rc2.status = func(string, int) int { return http.StatusBadGateway }
		cfg := hookConfig(newClock(fixedNow()))
		cfg.WebhookAttempts = 2
		sim, c := startHookSim(t, cfg)
		room := createRoom(t, c, `"webhook_event_url":"`+rc2.url("/p")+`","webhook_event_failover_url":"`+rc2.url("/f")+`"`)
		join(t, c, room, "Alice")
		got := rc2.wait(8)
		assert.Equal(t, []int{1, 2, 3, 4}, []int{got[0].env.Meta.Attempt, got[1].env.Meta.Attempt, got[2].env.Meta.Attempt, got[3].env.Meta.Attempt})
		require.Eventually(t, func() bool { return sim.WebhookStats().Failed == 2 }, 5*time.Second, time.Millisecond)
		assert.Equal(t, telnyxsim.WebhookStats{Events: 2, Queued: 2, Attempts: 8, FailedAttempts: 8, Failed: 2}, sim.WebhookStats())
	})
}

// TestWebhookTimeout: an attempt not answered within the room's webhook_timeout_secs (or, when that is null
// or 0, Config.WebhookTimeout) is abandoned and counts as failed; the failover URL gets the next attempt.
func TestWebhookTimeout(t *testing.T) {
	cases := []struct {
		name    string
		timeout string // the room's webhook_timeout_secs
	}{
		{"null uses the platform default", `null`},
		{"0 uses the platform default", `0`},
		{"1 second", `1`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t)
			rc.block = func(path string) bool { return path == "/slow" }
			cfg := hookConfig(newClock(fixedNow()))
			cfg.WebhookAttempts = 1
			cfg.WebhookTimeout = 50 * time.Millisecond
			sim, c := startHookSim(t, cfg)
			room := createRoom(t, c, `"webhook_event_url":"`+rc.url("/slow")+`","webhook_event_failover_url":"`+rc.url("/fast")+
				`","webhook_timeout_secs":`+tc.timeout)
			join(t, c, room, "Alice")
			got := rc.wait(4)
			slow, fast := 0, 0
			for _, h := range got {
				switch h.path {
				case "/slow":
					slow++
					assert.True(t, h.cancelled, "the sender gave up on the slow URL")
					assert.Equal(t, 1, h.env.Meta.Attempt)
					if tc.timeout == `1` {
						assert.GreaterOrEqual(t, h.held, 900*time.Millisecond, "the room's 1 s, not the 50 ms default")
					}
				case "/fast":
					fast++
					assert.False(t, h.cancelled)
					assert.Equal(t, 2, h.env.Meta.Attempt)
				}
			}
			assert.Equal(t, 2, slow)
			assert.Equal(t, 2, fast)
			require.Eventually(t, func() bool { return sim.WebhookStats().Delivered == 2 }, 5*time.Second, time.Millisecond)
			assert.Equal(t, 2, sim.WebhookStats().FailedAttempts)
		})
	}
}

// TestWebhookDuplicates: the duplicate knobs deliver the same event (same data.id) twice.
func TestWebhookDuplicates(t *testing.T) {
	for _, f := range []telnyxsim.WebhookFaults{{DuplicateEvery: 1}, {DuplicateRate: 1}} {
		rc := newReceiver(t)
		cfg := hookConfig(newClock(fixedNow()))
		cfg.WebhookFaults = f
		sim, c := startHookSim(t, cfg)
		room := createRoom(t, c, `"webhook_event_url":"`+rc.url("/hook")+`"`)
		join(t, c, room, "Alice")
		got := rc.wait(4)
		require.Len(t, got, 4)
		assert.Equal(t, got[0].env.Data.ID, got[1].env.Data.ID, "%+v: delivered twice in a row", f)
		assert.Equal(t, got[2].env.Data.ID, got[3].env.Data.ID)
		assert.NotEqual(t, got[0].env.Data.ID, got[2].env.Data.ID)
		assert.Equal(t, 2, sim.WebhookStats().Duplicated)
	}
	t.Run("every 2nd", func(t *testing.T) {
		rc := newReceiver(t)
		cfg := hookConfig(newClock(fixedNow()))
		cfg.WebhookFaults = telnyxsim.WebhookFaults{DuplicateEvery: 2}
		sim, c := startHookSim(t, cfg)
		room := createRoom(t, c, `"webhook_event_url":"`+rc.url("/hook")+`"`)
		for _, name := range []string{"Alice", "Bob", "Carol"} {
			join(t, c, room, name) // 4 events: started, 3 × joined
		}
		got := rc.wait(6)
		ev := sim.Events(demoKey)
		require.Len(t, ev, 4)
		want := []string{ev[0].ID, ev[1].ID, ev[1].ID, ev[2].ID, ev[3].ID, ev[3].ID}
		for i, h := range got {
			assert.Equal(t, want[i], h.env.Data.ID, "delivery %d", i)
			assert.Equal(t, 1, h.env.Meta.Attempt, "a duplicate is a delivery of its own")
		}
	})
}

// TestWebhookReorder: ReorderWindow holds deliveries in groups and releases each reversed; a group that does
// not fill is released after ReorderHold.
func TestWebhookReorder(t *testing.T) {
	rc := newReceiver(t)
	cfg := hookConfig(newClock(fixedNow()))
	cfg.WebhookFaults = telnyxsim.WebhookFaults{ReorderWindow: 3, ReorderHold: time.Hour}
	sim, c := startHookSim(t, cfg)
	room := createRoom(t, c, `"webhook_event_url":"`+rc.url("/hook")+`"`)
	a := join(t, c, room, "Alice") // session.started, joined(Alice)
	b := join(t, c, room, "Bob")   // joined(Bob): the group of 3 is full
	got := rc.wait(3)
	assert.Equal(t, []string{telnyxsim.EventParticipantJoined, telnyxsim.EventParticipantJoined, telnyxsim.EventSessionStarted}, types(got))
	assert.Contains(t, string(got[0].env.Data.Payload), str(t, b, "id"))
	assert.Contains(t, string(got[1].env.Data.Payload), str(t, a, "id"))

	sim.SetWebhookFaults(telnyxsim.WebhookFaults{ReorderWindow: 10, ReorderHold: 20 * time.Millisecond})
	leave(t, c, str(t, a, "id")) // participant.left(Alice)
	leave(t, c, str(t, b, "id")) // participant.left(Bob), session.ended
	got = rc.wait(6)[3:]
	assert.Equal(t, []string{telnyxsim.EventSessionEnded, telnyxsim.EventParticipantLeft, telnyxsim.EventParticipantLeft}, types(got),
		"an unfilled group is released, reversed, after the hold")
	assert.Contains(t, string(got[1].env.Data.Payload), str(t, b, "id"))
}

// TestWebhookDelay: a delivery waits Delay before its first attempt; Close abandons what is still waiting.
func TestWebhookDelay(t *testing.T) {
	rc := newReceiver(t)
	cfg := hookConfig(newClock(fixedNow()))
	cfg.WebhookFaults = telnyxsim.WebhookFaults{Delay: time.Hour}
	sim, c := startSim(t, cfg)
	room := createRoom(t, c, `"webhook_event_url":"`+rc.url("/hook")+`"`)
	join(t, c, room, "Alice")
	sim.Close()
	assert.Empty(t, rc.all(), "nothing arrives before the delay")
	st := sim.WebhookStats()
	assert.Equal(t, 2, st.Queued)
	assert.Equal(t, 2, st.Abandoned)
	assert.Zero(t, st.Attempts)

	join(t, c, room, "Bob") // after Close: logged, not delivered
	assert.Len(t, sim.Events(demoKey), 3)
	assert.Equal(t, 1, sim.WebhookStats().Dropped)
}

// TestWebhookExtraURL: Config.WebhookURL gets every room's events, beside the room's own URLs; a room whose
// own URL is it gets each event once; generated rooms' example.com URLs are never posted to.
func TestWebhookExtraURL(t *testing.T) {
	rc := newReceiver(t)
	cfg := hookConfig(newClock(fixedNow()))
	cfg.WebhookURL = rc.url("/all")
	sim, c := startHookSim(t, cfg)
	own := createRoom(t, c, `"unique_name":"own","webhook_event_url":"`+rc.url("/own")+`"`)
	none := createRoom(t, c, `"unique_name":"none"`)
	same := createRoom(t, c, `"unique_name":"same","webhook_event_url":"`+rc.url("/all")+`"`)
	var generated string
	for _, r := range sim.Rooms(demoKey) {
		if strings.HasPrefix(r.WebhookEventURL, "https://hooks.example.com/") && r.ActiveSessionID == "" && !r.EnableRecording {
			generated = r.ID
		}
	}
	require.NotEmpty(t, generated)
	for _, room := range []string{own, none, same, generated} {
		leave(t, c, str(t, join(t, c, room, "Alice"), "id")) // 4 events each
	}
	rc.wait(20)
	require.Eventually(t, func() bool { return sim.WebhookStats().Delivered == 20 }, 5*time.Second, time.Millisecond)
	count := map[string]int{}
	rooms := map[string]map[string]bool{}
	for _, h := range rc.all() {
		count[h.path]++
		var p struct {
			RoomID string `json:"room_id"`
		}
		require.NoError(t, json.Unmarshal(h.env.Data.Payload, &p))
		if rooms[h.path] == nil {
			rooms[h.path] = map[string]bool{}
		}
		rooms[h.path][p.RoomID] = true
	}
	assert.Equal(t, map[string]int{"/all": 16, "/own": 4}, count)
	assert.Equal(t, map[string]bool{own: true, none: true, same: true, generated: true}, rooms["/all"])
	assert.Equal(t, telnyxsim.WebhookStats{Events: 16, Queued: 20, Attempts: 20, Delivered: 20}, sim.WebhookStats())

	t.Run("without an extra URL, example domains make events undeliverable", func(t *testing.T) {
		sim, c := startHookSim(t, hookConfig(newClock(fixedNow())))
		leave(t, c, str(t, join(t, c, generated, "Alice"), "id"))
		assert.Equal(t, telnyxsim.WebhookStats{Events: 4, Undeliverable: 4}, sim.WebhookStats())
	})
}

// TestWebhookQueueFull: deliveries go through a bounded queue; when it is full they are dropped and
// counted, and the API answers without waiting for any receiver.
func TestWebhookQueueFull(t *testing.T) {
	rc := newReceiver(t)
	rc.block = func(string) bool { return true }
	cfg := hookConfig(newClock(fixedNow()))
	cfg.WebhookQueue = 2
	cfg.WebhookTimeout = time.Hour
	sim, c := startHookSim(t, cfg)
	room := createRoom(t, c, `"max_participants":50,"webhook_event_url":"`+rc.url("/hook")+`"`)
	for i := range 10 {
		join(t, c, room, "P"+strconv.Itoa(i)) // 11 events; one in flight, two queued, the rest dropped
	}
	// At most four are accepted while the receiver holds the first: one in flight, one in the dispatcher's
	// hand, two in the queue.
	st := sim.WebhookStats()
	assert.Equal(t, 11, st.Events)
	assert.Equal(t, 11, st.Queued+st.Dropped)
	assert.GreaterOrEqual(t, st.Dropped, 7)
	assert.Equal(t, float64(st.Dropped), mustStat(t, c, "dropped"), "GET /_sim/stats shows the counters")
}

func mustStat(t *testing.T, c *client, field string) float64 {
	t.Helper()
	var st struct {
		Webhooks map[string]float64 `json:"webhooks"`
	}
	require.NoError(t, json.Unmarshal(c.get("/_sim/stats").body, &st))
	v, ok := st.Webhooks[field]
	require.True(t, ok, "webhooks.%s", field)
	return v
}

// TestHandlerTransport: with HandlerTransport the deliveries reach an http.Handler in-process, signed.
func TestHandlerTransport(t *testing.T) {
	got := make(chan hook, 16)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var hk hook
		hk.path, hk.header = r.URL.Path, r.Header.Clone()
		buf, err := io.ReadAll(r.Body)
		assert.NoError(t, err)
		hk.body = buf
		assert.NoError(t, json.Unmarshal(buf, &hk.env))
		got <- hk
		w.WriteHeader(http.StatusAccepted)
	})
	cfg := hookConfig(newClock(fixedNow()))
	cfg.WebhookURL = "http://gateway.internal/webhooks/telnyx"
	cfg.WebhookTransport = telnyxsim.HandlerTransport(h)
	sim, c := startHookSim(t, cfg)
	room := createRoom(t, c, ``)
	join(t, c, room, "Alice")
	for range 2 {
		hk := <-got
		assert.Equal(t, "/webhooks/telnyx", hk.path)
		assert.Equal(t, "http://gateway.internal/webhooks/telnyx", hk.env.Meta.DeliveredTo)
		assert.True(t, verify(sim.PublicKey(demoKey), hk))
	}
	require.Eventually(t, func() bool { return sim.WebhookStats().Delivered == 2 }, 5*time.Second, time.Millisecond)
}

// TestCloseStopsEverything: after Close no goroutine of the simulator is left, with live mode running and
// deliveries blocked in flight.
func TestCloseStopsEverything(t *testing.T) {
	rc := newReceiver(t)
	rc.block = func(string) bool { return true }
	before := goleak.IgnoreCurrent()
	cfg := hookConfig(newClock(fixedNow()))
	cfg.WebhookURL = rc.url("/hook")
	cfg.WebhookWorkers = 3
	cfg.WebhookTimeout = time.Hour
	cfg.Live = telnyxsim.LiveConfig{Rate: 1000}
	sim := telnyxsim.New(cfg)
	require.Eventually(t, func() bool { return rc.entered.Load() >= 3 }, 5*time.Second, time.Millisecond, "every worker is in a delivery")
	sim.Close()
	sim.Close() // idempotent
	rc.srv.CloseClientConnections()
	goleak.VerifyNone(t, append(leakIgnores(), before)...)
	st := sim.WebhookStats()
	assert.Equal(t, st.Queued, st.Delivered+st.Failed+st.Abandoned, "every queued delivery is accounted for: %+v", st)
}
