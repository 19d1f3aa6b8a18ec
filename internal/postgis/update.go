package postgis

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/socle-geo/socle/internal/ledger"
	"github.com/socle-geo/socle/internal/socle"
)

// updateLock serialises updater batches and reverts (a transaction-scoped
// advisory lock): each starts from what the previous one left.
const updateLock = "SELECT pg_advisory_xact_lock(hashtext('socle-updater'))"

// batchTimeout lifts the pool's statement timeout, which bounds requests,
// for the transaction of a batch (an import, a copy, an update): a whole
// territory or a million reports take longer than any request should, and
// the batch is whole or nothing either way.
const batchTimeout = "SET LOCAL statement_timeout = 0"

// RoadReports streams the stored reports snapped to a segment.
func (s *Store) RoadReports(ctx context.Context, fn func(socle.StoredReport) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return dbError(ctx, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read only
	if _, err := tx.Exec(ctx, batchTimeout); err != nil {
		return dbError(ctx, err)
	}
	rows, err := tx.Query(ctx, `SELECT key, road_id, observed_at, condition FROM road_reports WHERE road_id IS NOT NULL`)
	if err != nil {
		return dbError(ctx, err)
	}
	defer rows.Close()
	var r socle.StoredReport
	var cond int16
	for rows.Next() {
		if err := rows.Scan(&r.Key, &r.RoadID, &r.Time, &cond); err != nil {
			return dbError(ctx, err)
		}
		r.Condition = int(cond)
		if err := fn(r); err != nil {
			return err
		}
	}
	return dbError(ctx, rows.Err())
}

// derivedColumns are the columns an update may set: the collection's
// derived properties, which only the updater writes.
func derivedColumns(c *socle.Collection) []socle.Property {
	var out []socle.Property
	for _, p := range c.Properties {
		if p.Derived {
			out = append(out, p)
		}
	}
	return out
}

func (s *Store) updatable(id string) (*socle.Collection, error) {
	c, ok := s.catalog.Collection(id)
	if !ok || (id != "addresses" && id != "roads") {
		return nil, socle.Errorf(socle.EINVALID, "the updater writes addresses or roads, not %q", id)
	}
	return c, nil
}

// ApplyUpdate applies an updater batch in one transaction: the batch is
// recorded, each feature's previous derived values go to update_history
// before the new ones are set, candidates and reports are added (those
// already stored are left), rejects are kept, and the collection's version
// moves (with the changed areas announced) when a feature changed.
func (s *Store) ApplyUpdate(ctx context.Context, u *socle.Update) (socle.UpdateResult, error) {
	res := socle.UpdateResult{BatchID: u.Batch.ID}
	c, err := s.updatable(u.Collection)
	if err != nil {
		return res, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return res, dbError(ctx, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	if _, err := tx.Exec(ctx, batchTimeout); err != nil {
		return res, dbError(ctx, err)
	}
	if _, err := tx.Exec(ctx, updateLock); err != nil {
		return res, dbError(ctx, err)
	}
	b := u.Batch
	if _, err := tx.Exec(ctx, `INSERT INTO batches (id, kind, collection, source, file_sha256, actor) VALUES ($1, $2, $3, $4, $5, $6)`,
		b.ID, b.Kind, c.ID, b.Source, b.FileSHA256, b.Actor); err != nil {
		return res, importError(ctx, err)
	}
	if len(u.Sets) > 0 {
		if res.FeaturesChanged, err = s.applySets(ctx, tx, c, b.ID, u.Sets); err != nil {
			return res, err
		}
	}
	if len(u.Candidates) > 0 {
		now := time.Now()
		if res.CandidatesAdded, err = copyInsert(ctx, tx, "address_candidates",
			[]string{"key", "fibre_batch", "batch", "line", "imb_id", "numero", "suffixe", "voie_nom", "commune_insee", "commune_nom", "code_postal", "fibre_status", "fibre_operator", "reason", "created_at", "x", "y"},
			"geom", len(u.Candidates), func(i int) []any {
				a := u.Candidates[i]
				var num any
				if a.Numero != nil {
					num = int32(*a.Numero)
				}
				created := a.CreatedAt
				if created.IsZero() {
					created = now
				}
				return []any{a.Key, b.ID, b.ID, int32(a.Line), a.ImbID, num, a.Suffixe, a.VoieNom, a.CommuneInsee, a.CommuneNom, a.Postcode, a.FibreStatus, a.FibreOperator, a.Reason, created.UTC().Truncate(time.Microsecond), a.X, a.Y}
			}); err != nil {
			return res, err
		}
	}
	if len(u.Reports) > 0 {
		if res.ReportsAdded, err = copyInsert(ctx, tx, "road_reports",
			[]string{"key", "report_batch", "batch", "line", "observed_at", "vehicle", "heading", "condition", "comment", "road_id", "distance", "reason", "x", "y"},
			"geom", len(u.Reports), func(i int) []any {
				r := u.Reports[i]
				return []any{r.Key, b.ID, b.ID, int32(r.Line), r.Time, r.Vehicle, r.Heading, int16(r.Condition), r.Comment, r.RoadID, r.Distance, r.Reason, r.X, r.Y}
			}); err != nil {
			return res, err
		}
	}
	if res.CandidatesAdded > 0 || res.ReportsAdded > 0 {
		if err := s.notifyBatchRows(ctx, tx, b.ID, b.ID); err != nil {
			return res, err
		}
	}
	if len(u.Rejects) > 0 {
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"batch_rejects"}, []string{"batch", "line", "col", "reason", "raw"},
			pgx.CopyFromSlice(len(u.Rejects), func(i int) ([]any, error) {
				r := u.Rejects[i]
				return []any{b.ID, int32(r.Line), r.Column, r.Reason, r.Raw}, nil
			}))
		if err != nil {
			return res, dbError(ctx, err)
		}
	}
	report := u.Report
	if len(report) == 0 {
		report = []byte("{}")
	}
	if _, err := tx.Exec(ctx, `UPDATE batches SET status = 'done', finished_at = now(),
		counts = $2::jsonb || jsonb_build_object('features_changed', $3::int, 'candidates_added', $4::int, 'reports_added', $5::int) WHERE id = $1`,
		b.ID, string(report), res.FeaturesChanged, res.CandidatesAdded, res.ReportsAdded); err != nil {
		return res, dbError(ctx, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return res, dbError(ctx, err)
	}
	return res, nil
}

// applySets keeps the previous values of the features in update_history,
// sets the new ones and announces the change.
func (s *Store) applySets(ctx context.Context, tx pgx.Tx, c *socle.Collection, batch string, sets []socle.FeatureSet) (int, error) {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE update_sets (id bigint PRIMARY KEY, p jsonb NOT NULL) ON COMMIT DROP`); err != nil {
		return 0, dbError(ctx, err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"update_sets"}, []string{"id", "p"}, pgx.CopyFromSlice(len(sets), func(i int) ([]any, error) {
		return []any{sets[i].ID, []byte(sets[i].Values)}, nil
	})); err != nil {
		return 0, importError(ctx, err)
	}
	cols := derivedColumns(c)
	var prev, assign []string
	for _, p := range cols {
		prev = append(prev, fmt.Sprintf("'%s', t.%s", p.Name, ident(p.Name)))
		assign = append(assign, fmt.Sprintf("%[1]s = CASE WHEN u.p ? '%[2]s' THEN (u.p->>'%[2]s')::%[3]s ELSE t.%[1]s END", ident(p.Name), p.Name, sqlType(p.Type)))
	}
	tag, err := tx.Exec(ctx, fmt.Sprintf(`INSERT INTO update_history (batch, collection, feature_id, previous)
		SELECT $1, $2, t.id, jsonb_build_object(%s) FROM %s t JOIN update_sets u ON u.id = t.id FOR UPDATE OF t`,
		strings.Join(prev, ", "), table(c)), batch, c.ID)
	if err != nil {
		return 0, dbError(ctx, err)
	}
	if int(tag.RowsAffected()) != len(sets) {
		return 0, &socle.Error{Code: socle.ECONFLICT, Message: fmt.Sprintf("%d of the features to update are no longer stored; nothing was written, run the update again", len(sets)-int(tag.RowsAffected()))}
	}
	if _, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE %s t SET %s FROM update_sets u WHERE u.id = t.id`, table(c), strings.Join(assign, ", "))); err != nil {
		return 0, importError(ctx, err)
	}
	if err := notifyChange(ctx, tx, c.ID, batch, featureAreas(c, "SELECT id FROM update_sets")); err != nil {
		return 0, err
	}
	return len(sets), nil
}

