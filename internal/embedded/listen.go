package embedded

import (
	"context"
	"log/slog"
	"sync"

	"github.com/socle-geo/socle/internal/socle"
)

// broker hands the changes of committed imports to the listeners of this
// process. A listener that falls behind loses its queue and is reset
// instead, as the PostGIS store's listener is after a lost connection.
type broker struct {
	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	closed bool
}

type subscriber struct {
	ch    chan socle.Change
	reset chan struct{}
}

const listenQueue = 256

func (b *broker) subscribe() *subscriber {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := &subscriber{ch: make(chan socle.Change, listenQueue), reset: make(chan struct{}, 1)}
	if b.closed {
		return s
	}
	if b.subs == nil {
		b.subs = map[*subscriber]struct{}{}
	}
	b.subs[s] = struct{}{}
	return s
}

func (b *broker) unsubscribe(s *subscriber) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs, s)
}

// publish queues changes for every listener, in order; it never blocks.
func (b *broker) publish(changes []socle.Change) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
	each:
		for _, ch := range changes {
			select {
			case s.ch <- ch:
			default:
				// The listener is behind: drop its queue, ask for a reset.
				for len(s.ch) > 0 {
					<-s.ch
				}
				select {
				case s.reset <- struct{}{}:
				default:
				}
				break each
			}
		}
	}
}

func (b *broker) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.subs = nil
}

// ListenChanges calls onReset once, then onChange for every change an
// import of this store commits, until ctx ends: the same changes, with the
// same content, as the PostGIS store's notifications (the collection, its
// new version, and boxes in SRID 3857 and 3035 covering old and new
// positions). Each change is delivered after the new snapshot is in place,
// so a cache dropping a tile rebuilds it from the new data.
func (s *Store) ListenChanges(ctx context.Context, log *slog.Logger, onChange func(socle.Change), onReset func()) {
	sub := s.changes.subscribe()
	defer s.changes.unsubscribe(sub)
	onReset()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sub.reset:
			if log != nil {
				log.Warn("change notifications fell behind; caches reset")
			}
			onReset()
		case ch := <-sub.ch:
			onChange(ch)
		}
	}
}
