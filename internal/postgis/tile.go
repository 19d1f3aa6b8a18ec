package postgis

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/socle-geo/socle/internal/socle"
)

// Tile returns the Mapbox Vector Tile of the query: one layer per
// collection whose resolution limit admits the tile, encoded by PostGIS
// (ST_AsMVT) in one statement. An empty tile is an empty slice.
func (s *Store) Tile(ctx context.Context, q socle.TileQuery) ([]byte, error) {
	if !q.Drawn() {
		return nil, nil // empty, without the search area's projection
	}
	t := q.Tile
	x0, y0, x1, y1 := t.Bounds()
	res := t.Resolution()
	b := newBuilder()
	env := fmt.Sprintf("ST_MakeEnvelope(%s, %s, %s, %s, %d)", b.arg(x0), b.arg(y0), b.arg(x1), b.arg(y1), t.Set.SRID)
	// The buffered tile, densified and brought to Lambert-93 for the index.
	area, err := q.SearchArea()
	if err != nil {
		return nil, err
	}
	wkbArea, err := wkb.Marshal(area.Polygon)
	if err != nil {
		return nil, err
	}
	search := fmt.Sprintf("ST_GeomFromWKB(%s, %d)", b.arg(wkbArea), StorageSRID)
	var layers []string
	for _, c := range q.Collections {
		if !q.Draws(c) {
			continue
		}
		cols := []string{}
		for _, p := range c.Tiles.Properties {
			cols = append(cols, "t."+ident(p))
		}
		geom := "t.geom"
		if c.Tiles.Simplify {
			// Half a pixel on the ground: invisible, and far fewer vertices
			// at small scales.
			geom = fmt.Sprintf("ST_Simplify(t.geom, %s, true)", b.arg(res/2))
		}
		idName := ""
		if c.IDType == socle.TypeInteger {
			cols = append(cols, "t.id")
			idName = ", 'id'"
		}
		// The features in the order of their ids, as the embedded store
		// writes them: in the plan's order, two renders of one tile could
		// differ in bytes, hence in ETag, between instances and within
		// one (the PMTiles archive's tiles against the served ones,
		// TestPMTilesDownloadEqualsServedTiles). The aggregate sorts its
		// input: the same ORDER BY in the subquery made the address tiles
		// of some processes a third slower, intermittently (issue 18,
		// ninth sitting).
		aggOrder, rowOrder := " ORDER BY l.id", ""
		if idName == "" { // no id in the tile: the rows' order
			aggOrder, rowOrder = "", " ORDER BY t."+ident(idColumn(c))
		}
		layers = append(layers, fmt.Sprintf(`coalesce((SELECT ST_AsMVT(l, '%s', %d, 'geom'%s%s) FROM (
			SELECT %s, ST_AsMVTGeom(ST_Transform(%s, %d), e.env, %d, %d, true) AS geom
			FROM %s t, e WHERE t.geom && e.search%s) l WHERE l.geom IS NOT NULL), '')`,
			c.ID, socle.TileExtent, idName, aggOrder, strings.Join(cols, ", "), geom, t.Set.SRID,
			socle.TileExtent, socle.TileBuffer, table(c), rowOrder))
	}
	if len(layers) == 0 {
		return nil, nil
	}
	sql := fmt.Sprintf("WITH e AS (SELECT %s AS env, %s AS search) SELECT %s", env, search, strings.Join(layers, " || "))
	var mvt []byte
	err = s.read(ctx, nil, func(conn *pgxpool.Conn) error {
		return dbError(ctx, conn.QueryRow(ctx, sql, b.args...).Scan(&mvt))
	})
	return mvt, err
}
