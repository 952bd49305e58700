package resolvers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/internal/apperr"
	"github.com/roomgraph/roomgraph/internal/exec/selection"
	"github.com/roomgraph/roomgraph/internal/loaders"
	"github.com/roomgraph/roomgraph/internal/model"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
	"github.com/roomgraph/roomgraph/internal/model/origin"
	"github.com/roomgraph/roomgraph/internal/pagination"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// parseID returns the Telnyx id an id argument names, with one rule for every id argument
// (docs/errors.md#ids, docs/relay.md): a lowercase UUID, or the global id of an object of type want (the
// `id` the API hands out). Anything else is refused, so no call is made for it: a global id of another
// type, and an uppercase UUID (not normalised: the gateway echoes ids it was given without a call, a
// cursor's scope for one, so a normalised id would come back different from the one sent; the message
// gives the id to send instead).
func parseID(arg, id string, want nodeid.Type) (string, error) {
	uuid, got, ok := nodeid.UUID(id, want)
	switch {
	case ok:
		return uuid, nil
	case got != "":
		return "", invalid(arg, "%s must name a %s (its UUID or its global id), got the global id of a %s", arg, want, got)
	}
	if lower := strings.ToLower(id); nodeid.IsUUID(lower) {
		return "", invalid(arg, "%s must be a lowercase UUID, as Telnyx writes ids: got %q, send %q", arg, id, lower)
	}
	return "", invalid(arg, "%s must be a UUID such as 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0 or a %s's global id, got %q", arg, want, truncate(id, 64))
}

// invalid is a BAD_USER_INPUT error about the argument at path field (extensions.field).
func invalid(field, format string, args ...any) *apperr.Error {
	e := apperr.Errorf(apperr.BadUserInput, format, args...)
	e.Field = field
	return e
}

