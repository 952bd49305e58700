package telnyx_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

func TestUpstreamErrorDecoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		contentType string
		header      map[string]string
		body        string
		want        telnyx.Error
		wantString  string
	}{
		{
			name:   "404 envelope",
			status: http.StatusNotFound,
			body: `{"errors":[{"code":"10005","title":"Resource not found","detail":"The requested resource or URL could not be found.",
			  "source":{"pointer":"/"},"meta":{"url":"https://developers.telnyx.com/docs/overview/errors/10005"}}]}`,
			want: telnyx.Error{
				StatusCode: 404, Code: "10005", Title: "Resource not found",
				Detail: "The requested resource or URL could not be found.", SourcePointer: "/",
				Errors: []telnyx.ErrorDetail{{Code: "10005", Title: "Resource not found",
					Detail: "The requested resource or URL could not be found.", SourcePointer: "/"}},
				RateLimitRemaining: -1,
			},
			wantString: "telnyx: 404 10005 Resource not found: The requested resource or URL could not be found.",
		},
		{
			name:   "401 envelope",
			status: http.StatusUnauthorized,
			body: `{"errors":[{"code":"10009","title":"Authentication failed","detail":"The required authentication headers were either invalid or not included in the request.",
			  "meta":{"url":"https://developers.telnyx.com/docs/overview/errors/10009"}}]}`,
			want: telnyx.Error{
				StatusCode: 401, Code: "10009", Title: "Authentication failed",
				Detail: "The required authentication headers were either invalid or not included in the request.",
				Errors: []telnyx.ErrorDetail{{Code: "10009", Title: "Authentication failed",
					Detail: "The required authentication headers were either invalid or not included in the request."}},
				RateLimitRemaining: -1,
			},
			wantString: "telnyx: 401 10009 Authentication failed: The required authentication headers were either invalid or not included in the request.",
		},
		{
			name:   "403 envelope without detail",
			status: http.StatusForbidden,
			body:   `{"errors":[{"code":"10010","title":"Authorization failed"}]}`,
			want: telnyx.Error{
				StatusCode: 403, Code: "10010", Title: "Authorization failed",
				Errors:             []telnyx.ErrorDetail{{Code: "10010", Title: "Authorization failed"}},
				RateLimitRemaining: -1,
			},
			wantString: "telnyx: 403 10010 Authorization failed",
		},
		{
			name:   "422 two entries with source parameter",
			status: http.StatusUnprocessableEntity,
			body: `{"errors":[
			  {"code":"10015","title":"Bad Request","detail":"must be a date","source":{"parameter":"filter[date_created_at][gte]"}},
			  {"code":"10004","title":"Missing required parameter","source":{"pointer":"/participants"}}]}`,
			want: telnyx.Error{
				StatusCode: 422, Code: "10015", Title: "Bad Request", Detail: "must be a date",
				SourceParameter: "filter[date_created_at][gte]",
				Errors: []telnyx.ErrorDetail{
					{Code: "10015", Title: "Bad Request", Detail: "must be a date", SourceParameter: "filter[date_created_at][gte]"},
					{Code: "10004", Title: "Missing required parameter", SourcePointer: "/participants"},
				},
				RateLimitRemaining: -1,
			},
			wantString: "telnyx: 422 10015 Bad Request: must be a date",
		},
		{
			name:   "429 with rate limit headers",
			status: http.StatusTooManyRequests,
			header: map[string]string{"Retry-After": "2", "X-Ratelimit-Remaining": "0", "X-Ratelimit-Limit": "100", "X-Should-Retry": "true"},
			body:   `{"errors":[{"code":"10011","title":"Too many requests","detail":"You have exceeded the maximum number of allowed requests."}]}`,
			want: telnyx.Error{
				StatusCode: 429, Code: "10011", Title: "Too many requests",
				Detail: "You have exceeded the maximum number of allowed requests.",
				Errors: []telnyx.ErrorDetail{{Code: "10011", Title: "Too many requests",
					Detail: "You have exceeded the maximum number of allowed requests."}},
				RetryAfter: 2 * time.Second, RateLimitRemaining: 0, ShouldRetry: telnyx.True,
			},
			wantString: "telnyx: 429 10011 Too many requests: You have exceeded the maximum number of allowed requests.",
		},
		{
			name:   "500 envelope",
			status: http.StatusInternalServerError,
			header: map[string]string{"X-Ratelimit-Remaining": "17", "X-Should-Retry": "false"},
			body:   `{"errors":[{"code":"10007","title":"Unexpected error"}]}`,
			want: telnyx.Error{
				StatusCode: 500, Code: "10007", Title: "Unexpected error",
				Errors:             []telnyx.ErrorDetail{{Code: "10007", Title: "Unexpected error"}},
				RateLimitRemaining: 17, ShouldRetry: telnyx.False,
			},
			wantString: "telnyx: 500 10007 Unexpected error",
		},
		{
			name:   "numeric code tolerated",
			status: http.StatusNotFound,
			body:   `{"errors":[{"code":10005,"title":"Resource not found"}]}`,
			want: telnyx.Error{
				StatusCode: 404, Code: "10005", Title: "Resource not found",
				Errors:             []telnyx.ErrorDetail{{Code: "10005", Title: "Resource not found"}},
				RateLimitRemaining: -1,
			},
			wantString: "telnyx: 404 10005 Resource not found",
		},
		{
			name:   "bare single error object",
			status: http.StatusNotFound,
			body:   `{"code":"10005","title":"Resource not found","detail":"Room not found","source":{"pointer":"/"}}`,
			want: telnyx.Error{
				StatusCode: 404, Code: "10005", Title: "Resource not found", Detail: "Room not found", SourcePointer: "/",
				Errors:             []telnyx.ErrorDetail{{Code: "10005", Title: "Resource not found", Detail: "Room not found", SourcePointer: "/"}},
				RateLimitRemaining: -1,
			},
			wantString: "telnyx: 404 10005 Resource not found: Room not found",
		},
		{
			name:   "generic 4XX message body",
			status: http.StatusBadRequest,
			body:   `{"message":"Error","success":false}`,
			want: telnyx.Error{
				StatusCode: 400, Title: "Bad Request", Detail: "Error", RateLimitRemaining: -1,
			},
			wantString: "telnyx: 400 Bad Request: Error",
		},
		{
			name:       "empty errors array",
			status:     http.StatusUnprocessableEntity,
			body:       `{"errors":[]}`,
			want:       telnyx.Error{StatusCode: 422, Title: "Unprocessable Entity", RateLimitRemaining: -1},
			wantString: "telnyx: 422 Unprocessable Entity",
		},
		{
			name:       "empty body",
			status:     http.StatusBadGateway,
			body:       "",
			want:       telnyx.Error{StatusCode: 502, Title: "Bad Gateway", RateLimitRemaining: -1},
			wantString: "telnyx: 502 Bad Gateway",
		},
		{
			name:        "HTML body",
			status:      http.StatusServiceUnavailable,
			contentType: "text/html",
			header:      map[string]string{"Retry-After": "30"},
			body:        "<html><body>upstream overloaded</body></html>",
			want:        telnyx.Error{StatusCode: 503, Title: "Service Unavailable", RetryAfter: 30 * time.Second, RateLimitRemaining: -1},
			wantString:  "telnyx: 503 Service Unavailable",
		},
		{
			name:       "truncated JSON error body",
			status:     http.StatusNotFound,
			body:       `{"errors":[{"code":"10005","tit`,
			want:       telnyx.Error{StatusCode: 404, Title: "Not Found", RateLimitRemaining: -1},
			wantString: "telnyx: 404 Not Found",
		},
		{
			name:   "key echoed in detail is redacted",
			status: http.StatusUnauthorized,
			body:   `{"errors":[{"code":"10009","title":"Authentication failed","detail":"bad key ` + testKey + `"}]}`,
			want: telnyx.Error{
				StatusCode: 401, Code: "10009", Title: "Authentication failed", Detail: "bad key [redacted]",
				Errors:             []telnyx.ErrorDetail{{Code: "10009", Title: "Authentication failed", Detail: "bad key [redacted]"}},
				RateLimitRemaining: -1,
			},
			wantString: "telnyx: 401 10009 Authentication failed: bad key [redacted]",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
				ct := tc.contentType
				if ct == "" {
					ct = "application/json"
				}
				w.Header().Set("Content-Type", ct)
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			var calls []telnyx.Call
			_, err := f.client(t, &calls).GetRoom(context.Background(), testKey, "r1", false)

			var apiErr *telnyx.Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.want, *apiErr)
			assert.Equal(t, tc.wantString, err.Error())
			assert.NotContains(t, err.Error(), testKey)
			assert.NotContains(t, err.Error(), f.srv.URL)

			require.Len(t, calls, 1)
			assert.Equal(t, tc.status, calls[0].Status)
			assert.Same(t, apiErr, calls[0].Err.(*telnyx.Error), "Observe sees the returned error")
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
	}{
		{"none", nil, 0},
		{"seconds", map[string]string{"Retry-After": "2"}, 2 * time.Second},
		{"fractional seconds", map[string]string{"Retry-After": "1.5"}, 1500 * time.Millisecond},
		{"milliseconds", map[string]string{"Retry-After-Ms": "250"}, 250 * time.Millisecond},
		{"milliseconds win over seconds", map[string]string{"Retry-After-Ms": "250", "Retry-After": "10"}, 250 * time.Millisecond},
		{"bad milliseconds fall back to seconds", map[string]string{"Retry-After-Ms": "soon", "Retry-After": "3"}, 3 * time.Second},
		{"HTTP date", map[string]string{"Retry-After": fixedNow.Add(30 * time.Second).Format(http.TimeFormat)}, 30 * time.Second},
		{"HTTP date in the past", map[string]string{"Retry-After": fixedNow.Add(-time.Minute).Format(http.TimeFormat)}, 0},
		{"negative seconds", map[string]string{"Retry-After": "-5"}, 0},
		{"garbage", map[string]string{"Retry-After": "later"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = io.WriteString(w, `{"errors":[{"code":"10011","title":"Too many requests"}]}`)
			})
			_, err := f.client(t, nil).ListRooms(context.Background(), testKey, telnyx.ListRoomsParams{})
			var apiErr *telnyx.Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.want, apiErr.RetryAfter)
		})
	}
}

