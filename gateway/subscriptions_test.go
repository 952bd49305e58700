package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/live"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// live is a gateway in front of a simulator, with the gateway itself at hand (its hub, Close).
type liveHarness struct {
	sim    *telnyxsim.Sim
	simURL string // API base, …/v2
	gw     *gateway.Gateway
	url    string // …/graphql
	wsURL  string // ws://…/graphql
}

func newLiveHarness(t testing.TB, simCfg telnyxsim.Config, cfg gateway.Config) *liveHarness {
	t.Helper()
	if cfg.LoaderWait == 0 {
		cfg.LoaderWait = 5 * time.Millisecond
	}
	st := startStack(t, simCfg, cfg)
	return &liveHarness{sim: st.sim, simURL: st.simURL, gw: st.gw, url: st.root + "/graphql", wsURL: "ws" + strings.TrimPrefix(st.root, "http") + "/graphql"}
}

// waitSubscribed waits until the hub holds n subscriptions (a subscription joins it before its first
// answer, so events published after this reach it).
func (h *liveHarness) waitSubscribed(t testing.TB, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return h.gw.Hub().Len() == n }, 5*time.Second, 2*time.Millisecond, "hub subscriptions")
}

// busyRoom finds a room of key's account with an active session and at least n participants present.
func busyRoom(t *testing.T, sim *telnyxsim.Sim, key string, n int) (telnyxsim.Room, []telnyxsim.Participant) {
	t.Helper()
	for _, r := range sim.Rooms(key) {
		if r.ActiveSessionID == "" {
			continue
		}
		var present []telnyxsim.Participant
		for _, p := range sim.Participants(key, r.ActiveSessionID) {
			if p.LeftAt == nil {
				present = append(present, p)
			}
		}
		if len(present) >= n {
			return r, present
		}
	}
	t.Fatalf("no room of %s with %d participants present", key, n)
	return telnyxsim.Room{}, nil
}

// wsMsg is one graphql-transport-ws message.
type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsClient is a small graphql-transport-ws client over a real WebSocket.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
	ids  atomic.Int32
}

// dialWS opens a connection and does connection_init with payload; header goes on the upgrade request.
func dialWS(t *testing.T, url string, header http.Header, payload map[string]any) (*wsClient, *wsMsg) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: header})
	require.NoError(t, err)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	require.Equal(t, "graphql-transport-ws", conn.Subprotocol())
	c := &wsClient{t: t, conn: conn}
	t.Cleanup(func() { _ = conn.CloseNow() })
	init := wsMsg{Type: "connection_init"}
	if payload != nil {
		init.Payload, _ = json.Marshal(payload)
	}
	c.send(init)
	m, err := c.read(5 * time.Second)
	if err != nil {
		return c, nil
	}
	return c, m
}

func (c *wsClient) send(m wsMsg) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(c.t, wsjson.Write(ctx, c.conn, m))
}

// read returns the next message other than a keepalive ("ka", or ping, which it answers).
func (c *wsClient) read(timeout time.Duration) (*wsMsg, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		var m wsMsg
		if err := wsjson.Read(ctx, c.conn, &m); err != nil {
			return nil, err
		}
		switch m.Type {
		case "ping":
			_ = wsjson.Write(ctx, c.conn, wsMsg{Type: "pong"})
			continue
		case "ka":
			continue
		}
		return &m, nil
	}
}

// subscribe starts an operation and returns its id.
func (c *wsClient) subscribe(query string, vars map[string]any) string {
	id := "s" + string(rune('0'+c.ids.Add(1)))
	payload, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	c.send(wsMsg{ID: id, Type: "subscribe", Payload: payload})
	return id
}

// next reads the next message of operation id: its payload for "next", nil for "complete".
func (c *wsClient) next(id string) (*gqlResult, string) {
	c.t.Helper()
	for {
		m, err := c.read(10 * time.Second)
		require.NoError(c.t, err)
		if m.ID != id {
			continue
		}
		switch m.Type {
		case "next":
			var r gqlResult
			require.NoError(c.t, json.Unmarshal(m.Payload, &r))
			return &r, m.Type
		case "error":
			var errs []gqlError
			require.NoError(c.t, json.Unmarshal(m.Payload, &errs))
			return &gqlResult{Errors: errs}, m.Type
		default:
			return nil, m.Type
		}
	}
}

// gqlResult is one response: data and errors.
type gqlResult struct {
	Data   map[string]any `json:"data"`
	Errors []gqlError     `json:"errors"`
}

