package fastpath

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/roomgraph/roomgraph/internal/model"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
	"github.com/roomgraph/roomgraph/internal/model/origin"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// One writer per object type of the schema's read side. Each mirrors gqlgen's generated _Type method: the
// same fields, the same resolver calls with the same arguments, the same nullability. Fields are known by
// their row of package origin (which record each needs; whether it is a value, a reference, a connection,
// …), which decides what may wait for a loader; each writer names every field it writes and hands any
// other to gqlgen (r.fail), so a field the writers were not taught is never answered by another's code.

// errUnwritten: the origin table lists a field that no writer here writes; the operation goes to gqlgen.
var errUnwritten = errors.New("fastpath: a field no writer knows")

// implementors returns the implementors list of an object type, the variable gqlgen's generated code
// passes for it (the field-collection cache is keyed by the variable).
func implementors(t origin.Type) []string {
	switch t {
	case origin.Query:
		return queryImplementors
	case origin.Room:
		return roomImplementors
	case origin.RoomConnection:
		return roomConnectionImplementors
	case origin.RoomEdge:
		return roomEdgeImplementors
	case origin.RoomSession:
		return roomSessionImplementors
	case origin.RoomSessionConnection:
		return roomSessionConnectionImplementors
	case origin.RoomSessionEdge:
		return roomSessionEdgeImplementors
	case origin.RoomParticipant:
		return roomParticipantImplementors
	case origin.RoomParticipantConnection:
		return roomParticipantConnectionImplementors
	case origin.RoomParticipantEdge:
		return roomParticipantEdgeImplementors
	case origin.PageInfo:
		return pageInfoImplementors
	}
	return nil
}

// keysOnly reports whether a selection of an object of typ holds nothing but its keys and __typename: a
// reference with the id answers it without waiting for anything. (A key answered by a list call, such as
// Room.sessions, is a connection: it waits.)
func (r *run) keysOnly(typ origin.Type, sel ast.SelectionSet) bool {
	for _, f := range r.collect(sel, implementors(typ)) {
		if field := typ.Field(f.Name); field != origin.Typename && field.Kind() != origin.Key {
			return false
		}
	}
	return true
}

// carriedSlow reports whether a field of an object that carries its record (a session, a participant) may
// wait for a loader: a connection does; a reference unless only its keys are selected; an embedded list
// when a field of its items may. Values are read from the record at hand.
func (r *run) carriedSlow(field origin.Field, f *graphql.CollectedField) bool {
	switch field.Kind() {
	case origin.Connection:
		return true
	case origin.Reference:
		return !r.keysOnly(field.Of(), f.Selections)
	case origin.Embedded:
		return r.anyCarriedSlow(field.Of(), r.collect(f.Selections, implementors(field.Of())))
	}
	return false
}

// carriedWaits says when gqlgen runs a field, of an object that carries its record, that may wait
// (carriedSlow): objects bound to their record (a session, a participant: telnyx's types) read values and
// embedded lists from it in place; the fields that call (references, connections) are resolvers.
func carriedWaits(field origin.Field, slow bool) waits {
	switch {
	case !slow:
		return never
	case field.Kind() == origin.Embedded:
		return inPlace
	}
	return deferred
}

// anyCarriedSlow reports whether a selection of objects of typ that carry their records may wait.
func (r *run) anyCarriedSlow(typ origin.Type, fields []graphql.CollectedField) bool {
	for i := range fields {
		if r.carriedSlow(typ.Field(fields[i].Name), &fields[i]) {
			return true
		}
	}
	return false
}

// query writes the data of the operation: its root fields, resolved concurrently as gqlgen does.
func (r *run) query(ctx context.Context, sizeHint int) (data []byte, ok bool) {
	defer func() {
		if recover() != nil {
			data, ok = nil, false
		}
	}()
	fields := r.collect(r.oc.Operation.SelectionSet, queryImplementors)
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: "Query"})
	var root struct{}
	buf, holder := take(ctx, max(sizeHint+sizeHint/8, 512))
	b, ok := object(r, ctx, buf, fields, &root, queryWaits, queryField)
	keep(holder, b)
	if !ok || r.failed.Load() {
		return nil, false
	}
	return b, true
}

