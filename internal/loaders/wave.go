package loaders

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/graph-gophers/dataloader/v7"
)

// Dispatch when the wave is complete. A loader's batch must wait until every need of its execution wave has
// been stated; a fixed wait (Config.Wait) guesses when that is, and every request pays it, even one that
// states a single need. An executor that knows every goroutine that may state a need (the fast path starts
// them all itself) can say instead, with Waves: the loaders then count the operation's need-adders — the
// goroutines running code that may still state a need, and the batches running, whose results wake
// resolvers that may — and dispatch every loader holding needs the moment that count reaches zero: every
// resolver of the wave has stated its needs or finished, so waiting longer cannot add one.
//
// The count moves by hand-offs, never by a goroutine announcing itself after it woke, so it cannot reach
// zero while a need-adder is about to run:
//   - a goroutine that waits for a loader's result gives up its place; the batch that answers it hands the
//     place back before the result is released (so its waiters, all woken, count before any runs);
//   - a goroutine that starts n need-adders and waits for them gives its place to them (Waves.Go); the last
//     of them to end hands it back (Group.Done);
//   - a batch holds one place while it runs, handed to it by the dispatch (one per key: the batch's keys
//     may have been dispatched by the dispatch, by the timer, or partly by each).
//
// The timer stays, as the backstop: a batch still starts Config.Wait after its first need if the wave has not
// completed by then (a need-adder the count does not know of, such as an executor without Waves — gqlgen's,
// whose goroutines start in generated code — keeps batching by the timer alone). Dispatch therefore comes at
// the earlier of the wave's completion and the timer, never later than before.

// Waves is the need-adder count of one operation's loaders, for an executor that tells it about each of its
// goroutines. The goroutine that starts it holds one place. A nil *Waves (no loaders) does nothing.
type Waves struct {
	l *Loaders

	mu      sync.Mutex
	active  int                // need-adders: running goroutines and batches that hold a place
	batches int                // batches started and not finished (running, or waiting for a nested need)
	kinds   map[Kind]*kindKeys // every key each loader was asked for while counting
	queued  []*kindKeys        // loaders with keys not yet dispatched
}

// kindKeys is what the count knows of one loader's keys.
type kindKeys struct {
	flush  func() // the loader's Flush
	state  map[any]*keyState
	opened []any // keys asked for and not yet dispatched
	queued bool
	nested bool // a batch asked for one of them (a need of an earlier wave's batch, not of this wave)
}

// keyState is one key's progress: asked for (open), in a batch (dispatched), answered (resolved).
type keyState struct {
	phase   keyPhase
	waiters int // goroutines waiting for the key that gave up their place
}

type keyPhase uint8

const (
	keyOpen keyPhase = iota
	keyDispatched
	keyResolved
)

// StartWaves switches l to dispatch on wave completion (see Waves) until Stop. The caller holds one place;
// every goroutine it starts that may state a need must be announced with Go. nil when l is nil.
func (l *Loaders) StartWaves() *Waves {
	if l == nil {
		return nil
	}
	w := &Waves{l: l, active: 1, kinds: map[Kind]*kindKeys{}}
	l.waves.Store(w)
	return w
}

// Stop gives up the caller's place and switches the loaders back to the timer alone. Every goroutine
// announced with Go must have ended.
func (w *Waves) Stop() {
	if w == nil {
		return
	}
	w.mu.Lock()
	w.active--
	w.mu.Unlock()
	w.l.waves.CompareAndSwap(w, nil)
}

// Group is n need-adders started together by one goroutine that waits for them (Waves.Go).
type Group struct {
	w    *Waves
	left atomic.Int32
}

// Go announces n goroutines that the caller starts and then waits for: they take the caller's place (and
// n-1 more) until they end, each calling Done. nil (nothing to call) when w is nil or n is zero.
func (w *Waves) Go(n int) *Group {
	if w == nil || n <= 0 {
		return nil
	}
	g := &Group{w: w}
	g.left.Store(int32(n))
	w.mu.Lock()
	w.active += n - 1
	w.mu.Unlock()
	return g
}

// Done is called by each goroutine of the group as it ends: the last one hands its place back to the
// goroutine waiting for the group; the others give theirs up.
func (g *Group) Done() {
	if g == nil || g.left.Add(-1) == 0 {
		return
	}
	g.w.mu.Lock()
	g.w.release()
	g.w.mu.Unlock()
}

// release gives up one place; the last one dispatches the wave. w.mu is held.
func (w *Waves) release() {
	w.active--
	if w.active == 0 {
		w.dispatch()
	}
}

