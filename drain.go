package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
)

// drainer makes the drain end on time. http.Server.Shutdown closes idle connections and waits for active
// ones, but a connection still reading a request is active too: one that sent half a body (its handler
// blocked reading it) or half its headers (closed by Shutdown only after 5s) would hold the drain until
// the client or a read timeout gave up. When the drain starts, the drainer closes those connections at
// once; requests whose handler has read its body run to the end, as Shutdown lets them.
//
// Install it on the server with ConnState, ConnContext (wrapping any other) and Handler, then call drain
// just before Shutdown.
type drainer struct {
	mu       sync.Mutex
	draining bool
	fresh    map[net.Conn]struct{}   // connections whose first request's headers are not read yet
	reading  map[*drainBody]net.Conn // request bodies a handler has not read to the end, and their connection
}

func newDrainer() *drainer {
	return &drainer{fresh: map[net.Conn]struct{}{}, reading: map[*drainBody]net.Conn{}}
}

type drainConnKey struct{}

// ConnContext gives the connection's requests their connection, so that a body being read can be closed
// with it.
func (d *drainer) ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, drainConnKey{}, c)
}

// ConnState follows the connections that have not read their first request's headers yet (StateNew); a
// connection accepted while draining is closed at once.
func (d *drainer) ConnState(c net.Conn, state http.ConnState) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case state == http.StateNew && d.draining:
		c.Close()
	case state == http.StateNew:
		d.fresh[c] = struct{}{}
	default:
		delete(d.fresh, c)
	}
}

// Handler follows each request's body until its handler has read it to the end (or given up on it).
func (d *drainer) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := r.Context().Value(drainConnKey{}).(net.Conn)
		if !ok || r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		b := &drainBody{ReadCloser: r.Body, d: d}
		d.mu.Lock()
		if d.draining {
			c.Close() // the drain started after the headers were read: this body will not be read
		} else {
			d.reading[b] = c
		}
		d.mu.Unlock()
		defer b.done()
		r.Body = b
		next.ServeHTTP(w, r)
	})
}

// drain closes the connections still reading a request, and those accepted from now on.
func (d *drainer) drain() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.draining = true
	for c := range d.fresh {
		c.Close()
	}
	for _, c := range d.reading {
		c.Close()
	}
}

// drainBody is a request body whose reading the drainer follows.
type drainBody struct {
	io.ReadCloser
	d    *drainer
	once sync.Once
}

// Read reads the body; at its end (or on any error) the request no longer counts as being read.
func (b *drainBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.done()
	}
	return n, err
}

func (b *drainBody) done() {
	b.once.Do(func() {
		b.d.mu.Lock()
		delete(b.d.reading, b)
		b.d.mu.Unlock()
	})
}
