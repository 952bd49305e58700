package loaders

import (
	"sync"
	"sync/atomic"

	"github.com/graph-gophers/dataloader/v7"
)

// lazy builds its dataloader on first use: most operations use one or two of the eight kinds, and a
// dataloader costs a cache, options and a batcher to set up.
type lazy[K comparable, V any] struct {
	mu sync.Mutex // serializes building
	l  atomic.Pointer[dataloader.Loader[K, V]]
}

// get returns the loader, built with build on first use.
func (z *lazy[K, V]) get(build func() *dataloader.Loader[K, V]) *dataloader.Loader[K, V] {
	if l := z.l.Load(); l != nil {
		return l
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	if l := z.l.Load(); l != nil {
		return l
	}
	l := build()
	z.l.Store(l)
	return l
}

// clearAll forgets the loader's cache, if it was ever built.
func (z *lazy[K, V]) clearAll() {
	if l := z.l.Load(); l != nil {
		l.ClearAll()
	}
}

// recordIndex holds the records an operation's lists returned, so that reaching one of them again by id (a
// back-reference, an active session) costs no upstream call. Pages are only appended when they arrive and
// indexed on the first lookup, so operations that never look a record up pay one append per page.
type recordIndex[T any] struct {
	id func(*T) string

	mu      sync.Mutex
	pending []knownPage[T]
	// nested are lists embedded in other records (the participants of sessions with participants), kept as
	// one function per page of the outer records rather than one pending page per outer record.
	nested []func(add func(items []T))
	byID   map[string]knownRecord[T]
}

type knownPage[T any] struct {
	items []T
	embed bool // the records carry their embedded children (sessions with participants)
}

type knownRecord[T any] struct {
	rec   *T
	embed bool
}

func (k *recordIndex[T]) add(items []T, embed bool) {
	if len(items) == 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.pending = append(k.pending, knownPage[T]{items: items, embed: embed})
}

// addNested remembers the lists that each calls add with, to be indexed (without embedded children) on the
// first lookup.
func (k *recordIndex[T]) addNested(each func(add func(items []T))) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.nested = append(k.nested, each)
}

// get returns the record with id; with embed, only one that carries its embedded children.
func (k *recordIndex[T]) get(id string, embed bool) (*T, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, each := range k.nested {
		each(func(items []T) {
			if len(items) > 0 {
				k.pending = append(k.pending, knownPage[T]{items: items})
			}
		})
	}
	k.nested = k.nested[:0]
	if len(k.pending) > 0 {
		if k.byID == nil {
			k.byID = map[string]knownRecord[T]{}
		}
		for _, p := range k.pending {
			for i := range p.items {
				r := &p.items[i]
				if old, ok := k.byID[k.id(r)]; !ok || (p.embed && !old.embed) {
					k.byID[k.id(r)] = knownRecord[T]{rec: r, embed: p.embed}
				}
			}
		}
		k.pending = k.pending[:0]
	}
	r, ok := k.byID[id]
	if !ok || (embed && !r.embed) {
		return nil, false
	}
	return r.rec, true
}

// reset forgets everything: a write may have changed any record.
func (k *recordIndex[T]) reset() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.pending, k.nested, k.byID = nil, nil, nil
}