// queryWaits: every root field is a resolver (gqlgen runs them concurrently).
func queryWaits(_ *run, f *graphql.CollectedField, _ *struct{}) waits {
	if f.Name == "__typename" {
		return never
	}
	return deferred
}

func queryField(r *run, ctx context.Context, b []byte, f *graphql.CollectedField, _ *struct{}) ([]byte, bool) {
	field := origin.Query.Field(f.Name)
	if field == origin.Typename {
		return appendString(b, origin.Query.String()), true
	}
	ctx = graphql.WithRootFieldContext(ctx, &graphql.RootFieldContext{Object: f.Name, Field: *f})
	ok := true
	// The root field middleware sees the field as under gqlgen; its Marshaler result is not used, the
	// field's bytes are appended to b.
	r.oc.RootResolverMiddleware(ctx, func(ctx context.Context) graphql.Marshaler {
		b, ok = r.rootField(ctx, b, f, field)
		return graphql.Null
	})
	return b, ok
}

func (r *run) rootField(ctx context.Context, b []byte, f *graphql.CollectedField, field origin.Field) ([]byte, bool) {
	raw := f.ArgumentMap(r.oc.Variables)
	a := &args{m: raw}
	q := r.s.query
	switch field {
	case origin.QueryRoom:
		id := a.requiredID("id")
		if a.err != nil {
			return b, r.fail()
		}
		ctx, room, ok := resolve(r, ctx, "Query", f, raw, func(ctx context.Context) (*model.Room, error) { return q.Room(ctx, id) })
		if !ok {
			return b, false
		}
		if room == nil {
			return append(b, "null"...), true
		}
		return r.roomObject(ctx, b, r.collect(f.Selections, roomImplementors), room)
	case origin.QueryRooms:
		filter, p := a.roomFilter(), a.page()
		if a.err != nil {
			return b, r.fail()
		}
		ctx, conn, ok := resolve(r, ctx, "Query", f, raw, func(ctx context.Context) (*model.RoomConnection, error) {
			return q.Rooms(ctx, filter, p.first, p.after, p.last, p.before)
		})
		if !ok || conn == nil {
			return b, r.fail()
		}
		return connection(r, ctx, b, f.Selections, &conn.Connection, &r.s.shapes.rooms)
	case origin.QueryRoomSessions:
		roomID, filter, p := a.optionalID("roomId"), a.sessionFilter(), a.page()
		if a.err != nil {
			return b, r.fail()
		}
		ctx, conn, ok := resolve(r, ctx, "Query", f, raw, func(ctx context.Context) (*model.RoomSessionConnection, error) {
			return q.RoomSessions(ctx, roomID, filter, p.first, p.after, p.last, p.before)
		})
		if !ok || conn == nil {
			return b, r.fail()
		}
		return connection(r, ctx, b, f.Selections, &conn.Connection, &r.s.shapes.sessions)
	case origin.QueryRoomSession:
		id := a.requiredID("id")
		if a.err != nil {
			return b, r.fail()
		}
		ctx, s, ok := resolve(r, ctx, "Query", f, raw, func(ctx context.Context) (*telnyx.RoomSession, error) { return q.RoomSession(ctx, id) })
		if !ok {
			return b, false
		}
		return r.nullableSession(ctx, b, f, s)
	case origin.QueryRoomParticipants:
		sessionID, filter, p := a.optionalID("sessionId"), a.participantFilter(), a.page()
		if a.err != nil {
			return b, r.fail()
		}
		ctx, conn, ok := resolve(r, ctx, "Query", f, raw, func(ctx context.Context) (*model.RoomParticipantConnection, error) {
			return q.RoomParticipants(ctx, sessionID, filter, p.first, p.after, p.last, p.before)
		})
		if !ok || conn == nil {
			return b, r.fail()
		}
		return connection(r, ctx, b, f.Selections, &conn.Connection, &r.s.shapes.participants)
	case origin.QueryRoomParticipant:
		id := a.requiredID("id")
		if a.err != nil {
			return b, r.fail()
		}
		ctx, p, ok := resolve(r, ctx, "Query", f, raw, func(ctx context.Context) (*telnyx.RoomParticipant, error) { return q.RoomParticipant(ctx, id) })
		if !ok {
			return b, false
		}
		if p == nil {
			return append(b, "null"...), true
		}
		return r.participant(ctx, b, r.collect(f.Selections, roomParticipantImplementors), p)
	}
	return b, r.fail()
}

