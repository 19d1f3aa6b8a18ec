package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/socle-geo/socle/internal/ledger"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/zan"
)

// The derived ZAN figures (issue 13), recomputed after each batch that
// changes what they rest on: the artificialisation flux between each pair
// of consecutive millésimes (ComputeFluxSQL), written as the rows of the
// artificialisation collection (zan.FluxRows), and the communes' ZAN
// indicators (zan.CommuneIndicators) from the Cerema file, else the flux,
// else the land cover's year_artificialised. What changes is written under
// a derive batch and logged through the ledger (ledger.LogDerived), so that
// the change feeds show it.

// deriver is one recomputation, in the transaction of the batch it
// follows; its derive batch is recorded on its first change.
type deriver struct {
	s      *Store
	tx     pgx.Tx
	conn   ledger.Conn
	source string
	id     string
	counts map[string]int
}

// deriveScope says what a recomputation redoes.
type deriveScope int

const (
	// deriveAll: the flux and the indicators (the land cover or the
	// communes changed).
	deriveAll deriveScope = iota
	// deriveIndicators: the communes' indicators only (only the Cerema
	// file changed): the flux, which does not rest on it, is read back
	// from the artificialisation collection (zan.StoredFluxes) rather than
	// overlaid again — the same figures, at the cost of a read.
	deriveIndicators
)

// derive recomputes the ZAN figures after batch source, in its
// transaction, and writes and logs what changed under a derive batch.
func (s *Store) derive(ctx context.Context, tx pgx.Tx, source string, scope deriveScope) error {
	if _, ok := s.catalog.Collection("artificialisation"); !ok {
		return nil
	}
	d := &deriver{s: s, tx: tx, conn: ledger.PostgresTx(tx, dbError), source: source, counts: map[string]int{}}
	var results []*zan.Result
	var err error
	if scope == deriveIndicators {
		if results, err = d.storedFluxes(ctx); err != nil {
			return err
		}
	} else {
		if results, err = d.fluxes(ctx); err != nil {
			return err
		}
		if err := d.writeFlux(ctx, results); err != nil {
			return err
		}
	}
	if err := d.writeIndicators(ctx, results); err != nil {
		return err
	}
	if d.id == "" {
		return nil
	}
	return finishBatch(ctx, tx, d.id, d.counts)
}

// batch returns the derive batch, recording it on first use.
func (d *deriver) batch(ctx context.Context) (string, error) {
	if d.id != "" {
		return d.id, nil
	}
	id := socle.NewBatchID(socle.KindDerive, time.Now())
	if err := recordBatch(ctx, d.tx, socle.Batch{ID: id, Kind: socle.KindDerive, Source: d.source, Actor: "socle"}, "artificialisation"); err != nil {
		return "", err
	}
	d.id = id
	return id, nil
}

// fluxes computes the flux of each pair of consecutive millésimes; a pair
// whose land cover covers less than half the communes is a change layer.
func (d *deriver) fluxes(ctx context.Context) ([]*zan.Result, error) {
	rows, err := d.tx.Query(ctx, `SELECT year::int, sum(ST_Area(geom)) FROM land_cover GROUP BY year ORDER BY year`)
	if err != nil {
		return nil, dbError(ctx, err)
	}
	var years []int
	cover := map[int]float64{}
	for rows.Next() {
		var y int
		var a float64
		if err := rows.Scan(&y, &a); err != nil {
			rows.Close()
			return nil, dbError(ctx, err)
		}
		years = append(years, y)
		cover[y] = a
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, dbError(ctx, err)
	}
	if len(years) < 2 {
		return nil, nil
	}
	var communes float64
	if err := d.tx.QueryRow(ctx, `SELECT coalesce(sum(ST_Area(geom)), 0) FROM communes`).Scan(&communes); err != nil {
		return nil, dbError(ctx, err)
	}
	t := FluxTables{LandCover: pgx.Identifier{Schema, "land_cover"}, Communes: pgx.Identifier{Schema, "communes"}, UnknownByFlag: true}
	var out []*zan.Result
	for i := 1; i < len(years); i++ {
		r, err := ComputeFluxSQL(ctx, d.tx, t, years[i-1], years[i], nil)
		if err != nil {
			return nil, err
		}
		if zan.IsChangeLayer(cover[years[i-1]], cover[years[i]], communes) {
			r.AsChangeLayer()
		}
		out = append(out, r)
	}
	return out, nil
}

