package embedded

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"

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
//
// Another process may write the same file (a command-line import while the
// server runs): every pollEvery, the versions in layer_state are compared
// with the snapshots'; a collection written elsewhere is read again and
// announced whole (Change.All), its areas being unknown.
func (s *Store) ListenChanges(ctx context.Context, log *slog.Logger, onChange func(socle.Change), onReset func()) {
	sub := s.changes.subscribe()
	defer s.changes.unsubscribe(sub)
	onReset()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
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
		case <-tick.C:
			if err := s.reloadChanged(ctx); err != nil && ctx.Err() == nil && log != nil {
				log.Warn("cannot follow changes made to the data file by another process", "error", err)
			}
		}
	}
}

// pollEvery is how often ListenChanges looks for writes by other processes.
const pollEvery = 2 * time.Second

// reloadChanged reads again the collections that another process wrote,
// and announces them.
func (s *Store) reloadChanged(ctx context.Context) error {
	stale, err := s.staleCollections(ctx)
	if err != nil || len(stale) == 0 {
		return err
	}
	// Imports of this process hold writeMu: take it, so that a collection
	// is not read while this process writes it.
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // read only
	var changes []socle.Change
	for _, id := range stale {
		p := s.layers[id]
		old := p.Load()
		if old == nil {
			continue // not read yet: it will be read as it is
		}
		st, err := readState(ctx, tx, id)
		if err != nil {
			return err
		}
		if st.version == old.state.version && st.updatedAt.Equal(old.state.updatedAt) {
			continue
		}
		l, err := loadLayer(ctx, tx, old.t)
		if err != nil {
			return err
		}
		p.Store(l)
		changes = append(changes, socle.Change{Collection: id, Version: l.state.version, All: true})
	}
	s.changes.publish(changes)
	return nil
}

// staleCollections lists the collections whose layer_state row differs
// from their snapshot.
func (s *Store) staleCollections(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT collection, version, CAST(updated_at AS TEXT) FROM layer_state")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var stale []string
	for rows.Next() {
		var id, updated string
		var version int64
		if err := rows.Scan(&id, &version, &updated); err != nil {
			return nil, err
		}
		p, ok := s.layers[id]
		if !ok {
			continue
		}
		t, err := parseTimestamp(updated)
		if err != nil {
			return nil, err
		}
		l := p.Load()
		if l == nil {
			continue // not read yet (OpenLazy)
		}
		if st := l.state; st.version != version || !st.updatedAt.Equal(t) {
			stale = append(stale, id)
		}
	}
	return stale, rows.Err()
}
