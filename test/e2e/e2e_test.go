package e2e_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/edge/playground"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

const (
	e2eKey = "KEY_e2e"
	// Bounds one node script; each script also bounds its own requests well inside this.
	scriptTimeout = 2 * time.Minute
)

// stack is a simulator and the gateway in front of it, both over loopback.
type stack struct {
	sim        *telnyxsim.Sim
	gw         *gateway.Gateway
	graphqlURL string
}

func newSim() *telnyxsim.Sim {
	return telnyxsim.New(telnyxsim.Config{Keys: []string{e2eKey}, Seed: 1, Rooms: 8, SessionsPerRoom: 10})
}

func newGateway(t *testing.T, sim *telnyxsim.Sim) *gateway.Gateway {
	t.Helper()
	up := httptest.NewServer(sim)
	t.Cleanup(up.Close)
	gw, err := gateway.New(gateway.Config{BaseURL: up.URL + "/v2", APIKey: e2eKey, Introspection: true, Playground: true})
	require.NoError(t, err)
	return gw
}

// newStack serves the whole gateway (its own routes) on a loopback server.
func newStack(t *testing.T) *stack {
	t.Helper()
	sim := newSim()
	gw := newGateway(t, sim)
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	requireLoopback(t, srv.URL)
	return &stack{sim: sim, gw: gw, graphqlURL: srv.URL + "/graphql"}
}

func requireLoopback(t *testing.T, u string) {
	t.Helper()
	require.True(t, strings.HasPrefix(u, "http://127.0.0.1:"), "node scripts may only reach loopback, got %s", u)
}

// busiestRoom is the room with the most sessions, so paging crosses as many pages as the data allows.
func busiestRoom(t *testing.T, sim *telnyxsim.Sim) (string, []string) {
	t.Helper()
	var roomID string
	var best []string
	for _, r := range sim.Rooms(e2eKey) {
		var ids []string
		for _, s := range sim.Sessions(e2eKey, r.ID) {
			ids = append(ids, s.ID)
		}
		if len(ids) > len(best) {
			roomID, best = r.ID, ids
		}
	}
	require.NotEmpty(t, best, "the simulator generated no sessions")
	return roomID, best
}

// ---- node ----

// requireTool finds a binary, skipping the test when it is missing, except in CI where it must be there.
func requireTool(t *testing.T, name, why string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found; CI must provide it for %s", name, why)
	}
	t.Skipf("%s not found: skipping %s", name, why)
	return ""
}

// ensureNodeModules runs npm ci when node_modules lacks a dependency or holds another version of one
// than package.json pins (a stale install would test other code than the lockfile names).
func ensureNodeModules(t *testing.T) {
	t.Helper()
	npmBin := requireTool(t, "npm", "the Node end-to-end tests")
	raw, err := os.ReadFile("package.json")
	require.NoError(t, err)
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	require.NoError(t, json.Unmarshal(raw, &pkg))
	if installedMatch(pkg.Dependencies) {
		return
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npmBin, "ci", "--no-audit", "--no-fund")
	// playwright-core downloads nothing on install; the variable guards against a future version that would.
	cmd.Env = append(os.Environ(), "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1")
	var combined bytes.Buffer
	cmd.Stdout, cmd.Stderr = &combined, &combined
	require.NoError(t, cmd.Run(), "npm ci in test/e2e/:\n%s", combined.String())
	require.True(t, installedMatch(pkg.Dependencies), "npm ci left node_modules out of step with package.json")
}

func installedMatch(deps map[string]string) bool {
	for name, want := range deps {
		raw, err := os.ReadFile(filepath.Join("node_modules", filepath.FromSlash(name), "package.json"))
		if err != nil {
			return false
		}
		var got struct {
			Version string `json:"version"`
		}
		if json.Unmarshal(raw, &got) != nil || got.Version != want {
			return false
		}
	}
	return true
}

// runScript runs one node script of this folder with a minimal environment plus env, and decodes the one
// JSON document it prints into out. A non-zero exit fails the test after decoding, so the caller's
// subtests still say what broke.
func runScript(t *testing.T, script string, env map[string]string, out any) {
	t.Helper()
	nodeBin := requireTool(t, "node", "the Node end-to-end tests")
	ensureNodeModules(t)
	ctx, cancel := context.WithTimeout(t.Context(), scriptTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin, script)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var exitErr *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exitErr) {
		t.Fatalf("node %s did not run: %v\nstderr:\n%s", script, runErr, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("%s printed no JSON document (%v; exit %v)\nstderr:\n%s\nstdout:\n%.2000s", script, err, runErr, stderr.String(), stdout.String())
	}
	if runErr != nil {
		t.Errorf("%s exited with %v\nstderr:\n%s", script, runErr, stderr.String())
	} else if stderr.Len() > 0 {
		t.Logf("%s stderr:\n%s", script, stderr.String())
	}
}

