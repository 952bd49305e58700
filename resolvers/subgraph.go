package resolvers

import (
	"context"

	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/graph/subgraph"
	"github.com/roomgraph/roomgraph/internal/loaders"
	"github.com/roomgraph/roomgraph/internal/model"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// Subgraph is the root resolver of the Apollo Federation build (package graph/subgraph): the same
// resolvers, plus the entity resolvers the router calls with representations.
type Subgraph struct{ *Resolver }

// The subgraph build declares its own resolver interfaces with the same methods; these adapters hand it
// the plain build's resolvers.
func (s Subgraph) Entity() subgraph.EntityResolver     { return &entityResolver{s.Resolver} }
func (s Subgraph) Mutation() subgraph.MutationResolver { return &mutationResolver{s.Resolver} }
func (s Subgraph) Query() subgraph.QueryResolver       { return &queryResolver{s.Resolver} }
func (s Subgraph) Room() subgraph.RoomResolver         { return &roomResolver{s.Resolver} }
func (s Subgraph) RoomSession() subgraph.RoomSessionResolver {
	return &roomSessionResolver{s.Resolver}
}
func (s Subgraph) RoomParticipant() subgraph.RoomParticipantResolver {
	return &roomParticipantResolver{s.Resolver}
}
func (s Subgraph) RoomSessionPayload() subgraph.RoomSessionPayloadResolver {
	return &roomSessionPayloadResolver{s.Resolver}
}

var (
	_ subgraph.ResolverRoot = Subgraph{}
	_ graph.ResolverRoot    = (*Resolver)(nil)
)

type entityResolver struct{ *Resolver }

// FindManyRoomByIDs resolves Room representations. A room's fields are fetched lazily and batched like
// any room reached by id, so this returns id-only rooms and makes no call itself.
func (r *entityResolver) FindManyRoomByIDs(ctx context.Context, reps []*subgraph.RoomByIDsInput) ([]*model.Room, error) {
	out := make([]*model.Room, len(reps))
	for i, rep := range reps {
		if err := checkID("representations[].id", rep.ID); err != nil {
			return nil, err
		}
		out[i] = &model.Room{ID: rep.ID}
	}
	return out, nil
}

// FindManyRoomSessionByIDs resolves RoomSession representations through the session loader: one call per
// distinct session, all in one batch.
func (r *entityResolver) FindManyRoomSessionByIDs(ctx context.Context, reps []*subgraph.RoomSessionByIDsInput) ([]*telnyx.RoomSession, error) {
	l := loaders.From(ctx)
	return findMany(ctx, reps, func(rep *subgraph.RoomSessionByIDsInput) string { return rep.ID },
		func(ctx context.Context, id string) (*telnyx.RoomSession, error) { return l.Session(ctx, id, true) })
}

// FindManyRoomParticipantByIDs resolves RoomParticipant representations through the participant loader.
func (r *entityResolver) FindManyRoomParticipantByIDs(ctx context.Context, reps []*subgraph.RoomParticipantByIDsInput) ([]*telnyx.RoomParticipant, error) {
	l := loaders.From(ctx)
	return findMany(ctx, reps, func(rep *subgraph.RoomParticipantByIDsInput) string { return rep.ID }, l.Participant)
}
