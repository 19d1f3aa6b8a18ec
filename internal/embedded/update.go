package embedded

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/socle"
)

// updaterTablesSQL are the updater's tables, as in the PostGIS schema
// (migrations 00004 and 00007). The collections it adds rows to
// (address_candidates, road_reports) are feature tables of the catalog,
// made by ensureSchema; ensureUpdaterSchema indexes their provenance.
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
CREATE TABLE IF NOT EXISTS update_reverts (
  batch TEXT PRIMARY KEY NOT NULL REFERENCES batches (id),
  actor TEXT NOT NULL DEFAULT '',
  reverted_at DATETIME NOT NULL,
  counts TEXT NOT NULL DEFAULT '{}'
);
`

// ensureUpdaterSchema creates the updater's tables and the change log in a
// file that lacks them (files made before they existed included), moves
// the update history of older files into the change log, and starts the id
// sequences of the collections that number their features.
func ensureUpdaterSchema(ctx context.Context, db *sql.DB, tables map[string]*table) error {
	if _, err := db.ExecContext(ctx, updaterTablesSQL+ingestJobsSQL+changeLogSQL); err != nil {
		return fmt.Errorf("embedded: create updater tables: %w", err)
	}
	if err := ensureIngestAttempts(ctx, db); err != nil {
		return err
	}
	if err := moveUpdateHistory(ctx, db, tables); err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(tables)) {
		t := tables[id]
		if t.seq == "" {
			continue
		}
		// Only when missing (see ensureSchema: no write at every start).
		if _, err := db.ExecContext(ctx, fmt.Sprintf("INSERT INTO sequences (name, next_value) SELECT ?1, coalesce((SELECT max(%s) FROM %s), 0) + 1 WHERE NOT EXISTS (SELECT 1 FROM sequences WHERE name = ?1)",
			quote(t.idCol), quote(id)), t.seq); err != nil {
			return fmt.Errorf("embedded: sequence of %s: %w", id, err)
		}
	}
	for id, t := range tables {
		if p := t.c.BatchProperty; p != "" {
			if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)", quote(id+"_"+p+"_idx"), quote(id), quote(p))); err != nil {
				return fmt.Errorf("embedded: index %s: %w", id, err)
			}
		}
	}
	return nil
}

// moveUpdateHistory moves the update history of a file made before the
// change log into it, as PostGIS migration 00009 does: the values the
// updater batches replaced, then the candidates and reports they added, in
// the order of the batches.
func moveUpdateHistory(ctx context.Context, db *sql.DB, tables map[string]*table) error {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'update_history'").Scan(&n); err != nil || n == 0 {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	parts := []string{`SELECT h.batch AS batch, h.collection AS collection, CAST(h.feature_id AS TEXT) AS feature_id, 'update' AS op, h.previous AS before, b.started_at AS started_at, 1 AS k
		FROM update_history h JOIN batches b ON b.id = h.batch`}
	for _, id := range []string{"address_candidates", "road_reports"} {
		if t, ok := tables[id]; ok {
			parts = append(parts, fmt.Sprintf(`SELECT x.%[1]s, '%[2]s', x.%[3]s, 'insert', NULL, b.started_at, %[4]d FROM %[2]s x JOIN batches b ON b.id = x.%[1]s`,
				quote(t.c.BatchProperty), id, quote(t.idCol), len(parts)+1))
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO feature_changes (batch, collection, feature_id, op, before)
		SELECT batch, collection, feature_id, op, before FROM (`+strings.Join(parts, " UNION ALL ")+`)
		ORDER BY started_at, batch, k, feature_id`); err != nil {
		return fmt.Errorf("embedded: move the update history: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DROP TABLE update_history"); err != nil {
		return err
	}
	return tx.Commit()
}

// updaterTable returns the table of an updater collection, which a partial
// catalog may lack.
func (s *Store) updaterTable(id string) (*table, error) {
	t, ok := s.tables[id]
	if !ok {
		return nil, socle.Errorf(socle.EINVALID, "this store does not hold %s", id)
	}
	return t, nil
}

