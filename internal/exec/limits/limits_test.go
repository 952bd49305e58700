package limits_test

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/exec/limits"
)

// nested returns a query exactly depth fields deep: roomSession, then room/activeSession alternating,
// then a leaf.
func nested(depth int) string {
	var open, closing strings.Builder
	open.WriteString(`{ roomSession(id: ` + room + `) { `)
	for i := range depth - 2 {
		if i%2 == 0 {
			open.WriteString("room { ")
		} else {
			open.WriteString("activeSession { ")
		}
		closing.WriteString(" }")
	}
	return open.String() + "id" + closing.String() + " } }"
}

// aliased returns a query with n aliased fields.
func aliased(n int) string {
	var b strings.Builder
	b.WriteString(`{ room(id: ` + room + `) {`)
	for i := range n {
		b.WriteString(" a" + strconv.Itoa(i) + ": id")
	}
	return b.String() + " } }"
}

// rootFields returns a query with n top-level fields, no alias (repeats merge at execution but count).
func rootFields(n int) string {
	return "{" + strings.Repeat(` room(id: `+room+`) { id }`, n) + " }"
}

// entities returns a query with n literal Room representations selecting only their id (no cost).
func entities(n int) string {
	var b strings.Builder
	b.WriteString(`{ _entities(representations: [`)
	for i := range n {
		b.WriteString(`{__typename: "Room", id: "r` + strconv.Itoa(i) + `"} `)
	}
	return b.String() + `]) { ... on Room { id } } }`
}

// costly returns a query predicted at 1 + 27*(1+36) = 1000 upstream calls, plus extra.
func costly(extra int) string {
	return `{ rooms(first: 27) { nodes { sessions(first: 36) { nodes { participantsConnection(first: 1) { totalCount } } } } }` +
		strings.Repeat(` roomSession(id: `+room+`) { id }`, extra) + ` }`
}

// TestLimitsOverHTTP: each limit lets its maximum through and refuses one more, before any resolver runs,
// with the code, extensions and message the caller sees.
func TestLimitsOverHTTP(t *testing.T) {
	srv := newServer(t, limits.Config{}, false)
	cases := []struct {
		name    string
		under   string
		over    string
		limit   string
		value   int
		max     int
		message string
	}{
		{"depth", nested(12), nested(13), limits.LimitDepth, 13, 12, "query exceeds the maximum depth: 13 > 12"},
		{"aliases", aliased(30), aliased(31), limits.LimitAliases, 31, 30, "query exceeds the maximum number of aliases: 31 > 30"},
		{"rootFields", rootFields(20), rootFields(21), limits.LimitRootFields, 21, 20, "query exceeds the maximum number of top-level fields: 21 > 20"},
		{"representations", entities(1000), entities(1001), limits.LimitRepresentations, 1001, 1000,
			"query exceeds the maximum number of _entities representations: 1001 > 1000"},
		{"cost", costly(0), costly(1), limits.LimitCost, 1001, 1000, "query may make 1001 upstream calls; the maximum is 1000"},
	}
	for _, tc := range cases {
		t.Run(tc.name+"/at the maximum", func(t *testing.T) {
			before := srv.reached.Load()
			res := srv.post(t, tc.under, nil)
			require.Equal(t, http.StatusOK, res.status)
			require.Empty(t, res.Errors)
			assert.JSONEq(t, `{"reached":true}`, string(res.Data))
			assert.Equal(t, before+1, srv.reached.Load())
		})
		t.Run(tc.name+"/over", func(t *testing.T) {
			before := srv.reached.Load()
			res := srv.post(t, tc.over, nil)
			assert.Equal(t, http.StatusBadRequest, res.status)
			assert.Empty(t, res.Data, "no data member: nothing was executed")
			require.Len(t, res.Errors, 1)
			assert.Equal(t, tc.message, res.Errors[0].Message)
			assert.Equal(t, map[string]any{
				"code": limits.CodeLimitExceeded, "limit": tc.limit, "value": float64(tc.value), "max": float64(tc.max),
			}, res.Errors[0].Extensions)
			assert.Equal(t, before, srv.reached.Load(), "a refused operation must not reach execution")
		})
	}
}

