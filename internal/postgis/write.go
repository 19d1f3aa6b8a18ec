package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/zan"
)

// batchLock serialises the batches that write (imports, updates, copies,
// reverts, history): each starts from what the previous one left, and the
// change log's order is the order of their commits.
const batchLock = "SELECT pg_advisory_xact_lock(hashtext('socle-batch'))"

// batchTimeout lifts the pool's statement timeout, which bounds requests,
// for the transaction of a batch (an import, a copy, an update): a whole
// territory or a million reports take longer than any request should, and
// the batch is whole or nothing either way.
const batchTimeout = "SET LOCAL statement_timeout = 0"

// beginBatch begins the transaction of a batch that writes.
func (s *Store) beginBatch(ctx context.Context) (pgx.Tx, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, dbError(ctx, err)
	}
	for _, q := range []string{batchTimeout, batchLock} {
		if _, err := tx.Exec(ctx, q); err != nil {
			tx.Rollback(ctx) //nolint:errcheck // the error that matters is err
			return nil, dbError(ctx, err)
		}
	}
	return tx, nil
}

// recordBatch inserts the batch's row, running.
func recordBatch(ctx context.Context, tx pgx.Tx, b socle.Batch, collection string) error {
	_, err := tx.Exec(ctx, `INSERT INTO batches (id, kind, collection, source, file_sha256, actor) VALUES ($1, $2, $3, $4, $5, $6)`,
		b.ID, b.Kind, collection, b.Source, b.FileSHA256, b.Actor)
	return importError(ctx, err)
}

// finishBatch records the batch as done with its counts.
func finishBatch(ctx context.Context, tx pgx.Tx, batch string, counts any) error {
	js, _ := json.Marshal(counts)
	_, err := tx.Exec(ctx, `UPDATE batches SET status = 'done', finished_at = now(), counts = $2 WHERE id = $1`, batch, js)
	return dbError(ctx, err)
}

// saveRejects keeps a batch's rejected records.
func saveRejects(ctx context.Context, tx pgx.Tx, batch string, rejects []socle.Reject) error {
	if len(rejects) == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"batch_rejects"}, []string{"batch", "line", "col", "reason", "raw"},
		pgx.CopyFromSlice(len(rejects), func(i int) ([]any, error) {
			r := rejects[i]
			return []any{batch, int32(r.Line), r.Column, r.Reason, r.Raw}, nil
		}))
	return dbError(ctx, err)
}

