// Package coalesce is an http.RoundTripper that makes identical upstream reads in flight at the same time,
// for the same credential, into one call, and can keep answers for a short time. Across all the gateway's
// requests, ten browsers opening the same dashboard cost the upstream one call per list, not ten.
//
// Only GET and HEAD are shared. The credential (the Authorization header) is part of the key, kept only as
// a hash, so two keys never share a result. Any other method passes through, and is a write: it forgets
// everything cached for its credential. The shared call runs under the first caller's deadline but not its
// cancellation: one caller giving up does not fail the others.
//
// Writes version the reads. Each credential has a generation, moved on when one of its writes starts and
// again when it ends (its answer came back, or it failed), and a read is keyed by the generation it started
// in. So a read only shares a call, or a cached answer, with reads that started between the same write
// boundaries, and an answer is cached only if its generation is still current when it arrives: a read
// that overlapped a write in any way (started before it ended) is never kept past the write, and a read
// that starts after a write ended — a mutation payload's follow-up read among them — never gets an answer
// from a call that started before. Reads between writes share as before.
//
// A shared response's Header is shared too, read-only: a caller must not change it (every caller in roomgraph
// only reads headers, and a copy per caller showed in the profile: BENCHMARKS.md).
//
// Decoding can be shared too: a shared response's Body has a method ShareDecoded(key, decode) that runs
// decode once per key over the shared bytes and gives every caller the same value, so a client that
// treats decoded answers as read-only decodes a coalesced answer once, not once per caller.
//
// It knows HTTP only; nothing of GraphQL or of the upstream's JSON.
package coalesce

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Config tunes the transport.
type Config struct {
	// CacheTTL keeps successful (2xx) reads this long; 0 (the default) keeps nothing: only calls in flight
	// at the same time are shared.
	CacheTTL time.Duration
	// CacheEntries bounds the cache (default 1000); the oldest entry goes first.
	CacheEntries int
	// MaxBody is the largest response body shared or cached (default 16 MiB); larger answers fail.
	MaxBody int64
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Shared, when set, keeps the cache in a store shared by replicas instead of this process (the
	// in-process cache is then not used): a write of any replica moves the credential's shared generation
	// on, and a read is answered from the store only under the generation current when it asks, so that
	// no replica serves a read from before a write after that write. When the store fails, reads are not
	// cached at all (calls in flight are still shared): an in-process cache would not see the writes of
	// the other replicas.
	Shared SharedCache
}

// maxSharedBody is the largest answer kept in Config.Shared; larger ones are not kept.
const maxSharedBody = 1 << 20

// SharedCache is a read cache shared by replicas, versioned per credential (internal/shared/redisstate).
// cred is the SHA-256 of the credential's Authorization header; key identifies the read. Every method
// fails fast (its own timeout) when the store does not answer, and an error means the store could not
// say: the transport then goes without it.
type SharedCache interface {
	// Lookup returns the credential's current shared generation and the answer stored under key in that
	// generation (nil when none).
	Lookup(ctx context.Context, cred [32]byte, key string) (gen string, val []byte, err error)
	// Store keeps val under key for ttl, only if the credential's shared generation is still gen.
	Store(ctx context.Context, cred [32]byte, gen, key string, val []byte, ttl time.Duration) error
	// Wrote moves the credential's shared generation on.
	Wrote(ctx context.Context, cred [32]byte) error
}

// Hooks report what the transport saved; both optional and called synchronously.
type Hooks struct {
	// OnShared is called for each caller that received another caller's in-flight response.
	OnShared func(ctx context.Context)
	// OnCacheHit is called for each read answered from the cache.
	OnCacheHit func(ctx context.Context)
}

// Transport coalesces identical reads; see the package comment.
type Transport struct {
	next  http.RoundTripper
	cfg   Config
	hooks Hooks
	group singleflight.Group

	mu    sync.Mutex
	cache map[string]*entry
	order []string // cache keys, oldest first
	// gen holds the generation of each credential that wrote since the map was last cleared; every other
	// credential is at floor. Generations come from one counter and are never reused, so clearing the map
	// (it is bounded by maxGenerations) moves every credential to a new generation: reads in flight then
	// neither cache their answer nor share it with later reads.
	gen   map[[32]byte]uint64
	floor uint64
	last  uint64
}

// snapshot is a complete upstream answer, shared read-only between callers.
type snapshot struct {
	status     int
	statusText string // "200 OK"
	proto      string
	header     http.Header // Content-Length set to len(body)
	body       []byte

	mu      sync.Mutex
	decoded map[any]*decoded
}

// decoded is one value made from a snapshot's body, for every caller that asks with the same key.
type decoded struct {
	once sync.Once
	val  any
	err  error
}

type entry struct {
	snap    *snapshot
	cred    [32]byte
	expires time.Time
}

// panicked carries a panic of the shared call back to its callers.
type panicked struct{ value any }

func (p *panicked) Error() string {
	return fmt.Sprintf("coalesce: panic in the upstream transport: %v", p.value)
}

var errTooLarge = errors.New("coalesce: upstream response body too large to share")

// New wraps next (nil: http.DefaultTransport).
func New(next http.RoundTripper, cfg Config, hooks Hooks) *Transport {
	if next == nil {
		next = http.DefaultTransport
	}
	if cfg.CacheEntries <= 0 {
		cfg.CacheEntries = 1000
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 16 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Transport{next: next, cfg: cfg, hooks: hooks, cache: map[string]*entry{}, gen: map[[32]byte]uint64{}}
}

// RoundTrip shares identical concurrent reads; see the package comment.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	cred := sha256.Sum256([]byte(req.Header.Get("Authorization")))
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		// The write starts: what is cached may be changed by it from now on. It ends once the upstream
		// answered (or the call failed: it may still have been applied), after which no read that started
		// before may be kept or shared.
		t.wrote(cred)
		defer t.wrote(cred)
		if t.shared() {
			t.sharedWrote(req.Context(), cred)
			defer t.sharedWrote(req.Context(), cred)
		}
		return t.next.RoundTrip(req)
	}
	key, gen, snap := t.lookup(req, cred)
	sharedGen, sharedKey := "", ""
	if t.shared() {
		snap, sharedGen, sharedKey = t.sharedLookup(req, cred, key)
	}
	if snap != nil {
		if t.hooks.OnCacheHit != nil {
			t.hooks.OnCacheHit(req.Context())
		}
		return snap.response(req), nil
	}
	led := false // set only in the closure that runs, the leader's; read after its result arrives
	flight := key
	if sharedGen != "" {
		flight += "\x00" + sharedGen // readers of another shared generation do not share this read
	}
	ch := t.group.DoChan(flight, func() (_ any, err error) {
		led = true
		// singleflight re-panics a panic of DoChan's function on a goroutine of its own, which would take
		// the process down: a bug below must stay an error of this call.
		defer func() {
			if p := recover(); p != nil {
				err = &panicked{value: p}
			}
		}()
		snap, err := t.fetch(req)
		if err == nil && t.cfg.CacheTTL > 0 && snap.status/100 == 2 {
			if sharedKey != "" {
				t.sharedStore(req.Context(), cred, gen, sharedGen, sharedKey, snap)
			} else if !t.shared() {
				t.store(key, cred, gen, snap)
			}
		}
		return snap, err
	})
	select {
	case res := <-ch:
		if p, ok := errors.AsType[*panicked](res.Err); ok {
			panic(p.value) // again, on the caller's goroutine, where its own recovery applies
		}
		if res.Err != nil {
			return nil, res.Err
		}
		if res.Shared && !led && t.hooks.OnShared != nil {
			t.hooks.OnShared(req.Context())
		}
		return res.Val.(*snapshot).response(req), nil
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
}

// fetch makes the shared call: under the first caller's deadline, not its cancellation.
func (t *Transport) fetch(req *http.Request) (*snapshot, error) {
	ctx := context.WithoutCancel(req.Context())
	if d, ok := req.Context().Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d)
		defer cancel()
	}
	resp, err := t.next.RoundTrip(req.Clone(ctx))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := readBody(resp, t.cfg.MaxBody+1)
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > t.cfg.MaxBody {
		return nil, errTooLarge
	}
	header := resp.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	header.Set("Content-Length", strconv.Itoa(len(body)))
	return &snapshot{status: resp.StatusCode, statusText: strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode),
		proto: resp.Proto, header: header, body: body}, nil
}