// storedFluxes reads the flux back from the artificialisation collection.
func (d *deriver) storedFluxes(ctx context.Context) ([]*zan.Result, error) {
	rows, err := collectFlux(ctx, d.tx, `SELECT insee, nom, level, from_year::int, to_year::int, artificialised_ha, deartificialised_ha, net_ha,
		source, matrix_version FROM artificialisation WHERE level = 'commune'`, func(r pgx.Rows) (zan.FluxRow, error) {
		var f zan.FluxRow
		var src, mv *string
		err := r.Scan(&f.INSEE, &f.Name, &f.Level, &f.FromYear, &f.ToYear, &f.ArtificialisedHa, &f.DeartificialisedHa, &f.NetHa, &src, &mv)
		if src != nil {
			f.Source = *src
		}
		if mv != nil {
			f.MatrixVersion = *mv
		}
		return f, err
	})
	if err != nil {
		return nil, err
	}
	return zan.StoredFluxes(rows), nil
}

// epci names the intercommunality the communes form: the SIREN most of
// them give.
func (d *deriver) epci(ctx context.Context) (zan.EPCI, error) {
	var e zan.EPCI
	err := d.tx.QueryRow(ctx, `SELECT epci_siren FROM communes WHERE epci_siren <> '' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`).Scan(&e.Code)
	if err != nil && err != pgx.ErrNoRows {
		return e, dbError(ctx, err)
	}
	e.Name = zan.EPCIName(e.Code, d.s.opts.EPCINames)
	return e, nil
}

// fluxColumns are the artificialisation table's columns, but key, geom,
// batch and updated_at, in the order zan_rows holds them.
var fluxColumns = []string{"insee", "nom", "level", "from_year", "to_year", "area_ha", "artificialised_ha", "deartificialised_ha",
	"net_ha", "stock_from_ha", "stock_ha", "stock_share", "source", "matrix_version"}

// writeFlux makes the artificialisation table hold the rows of results:
// the new ones inserted, those that differ updated, those no longer
// computed deleted, each change logged with the row it replaced.
func (d *deriver) writeFlux(ctx context.Context, results []*zan.Result) error {
	epci, err := d.epci(ctx)
	if err != nil {
		return err
	}
	rows := zan.FluxRows(results, epci)
	for _, q := range []string{
		`DROP TABLE IF EXISTS zan_rows, zan_new, zan_areas`,
		`CREATE TEMP TABLE zan_rows (key text, insee text, nom text, level text, from_year smallint, to_year smallint,
			area_ha float8, artificialised_ha float8, deartificialised_ha float8, net_ha float8,
			stock_from_ha float8, stock_ha float8, stock_share float8, source text, matrix_version text) ON COMMIT DROP`,
		`CREATE TEMP TABLE zan_areas (g geometry) ON COMMIT DROP`,
	} {
		if _, err := d.tx.Exec(ctx, q); err != nil {
			return dbError(ctx, err)
		}
	}
	if _, err := d.tx.CopyFrom(ctx, pgx.Identifier{"zan_rows"}, append([]string{"key"}, fluxColumns...),
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			p := rows[i].Properties()
			vals := []any{rows[i].Key}
			for _, c := range fluxColumns {
				v := p[c]
				if n, ok := v.(int64); ok {
					v = int16(n)
				}
				vals = append(vals, v)
			}
			return vals, nil
		})); err != nil {
		return dbError(ctx, err)
	}
	// Each row's geometry: its commune's, or all of them dissolved for the
	// EPCI.
	if _, err := d.tx.Exec(ctx, `CREATE TEMP TABLE zan_new ON COMMIT DROP AS
		WITH e AS (SELECT ST_Multi(ST_CollectionExtract(ST_Union(geom), 3)) AS g FROM communes)
		SELECT r.*, CASE WHEN r.level = 'commune' THEN c.geom ELSE e.g END AS geom
		FROM zan_rows r LEFT JOIN communes c ON c.insee = r.insee AND r.level = 'commune', e`); err != nil {
		return dbError(ctx, err)
	}
	cols := strings.Join(prefixed("n.", fluxColumns), ", ")
	acols := strings.Join(prefixed("a.", fluxColumns), ", ")
	changes, err := collectFlux(ctx, d.tx, fmt.Sprintf(`SELECT coalesce(n.key, a.key),
			CASE WHEN a.key IS NULL THEN 'insert' WHEN n.key IS NULL THEN 'delete' ELSE 'update' END,
			CASE WHEN a.key IS NULL THEN NULL ELSE %s END
		FROM zan_new n FULL JOIN artificialisation a ON a.key = n.key
		WHERE n.key IS NULL OR a.key IS NULL OR (%s, n.geom) IS DISTINCT FROM (%s, a.geom)
		ORDER BY 1`, rowJSON("a"), cols, acols), func(r pgx.Rows) (socle.FeatureChange, error) {
		var c socle.FeatureChange
		var before []byte
		err := r.Scan(&c.FeatureID, &c.Op, &before)
		c.Before = json.RawMessage(before)
		return c, err
	})
	if err != nil {
		return err
	}
	if len(changes) == 0 {
		return nil
	}
	batch, err := d.batch(ctx)
	if err != nil {
		return err
	}
	if err := ledger.LogDerived(ctx, d.conn, batch, "artificialisation", changes); err != nil {
		return err
	}
	var keys []string
	for _, c := range changes {
		keys = append(keys, c.FeatureID)
	}
	sets := make([]string, 0, len(fluxColumns)+3)
	for _, c := range append(append([]string(nil), fluxColumns...), "geom", "batch", "updated_at") {
		sets = append(sets, ident(c)+" = EXCLUDED."+ident(c))
	}
	for _, q := range []string{
		`WITH gone AS (DELETE FROM artificialisation a WHERE a.key = ANY(@keys) AND NOT EXISTS (SELECT 1 FROM zan_new n WHERE n.key = a.key) RETURNING geom)
			INSERT INTO zan_areas SELECT ST_Envelope(geom) FROM gone`,
		`INSERT INTO zan_areas SELECT ST_Envelope(a.geom) FROM artificialisation a WHERE a.key = ANY(@keys)`,
		fmt.Sprintf(`INSERT INTO artificialisation (key, %s, geom, batch, updated_at)
			SELECT n.key, %s, n.geom, @batch, now() FROM zan_new n WHERE n.key = ANY(@keys)
			ON CONFLICT (key) DO UPDATE SET %s`, strings.Join(fluxColumns, ", "), cols, strings.Join(sets, ", ")),
		`INSERT INTO zan_areas SELECT ST_Envelope(n.geom) FROM zan_new n WHERE n.key = ANY(@keys)`,
	} {
		if _, err := d.tx.Exec(ctx, q, pgx.NamedArgs{"keys": keys, "batch": batch}); err != nil {
			return dbError(ctx, err)
		}
	}
	d.counts["artificialisation"] = len(changes)
	return notifyChange(ctx, d.tx, "artificialisation", batch, `
		WITH ch AS (SELECT g AS e FROM zan_areas WHERE g IS NOT NULL)
		SELECT ST_SetSRID(ST_Extent(e)::geometry, 2154) AS e FROM ch HAVING count(*) > 0`)
}

