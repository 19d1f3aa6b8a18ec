package postgis

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/socle-geo/socle/fixtures"
	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/ogc/crs"
)

// geometrySQL is the SQL that wrote Items' and Feature's geometries before
// geomEncoder: GeoJSON in c, in c's axis order, with decimals digits.
func geometrySQL(g string, c crs.CRS, decimals int) string {
	if c.SRID != StorageSRID {
		g = fmt.Sprintf("ST_Transform(%s, %d)", g, c.SRID)
	}
	if c.YX {
		g = "ST_FlipCoordinates(" + g + ")"
	}
	return fmt.Sprintf("ST_AsGeoJSON(%s, %d)", g, decimals)
}

// TestGeometriesAsPostGISWritesThem holds geomEncoder to what PostGIS
// writes of the same geometries: every geometry of the sample territory's
// layers and a few empty ones, in every CRS served. The differential tests
// of the embedded store no longer can: both stores encode in Go now.
// PROJ and the crs package may differ in the last bits of a position,
// which moves its last decimal where it falls on a half (5 ordinates in
// the bench territory's ~20 million, over every CRS): such a difference
// of one unit is allowed in at most one geometry in 10,000.
func TestGeometriesAsPostGISWritesThem(t *testing.T) {
	s := open(t, Options{})
	ctx := context.Background()
	im := &importer.Importer{Store: s, Catalog: s.catalog, Log: quiet, Actor: "test"}
	if _, err := im.ImportFixturesFS(ctx, fixtures.FS); err != nil {
		t.Fatal(err)
	}
	var sources []string
	for _, c := range s.catalog.Collections {
		sources = append(sources, "SELECT geom FROM "+table(c))
	}
	sources = append(sources, `SELECT ST_SetSRID(g::geometry, 2154) FROM (VALUES ('POINT EMPTY'), ('LINESTRING EMPTY'),
		('POLYGON EMPTY'), ('MULTIPOLYGON EMPTY'), ('MULTILINESTRING((574000 6270000, 574000.005 6270000.015), (575000 6271000, 575001 6271001))'),
		('MULTIPOINT((574000 6270000), (575000.125 6271000.135))'),
		('POLYGON((574000 6270000, 575000 6270000, 575000 6271000, 574000 6270000), (574100 6270100, 574200 6270100, 574200 6270200, 574100 6270100))')) v(g)`)
	total := 0
	for _, src := range sources {
		for _, c := range crs.Supported {
			rows, err := s.pool.Query(ctx, "SELECT "+geometrySQL("t.geom", c, c.Decimals())+", ST_AsBinary(t.geom) FROM ("+src+") t(geom)")
			if err != nil {
				t.Fatal(err)
			}
			e, err := newGeomEncoder(c, c.Decimals())
			if err != nil {
				t.Fatal(err)
			}
			var buf []byte
			n, near := 0, 0
			for rows.Next() {
				raw := rows.RawValues()
				if buf, err = e.append(buf[:0], raw[1]); err != nil {
					t.Fatalf("%s, %s: %v", src, c.URI, err)
				}
				n++
				if string(buf) == string(raw[0]) {
					continue
				}
				if d, _ := storetest.GeometryDistance(raw[0], buf); d > 1.5*math.Pow10(-c.Decimals()) {
					t.Errorf("%s, %s:\nPostGIS %s\nGo      %s", src[:min(len(src), 60)], c.URI, raw[0], buf)
				}
				near++
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			total += n
			if near > 0 && near*10000 > n {
				t.Errorf("%s, %s: %d geometries of %d differ in a last decimal", src[:min(len(src), 60)], c.URI, near, n)
			}
		}
	}
	if total < 1000 {
		t.Errorf("%d geometries compared: the fixtures did not load?", total)
	}
	t.Logf("%d geometries compared (every CRS)", total)
}
