package coalesce

import (
	"crypto/sha256"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Writes of many credentials keep the generation map bounded, and a read that was in flight when the map
// was cleared does not cache its answer.
func TestGenerationsAreBounded(t *testing.T) {
	tr := New(nil, Config{CacheTTL: time.Minute, CacheEntries: 10}, Hooks{})
	victim := sha256.Sum256([]byte("Bearer KEY_victim"))
	inFlight := tr.generation(victim) // a read of victim starts
	tr.wrote(victim)                  // victim writes while it is in flight
	for i := range 5000 {
		tr.wrote(sha256.Sum256([]byte("Bearer KEY_" + strconv.Itoa(i))))
		assert.LessOrEqual(t, len(tr.gen), maxGenerations(10)+1)
	}
	tr.store("k", victim, inFlight, &snapshot{status: 200})
	assert.Empty(t, tr.cache, "the read that started before victim's write is not cached, map cleared or not")

	fresh := tr.generation(victim)
	tr.store("k", victim, fresh, &snapshot{status: 200})
	assert.Len(t, tr.cache, 1, "a read with no write since it started is cached")
}
