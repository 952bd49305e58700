// Package nodeid is the format of Relay global object ids (docs/relay.md): base64 of "Type:uuid", the
// convention of graphql-relay-js, where Type is Room, RoomSession or RoomParticipant and uuid is the Telnyx
// id. A global id says which record to fetch, so node(id:) needs at most one upstream call for it; a Telnyx
// UUID alone does not say which of three endpoints has it.
//
// It is pure: no GraphQL, no HTTP. The resolvers turn its errors into BAD_USER_INPUT.
package nodeid

import (
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
)

// Type is the object type a global id names.
type Type string

// The types that implement Node.
const (
	Room            Type = "Room"
	RoomSession     Type = "RoomSession"
	RoomParticipant Type = "RoomParticipant"
)

// uuidPattern accepts the canonical 8-4-4-4-12 form every Telnyx id has, in lowercase: the only spelling the
// API hands out (docs/errors.md#ids).
var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// IsUUID reports whether s has the form of a Telnyx id (lowercase).
func IsUUID(s string) bool { return uuidPattern.MatchString(s) }

// Encode returns the global id of the object of type t with Telnyx id uuid.
func Encode(t Type, uuid string) string {
	return base64.StdEncoding.EncodeToString([]byte(string(t) + ":" + uuid))
}

// Append appends the global id of the object of type t with Telnyx id uuid to b as a JSON string (base64
// needs no escaping), with the same bytes as Encode and no allocation of its own.
func Append(b []byte, t Type, uuid string) []byte {
	var raw [80]byte
	src := append(append(append(raw[:0], t...), ':'), uuid...)
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, src)
	return append(b, '"')
}

// ErrShape is returned for a string that is neither a global id of a known type nor a UUID.
var ErrShape = errors.New("not a global id")

// Decode returns the type and the Telnyx id a global id names. A string that is not the canonical base64
// (standard alphabet, padded) of "Room:", "RoomSession:" or "RoomParticipant:" followed by a lowercase UUID
// is ErrShape: one object has one global id, as it has one lowercase UUID (docs/errors.md#ids), so an id
// the gateway echoes comes back as it was sent.
func Decode(id string) (Type, string, error) {
	// The longest global id is base64 of "RoomParticipant:" and a UUID (52 bytes): 72 characters.
	if len(id) > 72 {
		return "", "", ErrShape
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(id)
	if err != nil {
		return "", "", ErrShape
	}
	typ, uuid, ok := strings.Cut(string(raw), ":")
	if !ok || !IsUUID(uuid) {
		return "", "", ErrShape
	}
	switch t := Type(typ); t {
	case Room, RoomSession, RoomParticipant:
		return t, uuid, nil
	}
	return "", "", ErrShape
}

// UUID returns the Telnyx id an id argument names when it must name an object of type want: a UUID as
// given, or the UUID inside a global id of type want. ok is false for anything else (the type a global id
// of another type names is got, for the message).
func UUID(id string, want Type) (uuid string, got Type, ok bool) {
	if IsUUID(id) {
		return id, want, true
	}
	t, uuid, err := Decode(id)
	if err != nil {
		return "", "", false
	}
	return uuid, t, t == want
}