// hijackAndReset takes over the connection and closes it with SO_LINGER 0,
// which makes the kernel send a TCP RST instead of a FIN.
func hijackAndReset(t *testing.T, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Error("response writer cannot hijack")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

func TestTransportErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		respond     func(t *testing.T, w http.ResponseWriter, r *http.Request)
		timeout     bool // call with a short context deadline
		wantTimeout bool
		wantStatus  int
		wantIs      error
		wantInMsg   string
	}{
		{
			name: "truncated JSON",
			respond: func(_ *testing.T, w http.ResponseWriter, _ *http.Request) {
				replyJSON(http.StatusOK, `{"data":[{"id":"s1","room_id":`)(w, nil)
			},
			wantStatus: 200, wantInMsg: "unexpected end of JSON input",
		},
		{
			name: "body shorter than Content-Length",
			respond: func(_ *testing.T, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", "1000")
				w.WriteHeader(http.StatusOK)
				_, _ = io.WriteString(w, `{"data":[`)
			},
			wantStatus: 200, wantIs: io.ErrUnexpectedEOF,
		},
		{
			name: "malformed JSON",
			respond: func(_ *testing.T, w http.ResponseWriter, _ *http.Request) {
				replyJSON(http.StatusOK, `{"data":[}`)(w, nil)
			},
			wantStatus: 200, wantInMsg: "decode response",
		},
		{
			name: "trailing garbage",
			respond: func(_ *testing.T, w http.ResponseWriter, _ *http.Request) {
				replyJSON(http.StatusOK, emptyList+` {"more":1}`)(w, nil)
			},
			wantStatus: 200, wantInMsg: "decode response",
		},
		{
			name: "wrong type for data",
			respond: func(_ *testing.T, w http.ResponseWriter, _ *http.Request) {
				replyJSON(http.StatusOK, `{"data":{"id":"x"}}`)(w, nil)
			},
			wantStatus: 200, wantInMsg: "decode response",
		},
		{
			name: "missing data",
			respond: func(_ *testing.T, w http.ResponseWriter, _ *http.Request) {
				replyJSON(http.StatusOK, `{"meta":{"page_number":1}}`)(w, nil)
			},
			wantStatus: 200, wantInMsg: "no data member",
		},
		{
			name: "null data",
			respond: func(_ *testing.T, w http.ResponseWriter, _ *http.Request) {
				replyJSON(http.StatusOK, `{"data":null}`)(w, nil)
			},
			wantStatus: 200, wantInMsg: "no data member",
		},
		{
			name: "empty 200 body",
			respond: func(_ *testing.T, w http.ResponseWriter, _ *http.Request) {
				replyJSON(http.StatusOK, ``)(w, nil)
			},
			wantStatus: 200, wantInMsg: "decode response",
		},
		{
			name: "wrong content type",
			respond: func(_ *testing.T, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = io.WriteString(w, "<html>captive portal</html>")
			},
			wantStatus: 200, wantInMsg: `unexpected content type "text/html; charset=utf-8"`,
		},
		{
			name: "body over 16 MiB",
			respond: func(_ *testing.T, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"data":[`)
				chunk := []byte(strings.Repeat(" ", 1<<16))
				for range (16 << 20) / len(chunk) {
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
				_, _ = io.WriteString(w, `],"meta":{}}`)
			},
			wantStatus: 200, wantInMsg: "response body exceeds 16777216 bytes",
		},
		{
			name: "connection reset before response",
			respond: func(t *testing.T, w http.ResponseWriter, _ *http.Request) {
				hijackAndReset(t, w)
			},
			wantStatus: 0,
		},
		{
			name: "timeout before headers",
			respond: func(_ *testing.T, _ http.ResponseWriter, r *http.Request) {
				<-r.Context().Done()
			},
			timeout: true, wantTimeout: true, wantIs: context.DeadlineExceeded, wantInMsg: "timeout",
		},
		{
			name: "timeout while reading body",
			respond: func(_ *testing.T, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusOK)
				_, _ = io.WriteString(w, `{"data":[`)
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			},
			timeout: true, wantTimeout: true, wantStatus: 200, wantInMsg: "timeout",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { tc.respond(t, w, r) })
			var calls []telnyx.Call
			c := f.client(t, &calls)
			ctx := context.Background()
			if tc.timeout {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, 500*time.Millisecond)
				defer cancel()
			}

			_, err := c.ListRoomSessions(ctx, testKey, telnyx.ListRoomSessionsParams{RoomID: "r1", Page: telnyx.Page{Size: 25}})

			var te *telnyx.TransportError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, telnyx.RouteListRoomSessions, te.Route)
			assert.Equal(t, tc.wantTimeout, te.Timeout)
			assert.Equal(t, tc.wantStatus, te.Status)
			if tc.wantIs != nil {
				assert.ErrorIs(t, err, tc.wantIs)
			}
			msg := err.Error()
			t.Log(msg)
			assert.True(t, strings.HasPrefix(msg, "telnyx: GET /rooms/{room_id}/sessions: "), msg)
			if tc.wantInMsg != "" {
				assert.Contains(t, msg, tc.wantInMsg)
			}
			assertNoLeak(t, msg, f.srv.URL)

			require.Len(t, calls, 1, "one attempt, one observation: the client never retries")
			assert.Len(t, f.requests(), 1)
			assert.Equal(t, tc.wantStatus, calls[0].Status)
			assert.Equal(t, err, calls[0].Err)
		})
	}
}

func TestTransportErrorCanceled(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	c := f.client(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.GetSession(ctx, testKey, "s1", true)
	var te *telnyx.TransportError
	require.ErrorAs(t, err, &te)
	assert.False(t, te.Timeout)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, "telnyx: GET /room_sessions/{room_session_id}: context canceled", err.Error())
}

func TestTransportErrorConnectionRefused(t *testing.T) {
	t.Parallel()
	// Reserve a port and release it so nothing listens there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	base := "http://" + ln.Addr().String() + "/v2"
	require.NoError(t, ln.Close())

	var calls []telnyx.Call
	c, err := telnyx.New(telnyx.Options{
		BaseURL: base,
		Observe: func(_ context.Context, call telnyx.Call) { calls = append(calls, call) },
	})
	require.NoError(t, err)
	err = c.DeleteRoom(context.Background(), testKey, "r1")

	var te *telnyx.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, telnyx.RouteDeleteRoom, te.Route)
	assert.False(t, te.Timeout)
	assert.Zero(t, te.Status)
	var opErr *net.OpError
	assert.True(t, errors.As(err, &opErr), "the net error stays reachable through Unwrap")
	assert.Contains(t, err.Error(), "connection refused")
	assertNoLeak(t, err.Error(), base)
	require.Len(t, calls, 1)
	assert.Zero(t, calls[0].Status)
}

// assertNoLeak checks an error message names neither the key, the URL nor the host.
func assertNoLeak(t *testing.T, msg, baseURL string) {
	t.Helper()
	assert.NotContains(t, msg, testKey)
	assert.NotContains(t, msg, baseURL)
	assert.NotContains(t, msg, "127.0.0.1")
	assert.NotContains(t, msg, "Bearer")
}