// nullableSession writes a nullable RoomSession field's value.
func (r *run) nullableSession(ctx context.Context, b []byte, f *graphql.CollectedField, s *telnyx.RoomSession) ([]byte, bool) {
	if s == nil {
		return append(b, "null"...), true
	}
	return r.session(ctx, b, r.collect(f.Selections, roomSessionImplementors), s)
}

// Room.

func (r *run) roomObject(ctx context.Context, b []byte, fields []graphql.CollectedField, room *model.Room) ([]byte, bool) {
	return object(r, ctx, b, fields, room, roomWaits, roomField)
}

// roomWaits: a Room holds its id and maybe its record (model.Room), so every other field is a resolver.
func roomWaits(r *run, f *graphql.CollectedField, room *model.Room) waits {
	if roomSlow(r, f, room) {
		return deferred
	}
	return never
}

// roomSlow reports whether a Room field may wait for a loader: a Room may come without its record (by id),
// which its fields then wait for.
func roomSlow(_ *run, f *graphql.CollectedField, room *model.Room) bool {
	switch field := origin.Room.Field(f.Name); {
	case field == origin.RoomActiveSession:
		// Waits for the room's record, then for the session unless there is none.
		return room.Data == nil || room.Data.ActiveSessionID != ""
	case field.Kind() == origin.Connection:
		return true
	case field.NeedsRecord():
		return room.Data == nil
	}
	return false
}

// roomsSlow reports whether a selection of rooms that carry their records (a list's nodes) may wait for a
// loader: only references and connections may then.
func roomsSlow(_ *run, fields []graphql.CollectedField) bool {
	for i := range fields {
		switch origin.Room.Field(fields[i].Name).Kind() {
		case origin.Reference, origin.Connection:
			return true
		}
	}
	return false
}

func roomField(r *run, ctx context.Context, b []byte, f *graphql.CollectedField, room *model.Room) ([]byte, bool) {
	switch field := origin.Room.Field(f.Name); field {
	case origin.Typename:
		return appendString(b, origin.Room.String()), true
	case origin.RoomID:
		return nodeid.Append(b, nodeid.Room, room.ID), true
	case origin.RoomTelnyxID:
		return appendString(b, room.ID), true
	case origin.RoomSessions:
		raw := f.ArgumentMap(r.oc.Variables)
		a := &args{m: raw}
		filter, p := a.sessionFilter(), a.page()
		if a.err != nil {
			return b, r.fail()
		}
		ctx, conn, ok := resolve(r, ctx, "Room", f, raw, func(ctx context.Context) (*model.RoomSessionConnection, error) {
			return r.s.room.Sessions(ctx, room, filter, p.first, p.after, p.last, p.before)
		})
		if !ok || conn == nil {
			return b, r.fail()
		}
		return connection(r, ctx, b, f.Selections, &conn.Connection, &r.s.shapes.sessions)
	case origin.RoomActiveSession:
		ctx, s, ok := resolve(r, ctx, "Room", f, nil, func(ctx context.Context) (*telnyx.RoomSession, error) {
			return r.s.room.ActiveSession(ctx, room)
		})
		if !ok {
			return b, false
		}
		return r.nullableSession(ctx, b, f, s)
	default:
		if field.Kind() != origin.Value || !field.NeedsRecord() {
			return b, r.fail()
		}
		if room.Data == nil {
			// The record is not here yet: the resolver states the need to the room loader, so it runs as
			// gqlgen runs it (field context, middleware).
			_, v, ok := resolve(r, ctx, "Room", f, nil, func(ctx context.Context) (any, error) { return r.roomRecordValue(ctx, field, room) })
			if !ok {
				return b, false
			}
			return appendRoomValue(r, b, v)
		}
		v, err := r.roomRecordValue(ctx, field, room)
		if err != nil {
			return b, r.fail()
		}
		return appendRoomValue(r, b, v)
	}
}

