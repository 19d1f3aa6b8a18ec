package postgis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/socle-geo/socle/internal/zan"
)

// The artificialisation flux between two OCS GE millésimes computed in
// PostGIS: the SQL twin of zan.ComputeFlux, for the same figures (within
// 0.01 ha) on a store that has its land cover in the database. What is
// artificialised is still decided in Go, by zan's matrix, for the distinct
// (code_cs, code_us) pairs of the table: the rule exists once. The geometry
// is SQL's: communes cut by ST_Subdivide, each side's artificialised
// parcels that a piece's box meets (through the table's GiST index) made
// valid, clipped to the piece and unioned, then the two sides intersected.

// FluxTables names what ComputeFluxSQL reads.
type FluxTables struct {
	// LandCover has the columns year, code_cs, code_us, artificialised
	// (boolean; read only with ByFlag) and geom (Polygon or MultiPolygon,
	// in metres, with a GiST index: the query finds parcels through it).
	LandCover pgx.Identifier
	// Communes has the columns insee, nom and geom, in the same CRS.
	Communes pgx.Identifier
	// ByFlag takes the artificialised column as it is instead of deciding
	// from the codes with the matrix.
	ByFlag bool
	// UnknownByFlag lets the artificialised column decide for the code
	// pairs the matrix does not know (a land cover in a local
	// nomenclature) instead of refusing them.
	UnknownByFlag bool
}

// FluxQuerier is what ComputeFluxSQL needs of a database: a pool, a
// connection or a transaction.
type FluxQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// fluxPieceVertices is ST_Subdivide's limit for the communes' pieces: the
// Go side's pieceVertices.
const fluxPieceVertices = 256

// fluxAreasSQL measures, per commune, its area and the artificialised land
// of each date and of both, in m². $1 and $2 are the two years; $3, $4, $5
// the codes and their verdicts (unused with ByFlag). Identifiers are
// spliced in already sanitised ({lc}, {co}); {art} is the filter that says
// a parcel is artificialised.
const fluxAreasSQL = `
WITH k(code_cs, code_us, art) AS (
    SELECT * FROM unnest($3::text[], $4::text[], $5::boolean[])
),
c AS MATERIALIZED (
    SELECT insee, nom,
           CASE WHEN ST_IsValid(geom) THEN geom ELSE ST_CollectionExtract(ST_MakeValid(geom), 3) END AS geom
    FROM {co}
),
p AS MATERIALIZED (
    SELECT row_number() OVER () AS id, insee, geom
    FROM (SELECT insee, ST_Subdivide(geom, {vertices}) AS geom FROM c) s
),
x AS (
    SELECT p.id, p.insee,
           ST_Union(v.geom) FILTER (WHERE v.side = 0) AS g0,
           ST_Union(v.geom) FILTER (WHERE v.side = 1) AS g1
    FROM p
    JOIN LATERAL (
        SELECT side, CASE WHEN ST_CoveredBy(g, p.geom) THEN g ELSE ST_Intersection(g, p.geom) END AS geom
        FROM (
            SELECT CASE WHEN l.year = $1 THEN 0 ELSE 1 END AS side,
                   CASE WHEN ST_IsValid(l.geom) THEN l.geom ELSE ST_CollectionExtract(ST_MakeValid(l.geom), 3) END AS g
            FROM {lc} l
            WHERE l.geom && p.geom AND l.year IN ($1, $2) AND {art}
        ) w
    ) v ON true
    GROUP BY p.id, p.insee
),
s AS (
    SELECT insee,
           sum(coalesce(ST_Area(g0), 0)) AS from_m2,
           sum(coalesce(ST_Area(g1), 0)) AS to_m2,
           sum(CASE WHEN g0 IS NULL OR g1 IS NULL OR NOT g0 && g1 THEN 0 ELSE ST_Area(ST_Intersection(g0, g1)) END) AS both_m2
    FROM x
    GROUP BY insee
)
SELECT c.insee, c.nom, ST_Area(c.geom), coalesce(s.from_m2, 0), coalesce(s.to_m2, 0), coalesce(s.both_m2, 0)
FROM c LEFT JOIN s USING (insee)
ORDER BY c.insee`