func (r *gqlResult) code() string {
	if r == nil || len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// sseStream is one GraphQL-over-SSE subscription (distinct connections mode).
type sseStream struct {
	resp *http.Response
	sc   *bufio.Scanner
}

func openSSE(t *testing.T, url, query string, vars map[string]any, header http.Header) *sseStream {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = resp.Body.Close() })
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	return &sseStream{resp: resp, sc: bufio.NewScanner(resp.Body)}
}

// next returns the next event: its name ("next", "complete") and its data.
func (s *sseStream) next(t *testing.T) (string, *gqlResult) {
	t.Helper()
	var event, data string
	for s.sc.Scan() {
		line := s.sc.Text()
		switch {
		case line == "":
			if event == "" && data == "" {
				continue // the opening comment's end, or a keepalive's
			}
			if event == "complete" {
				return event, nil
			}
			var r gqlResult
			require.NoError(t, json.Unmarshal([]byte(data), &r), data)
			return event, &r
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		}
	}
	return "eof", nil
}

func event(typ, id, room, session, participant string, at time.Time) live.Event {
	return live.Event{ID: id, Type: typ, OccurredAt: at, RoomID: room, SessionID: session, ParticipantID: participant}
}

func jsonAt(m any, path ...string) any {
	for _, k := range path {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[k]
	}
	return m
}

const roomEventsQuery = `subscription($id: ID!) { roomEvents(roomId: $id) {
  __typename id occurredAt
  room { id telnyxId uniqueName }
  session { telnyxId active }
  ... on RoomSessionEnded { durationSecs reason }
  ... on RoomParticipantJoined { participant { telnyxId context } }
  ... on RoomParticipantLeft { participant { telnyxId context } durationSecs reason }
  ... on RoomRecordingCompleted { participant { telnyxId context } recordingId trackType codec downloadUrl durationSecs sizeMb }
} }`

// TestRoomEventsOverWebSocket: each event type arrives, once, with its linked objects read through the
// loaders (the room's name, the session's state, the participant's context as REST has them); another
// room's events and duplicates do not arrive, nor a recording event that names no recording; a recording
// event that names a track the schema does not know and says nothing of its file has those fields null.
func TestRoomEventsOverWebSocket(t *testing.T) {
	h := newLiveHarness(t, telnyxsim.Config{}, gateway.Config{})
	room, present := busyRoom(t, h.sim, keyA, 1)
	other := h.sim.Rooms(keyA)[0]
	if other.ID == room.ID {
		other = h.sim.Rooms(keyA)[1]
	}
	p := present[0]
	c, ack := dialWS(t, h.wsURL, nil, nil)
	require.NotNil(t, ack)
	require.Equal(t, "connection_ack", ack.Type)
	id := c.subscribe(roomEventsQuery, map[string]any{"id": room.ID})
	h.waitSubscribed(t, 1)

	at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	dur := 42
	left := event(live.ParticipantLeft, "e3", room.ID, room.ActiveSessionID, p.ID, at.Add(2*time.Second))
	left.DurationSecs, left.Reason = &dur, "kicked"
	ended := event(live.SessionEnded, "e4", room.ID, room.ActiveSessionID, "", at.Add(3*time.Second))
	ended.DurationSecs, ended.Reason = &dur, "stale"
	recorded := event(live.RecordingCompleted, "e5", room.ID, room.ActiveSessionID, p.ID, at.Add(4*time.Second))
	recorded.RecordingID, recorded.RecordingType = "c0ffee00-0000-4000-8000-000000000001", "screen"
	for _, e := range []live.Event{
		event(live.SessionStarted, "e1", room.ID, room.ActiveSessionID, "", at),
		event(live.SessionStarted, "e1", room.ID, room.ActiveSessionID, "", at),       // duplicate
		event(live.ParticipantJoined, "e2", other.ID, room.ActiveSessionID, p.ID, at), // another room
		event(live.RecordingStarted, "r1", room.ID, room.ActiveSessionID, p.ID, at),   // names no recording: not delivered
		event(live.ParticipantJoined, "e2", room.ID, room.ActiveSessionID, p.ID, at.Add(time.Second)),
		left, ended, recorded,
	} {
		h.gw.Hub().Publish(e)
	}
	want := []struct{ typename, id string }{
		{"RoomSessionStarted", "e1"}, {"RoomParticipantJoined", "e2"}, {"RoomParticipantLeft", "e3"}, {"RoomSessionEnded", "e4"},
		{"RoomRecordingCompleted", "e5"},
	}
	for _, w := range want {
		r, typ := c.next(id)
		require.Equal(t, "next", typ)
		require.Empty(t, r.Errors)
		ev := r.Data["roomEvents"]
		assert.Equal(t, w.typename, jsonAt(ev, "__typename"))
		assert.Equal(t, w.id, jsonAt(ev, "id"))
		assert.Equal(t, room.ID, jsonAt(ev, "room", "telnyxId"))
		assert.Equal(t, nodeid.Encode(nodeid.Room, room.ID), jsonAt(ev, "room", "id"), "id is the global id")
		assert.Equal(t, room.UniqueName, jsonAt(ev, "room", "uniqueName"))
		assert.Equal(t, room.ActiveSessionID, jsonAt(ev, "session", "telnyxId"))
		assert.Equal(t, true, jsonAt(ev, "session", "active"))
		switch w.typename {
		case "RoomParticipantJoined", "RoomParticipantLeft", "RoomRecordingCompleted":
			assert.Equal(t, p.ID, jsonAt(ev, "participant", "telnyxId"))
			assert.Equal(t, p.Context, jsonAt(ev, "participant", "context"))
		}
		switch w.typename {
		case "RoomParticipantLeft":
			assert.EqualValues(t, 42, jsonAt(ev, "durationSecs"))
			assert.Equal(t, "kicked", jsonAt(ev, "reason"))
		case "RoomSessionEnded":
			assert.Equal(t, "stale", jsonAt(ev, "reason"))
		case "RoomRecordingCompleted":
			assert.Equal(t, recorded.RecordingID, jsonAt(ev, "recordingId"), "the Telnyx id: recordings have no global id")
			for _, f := range []string{"trackType", "codec", "downloadUrl", "durationSecs", "sizeMb"} {
				v, ok := ev.(map[string]any)[f]
				assert.True(t, ok, f)
				assert.Nil(t, v, f)
			}
		}
	}
	c.send(wsMsg{ID: id, Type: "complete"})
	h.waitSubscribed(t, 0)
}

