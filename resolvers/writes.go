package resolvers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/roomgraph/roomgraph/graph"
	"github.com/roomgraph/roomgraph/internal/apperr"
	"github.com/roomgraph/roomgraph/internal/model/nodeid"
	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

// Each mutation's argument checks, in one place: its resolver runs them just before its write, and
// CheckWrites runs them for every mutation field of an operation before the first write.

func createRoomArgs(input graph.CreateRoomInput) (telnyx.RoomParams, error) { return roomParams(input) }

// updateRoomArgs: an explicit null on a webhook setting clears it (sent upstream as null); left out, or
// null on the other settings, keeps the value. It returns the room's Telnyx id too (as every *Args that
// checks an id).
func updateRoomArgs(id string, input graph.UpdateRoomInput) (string, telnyx.RoomParams, error) {
	uuid, idErr := parseID("id", id, nodeid.Room)
	p := telnyx.RoomParams{
		UniqueName:              input.UniqueName,
		MaxParticipants:         input.MaxParticipants,
		EnableRecording:         input.EnableRecording,
		WebhookEventURL:         input.WebhookEventURL.Value(),
		WebhookEventFailoverURL: input.WebhookEventFailoverURL.Value(),
		WebhookTimeoutSecs:      input.WebhookTimeoutSecs.Value(),
		Clear: telnyx.RoomClear{
			WebhookEventURL:         cleared(input.WebhookEventURL),
			WebhookEventFailoverURL: cleared(input.WebhookEventFailoverURL),
			WebhookTimeoutSecs:      cleared(input.WebhookTimeoutSecs),
		},
	}
	return uuid, p, errors.Join(idErr, checkRoomParams(p))
}

// cleared reports an input field given as an explicit null.
func cleared[T any](o graphql.Omittable[*T]) bool {
	v, set := o.ValueOK()
	return set && v == nil
}

func participantsActionArgs(sessionID string, sel graph.ParticipantSelection) (string, telnyx.ParticipantsAction, error) {
	uuid, idErr := parseID("sessionId", sessionID, nodeid.RoomSession)
	a, err := participantsAction(sel)
	return uuid, a, errors.Join(idErr, err)
}

// refuse reports every error of a failed argument check: each one but the first as its own GraphQL
// error at the field, the first as the field's error. CheckWrites normally reports them before any
// resolver runs; this keeps a resolver that runs without it (a test, a BFF's own server) as complete.
func refuse(ctx context.Context, err error) error {
	all := apperr.All(err)
	if len(all) < 2 {
		return err
	}
	for _, e := range all[1:] {
		graphql.AddError(ctx, e)
	}
	return all[0]
}

func generateJoinClientTokenArgs(roomID string, input *graph.JoinClientTokenInput) (string, telnyx.JoinClientTokenParams, error) {
	uuid, err := parseID("roomId", roomID, nodeid.Room)
	if err != nil {
		return "", telnyx.JoinClientTokenParams{}, err
	}
	var p telnyx.JoinClientTokenParams
	if input != nil {
		p = telnyx.JoinClientTokenParams{TokenTTLSecs: input.TokenTTLSecs, RefreshTokenTTLSecs: input.RefreshTokenTTLSecs}
	}
	if err := checkTTL("input.tokenTtlSecs", p.TokenTTLSecs, telnyx.MinTokenTTLSecs, telnyx.MaxTokenTTLSecs); err != nil {
		return uuid, p, err
	}
	return uuid, p, checkTTL("input.refreshTokenTtlSecs", p.RefreshTokenTTLSecs, telnyx.MinRefreshTokenTTLSecs, telnyx.MaxRefreshTokenTTLSecs)
}

