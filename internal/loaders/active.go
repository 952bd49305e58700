package loaders

import (
	"context"
	"sync"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// Active sessions: Room.activeSession for N rooms would be N GET /room_sessions/{id}. A room has at most
// one active session, so one account-wide GET /room_sessions?filter[active]=true (page[size]=250, with
// include_participants when any need wants them) holds every room's active session: a wave of needs for
// two or more sessions is served from that list, walking further pages only while they cost fewer calls
// than fetching the sessions still missing by id. One need keeps the by-id call: the list can be no
// cheaper (filter[room_id] narrows it to one room, still one call) and carries sessions nobody asked for.
// A session missing from the list (it ended, or another started, between reading the room and the list)
// is fetched by id, so the answer is the session the room named.

// activeListPageSize is the upstream's largest page.
const activeListPageSize = 250

// activeKey is one need for a room's active session, known by the id the room's record named.
type activeKey struct {
	SessionID string
	Embed     bool
}

// ActiveSession returns the session id, which a room named as its active one, with its participants when
// asked: from records the operation already holds, else batched with the wave's other active sessions.
func (l *Loaders) ActiveSession(ctx context.Context, sessionID string, participants bool) (*telnyx.RoomSession, error) {
	if s, ok := l.knownSessions.get(sessionID, participants); ok {
		l.servedKnown(ctx, KindActiveSessions)
		return s, nil
	}
	return load(ctx, l, KindActiveSessions, l.activeSessions.get(l.buildActiveSessions), activeKey{SessionID: sessionID, Embed: participants})
}

func (l *Loaders) buildActiveSessions() *dataloader.Loader[activeKey, *telnyx.RoomSession] {
	batch := func(ctx context.Context, keys []activeKey) []*dataloader.Result[*telnyx.RoomSession] {
		ids := map[string]bool{}
		embed := false
		for _, k := range keys {
			ids[k.SessionID] = true
			embed = embed || k.Embed
		}
		found := map[string]*telnyx.RoomSession{}
		var listErr error
		if len(ids) >= 2 {
			found, listErr = l.activeList(ctx, ids, embed)
		}
		// What the list did not hold (one need, a race, a failed list) is fetched by id through the session
		// loader: one wave, identical ids once.
		out := make([]*dataloader.Result[*telnyx.RoomSession], len(keys))
		asks := make([]asked[*telnyx.RoomSession], len(keys))
		for i, k := range keys {
			if s, ok := found[k.SessionID]; ok {
				out[i] = &dataloader.Result[*telnyx.RoomSession]{Data: s}
				continue
			}
			if listErr != nil {
				out[i] = &dataloader.Result[*telnyx.RoomSession]{Error: upstreamError(listErr)}
				continue
			}
			asks[i] = ask(ctx, l, KindSession, l.session.get(l.buildSession), entityKey{ID: k.SessionID, Embed: embed}, true)
		}
		for i, a := range asks {
			if a.th != nil {
				s, err := a.wait()
				out[i] = &dataloader.Result[*telnyx.RoomSession]{Data: s, Error: err}
			}
		}
		return out
	}
	return dataloader.NewBatchedLoader(grown(hooked(l, KindActiveSessions, batch)), loaderOptions[activeKey, *telnyx.RoomSession](l, KindActiveSessions)...)
}

// activeList reads the account's active sessions, page by page while the next pages cost fewer calls than
// fetching the wanted sessions still missing by id, and returns the wanted ones it found. The pages prime
// the operation's sessions, as every list does.
func (l *Loaders) activeList(ctx context.Context, want map[string]bool, embed bool) (map[string]*telnyx.RoomSession, error) {
	found := make(map[string]*telnyx.RoomSession, len(want))
	for page := 1; ; page++ {
		res, err := l.activeListPage(ctx, page, embed)
		if err != nil {
			return nil, err
		}
		for i := range res.Data {
			if s := &res.Data[i]; want[s.ID] {
				found[s.ID] = s
			}
		}
		missing := len(want) - len(found)
		pagesLeft := res.Meta.TotalPages - page
		if missing == 0 || pagesLeft <= 0 || len(res.Data) == 0 || pagesLeft >= missing {
			return found, nil
		}
	}
}

// activePages memoizes, for one operation, the pages of the account-wide active list: two waves of active
// sessions (their rooms came from two lists, or one wave's batch started while the other's list was in
// flight) share one call per page, as the per-operation snapshot they are. A page with participants serves a
// need without them too. A write forgets them (reset), as it forgets every cached read.
type activePages struct {
	mu    sync.Mutex
	calls map[activePageKey]*activePageCall
}

type activePageKey struct {
	page  int
	embed bool
}

type activePageCall struct {
	done chan struct{}
	res  *telnyx.List[telnyx.RoomSession]
	err  error
}

func (m *activePages) reset() {
	m.mu.Lock()
	m.calls = nil
	m.mu.Unlock()
}

// activeListPage returns one page of the active list, from the operation's memo when a wave already asked
// for it (waiting while it is in flight); a failed call is not kept, so a later wave tries again.
func (l *Loaders) activeListPage(ctx context.Context, page int, embed bool) (*telnyx.List[telnyx.RoomSession], error) {
	m := &l.activeMemo
	m.mu.Lock()
	c := m.calls[activePageKey{page, true}]
	if c == nil {
		c = m.calls[activePageKey{page, embed}]
	}
	if c == nil {
		c = &activePageCall{done: make(chan struct{})}
		if m.calls == nil {
			m.calls = map[activePageKey]*activePageCall{}
		}
		m.calls[activePageKey{page, embed}] = c
		m.mu.Unlock()
		c.res, c.err = l.fetchActiveListPage(ctx, page, embed)
		if c.err != nil {
			m.mu.Lock()
			if m.calls[activePageKey{page, embed}] == c {
				delete(m.calls, activePageKey{page, embed})
			}
			m.mu.Unlock()
		}
		close(c.done)
		return c.res, c.err
	}
	m.mu.Unlock()
	select {
	case <-c.done:
		return c.res, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *Loaders) fetchActiveListPage(ctx context.Context, page int, embed bool) (*telnyx.List[telnyx.RoomSession], error) {
	release, err := l.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	countCall(ctx)
	res, err := l.up.ListSessions(ctx, l.credential, telnyx.ListSessionsParams{
		Filter: telnyx.SessionFilter{Active: telnyx.True}, IncludeParticipants: embed,
		Page: telnyx.Page{Number: page, Size: activeListPageSize},
	})
	if err == nil {
		l.primeSessions(ctx, res.Data, embed)
	}
	return res, err
}
