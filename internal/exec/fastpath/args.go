package fastpath

import (
	"errors"

	"github.com/99designs/gqlgen/graphql"

	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/internal/model"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// Arguments arrive as gqlgen's ArgumentMap gives them: validated against the schema, variables
// substituted, defaults applied, input objects as map[string]any. They are converted with the same
// unmarshalers gqlgen's generated code uses; whatever cannot be converted sends the operation back to
// gqlgen, which reports it.

var errArgument = errors.New("fastpath: argument not readable")

// args reads the arguments (or an input object's fields) in m. The first error sticks: the readers after
// it return zero values, and the caller checks err once.
type args struct {
	m   map[string]any
	err error
}

func (a *args) value(key string) (any, bool) {
	v, ok := a.m[key]
	return v, ok && v != nil && a.err == nil
}

func (a *args) fail(err error) {
	if a.err == nil {
		a.err = err
	}
}

// optional reads an optional argument with gqlgen's unmarshaler for its type (nil when absent or null).
func optional[V any](a *args, key string, unmarshal func(any) (V, error)) *V {
	v, ok := a.value(key)
	if !ok {
		return nil
	}
	x, err := unmarshal(v)
	a.fail(err)
	return &x
}

func (a *args) optionalInt(key string) *int       { return optional(a, key, graphql.UnmarshalInt) }
func (a *args) optionalString(key string) *string { return optional(a, key, graphql.UnmarshalString) }
func (a *args) optionalBool(key string) *bool     { return optional(a, key, graphql.UnmarshalBoolean) }
func (a *args) optionalID(key string) *string     { return optional(a, key, graphql.UnmarshalID) }
func (a *args) date(key string) *telnyx.Date      { return optional(a, key, model.UnmarshalDate) }

func (a *args) requiredID(key string) string {
	v, ok := a.value(key)
	if !ok {
		a.fail(errArgument)
		return ""
	}
	s, err := graphql.UnmarshalID(v)
	a.fail(err)
	return s
}

// object returns the reader of an input object argument, or nil when it is absent or null.
func (a *args) object(key string) *args {
	v, ok := a.value(key)
	if !ok {
		return nil
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		a.fail(errArgument)
		return nil
	}
	return &args{m: m}
}

// done folds an input object's error into a's.
func (a *args) done(in *args) {
	if in != nil {
		a.fail(in.err)
	}
}

// pageArgs are a connection field's Relay arguments.
type pageArgs struct {
	first, last   *int
	after, before *string
}

func (a *args) page() pageArgs {
	return pageArgs{first: a.optionalInt("first"), last: a.optionalInt("last"),
		after: a.optionalString("after"), before: a.optionalString("before")}
}

func (a *args) dateFilter(key string) *graph.DateFilter {
	in := a.object(key)
	if in == nil {
		return nil
	}
	f := &graph.DateFilter{Eq: in.date("eq"), Gte: in.date("gte"), Lte: in.date("lte")}
	a.done(in)
	return f
}

func (a *args) sessionFilter() *graph.RoomSessionFilter {
	in := a.object("filter")
	if in == nil {
		return nil
	}
	f := &graph.RoomSessionFilter{DateCreatedAt: in.dateFilter("dateCreatedAt"), DateUpdatedAt: in.dateFilter("dateUpdatedAt"),
		DateEndedAt: in.dateFilter("dateEndedAt"), Active: in.optionalBool("active")}
	a.done(in)
	return f
}

func (a *args) participantFilter() *graph.RoomParticipantFilter {
	in := a.object("filter")
	if in == nil {
		return nil
	}
	f := &graph.RoomParticipantFilter{DateJoinedAt: in.dateFilter("dateJoinedAt"), DateUpdatedAt: in.dateFilter("dateUpdatedAt"),
		DateLeftAt: in.dateFilter("dateLeftAt"), Context: in.optionalString("context")}
	a.done(in)
	return f
}

func (a *args) roomFilter() *graph.RoomFilter {
	in := a.object("filter")
	if in == nil {
		return nil
	}
	f := &graph.RoomFilter{UniqueName: in.optionalString("uniqueName"), DateCreatedAt: in.dateFilter("dateCreatedAt"),
		DateUpdatedAt: in.dateFilter("dateUpdatedAt")}
	a.done(in)
	return f
}
