package embedded

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/socle-geo/socle/internal/ledger"
	"github.com/socle-geo/socle/internal/socle"
)

// The change log (table feature_changes, see socle.FeatureChange): every
// change a batch makes to a feature, logged in the batch's transaction
// with the stored row it replaced, in the form both stores write: a JSON
// object of every column (values in their text forms, "geom" as hex WKB).

// before returns the stored row of f as the log keeps it: its id and
// properties from memory, the batch and time of its last write from the
// file, its geometry.
func (im *batchWriter) before(ctx context.Context, t *table, f *feature) (string, error) {
	st, ok := im.stampStmts[t.c.ID]
	if !ok {
		var err error
		st, err = im.tx.PrepareContext(ctx, "SELECT batch, CAST(updated_at AS TEXT) FROM "+quote(t.c.ID)+" WHERE "+quote(t.idCol)+" = ?")
		if err != nil {
			return "", storeError(ctx, err)
		}
		if im.stampStmts == nil {
			im.stampStmts = map[string]*sql.Stmt{}
		}
		im.stampStmts[t.c.ID] = st
	}
	var batch string
	var updated sql.NullString
	if err := st.QueryRowContext(ctx, f.ident()).Scan(&batch, &updated); err != nil {
		return "", storeError(ctx, err)
	}
	buf := []byte{'{'}
	add := func(name string) {
		if len(buf) > 1 {
			buf = append(buf, ',')
		}
		buf = append(socle.AppendJSONString(buf, name), ':')
	}
	if t.idProp < 0 {
		add(t.idCol)
		if t.intID {
			buf = strconv.AppendInt(buf, f.fid.n, 10)
		} else {
			buf = socle.AppendJSONString(buf, f.fid.s)
		}
	}
	for j, c := range t.cols {
		add(c.name)
		buf = f.appendVal(buf, c.kind, j)
	}
	add("batch")
	buf = socle.AppendJSONString(buf, batch)
	if t.updatedAt < 0 {
		add("updated_at")
		if updated.Valid {
			ts, err := parseTimestamp(updated.String)
			if err != nil {
				return "", err
			}
			buf = socle.AppendJSONString(buf, socle.FormatDateTime(ts))
		} else {
			buf = append(buf, "null"...)
		}
	}
	w, err := wkb.Marshal(f.geometry())
	if err != nil {
		return "", malformed("geometry: %v", err)
	}
	add("geom")
	buf = append(buf, '"')
	buf = hex.AppendEncode(buf, w)
	buf = append(buf, '"', '}')
	return string(buf), nil
}

// logChange appends a change of the batch to the log (before is "" for an
// insert). Changes are written a chunk at a time: whatever logs calls
// flushLog before it returns.
func (im *batchWriter) logChange(ctx context.Context, t *table, id any, op, before string) error {
	if im.log == nil {
		im.log = newMultiRow(im.tx, "INSERT INTO feature_changes (batch, collection, feature_id, op, before) VALUES ", 5, 100)
	}
	var b any
	if before != "" {
		b = before
	}
	return im.log.add(ctx, im.batch.ID, t.c.ID, idText(id), op, b)
}

// flushLog writes the changes logChange holds.
func (im *batchWriter) flushLog(ctx context.Context) error {
	return im.log.flush(ctx)
}

// logChanges logs the inserts and updates of a batch, in id order, each
// update with the row it replaces: before they are written.
func (im *batchWriter) logChanges(ctx context.Context, t *table, changes []change) error {
	sorted := slices.Clone(changes)
	slices.SortFunc(sorted, func(a, b change) int { return compareFeatureIDs(a.f, b.f) })
	for i, ch := range sorted {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if ch.inserted {
			if err := im.logChange(ctx, t, ch.f.ident(), socle.OpInsert, ""); err != nil {
				return err
			}
			continue
		}
		b, err := im.before(ctx, t, ch.prev)
		if err != nil {
			return err
		}
		if err := im.logChange(ctx, t, ch.f.ident(), socle.OpUpdate, b); err != nil {
			return err
		}
	}
	return im.flushLog(ctx)
}

// remove deletes features of t in the file and the next snapshot, logging
// each with its last state, and announces them; it says how many.
func (im *batchWriter) remove(ctx context.Context, t *table, gone []*feature) (int, error) {
	if len(gone) == 0 {
		return 0, nil
	}
	slices.SortFunc(gone, compareFeatureIDs)
	del, err := im.tx.PrepareContext(ctx, "DELETE FROM "+quote(t.c.ID)+" WHERE "+quote(t.idCol)+" = ?")
	if err != nil {
		return 0, storeError(ctx, err)
	}
	defer del.Close()
	changes := make([]change, len(gone))
	for i, f := range gone {
		b, err := im.before(ctx, t, f)
		if err != nil {
			return 0, err
		}
		if err := im.logChange(ctx, t, f.ident(), socle.OpDelete, b); err != nil {
			return 0, err
		}
		if _, err := del.ExecContext(ctx, f.ident()); err != nil {
			return 0, storeError(ctx, err)
		}
		changes[i] = change{f: f}
	}
	if err := im.flushLog(ctx); err != nil {
		return 0, err
	}
	im.next[t.c.ID] = im.current(t.c.ID).without(gone)
	removed := make([]orb.Bound, len(gone))
	for i, f := range gone {
		removed[i] = f.bound
	}
	if err := im.writeExtent(ctx, t.c.ID, removed, nil); err != nil {
		return 0, err
	}
	return len(gone), im.notifyChange(ctx, t.c.ID, changedAreas(changes))
}

