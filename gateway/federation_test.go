package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
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
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
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
	if bytes.Equal(want, got) {
		return
	}
	// The answers are long single lines: show where they part rather than both in full.
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	excerpt := func(b []byte) string { return string(b[max(0, i-60):min(len(b), i+60)]) }
	t.Errorf("%s is stale (if the change is intended, rerun with -update and review the diff): from byte %d\nwant …%s…\ngot  …%s…",
		path, i, excerpt(want), excerpt(got))
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
	_, root := serveOver(t, cfg, simSrv)
	return root
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
	// A router sends back the key it was given: the id, a global id (docs/relay.md#federation). uuidRep is a
	// representation from a subgraph that knows only the Telnyx UUID, which the id key accepts too.
	rep := func(typename, uuid string) map[string]any {
		return map[string]any{"__typename": typename, "id": nodeid.Encode(nodeid.Type(typename), uuid)}
	}
	uuidRep := func(typename, uuid string) map[string]any { return map[string]any{"__typename": typename, "id": uuid} }
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
		{"representations by telnyx uuid", entities + `... on Room { id telnyxId uniqueName } ... on RoomSession { id telnyxId active } } }`,
			reps(uuidRep("Room", rooms[2].ID), uuidRep("RoomSession", sessions[4].ID), rep("Room", rooms[2].ID))},
		{"a malformed id", entities + `... on Room { id } } }`, reps(uuidRep("Room", "nope"))},
		{"a global id of another type", entities + `... on Room { id } } }`, reps(map[string]any{"__typename": "Room", "id": nodeid.Encode(nodeid.RoomSession, rooms[0].ID)})},
		{"an unknown typename", entities + `... on Room { id } } }`, reps(uuidRep("Nope", rooms[0].ID))},
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

// The names federation adds to a schema: gqlgen's federation types and scalars, its fake entity-resolver
// types, the fields a router calls, and the Apollo Federation v2 directives.
var (
	federationTypes = []string{"_Any", "_Entity", "_Service", "Entity", "FieldSet", "federation__Policy",
		"federation__Scope", "link__Import", "link__Purpose", "RoomByIDsInput", "RoomSessionByIDsInput", "RoomParticipantByIDsInput"}
	federationFields     = []string{"_service", "_entities"}
	federationDirectives = []string{"key", "link", "shareable", "external", "requires", "provides", "extends", "tag",
		"inaccessible", "override", "composeDirective", "interfaceObject", "authenticated", "requiresScopes", "policy"}
)

// introspected is what a client learns of the served schema by introspection.
type introspected struct {
	Types      []string // every type, built-in ones included
	Directives []string
	Query      []string // the fields of Query
}

func introspect(t *testing.T, base string) introspected {
	t.Helper()
	status, body := postRaw(t, base, `{ __schema { types { name } directives { name } queryType { fields(includeDeprecated: true) { name } } } }`, nil)
	require.Equal(t, http.StatusOK, status, "%s", body)
	type named struct{ Name string }
	var r struct {
		Data struct {
			Schema struct {
				Types      []named
				Directives []named
				QueryType  struct{ Fields []named }
			} `json:"__schema"`
		}
		Errors []gqlError
	}
	require.NoError(t, json.Unmarshal(body, &r))
	require.Empty(t, r.Errors)
	names := func(l []named) []string {
		var out []string
		for _, n := range l {
			out = append(out, n.Name)
		}
		slices.Sort(out)
		return out
	}
	s := r.Data.Schema
	return introspected{names(s.Types), names(s.Directives), names(s.QueryType.Fields)}
}

// schemaNames is what introspection should show of the SDL in file: its types (with the built-in ones
// gqlparser adds to every schema), directives and Query fields.
func schemaNames(t *testing.T, file string) introspected {
	t.Helper()
	sdl, err := os.ReadFile(file)
	require.NoError(t, err)
	s, err := gqlparser.LoadSchema(&ast.Source{Name: file, Input: string(sdl)})
	require.NoError(t, err)
	var want introspected
	for name := range s.Types {
		want.Types = append(want.Types, name)
	}
	for name := range s.Directives {
		want.Directives = append(want.Directives, name)
	}
	for _, f := range s.Query.Fields {
		if !strings.HasPrefix(f.Name, "__") {
			want.Query = append(want.Query, f.Name)
		}
	}
	slices.Sort(want.Types)
	slices.Sort(want.Directives)
	slices.Sort(want.Query)
	return want
}