// ---- 1. the GraphQL-over-HTTP audit ----

type auditOutput struct {
	Version string         `json:"graphql_http_version"`
	Counts  map[string]int `json:"counts"`
	Results []auditResult  `json:"results"`
}

type auditResult struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Level     string          `json:"level"`
	Status    string          `json:"status"`
	Reason    string          `json:"reason"`
	Exchanges json.RawMessage `json:"exchanges"`
}

// TestGraphQLOverHTTPAudit runs graphql-http's server audits (the GraphQL-over-HTTP spec's checks) on
// /graphql and requires every one of them to pass: MUSTs always, and SHOULDs and MAYs too unless listed
// in accepted with the reason the gateway deliberately differs. Every result that is not ok is logged.
//
// FAILS NOW (graphql-http 1.23.1: 55 ok, 5 warn, 1 notice, 0 error) until the gateway changes below land;
// all 61 audits pass with them (checked with the same changes prototyped as a wrapper around the handler):
//   - 572B, FDE2, 7B9B (SHOULD): a parse, validation or variable-coercion error under
//     Accept: application/json must be HTTP 200, not gqlgen's 422 (spec "application/json": the server
//     SHOULD use 200 for every well-formed request, whatever GraphQL error it raises).
//   - D586, 5E5B (SHOULD): a request error (nothing executed) must have no "data" member; gqlgen's
//     graphql.Response always marshals "data": null.
//   - 3E3A (MAY): a POST body without "query" is not a well-formed request: 400 from the envelope check,
//     not 422 (and, once 422 becomes 200, not 200: 8764 would then fail too).
func TestGraphQLOverHTTPAudit(t *testing.T) {
	// Audit id → why the gateway deliberately does not pass it. A MUST can never be accepted.
	accepted := map[string]string{}

	s := newStack(t)
	var out auditOutput
	runScript(t, "audit.mjs", map[string]string{"GRAPHQL_URL": s.graphqlURL}, &out)
	require.NotEmpty(t, out.Results, "the audit ran no checks")
	t.Logf("graphql-http %s: %d audits: %d ok, %d warn, %d error, %d notice, %d fatal", out.Version, len(out.Results),
		out.Counts["ok"], out.Counts["warn"], out.Counts["error"], out.Counts["notice"], out.Counts["fatal"])
	for _, r := range out.Results {
		if r.Status != "ok" {
			t.Logf("%-6s %s %s: %s", r.Status, r.ID, r.Name, r.Reason)
		}
	}

	for _, r := range out.Results {
		t.Run(r.ID+" "+r.Name, func(t *testing.T) {
			why, ok := accepted[r.ID]
			switch {
			case r.Status == "ok":
			case r.Status == "fatal":
				t.Errorf("the audit could not run: %s", r.Reason)
			case r.Level == "MUST":
				t.Errorf("MUST failed: %s\nexchanges: %s", r.Reason, r.Exchanges)
			case ok:
				t.Logf("%s, accepted (%s): %s", r.Status, why, r.Reason)
			default:
				t.Errorf("%s failed (%s): %s\nexchanges: %s", r.Level, r.Status, r.Reason, r.Exchanges)
			}
		})
	}
}

// ---- 2. Apollo Client ----

type apolloPage struct {
	IDs         []string `json:"ids"`
	HasNextPage bool     `json:"has_next_page"`
	EndCursor   string   `json:"end_cursor"`
	TotalCount  int      `json:"total_count"`
}

type apolloOutput struct {
	Version  string       `json:"apollo_client_version"`
	PageSize int          `json:"page_size"`
	Pages    []apolloPage `json:"pages"`
	Merged   struct {
		IDs         []string `json:"ids"`
		Cursors     []string `json:"cursors"`
		HasNextPage bool     `json:"has_next_page"`
	} `json:"merged"`
	Requests []struct {
		URL       string         `json:"url"`
		Method    string         `json:"method"`
		Variables map[string]any `json:"variables"`
		Status    int            `json:"status"`
	} `json:"requests"`
	Refetch *struct {
		CursorIndex  int    `json:"cursor_index"`
		CursorNodeID string `json:"cursor_node_id"`
		First        int    `json:"first"`
		apolloPage
	} `json:"refetch"`
	Failure string `json:"failure"`
}

