package gateway

import (
	"net/http"
	"strconv"
	"strings"
)

// checkAuthorization refuses, before anything reads the body, a GraphQL request (GET or POST) that carries
// more than one credential: two Authorization header lines, or two credentials joined by a comma in one.
// Authorization is a singleton header (RFC 9110 §11.6.2: one credential, not a list), so such a request is
// malformed: a proxy appended its own, or merged two. The gateway never guesses which one counts — net/http
// would hand forward mode the first line and send "A, Bearer B" upstream as one key — so the request is
// BAD_REQUEST with 400 in either auth mode. In key mode the header is not used at all, but the same request
// would then mean something else the day the gateway forwards keys, and two credentials are as malformed
// there. The refusal names no value: credentials are never echoed nor logged.
func checkAuthorization(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodPost {
			values := r.Header.Values("Authorization")
			if len(values) > 1 {
				refuse(w, r, http.StatusBadRequest, codeBadRequest, "send at most one Authorization header: this request has "+strconv.Itoa(len(values)))
				return
			}
			if len(values) == 1 && credentials(values[0]) > 1 {
				refuse(w, r, http.StatusBadRequest, codeBadRequest, "the Authorization header holds more than one credential: send one")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// credentials counts the credentials in an Authorization value, read as a comma-separated list of
// elements outside quoted strings: one credential is `scheme [ token68 | auth-param, auth-param… ]`, so an
// element that is an auth-param (`name = value`) continues the credential before it and any other
// non-empty element starts one. "Bearer A" is one; "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…" is
// one; `Digest realm="a, b", nonce="c"` is one; "Bearer A, Bearer B" and "Bearer A, B" are two.
func credentials(v string) int {
	n := 0
	for _, el := range listElements(v) {
		if el != "" && (n == 0 || !isAuthParam(el)) {
			n++
		}
	}
	return n
}

// listElements splits v at the commas outside quoted strings, trimming spaces and tabs.
func listElements(v string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			out = append(out, strings.Trim(v[start:i], " \t"))
			start = i + 1
		}
	}
	return append(out, strings.Trim(v[start:], " \t"))
}

// isAuthParam reports whether a list element is an auth-param: a token, optional whitespace, then "=".
func isAuthParam(el string) bool {
	i := 0
	for i < len(el) && isTokenChar(el[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	rest := strings.TrimLeft(el[i:], " \t")
	return strings.HasPrefix(rest, "=")
}

// isTokenChar reports whether c may appear in an RFC 9110 token.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// isToken68 reports whether s is of the token68 syntax (RFC 9110 §11.2), the only syntax of a bearer
// token: letters, digits, "-._~+/", then "=" padding only.
func isToken68(s string) bool {
	i := 0
	for i < len(s) {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~+/", c) >= 0 {
			i++
			continue
		}
		break
	}
	if i == 0 {
		return false
	}
	return strings.Trim(s[i:], "=") == ""
}
