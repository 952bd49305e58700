// Command roomgraph serves the GraphQL gateway over the Telnyx Video Rooms API.
//
//	go run .                      # no TELNYX_* set: the embedded simulator with demo data
//	TELNYX_API_KEY=KEY… go run .  # the real API
//	go run . schema [-federation] # the schema, for client code generation
//	go run . version              # the module version and VCS revision
//
// Everything the gateway does lives in package gateway. Package main reads the command line and the
// environment (config.go: every variable, listed in docs/configuration.md), sets up the process (GC policy,
// trace export, the listener) and serves; on SIGINT/SIGTERM it drains (drain.go).
package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/roomgraph/roomgraph/cork"
	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/gcpolicy"
	"github.com/roomgraph/roomgraph/internal/telemetry"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode is the process's exit status for run's result: 0; 2 for a usage error (run has already
// printed the usage), as the flag package does; 1 for anything else, printed to stderr.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if _, ok := errors.AsType[*usageError](err); ok {
		return 2
	}
	fmt.Fprintln(stderr, "roomgraph:", err)
	return 1
}

// usageError is a command line roomgraph does not understand.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

const usage = `roomgraph serves the Telnyx Video Rooms API as one GraphQL endpoint.

Usage:
  roomgraph                       serve (configured by environment variables: docs/configuration.md)
  roomgraph schema [-federation]  print the GraphQL schema (SDL); -federation: the Apollo Federation subgraph schema
  roomgraph version               print the module version and VCS revision
  roomgraph help                  print this help (also -h, --help)

With neither TELNYX_API_KEY nor TELNYX_BASE_URL set, roomgraph serves an embedded Telnyx simulator with demo data.
`

// command is what the command line asks for.
type command struct {
	name       string // "serve", "schema", "version" or "help"
	federation bool   // schema -federation
}

// parseArgs reads the command line (args[0] is the program's name); a *usageError when it makes no sense.
// -h, -help or --help anywhere asks for the usage.
func parseArgs(args []string) (command, error) {
	if len(args) > 0 {
		args = args[1:]
	}
	help := command{name: "help"}
	// Flags before the first word are the command's own (it has none but -h); the word picks a subcommand.
	i := slices.IndexFunc(args, func(a string) bool { return !strings.HasPrefix(a, "-") })
	if i < 0 {
		i = len(args)
	}
	if asked, err := parseFlags("roomgraph", args[:i], nil); asked || err != nil {
		return help, err
	}
	if i == len(args) {
		return command{name: "serve"}, nil
	}
	sub, rest := args[i], args[i+1:]
	switch sub {
	case "help":
		return help, nil
	case "schema":
		c := command{name: "schema"}
		asked, err := parseFlags(sub, rest, func(fs *flag.FlagSet) {
			fs.BoolVar(&c.federation, "federation", false, "the Apollo Federation subgraph schema")
		})
		if asked || err != nil {
			return help, err
		}
		return c, nil
	case "version":
		if asked, err := parseFlags(sub, rest, nil); asked || err != nil {
			return help, err
		}
		return command{name: "version"}, nil
	}
	return command{}, &usageError{msg: fmt.Sprintf("unknown command %q", sub)}
}

// parseFlags parses the flags of one (sub)command, which takes no positional argument: whether they ask
// for help, or a *usageError.
func parseFlags(name string, args []string, define func(*flag.FlagSet)) (help bool, err error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // run prints the usage, to stdout or stderr
	if define != nil {
		define(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return false, &usageError{msg: err.Error()}
	}
	if fs.NArg() > 0 {
		return false, &usageError{msg: fmt.Sprintf("%s: unexpected argument %q", name, fs.Arg(0))}
	}
	return false, nil
}

// run runs the command line args: it serves until ctx ends (then drains in-flight requests), or prints
// what a subcommand asks for. getenv is the environment (os.Getenv in production); a usage error is
// printed to stderr with the usage and returned as a *usageError.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "roomgraph: %v\n\n%s", err, usage)
		return err
	}
	switch cmd.name {
	case "help":
		_, err := io.WriteString(stdout, usage)
		return err
	case "schema":
		_, err := io.WriteString(stdout, gateway.SDL(cmd.federation))
		return err
	case "version":
		info, ok := debug.ReadBuildInfo()
		_, err := io.WriteString(stdout, versionText(info, ok))
		return err
	}
	return serve(ctx, getenv, stdout, stderr)
}

