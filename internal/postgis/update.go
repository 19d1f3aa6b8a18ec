package postgis

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/socle-geo/socle/internal/socle"
)

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
// recorded, each feature it changes is logged with the row it replaced
// before the new values are set, candidates and reports are added (those
// already stored are left; those added are logged), rejects are kept, and
// the collection's version moves (with the changed areas announced) when a
// feature changed.
func (s *Store) ApplyUpdate(ctx context.Context, u *socle.Update) (socle.UpdateResult, error) {
	res := socle.UpdateResult{BatchID: u.Batch.ID}
	c, err := s.updatable(u.Collection)
	if err != nil {
		return res, err
	}
	tx, err := s.beginBatch(ctx)
	if err != nil {
		return res, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	b := u.Batch
	if err := recordBatch(ctx, tx, b, c.ID); err != nil {
		return res, err
	}
	if len(u.Sets) > 0 {
		if res.FeaturesChanged, err = s.applySets(ctx, tx, c, b.ID, u.Sets); err != nil {
			return res, err
		}
	}
	if len(u.Candidates) > 0 {
		now := time.Now()
		if res.CandidatesAdded, err = copyInsert(ctx, tx, b.ID, "address_candidates",
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
		if res.ReportsAdded, err = copyInsert(ctx, tx, b.ID, "road_reports",
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
	if err := saveRejects(ctx, tx, b.ID, u.Rejects); err != nil {
		return res, err
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

// applySets logs each feature with the row it replaces, sets the new
// values and announces the change.
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
	var assign []string
	for _, p := range cols {
		assign = append(assign, fmt.Sprintf("%[1]s = CASE WHEN u.p ? '%[2]s' THEN (u.p->>'%[2]s')::%[3]s ELSE t.%[1]s END", ident(p.Name), p.Name, sqlType(p.Type)))
	}
	tag, err := tx.Exec(ctx, fmt.Sprintf(`INSERT INTO feature_changes (batch, collection, feature_id, op, before)
		SELECT $1, $2, t.id::text, 'update', %s FROM %s t JOIN update_sets u ON u.id = t.id ORDER BY t.id`,
		rowJSON("t"), table(c)), batch, c.ID)
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
// is not stored yet, building geomCol from the x and y columns, and logs
// them; it says how many it inserted.
func copyInsert(ctx context.Context, tx pgx.Tx, batch, dest string, cols []string, geomCol string, n int, row func(int) []any) (int, error) {
	tmp := "tmp_" + dest
	if _, err := tx.Exec(ctx, fmt.Sprintf(`CREATE TEMP TABLE %s ON COMMIT DROP AS
		SELECT %s, 0::float8 AS x, 0::float8 AS y FROM %s WHERE false`, tmp, strings.Join(cols[:len(cols)-2], ", "), dest)); err != nil {
		return 0, dbError(ctx, err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{tmp}, cols, pgx.CopyFromSlice(n, func(i int) ([]any, error) { return row(i), nil })); err != nil {
		return 0, importError(ctx, err)
	}
	plain := strings.Join(cols[:len(cols)-2], ", ")
	var added int
	err := tx.QueryRow(ctx, fmt.Sprintf(`WITH x AS (
			INSERT INTO %s (%s, %s) SELECT DISTINCT ON (key) %s, ST_SetSRID(ST_MakePoint(x, y), %d) FROM %s ORDER BY key, line
			ON CONFLICT (key) DO NOTHING RETURNING key
		), logged AS (
			INSERT INTO feature_changes (batch, collection, feature_id, op) SELECT $1, $2, key, 'insert' FROM x ORDER BY key
		) SELECT count(*) FROM x`, dest, plain, geomCol, plain, StorageSRID, tmp), batch, dest).Scan(&added)
	if err != nil {
		return 0, importError(ctx, err)
	}
	return added, nil
}
