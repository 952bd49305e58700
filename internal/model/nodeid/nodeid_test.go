package nodeid_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/model/nodeid"
)

const uuid = "502c0a3e-1aa1-448a-9edf-ef7d0305c872"

func TestRoundTrip(t *testing.T) {
	for _, typ := range []nodeid.Type{nodeid.Room, nodeid.RoomSession, nodeid.RoomParticipant} {
		t.Run(string(typ), func(t *testing.T) {
			id := nodeid.Encode(typ, uuid)
			got, u, err := nodeid.Decode(id)
			require.NoError(t, err)
			assert.Equal(t, typ, got)
			assert.Equal(t, uuid, u)
		})
	}
	assert.Equal(t, "Um9vbTo1MDJjMGEzZS0xYWExLTQ0OGEtOWVkZi1lZjdkMDMwNWM4NzI=", nodeid.Encode(nodeid.Room, uuid),
		"graphql-relay-js's toGlobalId(\"Room\", uuid)")
}

func TestDecodeRefusesOtherShapes(t *testing.T) {
	for _, tc := range []struct{ name, id string }{
		{"empty", ""},
		{"bare uuid", uuid},
		{"not base64", "!!!"},
		{"unknown type", nodeid.Encode("Recording", uuid)},
		{"no uuid", nodeid.Encode(nodeid.Room, "42")},
		{"no colon", "Um9vbQ=="},
		{"too long", nodeid.Encode(nodeid.Room, uuid+uuid)},
		{"uppercase uuid inside", nodeid.Encode(nodeid.Room, strings.ToUpper(uuid))},
		{"unpadded", strings.TrimRight(nodeid.Encode(nodeid.Room, uuid), "=")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := nodeid.Decode(tc.id)
			assert.ErrorIs(t, err, nodeid.ErrShape)
		})
	}
}

func TestUUIDAcceptsBothForms(t *testing.T) {
	for _, tc := range []struct {
		name string
		id   string
		want nodeid.Type
		ok   bool
	}{
		{"telnyx uuid", uuid, nodeid.RoomSession, true},
		{"global id of the type", nodeid.Encode(nodeid.RoomSession, uuid), nodeid.RoomSession, true},
		{"uppercase uuid", strings.ToUpper(uuid), nodeid.Room, false},
		{"global id of another type", nodeid.Encode(nodeid.Room, uuid), nodeid.RoomSession, false},
		{"garbage", "room-1", nodeid.Room, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, _, ok := nodeid.UUID(tc.id, tc.want)
			assert.Equal(t, tc.ok, ok)
			if ok {
				assert.Equal(t, uuid, u)
			}
		})
	}
}

func TestAppendIsEncode(t *testing.T) {
	for _, typ := range []nodeid.Type{nodeid.Room, nodeid.RoomSession, nodeid.RoomParticipant} {
		got := nodeid.Append([]byte("x"), typ, uuid)
		assert.Equal(t, `x"`+nodeid.Encode(typ, uuid)+`"`, string(got))
	}
	buf := make([]byte, 0, 128)
	assert.Zero(t, testing.AllocsPerRun(100, func() { buf = nodeid.Append(buf[:0], nodeid.RoomParticipant, uuid) }),
		"Append allocates nothing when the buffer has room")
}
