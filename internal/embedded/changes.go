package embedded

import (
	"context"

	"github.com/socle-geo/socle/internal/socle"
)

// Changes reads a page of a collection's change feed (see
// socle.ChangeFeed). A batch publishes its features in memory after its
// log is committed, and the ledger reads the features before the later
// changes: a feature seen in its new state has its change seen too.
func (s *Store) Changes(ctx context.Context, q *socle.ChangesQuery, fn func(*socle.ChangeEntry) error) (socle.ChangesPage, error) {
	current := func(ctx context.Context, ids []string, props []socle.Property) (map[string]*socle.Record, error) {
		l, err := s.layer(ctx, q.Collection)
		if err != nil {
			return nil, err
		}
		cols := l.t.columns(props)
		out := make(map[string]*socle.Record, len(ids))
		for _, id := range ids {
			key, ok := (&socle.FeatureQuery{Collection: q.Collection, ID: id}).Key()
			if !ok {
				continue
			}
			if f := l.find(key); f != nil {
				out[id] = l.t.record(f, cols)
			}
		}
		return out, nil
	}
	return s.ReadChanges(ctx, q, current, fn)
}
