package cork_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/cork"
)

// counted records the size of every write made to the connections a listener accepted.
type counted struct {
	net.Listener
	mu     sync.Mutex
	writes []int
}

func (l *counted) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countedConn{Conn: c, l: l}, nil
}

func (l *counted) sizes() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]int(nil), l.writes...)
}

type countedConn struct {
	net.Conn
	l *counted
}

func (c *countedConn) Write(p []byte) (int, error) {
	c.l.mu.Lock()
	c.l.writes = append(c.l.writes, len(p))
	c.l.mu.Unlock()
	return c.Conn.Write(p)
}

// serve starts h on loopback, corked or not, and returns its URL and the listener counting its writes.
func serve(t testing.TB, h http.Handler, corked bool, configure func(*http.Server)) (string, *counted) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cl := &counted{Listener: ln}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	var l net.Listener = cl
	if corked {
		l = cork.Listener{Listener: cl}
		srv.Handler, srv.ConnContext = cork.Handler(h), cork.ConnContext
	}
	if configure != nil {
		configure(srv)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String(), cl
}

func body(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

func sized(b []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		_, _ = w.Write(b)
	})
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return got
}

// One Write of a response reaches the connection as one write, headers included, where net/http alone makes
// two; a write too large to hold is sent with what is held, and every byte arrives in order.
func TestHandlerSendsAResponseWriteInOneWrite(t *testing.T) {
	tests := []struct {
		name           string
		size           int
		corked         bool
		writes         int
		firstHoldsBody bool
	}{
		{name: "small, net/http alone", size: 100, writes: 1, firstHoldsBody: true},
		{name: "small, corked", size: 100, corked: true, writes: 1, firstHoldsBody: true},
		{name: "30 KB, net/http alone", size: 30 << 10, writes: 2},
		{name: "30 KB, corked", size: 30 << 10, corked: true, writes: 1, firstHoldsBody: true},
		// Past the held bound: what is held goes out with the rest (one writev on a TCP connection; two
		// writes here, where the connection under cork counts writes and has no writev).
		{name: "200 KB, corked", size: 200 << 10, corked: true, writes: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := body(tc.size)
			url, cl := serve(t, sized(want), tc.corked, nil)
			require.Equal(t, want, get(t, url))
			sizes := cl.sizes()
			require.Len(t, sizes, tc.writes, "writes to the connection: %v", sizes)
			if tc.firstHoldsBody {
				assert.Greater(t, sizes[0], tc.size, "the first write carries the headers and the whole body")
			}
		})
	}
}

// What a handler writes and flushes reaches the client before the handler returns: nothing is held past a
// Write or a Flush, so a streaming response is not delayed (the handler waits for the client to have read
// the first part before it writes the second).
func TestHandlerHoldsNothingPastAWrite(t *testing.T) {
	read := make(chan struct{})
	url, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write(body(10 << 10))
		http.NewResponseController(w).Flush()
		select {
		case <-read:
		case <-time.After(5 * time.Second):
			t.Error("the client never got the first part")
			return
		}
		_, _ = io.WriteString(w, "second")
	}), true, nil)
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	first := make([]byte, 10<<10)
	_, err = io.ReadFull(resp.Body, first)
	require.NoError(t, err)
	assert.Equal(t, body(10<<10), first)
	close(read)
	rest, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Contains(t, string(rest), "second")
}

// The writer passes Flush through (http.Flusher, as gqlgen's streaming transports ask) and gives
// http.ResponseController the writer underneath.
func TestHandlerKeepsTheResponseWritersInterfaces(t *testing.T) {
	checked := make(chan error, 1)
	url, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, flusher := w.(http.Flusher)
		var err error
		if !flusher {
			err = errors.New("not an http.Flusher")
		} else {
			err = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Minute))
		}
		checked <- err
		_, _ = io.WriteString(w, "ok")
	}), true, nil)
	assert.Equal(t, "ok", string(get(t, url)))
	assert.NoError(t, <-checked)
}