// versionText describes the binary from its build information: the module version ("(devel)" when built
// from a checkout) and, when the build recorded them, the VCS revision, its time and whether the tree had
// local changes.
func versionText(info *debug.BuildInfo, ok bool) string {
	if !ok || info == nil {
		return "roomgraph (no build information)\n"
	}
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "roomgraph %s\n", version)
	if info.Main.Path != "" {
		fmt.Fprintf(&b, "module    %s\n", info.Main.Path)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	switch rev := settings["vcs.revision"]; {
	case rev == "":
		b.WriteString("revision  unknown (the build recorded no VCS information)\n")
	default:
		if settings["vcs.modified"] == "true" {
			rev += " (modified)"
		}
		fmt.Fprintf(&b, "revision  %s\n", rev)
		if t := settings["vcs.time"]; t != "" {
			fmt.Fprintf(&b, "time      %s\n", t)
		}
	}
	if info.GoVersion != "" {
		fmt.Fprintf(&b, "go        %s\n", info.GoVersion)
	}
	return b.String()
}

// demoKey is the embedded simulator's only account. It never leaves the machine.
const demoKey = "KEY_roomgraph_demo"

// drainTimeout bounds how long the requests in flight at SIGINT/SIGTERM have to finish.
const drainTimeout = 15 * time.Second