// TestRoomEventsOverSSE: GraphQL over SSE (distinct connections): the event arrives as "next", and the
// stream completes when the gateway closes.
func TestRoomEventsOverSSE(t *testing.T) {
	h := newLiveHarness(t, telnyxsim.Config{}, gateway.Config{})
	room, present := busyRoom(t, h.sim, keyA, 1)
	s := openSSE(t, h.url, roomEventsQuery, map[string]any{"id": room.ID}, nil)
	h.waitSubscribed(t, 1)
	h.gw.Hub().Publish(event(live.ParticipantJoined, "j1", room.ID, room.ActiveSessionID, present[0].ID, time.Now()))
	name, r := s.next(t)
	require.Equal(t, "next", name)
	require.Empty(t, r.Errors)
	assert.Equal(t, "RoomParticipantJoined", jsonAt(r.Data["roomEvents"], "__typename"))
	assert.Equal(t, present[0].Context, jsonAt(r.Data["roomEvents"], "participant", "context"))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, h.gw.Close(ctx))
	name, _ = s.next(t)
	assert.Equal(t, "complete", name)
}

const roomUpdatedQuery = `subscription($id: ID!) { roomUpdated(id: $id) {
  id uniqueName activeSessionId
  activeSession { id participants(present: true) { telnyxId context } }
} }`

// presentIDs returns the Telnyx ids of the participants present in a roomUpdated answer.
func presentIDs(r *gqlResult) []string {
	var out []string
	ps, _ := jsonAt(r.Data["roomUpdated"], "activeSession", "participants").([]any)
	for _, p := range ps {
		out = append(out, jsonAt(p, "telnyxId").(string))
	}
	return out
}

func ids(ps []telnyxsim.Participant) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// kick kicks participant ids of a session through the simulator's REST API (the webhook would follow).
func kick(t *testing.T, h *liveHarness, sessionID string, ids ...string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"participants": ids})
	req, err := http.NewRequest(http.MethodPost, h.simURL+"/room_sessions/"+sessionID+"/actions/kick", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+keyA)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Less(t, resp.StatusCode, 300)
}

