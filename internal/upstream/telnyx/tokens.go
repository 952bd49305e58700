package telnyx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Client tokens (docs/upstream.md §4.4): a join token for the Telnyx Video client SDK, and its refresh.
// The tokens are credentials. The client never puts one in an error, a [Call] (which holds method, route,
// path and query, never a body) or a log line, and the types that carry one print it redacted.

// Bounds of the ttl fields (docs/upstream.md §4.4). The server defaults apply when a field is nil.
const (
	MinTokenTTLSecs        = 10
	MaxTokenTTLSecs        = 3600
	MinRefreshTokenTTLSecs = 60
	MaxRefreshTokenTTLSecs = 86400
)

// JoinClientTokenParams is the body of GenerateJoinClientToken. A nil field is not sent, so the server
// default applies (600 s for the token, 3600 s for the refresh token).
type JoinClientTokenParams struct {
	TokenTTLSecs        *int `json:"token_ttl_secs,omitempty"`         // 10–3600
	RefreshTokenTTLSecs *int `json:"refresh_token_ttl_secs,omitempty"` // 60–86400
}

// RefreshClientTokenParams is the body of RefreshClientToken.
type RefreshClientTokenParams struct {
	RefreshToken string `json:"refresh_token"`            // required
	TokenTTLSecs *int   `json:"token_ttl_secs,omitempty"` // 10–3600; nil: the server default (600 s)
}

// JoinClientToken is the answer of GenerateJoinClientToken: a token for the client SDK to join the room and
// a refresh token to get new ones, each with its expiry. The tokens are opaque JWT strings.
type JoinClientToken struct {
	Token                 string    `json:"token"`
	TokenExpiresAt        time.Time `json:"token_expires_at"`
	RefreshToken          string    `json:"refresh_token"`
	RefreshTokenExpiresAt time.Time `json:"refresh_token_expires_at"`
}

// ClientToken is the answer of RefreshClientToken: a new join token and its expiry.
type ClientToken struct {
	Token          string    `json:"token"`
	TokenExpiresAt time.Time `json:"token_expires_at"`
}

// ParamError is an input that cannot form a valid request, found before any HTTP call. It wraps
// [ErrInvalidArgument]. Field is the body member at fault, as on the wire (e.g. "token_ttl_secs"), so a
// caller can point at its own input field; Message never repeats a credential.
type ParamError struct {
	Field   string
	Message string
}

func (e *ParamError) Error() string { return "telnyx: invalid argument: " + e.Field + ": " + e.Message }

// Unwrap makes errors.Is(err, ErrInvalidArgument) hold.
func (e *ParamError) Unwrap() error { return ErrInvalidArgument }

// ParamErrors is every ParamError of one request, in body order; it wraps each of them, so errors.As finds
// the first and errors.Is(err, ErrInvalidArgument) holds.
type ParamErrors []*ParamError

func (es ParamErrors) Error() string {
	if len(es) == 1 {
		return es[0].Error()
	}
	s := "telnyx: invalid arguments:"
	for i, e := range es {
		if i > 0 {
			s += ";"
		}
		s += " " + e.Field + ": " + e.Message
	}
	return s
}

