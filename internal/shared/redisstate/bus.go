package redisstate

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/roomgraph/roomgraph/internal/live"
	"github.com/roomgraph/roomgraph/internal/telemetry"
)

// Bounds of the Bus.
const (
	// StreamLength is about how many entries the stream keeps (XADD MAXLEN ~): what a replica that
	// lost Redis for a moment reads back when it returns. Telnyx's video events are rare next to it.
	StreamLength = 10_000
	// holdQueue bounds the holds waiting to be sent (a hold is sent from a goroutine of the Bus: the
	// request that saw the 429 does not wait for Redis).
	holdQueue = 256
	// readBlock is how long one XREAD waits for entries.
	readBlock = time.Second
	// readCount is the most entries one XREAD takes.
	readCount = 256
)

// Bus carries, through one Redis Stream ({prefix}bus), what every replica must hear:
//
//   - verified webhook events (Publish, the door's Publisher): every replica reads each entry once and
//     hands it to its own live.Hub, so a webhook accepted by any replica reaches the subscribers of all;
//   - the upstream's rate-limit holds (ShareHold, resilience.Hooks.OnShareHold): every other replica holds
//     the credential back until the same instant (Hold).
//
// A Stream rather than Pub/Sub: a replica reads from the last entry it read, so a dropped connection or a
// slow reader loses nothing the stream still holds (Pub/Sub drops what is published while a subscriber is
// away, silently). While Redis is down, Publish hands events to this replica's hub only and holds stay in
// this replica; when Redis comes back the reader goes on from where it stopped, and every subscription of
// this replica is ended with live.ErrGap (events other replicas took meanwhile reached only their own
// subscribers): roomUpdated reads its room again, roomEvents ends with EVENTS_MISSED.
type Bus struct {
	c      *Client
	hub    *live.Hub
	hold   func(cred [32]byte, until time.Time, capped bool)
	stream string
	holds  chan holdMsg
}

type holdMsg struct {
	cred   [32]byte
	until  time.Time
	capped bool
}

// NewBus starts the Bus's reader (and sender of holds) on c: events go to hub, holds of other replicas to
// hold (may be nil); the stream keeps about StreamLength entries. They stop with c.Close.
func NewBus(c *Client, hub *live.Hub, hold func(cred [32]byte, until time.Time, capped bool)) *Bus {
	b := &Bus{c: c, hub: hub, hold: hold, stream: c.key("bus"), holds: make(chan holdMsg, holdQueue)}
	c.OnRecover(b.gap)
	// The reader starts after the stream's last entry as it is now (when Redis is up), so that an event
	// added once NewBus has returned reaches this replica even before its reader first runs.
	last := ""
	if c.Up() {
		last, _ = b.lastID()
	}
	c.wg.Add(2)
	go b.read(last)
	go b.sendHolds()
	return b
}

// gap ends this replica's subscriptions: Redis was down, events may have been missed.
func (b *Bus) gap() {
	n := b.hub.Interrupt()
	b.c.metrics.RedisGap()
	b.c.logger.LogAttrs(context.Background(), slog.LevelInfo, "redis is back: subscriptions of this replica ended with a gap, to read their rooms again",
		slog.Int("subscriptions", n))
}

// Publish adds e to the stream (every replica's reader, this one's included, hands it to its hub); while
// Redis is down, or when the add fails, e goes to this replica's hub directly. It reports the subscribers
// here that took it, or -1 when it went to the stream.
func (b *Bus) Publish(e live.Event) int {
	body, err := json.Marshal(e)
	if err == nil {
		err = b.c.do(b.c.ctx, telemetry.RedisEvents, func(ctx context.Context) error {
			return b.c.rdb.XAdd(ctx, &redis.XAddArgs{Stream: b.stream, MaxLen: StreamLength, Approx: true,
				Values: []any{"k", "event", "o", b.c.replica, "e", body}}).Err()
		})
	}
	if err != nil {
		// A timed-out add may still have been applied: the event may then come back from the stream too,
		// and the subscriptions drop an event id they have seen.
		return b.hub.Publish(e)
	}
	return -1
}

