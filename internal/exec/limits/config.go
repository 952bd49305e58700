package limits

import "fmt"

// maxUpstreamPageSize is the upstream's page[size] maximum; a page larger than it is never requested, so
// MaxFirst above it could not be served in one window either.
const maxUpstreamPageSize = 250

// Config holds the limits. The zero value of every field means "the default" (see Defaults).
type Config struct {
	// MaxDepth bounds the nesting depth of fields, fragments expanded; __typename does not count, nor does
	// anything under __schema or __type (introspection is bounded by gqlparser's own MaxIntrospectionDepth
	// rule). Default 12.
	MaxDepth int
	// MaxAliases bounds the aliased fields of the whole operation, fragments expanded (a fragment spread
	// twice counts its aliases twice). Default 30.
	MaxAliases int
	// MaxRootFields bounds the top-level fields of the operation (fragments expanded, repeats counted,
	// __typename not). Default 20.
	MaxRootFields int
	// MaxCost bounds the predicted upstream calls of the operation (see Cost). Default 1000.
	MaxCost int
	// MaxRepresentations bounds the representations given to the operation's _entities fields together
	// (Apollo Federation), all of them, repeated ids and unknown types included. Default 1000: a
	// representation that needs a fetch costs at least one call, so up to MaxCost of them the cost
	// decides; the cap bounds those that cost nothing (a Room by its key, repeats) and the work gqlgen
	// does per representation.
	MaxRepresentations int
	// DefaultFirst is the page size assumed when a connection gets neither first nor last; it must match
	// the gateway's. Default 20.
	DefaultFirst int
	// MaxFirst is the largest first/last the gateway accepts (1..250); larger values are clamped to it
	// here, since the resolver refuses them before any upstream call. Default 100.
	MaxFirst int
	// ListFanOut is the number of items assumed under a plain (non-connection) list field such as
	// RoomSession.participants. Default 50 (a room holds at most 50 participants at once).
	ListFanOut int
}

// Defaults returns c with every unset (zero) knob at its default.
func (c Config) Defaults() Config {
	set := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	set(&c.MaxDepth, 12)
	set(&c.MaxAliases, 30)
	set(&c.MaxRootFields, 20)
	set(&c.MaxCost, 1000)
	set(&c.MaxRepresentations, 1000)
	set(&c.DefaultFirst, 20)
	set(&c.MaxFirst, 100)
	set(&c.ListFanOut, 50)
	return c
}

// Validate reports the first knob that cannot work. Call it on Defaults(): zero values are refused.
func (c Config) Validate() error {
	for _, k := range []struct {
		name string
		v    int
	}{
		{"MaxDepth", c.MaxDepth}, {"MaxAliases", c.MaxAliases}, {"MaxRootFields", c.MaxRootFields},
		{"MaxCost", c.MaxCost}, {"MaxRepresentations", c.MaxRepresentations}, {"ListFanOut", c.ListFanOut},
	} {
		if k.v < 1 {
			return fmt.Errorf("limits: %s must be at least 1, got %d", k.name, k.v)
		}
	}
	if c.MaxFirst < 1 || c.MaxFirst > maxUpstreamPageSize {
		return fmt.Errorf("limits: MaxFirst must be within 1..%d, got %d", maxUpstreamPageSize, c.MaxFirst)
	}
	if c.DefaultFirst < 1 || c.DefaultFirst > c.MaxFirst {
		return fmt.Errorf("limits: DefaultFirst must be within 1..MaxFirst (%d), got %d", c.MaxFirst, c.DefaultFirst)
	}
	return nil
}