// Unwrap returns every ParamError.
func (es ParamErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func checkTTL(errs ParamErrors, field string, v *int, lo, hi int) ParamErrors {
	if v != nil && (*v < lo || *v > hi) {
		errs = append(errs, &ParamError{Field: field,
			Message: "must be between " + strconv.Itoa(lo) + " and " + strconv.Itoa(hi) + " seconds, got " + strconv.Itoa(*v)})
	}
	return errs
}

// Validate checks the ttl bounds; GenerateJoinClientToken calls it before any HTTP call.
func (p JoinClientTokenParams) Validate() error {
	var errs ParamErrors
	errs = checkTTL(errs, "token_ttl_secs", p.TokenTTLSecs, MinTokenTTLSecs, MaxTokenTTLSecs)
	errs = checkTTL(errs, "refresh_token_ttl_secs", p.RefreshTokenTTLSecs, MinRefreshTokenTTLSecs, MaxRefreshTokenTTLSecs)
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Validate checks that a refresh token is given and the ttl bounds; RefreshClientToken calls it before
// any HTTP call.
func (p RefreshClientTokenParams) Validate() error {
	var errs ParamErrors
	if p.RefreshToken == "" {
		errs = append(errs, &ParamError{Field: "refresh_token", Message: "is required"})
	}
	errs = checkTTL(errs, "token_ttl_secs", p.TokenTTLSecs, MinTokenTTLSecs, MaxTokenTTLSecs)
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// GenerateJoinClientToken calls POST /rooms/{room_id}/actions/generate_join_client_token (201). Bad ttls are
// *ParamError (within ParamErrors) with no HTTP call. It is a write: never retried, never coalesced.
func (c *Client) GenerateJoinClientToken(ctx context.Context, key, roomID string, p JoinClientTokenParams) (*JoinClientToken, error) {
	return postToken(ctx, c, key, roomID, RouteGenerateJoinClientToken, "generate_join_client_token", p, "",
		func(t *JoinClientToken) error {
			if err := completeToken(&t.Token, &t.TokenExpiresAt); err != nil {
				return err
			}
			return completeToken(&t.RefreshToken, &t.RefreshTokenExpiresAt)
		})
}

// RefreshClientToken calls POST /rooms/{room_id}/actions/refresh_client_token (201). An empty refresh token
// or a bad ttl is *ParamError (within ParamErrors) with no HTTP call. The refresh token is redacted from
// every error the upstream's answer becomes. It is a write: never retried, never coalesced.
func (c *Client) RefreshClientToken(ctx context.Context, key, roomID string, p RefreshClientTokenParams) (*ClientToken, error) {
	return postToken(ctx, c, key, roomID, RouteRefreshClientToken, "refresh_client_token", p, p.RefreshToken,
		func(t *ClientToken) error { return completeToken(&t.Token, &t.TokenExpiresAt) })
}

// postToken is one token call: p checked before any HTTP call, the answer's data decoded into a T that
// complete checks. secret is redacted from every error the answer becomes.
func postToken[T any](ctx context.Context, c *Client, key, roomID, route, action string, p interface{ Validate() error }, secret string, complete func(*T) error) (*T, error) {
	if err := check(key, roomID, "room id"); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	body, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	out := new(T)
	err = c.do(ctx, key, &request{
		method: http.MethodPost,
		route:  route,
		path:   "/rooms/" + url.PathEscape(roomID) + "/actions/" + action,
		body:   body,
		secret: secret,
	}, func(b []byte) error {
		var w struct {
			Data *T `json:"data"`
		}
		if err := json.Unmarshal(b, &w); err != nil {
			return errUndecodableToken
		}
		if w.Data == nil {
			return errMissingData
		}
		*out = *w.Data
		return complete(out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

var (
	errIncompleteToken = errors.New("token response lacks a token or its expiry")
	// errUndecodableToken replaces the JSON decoder's error, which can quote the body, so a token
	// never reaches a TransportError's message.
	errUndecodableToken = errors.New("token response is not the expected JSON")
)

func completeToken(tok *string, exp *time.Time) error {
	if *tok == "" || exp.IsZero() {
		return errIncompleteToken
	}
	*exp = exp.UTC()
	return nil
}

// The token-carrying types print their tokens redacted under fmt's %v, %+v, %#v and %s, and under slog,
// so a log line or a debug print of a whole value cannot leak one.

const redactedToken = "[redacted]"

func redactedIf(s string) string {
	if s == "" {
		return ""
	}
	return redactedToken
}

// String prints the expiries and hides the tokens.
func (t JoinClientToken) String() string {
	return "JoinClientToken{Token:" + redactedIf(t.Token) + " TokenExpiresAt:" + t.TokenExpiresAt.Format(time.RFC3339Nano) +
		" RefreshToken:" + redactedIf(t.RefreshToken) + " RefreshTokenExpiresAt:" + t.RefreshTokenExpiresAt.Format(time.RFC3339Nano) + "}"
}

// GoString is String, for %#v.
func (t JoinClientToken) GoString() string { return t.String() }

// LogValue hides the tokens from slog.
func (t JoinClientToken) LogValue() slog.Value {
	return slog.GroupValue(slog.String("token", redactedIf(t.Token)), slog.Time("token_expires_at", t.TokenExpiresAt),
		slog.String("refresh_token", redactedIf(t.RefreshToken)), slog.Time("refresh_token_expires_at", t.RefreshTokenExpiresAt))
}

// String prints the expiry and hides the token.
func (t ClientToken) String() string {
	return "ClientToken{Token:" + redactedIf(t.Token) + " TokenExpiresAt:" + t.TokenExpiresAt.Format(time.RFC3339Nano) + "}"
}

// GoString is String, for %#v.
func (t ClientToken) GoString() string { return t.String() }

// LogValue hides the token from slog.
func (t ClientToken) LogValue() slog.Value {
	return slog.GroupValue(slog.String("token", redactedIf(t.Token)), slog.Time("token_expires_at", t.TokenExpiresAt))
}

// String prints the ttl and hides the refresh token.
func (p RefreshClientTokenParams) String() string {
	ttl := "default"
	if p.TokenTTLSecs != nil {
		ttl = strconv.Itoa(*p.TokenTTLSecs)
	}
	return "RefreshClientTokenParams{RefreshToken:" + redactedIf(p.RefreshToken) + " TokenTTLSecs:" + ttl + "}"
}

// GoString is String, for %#v.
func (p RefreshClientTokenParams) GoString() string { return p.String() }

// LogValue hides the refresh token from slog.
func (p RefreshClientTokenParams) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("refresh_token", redactedIf(p.RefreshToken))}
	if p.TokenTTLSecs != nil {
		attrs = append(attrs, slog.Int("token_ttl_secs", *p.TokenTTLSecs))
	}
	return slog.GroupValue(attrs...)
}