// TestPlainSchemaWithoutFederation: with federation off, the schema a client can validate against and
// introspect is the plain one (testdata/schema.graphql), nothing of federation; with it on, the same
// gateway serves the subgraph's fields and types.
func TestPlainSchemaWithoutFederation(t *testing.T) {
	sim := federationSim()
	plain := serveGateway(t, sim, gateway.Config{Introspection: true})
	federated := serveGateway(t, sim, gateway.Config{Introspection: true, Federation: true})

	t.Run("introspection", func(t *testing.T) {
		got := introspect(t, plain)
		assert.Equal(t, schemaNames(t, filepath.Join("testdata", "schema.graphql")), got, "introspection shows the plain SDL, no more, no less")
		for _, name := range federationTypes {
			assert.NotContains(t, got.Types, name)
		}
		for _, name := range federationFields {
			assert.NotContains(t, got.Query, name)
		}
		for _, name := range federationDirectives {
			assert.NotContains(t, got.Directives, name)
		}
		status, body := postRaw(t, plain, `{ any: __type(name: "_Any") { name } entity: __type(name: "_Entity") { name } room: __type(name: "Room") { name } }`, nil)
		assert.Equal(t, http.StatusOK, status)
		assert.JSONEq(t, `{"data":{"any":null,"entity":null,"room":{"name":"Room"}}}`, string(body))

		fed := introspect(t, federated)
		for _, name := range []string{"_Any", "_Entity", "_Service", "FieldSet"} {
			assert.Contains(t, fed.Types, name)
		}
		assert.Subset(t, fed.Query, federationFields)
		assert.Subset(t, fed.Directives, []string{"key", "link", "shareable", "external", "requires"})
	})

	// The router's operations are unknown to the plain schema: refused by validation, before any resolver.
	operations := []struct {
		name, query string
		vars        map[string]any
	}{
		{"_service", `{ _service { sdl } }`, nil},
		{"_entities", `{ _entities(representations: []) { __typename } }`, nil},
		{"_entities with a variable", `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Room { id } } }`,
			map[string]any{"reps": []any{map[string]any{"__typename": "Room", "id": sim.Rooms(keyA)[0].ID}}}},
		{"_service beside a root field", `{ rooms(first: 1) { totalCount } _service { sdl } }`, nil},
	}
	for _, introspection := range []bool{false, true} {
		for _, fastPath := range []bool{false, true} {
			base := serveGateway(t, sim, gateway.Config{Introspection: introspection, DisableFastPath: !fastPath})
			for _, op := range operations {
				t.Run(fmt.Sprintf("%s/introspection=%t/fastpath=%t", op.name, introspection, fastPath), func(t *testing.T) {
					sim.ResetStats()
					_, body := postRaw(t, base, op.query, op.vars)
					var r response
					require.NoError(t, json.Unmarshal(body, &r), "%s", body)
					assert.Equal(t, "null", string(orNull(r.Data)), "a validation error executes nothing")
					require.NotEmpty(t, r.Errors)
					for _, e := range r.Errors {
						assert.Equal(t, "GRAPHQL_VALIDATION_FAILED", e.code(), "%+v", e)
					}
					assert.Zero(t, sim.Stats().Total)
				})
			}
		}
	}
}

func orNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	return raw
}

