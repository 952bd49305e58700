package fastpath

import (
	"errors"

	"github.com/99designs/gqlgen/graphql"

	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/model"
	"github.com/roomgraph/roomgraph/telnyx"
)

// Arguments arrive as gqlgen's ArgumentMap gives them: validated against the schema, variables
// substituted, defaults applied, input objects as map[string]any. They are converted with the same
// unmarshalers gqlgen's generated code uses; whatever cannot be converted sends the operation back to
// gqlgen, which reports it.

var errArgument = errors.New("fastpath: argument not readable")

type pageArgs struct {
	first, last   *int
	after, before *string
}

func pageArgsOf(args map[string]any) (p pageArgs, err error) {
	if p.first, err = optionalInt(args, "first"); err != nil {
		return p, err
	}
	if p.last, err = optionalInt(args, "last"); err != nil {
		return p, err
	}
	if p.after, err = optionalString(args, "after"); err != nil {
		return p, err
	}
	p.before, err = optionalString(args, "before")
	return p, err
}

func optionalInt(m map[string]any, key string) (*int, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, nil
	}
	i, err := graphql.UnmarshalInt(v)
	return &i, err
}

func optionalString(m map[string]any, key string) (*string, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, nil
	}
	s, err := graphql.UnmarshalString(v)
	return &s, err
}

func optionalBool(m map[string]any, key string) (*bool, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, nil
	}
	b, err := graphql.UnmarshalBoolean(v)
	return &b, err
}

func optionalID(m map[string]any, key string) (*string, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, nil
	}
	s, err := graphql.UnmarshalID(v)
	return &s, err
}

func requiredID(m map[string]any, key string) (string, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return "", errArgument
	}
	return graphql.UnmarshalID(v)
}

// inputObject returns an input object argument's fields (nil when the argument is absent or null).
func inputObject(v any) (map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errArgument
	}
	return m, nil
}

func dateFilter(v any) (*graph.DateFilter, error) {
	m, err := inputObject(v)
	if m == nil || err != nil {
		return nil, err
	}
	var f graph.DateFilter
	for key, dst := range map[string]**telnyx.Date{"eq": &f.Eq, "gte": &f.Gte, "lte": &f.Lte} {
		raw, ok := m[key]
		if !ok || raw == nil {
			continue
		}
		d, err := model.UnmarshalDate(raw)
		if err != nil {
			return nil, err
		}
		*dst = &d
	}
	return &f, nil
}

func sessionFilter(v any) (*graph.RoomSessionFilter, error) {
	m, err := inputObject(v)
	if m == nil || err != nil {
		return nil, err
	}
	var f graph.RoomSessionFilter
	if f.DateCreatedAt, err = dateFilter(m["dateCreatedAt"]); err != nil {
		return nil, err
	}
	if f.DateUpdatedAt, err = dateFilter(m["dateUpdatedAt"]); err != nil {
		return nil, err
	}
	if f.DateEndedAt, err = dateFilter(m["dateEndedAt"]); err != nil {
		return nil, err
	}
	if f.Active, err = optionalBool(m, "active"); err != nil {
		return nil, err
	}
	return &f, nil
}

func participantFilter(v any) (*graph.RoomParticipantFilter, error) {
	m, err := inputObject(v)
	if m == nil || err != nil {
		return nil, err
	}
	var f graph.RoomParticipantFilter
	if f.DateJoinedAt, err = dateFilter(m["dateJoinedAt"]); err != nil {
		return nil, err
	}
	if f.DateUpdatedAt, err = dateFilter(m["dateUpdatedAt"]); err != nil {
		return nil, err
	}
	if f.DateLeftAt, err = dateFilter(m["dateLeftAt"]); err != nil {
		return nil, err
	}
	if f.Context, err = optionalString(m, "context"); err != nil {
		return nil, err
	}
	return &f, nil
}

func roomFilter(v any) (*graph.RoomFilter, error) {
	m, err := inputObject(v)
	if m == nil || err != nil {
		return nil, err
	}
	var f graph.RoomFilter
	if f.UniqueName, err = optionalString(m, "uniqueName"); err != nil {
		return nil, err
	}
	if f.DateCreatedAt, err = dateFilter(m["dateCreatedAt"]); err != nil {
		return nil, err
	}
	if f.DateUpdatedAt, err = dateFilter(m["dateUpdatedAt"]); err != nil {
		return nil, err
	}
	return &f, nil
}