// refreshClientTokenArgs never repeats the refresh token in an error: it is a credential.
func refreshClientTokenArgs(roomID, refreshToken string, tokenTTLSecs *int) (string, telnyx.RefreshClientTokenParams, error) {
	uuid, err := parseID("roomId", roomID, nodeid.Room)
	if err != nil {
		return "", telnyx.RefreshClientTokenParams{}, err
	}
	p := telnyx.RefreshClientTokenParams{RefreshToken: refreshToken, TokenTTLSecs: tokenTTLSecs}
	if strings.TrimSpace(refreshToken) == "" {
		return uuid, p, apperr.Errorf(apperr.BadUserInput, "refreshToken must not be empty: give the refreshToken generateJoinClientToken returned")
	}
	return uuid, p, checkTTL("tokenTtlSecs", tokenTTLSecs, telnyx.MinTokenTTLSecs, telnyx.MaxTokenTTLSecs)
}

func checkTTL(arg string, v *int, lo, hi int) error {
	if v != nil && (*v < lo || *v > hi) {
		return apperr.Errorf(apperr.BadUserInput, "%s must be between %d and %d seconds, got %d", arg, lo, hi, *v)
	}
	return nil
}

// InvalidWrite is a mutation field of an operation whose arguments its resolver would refuse.
type InvalidWrite struct {
	Field *ast.Field
	Err   error // an *apperr.Error (BAD_USER_INPUT)
}

// CheckWrites checks the arguments of every mutation field of op (fragments, @skip and @include
// applied) with the checks their resolvers make, so that an operation with one invalid input is refused
// before its first write instead of after some writes ran. Arguments reach it as gqlgen hands them to the
// resolvers, from the validated document and the variables (already coerced strictly): they are read
// with gqlgen's scalar unmarshalers.
func CheckWrites(op *graphql.OperationContext) []InvalidWrite {
	if op == nil || op.Operation == nil || op.Operation.Operation != ast.Mutation {
		return nil
	}
	var bad []InvalidWrite
	for _, f := range graphql.CollectFields(op, op.Operation.SelectionSet, []string{"Mutation"}) {
		if err := checkWrite(f.Name, f.ArgumentMap(op.Variables)); err != nil {
			bad = append(bad, InvalidWrite{Field: f.Field, Err: err})
		}
	}
	return bad
}

// checkWrite checks one mutation field's arguments.
func checkWrite(name string, args map[string]any) error {
	var err error
	switch name {
	case "createRoom":
		var in graph.CreateRoomInput
		if in, err = roomInput(args["input"]); err == nil {
			_, err = createRoomArgs(in)
		}
	case "updateRoom":
		var id string
		if id, err = graphql.UnmarshalID(args["id"]); err == nil {
			var up graph.UpdateRoomInput
			if up, err = updateInput(args["input"]); err == nil {
				_, _, err = updateRoomArgs(id, up)
			}
		}
	case "deleteRoom", "endRoomSession":
		want := nodeid.Room
		if name == "endRoomSession" {
			want = nodeid.RoomSession
		}
		var id string
		if id, err = graphql.UnmarshalID(args["id"]); err == nil {
			_, err = parseID("id", id, want)
		}
	case "kickParticipants", "muteParticipants", "unmuteParticipants":
		var sel graph.ParticipantSelection
		var id string
		if id, err = graphql.UnmarshalID(args["sessionId"]); err == nil {
			if sel, err = participantSelection(args["participants"]); err == nil {
				_, _, err = participantsActionArgs(id, sel)
			}
		}
	case "generateJoinClientToken":
		var id string
		var in *graph.JoinClientTokenInput
		if id, err = graphql.UnmarshalID(args["roomId"]); err == nil {
			if in, err = joinClientTokenInput(args["input"]); err == nil {
				_, _, err = generateJoinClientTokenArgs(id, in)
			}
		}
	case "refreshClientToken":
		var id, refresh string
		var ttl *int
		if id, err = graphql.UnmarshalID(args["roomId"]); err == nil {
			if refresh, err = graphql.UnmarshalString(args["refreshToken"]); err == nil {
				if x := args["tokenTtlSecs"]; x != nil {
					ttl, err = optional(x, graphql.UnmarshalInt)
				}
				if err == nil {
					_, _, err = refreshClientTokenArgs(id, refresh, ttl)
				}
			}
		}
	case "__typename":
	default:
		// A mutation this check was not taught: refuse rather than let its write run unchecked beside
		// others (TestCheckWritesKnowsEveryMutation keeps the list whole).
		return apperr.Errorf(apperr.Internal, "mutation %s has no input check", name)
	}
	if _, ok := errors.AsType[*apperr.Error](err); err != nil && !ok {
		err = apperr.Errorf(apperr.BadUserInput, "%s: %v", name, err)
	}
	return err
}

