package gateway

import (
	"net/url"
	"strings"
)

// LocalDevOrigins returns the origins of a front-end dev server on this machine, on any port (Vite,
// Next.js, Create React App, …): what the roomgraph command allows by default with its embedded simulator.
func LocalDevOrigins() []string {
	return []string{"http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"}
}

// allowOrigin is the origin check of Config.CORSOrigins: an entry is an exact origin, an origin whose port
// is "*" (scheme and host as written, any port or none: "http://localhost:*"), or one with a single "*"
// elsewhere, standing for any text ("https://*.example.com", as rs/cors reads it). Origins compare without
// regard to case. A port wildcard is checked strictly (digits only) rather than as a prefix, so that
// "http://localhost:*" can never match "http://localhost:1.evil.example".
func allowOrigin(entries []string) func(origin string) bool {
	type portWildcard struct{ scheme, host string }
	type wildcard struct{ prefix, suffix string }
	exact := map[string]bool{}
	var ports []portWildcard
	var wild []wildcard
	for _, e := range entries {
		e = strings.ToLower(e)
		if base, ok := strings.CutSuffix(e, ":*"); ok && !strings.Contains(base, "*") {
			if u, err := url.Parse(base); err == nil && u.Scheme != "" && u.Host != "" && u.Port() == "" {
				ports = append(ports, portWildcard{u.Scheme, u.Host})
				continue
			}
		}
		if prefix, suffix, ok := strings.Cut(e, "*"); ok {
			wild = append(wild, wildcard{prefix, suffix})
			continue
		}
		exact[e] = true
	}
	return func(origin string) bool {
		origin = strings.ToLower(origin)
		if exact[origin] {
			return true
		}
		for _, w := range wild {
			if len(origin) >= len(w.prefix)+len(w.suffix) && strings.HasPrefix(origin, w.prefix) && strings.HasSuffix(origin, w.suffix) {
				return true
			}
		}
		if len(ports) == 0 {
			return false
		}
		u, err := url.Parse(origin)
		if err != nil || u.Path != "" || u.RawQuery != "" || u.User != nil {
			return false
		}
		host, port := u.Host, u.Port()
		if port != "" {
			host = strings.TrimSuffix(host, ":"+port)
			if strings.Trim(port, "0123456789") != "" {
				return false
			}
		}
		for _, p := range ports {
			if u.Scheme == p.scheme && host == p.host {
				return true
			}
		}
		return false
	}
}