// writeIndicators recomputes the communes' ZAN indicators and writes
// those that changed, each logged with the row it replaced.
func (d *deriver) writeIndicators(ctx context.Context, results []*zan.Result) error {
	in := zan.IndicatorInputs{LandCoverYears: map[string]map[int]float64{}, Fluxes: results}
	var err error
	if in.Communes, err = collectFlux(ctx, d.tx, `SELECT insee FROM communes ORDER BY insee`, func(r pgx.Rows) (string, error) {
		var s string
		return s, r.Scan(&s)
	}); err != nil {
		return err
	}
	type yearSum struct {
		insee string
		year  int
		ha    float64
	}
	sums, err := collectFlux(ctx, d.tx, `SELECT commune_insee, year_artificialised::int, sum(area_m2) / 10000.0 FROM land_cover
		WHERE artificialised AND year_artificialised IS NOT NULL GROUP BY 1, 2`, func(r pgx.Rows) (yearSum, error) {
		var s yearSum
		return s, r.Scan(&s.insee, &s.year, &s.ha)
	})
	if err != nil {
		return err
	}
	for _, s := range sums {
		if in.LandCoverYears[s.insee] == nil {
			in.LandCoverYears[s.insee] = map[int]float64{}
		}
		in.LandCoverYears[s.insee][s.year] = s.ha
	}
	cons, _, err := ledger.CurrentConsommation(ctx, d.conn)
	if err != nil {
		return err
	}
	in.Consommation = cons
	in.Allowance = d.s.opts.Allowance
	ind := zan.CommuneIndicators(in)
	if _, err := d.tx.Exec(ctx, `DROP TABLE IF EXISTS zan_ind`); err != nil {
		return dbError(ctx, err)
	}
	if _, err := d.tx.Exec(ctx, `CREATE TEMP TABLE zan_ind (insee text, by_year jsonb, ref float8, since float8, budget float8, used float8, source text) ON COMMIT DROP`); err != nil {
		return dbError(ctx, err)
	}
	if _, err := d.tx.CopyFrom(ctx, pgx.Identifier{"zan_ind"}, []string{"insee", "by_year", "ref", "since", "budget", "used", "source"},
		pgx.CopyFromSlice(len(in.Communes), func(i int) ([]any, error) {
			c := in.Communes[i]
			x := ind[c]
			var source any
			if x.Source != "" {
				source = x.Source
			}
			return []any{c, []byte(x.ByYear), x.ReferenceHa, x.SinceHa, x.AllowanceHa, x.UsedPct, source}, nil
		})); err != nil {
		return dbError(ctx, err)
	}
	const differ = `(c.artificialised_ha_by_year, c.artificialised_ha_2011_2021, c.artificialised_ha_since_2021, c.zan_budget_ha_2021_2031,
		c.zan_budget_used_pct, c.zan_source) IS DISTINCT FROM (i.by_year, i.ref, i.since, i.budget, i.used, i.source)`
	changes, err := collectFlux(ctx, d.tx, `SELECT c.insee, `+rowJSON("c")+` FROM communes c JOIN zan_ind i USING (insee) WHERE `+differ+` ORDER BY c.insee`,
		func(r pgx.Rows) (socle.FeatureChange, error) {
			c := socle.FeatureChange{Op: socle.OpUpdate}
			var before []byte
			err := r.Scan(&c.FeatureID, &before)
			c.Before = json.RawMessage(before)
			return c, err
		})
	if err != nil || len(changes) == 0 {
		return err
	}
	batch, err := d.batch(ctx)
	if err != nil {
		return err
	}
	if err := ledger.LogDerived(ctx, d.conn, batch, "communes", changes); err != nil {
		return err
	}
	if _, err := d.tx.Exec(ctx, `UPDATE communes c SET artificialised_ha_by_year = i.by_year, artificialised_ha_2011_2021 = i.ref,
		artificialised_ha_since_2021 = i.since, zan_budget_ha_2021_2031 = i.budget, zan_budget_used_pct = i.used, zan_source = i.source,
		batch = $1, updated_at = now()
		FROM zan_ind i WHERE i.insee = c.insee AND `+differ, batch); err != nil {
		return dbError(ctx, err)
	}
	d.counts["communes"] = len(changes)
	var ids []string
	for _, c := range changes {
		ids = append(ids, c.FeatureID)
	}
	return notifyChange(ctx, d.tx, "communes", batch, fmt.Sprintf(`SELECT ST_Envelope(geom) AS e FROM communes WHERE insee IN (%s)`, quoteList(ids)))
}

