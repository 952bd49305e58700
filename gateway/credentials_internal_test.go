package gateway

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCredentials(t *testing.T) {
	for v, want := range map[string]int{
		"":                   0,
		" ":                  0,
		"Bearer KEY_a":       1,
		"Bearer KEY_a,":      1,
		", Bearer KEY_a":     1,
		"Basic dXNlcjpwYXNz": 1,
		"Bearer abc==":       1,
		"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=5d67": 1,
		`Digest username="ops", realm="rooms, video", nonce="dcd9", qop=auth`:                                                         1,
		`Digest realm="a \", b", nonce="c"`: 1,
		"Custom a = 1 , b=2":                1,
		"Bearer KEY_a, Bearer KEY_b":        2,
		"Bearer KEY_a,Bearer KEY_b":         2,
		"Bearer KEY_a, KEY_b":               2,
		"Bearer KEY_a, KEY_b==":             1, // reads as an auth-param; forward mode refuses the token itself
		"Basic dXNlcjpwYXNz, Bearer KEY_a":  2,
		`Digest realm="x", Bearer KEY_a`:    2,
		"Bearer a, Bearer b, Bearer c":      3,
	} {
		assert.Equal(t, want, credentials(v), "%q", v)
	}
}

func TestBearer(t *testing.T) {
	for h, want := range map[string]string{
		"Bearer KEY_a":        "KEY_a",
		"bearer KEY_a":        "KEY_a",
		"  Bearer   KEY_a  ":  "KEY_a",
		"Bearer abc-._~+/==":  "abc-._~+/==",
		"Bearer":              "",
		"Bearer ":             "",
		"Basic KEY_a":         "",
		"Bearer KEY_a KEY_b":  "",
		"Bearer KEY_a,":       "",
		"Bearer KEY_a, KEY_b": "",
		"Bearer =abc":         "",
		"Bearer ab=c":         "",
		"Bearer KEY_é":        "",
		"Bearer \"KEY_a\"":    "",
		"Bearer KEY_a\tKEY_b": "",
	} {
		assert.Equal(t, want, bearer(h), "%q", h)
	}
}
