package redisstate

import (
	"context"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/roomgraph/roomgraph/internal/telemetry"
)

// generationTTL is how long a credential's generation outlives its last write or read. Entries live the
// read cache's TTL (seconds), far less, so a generation that expired and starts again at 0 finds no entry
// of its earlier life.
const generationTTL = 24 * time.Hour

// ReadCache is the upstream read cache in Redis (coalesce.SharedCache). Each credential has a generation
// ({prefix}rc:{h}:gen, h the credential's SHA-256 truncated to 12 bytes), moved on (INCR) at the start and
// at the end of each of its writes, on any replica; a read is stored and looked up under the generation
// current when it asked ({prefix}rc:{h}:{gen}:{read}), both in one script, and stored only if the
// generation has not moved since. So no replica answers a read from before a write after that write.
type ReadCache struct {
	c *Client
}

// NewReadCache is the read cache of c.
func NewReadCache(c *Client) *ReadCache { return &ReadCache{c: c} }

// lookupScript returns the generation and the entry stored under it: KEYS[1] the generation key, ARGV[1]
// the entries' key prefix, ARGV[2] the read.
var lookupScript = redis.NewScript(`
local g = redis.call('GET', KEYS[1]) or '0'
return {g, redis.call('GET', ARGV[1] .. g .. ':' .. ARGV[2])}
`)

// storeScript stores ARGV[2] under KEYS[2] for ARGV[3] ms if the generation (KEYS[1]) is still ARGV[1].
var storeScript = redis.NewScript(`
if (redis.call('GET', KEYS[1]) or '0') == ARGV[1] then
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
`)

// wroteScript moves the generation (KEYS[1]) on and keeps it ARGV[1] ms.
var wroteScript = redis.NewScript(`
local g = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return g
`)

func (r *ReadCache) keys(cred [32]byte) (gen, entries string) {
	base := r.c.key("rc:{", hex.EncodeToString(cred[:12]), "}:")
	return base + "gen", base
}

// Lookup returns the credential's generation and the answer stored for key in it (nil when none).
func (r *ReadCache) Lookup(ctx context.Context, cred [32]byte, key string) (string, []byte, error) {
	genKey, entries := r.keys(cred)
	var res []any
	err := r.c.do(ctx, telemetry.RedisReadCache, func(ctx context.Context) error {
		var err error
		res, err = lookupScript.Run(ctx, r.c.rdb, []string{genKey}, entries, key).Slice()
		return err
	})
	if err != nil {
		return "", nil, err
	}
	if len(res) == 0 {
		return "0", nil, nil
	}
	gen, _ := res[0].(string)
	if len(res) < 2 {
		return gen, nil, nil
	}
	val, _ := res[1].(string)
	if val == "" {
		return gen, nil, nil
	}
	return gen, []byte(val), nil
}

// Store keeps val under key for ttl if the credential's generation is still gen.
func (r *ReadCache) Store(ctx context.Context, cred [32]byte, gen, key string, val []byte, ttl time.Duration) error {
	genKey, entries := r.keys(cred)
	return r.c.do(ctx, telemetry.RedisReadCache, func(ctx context.Context) error {
		return storeScript.Run(ctx, r.c.rdb, []string{genKey, entries + gen + ":" + key}, gen, val,
			strconv.FormatInt(max(ttl.Milliseconds(), 1), 10)).Err()
	})
}

// Wrote moves the credential's generation on.
func (r *ReadCache) Wrote(ctx context.Context, cred [32]byte) error {
	genKey, _ := r.keys(cred)
	return r.c.do(ctx, telemetry.RedisReadCache, func(ctx context.Context) error {
		return wroteScript.Run(ctx, r.c.rdb, []string{genKey}, strconv.FormatInt(generationTTL.Milliseconds(), 10)).Err()
	})
}
