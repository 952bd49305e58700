package telnyxsim

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// nominalRateLimit backs the x-ratelimit-* headers when no RateLimit fault applies. It is
// counted but never enforced, and set high enough that a client which throttles itself on
// x-ratelimit-remaining is not slowed down in benchmarks.
const nominalRateLimit = 100000

const maxBodyBytes = 1 << 20

type routeMatch struct {
	route string // a template, or RouteUnknown
	id    string // the path id, unvalidated
	allow string // for RouteUnknown: the methods the path does support, if it exists
}

func matchRoute(method, path string) routeMatch {
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return routeMatch{route: RouteUnknown}
	}
	pick := func(id string, pairs ...string) routeMatch {
		var allow []string
		for i := 0; i < len(pairs); i += 2 {
			if pairs[i] == method {
				return routeMatch{route: pairs[i+1], id: id}
			}
			allow = append(allow, pairs[i])
		}
		return routeMatch{route: RouteUnknown, allow: strings.Join(allow, ", ")}
	}
	seg0, rest1, has1 := strings.Cut(rest, "/")
	var id, rest2 string
	var has2 bool
	if has1 {
		id, rest2, has2 = strings.Cut(rest1, "/")
		if id == "" {
			return routeMatch{route: RouteUnknown}
		}
	}
	switch seg0 {
	case "rooms":
		switch {
		case !has1:
			return pick("", http.MethodGet, RouteListRooms, http.MethodPost, RouteCreateRoom)
		case !has2:
			return pick(id, http.MethodGet, RouteGetRoom, http.MethodPatch, RouteUpdateRoom, http.MethodDelete, RouteDeleteRoom)
		case rest2 == "sessions":
			return pick(id, http.MethodGet, RouteListRoomSessions)
		case rest2 == "actions/generate_join_client_token":
			return pick(id, http.MethodPost, RouteGenerateJoinClientToken)
		case rest2 == "actions/refresh_client_token":
			return pick(id, http.MethodPost, RouteRefreshClientToken)
		}
	case "room_sessions":
		switch {
		case !has1:
			return pick("", http.MethodGet, RouteListSessions)
		case !has2:
			return pick(id, http.MethodGet, RouteGetSession)
		case rest2 == "participants":
			return pick(id, http.MethodGet, RouteListSessionParticipants)
		case rest2 == "actions/end":
			return pick(id, http.MethodPost, RouteEndSession)
		case rest2 == "actions/kick":
			return pick(id, http.MethodPost, RouteKick)
		case rest2 == "actions/mute":
			return pick(id, http.MethodPost, RouteMute)
		case rest2 == "actions/unmute":
			return pick(id, http.MethodPost, RouteUnmute)
		}
	case "room_participants":
		switch {
		case !has1:
			return pick("", http.MethodGet, RouteListParticipants)
		case !has2:
			return pick(id, http.MethodGet, RouteGetParticipant)
		}
	}
	return routeMatch{route: RouteUnknown}
}

func isAction(route string) bool {
	switch route {
	case RouteEndSession, RouteKick, RouteMute, RouteUnmute, RouteRefreshClientToken:
		return true
	}
	return false
}

// bearerKey extracts the key of "Authorization: Bearer <key>"; the scheme is case-insensitive.
func bearerKey(h string) string {
	scheme, key, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(key)
}

// serveAPI runs a request through accounting, faults, auth and the handler, in that order:
// faults stand for trouble in front of the API, so they hit before authentication does.
func (s *Sim) serveAPI(w http.ResponseWriter, r *http.Request) {
	m := matchRoute(r.Method, r.URL.Path)
	seq := s.stats.begin(m.route, r.URL.Path, r.URL.RawQuery)
	status := 0
	defer func() { s.stats.finish(seq, status) }()

	key := bearerKey(r.Header.Get("Authorization"))
	now := s.now()
	rl := s.nominal.take(key, nominalRateLimit, time.Second, now, false)

	outcome := outNone
	if f, faultRoute, ok := s.faults.lookup(m.route); ok && m.route != RouteUnknown {
		delay, out := s.faults.decide(f)
		if delay > 0 && !sleepCtx(r.Context(), delay) {
			abort(w)
			return
		}
		switch out {
		case outReset:
			abort(w)
			return
		case outHang:
			<-r.Context().Done()
			abort(w)
			return
		case outError:
			st := f.ErrorStatus
			if st == 0 {
				st = http.StatusInternalServerError
			}
			status = s.writeErrors(w, rl, errUnexpected(st))
			return
		case outTooMany:
			ra := f.RetryAfter
			if ra <= 0 {
				ra = time.Second
			}
			rl.remaining = 0
			status = s.writeTooMany(w, rl, ra)
			return
		}
		if f.RateLimit > 0 {
			rl = s.faults.take(faultRoute, key, f, now)
			if !rl.allowed {
				ra := f.RetryAfter
				if ra <= 0 {
					ra = rl.reset
				}
				status = s.writeTooMany(w, rl, ra)
				return
			}
		}
		outcome = out
	}

	buf := s.bufs.get()
	defer s.bufs.put(buf)
	st, body := s.dispatch(w, r, m, key, (*buf)[:0])
	*buf = body[:0]
	contentType := "application/json"
	switch outcome {
	case outTruncate:
		body = body[:len(body)/2]
	case outMalformed:
		st = http.StatusOK
		body = []byte("upstream says: this is not JSON {")
	case outWrongContentType:
		st = http.StatusOK
		contentType = "text/html; charset=utf-8"
		body = []byte("<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>" +
			"<body><h1>502 Bad Gateway</h1><p>The proxy received an invalid response.</p></body></html>\n")
	}
	status = s.write(w, rl, st, contentType, body)
}

