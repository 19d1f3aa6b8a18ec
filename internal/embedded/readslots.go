package embedded

import (
	"context"
	"runtime"
)

// LimitReads bounds the pages (Items, Records) and tiles the store computes
// at once to n, the others waiting their turn in arrival order; n ≤ 0: no
// bound. Call it before serving.
//
// Why: these reads are CPU work in this process, of very unequal sizes (a
// box of ten features, a tile of thousands of road sections). Run all at
// once, the runtime shares the cores among every request, so a large one
// takes as many times its own work as there are requests in flight and sets
// the tail latency; in turn, each takes about its own work after its wait,
// as the PostGIS store's requests do behind its connection pool
// (docs/benchmarks.md, issue 18). Single features are not bounded: they
// are a lookup, cheaper than the wait's bookkeeping. A page keeps its slot
// while it is written, as a PostGIS page keeps its connection: a client
// that reads slower than the socket's buffers take a page holds one.
func (s *Store) LimitReads(n int) {
	if n <= 0 {
		s.reads = nil
		return
	}
	s.reads = make(readSlots, n)
}

// readSlots is a counting semaphore; a channel's waiting senders are
// served in the order they came.
type readSlots chan struct{}

// acquire waits for a slot, or for ctx to end (its error then), and
// returns the slot's release.
func (r readSlots) acquire(ctx context.Context) (func(), error) {
	if r == nil {
		return func() {}, nil
	}
	select {
	case r <- struct{}{}:
		return r.release, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (r readSlots) release() { <-r }

// yieldNow lets the other goroutines run every yieldEvery features of a
// page or a tile. A tile of roads or a page of a thousand features is
// milliseconds of CPU without a pause; meanwhile the goroutines that only
// move bytes (a connection's request read, its response written, net/http's
// end of a request) wait in the run queue for the scheduler's 10 ms time
// slices, each step of each request in turn. Yielding hands them the core
// at once: on the kit's roads z14 list, 32 connections, p99 690 and 303 →
// 64 and 58 ms and 1.6× the throughput (docs/benchmarks.md, issue 18).
func yieldNow(i int) {
	if i%yieldEvery == yieldEvery-1 {
		runtime.Gosched()
	}
}

// yieldEvery: 32 features, the value measured (docs/benchmarks.md,
// issue 18, C); a yield is a scheduler call, small beside 32 features'
// encoding.
const yieldEvery = 32
