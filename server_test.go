package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
)

// TestRunEmbedded starts the real main loop with no upstream configured: it must serve the embedded
// simulator, print a ready query for a real demo room, answer it, and shut down when ctx ends.
func TestRunEmbedded(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	env := map[string]string{"PORT": "0"}
	var asked sync.Map // every name run asks getenv for
	getenv := func(k string) string { asked.Store(k, true); return env[k] }
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, nil, getenv, outW, io.Discard)
		outW.Close()
	}()

	sc := bufio.NewScanner(outR)
	var base, printed strings.Builder
	listen := regexp.MustCompile(`listening on (http://\S+)`)
	deadline := time.After(20 * time.Second)
	lines := make(chan string)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for printed.Len() == 0 || !strings.Contains(printed.String(), "\n}") {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "output ended early: %s", printed.String())
			if m := listen.FindStringSubmatch(l); m != nil {
				base.WriteString(m[1])
			}
			printed.WriteString(l + "\n")
		case <-deadline:
			t.Fatalf("no ready query printed: %s", printed.String())
		}
	}
	go func() {
		for range lines {
		}
	}()
	out := printed.String()
	assert.Contains(t, out, "Playground: ")
	assert.Contains(t, out, "embedded Telnyx simulator")
	assert.Contains(t, out, "  CORS: pages from http://localhost:*, http://127.0.0.1:*, http://[::1]:* may call it (ROOMGRAPH_CORS_ORIGINS)\n")
	query := out[strings.Index(out, "{\n"):]

	body, _ := json.Marshal(map[string]string{"query": query})
	resp, err := http.Post(base.String()+"/graphql", "application/json", strings.NewReader(string(body)))
	require.NoError(t, err)
	var res struct {
		Data struct {
			Room struct {
				Sessions struct {
					TotalCount int `json:"totalCount"`
					Edges      []any
				} `json:"sessions"`
			} `json:"room"`
		} `json:"data"`
		Errors []any `json:"errors"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&res))
	resp.Body.Close()
	require.Empty(t, res.Errors)
	assert.Positive(t, res.Data.Room.Sessions.TotalCount, "the demo room has sessions")
	assert.NotEmpty(t, res.Data.Room.Sessions.Edges)

	cancel()
	waitRun(t, done)
	documented := map[string]bool{}
	for _, v := range envVars {
		documented[v.name] = true
	}
	asked.Range(func(k, _ any) bool {
		assert.True(t, documented[k.(string)], "run read %s, which the configuration table does not list", k)
		return true
	})
}

func TestRunRejectsBadConfig(t *testing.T) {
	env := map[string]string{"PORT": "0", "TELNYX_API_KEY": "KEY_x", "ROOMGRAPH_MAX_FIRST": "many"}
	err := run(context.Background(), nil, func(k string) string { return env[k] }, io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ROOMGRAPH_MAX_FIRST")
	assert.NotContains(t, err.Error(), "KEY_x")
}

// TestCommandLine runs every kind of command line through run: what it prints where, its exit status, and
// that only serving listens (run returns at once for the others, and the port stays free).
func TestCommandLine(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	env := map[string]string{"ROOMGRAPH_LISTEN": addr}

	const usageStart = "roomgraph serves the Telnyx Video Rooms API"
	plain, federated := gateway.SDL(false), gateway.SDL(true)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // exact, or the start of it with a trailing "…"
		stderr string // contained in stderr ("" : stderr is empty)
	}{
		{"help", []string{"roomgraph", "help"}, 0, usageStart + "…", ""},
		{"-h", []string{"roomgraph", "-h"}, 0, usageStart + "…", ""},
		{"--help", []string{"roomgraph", "--help"}, 0, usageStart + "…", ""},
		{"-help", []string{"roomgraph", "-help"}, 0, usageStart + "…", ""},
		{"schema -h", []string{"roomgraph", "schema", "-h"}, 0, usageStart + "…", ""},
		{"version -h", []string{"roomgraph", "version", "--help"}, 0, usageStart + "…", ""},
		{"schema", []string{"roomgraph", "schema"}, 0, plain, ""},
		{"schema -federation", []string{"roomgraph", "schema", "-federation"}, 0, federated, ""},
		{"schema --federation", []string{"roomgraph", "schema", "--federation"}, 0, federated, ""},
		{"version", []string{"roomgraph", "version"}, 0, "roomgraph …", ""},
		{"unknown command", []string{"roomgraph", "serv"}, 2, "", `unknown command "serv"`},
		{"unknown flag", []string{"roomgraph", "-port", "9"}, 2, "", "flag provided but not defined: -port"},
		{"flag before a command", []string{"roomgraph", "-federation", "schema"}, 2, "", "flag provided but not defined: -federation"},
		{"unknown schema flag", []string{"roomgraph", "schema", "-fed"}, 2, "", "flag provided but not defined: -fed"},
		{"schema argument", []string{"roomgraph", "schema", "extra"}, 2, "", `schema: unexpected argument "extra"`},
		{"version argument", []string{"roomgraph", "version", "now"}, 2, "", `version: unexpected argument "now"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			done := make(chan error, 1)
			go func() {
				done <- run(context.Background(), tc.args, func(k string) string { return env[k] }, &stdout, &stderr)
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("run did not return: it serves")
			}

			assert.Equal(t, tc.code, exitCode(err, io.Discard))
			if prefix, ok := strings.CutSuffix(tc.stdout, "…"); ok {
				assert.True(t, strings.HasPrefix(stdout.String(), prefix), "stdout: %s", stdout.String())
			} else {
				assert.Equal(t, tc.stdout, stdout.String())
			}
			if tc.stderr == "" {
				assert.Empty(t, stderr.String())
			} else {
				assert.Contains(t, stderr.String(), tc.stderr)
				assert.Contains(t, stderr.String(), usageStart, "a usage error prints the usage")
			}
			assert.NotContains(t, stdout.String()+stderr.String(), "listening")
			free, err := net.Listen("tcp", addr)
			require.NoError(t, err, "nothing listens on the configured address")
			require.NoError(t, free.Close())
		})
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		code   int
		stderr string
	}{
		{"success", nil, 0, ""},
		{"usage error: already printed", &usageError{msg: "unknown command"}, 2, ""},
		{"wrapped usage error", fmt.Errorf("cli: %w", &usageError{msg: "x"}), 2, ""},
		{"any other error", errors.New("listen tcp :80: permission denied"), 1, "roomgraph: listen tcp :80: permission denied\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr strings.Builder
			assert.Equal(t, tc.code, exitCode(tc.err, &stderr))
			assert.Equal(t, tc.stderr, stderr.String())
		})
	}
}

