package server

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/socle"
)

// One render for the requests that ask while it is under way; the first
// one leaving does not cancel it for the others.
func TestTileFlightsShareOneRender(t *testing.T) {
	var f tileFlights
	var renders atomic.Int32
	release := make(chan struct{})
	render := func(ctx context.Context) (*cachedResponse, error) {
		renders.Add(1)
		select {
		case <-release:
			return &cachedResponse{data: []byte("tile")}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	first, leave := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	results := make([]error, 4)
	for i := range 4 {
		ctx := context.Background()
		if i == 0 {
			ctx = first
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := f.do(ctx, "k", render)
			if err == nil && string(e.data) != "tile" {
				err = errors.New("wrong tile")
			}
			results[i] = err
		}()
	}
	for f.waiting("k") != 4 {
		time.Sleep(time.Millisecond)
	}
	leave()
	for f.waiting("k") != 3 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if !errors.Is(results[0], context.Canceled) {
		t.Errorf("the request that left: %v", results[0])
	}
	for i, err := range results[1:] {
		if err != nil {
			t.Errorf("request %d: %v", i+1, err)
		}
	}
	if n := renders.Load(); n != 1 {
		t.Errorf("%d renders, want 1", n)
	}
}

// A render whose every request left is cancelled, and the next request
// starts a fresh one.
func TestTileFlightsCancelARenderNobodyWaitsFor(t *testing.T) {
	var f tileFlights
	cancelled := make(chan struct{})
	ctx, leave := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := f.do(ctx, "k", func(rctx context.Context) (*cachedResponse, error) {
			<-rctx.Done()
			close(cancelled)
			return nil, rctx.Err()
		})
		done <- err
	}()
	for f.waiting("k") != 1 {
		time.Sleep(time.Millisecond)
	}
	leave()
	<-done
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the render went on with nobody waiting")
	}
	e, err := f.do(context.Background(), "k", func(context.Context) (*cachedResponse, error) {
		return &cachedResponse{data: []byte("fresh")}, nil
	})
	if err != nil || string(e.data) != "fresh" {
		t.Fatalf("the next request: %v", err)
	}
}

// A render that panics is its requests' internal error, not the
// process's end.
func TestTileFlightsRenderPanic(t *testing.T) {
	var f tileFlights
	_, err := f.do(context.Background(), "k", func(context.Context) (*cachedResponse, error) { panic("boom") })
	if socle.ErrorCode(err) != socle.EINTERNAL {
		t.Fatalf("%v", err)
	}
}

// waiting counts the requests waiting on key's render.
func (f *tileFlights) waiting(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.calls[key]; ok {
		return c.waiters
	}
	return 0
}
