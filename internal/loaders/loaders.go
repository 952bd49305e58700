// Package loaders turns what resolvers need from the upstream into the fewest upstream calls. One *Loaders
// lives for one GraphQL operation (created in the server's AroundOperations) and carries that operation's
// credential, so nothing one caller fetched can reach another.
//
// Resolvers describe needs (a room's sessions, this filter, this window, with or without participants; a
// room by id); dataloaders collect the needs of one execution wave, identical needs collapse into one key,
// and the batch functions merge overlapping needs on the same list into covering upstream pages (see
// serveList). Records that lists return prime the by-id loaders, so a record reached twice is fetched once.
//
// It knows nothing of GraphQL or HTTP handlers: only the telnyx client and the pagination arithmetic. A
// Loaders must not outlive its operation or be shared with another, and it never retries: retries belong
// to the transport under the client (package resilience), which sees the whole operation's deadline.
package loaders

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/roomgraph/roomgraph/internal/apperr"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// Config tunes batching.
type Config struct {
	// Wait is how long a loader collects needs before it calls the upstream, unless the operation's executor
	// counts its need-adders (StartWaves): then a batch starts when its wave is complete, or after Wait,
	// whichever comes first. Default 1ms.
	Wait time.Duration
	// MaxParallel bounds the upstream calls one operation has in flight at once. Default 8.
	MaxParallel int
	// Hooks observe needs and batches (metrics, traces); the zero value observes nothing.
	Hooks Hooks
}

func (c Config) withDefaults() Config {
	if c.Wait <= 0 {
		c.Wait = time.Millisecond
	}
	if c.MaxParallel <= 0 {
		c.MaxParallel = 8
	}
	return c
}

// Upstream is what the loaders need of the Telnyx client (*telnyx.Client implements it).
type Upstream interface {
	ListRoomSessions(ctx context.Context, key string, p telnyx.ListRoomSessionsParams) (*telnyx.List[telnyx.RoomSession], error)
	ListSessions(ctx context.Context, key string, p telnyx.ListSessionsParams) (*telnyx.List[telnyx.RoomSession], error)
	GetSession(ctx context.Context, key, id string, includeParticipants bool) (*telnyx.RoomSession, error)
	ListSessionParticipants(ctx context.Context, key string, p telnyx.ListSessionParticipantsParams) (*telnyx.List[telnyx.RoomParticipant], error)
	ListParticipants(ctx context.Context, key string, p telnyx.ListParticipantsParams) (*telnyx.List[telnyx.RoomParticipant], error)
	GetParticipant(ctx context.Context, key, id string) (*telnyx.RoomParticipant, error)
	ListRooms(ctx context.Context, key string, p telnyx.ListRoomsParams) (*telnyx.List[telnyx.Room], error)
	GetRoom(ctx context.Context, key, id string, includeSessions bool) (*telnyx.Room, error)
	CreateRoom(ctx context.Context, key string, p telnyx.RoomParams) (*telnyx.Room, error)
	UpdateRoom(ctx context.Context, key, id string, p telnyx.RoomParams) (*telnyx.Room, error)
	DeleteRoom(ctx context.Context, key, id string) error
	EndSession(ctx context.Context, key, id string) error
	KickParticipants(ctx context.Context, key, sessionID string, a telnyx.ParticipantsAction) error
	MuteParticipants(ctx context.Context, key, sessionID string, a telnyx.ParticipantsAction) error
	UnmuteParticipants(ctx context.Context, key, sessionID string, a telnyx.ParticipantsAction) error
	GenerateJoinClientToken(ctx context.Context, key, roomID string, p telnyx.JoinClientTokenParams) (*telnyx.JoinClientToken, error)
	RefreshClientToken(ctx context.Context, key, roomID string, p telnyx.RefreshClientTokenParams) (*telnyx.ClientToken, error)
}