func TestVersionText(t *testing.T) {
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "6fe69a9d0c1e"}
	at := debug.BuildSetting{Key: "vcs.time", Value: "2026-03-01T10:00:00Z"}
	tests := []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{"no build information", nil, false, "roomgraph (no build information)\n"},
		{"a release", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/roomgraph/roomgraph", Version: "v1.4.0"},
			Settings: []debug.BuildSetting{rev, at, {Key: "vcs.modified", Value: "false"}}},
			true, "roomgraph v1.4.0\nmodule    github.com/roomgraph/roomgraph\nrevision  6fe69a9d0c1e\ntime      2026-03-01T10:00:00Z\ngo        go1.26.0\n"},
		{"a checkout with local changes", &debug.BuildInfo{Main: debug.Module{Path: "github.com/roomgraph/roomgraph", Version: "(devel)"},
			Settings: []debug.BuildSetting{rev, {Key: "vcs.modified", Value: "true"}}},
			true, "roomgraph (devel)\nmodule    github.com/roomgraph/roomgraph\nrevision  6fe69a9d0c1e (modified)\n"},
		{"no VCS information", &debug.BuildInfo{Main: debug.Module{Path: "github.com/roomgraph/roomgraph", Version: "(devel)"}},
			true, "roomgraph (devel)\nmodule    github.com/roomgraph/roomgraph\nrevision  unknown (the build recorded no VCS information)\n"},
		{"no main module version", &debug.BuildInfo{}, true, "roomgraph (devel)\nrevision  unknown (the build recorded no VCS information)\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, versionText(tc.info, tc.ok))
		})
	}
}
