// Command roomgraph serves the GraphQL gateway over the Telnyx Video Rooms API.
//
//	go run .                      # no TELNYX_* set: the embedded simulator with demo data
//	TELNYX_API_KEY=KEY… go run .  # the real API
//
// Everything lives in package gateway; main only reads the environment and runs the server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/roomgraph/roomgraph/cork"
	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/gcpolicy"
	"github.com/roomgraph/roomgraph/internal/telemetry"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	gc, err := gcpolicy.FromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "roomgraph:", err)
		os.Exit(1)
	}
	gc.Apply()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "roomgraph:", err)
		os.Exit(1)
	}
}

// demoKey is the embedded simulator's only account. It never leaves the machine.
const demoKey = "KEY_roomgraph_demo"

// run serves until ctx ends, then drains in-flight requests.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 1 && args[1] == "schema" {
		return printSchema(args[2:], stdout)
	}
	embedded := gateway.Embedded(getenv)
	cfg, err := gateway.LoadConfig(getenv, embedded)
	if err != nil {
		return err
	}
	logger, err := telemetry.NewLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return err
	}
	var opts []gateway.Option
	tp, err := telemetry.TracerProviderFromEnv(ctx, getenv)
	if err != nil {
		return err
	}
	if tp != nil {
		opts = append(opts, gateway.WithTracerProvider(tp))
		defer func() {
			flush, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := tp.Shutdown(flush); err != nil {
				logger.Warn("flushing traces", "err", err)
			}
		}()
	}
	addr := ":8080"
	if p := strings.TrimSpace(getenv("PORT")); p != "" {
		addr = ":" + p
	}
	if a := strings.TrimSpace(getenv("ROOMGRAPH_LISTEN")); a != "" {
		addr = a // e.g. 127.0.0.1:8080: only this interface
	}

	var demoRoom string
	if embedded {
		sim := telnyxsim.New(telnyxsim.Config{Seed: 1, Keys: []string{demoKey}})
		simURL, stopSim, err := serveSimulator(sim)
		if err != nil {
			return err
		}
		defer stopSim()
		cfg.BaseURL, cfg.APIKey = simURL, demoKey
		demoRoom = busiestRoom(sim, demoKey)
		cfg.PlaygroundQuery = demoQuery(demoRoom)
	}

	gw, err := gateway.New(cfg, append(opts, gateway.WithLogger(logger))...)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// cork: each response write leaves in one system call instead of two (package comment).
	ln = cork.Listener{Listener: ln}
	srv := &http.Server{
		Handler:           cork.Handler(gw),
		ConnContext:       cork.ConnContext,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	base := "http://" + displayAddr(ln.Addr())
	fmt.Fprintf(stdout, "roomgraph listening on %s\n  GraphQL: %s/graphql\n", base, base)
	if cfg.ServeMetrics {
		fmt.Fprintf(stdout, "  Metrics: %s/metrics\n", base)
	}
	if cfg.Playground {
		fmt.Fprintf(stdout, "  Playground: %s/\n", base)
	}
	if embedded {
		fmt.Fprintf(stdout, "  upstream: embedded Telnyx simulator with demo data (set TELNYX_API_KEY for the real API)\n")
		fmt.Fprintf(stdout, "\nTry this query in the Playground:\n\n%s\n", demoQuery(demoRoom))
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// printSchema writes the SDL for client code generation: `go run . schema [-federation]`.
func printSchema(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("schema", flag.ContinueOnError)
	federation := fs.Bool("federation", false, "print the Apollo Federation subgraph schema")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_, err := io.WriteString(stdout, gateway.SDL(*federation))
	return err
}

// serveSimulator serves sim on a loopback port and returns its API base URL.
func serveSimulator(sim *telnyxsim.Sim) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/v2", func() { _ = srv.Close() }, nil
}

// busiestRoom picks the demo room with the most sessions, so the ready query shows something.
func busiestRoom(sim *telnyxsim.Sim, key string) string {
	rooms := sim.Rooms(key)
	if len(rooms) == 0 {
		return "00000000-0000-0000-0000-000000000000"
	}
	// Count each room's sessions once (Sessions copies the list), then take the largest.
	counts := make(map[string]int, len(rooms))
	for _, s := range sim.Sessions(key, "") {
		counts[s.RoomID]++
	}
	return slices.MaxFunc(rooms, func(a, b telnyxsim.Room) int { return counts[a.ID] - counts[b.ID] }).ID
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
