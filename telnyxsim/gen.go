package telnyxsim

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"
)

// Generation is a pure function of (Config sizes, Seed, Epoch, key): every random choice comes
// from a PCG seeded with the seed and a hash of the key, so two simulators with the same
// configuration serve byte-identical responses and different keys get different ids.

const (
	hourMicros   = int64(time.Hour / time.Microsecond)
	minuteMicros = int64(time.Minute / time.Microsecond)
	secondMicros = int64(time.Second / time.Microsecond)
)

func keyHash(key string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	return h.Sum64()
}

// newUUID formats 128 random bits as a version-4, RFC 4122 variant UUID.
func newUUID(rng *rand.Rand) string {
	var u [16]byte
	binary.BigEndian.PutUint64(u[:8], rng.Uint64())
	binary.BigEndian.PutUint64(u[8:], rng.Uint64())
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var out [36]byte
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j] = hexDigits[c>>4]
		out[j+1] = hexDigits[c&0xf]
		j += 2
	}
	return string(out[:])
}

func roomBases() []string {
	return []string{
		"standup", "design-review", "all-hands", "retro", "sprint-planning", "office-hours",
		"onboarding", "incident-bridge", "customer-demo", "town-hall", "interview", "pairing",
		"roadmap-sync", "1on1", "book-club", "launch-review", "support-huddle", "board-meeting",
		"hackathon", "coffee-chat", "architecture-council", "sales-kickoff",
	}
}

func roomTeams() []string {
	return []string{
		"eng", "design", "sales", "support", "ops", "marketing", "finance", "platform",
		"mobile", "data", "security", "emea", "apac", "growth",
	}
}

// contextNames includes non-ASCII and quote characters on purpose: clients must escape and
// decode them correctly.
func contextNames() []string {
	return []string{
		"Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy",
		"Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter",
		"Yasmin", "Zoë", "José García", "Søren", "Chen Wei", "Priya Patel", "Aoife O'Brien",
		`Kim "KJ" Lee`, "Dial-in +1 312 555 0147",
	}
}

func deviceSuffixes() []string {
	return []string{" (iPad)", " (iPhone)", " (Chrome)", " (Firefox)", " (Android)", " (Desktop)"}
}

type genRoom struct {
	rec    *roomRec
	starts []int64 // session start times, ascending
	active bool    // the last start is an active session
}

