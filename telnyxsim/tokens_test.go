package telnyxsim_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/telnyxsim"
)

type tokenData struct {
	Token                 string `json:"token"`
	TokenExpiresAt        string `json:"token_expires_at"`
	RefreshToken          string `json:"refresh_token"`
	RefreshTokenExpiresAt string `json:"refresh_token_expires_at"`
}

func decodeToken(t *testing.T, r response) (tokenData, map[string]json.RawMessage) {
	t.Helper()
	require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	require.NoError(t, json.Unmarshal(r.body, &env), "body: %s", r.body)
	var d tokenData
	require.NoError(t, json.Unmarshal(env.Data, &d))
	var fields map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(env.Data, &fields))
	return d, fields
}

// jwtClaims checks the three base64url parts of a JWT and returns its claims.
func jwtClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3, "a JWT has three parts: %q", tok)
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	require.NoError(t, err)
	assert.JSONEq(t, `{"alg":"HS512","typ":"JWT"}`, string(header))
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(raw, &claims))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	assert.Len(t, sig, 64)
	return claims
}

func wire(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func generatePath(roomID string) string {
	return "/v2/rooms/" + roomID + "/actions/generate_join_client_token"
}

func refreshPath(roomID string) string {
	return "/v2/rooms/" + roomID + "/actions/refresh_client_token"
}

func TestGenerateJoinClientToken(t *testing.T) {
	now := fixedNow().Truncate(time.Microsecond)
	cases := []struct {
		name            string
		body            string
		ttl, refreshTTL time.Duration
	}{
		{"no body takes the defaults", "", 600 * time.Second, 3600 * time.Second},
		{"empty object takes the defaults", `{}`, 600 * time.Second, 3600 * time.Second},
		{"lowest ttls", `{"token_ttl_secs":10,"refresh_token_ttl_secs":60}`, 10 * time.Second, 60 * time.Second},
		{"highest ttls", `{"token_ttl_secs":3600,"refresh_token_ttl_secs":86400}`, time.Hour, 24 * time.Hour},
		{"one ttl, the other default", `{"token_ttl_secs":120}`, 2 * time.Minute, time.Hour},
		{"unknown fields ignored", `{"refresh_token_ttl_secs":600,"color":"blue"}`, 600 * time.Second, 600 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim, c := startSim(t, smallConfig())
			room := sim.Rooms(demoKey)[0]
			d, fields := decodeToken(t, c.do("POST", generatePath(room.ID), tc.body))
			assert.Len(t, fields, 4, "exactly token, token_expires_at, refresh_token, refresh_token_expires_at")
			assert.Equal(t, wire(now.Add(tc.ttl)), d.TokenExpiresAt)
			assert.Equal(t, wire(now.Add(tc.refreshTTL)), d.RefreshTokenExpiresAt)
			assert.NotEqual(t, d.Token, d.RefreshToken)

			access, refresh := jwtClaims(t, d.Token), jwtClaims(t, d.RefreshToken)
			assert.Equal(t, room.ID, access["sub"])
			assert.Equal(t, "access", access["typ"])
			assert.Equal(t, "refresh", refresh["typ"])
			assert.EqualValues(t, now.Add(tc.ttl).Unix(), access["exp"])
			assert.EqualValues(t, now.Add(tc.refreshTTL).Unix(), refresh["exp"])

			assert.Equal(t, []telnyxsim.RefreshToken{{Token: d.RefreshToken, RoomID: room.ID, ExpiresAt: now.Add(tc.refreshTTL)}},
				sim.RefreshTokens(demoKey, ""), "the store remembers the refresh token with its expiry")
		})
	}
}