// TestApolloClientPagination pages a room's sessions with Apollo Client's relayStylePagination and
// fetchMore, and refetches the page after a cursor from the middle with a fresh cache; both must be
// exactly the simulator's list (order, no gap, no duplicate).
func TestApolloClientPagination(t *testing.T) {
	const pageSize, refetchFirst = 7, 5
	s := newStack(t)
	roomID, want := busiestRoom(t, s.sim)
	require.Greater(t, len(want), 2*pageSize, "the room must span at least three pages")

	var out apolloOutput
	runScript(t, "apollo.mjs", map[string]string{
		"GRAPHQL_URL": s.graphqlURL, "ROOM_ID": roomID,
		"PAGE_SIZE": itoa(pageSize), "REFETCH_FIRST": itoa(refetchFirst),
	}, &out)
	require.Empty(t, out.Failure)
	t.Logf("@apollo/client %s: %d sessions in %d pages of %d, %d requests", out.Version, len(out.Merged.IDs), len(out.Pages), out.PageSize, len(out.Requests))
	if out.Refetch != nil {
		t.Logf("refetch first:%d after the cursor at index %d: %v", out.Refetch.First, out.Refetch.CursorIndex, out.Refetch.IDs)
	}

	t.Run("pages from the network", func(t *testing.T) {
		wantPages := (len(want) + pageSize - 1) / pageSize
		require.Len(t, out.Pages, wantPages)
		var all []string
		for i, p := range out.Pages {
			assert.Len(t, p.IDs, min(pageSize, len(want)-i*pageSize), "page %d", i)
			assert.Equal(t, i < wantPages-1, p.HasNextPage, "hasNextPage of page %d", i)
			assert.Equal(t, len(want), p.TotalCount, "totalCount of page %d", i)
			all = append(all, uuids(t, nodeid.RoomSession, p.IDs...)...)
		}
		assert.Equal(t, want, all)
	})

	t.Run("merged by the cache", func(t *testing.T) {
		assert.Equal(t, want, uuids(t, nodeid.RoomSession, out.Merged.IDs...), "relayStylePagination's merged list")
		assert.False(t, out.Merged.HasNextPage)
		assert.Len(t, out.Merged.Cursors, len(want))
	})

	t.Run("requests", func(t *testing.T) {
		// One request per page for the walk, one for the refetch: nothing served twice, nothing extra.
		require.Len(t, out.Requests, len(out.Pages)+1)
		for i, r := range out.Requests {
			assert.Equal(t, s.graphqlURL, r.URL)
			assert.Equal(t, http.MethodPost, r.Method)
			assert.Equal(t, http.StatusOK, r.Status)
			if i > 0 && i < len(out.Pages) {
				assert.Equal(t, out.Pages[i-1].EndCursor, r.Variables["after"], "fetchMore %d must continue after the previous endCursor", i)
			}
		}
	})

	t.Run("refetch after a middle cursor with a fresh cache", func(t *testing.T) {
		r := out.Refetch
		require.NotNil(t, r)
		require.Positive(t, r.CursorIndex)
		require.Less(t, r.CursorIndex, len(want)-1)
		assert.Equal(t, want[r.CursorIndex:r.CursorIndex+1], uuids(t, nodeid.RoomSession, r.CursorNodeID))
		end := min(r.CursorIndex+1+refetchFirst, len(want))
		assert.Equal(t, want[r.CursorIndex+1:end], uuids(t, nodeid.RoomSession, r.IDs...))
		assert.Equal(t, end < len(want), r.HasNextPage)
		assert.Equal(t, len(want), r.TotalCount)
		last := out.Requests[len(out.Requests)-1]
		assert.Equal(t, out.Merged.Cursors[r.CursorIndex], last.Variables["after"])
	})
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// uuids decodes the ids of an answer, Relay global ids (docs/relay.md), to the Telnyx UUIDs the simulator
// knows; any other shape fails the test.
func uuids(t *testing.T, typ nodeid.Type, ids ...string) []string {
	t.Helper()
	out := make([]string, len(ids))
	for i, id := range ids {
		got, uuid, err := nodeid.Decode(id)
		require.NoError(t, err, "id %q is a global id", id)
		require.Equal(t, typ, got, "id %q", id)
		out[i] = uuid
	}
	return out
}

// ---- 3. GraphiQL in Chromium ----

// screenshotDir is E2E_ARTIFACTS when set (to keep the screenshot for a person or a CI artifact),
// else a temporary directory removed after the test.
func screenshotDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("E2E_ARTIFACTS"); dir != "" {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		abs, err := filepath.Abs(dir)
		require.NoError(t, err)
		return abs
	}
	return t.TempDir()
}