// dispatch starts the loaders' batches of keys not yet dispatched, handing each key a place (the batch's,
// see batchStarted). With no place left while batches are unfinished, those batches are waiting for needs
// they stated to other loaders (an active session by id): only those loaders go, since the batches, once
// answered, wake resolvers whose needs belong to the wave still open. w.mu is held: a Flush only closes the
// batch's input; the batch runs on its own goroutine.
func (w *Waves) dispatch() {
	kept := w.queued[:0]
	for _, ks := range w.queued {
		if w.batches > 0 && !ks.nested {
			kept = append(kept, ks)
			continue
		}
		for _, k := range ks.opened {
			if st := ks.state[k]; st.phase == keyOpen {
				st.phase = keyDispatched
				w.active++
			}
		}
		ks.opened, ks.queued, ks.nested = ks.opened[:0], false, false
		ks.flush()
	}
	w.queued = kept
}

func (w *Waves) keys(kind Kind) *kindKeys {
	ks := w.kinds[kind]
	if ks == nil {
		ks = &kindKeys{state: map[any]*keyState{}}
		w.kinds[kind] = ks
	}
	return ks
}

// load asks dl for key and waits for its value (a resolver's need).
func load[K comparable, V any](ctx context.Context, l *Loaders, kind Kind, dl *dataloader.Loader[K, V], key K) (V, error) {
	return ask(ctx, l, kind, dl, key, false).wait()
}

// asked is a need stated to a loader, to be waited for.
type asked[V any] struct {
	th dataloader.Thunk[V]
	w  *Waves    // nil: the operation does not count its need-adders
	st *keyState // the key's progress, when w is not nil
}

// ask states key to dl (of kind); when the operation counts its need-adders, a key asked for the first time
// joins the loader's keys to dispatch with the wave. nested: a batch function asks (see dispatch).
func ask[K comparable, V any](ctx context.Context, l *Loaders, kind Kind, dl *dataloader.Loader[K, V], key K, nested bool) asked[V] {
	th := dl.Load(ctx, key)
	w := l.waves.Load()
	if w == nil {
		return asked[V]{th: th}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	ks := w.keys(kind)
	st := ks.state[key]
	if st == nil {
		// The first need for key: a miss, so it is in the loader's open batch.
		st = &keyState{}
		ks.state[key] = st
		ks.opened = append(ks.opened, key)
		if !ks.queued {
			ks.queued = true
			w.queued = append(w.queued, ks)
		}
		if ks.flush == nil {
			ks.flush = dl.Flush
		}
	}
	if nested && st.phase == keyOpen {
		ks.nested = true
	}
	return asked[V]{th: th, w: w, st: st}
}

// wait returns the need's value, giving up the caller's place while it waits (the batch that answers the
// key hands it back before releasing the value).
func (a asked[V]) wait() (V, error) {
	if a.w != nil {
		a.w.mu.Lock()
		if a.st.phase != keyResolved {
			a.st.waiters++
			a.w.release()
		}
		a.w.mu.Unlock()
	}
	return a.th()
}

// waved wraps a loader's batch function with the count's bookkeeping (nothing when the operation does not
// count its need-adders).
func waved[K comparable, V any](l *Loaders, kind Kind, batch dataloader.BatchFunc[K, V]) dataloader.BatchFunc[K, V] {
	return func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		w := l.waves.Load()
		if w == nil || len(keys) == 0 {
			return batch(ctx, keys)
		}
		batchStarted(w, kind, keys)
		defer batchFinished(w, kind, keys) // also when batch panics: dataloader answers every key then
		return batch(ctx, keys)
	}
}

// batchStarted: the batch holds one place while it runs. Keys the dispatch sent already hold one each;
// keys the timer sent (or a batch after a Clear) get theirs here; then the batch keeps one for them all.
func batchStarted[K comparable](w *Waves, kind Kind, keys []K) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ks := w.keys(kind)
	for _, k := range keys {
		st := ks.state[k]
		if st == nil {
			st = &keyState{}
			ks.state[k] = st
		}
		if st.phase != keyDispatched {
			st.phase = keyDispatched
			w.active++
		}
	}
	w.active -= len(keys) - 1
	w.batches++
}

// batchFinished hands each waiter of the batch's keys its place back, before dataloader releases the
// values, and gives up the batch's own; the last place dispatches the next wave.
func batchFinished[K comparable](w *Waves, kind Kind, keys []K) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ks := w.keys(kind)
	for _, k := range keys {
		st := ks.state[k]
		w.active += st.waiters
		st.waiters, st.phase = 0, keyResolved
	}
	w.batches--
	w.release()
}