// optionalID checks an optional id argument and returns its Telnyx id ("" when absent).
func optionalID(arg string, id *string, want nodeid.Type) (string, error) {
	if id == nil {
		return "", nil
	}
	return parseID(arg, *id, want)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Filters: GraphQL inputs to the upstream's filter parameters. A date range that can match nothing (gte
// later than lte) is refused before any call, naming the filter field.

func sessionFilter(f *graph.RoomSessionFilter) (telnyx.SessionFilter, error) {
	var out telnyx.SessionFilter
	if f == nil {
		return out, nil
	}
	var err error
	out.DateCreatedAt, err = dateFilter("filter.dateCreatedAt", f.DateCreatedAt, err)
	out.DateUpdatedAt, err = dateFilter("filter.dateUpdatedAt", f.DateUpdatedAt, err)
	out.DateEndedAt, err = dateFilter("filter.dateEndedAt", f.DateEndedAt, err)
	if f.Active != nil {
		out.Active = telnyx.BoolOf(*f.Active)
	}
	return out, err
}

func participantFilter(f *graph.RoomParticipantFilter) (telnyx.ParticipantFilter, error) {
	var out telnyx.ParticipantFilter
	if f == nil {
		return out, nil
	}
	var err error
	out.DateJoinedAt, err = dateFilter("filter.dateJoinedAt", f.DateJoinedAt, err)
	out.DateUpdatedAt, err = dateFilter("filter.dateUpdatedAt", f.DateUpdatedAt, err)
	out.DateLeftAt, err = dateFilter("filter.dateLeftAt", f.DateLeftAt, err)
	if f.Context != nil {
		out.Context = *f.Context
	}
	return out, err
}

func roomFilter(f *graph.RoomFilter) (telnyx.RoomFilter, error) {
	var out telnyx.RoomFilter
	if f == nil {
		return out, nil
	}
	var err error
	out.DateCreatedAt, err = dateFilter("filter.dateCreatedAt", f.DateCreatedAt, err)
	out.DateUpdatedAt, err = dateFilter("filter.dateUpdatedAt", f.DateUpdatedAt, err)
	if f.UniqueName != nil {
		out.UniqueName = *f.UniqueName
	}
	return out, err
}

// dateFilter converts one date filter; err is the error of the filters before it (the first one sticks).
func dateFilter(field string, f *graph.DateFilter, err error) (telnyx.DateFilter, error) {
	var out telnyx.DateFilter
	if f == nil {
		return out, err
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
	if err == nil && f.Gte != nil && f.Lte != nil && laterDate(out.Gte, out.Lte) {
		err = invalid(field, "%s: gte %s is later than lte %s, so nothing can match", field, out.Gte, out.Lte)
	}
	return out, err
}

func laterDate(a, b telnyx.Date) bool {
	if a.Year != b.Year {
		return a.Year > b.Year
	}
	if a.Month != b.Month {
		return a.Month > b.Month
	}
	return a.Day > b.Day
}

// scope names one list for its cursors: a cursor of one list (endpoint, parent, filter) is refused by
// another. fmt's rendering of the filter structs (comparable, no pointers) is deterministic and covers
// every field.
func scope[F comparable](endpoint, parent string, filter F) string {
	return pagination.Scope(endpoint, parent, filterScope(filter))
}

// A list's cursor scope is the identity of the upstream list, not of the GraphQL field that pages it. A
// room's sessions are one list whether read as GET /rooms/{id}/sessions (Room.sessions) or as GET
// /room_sessions?filter[room_id]={id} (roomSessions(roomId:)): same items, same order, same filters. So
// both scope it by the room's route, the room id and the filter without its room; a session's
// participants likewise (RoomSession.participantsConnection, roomParticipants(sessionId:)). A cursor of
// one works in the other, and a cursor of another room, session or filter is still refused.

// sessionsScope is the scope of the sessions list f describes: a room's sessions when f.RoomID is set,
// else the account's.
func sessionsScope(f telnyx.SessionFilter) string {
	if f.RoomID == "" {
		return scope("room_sessions", "", f)
	}
	room := f.RoomID
	f.RoomID = ""
	return scope("rooms/sessions", room, f)
}

// participantsScope is the scope of the participants list f describes: a session's participants when
// f.SessionID is set, else the account's.
func participantsScope(f telnyx.ParticipantFilter) string {
	if f.SessionID == "" {
		return scope("room_participants", "", f)
	}
	session := f.SessionID
	f.SessionID = ""
	return scope("room_sessions/participants", session, f)
}

// zeroScopes holds the rendering of each filter type's zero value, keyed by that value.
var zeroScopes sync.Map

// filterScope is fmt's %+v of filter. Most lists are unfiltered: the zero value's rendering is made once
// per type instead of on every connection field, where fmt's reflection would redo it for every request.
func filterScope[F comparable](filter F) string {
	var zero F
	if filter != zero {
		return fmt.Sprintf("%+v", filter)
	}
	if s, ok := zeroScopes.Load(zero); ok {
		return s.(string)
	}
	s := fmt.Sprintf("%+v", zero)
	zeroScopes.Store(zero, s)
	return s
}

// pageArgs are a connection field's Relay arguments.
type pageArgs struct {
	first, last   *int
	after, before *string
}

// needs says what a connection field's selection needs from the upstream.
type needs struct {
	any   bool // anything beyond __typename: an upstream call is needed
	items bool // edges, nodes or a page cursor: items are needed, not only the total
}

// A page's start and end cursors are anchored on its first and last items, so selecting them needs the
// items as much as edges and nodes do (still one call: the window's).
var (
	connectionItems = []selection.Path{{"edges"}, {"nodes"}, {"pageInfo", "startCursor"}, {"pageInfo", "endCursor"}}
	connectionMeta  = []selection.Path{{"pageInfo"}, {"totalCount"}}
)

func needsOf(ctx context.Context) needs {
	items := selection.AnyRequested(ctx, connectionItems...)
	return needs{items: items, any: items || selection.AnyRequested(ctx, connectionMeta...)}
}

// connect resolves one connection field: it validates the Relay arguments against the list's scope (a
// BAD_USER_INPUT error, and no upstream call, when they are wrong), asks the loader for the window, and
// returns the page. embed asks for the list's embedded children.
func connect[L comparable, T any](ctx context.Context, r *Resolver, a pageArgs, sc string, list L, embed bool,
	load func(context.Context, loaders.ListNeed[L]) (*loaders.Page[T], error)) (model.Connection[T], error) {
	conn := model.Connection[T]{Cursors: model.Cursors{Codec: r.Codec, Scope: sc}}
	req, err := pagination.Resolve(pagination.Args{First: a.first, After: a.after, Last: a.last, Before: a.before}, r.Pages, r.Codec, sc)
	if err != nil {
		if pe, ok := errors.AsType[*pagination.Error](err); ok {
			e := apperr.Wrap(apperr.BadUserInput, err, pe.Error())
			e.Field = pe.Field
			return conn, e
		}
		return conn, err
	}
	sel := needsOf(ctx)
	if !sel.any {
		return conn, nil
	}
	page, err := load(ctx, loaders.ListNeed[L]{List: list, Embed: embed && sel.items, Request: req, MetaOnly: !sel.items})
	if err != nil {
		return conn, err
	}
	conn.Nodes, conn.Window, conn.TotalCount = page.Items, page.Window, page.Total
	return conn, nil
}

// Look-ahead goes through package selection: the same answers as gqlgen's AnyFieldRequested and
// CollectFieldsCtx, from fields collected once per document instead of once per request. Which fields need
// a record, and which list is embedded in the session's record, is package origin's to say.
// The fields answered from the participants embedded in a session's record (participants,
// participantCount) each ask for include_participants.
var connectionParticipants, sessionParticipants = embeddingPaths(origin.RoomSession.EmbeddingFields(origin.RoomSessionParticipants))

func embeddingPaths(names []string) (inConnection, inSession []selection.Path) {
	for _, name := range names {
		inConnection = append(inConnection, selection.Path{"edges", "node", name}, selection.Path{"nodes", name})
		inSession = append(inSession, selection.Path{name})
	}
	return inConnection, inSession
}

// participantsSelected reports whether a session connection's nodes select their embedded participants.
func participantsSelected(ctx context.Context) bool {
	return selection.AnyRequested(ctx, connectionParticipants...)
}

// sessionSelectsParticipants reports whether the current session field selects its embedded participants.
func sessionSelectsParticipants(ctx context.Context) bool {
	return selection.AnyRequested(ctx, sessionParticipants...)
}

// needsRecord reports whether the current field, which returns a typ, selects a field that needs typ's
// record. When none does (only keys and __typename), a stub with the id answers the field without an
// upstream call. A field the origin table does not know needs the record: never a half object.
func needsRecord(ctx context.Context, typ origin.Type) bool { return needsRecordAs(ctx, typ, nil) }