// quoteList is a list of SQL string literals (INSEE codes, checked by the
// table's constraint: digits, A and B).
func quoteList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = "'" + strings.ReplaceAll(id, "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}

// ImportConsommation loads a Cerema NAF-consumption file read by
// zan.ReadConsommation, in one batch: the rows of the territory's communes
// stored per commune and year, those of other communes and the rows
// refused kept in the batch's rejects, and the ZAN figures recomputed
// from it. A dry run says what it would do and writes nothing.
func (s *Store) ImportConsommation(ctx context.Context, b socle.Batch, c *zan.Consommation) (zan.ConsommationResult, error) {
	res := zan.ConsommationResult{BatchID: b.ID, DryRun: b.DryRun}
	b.Kind = socle.KindConsommation
	tx, err := s.beginBatch(ctx)
	if err != nil {
		return res, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	if err := recordBatch(ctx, tx, b, "communes"); err != nil {
		return res, err
	}
	codes, err := collectFlux(ctx, tx, `SELECT insee FROM communes`, func(r pgx.Rows) (string, error) {
		var s string
		return s, r.Scan(&s)
	})
	if err != nil {
		return res, err
	}
	known := map[string]bool{}
	for _, c := range codes {
		known[c] = true
	}
	keep, rejects := c.Split(known, &res)
	res.Stored = len(keep)
	conn := ledger.PostgresTx(tx, dbError)
	if err := ledger.SaveConsommation(ctx, conn, b.ID, keep); err != nil {
		return res, err
	}
	if err := saveRejects(ctx, tx, b.ID, rejects); err != nil {
		return res, err
	}
	if err := finishBatch(ctx, tx, b.ID, res); err != nil {
		return res, err
	}
	// The flux does not rest on the Cerema file: only the indicators move.
	if err := s.derive(ctx, tx, b.ID, deriveIndicators); err != nil {
		return res, err
	}
	if b.DryRun {
		return res, nil // rolled back
	}
	return res, dbError(ctx, tx.Commit(ctx))
}

// RecomputeZAN recomputes every derived ZAN figure in full — the flux of
// each pair of millésimes, its rows, the communes' indicators — in one
// transaction, as a land-cover batch does, and writes what changed under a
// derive batch whose source is zan.RecomputeSource. Nothing changes when the
// figures are current; after an upgrade that changed the matrix, or to
// check that they are, it is the way to bring them back to the data.
func (s *Store) RecomputeZAN(ctx context.Context) error {
	tx, err := s.beginBatch(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	if err := s.derive(ctx, tx, zan.RecomputeSource, deriveAll); err != nil {
		return err
	}
	return dbError(ctx, tx.Commit(ctx))
}
