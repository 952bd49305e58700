package gateway_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

const (
	generateTokenQuery = `mutation($room: ID!, $input: JoinClientTokenInput) {
		generateJoinClientToken(roomId: $room, input: $input) { roomId token tokenExpiresAt refreshToken refreshTokenExpiresAt } }`
	refreshTokenQuery = `mutation($room: ID!, $refresh: String!) {
		refreshClientToken(roomId: $room, refreshToken: $refresh) { roomId token tokenExpiresAt } }`
)

type joinToken struct {
	RoomID                string
	Token                 string
	TokenExpiresAt        time.Time
	RefreshToken          string
	RefreshTokenExpiresAt time.Time
}

// jwtClaims decodes the claims of the simulator's JWT-shaped token (nobody verifies its signature).
func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(b, &claims))
	return claims
}

func TestJoinClientTokens(t *testing.T) {
	forExecutors(t, func(t *testing.T, e executor) {
		h := newHarness(t, surfaceSim(), e.config(gateway.Config{}))
		room := h.sim.Rooms(keyA)[0].ID
		h.calls()

		var gen struct{ GenerateJoinClientToken joinToken }
		h.ok(t, generateTokenQuery, map[string]any{"room": room, "input": map[string]any{"tokenTtlSecs": 300, "refreshTokenTtlSecs": 7200}}, &gen)
		g := gen.GenerateJoinClientToken
		assert.Equal(t, room, g.RoomID)
		assert.NotEmpty(t, g.Token)
		assert.Equal(t, 6900*time.Second, g.RefreshTokenExpiresAt.Sub(g.TokenExpiresAt), "ttls 300 and 7200 from the same instant")
		assert.Equal(t, []string{telnyxsim.RouteGenerateJoinClientToken}, routes(h.calls()), "one write, no follow-up read")
		var known []string
		for _, rt := range h.sim.RefreshTokens(keyA, room) {
			known = append(known, rt.Token)
		}
		assert.Contains(t, known, g.RefreshToken, "the simulator remembers the refresh token the mutation returned")
		assert.Equal(t, "access", jwtClaims(t, g.Token)["typ"])

		t.Run("defaults", func(t *testing.T) {
			var d struct{ GenerateJoinClientToken joinToken }
			h.ok(t, generateTokenQuery, map[string]any{"room": room}, &d)
			assert.Equal(t, 3000*time.Second, d.GenerateJoinClientToken.RefreshTokenExpiresAt.Sub(d.GenerateJoinClientToken.TokenExpiresAt), "600 s and 3600 s")
			h.calls()
		})

		t.Run("refresh round trip", func(t *testing.T) {
			for range 2 { // the refresh token is not rotated: it works again
				var r struct{ RefreshClientToken joinToken }
				h.ok(t, refreshTokenQuery, map[string]any{"room": room, "refresh": g.RefreshToken}, &r)
				got := r.RefreshClientToken
				assert.Equal(t, room, got.RoomID)
				assert.NotEqual(t, g.Token, got.Token, "a new join token")
				claims := jwtClaims(t, got.Token)
				assert.Equal(t, room, claims["sub"], "issued for the room")
				assert.Equal(t, "access", claims["typ"])
				assert.Equal(t, float64(got.TokenExpiresAt.Unix()), claims["exp"])
				assert.Equal(t, []string{telnyxsim.RouteRefreshClientToken}, routes(h.calls()))
			}
		})

		t.Run("refresh token ttl", func(t *testing.T) {
			r := h.post(t, `mutation($room: ID!, $refresh: String!) { refreshClientToken(roomId: $room, refreshToken: $refresh, tokenTtlSecs: 10) { tokenExpiresAt } }`,
				map[string]any{"room": room, "refresh": g.RefreshToken})
			require.Empty(t, r.Errors)
			assert.Equal(t, []string{telnyxsim.RouteRefreshClientToken}, routes(h.calls()))
		})
	})
}

