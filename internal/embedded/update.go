package embedded

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/socle-geo/socle/internal/socle"
)

// updaterTablesSQL are the updater's tables, as in the PostGIS schema
// (migration 00004), with positions as x, y in Lambert-93: they are not
// feature tables.
const updaterTablesSQL = `
CREATE TABLE IF NOT EXISTS update_inputs (
  sha256 TEXT PRIMARY KEY NOT NULL,
  kind TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  actor TEXT NOT NULL DEFAULT '',
  size INTEGER NOT NULL,
  data BLOB NOT NULL,
  received_at DATETIME NOT NULL
);
CREATE TABLE IF NOT EXISTS update_history (
  batch TEXT NOT NULL REFERENCES batches (id),
  collection TEXT NOT NULL,
  feature_id INTEGER NOT NULL,
  previous TEXT NOT NULL,
  PRIMARY KEY (batch, collection, feature_id)
);
CREATE INDEX IF NOT EXISTS update_history_feature_idx ON update_history (collection, feature_id);
CREATE TABLE IF NOT EXISTS update_reverts (
  batch TEXT PRIMARY KEY NOT NULL REFERENCES batches (id),
  actor TEXT NOT NULL DEFAULT '',
  reverted_at DATETIME NOT NULL,
  counts TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS address_candidates (
  key TEXT PRIMARY KEY NOT NULL,
  batch TEXT NOT NULL REFERENCES batches (id),
  line INTEGER NOT NULL,
  imb_id TEXT NOT NULL DEFAULT '',
  numero INTEGER,
  suffixe TEXT NOT NULL DEFAULT '',
  voie_nom TEXT NOT NULL DEFAULT '',
  commune_insee TEXT NOT NULL DEFAULT '',
  commune_nom TEXT NOT NULL DEFAULT '',
  code_postal TEXT NOT NULL DEFAULT '',
  fibre_status TEXT NOT NULL DEFAULT '',
  fibre_operator TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  x REAL NOT NULL,
  y REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS address_candidates_batch_idx ON address_candidates (batch);
CREATE TABLE IF NOT EXISTS road_reports (
  key TEXT PRIMARY KEY NOT NULL,
  batch TEXT NOT NULL REFERENCES batches (id),
  line INTEGER NOT NULL,
  observed_at DATETIME NOT NULL,
  vehicle TEXT NOT NULL,
  heading REAL,
  condition INTEGER NOT NULL CHECK (condition BETWEEN 0 AND 3),
  comment TEXT NOT NULL DEFAULT '',
  road_id INTEGER,
  distance REAL,
  reason TEXT NOT NULL DEFAULT '',
  x REAL NOT NULL,
  y REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS road_reports_road_idx ON road_reports (road_id, observed_at) WHERE road_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS road_reports_batch_idx ON road_reports (batch);
`

// ensureUpdaterSchema creates the updater's tables in a file that lacks
// them (files made before the updater existed included).
func ensureUpdaterSchema(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, updaterTablesSQL+ingestJobsSQL); err != nil {
		return fmt.Errorf("embedded: create updater tables: %w", err)
	}
	return nil
}

// SaveUpdateInput stores a field file before it is processed; a file
// already stored (same SHA-256) is left as it is.
func (s *Store) SaveUpdateInput(ctx context.Context, in socle.UpdateInput) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO update_inputs (sha256, kind, source, actor, size, data, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING`, in.SHA256, in.Kind, in.Source, in.Actor, len(in.Data), in.Data, formatTimestamp(s.now(), true))
	return storeError(ctx, err)
}

// PurgeUpdateInputs deletes the stored files received before t, and says
// how many.
func (s *Store) PurgeUpdateInputs(ctx context.Context, before time.Time) (int, error) {
	r, err := s.db.ExecContext(ctx, `DELETE FROM update_inputs WHERE received_at < ?`, formatTimestamp(before, true))
	if err != nil {
		return 0, storeError(ctx, err)
	}
	n, _ := r.RowsAffected()
	return int(n), nil
}

// RoadReports streams the stored reports snapped to a segment.
func (s *Store) RoadReports(ctx context.Context, fn func(socle.StoredReport) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT key, road_id, observed_at, condition FROM road_reports WHERE road_id IS NOT NULL`)
	if err != nil {
		return storeError(ctx, err)
	}
	defer rows.Close()
	var r socle.StoredReport
	var at string
	for rows.Next() {
		if err := rows.Scan(&r.Key, &r.RoadID, &at, &r.Condition); err != nil {
			return storeError(ctx, err)
		}
		if r.Time, err = parseTimestamp(at); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return storeError(ctx, rows.Err())
}