// written are the columns an import writes: every property but the id's
// column and, unless the batch carries them, the derived ones.
func written(c *socle.Collection, withDerived bool) []socle.Property {
	var out []socle.Property
	for _, p := range c.Properties {
		if (p.Derived && !withDerived) || p.Name == idColumn(c) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// sequence returns the sequence that numbers a collection's new features
// ("" for collections whose ids are given).
func sequence(c *socle.Collection) string {
	switch c.ID {
	case "addresses", "roads", "land_cover":
		return pgx.Identifier{Schema, c.ID + "_id_seq"}.Sanitize()
	}
	return ""
}

// rowJSON is the JSON of a stored row as the change log keeps it: every
// column, the geometry as hex WKB.
func rowJSON(alias string) string {
	return fmt.Sprintf("(to_jsonb(%[1]s) - 'geom' || jsonb_build_object('geom', encode(ST_AsBinary(%[1]s.geom), 'hex')))", alias)
}

// Import writes a batch of rows into collection c in one transaction (see
// socle.Importer): the rows are copied into a temporary table as they
// stream, matched to stored features by id or key (new ones numbered),
// upserted, the absent retired when the batch replaces, and every change
// logged with what it replaced.
func (s *Store) Import(ctx context.Context, b socle.Batch, c *socle.Collection, rows socle.RowStream) (socle.ImportResult, error) {
	res := socle.ImportResult{BatchID: b.ID, DryRun: b.DryRun}
	tx, err := s.beginBatch(ctx)
	if err != nil {
		return res, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	if err := recordBatch(ctx, tx, b, c.ID); err != nil {
		return res, err
	}
	cols := written(c, b.WithDerived)
	names := make([]string, len(cols))
	for i, p := range cols {
		names[i] = ident(p.Name)
	}
	idCol := ident(idColumn(c))
	if _, err := tx.Exec(ctx, fmt.Sprintf(`CREATE TEMP TABLE import_rows ON COMMIT DROP AS
		SELECT 0::int AS n, t.%s AS id, %s NULL::bytea AS g, false AS retire FROM %s t WITH NO DATA`,
		idCol, joinComma(prefixed("t.", names), true), table(c))); err != nil {
		return res, dbError(ctx, err)
	}
	bits, err := integerWidths(ctx, tx, "import_rows")
	if err != nil {
		return res, err
	}
	// The rows stream into the table: memory holds one row at a time.
	src := &copySource{rows: rows, c: c, cols: cols, bits: bits}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_rows"}, append(append([]string{"n", "id"}, propNames(cols)...), "g", "retire"), src); err != nil {
		if src.err != nil {
			return res, src.err
		}
		return res, importError(ctx, err)
	}
	rejects := rows.Rejects()
	res.Read = src.n + len(rejects)
	res.Rejected = len(rejects)

	if err := resolveIDs(ctx, tx, c, src.n); err != nil {
		return res, err
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_areas (g geometry) ON COMMIT DROP`); err != nil {
		return res, dbError(ctx, err)
	}
	// The rows that retire a feature first: the key it frees may be
	// another row's.
	if src.retires > 0 {
		if res.Retired, err = retire(ctx, tx, c, b, true); err != nil {
			return res, err
		}
	}
	if res.Inserted, res.Updated, err = upsert(ctx, tx, c, cols, b); err != nil {
		return res, err
	}
	res.Unchanged = src.n - res.Inserted - res.Updated - res.Retired
	if b.Replace {
		n, err := retire(ctx, tx, c, b, false)
		if err != nil {
			return res, err
		}
		res.Retired += n
	}
	if err := saveRejects(ctx, tx, b.ID, rejects); err != nil {
		return res, err
	}
	if res.Inserted+res.Updated+res.Retired > 0 {
		if seq := sequence(c); seq != "" {
			if _, err := tx.Exec(ctx, fmt.Sprintf(`SELECT setval('%[1]s', greatest((SELECT max(id) FROM %[2]s), (SELECT last_value FROM %[1]s)))`, seq, table(c))); err != nil {
				return res, dbError(ctx, err)
			}
		}
		if err := s.announce(ctx, tx, c.ID, b.ID, changedAreasSQL); err != nil {
			return res, err
		}
		if zan.Moves(c.ID, b.WithDerived) {
			if err := s.derive(ctx, tx, b.ID, deriveAll); err != nil {
				return res, err
			}
		}
	}
	if err := finishBatch(ctx, tx, b.ID, res); err != nil {
		return res, err
	}
	if b.DryRun {
		return res, nil // rolled back
	}
	if err := tx.Commit(ctx); err != nil {
		return res, dbError(ctx, err)
	}
	s.analyseAfter(ctx, c, res.Inserted+res.Updated+res.Retired)
	return res, nil
}

// analyseAfter analyses c's table after a batch that wrote a large part of
// it, as PostgreSQL advises after a bulk load, rather than wait for
// autovacuum (about a minute; never where it is off): until then the
// planner estimates from the table's old statistics, those of an empty
// table after a first import. It does not vacuum: on 1,000,000 road
// sections VACUUM added a quarter to the import (8.7 s of 36), for what
// autovacuum does within the minute (pages marked all-visible, so that a
// count is answered from an index). The batch is committed: a failure here
// loses nothing and is left to autovacuum, so it is not the import's.
func (s *Store) analyseAfter(ctx context.Context, c *socle.Collection, written int) {
	if written < analyseMinRows {
		return
	}
	// A transaction of its own, for the batches' SET LOCAL of the
	// statement timeout (undone at its end, whatever happens).
	_ = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, batchTimeout); err != nil {
			return err
		}
		var rows float64 // reltuples: -1 for a table never vacuumed or analysed
		if err := tx.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = $1::regclass`, table(c)).Scan(&rows); err != nil {
			return err
		}
		if float64(written) < analyseShare*rows {
			return nil
		}
		_, err := tx.Exec(ctx, "ANALYZE "+table(c))
		return err
	})
}