// TestRoomUpdated: the room at once, then again after a change; duplicate and late events (a joined
// after the left of the same participant, a repeated left) bring nobody back and send nothing: the next
// answer is the next real change.
func TestRoomUpdated(t *testing.T) {
	for _, transport := range []string{"ws", "sse"} {
		t.Run(transport, func(t *testing.T) {
			h := newLiveHarness(t, telnyxsim.Config{}, gateway.Config{})
			room, present := busyRoom(t, h.sim, keyA, 2)
			var next func() *gqlResult
			vars := map[string]any{"id": room.ID}
			if transport == "ws" {
				c, _ := dialWS(t, h.wsURL, nil, nil)
				id := c.subscribe(roomUpdatedQuery, vars)
				next = func() *gqlResult {
					r, typ := c.next(id)
					require.Equal(t, "next", typ)
					return r
				}
			} else {
				s := openSSE(t, h.url, roomUpdatedQuery, vars, nil)
				next = func() *gqlResult {
					name, r := s.next(t)
					require.Equal(t, "next", name)
					return r
				}
			}
			first := next()
			require.Empty(t, first.Errors)
			assert.Equal(t, room.UniqueName, jsonAt(first.Data["roomUpdated"], "uniqueName"))
			assert.Equal(t, room.ActiveSessionID, jsonAt(first.Data["roomUpdated"], "activeSessionId"))
			assert.ElementsMatch(t, ids(present), presentIDs(first))

			p, q := present[0], present[1]
			kick(t, h, room.ActiveSessionID, p.ID)
			at := time.Now().UTC()
			h.gw.Hub().Publish(event(live.ParticipantLeft, "l1", room.ID, room.ActiveSessionID, p.ID, at))
			second := next()
			assert.NotContains(t, presentIDs(second), p.ID)
			assert.Contains(t, presentIDs(second), q.ID)

			// Late and repeated deliveries: nothing to send.
			h.gw.Hub().Publish(event(live.ParticipantJoined, "j-late", room.ID, room.ActiveSessionID, p.ID, at.Add(-time.Minute)))
			h.gw.Hub().Publish(event(live.ParticipantLeft, "l1", room.ID, room.ActiveSessionID, p.ID, at))
			// The next real change is what arrives next.
			kick(t, h, room.ActiveSessionID, q.ID)
			h.gw.Hub().Publish(event(live.ParticipantLeft, "l2", room.ID, room.ActiveSessionID, q.ID, at.Add(time.Second)))
			third := next()
			assert.NotContains(t, presentIDs(third), p.ID, "a late joined resurrected a participant who left")
			assert.NotContains(t, presentIDs(third), q.ID)
			assert.Len(t, presentIDs(third), len(present)-2)
		})
	}
}

// TestSubscriptionLimits: bounds per connection, per credential (forward mode) and in all; each refusal is
// TOO_MANY_SUBSCRIPTIONS, and ending one frees its slot.
func TestSubscriptionLimits(t *testing.T) {
	t.Run("per connection", func(t *testing.T) {
		h := newLiveHarness(t, telnyxsim.Config{}, gateway.Config{MaxSubscriptionsPerConnection: 2})
		room := h.sim.Rooms(keyA)[0]
		c, _ := dialWS(t, h.wsURL, nil, nil)
		a := c.subscribe(roomEventsQuery, map[string]any{"id": room.ID})
		c.subscribe(roomEventsQuery, map[string]any{"id": room.ID})
		h.waitSubscribed(t, 2)
		third := c.subscribe(roomEventsQuery, map[string]any{"id": room.ID})
		r, typ := c.next(third)
		require.Equal(t, "next", typ)
		assert.Equal(t, "TOO_MANY_SUBSCRIPTIONS", r.code())
		_, typ = c.next(third)
		assert.Equal(t, "complete", typ)
		// Another connection is not bounded by this one's.
		c2, _ := dialWS(t, h.wsURL, nil, nil)
		c2.subscribe(roomEventsQuery, map[string]any{"id": room.ID})
		h.waitSubscribed(t, 3)
		// Ending one frees a slot.
		c.send(wsMsg{ID: a, Type: "complete"})
		h.waitSubscribed(t, 2)
		c.subscribe(roomEventsQuery, map[string]any{"id": room.ID})
		h.waitSubscribed(t, 3)
	})
	t.Run("per credential", func(t *testing.T) {
		h := newLiveHarness(t, telnyxsim.Config{}, gateway.Config{Auth: gateway.AuthForward, MaxSubscriptionsPerCredential: 2})
		roomA, roomB := h.sim.Rooms(keyA)[0], h.sim.Rooms(keyB)[0]
		bearerA := http.Header{"Authorization": {"Bearer " + keyA}}
		c1, _ := dialWS(t, h.wsURL, bearerA, nil)
		c2, _ := dialWS(t, h.wsURL, nil, map[string]any{"Authorization": "Bearer " + keyA})
		c1.subscribe(roomEventsQuery, map[string]any{"id": roomA.ID})
		c2.subscribe(roomEventsQuery, map[string]any{"id": roomA.ID})
		h.waitSubscribed(t, 2)
		third := c2.subscribe(roomEventsQuery, map[string]any{"id": roomA.ID})
		r, _ := c2.next(third)
		assert.Equal(t, "TOO_MANY_SUBSCRIPTIONS", r.code())
		s := openSSE(t, h.url, roomEventsQuery, map[string]any{"id": roomA.ID}, bearerA)
		name, r := s.next(t)
		require.Equal(t, "next", name)
		assert.Equal(t, "TOO_MANY_SUBSCRIPTIONS", r.code())
		// Another key has its own.
		cB, _ := dialWS(t, h.wsURL, http.Header{"Authorization": {"Bearer " + keyB}}, nil)
		cB.subscribe(roomEventsQuery, map[string]any{"id": roomB.ID})
		h.waitSubscribed(t, 3)
	})
	t.Run("in all", func(t *testing.T) {
		h := newLiveHarness(t, telnyxsim.Config{}, gateway.Config{MaxSubscriptions: 1})
		room := h.sim.Rooms(keyA)[0]
		c, _ := dialWS(t, h.wsURL, nil, nil)
		c.subscribe(roomEventsQuery, map[string]any{"id": room.ID})
		h.waitSubscribed(t, 1)
		c2, _ := dialWS(t, h.wsURL, nil, nil)
		second := c2.subscribe(roomUpdatedQuery, map[string]any{"id": room.ID})
		r, _ := c2.next(second)
		assert.Equal(t, "TOO_MANY_SUBSCRIPTIONS", r.code())
	})
	t.Run("query limits apply", func(t *testing.T) {
		h := newLiveHarness(t, telnyxsim.Config{}, gateway.Config{Limits: gateway.LimitsConfig{MaxDepth: 2}})
		room := h.sim.Rooms(keyA)[0]
		c, _ := dialWS(t, h.wsURL, nil, nil)
		id := c.subscribe(roomUpdatedQuery, map[string]any{"id": room.ID})
		r, typ := c.next(id)
		require.Contains(t, []string{"next", "error"}, typ)
		assert.Equal(t, "QUERY_LIMIT_EXCEEDED", r.code())
		assert.Equal(t, 0, h.gw.Hub().Len())
	})
}

