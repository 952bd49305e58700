package telnyx_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// testKey is distinctive so a leak into any string is easy to detect.
const testKey = "KEY_0123456789abcdef_SECRET"

// seen is one request as it arrived at the fake upstream.
type seen struct {
	Method   string
	Path     string // escaped path exactly as sent, base path included
	RawQuery string // exactly as sent
	Header   http.Header
	Body     []byte
}

// fakeUpstream records every request and answers with respond.
type fakeUpstream struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newFake(t *testing.T, respond http.HandlerFunc) *fakeUpstream {
	t.Helper()
	f := &fakeUpstream{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		path, query, _ := strings.Cut(r.RequestURI, "?")
		f.mu.Lock()
		f.reqs = append(f.reqs, seen{Method: r.Method, Path: path, RawQuery: query, Header: r.Header.Clone(), Body: body})
		f.mu.Unlock()
		respond(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeUpstream) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

// only returns the single request the test expects to have been made.
func (f *fakeUpstream) only(t *testing.T) seen {
	t.Helper()
	reqs := f.requests()
	require.Len(t, reqs, 1)
	return reqs[0]
}

// client returns a Client on the fake's /v2 base that records Observe calls into calls.
func (f *fakeUpstream) client(t *testing.T, calls *[]telnyx.Call) *telnyx.Client {
	t.Helper()
	var mu sync.Mutex
	c, err := telnyx.New(telnyx.Options{
		BaseURL:    f.srv.URL + "/v2",
		HTTPClient: f.srv.Client(),
		Observe: func(_ context.Context, call telnyx.Call) {
			if calls != nil {
				mu.Lock()
				*calls = append(*calls, call)
				mu.Unlock()
			}
		},
		Now: func() time.Time { return fixedNow },
	})
	require.NoError(t, err)
	return c
}

var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// replyJSON answers with status and a JSON body.
func replyJSON(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func date(t *testing.T, s string) telnyx.Date {
	t.Helper()
	d, err := telnyx.ParseDate(s)
	require.NoError(t, err)
	return d
}

func ptr[T any](v T) *T { return &v }
