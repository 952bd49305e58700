package resolvers

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"github.com/roomgraph/roomgraph/internal/apperr"
	"github.com/roomgraph/roomgraph/internal/exec/selection"
	"github.com/roomgraph/roomgraph/internal/model"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
	"github.com/roomgraph/roomgraph/internal/model/origin"
)

// maxNodes bounds Query.nodes(ids:): each id may cost a call.
const maxNodes = 100

// parseGlobalID returns the type and Telnyx id a global id names; anything else (a bare UUID included: it
// does not say which endpoint has it) is BAD_USER_INPUT, so no call is made.
func parseGlobalID(arg, id string) (nodeid.Type, string, error) {
	typ, uuid, err := nodeid.Decode(id)
	if err != nil {
		if nodeid.IsUUID(id) {
			return "", "", apperr.Errorf(apperr.BadUserInput, "%s must be a global id (base64 of Room:, RoomSession: or RoomParticipant: and a UUID), got a bare UUID, which does not say which: use room(id:), roomSession(id:) or roomParticipant(id:) for it", arg)
		}
		return "", "", apperr.Errorf(apperr.BadUserInput, "%s must be a global id (base64 of Room:, RoomSession: or RoomParticipant: and a UUID), got %q", arg, truncate(id, 64))
	}
	return typ, uuid, nil
}

// The implementors a Node field's selection is collected with for each concrete type (package-level:
// selection caches the collected fields by this slice).
var (
	roomAsNode        = []string{"Room", "Node"}
	sessionAsNode     = []string{"RoomSession", "Node"}
	participantAsNode = []string{"RoomParticipant", "Node"}
)

// needsRecordAs is needsRecord for a field whose selection holds type conditions (a Node field, resolving
// to an object of typ): only fields for the implementors given count (nil: every field).
func needsRecordAs(ctx context.Context, typ origin.Type, implementors []string) bool {
	oc := graphql.GetOperationContext(ctx)
	for _, f := range selection.Collect(oc, graphql.GetFieldContext(ctx).Field.Selections, implementors) {
		if field := typ.Field(f.Name); field == origin.Unknown || field.NeedsRecord() {
			return true
		}
	}
	return false
}

// node resolves one global id: a stub with the id when the selection needs no record, else the record
// through the operation's loaders (one call per object and operation, batched with the others).
func node(ctx context.Context, typ nodeid.Type, uuid string) (model.Node, error) {
	// Each returns its own pointer type: a failed fetch must be a nil Node, not a typed nil in one.
	switch typ {
	case nodeid.Room:
		r, err := room(ctx, uuid, roomAsNode)
		if err != nil {
			return nil, err
		}
		return r, nil
	case nodeid.RoomSession:
		s, err := session(ctx, uuid, sessionAsNode)
		if err != nil {
			return nil, err
		}
		return s, nil
	default:
		p, err := participant(ctx, uuid, participantAsNode)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
}

// nodes resolves global ids together: every id is checked first (one bad id, no call at all), then each is
// resolved concurrently so that the loaders see them in one wave. An object that fails is null with its
// error at its index; the others resolve.
func nodes(ctx context.Context, ids []string) ([]model.Node, error) {
	if len(ids) > maxNodes {
		return nil, apperr.Errorf(apperr.BadUserInput, "ids: at most %d, got %d", maxNodes, len(ids))
	}
	type ref struct {
		typ  nodeid.Type
		uuid string
	}
	refs := make([]ref, len(ids))
	for i, id := range ids {
		typ, uuid, err := parseGlobalID("ids[]", id)
		if err != nil {
			return nil, err
		}
		refs[i] = ref{typ, uuid}
	}
	out := make([]model.Node, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, r := range refs {
		wg.Go(func() { out[i], errs[i] = node(ctx, r.typ, r.uuid) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			out[i] = nil
			graphql.AddError(graphql.WithPathContext(ctx, graphql.NewPathWithIndex(i)), err)
		}
	}
	return out, nil
}