// TestWebSocketConnection: connection_init must come within the timeout; the server pings (and the
// client's pong keeps the connection); a subscription over a plain POST is refused.
func TestWebSocketConnection(t *testing.T) {
	t.Run("init timeout", func(t *testing.T) {
		h := newLiveHarness(t, telnyxsim.Config{}, gateway.Config{WebSocketInitTimeout: 50 * time.Millisecond})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, _, err := websocket.Dial(ctx, h.wsURL, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		require.NoError(t, err)
		defer conn.CloseNow()
		_, _, err = conn.Read(ctx)
		var ce websocket.CloseError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, websocket.StatusProtocolError, ce.Code)
		assert.Contains(t, ce.Reason, "initialisation timeout")
	})
	t.Run("keepalive ping", func(t *testing.T) {
		h := newLiveHarness(t, telnyxsim.Config{}, gateway.Config{KeepAliveInterval: 200 * time.Millisecond})
		c, ack := dialWS(t, h.wsURL, nil, nil)
		require.Equal(t, "connection_ack", ack.Type)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		pings := 0
		for pings < 3 {
			var m wsMsg
			require.NoError(t, wsjson.Read(ctx, c.conn, &m))
			if m.Type == "ping" {
				pings++
				require.NoError(t, wsjson.Write(ctx, c.conn, wsMsg{Type: "pong"}))
			}
		}
		// Still open and serving after the pings.
		id := c.subscribe(roomEventsQuery, map[string]any{"id": h.sim.Rooms(keyA)[0].ID})
		h.waitSubscribed(t, 1)
		c.send(wsMsg{ID: id, Type: "complete"})
		h.waitSubscribed(t, 0)
	})
	t.Run("plain POST refused", func(t *testing.T) {
		h := newLiveHarness(t, telnyxsim.Config{}, gateway.Config{})
		body, _ := json.Marshal(map[string]any{"query": roomEventsQuery, "variables": map[string]any{"id": h.sim.Rooms(keyA)[0].ID}})
		resp, err := http.Post(h.url, "application/json", bytes.NewReader(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		var r gqlResult
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
		assert.Equal(t, "BAD_REQUEST", r.code())
		assert.Equal(t, 0, h.gw.Hub().Len())
	})
	t.Run("origin", func(t *testing.T) {
		h := newLiveHarness(t, telnyxsim.Config{}, gateway.Config{CORSOrigins: []string{"http://localhost:*"}})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, resp, err := websocket.Dial(ctx, h.wsURL, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"},
			HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
		require.Error(t, err)
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		conn, _, err := websocket.Dial(ctx, h.wsURL, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"},
			HTTPHeader: http.Header{"Origin": {"http://localhost:5173"}}})
		require.NoError(t, err)
		_ = conn.CloseNow()
	})
}

// TestSlowConsumer: a subscriber that takes its events more slowly than they come (here each event reads
// its room from a slow upstream) is ended with SLOW_CONSUMER once its buffer is full, then completes.
func TestSlowConsumer(t *testing.T) {
	h := newLiveHarness(t, telnyxsim.Config{Faults: map[string]telnyxsim.Fault{
		telnyxsim.RouteGetRoom: {Latency: 300 * time.Millisecond},
	}}, gateway.Config{SubscriptionBuffer: 1, ServeMetrics: true})
	room := h.sim.Rooms(keyA)[0]
	c, _ := dialWS(t, h.wsURL, nil, nil)
	id := c.subscribe(roomEventsQuery, map[string]any{"id": room.ID})
	h.waitSubscribed(t, 1)
	for i := range 10 {
		h.gw.Hub().Publish(event(live.SessionStarted, "e"+string(rune('a'+i)), room.ID, "", "", time.Now()))
	}
	var delivered int
	for {
		r, typ := c.next(id)
		require.Equal(t, "next", typ)
		if r.code() != "" {
			assert.Equal(t, "SLOW_CONSUMER", r.code())
			break
		}
		delivered++
	}
	assert.Positive(t, delivered, "what was buffered is delivered before the end")
	assert.Less(t, delivered, 10)
	_, typ := c.next(id)
	assert.Equal(t, "complete", typ)
	h.waitSubscribed(t, 0)
	require.Eventually(t, func() bool {
		return h.subscriptionMetrics(t)["roomgraph_subscriptions_ended_total/slow_consumer/ws"] == 1
	}, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, float64(delivered), h.subscriptionMetrics(t)["roomgraph_subscription_events_delivered_total/ws"],
		"the events delivered, not the last answer with the error")
}

// TestCloseCompletesSubscriptions: Gateway.Close completes every subscription (complete over WebSocket,
// the complete event over SSE), closes the WebSocket connections, and refuses new subscriptions.
func TestCloseCompletesSubscriptions(t *testing.T) {
	h := newLiveHarness(t, telnyxsim.Config{}, gateway.Config{})
	room := h.sim.Rooms(keyA)[0]
	c, _ := dialWS(t, h.wsURL, nil, nil)
	a := c.subscribe(roomEventsQuery, map[string]any{"id": room.ID})
	b := c.subscribe(roomEventsQuery, map[string]any{"id": room.ID})
	s := openSSE(t, h.url, roomEventsQuery, map[string]any{"id": room.ID}, nil)
	h.waitSubscribed(t, 3)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, h.gw.Close(ctx))
	require.NoError(t, h.gw.Close(ctx), "idempotent")
	completed := map[string]bool{}
	for len(completed) < 2 {
		m, err := c.read(5 * time.Second)
		require.NoError(t, err)
		require.Equal(t, "complete", m.Type, "%+v", m)
		completed[m.ID] = true
	}
	assert.True(t, completed[a] && completed[b])
	_, err := c.read(5 * time.Second)
	var ce websocket.CloseError
	require.ErrorAs(t, err, &ce, "the server closes the connection")
	assert.Equal(t, websocket.StatusNormalClosure, ce.Code)
	name, _ := s.next(t)
	assert.Equal(t, "complete", name)
	assert.Equal(t, 0, h.gw.Hub().Len())

	s2 := openSSE(t, h.url, roomEventsQuery, map[string]any{"id": room.ID}, nil)
	name, r := s2.next(t)
	require.Equal(t, "next", name)
	assert.Equal(t, "SHUTTING_DOWN", r.code())
}

// TestSubscriptionTenancy: in forward mode a subscriber needs a credential, may subscribe only to rooms
// its key can read (another account's room is NOT_FOUND, as for a query), and receives only its rooms'
// events while both accounts' rooms are busy.
func TestSubscriptionTenancy(t *testing.T) {
	h := newLiveHarness(t, telnyxsim.Config{}, gateway.Config{Auth: gateway.AuthForward})
	roomA, presentA := busyRoom(t, h.sim, keyA, 1)
	roomB, presentB := busyRoom(t, h.sim, keyB, 1)
	bearer := func(k string) http.Header { return http.Header{"Authorization": {"Bearer " + k}} }

	t.Run("no credential", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, _, err := websocket.Dial(ctx, h.wsURL, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		require.NoError(t, err)
		defer conn.CloseNow()
		require.NoError(t, wsjson.Write(ctx, conn, wsMsg{Type: "connection_init"}))
		var m wsMsg
		err = wsjson.Read(ctx, conn, &m)
		var ce websocket.CloseError
		require.ErrorAs(t, err, &ce, "no connection_ack: %+v", m)
		assert.Equal(t, websocket.StatusCode(4403), ce.Code)
		assert.Contains(t, ce.Reason, "Authorization: Bearer <key>")

		s := openSSE(t, h.url, roomEventsQuery, map[string]any{"id": roomA.ID}, nil)
		name, r := s.next(t)
		require.Equal(t, "next", name)
		assert.Equal(t, "UNAUTHENTICATED", r.code())
	})
	t.Run("another account's room", func(t *testing.T) {
		c, _ := dialWS(t, h.wsURL, bearer(keyB), nil)
		for _, q := range []string{roomEventsQuery, roomUpdatedQuery} {
			id := c.subscribe(q, map[string]any{"id": roomA.ID})
			r, _ := c.next(id)
			assert.Equal(t, "NOT_FOUND", r.code())
		}
		assert.Equal(t, 0, h.gw.Hub().Len())
	})
	t.Run("events routed to their account only", func(t *testing.T) {
		cA, _ := dialWS(t, h.wsURL, nil, map[string]any{"Authorization": "Bearer " + keyA})
		cB, _ := dialWS(t, h.wsURL, bearer(keyB), nil)
		idA := cA.subscribe(roomEventsQuery, map[string]any{"id": roomA.ID})
		idB := cB.subscribe(roomEventsQuery, map[string]any{"id": roomB.ID})
		h.waitSubscribed(t, 2)
		const n = 20
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := range n {
				h.gw.Hub().Publish(event(live.ParticipantJoined, "a"+strings.Repeat("x", i), roomA.ID, roomA.ActiveSessionID, presentA[0].ID, time.Now()))
			}
		}()
		for i := range n {
			h.gw.Hub().Publish(event(live.ParticipantJoined, "b"+strings.Repeat("x", i), roomB.ID, roomB.ActiveSessionID, presentB[0].ID, time.Now()))
		}
		<-done
		for range n {
			r, _ := cA.next(idA)
			require.Empty(t, r.Errors)
			assert.Equal(t, roomA.ID, jsonAt(r.Data["roomEvents"], "room", "telnyxId"))
			assert.Equal(t, roomA.UniqueName, jsonAt(r.Data["roomEvents"], "room", "uniqueName"))
			assert.Equal(t, presentA[0].Context, jsonAt(r.Data["roomEvents"], "participant", "context"))
			r, _ = cB.next(idB)
			require.Empty(t, r.Errors)
			assert.Equal(t, roomB.ID, jsonAt(r.Data["roomEvents"], "room", "telnyxId"))
			assert.Equal(t, presentB[0].Context, jsonAt(r.Data["roomEvents"], "participant", "context"))
		}
	})
}

