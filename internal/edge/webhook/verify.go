package webhook

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/roomgraph/roomgraph/internal/telemetry"
)

// The headers of a signed Telnyx delivery (../shared/upstream/telnyx-video-webhooks.md §3), looked up
// case-insensitively.
const (
	SignatureHeader = "telnyx-signature-ed25519" // base64 of the 64-byte Ed25519 signature
	TimestampHeader = "telnyx-timestamp"         // Unix seconds, decimal
)

// DefaultTolerance is how far a delivery's timestamp may be from now, either way: 300 s, what every
// official Telnyx SDK accepts (Telnyx documents no number).
const DefaultTolerance = 5 * time.Minute

// ParsePublicKeys decodes Telnyx public keys: each the standard base64 of a raw 32-byte Ed25519 key, as
// Mission Control shows it (surrounding spaces ignored). Errors name the entry by its position (1-based),
// never its value.
func ParsePublicKeys(b64 []string) ([]ed25519.PublicKey, error) {
	keys := make([]ed25519.PublicKey, 0, len(b64))
	for i, s := range b64 {
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("public key %d of %d is not standard base64", i+1, len(b64))
		}
		if len(raw) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("public key %d of %d is %d bytes, an Ed25519 public key is %d", i+1, len(b64), len(raw), ed25519.PublicKeySize)
		}
		keys = append(keys, ed25519.PublicKey(raw))
	}
	return keys, nil
}

// refusal is why a request is refused: the reason label, the status, and the text answered.
type refusal struct {
	reason string
	status int
	text   string
}

// signed is what the headers of a delivery say, checked for shape and freshness.
type signed struct {
	timestamp string // the header's bytes as received: what was signed
	signature []byte // 64 bytes
}

// checkHeaders reads and checks the signature headers and the timestamp's freshness, before any of the
// body is read: a request that cannot verify costs no body read and no signature check.
func checkHeaders(h http.Header, now time.Time, tolerance time.Duration) (signed, *refusal) {
	ts, ok := header(h, TimestampHeader)
	sig, okSig := header(h, SignatureHeader)
	switch {
	case !okSig:
		return signed{}, &refusal{telemetry.WebhookMissingHeader, http.StatusBadRequest, "missing header " + SignatureHeader}
	case !ok:
		return signed{}, &refusal{telemetry.WebhookMissingHeader, http.StatusBadRequest, "missing header " + TimestampHeader}
	}
	secs, ok := unixSeconds(ts)
	if !ok {
		return signed{}, &refusal{telemetry.WebhookBadTimestamp, http.StatusBadRequest, TimestampHeader + " must be Unix seconds in decimal digits"}
	}
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(raw) != ed25519.SignatureSize {
		return signed{}, &refusal{telemetry.WebhookBadSignature, http.StatusBadRequest, SignatureHeader + " must be the standard base64 of a 64-byte Ed25519 signature"}
	}
	// Whole seconds, as the header and the SDKs count; secs ≥ 0 and now is after 1970, so no overflow.
	age := now.Unix() - secs
	tol := int64(tolerance / time.Second)
	switch {
	case age > tol:
		return signed{}, &refusal{telemetry.WebhookStale, http.StatusForbidden, "the timestamp is more than " + strconv.FormatInt(tol, 10) + " s old (a replay, or a clock out of step)"}
	case -age > tol:
		return signed{}, &refusal{telemetry.WebhookFuture, http.StatusForbidden, "the timestamp is more than " + strconv.FormatInt(tol, 10) + " s in the future (a clock out of step)"}
	}
	return signed{timestamp: ts, signature: raw}, nil
}

// verify reports whether one of keys signed timestamp|body.
func verify(keys []ed25519.PublicKey, s signed, body []byte) bool {
	msg := make([]byte, 0, len(s.timestamp)+1+len(body))
	msg = append(append(append(msg, s.timestamp...), '|'), body...)
	for _, k := range keys {
		if ed25519.Verify(k, msg, s.signature) {
			return true
		}
	}
	return false
}

// header returns the first value of the header named name in any letter case (net/http's server
// canonicalizes names, a handler called another way may not have); an empty value counts as none.
func header(h http.Header, name string) (string, bool) {
	if v := h[http.CanonicalHeaderKey(name)]; len(v) > 0 {
		return v[0], v[0] != ""
	}
	for k, v := range h {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0], v[0] != ""
		}
	}
	return "", false
}

// unixSeconds reads 1 to 18 decimal digits (no sign, no spaces: those bytes would be signed too).
func unixSeconds(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