// roomRecordValue calls the Room resolver of a field read from the room's record.
func (r *run) roomRecordValue(ctx context.Context, field origin.Field, room *model.Room) (any, error) {
	rr := r.s.room
	switch field {
	case origin.RoomUniqueName:
		return rr.UniqueName(ctx, room)
	case origin.RoomMaxParticipants:
		return rr.MaxParticipants(ctx, room)
	case origin.RoomEnableRecording:
		return rr.EnableRecording(ctx, room)
	case origin.RoomWebhookEventURL:
		return rr.WebhookEventURL(ctx, room)
	case origin.RoomWebhookEventFailoverURL:
		return rr.WebhookEventFailoverURL(ctx, room)
	case origin.RoomWebhookTimeoutSecs:
		return rr.WebhookTimeoutSecs(ctx, room)
	case origin.RoomActiveSessionID:
		return rr.ActiveSessionID(ctx, room)
	case origin.RoomCreatedAt:
		return rr.CreatedAt(ctx, room)
	case origin.RoomUpdatedAt:
		return rr.UpdatedAt(ctx, room)
	}
	return nil, errUnwritten
}

// appendRoomValue writes what a Room record resolver returned. createdAt and updatedAt are non-null: a nil
// time falls back to gqlgen, which reports it.
func appendRoomValue(r *run, b []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case *string:
		return appendNullableString(b, v), true
	case int:
		return strconv.AppendInt(b, int64(v), 10), true
	case *int:
		if v == nil {
			return append(b, "null"...), true
		}
		return strconv.AppendInt(b, int64(*v), 10), true
	case bool:
		return strconv.AppendBool(b, v), true
	case *time.Time:
		if v == nil {
			return b, r.fail()
		}
		return model.AppendDateTime(b, *v), true
	}
	return b, r.fail()
}

// RoomSession.

func sessionElem(r *run, ctx context.Context, b []byte, fields []graphql.CollectedField, s *telnyx.RoomSession) ([]byte, bool) {
	return r.session(ctx, b, fields, s)
}

func (r *run) session(ctx context.Context, b []byte, fields []graphql.CollectedField, s *telnyx.RoomSession) ([]byte, bool) {
	return object(r, ctx, b, fields, s, sessionWaits, sessionField)
}

func sessionWaits(r *run, f *graphql.CollectedField, _ *telnyx.RoomSession) waits {
	field := origin.RoomSession.Field(f.Name)
	return carriedWaits(field, r.carriedSlow(field, f))
}

func sessionField(r *run, ctx context.Context, b []byte, f *graphql.CollectedField, s *telnyx.RoomSession) ([]byte, bool) {
	switch field := origin.RoomSession.Field(f.Name); field {
	case origin.RoomSessionParticipants:
		present, ok := r.presentArg(f)
		if !ok {
			return b, r.fail()
		}
		ps := model.Present(s.Participants, present)
		fields := r.collect(f.Selections, roomParticipantImplementors)
		slow := r.carriedSlow(field, f)
		if slow {
			ctx = within(ctx, "RoomSession", f)
		} else if plan, ok := planParticipants(fields); ok {
			var dt model.DateTimes
			if out, ok := appendParticipants(b, &plan, ps, &dt); ok {
				return out, true
			}
		}
		return list(r, ctx, b, fields, ps, slow, participantElem)
	case origin.RoomSessionParticipantCount:
		present, ok := r.presentArg(f)
		if !ok {
			return b, r.fail()
		}
		return strconv.AppendInt(b, int64(model.CountPresent(s.Participants, present)), 10), true
	case origin.RoomSessionRoom:
		// The resolver makes a stub from roomId and never waits; the room's own fields may.
		room, err := r.s.session.Room(ctx, s)
		if err != nil || room == nil {
			return b, r.fail()
		}
		if r.carriedSlow(field, f) {
			ctx = within(ctx, "RoomSession", f)
		}
		return r.roomObject(ctx, b, r.collect(f.Selections, roomImplementors), room)
	case origin.RoomSessionParticipantsConnection:
		raw := f.ArgumentMap(r.oc.Variables)
		a := &args{m: raw}
		filter, p := a.participantFilter(), a.page()
		if a.err != nil {
			return b, r.fail()
		}
		ctx, conn, ok := resolve(r, ctx, "RoomSession", f, raw, func(ctx context.Context) (*model.RoomParticipantConnection, error) {
			return r.s.session.ParticipantsConnection(ctx, s, filter, p.first, p.after, p.last, p.before)
		})
		if !ok || conn == nil {
			return b, r.fail()
		}
		return connection(r, ctx, b, f.Selections, &conn.Connection, &r.s.shapes.participants)
	default:
		var dt model.DateTimes
		if out, ok := appendSessionField(b, field, s, &dt); ok {
			return out, true
		}
		return b, r.fail()
	}
}

