package loaders

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/roomgraph/roomgraph/apperr"
	"github.com/roomgraph/roomgraph/pagination"
	"github.com/roomgraph/roomgraph/telnyx"
)

// SessionsKey is one need from a room's session list. Everything that changes the upstream response is in
// it, except the credential, which is fixed for the loaders' operation.
type SessionsKey struct {
	RoomID string
	Filter telnyx.SessionFilter
	// Participants asks for sessions with their participants embedded.
	Participants bool
	// Request is the window wanted.
	Request pagination.Request
	// MetaOnly: no items are needed, only the list's total (for totalCount or pageInfo alone).
	MetaOnly bool
}

// SessionsPage is what a SessionsKey receives.
type SessionsPage struct {
	Sessions []telnyx.RoomSession
	Window   pagination.Window
	Total    int
}

// RoomSessions returns the sessions of a room in the key's window.
func (l *Loaders) RoomSessions(ctx context.Context, k SessionsKey) (*SessionsPage, error) {
	return l.roomSessions.Load(ctx, k)()
}

// sessionList identifies one upstream list of a room's sessions.
type sessionList struct {
	roomID string
	filter telnyx.SessionFilter
}

func (l *Loaders) batchRoomSessions(ctx context.Context, keys []SessionsKey) []*dataloader.Result[*SessionsPage] {
	groups := map[sessionList][]int{}
	var order []sessionList
	for i, k := range keys {
		g := sessionList{k.RoomID, k.Filter}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], i)
	}
	out := make([]*dataloader.Result[*SessionsPage], len(keys))
	done := make(chan struct{}, len(order))
	for _, g := range order {
		idx := groups[g]
		go func() {
			defer func() { done <- struct{}{} }()
			participants := false
			needs := make([]need, len(idx))
			for j, i := range idx {
				participants = participants || keys[i].Participants
				needs[j] = need{req: keys[i].Request, metaOnly: keys[i].MetaOnly}
			}
			fetch := func(ctx context.Context, p pagination.Page) (*telnyx.List[telnyx.RoomSession], error) {
				release, err := l.acquire(ctx)
				if err != nil {
					return nil, err
				}
				defer release()
				return l.up.ListRoomSessions(ctx, l.credential, telnyx.ListRoomSessionsParams{
					RoomID:              g.roomID,
					Filter:              g.filter,
					IncludeParticipants: participants,
					Page:                telnyx.Page{Number: p.Number, Size: p.Size},
				})
			}
			for j, s := range serveList(ctx, fetch, needs) {
				if s.err != nil {
					out[idx[j]] = &dataloader.Result[*SessionsPage]{Error: apperr.FromUpstream(s.err)}
					continue
				}
				out[idx[j]] = &dataloader.Result[*SessionsPage]{Data: &SessionsPage{Sessions: s.items, Window: s.window, Total: s.total}}
			}
		}()
	}
	for range order {
		<-done
	}
	return out
}
