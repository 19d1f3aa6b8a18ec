package embedded

import (
	"bytes"
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
	"github.com/paulmach/orb/encoding/wkb"
	"modernc.org/sqlite"

	"github.com/socle-geo/socle/internal/socle"
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
	// seq is the next value of addresses_id_seq; seqDirty when it moved.
	seq      int64
	seqDirty bool
}

// newBatchWriter starts the state of a batch in transaction tx.
func (s *Store) newBatchWriter(tx *sql.Tx, b socle.Batch) *batchWriter {
	return &batchWriter{s: s, tx: tx, batch: b, now: s.now().UTC().Truncate(time.Microsecond), base: map[string]*layer{}, next: map[string]*layer{}}
}

// change is one row an import inserts or updates.
type change struct {
	f        *feature
	prev     *feature // the stored row before the batch; nil for an insert
	inserted bool
}

// Import writes rows into collection c as one batch, in one SQLite
// transaction, exactly as the PostGIS store's Import does: rows are
// inserted or updated by their natural key, a row equal to what is stored
// is left untouched, rejects are kept, the batch is recorded with its
// counts, the collection's version is bumped and, for land cover, the
// communes' indicators are recomputed. After the commit, the new snapshots
// replace the old ones and the changes reach ListenChanges.
func (s *Store) Import(ctx context.Context, b socle.Batch, c *socle.Collection, rows []socle.Row, rejects []socle.Reject) (socle.ImportResult, error) {
	res := socle.ImportResult{BatchID: b.ID, Read: len(rows) + len(rejects), Rejected: len(rejects)}
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
	if err := im.run(ctx, t, rows, rejects, &res); err != nil {
		tx.Rollback() //nolint:errcheck // the error that matters is err
		if im.seqDirty {
			// PostgreSQL's nextval is not undone by a rollback: neither is
			// the sequence here, so that both stores number alike.
			s.saveSequence(im.seq)
		}
		return res, err
	}
	if err := tx.Commit(); err != nil {
		return res, storeError(ctx, err)
	}
	for id, l := range im.next {
		s.layers[id].Store(l)
	}
	s.changes.publish(im.changes)
	return res, nil
}

// saveSequence records the next value of addresses_id_seq outside any
// import's transaction.
func (s *Store) saveSequence(next int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = s.db.ExecContext(ctx, "UPDATE sequences SET next_value = ? WHERE name = 'addresses_id_seq'", next)
}

