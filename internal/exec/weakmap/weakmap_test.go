package weakmap

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

type doc struct{ name string }

func TestEntriesLiveAsLongAsTheirKeys(t *testing.T) {
	m := New[doc, int]()
	kept := &doc{"kept"}
	m.Store(kept, 1)
	assert.Equal(t, 2, m.LoadOrStore(&doc{"other"}, func() int { return 2 }))
	assert.Equal(t, 1, m.LoadOrStore(kept, func() int { t.Error("made again"); return 0 }))
	v, ok := m.Load(kept)
	assert.True(t, ok)
	assert.Equal(t, 1, v)
	_, ok = m.Load(&doc{"kept"})
	assert.False(t, ok, "keys are pointers: an equal object is another key")

	func() {
		for i := range 50 {
			m.Store(&doc{"gone"}, i)
		}
	}()
	assert.Eventually(t, func() bool {
		runtime.GC()
		return m.Len() == 1
	}, 5*time.Second, 10*time.Millisecond, "entries of freed keys go, the live one stays")
	v, ok = m.Load(kept)
	assert.True(t, ok)
	assert.Equal(t, 1, v)
	runtime.KeepAlive(kept)
}

func TestStoreTwiceRegistersOneCleanup(t *testing.T) {
	m := New[doc, int]()
	func() {
		k := &doc{"k"}
		for i := range 10 {
			m.Store(k, i)
		}
		v, _ := m.Load(k)
		assert.Equal(t, 9, v)
	}()
	assert.Eventually(t, func() bool {
		runtime.GC()
		return m.Len() == 0
	}, 5*time.Second, 10*time.Millisecond)
}
