package gateway_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
)

// TestDocumentCacheFloodIsBounded: 400 distinct valid documents of 300 aliased fields each (5 KB of text,
// over 100 KB each once parsed; refused by the alias limit, but parsed, validated and cached before that)
// held about 50 MiB while the parsed-document cache was bounded in entries (1000) only. Bounded in bytes
// (16 MiB by default), the live heap grows by less than that and 8 MiB of slack.
func TestDocumentCacheFloodIsBounded(t *testing.T) {
	h := newHarness(t, defaultSim(), gateway.Config{DisableAPQ: true})
	bound := gateway.Config{}.Defaults().QueryCacheBytes + 8<<20
	var fields strings.Builder
	for i := range 300 {
		fmt.Fprintf(&fields, "a%d: __typename ", i)
	}
	before := liveHeap()
	for i := range 400 {
		r := h.post(t, "# "+itoa(i)+"\n{ "+fields.String()+"}", nil)
		require.Equal(t, []string{"QUERY_LIMIT_EXCEEDED"}, r.codes())
	}
	grown := int64(liveHeap()) - int64(before)
	t.Logf("live heap grew by %.1f MiB", float64(grown)/(1<<20))
	assert.Less(t, grown, bound, "live heap growth under a flood of distinct documents")
}

// rawConn opens a TCP connection to the gateway at gwURL and writes head: the raw start of a request.
func rawConn(t testing.TB, gwURL, head string) net.Conn {
	t.Helper()
	u, err := url.Parse(gwURL)
	require.NoError(t, err)
	c, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	_, err = io.WriteString(c, head)
	require.NoError(t, err)
	return c
}

// postHead is the head of a POST to /graphql declaring a JSON body of n bytes, with extra header lines.
func postHead(n int, extra ...string) string {
	h := "POST /graphql HTTP/1.1\r\nHost: roomgraph\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(n) + "\r\n"
	for _, e := range extra {
		h += e + "\r\n"
	}
	return h + "\r\n"
}

// TestDeclaredBodyOverTheLimit: a declared Content-Length above the body limit is answered 413 at once,
// before any byte of the body is read (so before it is even sent); and a client that asks
// `Expect: 100-continue` for such a body gets 413, not 100 Continue. A body within the limit still gets
// its 100 Continue.
func TestDeclaredBodyOverTheLimit(t *testing.T) {
	h := newHarness(t, defaultSim(), gateway.Config{})
	const query = `{"query":"{ rooms(first: 1) { totalCount } }"}`
	tests := []struct {
		name   string
		head   string
		first  int    // status of the first response line
		body   string // then sent, if any
		second int    // status of the next response, if any
	}{
		{name: "over the limit", head: postHead(2 << 20), first: 413},
		{name: "over the limit, Expect: 100-continue", head: postHead(2<<20, "Expect: 100-continue"), first: 413},
		{name: "within the limit, Expect: 100-continue", head: postHead(len(query), "Expect: 100-continue"), first: 100, body: query, second: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := rawConn(t, h.gwURL, tc.head)
			require.NoError(t, c.SetReadDeadline(time.Now().Add(3*time.Second)))
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			require.NoError(t, err, "an answer without the body being sent")
			assert.Equal(t, tc.first, resp.StatusCode)
			if tc.first == 413 {
				var out response
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
				assert.Equal(t, []string{"REQUEST_TOO_LARGE"}, out.codes())
			}
			if tc.body == "" {
				return
			}
			_, err = io.WriteString(c, tc.body)
			require.NoError(t, err)
			resp, err = http.ReadResponse(br, nil)
			require.NoError(t, err)
			assert.Equal(t, tc.second, resp.StatusCode)
		})
	}
	t.Run("chunked, over the limit once read", func(t *testing.T) {
		body := io.MultiReader(strings.NewReader(`{"query":"{ rooms { totalCount } }","pad":"`), strings.NewReader(strings.Repeat("x", 2<<20)+`"}`))
		resp, err := http.Post(h.gwURL, "application/json", body) // no length: sent chunked
		require.NoError(t, err)
		defer resp.Body.Close()
		assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	})
}

