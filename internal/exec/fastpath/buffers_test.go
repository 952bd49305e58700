package fastpath

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBuffersAreLentPerRequestAndComeBackEmpty(t *testing.T) {
	t.Run("without a lender a buffer is the caller's own", func(t *testing.T) {
		b, holder := take(context.Background(), 64)
		assert.Nil(t, holder)
		assert.Empty(t, b)
		assert.GreaterOrEqual(t, cap(b), 64)
	})
	t.Run("a lent buffer is empty, as large as asked, and recorded", func(t *testing.T) {
		ctx, lender := WithBuffers(context.Background())
		b, holder := take(ctx, 4096)
		require.NotNil(t, holder)
		assert.Empty(t, b)
		assert.GreaterOrEqual(t, cap(b), 4096)
		b = append(b, "secret of request one"...)
		keep(holder, b)
		lender.mu.Lock()
		assert.Len(t, lender.lent, 1)
		lender.mu.Unlock()
		lender.Release()
		lender.mu.Lock()
		assert.Empty(t, lender.lent, "released once")
		lender.mu.Unlock()

		// Whatever the next request gets (the pool may or may not give this one back), it starts empty.
		ctx2, lender2 := WithBuffers(context.Background())
		b2, _ := take(ctx2, 16)
		assert.Empty(t, b2)
		lender2.Release()
	})
	t.Run("a buffer that grew is kept in its holder", func(t *testing.T) {
		ctx, lender := WithBuffers(context.Background())
		b, holder := take(ctx, 8)
		small := cap(b)
		b = append(b, make([]byte, small+100)...)
		keep(holder, b)
		assert.Equal(t, cap(b), cap(*holder))
		assert.Empty(t, *holder)
		lender.Release()
	})
	t.Run("oversized buffers are not kept", func(t *testing.T) {
		ctx, lender := WithBuffers(context.Background())
		b, holder := take(ctx, maxPooled+1)
		keep(holder, b)
		lender.Release() // must not panic, and the buffer is dropped (not observable beyond that)
	})
}
