package telnyx_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

func TestSimClientTokens(t *testing.T) {
	t.Parallel()
	e := smallSim(t)
	ctx := context.Background()
	room := e.sim.Rooms(simKey)[0]
	now := simNow()

	for _, tc := range []struct {
		name            string
		p               telnyx.JoinClientTokenParams
		ttl, refreshTTL time.Duration
	}{
		{"server defaults", telnyx.JoinClientTokenParams{}, 600 * time.Second, time.Hour},
		{"lowest", telnyx.JoinClientTokenParams{TokenTTLSecs: ptr(10), RefreshTokenTTLSecs: ptr(60)}, 10 * time.Second, time.Minute},
		{"highest", telnyx.JoinClientTokenParams{TokenTTLSecs: ptr(3600), RefreshTokenTTLSecs: ptr(86400)}, time.Hour, 24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.c.GenerateJoinClientToken(ctx, simKey, room.ID, tc.p)
			require.NoError(t, err)
			assert.NotEmpty(t, got.Token)
			assert.NotEmpty(t, got.RefreshToken)
			assert.Equal(t, now.Add(tc.ttl), got.TokenExpiresAt)
			assert.Equal(t, now.Add(tc.refreshTTL), got.RefreshTokenExpiresAt)
			assert.Equal(t, time.UTC, got.TokenExpiresAt.Location())
			assert.Contains(t, e.sim.RefreshTokens(simKey, room.ID),
				telnyxsim.RefreshToken{Token: got.RefreshToken, RoomID: room.ID, ExpiresAt: now.Add(tc.refreshTTL)})

			refreshed, err := e.c.RefreshClientToken(ctx, simKey, room.ID, telnyx.RefreshClientTokenParams{RefreshToken: got.RefreshToken, TokenTTLSecs: tc.p.TokenTTLSecs})
			require.NoError(t, err)
			assert.NotEmpty(t, refreshed.Token)
			assert.NotEqual(t, got.Token, refreshed.Token)
			assert.Equal(t, now.Add(tc.ttl), refreshed.TokenExpiresAt)
		})
	}

	t.Run("upstream errors", func(t *testing.T) {
		gen, err := e.c.GenerateJoinClientToken(ctx, simKey, room.ID, telnyx.JoinClientTokenParams{})
		require.NoError(t, err)
		other := e.sim.Rooms(simKey)[1]
		otherGen, err := e.c.GenerateJoinClientToken(ctx, simKey, other.ID, telnyx.JoinClientTokenParams{})
		require.NoError(t, err)
		unknownRoom := "9b0c2a52-5f3e-4c1e-9d8e-3f2a1b0c4d5e"
		for _, tc := range []struct {
			name    string
			call    func() error
			status  int
			code    string
			pointer string
		}{
			{"generate, unknown room", func() error {
				_, err := e.c.GenerateJoinClientToken(ctx, simKey, unknownRoom, telnyx.JoinClientTokenParams{})
				return err
			}, 404, "10005", ""},
			{"generate, another account's room", func() error {
				_, err := e.c.GenerateJoinClientToken(ctx, otherKey, room.ID, telnyx.JoinClientTokenParams{})
				return err
			}, 404, "10005", ""},
			{"refresh, unknown room", func() error {
				_, err := e.c.RefreshClientToken(ctx, simKey, unknownRoom, telnyx.RefreshClientTokenParams{RefreshToken: gen.RefreshToken})
				return err
			}, 404, "10005", ""},
			{"refresh, unknown token", func() error {
				_, err := e.c.RefreshClientToken(ctx, simKey, room.ID, telnyx.RefreshClientTokenParams{RefreshToken: gen.RefreshToken + "x"})
				return err
			}, 422, "10015", "/refresh_token"},
			{"refresh, an access token", func() error {
				_, err := e.c.RefreshClientToken(ctx, simKey, room.ID, telnyx.RefreshClientTokenParams{RefreshToken: gen.Token})
				return err
			}, 422, "10015", "/refresh_token"},
			{"refresh, another room's token", func() error {
				_, err := e.c.RefreshClientToken(ctx, simKey, room.ID, telnyx.RefreshClientTokenParams{RefreshToken: otherGen.RefreshToken})
				return err
			}, 422, "10015", "/refresh_token"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.call()
				var apiErr *telnyx.Error
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, tc.status, apiErr.StatusCode)
				assert.Equal(t, tc.code, apiErr.Code)
				assert.Equal(t, tc.pointer, apiErr.SourcePointer)
				for _, tok := range []string{gen.Token, gen.RefreshToken, otherGen.RefreshToken} {
					assert.NotContains(t, err.Error(), tok)
				}
			})
		}
	})

	t.Run("the trace has no token", func(t *testing.T) {
		var sawToken bool
		for _, c := range e.observed() {
			if c.Route != telnyx.RouteGenerateJoinClientToken && c.Route != telnyx.RouteRefreshClientToken {
				continue
			}
			assert.Equal(t, http.MethodPost, c.Method)
			assert.Empty(t, c.Query)
			assert.Regexp(t, `^/rooms/[0-9a-f-]{36}/actions/(generate_join|refresh)_client_token$`, c.Path)
			for _, rt := range e.sim.RefreshTokens(simKey, "") {
				if strings.Contains(fmt.Sprintf("%+v", c), rt.Token) {
					sawToken = true
				}
			}
		}
		assert.False(t, sawToken, "a Call never carries a token")
		for _, route := range []string{telnyx.RouteGenerateJoinClientToken, telnyx.RouteRefreshClientToken} {
			assert.Positive(t, e.sim.Stats().ByRoute[simRoute(route)], "the simulator names the same route %s", route)
		}
	})
}

