package telnyx_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
)

func ExampleClient_ListRoomSessions() {
	c, err := telnyx.New(telnyx.Options{}) // production base URL, tuned transport
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	since, _ := telnyx.ParseDate("2021-04-25")
	page, err := c.ListRoomSessions(ctx, "KEY_from_the_caller", telnyx.ListRoomSessionsParams{
		RoomID:              "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0",
		Filter:              telnyx.SessionFilter{Active: telnyx.False, DateCreatedAt: telnyx.DateFilter{Gte: since}},
		IncludeParticipants: true,
		Page:                telnyx.Page{Number: 1, Size: 25},
	})
	var apiErr *telnyx.Error
	var transportErr *telnyx.TransportError
	switch {
	case errors.As(err, &apiErr):
		fmt.Println("upstream said", apiErr.StatusCode, apiErr.Code, "retry after", apiErr.RetryAfter)
	case errors.As(err, &transportErr):
		fmt.Println("no usable answer from", transportErr.Route, "timeout:", transportErr.Timeout)
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Println(len(page.Data), "of", page.Meta.TotalResults)
	}
}