func (s *Sim) dispatch(w http.ResponseWriter, r *http.Request, m routeMatch, key string, b []byte) (int, []byte) {
	a := s.accounts[key]
	if a == nil && !(s.cfg.RelaxActionAuth && isAction(m.route)) {
		e := errUnauthorized()
		return e.status, appendErrors(b, e)
	}
	if m.route == RouteUnknown {
		if m.allow != "" {
			e := notAllowed(w, r, m.allow)
			return e.status, appendErrors(b, e)
		}
		e := errNotFound("No API route matches " + r.Method + " " + r.URL.Path + ".")
		return e.status, appendErrors(b, e)
	}

	switch r.Method {
	case http.MethodPost, http.MethodPatch:
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			e := errBadBody("/", "The request body could not be read: "+err.Error())
			return e.status, appendErrors(b, e)
		}
		switch m.route {
		case RouteCreateRoom:
			return s.createRoom(a, body, b)
		case RouteUpdateRoom:
			return s.updateRoom(a, m.id, body, b)
		case RouteGenerateJoinClientToken:
			return s.withTokenRoom(a, m.id, body, b, s.generateJoinClientToken)
		case RouteRefreshClientToken:
			return s.withTokenRoom(a, m.id, body, b, s.refreshClientToken)
		default:
			return s.sessionAction(a, m.route, m.id, body, b)
		}
	case http.MethodDelete:
		return s.deleteRoom(a, m.id, b)
	}

	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		e := errBadParam("", "The query string could not be parsed: "+err.Error())
		return e.status, appendErrors(b, e)
	}
	switch m.route {
	case RouteListRooms:
		return s.listRooms(a, q, b)
	case RouteGetRoom:
		return s.getRoom(a, m.id, q, b)
	case RouteListRoomSessions:
		return s.listRoomSessions(a, m.id, q, b)
	case RouteListSessions:
		return s.listSessions(a, q, b)
	case RouteGetSession:
		return s.getSession(a, m.id, q, b)
	case RouteListSessionParticipants:
		return s.listSessionParticipants(a, m.id, q, b)
	case RouteListParticipants:
		return s.listParticipants(a, q, b)
	default: // RouteGetParticipant
		return s.getParticipant(a, m.id, b)
	}
}

func (s *Sim) write(w http.ResponseWriter, rl windowState, status int, contentType string, body []byte) int {
	h := w.Header()
	setRateHeaders(h, rl)
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return status
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}

func (s *Sim) writeErrors(w http.ResponseWriter, rl windowState, errs ...apiError) int {
	buf := s.bufs.get()
	defer s.bufs.put(buf)
	*buf = appendErrors((*buf)[:0], errs...)
	return s.write(w, rl, errorStatus(errs), "application/json", *buf)
}

// writeTooMany answers 429 10011 with Retry-After in whole seconds (rounded up) and the exact
// delay in Retry-After-Ms, both of which the SDKs honour.
func (s *Sim) writeTooMany(w http.ResponseWriter, rl windowState, retryAfter time.Duration) int {
	secs := (retryAfter + time.Second - 1) / time.Second
	ms := (retryAfter + time.Millisecond - 1) / time.Millisecond
	w.Header().Set("Retry-After", strconv.FormatInt(int64(secs), 10))
	w.Header().Set("Retry-After-Ms", strconv.FormatInt(int64(ms), 10))
	return s.writeErrors(w, rl, errTooMany())
}

func setRateHeaders(h http.Header, rl windowState) {
	reset := (rl.reset + time.Second - 1) / time.Second
	h.Set("X-Ratelimit-Limit", strconv.Itoa(rl.limit))
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(rl.remaining))
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(int64(reset), 10))
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// abort drops the connection without an answer. Over HTTP/1 it hijacks the connection and
// closes it with SO_LINGER 0, so the client sees a TCP reset; where hijacking is impossible
// (HTTP/2, httptest.ResponseRecorder) it falls back to http.ErrAbortHandler.
func abort(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// serveStats serves /_sim/stats: GET returns Stats as JSON, DELETE resets it. No auth, not counted.
func (s *Sim) serveStats(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		body, err := json.Marshal(s.Stats())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	case http.MethodDelete:
		s.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, DELETE")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}
