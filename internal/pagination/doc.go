// Package pagination turns Relay Cursor Connection arguments (first/after/last/before) into offset windows
// over an upstream list that only knows page-number pagination, plans the fewest upstream page requests
// that cover such a window, and encodes the opaque cursors handed out with each edge.
//
// It is pure: no I/O, no clocks, no randomness, no GraphQL imports, standard library only. It must not
// learn about Telnyx, HTTP or gqlgen; the gateway feeds it arguments and totals and gets numbers back.
//
// # Offsets and pages
//
// Every item of a list has an offset: its 0-based position in the upstream order. Upstream page
// `page[number]=n, page[size]=s` (n >= 1, 1 <= s <= 250) covers the offsets [(n-1)*s, n*s). A Relay request
// becomes a half-open window [Start, End) of offsets:
//
//	after  = cursor of offset a  -> Start = a+1
//	before = cursor of offset b  -> End   = b          (End < Start collapses to an empty window)
//	first  = f                   -> End   = min(End, Start+f)
//	last   = l                   -> Start = max(Start, End-l), End clamped to the total first
//
// With no first and no last, first defaults to [Limits.DefaultFirst]. `last` without `before` or `first`
// means "the tail of the list", which cannot be placed before the total is known ([Request.NeedsTotal]);
// every other request is placed up front ([Request.Known]) and clamped to the total afterwards
// ([Request.Window]). first+last without before fetches the first-window and keeps its last items once the
// total is known, because a list shorter than first moves them. Counts outside 0..MaxFirst are rejected,
// not clamped, and so is an empty-string cursor: "" is not a cursor this package issued, and treating
// it as absent would hide client bugs. The upstream's meta.total_results is exact, so [Info] gives exact hasPreviousPage
// (Start > 0) and hasNextPage (End < total) in both directions, not the "may return false" Relay allows.
//
// [PlanPages] chooses one page size for the whole window and the consecutive page numbers that cover it:
// first the fewest calls, then the fewest items fetched, then the smallest size. An unaligned window of
// 20 items at offset 30 is one call (page 2 of size 25 rather than page 1 of size 50), not two; in the
// tests every window of up to 125 items fits one call.
//
// # Cursors
//
// A cursor is base64url without padding of 21 bytes: a version byte (2), the offset as a big-endian
// uint32, the first 12 bytes of HMAC-SHA256(secret, version || offset || scope), and a 4-byte tag, the
// first bytes of HMAC-SHA256(secret, the 17 bytes before it). The scope is the caller's description of the
// list (endpoint, room or session id, normalized filter; see [Scope]), which is not stored in the cursor
// but bound by the MAC: an intact cursor presented with another scope fails with [ErrCursorScope]. The
// tag binds no scope, so it tells an altered cursor (any byte changed, or another secret) apart: it fails
// with [ErrCursorTampered], and a caller can say "altered" rather than "another list". One that is not
// even shaped like a cursor fails with [ErrCursorMalformed]. Version 1 cursors (17 bytes, no tag) are
// refused as malformed: cursors live as long as a client's paging, not across deployments.
// The MAC only makes cursors tamper-evident; it hides nothing (the offset is readable) and grants nothing
// (any offset is reachable by paging anyway), so a weak or empty secret costs scope checking only
// against forgers, not against accidental reuse.
//
// # When the upstream list changes between two requests
//
// Cursors are positions, not item identities: the upstream has no "items after id X" query. If items are
// inserted before a cursor's offset between two requests (with the newest-first order, any newly created
// session or room), the next page starts earlier in the new order than where the client stopped and
// repeats items it has already seen; if items are removed before it, the next page skips items. The
// cursor still decodes and is honoured as an offset: nothing detects the change, no error is returned.
// An offset past the new end simply yields an empty window with hasNextPage false. Clients that need
// exact change tracking must refetch from the start.
package pagination
