package resilience_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/roomgraph/roomgraph/internal/upstream/resilience"
	"github.com/roomgraph/roomgraph/telnyxsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const secretKey = "KEY_super_secret_value"

// Each kind of refusal, produced for real, matched with errors.As and
// errors.Is, and checked for leaks of the credential, URL or host, also when
// an http.Client wraps it.
func TestErrorsMatchableAndRedacted(t *testing.T) {
	tests := []struct {
		name  string
		kind  resilience.Kind
		setup func(t *testing.T, url string, c *clock, rt *resilience.Transport)
		ctx   func(c *clock) (context.Context, context.CancelFunc)
	}{
		{name: "circuit open", kind: resilience.KindCircuitOpen,
			setup: func(t *testing.T, url string, _ *clock, rt *resilience.Transport) {
				_, _ = do(t, context.Background(), rt, "GET", url+"/v2/rooms/"+unknownRoom+"/sessions?fail=1", secretKey)
				require.Equal(t, "open", rt.BreakerState())
			}},
		{name: "rate limited", kind: resilience.KindRateLimited,
			setup: func(t *testing.T, url string, _ *clock, rt *resilience.Transport) {
				_, _ = do(t, context.Background(), rt, "POST", url+"/v2/rooms", secretKey)
			},
			ctx: func(c *clock) (context.Context, context.CancelFunc) {
				return context.WithDeadline(context.Background(), c.Now().Add(time.Second))
			}},
		{name: "busy", kind: resilience.KindBusy,
			setup: func(t *testing.T, url string, _ *clock, rt *resilience.Transport) {}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sim, url := newSim(t, telnyxsim.Config{Keys: []string{secretKey}})
			sim.SetFault(telnyxsim.RouteListRoomSessions, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503})
			sim.SetFault(telnyxsim.RouteCreateRoom, telnyxsim.Fault{TooManyRate: 1, RetryAfter: time.Minute})
			c := newClock()
			cfg := resilience.Config{BreakerFailures: 3}
			if tc.kind == resilience.KindBusy {
				cfg.MaxConcurrent, cfg.MaxQueueWait = 1, time.Millisecond
			}
			rt := newTransport(t, withClock(cfg, c), resilience.Hooks{})
			tc.setup(t, url, c, rt)
			if tc.kind == resilience.KindBusy {
				held, err := rt.RoundTrip(authed(t, url+"/v2/rooms", secretKey))
				require.NoError(t, err)
				defer held.Body.Close()
			}
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tc.ctx != nil {
				ctx, cancel = tc.ctx(c)
			}
			defer cancel()

			client := &http.Client{Transport: rt}
			req := authed(t, url+"/v2/rooms?filter%5Bunique_name%5D=secret-room", secretKey).WithContext(ctx)
			resp, err := client.Do(req)
			if resp != nil {
				resp.Body.Close()
			}
			require.Error(t, err)

			var re *resilience.Error
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tc.kind, re.Kind)
			assert.ErrorIs(t, err, tc.kind)
			assert.Equal(t, "resilience: "+tc.kind.String(), tc.kind.Error())
			for _, other := range []resilience.Kind{resilience.KindCircuitOpen, resilience.KindBusy, resilience.KindRateLimited} {
				if other != tc.kind {
					assert.NotErrorIs(t, err, other)
				}
			}
			msg := re.Error()
			assert.True(t, strings.HasPrefix(msg, "resilience: "), msg)
			for _, leak := range []string{secretKey, "Bearer", "127.0.0.1", "http", "/v2", "secret-room"} {
				assert.NotContains(t, msg, leak)
			}
		})
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err  *resilience.Error
		want string
	}{
		{&resilience.Error{Kind: resilience.KindCircuitOpen, RetryAfter: 4200 * time.Millisecond},
			"resilience: circuit open: upstream failing (retry after 4.2s)"},
		{&resilience.Error{Kind: resilience.KindBusy, Err: context.DeadlineExceeded},
			"resilience: busy: no upstream slot free in time"},
		{&resilience.Error{Kind: resilience.KindRateLimited, RetryAfter: time.Second},
			"resilience: rate limited: credential budget exhausted (retry after 1s)"},
		{&resilience.Error{Kind: resilience.Kind(9)}, "resilience: Kind(9)"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.err.Error())
			assert.Equal(t, tc.err.Err, errors.Unwrap(tc.err))
		})
	}
}

func authed(t *testing.T, url, key string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	return req
}
