package fastpath

import (
	"bytes"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/require"
)

// FuzzAppendString holds appendString to gqlgen's string marshaller, byte for byte.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rcr\x01\x1f\x7f", "ünïcødé ☃ 𝄞 <>&'", "\xff\xfe invalid", "\u2028\u2029"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		graphql.MarshalString(s).MarshalGQL(&want)
		require.Equal(t, want.String(), string(appendString(nil, s)))
	})
}

func BenchmarkAppendString(b *testing.B) {
	s := "f21ad5dc-701b-4b60-ba88-4609f442ee1c José García (iPad)"
	buf := make([]byte, 0, 256)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = appendString(buf[:0], s)
	}
}

// TestAppendKeyIsAppendStringForNames: response names are GraphQL Names, for which the unescaped key is
// exactly what the string writer gives.
func TestAppendKeyIsAppendStringForNames(t *testing.T) {
	for _, name := range []string{"id", "_x", "sessions2", "A_b_C", "__typename", "n"} {
		require.Equal(t, string(appendString(nil, name))+":", string(appendKey(nil, name)))
	}
}
