package resolvers

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/internal/apperr"
	"github.com/roomgraph/roomgraph/internal/loaders"
	"github.com/roomgraph/roomgraph/internal/model"
	"github.com/roomgraph/roomgraph/internal/model/origin"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// roomRecord returns the room's record: the one it came with, or one fetch per operation.
func roomRecord(ctx context.Context, room *model.Room) (*telnyx.Room, error) {
	if room.Data != nil {
		return room.Data, nil
	}
	return loaders.From(ctx).Room(ctx, room.ID)
}

// nonEmpty is s as a nullable string: "" (unset upstream) is null.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// session resolves a session reference by id: a stub when no selected field needs the session's record,
// else one fetch per operation (with participants when they are selected).
func session(ctx context.Context, id string) (*telnyx.RoomSession, error) {
	if !needsRecord(ctx, origin.RoomSession) {
		return &telnyx.RoomSession{ID: id}, nil
	}
	return loaders.From(ctx).Session(ctx, id, sessionSelectsParticipants(ctx))
}

// Mutation input checks: the contract's ranges, enforced before any upstream call.

const maxUniqueName = 255

func roomParams(in graph.CreateRoomInput) (telnyx.RoomParams, error) {
	p := telnyx.RoomParams{
		UniqueName:              in.UniqueName,
		MaxParticipants:         in.MaxParticipants,
		EnableRecording:         in.EnableRecording,
		WebhookEventURL:         in.WebhookEventURL,
		WebhookEventFailoverURL: in.WebhookEventFailoverURL,
		WebhookTimeoutSecs:      in.WebhookTimeoutSecs,
	}
	if n := p.UniqueName; n != nil && (strings.TrimSpace(*n) == "" || utf8.RuneCountInString(*n) > maxUniqueName) {
		return p, apperr.Errorf(apperr.BadUserInput, "input.uniqueName must be 1 to %d characters and not blank", maxUniqueName)
	}
	if m := p.MaxParticipants; m != nil && (*m < 2 || *m > 50) {
		return p, apperr.Errorf(apperr.BadUserInput, "input.maxParticipants must be between 2 and 50, got %d", *m)
	}
	if s := p.WebhookTimeoutSecs; s != nil && (*s < 0 || *s > 30) {
		return p, apperr.Errorf(apperr.BadUserInput, "input.webhookTimeoutSecs must be between 0 and 30, got %d", *s)
	}
	for _, f := range []struct {
		name string
		url  *string
	}{{"webhookEventUrl", p.WebhookEventURL}, {"webhookEventFailoverUrl", p.WebhookEventFailoverURL}} {
		if f.url != nil && !absoluteURL(*f.url) {
			return p, apperr.Errorf(apperr.BadUserInput, "input.%s must be an absolute http(s) URL such as https://example.com/webhooks, got %q", f.name, truncate(*f.url, 100))
		}
	}
	return p, nil
}

func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// participantsAction checks a ParticipantSelection: all, or a non-empty list of ids, minus exclusions.
func participantsAction(sel graph.ParticipantSelection) (telnyx.ParticipantsAction, error) {
	all := sel.All != nil && *sel.All
	switch {
	case all && len(sel.Ids) > 0:
		return telnyx.ParticipantsAction{}, apperr.Errorf(apperr.BadUserInput, "participants: give either all: true or ids, not both")
	case !all && len(sel.Ids) == 0:
		return telnyx.ParticipantsAction{}, apperr.Errorf(apperr.BadUserInput, "participants: give all: true or a non-empty list of ids")
	}
	for _, id := range sel.Ids {
		if err := checkID("participants.ids[]", id); err != nil {
			return telnyx.ParticipantsAction{}, err
		}
	}
	for _, id := range sel.Exclude {
		if err := checkID("participants.exclude[]", id); err != nil {
			return telnyx.ParticipantsAction{}, err
		}
	}
	return telnyx.ParticipantsAction{All: all, IDs: sel.Ids, Exclude: sel.Exclude}, nil
}

// participantsAction runs a kick, mute or unmute after checking its arguments.
func (r *Resolver) participantsAction(ctx context.Context, act loaders.Action, sessionID string, sel graph.ParticipantSelection) (*graph.RoomSessionPayload, error) {
	a, err := participantsActionArgs(sessionID, sel)
	if err != nil {
		return nil, err
	}
	if err := loaders.From(ctx).ParticipantsAction(ctx, act, sessionID, a); err != nil {
		return nil, err
	}
	return &graph.RoomSessionPayload{SessionID: sessionID}, nil
}

// findMany loads a batch of entity representations concurrently (so the loader sees them in one wave),
// keeping the representations' order. An entity that fails gets its own error at its index
// (graphql.BatchErrorList); the others resolve.
func findMany[R, T any](ctx context.Context, reps []R, id func(R) string, load func(context.Context, string) (*T, error)) ([]*T, error) {
	out := make([]*T, len(reps))
	errs := make([]error, len(reps))
	var wg sync.WaitGroup
	for i, rep := range reps {
		if err := checkID("representations[].id", id(rep)); err != nil {
			return nil, err
		}
		wg.Go(func() { out[i], errs[i] = load(ctx, id(rep)) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return out, graphql.BatchErrorList(errs)
		}
	}
	return out, nil
}