// chromiumPath is Debian's Chromium; .ci/run installs it with apt. Browsers downloaded by npm are never
// used: they would be a second, unpinned download outside the lockfile.
const chromiumPath = "/usr/bin/chromium"

type browserOutput struct {
	chromiumRun
	EditorQuery string `json:"editor_query"`
	Result      *struct {
		Text       string   `json:"text"`
		Errors     []any    `json:"errors"`
		SessionIDs []string `json:"session_ids"`
	} `json:"result"`
	Docs *struct {
		RootText    string   `json:"root_text"`
		Title       string   `json:"title"`
		QueryFields []string `json:"query_fields"`
	} `json:"docs"`
	Requests []struct {
		Method       string `json:"method"`
		URL          string `json:"url"`
		ResourceType string `json:"resource_type"`
	} `json:"requests"`
}

// chromiumRun is what chromium-run.mjs reports of every browser script besides the script's own evidence:
// the versions, the steps, the failed requests, the page's errors, the screenshot and a failure.
type chromiumRun struct {
	PlaywrightVersion string `json:"playwright_core_version"`
	BrowserVersion    string `json:"browser_version"`
	Steps             []struct {
		Action string          `json:"action"`
		Seen   json.RawMessage `json:"seen"`
	} `json:"steps"`
	FailedRequests []struct {
		URL   string `json:"url"`
		Error string `json:"error"`
	} `json:"failed_requests"`
	ConsoleErrors []string `json:"console_errors"`
	PageErrors    []string `json:"page_errors"`
	Screenshot    string   `json:"screenshot"`
	Failure       string   `json:"failure"`
}

// logSteps logs the versions and every step the script took.
func (r chromiumRun) logSteps(t *testing.T) {
	t.Helper()
	t.Logf("playwright-core %s, Chromium %s", r.PlaywrightVersion, r.BrowserVersion)
	for _, s := range r.Steps {
		t.Logf("step %q saw %.300s", s.Action, s.Seen)
	}
}

// checkPage is what every browser test asks of the page: no console or page error, and a PNG screenshot at
// the path given (of at least minBytes, when not 0).
func (r chromiumRun) checkPage(t *testing.T, screenshot string, minBytes int) {
	t.Run("no errors in the page", func(t *testing.T) {
		assert.Empty(t, r.ConsoleErrors, "console errors (a CSP violation shows up here)")
		assert.Empty(t, r.PageErrors)
	})
	t.Run("screenshot", func(t *testing.T) {
		require.Equal(t, screenshot, r.Screenshot)
		b, err := os.ReadFile(screenshot)
		require.NoError(t, err)
		assert.True(t, bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")), "not a PNG")
		if minBytes > 0 {
			assert.Greater(t, len(b), minBytes, "a blank page would be tiny")
		}
	})
}

// requireChromium skips a browser test without Debian's Chromium, and fails it in CI, which installs it.
func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not found; CI must install Debian's chromium (apt-get install -y chromium)", chromiumPath)
		}
		t.Skipf("%s not found: skipping the browser test", chromiumPath)
	}
}

