package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// FuzzGraphQLEndpoint sends arbitrary bodies to /graphql: the gateway never panics, never answers 5xx,
// and always answers JSON. The seeds run as ordinary tests; fuzz by hand with
// go test ./gateway -run XXX -fuzz FuzzGraphQLEndpoint -fuzztime 60s.
func FuzzGraphQLEndpoint(f *testing.F) {
	sim := telnyxsim.New(telnyxsim.Config{Keys: []string{keyA}, Rooms: 4, SessionsPerRoom: 3})
	up := httptest.NewServer(sim)
	defer up.Close()
	gw, err := gateway.New(gateway.Config{BaseURL: up.URL + "/v2", APIKey: keyA, OperationTimeout: 2e9})
	if err != nil {
		f.Fatal(err)
	}
	room := sim.Rooms(keyA)[0].ID
	for _, seed := range []string{
		`{"query":"{ rooms { totalCount } }"}`,
		`{"query":"{ room(id: \"` + room + `\") { uniqueName sessions(first: 3) { edges { cursor node { id participants { context } } } } } }"}`,
		`{"query":"query($f: Int) { roomSessions(first: $f) { nodes { id room { id } } } }","variables":{"f":2}}`,
		`{"query":"{ rooms(filter: {dateCreatedAt: {gte: \"2026-01-01\"}}) { nodes { id } } }"}`,
		`{"query":"{ roomSessions(after: \"AQAAAAD0n2wdK7zkOwUni-w\") { totalCount } }"}`,
		`{"query":"mutation { createRoom(input: {maxParticipants: 1}) { room { id } } }"}`,
		`[{"query":"{ rooms { totalCount } }"}]`,
		`{"query":"{ rooms { ...A } } fragment A on RoomConnection { ...A }"}`,
		`{"query": 1}`, `{`, ``, "\xff", `{"query":"{ __schema { types { name } } }"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		gw.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		out, _ := io.ReadAll(rec.Body)
		if !json.Valid(out) {
			t.Fatalf("not JSON for %q: %s", body, out)
		}
	})
}

// asSentInJSON is s after a JSON round trip.
func asSentInJSON(s string) string {
	var out string
	b, _ := json.Marshal(s)
	_ = json.Unmarshal(b, &out)
	return out
}

// FuzzFilterTranslation: whatever a caller puts in a filter either is refused as BAD_USER_INPUT with no
// upstream call, or reaches the upstream exactly (decoded, the upstream's query holds the same values).
func FuzzFilterTranslation(f *testing.F) {
	h := newHarness(f, telnyxsim.Config{Keys: []string{keyA}, Rooms: 3, SessionsPerRoom: 2}, gateway.Config{})
	for _, s := range [][3]string{
		{"standup-eng", "Alice", "2026-01-01"}, {"", "", "2026-02-29"}, {"a&b=c", "x%5By%5D", "2024-02-29"},
		{"[]", "filter[context]", "2026-13-01"}, {"ü", "\"quoted\"", "0001-01-01"}, {" ", "\n", "9999-12-31"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	const q = `query($u: String, $c: String, $d: Date) {
		rooms(filter: {uniqueName: $u, dateCreatedAt: {gte: $d}}) { totalCount }
		roomParticipants(filter: {context: $c, dateLeftAt: {lte: $d}}) { totalCount } }`
	f.Fuzz(func(t *testing.T, name, context, date string) {
		h.sim.ResetStats()
		r := h.post(t, q, map[string]any{"u": name, "c": context, "d": date})
		calls := h.sim.Stats().Requests
		_, dateErr := telnyxParseDate(date)
		if dateErr != nil {
			if len(r.Errors) == 0 || r.Errors[0].code() != "BAD_USER_INPUT" || len(calls) != 0 {
				t.Fatalf("bad date %q: errors %+v, %d calls", date, r.Errors, len(calls))
			}
			return
		}
		if len(r.Errors) != 0 {
			t.Fatalf("filter refused: %+v", r.Errors)
		}
		// What the caller sent is the JSON encoding of the strings, which replaces invalid UTF-8.
		name, context = asSentInJSON(name), asSentInJSON(context)
		want := map[string]map[string]string{
			telnyxsim.RouteListRooms:        {"filter[date_created_at][gte]": date, "filter[unique_name]": name},
			telnyxsim.RouteListParticipants: {"filter[date_left_at][lte]": date, "filter[context]": context},
		}
		for _, c := range calls {
			got := decodedQuery(t, c)
			for k, v := range want[c.Route] {
				if v == "" {
					continue // an empty string filter is the same as none
				}
				if got.Get(k) != v {
					t.Fatalf("%s: %s = %q, want %q (raw %s)", c.Route, k, got.Get(k), v, c.RawQuery)
				}
			}
		}
	})
}