func (s *Store) updatable(id string) (*table, error) {
	t, ok := s.tables[id]
	if !ok || (id != "addresses" && id != "roads") {
		return nil, socle.Errorf(socle.EINVALID, "the updater writes addresses or roads, not %q", id)
	}
	return t, nil
}

// derivedCols are the indexes of the columns an update may set.
func (t *table) derivedCols() []int {
	var out []int
	for j, c := range t.cols {
		if c.derived {
			out = append(out, j)
		}
	}
	return out
}

// ApplyUpdate applies an updater batch in one SQLite transaction, as the
// PostGIS store's ApplyUpdate does; after the commit the new snapshot
// replaces the old one and the change reaches ListenChanges.
func (s *Store) ApplyUpdate(ctx context.Context, u *socle.Update) (socle.UpdateResult, error) {
	res := socle.UpdateResult{BatchID: u.Batch.ID}
	t, err := s.updatable(u.Collection)
	if err != nil {
		return res, err
	}
	return res, s.inTx(ctx, u.Batch, func(im *batchWriter) error {
		b := u.Batch
		if _, err := im.tx.ExecContext(ctx, `INSERT INTO batches (id, kind, collection, source, file_sha256, actor, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			b.ID, b.Kind, t.c.ID, b.Source, b.FileSHA256, b.Actor, formatTimestamp(im.now, true)); err != nil {
			return storeError(ctx, err)
		}
		if len(u.Sets) > 0 {
			n, err := im.applySets(ctx, t, u.Sets)
			if err != nil {
				return err
			}
			res.FeaturesChanged = n
		}
		stamp := formatTimestamp(im.now, true)
		if len(u.Candidates) > 0 {
			st, err := im.tx.PrepareContext(ctx, `INSERT INTO address_candidates (key, batch, line, imb_id, numero, suffixe, voie_nom, commune_insee, commune_nom, code_postal,
				fibre_status, fibre_operator, reason, created_at, x, y) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`)
			if err != nil {
				return storeError(ctx, err)
			}
			defer st.Close()
			for _, a := range u.Candidates {
				var num any
				if a.Numero != nil {
					num = *a.Numero
				}
				r, err := st.ExecContext(ctx, a.Key, b.ID, a.Line, a.ImbID, num, a.Suffixe, a.VoieNom, a.CommuneInsee, a.CommuneNom, a.Postcode,
					a.FibreStatus, a.FibreOperator, a.Reason, stamp, a.X, a.Y)
				if err != nil {
					return storeError(ctx, err)
				}
				n, _ := r.RowsAffected()
				res.CandidatesAdded += int(n)
			}
		}
		if len(u.Reports) > 0 {
			st, err := im.tx.PrepareContext(ctx, `INSERT INTO road_reports (key, batch, line, observed_at, vehicle, heading, condition, comment, road_id, distance, reason, x, y)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`)
			if err != nil {
				return storeError(ctx, err)
			}
			defer st.Close()
			// In key order, the primary-key B-tree is appended to rather
			// than split all over: several times faster for a million.
			order := make([]int, len(u.Reports))
			for i := range order {
				order[i] = i
			}
			slices.SortFunc(order, func(a, b int) int { return strings.Compare(u.Reports[a].Key, u.Reports[b].Key) })
			for i, k := range order {
				r := &u.Reports[k]
				if i%4096 == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				res2, err := st.ExecContext(ctx, r.Key, b.ID, r.Line, formatTimestamp(r.Time, true), r.Vehicle, r.Heading, r.Condition, r.Comment, r.RoadID, r.Distance, r.Reason, r.X, r.Y)
				if err != nil {
					return storeError(ctx, err)
				}
				n, _ := res2.RowsAffected()
				res.ReportsAdded += int(n)
			}
		}
		if len(u.Rejects) > 0 {
			st, err := im.tx.PrepareContext(ctx, "INSERT INTO batch_rejects (batch, line, col, reason, raw) VALUES (?, ?, ?, ?, ?)")
			if err != nil {
				return storeError(ctx, err)
			}
			defer st.Close()
			for _, r := range u.Rejects {
				if _, err := st.ExecContext(ctx, b.ID, int64(int32(r.Line)), r.Column, r.Reason, r.Raw); err != nil {
					return storeError(ctx, err)
				}
			}
		}
		counts := map[string]any{}
		if len(u.Report) > 0 {
			if err := json.Unmarshal(u.Report, &counts); err != nil {
				return malformed("report: %v", err)
			}
		}
		counts["features_changed"], counts["candidates_added"], counts["reports_added"] = res.FeaturesChanged, res.CandidatesAdded, res.ReportsAdded
		js, _ := json.Marshal(counts)
		_, err := im.tx.ExecContext(ctx, `UPDATE batches SET status = 'done', finished_at = ?, counts = ? WHERE id = ?`, formatTimestamp(s.now(), true), string(js), b.ID)
		return storeError(ctx, err)
	})
}

// inTx runs fn in one write transaction, starting from what the file holds,
// and publishes the new snapshots and changes after the commit.
func (s *Store) inTx(ctx context.Context, b socle.Batch, fn func(im *batchWriter) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return storeError(ctx, err)
	}
	im := &batchWriter{s: s, tx: tx, batch: b, now: s.now().UTC().Truncate(time.Microsecond), base: map[string]*layer{}, next: map[string]*layer{}}
	if err := im.sync(ctx); err != nil {
		tx.Rollback() //nolint:errcheck // the error that matters is err
		return err
	}
	if err := fn(im); err != nil {
		tx.Rollback() //nolint:errcheck // the error that matters is err
		return err
	}
	if err := tx.Commit(); err != nil {
		return storeError(ctx, err)
	}
	for id, l := range im.next {
		s.layers[id].Store(l)
	}
	s.changes.publish(im.changes)
	return nil
}

// applySets keeps each feature's previous derived values in update_history,
// sets the new ones in the file and in a new snapshot, and announces the
// change.
func (im *batchWriter) applySets(ctx context.Context, t *table, sets []socle.FeatureSet) (int, error) {
	l := im.current(t.c.ID)
	derived := t.derivedCols()
	var sets2 []string
	for _, j := range derived {
		sets2 = append(sets2, quote(t.cols[j].name)+" = ?")
	}
	upd, err := im.tx.PrepareContext(ctx, "UPDATE "+quote(t.c.ID)+" SET "+strings.Join(sets2, ", ")+" WHERE "+quote(t.idCol)+" = ?")
	if err != nil {
		return 0, storeError(ctx, err)
	}
	defer upd.Close()
	hist, err := im.tx.PrepareContext(ctx, "INSERT INTO update_history (batch, collection, feature_id, previous) VALUES (?, ?, ?, ?)")
	if err != nil {
		return 0, storeError(ctx, err)
	}
	defer hist.Close()
	changes := make([]change, 0, len(sets))
	seen := map[int64]bool{}
	missing := 0
	for i, set := range sets {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		if seen[set.ID] {
			return 0, conflict("feature %d is set twice in the batch", set.ID)
		}
		seen[set.ID] = true
		old := l.find(set.ID)
		if old == nil {
			missing++
			continue
		}
		vals, err := decodeProperties(set.Values)
		if err != nil {
			return 0, err
		}
		f := &feature{id: old.id, vals: slices.Clone(old.vals), geom: old.geom, bound: old.bound}
		prev := []byte{'{'}
		args := make([]any, 0, len(derived)+1)
		for n, j := range derived {
			c := t.cols[j]
			if n > 0 {
				prev = append(prev, ',')
			}
			prev = append(socle.AppendJSONString(prev, c.name), ':')
			prev = appendProperty(prev, c.kind, old.vals[j])
			if v, ok := vals[c.name]; ok {
				f.vals[j] = nil
				if text, ok := valueText(v); ok {
					if f.vals[j], err = parseText(c.kind, c.bits, text); err != nil {
						return 0, err
					}
				}
				if f.vals[j] == nil && c.notNull {
					return 0, conflict("feature %d: null value in column %s", set.ID, c.name)
				}
				if c.check != nil && f.vals[j] != nil && !c.check(f.vals[j]) {
					return 0, conflict("feature %d: %s violates its check constraint", set.ID, c.name)
				}
			}
			args = append(args, toSQLite(c.kind, f.vals[j]))
		}
		prev = append(prev, '}')
		if _, err := hist.ExecContext(ctx, im.batch.ID, t.c.ID, set.ID, string(prev)); err != nil {
			return 0, storeError(ctx, err)
		}
		if _, err := upd.ExecContext(ctx, append(args, old.id)...); err != nil {
			return 0, storeError(ctx, err)
		}
		changes = append(changes, change{f: f, prev: old})
	}
	if missing > 0 {
		return 0, &socle.Error{Code: socle.ECONFLICT, Message: fmt.Sprintf("%d of the features to update are no longer stored; nothing was written, run the update again", missing)}
	}
	return len(changes), im.publishChanges(ctx, t, changes)
}

// publishChanges puts changed features in the next snapshot and announces
// their areas.
func (im *batchWriter) publishChanges(ctx context.Context, t *table, changes []change) error {
	if len(changes) == 0 {
		return nil
	}
	fs := make([]*feature, len(changes))
	for i, ch := range changes {
		fs[i] = ch.f
	}
	l := im.current(t.c.ID)
	n, err := l.withChanges(fs, l.state)
	if err != nil {
		return err
	}
	im.next[t.c.ID] = n
	return im.notifyChange(ctx, t.c.ID, changedAreas(changes))
}

// RevertUpdate restores the state before an updater batch, as the PostGIS
// store's RevertUpdate does.
func (s *Store) RevertUpdate(ctx context.Context, batch, actor string) (socle.UpdateResult, error) {
	res := socle.UpdateResult{BatchID: batch}
	return res, s.inTx(ctx, socle.Batch{ID: batch}, func(im *batchWriter) error {
		var kind, coll, status, started string
		err := im.tx.QueryRowContext(ctx, `SELECT kind, coalesce(collection, ''), status, started_at FROM batches WHERE id = ?`, batch).Scan(&kind, &coll, &status, &started)
		if errors.Is(err, sql.ErrNoRows) {
			return socle.Errorf(socle.ENOTFOUND, "no batch %s", batch)
		}
		if err != nil {
			return storeError(ctx, err)
		}
		if err := socle.CheckRevertable(kind, status, batch); err != nil {
			return err
		}
		var later string
		err = im.tx.QueryRowContext(ctx, `SELECT b.id FROM batches b WHERE b.kind = ? AND b.status = 'done' AND (b.started_at > ? OR (b.started_at = ? AND b.id > ?))
			AND (EXISTS (SELECT 1 FROM update_history h WHERE h.batch = b.id) OR EXISTS (SELECT 1 FROM address_candidates a WHERE a.batch = b.id)
			     OR EXISTS (SELECT 1 FROM road_reports r WHERE r.batch = b.id))
			ORDER BY b.started_at DESC LIMIT 1`, kind, started, started, batch).Scan(&later)
		if err == nil {
			return &socle.Error{Code: socle.ECONFLICT, Message: fmt.Sprintf("batch %s, applied after %s, changed data that rests on it: revert %s first", later, batch, later)}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return storeError(ctx, err)
		}
		t, err := s.updatable(coll)
		if err != nil {
			return err
		}
		rows, err := im.tx.QueryContext(ctx, `SELECT feature_id, previous FROM update_history WHERE batch = ? AND collection = ? ORDER BY feature_id`, batch, coll)
		if err != nil {
			return storeError(ctx, err)
		}
		var sets []socle.FeatureSet
		for rows.Next() {
			var fs socle.FeatureSet
			var prev string
			if err := rows.Scan(&fs.ID, &prev); err != nil {
				rows.Close()
				return storeError(ctx, err)
			}
			fs.Values = json.RawMessage(prev)
			sets = append(sets, fs)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return storeError(ctx, err)
		}
		if err := im.restore(ctx, t, sets); err != nil {
			return err
		}
		res.FeaturesChanged = len(sets)
		r, err := im.tx.ExecContext(ctx, `DELETE FROM address_candidates WHERE batch = ?`, batch)
		if err != nil {
			return storeError(ctx, err)
		}
		n, _ := r.RowsAffected()
		res.CandidatesAdded = -int(n)
		if r, err = im.tx.ExecContext(ctx, `DELETE FROM road_reports WHERE batch = ?`, batch); err != nil {
			return storeError(ctx, err)
		}
		n, _ = r.RowsAffected()
		res.ReportsAdded = -int(n)
		if _, err := im.tx.ExecContext(ctx, `UPDATE batches SET status = 'reverted' WHERE id = ?`, batch); err != nil {
			return storeError(ctx, err)
		}
		counts, _ := json.Marshal(map[string]int{"features_restored": res.FeaturesChanged, "candidates_removed": -res.CandidatesAdded, "reports_removed": -res.ReportsAdded})
		_, err = im.tx.ExecContext(ctx, `INSERT INTO update_reverts (batch, actor, reverted_at, counts) VALUES (?, ?, ?, ?)`, batch, actor, formatTimestamp(im.now, true), string(counts))
		return storeError(ctx, err)
	})
}

// restore writes previous values back, without recording them again.
func (im *batchWriter) restore(ctx context.Context, t *table, sets []socle.FeatureSet) error {
	l := im.current(t.c.ID)
	derived := t.derivedCols()
	var assign []string
	for _, j := range derived {
		assign = append(assign, quote(t.cols[j].name)+" = ?")
	}
	upd, err := im.tx.PrepareContext(ctx, "UPDATE "+quote(t.c.ID)+" SET "+strings.Join(assign, ", ")+" WHERE "+quote(t.idCol)+" = ?")
	if err != nil {
		return storeError(ctx, err)
	}
	defer upd.Close()
	var changes []change
	for _, set := range sets {
		old := l.find(set.ID)
		if old == nil {
			continue // deleted since: nothing to restore, as UPDATE … FROM finds nothing
		}
		vals, err := decodeProperties(set.Values)
		if err != nil {
			return err
		}
		f := &feature{id: old.id, vals: slices.Clone(old.vals), geom: old.geom, bound: old.bound}
		args := make([]any, 0, len(derived)+1)
		for _, j := range derived {
			c := t.cols[j]
			f.vals[j] = nil
			if text, ok := valueText(vals[c.name]); ok {
				if f.vals[j], err = parseText(c.kind, c.bits, text); err != nil {
					return err
				}
			}
			args = append(args, toSQLite(c.kind, f.vals[j]))
		}
		if _, err := upd.ExecContext(ctx, append(args, old.id)...); err != nil {
			return storeError(ctx, err)
		}
		changes = append(changes, change{f: f, prev: old})
	}
	return im.publishChanges(ctx, t, changes)
}