func TestClientTokenParamsRefusedBeforeTheCall(t *testing.T) {
	t.Parallel()
	f := newFake(t, replyJSON(201, `{}`))
	var calls []telnyx.Call
	c := f.client(t, &calls)
	ctx := context.Background()
	room := "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"
	const refresh = "eyJhbGciOi.REFRESH_SECRET.sig"

	for _, tc := range []struct {
		name   string
		call   func() error
		fields []string
	}{
		{"token ttl 9", func() error {
			_, err := c.GenerateJoinClientToken(ctx, testKey, room, telnyx.JoinClientTokenParams{TokenTTLSecs: ptr(9)})
			return err
		}, []string{"token_ttl_secs"}},
		{"token ttl 3601", func() error {
			_, err := c.GenerateJoinClientToken(ctx, testKey, room, telnyx.JoinClientTokenParams{TokenTTLSecs: ptr(3601)})
			return err
		}, []string{"token_ttl_secs"}},
		{"refresh ttl 59", func() error {
			_, err := c.GenerateJoinClientToken(ctx, testKey, room, telnyx.JoinClientTokenParams{RefreshTokenTTLSecs: ptr(59)})
			return err
		}, []string{"refresh_token_ttl_secs"}},
		{"refresh ttl 86401", func() error {
			_, err := c.GenerateJoinClientToken(ctx, testKey, room, telnyx.JoinClientTokenParams{RefreshTokenTTLSecs: ptr(86401)})
			return err
		}, []string{"refresh_token_ttl_secs"}},
		{"both ttls", func() error {
			_, err := c.GenerateJoinClientToken(ctx, testKey, room, telnyx.JoinClientTokenParams{TokenTTLSecs: ptr(0), RefreshTokenTTLSecs: ptr(-1)})
			return err
		}, []string{"token_ttl_secs", "refresh_token_ttl_secs"}},
		{"refresh without a refresh token", func() error {
			_, err := c.RefreshClientToken(ctx, testKey, room, telnyx.RefreshClientTokenParams{})
			return err
		}, []string{"refresh_token"}},
		{"refresh ttl out of range", func() error {
			_, err := c.RefreshClientToken(ctx, testKey, room, telnyx.RefreshClientTokenParams{RefreshToken: refresh, TokenTTLSecs: ptr(4000)})
			return err
		}, []string{"token_ttl_secs"}},
		{"refresh, everything wrong", func() error {
			_, err := c.RefreshClientToken(ctx, testKey, room, telnyx.RefreshClientTokenParams{TokenTTLSecs: ptr(1)})
			return err
		}, []string{"refresh_token", "token_ttl_secs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.ErrorIs(t, err, telnyx.ErrInvalidArgument)
			var pe telnyx.ParamErrors
			require.ErrorAs(t, err, &pe)
			var fields []string
			for _, e := range pe {
				fields = append(fields, e.Field)
			}
			assert.Equal(t, tc.fields, fields)
			var first *telnyx.ParamError
			require.ErrorAs(t, err, &first)
			assert.Equal(t, tc.fields[0], first.Field)
			assert.NotContains(t, err.Error(), refresh)
		})
	}
	for _, tc := range []struct {
		name string
		call func() error
		want error
	}{
		{"generate without key", func() error {
			_, err := c.GenerateJoinClientToken(ctx, "", room, telnyx.JoinClientTokenParams{})
			return err
		}, telnyx.ErrNoCredential},
		{"refresh without room", func() error {
			_, err := c.RefreshClientToken(ctx, testKey, "", telnyx.RefreshClientTokenParams{RefreshToken: refresh})
			return err
		}, telnyx.ErrInvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) { require.ErrorIs(t, tc.call(), tc.want) })
	}
	assert.Empty(t, f.requests(), "no HTTP call for a refused input")
	assert.Empty(t, calls, "nothing observed")
}

