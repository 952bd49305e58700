package gateway_test

// The whole live path, with nothing published into the hub by hand: a change made through the
// simulator (its control endpoints) or through the gateway (a mutation) makes the simulator post a
// signed webhook over loopback HTTP to the gateway's door, which verifies it, dedupes it and hands it to
// the subscriptions, which real WebSocket and SSE clients read.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// flowHarness is a liveHarness whose simulator delivers its webhooks to the gateway's door over HTTP,
// signed with each account's key, every key configured on the door.
type flowHarness struct {
	*liveHarness
	simBase string // the simulator's origin, for /_sim/… (simURL is its API base, …/v2)
}

func newFlowHarness(t *testing.T, simCfg telnyxsim.Config, cfg gateway.Config) *flowHarness {
	t.Helper()
	if simCfg.Keys == nil {
		simCfg.Keys = []string{keyA, keyB}
	}
	// The gateway's listener first: the simulator needs its address, the gateway the simulator's.
	gwSrv := httptest.NewUnstartedServer(nil)
	requireLoopbackURL(t, "http://"+gwSrv.Listener.Addr().String())
	simCfg.WebhookURL = "http://" + gwSrv.Listener.Addr().String() + "/webhooks/telnyx"
	if simCfg.WebhookBackoff == 0 {
		simCfg.WebhookBackoff = 20 * time.Millisecond
	}
	sim := telnyxsim.New(simCfg)
	simSrv := httptest.NewServer(sim)

	cfg.BaseURL = simSrv.URL + "/v2"
	if cfg.APIKey == "" && cfg.Auth != gateway.AuthForward {
		cfg.APIKey = keyA
	}
	if cfg.LoaderWait == 0 {
		cfg.LoaderWait = 5 * time.Millisecond
	}
	for _, k := range simCfg.Keys {
		cfg.WebhookPublicKeys = append(cfg.WebhookPublicKeys, base64.StdEncoding.EncodeToString(sim.PublicKey(k)))
	}
	gw, err := gateway.New(cfg, gateway.WithHTTPClient(simSrv.Client()))
	require.NoError(t, err)
	gwSrv.Config.Handler = gw
	gwSrv.Start()
	t.Cleanup(func() {
		// Deliveries stop first (none in flight to a closed door), then the gateway and the servers.
		sim.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = gw.Close(ctx)
		gwSrv.Close()
		simSrv.Close()
	})
	return &flowHarness{
		liveHarness: &liveHarness{sim: sim, simURL: simSrv.URL + "/v2", gw: gw, url: gwSrv.URL + "/graphql",
			wsURL: "ws" + strings.TrimPrefix(gwSrv.URL, "http") + "/graphql"},
		simBase: simSrv.URL,
	}
}

func requireLoopbackURL(t *testing.T, u string) {
	t.Helper()
	require.True(t, strings.HasPrefix(u, "http://127.0.0.1:"), "loopback only, got %s", u)
}

