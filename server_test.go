package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunEmbedded starts the real main loop with no upstream configured: it must serve the embedded
// simulator, print a ready query for a real demo room, answer it, and shut down when ctx ends.
func TestRunEmbedded(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	env := map[string]string{"PORT": "0"}
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, nil, func(k string) string { return env[k] }, outW, io.Discard)
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
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return after cancellation")
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	env := map[string]string{"PORT": "0", "TELNYX_API_KEY": "KEY_x", "ROOMGRAPH_MAX_FIRST": "many"}
	err := run(context.Background(), nil, func(k string) string { return env[k] }, io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ROOMGRAPH_MAX_FIRST")
	assert.NotContains(t, err.Error(), "KEY_x")
}

func TestSchemaCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"roomgraph", "schema"}, []string{"type Query {", "roomSessions(", "scalar DateTime"}},
		{[]string{"roomgraph", "schema", "-federation"}, []string{`@key(fields: "id")`, "type Room @key"}},
	} {
		var out strings.Builder
		require.NoError(t, run(context.Background(), tc.args, func(string) string { return "" }, &out, io.Discard))
		for _, w := range tc.want {
			assert.Contains(t, out.String(), w, tc.args)
		}
	}
}
