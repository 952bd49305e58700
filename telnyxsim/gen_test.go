package telnyxsim_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roomgraph/roomgraph/telnyxsim"
)

func TestDeterministicResponses(t *testing.T) {
	cfg := telnyxsim.Config{Seed: 42, Keys: []string{"KEY_a", "KEY_b"}, Rooms: 8, SessionsPerRoom: 5}
	_, c1 := startSim(t, cfg)
	_, c2 := startSim(t, cfg)
	paths := []string{
		"/v2/rooms?page[size]=250&include_sessions=true",
		"/v2/room_sessions?page[size]=250&include_participants=true",
		"/v2/room_participants?page[size]=250",
		"/v2/room_participants?page[size]=7&page[number]=3",
	}
	for _, key := range cfg.Keys {
		for _, p := range paths {
			r1, r2 := c1.withKey(key).get(p), c2.withKey(key).get(p)
			require.Equal(t, http.StatusOK, r1.status)
			assert.Equal(t, string(r1.body), string(r2.body), "%s %s", key, p)
		}
	}
	t.Run("seed and key change the data", func(t *testing.T) {
		other := cfg
		other.Seed = 43
		_, c3 := startSim(t, other)
		assert.NotEqual(t, string(c1.withKey("KEY_a").get(paths[0]).body), string(c3.withKey("KEY_a").get(paths[0]).body))
		assert.NotEqual(t, string(c1.withKey("KEY_a").get(paths[0]).body), string(c1.withKey("KEY_b").get(paths[0]).body))
	})
}

func TestDefaults(t *testing.T) {
	sim := telnyxsim.New(telnyxsim.Config{})
	assert.Equal(t, []string{demoKey}, sim.Keys())
	assert.Len(t, sim.Rooms(demoKey), 36)
	n := len(sim.Sessions(demoKey, ""))
	assert.InDelta(t, 36*12, n, 36*12/2, "about SessionsPerRoom per room")
	for _, p := range sim.Participants(demoKey, "") {
		require.True(t, p.JoinedAt.Before(telnyxsim.DefaultEpoch()))
	}
	t.Run("duplicate and empty keys collapse", func(t *testing.T) {
		assert.Equal(t, []string{"a", "b"}, telnyxsim.New(telnyxsim.Config{Keys: []string{"a", "", "b", "a"}, Rooms: 1}).Keys())
	})
	t.Run("negative sizes mean none", func(t *testing.T) {
		sim := telnyxsim.New(telnyxsim.Config{Rooms: -1})
		assert.Empty(t, sim.Rooms(demoKey))
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/v2/rooms", nil)
		req.Header.Set("Authorization", "Bearer "+demoKey)
		sim.ServeHTTP(rec, req)
		assert.JSONEq(t, `{"data":[],"meta":{"page_number":1,"page_size":20,"total_pages":0,"total_results":0}}`, rec.Body.String())
	})
}

// TestGeneratedDataShape checks the invariants the gateway's tests rely on, for several sizes.
func TestGeneratedDataShape(t *testing.T) {
	tests := []struct {
		name string
		cfg  telnyxsim.Config
	}{
		{"defaults", telnyxsim.Config{}},
		{"small", telnyxsim.Config{Rooms: 4, SessionsPerRoom: 3, ParticipantsPerSession: 2, Seed: 7}},
		{"other seed", telnyxsim.Config{Rooms: 12, SessionsPerRoom: 8, Seed: 99, Keys: []string{"k1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sim := telnyxsim.New(tc.cfg)
			key := sim.Keys()[0]
			perRoom := tc.cfg.SessionsPerRoom
			if perRoom == 0 {
				perRoom = 12
			}
			epoch := telnyxsim.DefaultEpoch()
			rooms := sim.Rooms(key)
			names := map[string]bool{}
			var zero, busy, activeCount int
			roomCreated := map[time.Time]int{}
			for _, r := range rooms {
				require.False(t, names[r.UniqueName], "unique names are unique: %s", r.UniqueName)
				names[r.UniqueName] = true
				assert.Regexp(t, `^[a-z0-9-]+$`, r.UniqueName)
				assert.Regexp(t, uuidPattern, r.ID)
				assert.GreaterOrEqual(t, r.MaxParticipants, 2)
				assert.LessOrEqual(t, r.MaxParticipants, 50)
				assert.False(t, r.UpdatedAt.Before(r.CreatedAt))
				roomCreated[r.CreatedAt]++
				ss := sim.Sessions(key, r.ID)
				switch {
				case len(ss) == 0:
					zero++
				case len(ss) >= 2*perRoom:
					busy++
				}
				assert.LessOrEqual(t, len(ss), 3*perRoom)
				var active []string
				for i, s := range ss {
					assert.Equal(t, r.ID, s.RoomID)
					assert.True(t, s.CreatedAt.Before(epoch))
					assert.True(t, s.CreatedAt.After(r.CreatedAt))
					if s.Active {
						active = append(active, s.ID)
						assert.Nil(t, s.EndedAt)
						assert.Equal(t, 0, i, "the active session is the room's newest")
					} else {
						require.NotNil(t, s.EndedAt)
						assert.False(t, s.EndedAt.Before(s.CreatedAt))
						assert.False(t, s.UpdatedAt.Before(*s.EndedAt))
					}
					if i > 0 {
						prev := ss[i-1] // newer
						require.NotNil(t, s.EndedAt)
						assert.True(t, s.EndedAt.Before(prev.CreatedAt), "sessions of a room do not overlap")
					}
					present := 0
					for _, p := range sim.Participants(key, s.ID) {
						assert.Equal(t, s.ID, p.SessionID)
						assert.NotEmpty(t, p.Context)
						assert.False(t, p.JoinedAt.Before(s.CreatedAt))
						if p.LeftAt == nil {
							present++
							assert.Equal(t, p.JoinedAt, p.UpdatedAt)
						} else {
							assert.False(t, p.LeftAt.Before(p.JoinedAt))
							if s.EndedAt != nil {
								assert.False(t, p.LeftAt.After(*s.EndedAt))
							}
						}
					}
					if s.Active {
						assert.Positive(t, present, "an active session has someone in it")
					} else {
						assert.Zero(t, present, "only active sessions have present participants")
					}
				}
				assert.LessOrEqual(t, len(active), 1)
				if len(active) == 1 {
					assert.Equal(t, active[0], r.ActiveSessionID)
				} else {
					assert.Empty(t, r.ActiveSessionID)
				}
				activeCount += len(active)
			}
			assert.Positive(t, activeCount)
			assert.Positive(t, zero, "a room without sessions")
			assert.Positive(t, busy, "a room with at least 2×SessionsPerRoom sessions")
			assert.True(t, hasDuplicate(roomCreated), "rooms with equal created_at")

			sessCreated := map[time.Time]int{}
			for _, s := range sim.Sessions(key, "") {
				sessCreated[s.CreatedAt]++
			}
			assert.True(t, hasDuplicate(sessCreated), "sessions with equal created_at")
			joined := map[time.Time]int{}
			for _, p := range sim.Participants(key, "") {
				joined[p.JoinedAt]++
			}
			assert.True(t, hasDuplicate(joined), "participants with equal joined_at")
		})
	}
}

func hasDuplicate(m map[time.Time]int) bool {
	for _, n := range m {
		if n > 1 {
			return true
		}
	}
	return false
}
