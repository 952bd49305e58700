package loaders

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/roomgraph/roomgraph/internal/model"
	"github.com/roomgraph/roomgraph/internal/pagination"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// ListNeed is one need from one upstream list. L identifies the list: the endpoint's path ids and filter,
// everything but the page and the embed flag. Everything that changes the upstream response is in the
// need, except the credential, which is fixed for the loaders' operation.
type ListNeed[L comparable] struct {
	List L
	// Embed asks for the list's embedded children (include_participants on session lists).
	Embed bool
	// Request is the window wanted.
	Request pagination.Request
	// MetaOnly: no items are needed, only the list's total (for totalCount or pageInfo alone).
	MetaOnly bool
}

// Page is what a ListNeed receives: its items, where they sit in the list, and the list's exact total.
type Page[T any] struct {
	Items  []T
	Window pagination.Window
	Total  int
}

// listFetch makes one upstream call for one page of list l.
type listFetch[L comparable, T any] func(ctx context.Context, key string, l L, embed bool, p telnyx.Page) (*telnyx.List[T], error)

// newListLoader builds a loader over one kind of list. Its batch function groups the wave's needs by list,
// merges each group's windows into covering pages (serveList), asks for the embeds when any need of the
// group wants them, and primes the entity loaders with what came back.
func newListLoader[L comparable, T any](l *Loaders, kind Kind, fetch listFetch[L, T], prime func(ctx context.Context, items []T, embed bool)) *dataloader.Loader[ListNeed[L], *Page[T]] {
	batch := func(ctx context.Context, keys []ListNeed[L]) []*dataloader.Result[*Page[T]] {
		groups := map[L][]int{}
		var order []L
		for i, k := range keys {
			if _, ok := groups[k.List]; !ok {
				order = append(order, k.List)
			}
			groups[k.List] = append(groups[k.List], i)
		}
		out := make([]*dataloader.Result[*Page[T]], len(keys))
		panics := l.parallel(len(order), func(g int) {
			list, idx := order[g], groups[order[g]]
			embed := false
			needs := make([]need, len(idx))
			for j, i := range idx {
				embed = embed || keys[i].Embed
				needs[j] = need{req: keys[i].Request, metaOnly: keys[i].MetaOnly}
			}
			get := func(ctx context.Context, p pagination.Page) (*telnyx.List[T], error) {
				release, err := l.acquire(ctx)
				if err != nil {
					return nil, err
				}
				defer release()
				countCall(ctx)
				res, err := fetch(ctx, l.credential, list, embed, telnyx.Page{Number: p.Number, Size: p.Size})
				if err == nil && prime != nil {
					prime(ctx, res.Data, embed)
				}
				return res, err
			}
			for j, s := range serveList(ctx, get, anchorOf[T](anchorOfItem[T]), needs) {
				if s.err != nil {
					out[idx[j]] = &dataloader.Result[*Page[T]]{Error: upstreamError(s.err)}
					continue
				}
				out[idx[j]] = &dataloader.Result[*Page[T]]{Data: &Page[T]{Items: s.items, Window: s.window, Total: s.total}}
			}
		})
		for g, err := range panics {
			if err != nil {
				for _, i := range groups[order[g]] {
					out[i] = &dataloader.Result[*Page[T]]{Error: err}
				}
			}
		}
		return out
	}
	return dataloader.NewBatchedLoader(grown(hooked(l, kind, batch)), loaderOptions[ListNeed[L], *Page[T]](l, kind)...)
}

// anchorOfItem is model.AnchorOf for the items of a list.
func anchorOfItem[T any](item *T) (pagination.Anchor, bool) { return model.AnchorOf(item) }

// entityKey is one need for one record by id.
type entityKey struct {
	ID string
	// Embed asks for the record's embedded children (include_participants on a session).
	Embed bool
}

// entityFetch makes one upstream call for one record.
type entityFetch[T any] func(ctx context.Context, key, id string, embed bool) (*T, error)

// newEntityLoader builds a loader of records by id. The upstream has no batch endpoint, so the batch
// function fans out one call per distinct id (bounded by the operation's slots); an id wanted both with
// and without embeds is fetched once, with them.
func newEntityLoader[T any](l *Loaders, kind Kind, fetch entityFetch[T]) *dataloader.Loader[entityKey, *T] {
	batch := func(ctx context.Context, keys []entityKey) []*dataloader.Result[*T] {
		byID := map[string][]int{}
		var ids []string
		embed := map[string]bool{}
		for i, k := range keys {
			if _, ok := byID[k.ID]; !ok {
				ids = append(ids, k.ID)
			}
			byID[k.ID] = append(byID[k.ID], i)
			embed[k.ID] = embed[k.ID] || k.Embed
		}
		out := make([]*dataloader.Result[*T], len(keys))
		panics := l.parallel(len(ids), func(n int) {
			id := ids[n]
			var res dataloader.Result[*T]
			release, err := l.acquire(ctx)
			if err == nil {
				countCall(ctx)
				res.Data, err = fetch(ctx, l.credential, id, embed[id])
				release()
			}
			res.Error = upstreamError(err)
			for _, i := range byID[id] {
				out[i] = &res
			}
		})
		for n, err := range panics {
			if err != nil {
				for _, i := range byID[ids[n]] {
					out[i] = &dataloader.Result[*T]{Error: err}
				}
			}
		}
		return out
	}
	return dataloader.NewBatchedLoader(grown(hooked(l, kind, batch)), loaderOptions[entityKey, *T](l, kind)...)
}
