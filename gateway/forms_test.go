package gateway_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// TestInputErrorsNameEveryField: a mutation input with several invalid fields gets one BAD_USER_INPUT error
// per field, all at once, each with extensions.field and the mutation field's location; nothing is
// written and no call made.
func TestInputErrorsNameEveryField(t *testing.T) { forExecutors(t, testInputErrorsNameEveryField) }

func testInputErrorsNameEveryField(t *testing.T, e executor) {
	h := newHarness(t, surfaceSim(), e.config(gateway.Config{}))
	room := h.sim.Rooms(keyA)[0].ID
	type fieldError struct{ field, message string }
	tests := []struct {
		name  string
		query string
		want  []fieldError
	}{
		{name: "createRoom", query: `mutation {
  createRoom(input: {uniqueName: " ", maxParticipants: 1, webhookEventUrl: "ftp://x", webhookTimeoutSecs: 99}) { room { id } } }`,
			want: []fieldError{
				{"input.uniqueName", "input.uniqueName must be 1 to 255 characters and not blank"},
				{"input.maxParticipants", "input.maxParticipants must be between 2 and 50, got 1"},
				{"input.webhookEventUrl", `input.webhookEventUrl must be an absolute http(s) URL such as https://example.com/webhooks, got "ftp://x"`},
				{"input.webhookTimeoutSecs", "input.webhookTimeoutSecs must be between 0 and 30, got 99"},
			}},
		{name: "updateRoom: the id and the input", query: `mutation {
  updateRoom(id: "nope", input: {maxParticipants: 51, webhookEventFailoverUrl: "/relative"}) { room { id } } }`,
			want: []fieldError{
				{"id", `id must be a UUID such as 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0 or a Room's global id, got "nope"`},
				{"input.maxParticipants", "input.maxParticipants must be between 2 and 50, got 51"},
				{"input.webhookEventFailoverUrl", `input.webhookEventFailoverUrl must be an absolute http(s) URL such as https://example.com/webhooks, got "/relative"`},
			}},
		{name: "kickParticipants: the session and each bad id", query: `mutation {
  kickParticipants(sessionId: "` + room + `", participants: {ids: ["` + room + `", "x", "Y"], exclude: ["z"]}) { sessionId } }`,
			want: []fieldError{
				{"participants.ids[1]", `participants.ids[1] must be a UUID such as 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0 or a RoomParticipant's global id, got "x"`},
				{"participants.ids[2]", `participants.ids[2] must be a UUID such as 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0 or a RoomParticipant's global id, got "Y"`},
				{"participants.exclude[0]", `participants.exclude[0] must be a UUID such as 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0 or a RoomParticipant's global id, got "z"`},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.calls()
			r := h.post(t, tc.query, nil)
			var got []fieldError
			for _, e := range r.Errors {
				assert.Equal(t, "BAD_USER_INPUT", e.code())
				assert.Equal(t, []gqlLocation{{2, 3}}, e.Locations)
				field, _ := e.Extensions["field"].(string)
				got = append(got, fieldError{field, e.Message})
			}
			assert.Equal(t, tc.want, got)
			assert.Equal(t, "null", string(r.Data))
			assert.Empty(t, h.calls(), "no upstream call")
		})
	}
}

// TestUpstreamPointerBecomesInputField: an upstream 422 whose source.pointer names a body member (a
// duplicate unique_name) is reported at the input field that member came from.
func TestUpstreamPointerBecomesInputField(t *testing.T) {
	forExecutors(t, func(t *testing.T, e executor) {
		h := newHarness(t, surfaceSim(), e.config(gateway.Config{}))
		rooms := h.sim.Rooms(keyA)
		require.GreaterOrEqual(t, len(rooms), 2)
		taken := ""
		for _, r := range rooms {
			if r.UniqueName != "" {
				taken = r.UniqueName
			}
		}
		require.NotEmpty(t, taken, "a room with a name")
		for _, q := range []string{
			`mutation($n: String) { createRoom(input: {uniqueName: $n}) { room { id } } }`,
			`mutation($n: String) { updateRoom(id: "` + otherThan(rooms, taken) + `", input: {uniqueName: $n}) { room { id } } }`,
		} {
			h.calls()
			r := h.post(t, q, map[string]any{"n": taken})
			require.Len(t, r.Errors, 1, "%+v", r.Errors)
			assert.Equal(t, "BAD_USER_INPUT", r.Errors[0].code())
			assert.Equal(t, float64(422), r.Errors[0].Extensions["upstreamStatus"])
			assert.Equal(t, "input.uniqueName", r.Errors[0].Extensions["field"])
			assert.Contains(t, r.Errors[0].Message, "already exists")
			assert.Len(t, h.calls(), 1, "the one write")
		}
	})
}