// TestGraphiQLInChromium mounts the endpoint and the offline GraphiQL page on a mux of our own (as a BFF
// would), then has Chromium open the page, run the default query, and browse the docs; the page must
// show the room's sessions and reach no host but this server.
func TestGraphiQLInChromium(t *testing.T) {
	requireChromium(t)
	const pageSize = 5
	sim := newSim()
	gw := newGateway(t, sim)
	roomID, want := busiestRoom(t, sim)
	require.Greater(t, len(want), pageSize)
	defaultQuery := "query RoomSessions {\n  room(id: \"" + roomID + "\") {\n    id\n    sessions(first: " + itoa(pageSize) +
		") {\n      totalCount\n      nodes { id createdAt active }\n    }\n  }\n}\n"

	mux := http.NewServeMux()
	mux.Handle("/graphql", gw.GraphQL())
	mux.Handle("GET /{$}", playground.Page(playground.Options{Title: "roomgraph e2e", Endpoint: "/graphql", DefaultQuery: defaultQuery}))
	mux.Handle(playground.AssetsPrefix, playground.Assets())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	requireLoopback(t, srv.URL)

	screenshot := filepath.Join(screenshotDir(t), "graphiql.png")
	var out browserOutput
	runScript(t, "browser.mjs", map[string]string{
		"BASE_URL": srv.URL, "ROOM_ID": roomID, "SCREENSHOT_PATH": screenshot, "CHROMIUM": chromiumPath,
	}, &out)
	out.logSteps(t)
	for _, r := range out.Requests {
		t.Logf("request %s %s (%s)", r.Method, r.URL, r.ResourceType)
	}
	require.Empty(t, out.Failure)

	t.Run("editor holds the default query", func(t *testing.T) {
		assert.Equal(t, defaultQuery, out.EditorQuery)
	})

	t.Run("result pane shows the room's sessions", func(t *testing.T) {
		require.NotNil(t, out.Result)
		assert.Empty(t, out.Result.Errors)
		assert.Equal(t, want[:pageSize], uuids(t, nodeid.RoomSession, out.Result.SessionIDs...), "the newest sessions of the room, in order")
		assert.Contains(t, out.Result.Text, `"totalCount": `+itoa(len(want)))
	})

	t.Run("docs explorer browses the schema", func(t *testing.T) {
		require.NotNil(t, out.Docs)
		assert.Contains(t, out.Docs.RootText, "Query")
		assert.Equal(t, "Query", out.Docs.Title)
		assert.Subset(t, out.Docs.QueryFields, []string{"room", "rooms", "roomSession", "roomSessions"})
	})

	t.Run("every request went to the test server", func(t *testing.T) {
		base, err := url.Parse(srv.URL)
		require.NoError(t, err)
		require.NotEmpty(t, out.Requests)
		var graphqlPosts, assets int
		for _, r := range out.Requests {
			u, err := url.Parse(r.URL)
			require.NoError(t, err, r.URL)
			// data: URLs (GraphiQL's inlined fonts) are decoded in the page, not fetched from a host.
			if u.Scheme == "data" {
				continue
			}
			assert.Equal(t, base.Scheme, u.Scheme, "request %s %s", r.Method, r.URL)
			assert.Equal(t, base.Host, u.Host, "request %s %s", r.Method, r.URL)
			switch {
			case u.Path == "/graphql" && r.Method == http.MethodPost:
				graphqlPosts++
			case strings.HasPrefix(u.Path, playground.AssetsPrefix):
				assets++
			}
		}
		assert.GreaterOrEqual(t, graphqlPosts, 2, "an introspection query and the run")
		assert.GreaterOrEqual(t, assets, 5, "GraphiQL, React, ReactDOM, the bootstrap script and the stylesheets")
		assert.Empty(t, out.FailedRequests)
	})

	out.checkPage(t, screenshot, 10_000)
}

// ---- 4. Relay's compiler: @refetchable fragments and @connection ----

type relayRefetch struct {
	QueryName          string   `json:"query_name"`
	QueryText          string   `json:"query_text"`
	IdentifierField    string   `json:"identifier_field"`
	IdentifierVariable string   `json:"identifier_variable"`
	FragmentPath       []string `json:"fragment_path"`
	Connection         *struct {
		Count  string   `json:"count"`
		Cursor string   `json:"cursor"`
		Path   []string `json:"path"`
	} `json:"connection"`
}

type relayPage struct {
	Node        map[string]any `json:"node"`
	IDs         []string       `json:"ids"`
	TelnyxIDs   []string       `json:"telnyx_ids"`
	HasNextPage bool           `json:"has_next_page"`
}

type relayOutput struct {
	Version        string   `json:"relay_compiler_version"`
	CompilerOutput string   `json:"compiler_output"`
	Artifacts      []string `json:"artifacts"`
	Refetch        map[string]relayRefetch
	Seed           struct {
		ID   string `json:"id"`
		Room struct {
			ID string `json:"id"`
		} `json:"room"`
		Participants []struct {
			ID string `json:"id"`
		} `json:"participants"`
	} `json:"seed"`
	RoomPages      []relayPage    `json:"room_pages"`
	SessionPages   []relayPage    `json:"session_pages"`
	Participant    map[string]any `json:"participant"`
	ParticipantKey map[string]any `json:"participant_key"`
	Failure        string         `json:"failure"`
}

