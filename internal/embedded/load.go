package embedded

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// Open reads every collection before it returns, and serve answers only
// after that: the load is most of a large territory's start-up. It runs on
// every core, in chunks (ranges of integer ids, each a query of its own on
// a connection of its own) so that the largest collection does not keep one
// core busy while the other has finished, and each collection is indexed
// by the worker that read its last chunk while the others read on.

// loadOptions say how loadLayers splits the work.
type loadOptions struct {
	// workers is the number of connections reading at once (0: one a
	// core, at most the pool's 4).
	workers int
	// chunkIDs is the span of ids a chunk covers, maxChunks the most
	// chunks of one collection (a collection whose ids are sparse has
	// wider chunks).
	chunkIDs, maxChunks int64
}

// defaultLoad makes 16 chunks of the 250,000 addresses of the bench
// territory (a chunk costs a transaction and a query more, about a
// millisecond): the core that reads the last one waits for the other no
// more than a small chunk's time.
var defaultLoad = loadOptions{chunkIDs: 16384, maxChunks: 64}

// loadCacheKiB is the page cache of a connection while it reads a
// collection whole (SQLite's cache_size in KiB, negative): each page is
// read once, so a large cache only costs its allocation and memory;
// the connections are closed after (dropPageCaches), later ones having
// cacheKiB (openDB's).
const (
	loadCacheKiB = 2048
	cacheKiB     = 65536
)

// loadChunk is one query of a collection's load.
type loadChunk struct {
	col *loadCollection
	// lo ≤ id when hasLo, id < hi when hasHi.
	lo, hi       int64
	hasLo, hasHi bool
	feats        []*feature
	state        layerState
}

// loadCollection is the load of one collection.
type loadCollection struct {
	t      *table
	chunks []*loadChunk
	// left counts the chunks not read yet: whoever reads the last one
	// builds the layer.
	left  atomic.Int32
	layer *layer
	// size is what the collection is guessed to weigh, to read the
	// largest first.
	size int64
}

