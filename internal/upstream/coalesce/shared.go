package coalesce

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// shared says whether the cache lives in Config.Shared.
func (t *Transport) shared() bool { return t.cfg.Shared != nil && t.cfg.CacheTTL > 0 }

// sharedLookup asks the shared store for the read's answer. It returns the answer (nil on a miss), the
// shared generation the read is in, and the store's key of the read; gen and key are "" when the store did
// not answer (the read then neither uses nor fills the store).
func (t *Transport) sharedLookup(req *http.Request, cred [32]byte, key string) (*snapshot, string, string) {
	sum := sha256.Sum256([]byte(key[:len(key)-8])) // the local generation (last 8 bytes) is not shared
	skey := hex.EncodeToString(sum[:16])
	gen, val, err := t.cfg.Shared.Lookup(req.Context(), cred, skey)
	if err != nil {
		return nil, "", ""
	}
	if val != nil {
		if snap, err := decodeSnapshot(val); err == nil {
			return snap, gen, skey
		}
	}
	return nil, gen, skey // a miss, or an answer that does not decode (refilled by this read)
}

// sharedStore keeps snap in the shared store unless a write of the credential started or ended since the
// read started, here (the local generation) or anywhere (the store compares the shared one).
func (t *Transport) sharedStore(ctx context.Context, cred [32]byte, gen uint64, sharedGen, skey string, snap *snapshot) {
	if t.generation(cred) != gen || len(snap.body) > maxSharedBody {
		return
	}
	_ = t.cfg.Shared.Store(context.WithoutCancel(ctx), cred, sharedGen, skey, encodeSnapshot(snap), t.cfg.CacheTTL)
}

// sharedWrote moves the credential's shared generation on; the store's failure is its own to report.
func (t *Transport) sharedWrote(ctx context.Context, cred [32]byte) {
	_ = t.cfg.Shared.Wrote(context.WithoutCancel(ctx), cred)
}

// A snapshot in the shared store: 4 bytes of big-endian header length, the header (JSON: status, its
// text, the protocol and the HTTP header), then the body.
type storedHead struct {
	Status     int         `json:"s"`
	StatusText string      `json:"t"`
	Proto      string      `json:"p"`
	Header     http.Header `json:"h"`
}

func encodeSnapshot(s *snapshot) []byte {
	head, _ := json.Marshal(storedHead{Status: s.status, StatusText: s.statusText, Proto: s.proto, Header: s.header})
	out := make([]byte, 4, 4+len(head)+len(s.body))
	binary.BigEndian.PutUint32(out, uint32(len(head)))
	return append(append(out, head...), s.body...)
}

var errBadStored = errors.New("coalesce: a stored answer that does not decode")

func decodeSnapshot(b []byte) (*snapshot, error) {
	if len(b) < 4 {
		return nil, errBadStored
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, errBadStored
	}
	var h storedHead
	if err := json.Unmarshal(b[4:4+n], &h); err != nil || h.Status < 100 || h.Status > 999 {
		return nil, errBadStored
	}
	body := b[4+n:]
	if h.Header == nil {
		h.Header = http.Header{}
	}
	h.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return &snapshot{status: h.Status, statusText: h.StatusText, proto: h.Proto, header: h.Header, body: body}, nil
}
