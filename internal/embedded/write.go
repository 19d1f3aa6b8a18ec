package embedded

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"modernc.org/sqlite"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/zan"
	"github.com/socle-geo/socle/ogc/crs"
)

// conflict is the error of a row that contradicts what is stored (a NOT
// NULL, CHECK or unique constraint, a key twice in one batch), worded as
// postgis.importError words it.
func conflict(format string, args ...any) error {
	return &socle.Error{Code: socle.ECONFLICT, Message: "the data contradicts what is stored (a duplicate id or key, or a value out of range); nothing was written", Err: fmt.Errorf(format, args...)}
}

// batchWriter is the state of one Import: the snapshots it starts from and
// the rows it changes, in memory, before anything is written.
type batchWriter struct {
	s     *Store
	tx    *sql.Tx
	batch socle.Batch
	now   time.Time
	// base holds the snapshot each collection starts from.
	base map[string]*layer
	// next holds the snapshots to publish after commit.
	next    map[string]*layer
	changes []socle.Change
	// seqs are the next values of the id sequences the batch read; dirty
	// those it moved.
	seqs  map[string]int64
	dirty map[string]bool
	// The change log's rows (logChange) and statements, prepared on
	// first use.
	log        *multiRow
	stampStmts map[string]*sql.Stmt
}

// close releases the batch's prepared statements.
func (im *batchWriter) close() {
	im.log.close()
	for _, st := range im.stampStmts {
		st.Close()
	}
}

// nextID returns the next id of a table's sequence.
func (im *batchWriter) nextID(ctx context.Context, t *table) (int64, error) {
	if t.seq == "" {
		return 0, conflict("%s has no id sequence", t.c.ID)
	}
	if _, ok := im.seqs[t.seq]; !ok {
		var v int64
		if err := im.tx.QueryRowContext(ctx, "SELECT next_value FROM sequences WHERE name = ?", t.seq).Scan(&v); err != nil {
			return 0, storeError(ctx, err)
		}
		im.seqs[t.seq] = v
	}
	v := im.seqs[t.seq]
	im.seqs[t.seq], im.dirty[t.seq] = v+1, true
	return v, nil
}

// advance moves a table's sequence past its largest id, as
// setval(seq, max(id)) does.
func (im *batchWriter) advance(ctx context.Context, t *table) error {
	if t.seq == "" {
		return nil
	}
	if im.current(t.c.ID).partial {
		return im.streamSequence(ctx, t)
	}
	feats := im.current(t.c.ID).feats
	if len(feats) == 0 {
		return nil
	}
	top := feats[len(feats)-1].fid.n + 1
	if _, ok := im.seqs[t.seq]; !ok {
		var v int64
		if err := im.tx.QueryRowContext(ctx, "SELECT next_value FROM sequences WHERE name = ?", t.seq).Scan(&v); err != nil {
			return storeError(ctx, err)
		}
		im.seqs[t.seq] = v
	}
	if top > im.seqs[t.seq] {
		im.seqs[t.seq], im.dirty[t.seq] = top, true
	}
	return nil
}

// saveSequences records the sequences the batch moved; outside the
// batch's transaction when it is rolled back, since a sequence, as
// PostgreSQL's nextval, is not undone by a rollback.
func (s *Store) saveSequences(ctx context.Context, exec func(context.Context, string, ...any) (sql.Result, error), im *batchWriter) error {
	for name := range im.dirty {
		if _, err := exec(ctx, "UPDATE sequences SET next_value = ? WHERE name = ?", im.seqs[name], name); err != nil {
			return storeError(ctx, err)
		}
	}
	return nil
}

