package persisted

import (
	"context"
	"errors"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/maypok86/otter/v2"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Codes of the APQ protocol's refusals (CodeNotFound is shared with the trusted-documents mode).
const (
	// CodeHashMismatch: the query text was sent with a hash that is not its SHA-256. An invalid request:
	// 400 under application/graphql-response+json.
	CodeHashMismatch = "PERSISTED_QUERY_HASH_MISMATCH"
	// CodeBadRequest: extensions.persistedQuery is not {"version": 1, "sha256Hash": "<sha256 hex>"}. The
	// request is not well-formed: 400 whatever the media type, as for the other malformed requests.
	CodeBadRequest = "BAD_REQUEST"
)

// notFoundMessage is what Apollo's clients (and gqlgen's own APQ) answer for an unknown hash; clients match
// on it as well as on the code, then send the query text with the hash.
const notFoundMessage = "PersistedQueryNotFound"

// apqEntryOverhead is what an entry of the APQ cache costs besides its key and document text: the cache's
// node and the two string headers (measured on amd64: under 200 bytes; 256 leaves room).
const apqEntryOverhead = 256

// APQConfig bounds the automatic persisted queries and says who may register them.
type APQConfig struct {
	// MaxBytes bounds the registered documents' text, hashes and bookkeeping together; MaxEntries bounds
	// their number. Both must be positive.
	MaxBytes   int64
	MaxEntries int
	// MaxDocumentBytes is the longest document text that is registered; longer ones run (the text was
	// sent) but are not remembered.
	MaxDocumentBytes int
	// MayRegister, when set, decides whether this operation's caller may register a document (for a
	// gateway that forwards callers' credentials: only a caller that presents one). It is asked after
	// the document parsed, validated and passed every check that runs before it.
	MayRegister func(ctx context.Context, op *graphql.OperationContext) bool
	// Shared, when set, is a store of registrations shared by replicas (internal/shared/redisstate): a
	// document registered on one is found on every other. The in-process cache stays in front of it, and
	// a hash it does not know is looked up there. Shared is given the same documents as the in-process
	// cache (at most MaxDocumentBytes each) and bounds their total itself.
	Shared APQStore
}

// APQStore is a store of APQ registrations shared by replicas. Both methods fail fast when the store does
// not answer; an error on Get is taken for "not registered" (the client then sends the text), an error on
// Set leaves the registration to this process.
type APQStore interface {
	Get(ctx context.Context, hash string) (doc string, ok bool, err error)
	Set(ctx context.Context, hash, doc string) error
}

// APQ is the gqlgen extension of automatic persisted queries (Apollo's protocol): a client sends the
// SHA-256 of a document instead of its text, and when the server does not know it yet, answers
// PERSISTED_QUERY_NOT_FOUND and sends the text with the hash once.
//
// Unlike gqlgen's extension.AutomaticPersistedQuery, it registers a document only once it has parsed and
// validated (and passed every operation-context check installed before this extension), only when it is
// at most MaxDocumentBytes long and MayRegister allows it, in a cache bounded in bytes as well as in
// entries; and every refusal carries a code. Install it with Use after the checks that must pass before a
// document is registered (gqlgen runs operation-context mutators in the order they were installed).
type APQ struct {
	docs        *otter.Cache[string, string]
	maxDocument int
	mayRegister func(ctx context.Context, op *graphql.OperationContext) bool
	shared      APQStore
}

// NewAPQ returns the APQ extension; it fails when a bound is not positive.
func NewAPQ(cfg APQConfig) (*APQ, error) {
	if cfg.MaxBytes < 1 || cfg.MaxEntries < 1 || cfg.MaxDocumentBytes < 1 {
		return nil, errors.New("persisted: APQ bounds must be positive")
	}
	// Every entry weighs at least MaxBytes/MaxEntries, so the byte bound also keeps the count under
	// MaxEntries.
	least := uint64(cfg.MaxBytes) / uint64(cfg.MaxEntries)
	docs, err := otter.New(&otter.Options[string, string]{
		MaximumWeight: uint64(cfg.MaxBytes),
		Weigher: func(hash, doc string) uint32 {
			return uint32(max(uint64(apqEntryOverhead+len(hash)+len(doc)), least))
		},
		// Maintenance (eviction) runs on the writing goroutine: the bound holds when Set returns, and the
		// cache starts no goroutine of its own.
		Executor: func(fn func()) { fn() },
	})
	if err != nil {
		return nil, err
	}
	return &APQ{docs: docs, maxDocument: cfg.MaxDocumentBytes, mayRegister: cfg.MayRegister, shared: cfg.Shared}, nil
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = (*APQ)(nil)

// ExtensionName names the extension for gqlgen (the name of gqlgen's own APQ extension, which this one
// replaces).
func (a *APQ) ExtensionName() string { return "AutomaticPersistedQuery" }

// Validate checks the extension is usable.
func (a *APQ) Validate(graphql.ExecutableSchema) error {
	if a.docs == nil {
		return errors.New("persisted: use NewAPQ")
	}
	return nil
}

// MutateOperationParameters runs before parsing: a hash alone is replaced by its registered document
// (or refused with PERSISTED_QUERY_NOT_FOUND); a hash sent with the text must be the text's SHA-256, and
// the registration waits for MutateOperationContext.
func (a *APQ) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	pq, ok := p.Extensions["persistedQuery"]
	if !ok || pq == nil {
		return nil
	}
	hash, msg := apqHash(pq)
	if msg != "" {
		return refusal(CodeBadRequest, msg)
	}
	sent := p.Query != ""
	if !sent {
		if p.Query, ok = a.lookup(ctx, hash); !ok {
			return refusal(CodeNotFound, notFoundMessage)
		}
	} else if Hash(p.Query) != hash {
		return refusal(CodeHashMismatch, "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query")
	}
	// gqlgen's statistics, where its tooling (extension.GetApqStats) looks for them.
	graphql.GetOperationContext(ctx).Stats.SetExtension("APQ", &extension.ApqStats{Hash: hash, SentQuery: sent})
	return nil
}

// MutateOperationContext runs once the document parsed and validated, and every operation-context
// mutator installed before this one passed: only then is a sent document registered.
func (a *APQ) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	st, _ := op.Stats.GetExtension("APQ").(*extension.ApqStats)
	if st == nil || !st.SentQuery || len(op.RawQuery) > a.maxDocument {
		return nil
	}
	if a.mayRegister != nil && !a.mayRegister(ctx, op) {
		return nil
	}
	// A copy: the text may share memory with a larger buffer (a URL's query string).
	doc := strings.Clone(op.RawQuery)
	a.docs.Set(st.Hash, doc)
	if a.shared != nil {
		_ = a.shared.Set(context.WithoutCancel(ctx), st.Hash, doc)
	}
	return nil
}

