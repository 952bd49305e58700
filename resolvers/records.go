package resolvers

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/internal/apperr"
	"github.com/roomgraph/roomgraph/internal/loaders"
	"github.com/roomgraph/roomgraph/internal/model"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
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

// References by id (a field that names a room, session or participant, an event's objects, a global id):
// a stub when no selected field needs the object's record, else one fetch per object and operation. as
// are the type conditions of the selection that apply (needsRecordAs; nil: every field counts).

// room resolves a room reference; the room is fetched here, not by the first field that needs it, so that
// an unknown room is null (or its field's error), never a half object.
func room(ctx context.Context, id string, as []string) (*model.Room, error) {
	r := &model.Room{ID: id}
	if needsRecordAs(ctx, origin.Room, as) {
		rec, err := loaders.From(ctx).Room(ctx, id)
		if err != nil {
			return nil, err
		}
		r.Data = rec
	}
	return r, nil
}

// session resolves a session reference (with participants when they are selected).
func session(ctx context.Context, id string, as []string) (*telnyx.RoomSession, error) {
	if !needsRecordAs(ctx, origin.RoomSession, as) {
		return &telnyx.RoomSession{ID: id}, nil
	}
	return loaders.From(ctx).Session(ctx, id, sessionSelectsParticipants(ctx))
}

// participant resolves a participant reference.
func participant(ctx context.Context, id string, as []string) (*telnyx.RoomParticipant, error) {
	if !needsRecordAs(ctx, origin.RoomParticipant, as) {
		return &telnyx.RoomParticipant{ID: id}, nil
	}
	return loaders.From(ctx).Participant(ctx, id)
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
	return p, checkRoomParams(p)
}

// checkRoomParams reports every invalid field of a room's settings at once (an errors.Join of
// BAD_USER_INPUT errors, each naming its field), in the input's field order.
func checkRoomParams(p telnyx.RoomParams) error {
	var errs []error
	if n := p.UniqueName; n != nil && (strings.TrimSpace(*n) == "" || utf8.RuneCountInString(*n) > maxUniqueName) {
		errs = append(errs, invalid("input.uniqueName", "input.uniqueName must be 1 to %d characters and not blank", maxUniqueName))
	}
	if m := p.MaxParticipants; m != nil && (*m < 2 || *m > 50) {
		errs = append(errs, invalid("input.maxParticipants", "input.maxParticipants must be between 2 and 50, got %d", *m))
	}
	for _, f := range []struct {
		name string
		url  *string
	}{{"webhookEventUrl", p.WebhookEventURL}, {"webhookEventFailoverUrl", p.WebhookEventFailoverURL}} {
		if f.url != nil && !absoluteURL(*f.url) {
			errs = append(errs, invalid("input."+f.name, "input.%s must be an absolute http(s) URL such as https://example.com/webhooks, got %q", f.name, truncate(*f.url, 100)))
		}
	}
	if s := p.WebhookTimeoutSecs; s != nil && (*s < 0 || *s > 30) {
		errs = append(errs, invalid("input.webhookTimeoutSecs", "input.webhookTimeoutSecs must be between 0 and 30, got %d", *s))
	}
	return errors.Join(errs...)
}

// roomFields names the input field behind each body member of a room write, so that an upstream 422's
// source.pointer becomes the argument the caller sent (extensions.field).
var roomFields = map[string]string{
	"/unique_name":                "input.uniqueName",
	"/max_participants":           "input.maxParticipants",
	"/enable_recording":           "input.enableRecording",
	"/webhook_event_url":          "input.webhookEventUrl",
	"/webhook_event_failover_url": "input.webhookEventFailoverUrl",
	"/webhook_timeout_secs":       "input.webhookTimeoutSecs",
}

// blame sets the field of an upstream error whose source.pointer names a body member of fields. The error
// may be shared, so it is copied.
func blame(err error, fields map[string]string) error {
	e, ok := errors.AsType[*apperr.Error](err)
	if !ok || e.Field != "" || fields[e.UpstreamPointer] == "" {
		return err
	}
	named := *e
	named.Field = fields[e.UpstreamPointer]
	return &named
}

func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// participantsAction checks a ParticipantSelection: all, or a non-empty list of ids, minus exclusions.
func participantsAction(sel graph.ParticipantSelection) (telnyx.ParticipantsAction, error) {
	all := sel.All != nil && *sel.All
	var errs []error
	switch {
	case all && len(sel.Ids) > 0:
		errs = append(errs, invalid("participants", "participants: give either all: true or ids, not both"))
	case !all && len(sel.Ids) == 0:
		errs = append(errs, invalid("participants", "participants: give all: true or a non-empty list of ids"))
	}
	ids, errs := parseIDs("participants.ids", sel.Ids, errs)
	exclude, errs := parseIDs("participants.exclude", sel.Exclude, errs)
	return telnyx.ParticipantsAction{All: all, IDs: ids, Exclude: exclude}, errors.Join(errs...)
}

// parseIDs returns the Telnyx ids of a list of participant ids (UUIDs or global ids), adding an error to
// errs for each one refused (extensions.field arg[i]).
func parseIDs(arg string, ids []string, errs []error) ([]string, []error) {
	if ids == nil {
		return nil, errs
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		var err error
		if out[i], err = parseID(fmt.Sprintf("%s[%d]", arg, i), id, nodeid.RoomParticipant); err != nil {
			errs = append(errs, err)
		}
	}
	return out, errs
}

// participantsAction runs a kick, mute or unmute after checking its arguments.
func (r *Resolver) participantsAction(ctx context.Context, act loaders.Action, sessionID string, sel graph.ParticipantSelection) (*graph.RoomSessionPayload, error) {
	sessionID, a, err := participantsActionArgs(sessionID, sel)
	if err != nil {
		return nil, refuse(ctx, err)
	}
	if err := loaders.From(ctx).ParticipantsAction(ctx, act, sessionID, a); err != nil {
		return nil, err
	}
	return &graph.RoomSessionPayload{SessionID: sessionID}, nil
}

// findMany loads a batch of entity representations concurrently (so the loader sees them in one wave),
// keeping the representations' order. An entity that fails gets its own error at its index
// (graphql.BatchErrorList); the others resolve.
func findMany[R, T any](ctx context.Context, reps []R, typ nodeid.Type, id func(R) string, load func(context.Context, string) (*T, error)) ([]*T, error) {
	out := make([]*T, len(reps))
	errs := make([]error, len(reps))
	var wg sync.WaitGroup
	for i, rep := range reps {
		uuid, err := parseID("representations[].id", id(rep), typ)
		if err != nil {
			return nil, err
		}
		wg.Go(func() { out[i], errs[i] = load(ctx, uuid) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return out, graphql.BatchErrorList(errs)
		}
	}
	return out, nil
}