// TestRelayRefetch compiles a fragment set with relay-compiler against roomgraph's SDL (@refetchable on
// Room, RoomSession and RoomParticipant; @connection on Room.sessions and RoomSession.participantsConnection)
// and runs the refetch queries it generated, as Relay sends them, with the ids the API handed out: every
// refetch answers the simulator's object, each connection walks to the end of the simulator's list, and
// a refetch costs at most one upstream call for the object itself (none for a fragment of keys only).
func TestRelayRefetch(t *testing.T) {
	s := newStack(t)
	var session telnyxsim.Session
	for _, r := range s.sim.Rooms(e2eKey) {
		for _, x := range s.sim.Sessions(e2eKey, r.ID) {
			if len(s.sim.Participants(e2eKey, x.ID)) > len(s.sim.Participants(e2eKey, session.ID)) || session.ID == "" {
				session = x
			}
		}
	}
	parts := s.sim.Participants(e2eKey, session.ID)
	require.GreaterOrEqual(t, len(parts), 3, "a session with participants over several pages of 2")
	schemaPath, err := filepath.Abs(filepath.Join("..", "..", "gateway", "testdata", "schema.graphql"))
	require.NoError(t, err)

	var out relayOutput
	runScript(t, "relay.mjs", map[string]string{"GRAPHQL_URL": s.graphqlURL, "SCHEMA_PATH": schemaPath, "SESSION_ID": session.ID}, &out)
	require.Empty(t, out.Failure)
	t.Logf("relay-compiler %s: %v", out.Version, out.Artifacts)

	t.Run("compiled", func(t *testing.T) {
		assert.Contains(t, out.CompilerOutput, "Compilation completed")
		for name, q := range map[string]string{"room": "RelayRoomRefetchQuery", "session": "RelaySessionRefetchQuery",
			"participant": "RelayParticipantRefetchQuery", "key": "RelayParticipantKeyRefetchQuery"} {
			r := out.Refetch[name]
			assert.Equal(t, q, r.QueryName)
			assert.Equal(t, "id", r.IdentifierField, "Relay refetches %s by its id", name)
			assert.Equal(t, []string{"node"}, r.FragmentPath, "through Query.node")
			assert.Contains(t, r.QueryText, "node(id: $"+r.IdentifierVariable+")")
		}
		require.NotNil(t, out.Refetch["room"].Connection)
		require.NotNil(t, out.Refetch["session"].Connection)
		assert.Equal(t, []string{"sessions"}, out.Refetch["room"].Connection.Path)
		assert.Equal(t, []string{"participantsConnection"}, out.Refetch["session"].Connection.Path)
	})

	t.Run("room refetched, its sessions paged to the end", func(t *testing.T) {
		require.NotEmpty(t, out.RoomPages)
		assert.Equal(t, out.Seed.Room.ID, out.RoomPages[0].Node["id"])
		assert.Equal(t, []string{session.RoomID}, uuids(t, nodeid.Room, out.Seed.Room.ID))
		var want, got []string
		for _, x := range s.sim.Sessions(e2eKey, session.RoomID) {
			want = append(want, x.ID)
		}
		for i, p := range out.RoomPages {
			assert.Equal(t, i < len(out.RoomPages)-1, p.HasNextPage, "page %d", i)
			assert.Equal(t, p.TelnyxIDs, uuids(t, nodeid.RoomSession, p.IDs...), "page %d: id and telnyxId name one session", i)
			got = append(got, p.TelnyxIDs...)
		}
		assert.Equal(t, want, got)
	})

	t.Run("session refetched, its participants paged to the end", func(t *testing.T) {
		require.NotEmpty(t, out.SessionPages)
		first := out.SessionPages[0].Node
		assert.Equal(t, out.Seed.ID, first["id"])
		assert.Equal(t, session.ID, first["telnyxId"])
		present := 0
		var want, got []string
		for _, p := range parts {
			want = append(want, p.ID)
			if p.LeftAt == nil {
				present++
			}
		}
		assert.Equal(t, float64(present), first["participantCount"])
		for _, p := range out.SessionPages {
			got = append(got, uuids(t, nodeid.RoomParticipant, p.IDs...)...)
		}
		assert.Equal(t, want, got)
	})

	t.Run("participant refetched", func(t *testing.T) {
		require.NotEmpty(t, out.Seed.Participants)
		p := out.Participant
		assert.Equal(t, out.Seed.Participants[0].ID, p["id"])
		assert.Equal(t, parts[0].ID, p["telnyxId"])
		assert.Equal(t, session.ID, p["sessionId"])
		assert.Equal(t, parts[0].Context, p["context"])
		assert.Equal(t, map[string]any{"__typename": "RoomParticipant", "id": p["id"], "telnyxId": parts[0].ID}, out.ParticipantKey)
	})

	t.Run("upstream calls of each generated query", func(t *testing.T) {
		gid := out.Seed.Participants[0].ID
		for _, tc := range []struct {
			name string
			vars map[string]any
			byID int // GETs of the object itself
			all  int
		}{
			{"room", map[string]any{"id": out.Seed.Room.ID, "count": 3}, 1, 2},
			{"session", map[string]any{"id": out.Seed.ID, "count": 2}, 1, 2},
			{"participant", map[string]any{"id": gid}, 1, 1},
			{"key", map[string]any{"id": gid}, 0, 0},
		} {
			s.sim.ResetStats()
			r := postJSON(t, s.graphqlURL, out.Refetch[tc.name].QueryText, tc.vars)
			assert.Empty(t, r["errors"], tc.name)
			st := s.sim.Stats()
			byID := st.ByRoute[telnyxsim.RouteGetRoom] + st.ByRoute[telnyxsim.RouteGetSession] + st.ByRoute[telnyxsim.RouteGetParticipant]
			assert.Equal(t, tc.byID, byID, "%s: %v", tc.name, st.ByRoute)
			assert.Equal(t, tc.all, st.Total, "%s: %v", tc.name, st.ByRoute)
		}
	})
}

