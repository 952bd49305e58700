// Package fastpath answers read queries without gqlgen's per-field execution: it walks the operation's
// selection over the records the resolvers return and appends the JSON response directly, byte for byte
// what gqlgen's executor writes for the same data.
//
// gqlgen spends most of a large response's CPU on machinery every field pays for: a FieldContext and a
// closure per field, a goroutine per list element, a Marshaler tree built and then walked. Here a field
// that reads a decoded record is one append; fields are collected once per list instead of once per
// element; fields that may wait for a loader run when gqlgen would run them (goroutines only where a
// resolver may wait), so loader needs meet in the same batch windows as under gqlgen.
//
// The fast path calls the same resolvers (through the operation's field middleware) with the same field
// contexts, so arguments are checked, cursors made and upstream calls planned in one place. It knows the
// schema's fields by their rows of package origin (which record each needs, how it is made). It covers
// the Query type; anything else — mutations, introspection and federation (their origin rows say so), a
// field it does not know or does not write, an argument it cannot read, any resolver error, a panic, a
// null in a non-null position — falls back to gqlgen's executor for the whole operation, which reuses
// everything the operation's loaders already hold, so a fallback costs no extra upstream call. It must
// never change an answer: a differential test compares it with gqlgen over a corpus generated from the
// schema (gateway/corpus_test.go), and a coverage test fails for a field of the schema it does not write.
package fastpath

import (
	"context"
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/internal/exec/selection"
	"github.com/roomgraph/roomgraph/internal/loaders"
	"github.com/roomgraph/roomgraph/internal/model/origin"
)

// Outcome says how an operation was answered, for metrics.
type Outcome string

const (
	// Served: the fast path wrote the whole response.
	Served Outcome = "served"
	// Fallback: the fast path began and handed the operation to gqlgen (an error, a null, a panic, or an
	// argument it could not read).
	Fallback Outcome = "fallback"
	// Unsupported: gqlgen ran the operation from the start (a mutation, introspection, an unknown field).
	Unsupported Outcome = "unsupported"
)

// Schema is a graphql.ExecutableSchema that answers queries on the fast path and delegates everything else
// to the gqlgen schema it wraps.
type Schema struct {
	graphql.ExecutableSchema
	query       graph.QueryResolver
	room        graph.RoomResolver
	session     graph.RoomSessionResolver
	participant graph.RoomParticipantResolver
	observe     func(Outcome)
	shapes      *shapes
	// sizes remembers recent response sizes by operation (hashed into a fixed table), so a response's
	// buffer is allocated once at about the right size instead of growing by copies.
	sizes [256]atomic.Int32
	seed  maphash.Seed
}

// New wraps inner (built by graph.NewExecutableSchema over resolvers). observe, if not nil, is told how each
// operation was answered.
func New(inner graphql.ExecutableSchema, resolvers graph.ResolverRoot, observe func(Outcome)) *Schema {
	if observe == nil {
		observe = func(Outcome) {}
	}
	return &Schema{
		ExecutableSchema: inner,
		query:            resolvers.Query(),
		room:             resolvers.Room(),
		session:          resolvers.RoomSession(),
		participant:      resolvers.RoomParticipant(),
		observe:          observe,
		shapes:           newShapes(),
		seed:             maphash.MakeSeed(),
	}
}

// Exec answers a query on the fast path when it can. Like gqlgen's, the returned handler does the work
// when first called (inside the response interceptors) and returns nil after that.
func (s *Schema) Exec(ctx context.Context) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || oc.Doc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Query {
		s.observe(Unsupported)
		return s.ExecutableSchema.Exec(ctx)
	}
	fields := selection.Shared.Of(oc.Doc)
	if !supportedRoot(oc, fields) {
		s.observe(Unsupported)
		return s.ExecutableSchema.Exec(ctx)
	}
	var done bool
	var fallback graphql.ResponseHandler // gqlgen's, once the fast path gave up: it answers every later call
	return func(ctx context.Context) *graphql.Response {
		if fallback != nil {
			return fallback(ctx)
		}
		if done {
			return nil
		}
		done = true
		// The fast path starts every goroutine that may state a need to a loader (fanOut), so it tells the
		// loaders about each: they dispatch a batch as soon as its wave is complete instead of after the
		// loader wait (loaders.Waves). gqlgen, should the operation fall back, batches by the timer.
		waves := loaders.From(ctx).StartWaves()
		r := &run{s: s, oc: oc, fields: fields, waves: waves}
		slot := &s.sizes[s.sizeSlot(oc)]
		data, ok := r.query(ctx, int(slot.Load()))
		waves.Stop()
		if ok {
			// A decaying maximum: answers of one operation vary (another room, another page), and starting
			// at about the largest recent size costs less than growing from a small one.
			old := int(slot.Load())
			slot.Store(int32(min(max(len(data), old-old/8), maxSizeHint)))
			s.observe(Served)
			return &graphql.Response{Data: data}
		}
		s.observe(Fallback)
		fallback = s.ExecutableSchema.Exec(ctx)
		return fallback(ctx)
	}
}