func otherThan(rooms []telnyxsim.Room, name string) string {
	for _, r := range rooms {
		if r.UniqueName != name {
			return r.ID
		}
	}
	return ""
}

// TestUpdateRoomClearsWithNull: an explicit null clears a webhook setting (sent upstream as null); a field
// left out keeps its value; null on a setting that cannot be cleared keeps it too.
func TestUpdateRoomClearsWithNull(t *testing.T) { forExecutors(t, testUpdateRoomClearsWithNull) }

func testUpdateRoomClearsWithNull(t *testing.T, e executor) {
	h := newHarness(t, surfaceSim(), e.config(gateway.Config{}))
	const sel = `{ room { maxParticipants webhookEventUrl webhookEventFailoverUrl webhookTimeoutSecs } }`
	type room struct {
		MaxParticipants         int     `json:"maxParticipants"`
		WebhookEventURL         *string `json:"webhookEventUrl"`
		WebhookEventFailoverURL *string `json:"webhookEventFailoverUrl"`
		WebhookTimeoutSecs      *int    `json:"webhookTimeoutSecs"`
	}
	var created struct {
		CreateRoom struct {
			Room struct{ ID string } `json:"room"`
		} `json:"createRoom"`
	}
	h.ok(t, `mutation { createRoom(input: {maxParticipants: 7, webhookEventUrl: "https://a.example/h", webhookEventFailoverUrl: "https://b.example/h", webhookTimeoutSecs: 9}) { room { id } } }`, nil, &created)
	id := created.CreateRoom.Room.ID
	update := func(t *testing.T, query string, vars map[string]any) room {
		t.Helper()
		var d struct {
			UpdateRoom struct{ Room room } `json:"updateRoom"`
		}
		h.ok(t, query, vars, &d)
		return d.UpdateRoom.Room
	}
	str := func(s string) *string { return &s }
	num := func(n int) *int { return &n }

	t.Run("left out keeps", func(t *testing.T) {
		got := update(t, `mutation { updateRoom(id: "`+id+`", input: {maxParticipants: 8}) `+sel+` }`, nil)
		assert.Equal(t, room{8, str("https://a.example/h"), str("https://b.example/h"), num(9)}, got)
	})
	t.Run("null on maxParticipants keeps", func(t *testing.T) {
		got := update(t, `mutation { updateRoom(id: "`+id+`", input: {maxParticipants: null}) `+sel+` }`, nil)
		assert.Equal(t, 8, got.MaxParticipants)
	})
	t.Run("inline null clears", func(t *testing.T) {
		got := update(t, `mutation { updateRoom(id: "`+id+`", input: {webhookTimeoutSecs: null, webhookEventFailoverUrl: null}) `+sel+` }`, nil)
		assert.Equal(t, room{8, str("https://a.example/h"), nil, nil}, got)
	})
	t.Run("null in a variable clears", func(t *testing.T) {
		got := update(t, `mutation($in: UpdateRoomInput!) { updateRoom(id: "`+id+`", input: $in) `+sel+` }`,
			map[string]any{"in": map[string]any{"webhookEventUrl": nil}})
		assert.Equal(t, room{8, nil, nil, nil}, got)
	})
	t.Run("set again", func(t *testing.T) {
		got := update(t, `mutation { updateRoom(id: "`+id+`", input: {webhookTimeoutSecs: 0}) `+sel+` }`, nil)
		assert.Equal(t, num(0), got.WebhookTimeoutSecs)
	})
}
