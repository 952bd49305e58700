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
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got graphql.RawParams
			err := decode([]byte(c.body), &got)
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
	got, err := bodyBytes(NewBody(b))
	require.NoError(t, err)
	assert.Same(t, &b[0], &got[0], "the checked bytes themselves")

	partly := NewBody(b)
	_, err = io.ReadFull(partly, make([]byte, 2))
	require.NoError(t, err)
	got, err = bodyBytes(partly)
	require.NoError(t, err)
	assert.Equal(t, string(b[2:]), string(got), "what is left, as any reader would give it")

	got, err = bodyBytes(io.NopCloser(io.MultiReader()))
	require.NoError(t, err)
	assert.Empty(t, got)
}