// subscriptionMetrics reads the subscription series of a live harness's /metrics: each value keyed by
// family and its labels' values in name order ("roomgraph_subscriptions_ended_total/shutdown/sse").
func (h *liveHarness) subscriptionMetrics(t *testing.T) map[string]float64 {
	t.Helper()
	o := &observed{base: strings.TrimSuffix(h.url, "/graphql")}
	out := map[string]float64{}
	for name, mf := range o.scrape(t) {
		if !strings.HasPrefix(name, "roomgraph_subscription") && name != "roomgraph_websocket_connections" {
			continue
		}
		for _, m := range mf.GetMetric() {
			key := name
			for _, lp := range m.GetLabel() { // sorted by name
				key += "/" + lp.GetValue()
			}
			out[key] = m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return out
}

// waitMetrics waits (10 s) until every series of want has its value: a subscription's start and end
// are counted on goroutines of their own, after the hub has it or lets it go (which waitSubscribed sees).
// With exact, no other subscription series may exist. On a time-out it reports the last difference.
func (h *liveHarness) waitMetrics(t *testing.T, want map[string]float64, exact bool) {
	t.Helper()
	assert.EventuallyWithT(t, func(c *assert.CollectT) {
		got := h.subscriptionMetrics(t)
		if exact {
			assert.Equal(c, want, got)
			return
		}
		for series, v := range want {
			assert.Equal(c, v, got[series], series)
		}
	}, 10*time.Second, 5*time.Millisecond)
}

// TestSubscriptionMetrics: /metrics counts WebSocket connections, subscriptions active by transport,
// started, refused (a limit, an unreadable room, shutting down) and ended by reason (the client's
// complete, the client gone, shutdown), and the answers delivered. (SLOW_CONSUMER: TestSlowConsumer.)
func TestSubscriptionMetrics(t *testing.T) {
	h := newLiveHarness(t, telnyxsim.Config{}, gateway.Config{ServeMetrics: true, MaxSubscriptionsPerConnection: 2})
	room, present := busyRoom(t, h.sim, keyA, 1)
	vars := map[string]any{"id": room.ID}
	assert.Equal(t, map[string]float64{"roomgraph_websocket_connections": 0}, h.subscriptionMetrics(t),
		"no subscription series before the first subscription")

	c1, _ := dialWS(t, h.wsURL, nil, nil)
	a := c1.subscribe(roomEventsQuery, vars)
	b := c1.subscribe(roomEventsQuery, vars)
	sse := openSSE(t, h.url, roomEventsQuery, vars, nil)
	h.waitSubscribed(t, 3)
	refused := c1.subscribe(roomEventsQuery, vars) // the third on c1: over the bound per connection
	r, _ := c1.next(refused)
	require.Equal(t, "TOO_MANY_SUBSCRIPTIONS", r.code())
	c2, _ := dialWS(t, h.wsURL, nil, nil)
	notMine := c2.subscribe(roomEventsQuery, map[string]any{"id": h.sim.Rooms(keyB)[0].ID})
	r, _ = c2.next(notMine)
	require.Equal(t, "NOT_FOUND", r.code())
	h.waitMetrics(t, map[string]float64{
		"roomgraph_websocket_connections":                2,
		"roomgraph_subscriptions_active/sse":             1,
		"roomgraph_subscriptions_active/ws":              2,
		"roomgraph_subscriptions_started_total/sse":      1,
		"roomgraph_subscriptions_started_total/ws":       2,
		"roomgraph_subscriptions_refused_total/limit/ws": 1,
		"roomgraph_subscriptions_refused_total/error/ws": 1,
	}, true)

	h.gw.Hub().Publish(event(live.ParticipantJoined, "m1", room.ID, room.ActiveSessionID, present[0].ID, time.Now()))
	got := map[string]string{}
	for len(got) < 2 {
		m, err := c1.read(10 * time.Second)
		require.NoError(t, err)
		if m.ID != refused {
			got[m.ID] = m.Type
		}
	}
	require.Equal(t, map[string]string{a: "next", b: "next"}, got)
	name, _ := sse.next(t)
	require.Equal(t, "next", name)

	c1.send(wsMsg{ID: a, Type: "complete"}) // the client completes one; its connection stays
	h.waitSubscribed(t, 2)
	require.NoError(t, c1.conn.CloseNow()) // the client goes
	h.waitSubscribed(t, 1)
	require.NoError(t, sse.resp.Body.Close())
	h.waitSubscribed(t, 0)
	h.waitMetrics(t, map[string]float64{
		"roomgraph_websocket_connections":                     1, // c1's connection no longer counted
		"roomgraph_subscriptions_active/sse":                  0,
		"roomgraph_subscriptions_active/ws":                   0,
		"roomgraph_subscription_events_delivered_total/ws":    2,
		"roomgraph_subscription_events_delivered_total/sse":   1,
		"roomgraph_subscriptions_ended_total/complete/ws":     1,
		"roomgraph_subscriptions_ended_total/client_gone/ws":  1,
		"roomgraph_subscriptions_ended_total/client_gone/sse": 1,
	}, false)

	// Shutdown ends the rest, refuses new ones, and closes the connections.
	c2.subscribe(roomEventsQuery, vars)
	openSSE(t, h.url, roomEventsQuery, vars, nil)
	h.waitSubscribed(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, h.gw.Close(ctx))
	for { // the complete, then the close frame, which the client answers
		if _, err := c2.read(5 * time.Second); err != nil {
			break
		}
	}
	late := openSSE(t, h.url, roomEventsQuery, vars, nil)
	name, r = late.next(t)
	require.Equal(t, "next", name)
	require.Equal(t, "SHUTTING_DOWN", r.code())
	h.waitMetrics(t, map[string]float64{
		"roomgraph_websocket_connections":                         0, // Close closes the WebSocket connections
		"roomgraph_subscriptions_active/sse":                      0,
		"roomgraph_subscriptions_active/ws":                       0,
		"roomgraph_subscriptions_started_total/sse":               2,
		"roomgraph_subscriptions_started_total/ws":                3,
		"roomgraph_subscriptions_ended_total/shutdown/ws":         1,
		"roomgraph_subscriptions_ended_total/shutdown/sse":        1,
		"roomgraph_subscriptions_refused_total/shutting_down/sse": 1,
	}, false)
}
