package gateway_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
)

// TestArgumentErrorsSayWhatIsWrong: an argument error says what is wrong with the value, names the
// argument (extensions.field) and the field (locations), and costs no upstream call.
func TestArgumentErrorsSayWhatIsWrong(t *testing.T) {
	forExecutors(t, testArgumentErrorsSayWhatIsWrong)
}

func testArgumentErrorsSayWhatIsWrong(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
	f := newCursorFixture(t, h)
	upper := strings.ToUpper(f.room)
	sessions := `query($id: ID!, $after: String) {
  room(id: $id) { sessions(first: 2, after: $after) { totalCount } } }`
	tests := []struct {
		name    string
		query   string
		vars    map[string]any
		message string // the whole message
		field   string // extensions.field
		line    int    // locations[0]
		column  int
	}{
		{name: "month 13", query: `{ rooms(filter: {dateCreatedAt: {gte: "2026-13-01"}}) { totalCount } }`,
			message: `invalid Date "2026-13-01": month 13`, field: "filter.dateCreatedAt.gte", line: 1, column: 3},
		{name: "day 30 of February", query: `{ rooms(filter: {dateUpdatedAt: {eq: "2026-02-30"}}) { totalCount } }`,
			message: `invalid Date "2026-02-30": day 30 of February 2026 (it has 28 days)`, field: "filter.dateUpdatedAt.eq", line: 1, column: 3},
		{name: "a timestamp for a Date", query: `{ roomSessions(filter: {dateEndedAt: {lte: "2026-04-25T10:00:00Z"}}) { totalCount } }`,
			message: `invalid Date "2026-04-25T10:00:00Z": a Date has no time of day (YYYY-MM-DD, e.g. 2026-04-25)`, field: "filter.dateEndedAt.lte", line: 1, column: 3},
		{name: "not a date", query: `{ rooms(filter: {dateCreatedAt: {gte: "yesterday"}}) { totalCount } }`,
			message: `invalid Date "yesterday": a Date is YYYY-MM-DD, e.g. 2026-04-25`, field: "filter.dateCreatedAt.gte", line: 1, column: 3},
		{name: "gte later than lte", query: `{ rooms(filter: {dateCreatedAt: {gte: "2026-03-02", lte: "2026-03-01"}}) { totalCount } }`,
			message: `filter.dateCreatedAt: gte 2026-03-02 is later than lte 2026-03-01, so nothing can match`, field: "filter.dateCreatedAt", line: 1, column: 3},
		{name: "gte later than lte in a nested list", query: "{\n  room(id: \"" + f.room + "\") {\n    sessions(filter: {dateEndedAt: {gte: \"2026-05-01\", lte: \"2026-04-30\"}}) { totalCount } } }",
			message: `filter.dateEndedAt: gte 2026-05-01 is later than lte 2026-04-30, so nothing can match`, field: "filter.dateEndedAt", line: 3, column: 5},
		{name: "uppercase room id", query: `{ room(id: "` + upper + `") { uniqueName } }`,
			message: `id must be a lowercase UUID, as Telnyx writes ids: got "` + upper + `", send "` + f.room + `"`, field: "id", line: 1, column: 3},
		{name: "uppercase roomId filter", query: `{ roomSessions(roomId: "` + upper + `") { totalCount } }`,
			message: `roomId must be a lowercase UUID, as Telnyx writes ids: got "` + upper + `", send "` + f.room + `"`, field: "roomId", line: 1, column: 3},
		{name: "not a UUID", query: `{ roomParticipant(id: "p-1") { id } }`,
			message: `id must be a UUID such as 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0 or a RoomParticipant's global id, got "p-1"`, field: "id", line: 1, column: 3},
		{name: "tampered cursor", query: sessions, vars: map[string]any{"id": f.room, "after": f.tampered},
			message: `invalid "after" cursor: the cursor was altered (or issued with another cursor secret): use a cursor exactly as a pageInfo or edge gave it`, field: "after", line: 2, column: 19},
		{name: "cursor of another room", query: sessions, vars: map[string]any{"id": f.other, "after": f.cursor},
			message: `invalid "after" cursor: the cursor is from another list (another room, session or filter): ask this list for its own cursors`, field: "after", line: 2, column: 19},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.calls()
			r := h.post(t, tc.query, tc.vars)
			require.Len(t, r.Errors, 1, "%+v", r.Errors)
			got := r.Errors[0]
			assert.Equal(t, "BAD_USER_INPUT", got.code())
			assert.Equal(t, tc.message, got.Message)
			if tc.field != "" {
				assert.Equal(t, tc.field, got.Extensions["field"])
			}
			assert.Equal(t, []gqlLocation{{tc.line, tc.column}}, got.Locations)
			assert.Empty(t, h.calls(), "no upstream call")
		})
	}
}