func TestClientTokenWire(t *testing.T) {
	t.Parallel()
	const body = `{"data":{"token":"TOK.A.B","token_expires_at":"2026-03-01T12:10:00.000000Z",` +
		`"refresh_token":"REF.A.B","refresh_token_expires_at":"2026-03-01T13:00:00.000000Z"}}`
	ctx := context.Background()
	room := "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"
	for _, tc := range []struct {
		name     string
		call     func(c *telnyx.Client) error
		wantPath string
		wantBody string
	}{
		{"generate, defaults", func(c *telnyx.Client) error {
			got, err := c.GenerateJoinClientToken(ctx, testKey, room, telnyx.JoinClientTokenParams{})
			if err == nil {
				assert.Equal(t, telnyx.JoinClientToken{Token: "TOK.A.B", TokenExpiresAt: fixedNow.Add(10 * time.Minute),
					RefreshToken: "REF.A.B", RefreshTokenExpiresAt: fixedNow.Add(time.Hour)}, *got)
			}
			return err
		}, "/v2/rooms/" + room + "/actions/generate_join_client_token", `{}`},
		{"generate, ttls", func(c *telnyx.Client) error {
			_, err := c.GenerateJoinClientToken(ctx, testKey, room, telnyx.JoinClientTokenParams{TokenTTLSecs: ptr(10), RefreshTokenTTLSecs: ptr(86400)})
			return err
		}, "/v2/rooms/" + room + "/actions/generate_join_client_token", `{"token_ttl_secs":10,"refresh_token_ttl_secs":86400}`},
		{"refresh", func(c *telnyx.Client) error {
			got, err := c.RefreshClientToken(ctx, testKey, room, telnyx.RefreshClientTokenParams{RefreshToken: "REF.A.B"})
			if err == nil {
				assert.Equal(t, telnyx.ClientToken{Token: "TOK.A.B", TokenExpiresAt: fixedNow.Add(10 * time.Minute)}, *got)
			}
			return err
		}, "/v2/rooms/" + room + "/actions/refresh_client_token", `{"refresh_token":"REF.A.B"}`},
		{"refresh, ttl", func(c *telnyx.Client) error {
			_, err := c.RefreshClientToken(ctx, testKey, room, telnyx.RefreshClientTokenParams{RefreshToken: "REF.A.B", TokenTTLSecs: ptr(3600)})
			return err
		}, "/v2/rooms/" + room + "/actions/refresh_client_token", `{"refresh_token":"REF.A.B","token_ttl_secs":3600}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, replyJSON(201, body))
			require.NoError(t, tc.call(f.client(t, nil)))
			r := f.only(t)
			assert.Equal(t, http.MethodPost, r.Method)
			assert.Equal(t, tc.wantPath, r.Path)
			assert.Empty(t, r.RawQuery)
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
			assert.JSONEq(t, tc.wantBody, string(r.Body))
		})
	}
}

// TestClientTokenSecretsStayOut: an upstream that echoes the refresh token, or answers a body the client
// cannot use, never puts a token into an error message.
func TestClientTokenSecretsStayOut(t *testing.T) {
	t.Parallel()
	const refresh = "REFRESH.eyJzZWNyZXQiOnRydWV9.SIG"
	ctx := context.Background()
	room := "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"
	for _, tc := range []struct {
		name    string
		respond http.HandlerFunc
		check   func(t *testing.T, err error)
	}{
		{"422 echoing the token", replyJSON(422, `{"errors":[{"code":"10015","title":"Bad Request `+refresh+`",`+
			`"detail":"refresh token `+refresh+` is invalid","source":{"pointer":"/refresh_token"}}]}`),
			func(t *testing.T, err error) {
				var apiErr *telnyx.Error
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, "/refresh_token", apiErr.SourcePointer)
				assert.Contains(t, apiErr.Detail, "[redacted]")
				assert.NotContains(t, fmt.Sprintf("%+v", apiErr.Errors), refresh)
			}},
		{"401 message body echoing the token", replyJSON(401, `{"message":"bad `+refresh+`","success":false}`),
			func(t *testing.T, err error) {
				var apiErr *telnyx.Error
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, 401, apiErr.StatusCode)
			}},
		{"201 with broken JSON around a token", replyJSON(201, `{"data":{"token":"`+refresh+`","token_expires_at":"not a time"}}`),
			func(t *testing.T, err error) {
				var te *telnyx.TransportError
				require.ErrorAs(t, err, &te)
			}},
		{"201 without a token", replyJSON(201, `{"data":{"token_expires_at":"2026-03-01T12:10:00Z"}}`),
			func(t *testing.T, err error) {
				var te *telnyx.TransportError
				require.ErrorAs(t, err, &te)
			}},
		{"201 without data", replyJSON(201, `{}`),
			func(t *testing.T, err error) {
				var te *telnyx.TransportError
				require.ErrorAs(t, err, &te)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.respond)
			var calls []telnyx.Call
			_, err := f.client(t, &calls).RefreshClientToken(ctx, testKey, room, telnyx.RefreshClientTokenParams{RefreshToken: refresh})
			require.Error(t, err)
			tc.check(t, err)
			assert.NotContains(t, err.Error(), refresh)
			assert.NotContains(t, fmt.Sprintf("%+v", err), refresh)
			require.Len(t, calls, 1)
			assert.NotContains(t, fmt.Sprintf("%+v", calls[0]), refresh)
		})
	}
	t.Run("generate: 201 without a refresh token", func(t *testing.T) {
		f := newFake(t, replyJSON(201, `{"data":{"token":"T","token_expires_at":"2026-03-01T12:10:00Z"}}`))
		_, err := f.client(t, nil).GenerateJoinClientToken(ctx, testKey, room, telnyx.JoinClientTokenParams{})
		var te *telnyx.TransportError
		require.ErrorAs(t, err, &te)
	})
}

// TestClientTokensPrintRedacted: printing or logging a whole token value shows no token.
func TestClientTokensPrintRedacted(t *testing.T) {
	t.Parallel()
	const tok, ref = "ACCESS_TOKEN_SECRET", "REFRESH_TOKEN_SECRET"
	exp := fixedNow.Add(time.Minute)
	values := []any{
		telnyx.JoinClientToken{Token: tok, TokenExpiresAt: exp, RefreshToken: ref, RefreshTokenExpiresAt: exp},
		&telnyx.JoinClientToken{Token: tok, TokenExpiresAt: exp, RefreshToken: ref, RefreshTokenExpiresAt: exp},
		telnyx.ClientToken{Token: tok, TokenExpiresAt: exp},
		&telnyx.ClientToken{Token: tok, TokenExpiresAt: exp},
		telnyx.RefreshClientTokenParams{RefreshToken: ref, TokenTTLSecs: ptr(30)},
	}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			s := fmt.Sprintf(verb, v)
			assert.NotContains(t, s, tok, "%s of %T", verb, v)
			assert.NotContains(t, s, ref, "%s of %T", verb, v)
			assert.Contains(t, s, "[redacted]", "%s of %T", verb, v)
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("issued", "token", v)
		assert.NotContains(t, buf.String(), tok)
		assert.NotContains(t, buf.String(), ref)
		assert.Contains(t, buf.String(), "[redacted]")
	}
}

// TestClientTokensNeverRetriedThroughSim: the client makes exactly one attempt per call (retries belong
// to the resilience layer, which never retries a POST: internal/upstream/resilience).
func TestClientTokensNeverRetriedThroughSim(t *testing.T) {
	t.Parallel()
	e := smallSim(t)
	room := e.sim.Rooms(simKey)[0]
	e.sim.SetFault(telnyxsim.RouteGenerateJoinClientToken, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503})
	e.sim.SetFault(telnyxsim.RouteRefreshClientToken, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503})
	_, err := e.c.GenerateJoinClientToken(context.Background(), simKey, room.ID, telnyx.JoinClientTokenParams{})
	var apiErr *telnyx.Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 503, apiErr.StatusCode)
	_, err = e.c.RefreshClientToken(context.Background(), simKey, room.ID, telnyx.RefreshClientTokenParams{RefreshToken: "anything"})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 503, apiErr.StatusCode)
	st := e.sim.Stats()
	assert.Equal(t, 1, st.ByRoute[telnyxsim.RouteGenerateJoinClientToken])
	assert.Equal(t, 1, st.ByRoute[telnyxsim.RouteRefreshClientToken])
	assert.Len(t, e.observed(), 2, "one attempt per call")
}
