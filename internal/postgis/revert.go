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

// tableColumns are the stored columns of a collection's table but the
// geometry: its id, its properties, the batch and time of each row's last
// write.
func tableColumns(c *socle.Collection) []string {
	cols := []string{idColumn(c)}
	hasUpdatedAt := false
	for _, p := range c.Properties {
		if p.Name == idColumn(c) {
			continue
		}
		if p.Name == "updated_at" {
			hasUpdatedAt = true
		}
		cols = append(cols, p.Name)
	}
	cols = append(cols, "batch")
	if !hasUpdatedAt {
		cols = append(cols, "updated_at")
	}
	return cols
}

// Revert undoes a batch by the change log (see socle.Reverter): for each
// feature it changed, what it inserted is deleted, what it updated or
// deleted is put back as it was, each of these logged under a new revert
// batch.
func (s *Store) Revert(ctx context.Context, batch, actor string) (socle.RevertResult, error) {
	res := socle.RevertResult{BatchID: batch, Collections: map[string]int{}}
	tx, err := s.beginBatch(ctx)
	if err != nil {
		return res, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	conn := ledger.PostgresTx(tx, dbError)
	kind, coll, err := ledger.RevertTarget(ctx, conn, batch)
	if err != nil {
		return res, err
	}
	now := time.Now()
	rb := socle.Batch{ID: socle.NewBatchID(socle.KindRevert, now), Kind: socle.KindRevert, Source: batch, Actor: actor}
	res.RevertBatch = rb.ID
	if err := recordBatch(ctx, tx, rb, coll); err != nil {
		return res, err
	}
	plan, err := ledger.Plan(ctx, conn, batch)
	if err != nil {
		return res, err
	}
	for _, c := range s.catalog.Collections {
		if len(plan[c.ID]) == 0 {
			continue
		}
		n, err := s.revertCollection(ctx, tx, c, rb.ID, plan[c.ID], &res)
		if err != nil {
			return res, err
		}
		res.Collections[c.ID] = n
	}
	if err := ledger.MarkReverted(ctx, conn, batch, actor, now, res); err != nil {
		return res, err
	}
	// The ZAN figures follow what the revert put back (a Cerema file
	// reverted gives way to the one before it).
	if moved := res.Collections["land_cover"]+res.Collections["communes"] > 0; moved || kind == socle.KindConsommation {
		scope := deriveAll
		if !moved {
			scope = deriveIndicators
		}
		if err := s.derive(ctx, tx, rb.ID, scope); err != nil {
			return res, err
		}
	}
	if err := finishBatch(ctx, tx, rb.ID, res); err != nil {
		return res, err
	}
	return res, dbError(ctx, tx.Commit(ctx))
}

// revertCollection applies the plan of one collection.
func (s *Store) revertCollection(ctx context.Context, tx pgx.Tx, c *socle.Collection, revertBatch string, plan []ledger.RevertPlan, res *socle.RevertResult) (int, error) {
	if _, err := tx.Exec(ctx, `DROP TABLE IF EXISTS revert_plan, import_areas`); err != nil {
		return 0, dbError(ctx, err)
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE revert_plan (seq bigint, feature_id text, op text, before jsonb) ON COMMIT DROP`); err != nil {
		return 0, dbError(ctx, err)
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_areas (g geometry) ON COMMIT DROP`); err != nil {
		return 0, dbError(ctx, err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"revert_plan"}, []string{"seq", "feature_id", "op", "before"},
		pgx.CopyFromSlice(len(plan), func(i int) ([]any, error) {
			p := plan[i]
			var before any
			if len(p.Before) > 0 {
				before = []byte(p.Before)
			}
			return []any{p.Seq, p.FeatureID, p.Op, before}, nil
		})); err != nil {
		return 0, dbError(ctx, err)
	}
	t := table(c)
	idCol := ident(idColumn(c))
	args := pgx.NamedArgs{"batch": revertBatch, "collection": c.ID}
	log := func(op, before string) string {
		return fmt.Sprintf(`INSERT INTO feature_changes (batch, collection, feature_id, op, before)
			SELECT @batch, @collection, x.%s::text, '%s', %s FROM x ORDER BY x.%s`, idCol, op, before, idCol)
	}
	// What the batch inserted goes.
	var removed int
	if err := tx.QueryRow(ctx, fmt.Sprintf(`WITH x AS (
			DELETE FROM %[1]s t USING revert_plan p WHERE p.op = 'insert' AND t.%[2]s::text = p.feature_id RETURNING t.*
		), logged AS (%[3]s), areas AS (INSERT INTO import_areas SELECT geom FROM x)
		SELECT count(*) FROM x`, t, idCol, log(socle.OpDelete, rowJSON("x"))), args).Scan(&removed); err != nil {
		return 0, importError(ctx, err)
	}
	// What it updated gets the columns it replaced back.
	cols := tableColumns(c)
	var sets []string
	for _, col := range cols {
		if col == idColumn(c) {
			continue
		}
		sets = append(sets, fmt.Sprintf("%[1]s = CASE WHEN p.before ? '%[2]s' THEN r.%[1]s ELSE t.%[1]s END", ident(col), col))
	}
	sets = append(sets, fmt.Sprintf("geom = CASE WHEN p.before ? 'geom' THEN ST_SetSRID(ST_GeomFromWKB(decode(p.before->>'geom', 'hex')), %d) ELSE t.geom END", StorageSRID))
	var restored int
	if err := tx.QueryRow(ctx, fmt.Sprintf(`WITH old AS (
			SELECT t.* FROM %[1]s t JOIN revert_plan p ON p.op = 'update' AND t.%[2]s::text = p.feature_id
		), up AS (
			UPDATE %[1]s t SET %[3]s FROM revert_plan p, jsonb_populate_record(NULL::%[1]s, p.before - 'geom') r
			WHERE p.op = 'update' AND t.%[2]s::text = p.feature_id RETURNING t.%[2]s, t.geom
		), x AS (SELECT o.* FROM old o JOIN up ON up.%[2]s = o.%[2]s),
		logged AS (%[4]s),
		areas AS (INSERT INTO import_areas SELECT ST_Collect(up.geom, x.geom) FROM up JOIN x ON x.%[2]s = up.%[2]s)
		SELECT count(*) FROM up`, t, idCol, strings.Join(sets, ", "), log(socle.OpUpdate, rowJSON("x"))), args).Scan(&restored); err != nil {
		return 0, importError(ctx, err)
	}
	// What it deleted comes back.
	quoted := make([]string, len(cols))
	for i, col := range cols {
		quoted[i] = ident(col)
	}
	var reinserted int
	if err := tx.QueryRow(ctx, fmt.Sprintf(`WITH x AS (
			INSERT INTO %[1]s (%[2]s, geom)
			SELECT %[3]s, ST_SetSRID(ST_GeomFromWKB(decode(p.before->>'geom', 'hex')), %[4]d)
			FROM revert_plan p, jsonb_populate_record(NULL::%[1]s, p.before - 'geom') r WHERE p.op = 'delete'
			RETURNING %[5]s, geom
		), logged AS (%[6]s), areas AS (INSERT INTO import_areas SELECT geom FROM x)
		SELECT count(*) FROM x`, t, strings.Join(quoted, ", "), strings.Join(prefixed("r.", quoted), ", "), StorageSRID,
		idCol, log(socle.OpInsert, "NULL")), args).Scan(&reinserted); err != nil {
		return 0, importError(ctx, err)
	}
	res.Removed += removed
	res.Restored += restored
	res.Reinserted += reinserted
	if removed+restored+reinserted > 0 {
		if err := s.announce(ctx, tx, c.ID, revertBatch, changedAreasSQL); err != nil {
			return 0, err
		}
	}
	return removed + restored + reinserted, nil
}