// areasSQL returns the envelopes of the features of a table that a
// condition on t selects; more than 100 make one envelope (as
// changedAreasSQL).
const areasSQL = `
	WITH ch AS (SELECT ST_Envelope(t.geom) AS e FROM %s t WHERE %s), n AS (SELECT count(*) AS n FROM ch)
	SELECT e FROM ch, n WHERE n.n <= 100
	UNION ALL
	SELECT ST_SetSRID(ST_Extent(e)::geometry, 2154) FROM ch, n WHERE n.n > 100 GROUP BY n.n`

// featureAreas returns the areasSQL of the features of c whose ids a query
// gives.
func featureAreas(c *socle.Collection, ids string) string {
	return fmt.Sprintf(areasSQL, table(c), "t.id IN ("+ids+")")
}

// notifyBatchRows announces the rows of the updater collections that batch
// added (before they are removed, for a revert).
func (s *Store) notifyBatchRows(ctx context.Context, tx pgx.Tx, batch, changeBatch string) error {
	for _, c := range s.catalog.Collections {
		if !c.FromUpdater() {
			continue
		}
		where := fmt.Sprintf("t.%s = '%s'", ident(c.BatchProperty), strings.ReplaceAll(batch, "'", "''"))
		if err := notifyChange(ctx, tx, c.ID, changeBatch, fmt.Sprintf(areasSQL, table(c), where)); err != nil {
			return err
		}
	}
	return nil
}

