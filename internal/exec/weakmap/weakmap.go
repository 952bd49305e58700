// Package weakmap is a map keyed by pointers it does not keep alive: an entry goes when its key's object
// is freed. roomgraph uses it to remember figures of a parsed GraphQL document (held by gqlgen's query
// cache) for as long as the document exists, without a second cache and eviction policy of its own.
//
// It must not hold a strong reference to a key, and knows nothing of GraphQL: a value that points back to
// its own key would keep the entry alive for ever, so callers store figures, never the document.
package weakmap

import (
	"runtime"
	"sync"
	"weak"
)

// Map maps *K to V; safe for concurrent use. The zero value is not usable: call New.
type Map[K, V any] struct {
	mu sync.Mutex
	m  map[weak.Pointer[K]]V
}

// New returns an empty map.
func New[K, V any]() *Map[K, V] {
	return &Map[K, V]{m: map[weak.Pointer[K]]V{}}
}

// Load returns k's value.
func (m *Map[K, V]) Load(k *K) (V, bool) {
	w := weak.Make(k)
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[w]
	return v, ok
}

// LoadOrStore returns k's value, storing make's first when there is none (make runs under the map's lock:
// it must be quick and must not use the map).
func (m *Map[K, V]) LoadOrStore(k *K, make func() V) V {
	w := weak.Make(k)
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.m[w]; ok {
		return v
	}
	v := make()
	m.store(k, w, v)
	return v
}

// Store sets k's value.
func (m *Map[K, V]) Store(k *K, v V) {
	w := weak.Make(k)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.store(k, w, v)
}

func (m *Map[K, V]) store(k *K, w weak.Pointer[K], v V) {
	if _, ok := m.m[w]; !ok {
		runtime.AddCleanup(k, m.drop, w)
	}
	m.m[w] = v
}

func (m *Map[K, V]) drop(w weak.Pointer[K]) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, w)
}

// Len is the number of entries (keys not yet freed, or freed and not yet cleaned up).
func (m *Map[K, V]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}