// analyseMinRows and analyseShare: a batch is followed by ANALYZE when it
// wrote at least analyseMinRows rows and at least analyseShare of the
// table (autovacuum's own trigger is 50 rows and a tenth of the table).
const (
	analyseMinRows = 1000
	analyseShare   = 0.1
)

// announce tells the caches what a batch changed in a collection (areas is
// a query of Lambert-93 envelopes). The ZAN figures that rest on the land
// cover and the communes follow in derive, once per batch.
func (s *Store) announce(ctx context.Context, tx pgx.Tx, collection, batch, areas string) error {
	return notifyChange(ctx, tx, collection, batch, areas)
}

func propNames(cols []socle.Property) []string {
	out := make([]string, len(cols))
	for i, p := range cols {
		out[i] = p.Name
	}
	return out
}

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}

// joinComma joins with ", ", with a trailing ", " when trailing and there
// is anything.
func joinComma(items []string, trailing bool) string {
	s := strings.Join(items, ", ")
	if trailing && s != "" {
		s += ", "
	}
	return s
}

// integerWidths returns the width in bits of a table's narrow integer
// columns (smallint, integer), by name.
func integerWidths(ctx context.Context, tx pgx.Tx, table string) (map[string]int, error) {
	rows, err := tx.Query(ctx, `SELECT attname, CASE atttypid WHEN 'int2'::regtype THEN 16 ELSE 32 END FROM pg_attribute
		WHERE attrelid = $1::regclass AND atttypid IN ('int2'::regtype, 'int4'::regtype) AND attnum > 0`, table)
	if err != nil {
		return nil, dbError(ctx, err)
	}
	out := map[string]int{}
	for rows.Next() {
		var name string
		var bits int
		if err := rows.Scan(&name, &bits); err != nil {
			rows.Close()
			return nil, dbError(ctx, err)
		}
		out[name] = bits
	}
	rows.Close()
	return out, dbError(ctx, rows.Err())
}

// copySource feeds the rows of a stream to COPY, numbering them.
type copySource struct {
	rows socle.RowStream
	c    *socle.Collection
	cols []socle.Property
	// bits are the widths of the narrow integer columns.
	bits map[string]int
	n    int
	// retires counts the rows that retire a feature.
	retires int
	vals    []any
	err     error
}

func (s *copySource) Next() bool {
	if !s.rows.Next() {
		s.err = s.rows.Err()
		return false
	}
	r := s.rows.Row()
	s.n++
	id := r.ID
	if id == nil {
		id = r.Properties[idColumn(s.c)] // communes: the INSEE code is the id
	}
	var g []byte
	if r.Retire {
		s.retires++
	} else {
		var err error
		if g, err = wkb.Marshal(r.Geometry); err != nil {
			s.err = socle.Errorf(socle.EINVALID, "row %d: geometry: %v", s.n, err)
			return false
		}
	}
	s.vals = append(s.vals[:0], int32(s.n), id)
	for _, p := range s.cols {
		v := r.Properties[p.Name]
		if err := socle.CheckValue(p, v); err != nil {
			s.err = &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("row %d: %s", s.n, socle.ErrorMessage(err))}
			return false
		}
		if n, ok := v.(int64); ok {
			if b := s.bits[p.Name]; b > 0 && (n < -(1<<(b-1)) || n >= 1<<(b-1)) {
				s.err = &socle.Error{Code: socle.ECONFLICT, Message: "the data contradicts what is stored (a duplicate id or key, or a value out of range); nothing was written",
					Err: fmt.Errorf("row %d: %s: integer %d out of range", s.n, p.Name, n)}
				return false
			}
		}
		if raw, ok := v.(json.RawMessage); ok {
			v = []byte(raw) // jsonb takes the bytes as JSON
		}
		s.vals = append(s.vals, v)
	}
	s.vals = append(s.vals, g, r.Retire)
	return true
}

func (s *copySource) Values() ([]any, error) { return s.vals, nil }
func (s *copySource) Err() error {
	if s.err != nil {
		return s.err
	}
	return s.rows.Err()
}