// recordBatch inserts the batch's row, running.
func (im *batchWriter) recordBatch(ctx context.Context, collection string) error {
	b := im.batch
	_, err := im.tx.ExecContext(ctx, `INSERT INTO batches (id, kind, collection, source, file_sha256, actor, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		b.ID, b.Kind, collection, b.Source, b.FileSHA256, b.Actor, formatTimestamp(im.now))
	return storeError(ctx, err)
}

// saveRejects keeps the batch's rejected records.
func (im *batchWriter) saveRejects(ctx context.Context, rejects []socle.Reject) error {
	if len(rejects) == 0 {
		return nil
	}
	st, err := im.tx.PrepareContext(ctx, "INSERT INTO batch_rejects (batch, line, col, reason, raw) VALUES (?, ?, ?, ?, ?)")
	if err != nil {
		return storeError(ctx, err)
	}
	defer st.Close()
	for _, r := range rejects {
		if _, err := st.ExecContext(ctx, im.batch.ID, int64(int32(r.Line)), r.Column, r.Reason, r.Raw); err != nil {
			return storeError(ctx, err)
		}
	}
	return nil
}

// newBatchWriter starts the state of a batch in transaction tx.
func (s *Store) newBatchWriter(tx *sql.Tx, b socle.Batch) *batchWriter {
	return &batchWriter{s: s, tx: tx, batch: b, now: s.now().UTC().Truncate(time.Microsecond), base: map[string]*layer{}, next: map[string]*layer{},
		seqs: map[string]int64{}, dirty: map[string]bool{}}
}

// change is one row an import inserts or updates.
type change struct {
	f        *feature
	prev     *feature // the stored row before the batch; nil for an insert
	inserted bool
}

// Import writes a batch of rows into collection c in one SQLite
// transaction (see socle.Importer): each row is matched to a stored
// feature by id or key (new ones numbered), a row equal to what is stored
// is left untouched, with Replace the features absent are retired, every
// change is logged, rejects are kept, the batch is recorded with its
// counts, the collection's version is bumped and, for land cover, the
// communes' indicators are recomputed. After the commit, the new snapshots
// replace the old ones and the changes reach ListenChanges; a dry run is
// rolled back.
func (s *Store) Import(ctx context.Context, b socle.Batch, c *socle.Collection, rows socle.RowStream) (socle.ImportResult, error) {
	res := socle.ImportResult{BatchID: b.ID, DryRun: b.DryRun}
	t, ok := s.tables[c.ID]
	if !ok {
		return res, socle.Errorf(socle.ENOTFOUND, "no collection %s", c.ID)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return res, storeError(ctx, err)
	}
	im := s.newBatchWriter(tx, b)
	defer im.close()
	err = im.run(ctx, t, rows, &res)
	if err != nil || b.DryRun {
		im.close()
		tx.Rollback() //nolint:errcheck // the error that matters is err
		// Sequences are not undone by a rollback, in either store.
		_ = s.saveSequences(context.WithoutCancel(ctx), s.db.ExecContext, im)
		return res, err
	}
	if err := s.saveSequences(ctx, tx.ExecContext, im); err != nil {
		tx.Rollback() //nolint:errcheck // the error that matters is err
		return res, err
	}
	im.close()
	if err := tx.Commit(); err != nil {
		return res, storeError(ctx, err)
	}
	im.publish()
	return res, nil
}

// publish makes the batch's snapshots current, after its commit, and
// announces its changes. A partial snapshot is not published: the
// collection, not read yet, stays to be read from the file (what a reader
// read of it meanwhile, perhaps before the commit, is dropped).
func (im *batchWriter) publish() {
	im.s.loadMu.Lock()
	for id, l := range im.next {
		if l.partial {
			l = nil
		}
		im.s.layers[id].Store(l)
	}
	im.s.loadMu.Unlock()
	im.s.changes.publish(im.changes)
}

// run does the import within the transaction; the caller commits.
func (im *batchWriter) run(ctx context.Context, t *table, rows socle.RowStream, res *socle.ImportResult) error {
	c := t.c
	if err := im.sync(ctx); err != nil {
		return err
	}
	if err := im.recordBatch(ctx, c.ID); err != nil {
		return err
	}
	changes, gone, retired, n, err := im.upsert(ctx, t, rows)
	if err != nil {
		return err
	}
	rejects := rows.Rejects()
	res.Read, res.Rejected = n+len(rejects), len(rejects)
	for _, ch := range changes {
		if ch.inserted {
			res.Inserted++
		} else {
			res.Updated++
		}
	}
	if err := im.saveRejects(ctx, rejects); err != nil {
		return err
	}
	// The features retired first: the keys they free may be taken.
	if res.Retired, err = im.remove(ctx, t, gone); err != nil {
		return err
	}
	res.Unchanged = n - res.Inserted - res.Updated - len(retired)
	if len(changes) > 0 {
		if err := im.logChanges(ctx, t, changes); err != nil {
			return err
		}
		if err := im.write(ctx, t, changes); err != nil {
			return err
		}
		if err := im.advance(ctx, t); err != nil {
			return err
		}
		if err := im.notifyChange(ctx, c.ID, changedAreas(changes)); err != nil {
			return err
		}
	}
	if len(changes)+len(gone) > 0 && zan.Moves(c.ID, im.batch.WithDerived) {
		if err := im.derive(ctx, im.batch.ID, deriveAll); err != nil {
			return err
		}
	}
	return im.finishCounts(ctx, *res)
}

// finishCounts records the batch as done with its counts.
func (im *batchWriter) finishCounts(ctx context.Context, counts any) error {
	js, _ := json.Marshal(counts)
	_, err := im.tx.ExecContext(ctx, `UPDATE batches SET status = 'done', finished_at = ?, counts = ? WHERE id = ?`,
		formatTimestamp(im.s.now()), string(js), im.batch.ID)
	return storeError(ctx, err)
}

// storeError maps an SQLite error: constraint violations are conflicts,
// the rest internal.
func storeError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var se *socle.Error
	if errors.As(err, &se) {
		return err
	}
	var le *sqlite.Error
	if errors.As(err, &le) && (le.Code()&0xff == sqliteBusy || le.Code()&0xff == sqliteLocked) {
		return &socle.Error{Code: socle.EUNAVAILABLE, Message: "the data file is busy, retry shortly", Err: err}
	}
	return &socle.Error{Code: socle.EINTERNAL, Message: "database error", Err: err}
}

// SQLite's primary result codes for a file another connection holds.
const (
	sqliteBusy   = 5
	sqliteLocked = 6
)

// sync makes the import start from what the file holds: when another
// process has written a collection since this one loaded it (its version in
// layer_state moved), the collection is read again inside the transaction.
func (im *batchWriter) sync(ctx context.Context) error {
	for id, p := range im.s.layers {
		l := p.Load()
		if l == nil {
			continue // not read yet (OpenLazy): need reads it in the transaction
		}
		st, err := readState(ctx, im.tx, id)
		if err != nil {
			return err
		}
		if st.version != l.state.version || !st.updatedAt.Equal(l.state.updatedAt) {
			if l, err = loadLayer(ctx, im.tx, l.t); err != nil {
				return err
			}
			im.next[id] = l
			// What the other process changed is not known: all of it.
			im.changes = append(im.changes, socle.Change{Collection: id, Version: st.version, All: true})
		}
		im.base[id] = l
	}
	return nil
}

// need makes sure the batch holds the state of collections a lazy store
// has not read yet: each is read whole, within the transaction. Every
// batch calls it for the collections it will take the current state of.
func (im *batchWriter) need(ctx context.Context, ids ...string) error {
	for _, id := range ids {
		if _, ok := im.next[id]; ok {
			continue
		}
		if _, ok := im.base[id]; ok {
			continue
		}
		t, ok := im.s.tables[id]
		if !ok {
			continue
		}
		l, err := loadLayer(ctx, im.tx, t)
		if err != nil {
			return err
		}
		im.base[id] = l
	}
	return nil
}

// needAll is need for every collection.
func (im *batchWriter) needAll(ctx context.Context) error {
	for id := range im.s.tables {
		if err := im.need(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// current returns the collection's state within the import (see need).
func (im *batchWriter) current(id string) *layer {
	if l, ok := im.next[id]; ok {
		return l
	}
	return im.base[id]
}

// keyOf returns the text of a feature's key (socle.Collection.Keys), ""
// when it has none or a part of it is null.
func (t *table) keyOf(f *feature) string {
	if len(t.keys) == 0 {
		return ""
	}
	var b []byte
	for i, k := range t.keys {
		v := f.val(k)
		if v == nil {
			return ""
		}
		if i > 0 {
			b = append(b, 0)
		}
		b = appendProperty(b, t.cols[k].kind, v)
	}
	return string(b)
}

func idText(id any) string {
	switch x := id.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return x
	}
	return fmt.Sprint(id)
}

// upsert reads the rows of a batch, in their order, and works out in
// memory what they change: each row becomes a feature, with the checks of
// its columns; it is matched by its id, else by its key, else numbered;
// a row equal to its stored feature changes nothing; an id or a key met
// twice is a conflict. A row that retires a feature makes it gone; with
// Replace, so are the stored features of the scope the batch does not
// hold. It returns the changes, the features gone, those rows retired and
// the number of rows read.
func (im *batchWriter) upsert(ctx context.Context, t *table, rows socle.RowStream) (changes []change, gone []*feature, retired map[any]bool, n int, err error) {
	// A lazy store's small batch into a collection not read yet reads the
	// rows first, then only the stored features they may match.
	// next reads the next row as an item; ok is false at the end.
	next := func() (it rowItem, ok bool, err error) {
		if !rows.Next() {
			return it, false, nil
		}
		n++
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return it, true, err
			}
		}
		it, err = im.item(t, n, rows.Row())
		return it, true, err
	}
	var items []rowItem
	var itemErr error
	lookUp, exhausted := im.mayLookUp(t), false
	if lookUp {
		for {
			it, ok, err := next()
			if !ok {
				exhausted = true
				break
			}
			if err != nil {
				if ctx.Err() != nil {
					return nil, nil, nil, n, err
				}
				itemErr = err
				break
			}
			items = append(items, it)
			if len(items) > partialLimit {
				lookUp = false
				break
			}
		}
	}
	var l *layer
	if lookUp {
		if itemErr == nil {
			if err := rows.Err(); err != nil {
				return nil, nil, nil, n, err
			}
		}
		if l, err = im.lookUp(ctx, t, items); err != nil {
			return nil, nil, nil, n, err
		}
		im.base[t.c.ID] = l
	} else {
		if err := im.need(ctx, t.c.ID); err != nil {
			return nil, nil, nil, n, err
		}
		l = im.current(t.c.ID)
	}
	m := &matcher{im: im, t: t, l: l, byKey: map[string]*feature{}, seen: map[any]int{}, seenKey: map[string]int{}, retired: map[any]bool{}}
	if len(t.keys) > 0 {
		m.byKey = make(map[string]*feature, len(l.feats))
		for _, f := range l.feats {
			if k := t.keyOf(f); k != "" {
				m.byKey[k] = f
			}
		}
	}
	for _, it := range items {
		if err := m.match(ctx, it); err != nil {
			return nil, nil, nil, it.n, err
		}
	}
	if itemErr != nil {
		return nil, nil, nil, n, itemErr
	}
	if !exhausted {
		for {
			it, ok, err := next()
			if !ok {
				break
			}
			if err != nil {
				return nil, nil, nil, n, err
			}
			if err := m.match(ctx, it); err != nil {
				return nil, nil, nil, n, err
			}
		}
		if err := rows.Err(); err != nil {
			return nil, nil, nil, n, err
		}
	}
	changes, gone, retired = m.changes, m.gone, m.retired
	seen := m.seen
	if im.batch.Replace {
		scope := make([]equalsCond, 0, len(im.batch.Scope))
		for _, e := range im.batch.Scope {
			j := t.byName[e.Property.Name]
			v, err := equalsValue(t.cols[j].kind, e.Value)
			if err != nil {
				return nil, nil, nil, n, err
			}
			scope = append(scope, equalsCond{col: j, kind: t.cols[j].kind, val: v})
		}
	feats:
		for _, f := range l.feats {
			for _, e := range scope {
				if f.isNull(e.col) || f.compareVal(e.kind, e.col, e.val) != 0 {
					continue feats
				}
			}
			if _, kept := seen[f.ident()]; !kept {
				gone = append(gone, f)
			}
		}
	}
	if len(changes) > 0 {
		fs := make([]*feature, len(changes))
		for i, ch := range changes {
			fs[i] = ch.f
		}
		next, err := l.withChanges(fs, l.state)
		if err != nil {
			return nil, nil, nil, n, err
		}
		im.next[t.c.ID] = next
	}
	return changes, gone, retired, n, nil
}

// partialLimit is the most rows for which a lazy store's Import into a
// collection not read yet looks up the features they may match (lookUp)
// rather than reading the collection whole.
const partialLimit = 20000

// rowItem is a row of a batch as upsert matches it: the feature it
// stores, or, for a row that retires one, the id it names (rid) or a probe
// holding its key's values (f).
type rowItem struct {
	n      int
	f      *feature
	retire bool
	rid    any
}

// item reads row n of a batch (see feature).
func (im *batchWriter) item(t *table, n int, r *socle.Row) (rowItem, error) {
	if !r.Retire {
		f, err := im.feature(t, n, r)
		return rowItem{n: n, f: f}, err
	}
	it := rowItem{n: n, retire: true}
	id := r.ID
	if id == nil && t.idProp >= 0 {
		id = r.Properties[t.idCol]
	}
	if id != nil {
		v, err := rowValue(t.intID, id)
		if err != nil {
			return it, malformed("row %d: id: %v", n, err)
		}
		it.rid = v
		return it, nil
	}
	it.f = &feature{vals: make([]any, len(t.cols))}
	for _, k := range t.keys {
		v := r.Properties[t.cols[k].name]
		if err := socle.CheckValue(t.c.Properties[k], v); err != nil {
			return it, malformed("row %d: %s", n, socle.ErrorMessage(err))
		}
		it.f.vals[k] = v
	}
	return it, nil
}

// matcher matches the rows of a batch, in their order, with the stored
// features of l.
type matcher struct {
	im      *batchWriter
	t       *table
	l       *layer
	byKey   map[string]*feature // stored features by key
	seen    map[any]int         // ids of the batch, with their row
	seenKey map[string]int      // keys of the batch, with their row
	retired map[any]bool        // the features rows retire
	changes []change
	gone    []*feature
}

// retiree returns the stored feature a retiring row names (nil: none), by
// its id, else its key's values.
func (m *matcher) retiree(it rowItem) *feature {
	if it.rid != nil {
		return m.l.find(it.rid)
	}
	if key := m.t.keyOf(it.f); key != "" {
		return m.byKey[key]
	}
	return nil
}

// match works out what one row changes.
func (m *matcher) match(ctx context.Context, it rowItem) error {
	t, n := m.t, it.n
	if it.retire {
		f := m.retiree(it)
		if f == nil || m.retired[f.ident()] {
			return nil
		}
		if first, twice := m.seen[f.ident()]; twice {
			return conflict("row %d: the id %v is twice in the batch (row %d)", n, f.ident(), first)
		}
		m.seen[f.ident()] = n
		m.retired[f.ident()] = true
		if k := t.keyOf(f); k != "" {
			delete(m.byKey, k) // free for another row
		}
		m.gone = append(m.gone, f)
		return nil
	}
	f := it.f
	key := t.keyOf(f)
	var old *feature
	switch {
	case f.ident() != nil:
		old = m.l.find(f.ident())
		if other := m.byKey[key]; key != "" && other != nil && other != old {
			return conflict("row %d: the key %s is another feature's (%v)", n, key, other.ident())
		}
	case key != "":
		if old = m.byKey[key]; old != nil {
			f.setID(old.ident())
		}
	}
	if f.ident() == nil {
		if !t.intID {
			return conflict("row %d has no id (%s)", n, t.idCol)
		}
		id, err := m.im.nextID(ctx, t)
		if err != nil {
			return err
		}
		f.setID(id)
	}
	if t.idProp >= 0 {
		f.vals[t.idProp] = f.ident()
	}
	if first, twice := m.seen[f.ident()]; twice {
		return conflict("row %d: the id %v is twice in the batch (row %d)", n, f.ident(), first)
	}
	m.seen[f.ident()] = n
	if key != "" {
		if first, twice := m.seenKey[key]; twice {
			return conflict("row %d: the key %s is twice in the batch (row %d)", n, key, first)
		}
		m.seenKey[key] = n
	}
	if old != nil {
		if t.sameRow(old, f, m.im.batch.WithDerived) {
			return nil
		}
		// An update keeps the derived values, unless the batch carries
		// them.
		for j, c := range t.cols {
			if c.derived && !m.im.batch.WithDerived {
				f.vals[j] = old.val(j)
			}
		}
		m.changes = append(m.changes, change{f: f, prev: old})
		return nil
	}
	m.changes = append(m.changes, change{f: f, inserted: true})
	return nil
}

// mayLookUp says whether upsert may look up the stored features its rows
// match (lookUp) rather than read t whole: in a lazy store that has not
// read t, for a batch that does not retire what it does not hold
// (Replace) and whose collection the ZAN figures do not follow (they are
// computed from every feature); never for what the updater or Socle
// writes.
func (im *batchWriter) mayLookUp(t *table) bool {
	if !im.s.lazy || im.batch.Replace || t.c.FromUpdater() || t.c.Computed() || zan.Moves(t.c.ID, im.batch.WithDerived) {
		return false
	}
	if _, ok := im.base[t.c.ID]; ok {
		return false
	}
	if _, ok := im.next[t.c.ID]; ok {
		return false
	}
	return im.s.layers[t.c.ID].Load() == nil
}

// lookUp reads, within the transaction, the stored features of t that
// the rows of items may match — by id, and by key — as a partial layer.
// Keys compare in SQL on their stored values, as keyOf compares them.
func (im *batchWriter) lookUp(ctx context.Context, t *table, items []rowItem) (*layer, error) {
	st, err := readState(ctx, im.tx, t.c.ID)
	if err != nil {
		return nil, err
	}
	var ids []any
	type keyVals struct {
		text string
		vals []any
	}
	var keys []keyVals
	seenKey := map[string]bool{}
	for _, it := range items {
		switch {
		case it.rid != nil:
			ids = append(ids, it.rid)
		case it.f != nil && it.f.ident() != nil && !it.retire:
			ids = append(ids, it.f.ident())
		}
		if it.f == nil {
			continue
		}
		if k := t.keyOf(it.f); k != "" && !seenKey[k] {
			seenKey[k] = true
			vals := make([]any, len(t.keys))
			for i, c := range t.keys {
				vals[i] = toSQLite(t.cols[c].kind, it.f.val(c))
			}
			keys = append(keys, keyVals{k, vals})
		}
	}
	var feats []*feature
	const chunk = 500
	for len(ids) > 0 {
		part := ids[:min(chunk, len(ids))]
		ids = ids[len(part):]
		q := t.selectFrom() + " WHERE " + quote(t.idCol) + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ") + ")"
		rows, err := im.tx.QueryContext(ctx, q, part...)
		if feats, err = t.scanQuery(ctx, feats, rows, err); err != nil {
			return nil, err
		}
	}
	// A key is unique in the file (its unique index): one a feature read
	// by its id holds is no other's.
	held := make(map[string]bool, len(feats))
	for _, f := range feats {
		if k := t.keyOf(f); k != "" {
			held[k] = true
		}
	}
	keys = slices.DeleteFunc(keys, func(k keyVals) bool { return held[k.text] })
	if len(keys) > 0 {
		conds := make([]string, len(t.keys))
		for i, c := range t.keys {
			conds[i] = quote(t.cols[c].name) + " = ?"
		}
		byKey, err := im.tx.PrepareContext(ctx, t.selectFrom()+" WHERE "+strings.Join(conds, " AND "))
		if err != nil {
			return nil, storeError(ctx, err)
		}
		defer byKey.Close()
		for i, k := range keys {
			if i%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			rows, err := byKey.QueryContext(ctx, k.vals...)
			if feats, err = t.scanQuery(ctx, feats, rows, err); err != nil {
				return nil, err
			}
		}
	}
	slices.SortFunc(feats, compareFeatureIDs)
	feats = slices.CompactFunc(feats, func(a, b *feature) bool { return compareFeatureIDs(a, b) == 0 })
	l, err := newLayer(t, feats, st)
	if err != nil {
		return nil, err
	}
	l.partial = true
	return l, nil
}

// feature turns row n of a batch into the feature it stores, with the
// checks of its columns: each value of its column's type (integers in the
// column's width), NOT NULL and CHECK constraints, the geometry of the
// collection's type (a Multi* column takes single geometries as one-part
// collections). Derived columns take their defaults unless the batch
// carries them. The id is the row's, else nil.
func (im *batchWriter) feature(t *table, n int, r *socle.Row) (*feature, error) {
	f := &feature{vals: make([]any, len(t.cols))}
	id := r.ID
	if id == nil && t.idProp >= 0 {
		id = r.Properties[t.idCol]
	}
	if id != nil {
		v, err := rowValue(t.intID, id)
		if err != nil {
			return nil, malformed("row %d: id: %v", n, err)
		}
		f.setID(v)
	}
	for j, c := range t.cols {
		if c.derived && !im.batch.WithDerived {
			f.vals[j] = c.def
			continue
		}
		if j == t.idProp {
			continue
		}
		if err := socle.CheckValue(t.c.Properties[j], r.Properties[c.name]); err != nil {
			return nil, &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("row %d: %s", n, socle.ErrorMessage(err))}
		}
		v, err := columnValue(c, r.Properties[c.name])
		if err != nil {
			return nil, conflict("row %d: %s: %v", n, c.name, err)
		}
		f.vals[j] = v
		if j == t.updatedAt && v == nil {
			f.vals[j] = im.now
		}
	}
	g := r.Geometry
	if g == nil {
		return nil, conflict("row %d: null value in column geom", n)
	}
	if strings.HasPrefix(t.c.GeometryType, "Multi") {
		g = toMulti(g)
	}
	if !slices.Contains(t.c.GeometryTypes(), g.GeoJSONType()) {
		return nil, malformed("row %d: geometry type %s does not match column type %s", n, g.GeoJSONType(), t.c.GeometryType)
	}
	f.geom, f.bound = g, g.Bound()
	for j, c := range t.cols {
		if c.notNull && f.val(j) == nil && j != t.idProp {
			return nil, conflict("row %d: null value in column %s", n, c.name)
		}
	}
	for j, c := range t.cols {
		if c.check != nil && f.val(j) != nil && !c.check(f.val(j)) {
			return nil, conflict("row %d: %s violates its check constraint", n, c.name)
		}
	}
	if t.idProp >= 0 && f.ident() != nil {
		if c := t.cols[t.idProp]; c.check != nil && !c.check(f.ident()) {
			return nil, conflict("row %d: %s violates its check constraint", n, c.name)
		}
	}
	return f, nil
}

// rowValue types an id.
func rowValue(intID bool, id any) (any, error) {
	switch x := id.(type) {
	case int64:
		if intID {
			return x, nil
		}
		return strconv.FormatInt(x, 10), nil
	case string:
		if !intID {
			return x, nil
		}
		return strconv.ParseInt(x, 10, 64)
	}
	return nil, fmt.Errorf("an id of type %T", id)
}

// columnValue checks a row's value against its column and returns it as
// the layer holds it.
func columnValue(c column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.kind {
	case kText:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case kInt:
		if x, ok := v.(int64); ok {
			if c.bits < 64 && (x < -(1<<(c.bits-1)) || x >= 1<<(c.bits-1)) {
				return nil, fmt.Errorf("integer %d out of range", x)
			}
			return x, nil
		}
	case kFloat:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
	case kBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case kDate:
		if ts, ok := v.(time.Time); ok {
			y, m, d := ts.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
		}
	case kTime:
		if ts, ok := v.(time.Time); ok {
			return ts.UTC().Truncate(time.Microsecond), nil
		}
	case kJSON:
		switch x := v.(type) {
		case json.RawMessage:
			return jsonValue(x), nil
		case string:
			return jsonValue(x), nil
		}
	}
	return nil, fmt.Errorf("a %T where the column holds %v", v, c.kind)
}

// sameRow reports whether a stored row equals a new one in every column
// an import compares: the properties (not the id, updated_at or derived
// values, unless withDerived) and the geometry.
func (t *table) sameRow(old, f *feature, withDerived bool) bool {
	for j, c := range t.cols {
		if (c.derived && !withDerived) || j == t.idProp || j == t.updatedAt {
			continue
		}
		if !equalValues(c.kind, old.val(j), f.val(j)) {
			return false
		}
	}
	return orb.Equal(old.geometry(), f.geometry())
}

func toMulti(g orb.Geometry) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return orb.MultiPoint{g}
	case orb.LineString:
		return orb.MultiLineString{g}
	case orb.Polygon:
		return orb.MultiPolygon{g}
	}
	return g
}

// changedAreas returns the envelopes (Lambert-93) of what an import
// changed, old and new positions; more than 100 changes make one envelope
// (as postgis.changedAreasSQL).
func changedAreas(changes []change) []orb.Geometry {
	boxes := make([]orb.Bound, len(changes))
	for i, ch := range changes {
		b := ch.f.bound
		if ch.prev != nil {
			b = b.Union(ch.prev.bound)
		}
		boxes[i] = b
	}
	if len(boxes) > 100 {
		ext := boxes[0]
		for _, b := range boxes[1:] {
			ext = ext.Union(b)
		}
		boxes = []orb.Bound{ext}
	}
	out := make([]orb.Geometry, len(boxes))
	for i, b := range boxes {
		out[i] = boxGeometry(b)
	}
	return out
}

// notifyChange bumps a collection's version and queues the change that
// ListenChanges will deliver after the commit: the areas (Lambert-93
// envelopes) densified every 500 m and projected to each tile CRS. No
// area, no change.
func (im *batchWriter) notifyChange(ctx context.Context, collection string, areas []orb.Geometry) error {
	if len(areas) == 0 {
		return nil
	}
	ch := socle.Change{Collection: collection, Boxes: map[int][][4]float64{}}
	for _, srid := range socle.TileSRIDs {
		for _, a := range areas {
			g, err := transform(crs.Segmentize(a, 500), StorageSRID, srid)
			if err != nil {
				return err
			}
			b := g.Bound()
			ch.Boxes[srid] = append(ch.Boxes[srid], [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]})
		}
	}
	l := im.current(collection)
	st, err := im.bumpVersion(ctx, collection, l.state)
	if err != nil {
		return err
	}
	n := *l
	n.state = st
	if err := n.summarise(); err != nil {
		return err
	}
	im.next[collection] = &n
	ch.Version = st.version
	if payload, _ := json.Marshal(ch); len(payload) > 7900 { // as a NOTIFY payload would be
		ch = socle.Change{Collection: collection, Version: st.version, All: true}
	}
	im.changes = append(im.changes, ch)
	return nil
}

// inserter is the prepared INSERT of a collection's new rows. Inserts leave
// derived columns to their defaults, as the PostGIS upsert does, unless the
// batch carries derived values.
type inserter struct {
	st     *sql.Stmt
	t      *table
	colIdx []int
	// updatedCol: the table keeps updated_at outside the properties.
	updatedCol bool
	// idCol: the id is written to its own column.
	idCol bool
	// head and width make a multiRow of the same inserts.
	head  string
	width int
}

func (im *batchWriter) prepareInsert(ctx context.Context, t *table) (*inserter, error) {
	// The id column, unless a property holds it (communes' insee).
	in := &inserter{t: t, updatedCol: t.updatedAt < 0, idCol: t.intID || t.idProp < 0}
	var cols []string
	if in.idCol {
		cols = append(cols, quote(t.idCol))
	}
	for j, c := range t.cols {
		if c.derived && !im.batch.WithDerived {
			continue
		}
		cols = append(cols, quote(c.name))
		in.colIdx = append(in.colIdx, j)
	}
	if in.updatedCol {
		cols = append(cols, `"updated_at"`)
	}
	cols = append(cols, `"batch"`, `"geom"`)
	in.head = "INSERT INTO " + quote(t.c.ID) + " (" + strings.Join(cols, ", ") + ") VALUES "
	in.width = len(cols)
	st, err := im.tx.PrepareContext(ctx, in.head+"("+strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")+")")
	if err != nil {
		return nil, storeError(ctx, err)
	}
	in.st = st
	return in, nil
}

// values returns the values of f's row and its geometry blob.
func (in *inserter) values(f *feature, stamp, batch string) ([]any, []byte, error) {
	blob, err := encodeBlob(f.geometry(), StorageSRID)
	if err != nil {
		return nil, nil, malformed("geometry: %v", err)
	}
	args := make([]any, 0, in.width)
	if in.idCol {
		args = append(args, f.ident())
	}
	for _, j := range in.colIdx {
		args = append(args, toSQLite(in.t.cols[j].kind, f.val(j)))
	}
	if in.updatedCol {
		args = append(args, stamp)
	}
	return append(args, batch, blob), blob, nil
}

// insert writes one new row; stamp is the batch's time as stored. It
// returns the row's rowid and its geometry blob.
func (in *inserter) insert(ctx context.Context, f *feature, stamp, batch string) (int64, []byte, error) {
	args, blob, err := in.values(f, stamp, batch)
	if err != nil {
		return 0, nil, err
	}
	r, err := in.st.ExecContext(ctx, args...)
	if err != nil {
		return 0, nil, err
	}
	id, err := r.LastInsertId()
	return id, blob, err
}

// bumpVersion records in layer_state the next version of a collection
// that was at st, changed by this batch now.
func (im *batchWriter) bumpVersion(ctx context.Context, collection string, st layerState) (layerState, error) {
	st = layerState{version: st.version + 1, updatedAt: im.s.now().UTC().Truncate(time.Microsecond), lastBatch: im.batch.ID}
	if _, err := im.tx.ExecContext(ctx, "UPDATE layer_state SET version = ?, updated_at = ?, last_batch = ? WHERE collection = ?",
		st.version, formatTimestamp(st.updatedAt), st.lastBatch, collection); err != nil {
		return st, storeError(ctx, err)
	}
	return st, nil
}

// write stores the inserted and updated rows of a collection, and its new
// extent in gpkg_contents.
func (im *batchWriter) write(ctx context.Context, t *table, changes []change) error {
	ins, err := im.prepareInsert(ctx, t)
	if err != nil {
		return err
	}
	defer ins.st.Close()
	// Updates set what imports set (not the id or derived values), and of
	// that only what changed, stored, with the batch and time: unchanged
	// columns leave their indexes be, an unchanged geometry the R-tree's
	// triggers (callbacks into Go and an R-tree delete and insert).
	var setIdx []int
	for j, c := range t.cols {
		if (c.derived && !im.batch.WithDerived) || j == t.idProp {
			continue
		}
		setIdx = append(setIdx, j)
	}
	upds := map[string]*sql.Stmt{}
	defer func() {
		for _, st := range upds {
			st.Close()
		}
	}()
	mask := make([]byte, len(setIdx)+1)
	update := func(ch change) (*sql.Stmt, bool, error) {
		for i, j := range setIdx {
			mask[i] = '0'
			if !sameStored(t.cols[j].kind, ch.prev.val(j), ch.f.val(j)) {
				mask[i] = '1'
			}
		}
		geom := !orb.Equal(ch.prev.geometry(), ch.f.geometry())
		mask[len(setIdx)] = map[bool]byte{false: '0', true: '1'}[geom]
		if st, ok := upds[string(mask)]; ok {
			return st, geom, nil
		}
		var sets []string
		for i, j := range setIdx {
			if mask[i] == '1' {
				sets = append(sets, quote(t.cols[j].name)+" = ?")
			}
		}
		if ins.updatedCol {
			sets = append(sets, `"updated_at" = ?`)
		}
		sets = append(sets, `"batch" = ?`)
		if geom {
			sets = append(sets, `"geom" = ?`)
		}
		st, err := im.tx.PrepareContext(ctx, "UPDATE "+quote(t.c.ID)+" SET "+strings.Join(sets, ", ")+" WHERE "+quote(t.idCol)+" = ?")
		if err != nil {
			return nil, false, storeError(ctx, err)
		}
		upds[string(mask)] = st
		return st, geom, nil
	}
	// New rows are indexed after they are all written, in space order:
	// the R-tree then grows node by node rather than all over, several
	// times cheaper for a million points, while the rows themselves stay
	// in the order given (key order keeps the key index cheap).
	var fill *rtreeFill
	var entries []rtreeEntry
	if ch := slices.IndexFunc(changes, func(c change) bool { return c.inserted }); ch >= 0 {
		if fill, err = im.indexDirectly(ctx, t); err != nil {
			return err
		}
		defer fill.close()
	}
	// New rows of an integer id, whose rowid it is, go several to an
	// INSERT (see multiRow).
	var many *multiRow
	if t.intID && ins.idCol {
		many = newMultiRow(im.tx, ins.head, ins.width, max(1, 800/ins.width))
		defer many.close()
	}
	stamp := formatTimestamp(im.now)
	for i, ch := range changes {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if ch.inserted {
			var rowid int64
			var blob []byte
			if many != nil {
				var args []any
				if args, blob, err = ins.values(ch.f, stamp, im.batch.ID); err != nil {
					return err
				}
				if err := many.add(ctx, args...); err != nil {
					return err
				}
				rowid = ch.f.fid.n
			} else if rowid, blob, err = ins.insert(ctx, ch.f, stamp, im.batch.ID); err != nil {
				return storeError(ctx, err)
			}
			b, nonEmpty, err := blobBound(blob)
			if err != nil {
				return err
			}
			if nonEmpty {
				entries = append(entries, rtreeEntry{rowid, b})
			}
			continue
		}
		upd, geom, err := update(ch)
		if err != nil {
			return err
		}
		var args []any
		for i, j := range setIdx {
			if mask[i] == '1' {
				args = append(args, toSQLite(t.cols[j].kind, ch.f.val(j)))
			}
		}
		if ins.updatedCol {
			args = append(args, stamp)
		}
		args = append(args, im.batch.ID)
		if geom {
			blob, err := encodeBlob(ch.f.geometry(), StorageSRID)
			if err != nil {
				return malformed("geometry: %v", err)
			}
			args = append(args, blob)
		}
		args = append(args, ch.f.ident())
		if _, err := upd.ExecContext(ctx, args...); err != nil {
			return storeError(ctx, err)
		}
	}
	if err := many.flush(ctx); err != nil {
		return err
	}
	if fill != nil {
		slices.SortFunc(entries, func(a, b rtreeEntry) int { return cmp.Compare(morton(a.b.Min), morton(b.b.Min)) })
		for i, e := range entries {
			if i%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := fill.addBound(ctx, e.rowid, e.b); err != nil {
				return err
			}
		}
		if err := fill.restore(ctx); err != nil {
			return err
		}
	}
	var removed, added []orb.Bound
	if im.current(t.c.ID).partial {
		for _, ch := range changes {
			added = append(added, ch.f.bound)
			if ch.prev != nil {
				removed = append(removed, ch.prev.bound)
			}
		}
	}
	return im.writeExtent(ctx, t.c.ID, removed, added)
}

// rtreeEntry is a row to index: its rowid and its bounds.
type rtreeEntry struct {
	rowid int64
	b     orb.Bound
}

// morton interleaves the bits of a Lambert-93 position at metre precision:
// positions near each other get codes near each other.
func morton(p orb.Point) uint64 {
	spread := func(v float64) uint64 {
		u := uint64(max(0, min(v, 1<<32-1)))
		u = (u | u<<16) & 0x0000FFFF0000FFFF
		u = (u | u<<8) & 0x00FF00FF00FF00FF
		u = (u | u<<4) & 0x0F0F0F0F0F0F0F0F
		u = (u | u<<2) & 0x3333333333333333
		u = (u | u<<1) & 0x5555555555555555
		return u
	}
	return spread(p[0]) | spread(p[1])<<1
}

// writeExtent records a feature table's extent and change time in
// gpkg_contents. For a partial snapshot, the extent is the one recorded
// grown by the bounds the batch added, unless a bound it removed or
// replaced reached the recorded extent's edge, which that edge's features
// no longer hold: then it is read from the file's rows.
func (im *batchWriter) writeExtent(ctx context.Context, collection string, removed, added []orb.Bound) error {
	l := im.current(collection)
	if l.partial {
		ext, err := im.partialExtent(ctx, l.t, removed, added)
		if err != nil {
			return err
		}
		return im.saveExtent(ctx, collection, ext)
	}
	var ext *orb.Bound
	if len(l.feats) > 0 {
		b := l.feats[0].bound
		for _, f := range l.feats[1:] {
			b = b.Union(f.bound)
		}
		ext = &b
	}
	return im.saveExtent(ctx, collection, ext)
}

// partialExtent is the extent of t after a batch, for writeExtent.
func (im *batchWriter) partialExtent(ctx context.Context, t *table, removed, added []orb.Bound) (*orb.Bound, error) {
	var x [4]sql.NullFloat64
	if err := im.tx.QueryRowContext(ctx, "SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = ?", t.c.ID).
		Scan(&x[0], &x[1], &x[2], &x[3]); err != nil {
		return nil, storeError(ctx, err)
	}
	if x[0].Valid && x[1].Valid && x[2].Valid && x[3].Valid {
		old := orb.Bound{Min: orb.Point{x[0].Float64, x[1].Float64}, Max: orb.Point{x[2].Float64, x[3].Float64}}
		ext := old
		for _, b := range added {
			ext = ext.Union(b)
		}
		// An edge the batch's own bounds hold, or that no removed bound
		// reached, is still held by a feature.
		edges := func(b orb.Bound) [4]float64 { return [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} }
		e := edges(ext)
		sure := true
		for i := range 4 {
			if e[i] != edges(old)[i] {
				continue // moved out by an added bound
			}
			held := slices.ContainsFunc(added, func(b orb.Bound) bool { return edges(b)[i] == e[i] })
			lost := slices.ContainsFunc(removed, func(b orb.Bound) bool { return edges(b)[i] == e[i] })
			if lost && !held {
				sure = false
			}
		}
		if sure {
			return &ext, nil
		}
	}
	// Read every geometry's bound, as a snapshot holds it.
	rows, err := im.tx.QueryContext(ctx, "SELECT geom FROM "+quote(t.c.ID))
	if err != nil {
		return nil, storeError(ctx, err)
	}
	defer rows.Close()
	var ext *orb.Bound
	for rows.Next() {
		var blob []byte
		if err := rows.Scan(&blob); err != nil {
			return nil, storeError(ctx, err)
		}
		b, nonEmpty, err := blobBound(blob)
		if err != nil {
			return nil, err
		}
		if !nonEmpty {
			g, err := decodeBlob(blob)
			if err != nil {
				return nil, err
			}
			b = g.Bound()
		}
		if ext == nil {
			ext = &b
		} else {
			*ext = ext.Union(b)
		}
	}
	return ext, storeError(ctx, rows.Err())
}

// saveExtent records ext (nil: no features) as a feature table's extent,
// and the batch's time as its last change, in gpkg_contents.
func (im *batchWriter) saveExtent(ctx context.Context, collection string, ext *orb.Bound) error {
	args := []any{nil, nil, nil, nil}
	if ext != nil {
		args = []any{ext.Min[0], ext.Min[1], ext.Max[0], ext.Max[1]}
	}
	_, err := im.tx.ExecContext(ctx, "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, last_change = ? WHERE table_name = ?",
		append(args, formatTimestamp(im.now), collection)...)
	return storeError(ctx, err)
}

// Writer writes collections into a new GeoPackage as their rows come, for
// bulk downloads and offline copies of territories larger than memory. The
// file is what Imports into a new store would make of the same rows — the
// same tables, batches, versions, extents, sequence, indicators and R-tree —
// but each row goes to the file as it is read and nothing of a collection is
// kept: a Writer builds no snapshot and serves nothing.
type Writer struct {
	s *Store
}

// Create creates a GeoPackage at path, which must not exist, with the
// tables of the catalog's collections, empty.
func Create(ctx context.Context, path string, catalog *socle.Catalog) (*Writer, error) {
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("embedded: create %s: the file exists", path)
	}
	s, err := Open(ctx, path, catalog)
	if err != nil {
		return nil, err
	}
	return &Writer{s: s}, nil
}

// Close closes the file.
func (w *Writer) Close() error { return w.s.Close() }

// ImportHistory adds another store's history to the file, as
// Store.ImportHistory does, but for the recomputation of the ZAN
// indicators a Cerema file calls for: the communes written carry the
// indicators their source computed with that file, and a Writer, which
// keeps no collection in memory, recomputes nothing.
func (w *Writer) ImportHistory(ctx context.Context, h *socle.History) (socle.HistoryResult, error) {
	s := w.s
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return socle.HistoryResult{}, storeError(ctx, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	res, err := importHistory(ctx, tx, h)
	if err != nil {
		return res, err
	}
	return res, storeError(ctx, tx.Commit())
}

// Write writes the rows of collection c, which the file must not hold yet,
// as batch b in one SQLite transaction, with an Import's checks; a key or an
// id met twice is a conflict. The first error of rows ends the write, which
// then leaves nothing.
func (w *Writer) Write(ctx context.Context, b socle.Batch, c *socle.Collection, rows iter.Seq2[socle.Row, error]) (socle.ImportResult, error) {
	s := w.s
	res := socle.ImportResult{BatchID: b.ID}
	t, ok := s.tables[c.ID]
	if !ok {
		return res, socle.Errorf(socle.ENOTFOUND, "no collection %s", c.ID)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return res, storeError(ctx, err)
	}
	im := s.newBatchWriter(tx, b)
	if err := im.stream(ctx, t, rows, &res); err != nil {
		tx.Rollback() //nolint:errcheck // the error that matters is err
		return res, err
	}
	if err := tx.Commit(); err != nil {
		return res, storeError(ctx, err)
	}
	return res, nil
}

// stream does a Writer's write within the transaction: what run and upsert
// do for an Import into an empty table, row by row.
func (im *batchWriter) stream(ctx context.Context, t *table, rows iter.Seq2[socle.Row, error], res *socle.ImportResult) error {
	tx, b, c := im.tx, im.batch, t.c
	var held int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM "+quote(c.ID)+" LIMIT 1)").Scan(&held); err != nil {
		return storeError(ctx, err)
	}
	if held > 0 {
		return fmt.Errorf("embedded: write %s: the file already holds it", c.ID)
	}
	if err := im.recordBatch(ctx, c.ID); err != nil {
		return err
	}
	idx, err := im.indexDirectly(ctx, t)
	if err != nil {
		return err
	}
	defer idx.close()
	ins, err := im.prepareInsert(ctx, t)
	if err != nil {
		return err
	}
	defer ins.st.Close()
	stamp := formatTimestamp(im.now)
	var ext orb.Bound
	n := 0
	for r, err := range rows {
		if err != nil {
			return err
		}
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		f, err := im.feature(t, n+1, &r)
		if err != nil {
			return err
		}
		if f.ident() == nil {
			id, err := im.nextID(ctx, t)
			if err != nil {
				return err
			}
			f.setID(id)
		}
		if t.idProp >= 0 {
			f.vals[t.idProp] = f.ident()
		}
		rowid, blob, err := ins.insert(ctx, f, stamp, b.ID)
		if err != nil {
			var le *sqlite.Error
			if errors.As(err, &le) && le.Code()&0xff == sqliteConstraint {
				// The table was empty: the batch holds the key or id twice.
				return conflict("row %d: the key %s or the id %v is twice in the batch: %v", n+1, t.keyOf(f), f.ident(), err)
			}
			return storeError(ctx, err)
		}
		if err := im.logChange(ctx, t, f.ident(), socle.OpInsert, ""); err != nil {
			return err
		}
		if err := idx.add(ctx, rowid, blob); err != nil {
			return err
		}
		if n == 0 {
			ext = f.bound
		} else {
			ext = ext.Union(f.bound)
		}
		n++
	}
	if err := im.flushLog(ctx); err != nil {
		return err
	}
	if err := idx.restore(ctx); err != nil {
		return err
	}
	res.Read, res.Inserted = n, n
	if n > 0 {
		if err := im.saveExtent(ctx, c.ID, &ext); err != nil {
			return err
		}
		st, err := readState(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		if _, err := im.bumpVersion(ctx, c.ID, st); err != nil {
			return err
		}
		// No recomputation of the ZAN figures: a stream carries its
		// source's, the communes' indicators with the communes and the flux
		// in the artificialisation collection, written after the land
		// cover. Recomputing them here would read every parcel into memory
		// (what a Writer exists not to do) and write flux rows that the
		// source's would then collide with.
	}
	if err := im.streamSequence(ctx, t); err != nil {
		return err
	}
	if err := im.s.saveSequences(ctx, tx.ExecContext, im); err != nil {
		return err
	}
	return im.finishCounts(ctx, *res)
}

// streamSequence moves a table's sequence past its largest id, read from
// the file (a Writer keeps no snapshot).
func (im *batchWriter) streamSequence(ctx context.Context, t *table) error {
	if t.seq == "" {
		return nil
	}
	var top sql.NullInt64
	if err := im.tx.QueryRowContext(ctx, "SELECT max("+quote(t.idCol)+") FROM "+quote(t.c.ID)).Scan(&top); err != nil {
		return storeError(ctx, err)
	}
	if !top.Valid {
		return nil
	}
	v, ok := im.seqs[t.seq]
	if !ok {
		if err := im.tx.QueryRowContext(ctx, "SELECT next_value FROM sequences WHERE name = ?", t.seq).Scan(&v); err != nil {
			return storeError(ctx, err)
		}
	}
	if top.Int64+1 > v {
		im.seqs[t.seq], im.dirty[t.seq] = top.Int64+1, true
	}
	return nil
}

// rtreeFill fills a feature table's R-tree as its insert trigger would,
// without the trigger: the trigger has SQLite call back into Go five times
// a row, each call with a copy of the geometry blob, which was most of a
// Writer's garbage. The trigger is dropped for the transaction and created
// again, the same, at its end.
type rtreeFill struct {
	tx *sql.Tx
	// rows are the R-tree's inserts, a chunk at a time.
	rows    *multiRow
	trigger string // the insert trigger's CREATE statement
}

// indexDirectly drops the insert trigger of t's R-tree within the
// transaction and prepares the R-tree's inserts. Without a trigger of the
// name GeoPackage 1.3 gives it (a schema made otherwise), it leaves the
// triggers to work: add and restore then do nothing.
func (im *batchWriter) indexDirectly(ctx context.Context, t *table) (*rtreeFill, error) {
	rtree := "rtree_" + t.c.ID + "_geom"
	var trigger string
	err := im.tx.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND name = ?",
		t.c.ID, rtree+"_insert").Scan(&trigger)
	if errors.Is(err, sql.ErrNoRows) {
		return &rtreeFill{}, nil
	}
	if err != nil {
		return nil, storeError(ctx, err)
	}
	if _, err := im.tx.ExecContext(ctx, "DROP TRIGGER "+quote(rtree+"_insert")); err != nil {
		return nil, storeError(ctx, err)
	}
	return &rtreeFill{tx: im.tx, rows: newMultiRow(im.tx, "INSERT OR REPLACE INTO "+quote(rtree)+" VALUES ", 5, 200), trigger: trigger}, nil
}

// add indexes the row rowid whose geometry is blob, when the trigger would:
// its condition and values are those of the trigger's ST_ functions.
func (r *rtreeFill) add(ctx context.Context, rowid int64, blob []byte) error {
	if r.rows == nil {
		return nil
	}
	b, nonEmpty, err := blobBound(blob)
	if err != nil || !nonEmpty {
		return err
	}
	return r.rows.add(ctx, rowid, b.Min[0], b.Max[0], b.Min[1], b.Max[1])
}

// addBound indexes the row rowid by bounds already known.
func (r *rtreeFill) addBound(ctx context.Context, rowid int64, b orb.Bound) error {
	if r.rows == nil {
		return nil
	}
	return r.rows.add(ctx, rowid, b.Min[0], b.Max[0], b.Min[1], b.Max[1])
}

// restore writes the rows still buffered and creates the insert trigger
// again.
func (r *rtreeFill) restore(ctx context.Context) error {
	if r.rows == nil {
		return nil
	}
	if err := r.rows.flush(ctx); err != nil {
		return err
	}
	_, err := r.tx.ExecContext(ctx, r.trigger)
	return storeError(ctx, err)
}

func (r *rtreeFill) close() {
	r.rows.close()
}

// sqliteConstraint is SQLite's primary result code for a constraint
// violation.
const sqliteConstraint = 19

// scanQuery appends to feats the features of a query's rows and closes
// them; err is the query's own error.
func (t *table) scanQuery(ctx context.Context, feats []*feature, rows *sql.Rows, err error) ([]*feature, error) {
	if err != nil {
		return nil, storeError(ctx, err)
	}
	defer rows.Close()
	return t.scan(rows, feats)
}
