package gateway_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/internal/model/origin"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// A failure costs only its field (docs/nullability.md). TestOneFailureCostsOnlyItsField derives its cases
// from the origin table and the schema, so a new field is covered without a new row here: every field of
// every object type the reads reach is selected, beside independent siblings, in each context that reaches
// its type (by a reference, by id, from a list); the upstream routes that selecting it adds are measured
// through the simulator's counters, and each such route is then made to fail (503, on that route only).
// The answer must be the healthy answer with one position set to null: the field itself when it is
// nullable, else the object that holds it when that object came without its record and the field needs
// it (the object's fields all need the one failed call). Every error carries UPSTREAM_UNAVAILABLE at a
// path under that position; the siblings' data is untouched.

// partialStep is one field on the way from the root to the object whose fields are tried.
type partialStep struct{ field, args string }

// partialContexts are the ways the tried object types are reached: by id, by a reference from another
// object (which may come without the object's record), and as list items (which carry their records).
var partialContexts = map[origin.Type][][]partialStep{
	origin.Query: {nil},
	origin.Room: {
		{{"room", "(id: $room)"}},
		{{"roomSession", "(id: $session)"}, {"room", ""}},
		{{"rooms", "(first: 2)"}, {"nodes", ""}},
	},
	origin.RoomSession: {
		{{"roomSession", "(id: $session)"}},
		{{"roomParticipant", "(id: $participant)"}, {"session", ""}},
		{{"roomSessions", "(roomId: $room, first: 2)"}, {"nodes", ""}},
	},
	origin.RoomParticipant: {
		{{"roomParticipant", "(id: $participant)"}},
		{{"roomParticipants", "(sessionId: $session, first: 2)"}, {"nodes", ""}},
	},
}

// partialArgs are the arguments a field is selected with: its required ids from the fixture, and a small
// page for a connection.
func partialArgs(f origin.Field, fd *ast.FieldDefinition) string {
	var args []string
	for _, a := range fd.Arguments {
		switch {
		case a.Name == "first":
			args = append(args, "first: 2")
		case a.Type.NonNull && a.Name == "id":
			args = append(args, "id: $"+map[origin.Type]string{origin.Room: "room", origin.RoomSession: "session", origin.RoomParticipant: "participant"}[f.Of()])
		case a.Type.NonNull:
			return "" // a required argument this test cannot fill: the field is skipped (and counted below)
		}
	}
	if len(args) == 0 {
		return ""
	}
	return "(" + strings.Join(args, ", ") + ")"
}

// partialSelection is what is selected under a field of object type typ: its total for a connection, else
// its id and a value read from its record (so that a reference has to fetch it).
func partialSelection(typ origin.Type) string {
	if typ == origin.NoType {
		return ""
	}
	if strings.HasSuffix(typ.String(), "Connection") {
		return " { totalCount }"
	}
	sel := []string{}
	for _, g := range typ.Fields() {
		if g.Kind() == origin.Key {
			sel = append(sel, g.Name())
		}
	}
	for _, g := range typ.Fields() {
		if g.Kind() == origin.Value && g.Of() == origin.NoType && g.NeedsRecord() {
			sel = append(sel, g.Name())
			break
		}
	}
	return " { " + strings.Join(sel, " ") + " }"
}

// partialPos is one position of a response path: a field's value or (index) a list's items.
type partialPos struct {
	name     string // "" for list items
	nullable bool
}

// partialCase is one query with one field selected in one context.
type partialCase struct {
	field    origin.Field
	name     string
	inner    string // the object's selection without the field (the base) …
	with     string // … and with it
	ctx      []partialStep
	fieldPos []partialPos // positions of the tried field's value, from the root
}

func (c partialCase) query(sel, sibling string) string {
	q := sel
	for i := len(c.ctx) - 1; i >= 0; i-- {
		q = c.ctx[i].field + c.ctx[i].args + " { " + q + " }"
	}
	q = sibling + " " + q
	var decl []string
	for _, v := range []string{"room", "session", "participant", "otherSession", "otherRoom"} {
		if strings.Contains(q, "$"+v+")") || strings.Contains(q, "$"+v+",") {
			decl = append(decl, "$"+v+": ID!")
		}
	}
	if len(decl) == 0 {
		return "{ " + q + " }"
	}
	return "query(" + strings.Join(decl, ", ") + ") { " + q + " }"
}