// RoomParticipant.

func participantElem(r *run, ctx context.Context, b []byte, fields []graphql.CollectedField, p *telnyx.RoomParticipant) ([]byte, bool) {
	return r.participant(ctx, b, fields, p)
}

func (r *run) participant(ctx context.Context, b []byte, fields []graphql.CollectedField, p *telnyx.RoomParticipant) ([]byte, bool) {
	return object(r, ctx, b, fields, p, participantWaits, participantField)
}

func participantWaits(r *run, f *graphql.CollectedField, _ *telnyx.RoomParticipant) waits {
	field := origin.RoomParticipant.Field(f.Name)
	return carriedWaits(field, r.carriedSlow(field, f))
}

func participantField(r *run, ctx context.Context, b []byte, f *graphql.CollectedField, p *telnyx.RoomParticipant) ([]byte, bool) {
	switch field := origin.RoomParticipant.Field(f.Name); field {
	case origin.RoomParticipantSession:
		ctx, s, ok := resolve(r, ctx, "RoomParticipant", f, nil, func(ctx context.Context) (*telnyx.RoomSession, error) {
			return r.s.participant.Session(ctx, p)
		})
		if !ok || s == nil {
			return b, r.fail()
		}
		return r.session(ctx, b, r.collect(f.Selections, roomSessionImplementors), s)
	default:
		var dt model.DateTimes
		if out, ok := appendParticipantField(b, field, p, &dt); ok {
			return out, true
		}
		return b, r.fail()
	}
}

// Connections: RoomConnection, RoomSessionConnection and RoomParticipantConnection share one shape over
// model.Connection.

// connectionShape names one connection type, its fields (each connection type has its own rows in the
// origin table) and how to write its nodes.
type connectionShape[T any] struct {
	typ, edgeTyp                                     origin.Type
	edges, nodes, pageInfo, totalCount, cursor, node origin.Field
	implementors                                     []string
	edgeImplementors                                 []string
	nodeImplementors                                 []string
	elem                                             elemFunc[T]
	slow                                             func(r *run, fields []graphql.CollectedField) bool
	// plain writes the nodes when none may wait and every selected field is plain (plain.go); false when a
	// field is not (what it wrote past b is then overwritten).
	plain func(r *run, b []byte, fields []graphql.CollectedField, items []T) ([]byte, bool)
}

// shapes are the schema's three connection types. They are built by New (not package variables: the
// writers refer to each other).
type shapes struct {
	sessions     connectionShape[telnyx.RoomSession]
	participants connectionShape[telnyx.RoomParticipant]
	rooms        connectionShape[telnyx.Room]
}