// copyInsert copies rows into a temporary table and inserts those whose key
// is not stored yet, building geomCol from the x and y columns; it says how
// many it inserted.
func copyInsert(ctx context.Context, tx pgx.Tx, dest string, cols []string, geomCol string, n int, row func(int) []any) (int, error) {
	tmp := "tmp_" + dest
	if _, err := tx.Exec(ctx, fmt.Sprintf(`CREATE TEMP TABLE %s ON COMMIT DROP AS
		SELECT %s, 0::float8 AS x, 0::float8 AS y FROM %s WHERE false`, tmp, strings.Join(cols[:len(cols)-2], ", "), dest)); err != nil {
		return 0, dbError(ctx, err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{tmp}, cols, pgx.CopyFromSlice(n, func(i int) ([]any, error) { return row(i), nil })); err != nil {
		return 0, importError(ctx, err)
	}
	plain := strings.Join(cols[:len(cols)-2], ", ")
	tag, err := tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s (%s, %s) SELECT DISTINCT ON (key) %s, ST_SetSRID(ST_MakePoint(x, y), %d) FROM %s ORDER BY key, line
		ON CONFLICT (key) DO NOTHING`, dest, plain, geomCol, plain, StorageSRID, tmp))
	if err != nil {
		return 0, importError(ctx, err)
	}
	return int(tag.RowsAffected()), nil
}

// RevertUpdate restores the state before an updater batch: the previous
// values of every feature it changed, its candidates and reports removed.
// A batch is reverted once, and only when no later batch of the same kind
// changed anything (revert those first): their values rest on it.
func (s *Store) RevertUpdate(ctx context.Context, batch, actor string) (socle.UpdateResult, error) {
	res := socle.UpdateResult{BatchID: batch}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return res, dbError(ctx, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	if _, err := tx.Exec(ctx, batchTimeout); err != nil {
		return res, dbError(ctx, err)
	}
	if _, err := tx.Exec(ctx, updateLock); err != nil {
		return res, dbError(ctx, err)
	}
	_, coll, err := ledger.RevertTarget(ctx, ledger.PostgresTx(tx, dbError), s.catalog, batch)
	if err != nil {
		return res, err
	}
	c, err := s.updatable(coll)
	if err != nil {
		return res, err
	}
	var assign []string
	for _, p := range derivedColumns(c) {
		assign = append(assign, fmt.Sprintf("%s = (h.previous->>'%s')::%s", ident(p.Name), p.Name, sqlType(p.Type)))
	}
	tag, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE %s t SET %s FROM update_history h WHERE h.batch = $1 AND h.collection = $2 AND h.feature_id = t.id`,
		table(c), strings.Join(assign, ", ")), batch, c.ID)
	if err != nil {
		return res, dbError(ctx, err)
	}
	res.FeaturesChanged = int(tag.RowsAffected())
	if res.FeaturesChanged > 0 {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE revert_ids ON COMMIT DROP AS SELECT feature_id FROM update_history WHERE batch = $1`, batch); err != nil {
			return res, dbError(ctx, err)
		}
		if err := notifyChange(ctx, tx, c.ID, batch, featureAreas(c, "SELECT feature_id FROM revert_ids")); err != nil {
			return res, err
		}
	}
	if err := s.notifyBatchRows(ctx, tx, batch, batch); err != nil {
		return res, err
	}
	if tag, err = tx.Exec(ctx, `DELETE FROM address_candidates WHERE fibre_batch = $1`, batch); err != nil {
		return res, dbError(ctx, err)
	}
	res.CandidatesAdded = -int(tag.RowsAffected())
	if tag, err = tx.Exec(ctx, `DELETE FROM road_reports WHERE report_batch = $1`, batch); err != nil {
		return res, dbError(ctx, err)
	}
	res.ReportsAdded = -int(tag.RowsAffected())
	if _, err := tx.Exec(ctx, `UPDATE batches SET status = 'reverted' WHERE id = $1`, batch); err != nil {
		return res, dbError(ctx, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO update_reverts (batch, actor, counts) VALUES ($1, $2, jsonb_build_object('features_restored', $3::int, 'candidates_removed', $4::int, 'reports_removed', $5::int))`,
		batch, actor, res.FeaturesChanged, -res.CandidatesAdded, -res.ReportsAdded); err != nil {
		return res, dbError(ctx, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return res, dbError(ctx, err)
	}
	return res, nil
}
