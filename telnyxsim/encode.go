package telnyxsim

import (
	"strconv"
	"time"
)

// The JSON is appended by hand: the shapes are fixed, and a list page is the hot path of every
// benchmark of the gateway, so reflection-based encoding would dominate the simulator's cost.

const hexDigits = "0123456789abcdef"

func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendID writes an id the simulator generated itself: always a canonical UUID, so it needs
// no escaping.
func appendID(b []byte, id string) []byte {
	b = append(b, '"')
	b = append(b, id...)
	return append(b, '"')
}

func put2(dst []byte, v int) {
	dst[0] = byte('0' + v/10)
	dst[1] = byte('0' + v%10)
}

// appendTime writes a quoted RFC 3339 UTC timestamp with exactly six fractional digits and a
// Z suffix, e.g. "2021-04-16T09:46:20.954863Z". Years outside 0000-9999 are not supported.
func appendTime(b []byte, us int64) []byte {
	t := time.UnixMicro(us).UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	frac := t.Nanosecond() / 1000
	var buf [29]byte
	buf[0] = '"'
	put2(buf[1:], y/100%100)
	put2(buf[3:], y%100)
	buf[5] = '-'
	put2(buf[6:], int(mo))
	buf[8] = '-'
	put2(buf[9:], d)
	buf[11] = 'T'
	put2(buf[12:], h)
	buf[14] = ':'
	put2(buf[15:], mi)
	buf[17] = ':'
	put2(buf[18:], s)
	buf[20] = '.'
	put2(buf[21:], frac/10000)
	put2(buf[23:], frac/100%100)
	put2(buf[25:], frac%100)
	buf[27] = 'Z'
	buf[28] = '"'
	return append(b, buf[:]...)
}

// appendRoom leaves active_session_id out when the room has no active session, and sessions
// out unless include_sessions=true (docs/upstream.md §7.7, §7.8).
func appendRoom(b []byte, r *roomRec, withSessions bool) []byte {
	b = append(b, `{"id":`...)
	b = appendID(b, r.id)
	b = append(b, `,"unique_name":`...)
	b = appendString(b, r.uniqueName)
	b = append(b, `,"max_participants":`...)
	b = strconv.AppendInt(b, int64(r.maxParticipants), 10)
	b = append(b, `,"enable_recording":`...)
	b = strconv.AppendBool(b, r.enableRecording)
	b = append(b, `,"webhook_event_url":`...)
	b = appendString(b, r.webhookURL)
	b = append(b, `,"webhook_event_failover_url":`...)
	b = appendString(b, r.webhookFailoverURL)
	b = append(b, `,"webhook_timeout_secs":`...)
	if r.hasWebhookTimeout {
		b = strconv.AppendInt(b, int64(r.webhookTimeout), 10)
	} else {
		b = append(b, "null"...)
	}
	if r.active != nil {
		b = append(b, `,"active_session_id":`...)
		b = appendID(b, r.active.id)
	}
	if withSessions {
		b = append(b, `,"sessions":[`...)
		for i, s := range r.sessions {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendSession(b, s, false)
		}
		b = append(b, ']')
	}
	b = append(b, `,"created_at":`...)
	b = appendTime(b, r.createdAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, r.updatedAt)
	return append(b, `,"record_type":"room"}`...)
}

// appendSession leaves ended_at out while the session is active, and participants out unless
// include_participants=true.
func appendSession(b []byte, s *sessionRec, withParticipants bool) []byte {
	b = append(b, `{"id":`...)
	b = appendID(b, s.id)
	b = append(b, `,"room_id":`...)
	b = appendID(b, s.room.id)
	b = append(b, `,"active":`...)
	b = strconv.AppendBool(b, s.active)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, s.createdAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, s.updatedAt)
	if !s.active {
		b = append(b, `,"ended_at":`...)
		b = appendTime(b, s.endedAt)
	}
	if withParticipants {
		b = append(b, `,"participants":[`...)
		for i, p := range s.participants {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendParticipant(b, p)
		}
		b = append(b, ']')
	}
	return append(b, `,"record_type":"room_session"}`...)
}

// appendParticipant leaves left_at out while the participant is present.
func appendParticipant(b []byte, p *participantRec) []byte {
	b = append(b, `{"id":`...)
	b = appendID(b, p.id)
	b = append(b, `,"session_id":`...)
	b = appendID(b, p.session.id)
	b = append(b, `,"context":`...)
	b = appendString(b, p.context)
	b = append(b, `,"joined_at":`...)
	b = appendTime(b, p.joinedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, p.updatedAt)
	if p.hasLeft {
		b = append(b, `,"left_at":`...)
		b = appendTime(b, p.leftAt)
	}
	return append(b, `,"record_type":"room_participant"}`...)
}

func appendMeta(b []byte, number, size, total int) []byte {
	pages := 0
	if total > 0 {
		pages = (total + size - 1) / size
	}
	b = append(b, `"meta":{"page_number":`...)
	b = strconv.AppendInt(b, int64(number), 10)
	b = append(b, `,"page_size":`...)
	b = strconv.AppendInt(b, int64(size), 10)
	b = append(b, `,"total_pages":`...)
	b = strconv.AppendInt(b, int64(pages), 10)
	b = append(b, `,"total_results":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	return append(b, '}')
}

// appendPage writes a list envelope for the items matching match (nil = all), in the slice's
// order, in one pass and without collecting the matches.
func appendPage[T any](b []byte, items []T, number, size int, match func(T) bool, enc func([]byte, T) []byte) []byte {
	off := int(^uint(0) >> 1)
	if number-1 <= off/size {
		off = (number - 1) * size
	}
	b = append(b, `{"data":[`...)
	total := 0
	if match == nil {
		total = len(items)
		if off < total {
			end := min(total, off+size)
			for i, it := range items[off:end] {
				if i > 0 {
					b = append(b, ',')
				}
				b = enc(b, it)
			}
		}
	} else {
		written := 0
		for _, it := range items {
			if !match(it) {
				continue
			}
			if total >= off && total-off < size {
				if written > 0 {
					b = append(b, ',')
				}
				b = enc(b, it)
				written++
			}
			total++
		}
	}
	b = append(b, "],"...)
	b = appendMeta(b, number, size, total)
	return append(b, '}')
}
