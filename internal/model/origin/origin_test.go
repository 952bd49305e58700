package origin_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/internal/model/origin"
)

func schema(t *testing.T) *ast.Schema {
	t.Helper()
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	require.NotNil(t, s)
	return s
}

// reachable returns the object types reachable from the schema's roots, except through fields answered
// by gqlgen alone (introspection, federation), with the field that first led to each.
func reachable(s *ast.Schema) []*ast.Definition {
	var out []*ast.Definition
	seen := map[string]bool{}
	var visit func(d *ast.Definition)
	visit = func(d *ast.Definition) {
		if d == nil || seen[d.Name] {
			return
		}
		if d.Kind == ast.Interface {
			// The interface's own fields (selected on it directly), and every type implementing it.
			seen[d.Name] = true
			out = append(out, d)
			for _, p := range s.GetPossibleTypes(d) {
				visit(p)
			}
			return
		}
		if d.Kind != ast.Object {
			return
		}
		seen[d.Name] = true
		out = append(out, d)
		for _, fd := range d.Fields {
			switch origin.Lookup(d.Name, fd.Name).Kind() {
			case origin.Introspection, origin.Federation:
				continue
			}
			visit(s.Types[fd.Type.Name()])
		}
	}
	visit(s.Query)
	visit(s.Mutation)
	visit(s.Subscription)
	return out
}

// TestTableMatchesSchema holds the table to schema/*.graphqls: every field of every type a query or a
// mutation can reach has a row (a new field fails here with its name until it says where it comes from),
// and every row agrees with the schema.
func TestTableMatchesSchema(t *testing.T) {
	s := schema(t)
	for _, def := range reachable(s) {
		typ := origin.TypeNamed(def.Name)
		if typ == origin.NoType {
			t.Errorf("type %s is not in the origin table (internal/model/origin)", def.Name)
			continue
		}
		for _, fd := range def.Fields {
			f := typ.Field(fd.Name)
			name := def.Name + "." + fd.Name
			if f == origin.Unknown {
				t.Errorf("%s is not in the origin table (internal/model/origin): add its row — which record answers it "+
					"and how — then teach the fast path to write it or leave it to gqlgen", name)
				continue
			}
			assert.Equal(t, name, f.String())
			named := s.Types[fd.Type.Name()]
			switch {
			case f.Kind() == origin.Introspection || f.Kind() == origin.Federation:
				assert.Equal(t, origin.NoType, f.Of(), "%s: answered by gqlgen, leads to no type of ours", name)
			case named.Kind == ast.Object || named.Kind == ast.Interface:
				assert.Equal(t, def.Name, f.Type().String())
				assert.Equal(t, named.Name, f.Of().String(), "%s leads to %s", name, named.Name)
			default:
				assert.Equal(t, origin.NoType, f.Of(), "%s is a %s, not an object", name, named.Name)
			}
			assert.Equal(t, strings.HasSuffix(named.Name, "Connection"), f.Kind() == origin.Connection,
				"%s: a field is a Connection exactly when it returns a connection type", name)
			assert.Equal(t, def == s.Mutation, f.Kind() == origin.Write, "%s: Write is for mutations", name)
			switch f.Kind() {
			case origin.Key:
				assert.Equal(t, "ID", fd.Type.Name(), "%s: a key is an ID", name)
				assert.Equal(t, origin.NoRecord, f.Needs(), "%s: a key needs no record", name)
			case origin.Value:
				assert.Equal(t, typ.Record(), f.Needs(), "%s: a value is read from its object's own record", name)
			case origin.Embedded:
				assert.NotNil(t, fd.Type.Elem, "%s: embedded means a list carried in the record", name)
				assert.Equal(t, typ.Record(), f.Needs(), "%s: embedded in its object's own record", name)
			case origin.Reference, origin.Fetch:
				assert.Nil(t, fd.Type.Elem, "%s: a reference is one object", name)
			}
		}
	}
}

// TestRowsNameSchemaFields: every row names a field of the schema (federation's only in the federated
// build), and looks up to itself.
func TestRowsNameSchemaFields(t *testing.T) {
	s := schema(t)
	for _, f := range origin.All() {
		require.NotEqual(t, origin.NoType, f.Type(), "field %d has no row", f)
		require.NotEmpty(t, f.Name(), "field %d has no row", f)
		assert.Equal(t, f, f.Type().Field(f.Name()), "%s: two rows for one field", f)
		assert.Equal(t, f, origin.Lookup(f.Type().String(), f.Name()))
		if f.Kind() == origin.Federation {
			continue
		}
		def := s.Types[f.Type().String()]
		require.NotNil(t, def, "%s: no type %s in the schema", f, f.Type())
		assert.NotNil(t, def.Fields.ForName(f.Name()), "%s: no such field in the schema: remove its row", f)
	}
}

func TestLookup(t *testing.T) {
	cases := []struct {
		typ, name string
		want      origin.Field
	}{
		{"Room", "uniqueName", origin.RoomUniqueName},
		{"Room", "__typename", origin.Typename},
		{"RoomSession", "id", origin.RoomSessionID},
		{"RoomSessionConnection", "nodes", origin.RoomSessionConnectionNodes},
		{"Room", "nope", origin.Unknown},
		{"Nope", "id", origin.Unknown},
		{"Nope", "__typename", origin.Unknown},
	}
	for _, tc := range cases {
		t.Run(tc.typ+"."+tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, origin.Lookup(tc.typ, tc.name))
		})
	}
}

// TestRecordNeeds pins the facts the resolvers, the fast path and the limits act on.
func TestRecordNeeds(t *testing.T) {
	assert.Equal(t, []string{"id", "telnyxId", "sessions"}, origin.Room.Keys(), "a room by id is fetched for anything but these")
	assert.Equal(t, []string{"id", "telnyxId"}, origin.RoomSession.Keys())
	assert.Equal(t, []string{"id", "telnyxId"}, origin.RoomParticipant.Keys())
	cases := []struct {
		field origin.Field
		needs bool
	}{
		{origin.RoomID, false},
		{origin.RoomSessions, false},
		{origin.RoomUpdatedAt, true},
		{origin.RoomActiveSession, true},
		{origin.RoomSessionParticipantsConnection, true},
		{origin.RoomSessionPayloadRoom, false}, // it needs a session's record, not the payload's
		{origin.Typename, false},
		{origin.Unknown, false},
	}
	for _, tc := range cases {
		t.Run(tc.field.String(), func(t *testing.T) {
			assert.Equal(t, tc.needs, tc.field.NeedsRecord())
		})
	}
}

// TestEntitiesMatchSchema: the entity types are exactly the federated schema's _Entity members, and each
// says how _entities resolves it (the limits cost representations by it).
func TestEntitiesMatchSchema(t *testing.T) {
	s := schema(t)
	var members, entities []string
	for _, d := range s.GetPossibleTypes(s.Types["_Entity"]) {
		members = append(members, d.Name)
	}
	for _, e := range origin.Entities() {
		entities = append(entities, e.String())
		assert.Contains(t, []origin.Kind{origin.Reference, origin.Fetch}, e.Entity(), "%s", e)
	}
	assert.ElementsMatch(t, members, entities)
	assert.Equal(t, origin.Reference, origin.Room.Entity(), "a Room representation is a stub until a field beyond its keys is selected")
	assert.Equal(t, origin.Kind(0), origin.PageInfo.Entity())
}
