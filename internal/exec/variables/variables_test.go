package variables_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/roomgraph/roomgraph/internal/exec/variables"
)

// testSchema has every kind of input type; roomgraph's own schema has no Float and no enum.
const testSchema = `
scalar Date
enum Color { RED GREEN }
input Inner { i: Int, f: Float, s: String, b: Boolean, id: ID, c: Color, d: Date, l: [Int!], ll: [[Int]] }
input Outer { req: Int!, withDefault: Int! = 3, inner: Inner, inners: [Inner!] }
type Query {
  q(i: Int, f: Float, s: String, b: Boolean, id: ID, c: Color, d: Date, inner: Inner, outer: Outer, l: [Int], nl: [Int!]!, ll: [[Int]]): Int
}
`

// operation parses and validates one query against testSchema.
func operation(t *testing.T, schema *ast.Schema, query string) *ast.OperationDefinition {
	t.Helper()
	doc, err := gqlparser.LoadQueryWithRules(schema, query, rules.NewDefaultRules())
	require.Nil(t, err, "%v", err)
	return doc.Operations[0]
}

// decode reads variables as the gateway's transports do: numbers as json.Number.
func decode(t *testing.T, vars string) map[string]any {
	t.Helper()
	if vars == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(vars))
	dec.UseNumber()
	var m map[string]any
	require.NoError(t, dec.Decode(&m))
	return m
}

