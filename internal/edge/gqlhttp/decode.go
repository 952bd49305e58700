package gqlhttp

import (
	"bytes"
	"errors"
	"io"

	json "github.com/goccy/go-json" // every request body is decoded here: much faster than encoding/json (BENCHMARKS.md)

	"github.com/99designs/gqlgen/graphql"
)

// Members are the top-level members of a POST body, raw. A handler in front that decodes them anyway (to
// check their types before GraphQL sees the request) hands them on with NewCheckedBody, and POST then
// decodes only the members themselves instead of the whole body a second time.
type Members struct {
	Query         json.RawMessage `json:"query"`
	OperationName json.RawMessage `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

// ParseMembers reads the top-level members of a POST body (a JSON object).
func ParseMembers(body []byte) (Members, error) {
	var m Members
	err := json.Unmarshal(body, &m)
	return m, err
}

// decode reads a POST body into params (from its members when a handler in front parsed them); numbers
// stay json.Number, as gqlgen's own transports keep them.
func decode(body []byte, m *Members, params *graphql.RawParams) error {
	if m == nil {
		parsed, err := ParseMembers(body)
		if err != nil {
			return err
		}
		m = &parsed
	}
	if err := decodeString(m.Query, &params.Query); err != nil {
		return err
	}
	if err := decodeString(m.OperationName, &params.OperationName); err != nil {
		return err
	}
	if err := decodeMember(m.Variables, &params.Variables); err != nil {
		return err
	}
	return decodeMember(m.Extensions, &params.Extensions)
}

// decodeString reads a string member; absent or null leaves dst empty.
func decodeString(raw json.RawMessage, dst *string) error {
	if len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, dst)
}

// decodeMember reads an object member; absent or null leaves dst nil.
func decodeMember(raw json.RawMessage, dst *map[string]any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if !hasNumber(raw) {
		// Nothing to keep as json.Number (ids, names, dates, booleans): decoded in one call, without a
		// streaming decoder and its buffer. Unmarshal refuses trailing data as decodeObject does.
		return json.Unmarshal(raw, dst)
	}
	return decodeObject(raw, dst)
}

// hasNumber reports whether raw (JSON) may hold a number outside its strings.
func hasNumber(raw []byte) bool {
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
		case c == '-' || c >= '0' && c <= '9':
			return true
		}
	}
	return false
}

// decodeObject reads a JSON object (a GET's variables or extensions, a POST's members).
func decodeObject(raw []byte, dst *map[string]any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

// Body is a request body already read into memory (by a handler in front that checked it), which POST
// reads without copying. Set it as the request's Body with NewBody or NewCheckedBody.
type Body struct {
	*bytes.Reader
	b       []byte
	members *Members
}

// NewBody returns a request body over b.
func NewBody(b []byte) *Body { return &Body{Reader: bytes.NewReader(b), b: b} }

// NewCheckedBody returns a request body over b whose top-level members m (ParseMembers) are already known.
func NewCheckedBody(b []byte, m Members) *Body {
	return &Body{Reader: bytes.NewReader(b), b: b, members: &m}
}

// Close does nothing: the bytes are in memory.
func (*Body) Close() error { return nil }

// bodyBytes returns the whole body of r, and its members when known: without copying when it is a Body
// nobody has read from.
func bodyBytes(r io.ReadCloser) ([]byte, *Members, error) {
	if b, ok := r.(*Body); ok && b.Len() == len(b.b) {
		return b.b, b.members, nil
	}
	b, err := io.ReadAll(r)
	return b, nil, err
}