// readBody reads at most limit bytes of resp's body, in one buffer of the announced length when there is
// one (io.ReadAll would grow it by doubling: twice the garbage for a typical page).
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	r := io.LimitReader(resp.Body, limit)
	n := resp.ContentLength
	if n <= 0 || n >= limit {
		return io.ReadAll(r)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	var probe [1]byte // a body longer than announced (not from net/http, which enforces it): read the rest
	if k, _ := r.Read(probe[:]); k > 0 {
		rest, err := io.ReadAll(r)
		return append(append(body, probe[0]), rest...), err
	}
	return body, nil
}

// response gives one caller its own response over the shared bytes.
func (s *snapshot) response(req *http.Request) *http.Response {
	return &http.Response{
		Status:     s.statusText,
		StatusCode: s.status,
		Proto:      s.proto,
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     s.header, // shared, read-only (package comment)

		Body:          &Body{Reader: bytes.NewReader(s.body), snap: s},
		ContentLength: int64(len(s.body)),
		Request:       req,
	}
}

// Body is the body of a response served from a shared call: the shared bytes, read-only.
type Body struct {
	*bytes.Reader
	snap *snapshot
}

// Close does nothing: the bytes are in memory and shared.
func (*Body) Close() error { return nil }

// ShareDecoded returns decode's result over the whole body. Callers of one shared call (and of one cached
// answer) that pass the same key get the same value from one run of decode, so the value must be treated
// as read-only by all of them. key must be comparable; decode's panics reach the caller that ran it.
func (b *Body) ShareDecoded(key any, decode func(body []byte) (any, error)) (any, error) {
	s := b.snap
	s.mu.Lock()
	if s.decoded == nil {
		s.decoded = map[any]*decoded{}
	}
	d, ok := s.decoded[key]
	if !ok {
		d = &decoded{}
		s.decoded[key] = d
	}
	s.mu.Unlock()
	d.once.Do(func() {
		defer func() {
			if p := recover(); p != nil {
				// The others sharing the value get an error, not a nil value; this caller gets the panic.
				d.err = fmt.Errorf("coalesce: decoding the shared body panicked: %v", p)
				panic(p)
			}
		}()
		d.val, d.err = decode(s.body)
	})
	return d.val, d.err
}

