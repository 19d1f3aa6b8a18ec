package postgis

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/socle-geo/socle/internal/socle"
)

// Summary returns a collection's count, extents and version. The costly part
// is computed once per data version.
func (s *Store) Summary(ctx context.Context, c *socle.Collection) (socle.Summary, error) {
	var sum socle.Summary
	err := s.read(ctx, nil, func(conn *pgxpool.Conn) (err error) {
		sum, err = s.summary(ctx, conn.Conn(), c)
		return err
	})
	return sum, err
}

func (s *Store) summary(ctx context.Context, conn *pgx.Conn, c *socle.Collection) (socle.Summary, error) {
	var sum socle.Summary
	err := conn.QueryRow(ctx, "SELECT version, updated_at, last_batch FROM layer_state WHERE collection = $1", c.ID).
		Scan(&sum.Version, &sum.UpdatedAt, &sum.LastBatch)
	if err != nil && err != pgx.ErrNoRows {
		return sum, dbError(ctx, err)
	}
	s.mu.Lock()
	cached, ok := s.summaries[c.ID]
	s.mu.Unlock()
	if ok && cached.Version == sum.Version && cached.UpdatedAt.Equal(sum.UpdatedAt) {
		return cached, nil
	}

	// The extent of the stored (Lambert-93) box, densified, projected to CRS84.
	temporal := "NULL::timestamptz AS tmin, NULL::timestamptz AS tmax"
	if c.Temporal != "" {
		col := "t." + ident(c.Temporal)
		temporal = fmt.Sprintf("min(%s)::timestamptz AS tmin, max(%s)::timestamptz AS tmax", col, col)
	}
	sql := fmt.Sprintf(`WITH a AS (SELECT count(*) AS n, ST_SetSRID(ST_Extent(t.geom)::geometry, %d) AS box, %s FROM %s t)
		SELECT n, ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b), tmin, tmax
		FROM a, LATERAL (SELECT ST_Transform(ST_Segmentize(box, 1000), 4326) AS b) p`,
		StorageSRID, temporal, table(c))
	var (
		xmin, ymin, xmax, ymax *float64
		start, end             *time.Time
	)
	if err := conn.QueryRow(ctx, sql).Scan(&sum.Count, &xmin, &ymin, &xmax, &ymax, &start, &end); err != nil {
		return sum, dbError(ctx, err)
	}
	if xmin != nil {
		sum.BBox = &socle.BBox{MinX: *xmin, MinY: *ymin, MaxX: *xmax, MaxY: *ymax}
	}
	sum.Start, sum.End = start, end
	s.mu.Lock()
	s.summaries[c.ID] = sum
	s.mu.Unlock()
	return sum, nil
}
