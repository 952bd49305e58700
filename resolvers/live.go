package resolvers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/roomgraph/roomgraph/internal/apperr"
	"github.com/roomgraph/roomgraph/internal/exec/stream"
	"github.com/roomgraph/roomgraph/internal/live"
	"github.com/roomgraph/roomgraph/internal/loaders"
	"github.com/roomgraph/roomgraph/internal/model"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// Subscriptions (docs/subscriptions.md). A subscription first joins the hub's subscribers of its room,
// then reads the room with the subscriber's credential (the tenancy check: a room it cannot read is
// refused with the read's error, and the hub subscription is dropped), so that nothing that happens after
// the read is missed. One goroutine per subscription then turns the hub's events into values of the
// subscription's pipe (package stream), each resolved in a scope of its own (fresh loaders, a deadline).

// subscribe joins roomID's subscribers and reads the room in a new scope: the room alone for roomEvents,
// the room with its active session for roomUpdated (full), whose first answer it is.
func (r *Resolver) subscribe(ctx context.Context, roomID string, full bool) (*live.Subscription, *roomRead, error) {
	if r.Hub == nil {
		return nil, nil, apperr.Errorf(apperr.Internal, "subscriptions are not served by this server")
	}
	sub, err := r.Hub.Subscribe(roomID)
	if err != nil {
		return nil, nil, subscribeError(err)
	}
	var rd *roomRead
	if full {
		// A torn read (the session ended between the room's call and the session's) is read again in a
		// fresh scope; the last one is sent as it is, which only a session ending at each attempt makes.
		for n := 1; n <= rereadAttempts; n++ {
			if rd, err = readScoped(ctx, stream.From(ctx), roomID); err != nil || !rd.torn {
				break
			}
		}
	} else {
		sctx, cancel := stream.From(ctx).Scope().Context(ctx)
		_, err = loaders.From(sctx).Room(sctx, roomID)
		cancel()
	}
	if err != nil {
		sub.Close()
		return nil, nil, err
	}
	return sub, rd, nil
}

// subscribeError is the caller's error for a subscription the hub refused.
func subscribeError(err error) error {
	switch {
	case errors.Is(err, live.ErrTooManySubscriptions):
		return apperr.Wrap(apperr.TooManySubscriptions, err, "the server holds as many subscriptions as it may: try again later")
	case errors.Is(err, live.ErrShutdown):
		return apperr.Wrap(apperr.ShuttingDown, err, "the server is shutting down: subscribe again in a moment")
	}
	return apperr.Wrap(apperr.Internal, err, "internal error")
}

// endError is what a subscription the hub ended says last: nothing for a clean end (the client left, the
// server shut down: the subscription completes), SLOW_CONSUMER when it fell behind.
func endError(err error) error {
	if errors.Is(err, live.ErrSlowConsumer) {
		return apperr.Wrap(apperr.SlowConsumer, err,
			"this subscription fell behind by more events than the server buffers for it, and was ended: subscribe again, and read what you missed")
	}
	if errors.Is(err, live.ErrGap) {
		return apperr.Wrap(apperr.EventsMissed, err,
			"events of this room may have been missed (the server lost its shared event bus for a while), and the subscription was ended: subscribe again, and read what you missed")
	}
	return nil
}

// forwardEvents delivers roomEvents: each session, participant or recording event once (by its id), in the order
// the hub received them, until the subscriber leaves or the hub ends the subscription.
func (r *Resolver) forwardEvents(ctx context.Context, sub *live.Subscription, p *stream.Pipe[model.RoomEvent]) {
	defer sub.Close()
	g := stream.From(ctx)
	seen := newRecent(eventMemory)
	for {
		select {
		case e, ok := <-sub.Events():
			if !ok {
				p.CloseWithError(endError(sub.Err()))
				return
			}
			if !seen.add(e.ID) {
				continue
			}
			v := eventModel(*e)
			if v == nil {
				continue
			}
			if !p.Send(ctx, v, g.Scope()) {
				p.Close()
				return
			}
		case <-ctx.Done():
			p.Close()
			return
		}
	}
}