// The lists the loaders know. Each value identifies one upstream list up to paging.
type (
	// RoomSessionsList is GET /rooms/{room_id}/sessions (Filter.RoomID is ignored).
	RoomSessionsList struct {
		RoomID string
		Filter telnyx.SessionFilter
	}
	// SessionsList is GET /room_sessions; Filter.RoomID narrows it to one room.
	SessionsList struct{ Filter telnyx.SessionFilter }
	// SessionParticipantsList is GET /room_sessions/{id}/participants (Filter.SessionID is ignored).
	SessionParticipantsList struct {
		SessionID string
		Filter    telnyx.ParticipantFilter
	}
	// ParticipantsList is GET /room_participants; Filter.SessionID narrows it to one session.
	ParticipantsList struct{ Filter telnyx.ParticipantFilter }
	// RoomsList is GET /rooms.
	RoomsList struct{ Filter telnyx.RoomFilter }
)

// Loaders holds one operation's loaders.
type Loaders struct {
	up         Upstream
	credential string
	cfg        Config
	slots      chan struct{} // bounds this operation's concurrent upstream calls

	roomSessions        lazy[ListNeed[RoomSessionsList], *Page[telnyx.RoomSession]]
	sessions            lazy[ListNeed[SessionsList], *Page[telnyx.RoomSession]]
	sessionParticipants lazy[ListNeed[SessionParticipantsList], *Page[telnyx.RoomParticipant]]
	participants        lazy[ListNeed[ParticipantsList], *Page[telnyx.RoomParticipant]]
	rooms               lazy[ListNeed[RoomsList], *Page[telnyx.Room]]

	room        lazy[entityKey, *telnyx.Room]
	session     lazy[entityKey, *telnyx.RoomSession]
	participant lazy[entityKey, *telnyx.RoomParticipant]

	activeSessions lazy[activeKey, *telnyx.RoomSession] // rooms' active sessions (active.go)
	activeMemo     activePages                          // the account-wide active list's pages, once per operation

	waves atomic.Pointer[Waves] // while the executor counts its need-adders (wave.go); nil: the timer alone

	// Records the lists returned, for lookups by id.
	knownRooms        recordIndex[telnyx.Room]
	knownSessions     recordIndex[telnyx.RoomSession]
	knownParticipants recordIndex[telnyx.RoomParticipant]
}

// New returns the loaders of one operation, calling up with credential.
func New(up Upstream, credential string, cfg Config) *Loaders {
	l := &Loaders{up: up, credential: credential, cfg: cfg.withDefaults()}
	l.slots = make(chan struct{}, l.cfg.MaxParallel)

	l.knownRooms.id = func(r *telnyx.Room) string { return r.ID }
	l.knownSessions.id = func(s *telnyx.RoomSession) string { return s.ID }
	l.knownParticipants.id = func(p *telnyx.RoomParticipant) string { return p.ID }
	return l
}

// The loaders' builders, called once per operation by the first read of their kind (lazy). Methods rather
// than closures set in New: New would allocate all eight for every operation, which uses one or two.

func (l *Loaders) buildRoomSessions() *dataloader.Loader[ListNeed[RoomSessionsList], *Page[telnyx.RoomSession]] {
	return newListLoader(l, KindRoomSessions, func(ctx context.Context, key string, s RoomSessionsList, embed bool, p telnyx.Page) (*telnyx.List[telnyx.RoomSession], error) {
		return l.up.ListRoomSessions(ctx, key, telnyx.ListRoomSessionsParams{RoomID: s.RoomID, Filter: s.Filter, IncludeParticipants: embed, Page: p})
	}, l.primeSessions)
}

func (l *Loaders) buildSessions() *dataloader.Loader[ListNeed[SessionsList], *Page[telnyx.RoomSession]] {
	return newListLoader(l, KindSessions, func(ctx context.Context, key string, s SessionsList, embed bool, p telnyx.Page) (*telnyx.List[telnyx.RoomSession], error) {
		return l.up.ListSessions(ctx, key, telnyx.ListSessionsParams{Filter: s.Filter, IncludeParticipants: embed, Page: p})
	}, l.primeSessions)
}

func (l *Loaders) buildSessionParticipants() *dataloader.Loader[ListNeed[SessionParticipantsList], *Page[telnyx.RoomParticipant]] {
	return newListLoader(l, KindSessionParticipants, func(ctx context.Context, key string, s SessionParticipantsList, _ bool, p telnyx.Page) (*telnyx.List[telnyx.RoomParticipant], error) {
		return l.up.ListSessionParticipants(ctx, key, telnyx.ListSessionParticipantsParams{SessionID: s.SessionID, Filter: s.Filter, Page: p})
	}, l.primeParticipants)
}

