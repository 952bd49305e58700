package telnyxsim

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// Route templates. They key Stats.ByRoute and the fault table.
const (
	RouteListRoomSessions        = "GET /v2/rooms/{room_id}/sessions"
	RouteListSessions            = "GET /v2/room_sessions"
	RouteGetSession              = "GET /v2/room_sessions/{room_session_id}"
	RouteListSessionParticipants = "GET /v2/room_sessions/{room_session_id}/participants"
	RouteListParticipants        = "GET /v2/room_participants"
	RouteGetParticipant          = "GET /v2/room_participants/{room_participant_id}"
	RouteListRooms               = "GET /v2/rooms"
	RouteGetRoom                 = "GET /v2/rooms/{room_id}"
	RouteCreateRoom              = "POST /v2/rooms"
	RouteUpdateRoom              = "PATCH /v2/rooms/{room_id}"
	RouteDeleteRoom              = "DELETE /v2/rooms/{room_id}"
	RouteEndSession              = "POST /v2/room_sessions/{room_session_id}/actions/end"
	RouteKick                    = "POST /v2/room_sessions/{room_session_id}/actions/kick"
	RouteMute                    = "POST /v2/room_sessions/{room_session_id}/actions/mute"
	RouteUnmute                  = "POST /v2/room_sessions/{room_session_id}/actions/unmute"
	RouteGenerateJoinClientToken = "POST /v2/rooms/{room_id}/actions/generate_join_client_token"
	RouteRefreshClientToken      = "POST /v2/rooms/{room_id}/actions/refresh_client_token"

	// RouteUnknown is recorded for requests that match no API route (404/405).
	RouteUnknown = "unknown"
	// RouteAll in SetFault applies a fault to every API route without a fault of its own.
	RouteAll = "*"
)

// Routes lists every API route template the simulator serves, in endpoint-index order.
func Routes() []string {
	return []string{
		RouteListSessions, RouteListRoomSessions, RouteGetSession, RouteListSessionParticipants,
		RouteListParticipants, RouteGetParticipant, RouteListRooms, RouteGetRoom,
		RouteCreateRoom, RouteUpdateRoom, RouteDeleteRoom,
		RouteEndSession, RouteKick, RouteMute, RouteUnmute,
		RouteGenerateJoinClientToken, RouteRefreshClientToken,
	}
}

// DefaultEpoch is the instant the generated data leads up to when Config.Epoch is zero.
// It is fixed, not the wall clock, so generated data is deterministic.
func DefaultEpoch() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }

// Config sizes and seeds the simulator. The zero value is usable.
type Config struct {
	Seed                   int64            // default 1 when 0
	Keys                   []string         // API keys, each its own account with its own generated data; default {"KEY_demo"}
	Rooms                  int              // rooms per account; default 36 when 0, negative means none
	SessionsPerRoom        int              // average sessions per room; default 12 when 0, negative means none
	ParticipantsPerSession int              // max participants per session; default 6 when 0, negative means none
	Epoch                  time.Time        // generated data lies in the months before this instant; default DefaultEpoch()
	Now                    func() time.Time // clock for writes, actions and rate-limit windows; default time.Now
	RelaxActionAuth        bool             // when true, end/kick/mute/unmute and refresh_client_token need no auth (docs/upstream.md §7.10)
	Faults                 map[string]Fault // initial faults by route template (or RouteAll)

	// Webhooks (README "Webhooks"). Every state change emits its video event; it is delivered to the room's
	// webhook_event_url (then webhook_event_failover_url) and to WebhookURL, signed with the account's key.
	WebhookURL       string            // every room's events also go here (its own delivery, beside the room's URLs); "" = none
	WebhookTransport http.RoundTripper // carries the deliveries; nil: a private http.Transport (no proxy). HandlerTransport delivers in-process
	WebhookTimeout   time.Duration     // per attempt when webhook_timeout_secs is null or 0, and for WebhookURL; default DefaultWebhookTimeout (2s)
	WebhookAttempts  int               // attempts per URL; default DefaultWebhookAttempts (3)
	WebhookBackoff   time.Duration     // wait before a URL's 2nd attempt, doubled for each further one; default DefaultWebhookBackoff (1s)
	WebhookQueue     int               // deliveries waiting at most; a full queue drops (WebhookStats.Dropped); default DefaultWebhookQueue (1024)
	WebhookWorkers   int               // deliveries in flight at once; default DefaultWebhookWorkers (4); 1 keeps the order of emission
	WebhookFaults    WebhookFaults     // initial webhook faults (SetWebhookFaults changes them)

	Live LiveConfig // busy rooms on their own; off unless Live.Rate > 0. Call Close to stop it.
}

