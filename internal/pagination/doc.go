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
// A cursor is base64url without padding. Version 3 (45 bytes, 60 characters), the one handed out: a version
// byte (3), the offset as a big-endian uint32, the item's [Anchor] (its sort key in Unix nanoseconds as a
// big-endian int64 and its 16-byte UUID), the first 12 bytes of HMAC-SHA256(secret, those 29 bytes ||
// scope), and a 4-byte tag, the first bytes of HMAC-SHA256(secret, the 41 bytes before it). Version 2 (21
// bytes, 28 characters) is the same without the anchor: version byte 2, offset, MAC, tag; it is still
// decoded (a cursor handed out before anchors, or of an item without a UUID) and is an offset only. The
// scope is the caller's description of the list (endpoint, room or session id, normalized filter; see
// [Scope]), which is not stored in the cursor but bound by the MAC: an intact cursor presented with another
// scope fails with [ErrCursorScope]. The tag binds no scope, so it tells an altered cursor (any byte
// changed, or another secret) apart: it fails with [ErrCursorTampered], and a caller can say "altered"
// rather than "another list". One that is not even shaped like a cursor fails with [ErrCursorMalformed].
// Version 1 cursors (17 bytes, no tag) are refused as malformed. The MAC only makes cursors tamper-evident;
// it hides nothing (the offset and the anchor are readable) and grants nothing (any item is reachable by
// paging anyway), so a weak or empty secret costs scope checking only against forgers, not against
// accidental reuse.
//
// # When the upstream list changes between two requests
//
// The upstream has no "items after id X" query, and its lists move: newest first, every new session, room or
// participant pushes the rest down. An anchored cursor finds its place again. Every list is sorted by a key
// that never changes (created_at, joined_at) descending, then by id ascending, so the items after an
// [Anchor] are the same whatever was inserted or removed elsewhere, its own item included: an after cursor
// cuts the list just after its anchor's place, a before cursor just before it, whether or not the item
// still exists.
//
// [Resolve] keeps a request's cursors as [Cut]s ([Request.Anchored]); its Start, End and Last are the
// window as issued. [Request.Probe] is what to fetch first: that window, the cursors' items and up to
// [Slack] items on either side, no more calls than the window alone. The caller finds where each anchor
// cuts the list now, in what it fetched (a shift within the slack costs no extra call) or by a bounded
// search (at most [MaxSearchCalls] calls, pages chosen with [PageFrom], [PageBefore] and [PageAt]), and
// [Request.Rebase] places the window at those cuts. A complete forward walk then returns every item that
// existed during the whole walk exactly once, in order, and none created during it (they are newer, before
// the walk's cursor); a complete backward walk also returns the items created during it, since it ends at
// the head. A version 2 cursor is honoured as an offset: a change before it repeats or skips items, and
// nothing detects it. An offset past the new end simply yields an empty window with hasNextPage false.
package pagination