// artByCodes and artByFlag are the two ways {art} says a parcel is
// artificialised.
const (
	artByCodes = `EXISTS (SELECT 1 FROM k WHERE k.code_cs = coalesce(l.code_cs, '') AND k.code_us = coalesce(l.code_us, '') AND k.art)`
	// artByCodesOrFlag: the matrix for the pairs it knows (in k), the
	// stored flag for the others.
	artByCodesOrFlag = `coalesce((SELECT k.art FROM k WHERE k.code_cs = coalesce(l.code_cs, '') AND k.code_us = coalesce(l.code_us, '')), l.artificialised)`
	artByFlag        = `l.artificialised`
)

// ComputeFluxSQL computes in PostGIS what zan.ComputeFlux computes in Go:
// per commune and in all, the hectares artificialised and
// de-artificialised between millésimes from and to, and the stock at
// both. With either millésime absent it returns a *zan.NoFluxError; a code
// the matrix does not know is an error (m nil: the official matrix).
func ComputeFluxSQL(ctx context.Context, db FluxQuerier, t FluxTables, from, to int, m *zan.Matrix) (*zan.Result, error) {
	if m == nil {
		m = zan.DefaultMatrix()
	}
	lc, co := t.LandCover.Sanitize(), t.Communes.Sanitize()
	years, err := collectFlux(ctx, db, `SELECT DISTINCT year::int FROM `+lc+` ORDER BY 1`, func(r pgx.Rows) (int, error) {
		var y int
		return y, r.Scan(&y)
	})
	if err != nil {
		return nil, err
	}
	if from == to || !slices.Contains(years, from) || !slices.Contains(years, to) {
		return nil, &zan.NoFluxError{Years: years}
	}
	var cs, us []string
	var art []bool
	filter := artByFlag
	if !t.ByFlag {
		filter = artByCodes
		if t.UnknownByFlag {
			filter = artByCodesOrFlag
		}
		pairs, err := collectFlux(ctx, db, `SELECT DISTINCT coalesce(code_cs, ''), coalesce(code_us, '') FROM `+lc+` WHERE year IN ($1, $2)`,
			func(r pgx.Rows) ([2]string, error) {
				var p [2]string
				return p, r.Scan(&p[0], &p[1])
			}, from, to)
		if err != nil {
			return nil, err
		}
		for _, p := range pairs {
			a, err := m.Artificialised(p[0], p[1])
			if err != nil && t.UnknownByFlag {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("postgis: land cover of %d or %d: %w", from, to, err)
			}
			cs, us, art = append(cs, p[0]), append(us, p[1]), append(art, a)
		}
	}
	q := strings.NewReplacer("{lc}", lc, "{co}", co, "{art}", filter, "{vertices}", fmt.Sprint(fluxPieceVertices)).Replace(fluxAreasSQL)
	areas, err := collectFlux(ctx, db, q, func(r pgx.Rows) (zan.Areas, error) {
		var a zan.Areas
		return a, r.Scan(&a.INSEE, &a.Name, &a.AreaM2, &a.FromM2, &a.ToM2, &a.BothM2)
	}, from, to, cs, us, art)
	if err != nil {
		return nil, err
	}
	return zan.NewResult(from, to, zan.SourceMillesimes, m.Version(), areas), nil
}

// collectFlux runs a query and scans every row with scan.
func collectFlux[T any](ctx context.Context, db FluxQuerier, sql string, scan func(pgx.Rows) (T, error), args ...any) ([]T, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("postgis: flux: %w", err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("postgis: flux: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, fmt.Errorf("postgis: flux: %w", err)
	}
	return out, nil
}