// RoadReports streams the stored reports snapped to a segment, from the
// current snapshot.
func (s *Store) RoadReports(ctx context.Context, fn func(socle.StoredReport) error) error {
	c, ok := s.catalog.Collection("road_reports")
	if _, held := s.layers["road_reports"]; !ok || !held {
		return nil
	}
	l, err := s.layer(ctx, c)
	if err != nil {
		return err
	}
	t := l.t
	road, at, cond := t.byName["road_id"], t.byName["observed_at"], t.byName["condition"]
	for i, f := range l.feats {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		id, ok := f.val(road).(int64)
		if !ok {
			continue
		}
		r := socle.StoredReport{Key: f.fid.s, RoadID: id, Time: f.val(at).(time.Time), Condition: int(f.val(cond).(int64))}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// candidateFeatures turns a batch's candidates into features of t.
func candidateFeatures(t *table, batch string, now time.Time, cs []socle.AddressCandidate) []*feature {
	in := interner{}
	out := make([]*feature, len(cs))
	for i, a := range cs {
		var num any
		if a.Numero != nil {
			num = int64(*a.Numero)
		}
		created := a.CreatedAt
		if created.IsZero() {
			created = now
		}
		created = created.UTC().Truncate(time.Microsecond)
		out[i] = t.newFeature(a.Key, orb.Point{a.X, a.Y}, map[string]any{
			"fibre_batch": batch, "line": int64(a.Line), "imb_id": a.ImbID, "numero": num, "suffixe": in.get(a.Suffixe),
			"voie_nom": in.get(a.VoieNom), "commune_insee": in.get(a.CommuneInsee), "commune_nom": in.get(a.CommuneNom),
			"code_postal": in.get(a.Postcode), "fibre_status": in.get(a.FibreStatus), "fibre_operator": in.get(a.FibreOperator),
			"reason": in.get(a.Reason), "created_at": created,
		})
	}
	return out
}

// reportFeatures turns a batch's reports into features of t.
func reportFeatures(t *table, batch string, rs []socle.RoadReport) []*feature {
	in := interner{}
	out := make([]*feature, len(rs))
	for i := range rs {
		r := &rs[i]
		var heading, road, dist any
		if r.Heading != nil {
			heading = *r.Heading
		}
		if r.RoadID != nil {
			road = *r.RoadID
		}
		if r.Distance != nil {
			dist = *r.Distance
		}
		out[i] = t.newFeature(r.Key, orb.Point{r.X, r.Y}, map[string]any{
			"report_batch": batch, "line": int64(r.Line), "observed_at": r.Time.UTC().Truncate(time.Microsecond),
			"vehicle": in.get(r.Vehicle), "heading": heading, "condition": int64(r.Condition), "comment": in.get(r.Comment),
			"road_id": road, "distance": dist, "reason": in.get(r.Reason),
		})
	}
	return out
}

// newFeature builds a feature of t from values by property name.
func (t *table) newFeature(id any, g orb.Geometry, vals map[string]any) *feature {
	f := &feature{fid: makeID(id), vals: make([]any, len(t.cols)), geom: g, bound: g.Bound()}
	for name, v := range vals {
		f.vals[t.byName[name]] = v
	}
	return f
}

// addRows inserts the features whose id is not stored yet (the first, by
// line, of a key met twice), as INSERT … ON CONFLICT DO NOTHING does, puts
// them in the next snapshot and announces them; it says how many.
func (im *batchWriter) addRows(ctx context.Context, t *table, feats []*feature) (int, error) {
	line := t.byName["line"]
	slices.SortStableFunc(feats, func(a, b *feature) int {
		if c := compareFeatureIDs(a, b); c != 0 {
			return c
		}
		return cmp.Compare(a.val(line).(int64), b.val(line).(int64))
	})
	l := im.current(t.c.ID)
	var changes []change
	var fs []*feature
	for i, f := range feats {
		if (i > 0 && compareFeatureIDs(feats[i-1], f) == 0) || l.find(f.ident()) != nil {
			continue
		}
		changes = append(changes, change{f: f, inserted: true})
		fs = append(fs, f)
	}
	if len(changes) == 0 {
		return 0, nil
	}
	n, err := l.withChanges(fs, l.state)
	if err != nil {
		return 0, err
	}
	im.next[t.c.ID] = n
	if err := im.logChanges(ctx, t, changes); err != nil {
		return 0, err
	}
	// In key order (as sorted above), the key index is appended to rather
	// than split all over: several times faster for a million.
	if err := im.write(ctx, t, changes); err != nil {
		return 0, err
	}
	return len(changes), im.notifyChange(ctx, t.c.ID, changedAreas(changes))
}

// decodeProperties reads a JSON object of values.
func decodeProperties(raw json.RawMessage) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, malformed("properties: %v", err)
	}
	return m, nil
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
		if err := im.recordBatch(ctx, t.c.ID); err != nil {
			return err
		}
		if len(u.Sets) > 0 {
			n, err := im.applySets(ctx, t, u.Sets)
			if err != nil {
				return err
			}
			res.FeaturesChanged = n
		}
		if len(u.Candidates) > 0 {
			t, err := s.updaterTable("address_candidates")
			if err != nil {
				return err
			}
			if res.CandidatesAdded, err = im.addRows(ctx, t, candidateFeatures(t, b.ID, im.now, u.Candidates)); err != nil {
				return err
			}
		}
		if len(u.Reports) > 0 {
			t, err := s.updaterTable("road_reports")
			if err != nil {
				return err
			}
			if res.ReportsAdded, err = im.addRows(ctx, t, reportFeatures(t, b.ID, u.Reports)); err != nil {
				return err
			}
		}
		if err := im.saveRejects(ctx, u.Rejects); err != nil {
			return err
		}
		counts := map[string]any{}
		if len(u.Report) > 0 {
			if err := json.Unmarshal(u.Report, &counts); err != nil {
				return malformed("report: %v", err)
			}
		}
		counts["features_changed"], counts["candidates_added"], counts["reports_added"] = res.FeaturesChanged, res.CandidatesAdded, res.ReportsAdded
		js, _ := json.Marshal(counts)
		_, err := im.tx.ExecContext(ctx, `UPDATE batches SET status = 'done', finished_at = ?, counts = ? WHERE id = ?`, formatTimestamp(s.now()), string(js), b.ID)
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
	im := s.newBatchWriter(tx, b)
	defer im.close()
	if err := im.sync(ctx); err != nil {
		tx.Rollback() //nolint:errcheck // the error that matters is err
		return err
	}
	if err := im.needAll(ctx); err != nil {
		tx.Rollback() //nolint:errcheck // the error that matters is err
		return err
	}
	if err := fn(im); err != nil {
		im.close()
		tx.Rollback() //nolint:errcheck // the error that matters is err
		return err
	}
	im.close()
	if err := tx.Commit(); err != nil {
		return storeError(ctx, err)
	}
	im.publish()
	return nil
}