// TestJoinClientTokenInputChecked: every input of the token mutations is checked before any write, by
// the resolvers' own checks (CheckWrites): BAD_USER_INPUT at the field, "data": null, no upstream call.
func TestJoinClientTokenInputChecked(t *testing.T) {
	h := newHarness(t, surfaceSim(), gateway.Config{})
	room := h.sim.Rooms(keyA)[0].ID
	const secret = "eyJhbGciOiJIUzUxMiJ9.c2VjcmV0.bm90LWEtcmVhbC10b2tlbg"
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		field string
		msg   string
	}{
		{"token ttl below 10", generateTokenQuery, map[string]any{"room": room, "input": map[string]any{"tokenTtlSecs": 9}},
			"generateJoinClientToken", "input.tokenTtlSecs must be between 10 and 3600 seconds, got 9"},
		{"token ttl above 3600", `mutation($room: ID!) { generateJoinClientToken(roomId: $room, input: {tokenTtlSecs: 3601}) { token } }`, map[string]any{"room": room},
			"generateJoinClientToken", "input.tokenTtlSecs must be between 10 and 3600 seconds, got 3601"},
		{"refresh ttl below 60", generateTokenQuery, map[string]any{"room": room, "input": map[string]any{"refreshTokenTtlSecs": 59}},
			"generateJoinClientToken", "input.refreshTokenTtlSecs must be between 60 and 86400 seconds, got 59"},
		{"refresh ttl above 86400", generateTokenQuery, map[string]any{"room": room, "input": map[string]any{"refreshTokenTtlSecs": 86401}},
			"generateJoinClientToken", "input.refreshTokenTtlSecs must be between 60 and 86400 seconds, got 86401"},
		{"room id not a UUID", generateTokenQuery, map[string]any{"room": "standup"},
			"generateJoinClientToken", `roomId must be a UUID`},
		{"empty refresh token", refreshTokenQuery, map[string]any{"room": room, "refresh": ""},
			"refreshClientToken", "refreshToken must not be empty"},
		{"refresh: token ttl out of range", `mutation($room: ID!, $refresh: String!) { refreshClientToken(roomId: $room, refreshToken: $refresh, tokenTtlSecs: 3601) { token } }`,
			map[string]any{"room": room, "refresh": secret}, "refreshClientToken", "tokenTtlSecs must be between 10 and 3600 seconds, got 3601"},
		{"refresh: room id not a UUID", refreshTokenQuery, map[string]any{"room": "x", "refresh": secret},
			"refreshClientToken", "roomId must be a UUID"},
		{"a valid write beside an invalid one: nothing is written", `mutation($room: ID!) {
			a: createRoom(input: {uniqueName: "never-created"}) { room { id } }
			b: generateJoinClientToken(roomId: $room, input: {tokenTtlSecs: 0}) { token } }`, map[string]any{"room": room},
			"b", "input.tokenTtlSecs must be between 10 and 3600 seconds, got 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.calls()
			r := h.post(t, tc.query, tc.vars)
			require.Len(t, r.Errors, 1, "%+v", r.Errors)
			assert.Equal(t, "BAD_USER_INPUT", r.Errors[0].code())
			assert.Equal(t, []any{tc.field}, r.Errors[0].Path)
			assert.Contains(t, r.Errors[0].Message, tc.msg)
			assert.NotContains(t, r.Errors[0].Message, secret, "a refresh token is never echoed")
			assert.JSONEq(t, `null`, string(r.Data))
			assert.Empty(t, h.calls(), "no upstream call")
		})
	}
}

// TestJoinClientTokenUpstreamErrors: the upstream's refusals keep their meaning, and a write is never
// retried.
func TestJoinClientTokenUpstreamErrors(t *testing.T) {
	h := newHarness(t, surfaceSim(), gateway.Config{})
	room := h.sim.Rooms(keyA)[0].ID
	const unknownRefresh = "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.dW5rbm93bg.c2lnbmF0dXJlLW5vdC1pc3N1ZWQ"
	tests := []struct {
		name   string
		query  string
		vars   map[string]any
		fault  string // a route that answers 503
		code   string
		status float64
		route  string
	}{
		{"unknown refresh token", refreshTokenQuery, map[string]any{"room": room, "refresh": unknownRefresh}, "", "BAD_USER_INPUT", 422, telnyxsim.RouteRefreshClientToken},
		{"another room's refresh token", refreshTokenQuery, map[string]any{"room": h.sim.Rooms(keyA)[1].ID, "refresh": simRefreshToken(t, h, keyA, room)}, "",
			"BAD_USER_INPUT", 422, telnyxsim.RouteRefreshClientToken},
		{"generate: unknown room", generateTokenQuery, map[string]any{"room": unknownRoom}, "", "NOT_FOUND", 404, telnyxsim.RouteGenerateJoinClientToken},
		{"refresh: unknown room", refreshTokenQuery, map[string]any{"room": unknownRoom, "refresh": unknownRefresh}, "", "NOT_FOUND", 404, telnyxsim.RouteRefreshClientToken},
		{"generate: 503 is not retried", generateTokenQuery, map[string]any{"room": room}, telnyxsim.RouteGenerateJoinClientToken,
			"UPSTREAM_UNAVAILABLE", 503, telnyxsim.RouteGenerateJoinClientToken},
		{"refresh: 503 is not retried", refreshTokenQuery, map[string]any{"room": room, "refresh": unknownRefresh}, telnyxsim.RouteRefreshClientToken,
			"UPSTREAM_UNAVAILABLE", 503, telnyxsim.RouteRefreshClientToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fault != "" {
				h.sim.SetFault(tc.fault, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503})
				defer h.sim.ClearFaults()
			}
			h.calls()
			r := h.post(t, tc.query, tc.vars)
			require.Len(t, r.Errors, 1, "%+v", r.Errors)
			assert.Equal(t, tc.code, r.Errors[0].code(), r.Errors[0].Message)
			assert.Equal(t, tc.status, r.Errors[0].Extensions["upstreamStatus"])
			field := "generateJoinClientToken"
			if strings.Contains(tc.query, "refreshClientToken") {
				field = "refreshClientToken"
			}
			assert.Equal(t, []any{field}, r.Errors[0].Path)
			assert.JSONEq(t, `{"`+field+`":null}`, string(r.Data), "the mutation field is nullable")
			if refresh, ok := tc.vars["refresh"].(string); ok {
				assert.NotContains(t, r.Errors[0].Message, refresh, "the refresh token is never echoed")
			}
			assert.Equal(t, []string{tc.route}, routes(h.calls()), "one call: a write is never retried")
		})
	}
}

