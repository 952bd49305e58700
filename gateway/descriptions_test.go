package gateway_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/gateway"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
)

// TestUnknownRoomAsDescribed: Query.room's description says what an unknown id costs and answers — only
// `id` (and __typename) makes no call and echoes the id; `sessions` is its own list call, NOT_FOUND; any
// field that needs the record makes the room null with NOT_FOUND.
func TestUnknownRoomAsDescribed(t *testing.T) { forExecutors(t, testUnknownRoomAsDescribed) }

func testUnknownRoomAsDescribed(t *testing.T, e executor) {
	h := newHarness(t, defaultSim(), e.config(gateway.Config{}))
	const unknown = "00000000-0000-4000-8000-000000000000"
	global := nodeid.Encode(nodeid.Room, unknown)
	h.calls()

	r := h.post(t, `{ room(id: "`+unknown+`") { __typename id } }`, nil)
	require.Empty(t, r.Errors)
	assert.JSONEq(t, `{"room":{"__typename":"Room","id":"`+global+`"}}`, string(r.Data))
	assert.Empty(t, h.calls(), "only the id: no call, no existence check")

	r = h.post(t, `{ room(id: "`+unknown+`") { id sessions { totalCount } } }`, nil)
	assert.Equal(t, []string{"NOT_FOUND"}, r.codes())
	assert.JSONEq(t, `{"room":{"id":"`+global+`","sessions":null}}`, string(r.Data))
	assert.Len(t, h.calls(), 1, "the sessions list call alone")

	r = h.post(t, `{ room(id: "`+unknown+`") { id uniqueName } }`, nil)
	assert.Equal(t, []string{"NOT_FOUND"}, r.codes())
	assert.JSONEq(t, `{"room":null}`, string(r.Data))
	assert.Len(t, h.calls(), 1, "the room's fetch")
}