// loadLayers reads tables into memory, several chunks at once, and returns
// their layers, in the order of tables.
func loadLayers(ctx context.Context, db *sql.DB, path string, tables []*table, o loadOptions) ([]*layer, error) {
	workers := o.workers
	if workers <= 0 {
		workers = min(runtime.GOMAXPROCS(0), 4)
	}
	cols, err := planLoad(ctx, db, tables, o)
	if err != nil {
		return nil, err
	}
	var chunks []*loadChunk
	order := slices.Clone(cols)
	slices.SortStableFunc(order, func(a, b *loadCollection) int { return cmp.Compare(b.size, a.size) })
	for _, c := range order {
		chunks = append(chunks, c.chunks...)
	}
	var next atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	for range min(workers, len(chunks)) {
		g.Go(func() error {
			rc, err := openRaw(path, loadCacheKiB)
			if err != nil {
				return fmt.Errorf("embedded: open %s: %w", path, err)
			}
			defer rc.close()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(chunks) {
					return nil
				}
				ch := chunks[i]
				if err := ch.read(gctx, rc); err != nil {
					return err
				}
				if err := rc.unmap(); err != nil {
					return err
				}
				if ch.col.left.Add(-1) == 0 {
					if err := ch.col.build(gctx, rc); err != nil {
						return err
					}
					// A torn collection was read again, whole.
					if err := rc.unmap(); err != nil {
						return err
					}
				}
			}
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// The pool's connections read the schema's pages: they go with their
	// caches (the load's own connections are closed).
	dropPageCaches(db)
	out := make([]*layer, len(cols))
	for i, c := range cols {
		out[i] = c.layer
	}
	return out, nil
}

// planLoad splits each table's load into chunks: ranges of ids for
// integer ids, one query for text ids (small collections, whose order is
// the id's).
func planLoad(ctx context.Context, db *sql.DB, tables []*table, o loadOptions) ([]*loadCollection, error) {
	var cols []*loadCollection
	for _, t := range tables {
		c := &loadCollection{t: t}
		cols = append(cols, c)
		if !t.intID {
			c.chunks = []*loadChunk{{col: c}}
			c.left.Store(1)
			continue
		}
		// Two queries: SQLite reads min() or max() of the primary key from
		// the B-tree's end, but scans the table for both at once.
		var lo, hi sql.NullInt64
		for _, q := range []struct {
			fn  string
			dst *sql.NullInt64
		}{{"min", &lo}, {"max", &hi}} {
			if err := db.QueryRowContext(ctx, "SELECT "+q.fn+"("+quote(t.idCol)+") FROM "+quote(t.c.ID)).Scan(q.dst); err != nil {
				return nil, fmt.Errorf("embedded: read %s: %w", t.c.ID, err)
			}
		}
		if !lo.Valid {
			// Empty: one query all the same, for its state.
			c.chunks = []*loadChunk{{col: c}}
			c.left.Store(1)
			continue
		}
		// The first chunk is open below and the last above: rows a batch
		// added since min() and max() were read are not left out (see
		// build for the batches themselves).
		c.size = hi.Int64 - lo.Int64 + 1
		span := max(o.chunkIDs, c.size/o.maxChunks+1)
		ch := &loadChunk{col: c}
		c.chunks = append(c.chunks, ch)
		for start := lo.Int64 + span; start > lo.Int64 && start <= hi.Int64; start += span {
			ch.hi, ch.hasHi = start, true
			ch = &loadChunk{col: c, lo: start, hasLo: true}
			c.chunks = append(c.chunks, ch)
		}
		c.left.Store(int32(len(c.chunks)))
	}
	return cols, nil
}

// read reads the chunk's rows, and the collection's state in the same
// read transaction, on rc.
func (ch *loadChunk) read(ctx context.Context, rc *rawConn) (err error) {
	t := ch.col.t
	if err := rc.exec("BEGIN"); err != nil {
		return fmt.Errorf("embedded: read %s: %w", t.c.ID, err)
	}
	defer func() {
		if cerr := rc.exec("COMMIT"); cerr != nil && err == nil {
			err = fmt.Errorf("embedded: read %s: %w", t.c.ID, cerr)
		}
	}()
	if ch.state, err = readStateRaw(ctx, rc, t.c.ID); err != nil {
		return err
	}
	var where []string
	var args []any
	if ch.hasLo {
		where = append(where, quote(t.idCol)+" >= ?")
		args = append(args, ch.lo)
	}
	if ch.hasHi {
		where = append(where, quote(t.idCol)+" < ?")
		args = append(args, ch.hi)
	}
	query := t.selectSQL()
	if len(where) > 0 {
		query = t.selectFrom() + " WHERE " + strings.Join(where, " AND ") + " ORDER BY " + quote(t.idCol)
	}
	if ch.hasLo && ch.hasHi {
		// As many features as ids, for dense ids (a guess, not a bound).
		ch.feats = make([]*feature, 0, min(ch.hi-ch.lo, 1<<15))
	}
	d := newRawDecoder(t)
	var bad error
	err = rc.rawQuery(ctx, query, args, func(s *rawStmt) error {
		f, err := d.decode(s)
		if err != nil {
			bad = err
			return err
		}
		ch.feats = append(ch.feats, f)
		return nil
	})
	if bad != nil {
		return bad
	}
	if err != nil {
		return fmt.Errorf("embedded: read %s: %w", t.c.ID, err)
	}
	return nil
}

// readStateRaw is readState on a load connection.
func readStateRaw(ctx context.Context, rc *rawConn, collection string) (layerState, error) {
	var st layerState
	var updated string
	found := false
	var bad error
	err := rc.rawQuery(ctx, "SELECT version, CAST(updated_at AS TEXT), last_batch FROM layer_state WHERE collection = ?", []any{collection}, func(s *rawStmt) error {
		if found {
			return nil
		}
		found = true
		v0, v1, v2 := s.driverValue(0), s.driverValue(1), s.driverValue(2)
		var ok1, ok2, ok3 bool
		st.version, ok1 = v0.(int64)
		updated, ok2 = v1.(string)
		st.lastBatch, ok3 = v2.(string)
		if !ok1 || !ok2 || !ok3 {
			bad = fmt.Errorf("unexpected %T, %T, %T", v0, v1, v2)
		}
		return nil
	})
	if err == nil {
		err = bad
	}
	if err == nil && !found {
		err = sql.ErrNoRows
	}
	if err != nil {
		return st, fmt.Errorf("embedded: layer_state of %s: %w", collection, err)
	}
	t, err := parseTimestamp(updated)
	if err != nil {
		return st, err
	}
	st.updatedAt = t
	return st, nil
}

// build joins the chunks (in id order, as their ranges are) and indexes
// them. Chunks read in different transactions must have seen the same
// state of the collection: when a batch committed between two of them,
// the collection is read again, whole, in one transaction.
func (c *loadCollection) build(ctx context.Context, rc *rawConn) error {
	st := c.chunks[0].state
	n := 0
	torn := false
	for _, ch := range c.chunks {
		n += len(ch.feats)
		if s := ch.state; s.version != st.version || !s.updatedAt.Equal(st.updatedAt) || s.lastBatch != st.lastBatch {
			torn = true
		}
	}
	if torn {
		return c.reread(ctx, rc)
	}
	feats := c.chunks[0].feats
	if len(c.chunks) > 1 {
		feats = make([]*feature, 0, n)
		for _, ch := range c.chunks {
			feats = append(feats, ch.feats...)
		}
	}
	for _, ch := range c.chunks {
		ch.feats = nil
	}
	l, err := newLayer(c.t, feats, st)
	if err != nil {
		return err
	}
	c.layer = l
	return nil
}

// reread reads the collection whole in one read transaction, on the
// worker's connection.
func (c *loadCollection) reread(ctx context.Context, rc *rawConn) error {
	for _, ch := range c.chunks {
		ch.feats = nil
	}
	whole := &loadChunk{col: c}
	if err := whole.read(ctx, rc); err != nil {
		return err
	}
	l, err := newLayer(c.t, whole.feats, whole.state)
	if err != nil {
		return err
	}
	c.layer = l
	return nil
}