// postJSON posts one GraphQL request and decodes the answer.
func postJSON(t *testing.T, url, query string, vars map[string]any) map[string]any {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out
}

// ---- 5. Apollo Client: the README's recipes ----

type recipeNode struct {
	Typename         string  `json:"__typename"`
	ID               string  `json:"id"`
	TelnyxID         string  `json:"telnyxId"`
	UniqueName       *string `json:"uniqueName"`
	ParticipantCount *int    `json:"participantCount"`
	Context          *string `json:"context"`
}

type recipesOutput struct {
	Version   string `json:"apollo_client_version"`
	Dashboard []struct {
		ID            string `json:"id"`
		TelnyxID      string `json:"telnyx_id"`
		ActiveSession *struct {
			ID           string   `json:"id"`
			TelnyxID     string   `json:"telnyx_id"`
			PresentCount int      `json:"present_count"`
			Present      []string `json:"present"`
			PresentIDs   []string `json:"present_ids"`
		} `json:"active_session"`
	} `json:"dashboard"`
	Refetch map[string]struct {
		CacheRequests   int        `json:"cache_requests"`
		NetworkRequests int        `json:"network_requests"`
		Cached          recipeNode `json:"cached"`
		Fresh           recipeNode `json:"fresh"`
	} `json:"refetch"`
	Connections map[string]struct {
		Pages     int      `json:"pages"`
		TelnyxIDs []string `json:"telnyx_ids"`
		IDs       []string `json:"ids"`
	} `json:"connections"`
	Tokens struct {
		RoomGlobalID          string `json:"room_global_id"`
		RoomID                string `json:"room_id"`
		TokenLength           int    `json:"token_length"`
		TokenExpiresAt        string `json:"token_expires_at"`
		RefreshTokenSHA256    string `json:"refresh_token_sha256"`
		RefreshTokenExpiresAt string `json:"refresh_token_expires_at"`
		Refreshed             struct {
			RoomID         string `json:"room_id"`
			TokenLength    int    `json:"token_length"`
			TokenExpiresAt string `json:"token_expires_at"`
			Differs        bool   `json:"differs"`
		} `json:"refreshed"`
	} `json:"tokens"`
	Failure string `json:"failure"`
}

