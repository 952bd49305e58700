// Package model holds the Go shapes that roomgraph's GraphQL types bind to (see gqlgen.yml), and the
// marshalling of its custom scalars. Sessions and participants are the upstream's wire types themselves
// (package telnyx), so a page of sessions reaches the response without being copied.
//
// It does no I/O and knows nothing of loaders or HTTP.
package model

import (
	"github.com/roomgraph/roomgraph/pagination"
	"github.com/roomgraph/roomgraph/telnyx"
)

// Room is a video room as the graph sees it. Only the id is known without an upstream call; everything
// else is resolved on demand.
type Room struct {
	ID string
}

// PageInfo is Relay's page information.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

// Cursors turns offsets of one list into opaque cursors. The zero value makes no cursors.
type Cursors struct {
	Codec pagination.Codec
	Scope string
}

func (c Cursors) at(offset int) string { return c.Codec.Encode(c.Scope, offset) }

// pageInfo builds PageInfo for the window w of a list of total items.
func (c Cursors) pageInfo(w pagination.Window, total int) PageInfo {
	info := pagination.Info(w, total)
	pi := PageInfo{HasNextPage: info.HasNextPage, HasPreviousPage: info.HasPreviousPage}
	if w.Len() > 0 {
		first, last := c.at(w.Start), c.at(w.End-1)
		pi.StartCursor, pi.EndCursor = &first, &last
	}
	return pi
}

// RoomSessionConnection is a page of sessions. Edges and cursors are built only when selected.
type RoomSessionConnection struct {
	// Nodes are the sessions of the page, in list order (nil when only totals were asked for).
	Nodes []telnyx.RoomSession
	// Window is where the page sits in the whole list; Nodes[i] is at offset Window.Start+i.
	Window pagination.Window
	// TotalCount is the exact number of items in the whole list.
	TotalCount int
	Cursors    Cursors
}

// RoomSessionEdge is a session with its cursor.
type RoomSessionEdge struct {
	Node   *telnyx.RoomSession
	Cursor string
}

// Edges pairs each node with its cursor.
func (c *RoomSessionConnection) Edges() []RoomSessionEdge {
	edges := make([]RoomSessionEdge, len(c.Nodes))
	for i := range c.Nodes {
		edges[i] = RoomSessionEdge{Node: &c.Nodes[i], Cursor: c.Cursors.at(c.Window.Start + i)}
	}
	return edges
}

// PageInfo places the page in the whole list.
func (c *RoomSessionConnection) PageInfo() PageInfo {
	return c.Cursors.pageInfo(c.Window, c.TotalCount)
}