func newShapes() *shapes {
	return &shapes{
		sessions: connectionShape[telnyx.RoomSession]{
			typ: origin.RoomSessionConnection, edgeTyp: origin.RoomSessionEdge,
			edges: origin.RoomSessionConnectionEdges, nodes: origin.RoomSessionConnectionNodes,
			pageInfo: origin.RoomSessionConnectionPageInfo, totalCount: origin.RoomSessionConnectionTotalCount,
			cursor: origin.RoomSessionEdgeCursor, node: origin.RoomSessionEdgeNode,
			implementors: roomSessionConnectionImplementors, edgeImplementors: roomSessionEdgeImplementors,
			nodeImplementors: roomSessionImplementors, elem: sessionElem,
			slow: func(r *run, fields []graphql.CollectedField) bool {
				return r.anyCarriedSlow(origin.RoomSession, fields)
			},
			plain: func(r *run, b []byte, fields []graphql.CollectedField, items []telnyx.RoomSession) ([]byte, bool) {
				plan, ok := r.planSessions(fields)
				if !ok {
					return b, false
				}
				return appendSessions(b, &plan, items)
			},
		},
		participants: connectionShape[telnyx.RoomParticipant]{
			typ: origin.RoomParticipantConnection, edgeTyp: origin.RoomParticipantEdge,
			edges: origin.RoomParticipantConnectionEdges, nodes: origin.RoomParticipantConnectionNodes,
			pageInfo: origin.RoomParticipantConnectionPageInfo, totalCount: origin.RoomParticipantConnectionTotalCount,
			cursor: origin.RoomParticipantEdgeCursor, node: origin.RoomParticipantEdgeNode,
			implementors: roomParticipantConnectionImplementors, edgeImplementors: roomParticipantEdgeImplementors,
			nodeImplementors: roomParticipantImplementors, elem: participantElem,
			slow: func(r *run, fields []graphql.CollectedField) bool {
				return r.anyCarriedSlow(origin.RoomParticipant, fields)
			},
			plain: func(r *run, b []byte, fields []graphql.CollectedField, items []telnyx.RoomParticipant) ([]byte, bool) {
				plan, ok := planParticipants(fields)
				if !ok {
					return b, false
				}
				var dt model.DateTimes
				return appendParticipants(b, &plan, items, &dt)
			},
		},
		rooms: connectionShape[telnyx.Room]{
			typ: origin.RoomConnection, edgeTyp: origin.RoomEdge,
			edges: origin.RoomConnectionEdges, nodes: origin.RoomConnectionNodes,
			pageInfo: origin.RoomConnectionPageInfo, totalCount: origin.RoomConnectionTotalCount,
			cursor: origin.RoomEdgeCursor, node: origin.RoomEdgeNode,
			implementors: roomConnectionImplementors, edgeImplementors: roomEdgeImplementors,
			nodeImplementors: roomImplementors, elem: roomRecordElem,
			slow: roomsSlow,
		},
	}
}

// roomRecordElem writes a room of a rooms list: the node is the Room model over the list's record.
func roomRecordElem(r *run, ctx context.Context, b []byte, fields []graphql.CollectedField, rec *telnyx.Room) ([]byte, bool) {
	return r.roomObject(ctx, b, fields, &model.Room{ID: rec.ID, Data: rec})
}

// connectionRun carries a connection and its shape through object's field callbacks.
type connectionRun[T any] struct {
	c     *model.Connection[T]
	shape *connectionShape[T]
}

func connection[T any](r *run, ctx context.Context, b []byte, sel ast.SelectionSet, c *model.Connection[T], shape *connectionShape[T]) ([]byte, bool) {
	cr := connectionRun[T]{c: c, shape: shape}
	return object(r, ctx, b, r.collect(sel, shape.implementors), &cr, connectionWaits[T], connectionField[T])
}

// connectionWaits: a connection's fields are its page's (model methods): gqlgen writes them in place.
func connectionWaits[T any](r *run, f *graphql.CollectedField, cr *connectionRun[T]) waits {
	if connectionSlow(r, f, cr) {
		return inPlace
	}
	return never
}

func connectionSlow[T any](r *run, f *graphql.CollectedField, cr *connectionRun[T]) bool {
	switch cr.shape.typ.Field(f.Name) {
	case cr.shape.nodes:
		return cr.shape.slow(r, r.collect(f.Selections, cr.shape.nodeImplementors))
	case cr.shape.edges:
		for _, ef := range r.collect(f.Selections, cr.shape.edgeImplementors) {
			if cr.shape.edgeTyp.Field(ef.Name) == cr.shape.node && cr.shape.slow(r, r.collect(ef.Selections, cr.shape.nodeImplementors)) {
				return true
			}
		}
	}
	return false
}