// fromBefore returns the feature a logged row describes, over base (the
// stored feature, for a log entry that holds only some columns; nil for a
// whole row), with the batch and time of its last write it holds (zero when
// it holds none).
func (t *table) fromBefore(before json.RawMessage, id any, base *feature) (*feature, string, *time.Time, error) {
	dec := json.NewDecoder(bytes.NewReader(before))
	dec.UseNumber()
	var m map[string]json.RawMessage
	if err := dec.Decode(&m); err != nil {
		return nil, "", nil, malformed("change log: %v", err)
	}
	f := &feature{fid: makeID(id), vals: make([]any, len(t.cols))}
	if base != nil {
		f.vals, f.geom = base.values(), base.geometry()
	}
	for j, c := range t.cols {
		raw, ok := m[c.name]
		if !ok {
			continue
		}
		v, err := logValue(c, raw)
		if err != nil {
			return nil, "", nil, err
		}
		f.vals[j] = v
	}
	if raw, ok := m["geom"]; ok {
		var h string
		if err := json.Unmarshal(raw, &h); err != nil {
			return nil, "", nil, malformed("change log geometry: %v", err)
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, "", nil, malformed("change log geometry: %v", err)
		}
		if f.geom, err = wkb.Unmarshal(b); err != nil {
			return nil, "", nil, malformed("change log geometry: %v", err)
		}
	}
	if f.geometry() == nil {
		return nil, "", nil, malformed("change log: feature %v has no geometry", id)
	}
	f.bound = f.geometry().Bound()
	var batch string
	if raw, ok := m["batch"]; ok {
		_ = json.Unmarshal(raw, &batch)
	}
	var stamp *time.Time
	if raw, ok := m["updated_at"]; ok && t.updatedAt < 0 {
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" {
			ts, err := parseTimestamp(s)
			if err != nil {
				return nil, "", nil, err
			}
			stamp = &ts
		}
	}
	return f, batch, stamp, nil
}

// logValue reads a column's value from its text form in the log.
func logValue(c column, raw json.RawMessage) (any, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	if c.kind == kJSON {
		return jsonValue(raw), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, malformed("change log %s: %v", c.name, err)
	}
	text, _ := valueText(v)
	return parseText(c.kind, c.bits, text)
}

// Revert undoes a batch by the change log (see socle.Reverter), in one
// SQLite transaction: what it inserted is deleted, what it updated or
// deleted is put back as it was, each logged under a new revert batch.
func (s *Store) Revert(ctx context.Context, batch, actor string) (socle.RevertResult, error) {
	res := socle.RevertResult{BatchID: batch, Collections: map[string]int{}}
	now := s.now()
	rb := socle.Batch{ID: socle.NewBatchID(socle.KindRevert, now), Kind: socle.KindRevert, Source: batch, Actor: actor}
	res.RevertBatch = rb.ID
	err := s.inTx(ctx, rb, func(im *batchWriter) error {
		conn := ledger.SQLiteTx(im.tx, storeError)
		kind, coll, err := ledger.RevertTarget(ctx, conn, batch)
		if err != nil {
			return err
		}
		if err := im.recordBatch(ctx, coll); err != nil {
			return err
		}
		plan, err := ledger.Plan(ctx, conn, batch)
		if err != nil {
			return err
		}
		for _, c := range s.catalog.Collections {
			if len(plan[c.ID]) == 0 {
				continue
			}
			n, err := im.revertCollection(ctx, s.tables[c.ID], plan[c.ID], &res)
			if err != nil {
				return err
			}
			res.Collections[c.ID] = n
		}
		if err := ledger.MarkReverted(ctx, conn, batch, actor, now, res); err != nil {
			return err
		}
		// The ZAN figures follow what the revert put back (a Cerema file
		// reverted gives way to the one before it).
		if moved := res.Collections["land_cover"]+res.Collections["communes"] > 0; moved || kind == socle.KindConsommation {
			scope := deriveAll
			if !moved {
				scope = deriveIndicators
			}
			if err := im.derive(ctx, rb.ID, scope); err != nil {
				return err
			}
		}
		return im.finishCounts(ctx, res)
	})
	return res, err
}

