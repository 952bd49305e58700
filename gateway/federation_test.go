package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// golden compares got with the file at path; with -update it writes got there instead.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "no golden file: go test ./gateway -run '%s' -update writes it", t.Name())
	assert.Equal(t, string(want), string(got), "%s is stale: if the change is intended, rerun with -update and review the diff", path)
}

// TestSDLGolden pins the two schemas roomgraph prints (`roomgraph schema` and `roomgraph schema
// -federation`): the plain one for client code generation, and the Apollo Federation v2 subgraph.
func TestSDLGolden(t *testing.T) {
	for _, tc := range []struct {
		federation bool
		file       string
	}{
		{false, "schema.graphql"},
		{true, "schema.federation.graphql"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			golden(t, filepath.Join("testdata", tc.file), []byte(gateway.SDL(tc.federation)))
		})
	}
}

// federationSim is a small, seeded account: the entity answers below are pinned byte for byte.
func federationSim() *telnyxsim.Sim {
	return telnyxsim.New(telnyxsim.Config{Seed: 11, Keys: []string{keyA}, Rooms: 6, SessionsPerRoom: 4, ParticipantsPerSession: 3})
}

// serveGateway serves a gateway with cfg in front of sim and returns its base URL.
func serveGateway(t *testing.T, sim *telnyxsim.Sim, cfg gateway.Config) string {
	t.Helper()
	simSrv := httptest.NewServer(sim)
	t.Cleanup(simSrv.Close)
	cfg.BaseURL, cfg.APIKey = simSrv.URL+"/v2", keyA
	gw, err := gateway.New(cfg, gateway.WithHTTPClient(simSrv.Client()))
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return srv.URL
}

// postRaw posts one GraphQL request and returns the status and the body as sent.
func postRaw(t *testing.T, base, query string, vars map[string]any) (int, []byte) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	resp, err := http.Post(base+"/graphql", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, out
}

type entityCase struct {
	name  string
	query string
	vars  map[string]any
}

// entityCases are the subgraph protocol's operations (what a router sends roomgraph), over federationSim.
func entityCases(t *testing.T, sim *telnyxsim.Sim) []entityCase {
	t.Helper()
	rooms := sim.Rooms(keyA)
	require.GreaterOrEqual(t, len(rooms), 6)
	var sessions []telnyxsim.Session
	for _, r := range rooms {
		sessions = append(sessions, sim.Sessions(keyA, r.ID)...)
	}
	require.GreaterOrEqual(t, len(sessions), 10)
	participants := sim.Participants(keyA, sessions[3].ID)
	require.GreaterOrEqual(t, len(participants), 2)
	rep := func(typename, id string) map[string]any { return map[string]any{"__typename": typename, "id": id} }
	reps := func(r ...map[string]any) map[string]any { return map[string]any{"reps": r} }
	const entities = `query($reps: [_Any!]!) { _entities(representations: $reps) { __typename `
	return []entityCase{
		{"service sdl", `{ _service { sdl } }`, nil},
		{"rooms by key only", entities + `... on Room { id } } }`,
			reps(rep("Room", rooms[4].ID), rep("Room", rooms[1].ID), rep("Room", rooms[4].ID))},
		{"room fields and sessions", entities + `... on Room { id uniqueName maxParticipants enableRecording createdAt
			sessions(first: 2) { totalCount nodes { id active participants { context } } } } } }`,
			reps(rep("Room", rooms[2].ID), rep("Room", rooms[5].ID))},
		{"sessions", entities + `... on RoomSession { id roomId active createdAt endedAt room { id uniqueName }
			participants { id context joinedAt } } } }`,
			reps(rep("RoomSession", sessions[7].ID), rep("RoomSession", sessions[2].ID), rep("RoomSession", sessions[7].ID))},
		{"participants", entities + `... on RoomParticipant { id sessionId context joinedAt leftAt session { id active } } } }`,
			reps(rep("RoomParticipant", participants[1].ID), rep("RoomParticipant", participants[0].ID))},
		{"mixed types in one request", entities + `... on Room { id uniqueName } ... on RoomSession { id active }
			... on RoomParticipant { id context } } }`,
			reps(rep("RoomSession", sessions[9].ID), rep("Room", rooms[0].ID), rep("RoomParticipant", participants[0].ID), rep("Room", rooms[3].ID))},
		{"an unknown session fails alone", entities + `... on RoomSession { id active } } }`,
			reps(rep("RoomSession", sessions[1].ID), rep("RoomSession", "00000000-0000-4000-8000-000000000000"), rep("RoomSession", sessions[5].ID))},
		{"an unknown room fails at its first room field", entities + `... on Room { id uniqueName } } }`,
			reps(rep("Room", "00000000-0000-4000-8000-000000000000"), rep("Room", rooms[1].ID))},
		{"a malformed id", entities + `... on Room { id } } }`, reps(rep("Room", "nope"))},
		{"an unknown typename", entities + `... on Room { id } } }`, reps(rep("Nope", rooms[0].ID))},
		{"_entities beside a root field", `query($reps: [_Any!]!, $room: ID!) { room(id: $room) { id uniqueName }
			_entities(representations: $reps) { ... on Room { maxParticipants } } }`,
			map[string]any{"room": rooms[3].ID, "reps": []any{rep("Room", rooms[3].ID)}}},
	}
}

// upstreamCalls lists the simulator's requests since the last reset, sorted (their order varies between runs).
func upstreamCalls(sim *telnyxsim.Sim) []string {
	var calls []string
	for _, rec := range sim.Stats().Requests {
		calls = append(calls, rec.Path+"?"+rec.RawQuery)
	}
	slices.Sort(calls)
	return calls
}

// TestFederationAnswersGolden pins what a federated roomgraph answers a router (_service, _entities), and
// the upstream calls each answer costs, byte for byte.
func TestFederationAnswersGolden(t *testing.T) {
	sim := federationSim()
	base := serveGateway(t, sim, gateway.Config{Federation: true})
	for _, tc := range entityCases(t, sim) {
		t.Run(tc.name, func(t *testing.T) {
			sim.ResetStats()
			status, body := postRaw(t, base, tc.query, tc.vars)
			var got bytes.Buffer
			got.WriteString(http.StatusText(status) + "\n")
			got.Write(body)
			got.WriteString("\n--- upstream calls\n")
			for _, c := range upstreamCalls(sim) {
				got.WriteString(c + "\n")
			}
			golden(t, filepath.Join("testdata", "federation", strings.ReplaceAll(tc.name, " ", "_")+".golden"), got.Bytes())
		})
	}
}
