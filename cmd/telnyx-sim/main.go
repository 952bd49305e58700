// Command telnyx-sim serves the Telnyx Video Rooms API simulator (package telnyxsim) on a local address,
// for front-end work, manual exploration and running the gateway against it: the API it imitates is
// described in docs/upstream.md, its flags in telnyxsim/README.md. It must stay a thin shell: behaviour
// belongs in telnyxsim.
package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/roomgraph/roomgraph/telnyxsim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "telnyx-sim:", err)
		os.Exit(1)
	}
}

// run parses flags, listens, prints the base URL, the API keys and the webhook public keys, and serves until
// ctx is done; then it stops live mode and webhook delivery.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("telnyx-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		addr       = fs.String("addr", "127.0.0.1:4010", "listen address (host:port; port 0 picks a free one)")
		seed       = fs.Int64("seed", 1, "seed of the generated data and of fault decisions")
		rooms      = fs.Int("rooms", 36, "rooms per account")
		perRoom    = fs.Int("sessions-per-room", 12, "average sessions per room")
		perSession = fs.Int("participants-per-session", 6, "max participants per session")
		keys       = fs.String("keys", "KEY_demo", "comma-separated API keys, one account each")
		relax      = fs.Bool("relax-action-auth", false, "end/kick/mute/unmute and refresh_client_token need no Authorization (spec security: [])")
		epoch      = fs.String("epoch", "", "RFC 3339 instant the generated data leads up to (default 2026-11-01T00:00:00Z)")

		route       = fs.String("fault-route", telnyxsim.RouteAll, `route template the fault flags apply to, e.g. "GET /v2/rooms/{room_id}/sessions", or "*"`)
		latency     = fs.Duration("latency", 0, "added latency per request")
		jitter      = fs.Duration("jitter", 0, "uniform random extra latency in [0, jitter)")
		errorRate   = fs.Float64("error-rate", 0, "probability of a 5xx (code 10007)")
		errorStatus = fs.Int("error-status", 500, "status of injected errors")
		tooMany     = fs.Float64("429-rate", 0, "probability of a 429 (code 10011)")
		retryAfter  = fs.Duration("retry-after", 0, "Retry-After of injected 429s (default 1s; rate limit: until the window resets)")
		rateLimit   = fs.Int("rate-limit", 0, "max requests per -rate-window per API key (0 = unlimited)")
		rateWindow  = fs.Duration("rate-window", time.Second, "window of -rate-limit")
		resetRate   = fs.Float64("reset-rate", 0, "probability of a connection reset without answer")
		hangRate    = fs.Float64("hang-rate", 0, "probability of never answering")
		truncRate   = fs.Float64("truncate-rate", 0, "probability of a JSON body cut in half")
		malformed   = fs.Float64("malformed-rate", 0, "probability of a 200 whose body is not JSON")
		wrongCT     = fs.Float64("wrong-content-type-rate", 0, "probability of a 200 text/html body")

		webhookURL      = fs.String("webhook-url", "", "also deliver every room's webhook events to this URL (beside the room's own URLs)")
		webhookTimeout  = fs.Duration("webhook-timeout", telnyxsim.DefaultWebhookTimeout, "wait per attempt when a room's webhook_timeout_secs is null or 0, and for -webhook-url")
		webhookAttempts = fs.Int("webhook-attempts", telnyxsim.DefaultWebhookAttempts, "attempts per URL")
		webhookBackoff  = fs.Duration("webhook-backoff", telnyxsim.DefaultWebhookBackoff, "wait before a URL's 2nd attempt, doubled for each further one")
		webhookWorkers  = fs.Int("webhook-workers", telnyxsim.DefaultWebhookWorkers, "deliveries in flight at once (1 keeps the order of the changes)")
		webhookQueue    = fs.Int("webhook-queue", telnyxsim.DefaultWebhookQueue, "deliveries waiting at most (more are dropped and counted)")
		hookDelay       = fs.Duration("webhook-delay", 0, "wait before each delivery's first attempt")
		hookJitter      = fs.Duration("webhook-jitter", 0, "uniform random extra wait in [0, jitter)")
		hookDupRate     = fs.Float64("webhook-duplicate-rate", 0, "probability that a delivery is made twice")
		hookDupEvery    = fs.Int("webhook-duplicate-every", 0, "every nth delivery is made twice (0 = never)")
		hookReorder     = fs.Int("webhook-reorder", 0, "hold deliveries in groups of this many and release each reversed (0/1 = off)")
		hookReorderHold = fs.Duration("webhook-reorder-hold", telnyxsim.DefaultWebhookReorderHold, "longest a -webhook-reorder group waits to fill")

		live          = fs.String("live", "", `make busy rooms change on their own at this rate: "2/s", "30/m", "0.5" (per second); "" or 0 = off`)
		liveRooms     = fs.Int("live-rooms", telnyxsim.DefaultLiveRooms, "busy rooms per account (those with the most sessions)")
		liveMaxPeople = fs.Int("live-max-participants", telnyxsim.DefaultLiveMaxParticipants, "most people present in a busy room")
		liveKeep      = fs.Int("live-keep-sessions", telnyxsim.DefaultLiveKeepSessions, "sessions a busy room keeps; older ended ones are deleted")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := telnyxsim.Config{
		Seed:                   *seed,
		Rooms:                  *rooms,
		SessionsPerRoom:        *perRoom,
		ParticipantsPerSession: *perSession,
		RelaxActionAuth:        *relax,
	}
	for _, k := range strings.Split(*keys, ",") {
		if k = strings.TrimSpace(k); k != "" {
			cfg.Keys = append(cfg.Keys, k)
		}
	}
	if *epoch != "" {
		t, err := time.Parse(time.RFC3339Nano, *epoch)
		if err != nil {
			return fmt.Errorf("-epoch: %w", err)
		}
		cfg.Epoch = t
	}
	fault := telnyxsim.Fault{
		Latency: *latency, Jitter: *jitter, ErrorRate: *errorRate, TooManyRate: *tooMany,
		RetryAfter: *retryAfter, RateLimit: *rateLimit, ResetRate: *resetRate, HangRate: *hangRate,
		TruncateRate: *truncRate, MalformedRate: *malformed, WrongContentTypeRate: *wrongCT,
	}
	if fault != (telnyxsim.Fault{}) {
		fault.ErrorStatus = *errorStatus
		fault.RateWindow = *rateWindow
		cfg.Faults = map[string]telnyxsim.Fault{*route: fault}
	}
	rate, err := telnyxsim.ParseRate(*live)
	if err != nil {
		return fmt.Errorf("-live: %w", err)
	}
	cfg.Live = telnyxsim.LiveConfig{Rate: rate, Rooms: *liveRooms, MaxParticipants: *liveMaxPeople, KeepSessions: *liveKeep}
	cfg.WebhookURL = *webhookURL
	cfg.WebhookTimeout, cfg.WebhookAttempts, cfg.WebhookBackoff = *webhookTimeout, *webhookAttempts, *webhookBackoff
	cfg.WebhookWorkers, cfg.WebhookQueue = *webhookWorkers, *webhookQueue
	cfg.WebhookFaults = telnyxsim.WebhookFaults{
		Delay: *hookDelay, Jitter: *hookJitter, DuplicateRate: *hookDupRate, DuplicateEvery: *hookDupEvery,
		ReorderWindow: *hookReorder, ReorderHold: *hookReorderHold,
	}
	sim := telnyxsim.New(cfg)
	defer sim.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	// Cancelling the base context on shutdown releases requests parked by a hang fault.
	baseCtx, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	srv := &http.Server{
		Handler:           sim,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
	}
	fmt.Fprintf(stdout, "TELNYX_BASE_URL=http://%s/v2\n", ln.Addr())
	fmt.Fprintf(stdout, "TELNYX_API_KEY=%s\n", sim.Keys()[0])
	fmt.Fprintf(stdout, "TELNYX_API_KEYS=%s\n", strings.Join(sim.Keys(), ","))
	// The webhook verification keys, in the key order above (TELNYX_PUBLIC_KEY takes a comma-separated list).
	pubs := make([]string, 0, len(sim.Keys()))
	for _, k := range sim.Keys() {
		pubs = append(pubs, base64.StdEncoding.EncodeToString(sim.PublicKey(k)))
	}
	fmt.Fprintf(stdout, "TELNYX_PUBLIC_KEY=%s\n", strings.Join(pubs, ","))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	cancelBase()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
