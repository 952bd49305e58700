// Package stream paces a GraphQL subscription so that each of its events is resolved like a small
// operation of its own: with fresh per-operation state (loaders) and a deadline of its own, while the
// subscription itself lives, without a deadline, until its client leaves.
//
// gqlgen resolves a subscription's events with the context its transport passes on every call of the
// operation's response handler, and that call first waits, with the same context, for the resolver's
// next value. A deadline on that context would end an idle subscription; loaders on it would serve every
// event from one cache. So the gateway's operation interceptor puts a Gate in the context; the
// subscription resolver sends its values through a Pipe of the gate, each with the Scope it was made in;
// and the interceptor's response handler waits (Gate.Next, no deadline) until a value is ready before
// it calls gqlgen's handler with the context of that value's scope, whose select then finds the value
// at once.
//
// It knows nothing of loaders or HTTP: a Scope is whatever the gateway puts in an event's context.
package stream

import (
	"context"
	"sync/atomic"
	"time"
)

// Scope is one event's context: what Values adds to it (the gateway's fresh loaders) and its deadline.
type Scope struct {
	Deadline time.Time
	Values   func(context.Context) context.Context
}

// Context returns parent with the scope's values and deadline. The zero Scope adds nothing.
func (s Scope) Context(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := parent, context.CancelFunc(func() {})
	if !s.Deadline.IsZero() {
		ctx, cancel = context.WithDeadline(ctx, s.Deadline)
	}
	if s.Values != nil {
		ctx = s.Values(ctx)
	}
	return ctx, cancel
}

// Gate connects a subscription resolver with the response handler that paces it.
type Gate struct {
	newScope func() Scope
	ready    chan Scope // one token per value waiting in the pipe, closed after the pipe is
	attached atomic.Bool
	err      atomic.Pointer[error]
}

// NewGate returns a gate whose scopes are made by newScope (called when an event begins).
func NewGate(newScope func() Scope) *Gate {
	return &Gate{newScope: newScope, ready: make(chan Scope, 1)}
}

type gateKey struct{}

// With returns ctx holding g.
func With(ctx context.Context, g *Gate) context.Context { return context.WithValue(ctx, gateKey{}, g) }

// From returns the gate in ctx, or nil.
func From(ctx context.Context) *Gate {
	g, _ := ctx.Value(gateKey{}).(*Gate)
	return g
}

// Scope begins a new scope now: what a resolver reads for one event, and what that event is then
// resolved in. Without a gate (a resolver run outside the gateway), the zero Scope.
func (g *Gate) Scope() Scope {
	if g == nil || g.newScope == nil {
		return Scope{}
	}
	return g.newScope()
}

// Attached reports whether a resolver opened a pipe on the gate: when none did (the subscription was
// refused before it began), the operation's handler is gqlgen's own, one response with the errors.
func (g *Gate) Attached() bool { return g.attached.Load() }

// Next waits, without a deadline, for the next value of the pipe: it returns that value's scope and
// true, or, once the pipe is closed, the zero Scope and true (gqlgen's handler then finds the channel
// closed and ends the stream). It returns false when ctx ends first.
func (g *Gate) Next(ctx context.Context) (Scope, bool) {
	select {
	case s := <-g.ready:
		return s, true
	case <-ctx.Done():
		return Scope{}, false
	}
}

// Err is the error the pipe was closed with (CloseWithError), nil otherwise. Read it after Next
// reported the end.
func (g *Gate) Err() error {
	if p := g.err.Load(); p != nil {
		return *p
	}
	return nil
}

// Pipe carries a resolver's values to gqlgen through a gate.
type Pipe[T any] struct {
	g   *Gate
	out chan T
}

// Open returns a pipe and the channel the resolver returns to gqlgen. Without a gate in ctx the channel
// is a plain one (each value resolved in the subscription's own context).
func Open[T any](ctx context.Context) (*Pipe[T], <-chan T) {
	g := From(ctx)
	if g != nil {
		g.attached.Store(true)
	}
	p := &Pipe[T]{g: g, out: make(chan T, 1)}
	return p, p.out
}

// Send hands v, made in scope s, to the subscriber; it waits while the previous value is being resolved
// and reports false when ctx ends first (the subscriber left).
func (p *Pipe[T]) Send(ctx context.Context, v T, s Scope) bool {
	select {
	case p.out <- v:
	case <-ctx.Done():
		return false
	}
	if p.g == nil {
		return true
	}
	select {
	case p.g.ready <- s:
		return true
	case <-ctx.Done():
		return false
	}
}

// Close ends the stream: gqlgen's handler finds the channel closed and the operation completes. Call it
// once, from the goroutine that sends.
func (p *Pipe[T]) Close() { p.CloseWithError(nil) }

// CloseWithError ends the stream with err, which the operation's handler sends as the subscription's
// last response (Gate.Err).
func (p *Pipe[T]) CloseWithError(err error) {
	if p.g != nil && err != nil {
		p.g.err.Store(&err)
	}
	close(p.out)
	if p.g != nil {
		close(p.g.ready)
	}
}
