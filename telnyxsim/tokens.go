package telnyxsim

import (
	"encoding/base64"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// Client tokens (docs/upstream.md §4.4): POST /rooms/{room_id}/actions/generate_join_client_token and
// .../refresh_client_token. Both answer 201.

const (
	tokenTTLMin, tokenTTLMax, tokenTTLDefault                      = 10, 3600, 600
	refreshTokenTTLMin, refreshTokenTTLMax, refreshTokenTTLDefault = 60, 86400, 3600
)

// RefreshToken is a read-only copy of a refresh token the simulator issued, for tests.
type RefreshToken struct {
	Token     string
	RoomID    string
	ExpiresAt time.Time
}

// refreshRec is a refresh token the account remembers until it expires.
type refreshRec struct {
	room      *roomRec
	expiresAt int64 // unix microseconds; valid while now < expiresAt
}

// tokenJWTHeader is base64url({"alg":"HS512","typ":"JWT"}), the header of Telnyx's example tokens.
var tokenJWTHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS512","typ":"JWT"}`))

// newToken mints a JWT-shaped, opaque token: the contract only says "JWT string", so it has the
// three base64url parts of one (a header, claims naming the room and the expiry, and 64 random bytes
// where the signature goes), all drawn from the account's seeded token source. Nobody verifies it.
// Called with a.mu held.
func (a *account) newToken(roomID, typ string, now, exp int64) string {
	claims := make([]byte, 0, 256)
	claims = append(claims, `{"aud":"telnyx_video","exp":`...)
	claims = strconv.AppendInt(claims, exp/1e6, 10)
	claims = append(claims, `,"iat":`...)
	claims = strconv.AppendInt(claims, now/1e6, 10)
	claims = append(claims, `,"iss":"telnyxsim","jti":`...)
	claims = appendID(claims, newUUID(a.tokens))
	claims = append(claims, `,"sub":`...)
	claims = appendID(claims, roomID)
	claims = append(claims, `,"typ":`...)
	claims = appendString(claims, typ)
	claims = append(claims, '}')
	var sig [64]byte
	for i := 0; i < len(sig); i += 8 {
		v := a.tokens.Uint64()
		for j := range 8 {
			sig[i+j] = byte(v >> (8 * j))
		}
	}
	return tokenJWTHeader + "." + base64.RawURLEncoding.EncodeToString(claims) + "." + base64.RawURLEncoding.EncodeToString(sig[:])
}

// ttlField validates an optional integer field of a token body; absent takes def. null is refused
// like any other non-nullable field (§7.14).
func ttlField(m map[string]any, name string, lo, hi, def int, errs *[]apiError) int {
	v, ok := m[name]
	if !ok {
		return def
	}
	if n, isInt := jsonInt(v); isInt && n >= lo && n <= hi {
		return n
	}
	*errs = append(*errs, errBadBody("/"+name, name+" must be an integer between "+strconv.Itoa(lo)+" and "+strconv.Itoa(hi)+"."))
	return def
}

// roomForToken finds the room of a token route: 404 for a malformed or unknown id. With
// RelaxActionAuth and no key, refresh_client_token (security: [] in the spec) looks the room up in
// every account.
func (s *Sim) roomForToken(a *account, id string) (*account, *apiError) {
	if !isUUID(id) {
		e := errNotFound("")
		return nil, &e
	}
	if a == nil {
		if a = s.accountOfRoom(id); a == nil {
			e := errNotFound("")
			return nil, &e
		}
	}
	return a, nil
}

func (s *Sim) accountOfRoom(id string) *account {
	for _, k := range s.keys {
		a := s.accounts[k]
		a.mu.RLock()
		_, ok := a.roomByID[id]
		a.mu.RUnlock()
		if ok {
			return a
		}
	}
	return nil
}

// withTokenRoom runs action for the room of a token request, under the account's lock, with the request's
// body decoded: an unknown room is 404 (checked before the body, as for every room action), a body that is
// not a JSON object 422.
func (s *Sim) withTokenRoom(a *account, id string, body, b []byte, action func(a *account, r *roomRec, m map[string]any, b []byte) (int, []byte)) (int, []byte) {
	a, nf := s.roomForToken(a, id)
	if nf != nil {
		return failp(b, nf)
	}
	m, decodeErr := decodeObject(body)
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.roomByID[id]
	if r == nil {
		return fail(b, errNotFound(""))
	}
	if decodeErr != nil {
		return failp(b, decodeErr)
	}
	return action(a, r, m, b)
}

func (s *Sim) generateJoinClientToken(a *account, r *roomRec, m map[string]any, b []byte) (int, []byte) {
	var errs []apiError
	ttl := ttlField(m, "token_ttl_secs", tokenTTLMin, tokenTTLMax, tokenTTLDefault, &errs)
	refreshTTL := ttlField(m, "refresh_token_ttl_secs", refreshTokenTTLMin, refreshTokenTTLMax, refreshTokenTTLDefault, &errs)
	if len(errs) > 0 {
		return errorStatus(errs), appendErrors(b, errs...)
	}
	now := s.nowMicros()
	exp := now + int64(ttl)*1e6
	refreshExp := now + int64(refreshTTL)*1e6
	token := a.newToken(r.id, "access", now, exp)
	refresh := a.newToken(r.id, "refresh", now, refreshExp)
	a.rememberRefresh(refresh, refreshRec{room: r, expiresAt: refreshExp}, now)

	b = append(b, `{"data":{"token":`...)
	b = appendString(b, token)
	b = append(b, `,"token_expires_at":`...)
	b = appendTime(b, exp)
	b = append(b, `,"refresh_token":`...)
	b = appendString(b, refresh)
	b = append(b, `,"refresh_token_expires_at":`...)
	b = appendTime(b, refreshExp)
	b = append(b, `}}`...)
	return http.StatusCreated, b
}

func (s *Sim) refreshClientToken(a *account, r *roomRec, m map[string]any, b []byte) (int, []byte) {
	var errs []apiError
	var refresh string
	switch v, ok := m["refresh_token"]; {
	case !ok || v == nil:
		errs = append(errs, errMissing("/refresh_token", "refresh_token is required."))
	default:
		sv, isStr := v.(string)
		if !isStr || sv == "" {
			errs = append(errs, errBadBody("/refresh_token", "refresh_token must be a non-empty string."))
		}
		refresh = sv
	}
	ttl := ttlField(m, "token_ttl_secs", tokenTTLMin, tokenTTLMax, tokenTTLDefault, &errs)
	if len(errs) > 0 {
		return errorStatus(errs), appendErrors(b, errs...)
	}
	now := s.nowMicros()
	// An unknown, expired or other room's refresh token is one error, and its detail never
	// repeats the token (§7.15).
	if rec, ok := a.refresh[refresh]; !ok || rec.room != r || now >= rec.expiresAt {
		return fail(b, errBadBody("/refresh_token", "The refresh token is unknown, expired, or was not issued for room "+r.id+"."))
	}
	exp := now + int64(ttl)*1e6
	token := a.newToken(r.id, "access", now, exp)
	b = append(b, `{"data":{"token":`...)
	b = appendString(b, token)
	b = append(b, `,"token_expires_at":`...)
	b = appendTime(b, exp)
	b = append(b, `}}`...)
	return http.StatusCreated, b
}

// rememberRefresh stores a refresh token, sweeping expired ones whenever the table has doubled
// since the last sweep, so a long-running simulator does not keep every token it ever issued.
func (a *account) rememberRefresh(token string, rec refreshRec, now int64) {
	if a.refresh == nil {
		a.refresh = map[string]refreshRec{}
	}
	if len(a.refresh) >= a.refreshSweepAt {
		for k, v := range a.refresh {
			if now >= v.expiresAt {
				delete(a.refresh, k)
			}
		}
		a.refreshSweepAt = max(1024, 2*len(a.refresh))
	}
	a.refresh[token] = rec
}

// RefreshTokens returns the refresh tokens the simulator remembers for a room (roomID "" = every
// room of the account), expired ones included until they are swept, by expiry then token. An
// unknown key gives nil.
func (s *Sim) RefreshTokens(key, roomID string) []RefreshToken {
	a := s.accounts[key]
	if a == nil {
		return nil
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := []RefreshToken{}
	for tok, rec := range a.refresh {
		if roomID != "" && rec.room.id != roomID {
			continue
		}
		out = append(out, RefreshToken{Token: tok, RoomID: rec.room.id, ExpiresAt: microsTime(rec.expiresAt)})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].ExpiresAt.Equal(out[j].ExpiresAt) {
			return out[i].ExpiresAt.Before(out[j].ExpiresAt)
		}
		return out[i].Token < out[j].Token
	})
	return out
}