func TestGenerateJoinClientTokenErrors(t *testing.T) {
	sim, c := startSim(t, smallConfig())
	room := sim.Rooms(demoKey)[0]
	cases := []struct {
		name     string
		path     string
		body     string
		status   int
		code     string
		pointers []string
	}{
		{"token ttl too low", generatePath(room.ID), `{"token_ttl_secs":9}`, 422, "10015", []string{"/token_ttl_secs"}},
		{"token ttl too high", generatePath(room.ID), `{"token_ttl_secs":3601}`, 422, "10015", []string{"/token_ttl_secs"}},
		{"token ttl float", generatePath(room.ID), `{"token_ttl_secs":60.5}`, 422, "10015", []string{"/token_ttl_secs"}},
		{"token ttl string", generatePath(room.ID), `{"token_ttl_secs":"600"}`, 422, "10015", []string{"/token_ttl_secs"}},
		{"token ttl null", generatePath(room.ID), `{"token_ttl_secs":null}`, 422, "10015", []string{"/token_ttl_secs"}},
		{"refresh ttl too low", generatePath(room.ID), `{"refresh_token_ttl_secs":59}`, 422, "10015", []string{"/refresh_token_ttl_secs"}},
		{"refresh ttl too high", generatePath(room.ID), `{"refresh_token_ttl_secs":86401}`, 422, "10015", []string{"/refresh_token_ttl_secs"}},
		{"both at once", generatePath(room.ID), `{"token_ttl_secs":0,"refresh_token_ttl_secs":0}`, 422, "10015", []string{"/token_ttl_secs", "/refresh_token_ttl_secs"}},
		{"malformed JSON", generatePath(room.ID), `{"token_ttl_secs":`, 422, "10015", []string{"/"}},
		{"not an object", generatePath(room.ID), `[600]`, 422, "10015", []string{"/"}},
		{"unknown room", generatePath("9b0c2a52-5f3e-4c1e-9d8e-3f2a1b0c4d5e"), `{}`, 404, "10005", nil},
		{"unknown room wins over a bad body", generatePath("9b0c2a52-5f3e-4c1e-9d8e-3f2a1b0c4d5e"), `{"token_ttl_secs":1}`, 404, "10005", nil},
		{"malformed room id", generatePath("not-a-uuid"), `{}`, 404, "10005", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := decodeErrors(t, c.do("POST", tc.path, tc.body), tc.status, tc.code)
			var pointers []string
			for _, e := range errs {
				if e.Source != nil {
					pointers = append(pointers, e.Source.Pointer)
				}
			}
			assert.Equal(t, tc.pointers, pointers)
		})
	}
	assert.Empty(t, sim.RefreshTokens(demoKey, ""), "no failed request issued a token")

	t.Run("auth required, even with relaxed action auth", func(t *testing.T) {
		cfg := smallConfig()
		cfg.RelaxActionAuth = true
		sim, c := startSim(t, cfg)
		decodeErrors(t, c.withKey("").do("POST", generatePath(sim.Rooms(demoKey)[0].ID), `{}`), 401, "10009")
		decodeErrors(t, c.withKey("KEY_wrong").do("POST", generatePath(sim.Rooms(demoKey)[0].ID), `{}`), 401, "10009")
	})
	t.Run("another account's room is not found", func(t *testing.T) {
		cfg := smallConfig()
		cfg.Keys = []string{"KEY_a", "KEY_b"}
		sim, c := startSim(t, cfg)
		decodeErrors(t, c.withKey("KEY_b").do("POST", generatePath(sim.Rooms("KEY_a")[0].ID), `{}`), 404, "10005")
	})
	t.Run("GET is not allowed", func(t *testing.T) {
		r := c.get(generatePath(room.ID))
		decodeErrors(t, r, 405, "10015")
		assert.Equal(t, "POST", r.header.Get("Allow"))
	})
}