// partialCases builds the cases from the origin table and the schema.
func partialCases(t *testing.T, s *ast.Schema) (cases []partialCase, skipped []string) {
	for _, typ := range slices.Sorted(maps.Keys(partialContexts)) {
		for ci, ctx := range partialContexts[typ] {
			// The positions of the context's object.
			def := s.Query
			var pos []partialPos
			for _, st := range ctx {
				fd := def.Fields.ForName(st.field)
				require.NotNil(t, fd, "%s.%s", def.Name, st.field)
				pos = append(pos, partialPos{st.field, !fd.Type.NonNull})
				if fd.Type.Elem != nil {
					pos = append(pos, partialPos{"", !fd.Type.Elem.NonNull})
				}
				def = s.Types[fd.Type.Name()]
			}
			require.Equal(t, typ.String(), def.Name)
			keys := "__typename"
			if slices.ContainsFunc(typ.Fields(), func(f origin.Field) bool { return f.Kind() == origin.Key }) {
				keys = "id"
			}
			for _, f := range typ.Fields() {
				switch f.Kind() {
				case origin.Key, origin.Meta, origin.Introspection, origin.Federation, origin.Write, origin.Node:
					continue
				}
				fd := def.Fields.ForName(f.Name())
				require.NotNil(t, fd, "%s", f)
				args := partialArgs(f, fd)
				if args == "" && slices.ContainsFunc(fd.Arguments, func(a *ast.ArgumentDefinition) bool { return a.Type.NonNull }) {
					skipped = append(skipped, f.String())
					continue
				}
				cases = append(cases, partialCase{
					field:    f,
					name:     fmt.Sprintf("%s/context=%d", f, ci),
					inner:    keys,
					with:     strings.TrimSpace(keys + " " + f.Name() + args + partialSelection(f.Of())),
					ctx:      ctx,
					fieldPos: append(slices.Clip(pos), partialPos{f.Name(), !fd.Type.NonNull}),
				})
			}
		}
	}
	return cases, skipped
}

// nearestNull is the index in pos of the position a null at its last one lands on: the last nullable.
func nearestNull(pos []partialPos) int {
	for i := len(pos) - 1; i >= 0; i-- {
		if pos[i].nullable {
			return i
		}
	}
	return -1
}

// setNull sets every value at pos (all items of lists) to null in v, decoded JSON.
func setNull(v any, pos []partialPos) any {
	if len(pos) == 0 {
		return nil
	}
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x[pos[0].name]; ok && pos[0].name != "" {
			x[pos[0].name] = setNull(x[pos[0].name], pos[1:])
		}
	case []any:
		for i := range x {
			x[i] = setNull(x[i], pos[1:])
		}
	}
	return v
}

// under reports whether an error's path lies at or under pos (any index matches a list position).
func under(path []any, pos []partialPos) bool {
	if len(path) < len(pos) {
		return false
	}
	for i, p := range pos {
		if p.name == "" {
			if _, ok := path[i].(float64); !ok {
				return false
			}
		} else if path[i] != p.name {
			return false
		}
	}
	return true
}

func TestOneFailureCostsOnlyItsField(t *testing.T) { forExecutors(t, testOneFailureCostsOnlyItsField) }

