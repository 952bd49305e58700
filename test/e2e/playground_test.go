package e2e_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPlaygroundOperationKind: the GraphiQL page decides from the query text it sends whether a request
// goes over the WebSocket (GraphiQL's own parsed document lags its editor by ~100 ms, so a subscription
// run right after a tab switch went out as a POST). The decision, case by case, in Node.
func TestPlaygroundOperationKind(t *testing.T) {
	type tc struct {
		name, query, operationName string
		want                       any // "query", "mutation", "subscription" or nil
	}
	cases := []tc{
		{"shorthand", `{ rooms { nodes { id } } }`, "", "query"},
		{"named subscription", "subscription LiveRoom {\n  roomUpdated(id: \"x\") { uniqueName }\n}", "", "subscription"},
		{"named subscription by name", `subscription LiveRoom { roomUpdated(id: "x") { id } }`, "LiveRoom", "subscription"},
		{"anonymous subscription", `subscription { roomEvents(roomId: "x") { __typename } }`, "", "subscription"},
		{"mutation", `mutation { endRoomSession(id: "x") { id } }`, "", "mutation"},
		{"picks the named one", `query A { rooms { totalCount } } subscription B { roomUpdated(id: "x") { id } }`, "B", "subscription"},
		{"picks the named query", `query A { rooms { totalCount } } subscription B { roomUpdated(id: "x") { id } }`, "A", "query"},
		{"two operations, no name", `query A { a } subscription B { b }`, "", nil},
		{"unknown name", `subscription B { b }`, "C", nil},
		{"variables and directives", `subscription S($id: ID! = "subscription") @live { roomUpdated(id: $id) { id } }`, "S", "subscription"},
		{"directive is no name", `subscription @live { roomUpdated(id: "x") { id } }`, "", "subscription"},
		{"fragments are no operations", `fragment F on Room { id } subscription S { roomUpdated(id: "x") { ...F } }`, "", "subscription"},
		{"keyword inside a selection", `{ subscription: rooms { nodes { id } } }`, "", "query"},
		{"keyword in a comment", "# subscription X { a }\nquery Q { a }", "", "query"},
		{"keyword in a string", `query Q { room(id: "subscription S { a }") { id } }`, "", "query"},
		{"keyword in a block string", "query Q { room(id: \"\"\"\nsubscription S { a }\n\"\"\") { id } }", "", "query"},
		{"escaped quote in a string", `query Q { room(id: "a\" subscription S { b }") { id } }`, "", "query"},
		{"unterminated text", `subscription S { roomUpdated(id: "x`, "", "subscription"},
		{"empty", ``, "", nil},
	}
	in := make([]map[string]string, len(cases))
	for i, c := range cases {
		in[i] = map[string]string{"query": c.query}
		if c.operationName != "" {
			in[i]["operationName"] = c.operationName
		}
	}
	raw, err := json.Marshal(in)
	require.NoError(t, err)
	var got []any
	runScript(t, "operation-kind.mjs", map[string]string{"CASES": string(raw)}, &got)
	require.Len(t, got, len(cases))
	for i, c := range cases {
		assert.Equal(t, c.want, got[i], c.name)
	}
}