func connectionField[T any](r *run, ctx context.Context, b []byte, f *graphql.CollectedField, cr *connectionRun[T]) ([]byte, bool) {
	c := cr.c
	switch cr.shape.typ.Field(f.Name) {
	case origin.Typename:
		return appendString(b, cr.shape.typ.String()), true
	case cr.shape.totalCount:
		return strconv.AppendInt(b, int64(c.TotalCount), 10), true
	case cr.shape.pageInfo:
		return appendPageInfo(r, b, r.collect(f.Selections, pageInfoImplementors), c.PageInfo())
	case cr.shape.nodes:
		fields := r.collect(f.Selections, cr.shape.nodeImplementors)
		slow := cr.shape.slow(r, fields)
		if slow {
			ctx = within(ctx, cr.shape.typ.String(), f)
		} else if cr.shape.plain != nil {
			if out, ok := cr.shape.plain(r, b, fields, c.Nodes); ok {
				return out, true
			}
		}
		return list(r, ctx, b, fields, c.Nodes, slow, cr.shape.elem)
	case cr.shape.edges:
		fields := r.collect(f.Selections, cr.shape.edgeImplementors)
		slow := connectionSlow(r, f, cr)
		if slow {
			ctx = within(ctx, cr.shape.typ.String(), f)
		}
		edges := make([]edge[T], len(c.Nodes))
		for i := range c.Nodes {
			edges[i] = edge[T]{node: &c.Nodes[i], offset: c.Window.Start + i, cr: cr}
		}
		return list(r, ctx, b, fields, edges, slow, edgeElem[T])
	}
	return b, r.fail()
}

// edge is one item of a connection with its offset in the list (its cursor).
type edge[T any] struct {
	node   *T
	offset int
	cr     *connectionRun[T]
}

func edgeElem[T any](r *run, ctx context.Context, b []byte, fields []graphql.CollectedField, e *edge[T]) ([]byte, bool) {
	return object(r, ctx, b, fields, e, edgeWaits[T], edgeField[T])
}

// edgeWaits: an edge's node is written in place (a field of the edge).
func edgeWaits[T any](r *run, f *graphql.CollectedField, e *edge[T]) waits {
	shape := e.cr.shape
	if shape.edgeTyp.Field(f.Name) == shape.node && shape.slow(r, r.collect(f.Selections, shape.nodeImplementors)) {
		return inPlace
	}
	return never
}

func edgeField[T any](r *run, ctx context.Context, b []byte, f *graphql.CollectedField, e *edge[T]) ([]byte, bool) {
	shape := e.cr.shape
	switch shape.edgeTyp.Field(f.Name) {
	case origin.Typename:
		return appendString(b, shape.edgeTyp.String()), true
	case shape.cursor:
		return appendString(b, e.cr.c.Cursors.At(e.offset)), true
	case shape.node:
		fields := r.collect(f.Selections, shape.nodeImplementors)
		if shape.slow(r, fields) {
			ctx = within(ctx, shape.edgeTyp.String(), f)
		}
		return shape.elem(r, ctx, b, fields, e.node)
	}
	return b, r.fail()
}

func appendPageInfo(r *run, b []byte, fields []graphql.CollectedField, pi model.PageInfo) ([]byte, bool) {
	b = append(b, '{')
	for i := range fields {
		f := &fields[i]
		if f.Deferrables != nil {
			return b, r.fail()
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, f.Alias)
		switch origin.PageInfo.Field(f.Name) {
		case origin.Typename:
			b = appendString(b, origin.PageInfo.String())
		case origin.PageInfoHasNextPage:
			b = strconv.AppendBool(b, pi.HasNextPage)
		case origin.PageInfoHasPreviousPage:
			b = strconv.AppendBool(b, pi.HasPreviousPage)
		case origin.PageInfoStartCursor:
			b = appendNullableString(b, pi.StartCursor)
		case origin.PageInfoEndCursor:
			b = appendNullableString(b, pi.EndCursor)
		default:
			return b, r.fail()
		}
	}
	return append(b, '}'), true
}
