package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// liveStack is a simulator whose signed webhooks go over loopback to the gateway's door, and the
// gateway, serving every route (GraphiQL included).
type liveStack struct {
	sim        *telnyxsim.Sim
	simBase    string // the simulator's origin: /v2/… and /_sim/…
	baseURL    string // the gateway's origin
	graphqlURL string
	wsURL      string
}

// newLiveStack builds the stack; configure, when given, adjusts the gateway's configuration with the
// simulator at hand.
func newLiveStack(t *testing.T, configure ...func(*telnyxsim.Sim, *gateway.Config)) *liveStack {
	t.Helper()
	gwSrv := httptest.NewUnstartedServer(nil)
	gwBase := "http://" + gwSrv.Listener.Addr().String()
	requireLoopback(t, gwBase)
	// One delivery worker: the events reach the door in the order of the changes.
	sim := telnyxsim.New(telnyxsim.Config{Keys: []string{e2eKey}, Seed: 1, Rooms: 8, SessionsPerRoom: 10,
		WebhookURL: gwBase + "/webhooks/telnyx", WebhookWorkers: 1, WebhookBackoff: 20 * time.Millisecond})
	simSrv := httptest.NewServer(sim)
	cfg := gateway.Config{
		BaseURL: simSrv.URL + "/v2", APIKey: e2eKey, Introspection: true, Playground: true,
		WebhookPublicKeys: []string{base64.StdEncoding.EncodeToString(sim.PublicKey(e2eKey))},
		// Each subscription's read of the room is its own upstream call, which the test counts to know
		// that the subscription has joined the room's subscribers.
		DisableCoalescing: true,
	}
	for _, c := range configure {
		c(sim, &cfg)
	}
	gw, err := gateway.New(cfg)
	require.NoError(t, err)
	gwSrv.Config.Handler = gw
	gwSrv.Start()
	t.Cleanup(func() {
		sim.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = gw.Close(ctx)
		gwSrv.Close()
		simSrv.Close()
	})
	return &liveStack{sim: sim, simBase: simSrv.URL, baseURL: gwSrv.URL, graphqlURL: gwSrv.URL + "/graphql",
		wsURL: "ws" + strings.TrimPrefix(gwSrv.URL, "http") + "/graphql"}
}

// idleRoom is a room with no active session that records nothing.
func (s *liveStack) idleRoom(t *testing.T) telnyxsim.Room {
	t.Helper()
	for _, r := range s.sim.Rooms(e2eKey) {
		if r.ActiveSessionID == "" && !r.EnableRecording { // no recording events among the ones counted
			return r
		}
	}
	t.Fatal("no idle room")
	return telnyxsim.Room{}
}

// roomReads counts the simulator's answers to GET /v2/rooms/{roomID}: each subscription reads the room
// once, after it has joined the room's subscribers.
func (s *liveStack) roomReads(roomID string) int {
	n := 0
	for _, r := range s.sim.Stats().Requests {
		if r.Route == telnyxsim.RouteGetRoom && strings.HasSuffix(r.Path, "/"+roomID) && r.Status == http.StatusOK {
			n++
		}
	}
	return n
}

