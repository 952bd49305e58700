package fastpath

import (
	"context"
	"sync"
)

// A response's data is written into one buffer and copied by the HTTP transport into the body it sends, after
// which nothing reads it, and it is most of the bytes a large answer allocates. Buffers lends such buffers
// for the operations of one HTTP request and takes them back when the request's handler has returned, when
// no operation, interceptor or writer of that request can hold them any more.
type Buffers struct {
	mu   sync.Mutex
	lent []*[]byte
}

type buffersKey struct{}

// WithBuffers returns ctx with a new lender for the operations run under it. The caller must call Release
// once everything that may read the operations' responses has returned, and not before.
func WithBuffers(ctx context.Context) (context.Context, *Buffers) {
	b := &Buffers{}
	return context.WithValue(ctx, buffersKey{}, b), b
}

// pool holds buffers between requests; they keep no content a caller can see (take returns them empty).
var pool = sync.Pool{New: func() any { return new([]byte) }}

// maxPooled is the largest buffer kept for another request.
const maxPooled = maxSizeHint

// take returns an empty buffer with at least size bytes of capacity and, when ctx has a lender, the holder
// it was lent in (see keep); without a lender, a new buffer and nil.
func take(ctx context.Context, size int) ([]byte, *[]byte) {
	b, _ := ctx.Value(buffersKey{}).(*Buffers)
	if b == nil {
		return make([]byte, 0, size), nil
	}
	p := pool.Get().(*[]byte)
	if cap(*p) < size {
		*p = make([]byte, 0, size)
	}
	b.mu.Lock()
	b.lent = append(b.lent, p)
	b.mu.Unlock()
	return (*p)[:0], p
}

// keep records in its holder the buffer a response ended in (appending may have moved it to a larger
// array), so that the larger one goes back to the pool.
func keep(holder *[]byte, b []byte) {
	if holder != nil && cap(b) > cap(*holder) {
		*holder = b[:0]
	}
}

// Release returns the lent buffers to the pool. The responses written into them must not be read after it.
func (b *Buffers) Release() {
	b.mu.Lock()
	lent := b.lent
	b.lent = nil
	b.mu.Unlock()
	for _, p := range lent {
		if cap(*p) <= maxPooled {
			pool.Put(p)
		}
	}
}
