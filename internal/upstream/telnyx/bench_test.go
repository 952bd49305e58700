package telnyx_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/internal/upstream/telnyx"
	"github.com/roomgraph/roomgraph/telnyxsim"
)

// benchRoom returns a simulator and the id of a room with at least 25 sessions.
func benchRoom(b *testing.B) (*telnyxsim.Sim, string) {
	b.Helper()
	sim := telnyxsim.New(telnyxsim.Config{Keys: []string{simKey}, Rooms: 4, SessionsPerRoom: 60, ParticipantsPerSession: 6, Now: simNow})
	best, most := "", 0
	for _, r := range sim.Rooms(simKey) {
		if n := len(sim.Sessions(simKey, r.ID)); n > most {
			best, most = r.ID, n
		}
	}
	require.GreaterOrEqual(b, most, 25)
	return sim, best
}

// BenchmarkListRoomSessions is one page of 25 sessions with their participants,
// fetched from the simulator over loopback and decoded.
func BenchmarkListRoomSessions(b *testing.B) {
	sim, roomID := benchRoom(b)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := telnyx.New(telnyx.Options{BaseURL: srv.URL + "/v2"})
	require.NoError(b, err)
	ctx := context.Background()
	p := telnyx.ListRoomSessionsParams{RoomID: roomID, IncludeParticipants: true, Page: telnyx.Page{Size: 25}}

	page, err := c.ListRoomSessions(ctx, simKey, p)
	require.NoError(b, err)
	require.Len(b, page.Data, 25)
	participants := 0
	for _, s := range page.Data {
		participants += len(s.Participants)
	}

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.ListRoomSessions(ctx, simKey, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(participants), "participants/page")
	b.ReportMetric(float64(sim.Stats().Total)/float64(b.N+1), "upstream-calls/op")
}

// BenchmarkListRoomSessionsCanned serves the same page from memory, so the
// figures are the client's own cost (HTTP round trip, read, decode) without
// the simulator's encoding and filtering.
func BenchmarkListRoomSessionsCanned(b *testing.B) {
	sim, roomID := benchRoom(b)
	simSrv := httptest.NewServer(sim)
	req, err := http.NewRequest(http.MethodGet, simSrv.URL+"/v2/rooms/"+roomID+"/sessions?include_participants=true&page%5Bsize%5D=25", nil)
	require.NoError(b, err)
	req.Header.Set("Authorization", "Bearer "+simKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(b, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(b, err)
	require.NoError(b, resp.Body.Close())
	simSrv.Close()

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	c, err := telnyx.New(telnyx.Options{BaseURL: srv.URL + "/v2"})
	require.NoError(b, err)
	ctx := context.Background()
	p := telnyx.ListRoomSessionsParams{RoomID: roomID, IncludeParticipants: true, Page: telnyx.Page{Size: 25}}

	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		page, err := c.ListRoomSessions(ctx, simKey, p)
		if err != nil || len(page.Data) != 25 {
			b.Fatal(err)
		}
	}
}