// serve serves until ctx ends, then drains in-flight requests.
func serve(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	cfg := c.gateway
	logger, err := telemetry.NewLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return err
	}
	gc, err := gcpolicy.Choose(c.gc)
	if err != nil {
		return fmt.Errorf("ROOMGRAPH_GC_TARGET_MIB: %w", err)
	}
	defer gc.Apply()()
	logger.Debug("gc policy", "policy", gc.Reason)

	if cfg.RedisURL != "" {
		// go-redis prints its own lines (a failed dial, every second while Redis is down) to stderr through a
		// process-wide logger; the command owns the process, so they go to its log instead, at debug: the
		// gateway already logs Redis being down, once a minute per feature.
		redis.SetLogger(redisLog{logger})
	}
	opts := []gateway.Option{gateway.WithLogger(logger)}
	if c.tracing != nil {
		tp, err := telemetry.NewTracerProvider(ctx, *c.tracing)
		if err != nil {
			return err
		}
		opts = append(opts, gateway.WithTracerProvider(tp))
		defer func() {
			flush, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := tp.Shutdown(flush); err != nil {
				logger.Warn("flushing traces", "err", err)
			}
		}()
	}

	var demoRoom, simURL string
	var webhooksIn lateHandler
	if c.embedded {
		// Live: a few busy rooms change on their own (ROOMGRAPH_SIM_LIVE), so the demo is not a still life.
		// Its webhooks reach the gateway's door in-process (no socket, no URL to configure), signed with
		// the simulator's key, which the door is given; until the gateway exists they answer 503 and the
		// simulator retries them.
		sim := telnyxsim.New(telnyxsim.Config{Seed: 1, Keys: []string{demoKey}, Live: telnyxsim.LiveConfig{Rate: c.simLive},
			WebhookURL: embeddedWebhookURL, WebhookTransport: telnyxsim.HandlerTransport(&webhooksIn)})
		var stopSim func()
		simURL, stopSim, err = serveSimulator(sim)
		if err != nil {
			return err
		}
		defer stopSim()
		cfg.BaseURL, cfg.APIKey = simURL, demoKey
		cfg.WebhookPublicKeys = append(cfg.WebhookPublicKeys, base64.StdEncoding.EncodeToString(sim.PublicKey(demoKey)))
		demoRoom = busiestRoom(sim, demoKey)
		// GraphiQL opens on the query; its second tab is the room live.
		cfg.PlaygroundQuery = demoQuery(demoRoom)
		cfg.PlaygroundTabs = []string{demoSubscription(demoRoom)}
	}

	gw, err := gateway.New(cfg, opts...)
	if err != nil {
		return err
	}
	defer gw.Close(context.Background()) // on the early returns; the drain below closes it first (Close is idempotent)
	webhooksIn.set(gw)
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	// cork: each response write leaves in one system call instead of two (package comment).
	ln = cork.Listener{Listener: ln}
	drain := newDrainer()
	srv := &http.Server{
		Handler: drain.Handler(cork.Handler(gw)),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return drain.ConnContext(cork.ConnContext(ctx, c), c)
		},
		ConnState:         drain.ConnState,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	host := displayAddr(ln.Addr())
	base := "http://" + host
	fmt.Fprintf(stdout, "roomgraph listening on %s\n  GraphQL: %s/graphql\n", base, base)
	fmt.Fprintf(stdout, "  Subscriptions: ws://%s/graphql (graphql-transport-ws), or SSE: POST %s/graphql with Accept: text/event-stream\n", host, base)
	if cfg.ServeMetrics {
		fmt.Fprintf(stdout, "  Metrics: %s/metrics\n", base)
	}
	if cfg.Playground {
		fmt.Fprintf(stdout, "  Playground: %s/\n", base)
	}
	if len(cfg.CORSOrigins) > 0 {
		fmt.Fprintf(stdout, "  CORS: pages from %s may call it (ROOMGRAPH_CORS_ORIGINS)\n", strings.Join(cfg.CORSOrigins, ", "))
	}
	if c.embedded {
		fmt.Fprintf(stdout, "  upstream: embedded Telnyx simulator with demo data (set TELNYX_API_KEY for the real API)\n")
		fmt.Fprintf(stdout, "\nTry this query in the Playground:\n\n%s\n", demoQuery(demoRoom))
		fmt.Fprint(stdout, demoLiveText(demoRoom, strings.TrimSuffix(simURL, "/v2"), c.simLive))
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// Connections still reading a request are closed; requests in their handler have until the timeout.
	drain.drain()
	shutdown, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	// The webhook door stops taking events (503: Telnyx retries them) and hands on those it queued; every
	// subscription completes and the WebSocket connections close, before Shutdown: it does not track
	// hijacked connections, and waits for the SSE streams.
	if err := gw.Close(shutdown); err != nil {
		logger.Warn("closing the gateway", "err", err)
	}
	if err := srv.Shutdown(shutdown); err != nil {
		_ = srv.Close()
		return fmt.Errorf("requests still in flight after %s of drain were cut: %w", drainTimeout, err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serveSimulator serves sim on a loopback port and returns its API base URL and a stop that also stops the
// simulator's live mode and webhook delivery.
func serveSimulator(sim *telnyxsim.Sim) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		sim.Close()
		return "", nil, err
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/v2", func() { sim.Close(); _ = srv.Close() }, nil
}

// busiestRoom picks the demo room with the most sessions, so the ready query shows something. It is the first
// of the simulator's busy rooms (telnyxsim.Sim.LiveRooms), so with live mode on it also changes on its own.
func busiestRoom(sim *telnyxsim.Sim, key string) string {
	if rooms := sim.LiveRooms(key); len(rooms) > 0 {
		return rooms[0]
	}
	return "00000000-0000-0000-0000-000000000000"
}

func demoQuery(roomID string) string {
	return `{
  room(id: "` + roomID + `") {
    id
    sessions(first: 5, filter: { active: false }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node { id active createdAt endedAt participants { context joinedAt leftAt } }
      }
    }
  }
}`
}

// demoSubscription is the demo room live: its state at once, then again after every change.
func demoSubscription(roomID string) string {
	return `subscription LiveRoom {
  roomUpdated(id: "` + roomID + `") {
    uniqueName
    activeSession {
      id
      participants(present: true) { context joinedAt }
    }
  }
}`
}

// demoLiveText is the banner's second half: the ready subscription, and how to make it move with the
// embedded simulator's control endpoints (simBase: its origin). live is the simulator's live rate.
func demoLiveText(roomID, simBase string, live float64) string {
	moves := "The simulator is not live (ROOMGRAPH_SIM_LIVE=0); make a change yourself"
	if live > 0 {
		moves = fmt.Sprintf("The simulator keeps it busy (ROOMGRAPH_SIM_LIVE: %s changes/s across its busy rooms); or make a change yourself",
			strconv.FormatFloat(live, 'g', -1, 64))
	}
	auth := "-H 'Authorization: Bearer " + demoKey + "'"
	return "\nThen watch the room live (the Playground's second tab, LiveRoom; roomEvents(roomId:) gives each event instead):\n\n" +
		demoSubscription(roomID) + "\n\n" +
		"It answers at once, then again each time someone joins or leaves. " + moves + ":\n\n" +
		"  curl -X POST " + auth + " -d '{\"context\":\"You\"}' " + simBase + "/_sim/rooms/" + roomID + "/join\n" +
		"  curl -X POST " + auth + " " + simBase + "/_sim/participants/<the id it answers>/leave\n"
}

func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		port := 0
		if ok {
			port = tcp.Port
		}
		return "localhost:" + strconv.Itoa(port)
	}
	return tcp.String()
}

// embeddedWebhookURL is where the embedded simulator addresses its webhooks; telnyxsim.HandlerTransport
// hands them to the gateway in-process, so the host never resolves.
const embeddedWebhookURL = "http://roomgraph.internal/webhooks/telnyx"

// lateHandler serves with a handler set after it was handed out (the gateway is built after the
// simulator that posts to it); before that it answers 503, which a webhook sender retries.
type lateHandler struct{ h atomic.Pointer[http.Handler] }

func (l *lateHandler) set(h http.Handler) { l.h.Store(&h) }

func (l *lateHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := l.h.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	http.Error(w, "starting", http.StatusServiceUnavailable)
}

// redisLog hands go-redis's own log lines to the command's logger.
type redisLog struct{ l *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.l.DebugContext(ctx, "redis client", "msg", fmt.Sprintf(format, v...))
}
