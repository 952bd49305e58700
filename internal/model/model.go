// Package model holds the Go shapes that roomgraph's GraphQL types bind to (see gqlgen.yml), and the
// marshalling of its custom scalars. Sessions and participants are the upstream's wire types themselves
// (package telnyx), so a page of sessions reaches the response without being copied.
//
// It does no I/O and knows nothing of loaders or HTTP.
package model

import (
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
	"github.com/roomgraph/roomgraph/internal/pagination"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// Room is a video room as the graph sees it. Only the id is known for sure; Data is set when the room's
// record was already fetched (from a list or a write), and fetched by id on demand otherwise.
type Room struct {
	ID   string
	Data *telnyx.Room
}

// GlobalID is the room's Relay global id, its GraphQL `id` (docs/relay.md); ID is its Telnyx id.
func (r *Room) GlobalID() string { return nodeid.Encode(nodeid.Room, r.ID) }

// Node is an object of the Node interface: a *Room, a *telnyx.RoomSession or a *telnyx.RoomParticipant
// (their global ids: package nodeid).
type Node any

// PageInfo is Relay's page information.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

// Cursors turns offsets of one list into opaque cursors.
type Cursors struct {
	Codec pagination.Codec
	Scope string
}

// At returns the cursor of the item at offset.
func (c Cursors) At(offset int) string { return c.Codec.Encode(c.Scope, offset) }

// Connection is a page of one list: the part every connection type shares.
type Connection[T any] struct {
	// Nodes are the page's items, in list order (nil when only totals were asked for).
	Nodes []T
	// Window is where the page sits in the whole list; Nodes[i] is at offset Window.Start+i.
	Window pagination.Window
	// TotalCount is the exact number of items in the whole list.
	TotalCount int
	Cursors    Cursors
}

// PageInfo places the page in the whole list.
func (c *Connection[T]) PageInfo() PageInfo {
	info := pagination.Info(c.Window, c.TotalCount)
	pi := PageInfo{HasNextPage: info.HasNextPage, HasPreviousPage: info.HasPreviousPage}
	if c.Window.Len() > 0 {
		first, last := c.Cursors.At(c.Window.Start), c.Cursors.At(c.Window.End-1)
		pi.StartCursor, pi.EndCursor = &first, &last
	}
	return pi
}

// edge pairs node i with its cursor.
func (c *Connection[T]) edge(i int) (*T, string) {
	return &c.Nodes[i], c.Cursors.At(c.Window.Start + i)
}

// RoomSessionConnection is a page of sessions. Edges and cursors are built only when selected.
type RoomSessionConnection struct{ Connection[telnyx.RoomSession] }

// RoomSessionEdge is a session with its cursor.
type RoomSessionEdge struct {
	Node   *telnyx.RoomSession
	Cursor string
}

// Edges pairs each node with its cursor.
func (c *RoomSessionConnection) Edges() []RoomSessionEdge {
	edges := make([]RoomSessionEdge, len(c.Nodes))
	for i := range c.Nodes {
		edges[i].Node, edges[i].Cursor = c.edge(i)
	}
	return edges
}

// RoomParticipantConnection is a page of participants.
type RoomParticipantConnection struct {
	Connection[telnyx.RoomParticipant]
}

// RoomParticipantEdge is a participant with its cursor.
type RoomParticipantEdge struct {
	Node   *telnyx.RoomParticipant
	Cursor string
}

// Edges pairs each node with its cursor.
func (c *RoomParticipantConnection) Edges() []RoomParticipantEdge {
	edges := make([]RoomParticipantEdge, len(c.Nodes))
	for i := range c.Nodes {
		edges[i].Node, edges[i].Cursor = c.edge(i)
	}
	return edges
}

// RoomConnection is a page of rooms. Its nodes are Rooms with their records already fetched.
type RoomConnection struct {
	Connection[telnyx.Room]
}

// RoomEdge is a room with its cursor.
type RoomEdge struct {
	Node   *Room
	Cursor string
}

// RoomNodes wraps the page's records as Rooms.
func (c *RoomConnection) RoomNodes() []*Room {
	out := make([]*Room, len(c.Nodes))
	for i := range c.Nodes {
		out[i] = &Room{ID: c.Nodes[i].ID, Data: &c.Nodes[i]}
	}
	return out
}

// Edges pairs each room with its cursor.
func (c *RoomConnection) Edges() []RoomEdge {
	edges := make([]RoomEdge, len(c.Nodes))
	for i := range c.Nodes {
		rec, cursor := c.edge(i)
		edges[i] = RoomEdge{Node: &Room{ID: rec.ID, Data: rec}, Cursor: cursor}
	}
	return edges
}

// IsEntity marks Room as an Apollo Federation entity (gqlgen's fedruntime.Entity, for the _Entity union).
func (Room) IsEntity() {}
