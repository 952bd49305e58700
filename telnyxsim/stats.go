package telnyxsim

import (
	"maps"
	"sync"
)

// Stats is the request accounting of the API routes (not of /_sim/*), and the webhook counters.
type Stats struct {
	Total    int             `json:"total"`
	ByRoute  map[string]int  `json:"by_route"` // key = route template, e.g. RouteListRoomSessions
	Requests []RequestRecord `json:"requests"` // arrival order, the last maxRecords only
	Webhooks WebhookStats    `json:"webhooks"`
}

// RequestRecord is one API request as received. Status 0 means no answer was sent (a reset or
// hang fault, or the request is still in flight).
type RequestRecord struct {
	Route    string `json:"route"`     // template
	Path     string `json:"path"`      // actual path
	RawQuery string `json:"raw_query"` // exactly as received
	Status   int    `json:"status"`
}

const maxRecords = 10000

// statsBook records a request on arrival (so the order is arrival order) and fills in its
// status when the answer is written; seq numbers survive the trimming of old records.
type statsBook struct {
	mu      sync.Mutex
	total   int
	byRoute map[string]int
	recs    []RequestRecord
	base    int // seq of recs[0]
}

func (b *statsBook) init() { b.byRoute = map[string]int{} }

func (b *statsBook) begin(route, path, rawQuery string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total++
	b.byRoute[route]++
	seq := b.base + len(b.recs)
	var dropped int
	b.recs, dropped = appendCapped(b.recs, RequestRecord{Route: route, Path: path, RawQuery: rawQuery}, maxRecords)
	b.base += dropped
	return seq
}

func (b *statsBook) finish(seq, status int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if i := seq - b.base; i >= 0 && i < len(b.recs) {
		b.recs[i].Status = status
	}
}

func (b *statsBook) snapshot() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	recs := lastN(b.recs, maxRecords)
	return Stats{
		Total:    b.total,
		ByRoute:  maps.Clone(b.byRoute),
		Requests: append(make([]RequestRecord, 0, len(recs)), recs...),
	}
}

func (b *statsBook) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total = 0
	b.byRoute = map[string]int{}
	// In-flight requests finish against seq numbers below the new base and are dropped.
	b.base += len(b.recs)
	b.recs = nil
}