func (l *Loaders) buildParticipants() *dataloader.Loader[ListNeed[ParticipantsList], *Page[telnyx.RoomParticipant]] {
	return newListLoader(l, KindParticipants, func(ctx context.Context, key string, s ParticipantsList, _ bool, p telnyx.Page) (*telnyx.List[telnyx.RoomParticipant], error) {
		return l.up.ListParticipants(ctx, key, telnyx.ListParticipantsParams{Filter: s.Filter, Page: p})
	}, l.primeParticipants)
}

func (l *Loaders) buildRooms() *dataloader.Loader[ListNeed[RoomsList], *Page[telnyx.Room]] {
	return newListLoader(l, KindRooms, func(ctx context.Context, key string, s RoomsList, _ bool, p telnyx.Page) (*telnyx.List[telnyx.Room], error) {
		return l.up.ListRooms(ctx, key, telnyx.ListRoomsParams{Filter: s.Filter, Page: p})
	}, l.primeRooms)
}

func (l *Loaders) buildRoom() *dataloader.Loader[entityKey, *telnyx.Room] {
	return newEntityLoader(l, KindRoom, func(ctx context.Context, key, id string, _ bool) (*telnyx.Room, error) {
		return l.up.GetRoom(ctx, key, id, false)
	})
}

func (l *Loaders) buildSession() *dataloader.Loader[entityKey, *telnyx.RoomSession] {
	return newEntityLoader(l, KindSession, l.up.GetSession)
}

func (l *Loaders) buildParticipant() *dataloader.Loader[entityKey, *telnyx.RoomParticipant] {
	return newEntityLoader(l, KindParticipant, func(ctx context.Context, key, id string, _ bool) (*telnyx.RoomParticipant, error) {
		return l.up.GetParticipant(ctx, key, id)
	})
}

type ctxKey struct{}

// With returns ctx carrying l.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From returns the operation's loaders, or nil outside an operation.
func From(ctx context.Context) *Loaders {
	l, _ := ctx.Value(ctxKey{}).(*Loaders)
	return l
}

// acquire takes one of the operation's upstream call slots, or fails when ctx ends first.
func (l *Loaders) acquire(ctx context.Context) (release func(), err error) {
	select {
	case l.slots <- struct{}{}:
		return func() { <-l.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// parallel runs f(0..n-1) concurrently, on at most MaxParallel goroutines, and waits; one item runs inline. A panic in f(i) does not take the
// process down: it is recovered and reported as an INTERNAL error for item i (errs[i]); errs is nil when
// nothing panicked.
func (l *Loaders) parallel(n int, f func(i int)) (errs []error) {
	var mu sync.Mutex
	run := func(i int) {
		defer func() {
			if p := recover(); p != nil {
				mu.Lock()
				defer mu.Unlock()
				if errs == nil {
					errs = make([]error, n)
				}
				errs[i] = panicError(p)
			}
		}()
		f(i)
	}
	// At most MaxParallel items can hold an upstream slot at once, so more goroutines than that would only
	// wait (each with its stack): a few workers take the items in turn.
	workers := min(n, cap(l.slots))
	if workers <= 1 {
		for i := range n {
			run(i)
		}
		return errs
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				run(i)
			}
		})
	}
	wg.Wait()
	return errs
}

// panicError turns a recovered panic into an INTERNAL error; the value and stack go to the cause only.
func panicError(p any) error {
	return apperr.Wrap(apperr.Internal, fmt.Errorf("panic: %v\n%s", p, debug.Stack()), "internal error")
}

// Records from lists are remembered for lookups by id, so reaching them again costs no call.
func (l *Loaders) primeSessions(_ context.Context, items []telnyx.RoomSession, embed bool) {
	l.knownSessions.add(items, embed)
	if embed && len(items) > 0 {
		l.knownParticipants.addNested(func(add func([]telnyx.RoomParticipant)) {
			for i := range items {
				add(items[i].Participants)
			}
		})
	}
}

func (l *Loaders) primeParticipants(_ context.Context, items []telnyx.RoomParticipant, _ bool) {
	l.knownParticipants.add(items, false)
}

func (l *Loaders) primeRooms(_ context.Context, items []telnyx.Room, _ bool) {
	l.knownRooms.add(items, false)
}