// sizeSlot picks the operation's entry of the size table.
func (s *Schema) sizeSlot(oc *graphql.OperationContext) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	_, _ = h.WriteString(oc.OperationName)
	_ = h.WriteByte(0)
	_, _ = h.WriteString(oc.RawQuery)
	return h.Sum64() % uint64(len(s.sizes))
}

// maxSizeHint bounds the buffer a response starts with.
const maxSizeHint = 1 << 20

// supportedRoot reports whether every root field is one the fast path resolves. It is checked before any
// resolver runs, so an operation gqlgen must answer anyway starts there: introspection and federation
// (origin.Introspection, origin.Federation), and any field the origin table does not know.
func supportedRoot(oc *graphql.OperationContext, fields *selection.Doc) bool {
	for _, f := range fields.Collect(oc, oc.Operation.SelectionSet, queryImplementors) {
		switch origin.Query.Field(f.Name).Kind() {
		case origin.Meta, origin.Reference, origin.Fetch, origin.Connection:
		default:
			return false
		}
	}
	return true
}

// run is one operation on the fast path.
type run struct {
	s      *Schema
	oc     *graphql.OperationContext
	fields *selection.Doc // the document's collected fields
	failed atomic.Bool
	waves  *loaders.Waves // the operation's need-adders, told of every goroutine fanOut starts
}

// fail records that the operation must fall back to gqlgen; it returns false for the callers' ok.
func (r *run) fail() bool {
	r.failed.Store(true)
	return false
}

// guard turns a panic on this goroutine into a fallback: gqlgen then runs the operation again and reports
// the panic its own way (INTERNAL, logged).
func (r *run) guard() {
	if recover() != nil {
		r.failed.Store(true)
	}
}

// The implementors lists, as gqlgen's generated code passes them to CollectFields.
var (
	queryImplementors                     = []string{"Query"}
	roomImplementors                      = []string{"Room"}
	roomConnectionImplementors            = []string{"RoomConnection"}
	roomEdgeImplementors                  = []string{"RoomEdge"}
	roomSessionImplementors               = []string{"RoomSession"}
	roomSessionConnectionImplementors     = []string{"RoomSessionConnection"}
	roomSessionEdgeImplementors           = []string{"RoomSessionEdge"}
	roomParticipantImplementors           = []string{"RoomParticipant"}
	roomParticipantConnectionImplementors = []string{"RoomParticipantConnection"}
	roomParticipantEdgeImplementors       = []string{"RoomParticipantEdge"}
	pageInfoImplementors                  = []string{"PageInfo"}
)

// collect is gqlgen's field collection (merged aliases, fragments, @skip/@include), cached per document
// when it cannot vary between requests (package selection) and per operation by gqlgen otherwise. The result is
// shared: read-only.
func (r *run) collect(sel ast.SelectionSet, implementors []string) []graphql.CollectedField {
	return r.fields.Collect(r.oc, sel, implementors)
}

// fieldFunc writes the value of one field of obj.
type fieldFunc[T any] func(r *run, ctx context.Context, b []byte, f *graphql.CollectedField, obj *T) ([]byte, bool)

// waits says whether a field may wait for a loader (directly or below it), and when gqlgen runs it.
type waits uint8

const (
	// never: the field is written without waiting.
	never waits = iota
	// inPlace: it may wait; gqlgen writes it in its place, before the object's resolvers.
	inPlace
	// deferred: it may wait, and gqlgen resolves it (a resolver field): once the object's other fields
	// are written, concurrently with its other resolvers (graphql.FieldSet.Concurrently, Dispatch).
	deferred
)

// waitFunc says whether and how a field of obj may wait for a loader.
type waitFunc[T any] func(r *run, f *graphql.CollectedField, obj *T) waits

// object writes obj's fields in order, as gqlgen's FieldSet does, and runs the fields that may wait for a
// loader when gqlgen runs them, so that their loader needs meet in the same batch windows (and make the
// same upstream calls): the fields written in place first, in order, each to its end; then the resolvers,
// each on its own goroutine when there are several. When that is the fields' own order, they are written
// straight into b; else those that may wait are resolved first, each into its own buffer.
func object[T any](r *run, ctx context.Context, b []byte, fields []graphql.CollectedField, obj *T, wait waitFunc[T], field fieldFunc[T]) ([]byte, bool) {
	for i := range fields {
		if fields[i].Deferrables != nil {
			return b, r.fail()
		}
	}
	var pre [][]byte
	if !inOrder(r, fields, obj, wait) {
		if pre = ahead(r, ctx, fields, obj, wait, field); pre == nil {
			return b, false
		}
	}
	b = append(b, '{')
	for i := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, fields[i].Alias)
		if pre != nil && pre[i] != nil {
			b = append(b, pre[i]...)
			continue
		}
		var ok bool
		if b, ok = field(r, ctx, b, &fields[i], obj); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// inOrder reports whether writing fields in their order waits as gqlgen does: at most one deferred field,
