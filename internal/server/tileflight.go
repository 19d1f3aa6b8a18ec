package server

import (
	"context"
	"fmt"
	"sync"

	"github.com/socle-geo/socle/internal/socle"
)

// tileFlights runs one render per tile at a time for all the requests that
// want it. A render belongs to no single request: it is cancelled only when
// every request waiting on it has gone (its client left or its time budget
// passed), so that a client that leaves never hands its cancellation to the
// others, and a tile nobody wants any more gives its connection back.
type tileFlights struct {
	mu    sync.Mutex
	calls map[string]*tileCall
}

type tileCall struct {
	done    chan struct{} // closed when tile and err are set
	tile    *cachedResponse
	err     error
	waiters int // requests waiting on done; guarded by tileFlights.mu
	cancel  context.CancelFunc
}

// do returns render's result for key, rendering it once for every request
// that asks while a render of key is under way. ctx is the request's: when
// it ends first, do returns its error and leaves the render to the others.
// render gets a context that keeps ctx's values (the request id of log
// lines) but not its cancellation.
func (f *tileFlights) do(ctx context.Context, key string, render func(context.Context) (*cachedResponse, error)) (*cachedResponse, error) {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[string]*tileCall{}
	}
	c, ok := f.calls[key]
	if !ok {
		rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		c = &tileCall{done: make(chan struct{}), cancel: cancel}
		f.calls[key] = c
		go f.run(key, c, rctx, render)
	}
	c.waiters++
	f.mu.Unlock()
	select {
	case <-c.done:
		return c.tile, c.err
	case <-ctx.Done():
		f.mu.Lock()
		c.waiters--
		if c.waiters == 0 && f.calls[key] == c {
			// Nobody wants this render any more; a later request starts
			// a fresh one rather than joining a cancelled one.
			delete(f.calls, key)
			c.cancel()
		}
		f.mu.Unlock()
		return nil, ctx.Err()
	}
}

// load returns the renders under way and the requests waiting on them
// (more waiters than renders: requests sharing a render).
func (f *tileFlights) load() (renders, waiters int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		renders++
		waiters += c.waiters
	}
	return renders, waiters
}

func (f *tileFlights) run(key string, c *tileCall, ctx context.Context, render func(context.Context) (*cachedResponse, error)) {
	defer func() {
		if v := recover(); v != nil {
			// The render runs on no request's goroutine: its panic is
			// the waiting requests' 500, not the process's end.
			c.tile, c.err = nil, &socle.Error{Code: socle.EINTERNAL, Message: "tile rendering failed", Err: fmt.Errorf("panic: %v", v)}
		}
		c.cancel()
		f.mu.Lock()
		if f.calls[key] == c {
			delete(f.calls, key)
		}
		f.mu.Unlock()
		close(c.done)
	}()
	c.tile, c.err = render(ctx)
}