func testOneFailureCostsOnlyItsField(t *testing.T, e executor) {
	t.Parallel() // mostly waiting on retries' backoffs: the two executors' runs overlap
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	cases, skipped := partialCases(t, s)
	require.Empty(t, skipped, "fields with required arguments this test cannot fill: teach partialArgs")

	h := newHarness(t, telnyxsim.Config{Seed: 11, Rooms: 6, SessionsPerRoom: 6, ParticipantsPerSession: 4}, e.config(quickResilience()))
	vars := map[string]any{}
	for _, r := range h.sim.Rooms(keyA) {
		if r.ActiveSessionID != "" && vars["room"] == nil && len(h.sim.Participants(keyA, r.ActiveSessionID)) >= 2 {
			vars["room"], vars["session"] = r.ID, r.ActiveSessionID
			vars["participant"] = h.sim.Participants(keyA, r.ActiveSessionID)[0].ID
		}
	}
	require.NotNil(t, vars["room"], "the fixture needs a room with an active session with participants")
	for _, r := range h.sim.Rooms(keyA) {
		if r.ID != vars["room"] && len(h.sim.Sessions(keyA, r.ID)) > 0 {
			vars["otherRoom"], vars["otherSession"] = r.ID, h.sim.Sessions(keyA, r.ID)[0].ID
			break
		}
	}
	require.NotNil(t, vars["otherRoom"])
	// Siblings on other records than the fixture's (so they prime nothing the tried field needs), each on
	// its own route: the one whose route does not fail is selected.
	siblings := []string{
		"sib: roomSession(id: $otherSession) { id participantsConnection(first: 1) { totalCount } }",
		"sib: room(id: $otherRoom) { id sessions(first: 1) { totalCount } }",
	}

	routesOf := func(query string) map[string]int {
		h.sim.ResetStats()
		r := h.post(t, query, vars)
		require.Empty(t, r.Errors, "%s: %+v", query, r.Errors)
		return h.sim.Stats().ByRoute
	}

	var siblingRoutes []map[string]int
	for _, sib := range siblings {
		siblingRoutes = append(siblingRoutes, routesOf(partialCase{}.query("", sib)))
	}
	tried := map[origin.Field]int{}
	n := 0
	for _, c := range cases {
		base := routesOf(c.query(c.inner, ""))
		with := routesOf(c.query(c.with, ""))
		for _, route := range slices.Sorted(maps.Keys(with)) {
			if base[route] > 0 {
				continue // the context calls it already: a failure there is the context's, not the field's
			}
			si := 0
			if siblingRoutes[0][route] > 0 {
				si = 1
			}
			require.Zero(t, siblingRoutes[si][route], "no sibling is independent of %s", route)
			sibling := siblings[si]
			query := c.query(c.with, sibling)
			n++
			tried[c.field]++
			t.Run(c.name+"/fails="+route, func(t *testing.T) {
				h.sim.ClearFaults()
				healthy := h.post(t, query, vars)
				require.Empty(t, healthy.Errors, "%s: %+v", query, healthy.Errors)
				h.sim.SetFault(route, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503})
				defer h.sim.ClearFaults()
				r := h.post(t, query, vars)

				require.NotEqual(t, "null", string(r.Data), "%s with %s failing: the answer was erased: %+v", query, route, r.Errors)
				require.NotEmpty(t, r.Errors, "%s with %s failing", query, route)
				// Each error is at the field, or, when the field needs its object's record and that record
				// is the failed call, at the object; its null lands on the nearest nullable position, never
				// above the object.
				field, object := c.fieldPos, c.fieldPos[:len(c.fieldPos)-1]
				var nulls [][]partialPos
				for _, e := range r.Errors {
					assert.Equal(t, "UPSTREAM_UNAVAILABLE", e.code(), "%+v", e)
					at := field
					switch {
					case len(e.Path) == len(field)-1 && c.field.NeedsRecord():
						at = object
					case len(e.Path) == len(field)+1 && c.field.Kind() == origin.Reference:
						// A reference came without its record; the fields of its object that need it wait
						// for the one fetch.
						name, _ := e.Path[len(field)].(string)
						if fd := s.Types[c.field.Of().String()].Fields.ForName(name); fd != nil {
							at = append(slices.Clip(field), partialPos{name, !fd.Type.NonNull})
						}
					}
					if !assert.True(t, len(e.Path) == len(at) && under(e.Path, at), "error at %v: neither at %s nor at its object", e.Path, c.field) {
						continue
					}
					i := nearestNull(at)
					if assert.GreaterOrEqual(t, i, len(field)-2, "%s: a null at %v climbs past its object to %v", c.field, e.Path, at[:max(i, 0)+1]) {
						nulls = append(nulls, at[:i+1])
					}
				}
				var want, got map[string]any
				require.NoError(t, json.Unmarshal(healthy.Data, &want))
				require.NoError(t, json.Unmarshal(r.Data, &got))
				assert.NotNil(t, got["sib"], "the sibling's data is there")
				for _, at := range nulls {
					setNull(want, at)
				}
				assert.Equal(t, want, got, "%s with %s failing: only the failed field is null", query, route)
			})
		}
	}
	// Every field that calls by its kind (a connection, a fetch, a reference) was made to fail somewhere.
	for _, f := range origin.All() {
		switch f.Kind() {
		case origin.Connection, origin.Fetch, origin.Reference:
			if _, ok := partialContexts[f.Type()]; ok {
				assert.Positive(t, tried[f], "%s makes upstream calls, but no case made one of them fail", f)
			}
		}
	}
	t.Logf("%d cases over %d fields", n, len(tried))
}
