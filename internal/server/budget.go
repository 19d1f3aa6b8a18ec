package server

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
)

// budgetCtx is a request's context: the connection's, the request's call
// (its Value under callKey), chi's routing context and the request's time
// budget (its deadline).
//
// It is context.WithTimeout(context.WithValue(parent, callKey{}, &call))
// made when first needed: the timer, the cancel context and its place
// among the connection context's children are only made when something
// waits on the context (Done, or a context derived to be cancelled). A
// request answered from memory (a cached feature, an empty tile) never
// does, and then costs none of them: five allocations and a timer a
// request fewer (docs/benchmarks.md, issue 18).
type budgetCtx struct {
	parent context.Context
	call   call // held here: one allocation for both
	// route is chi's routing context, its Value under chi.RouteCtxKey.
	route    *chi.Context
	deadline time.Time

	mu sync.Mutex
	// made is set once inner and cancel are, under mu: read them after
	// made says so.
	made   atomic.Bool
	inner  context.Context
	cancel context.CancelFunc
	closed bool // end was called: a late materialize is cancelled at once
}

// withBudget returns the context of a request with a budget of d (the
// earlier of it and parent's deadline), its call to be filled in before
// the context is used. Call its end once the request is answered.
func withBudget(parent context.Context, d time.Duration) *budgetCtx {
	b := &budgetCtx{parent: parent, deadline: time.Now().Add(d)}
	if pd, ok := parent.Deadline(); ok && pd.Before(b.deadline) {
		b.deadline = pd
	}
	return b
}

// materialize returns the context that Done, Err and derived contexts
// use, made on first use.
func (b *budgetCtx) materialize() context.Context {
	if b.made.Load() {
		return b.inner
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.made.Load() {
		return b.inner
	}
	// The call is b's own Value, before it asks inner.
	b.inner, b.cancel = context.WithDeadline(b.parent, b.deadline)
	if b.closed {
		b.cancel()
	}
	b.made.Store(true)
	return b.inner
}

// end cancels the context (and every context derived from it), as the
// cancel function of context.WithTimeout does once a request is answered.
func (b *budgetCtx) end() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	if b.made.Load() {
		b.cancel()
	}
}

func (b *budgetCtx) Deadline() (time.Time, bool) { return b.deadline, true }

func (b *budgetCtx) Done() <-chan struct{} { return b.materialize().Done() }

// Err is nil without making the timer while the budget lasts and neither
// the parent nor end has cancelled it.
func (b *budgetCtx) Err() error {
	if !b.made.Load() {
		b.mu.Lock()
		closed := b.closed
		b.mu.Unlock()
		if !closed && b.parent.Err() == nil && time.Now().Before(b.deadline) {
			return nil
		}
	}
	return b.materialize().Err()
}

// Value answers the call itself; other keys go to the materialized
// context when there is one (so that a context derived to be cancelled
// finds its cancel parent and joins it), to the parent otherwise.
func (b *budgetCtx) Value(key any) any {
	switch key {
	case callKey{}:
		return &b.call
	case chi.RouteCtxKey:
		if b.route != nil {
			return b.route
		}
	}
	if b.made.Load() {
		return b.inner.Value(key)
	}
	return b.parent.Value(key)
}