// TestStatusPerAccept: through the gateway's transports (gqlhttp, told that CodeLimitExceeded marks an
// invalid request), a refusal is a request error: 400 under application/graphql-response+json, 200 under
// application/json (the GraphQL-over-HTTP specification's SHOULD); accepted operations are 200 either way.
func TestStatusPerAccept(t *testing.T) {
	srv := newServer(t, limits.Config{}, false)
	cases := []struct {
		name        string
		get         bool
		accept      string
		status      int
		contentType string
	}{
		{"POST graphql-response+json", false, "application/graphql-response+json", http.StatusBadRequest, "application/graphql-response+json"},
		{"POST application/json", false, "application/json", http.StatusOK, "application/json"},
		{"POST no Accept", false, "", http.StatusOK, "application/json"},
		{"POST */*", false, "*/*", http.StatusOK, "application/json"},
		{"POST both, graphql-response+json first", false, "application/graphql-response+json, application/json;q=0.9", http.StatusBadRequest, "application/graphql-response+json"},
		{"POST unknown type", false, "text/html", http.StatusOK, "application/json"},
		{"GET graphql-response+json", true, "application/graphql-response+json", http.StatusBadRequest, "application/graphql-response+json"},
		{"GET application/json", true, "application/json", http.StatusOK, "application/json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := srv.do(t, tc.get, tc.accept, nested(13), nil)
			assert.Equal(t, tc.status, res.status)
			assert.Equal(t, tc.contentType, res.contentType)
			require.Len(t, res.Errors, 1)
			assert.Equal(t, limits.CodeLimitExceeded, res.Errors[0].Extensions["code"])

			ok := srv.do(t, tc.get, tc.accept, nested(12), nil)
			assert.Equal(t, http.StatusOK, ok.status)
			assert.Empty(t, ok.Errors)
		})
	}
}

// TestVariablesOverHTTP: page sizes given as variables are read from the coerced variables gqlgen passes.
func TestVariablesOverHTTP(t *testing.T) {
	srv := newServer(t, limits.Config{MaxCost: 50}, false)
	q := `query($n: Int, $m: Int) { rooms(first: $n) { nodes { sessions(first: $m) { totalCount } } } }`
	cases := []struct {
		name    string
		vars    map[string]any
		refused bool
		cost    float64
	}{
		{"small pages", map[string]any{"n": 7, "m": 1}, false, 8},
		{"at the maximum", map[string]any{"n": 49}, false, 50},
		{"over", map[string]any{"n": 50}, true, 51},
		{"default page size", nil, false, 21},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := srv.post(t, q, tc.vars)
			if tc.refused {
				require.Len(t, res.Errors, 1)
				assert.Equal(t, limits.LimitCost, res.Errors[0].Extensions["limit"])
				assert.Equal(t, tc.cost, res.Errors[0].Extensions["value"])
				return
			}
			require.Empty(t, res.Errors)
			stats, ok := res.Extensions["limits"].(map[string]any)
			require.True(t, ok, "GetStats inside the operation")
			assert.Equal(t, tc.cost, stats["cost"])
		})
	}
}

// TestSkipIncludeOverHTTP: a costly branch switched off by a variable is not counted.
func TestSkipIncludeOverHTTP(t *testing.T) {
	srv := newServer(t, limits.Config{}, false)
	q := `query($big: Boolean!) { rooms(first: 100) { nodes {
		sessions(first: 100) @include(if: $big) { nodes { participantsConnection(first: 100) { totalCount } } } } } }`
	res := srv.post(t, q, map[string]any{"big": false})
	assert.Equal(t, http.StatusOK, res.status)
	assert.Empty(t, res.Errors)
	res = srv.post(t, q, map[string]any{"big": true})
	require.Len(t, res.Errors, 1)
	assert.Equal(t, "query may make 10101 upstream calls; the maximum is 1000", res.Errors[0].Message)
}

// TestIntrospectionOverHTTP: GraphiQL's introspection query executes at the default limits.
func TestIntrospectionOverHTTP(t *testing.T) {
	srv := newServer(t, limits.Config{}, true)
	q, err := os.ReadFile("testdata/graphiql-introspection.graphql")
	require.NoError(t, err)
	res := srv.post(t, string(q), nil)
	require.Equal(t, http.StatusOK, res.status)
	require.Empty(t, res.Errors)
	assert.Contains(t, string(res.Data), `"name":"RoomSession"`)
}