// and no field written in place that may wait after it.
func inOrder[T any](r *run, fields []graphql.CollectedField, obj *T, wait waitFunc[T]) bool {
	seen := false
	for i := range fields {
		switch wait(r, &fields[i], obj) {
		case inPlace:
			if seen {
				return false
			}
		case deferred:
			if seen {
				return false
			}
			seen = true
		}
	}
	return true
}

// ahead resolves the fields of obj that may wait, as gqlgen runs them, each into its own buffer (indexed
// like fields; nil for the others): those written in place in order, then the deferred ones, concurrently
// when there are several. nil when one failed. (A function of its own so that the goroutines' closure does
// not move object's locals to the heap for every object.)
func ahead[T any](r *run, ctx context.Context, fields []graphql.CollectedField, obj *T, wait waitFunc[T], field fieldFunc[T]) [][]byte {
	pre := make([][]byte, len(fields))
	last, n := 0, 0
	for i := range fields {
		switch wait(r, &fields[i], obj) {
		case inPlace:
			seg, ok := field(r, ctx, nil, &fields[i], obj)
			if !ok {
				r.fail()
				return nil
			}
			pre[i] = seg
		case deferred:
			last, n = i, n+1
		}
	}
	switch n {
	case 0:
	case 1:
		seg, ok := field(r, ctx, nil, &fields[last], obj)
		if !ok {
			r.fail()
			return nil
		}
		pre[last] = seg
	default:
		segs := fanOut(r, len(fields), n,
			func(i int) bool { return wait(r, &fields[i], obj) == deferred },
			func(i int) ([]byte, bool) { return field(r, ctx, nil, &fields[i], obj) })
		if segs == nil {
			return nil
		}
		for i, seg := range segs {
			if seg != nil {
				pre[i] = seg
			}
		}
	}
	return pre
}

// fanOut runs write(i) for each i < n that want accepts (every i when want is nil; accepted: how many it
// accepts, which the caller knows), each on its own goroutine into its own segment, indexed by i. nil when
// one failed or panicked. The goroutines take the caller's place among the operation's need-adders until
// the last one ends (loaders.Waves.Go).
func fanOut(r *run, n, accepted int, want func(i int) bool, write func(i int) ([]byte, bool)) [][]byte {
	segs := make([][]byte, n)
	group := r.waves.Go(accepted)
	var wg sync.WaitGroup
	for i := range n {
		if want != nil && !want(i) {
			continue
		}
		wg.Go(func() {
			defer group.Done()
			defer r.guard()
			seg, ok := write(i)
			if !ok {
				r.fail()
				return
			}
			segs[i] = seg
		})
	}
	wg.Wait()
	if r.failed.Load() {
		return nil
	}
	return segs
}

// elemFunc writes one list element with the list's collected fields.
type elemFunc[T any] func(r *run, ctx context.Context, b []byte, fields []graphql.CollectedField, item *T) ([]byte, bool)

// list writes items as a JSON array. When an element may wait for a loader (slow), elements are written
// concurrently, each into its own buffer, with a field context carrying its index (gqlgen's path); else in
// order into b, with no goroutine and no context.
func list[T any](r *run, ctx context.Context, b []byte, fields []graphql.CollectedField, items []T, slow bool, elem elemFunc[T]) ([]byte, bool) {
	if slow && len(items) > 1 {
		segs := fanOut(r, len(items), len(items), nil, func(i int) ([]byte, bool) {
			return elem(r, withIndex(ctx, i, &items[i]), nil, fields, &items[i])
		})
		if segs == nil {
			return b, false
		}
		b = append(b, '[')
		for i, seg := range segs {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, seg...)
		}
		return append(b, ']'), true
	}
	b = append(b, '[')
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		ictx := ctx
		if slow {
			ictx = withIndex(ctx, i, &items[i])
		}
		var ok bool
		if b, ok = elem(r, ictx, b, fields, &items[i]); !ok {
			return b, false
		}
	}
	return append(b, ']'), true
}

func withIndex(ctx context.Context, i int, item any) context.Context {
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i, Result: item})
}

// within gives a field that is not a resolver but leads to one its field context, so the resolver's path
// (traces, errors) is the one gqlgen would give it.
func within(ctx context.Context, object string, f *graphql.CollectedField) context.Context {
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: object, Field: *f})
}

// resolve calls a resolver the way gqlgen's generated code does: with the field's context (its selection,
// which resolvers read to plan upstream calls) through the operation's field middleware. Any error sends
// the operation back to gqlgen.
func resolve[V any](r *run, ctx context.Context, object string, f *graphql.CollectedField, args map[string]any, call func(ctx context.Context) (V, error)) (context.Context, V, bool) {
	fc := &graphql.FieldContext{Object: object, Field: *f, Args: args, IsMethod: true, IsResolver: true}
	ctx = graphql.WithFieldContext(ctx, fc)
	var zero V
	res, err := r.oc.ResolverMiddleware(ctx, func(ctx context.Context) (any, error) { return call(ctx) })
	if err != nil || r.failed.Load() {
		return ctx, zero, r.fail()
	}
	v, ok := res.(V)
	if !ok {
		return ctx, zero, r.fail()
	}
	fc.Result = v
	return ctx, v, true
}
