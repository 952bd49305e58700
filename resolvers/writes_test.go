package resolvers

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/roomgraph/roomgraph/internal/apperr"
	"github.com/roomgraph/roomgraph/internal/model/origin"
)

// TestCheckWritesKnowsEveryMutation: every mutation of the schema (the origin table's writes) has its
// input check in checkWrite; a new one fails here until it has.
func TestCheckWritesKnowsEveryMutation(t *testing.T) {
	n := 0
	for _, f := range origin.Mutation.Fields() {
		if f.Kind() != origin.Write {
			continue
		}
		n++
		err := checkWrite(f.Name(), map[string]any{})
		ae, ok := errors.AsType[*apperr.Error](err)
		if assert.True(t, ok, "%s: %v", f, err) {
			assert.Equal(t, apperr.BadUserInput, ae.Code, "%s has no input check in checkWrite: %v", f, err)
		}
	}
	assert.Positive(t, n)
}

// TestCheckWriteTokens: the token mutations' checks as CheckWrites sees their arguments (literals decode to
// int64, variables to json.Number), the same checks their resolvers run.
func TestCheckWriteTokens(t *testing.T) {
	const room = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"
	tests := []struct {
		name  string
		field string
		args  map[string]any
		bad   string // "" when valid; else a part of the message
	}{
		{"generate, no input", "generateJoinClientToken", map[string]any{"roomId": room}, ""},
		{"generate, bounds", "generateJoinClientToken", map[string]any{"roomId": room, "input": map[string]any{"tokenTtlSecs": int64(10), "refreshTokenTtlSecs": json.Number("86400")}}, ""},
		{"generate, null fields", "generateJoinClientToken", map[string]any{"roomId": room, "input": map[string]any{"tokenTtlSecs": nil}}, ""},
		{"generate, token ttl", "generateJoinClientToken", map[string]any{"roomId": room, "input": map[string]any{"tokenTtlSecs": int64(3601)}}, "input.tokenTtlSecs"},
		{"generate, refresh ttl", "generateJoinClientToken", map[string]any{"roomId": room, "input": map[string]any{"refreshTokenTtlSecs": json.Number("59")}}, "input.refreshTokenTtlSecs"},
		{"generate, room id", "generateJoinClientToken", map[string]any{"roomId": "r1"}, "roomId must be a UUID"},
		{"refresh", "refreshClientToken", map[string]any{"roomId": room, "refreshToken": "a.b.c", "tokenTtlSecs": int64(600)}, ""},
		{"refresh, blank token", "refreshClientToken", map[string]any{"roomId": room, "refreshToken": " "}, "refreshToken must not be empty"},
		{"refresh, ttl", "refreshClientToken", map[string]any{"roomId": room, "refreshToken": "a.b.c", "tokenTtlSecs": int64(9)}, "tokenTtlSecs must be between 10 and 3600"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkWrite(tc.field, tc.args)
			if tc.bad == "" {
				assert.NoError(t, err)
				return
			}
			assert.Equal(t, apperr.BadUserInput, apperr.CodeOf(err))
			assert.ErrorContains(t, err, tc.bad)
		})
	}
}

// TestCheckWriteFields: a mutation's check reports every invalid argument field, each naming its field,
// and reads updateRoom's explicit nulls as clears (omitted fields as nothing to change).
func TestCheckWriteFields(t *testing.T) {
	tests := []struct {
		name   string
		field  string
		args   map[string]any
		fields []string
	}{
		{"valid update with nulls", "updateRoom", map[string]any{"id": "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0",
			"input": map[string]any{"webhookEventUrl": nil, "webhookTimeoutSecs": nil, "uniqueName": nil}}, nil},
		{"every invalid field of an update", "updateRoom", map[string]any{"id": "X",
			"input": map[string]any{"maxParticipants": 1, "webhookTimeoutSecs": 31, "webhookEventUrl": "x"}},
			[]string{"id", "input.maxParticipants", "input.webhookEventUrl", "input.webhookTimeoutSecs"}},
		{"a selection of both kinds and bad ids", "muteParticipants", map[string]any{"sessionId": "s",
			"participants": map[string]any{"all": true, "ids": []any{"a"}}},
			[]string{"sessionId", "participants", "participants.ids[0]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range apperr.All(checkWrite(tc.field, tc.args)) {
				assert.Equal(t, apperr.BadUserInput, e.Code)
				got = append(got, e.Field)
			}
			assert.Equal(t, tc.fields, got)
		})
	}
}

func TestUpdateInputTellsNullFromAbsent(t *testing.T) {
	in, err := updateInput(map[string]any{"webhookEventUrl": nil, "webhookTimeoutSecs": 3})
	assert.NoError(t, err)
	_, p, err := updateRoomArgs("0ccc7b54-4df3-4bca-a65a-3da1ecc777f0", in)
	assert.NoError(t, err)
	assert.True(t, p.Clear.WebhookEventURL, "explicit null clears")
	assert.False(t, p.Clear.WebhookEventFailoverURL, "absent keeps")
	assert.False(t, p.Clear.WebhookTimeoutSecs)
	assert.Equal(t, 3, *p.WebhookTimeoutSecs)
}