// ShareHold sends a hold of this replica's to the others; it never blocks (a full queue counts as a
// fallback: the hold then stays in this replica).
func (b *Bus) ShareHold(cred [32]byte, until time.Time, capped bool) {
	if !b.c.Up() {
		b.c.fallback(telemetry.RedisHolds)
		return
	}
	select {
	case b.holds <- holdMsg{cred, until, capped}:
	default:
		b.c.fallback(telemetry.RedisHolds)
	}
}

func (b *Bus) sendHolds() {
	defer b.c.wg.Done()
	for {
		select {
		case <-b.c.ctx.Done():
			return
		case h := <-b.holds:
			capped := "0"
			if h.capped {
				capped = "1"
			}
			_ = b.c.do(b.c.ctx, telemetry.RedisHolds, func(ctx context.Context) error {
				return b.c.rdb.XAdd(ctx, &redis.XAddArgs{Stream: b.stream, MaxLen: StreamLength, Approx: true,
					Values: []any{"k", "hold", "o", b.c.replica, "h", hex.EncodeToString(h.cred[:]),
						"u", strconv.FormatInt(h.until.UnixMilli(), 10), "c", capped}}).Err()
			})
		}
	}
}

// read follows the stream while Redis is up, from the entry after last (the last one read; "" for
// after the stream's last entry when Redis is first up).
func (b *Bus) read(last string) {
	defer b.c.wg.Done()
	for {
		select {
		case <-b.c.ctx.Done():
			return
		case <-b.c.waitUp():
		}
		if last == "" {
			// The first read starts after the stream's current last entry ("$" would lose what is added
			// between two reads).
			id, err := b.lastID()
			if err != nil {
				continue
			}
			last = id
		}
		ctx, cancel := context.WithTimeout(b.c.ctx, readBlock+b.c.timeout)
		res, err := b.c.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{b.stream, last}, Count: readCount, Block: readBlock}).Result()
		cancel()
		switch {
		case errors.Is(err, redis.Nil):
			continue
		case err != nil:
			if b.c.ctx.Err() != nil {
				return
			}
			b.c.metrics.RedisError(telemetry.RedisEvents)
			b.c.markDown(telemetry.RedisEvents, err)
			continue
		}
		for _, s := range res {
			for _, m := range s.Messages {
				last = m.ID
				b.deliver(m.Values)
			}
		}
	}
}

// lastID is the id of the stream's last entry, "0-0" when it has none.
func (b *Bus) lastID() (string, error) {
	var id string
	err := b.c.do(b.c.ctx, telemetry.RedisEvents, func(ctx context.Context) error {
		msgs, err := b.c.rdb.XRevRangeN(ctx, b.stream, "+", "-", 1).Result()
		if err != nil {
			return err
		}
		id = "0-0"
		if len(msgs) > 0 {
			id = msgs[0].ID
		}
		return nil
	})
	return id, err
}

// deliver hands one entry on: an event to the hub, a hold of another replica to hold.
func (b *Bus) deliver(v map[string]any) {
	str := func(k string) string { s, _ := v[k].(string); return s }
	switch str("k") {
	case "event":
		var e live.Event
		if err := json.Unmarshal([]byte(str("e")), &e); err != nil || e.RoomID == "" && e.ID == "" {
			return
		}
		b.hub.Publish(e)
	case "hold":
		if b.hold == nil || str("o") == b.c.replica {
			return
		}
		sum, err := hex.DecodeString(str("h"))
		ms, err2 := strconv.ParseInt(str("u"), 10, 64)
		if err != nil || err2 != nil || len(sum) != 32 {
			return
		}
		b.hold([32]byte(sum), time.UnixMilli(ms), str("c") == "1")
	}
}
