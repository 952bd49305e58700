package telnyxsim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/telnyxsim"
)

const demoKey = "KEY_demo"

var (
	tsPattern   = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)
	uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

// fixedNow is a clock after the default epoch, so writes sort first.
func fixedNow() time.Time { return time.Date(2026, 11, 2, 10, 30, 0, 123456789, time.UTC) }

func smallConfig() telnyxsim.Config {
	return telnyxsim.Config{Rooms: 10, SessionsPerRoom: 6, ParticipantsPerSession: 5, Now: fixedNow}
}

type client struct {
	t    *testing.T
	base string
	key  string
	hc   *http.Client
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func startSim(t *testing.T, cfg telnyxsim.Config) (*telnyxsim.Sim, *client) {
	t.Helper()
	sim := telnyxsim.New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, &client{t: t, base: srv.URL, key: sim.Keys()[0], hc: srv.Client()}
}

func (c *client) withKey(key string) *client {
	cp := *c
	cp.key = key
	return &cp
}

func (c *client) do(method, pathAndQuery, body string) response {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+pathAndQuery, rd)
	require.NoError(c.t, err)
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (c *client) get(pathAndQuery string) response {
	c.t.Helper()
	return c.do(http.MethodGet, pathAndQuery, "")
}

type object = map[string]json.RawMessage

type listBody struct {
	Data []object                   `json:"data"`
	Meta map[string]json.RawMessage `json:"meta"`
}

type meta struct{ number, size, pages, total int }

func decodeList(t *testing.T, r response) ([]object, meta) {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	var lb listBody
	require.NoError(t, json.Unmarshal(r.body, &lb), "body: %s", r.body)
	require.NotNil(t, lb.Data, "data must be an array, never null")
	require.Len(t, lb.Meta, 4)
	ints := map[string]int{}
	for k, raw := range lb.Meta {
		require.Regexp(t, `^\d+$`, string(raw), "meta.%s must be an integer", k)
		var n int
		require.NoError(t, json.Unmarshal(raw, &n))
		ints[k] = n
	}
	return lb.Data, meta{ints["page_number"], ints["page_size"], ints["total_pages"], ints["total_results"]}
}

func decodeSingle(t *testing.T, r response) object {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var env struct {
		Data object `json:"data"`
	}
	require.NoError(t, json.Unmarshal(r.body, &env))
	require.NotNil(t, env.Data)
	return env.Data
}

type apiErr struct {
	Code   string `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Source *struct {
		Pointer   string `json:"pointer"`
		Parameter string `json:"parameter"`
	} `json:"source"`
	Meta struct {
		URL string `json:"url"`
	} `json:"meta"`
}

func decodeErrors(t *testing.T, r response, status int, code string) []apiErr {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	var env struct {
		Errors []apiErr `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(r.body, &env), "body: %s", r.body)
	require.NotEmpty(t, env.Errors)
	for _, e := range env.Errors {
		require.Equal(t, code, e.Code)
		require.NotEmpty(t, e.Title)
		require.Equal(t, "https://developers.telnyx.com/docs/overview/errors/"+code, e.Meta.URL)
	}
	return env.Errors
}

func str(t *testing.T, o object, field string) string {
	t.Helper()
	raw, ok := o[field]
	require.True(t, ok, "field %q missing in %v", field, o)
	var s string
	require.NoError(t, json.Unmarshal(raw, &s))
	return s
}

func ids(t *testing.T, objs []object) []string {
	t.Helper()
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		out = append(out, str(t, o, "id"))
	}
	return out
}

// fetchAll follows pages the way the SDK auto-pager does (page_number+1 until total_pages).
func (c *client) fetchAll(path, query string) []string {
	c.t.Helper()
	var out []string
	for n := 1; ; n++ {
		sep := "?"
		if query != "" {
			sep = "?" + query + "&"
		}
		data, m := decodeList(c.t, c.get(path+sep+"page%5Bsize%5D=50&page%5Bnumber%5D="+itoa(n)))
		require.Equal(c.t, n, m.number)
		out = append(out, ids(c.t, data)...)
		if len(data) == 0 || m.number >= m.pages {
			require.Len(c.t, out, m.total)
			return out
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }
