package stream_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/exec/stream"
)

type key struct{}

// TestGatePacesEachValue: the handler's wait has no deadline; each value is then read in the scope it was
// sent with (its values, its own deadline), and the end carries the error the pipe was closed with.
func TestGatePacesEachValue(t *testing.T) {
	n := 0
	g := stream.NewGate(func() stream.Scope {
		n++
		v := n
		return stream.Scope{Deadline: time.Now().Add(time.Hour), Values: func(ctx context.Context) context.Context {
			return context.WithValue(ctx, key{}, v)
		}}
	})
	ctx := stream.With(context.Background(), g)
	require.Same(t, g, stream.From(ctx))
	p, out := stream.Open[string](ctx)
	require.True(t, g.Attached())
	boom := errors.New("boom")
	go func() {
		for _, v := range []string{"a", "b"} {
			if !p.Send(ctx, v, g.Scope()) {
				return
			}
		}
		p.CloseWithError(boom)
	}()
	for i, want := range []string{"a", "b"} {
		s, ok := g.Next(ctx)
		require.True(t, ok)
		ectx, cancel := s.Context(ctx)
		_, hasDeadline := ectx.Deadline()
		assert.True(t, hasDeadline, "each value has a deadline of its own")
		assert.Equal(t, i+1, ectx.Value(key{}), "in the scope it was made in")
		select {
		case v := <-out:
			assert.Equal(t, want, v)
		default:
			t.Fatal("the value is ready when its scope is")
		}
		cancel()
	}
	_, ok := g.Next(ctx)
	require.True(t, ok)
	_, open := <-out
	assert.False(t, open)
	assert.ErrorIs(t, g.Err(), boom)
	_, hasDeadline := ctx.Deadline()
	assert.False(t, hasDeadline, "the subscription itself has none")
}

// TestNextEndsWithTheContext: the handler's wait ends when the client leaves, and Send too.
func TestNextEndsWithTheContext(t *testing.T) {
	g := stream.NewGate(nil)
	ctx, cancel := context.WithCancel(stream.With(context.Background(), g))
	p, _ := stream.Open[int](ctx)
	require.True(t, p.Send(ctx, 1, g.Scope()))
	cancel()
	assert.False(t, p.Send(ctx, 2, g.Scope()), "the channel holds one value: the second waits, and ends with ctx")
	_, ok := g.Next(context.Background())
	assert.True(t, ok, "the first value's token is there")
	_, ok = g.Next(ctx)
	assert.False(t, ok)
	var none *stream.Gate
	assert.Equal(t, stream.Scope{}, none.Scope())
	assert.False(t, stream.NewGate(nil).Attached())
}