// TestApolloClientRecipes runs the README's Apollo Client recipes with Apollo Client 4 and the README's
// type policies (type-policies.mjs, the same text as the README's block): the dashboard with who is
// present, every connection paged to the end with fetchMore, node(id:) refetching each type (from the
// cache through the Query.node read policy, else one request), and a join token generated and refreshed.
func TestApolloClientRecipes(t *testing.T) {
	s := newStack(t)
	roomID, sessions := busiestRoom(t, s.sim)
	var sessionID string
	for _, r := range s.sim.Rooms(e2eKey) {
		for _, x := range s.sim.Sessions(e2eKey, r.ID) {
			if sessionID == "" || len(s.sim.Participants(e2eKey, x.ID)) > len(s.sim.Participants(e2eKey, sessionID)) {
				sessionID = x.ID
			}
		}
	}
	var out recipesOutput
	runScript(t, "recipes.mjs", map[string]string{"GRAPHQL_URL": s.graphqlURL, "ROOM_ID": roomID, "SESSION_ID": sessionID}, &out)
	require.Empty(t, out.Failure)
	t.Logf("@apollo/client %s", out.Version)

	t.Run("the README shows these type policies", func(t *testing.T) {
		policies, err := os.ReadFile("type-policies.mjs")
		require.NoError(t, err)
		_, block, ok := strings.Cut(string(policies), "// README: begin\n")
		require.True(t, ok)
		block, _, ok = strings.Cut(block, "// README: end\n")
		require.True(t, ok)
		readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
		require.NoError(t, err)
		assert.Contains(t, string(readme), "```js\nimport { relayStylePagination } from '@apollo/client/utilities';\n\n"+block+"```\n")
	})

	t.Run("dashboard: active sessions and who is present", func(t *testing.T) {
		rooms := s.sim.Rooms(e2eKey)
		require.Len(t, out.Dashboard, len(rooms))
		seen := 0
		for i, r := range rooms {
			got := out.Dashboard[i]
			assert.Equal(t, r.ID, got.TelnyxID)
			assert.Equal(t, []string{r.ID}, uuids(t, nodeid.Room, got.ID))
			if r.ActiveSessionID == "" {
				assert.Nil(t, got.ActiveSession, r.ID)
				continue
			}
			require.NotNil(t, got.ActiveSession, r.ID)
			assert.Equal(t, r.ActiveSessionID, got.ActiveSession.TelnyxID)
			var here []string
			for _, p := range s.sim.Participants(e2eKey, r.ActiveSessionID) {
				if p.LeftAt == nil {
					here = append(here, p.ID)
				}
			}
			assert.Equal(t, here, got.ActiveSession.Present, r.ID)
			assert.Equal(t, len(here), got.ActiveSession.PresentCount, r.ID)
			if len(here) > 0 {
				assert.Equal(t, here, uuids(t, nodeid.RoomParticipant, got.ActiveSession.PresentIDs...))
				seen++
			}
		}
		require.Positive(t, seen, "a room with people present")
	})

	t.Run("node(id:) refetch", func(t *testing.T) {
		for _, typ := range []string{"room", "session", "participant"} {
			r := out.Refetch[typ]
			assert.Zero(t, r.CacheRequests, "%s: the cache answers node(id:) for an object it holds", typ)
			assert.Equal(t, 1, r.NetworkRequests, "%s: a fresh cache asks once", typ)
			assert.Equal(t, r.Cached, r.Fresh, "%s: the same object either way", typ)
			_, uuid, err := nodeid.Decode(r.Fresh.ID)
			require.NoError(t, err)
			assert.Equal(t, uuid, r.Fresh.TelnyxID)
		}
		assert.Equal(t, "Room", out.Refetch["room"].Fresh.Typename)
		assert.Equal(t, "RoomSession", out.Refetch["session"].Fresh.Typename)
		assert.Equal(t, "RoomParticipant", out.Refetch["participant"].Fresh.Typename)
	})

	t.Run("every connection paged to the end", func(t *testing.T) {
		var allRooms, parts []string
		for _, r := range s.sim.Rooms(e2eKey) {
			allRooms = append(allRooms, r.ID)
		}
		for _, p := range s.sim.Participants(e2eKey, sessionID) {
			parts = append(parts, p.ID)
		}
		for name, want := range map[string][]string{"rooms": allRooms, "room_sessions": sessions, "root_sessions": sessions,
			"session_participants": parts, "root_participants": parts} {
			c := out.Connections[name]
			assert.Equal(t, want, c.TelnyxIDs, name)
			assert.Equal(t, (len(want)+1)/2, c.Pages, "%s: pages of 2", name)
		}
	})

	t.Run("join token, then a refreshed one", func(t *testing.T) {
		tk := out.Tokens
		room := uuids(t, nodeid.Room, tk.RoomGlobalID)[0]
		assert.Equal(t, room, tk.RoomID)
		assert.Positive(t, tk.TokenLength)
		exp, err := time.Parse(time.RFC3339Nano, tk.TokenExpiresAt)
		require.NoError(t, err)
		assert.WithinDuration(t, time.Now().Add(300*time.Second), exp, time.Minute, "tokenTtlSecs: 300")
		var remembered []string
		for _, rt := range s.sim.RefreshTokens(e2eKey, room) {
			sum := sha256.Sum256([]byte(rt.Token))
			remembered = append(remembered, hex.EncodeToString(sum[:]))
		}
		assert.Contains(t, remembered, tk.RefreshTokenSHA256, "the refresh token is the one the simulator issued")
		assert.Equal(t, room, tk.Refreshed.RoomID)
		assert.Positive(t, tk.Refreshed.TokenLength)
		assert.True(t, tk.Refreshed.Differs)
	})
}
