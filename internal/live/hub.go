package live

import (
	"errors"
	"sync"
)

// Why a subscription ended, from Subscription.Err.
var (
	// ErrSlowConsumer: the subscriber did not take its events as fast as they came, and its buffer filled.
	ErrSlowConsumer = errors.New("live: the subscriber fell behind by more events than its buffer holds")
	// ErrShutdown: the hub was closed (the server is shutting down).
	ErrShutdown = errors.New("live: the server is shutting down")
	// ErrTooManySubscriptions: Subscribe was refused, the hub holds HubConfig.MaxSubscriptions already.
	ErrTooManySubscriptions = errors.New("live: too many subscriptions")
	// ErrGap: the hub was told that events may have been missed (Interrupt): with several replicas, the
	// shared event bus was out of reach for a while.
	ErrGap = errors.New("live: events of this room may have been missed")
)

// HubConfig bounds a hub.
type HubConfig struct {
	// Buffer is how many events a subscriber may have waiting; one more ends it with ErrSlowConsumer.
	// Default 64.
	Buffer int
	// MaxSubscriptions bounds the subscriptions of the hub, all rooms together. Default 10,000.
	MaxSubscriptions int
}

// Hub routes events to the subscribers of their room. Publish never blocks: a subscriber whose buffer is
// full is ended (ErrSlowConsumer) rather than making the others wait or memory grow. Every subscriber of
// a room receives the same *Event: read it, never modify it. (A buffer of pointers costs each idle
// subscriber 8 bytes per slot, 512 by default; one of Event values cost it 64 × 184 bytes.)
type Hub struct {
	cfg    HubConfig
	mu     sync.Mutex
	rooms  map[string]map[*Subscription]struct{}
	n      int
	closed bool
}

// NewHub makes an empty hub.
func NewHub(cfg HubConfig) *Hub {
	if cfg.Buffer <= 0 {
		cfg.Buffer = 64
	}
	if cfg.MaxSubscriptions <= 0 {
		cfg.MaxSubscriptions = 10_000
	}
	return &Hub{cfg: cfg, rooms: map[string]map[*Subscription]struct{}{}}
}

// Subscription is one subscriber of one room's events.
type Subscription struct {
	hub    *Hub
	room   string
	events chan *Event
	once   sync.Once
	err    error // set before events is closed
}

// Subscribe adds a subscriber of roomID's events.
func (h *Hub) Subscribe(roomID string) (*Subscription, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrShutdown
	}
	if h.n >= h.cfg.MaxSubscriptions {
		return nil, ErrTooManySubscriptions
	}
	s := &Subscription{hub: h, room: roomID, events: make(chan *Event, h.cfg.Buffer)}
	subs := h.rooms[roomID]
	if subs == nil {
		subs = map[*Subscription]struct{}{}
		h.rooms[roomID] = subs
	}
	subs[s] = struct{}{}
	h.n++
	return s, nil
}

// Publish hands e to every subscriber of e.RoomID and reports how many took it.
func (h *Hub) Publish(e Event) int {
	shared := &e
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for s := range h.rooms[e.RoomID] {
		select {
		case s.events <- shared:
			n++
		default:
			h.removeLocked(s, ErrSlowConsumer)
		}
	}
	return n
}

// Len is the number of subscriptions.
func (h *Hub) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// Rooms is the ids of the rooms with at least one subscriber.
func (h *Hub) Rooms() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	ids := make([]string, 0, len(h.rooms))
	for id := range h.rooms {
		ids = append(ids, id)
	}
	return ids
}

// Interrupt ends every subscription with ErrGap and reports how many it ended; the hub stays open. Its
// subscribers may have missed events: those that keep a state read it again, those that relay every
// event end.
func (h *Hub) Interrupt() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.removeAllLocked(ErrGap)
}

// Close ends every subscription with ErrShutdown and refuses new ones.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	h.removeAllLocked(ErrShutdown)
}

// removeAllLocked ends every subscription with err and reports how many it ended.
func (h *Hub) removeAllLocked(err error) int {
	n := 0
	for _, subs := range h.rooms {
		for s := range subs {
			h.removeLocked(s, err)
			n++
		}
	}
	return n
}

func (h *Hub) removeLocked(s *Subscription, err error) {
	s.once.Do(func() {
		s.err = err
		close(s.events)
		subs := h.rooms[s.room]
		delete(subs, s)
		if len(subs) == 0 {
			delete(h.rooms, s.room)
		}
		h.n--
	})
}

// Events delivers the room's events in the order published; it is closed when the subscription ends.
// The events are shared with the room's other subscribers: never modify one.
func (s *Subscription) Events() <-chan *Event { return s.events }

// Err says why Events was closed: nil after Close, ErrSlowConsumer, ErrGap or ErrShutdown otherwise. Read it only
// after Events is closed.
func (s *Subscription) Err() error { return s.err }

// Close ends the subscription (idempotent).
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.removeLocked(s, nil)
}