// holdBodies opens n connections that each declare a body of size bytes and send all of it but the last
// byte, and leave it there. They close when the test ends.
func holdBodies(t testing.TB, gwURL string, n, size int) []net.Conn {
	t.Helper()
	part := bytes.Repeat([]byte("x"), size-1)
	conns := make([]net.Conn, n)
	var wg sync.WaitGroup
	for i := range conns {
		conns[i] = rawConn(t, gwURL, postHead(size))
		wg.Go(func() { _, _ = conns[i].Write(part) }) // fails once the gateway refused and closed
	}
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
	})
	return conns
}

// peakHeap samples the live heap for d and returns the largest value.
func peakHeap(d time.Duration) uint64 {
	var peak uint64
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		peak = max(peak, liveHeap())
	}
	return peak
}

// TestSlowBodyFloodIsBounded: the attack of issue 16: 150 connections each declare a 1 MiB body (the
// largest accepted), send all of it but one byte, and wait. Each body read into memory, they held 150 MiB
// and more for as long as the connections stayed. Bounded in total bytes across connections (16 MiB by
// default), the bodies beyond the budget are refused at once with 503, and the live heap grows by less than
// the budget and 8 MiB of slack.
func TestSlowBodyFloodIsBounded(t *testing.T) {
	h := newHarness(t, defaultSim(), gateway.Config{})
	d := gateway.Config{}.Defaults()
	bound := d.MaxBodyBytesInFlight + 8<<20
	before := liveHeap()
	holdBodies(t, h.gwURL, 150, int(d.MaxBodyBytes))
	grown := int64(peakHeap(1500*time.Millisecond)) - int64(before)
	t.Logf("live heap grew by %.1f MiB at most", float64(grown)/(1<<20))
	assert.Less(t, grown, bound, "live heap growth under a flood of slow bodies")
}

// TestBodyBudgetAnswers503: while request bodies in flight hold the whole budget, another request is
// answered 503 with Retry-After and a typed error (SERVER_BUSY), counted in the metrics; once they are
// gone, requests are served again.
func TestBodyBudgetAnswers503(t *testing.T) {
	o := newObserved(t, defaultSim(), gateway.Config{}, false)
	const query = `{ rooms(first: 1) { totalCount } }`
	d := gateway.Config{}.Defaults()
	hogs := holdBodies(t, o.gwURL, int(d.MaxBodyBytesInFlight/d.MaxBodyBytes)+4, int(d.MaxBodyBytes))
	// Let the hogs take the whole budget before any probe: a probe admitted while the hogs' heads arrive
	// holds a few bytes, so that one hog fewer fits, and the budget then keeps a hog's worth of room free.
	require.Eventually(t, func() bool {
		return sample(o.scrape(t), "roomgraph_http_body_bytes_in_flight") == float64(d.MaxBodyBytesInFlight)
	}, 3*time.Second, 10*time.Millisecond, "the held bodies take the whole budget")
	var r response
	var retry string
	// A connection of its own per attempt: a refused request's connection may be closed by the server
	// right after its answer, and a POST reusing it would fail in the client (POSTs are not retried).
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	require.Eventually(t, func() bool {
		body, _ := json.Marshal(map[string]string{"query": query})
		resp, err := client.Post(o.gwURL, "application/json", bytes.NewReader(body))
		if err != nil {
			// On a loaded host the held connections can make a dial or a write of this attempt fail in the
			// client; the property is that some attempt finds the budget taken and gets a typed 503.
			t.Logf("attempt failed in the client: %v", err)
			return false
		}
		defer resp.Body.Close()
		r = response{Status: resp.StatusCode}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
		r.Status, retry = resp.StatusCode, resp.Header.Get("Retry-After")
		return r.Status == http.StatusServiceUnavailable
	}, 3*time.Second, 20*time.Millisecond, "a request finds the budget taken")
	assert.Equal(t, []string{"SERVER_BUSY"}, r.codes())
	assert.NotEmpty(t, retry, "Retry-After")
	assert.Positive(t, sample(o.scrape(t), "roomgraph_graphql_errors_total", "code", "SERVER_BUSY"))

	for _, c := range hogs {
		c.Close()
	}
	require.Eventually(t, func() bool { return o.post(t, query, nil).Status == http.StatusOK }, 3*time.Second, 20*time.Millisecond,
		"the budget comes back when the bodies are gone")
}