func TestCheck(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: testSchema})
	const all = `query($i: Int, $f: Float, $s: String, $b: Boolean, $id: ID, $c: Color, $d: Date, $inner: Inner, $outer: Outer, $l: [Int], $nl: [Int!]!, $ll: [[Int]]) {
	  q(i: $i, f: $f, s: $s, b: $b, id: $id, c: $c, d: $d, inner: $inner, outer: $outer, l: $l, nl: $nl, ll: $ll) }`
	const nl = `"nl": [1]`
	tests := []struct {
		name    string
		vars    string // nl (required) is added
		message string // "" when the values coerce
		path    string // of the error, under "variable"
	}{
		// Int
		{"Int", `{"i": 7}`, "", ""},
		{"Int: negative", `{"i": -2147483648}`, "", ""},
		{"Int: the largest", `{"i": 2147483647}`, "", ""},
		{"Int: past the largest", `{"i": 2147483648}`, `Variable "$i" got invalid value 2147483648; Int is a 32-bit signed integer, from -2147483648 to 2147483647`, "i"},
		{"Int: past 64 bits", `{"i": -99999999999999999999}`, `Variable "$i" got invalid value -99999999999999999999; Int is a 32-bit signed integer, from -2147483648 to 2147483647`, "i"},
		{"Int: a fraction", `{"i": 1.5}`, `Variable "$i" got invalid value 1.5; Int takes an integer written without a fraction or an exponent`, "i"},
		{"Int: an exponent", `{"i": 1e3}`, `Variable "$i" got invalid value 1e3; Int takes an integer written without a fraction or an exponent`, "i"},
		{"Int: 1.0", `{"i": 1.0}`, `Variable "$i" got invalid value 1.0; Int takes an integer written without a fraction or an exponent`, "i"},
		{"Int: a numeric string", `{"i": "10"}`, `Variable "$i" got invalid value "10"; Int takes a JSON number, not a string`, "i"},
		{"Int: a boolean", `{"i": false}`, `Variable "$i" got invalid value false; Int takes a JSON number, not a boolean`, "i"},
		{"Int: an object", `{"i": {"a": 1}}`, `Variable "$i" got invalid value {…}; Int takes a JSON number, not an object`, "i"},
		{"Int: an empty list", `{"i": []}`, `Variable "$i" got invalid value []; Int takes a JSON number, not a list`, "i"},
		{"Int: null", `{"i": null}`, "", ""},
		// Float
		{"Float: an integer", `{"f": 2}`, "", ""},
		{"Float: a fraction", `{"f": -2.5e-3}`, "", ""},
		{"Float: below the smallest rounds to zero", `{"f": 1e-400}`, "", ""},
		{"Float: past the largest", `{"f": 1e400}`, `Variable "$f" got invalid value 1e400; Float takes a finite number within 64-bit floating point`, "f"},
		{"Float: a numeric string", `{"f": "2.5"}`, `Variable "$f" got invalid value "2.5"; Float takes a JSON number, not a string`, "f"},
		// String
		{"String", `{"s": "x"}`, "", ""},
		{"String: empty", `{"s": ""}`, "", ""},
		{"String: a number", `{"s": 12}`, `Variable "$s" got invalid value 12; String takes a JSON string, not a number`, "s"},
		{"String: a list of strings", `{"s": ["x"]}`, `Variable "$s" got invalid value […]; String takes a JSON string, not a list`, "s"},
		// Boolean
		{"Boolean", `{"b": true}`, "", ""},
		{"Boolean: 1", `{"b": 1}`, `Variable "$b" got invalid value 1; Boolean takes true or false, not a number`, "b"},
		{"Boolean: a string", `{"b": "false"}`, `Variable "$b" got invalid value "false"; Boolean takes true or false, not a string`, "b"},
		// ID
		{"ID: a string", `{"id": "abc"}`, "", ""},
		{"ID: an integer", `{"id": -42}`, "", ""},
		{"ID: an integer past 64 bits", `{"id": 123456789012345678901234567890}`, "", ""},
		{"ID: a fraction", `{"id": 4.0}`, `Variable "$id" got invalid value 4.0; ID takes a string or an integer written without a fraction or an exponent`, "id"},
		{"ID: a boolean", `{"id": true}`, `Variable "$id" got invalid value true; ID takes a string or an integer, not a boolean`, "id"},
		// Enum
		{"enum", `{"c": "RED"}`, "", ""},
		{"enum: another case", `{"c": "red"}`, `Variable "$c" got invalid value "red"; Color has no value named "red"`, "c"},
		{"enum: a number", `{"c": 0}`, `Variable "$c" got invalid value 0; Color takes the name of one of its values as a string, not a number`, "c"},
		// Custom scalars: their own unmarshalers decide.
		{"custom scalar: a string", `{"d": "2026-01-01"}`, "", ""},
		{"custom scalar: a number", `{"d": 20260101}`, "", ""},
		{"custom scalar: an object", `{"d": {"y": 2026}}`, "", ""},
		// Lists
		{"list", `{"l": [1, null, 3]}`, "", ""},
		{"list: one value for a list", `{"l": 1}`, "", ""},
		{"list: an item", `{"l": [1, "2"]}`, `Variable "$l" got invalid value "2" at "l[1]"; Int takes a JSON number, not a string`, "l[1]"},
		{"list: one bad value for a list", `{"l": 1.5}`, `Variable "$l" got invalid value 1.5; Int takes an integer written without a fraction or an exponent`, "l"},
		{"non-null list: null item", `{"nl": [1, null]}`, `Variable "$nl" got invalid value null at "nl[1]"; Int! must not be null`, "nl[1]"},
		{"list of lists", `{"ll": [[1], null, [2, null]]}`, "", ""},
		{"list of lists: an inner item", `{"ll": [[1], [2, 2.5]]}`, `Variable "$ll" got invalid value 2.5 at "ll[1][1]"; Int takes an integer written without a fraction or an exponent`, "ll[1][1]"},
		{"list of lists: one value", `{"ll": 3}`, "", ""},
		// Input objects
		{"input object", `{"inner": {"i": 1, "f": 1.5, "s": "x", "b": false, "id": 3, "c": "GREEN", "d": "x", "l": [1], "ll": [[1]]}}`, "", ""},
		{"input object: empty", `{"inner": {}}`, "", ""},
		{"input object: nulls", `{"inner": {"i": null, "l": null}}`, "", ""},
		{"input object: __typename", `{"inner": {"__typename": "Inner", "i": 1}}`, "", ""},
		{"input object: a string", `{"inner": "x"}`, `Variable "$inner" got invalid value "x"; Inner takes a JSON object, not a string`, "inner"},
		{"input object: a list of objects", `{"inner": [{}]}`, `Variable "$inner" got invalid value […]; Inner takes a JSON object, not a list`, "inner"},
		{"input object: an unknown field", `{"inner": {"x": 1}}`, `Variable "$inner" got invalid value 1 at "inner.x"; Inner has no field "x"`, "inner.x"},
		{"input object: a field", `{"inner": {"b": 0}}`, `Variable "$inner" got invalid value 0 at "inner.b"; Boolean takes true or false, not a number`, "inner.b"},
		{"input object: a list field's item", `{"inner": {"l": [1, null]}}`, `Variable "$inner" got invalid value null at "inner.l[1]"; Int! must not be null`, "inner.l[1]"},
		{"input object: required field", `{"outer": {"req": 1}}`, "", ""},
		{"input object: required field missing", `{"outer": {}}`, `Variable "$outer" got invalid value {}; Outer's field "req" of required type "Int!" was not provided`, "outer"},
		{"input object: required field null", `{"outer": {"req": null}}`, `Variable "$outer" got invalid value null at "outer.req"; Int! must not be null`, "outer.req"},
		{"input object: required field with a default, null", `{"outer": {"req": 1, "withDefault": null}}`, `Variable "$outer" got invalid value null at "outer.withDefault"; Int! must not be null`, "outer.withDefault"},
		{"input object: nested", `{"outer": {"req": 1, "inners": [{"i": 1}, {"s": 1}]}}`, `Variable "$outer" got invalid value 1 at "outer.inners[1].s"; String takes a JSON string, not a number`, "outer.inners[1].s"},
		{"input object: nested null item", `{"outer": {"req": 1, "inners": [null]}}`, `Variable "$outer" got invalid value null at "outer.inners[0]"; Inner! must not be null`, "outer.inners[0]"},
		// Non-null variables
		{"non-null: missing", `{}`, `Variable "$nl" of required type "[Int!]!" was not provided`, "nl"},
		{"non-null: null", `{"nl": null}`, `Variable "$nl" of non-null type "[Int!]!" must not be null`, "nl"},
		// What is shown of a value
		{"a long string is clipped", `{"i": "` + strings.Repeat("é", 30) + `"}`, `Variable "$i" got invalid value "` + strings.Repeat("é", 20) + `…"; Int takes a JSON number, not a string`, "i"},
		{"a string is shown as JSON", `{"i": "<a\"b>\n"}`, `Variable "$i" got invalid value "<a\"b>\n"; Int takes a JSON number, not a string`, "i"},
		{"an unknown field's name is clipped", `{"inner": {"` + strings.Repeat("x", 50) + `": 1}}`, `Variable "$inner" got invalid value 1 at "inner.` + strings.Repeat("x", 40) + `…"; Inner has no field "` + strings.Repeat("x", 40) + `…"`, "inner." + strings.Repeat("x", 50)},
		{"undeclared variables are ignored", `{"zz": 1.5}`, "", ""},
	}
	op := operation(t, schema, all)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vars := tc.vars
			if !strings.Contains(vars, `"nl"`) && tc.name != "non-null: missing" {
				vars = strings.Replace(vars, "{", "{"+nl+", ", 1)
				vars = strings.Replace(vars, ", }", "}", 1)
			}
			values := decode(t, vars)
			err := variables.Check(schema, op, values)
			if tc.message == "" {
				assert.Nil(t, err, "%v", err)
			} else {
				require.NotNil(t, err)
				assert.Equal(t, tc.message, err.Message)
				assert.Equal(t, "GRAPHQL_VALIDATION_FAILED", err.Extensions["code"])
				assert.Equal(t, "variable."+tc.path, pathString(err.Path))
				require.Len(t, err.Locations, 1, "at the variable's definition")
			}
			// Whatever gqlgen's coercion refuses, Check refuses: its error can stand in for gqlgen's.
			if _, gerr := validator.VariableValues(schema, op, decode(t, vars)); gerr != nil {
				assert.NotNil(t, err, "gqlparser refuses (%v), Check must too", gerr)
			}
		})
	}
}

// TestCheckDefaults: a variable with a default may be left out, or be null when nullable; a non-null one
// with a default may be left out but not be null.
func TestCheckDefaults(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: testSchema})
	op := operation(t, schema, `query($i: Int = 3, $nl: [Int!]! = [1]) { q(i: $i, nl: $nl) }`)
	assert.Nil(t, variables.Check(schema, op, nil))
	assert.Nil(t, variables.Check(schema, op, decode(t, `{"i": null}`)))
	err := variables.Check(schema, op, decode(t, `{"nl": null}`))
	require.NotNil(t, err)
	assert.Equal(t, `Variable "$nl" of non-null type "[Int!]!" must not be null`, err.Message)
}

// pathString writes an error path as dotted names and [indices].
func pathString(p ast.Path) string {
	var b bytes.Buffer
	for i, el := range p {
		switch el := el.(type) {
		case ast.PathIndex:
			b.WriteString("[" + itoa(int(el)) + "]")
		case ast.PathName:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(el))
		}
	}
	return b.String()
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }
