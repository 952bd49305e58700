package fastpath

import (
	"context"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/roomgraph/roomgraph/internal/exec/selection"
	"github.com/roomgraph/roomgraph/internal/model"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// One writer per object type of the schema's read side. Each mirrors gqlgen's generated _Type method: the
// same field names, the same resolver calls with the same arguments, the same nullability.

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
	b, ok := object(r, ctx, buf, fields, &root, querySlow, queryField)
	keep(holder, b)
	if !ok || r.failed.Load() {
		return nil, false
	}
	return b, true
}

func querySlow(_ *run, f *graphql.CollectedField, _ *struct{}) bool { return f.Name != "__typename" }

func queryField(r *run, ctx context.Context, b []byte, f *graphql.CollectedField, _ *struct{}) ([]byte, bool) {
	if f.Name == "__typename" {
		return appendString(b, "Query"), true
	}
	ctx = graphql.WithRootFieldContext(ctx, &graphql.RootFieldContext{Object: f.Name, Field: *f})
	ok := true
	// The root field middleware sees the field as under gqlgen; its Marshaler result is not used, the
	// field's bytes are appended to b.
	r.oc.RootResolverMiddleware(ctx, func(ctx context.Context) graphql.Marshaler {
		b, ok = r.rootField(ctx, b, f)
		return graphql.Null
	})
	return b, ok
}

func (r *run) rootField(ctx context.Context, b []byte, f *graphql.CollectedField) ([]byte, bool) {
	raw := f.ArgumentMap(r.oc.Variables)
	a := &args{m: raw}
	q := r.s.query
	switch f.Name {
	case "room":
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
	case "rooms":
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
	case "roomSessions":
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
	case "roomSession":
		id := a.requiredID("id")
		if a.err != nil {
			return b, r.fail()
		}
		ctx, s, ok := resolve(r, ctx, "Query", f, raw, func(ctx context.Context) (*telnyx.RoomSession, error) { return q.RoomSession(ctx, id) })
		if !ok {
			return b, false
		}
		return r.nullableSession(ctx, b, f, s)
	case "roomParticipants":
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
	case "roomParticipant":
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
	return object(r, ctx, b, fields, room, roomSlow, roomField)
}

// roomRecordField reports whether a Room field is read from the room's record (GET /rooms/{id} when the
// room came without it).
func roomRecordField(name string) bool {
	switch name {
	case "uniqueName", "maxParticipants", "enableRecording", "webhookEventUrl", "webhookEventFailoverUrl",
		"webhookTimeoutSecs", "activeSessionId", "createdAt", "updatedAt":
		return true
	}
	return false
}

func roomSlow(_ *run, f *graphql.CollectedField, room *model.Room) bool {
	switch {
	case roomRecordField(f.Name):
		return room.Data == nil
	case f.Name == "activeSession":
		return room.Data == nil || room.Data.ActiveSessionID != ""
	case f.Name == "sessions":
		return true
	}
	return false
}

// roomSelectionSlow reports whether a Room selection may wait for a loader for a room known only by id.
func (r *run) roomSelectionSlow(sel ast.SelectionSet) bool {
	return !selection.OnlyID(r.collect(sel, roomImplementors))
}

func roomField(r *run, ctx context.Context, b []byte, f *graphql.CollectedField, room *model.Room) ([]byte, bool) {
	switch f.Name {
	case "__typename":
		return appendString(b, "Room"), true
	case "id":
		return appendString(b, room.ID), true
	case "sessions":
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
	case "activeSession":
		ctx, s, ok := resolve(r, ctx, "Room", f, nil, func(ctx context.Context) (*telnyx.RoomSession, error) {
			return r.s.room.ActiveSession(ctx, room)
		})
		if !ok {
			return b, false
		}
		return r.nullableSession(ctx, b, f, s)
	}
	if !roomRecordField(f.Name) {
		return b, r.fail()
	}
	if room.Data == nil {
		// The record is not here yet: the resolver states the need to the room loader, so it runs as gqlgen
		// runs it (field context, middleware).
		_, v, ok := resolve(r, ctx, "Room", f, nil, func(ctx context.Context) (any, error) { return r.roomRecordValue(ctx, f.Name, room) })
		if !ok {
			return b, false
		}
		return appendRoomValue(r, b, v)
	}
	v, err := r.roomRecordValue(ctx, f.Name, room)
	if err != nil {
		return b, r.fail()
	}
	return appendRoomValue(r, b, v)
}

// roomRecordValue calls the Room resolver of a record field.
func (r *run) roomRecordValue(ctx context.Context, name string, room *model.Room) (any, error) {
	rr := r.s.room
	switch name {
	case "uniqueName":
		return rr.UniqueName(ctx, room)
	case "maxParticipants":
		return rr.MaxParticipants(ctx, room)
	case "enableRecording":
		return rr.EnableRecording(ctx, room)
	case "webhookEventUrl":
		return rr.WebhookEventURL(ctx, room)
	case "webhookEventFailoverUrl":
		return rr.WebhookEventFailoverURL(ctx, room)
	case "webhookTimeoutSecs":
		return rr.WebhookTimeoutSecs(ctx, room)
	case "activeSessionId":
		return rr.ActiveSessionID(ctx, room)
	case "createdAt":
		return rr.CreatedAt(ctx, room)
	default: // updatedAt
		return rr.UpdatedAt(ctx, room)
	}
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
	return object(r, ctx, b, fields, s, sessionSlow, sessionField)
}

func sessionSlow(r *run, f *graphql.CollectedField, _ *telnyx.RoomSession) bool {
	return r.sessionFieldSlow(f)
}

// sessionFieldSlow reports whether a RoomSession field may wait for a loader, for any session.
func (r *run) sessionFieldSlow(f *graphql.CollectedField) bool {
	switch f.Name {
	case "participantsConnection":
		return true
	case "room":
		return r.roomSelectionSlow(f.Selections)
	case "participants":
		return r.participantsSlow(f.Selections)
	}
	return false
}

// sessionsSlow reports whether a RoomSession selection may wait for a loader.
func (r *run) sessionsSlow(fields []graphql.CollectedField) bool {
	for i := range fields {
		if r.sessionFieldSlow(&fields[i]) {
			return true
		}
	}
	return false
}

func sessionField(r *run, ctx context.Context, b []byte, f *graphql.CollectedField, s *telnyx.RoomSession) ([]byte, bool) {
	if kind, ok := sessionKind(f.Name); ok {
		var dt model.DateTimes
		return appendSessionField(b, kind, s, &dt), true
	}
	switch f.Name {
	case "participants":
		fields := r.collect(f.Selections, roomParticipantImplementors)
		slow := r.participantsSlow(f.Selections)
		if slow {
			ctx = within(ctx, "RoomSession", f)
		} else if plan, ok := planParticipants(fields); ok {
			var dt model.DateTimes
			return appendParticipants(b, &plan, s.Participants, &dt), true
		}
		return list(r, ctx, b, fields, s.Participants, slow, participantElem)
	case "room":
		// The resolver makes a stub from roomId and never waits; the room's own fields may.
		room, err := r.s.session.Room(ctx, s)
		if err != nil || room == nil {
			return b, r.fail()
		}
		fields := r.collect(f.Selections, roomImplementors)
		if r.roomSelectionSlow(f.Selections) {
			ctx = within(ctx, "RoomSession", f)
		}
		return r.roomObject(ctx, b, fields, room)
	case "participantsConnection":
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
	}
	return b, r.fail()
}

// RoomParticipant.

func participantElem(r *run, ctx context.Context, b []byte, fields []graphql.CollectedField, p *telnyx.RoomParticipant) ([]byte, bool) {
	return r.participant(ctx, b, fields, p)
}

func (r *run) participant(ctx context.Context, b []byte, fields []graphql.CollectedField, p *telnyx.RoomParticipant) ([]byte, bool) {
	return object(r, ctx, b, fields, p, participantSlow, participantField)
}

func participantSlow(r *run, f *graphql.CollectedField, _ *telnyx.RoomParticipant) bool {
	return f.Name == "session" && r.sessionReferenceSlow(f.Selections)
}

// sessionReferenceSlow reports whether a session reference (known by id) may wait for a loader: it does
// unless only its id is selected.
func (r *run) sessionReferenceSlow(sel ast.SelectionSet) bool {
	return !selection.OnlyID(r.collect(sel, roomSessionImplementors))
}

// participantsSlow reports whether a RoomParticipant selection may wait for a loader.
func (r *run) participantsSlow(sel ast.SelectionSet) bool {
	for _, f := range r.collect(sel, roomParticipantImplementors) {
		if f.Name == "session" && r.sessionReferenceSlow(f.Selections) {
			return true
		}
	}
	return false
}

func participantField(r *run, ctx context.Context, b []byte, f *graphql.CollectedField, p *telnyx.RoomParticipant) ([]byte, bool) {
	if kind, ok := participantKind(f.Name); ok {
		var dt model.DateTimes
		return appendParticipantField(b, kind, p, &dt), true
	}
	switch f.Name {
	case "session":
		ctx, s, ok := resolve(r, ctx, "RoomParticipant", f, nil, func(ctx context.Context) (*telnyx.RoomSession, error) {
			return r.s.participant.Session(ctx, p)
		})
		if !ok || s == nil {
			return b, r.fail()
		}
		return r.session(ctx, b, r.collect(f.Selections, roomSessionImplementors), s)
	}
	return b, r.fail()
}

// Connections: RoomConnection, RoomSessionConnection and RoomParticipantConnection share one shape over
// model.Connection.

// connectionShape names one connection type and how to write its nodes.
type connectionShape[T any] struct {
	typename, edgeTypename string
	implementors           []string
	edgeImplementors       []string
	nodeImplementors       []string
	elem                   elemFunc[T]
	slow                   func(r *run, fields []graphql.CollectedField) bool
	// plain writes the nodes when none may wait and every selected field is plain (plain.go); false, with
	// nothing written, when a field is not.
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
			typename: "RoomSessionConnection", edgeTypename: "RoomSessionEdge",
			implementors: roomSessionConnectionImplementors, edgeImplementors: roomSessionEdgeImplementors,
			nodeImplementors: roomSessionImplementors, elem: sessionElem,
			slow: func(r *run, fields []graphql.CollectedField) bool { return r.sessionsSlow(fields) },
			plain: func(r *run, b []byte, fields []graphql.CollectedField, items []telnyx.RoomSession) ([]byte, bool) {
				plan, ok := r.planSessions(fields)
				if !ok {
					return b, false
				}
				return appendSessions(b, &plan, items), true
			},
		},
		participants: connectionShape[telnyx.RoomParticipant]{
			typename: "RoomParticipantConnection", edgeTypename: "RoomParticipantEdge",
			implementors: roomParticipantConnectionImplementors, edgeImplementors: roomParticipantEdgeImplementors,
			nodeImplementors: roomParticipantImplementors, elem: participantElem,
			slow: func(r *run, fields []graphql.CollectedField) bool {
				for i := range fields {
					if fields[i].Name == "session" && r.sessionReferenceSlow(fields[i].Selections) {
						return true
					}
				}
				return false
			},
			plain: func(r *run, b []byte, fields []graphql.CollectedField, items []telnyx.RoomParticipant) ([]byte, bool) {
				plan, ok := planParticipants(fields)
				if !ok {
					return b, false
				}
				var dt model.DateTimes
				return appendParticipants(b, &plan, items, &dt), true
			},
		},
		rooms: connectionShape[telnyx.Room]{
			typename: "RoomConnection", edgeTypename: "RoomEdge",
			implementors: roomConnectionImplementors, edgeImplementors: roomEdgeImplementors,
			nodeImplementors: roomImplementors, elem: roomRecordElem,
			slow: func(_ *run, fields []graphql.CollectedField) bool {
				// A room of a list comes with its record: only activeSession and sessions may wait.
				for i := range fields {
					if fields[i].Name == "activeSession" || fields[i].Name == "sessions" {
						return true
					}
				}
				return false
			},
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
	return object(r, ctx, b, r.collect(sel, shape.implementors), &cr, connectionSlow[T], connectionField[T])
}

func connectionSlow[T any](r *run, f *graphql.CollectedField, cr *connectionRun[T]) bool {
	switch f.Name {
	case "nodes":
		return cr.shape.slow(r, r.collect(f.Selections, cr.shape.nodeImplementors))
	case "edges":
		for _, ef := range r.collect(f.Selections, cr.shape.edgeImplementors) {
			if ef.Name == "node" && cr.shape.slow(r, r.collect(ef.Selections, cr.shape.nodeImplementors)) {
				return true
			}
		}
	}
	return false
}

func connectionField[T any](r *run, ctx context.Context, b []byte, f *graphql.CollectedField, cr *connectionRun[T]) ([]byte, bool) {
	c := cr.c
	switch f.Name {
	case "__typename":
		return appendString(b, cr.shape.typename), true
	case "totalCount":
		return strconv.AppendInt(b, int64(c.TotalCount), 10), true
	case "pageInfo":
		return appendPageInfo(r, b, r.collect(f.Selections, pageInfoImplementors), c.PageInfo())
	case "nodes":
		fields := r.collect(f.Selections, cr.shape.nodeImplementors)
		slow := cr.shape.slow(r, fields)
		if slow {
			ctx = within(ctx, cr.shape.typename, f)
		} else if cr.shape.plain != nil {
			if out, ok := cr.shape.plain(r, b, fields, c.Nodes); ok {
				return out, true
			}
		}
		return list(r, ctx, b, fields, c.Nodes, slow, cr.shape.elem)
	case "edges":
		fields := r.collect(f.Selections, cr.shape.edgeImplementors)
		slow := connectionSlow(r, f, cr)
		if slow {
			ctx = within(ctx, cr.shape.typename, f)
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
	return object(r, ctx, b, fields, e, edgeSlow[T], edgeField[T])
}

func edgeSlow[T any](r *run, f *graphql.CollectedField, e *edge[T]) bool {
	return f.Name == "node" && e.cr.shape.slow(r, r.collect(f.Selections, e.cr.shape.nodeImplementors))
}

func edgeField[T any](r *run, ctx context.Context, b []byte, f *graphql.CollectedField, e *edge[T]) ([]byte, bool) {
	switch f.Name {
	case "__typename":
		return appendString(b, e.cr.shape.edgeTypename), true
	case "cursor":
		return appendString(b, e.cr.c.Cursors.At(e.offset)), true
	case "node":
		fields := r.collect(f.Selections, e.cr.shape.nodeImplementors)
		if e.cr.shape.slow(r, fields) {
			ctx = within(ctx, e.cr.shape.edgeTypename, f)
		}
		return e.cr.shape.elem(r, ctx, b, fields, e.node)
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
		switch f.Name {
		case "__typename":
			b = appendString(b, "PageInfo")
		case "hasNextPage":
			b = strconv.AppendBool(b, pi.HasNextPage)
		case "hasPreviousPage":
			b = strconv.AppendBool(b, pi.HasPreviousPage)
		case "startCursor":
			b = appendNullableString(b, pi.StartCursor)
		case "endCursor":
			b = appendNullableString(b, pi.EndCursor)
		default:
			return b, r.fail()
		}
	}
	return append(b, '}'), true
}