// Sim is the simulator. It is an http.Handler; all methods are safe for concurrent use.
type Sim struct {
	cfg      Config
	now      func() time.Time
	keys     []string
	accounts map[string]*account
	stats    statsBook
	faults   faultBook
	nominal  windowBook // the always-on, never enforced counter behind the x-ratelimit-* headers
	bufs     bufPool
	events   eventLog
	hooks    hookBook
	live     liveBook
}

// New generates every account eagerly and deterministically from (Seed, key) and the sizes.
func New(cfg Config) *Sim {
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Rooms == 0 {
		cfg.Rooms = 36
	}
	if cfg.SessionsPerRoom == 0 {
		cfg.SessionsPerRoom = 12
	}
	if cfg.ParticipantsPerSession == 0 {
		cfg.ParticipantsPerSession = 6
	}
	cfg.Rooms = max(cfg.Rooms, 0)
	cfg.SessionsPerRoom = max(cfg.SessionsPerRoom, 0)
	cfg.ParticipantsPerSession = max(cfg.ParticipantsPerSession, 0)
	if cfg.Epoch.IsZero() {
		cfg.Epoch = DefaultEpoch()
	}
	cfg.Epoch = cfg.Epoch.UTC().Truncate(time.Microsecond)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	keys := cfg.Keys
	if len(keys) == 0 {
		keys = []string{"KEY_demo"}
	}
	s := &Sim{
		cfg:      cfg,
		now:      cfg.Now,
		accounts: make(map[string]*account, len(keys)),
	}
	for _, k := range keys {
		if k == "" {
			continue
		}
		if _, dup := s.accounts[k]; dup {
			continue
		}
		s.accounts[k] = generateAccount(cfg, k)
		s.keys = append(s.keys, k)
	}
	cfg.Keys = append([]string(nil), s.keys...)
	s.cfg = cfg
	s.stats.init()
	s.faults.init(cfg.Seed)
	s.nominal.init()
	for route, f := range cfg.Faults {
		s.faults.set(route, f)
	}
	s.hooks.init(s, cfg)
	s.initLive(cfg.Live)
	return s
}

// Close stops live mode and webhook delivery: deliveries still queued are abandoned, attempts in flight are
// cancelled, and no goroutine of the simulator is left once it returns. The API keeps answering; later events
// are logged (Events) but not delivered. Close is idempotent.
func (s *Sim) Close() {
	s.closeLive()
	s.hooks.close()
}

// Keys returns the API keys the simulator accepts, in configuration order.
func (s *Sim) Keys() []string { return append([]string(nil), s.keys...) }

// SetFault installs f for a route template (or RouteAll). A route-specific fault replaces the
// RouteAll fault for that route; it does not add to it. The zero Fault removes the route's fault.
func (s *Sim) SetFault(route string, f Fault) { s.faults.set(route, f) }

// ClearFaults removes every fault and forgets every rate-limit window.
func (s *Sim) ClearFaults() { s.faults.clear() }

// Stats returns a copy of the request accounting and of the webhook counters.
func (s *Sim) Stats() Stats {
	st := s.stats.snapshot()
	st.Webhooks = s.WebhookStats()
	return st
}

// ResetStats zeroes the request accounting and the webhook counters.
func (s *Sim) ResetStats() {
	s.stats.reset()
	s.hooks.mu.Lock()
	s.hooks.stats = WebhookStats{}
	s.hooks.mu.Unlock()
}

// ServeHTTP serves the API under /v2/ and the control endpoints under /_sim/.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.serveControl(w, r)
		return
	}
	s.serveAPI(w, r)
}

// nowMicros is the simulator clock in the store's unit: UTC microseconds.
func (s *Sim) nowMicros() int64 { return s.now().UnixMicro() }

var _ http.Handler = (*Sim)(nil)

// bufPool recycles response buffers; responses are encoded into one buffer, then written once.
type bufPool struct{ p sync.Pool }

func (bp *bufPool) get() *[]byte {
	if v, ok := bp.p.Get().(*[]byte); ok {
		*v = (*v)[:0]
		return v
	}
	b := make([]byte, 0, 16<<10)
	return &b
}

func (bp *bufPool) put(b *[]byte) {
	if cap(*b) > 4<<20 {
		return
	}
	bp.p.Put(b)
}