// TestConfig covers Defaults and Validate.
func TestConfig(t *testing.T) {
	d := limits.Config{}.Defaults()
	assert.Equal(t, limits.Config{MaxDepth: 12, MaxAliases: 30, MaxRootFields: 20, MaxCost: 1000, MaxRepresentations: 1000, DefaultFirst: 20, MaxFirst: 100, ListFanOut: 50}, d)
	assert.Equal(t, 7, limits.Config{MaxDepth: 7}.Defaults().MaxDepth, "a set knob is kept")
	require.NoError(t, d.Validate())

	cases := []struct {
		name string
		cfg  limits.Config
		want string
	}{
		{"zero config", limits.Config{}, "MaxDepth must be at least 1"},
		{"negative cost", limits.Config{MaxCost: -1}.Defaults(), "MaxCost must be at least 1, got -1"},
		{"negative fan-out", limits.Config{ListFanOut: -3}.Defaults(), "ListFanOut must be at least 1"},
		{"negative representations", limits.Config{MaxRepresentations: -1}.Defaults(), "MaxRepresentations must be at least 1, got -1"},
		{"MaxFirst above the upstream page", limits.Config{MaxFirst: 251}.Defaults(), "MaxFirst must be within 1..250, got 251"},
		{"DefaultFirst above MaxFirst", limits.Config{MaxFirst: 10}.Defaults(), "DefaultFirst must be within 1..MaxFirst (10), got 20"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestExtensionSetup: the extension reports its config and refuses a bad one when installed.
func TestExtensionSetup(t *testing.T) {
	ext := limits.New(limits.Config{MaxCost: 5})
	assert.Equal(t, 5, ext.Config().MaxCost)
	assert.Equal(t, 12, ext.Config().MaxDepth)
	assert.Equal(t, "QueryLimits", ext.ExtensionName())
	require.NoError(t, ext.Validate(executableSchema()))

	bad := limits.New(limits.Config{MaxFirst: 300})
	assert.Error(t, bad.Validate(executableSchema()))
	assert.Panics(t, func() { handler.New(executableSchema()).Use(bad) }, "gqlgen panics on an extension that fails Validate")
}

// TestFiguresKeptPerOperationOnlyWithoutVariables: an operation whose figures use no variable is measured
// once for every request of its parsed document; one that reads a variable is measured per request.
func TestFiguresKeptPerOperationOnlyWithoutVariables(t *testing.T) {
	s := schema(t)
	ext := limits.New(limits.Config{})
	require.NoError(t, ext.Validate(executableSchema()))
	cases := []struct {
		name  string
		query string
		vars  []map[string]any
		costs []int
	}{
		{"no variable", `{ rooms(first: 3) { nodes { sessions(first: 2) { totalCount } } } }`,
			[]map[string]any{nil, nil}, []int{4, 4}},
		{"a variable the figures do not read", `query($room: ID!) { room(id: $room) { sessions(first: 25) { nodes { id } } } }`,
			[]map[string]any{{"room": "a"}, {"room": "b"}}, []int{1, 1}},
		{"a page size from a variable", `query($n: Int) { rooms(first: $n) { nodes { sessions(first: 2) { totalCount } } } }`,
			[]map[string]any{{"n": int64(3)}, {"n": int64(9)}, {"n": int64(3)}}, []int{4, 10, 4}},
		{"representations from a variable", `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Room { uniqueName } } }`,
			[]map[string]any{{"reps": reps("Room", "a")}, {"reps": reps("Room", "a", "b", "c")}}, []int{1, 3}},
		{"literal representations", `{ _entities(representations: [{__typename: "Room", id: "a"}]) { ... on Room { uniqueName } } }`,
			[]map[string]any{nil, nil}, []int{1, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			op := operation(t, s, c.query)
			for i, vars := range c.vars {
				oc := &graphql.OperationContext{Operation: op, Variables: vars}
				require.Nil(t, ext.MutateOperationContext(context.Background(), oc))
				assert.Equal(t, c.costs[i], oc.Stats.GetExtension("QueryLimits").(*limits.Stats).Cost, "request %d", i)
			}
		})
	}
}

// TestRepresentationsOverHTTP: representations given as a variable are counted after gqlgen's coercion,
// capped, and costed, before anything runs.
func TestRepresentationsOverHTTP(t *testing.T) {
	srv := newServer(t, limits.Config{MaxRepresentations: 10, MaxCost: 5}, false)
	q := `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Room { id } ... on RoomSession { active } } }`
	ids := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = "id-" + strconv.Itoa(i)
		}
		return out
	}
	cases := []struct {
		name  string
		reps  []any
		limit string // "" when accepted
		value float64
	}{
		{"rooms by id at the cap", reps("Room", ids(10)...), "", 0},
		{"rooms by id over the cap", reps("Room", ids(11)...), limits.LimitRepresentations, 11},
		{"repeats count towards the cap", reps("Room", make([]any, 11)...), limits.LimitRepresentations, 11},
		{"sessions at the cost limit", reps("RoomSession", ids(5)...), "", 5},
		{"sessions over the cost limit", reps("RoomSession", ids(6)...), limits.LimitCost, 6},
		{"repeated sessions cost once", reps("RoomSession", make([]any, 10)...), "", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.reached.Load()
			res := srv.post(t, q, map[string]any{"reps": tc.reps})
			if tc.limit == "" {
				require.Empty(t, res.Errors)
				assert.Equal(t, before+1, srv.reached.Load())
				stats, ok := res.Extensions["limits"].(map[string]any)
				require.True(t, ok)
				assert.Equal(t, tc.value, stats["cost"])
				assert.Equal(t, float64(len(tc.reps)), stats["representations"])
				return
			}
			assert.Equal(t, http.StatusBadRequest, res.status)
			require.Len(t, res.Errors, 1)
			assert.Equal(t, tc.limit, res.Errors[0].Extensions["limit"])
			assert.Equal(t, tc.value, res.Errors[0].Extensions["value"])
			assert.Equal(t, before, srv.reached.Load(), "refused before execution")
		})
	}
}