// A handler can take the connection over (http.Hijacker, as websocket libraries ask); what it writes then
// goes out as written.
func TestHandlerHandsOverTheConnection(t *testing.T) {
	url, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h, ok := w.(http.Hijacker)
		if !ok {
			http.Error(w, "not an http.Hijacker", http.StatusInternalServerError)
			return
		}
		conn, rw, err := h.Hijack()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer conn.Close()
		_, _ = rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		_ = rw.Flush()
	}), true, nil)
	assert.Equal(t, "hijacked", string(get(t, url)))
}

// HTTP/2 requests are not corked: their frames are written by the connection's own goroutine, which a
// handler's Write waits for once the stream's flow-control window is used up. Corked, the frames sent before
// that would sit in what the connection holds, the client would never grant more window, and this 1 MB
// answer would never arrive (the test then fails on the client's timeout).
func TestHandlerLeavesHTTP2Alone(t *testing.T) {
	want := body(1 << 20)
	url, _ := serve(t, sized(want), true, func(srv *http.Server) {
		srv.Protocols = new(http.Protocols)
		srv.Protocols.SetHTTP1(true)
		srv.Protocols.SetUnencryptedHTTP2(true)
	})
	// A 16 KiB stream window: less than a corked connection holds.
	tr := &http.Transport{Protocols: new(http.Protocols), HTTP2: &http.HTTP2Config{MaxReceiveBufferPerStream: 16 << 10}}
	tr.Protocols.SetUnencryptedHTTP2(true)
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	t.Cleanup(tr.CloseIdleConnections)
	resp, err := client.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 2, resp.ProtoMajor)
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

// A request that did not come through a Listener's connection (a BFF's own server, a test recorder) passes
// through untouched.
func TestHandlerPassesOtherRequestsThrough(t *testing.T) {
	var seen http.ResponseWriter
	rec := httptest.NewRecorder()
	cork.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		seen = w
		_, _ = io.WriteString(w, "ok")
	})).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Same(t, rec, seen)
	assert.Equal(t, "ok", rec.Body.String())
}

// direct is a ResponseWriter that writes straight to a connection, as net/http's does once its buffer fills.
type direct struct {
	http.ResponseWriter
	conn net.Conn
}

func (d direct) Write(p []byte) (int, error) { return d.conn.Write(p) }

// When sending what was held fails, the Write that held it reports the error, and so does every later
// write: net/http then closes the connection instead of answering on it.
func TestWriteReportsAFailedSend(t *testing.T) {
	server, client := net.Pipe()
	require.NoError(t, client.Close())
	conn := &cork.Conn{Conn: server}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req = req.WithContext(cork.ConnContext(req.Context(), conn))
	var errs []error
	cork.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for range 2 {
			_, err := w.Write([]byte("answer"))
			errs = append(errs, err)
		}
	})).ServeHTTP(direct{ResponseWriter: httptest.NewRecorder(), conn: conn}, req)
	require.Len(t, errs, 2)
	for _, err := range errs {
		assert.ErrorIs(t, err, io.ErrClosedPipe)
	}
}

// A Conn ends its sending side the way the TCP connection under it does (net/http uses this to close a
// connection it will not keep alive without resetting it): the peer reads everything, then EOF.
func TestConnCloseWrite(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := cork.Listener{Listener: ln}.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	peer, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = peer.Close() })
	var c net.Conn
	select {
	case c = <-accepted:
	case <-time.After(5 * time.Second):
		t.Fatal("no connection accepted")
	}
	t.Cleanup(func() { _ = c.Close() })
	_, err = c.Write([]byte("bye"))
	require.NoError(t, err)
	require.NoError(t, c.(interface{ CloseWrite() error }).CloseWrite())
	require.NoError(t, peer.SetReadDeadline(time.Now().Add(5*time.Second)))
	got, err := io.ReadAll(bufio.NewReader(peer))
	require.NoError(t, err)
	assert.Equal(t, "bye", string(got))
}