// post calls the simulator (a control endpoint or an action) with the e2e account's key.
func (s *liveStack) post(t *testing.T, path, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.simBase+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+e2eKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Less(t, resp.StatusCode, 300, path)
	var env struct {
		Data map[string]any `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&env))
	return env.Data
}

// join makes context join roomID (POST /_sim/rooms/{id}/join): the participant's id and its session's.
func (s *liveStack) join(t *testing.T, roomID, context string) (string, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"context": context})
	p := s.post(t, "/_sim/rooms/"+roomID+"/join", string(b))
	return p["id"].(string), p["session_id"].(string)
}

// kick kicks a participant through the API's action (POST /v2/room_sessions/{id}/actions/kick).
func (s *liveStack) kick(t *testing.T, sessionID, participantID string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"participants": []string{participantID}})
	s.post(t, "/v2/room_sessions/"+sessionID+"/actions/kick", string(b))
}

func globalID(typ, uuid string) string {
	return base64.StdEncoding.EncodeToString([]byte(typ + ":" + uuid))
}

// ---- a node script that reports progress ----

// progress is what a live script has received so far (its PROGRESS lines on stderr).
type progress struct {
	Events  int `json:"events"`
	Updates int `json:"updates"`
}

// liveScript is a running node script: its progress as it comes, its JSON document at the end.
type liveScript struct {
	t       *testing.T
	script  string
	cmd     *exec.Cmd
	cancel  context.CancelFunc
	stdout  bytes.Buffer
	mu      sync.Mutex
	stderr  strings.Builder // what is not progress
	latest  progress
	changed chan struct{} // a token when latest changed
	read    chan struct{} // closed when stderr is drained (the script ended)
}

// startLiveScript starts a node script of this folder with a minimal environment plus env.
func startLiveScript(t *testing.T, script string, env map[string]string) *liveScript {
	t.Helper()
	nodeBin := requireTool(t, "node", "the Node end-to-end tests")
	ensureNodeModules(t)
	ctx, cancel := context.WithTimeout(t.Context(), scriptTimeout)
	s := &liveScript{t: t, script: script, cancel: cancel, changed: make(chan struct{}, 1), read: make(chan struct{})}
	s.cmd = exec.CommandContext(ctx, nodeBin, script)
	s.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + t.TempDir()}
	for k, v := range env {
		s.cmd.Env = append(s.cmd.Env, k+"="+v)
	}
	s.cmd.Stdout = &s.stdout
	errPipe, err := s.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, s.cmd.Start())
	t.Cleanup(func() { cancel(); <-s.read; _ = s.cmd.Wait() })
	go s.scan(errPipe)
	return s
}

func (s *liveScript) scan(r io.Reader) {
	defer close(s.read)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		s.mu.Lock()
		var p progress
		if rest, ok := strings.CutPrefix(line, "PROGRESS "); ok && json.Unmarshal([]byte(rest), &p) == nil {
			s.latest = p
			select {
			case s.changed <- struct{}{}:
			default: // a token is already waiting
			}
		} else {
			s.stderr.WriteString(line + "\n")
		}
		s.mu.Unlock()
	}
}

// waitFor waits until the script's progress satisfies ok (bounded).
func (s *liveScript) waitFor(what string, ok func(progress) bool) {
	s.t.Helper()
	deadline := time.After(45 * time.Second)
	for {
		s.mu.Lock()
		p := s.latest
		s.mu.Unlock()
		if ok(p) {
			return
		}
		select {
		case <-s.changed:
		case <-s.read:
			s.t.Fatalf("%s ended before %s:\n%s\n%s", s.script, what, s.stderrText(), s.stdout.String())
		case <-deadline:
			s.t.Fatalf("%s: no %s within 45s:\n%s", s.script, what, s.stderrText())
		}
	}
}

func (s *liveScript) stderrText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

// finish waits for the script and decodes its JSON document into out; a non-zero exit fails the test
// after decoding.
func (s *liveScript) finish(out any) {
	s.t.Helper()
	defer s.cancel()
	<-s.read
	runErr := s.cmd.Wait()
	var exitErr *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exitErr) {
		s.t.Fatalf("node %s did not run: %v\nstderr:\n%s", s.script, runErr, s.stderrText())
	}
	if err := json.Unmarshal(s.stdout.Bytes(), out); err != nil {
		s.t.Fatalf("%s printed no JSON document (%v; exit %v)\nstderr:\n%s\nstdout:\n%.2000s", s.script, err, runErr, s.stderrText(), s.stdout.String())
	}
	if runErr != nil {
		s.t.Errorf("%s exited with %v\nstderr:\n%s", s.script, runErr, s.stderrText())
	}
}

// ---- 6. subscriptions from Node: graphql-ws and Apollo Client ----

type liveIDs struct {
	ID       string `json:"id"`
	TelnyxID string `json:"telnyxId"`
}

type liveOutput struct {
	Client           string `json:"client"`
	Version          string `json:"version"`
	GraphQLWsVersion string `json:"graphql_ws_version"`
	Acknowledged     bool   `json:"acknowledged"`
	Events           []struct {
		Typename   string `json:"typename"`
		ID         string `json:"id"`
		OccurredAt string `json:"occurred_at"`
		Room       struct {
			liveIDs
			UniqueName string `json:"uniqueName"`
		} `json:"room"`
		Session *struct {
			liveIDs
			Active bool `json:"active"`
		} `json:"session"`
		Participant *struct {
			liveIDs
			Context string `json:"context"`
		} `json:"participant"`
		Reason *string `json:"reason"`
	} `json:"events"`
	Updates []struct {
		ID            string `json:"id"`
		TelnyxID      string `json:"telnyx_id"`
		UniqueName    string `json:"unique_name"`
		ActiveSession *struct {
			ID       string   `json:"id"`
			TelnyxID string   `json:"telnyx_id"`
			Active   bool     `json:"active"`
			Present  []string `json:"present"`
		} `json:"active_session"`
	} `json:"updates"`
	Errors  []any  `json:"errors"`
	Failure string `json:"failure"`
}

// TestNodeSubscriptions: a Node client subscribes to an idle room's roomEvents and roomUpdated over
// graphql-transport-ws — the npm graphql-ws client, and Apollo Client 4's GraphQLWsLink — then Alice
// joins through the simulator's control endpoint and is kicked through the API. The simulator's signed
// webhooks reach the gateway's door over loopback, and the client sees RoomSessionStarted,
// RoomParticipantJoined (Alice) and RoomParticipantLeft (Alice, kicked), and roomUpdated go from idle to
// Alice present to nobody present, each linked object with both its ids. graphql-ws takes the room's
// UUID, Apollo its global id.
func TestNodeSubscriptions(t *testing.T) {
	for _, tc := range []struct {
		script   string
		client   string
		globalID bool
	}{
		{"live-graphql-ws.mjs", "graphql-ws", false},
		{"live-apollo.mjs", "@apollo/client", true},
	} {
		t.Run(tc.client, func(t *testing.T) {
			s := newLiveStack(t)
			room := s.idleRoom(t)
			arg := room.ID
			if tc.globalID {
				arg = globalID("Room", room.ID)
			}
			s.sim.ResetStats()
			run := startLiveScript(t, tc.script, map[string]string{
				"WS_URL": s.wsURL, "ROOM_ID": arg, "EXPECT_EVENTS": "3", "EXPECT_UPDATES": "3",
			})
			// Both subscriptions are in: roomUpdated's first answer came, and each read the room.
			run.waitFor("the first roomUpdated", func(p progress) bool { return p.Updates >= 1 })
			require.Eventually(t, func() bool { return s.roomReads(room.ID) >= 2 }, 30*time.Second, 5*time.Millisecond)

			alice, session := s.join(t, room.ID, "Alice")
			run.waitFor("the join", func(p progress) bool { return p.Events >= 2 && p.Updates >= 2 })
			s.kick(t, session, alice)

			var out liveOutput
			run.finish(&out)
			t.Logf("%s %s (graphql-ws %s): %d events, %d roomUpdated answers", out.Client, out.Version, out.GraphQLWsVersion, len(out.Events), len(out.Updates))
			require.Empty(t, out.Failure)
			require.Empty(t, out.Errors)

			t.Run("roomEvents", func(t *testing.T) {
				require.Len(t, out.Events, 3)
				types := []string{}
				for _, e := range out.Events {
					types = append(types, e.Typename)
					assert.NotEmpty(t, e.ID)
					assert.NotEmpty(t, e.OccurredAt)
					assert.Equal(t, room.ID, e.Room.TelnyxID)
					assert.Equal(t, globalID("Room", room.ID), e.Room.ID)
					assert.Equal(t, room.UniqueName, e.Room.UniqueName)
					require.NotNil(t, e.Session)
					assert.Equal(t, session, e.Session.TelnyxID)
					assert.Equal(t, globalID("RoomSession", session), e.Session.ID)
					assert.True(t, e.Session.Active, "a kick leaves the session active")
				}
				assert.Equal(t, []string{"RoomSessionStarted", "RoomParticipantJoined", "RoomParticipantLeft"}, types)
				for _, e := range out.Events[1:] {
					require.NotNil(t, e.Participant)
					assert.Equal(t, alice, e.Participant.TelnyxID)
					assert.Equal(t, globalID("RoomParticipant", alice), e.Participant.ID)
					assert.Equal(t, "Alice", e.Participant.Context)
				}
				require.NotNil(t, out.Events[2].Reason)
				assert.Equal(t, telnyxsim.LeftKicked, *out.Events[2].Reason)
			})

			t.Run("roomUpdated", func(t *testing.T) {
				require.Len(t, out.Updates, 3)
				for _, u := range out.Updates {
					assert.Equal(t, room.ID, u.TelnyxID)
					assert.Equal(t, globalID("Room", room.ID), u.ID)
					assert.Equal(t, room.UniqueName, u.UniqueName)
				}
				assert.Nil(t, out.Updates[0].ActiveSession, "idle before the join")
				for i, present := range [][]string{{"Alice"}, {}} {
					s := out.Updates[i+1].ActiveSession
					require.NotNil(t, s, "update %d", i+1)
					assert.Equal(t, session, s.TelnyxID)
					assert.True(t, s.Active)
					assert.Equal(t, present, s.Present, "update %d", i+1)
				}
			})
		})
	}
}

// ---- 7. GraphiQL runs a subscription in Chromium ----

type browserLiveOutput struct {
	chromiumRun
	Tabs        []string `json:"tabs"`
	EditorQuery string   `json:"editor_query"`
	Results     []string `json:"results"` // the result pane's text, each time it changed
	WebSockets  []string `json:"websockets"`
	Requests    []struct {
		Method string `json:"method"`
		URL    string `json:"url"`
	} `json:"requests"`
}

// TestGraphiQLSubscriptionInChromium: the gateway's own GraphiQL page (Config.Playground, with a query
// tab and a live tab as `go run .` opens it) in Chromium. The second tab's subscription runs over the
// page's WebSocket to the gateway; while it runs, Alice joins through the simulator's control endpoint,
// and the result pane shows her arrive. The page reaches no host but the gateway, with no console error
// (a CSP violation would be one).
func TestGraphiQLSubscriptionInChromium(t *testing.T) {
	requireChromium(t)
	var room telnyxsim.Room
	subscription := ""
	s := newLiveStack(t, func(sim *telnyxsim.Sim, cfg *gateway.Config) {
		for _, r := range sim.Rooms(e2eKey) {
			if r.ActiveSessionID == "" {
				room = r
				break
			}
		}
		subscription = "subscription LiveRoom {\n  roomUpdated(id: \"" + room.ID + "\") {\n    uniqueName\n" +
			"    activeSession { participants(present: true) { context } }\n  }\n}"
		cfg.PlaygroundQuery = "{ room(id: \"" + room.ID + "\") { uniqueName } }"
		cfg.PlaygroundTabs = []string{subscription}
	})
	require.NotEmpty(t, room.ID)

	screenshot := filepath.Join(screenshotDir(t), "graphiql-live.png")
	s.sim.ResetStats()
	run := startLiveScript(t, "browser-live.mjs", map[string]string{
		"BASE_URL": s.baseURL, "TAB": "LiveRoom", "CONTEXT": "Alice", "SCREENSHOT_PATH": screenshot, "CHROMIUM": chromiumPath,
	})
	run.waitFor("the subscription's first answer in the result pane", func(p progress) bool { return p.Updates >= 1 })
	s.join(t, room.ID, "Alice")
	var out browserLiveOutput
	run.finish(&out)
	out.logSteps(t)
	require.Empty(t, out.Failure)

	t.Run("the live tab holds the subscription", func(t *testing.T) {
		assert.Contains(t, out.Tabs, "LiveRoom")
		assert.Equal(t, subscription, out.EditorQuery)
	})
	t.Run("the result pane shows the room, then Alice arriving", func(t *testing.T) {
		require.GreaterOrEqual(t, len(out.Results), 2)
		var first struct {
			Data struct {
				RoomUpdated struct {
					UniqueName    string `json:"uniqueName"`
					ActiveSession any    `json:"activeSession"`
				} `json:"roomUpdated"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal([]byte(out.Results[0]), &first), out.Results[0])
		assert.Equal(t, room.UniqueName, first.Data.RoomUpdated.UniqueName)
		assert.Nil(t, first.Data.RoomUpdated.ActiveSession, "idle before the join")
		last := out.Results[len(out.Results)-1]
		assert.Contains(t, last, `"context": "Alice"`)
		assert.NotContains(t, last, `"errors"`)
	})
	t.Run("over the page's WebSocket to the gateway", func(t *testing.T) {
		require.Len(t, out.WebSockets, 1)
		assert.Equal(t, s.wsURL, out.WebSockets[0])
		for _, r := range out.Requests {
			if strings.HasPrefix(r.URL, "data:") {
				continue
			}
			assert.True(t, strings.HasPrefix(r.URL, s.baseURL+"/"), "request %s %s", r.Method, r.URL)
		}
		assert.Empty(t, out.FailedRequests)
	})
	out.checkPage(t, screenshot, 0)
}