// resolveIDs gives every row its feature's id: the one it carries, else
// the stored feature's with the same key (Collection.Keys), else a new one;
// an id or a key twice in the batch is a conflict.
func resolveIDs(ctx context.Context, tx pgx.Tx, c *socle.Collection, n int) error {
	if len(c.Keys) > 0 {
		var eq []string
		for _, k := range c.Keys {
			eq = append(eq, fmt.Sprintf("t.%[1]s = r.%[1]s", ident(k)))
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE import_rows r SET id = t.id FROM %s t WHERE r.id IS NULL AND %s`,
			table(c), strings.Join(eq, " AND "))); err != nil {
			return dbError(ctx, err)
		}
		var keys []string
		for _, k := range c.Keys {
			keys = append(keys, ident(k))
		}
		var line int32
		var key string
		err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT max(n), concat_ws(' ', %[1]s) FROM import_rows WHERE (%[1]s) IS NOT NULL
			GROUP BY %[1]s HAVING count(*) > 1 LIMIT 1`, strings.Join(keys, ", "))).Scan(&line, &key)
		if err == nil {
			return socle.Errorf(socle.ECONFLICT, "row %d: the key %s is twice in the batch; nothing was written", line, key)
		}
		if err != pgx.ErrNoRows {
			return dbError(ctx, err)
		}
	}
	// A row retiring a feature that is not stored has nothing to do.
	if _, err := tx.Exec(ctx, `DELETE FROM import_rows WHERE retire AND id IS NULL`); err != nil {
		return dbError(ctx, err)
	}
	if seq := sequence(c); seq != "" {
		if _, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE import_rows SET id = nextval('%s') WHERE id IS NULL`, seq)); err != nil {
			return dbError(ctx, err)
		}
	}
	var line int32
	var id string
	err := tx.QueryRow(ctx, `SELECT max(n), coalesce(id::text, '') FROM import_rows GROUP BY id HAVING count(*) > 1 OR id IS NULL LIMIT 1`).Scan(&line, &id)
	switch {
	case err == pgx.ErrNoRows:
		return nil
	case err != nil:
		return dbError(ctx, err)
	case id == "":
		return socle.Errorf(socle.ECONFLICT, "row %d has no id (%s); nothing was written", line, idColumn(c))
	}
	return socle.Errorf(socle.ECONFLICT, "row %d: the id %s is twice in the batch; nothing was written", line, id)
}

// upsert writes the rows whose feature is new or differs, logs each change
// with the row it replaced, and keeps the old and new positions in
// import_areas.
func upsert(ctx context.Context, tx pgx.Tx, c *socle.Collection, cols []socle.Property, b socle.Batch) (inserted, updated int, err error) {
	idCol := ident(idColumn(c))
	var names, vals, sets, compared []string
	hasUpdatedAt := false
	for _, p := range cols {
		n := ident(p.Name)
		names = append(names, n)
		switch {
		case p.Name == "updated_at":
			hasUpdatedAt = true
			vals = append(vals, "coalesce(r.updated_at, now())")
		default:
			vals = append(vals, "r."+n)
			compared = append(compared, n)
		}
		sets = append(sets, n+" = EXCLUDED."+n)
	}
	geom := fmt.Sprintf("ST_GeomFromWKB(r.g, %d)", StorageSRID)
	if strings.HasPrefix(c.GeometryType, "Multi") {
		geom = "ST_Multi(" + geom + ")"
	}
	names = append(names, "geom", "batch")
	vals = append(vals, geom, "@batch")
	sets = append(sets, "geom = EXCLUDED.geom", "batch = EXCLUDED.batch")
	if !hasUpdatedAt {
		names = append(names, "updated_at")
		vals = append(vals, "now()")
		sets = append(sets, "updated_at = EXCLUDED.updated_at")
	}
	compared = append(compared, "geom")
	// New rows go into the table in the order of their geometries (PostGIS
	// sorts geometries along a Hilbert curve), so that features near each
	// other share heap pages: a box, a tile or a commune then reads a few
	// pages instead of one page per feature when the file came in another
	// order. Pages and downloads order by their keys, so they do not change;
	// a tile lists its features in the order they are read, as before.
	sql := fmt.Sprintf(`WITH old AS (
			SELECT t.* FROM %[1]s t JOIN import_rows r ON r.id = t.%[2]s AND NOT r.retire
		), up AS (
			INSERT INTO %[1]s AS t (%[2]s, %[3]s) SELECT r.id, %[4]s FROM import_rows r WHERE NOT r.retire
			ORDER BY %[9]s
			ON CONFLICT (%[2]s) DO UPDATE SET %[5]s
			WHERE (%[6]s) IS DISTINCT FROM (%[7]s)
			RETURNING t.%[2]s AS id, (xmax = 0) AS inserted, t.geom
		), logged AS (
			INSERT INTO feature_changes (batch, collection, feature_id, op, before)
			SELECT @batch, @collection, up.id::text, CASE WHEN up.inserted THEN 'insert' ELSE 'update' END,
				CASE WHEN up.inserted THEN NULL ELSE %[8]s END
			FROM up LEFT JOIN old o ON o.%[2]s = up.id ORDER BY up.id
		), areas AS (
			INSERT INTO import_areas SELECT CASE WHEN o.geom IS NULL THEN up.geom ELSE ST_Collect(up.geom, o.geom) END
			FROM up LEFT JOIN old o ON o.%[2]s = up.id
		)
		SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up`,
		table(c), idCol, strings.Join(names, ", "), strings.Join(vals, ", "), strings.Join(sets, ", "),
		strings.Join(prefixed("t.", compared), ", "), strings.Join(prefixed("EXCLUDED.", compared), ", "), rowJSON("o"), geom)
	if err := tx.QueryRow(ctx, sql, pgx.NamedArgs{"batch": b.ID, "collection": c.ID}).Scan(&inserted, &updated); err != nil {
		return 0, 0, importError(ctx, err)
	}
	return inserted, updated, nil
}

// retire deletes, logging each with its last state, the features the
// batch's rows retire (explicit), or else the stored features of the
// batch's scope that it does not hold (a replacement).
func retire(ctx context.Context, tx pgx.Tx, c *socle.Collection, b socle.Batch, explicit bool) (int, error) {
	bd := &builder{args: []any{b.ID, c.ID}} // $1 and $2
	idCol := ident(idColumn(c))
	if explicit {
		bd.conds = append(bd.conds, fmt.Sprintf("EXISTS (SELECT 1 FROM import_rows r WHERE r.retire AND r.id = t.%s)", idCol))
	} else {
		for _, e := range b.Scope {
			bd.conds = append(bd.conds, fmt.Sprintf("t.%s = %s::%s", ident(e.Property.Name), bd.arg(e.Value), sqlType(e.Property.Type)))
		}
		bd.conds = append(bd.conds, fmt.Sprintf("NOT EXISTS (SELECT 1 FROM import_rows r WHERE r.id = t.%s)", idCol))
	}
	var n int
	err := tx.QueryRow(ctx, fmt.Sprintf(`WITH gone AS (
			DELETE FROM %[1]s t%[2]s RETURNING t.*
		), logged AS (
			INSERT INTO feature_changes (batch, collection, feature_id, op, before)
			SELECT $1, $2, g.%[3]s::text, 'delete', %[4]s FROM gone g ORDER BY g.%[3]s
		), areas AS (
			INSERT INTO import_areas SELECT geom FROM gone
		)
		SELECT count(*) FROM gone`, table(c), bd.where(), idCol, rowJSON("g")), bd.args...).Scan(&n)
	return n, importError(ctx, err)
}

// importError explains a constraint violation in the caller's terms.
func importError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	e := dbError(ctx, err)
	if socle.ErrorCode(e) == socle.EINTERNAL {
		return &socle.Error{Code: socle.ECONFLICT, Message: "the data contradicts what is stored (a duplicate id or key, or a value out of range); nothing was written", Err: err}
	}
	return e
}

// ChangesChannel is the PostgreSQL notification channel of data changes.
const ChangesChannel = "socle_changes"

// changedAreasSQL returns the envelopes (Lambert-93) of what a batch
// changed, old and new positions, from import_areas; more than 100 changes
// make one envelope.
const changedAreasSQL = `
	WITH ch AS (SELECT ST_Envelope(g) AS e FROM import_areas WHERE g IS NOT NULL),
	n AS (SELECT count(*) AS n FROM ch)
	SELECT e FROM ch, n WHERE n.n <= 100
	UNION ALL
	SELECT ST_SetSRID(ST_Extent(e)::geometry, 2154) FROM ch, n WHERE n.n > 100 GROUP BY n.n`

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