// revertCollection applies the plan of one collection.
func (im *batchWriter) revertCollection(ctx context.Context, t *table, plan []ledger.RevertPlan, res *socle.RevertResult) (int, error) {
	l := im.current(t.c.ID)
	key := func(p ledger.RevertPlan) (any, error) {
		if t.intID {
			return strconv.ParseInt(p.FeatureID, 10, 64)
		}
		return p.FeatureID, nil
	}
	var gone []*feature
	var back []change
	type restored struct {
		batch string
		stamp *time.Time
	}
	stamps := map[any]restored{}
	for _, p := range plan {
		id, err := key(p)
		if err != nil {
			return 0, malformed("change log id %q: %v", p.FeatureID, err)
		}
		cur := l.find(id)
		switch p.Op {
		case socle.OpInsert:
			if cur != nil {
				gone = append(gone, cur)
			}
		case socle.OpUpdate, socle.OpDelete:
			base := cur
			if p.Op == socle.OpDelete {
				base = nil
			}
			if p.Op == socle.OpUpdate && cur == nil {
				return 0, &socle.Error{Code: socle.ECONFLICT, Message: "feature " + p.FeatureID + " of " + t.c.ID + " is no longer stored: its change cannot be undone"}
			}
			f, b, st, err := t.fromBefore(p.Before, id, base)
			if err != nil {
				return 0, err
			}
			back = append(back, change{f: f, prev: cur, inserted: cur == nil})
			stamps[id] = restored{b, st}
		}
	}
	removed, err := im.remove(ctx, t, gone)
	if err != nil {
		return 0, err
	}
	if len(back) > 0 {
		if err := im.logChanges(ctx, t, back); err != nil {
			return 0, err
		}
		if err := im.restoreRows(ctx, t, back, func(id any) (string, *time.Time) { r := stamps[id]; return r.batch, r.stamp }); err != nil {
			return 0, err
		}
	}
	for _, ch := range back {
		if ch.inserted {
			res.Reinserted++
		} else {
			res.Restored++
		}
	}
	res.Removed += removed
	if len(back) > 0 {
		fs := make([]*feature, len(back))
		for i, ch := range back {
			fs[i] = ch.f
		}
		l := im.current(t.c.ID)
		n, err := l.withChanges(fs, l.state)
		if err != nil {
			return 0, err
		}
		im.next[t.c.ID] = n
		if err := im.writeExtent(ctx, t.c.ID, nil, nil); err != nil {
			return 0, err
		}
		if err := im.notifyChange(ctx, t.c.ID, changedAreas(back)); err != nil {
			return 0, err
		}
	}
	return removed + len(back), nil
}

// restoreRows writes rows a revert puts back: every column of each, with
// the batch and time of the write it restores.
func (im *batchWriter) restoreRows(ctx context.Context, t *table, back []change, stamp func(any) (string, *time.Time)) error {
	var cols []string
	if t.idProp < 0 {
		cols = append(cols, quote(t.idCol))
	}
	for _, c := range t.cols {
		cols = append(cols, quote(c.name))
	}
	cols = append(cols, `"batch"`)
	if t.updatedAt < 0 {
		cols = append(cols, `"updated_at"`)
	}
	cols = append(cols, `"geom"`)
	ph := make([]string, len(cols))
	for i := range ph {
		ph[i] = "?"
	}
	// REPLACE keeps the integer primary key of an integer id; a text id's
	// row gets a new fid, which nothing refers to.
	st, err := im.tx.PrepareContext(ctx, "INSERT OR REPLACE INTO "+quote(t.c.ID)+" ("+joinStrings(cols, ", ")+") VALUES ("+joinStrings(ph, ", ")+")")
	if err != nil {
		return storeError(ctx, err)
	}
	defer st.Close()
	sorted := slices.Clone(back)
	slices.SortFunc(sorted, func(a, b change) int { return cmp.Compare(idText(a.f.ident()), idText(b.f.ident())) })
	for _, ch := range sorted {
		f := ch.f
		args := make([]any, 0, len(cols))
		if t.idProp < 0 {
			args = append(args, f.ident())
		}
		for j, c := range t.cols {
			args = append(args, toSQLite(c.kind, f.val(j)))
		}
		batch, ts := stamp(f.ident())
		args = append(args, batch)
		if t.updatedAt < 0 {
			var v any
			if ts != nil {
				v = formatTimestamp(*ts)
			} else {
				v = formatTimestamp(im.now)
			}
			args = append(args, v)
		}
		blob, err := encodeBlob(f.geometry(), StorageSRID)
		if err != nil {
			return malformed("geometry: %v", err)
		}
		args = append(args, blob)
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return storeError(ctx, err)
		}
	}
	return nil
}

func joinStrings(s []string, sep string) string {
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(x)
	}
	return b.String()
}
