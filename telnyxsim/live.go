package telnyxsim

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LiveConfig makes a few rooms of every account busy on their own: people join and leave, sessions start and
// end, each change emitting its events. Off unless Rate > 0 (Sim.LiveStep works either way).
type LiveConfig struct {
	Rate            float64 // changes (one join or one leave) per second, across the simulator; ≤ 0: off
	Rooms           int     // busy rooms per account: those with the most sessions; default 3
	MaxParticipants int     // most people present in a busy room (never above its max_participants); default 4
	// KeepSessions bounds the history of a busy room: once it has more sessions, live mode deletes its
	// oldest ended ones with their participants, so that a simulator left running for days holds a bounded
	// amount of memory (at 1/s, live mode makes about 90,000 participants a day). Default 200.
	KeepSessions int
}

// Live defaults.
const (
	DefaultLiveRooms           = 3
	DefaultLiveMaxParticipants = 4
	DefaultLiveKeepSessions    = 200
)

// liveBook is the live mode's state: its rooms, its seeded randomness and its ticker goroutine.
type liveBook struct {
	mu    sync.Mutex // serialises steps: the random sequence depends only on the seed and the step count
	rng   *rand.Rand
	max   int
	keep  int                 // sessions kept per busy room (LiveConfig.KeepSessions)
	rooms map[string][]string // account key → busy room ids
	stop  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

func (s *Sim) initLive(cfg LiveConfig) {
	l := &s.live
	l.rng = rand.New(rand.NewPCG(uint64(s.cfg.Seed), 0x11fe_5eed))
	l.max = cmpOr(cfg.MaxParticipants, DefaultLiveMaxParticipants)
	l.keep = cmpOr(cfg.KeepSessions, DefaultLiveKeepSessions)
	n := cmpOr(cfg.Rooms, DefaultLiveRooms)
	l.rooms = map[string][]string{}
	for _, k := range s.keys {
		// The busiest rooms first, ties in API order (created_at desc, id asc).
		a := s.accounts[k]
		a.mu.RLock()
		rooms := slices.Clone(a.rooms)
		slices.SortStableFunc(rooms, func(x, y *roomRec) int { return len(y.sessions) - len(x.sessions) })
		for _, r := range rooms[:min(n, len(rooms))] {
			l.rooms[k] = append(l.rooms[k], r.id)
		}
		a.mu.RUnlock()
	}
	l.stop = make(chan struct{})
	if cfg.Rate > 0 {
		every := time.Duration(float64(time.Second) / cfg.Rate)
		every = max(every, time.Millisecond)
		l.wg.Add(1)
		go s.runLive(every)
	}
}

func (s *Sim) runLive(every time.Duration) {
	defer s.live.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.live.stop:
			return
		case <-t.C:
			s.LiveStep()
		}
	}
}

func (s *Sim) closeLive() {
	s.live.once.Do(func() { close(s.live.stop) })
	s.live.wg.Wait()
}

// LiveRooms returns the ids of the account's busy rooms (the rooms with the most sessions, ties in API
// order), whether or not live mode runs. Rooms deleted since New stay listed but are left alone.
func (s *Sim) LiveRooms(key string) []string { return slices.Clone(s.live.rooms[key]) }

// LiveStep makes one live change now: in a busy room picked at random, someone joins (always in an empty room,
// never in a full one, else with probability 0.55) or a present participant picked at random leaves (the last
// to leave ends the session). With the same seed and the same sequence of steps and other writes, the changes
// are the same. It reports whether anything changed (false when every busy room was deleted).
func (s *Sim) LiveStep() bool {
	l := &s.live
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(s.keys) == 0 {
		return false
	}
	key := s.keys[l.rng.IntN(len(s.keys))]
	rooms := l.rooms[key]
	if len(rooms) == 0 {
		return false
	}
	a := s.accounts[key]
	a.mu.Lock()
	defer a.mu.Unlock()
	start := l.rng.IntN(len(rooms))
	for i := range rooms {
		r := a.roomByID[rooms[(start+i)%len(rooms)]]
		if r == nil {
			continue
		}
		var present []*participantRec
		if r.active != nil {
			for _, p := range r.active.participants {
				if !p.hasLeft {
					present = append(present, p)
				}
			}
		}
		limit := min(l.max, r.maxParticipants)
		join := len(present) == 0 || (len(present) < limit && l.rng.Float64() < 0.55)
		if join {
			names, devices := contextNames(), deviceSuffixes()
			name := names[l.rng.IntN(len(names))]
			if l.rng.IntN(3) == 0 {
				name += devices[l.rng.IntN(len(devices))]
			}
			if _, full := s.join(a, r, name); full == nil {
				return true
			}
			continue
		}
		s.leaveRoom(a, present[l.rng.IntN(len(present))])
		a.trimSessions(r, l.keep)
		return true
	}
	return false
}

// trimSessions deletes the room's oldest ended sessions, with their participants, beyond its keep newest.
// Called with a.mu held.
func (a *account) trimSessions(r *roomRec, keep int) {
	if len(r.sessions) <= keep {
		return
	}
	var old []*sessionRec
	drop := map[*sessionRec]bool{}
	for _, x := range r.sessions[keep:] { // created_at desc: the oldest are last
		if !x.active {
			old = append(old, x)
			drop[x] = true
		}
	}
	if len(old) == 0 {
		return
	}
	dropped := func(x *sessionRec) bool { return drop[x] }
	a.forgetSessions(old, dropped)
	r.sessions = removeWhere(r.sessions, dropped)
}

// ParseRate reads a live rate: "2/s", "30/m", "120/h", a bare number of changes per second ("0.5"), or
// "0" / "off" / "" for off (0).
func ParseRate(v string) (float64, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "off" {
		return 0, nil
	}
	num, unit, hasUnit := strings.Cut(v, "/")
	per := 1.0
	if hasUnit {
		switch strings.TrimSpace(unit) {
		case "s":
		case "m":
			per = 60
		case "h":
			per = 3600
		default:
			return 0, errors.New("rate " + strconv.Quote(v) + ": the unit must be /s, /m or /h")
		}
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n < 0 || n != n || n > 1e6 {
		return 0, errors.New("rate " + strconv.Quote(v) + ": want a number of changes, e.g. 2/s, 30/m, 0.5")
	}
	return n / per, nil
}