func roomInput(v any) (graph.CreateRoomInput, error) {
	var in graph.CreateRoomInput
	m, ok := v.(map[string]any)
	if !ok {
		return in, fmt.Errorf("input is not an object")
	}
	var err error
	for k, x := range m {
		if x == nil || err != nil {
			continue
		}
		switch k {
		case "uniqueName":
			in.UniqueName, err = optional(x, graphql.UnmarshalString)
		case "maxParticipants":
			in.MaxParticipants, err = optional(x, graphql.UnmarshalInt)
		case "enableRecording":
			in.EnableRecording, err = optional(x, graphql.UnmarshalBoolean)
		case "webhookEventUrl":
			in.WebhookEventURL, err = optional(x, graphql.UnmarshalString)
		case "webhookEventFailoverUrl":
			in.WebhookEventFailoverURL, err = optional(x, graphql.UnmarshalString)
		case "webhookTimeoutSecs":
			in.WebhookTimeoutSecs, err = optional(x, graphql.UnmarshalInt)
		}
	}
	return in, err
}

// joinClientTokenInput reads an optional JoinClientTokenInput; a field left out is nil (the upstream's
// default, the same as the schema's).
func joinClientTokenInput(v any) (*graph.JoinClientTokenInput, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("input is not an object")
	}
	in := new(graph.JoinClientTokenInput)
	var err error
	if x := m["tokenTtlSecs"]; x != nil {
		if in.TokenTTLSecs, err = optional(x, graphql.UnmarshalInt); err != nil {
			return nil, err
		}
	}
	if x := m["refreshTokenTtlSecs"]; x != nil {
		in.RefreshTokenTTLSecs, err = optional(x, graphql.UnmarshalInt)
	}
	return in, err
}

// updateInput reads an UpdateRoomInput as gqlgen does: a webhook setting given as null is set (to clear),
// unlike one left out.
func updateInput(v any) (graph.UpdateRoomInput, error) {
	in, err := roomInput(v)
	if err != nil {
		return graph.UpdateRoomInput{}, err
	}
	m := v.(map[string]any)
	out := graph.UpdateRoomInput{UniqueName: in.UniqueName, MaxParticipants: in.MaxParticipants, EnableRecording: in.EnableRecording}
	if _, ok := m["webhookEventUrl"]; ok {
		out.WebhookEventURL = graphql.OmittableOf(in.WebhookEventURL)
	}
	if _, ok := m["webhookEventFailoverUrl"]; ok {
		out.WebhookEventFailoverURL = graphql.OmittableOf(in.WebhookEventFailoverURL)
	}
	if _, ok := m["webhookTimeoutSecs"]; ok {
		out.WebhookTimeoutSecs = graphql.OmittableOf(in.WebhookTimeoutSecs)
	}
	return out, nil
}

func participantSelection(v any) (graph.ParticipantSelection, error) {
	var sel graph.ParticipantSelection
	m, ok := v.(map[string]any)
	if !ok {
		return sel, fmt.Errorf("participants is not an object")
	}
	var err error
	if x := m["all"]; x != nil {
		if sel.All, err = optional(x, graphql.UnmarshalBoolean); err != nil {
			return sel, err
		}
	}
	if sel.Ids, err = ids(m["ids"]); err != nil {
		return sel, err
	}
	sel.Exclude, err = ids(m["exclude"])
	return sel, err
}

// ids reads a list of IDs; one item alone is a list of one, as GraphQL's input coercion says.
func ids(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	out := make([]string, 0, len(items))
	for _, x := range items {
		id, err := graphql.UnmarshalID(x)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

func optional[T any](v any, unmarshal func(any) (T, error)) (*T, error) {
	x, err := unmarshal(v)
	if err != nil {
		return nil, err
	}
	return &x, nil
}
