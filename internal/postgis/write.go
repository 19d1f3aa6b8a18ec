package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/socle-geo/socle/internal/socle"
)

// conflictKey is the natural key an import upserts on: for addresses the BAL
// interoperability key, so feature ids stay stable across re-imports.
func conflictKey(c *socle.Collection) string {
	if c.ID == "addresses" {
		return "cle_interop"
	}
	return idColumn(c)
}

// Import writes rows into collection c as one batch, in one transaction:
// rows are inserted or updated by their natural key, a row equal to what is
// stored is left untouched (so the same file imported twice changes nothing),
// and the batch is recorded with its counts.
func (s *Store) Import(ctx context.Context, b socle.Batch, c *socle.Collection, rows []socle.Row, rejects []socle.Reject) (socle.ImportResult, error) {
	res := socle.ImportResult{BatchID: b.ID, Read: len(rows) + len(rejects), Rejected: len(rejects)}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return res, dbError(ctx, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	if _, err := tx.Exec(ctx, batchTimeout); err != nil {
		return res, dbError(ctx, err)
	}
	if err := checkSRIDs(ctx, tx, rows); err != nil {
		return res, err
	}

	if _, err := tx.Exec(ctx, `INSERT INTO batches (id, kind, collection, source, file_sha256, actor) VALUES ($1, $2, $3, $4, $5, $6)`,
		b.ID, b.Kind, c.ID, b.Source, b.FileSHA256, b.Actor); err != nil {
		return res, dbError(ctx, err)
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_rows (k text, g bytea NOT NULL, s integer NOT NULL, p jsonb NOT NULL) ON COMMIT DROP`); err != nil {
		return res, dbError(ctx, err)
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"import_rows"}, []string{"k", "g", "s", "p"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			var k any
			if rows[i].ID != nil {
				k = fmt.Sprint(rows[i].ID)
			}
			return []any{k, rows[i].WKB, int32(rows[i].SRID), rows[i].Properties}, nil
		}))
	if err != nil {
		return res, dbError(ctx, err)
	}

	// Remember where the rows were, so that the change covers old and new
	// positions.
	keyExpr := "k"
	if conflictKey(c) != idColumn(c) {
		keyExpr = "p->>'" + conflictKey(c) + "'"
	}
	if _, err := tx.Exec(ctx, fmt.Sprintf(`CREATE TEMP TABLE import_prev ON COMMIT DROP AS
		SELECT t.%[1]s::text AS k, t.geom FROM %[2]s t WHERE t.%[1]s::text IN (SELECT %[3]s FROM import_rows)`,
		ident(conflictKey(c)), table(c), keyExpr)); err != nil {
		return res, dbError(ctx, err)
	}
	sql, err := upsertSQL(c, b.WithDerived)
	if err != nil {
		return res, err
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_changed (inserted boolean, k text, geom geometry) ON COMMIT DROP`); err != nil {
		return res, dbError(ctx, err)
	}
	if _, err := tx.Exec(ctx, "WITH up AS ("+sql+") INSERT INTO import_changed SELECT * FROM up", pgx.NamedArgs{"batch": b.ID}); err != nil {
		return res, importError(ctx, err)
	}
	if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM import_changed`).
		Scan(&res.Inserted, &res.Updated); err != nil {
		return res, dbError(ctx, err)
	}
	res.Unchanged = len(rows) - res.Inserted - res.Updated
	if len(rejects) > 0 {
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"batch_rejects"}, []string{"batch", "line", "col", "reason", "raw"},
			pgx.CopyFromSlice(len(rejects), func(i int) ([]any, error) {
				r := rejects[i]
				return []any{b.ID, int32(r.Line), r.Column, r.Reason, r.Raw}, nil
			}))
		if err != nil {
			return res, dbError(ctx, err)
		}
	}

	changed := res.Inserted + res.Updated
	if changed > 0 {
		if c.ID == "addresses" {
			if _, err := tx.Exec(ctx, `SELECT setval('addresses_id_seq', (SELECT max(id) FROM addresses))`); err != nil {
				return res, dbError(ctx, err)
			}
		}
		if err := notifyChange(ctx, tx, c.ID, b.ID, changedAreasSQL); err != nil {
			return res, err
		}
		if c.ID == "land_cover" || c.ID == "communes" {
			// Indicators follow the parcels; the communes whose figures
			// changed change in their whole extent.
			if err := notifyChange(ctx, tx, "communes", b.ID, communesAreasSQL); err != nil {
				return res, err
			}
		}
	}
	counts, _ := json.Marshal(res)
	if _, err := tx.Exec(ctx, `UPDATE batches SET status = 'done', finished_at = now(), counts = $2 WHERE id = $1`, b.ID, counts); err != nil {
		return res, dbError(ctx, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return res, dbError(ctx, err)
	}
	return res, nil
}

// importError explains a constraint violation in the caller's terms.
func importError(ctx context.Context, err error) error {
	e := dbError(ctx, err)
	if socle.ErrorCode(e) == socle.EINTERNAL {
		return &socle.Error{Code: socle.ECONFLICT, Message: "the data contradicts what is stored (a duplicate id or key, or a value out of range); nothing was written", Err: err}
	}
	return e
}

// ChangesChannel is the PostgreSQL notification channel of data changes.
const ChangesChannel = "socle_changes"

// changedAreasSQL returns the envelopes (Lambert-93) of what an import
// changed, old and new positions; many changes make one envelope.
const changedAreasSQL = `
	WITH ch AS (
		SELECT ST_Envelope(ST_Collect(c.geom, p.geom)) AS e
		FROM import_changed c LEFT JOIN import_prev p ON p.k = c.k
	), n AS (SELECT count(*) AS n FROM ch)
	SELECT e FROM ch, n WHERE n.n <= 100
	UNION ALL
	SELECT ST_SetSRID(ST_Extent(e)::geometry, 2154) FROM ch, n WHERE n.n > 100 GROUP BY n.n`

// communesAreasSQL refreshes the artificialisation indicators and returns
// the envelopes of the communes whose figures changed.
const communesAreasSQL = `
	SELECT ST_Envelope(c.geom) AS e FROM communes c WHERE c.insee IN (SELECT refresh_commune_indicators())`

// notifyChange bumps a collection's version and, on commit, tells every
// Socle instance listening (and this one) which areas changed, in each tile
// CRS. areas is a query returning Lambert-93 envelopes; none means nothing
// changed.
func notifyChange(ctx context.Context, tx pgx.Tx, collection, batch, areas string) error {
	rows, err := tx.Query(ctx, fmt.Sprintf(`
		WITH a AS (%s), srids AS (SELECT unnest($1::int[]) AS srid)
		SELECT srids.srid, ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
		FROM a, srids, LATERAL (SELECT ST_Transform(ST_Segmentize(a.e, 500), srids.srid) AS b) t
		WHERE a.e IS NOT NULL`, areas), socle.TileSRIDs)
	if err != nil {
		return dbError(ctx, err)
	}
	ch := socle.Change{Collection: collection, Boxes: map[int][][4]float64{}}
	n := 0
	for rows.Next() {
		var srid int
		var b [4]float64
		if err := rows.Scan(&srid, &b[0], &b[1], &b[2], &b[3]); err != nil {
			rows.Close()
			return dbError(ctx, err)
		}
		ch.Boxes[srid] = append(ch.Boxes[srid], b)
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return dbError(ctx, err)
	}
	if n == 0 {
		return nil
	}
	if err := tx.QueryRow(ctx, `UPDATE layer_state SET version = version + 1, updated_at = clock_timestamp(), last_batch = $2
		WHERE collection = $1 RETURNING version`, collection, batch).Scan(&ch.Version); err != nil {
		return dbError(ctx, err)
	}
	payload, _ := json.Marshal(ch)
	if len(payload) > 7900 { // NOTIFY payloads stop at 8000 bytes
		payload, _ = json.Marshal(socle.Change{Collection: collection, Version: ch.Version, All: true})
	}
	_, err = tx.Exec(ctx, "SELECT pg_notify($1, $2)", ChangesChannel, string(payload))
	return dbError(ctx, err)
}

// upsertSQL builds the INSERT … ON CONFLICT that moves import_rows into c;
// derived columns are left alone unless withDerived.
func upsertSQL(c *socle.Collection, withDerived bool) (string, error) {
	var cols, vals, compare []string
	idCol := idColumn(c)
	key := conflictKey(c)
	hasUpdatedAt := false
	for _, p := range c.Properties {
		if (p.Derived && !withDerived) || p.Name == idCol {
			continue
		}
		var v string
		if p.Type == socle.TypeObject {
			v = fmt.Sprintf("p->'%s'", p.Name)
		} else {
			v = fmt.Sprintf("(p->>'%s')::%s", p.Name, sqlType(p.Type))
		}
		if p.Name == "updated_at" {
			hasUpdatedAt = true
			v = "coalesce(" + v + ", now())"
		} else {
			compare = append(compare, ident(p.Name))
		}
		cols = append(cols, ident(p.Name))
		vals = append(vals, v)
	}
	geom := fmt.Sprintf("ST_Transform(ST_GeomFromWKB(g, s), %d)", StorageSRID)
	if strings.HasPrefix(c.GeometryType, "Multi") {
		geom = "ST_Multi(" + geom + ")"
	}
	idVal := fmt.Sprintf("k::%s", sqlType(c.IDType))
	if c.ID == "addresses" {
		idVal = "coalesce(k::bigint, nextval('addresses_id_seq'))"
	}
	allCols := append([]string{ident(idCol)}, cols...)
	allCols = append(allCols, "geom", "batch")
	allVals := append([]string{idVal}, vals...)
	allVals = append(allVals, geom, "@batch")
	if !hasUpdatedAt {
		allCols = append(allCols, "updated_at")
		allVals = append(allVals, "now()")
	}
	var sets, old, new []string
	for _, col := range allCols {
		if col == ident(idCol) || col == ident(key) {
			continue
		}
		sets = append(sets, col+" = EXCLUDED."+col)
	}
	for _, col := range append(compare, "geom") {
		if col == ident(key) {
			continue
		}
		old = append(old, "t."+col)
		new = append(new, "EXCLUDED."+col)
	}
	return fmt.Sprintf(`INSERT INTO %s AS t (%s) SELECT %s FROM import_rows
ON CONFLICT (%s) DO UPDATE SET %s
WHERE (%s) IS DISTINCT FROM (%s)
RETURNING (xmax = 0), t.%s::text, t.geom`,
		table(c), strings.Join(allCols, ", "), strings.Join(allVals, ", "),
		ident(key), strings.Join(sets, ", "),
		strings.Join(old, ", "), strings.Join(new, ", "), ident(key)), nil
}

// checkSRIDs refuses coordinates in a CRS PostGIS cannot transform.
func checkSRIDs(ctx context.Context, tx pgx.Tx, rows []socle.Row) error {
	seen := map[int32]bool{}
	var srids []int32
	for _, r := range rows {
		if !seen[int32(r.SRID)] {
			seen[int32(r.SRID)] = true
			srids = append(srids, int32(r.SRID))
		}
	}
	if len(srids) == 0 {
		return nil
	}
	var known []int32
	if err := tx.QueryRow(ctx, "SELECT coalesce(array_agg(srid), '{}') FROM public.spatial_ref_sys WHERE srid = ANY($1)", srids).Scan(&known); err != nil {
		return dbError(ctx, err)
	}
	for _, s := range srids {
		if !slices.Contains(known, s) {
			return socle.Errorf(socle.EINVALID, "unknown CRS EPSG:%d: PostGIS cannot transform it", s)
		}
	}
	return nil
}