// TestJoinClientTokensNeverLogged: neither token appears in the gateway's log (at debug level, errors
// included), in its spans, or in the query trace extension.
func TestJoinClientTokensNeverLogged(t *testing.T) {
	simCfg := surfaceSim()
	simCfg.Keys = []string{keyA, keyB}
	sim := telnyxsim.New(simCfg)
	simSrv := httptest.NewServer(sim)
	t.Cleanup(simSrv.Close)
	logs := &syncBuffer{}
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	_, root := serveOver(t, gateway.Config{APIKey: keyA, BaseURL: simSrv.URL + "/v2", AllowTrace: true}, simSrv,
		gateway.WithLogger(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		gateway.WithTracerProvider(tp))
	h := &harness{sim: sim, simURL: simSrv.URL + "/v2", gwURL: root + "/graphql"}
	room := sim.Rooms(keyA)[0].ID

	var secrets, traces []string
	trace := func(r response) {
		traces = append(traces, string(r.Extensions["upstreamCalls"]))
	}
	r := h.post(t, generateTokenQuery, map[string]any{"room": room}, gateway.TraceHeader, "1")
	require.Empty(t, r.Errors)
	trace(r)
	var gen struct{ GenerateJoinClientToken joinToken }
	require.NoError(t, json.Unmarshal(r.Data, &gen))
	secrets = append(secrets, gen.GenerateJoinClientToken.Token, gen.GenerateJoinClientToken.RefreshToken)

	// The refresh token as a variable, then inline in the document; then refused upstream (another
	// room's) and failing (503).
	r = h.post(t, refreshTokenQuery, map[string]any{"room": room, "refresh": gen.GenerateJoinClientToken.RefreshToken}, gateway.TraceHeader, "1")
	require.Empty(t, r.Errors)
	trace(r)
	var ref struct{ RefreshClientToken joinToken }
	require.NoError(t, json.Unmarshal(r.Data, &ref))
	secrets = append(secrets, ref.RefreshClientToken.Token)
	r = h.post(t, `mutation { refreshClientToken(roomId: "`+room+`", refreshToken: "`+gen.GenerateJoinClientToken.RefreshToken+`") { token } }`, nil, gateway.TraceHeader, "1")
	require.Empty(t, r.Errors)
	trace(r)
	r = h.post(t, refreshTokenQuery, map[string]any{"room": sim.Rooms(keyA)[1].ID, "refresh": gen.GenerateJoinClientToken.RefreshToken}, gateway.TraceHeader, "1")
	require.Equal(t, []string{"BAD_USER_INPUT"}, r.codes())
	trace(r)
	sim.SetFault(telnyxsim.RouteRefreshClientToken, telnyxsim.Fault{ErrorRate: 1, ErrorStatus: 503})
	r = h.post(t, refreshTokenQuery, map[string]any{"room": room, "refresh": gen.GenerateJoinClientToken.RefreshToken}, gateway.TraceHeader, "1")
	require.Equal(t, []string{"UPSTREAM_UNAVAILABLE"}, r.codes())
	trace(r)

	require.NotEmpty(t, logLines(t, logs, "graphql operation"), "the operations were logged")
	var spanText strings.Builder
	for _, s := range spans.GetSpans() {
		b, err := json.Marshal(s.Attributes)
		require.NoError(t, err)
		spanText.WriteString(s.Name)
		spanText.Write(b)
		b, err = json.Marshal(s.Events)
		require.NoError(t, err)
		spanText.Write(b)
		spanText.WriteString(s.Status.Description)
	}
	require.NotEmpty(t, spanText.String())
	for _, s := range secrets {
		require.NotEmpty(t, s)
		// The signature part alone is what makes a token secret; check the whole token and that part.
		sig := s[strings.LastIndexByte(s, '.')+1:]
		assert.NotContains(t, logs.String(), sig, "a token in the log")
		assert.NotContains(t, spanText.String(), sig, "a token in a span")
		for _, tr := range traces {
			require.NotEmpty(t, tr)
			assert.NotContains(t, tr, sig, "a token in the query trace")
		}
	}
}