// run does the import within the transaction; the caller commits.
func (im *batchWriter) run(ctx context.Context, t *table, rows []socle.Row, rejects []socle.Reject, res *socle.ImportResult) error {
	tx, b, c := im.tx, im.batch, t.c
	if err := checkSRIDs(rows); err != nil {
		return err
	}
	if err := im.sync(ctx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO batches (id, kind, collection, source, file_sha256, actor, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		b.ID, b.Kind, c.ID, b.Source, b.FileSHA256, b.Actor, formatTimestamp(im.now)); err != nil {
		return storeError(ctx, err)
	}
	if err := tx.QueryRowContext(ctx, "SELECT next_value FROM sequences WHERE name = 'addresses_id_seq'").Scan(&im.seq); err != nil {
		return storeError(ctx, err)
	}

	changes, err := im.upsert(ctx, t, rows)
	if err != nil {
		return err
	}
	for _, ch := range changes {
		if ch.inserted {
			res.Inserted++
		} else {
			res.Updated++
		}
	}
	res.Unchanged = len(rows) - res.Inserted - res.Updated
	if len(rejects) > 0 {
		st, err := tx.PrepareContext(ctx, "INSERT INTO batch_rejects (batch, line, col, reason, raw) VALUES (?, ?, ?, ?, ?)")
		if err != nil {
			return storeError(ctx, err)
		}
		for _, r := range rejects {
			if _, err := st.ExecContext(ctx, b.ID, int64(int32(r.Line)), r.Column, r.Reason, r.Raw); err != nil {
				st.Close()
				return storeError(ctx, err)
			}
		}
		st.Close()
	}

	if len(changes) > 0 {
		if err := im.write(ctx, t, changes); err != nil {
			return err
		}
		if c.ID == "addresses" {
			// setval('addresses_id_seq', max(id)): ids are in order.
			feats := im.current(c.ID).feats
			im.seq, im.seqDirty = feats[len(feats)-1].id.(int64)+1, true
		}
		if err := im.notifyChange(ctx, c.ID, changedAreas(changes)); err != nil {
			return err
		}
		if c.ID == "land_cover" || c.ID == "communes" {
			// Indicators follow the parcels; the communes whose figures
			// changed change in their whole extent.
			areas, err := im.refreshIndicators(ctx)
			if err != nil {
				return err
			}
			if err := im.notifyChange(ctx, "communes", areas); err != nil {
				return err
			}
		}
	}
	return im.finish(ctx, *res)
}

// finish records what an import or a copy moved: the address id sequence
// when it advanced, and the batch as done with its counts.
func (im *batchWriter) finish(ctx context.Context, res socle.ImportResult) error {
	if im.seqDirty {
		if _, err := im.tx.ExecContext(ctx, "UPDATE sequences SET next_value = ? WHERE name = 'addresses_id_seq'", im.seq); err != nil {
			return storeError(ctx, err)
		}
	}
	counts, _ := json.Marshal(res)
	if _, err := im.tx.ExecContext(ctx, `UPDATE batches SET status = 'done', finished_at = ?, counts = ? WHERE id = ?`,
		formatTimestamp(im.s.now()), string(counts), im.batch.ID); err != nil {
		return storeError(ctx, err)
	}
	return nil
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

// checkSRIDs refuses coordinates in a CRS this store cannot transform.
func checkSRIDs(rows []socle.Row) error {
	seen := map[int]bool{}
	for _, r := range rows {
		if seen[r.SRID] {
			continue
		}
		seen[r.SRID] = true
		if _, err := transformer(r.SRID, StorageSRID); err != nil {
			return socle.Errorf(socle.EINVALID, "unknown CRS EPSG:%d: the embedded store cannot transform it (supported: 4326, 4258, 2154, 3857, 3035)", r.SRID)
		}
	}
	return nil
}

// sync makes the import start from what the file holds: when another
// process has written a collection since this one loaded it (its version in
// layer_state moved), the collection is read again inside the transaction.
func (im *batchWriter) sync(ctx context.Context) error {
	for id, p := range im.s.layers {
		l := p.Load()
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

// current returns the collection's state within the import.
func (im *batchWriter) current(id string) *layer {
	if l, ok := im.next[id]; ok {
		return l
	}
	return im.base[id]
}

// keyOf returns the text of a feature's natural key.
func (t *table) keyOf(f *feature) string {
	if t.keyProp >= 0 {
		return f.vals[t.keyProp].(string)
	}
	return idText(f.id)
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

// upsert applies rows to the collection in memory, row by row in their
// order, with the checks PostgreSQL makes on INSERT … ON CONFLICT DO UPDATE
// … WHERE (…) IS DISTINCT FROM (…): each value cast to its column, NOT
// NULL and CHECK constraints, then the key: a row whose key is stored is
// compared and updated only if it differs; a key met twice in a batch is a
// conflict; any other row is inserted.
func (im *batchWriter) upsert(ctx context.Context, t *table, rows []socle.Row) ([]change, error) {
	l := im.current(t.c.ID)
	byKey := map[string]*feature{}
	if t.keyProp >= 0 {
		byKey = make(map[string]*feature, len(l.feats))
		for _, f := range l.feats {
			byKey[t.keyOf(f)] = f
		}
	}
	lookup := func(key string, id any) *feature {
		if t.keyProp >= 0 {
			return byKey[key]
		}
		return l.find(id)
	}
	touched := map[string]*feature{} // keys this batch inserted or updated
	newIDs := map[any]bool{}
	var changes []change
	multi := strings.HasPrefix(t.c.GeometryType, "Multi")
	for i, r := range rows {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		f, err := im.feature(t, i, r, multi)
		if err != nil {
			return nil, err
		}
		key := t.keyOf(f)
		if _, twice := touched[key]; twice {
			return nil, conflict("row %d: the key %s is twice in the batch", i+1, key)
		}
		if old := lookup(key, f.id); old != nil {
			if t.sameRow(old, f, im.batch.WithDerived) {
				continue
			}
			// Update: the id, the key and the derived values stay.
			f.id = old.id
			for j, c := range t.cols {
				if (c.derived && !im.batch.WithDerived) || j == t.idProp || j == t.keyProp {
					f.vals[j] = old.vals[j]
				}
			}
			touched[key] = f
			changes = append(changes, change{f: f, prev: old})
			continue
		}
		if t.keyProp >= 0 && (newIDs[f.id] || l.find(f.id) != nil) {
			return nil, conflict("row %d: duplicate id %v", i+1, f.id)
		}
		touched[key] = f
		newIDs[f.id] = true
		changes = append(changes, change{f: f, inserted: true})
	}
	if len(changes) > 0 {
		fs := make([]*feature, len(changes))
		for i, ch := range changes {
			fs[i] = ch.f
		}
		n, err := l.withChanges(fs, l.state)
		if err != nil {
			return nil, err
		}
		im.next[t.c.ID] = n
	}
	return changes, nil
}

// feature turns row i of a batch into the feature it stores, with the
// checks PostgreSQL makes on INSERT: each value cast to its column (the id
// given, or for addresses without one the next value of the sequence), the
// geometry in Lambert-93 (a Multi* column takes single geometries as
// one-part collections, as ST_Multi), NOT NULL and CHECK constraints. The
// key is not checked here.
func (im *batchWriter) feature(t *table, i int, r socle.Row, multi bool) (*feature, error) {
	f := &feature{vals: make([]any, len(t.cols))}
	var k *string
	if r.ID != nil {
		s := fmt.Sprint(r.ID)
		k = &s
	}
	switch {
	case k != nil && t.intID:
		v, err := parseText(kInt, 64, *k)
		if err != nil {
			return nil, err
		}
		f.id = v
	case k != nil:
		f.id = *k
	case t.c.ID == "addresses":
		f.id = im.seq
		im.seq++
		im.seqDirty = true
	}
	// The properties, each (p->>'name') cast to its column.
	props, err := decodeProperties(r.Properties)
	if err != nil {
		return nil, err
	}
	for j, c := range t.cols {
		if c.derived && !im.batch.WithDerived {
			f.vals[j] = c.def
			continue
		}
		if j == t.idProp {
			if f.id != nil {
				f.vals[j] = f.id
			}
			continue
		}
		text, ok := valueText(props[c.name])
		if ok {
			v, err := parseText(c.kind, c.bits, text)
			if err != nil {
				return nil, err
			}
			f.vals[j] = v
		}
		if j == t.updatedAt && f.vals[j] == nil {
			f.vals[j] = im.now
		}
	}
	g, err := wkb.Unmarshal(r.WKB)
	if err != nil {
		return nil, malformed("row %d: geometry: %v", i+1, err)
	}
	if g, err = transform(g, r.SRID, StorageSRID); err != nil {
		return nil, err
	}
	if multi {
		g = toMulti(g)
	}
	if g.GeoJSONType() != t.c.GeometryType {
		return nil, malformed("row %d: geometry type %s does not match column type %s", i+1, g.GeoJSONType(), t.c.GeometryType)
	}
	f.geom, f.bound = g, g.Bound()
	// NOT NULL, then CHECK.
	if f.id == nil {
		return nil, conflict("row %d: null value in column %s", i+1, t.idCol)
	}
	for j, c := range t.cols {
		if c.notNull && f.vals[j] == nil {
			return nil, conflict("row %d: null value in column %s", i+1, c.name)
		}
	}
	for j, c := range t.cols {
		if c.check != nil && f.vals[j] != nil && !c.check(f.vals[j]) {
			return nil, conflict("row %d: %s violates its check constraint", i+1, c.name)
		}
	}
	return f, nil
}

// sameRow reports whether a stored row equals a new one in every column
// an import compares: the properties taken from files (not the id, the key,
// updated_at or derived values, unless withDerived) and the geometry.
func (t *table) sameRow(old, f *feature, withDerived bool) bool {
	for j, c := range t.cols {
		if (c.derived && !withDerived) || j == t.idProp || j == t.keyProp || j == t.updatedAt {
			continue
		}
		if !equalValues(c.kind, old.vals[j], f.vals[j]) {
			return false
		}
	}
	return orb.Equal(old.geom, f.geom)
}

func decodeProperties(raw json.RawMessage) (map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, malformed("properties: %v", err)
	}
	return m, nil
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
	st, err := im.tx.PrepareContext(ctx, "INSERT INTO "+quote(t.c.ID)+" ("+strings.Join(cols, ", ")+") VALUES ("+
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")+")")
	if err != nil {
		return nil, storeError(ctx, err)
	}
	in.st = st
	return in, nil
}

// insert writes one new row; stamp is the batch's time as stored. It
// returns the row's rowid and its geometry blob.
func (in *inserter) insert(ctx context.Context, f *feature, stamp, batch string) (int64, []byte, error) {
	blob, err := encodeBlob(f.geom, StorageSRID)
	if err != nil {
		return 0, nil, malformed("geometry: %v", err)
	}
	args := make([]any, 0, len(in.colIdx)+4)
	if in.idCol {
		args = append(args, f.id)
	}
	for _, j := range in.colIdx {
		args = append(args, toSQLite(in.t.cols[j].kind, f.vals[j]))
	}
	if in.updatedCol {
		args = append(args, stamp)
	}
	args = append(args, batch, blob)
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
	// Updates set what imports set: not the id, the key or derived values.
	var sets []string
	var setIdx []int
	for j, c := range t.cols {
		if (c.derived && !im.batch.WithDerived) || j == t.idProp || j == t.keyProp {
			continue
		}
		sets = append(sets, quote(c.name)+" = ?")
		setIdx = append(setIdx, j)
	}
	if ins.updatedCol {
		sets = append(sets, `"updated_at" = ?`)
	}
	sets = append(sets, `"batch" = ?`, `"geom" = ?`)
	upd, err := im.tx.PrepareContext(ctx, "UPDATE "+quote(t.c.ID)+" SET "+strings.Join(sets, ", ")+" WHERE "+quote(t.key)+" = ?")
	if err != nil {
		return storeError(ctx, err)
	}
	defer upd.Close()
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
	stamp := formatTimestamp(im.now)
	for i, ch := range changes {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if ch.inserted {
			rowid, blob, err := ins.insert(ctx, ch.f, stamp, im.batch.ID)
			if err != nil {
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
		blob, err := encodeBlob(ch.f.geom, StorageSRID)
		if err != nil {
			return malformed("geometry: %v", err)
		}
		var args []any
		for _, j := range setIdx {
			args = append(args, toSQLite(t.cols[j].kind, ch.f.vals[j]))
		}
		if ins.updatedCol {
			args = append(args, stamp)
		}
		args = append(args, im.batch.ID, blob, t.keyOf(ch.f))
		if _, err := upd.ExecContext(ctx, args...); err != nil {
			return storeError(ctx, err)
		}
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
	return im.writeExtent(ctx, t.c.ID)
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
// gpkg_contents.
func (im *batchWriter) writeExtent(ctx context.Context, collection string) error {
	l := im.current(collection)
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
// Store.ImportHistory does.
func (w *Writer) ImportHistory(ctx context.Context, h *socle.History) (socle.HistoryResult, error) {
	return w.s.ImportHistory(ctx, h)
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
	if _, err := tx.ExecContext(ctx, `INSERT INTO batches (id, kind, collection, source, file_sha256, actor, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		b.ID, b.Kind, c.ID, b.Source, b.FileSHA256, b.Actor, formatTimestamp(im.now)); err != nil {
		return storeError(ctx, err)
	}
	if err := tx.QueryRowContext(ctx, "SELECT next_value FROM sequences WHERE name = 'addresses_id_seq'").Scan(&im.seq); err != nil {
		return storeError(ctx, err)
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
	multi := strings.HasPrefix(c.GeometryType, "Multi")
	srids := map[int]bool{}
	var ext orb.Bound
	var maxID int64
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
		if !srids[r.SRID] {
			if err := checkSRIDs([]socle.Row{r}); err != nil {
				return err
			}
			srids[r.SRID] = true
		}
		f, err := im.feature(t, n, r, multi)
		if err != nil {
			return err
		}
		rowid, blob, err := ins.insert(ctx, f, stamp, b.ID)
		if err != nil {
			var le *sqlite.Error
			if errors.As(err, &le) && le.Code()&0xff == sqliteConstraint {
				// The table was empty: the batch holds the key or id twice.
				return conflict("row %d: the key %s or the id %v is twice in the batch: %v", n+1, t.keyOf(f), f.id, err)
			}
			return storeError(ctx, err)
		}
		if err := idx.add(ctx, rowid, blob); err != nil {
			return err
		}
		if n == 0 {
			ext = f.bound
		} else {
			ext = ext.Union(f.bound)
		}
		if id, ok := f.id.(int64); ok && id > maxID {
			maxID = id
		}
		n++
	}
	if err := idx.restore(ctx); err != nil {
		return err
	}
	res.Read, res.Inserted = n, n
	if n > 0 {
		if err := im.saveExtent(ctx, c.ID, &ext); err != nil {
			return err
		}
		if c.ID == "addresses" {
			// setval('addresses_id_seq', max(id)).
			im.seq, im.seqDirty = maxID+1, true
		}
		st, err := readState(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		if _, err := im.bumpVersion(ctx, c.ID, st); err != nil {
			return err
		}
		if c.ID == "land_cover" || c.ID == "communes" {
			if err := im.streamIndicators(ctx); err != nil {
				return err
			}
		}
	}
	return im.finish(ctx, *res)
}

// rtreeFill fills a feature table's R-tree as its insert trigger would,
// without the trigger: the trigger has SQLite call back into Go five times
// a row, each call with a copy of the geometry blob, which was most of a
// Writer's garbage. The trigger is dropped for the transaction and created
// again, the same, at its end.
type rtreeFill struct {
	tx      *sql.Tx
	st      *sql.Stmt
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
	st, err := im.tx.PrepareContext(ctx, "INSERT OR REPLACE INTO "+quote(rtree)+" VALUES (?, ?, ?, ?, ?)")
	if err != nil {
		return nil, storeError(ctx, err)
	}
	return &rtreeFill{tx: im.tx, st: st, trigger: trigger}, nil
}

// add indexes the row rowid whose geometry is blob, when the trigger would:
// its condition and values are those of the trigger's ST_ functions.
func (r *rtreeFill) add(ctx context.Context, rowid int64, blob []byte) error {
	if r.st == nil {
		return nil
	}
	b, nonEmpty, err := blobBound(blob)
	if err != nil || !nonEmpty {
		return err
	}
	_, err = r.st.ExecContext(ctx, rowid, b.Min[0], b.Max[0], b.Min[1], b.Max[1])
	return storeError(ctx, err)
}

// addBound indexes the row rowid by bounds already known.
func (r *rtreeFill) addBound(ctx context.Context, rowid int64, b orb.Bound) error {
	if r.st == nil {
		return nil
	}
	_, err := r.st.ExecContext(ctx, rowid, b.Min[0], b.Max[0], b.Min[1], b.Max[1])
	return storeError(ctx, err)
}

// restore creates the insert trigger again.
func (r *rtreeFill) restore(ctx context.Context) error {
	if r.st == nil {
		return nil
	}
	_, err := r.tx.ExecContext(ctx, r.trigger)
	return storeError(ctx, err)
}

func (r *rtreeFill) close() {
	if r.st != nil {
		r.st.Close()
	}
}

// sqliteConstraint is SQLite's primary result code for a constraint
// violation.
const sqliteConstraint = 19

// streamIndicators recomputes the communes' indicators as an Import does
// (refreshIndicators), from the file rather than from snapshots: the
// communes are read whole (a few dozen rows), the land cover only as sums
// of the artificialised area by commune and year, added in id order as
// refreshIndicators adds them, one stand-in parcel per sum.
func (im *batchWriter) streamIndicators(ctx context.Context) error {
	lcT, ok1 := im.s.tables["land_cover"]
	coT, ok2 := im.s.tables["communes"]
	if !ok1 || !ok2 {
		return nil
	}
	lc := &layer{t: lcT}
	if err := im.sumLandCover(ctx, lc); err != nil {
		return err
	}
	co, err := loadLayer(ctx, im.tx, coT)
	if err != nil {
		return err
	}
	im.base["land_cover"], im.base["communes"] = lc, co
	areas, err := im.refreshIndicators(ctx)
	if err != nil || len(areas) == 0 {
		return err
	}
	_, err = im.bumpVersion(ctx, "communes", co.state)
	return err
}

// sumLandCover fills l with one parcel per commune and year: artificialised,
// of that year, its area the sum of the artificialised parcels' areas in id
// order. Without the columns refreshIndicators reads, l stays empty.
func (im *batchWriter) sumLandCover(ctx context.Context, l *layer) error {
	t := l.t
	cols := make([]int, 4)
	for k, name := range []string{"artificialised", "year_artificialised", "area_m2", "commune_insee"} {
		i, ok := t.byName[name]
		if !ok {
			return nil
		}
		cols[k] = i
	}
	art, yearArt, area, insee := cols[0], cols[1], cols[2], cols[3]
	rows, err := im.tx.QueryContext(ctx, "SELECT "+quote(t.cols[art].name)+", "+quote(t.cols[yearArt].name)+", "+quote(t.cols[area].name)+", "+
		quote(t.cols[insee].name)+" FROM "+quote(t.c.ID)+" ORDER BY "+quote(t.idCol))
	if err != nil {
		return storeError(ctx, err)
	}
	defer rows.Close()
	type cy struct {
		commune string
		year    int64
	}
	sums := map[cy]float64{}
	var order []cy
	in := interner{}
	raw := make([]any, 4)
	dest := []any{&raw[0], &raw[1], &raw[2], &raw[3]}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return storeError(ctx, err)
		}
		vals := make([]any, 4)
		for k, j := range cols {
			if vals[k], err = fromSQLite(t.cols[j], raw[k], in); err != nil {
				return fmt.Errorf("embedded: %s: %s: %w", t.c.ID, t.cols[j].name, err)
			}
		}
		a, _ := vals[0].(bool)
		y, ok := vals[1].(int64)
		c, _ := vals[3].(string)
		if !a || !ok {
			continue
		}
		m2, _ := vals[2].(float64)
		k := cy{c, y}
		if _, seen := sums[k]; !seen {
			order = append(order, k)
		}
		sums[k] += m2
	}
	if err := rows.Err(); err != nil {
		return storeError(ctx, err)
	}
	for _, k := range order {
		f := &feature{vals: make([]any, len(t.cols))}
		f.vals[art], f.vals[yearArt], f.vals[area], f.vals[insee] = true, k.year, sums[k], k.commune
		l.feats = append(l.feats, f)
	}
	return nil
}