// eventModel is the GraphQL value of a hub event; nil for the types roomEvents does not deliver
// (compositions, unknown types, a recording event that names no recording).
func eventModel(e live.Event) model.RoomEvent {
	base := model.EventBase{ID: e.ID, OccurredAt: e.OccurredAt, RoomID: e.RoomID, SessionID: e.SessionID}
	reason := nonEmpty(e.Reason)
	switch e.Type {
	case live.SessionStarted:
		return &model.RoomSessionStarted{EventBase: base}
	case live.SessionEnded:
		return &model.RoomSessionEnded{EventBase: base, DurationSecs: e.DurationSecs, Reason: reason}
	case live.ParticipantJoined:
		return &model.RoomParticipantJoined{EventBase: base, ParticipantID: e.ParticipantID}
	case live.ParticipantLeft:
		return &model.RoomParticipantLeft{EventBase: base, ParticipantID: e.ParticipantID, DurationSecs: e.DurationSecs, Reason: reason}
	case live.RecordingStarted:
		if e.RecordingID == "" {
			return nil
		}
		return &model.RoomRecordingStarted{EventBase: base, ParticipantID: e.ParticipantID, RecordingID: e.RecordingID,
			TrackType: model.TrackType(e.RecordingType)}
	case live.RecordingCompleted:
		if e.RecordingID == "" {
			return nil
		}
		return &model.RoomRecordingCompleted{EventBase: base, ParticipantID: e.ParticipantID, RecordingID: e.RecordingID,
			TrackType: model.TrackType(e.RecordingType), Codec: nonEmpty(e.Codec), DownloadURL: nonEmpty(e.DownloadURL),
			DurationSecs: e.DurationSecs, SizeMB: e.SizeMB}
	}
	return nil
}

// The linked objects of an event are references by the ids it names: stubs unless more than the id is
// selected, then fetched with the event's loaders.

func eventRoom(ctx context.Context, e *model.EventBase) (*model.Room, error) {
	return room(ctx, e.RoomID, nil)
}

func eventSession(ctx context.Context, e *model.EventBase) (*telnyx.RoomSession, error) {
	if e.SessionID == "" {
		return nil, nil
	}
	return session(ctx, e.SessionID, nil)
}

func eventParticipant(ctx context.Context, id string) (*telnyx.RoomParticipant, error) {
	if id == "" {
		return nil, nil
	}
	return participant(ctx, id, nil)
}

// roomUpdated: the room is read again after events, and sent when what was read differs from what was
// last sent and contradicts no event (docs/subscriptions.md#order-and-truth).

// roomRead is one read of a room: the room with its record, what identifies its state, and the scope it
// was read in (the answer is resolved in it, with the records the read left in its loaders).
type roomRead struct {
	room    *model.Room
	active  string   // the active session's id, "" for none
	present []string // the ids of the participants present in it, sorted
	// torn: the room named an active session that its own read then showed ended (the session ended
	// between the two calls): a state that never was, read again.
	torn  bool
	state string
	scope stream.Scope
}

// readRoom reads the room and its active session with the participants (two calls at most).
func readRoom(ctx context.Context, id string) (*roomRead, error) {
	l := loaders.From(ctx)
	rec, err := l.Room(ctx, id)
	if err != nil {
		return nil, err
	}
	rd := &roomRead{room: &model.Room{ID: id, Data: rec}, active: rec.ActiveSessionID}
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%d|%t|%s|%s|%v|%s", rec.UpdatedAt.Format(time.RFC3339Nano), rec.UniqueName, rec.MaxParticipants,
		rec.EnableRecording, rec.WebhookEventURL, rec.WebhookEventFailoverURL, timeoutText(rec.WebhookTimeoutSecs), rec.ActiveSessionID)
	if rec.ActiveSessionID != "" {
		s, err := l.ActiveSession(ctx, rec.ActiveSessionID, true)
		if err != nil {
			return nil, err
		}
		present := true
		for _, p := range model.Present(s.Participants, &present) {
			rd.present = append(rd.present, p.ID)
		}
		slices.Sort(rd.present)
		rd.torn = !s.Active
		fmt.Fprintf(&b, "|%t|%d", s.Active, len(s.Participants))
		for _, id := range rd.present {
			b.WriteString("|" + id)
		}
	}
	rd.state = b.String()
	return rd, nil
}

func timeoutText(p *int) string {
	if p == nil {
		return "-"
	}
	return strconv.Itoa(*p)
}

// Bounds of roomUpdated's bookkeeping.
const (
	// eventMemory is how many event ids, left participants and ended sessions a subscription remembers.
	eventMemory = 512
	// rereadAttempts bounds the reads after one burst of events when a read contradicts an event (it was
	// served before the change it should show) or fails.
	rereadAttempts = 4
)

// rereadBackoff is the wait before read attempt n (1-based) of one burst.
func rereadBackoff(n int) time.Duration { return time.Duration(25<<n) * time.Millisecond }

// followRoom delivers roomUpdated: first, then the room again whenever a read after events shows a
// change.
func (r *Resolver) followRoom(ctx context.Context, id string, sub *live.Subscription, first *roomRead, p *stream.Pipe[*model.Room]) {
	defer func() { sub.Close() }()
	g := stream.From(ctx)
	if !p.Send(ctx, first.room, first.scope) {
		p.Close()
		return
	}
	last := first.state
	facts := newFacts()
	for {
		// Wait for an event, then take every event already waiting: one read answers the whole burst.
		dirty := false
		select {
		case <-ctx.Done():
			p.Close()
			return
		case e, ok := <-sub.Events():
			if !ok {
				next, gap := r.resubscribe(id, sub)
				if next == nil {
					p.CloseWithError(gap)
					return
				}
				sub, dirty = next, true // events may have been missed: read again
				break
			}
			dirty = facts.note(*e)
		}
		for drained := false; !drained; {
			select {
			case e, ok := <-sub.Events():
				if !ok {
					drained = true
					break
				}
				dirty = facts.note(*e) || dirty
			default:
				drained = true
			}
		}
		if !dirty {
			continue
		}
		rd := r.reread(ctx, g, id, facts)
		if ctx.Err() != nil {
			p.Close()
			return
		}
		if rd == nil || rd.state == last {
			continue
		}
		last = rd.state
		if !p.Send(ctx, rd.room, rd.scope) {
			p.Close()
			return
		}
	}
}