func generateAccount(cfg Config, key string) *account {
	h := keyHash(key)
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), h))
	a := &account{
		key:             key,
		ids:             rand.New(rand.NewPCG(uint64(cfg.Seed)^0x5eed_1d5, h)),
		tokens:          rand.New(rand.NewPCG(uint64(cfg.Seed)^0x70c_e45, h)),
		events:          rand.New(rand.NewPCG(uint64(cfg.Seed)^0xe7e_e75, h)),
		signing:         signingKey(cfg.Seed, key),
		roomByID:        map[string]*roomRec{},
		roomByName:      map[string]*roomRec{},
		sessionByID:     map[string]*sessionRec{},
		participantByID: map[string]*participantRec{},
	}
	epoch := cfg.Epoch.UnixMicro()
	between := func(lo, hi int64) int64 {
		if hi <= lo {
			return lo
		}
		return lo + rng.Int64N(hi-lo)
	}

	nRooms, perRoom := cfg.Rooms, cfg.SessionsPerRoom
	rooms := make([]*genRoom, nRooms)
	usedNames := map[string]bool{}
	bases, teams := roomBases(), roomTeams()
	for i := range rooms {
		name := uniqueRoomName(rng, bases, teams, usedNames)
		created := between(epoch-240*dayMicros, epoch-150*dayMicros)
		if i == 1 {
			// Two rooms made by one provisioning call: equal created_at exercises the id tie-break.
			created = rooms[0].rec.createdAt
		}
		updated := created
		if rng.IntN(2) == 0 {
			updated = between(created, created+30*dayMicros)
		}
		r := &roomRec{
			id:              newUUID(rng),
			uniqueName:      name,
			maxParticipants: roomCapacity(rng, cfg.ParticipantsPerSession),
			enableRecording: rng.IntN(10) < 3,
			createdAt:       created,
			updatedAt:       updated,
		}
		if rng.IntN(3) > 0 {
			r.webhookURL = "https://hooks.example.com/telnyx/video/" + name
			if rng.IntN(2) == 0 {
				r.webhookFailoverURL = "https://failover.example.net/telnyx/video"
			}
		}
		switch k := rng.IntN(6); {
		case k == 0:
			r.hasWebhookTimeout, r.webhookTimeout = true, 0
		case k <= 2:
			r.hasWebhookTimeout, r.webhookTimeout = true, []int{5, 10, 15, 20, 30}[rng.IntN(5)]
		}
		rooms[i] = &genRoom{rec: r}
	}

	// Session counts: skewed (3u² has mean 1), from 0 to 3×perRoom, with one empty and one
	// busy room guaranteed once there are enough rooms to spare them.
	counts := make([]int, nRooms)
	for i := range counts {
		u := rng.Float64()
		counts[i] = int(float64(perRoom) * 3 * u * u)
	}
	if nRooms >= 4 && perRoom > 0 {
		z := rng.IntN(nRooms)
		big := (z + 1 + rng.IntN(nRooms-1)) % nRooms
		counts[z] = 0
		counts[big] = 2*perRoom + rng.IntN(perRoom+1)
	}
	anyActive := false
	for i, g := range rooms {
		n := counts[i]
		if n == 0 {
			continue
		}
		g.active = rng.IntN(100) < 35
		anyActive = anyActive || g.active
		ended := n
		if g.active {
			ended--
		}
		seen := map[int64]bool{}
		for len(g.starts) < ended {
			lo := epoch - 150*dayMicros
			t := between(lo, epoch-dayMicros)
			if rng.IntN(100) < 15 {
				// Recurring meetings start at 09:00:00.000000: exact created_at ties across rooms.
				if snapped := t - t%dayMicros + 9*hourMicros; snapped >= lo && snapped < epoch-dayMicros {
					t = snapped
				}
			}
			if !seen[t] {
				seen[t] = true
				g.starts = append(g.starts, t)
			}
		}
		sort.Slice(g.starts, func(i, j int) bool { return g.starts[i] < g.starts[j] })
		if g.active {
			g.starts = append(g.starts, between(epoch-3*hourMicros, epoch-5*minuteMicros))
		}
	}
	if !anyActive {
		for _, g := range rooms {
			if len(g.starts) > 0 {
				g.active = true
				g.starts[len(g.starts)-1] = between(epoch-3*hourMicros, epoch-5*minuteMicros)
				break
			}
		}
	}
	forceSessionTie(rooms)

	names, devices := contextNames(), deviceSuffixes()
	forcedJoinTie := false
	for _, g := range rooms {
		for j, start := range g.starts {
			isActive := g.active && j == len(g.starts)-1
			x := &sessionRec{id: newUUID(rng), room: g.rec, active: isActive, createdAt: start}
			var end int64
			if isActive {
				end = epoch - minuteMicros
			} else {
				end = start + between(10*minuteMicros, 2*hourMicros)
				if j+1 < len(g.starts) {
					end = min(end, g.starts[j+1]-secondMicros)
				}
				if end <= start {
					end = start + max((g.starts[j+1]-start)/2, 0)
				}
				x.endedAt = end
				x.updatedAt = end + between(0, 5*secondMicros)
			}
			n := 0
			if cfg.ParticipantsPerSession > 0 {
				n = 1 + rng.IntN(cfg.ParticipantsPerSession)
			}
			latest := start
			for k := range n {
				p := &participantRec{id: newUUID(rng), session: x, context: names[rng.IntN(len(names))]}
				if rng.IntN(4) == 0 {
					p.context += devices[rng.IntN(len(devices))]
				}
				switch {
				case k == 0:
					p.joinedAt = start // the first join opens the session
				case k >= 1 && (rng.IntN(100) < 12 || (!forcedJoinTie && k == 1)):
					p.joinedAt = x.participants[k-1].joinedAt // joined in the same instant
					forcedJoinTie = true
				default:
					p.joinedAt = between(start, start+(end-start)*6/10)
				}
				p.updatedAt = p.joinedAt
				present := isActive && (k == 0 || rng.IntN(10) < 6)
				if !present {
					p.hasLeft = true
					if !isActive && k == n-1 {
						p.leftAt = end
					} else {
						p.leftAt = between(p.joinedAt+1, end)
					}
					p.updatedAt = p.leftAt
				}
				latest = max(latest, p.updatedAt)
				x.participants = append(x.participants, p)
				a.participants = append(a.participants, p)
				a.participantByID[p.id] = p
			}
			if isActive {
				x.updatedAt = latest
				g.rec.active = x
			}
			g.rec.sessions = append(g.rec.sessions, x)
			a.sessions = append(a.sessions, x)
			a.sessionByID[x.id] = x
		}
		a.rooms = append(a.rooms, g.rec)
		a.roomByID[g.rec.id] = g.rec
		a.roomByName[g.rec.uniqueName] = g.rec
	}
	a.sortAll()
	return a
}

// forceSessionTie makes the earliest sessions of two rooms start at exactly the same instant,
// so the account-wide session list needs its id tie-break. Moving the later of the two
// earliest starts back to the earlier one keeps each room's starts strictly ascending.
func forceSessionTie(rooms []*genRoom) {
	var pair []*genRoom
	for _, g := range rooms {
		ended := len(g.starts)
		if g.active {
			ended--
		}
		if ended > 0 {
			pair = append(pair, g)
			if len(pair) == 2 {
				break
			}
		}
	}
	if len(pair) < 2 {
		return
	}
	t := min(pair[0].starts[0], pair[1].starts[0])
	pair[0].starts[0], pair[1].starts[0] = t, t
}

func uniqueRoomName(rng *rand.Rand, bases, teams []string, used map[string]bool) string {
	base := bases[rng.IntN(len(bases))]
	var name string
	switch k := rng.IntN(10); {
	case k < 6:
		name = base + "-" + teams[rng.IntN(len(teams))]
	case k < 8:
		name = base + "-2026"
	case k < 9:
		name = base + "-q" + strconv.Itoa(1+rng.IntN(4)) + "-" + teams[rng.IntN(len(teams))]
	default:
		name = base
	}
	if !used[name] {
		used[name] = true
		return name
	}
	for n := 2; ; n++ {
		candidate := name + "-" + strconv.Itoa(n)
		if !used[candidate] {
			used[candidate] = true
			return candidate
		}
	}
}

func roomCapacity(rng *rand.Rand, perSession int) int {
	choices := []int{4, 6, 8, 10, 10, 10, 12, 16, 20, 25, 50}
	c := max(choices[rng.IntN(len(choices))], perSession)
	return min(max(c, 2), 50)
}