// TestUppercaseIDsAreRefusedEverywhere: every id argument follows one rule, a lowercase UUID; an uppercase
// one is refused before any call, writes included.
func TestUppercaseIDsAreRefusedEverywhere(t *testing.T) {
	forExecutors(t, func(t *testing.T, e executor) {
		h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
		up := strings.ToUpper(unknownRoom)
		for _, q := range []string{
			`{ room(id: "` + up + `") { id } }`,
			`{ roomSession(id: "` + up + `") { id } }`,
			`{ roomParticipant(id: "` + up + `") { id } }`,
			`{ roomSessions(roomId: "` + up + `") { totalCount } }`,
			`{ roomParticipants(sessionId: "` + up + `") { totalCount } }`,
			`mutation { deleteRoom(id: "` + up + `") { deletedRoomId } }`,
			`mutation { endRoomSession(id: "` + up + `") { sessionId } }`,
			`mutation { updateRoom(id: "` + up + `", input: {}) { room { id } } }`,
			`mutation { kickParticipants(sessionId: "` + unknownRoom + `", participants: {ids: ["` + up + `"]}) { sessionId } }`,
		} {
			h.calls()
			r := h.post(t, q, nil)
			require.NotEmpty(t, r.Errors, q)
			assert.Equal(t, "BAD_USER_INPUT", r.Errors[0].code(), q)
			assert.Contains(t, r.Errors[0].Message, "must be a lowercase UUID", q)
			assert.Empty(t, h.calls(), q)
		}
	})
}

// TestNotFoundNamesKindAndID: an upstream 404 says which object was not found.
func TestNotFoundNamesKindAndID(t *testing.T) {
	forExecutors(t, func(t *testing.T, e executor) {
		h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
		for _, tc := range []struct{ query, prefix string }{
			{`{ room(id: "` + unknownRoom + `") { uniqueName } }`, "room " + unknownRoom + " not found (Telnyx API: "},
			{`{ roomSession(id: "` + unknownRoom + `") { active } }`, "session " + unknownRoom + " not found (Telnyx API: "},
			{`{ roomParticipant(id: "` + unknownRoom + `") { context } }`, "participant " + unknownRoom + " not found (Telnyx API: "},
			{`{ room(id: "` + unknownRoom + `") { sessions { totalCount } } }`, "room " + unknownRoom + " not found (Telnyx API: "},
			{`mutation { deleteRoom(id: "` + unknownRoom + `") { deletedRoomId } }`, "room " + unknownRoom + " not found (Telnyx API: "},
		} {
			r := h.post(t, tc.query, nil)
			require.Len(t, r.Errors, 1, tc.query)
			assert.Equal(t, "NOT_FOUND", r.Errors[0].code())
			assert.True(t, strings.HasPrefix(r.Errors[0].Message, tc.prefix), "%q", r.Errors[0].Message)
		}
	})
}

// TestOperationNameMessages: a document of several operations without operationName, or with an unknown
// one, says so.
func TestOperationNameMessages(t *testing.T) {
	h := newHarness(t, defaultSim(), gateway.Config{})
	const doc = `query A { rooms { totalCount } } query B { rooms { totalCount } }`
	for _, tc := range []struct{ name, op, want string }{
		{"missing", "", `the document has 2 operations ("A", "B"): send operationName to choose the one to run`},
		{"unknown", "C", `the document has no operation named "C"; it has "A", "B"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"query": doc, "operationName": tc.op})
			resp, err := http.Post(h.gwURL, "application/json", strings.NewReader(string(body)))
			require.NoError(t, err)
			defer resp.Body.Close()
			var r response
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
			require.Len(t, r.Errors, 1)
			assert.Equal(t, "GRAPHQL_VALIDATION_FAILED", r.Errors[0].code())
			assert.Equal(t, tc.want, r.Errors[0].Message)
		})
	}
}