// applySets logs each feature with the row it replaces, sets the new
// derived values in the file and in a new snapshot, and announces the
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
		f := &feature{fid: old.fid, vals: old.values(), geom: old.geometry(), bound: old.bound}
		args := make([]any, 0, len(derived)+1)
		for _, j := range derived {
			c := t.cols[j]
			if v, ok := vals[c.name]; ok {
				f.vals[j] = nil
				if text, ok := valueText(v); ok {
					if f.vals[j], err = parseText(c.kind, c.bits, text); err != nil {
						return 0, err
					}
				}
				if f.val(j) == nil && c.notNull {
					return 0, conflict("feature %d: null value in column %s", set.ID, c.name)
				}
				if c.check != nil && f.val(j) != nil && !c.check(f.val(j)) {
					return 0, conflict("feature %d: %s violates its check constraint", set.ID, c.name)
				}
			}
			args = append(args, toSQLite(c.kind, f.val(j)))
		}
		prev, err := im.before(ctx, t, old)
		if err != nil {
			return 0, err
		}
		if err := im.logChange(ctx, t, old.ident(), socle.OpUpdate, prev); err != nil {
			return 0, err
		}
		if _, err := upd.ExecContext(ctx, append(args, old.ident())...); err != nil {
			return 0, storeError(ctx, err)
		}
		changes = append(changes, change{f: f, prev: old})
	}
	if err := im.flushLog(ctx); err != nil {
		return 0, err
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
