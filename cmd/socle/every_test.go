package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/socle"
)

// memLocks are locks shared by the "instances" of one test.
type memLocks struct {
	mu   sync.Mutex
	held map[string]*memLock
}

type memLock struct {
	l    *memLocks
	name string
	lost atomic.Bool
}

func (m *memLocks) TryLock(_ context.Context, name string) (socle.Lock, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if h := m.held[name]; h != nil && !h.lost.Load() {
		return nil, false, nil
	}
	l := &memLock{l: m, name: name}
	m.held[name] = l
	return l, true, nil
}

func (l *memLock) Held(context.Context) bool { return !l.lost.Load() }
func (l *memLock) Unlock() {
	l.l.mu.Lock()
	defer l.l.mu.Unlock()
	if l.l.held[l.name] == l {
		delete(l.l.held, l.name)
	}
}

// TestPeriodicTaskRunsInOneInstance: of two instances sharing a store's
// locks, one runs the periodic task; when it loses its lock (it died), the
// other takes it over at its next turn.
func TestPeriodicTaskRunsInOneInstance(t *testing.T) {
	locks := &memLocks{held: map[string]*memLock{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var runs [2]atomic.Int64
	var stops [2]context.CancelFunc
	var wg sync.WaitGroup
	for i := range 2 {
		ctx, cancel := context.WithCancel(context.Background())
		stops[i] = cancel
		wg.Add(1)
		go func() {
			defer wg.Done()
			every(ctx, locks, "purge-inputs", 10*time.Millisecond, log, func() { runs[i].Add(1) })
		}()
	}
	time.Sleep(300 * time.Millisecond)
	a, b := runs[0].Load(), runs[1].Load()
	if (a == 0) == (b == 0) {
		t.Fatalf("runs per instance: %d and %d, want one instance only", a, b)
	}
	leader, other := 0, 1
	if b > 0 {
		leader, other = 1, 0
	}
	// The leader dies: its session, and so its lock, ends.
	stops[leader]()
	locks.mu.Lock()
	if h := locks.held["purge-inputs"]; h != nil { // not yet unlocked by its end
		h.lost.Store(true)
	}
	locks.mu.Unlock()
	time.Sleep(300 * time.Millisecond)
	stops[other]()
	wg.Wait()
	if runs[other].Load() == 0 {
		t.Errorf("the other instance did not take over (runs %d, %d)", runs[leader].Load(), runs[other].Load())
	}
}