// lookup returns the read's key, which holds its credential's current generation, that generation, and
// the cached answer of the key if there is a live one.
func (t *Transport) lookup(req *http.Request, cred [32]byte) (string, uint64, *snapshot) {
	t.mu.Lock()
	defer t.mu.Unlock()
	gen := t.generationLocked(cred)
	var g [8]byte
	binary.BigEndian.PutUint64(g[:], gen)
	key := req.Method + " " + req.URL.String() + "\x00" + req.Header.Get("Accept") + "\x00" + string(cred[:]) + string(g[:])
	if t.cfg.CacheTTL <= 0 || t.shared() {
		return key, gen, nil // shared: the cache is Redis's (sharedLookup), the local one stays empty
	}
	e, ok := t.cache[key]
	if !ok {
		return key, gen, nil
	}
	if !t.cfg.Now().Before(e.expires) {
		delete(t.cache, key)
		return key, gen, nil
	}
	return key, gen, e.snap
}

// generation is the credential's current generation.
func (t *Transport) generation(cred [32]byte) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.generationLocked(cred)
}

func (t *Transport) generationLocked(cred [32]byte) uint64 {
	if g, ok := t.gen[cred]; ok {
		return g
	}
	return t.floor
}

// store caches an answer unless a write of the same credential started or ended since its call started.
func (t *Transport) store(key string, cred [32]byte, gen uint64, snap *snapshot) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.generationLocked(cred) != gen {
		return
	}
	if _, ok := t.cache[key]; !ok {
		t.order = append(t.order, key)
	}
	t.cache[key] = &entry{snap: snap, cred: cred, expires: t.cfg.Now().Add(t.cfg.CacheTTL)}
	for len(t.cache) > t.cfg.CacheEntries && len(t.order) > 0 {
		delete(t.cache, t.order[0])
		t.order = t.order[1:]
	}
	if len(t.order) > 2*t.cfg.CacheEntries { // keys of deleted entries linger in order; compact
		kept := t.order[:0]
		for _, k := range t.order {
			if _, ok := t.cache[k]; ok {
				kept = append(kept, k)
			}
		}
		t.order = kept
	}
}

// wrote moves the credential to a new generation, at the start and at the end of each of its writes, and
// drops its cached reads: the write may change any of them.
func (t *Transport) wrote(cred [32]byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.last++
	t.gen[cred] = t.last
	if len(t.gen) > maxGenerations(t.cfg.CacheEntries) {
		clear(t.gen)
		t.last++
		t.floor = t.last
	}
	for k, e := range t.cache {
		if e.cred == cred {
			delete(t.cache, k)
		}
	}
}

// maxGenerations bounds the credentials whose generation is remembered (in forward mode, every key that
// ever wrote would otherwise stay in the map).
func maxGenerations(cacheEntries int) int { return max(4*cacheEntries, 1024) }

// CloseIdleConnections forwards to the wrapped transport.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