// resubscribe replaces a hub subscription that ended. One the hub ended because this subscriber fell
// behind, or because events may have been missed (live.ErrGap), is replaced (roomUpdated sends states, not every event: what it missed, a read shows); one that
// ended for another reason (shutdown) is not, and nil is returned with the error to end with (nil for a
// clean end).
func (r *Resolver) resubscribe(id string, old *live.Subscription) (*live.Subscription, error) {
	if !errors.Is(old.Err(), live.ErrSlowConsumer) && !errors.Is(old.Err(), live.ErrGap) {
		return nil, nil
	}
	sub, err := r.Hub.Subscribe(id)
	if err != nil {
		return nil, subscribeError(err)
	}
	return sub, nil
}

// reread reads the room until a read contradicts none of facts (a read that does was served from before
// the change an event reported), at most rereadAttempts times; nil when no read both succeeded and agreed
// (the room is then not sent: it must never go backwards).
func (r *Resolver) reread(ctx context.Context, g *stream.Gate, id string, facts *facts) *roomRead {
	for n := 1; n <= rereadAttempts; n++ {
		if rd, err := readScoped(ctx, g, id); err == nil && !facts.contradicts(rd) {
			return rd
		}
		if ctx.Err() != nil || n == rereadAttempts {
			return nil
		}
		t := time.NewTimer(rereadBackoff(n))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
	return nil
}

// readScoped reads the room in a new scope of g, the read stamped with it (the answer is resolved in it).
func readScoped(ctx context.Context, g *stream.Gate, id string) (*roomRead, error) {
	scope := g.Scope()
	sctx, cancel := scope.Context(ctx)
	defer cancel()
	rd, err := readRoom(sctx, id)
	if err != nil {
		return nil, err
	}
	rd.scope = scope
	return rd, nil
}

// facts are what events said that a read must not contradict: who left and which sessions ended (a
// participant id and a session id are never reused), and the events already seen.
type facts struct {
	seen, left, ended *recent
}

func newFacts() *facts {
	return &facts{seen: newRecent(eventMemory), left: newRecent(eventMemory), ended: newRecent(eventMemory)}
}

// note records e and reports whether it may have changed the room: not for an event seen before, a
// `joined` of someone who already left or a `started` of a session that already ended (late deliveries),
// nor for events that do not touch who is present (recordings, unknown types).
func (f *facts) note(e live.Event) bool {
	if !f.seen.add(e.ID) {
		return false
	}
	switch e.Type {
	case live.ParticipantJoined:
		return !f.left.has(e.ParticipantID)
	case live.SessionStarted:
		return !f.ended.has(e.SessionID)
	case live.ParticipantLeft:
		if e.ParticipantID != "" {
			f.left.add(e.ParticipantID)
		}
		return true
	case live.SessionEnded:
		if e.SessionID != "" {
			f.ended.add(e.SessionID)
		}
		return true
	}
	return false
}

// contradicts reports whether rd shows an ended session active or someone who left present, or is torn.
func (f *facts) contradicts(rd *roomRead) bool {
	if rd.torn || rd.active != "" && f.ended.has(rd.active) {
		return true
	}
	for _, p := range rd.present {
		if f.left.has(p) {
			return true
		}
	}
	return false
}

// recent is a set of at most n strings, the oldest forgotten first. It grows as strings are added (an
// idle subscription keeps three of them: allocated up front at 512 each, they cost it about 60 KiB).
type recent struct {
	n    int
	ring []string // the strings in the order added, up to n; then a ring whose oldest is at next
	next int
	set  map[string]struct{}
}

func newRecent(n int) *recent {
	return &recent{n: n, set: map[string]struct{}{}}
}

func (r *recent) has(s string) bool {
	_, ok := r.set[s]
	return ok
}

// add adds s and reports whether it was new.
func (r *recent) add(s string) bool {
	if r.has(s) {
		return false
	}
	if len(r.ring) < r.n {
		r.ring = append(r.ring, s)
	} else {
		delete(r.set, r.ring[r.next])
		r.ring[r.next] = s
		r.next = (r.next + 1) % r.n
	}
	r.set[s] = struct{}{}
	return true
}