// TestFederationThroughFastPath: a federated gateway keeps its fast path. The fast path hands _service and
// _entities to gqlgen (metrics: unsupported) and gives the same bytes and upstream calls as a gateway
// without it; the plain root fields of a federated gateway are served on the fast path.
func TestFederationThroughFastPath(t *testing.T) {
	sim := federationSim()
	fast := serveGateway(t, sim, gateway.Config{Federation: true, ServeMetrics: true})
	slow := serveGateway(t, sim, gateway.Config{Federation: true, ServeMetrics: true, DisableFastPath: true})
	send := func(t *testing.T, base, query string, vars map[string]any) (int, string, []string) {
		t.Helper()
		sim.ResetStats()
		status, body := postRaw(t, base, query, vars)
		return status, string(body), upstreamCalls(sim)
	}
	check := func(t *testing.T, query string, vars map[string]any, outcome string) {
		t.Helper()
		before := executions(t, fast, outcome)
		slowStatus, slowBody, slowCalls := send(t, slow, query, vars)
		fastStatus, fastBody, fastCalls := send(t, fast, query, vars)
		assert.Equal(t, slowStatus, fastStatus)
		assert.Equal(t, slowBody, fastBody)
		assert.Equal(t, slowCalls, fastCalls, "the same upstream calls")
		assert.Equal(t, before+1, executions(t, fast, outcome), "answered by the %s path", outcome)
	}
	for _, tc := range entityCases(t, sim) {
		t.Run(tc.name, func(t *testing.T) { check(t, tc.query, tc.vars, "unsupported") })
	}
	rooms := sim.Rooms(keyA)
	t.Run("a plain query", func(t *testing.T) {
		check(t, `query($room: ID!) { room(id: $room) { id uniqueName sessions(first: 3) { nodes { id participants { context } } } }
			rooms(first: 2) { totalCount nodes { id } } }`, map[string]any{"room": rooms[2].ID}, "served")
	})
	t.Run("__typename alone", func(t *testing.T) { check(t, `{ __typename }`, nil, "served") })
	assert.Zero(t, executions(t, slow, "served"), "DisableFastPath: gqlgen answers everything")
}

// TestPlainSchemaIsTheFederatedOneWithoutFederation: the plain SDL has every type, field, enum value and
// directive of the generated (federated) schema except federation's own, those declared in gqlgen's
// federation sources or in schema/federation/, and nothing else. A schema source the gateway failed to
// carry over to the plain schema would show here, whatever the golden files say.
func TestPlainSchemaIsTheFederatedOneWithoutFederation(t *testing.T) {
	fed := graph.NewExecutableSchema(graph.Config{}).Schema()
	plain, err := gqlparser.LoadSchema(&ast.Source{Name: "plain.graphql", Input: gateway.SDL(false)})
	require.NoError(t, err)
	fromFederation := func(p *ast.Position) bool {
		return p != nil && p.Src != nil && strings.Contains(filepath.ToSlash(p.Src.Name), "federation/")
	}
	var kept []string
	for name, def := range fed.Types {
		got := plain.Types[name]
		if fromFederation(def.Position) {
			assert.Nil(t, got, "%s is federation's", name)
			continue
		}
		kept = append(kept, name)
		if !assert.NotNil(t, got, "type %s", name) {
			continue
		}
		assert.Equal(t, def.Kind, got.Kind, name)
		var want, have []string
		for _, f := range def.Fields {
			if !fromFederation(f.Position) {
				want = append(want, f.Name)
			}
		}
		for _, f := range got.Fields {
			have = append(have, f.Name)
		}
		for _, v := range def.EnumValues {
			want = append(want, v.Name)
		}
		for _, v := range got.EnumValues {
			have = append(have, v.Name)
		}
		assert.Equal(t, want, have, "fields and values of %s", name)
		assert.Empty(t, got.Directives, "%s carries no directive in the plain schema", name)
	}
	assert.Len(t, plain.Types, len(kept), "the plain schema has no type the federated one lacks")
	for name, d := range fed.Directives {
		if fromFederation(d.Position) {
			assert.NotContains(t, plain.Directives, name)
		} else {
			assert.Contains(t, plain.Directives, name)
		}
	}
	assert.Empty(t, plain.SchemaDirectives)
	assert.Contains(t, fed.Types, "_Entity", "the generated schema is the federated one")
}
