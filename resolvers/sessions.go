package resolvers

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/99designs/gqlgen/graphql"

	"github.com/roomgraph/roomgraph/apperr"
	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/loaders"
	"github.com/roomgraph/roomgraph/model"
	"github.com/roomgraph/roomgraph/pagination"
	"github.com/roomgraph/roomgraph/telnyx"
)

// uuidPattern accepts the canonical 8-4-4-4-12 hexadecimal form every Telnyx id has.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// checkID refuses an id that cannot exist upstream, so no call is made for it.
func checkID(arg, id string) error {
	if !uuidPattern.MatchString(id) {
		return apperr.Errorf(apperr.BadUserInput, "%s must be a UUID such as 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0, got %q", arg, truncate(id, 64))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// sessionFilter translates the GraphQL filter into the upstream's.
func sessionFilter(f *graph.RoomSessionFilter) telnyx.SessionFilter {
	var out telnyx.SessionFilter
	if f == nil {
		return out
	}
	out.DateCreatedAt = dateFilter(f.DateCreatedAt)
	out.DateUpdatedAt = dateFilter(f.DateUpdatedAt)
	out.DateEndedAt = dateFilter(f.DateEndedAt)
	if f.Active != nil {
		out.Active = telnyx.BoolOf(*f.Active)
	}
	return out
}

func dateFilter(f *graph.DateFilter) telnyx.DateFilter {
	var out telnyx.DateFilter
	if f == nil {
		return out
	}
	if f.Eq != nil {
		out.Eq = *f.Eq
	}
	if f.Gte != nil {
		out.Gte = *f.Gte
	}
	if f.Lte != nil {
		out.Lte = *f.Lte
	}
	return out
}

// sessionsScope names a room's session list under a filter, for cursors: a cursor of one room or filter
// is refused by another.
func sessionsScope(roomID string, f telnyx.SessionFilter) string {
	return pagination.Scope("rooms/sessions", roomID, fmt.Sprint(f.DateCreatedAt, f.DateUpdatedAt, f.DateEndedAt, f.Active))
}

// pageRequest resolves the Relay arguments into a window, or a BAD_USER_INPUT error.
func (r *Resolver) pageRequest(first *int, after *string, last *int, before *string, scope string) (pagination.Request, error) {
	req, err := pagination.Resolve(pagination.Args{First: first, After: after, Last: last, Before: before}, r.Pages, r.Codec, scope)
	if err != nil {
		if pe, ok := errors.AsType[*pagination.Error](err); ok {
			return req, apperr.Wrap(apperr.BadUserInput, err, pe.Error())
		}
		return req, err
	}
	return req, nil
}

// connectionSelection says what a connection field's selection needs from the upstream.
type connectionSelection struct {
	any   bool // anything beyond __typename: an upstream call is needed
	items bool // edges or nodes: items are needed, not only the total
}

func selectionOf(ctx context.Context) connectionSelection {
	items := graphql.AnyFieldRequested(ctx, "edges", "nodes")
	return connectionSelection{
		items: items,
		any:   items || graphql.AnyFieldRequested(ctx, "pageInfo", "totalCount"),
	}
}

// roomSessions resolves Room.sessions.
func (r *Resolver) roomSessions(ctx context.Context, room *model.Room, filter *graph.RoomSessionFilter, first *int, after *string, last *int, before *string) (*model.RoomSessionConnection, error) {
	f := sessionFilter(filter)
	scope := sessionsScope(room.ID, f)
	req, err := r.pageRequest(first, after, last, before, scope)
	if err != nil {
		return nil, err
	}
	cursors := model.Cursors{Codec: r.Codec, Scope: scope}
	sel := selectionOf(ctx)
	if !sel.any {
		return &model.RoomSessionConnection{Cursors: cursors}, nil
	}
	page, err := loaders.From(ctx).RoomSessions(ctx, loaders.SessionsKey{
		RoomID:       room.ID,
		Filter:       f,
		Participants: graphql.AnyFieldRequested(ctx, "edges.node.participants", "nodes.participants"),
		Request:      req,
		MetaOnly:     !sel.items,
	})
	if err != nil {
		return nil, err
	}
	return &model.RoomSessionConnection{Nodes: page.Sessions, Window: page.Window, TotalCount: page.Total, Cursors: cursors}, nil
}