func TestRefreshClientToken(t *testing.T) {
	var clock atomic.Int64
	clock.Store(fixedNow().UnixMicro())
	cfg := smallConfig()
	cfg.Now = func() time.Time { return time.UnixMicro(clock.Load()) }
	sim, c := startSim(t, cfg)
	rooms := sim.Rooms(demoKey)
	room, other := rooms[0], rooms[1]
	start := time.UnixMicro(clock.Load()).UTC()

	gen, _ := decodeToken(t, c.do("POST", generatePath(room.ID), `{"refresh_token_ttl_secs":120}`))
	otherGen, _ := decodeToken(t, c.do("POST", generatePath(other.ID), `{}`))
	body := func(tok string, extra string) string {
		b, err := json.Marshal(tok)
		require.NoError(t, err)
		return `{"refresh_token":` + string(b) + extra + `}`
	}

	t.Run("ok", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			extra string
			ttl   time.Duration
		}{
			{"default ttl", "", 600 * time.Second},
			{"own ttl", `,"token_ttl_secs":30`, 30 * time.Second},
			{"highest ttl", `,"token_ttl_secs":3600`, time.Hour},
		} {
			t.Run(tc.name, func(t *testing.T) {
				d, fields := decodeToken(t, c.do("POST", refreshPath(room.ID), body(gen.RefreshToken, tc.extra)))
				assert.Len(t, fields, 2, "exactly token and token_expires_at")
				assert.Equal(t, wire(start.Add(tc.ttl)), d.TokenExpiresAt)
				assert.NotEqual(t, gen.Token, d.Token, "a fresh access token")
				claims := jwtClaims(t, d.Token)
				assert.Equal(t, room.ID, claims["sub"])
				assert.Equal(t, "access", claims["typ"])
			})
		}
		assert.Len(t, sim.RefreshTokens(demoKey, room.ID), 1, "refreshing neither rotates nor adds refresh tokens")
	})

	cases := []struct {
		name    string
		path    string
		body    string
		status  int
		code    string
		pointer string
	}{
		{"missing refresh_token", refreshPath(room.ID), `{}`, 422, "10004", "/refresh_token"},
		{"no body", refreshPath(room.ID), ``, 422, "10004", "/refresh_token"},
		{"null refresh_token", refreshPath(room.ID), `{"refresh_token":null}`, 422, "10004", "/refresh_token"},
		{"refresh_token not a string", refreshPath(room.ID), `{"refresh_token":42}`, 422, "10015", "/refresh_token"},
		{"empty refresh_token", refreshPath(room.ID), `{"refresh_token":""}`, 422, "10015", "/refresh_token"},
		{"unknown refresh_token", refreshPath(room.ID), body("eyJ.not.issued", ""), 422, "10015", "/refresh_token"},
		{"an access token is no refresh token", refreshPath(room.ID), body(gen.Token, ""), 422, "10015", "/refresh_token"},
		{"another room's refresh token", refreshPath(room.ID), body(otherGen.RefreshToken, ""), 422, "10015", "/refresh_token"},
		{"ttl too low", refreshPath(room.ID), body(gen.RefreshToken, `,"token_ttl_secs":9`), 422, "10015", "/token_ttl_secs"},
		{"ttl too high", refreshPath(room.ID), body(gen.RefreshToken, `,"token_ttl_secs":3601`), 422, "10015", "/token_ttl_secs"},
		{"malformed JSON", refreshPath(room.ID), `{"refresh_token":`, 422, "10015", "/"},
		{"unknown room", refreshPath("9b0c2a52-5f3e-4c1e-9d8e-3f2a1b0c4d5e"), body(gen.RefreshToken, ""), 404, "10005", ""},
		{"malformed room id", refreshPath("nope"), body(gen.RefreshToken, ""), 404, "10005", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do("POST", tc.path, tc.body)
			errs := decodeErrors(t, r, tc.status, tc.code)
			if tc.pointer != "" {
				require.NotNil(t, errs[0].Source)
				assert.Equal(t, tc.pointer, errs[0].Source.Pointer)
			}
			for _, tok := range []string{gen.Token, gen.RefreshToken, otherGen.RefreshToken} {
				assert.NotContains(t, string(r.body), tok, "an error never repeats a token")
			}
		})
	}

	t.Run("expired", func(t *testing.T) {
		clock.Store(start.Add(119 * time.Second).UnixMicro())
		decodeToken(t, c.do("POST", refreshPath(room.ID), body(gen.RefreshToken, "")))
		clock.Store(start.Add(120 * time.Second).UnixMicro())
		errs := decodeErrors(t, c.do("POST", refreshPath(room.ID), body(gen.RefreshToken, "")), 422, "10015")
		assert.Equal(t, "/refresh_token", errs[0].Source.Pointer)
	})
	t.Run("deleting the room forgets its refresh tokens", func(t *testing.T) {
		require.Equal(t, http.StatusNoContent, c.do("DELETE", "/v2/rooms/"+other.ID, "").status)
		assert.Empty(t, sim.RefreshTokens(demoKey, other.ID))
		decodeErrors(t, c.do("POST", refreshPath(other.ID), body(otherGen.RefreshToken, "")), 404, "10005")
	})
}

func TestRefreshClientTokenAuth(t *testing.T) {
	for _, relax := range []bool{false, true} {
		t.Run(map[bool]string{false: "required by default", true: "relaxed"}[relax], func(t *testing.T) {
			cfg := smallConfig()
			cfg.RelaxActionAuth = relax
			sim, c := startSim(t, cfg)
			room := sim.Rooms(demoKey)[0]
			gen, _ := decodeToken(t, c.do("POST", generatePath(room.ID), `{}`))
			r := c.withKey("").do("POST", refreshPath(room.ID), `{"refresh_token":"`+gen.RefreshToken+`"}`)
			if relax {
				decodeToken(t, r)
			} else {
				decodeErrors(t, r, 401, "10009")
			}
		})
	}
}

func TestClientTokensDeterministic(t *testing.T) {
	run := func(withTokens bool) (string, []string) {
		sim, c := startSim(t, smallConfig())
		room := sim.Rooms(demoKey)[0]
		var toks []string
		if withTokens {
			for range 3 {
				d, _ := decodeToken(t, c.do("POST", generatePath(room.ID), `{}`))
				toks = append(toks, d.Token, d.RefreshToken)
			}
		}
		created := decodeSingleStatus(t, c.do("POST", "/v2/rooms", `{}`), http.StatusCreated)
		return str(t, created, "id"), toks
	}
	id1, toks1 := run(true)
	id2, toks2 := run(true)
	id3, _ := run(false)
	assert.Equal(t, toks1, toks2, "same seed, same requests: same tokens")
	seen := map[string]bool{}
	for _, tok := range toks1 {
		assert.False(t, seen[tok], "tokens are never reused")
		seen[tok] = true
	}
	assert.Equal(t, id1, id2)
	assert.Equal(t, id1, id3, "issuing tokens does not shift the ids of rooms created later")
}

func decodeSingleStatus(t *testing.T, r response, status int) object {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	var env struct {
		Data object `json:"data"`
	}
	require.NoError(t, json.Unmarshal(r.body, &env))
	return env.Data
}