// control calls one of the simulator's control endpoints with key's account and returns the
// participant record it answers.
func (h *flowHarness) control(t *testing.T, key, path, body string) (id, sessionID string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.simBase+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Less(t, resp.StatusCode, 300, path)
	var env struct {
		Data struct {
			ID        string `json:"id"`
			SessionID string `json:"session_id"`
		} `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&env))
	return env.Data.ID, env.Data.SessionID
}

// join makes context join the room (POST /_sim/rooms/{id}/join): the participant's id and session.
func (h *flowHarness) join(t *testing.T, key, roomID, context string) (string, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"context": context})
	return h.control(t, key, "/_sim/rooms/"+roomID+"/join", string(b))
}

// leave makes a participant leave (POST /_sim/participants/{id}/leave).
func (h *flowHarness) leave(t *testing.T, key, participantID string) {
	t.Helper()
	h.control(t, key, "/_sim/participants/"+participantID+"/leave", "")
}

// gql runs a query or mutation over HTTP with header and requires it to succeed.
func (h *flowHarness) gql(t *testing.T, header http.Header, query string, vars map[string]any) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, h.url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var r gqlResult
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
	require.Empty(t, r.Errors)
	return r.Data
}

// idleRoom is a room of key's account with no active session, room for four participants, and no
// recording (its joins and leaves make no recording events).
func idleRoom(t *testing.T, sim *telnyxsim.Sim, key string, skip ...string) telnyxsim.Room {
	t.Helper()
	for _, r := range sim.Rooms(key) {
		if r.ActiveSessionID == "" && r.MaxParticipants >= 4 && !r.EnableRecording && !slices.Contains(skip, r.ID) {
			return r
		}
	}
	t.Fatalf("no idle room of %s", key)
	return telnyxsim.Room{}
}

// subStream is one subscription's answers, whatever carries them.
type subStream func(t *testing.T) *gqlResult

// subscribeOver starts a subscription over transport ("ws": its own graphql-transport-ws connection;
// "sse": its own GraphQL-over-SSE request). key is the credential: sent on the WebSocket's
// connection_init payload or as the SSE request's header; "" sends none (key mode).
func (h *flowHarness) subscribeOver(t *testing.T, transport, key, query string, vars map[string]any) subStream {
	t.Helper()
	if transport == "sse" {
		var header http.Header
		if key != "" {
			header = http.Header{"Authorization": {"Bearer " + key}}
		}
		s := openSSE(t, h.url, query, vars, header)
		return func(t *testing.T) *gqlResult {
			t.Helper()
			name, r := s.next(t)
			require.Equal(t, "next", name)
			return r
		}
	}
	var payload map[string]any
	if key != "" {
		payload = map[string]any{"Authorization": "Bearer " + key}
	}
	c, ack := dialWS(t, h.wsURL, nil, payload)
	require.NotNil(t, ack)
	require.Equal(t, "connection_ack", ack.Type)
	id := c.subscribe(query, vars)
	return func(t *testing.T) *gqlResult {
		t.Helper()
		r, typ := c.next(id)
		require.Equal(t, "next", typ)
		return r
	}
}

// flowEventsQuery selects what tells the events apart without ids (which change shape with the id
// scheme): the type, the room's name, the session's state, the participant's name, the reason.
const flowEventsQuery = `subscription($id: ID!) { roomEvents(roomId: $id) {
  __typename id occurredAt
  room { uniqueName }
  session { active }
  ... on RoomParticipantJoined { participant { context } }
  ... on RoomParticipantLeft { participant { context } reason }
  ... on RoomSessionEnded { reason }
} }`

const flowUpdatedQuery = `subscription($id: ID!) { roomUpdated(id: $id) {
  uniqueName
  activeSession { active participants(present: true) { context } }
} }`

// seenEvent is one roomEvents answer, reduced.
type seenEvent struct {
	Type, ID, Room, Participant, Reason string
}

func (e seenEvent) String() string {
	return fmt.Sprintf("%s(%s %s %s)", e.Type, e.Room, e.Participant, e.Reason)
}

func readEvent(t *testing.T, next subStream) seenEvent {
	t.Helper()
	r := next(t)
	require.Empty(t, r.Errors)
	ev := r.Data["roomEvents"]
	s := func(path ...string) string { v, _ := jsonAt(ev, path...).(string); return v }
	return seenEvent{Type: s("__typename"), ID: s("id"), Room: s("room", "uniqueName"), Participant: s("participant", "context"), Reason: s("reason")}
}

// presence is a roomUpdated answer reduced to who is present, sorted; nil when no session is active.
func presence(t *testing.T, r *gqlResult) []string {
	t.Helper()
	require.Empty(t, r.Errors)
	s := jsonAt(r.Data["roomUpdated"], "activeSession")
	if s == nil {
		return nil
	}
	assert.Equal(t, true, jsonAt(s, "active"))
	names := []string{}
	ps, _ := jsonAt(s, "participants").([]any)
	for _, p := range ps {
		names = append(names, jsonAt(p, "context").(string))
	}
	slices.Sort(names)
	return names
}

// history checks roomUpdated answers against the room's true history (states in the order they
// happened, nil = idle): every answer is one of them, never one before the last answer's.
type history struct {
	states [][]string
	at     int // the index of the last answer's state
}

// advance takes one answer: its index in the history, at or after the last one's.
func (hs *history) advance(t *testing.T, got []string) int {
	t.Helper()
	for i := hs.at; i < len(hs.states); i++ {
		if slices.Equal(hs.states[i], got) && (hs.states[i] == nil) == (got == nil) {
			hs.at = i
			return i
		}
	}
	t.Fatalf("roomUpdated went backwards or sent a state that never was: %v after %v (history %v)", got, hs.states[hs.at], hs.states)
	return -1
}

// until reads answers until one shows the state at index want; each must keep to the history.
func (hs *history) until(t *testing.T, next subStream, want int) {
	t.Helper()
	for hs.at < want {
		got := presence(t, next(t))
		t.Logf("roomUpdated: %v", got)
		hs.advance(t, got)
	}
}

const kickMutation = `mutation($s: ID!, $p: ID!) { kickParticipants(sessionId: $s, participants: { ids: [$p] }) { sessionId } }`

// TestWebhookFlowJoinAndKick: someone joins an idle room (the simulator's control endpoint), a second
// joins, the first is kicked through the gateway's kickParticipants, the second leaves: each change
// arrives through the signed webhooks as its roomEvents (RoomSessionStarted, RoomParticipantJoined,
// RoomParticipantLeft with its reason, RoomSessionEnded), once and in order, and roomUpdated follows
// the room's presence step by step, over graphql-transport-ws and over SSE.
func TestWebhookFlowJoinAndKick(t *testing.T) {
	for _, transport := range []string{"ws", "sse"} {
		t.Run(transport, func(t *testing.T) {
			// One delivery worker: the simulator then posts in the order of its changes.
			h := newFlowHarness(t, telnyxsim.Config{WebhookWorkers: 1}, gateway.Config{})
			room := idleRoom(t, h.sim, keyA)
			vars := map[string]any{"id": room.ID}
			events := h.subscribeOver(t, transport, "", flowEventsQuery, vars)
			updated := h.subscribeOver(t, transport, "", flowUpdatedQuery, vars)
			h.waitSubscribed(t, 2)
			hs := &history{states: [][]string{nil, {"Alice"}, {"Alice", "Bob"}, {"Bob"}, nil}}
			hs.until(t, updated, 0)

			expect := func(want ...seenEvent) {
				t.Helper()
				for _, w := range want {
					got := readEvent(t, events)
					assert.NotEmpty(t, got.ID)
					got.ID = ""
					assert.Equal(t, w, got)
				}
			}
			alice, session := h.join(t, keyA, room.ID, "Alice")
			expect(seenEvent{Type: "RoomSessionStarted", Room: room.UniqueName},
				seenEvent{Type: "RoomParticipantJoined", Room: room.UniqueName, Participant: "Alice"})
			hs.until(t, updated, 1)

			h.join(t, keyA, room.ID, "Bob")
			expect(seenEvent{Type: "RoomParticipantJoined", Room: room.UniqueName, Participant: "Bob"})
			hs.until(t, updated, 2)

			h.gql(t, nil, kickMutation, map[string]any{"s": session, "p": alice})
			expect(seenEvent{Type: "RoomParticipantLeft", Room: room.UniqueName, Participant: "Alice", Reason: telnyxsim.LeftKicked})
			hs.until(t, updated, 3)

			bob := h.sim.Participants(keyA, session)
			bob = slices.DeleteFunc(bob, func(p telnyxsim.Participant) bool { return p.Context != "Bob" })
			require.Len(t, bob, 1)
			h.leave(t, keyA, bob[0].ID)
			expect(seenEvent{Type: "RoomParticipantLeft", Room: room.UniqueName, Participant: "Bob", Reason: telnyxsim.LeftLeft},
				seenEvent{Type: "RoomSessionEnded", Room: room.UniqueName, Reason: telnyxsim.EndedStale})
			hs.until(t, updated, 4)

			// The simulator counts a delivery once it has read the door's answer, which may be after the
			// door's worker published the event seen above.
			var st telnyxsim.WebhookStats
			require.Eventually(t, func() bool { st = h.sim.WebhookStats(); return st.Delivered == st.Queued },
				10*time.Second, 5*time.Millisecond, "every queued delivery delivered")
			assert.Zero(t, st.FailedAttempts, "every delivery was accepted at its first attempt")
		})
	}
}

// TestWebhookFlowDuplicatesAndReorder: the simulator delivers every other webhook twice and releases
// them in reversed groups of three (its WebhookFaults). Over both
// transports, every event of the room arrives exactly once, and roomUpdated never sends a state older
// than one it sent (a late joined after a left resurrects nobody) and ends on the room as it is.
func TestWebhookFlowDuplicatesAndReorder(t *testing.T) {
	for _, transport := range []string{"ws", "sse"} {
		t.Run(transport, func(t *testing.T) {
			// One delivery worker, so the reversed groups arrive reversed.
			h := newFlowHarness(t, telnyxsim.Config{WebhookWorkers: 1, WebhookFaults: telnyxsim.WebhookFaults{
				DuplicateEvery: 2, ReorderWindow: 3, ReorderHold: 200 * time.Millisecond,
			}}, gateway.Config{})
			room := idleRoom(t, h.sim, keyA)
			vars := map[string]any{"id": room.ID}
			events := h.subscribeOver(t, transport, "", flowEventsQuery, vars)
			updated := h.subscribeOver(t, transport, "", flowUpdatedQuery, vars)
			h.waitSubscribed(t, 2)
			hs := &history{states: [][]string{nil}}
			hs.until(t, updated, 0)

			// Changes in quick succession, each state recorded as it is made.
			ids := map[string]string{}
			var present []string
			record := func() {
				var st []string // nil when idle
				if len(present) > 0 {
					st = slices.Sorted(slices.Values(present))
				}
				hs.states = append(hs.states, st)
			}
			joinIn := func(who string) {
				ids[who], _ = h.join(t, keyA, room.ID, who)
				present = append(present, who)
				record()
			}
			leaveOut := func(who string) {
				h.leave(t, keyA, ids[who])
				present = slices.DeleteFunc(present, func(p string) bool { return p == who })
				record()
			}
			joinIn("Ann")
			joinIn("Ben")
			joinIn("Cat")
			leaveOut("Ann")
			joinIn("Dan")
			leaveOut("Ben")
			leaveOut("Cat")
			leaveOut("Dan")

			// The events the simulator emitted for the room (it records nothing: no recording events).
			want := map[string]bool{}
			var emitted, arrived []string
			for _, e := range h.sim.Events(keyA) {
				if e.RoomID == room.ID {
					want[e.ID] = true
					emitted = append(emitted, e.ID)
				}
			}
			require.Len(t, want, 2+4*2, "a session started and ended, four joins, four leaves")
			got := map[string]int{}
			for len(got) < len(want) {
				e := readEvent(t, events)
				require.True(t, want[e.ID], "an event of another room or one never emitted: %v", e)
				got[e.ID]++
				require.Equal(t, 1, got[e.ID], "delivered twice: %v", e)
				arrived = append(arrived, e.ID)
			}
			assert.NotEqual(t, emitted, arrived, "the deliveries were reordered")

			// Every delivery is done (the duplicates too), then one more change: it is the very next
			// event, so no late duplicate was left to arrive before it; and roomUpdated, which may have
			// sent any of the states above in their order (or none: the room ended as idle as it began,
			// and an unchanged room is not sent again), reaches it.
			require.Eventually(t, func() bool {
				st := h.sim.WebhookStats()
				return st.Delivered+st.Failed == st.Queued+st.Duplicated
			}, 10*time.Second, 5*time.Millisecond)
			st := h.sim.WebhookStats()
			assert.Positive(t, st.Duplicated, "the simulator delivered duplicates")
			assert.Zero(t, st.Failed)
			zed, _ := h.join(t, keyA, room.ID, "Zed")
			marker := map[string]bool{readEvent(t, events).Type: true, readEvent(t, events).Type: true}
			assert.Equal(t, map[string]bool{"RoomSessionStarted": true, "RoomParticipantJoined": true}, marker)
			hs.states = append(hs.states, []string{"Zed"})
			hs.until(t, updated, len(hs.states)-1)
			h.leave(t, keyA, zed)
		})
	}
}

// TestWebhookFlowTenancy: two simulator accounts, hence two signing keys, both on the door; forward
// mode. While both accounts' rooms are busy at once, each account's subscribers (graphql-transport-ws
// with the key in connection_init, SSE with it in the header) see exactly their room's events and
// presence and nothing of the other's; neither may subscribe to the other's room.
func TestWebhookFlowTenancy(t *testing.T) {
	h := newFlowHarness(t, telnyxsim.Config{}, gateway.Config{Auth: gateway.AuthForward})
	rooms := map[string]telnyxsim.Room{keyA: idleRoom(t, h.sim, keyA), keyB: idleRoom(t, h.sim, keyB)}
	other := map[string]string{keyA: keyB, keyB: keyA}
	prefix := map[string]string{keyA: "alpha-", keyB: "bravo-"}

	t.Run("another account's room is refused", func(t *testing.T) {
		for _, key := range []string{keyA, keyB} {
			for _, transport := range []string{"ws", "sse"} {
				for _, q := range []string{flowEventsQuery, flowUpdatedQuery} {
					next := h.subscribeOver(t, transport, key, q, map[string]any{"id": rooms[other[key]].ID})
					assert.Equal(t, "NOT_FOUND", next(t).code(), "%s over %s", key, transport)
				}
			}
		}
		assert.Equal(t, 0, h.gw.Hub().Len())
	})

	t.Run("each sees only its own", func(t *testing.T) {
		type subscriber struct {
			key, transport string
			events         subStream
			updated        subStream
		}
		var subs []subscriber
		for _, key := range []string{keyA, keyB} {
			for _, transport := range []string{"ws", "sse"} {
				vars := map[string]any{"id": rooms[key].ID}
				subs = append(subs, subscriber{key: key, transport: transport,
					events:  h.subscribeOver(t, transport, key, flowEventsQuery, vars),
					updated: h.subscribeOver(t, transport, key, flowUpdatedQuery, vars)})
			}
		}
		h.waitSubscribed(t, len(subs)*2)
		for _, s := range subs {
			assert.Nil(t, presence(t, s.updated(t)), "the room starts idle")
		}

		// Both accounts at once: people join and some leave, then a last one stays.
		const n = 6
		var wg sync.WaitGroup
		for _, key := range []string{keyA, keyB} {
			wg.Go(func() {
				for i := range n {
					id, _ := h.join(t, key, rooms[key].ID, fmt.Sprintf("%s%d", prefix[key], i))
					if i%2 == 0 {
						h.leave(t, key, id)
					}
				}
			})
		}
		wg.Wait()
		final := map[string][]string{}
		for _, key := range []string{keyA, keyB} {
			for i := 1; i < n; i += 2 {
				final[key] = append(final[key], fmt.Sprintf("%s%d", prefix[key], i))
			}
		}

		for _, s := range subs {
			t.Run(s.key+" over "+s.transport, func(t *testing.T) {
				want := map[string]bool{}
				for _, e := range h.sim.Events(s.key) {
					if e.RoomID == rooms[s.key].ID {
						want[e.ID] = true
					}
				}
				for _, e := range h.sim.Events(other[s.key]) {
					require.False(t, want[e.ID])
				}
				got := map[string]bool{}
				for len(got) < len(want) {
					e := readEvent(t, s.events)
					require.True(t, want[e.ID], "not an event of this account's room: %v", e)
					require.False(t, got[e.ID], "twice: %v", e)
					got[e.ID] = true
					assert.Equal(t, rooms[s.key].UniqueName, e.Room)
					if e.Participant != "" {
						assert.True(t, strings.HasPrefix(e.Participant, prefix[s.key]), "%v", e)
					}
				}
				for {
					p := presence(t, s.updated(t))
					for _, name := range p {
						require.True(t, strings.HasPrefix(name, prefix[s.key]), "another account's participant: %v", p)
					}
					if slices.Equal(p, final[s.key]) {
						break
					}
				}
			})
		}
		assert.Zero(t, h.sim.WebhookStats().FailedAttempts, "both accounts' deliveries verify")
	})
}

// TestWebhookFlowUnknownSigner: deliveries signed by an account whose key the door was not given are
// refused, every one (the simulator counts them failed), and the configured account's events still flow,
// the refused ones not among them.
func TestWebhookFlowUnknownSigner(t *testing.T) {
	h := newFlowHarness(t, telnyxsim.Config{Keys: []string{keyA}, WebhookAttempts: 1}, gateway.Config{})
	// A second simulator for account B, posting to the same door with its own key, which the door lacks.
	rogue := telnyxsim.New(telnyxsim.Config{Keys: []string{keyB}, WebhookURL: strings.TrimSuffix(h.url, "/graphql") + "/webhooks/telnyx", WebhookAttempts: 1})
	t.Cleanup(rogue.Close)
	rogueSrv := httptest.NewServer(rogue)
	t.Cleanup(rogueSrv.Close)

	room := idleRoom(t, h.sim, keyA)
	events := h.subscribeOver(t, "ws", "", flowEventsQuery, map[string]any{"id": room.ID})
	h.waitSubscribed(t, 1)

	// The rogue account's change: refused at the door.
	b, _ := json.Marshal(map[string]string{"context": "Mallory"})
	req, err := http.NewRequest(http.MethodPost, rogueSrv.URL+"/_sim/rooms/"+rogue.Rooms(keyB)[0].ID+"/join", bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+keyB)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.Eventually(t, func() bool { st := rogue.WebhookStats(); return st.Queued > 0 && st.Failed == st.Queued }, 10*time.Second, 5*time.Millisecond,
		"every rogue delivery is refused")

	h.join(t, keyA, room.ID, "Alice")
	got := []string{readEvent(t, events).Type, readEvent(t, events).Type} // four delivery workers: either order
	assert.ElementsMatch(t, []string{"RoomSessionStarted", "RoomParticipantJoined"}, got)
}

// flowRecordingsQuery selects every field of the recording events, and the participant of each event.
const flowRecordingsQuery = `subscription($id: ID!) { roomEvents(roomId: $id) {
  __typename id occurredAt
  session { telnyxId }
  ... on RoomParticipantJoined { participant { telnyxId context } }
  ... on RoomParticipantLeft { participant { telnyxId context } }
  ... on RoomRecordingStarted { participant { telnyxId context } recordingId trackType }
  ... on RoomRecordingCompleted { participant { telnyxId context } recordingId trackType codec downloadUrl durationSecs sizeMb }
} }`

const createRecordingRoom = `mutation($name: String!) { createRoom(input: { uniqueName: $name, enableRecording: true }) {
  room { telnyxId enableRecording } } }`

// TestWebhookFlowRecordings: a room created through the gateway with enableRecording records each
// participant's audio and video. Alice joins through the simulator's control endpoint: roomEvents
// delivers RoomSessionStarted, RoomParticipantJoined, then RoomRecordingStarted for AUDIO and for VIDEO;
// she leaves ten seconds later (by the simulator's clock): RoomParticipantLeft, RoomRecordingCompleted
// for each track (opus, vp8), RoomSessionEnded. Each recording event's fields are those of the signed
// webhook the simulator sent (recording id, track, codec, download URL, duration, size), and a
// recording's completed event names the recording its started event named; over graphql-transport-ws
// and SSE.
func TestWebhookFlowRecordings(t *testing.T) {
	for _, transport := range []string{"ws", "sse"} {
		t.Run(transport, func(t *testing.T) {
			// The simulator's clock runs with the real one (the door refuses timestamps 300 s off), plus
			// an offset the test moves forward: Alice stays ten seconds in no time.
			var offset atomic.Int64
			now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
			// One delivery worker: the simulator then posts in the order of its changes.
			h := newFlowHarness(t, telnyxsim.Config{WebhookWorkers: 1, Now: now}, gateway.Config{})
			created := h.gql(t, nil, createRecordingRoom, map[string]any{"name": "recorded-" + transport})
			require.Equal(t, true, jsonAt(created, "createRoom", "room", "enableRecording"))
			roomID, _ := jsonAt(created, "createRoom", "room", "telnyxId").(string)
			require.NotEmpty(t, roomID)

			events := h.subscribeOver(t, transport, "", flowRecordingsQuery, map[string]any{"id": roomID})
			h.waitSubscribed(t, 1)
			read := func(n int) (types []string, evs []map[string]any) {
				t.Helper()
				for range n {
					r := events(t)
					require.Empty(t, r.Errors)
					ev, _ := r.Data["roomEvents"].(map[string]any)
					require.NotNil(t, ev)
					types = append(types, ev["__typename"].(string))
					evs = append(evs, ev)
				}
				return types, evs
			}

			alice, session := h.join(t, keyA, roomID, "Alice")
			types, joined := read(4)
			require.Equal(t, []string{"RoomSessionStarted", "RoomParticipantJoined", "RoomRecordingStarted", "RoomRecordingStarted"}, types)
			offset.Add(int64(10 * time.Second))
			h.leave(t, keyA, alice)
			types, left := read(4)
			require.Equal(t, []string{"RoomParticipantLeft", "RoomRecordingCompleted", "RoomRecordingCompleted", "RoomSessionEnded"}, types)

			// What the simulator signed and sent, by event id.
			sent := map[string]map[string]any{}
			for _, e := range h.sim.Events(keyA) {
				if e.RoomID == roomID {
					var data struct {
						Payload map[string]any `json:"payload"`
					}
					require.NoError(t, json.Unmarshal(e.Data, &data))
					sent[e.ID] = data.Payload
				}
			}
			require.Len(t, sent, 8, "the simulator emitted the eight events, no more")

			started := map[string]string{} // track → recording id
			for _, ev := range append(joined, left...) {
				id, _ := ev["id"].(string)
				p, ok := sent[id]
				require.True(t, ok, "an event the simulator never sent: %v", ev)
				assert.Equal(t, session, jsonAt(ev, "session", "telnyxId"))
				if ev["__typename"] == "RoomSessionStarted" || ev["__typename"] == "RoomSessionEnded" {
					continue
				}
				assert.Equal(t, alice, jsonAt(ev, "participant", "telnyxId"))
				assert.Equal(t, "Alice", jsonAt(ev, "participant", "context"))
				switch ev["__typename"] {
				case "RoomRecordingStarted":
					assert.Equal(t, p["recording_id"], ev["recordingId"], "the Telnyx recording id as sent")
					assert.Equal(t, strings.ToUpper(p["type"].(string)), ev["trackType"])
					started[ev["trackType"].(string)] = ev["recordingId"].(string)
				case "RoomRecordingCompleted":
					track, _ := ev["trackType"].(string)
					assert.Equal(t, started[track], ev["recordingId"], "completed names the recording started for its track")
					for field, key := range map[string]string{"recordingId": "recording_id", "codec": "codec", "downloadUrl": "download_url",
						"durationSecs": "duration_secs", "sizeMb": "size_mb"} {
						assert.Equal(t, p[key], ev[field], "%s is the webhook's %s", field, key)
					}
					assert.Equal(t, map[string]string{"AUDIO": "opus", "VIDEO": "vp8"}[track], ev["codec"])
					assert.True(t, strings.HasSuffix(ev["downloadUrl"].(string), ev["recordingId"].(string)+".webm"), ev["downloadUrl"])
					secs, _ := ev["durationSecs"].(float64)
					assert.GreaterOrEqual(t, secs, 10.0, "Alice stayed ten seconds")
					assert.InDelta(t, secs*map[string]float64{"AUDIO": 0.016, "VIDEO": 0.125}[track], ev["sizeMb"], 1e-9)
				}
			}
			assert.Len(t, started, 2, "one recording per track")
			assert.NotEqual(t, started["AUDIO"], started["VIDEO"])
			st := h.sim.WebhookStats()
			assert.Zero(t, st.FailedAttempts, "every delivery was accepted at its first attempt")
		})
	}
}
