// Package cork sends what one write of an HTTP/1 response produces in one system call, the way TCP_CORK
// would but without its two extra system calls.
//
// It is public for BFFs that serve roomgraph's gateway (or anything else writing large answers in one
// Write) from their own http.Server and want the same one-syscall writes as the roomgraph binary:
//
//	srv := &http.Server{Handler: cork.Handler(mux), ConnContext: cork.ConnContext}
//	err := srv.Serve(cork.Listener{Listener: ln})
//
// net/http writes a response through a 4 KiB buffer in front of the connection. A handler's single Write of
// a 30 KB answer therefore reaches the socket as two writes: the buffer, filled up with the status line, the
// headers and the first bytes of the body, then the rest of the body. On loopback each write costs a trip
// through the TCP stack; what merging them saves is in BENCHMARKS.md ("Figures formerly in code comments").
//
// A Conn holds the writes made to it while it is corked and sends them together when uncorked; Handler
// corks the connection for the length of each ResponseWriter.Write of an HTTP/1 request. Nothing is held
// past the end of that call, so what a handler has written and flushed reaches the client exactly as
// without cork. HTTP/2 requests are not corked: their frames are written by another goroutine, which a
// Write may be waiting for.
//
// It knows HTTP only; nothing of GraphQL.
package cork

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"sync"
)

// maxHeld bounds the bytes a corked connection holds: a larger write is sent with what is held, at once.
const maxHeld = 64 << 10

// held buffers are shared by all connections: only connections in the middle of a Write hold one.
var held = sync.Pool{New: func() any { b := make([]byte, 0, maxHeld); return &b }}

// Conn is a connection that can be corked. Its methods are safe for concurrent use.
type Conn struct {
	net.Conn

	mu     sync.Mutex
	corked bool
	buf    *[]byte // the held bytes, while corked and not empty
	err    error   // the first error sending held bytes; every later write fails with it
}

// Write sends p, or while the connection is corked, holds a copy of it.
func (c *Conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	if !c.corked {
		return c.Conn.Write(p)
	}
	if c.buf == nil {
		c.buf = held.Get().(*[]byte)
	}
	if len(*c.buf)+len(p) <= maxHeld {
		*c.buf = append(*c.buf, p...)
		return len(p), nil
	}
	// Too much to hold: send what is held and p together.
	bufs := net.Buffers{*c.buf, p}
	_, err := bufs.WriteTo(c.Conn)
	c.release()
	if err != nil {
		c.err = err
		return 0, err
	}
	return len(p), nil
}

// cork holds the writes that follow until uncork.
func (c *Conn) cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// uncork sends what was held, in one write, and stops holding.
func (c *Conn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	if c.buf == nil {
		return c.err
	}
	_, err := c.Conn.Write(*c.buf)
	c.release()
	if err != nil && c.err == nil {
		c.err = err
	}
	return c.err
}

func (c *Conn) release() {
	*c.buf = (*c.buf)[:0]
	held.Put(c.buf)
	c.buf = nil
}

// CloseWrite shuts down the sending side when the connection under c can (a TCP connection): net/http
// uses it to end a response it will not keep alive without resetting the connection.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}

// Listener wraps each accepted connection in a Conn.
type Listener struct{ net.Listener }

// Accept waits for the next connection.
func (l Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &Conn{Conn: c}, nil
}

type connKey struct{}

// ConnContext is an http.Server's ConnContext: it gives the connection's requests their Conn.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if cc, ok := c.(*Conn); ok {
		return context.WithValue(ctx, connKey{}, cc)
	}
	return ctx
}

// Handler corks the connection of each HTTP/1 request for the length of every Write of its response. A
// request not served over a Listener's connection with ConnContext passes through untouched.
func Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := r.Context().Value(connKey{}).(*Conn); ok && r.ProtoMajor == 1 {
			w = &writer{ResponseWriter: w, conn: c}
		}
		next.ServeHTTP(w, r)
	})
}

// writer corks its connection during each Write.
type writer struct {
	http.ResponseWriter
	conn *Conn
}

func (w *writer) Write(p []byte) (n int, err error) {
	w.conn.cork()
	defer func() {
		if uerr := w.conn.uncork(); err == nil {
			err = uerr
		}
	}()
	return w.ResponseWriter.Write(p)
}

// Flush sends what the response has buffered (http.Flusher, which gqlgen's streaming transports assert). A
// failed connection is reported by the next Write, as with net/http's own writer.
func (w *writer) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Hijack hands over the connection (http.Hijacker, which websocket libraries assert); it is the Conn, no
// longer corked, so what is written to it goes out as it is written.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap gives http.ResponseController the writer underneath (deadlines, full duplex).
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
