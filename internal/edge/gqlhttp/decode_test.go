package gqlhttp

import (
	"io"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeKeepsNumbersAndRefusesWhatIsNotOneObject(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		want    graphql.RawParams
		wantErr bool
	}{
		{name: "query only", body: `{"query":"{ a }"}`, want: graphql.RawParams{Query: "{ a }"}},
		{name: "all members", body: `{"query":"q","operationName":"Op","variables":{"n":3,"f":1.5,"o":{"m":[1,"x",null]}},"extensions":{"persistedQuery":{"version":1}}}`,
			want: graphql.RawParams{Query: "q", OperationName: "Op",
				Variables:  map[string]any{"n": json.Number("3"), "f": json.Number("1.5"), "o": map[string]any{"m": []any{json.Number("1"), "x", nil}}},
				Extensions: map[string]any{"persistedQuery": map[string]any{"version": json.Number("1")}}}},
		{name: "null members", body: `{"query":"q","operationName":null,"variables":null,"extensions":null}`, want: graphql.RawParams{Query: "q"}},
		{name: "empty variables", body: `{"query":"q","variables":{}}`, want: graphql.RawParams{Query: "q", Variables: map[string]any{}}},
		{name: "unknown members ignored", body: `{"query":"q","headers":{"Authorization":["x"]}}`, want: graphql.RawParams{Query: "q"}},
		{name: "white space around", body: " \n{\"query\":\"q\"}\n ", want: graphql.RawParams{Query: "q"}},
		{name: "trailing data", body: `{"query":"q"} {}`, wantErr: true},
		{name: "truncated", body: `{"query":`, wantErr: true},
		{name: "variables not an object", body: `{"query":"q","variables":[1]}`, wantErr: true},
		{name: "extensions not an object", body: `{"query":"q","extensions":"x"}`, wantErr: true},
		{name: "query not a string", body: `{"query":1}`, wantErr: true},
		{name: "an array", body: `[{"query":"q"}]`, wantErr: true},
		{name: "numbers only inside strings", body: `{"query":"q","variables":{"id":"f21ad5dc-701b-4b60","q":"say \"1\" -2","t":true,"z":null}}`,
			want: graphql.RawParams{Query: "q", Variables: map[string]any{"id": "f21ad5dc-701b-4b60", "q": `say "1" -2`, "t": true, "z": nil}}},
		{name: "a number after an escaped quote", body: `{"query":"q","variables":{"s":"a\"","n":-7}}`,
			want: graphql.RawParams{Query: "q", Variables: map[string]any{"s": `a"`, "n": json.Number("-7")}}},
		{name: "variables with trailing data", body: `{"query":"q","variables":{"a":"b"} }`, want: graphql.RawParams{Query: "q", Variables: map[string]any{"a": "b"}}},
		{name: "escaped query", body: `{"query":"{ a(x: \"\u00e9\") }","operationName":"O"}`, want: graphql.RawParams{Query: `{ a(x: "é") }`, OperationName: "O"}},
		{name: "operationName not a string", body: `{"query":"q","operationName":{}}`, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got graphql.RawParams
			err := decode([]byte(c.body), nil, &got)
			// The same from members a handler in front parsed (NewCheckedBody), whenever it could parse them.
			if m, perr := ParseMembers([]byte(c.body)); perr == nil {
				var fromMembers graphql.RawParams
				merr := decode([]byte(c.body), &m, &fromMembers)
				assert.Equal(t, err != nil, merr != nil, "the same verdict from parsed members")
				assert.Equal(t, got, fromMembers)
			}
			if c.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestBodyIsReadWithoutACopyUnlessSomeoneReadFromIt(t *testing.T) {
	b := []byte(`{"query":"{ a }"}`)
	got, members, err := bodyBytes(NewBody(b))
	require.NoError(t, err)
	assert.Same(t, &b[0], &got[0], "the checked bytes themselves")
	assert.Nil(t, members)

	m, err := ParseMembers(b)
	require.NoError(t, err)
	got, members, err = bodyBytes(NewCheckedBody(b, m))
	require.NoError(t, err)
	assert.Same(t, &b[0], &got[0])
	require.NotNil(t, members)
	assert.Equal(t, `"{ a }"`, string(members.Query), "the members handed on")

	partly := NewBody(b)
	_, err = io.ReadFull(partly, make([]byte, 2))
	require.NoError(t, err)
	got, members, err = bodyBytes(partly)
	require.NoError(t, err)
	assert.Nil(t, members)
	assert.Equal(t, string(b[2:]), string(got), "what is left, as any reader would give it")

	partlyChecked := NewCheckedBody(b, m)
	_, err = io.ReadFull(partlyChecked, make([]byte, 2))
	require.NoError(t, err)
	got, members, err = bodyBytes(partlyChecked)
	require.NoError(t, err)
	assert.Nil(t, members, "members go with the whole body only")
	assert.Equal(t, string(b[2:]), string(got))

	got, _, err = bodyBytes(io.NopCloser(io.MultiReader()))
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestHasNumber(t *testing.T) {
	for raw, want := range map[string]bool{
		`{}`: false, `{"a":"1-2"}`: false, `{"a":true,"b":null,"c":[false]}`: false, `{"a\"1":"x"}`: false,
		`{"a":1}`: true, `{"a":-0.5}`: true, `{"a":["x",2]}`: true, `{"a":"\\",  "b":3e2}`: true,
	} {
		assert.Equal(t, want, hasNumber([]byte(raw)), raw)
	}
}