// lookup finds a registered document: in this process, else in the shared store (and keeps it here).
// A shared document is checked against its hash before it is used, as a sent one is.
func (a *APQ) lookup(ctx context.Context, hash string) (string, bool) {
	if doc, ok := a.docs.GetIfPresent(hash); ok {
		return doc, true
	}
	if a.shared == nil {
		return "", false
	}
	doc, ok, err := a.shared.Get(ctx, hash)
	if err != nil || !ok || len(doc) > a.maxDocument || Hash(doc) != hash {
		return "", false
	}
	a.docs.Set(hash, doc)
	return doc, true
}

// apqHash reads extensions.persistedQuery: its sha256Hash, or what is wrong with it.
func apqHash(pq any) (hash, problem string) {
	m, ok := pq.(map[string]any)
	if !ok {
		return "", `extensions.persistedQuery must be an object: {"version": 1, "sha256Hash": "<SHA-256 of the query, hex>"}`
	}
	switch v := m["version"].(type) {
	case nil:
		return "", "extensions.persistedQuery.version is required (1)"
	default:
		if !isOne(v) {
			return "", "extensions.persistedQuery.version must be 1, the only version of the protocol"
		}
	}
	hash, ok = m["sha256Hash"].(string)
	if !ok || !sha256Hex.MatchString(hash) {
		return "", "extensions.persistedQuery.sha256Hash must be a string: the lowercase hex SHA-256 of the query"
	}
	return hash, ""
}

// isOne reports whether a decoded JSON value is the number 1 (json.Number from roomgraph's transports and
// gqlgen's, float64 or an integer from other decoders).
func isOne(v any) bool {
	switch n := v.(type) {
	case interface{ String() string }: // json.Number, whichever JSON package decoded it
		return n.String() == "1"
	case float64:
		return n == 1
	case int:
		return n == 1
	case int64:
		return n == 1
	}
	return false
}
