package telnyxsim_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/telnyxsim"
)

// clock is a settable simulator clock.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// hook is one delivery as the receiver saw it.
type hook struct {
	path      string
	header    http.Header
	body      []byte
	cancelled bool          // the sender gave up before the handler answered
	held      time.Duration // how long a blocked answer was held
	env       envelope
}

type envelope struct {
	Data struct {
		RecordType string          `json:"record_type"`
		ID         string          `json:"id"`
		EventType  string          `json:"event_type"`
		OccurredAt string          `json:"occurred_at"`
		Payload    json.RawMessage `json:"payload"`
	} `json:"data"`
	Meta struct {
		Attempt     int    `json:"attempt"`
		DeliveredTo string `json:"delivered_to"`
	} `json:"meta"`
}

// receiver is a webhook endpoint that records every request. status picks the answer of the nth request
// (from 1) to a path for an event id; hold, when set, is waited on (or the request's end) before answering.
type receiver struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	got     []hook
	seen    map[string]int // path + event id → requests
	status  func(path string, n int) int
	block   func(path string) bool // hold the answer until release is closed or the sender gives up
	release chan struct{}
	arrive  chan struct{}
	entered atomic.Int32 // requests that reached the handler, answered or not
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{t: t, seen: map[string]int{}, arrive: make(chan struct{}, 1<<16), release: make(chan struct{})}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.entered.Add(1)
		body, err := io.ReadAll(r.Body)
		assert.NoError(t, err)
		h := hook{path: r.URL.Path, header: r.Header.Clone(), body: body}
		assert.NoError(t, json.Unmarshal(body, &h.env), "%s", body)
		rc.mu.Lock()
		rc.seen[h.path+" "+h.env.Data.ID]++
		n := rc.seen[h.path+" "+h.env.Data.ID]
		status, block := http.StatusOK, rc.block != nil && rc.block(h.path)
		if rc.status != nil {
			status = rc.status(h.path, n)
		}
		rc.mu.Unlock()
		if block {
			start := time.Now()
			select {
			case <-rc.release:
			case <-r.Context().Done():
				h.cancelled = true
			}
			h.held = time.Since(start)
		}
		rc.mu.Lock()
		rc.got = append(rc.got, h)
		rc.mu.Unlock()
		rc.arrive <- struct{}{}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.srv.Close)
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(rc.release) }) })
	return rc
}

func (rc *receiver) url(path string) string { return rc.srv.URL + path }

// wait returns once n deliveries have been recorded in all, failing the test after 10 s.
func (rc *receiver) wait(n int) []hook {
	rc.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		rc.mu.Lock()
		if len(rc.got) >= n {
			out := append([]hook(nil), rc.got...)
			rc.mu.Unlock()
			return out
		}
		have := len(rc.got)
		rc.mu.Unlock()
		select {
		case <-rc.arrive:
		case <-deadline:
			rc.t.Fatalf("waited for %d deliveries, got %d", n, have)
		}
	}
}

func (rc *receiver) all() []hook {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hook(nil), rc.got...)
}

// hookConfig delivers in order (one worker) with short backoffs and a settable clock.
func hookConfig(c *clock) telnyxsim.Config {
	cfg := smallConfig()
	cfg.Now = c.now
	cfg.WebhookWorkers = 1
	cfg.WebhookBackoff = 5 * time.Millisecond
	return cfg
}

// startHookSim starts a simulator that is closed (its delivery stopped) before its HTTP server.
func startHookSim(t *testing.T, cfg telnyxsim.Config) (*telnyxsim.Sim, *client) {
	t.Helper()
	sim, c := startSim(t, cfg)
	t.Cleanup(sim.Close)
	return sim, c
}

// createRoom makes a room through the API with the given extra fields and returns its id.
func createRoom(t *testing.T, c *client, fields string) string {
	t.Helper()
	r := c.do("POST", "/v2/rooms", "{"+fields+"}")
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var env struct{ Data object }
	require.NoError(t, json.Unmarshal(r.body, &env))
	return str(t, env.Data, "id")
}

// join joins a room through the control endpoint and returns the participant record.
func join(t *testing.T, c *client, roomID, context string) object {
	t.Helper()
	r := c.do("POST", "/_sim/rooms/"+roomID+"/join", `{"context":`+strconv.Quote(context)+`}`)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var env struct{ Data object }
	require.NoError(t, json.Unmarshal(r.body, &env))
	return env.Data
}

func leave(t *testing.T, c *client, participantID string) object {
	t.Helper()
	r := c.do("POST", "/_sim/participants/"+participantID+"/leave", "")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var env struct{ Data object }
	require.NoError(t, json.Unmarshal(r.body, &env))
	return env.Data
}

// verify checks a delivery's signature with a base64 public key, as a receiver does.
func verify(pub ed25519.PublicKey, h hook) bool {
	sig, err := base64.StdEncoding.DecodeString(h.header.Get("telnyx-signature-ed25519"))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(pub, []byte(h.header.Get("telnyx-timestamp")+"|"+string(h.body)), sig)
}

func types(hs []hook) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.env.Data.EventType
	}
	return out
}
