package embedded

import (
	"context"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
)

// TestLegacyUpdaterTablesMoveIn: a file written when address_candidates and
// road_reports were plain tables (x, y, batch) opens with their rows in the
// feature tables, geometry and provenance kept, and stays a valid
// GeoPackage.
func TestLegacyUpdaterTablesMoveIn(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	s.Close()
	db, err := openDB(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		// Back to the former shape.
		`DELETE FROM gpkg_extensions WHERE table_name IN ('address_candidates', 'road_reports')`,
		`DELETE FROM gpkg_geometry_columns WHERE table_name IN ('address_candidates', 'road_reports')`,
		`DELETE FROM gpkg_contents WHERE table_name IN ('address_candidates', 'road_reports')`,
		`DROP TABLE rtree_address_candidates_geom`, `DROP TABLE rtree_road_reports_geom`,
		`DROP TABLE address_candidates`, `DROP TABLE road_reports`,
		`INSERT INTO batches (id, kind, collection, started_at, status) VALUES ('update-fibre-old', 'update-fibre', 'addresses', '2026-10-01T10:00:00.000Z', 'done')`,
		`CREATE TABLE address_candidates (key TEXT PRIMARY KEY NOT NULL, batch TEXT NOT NULL REFERENCES batches (id), line INTEGER NOT NULL,
			imb_id TEXT NOT NULL DEFAULT '', numero INTEGER, suffixe TEXT NOT NULL DEFAULT '', voie_nom TEXT NOT NULL DEFAULT '',
			commune_insee TEXT NOT NULL DEFAULT '', commune_nom TEXT NOT NULL DEFAULT '', code_postal TEXT NOT NULL DEFAULT '',
			fibre_status TEXT NOT NULL DEFAULT '', fibre_operator TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL,
			created_at DATETIME NOT NULL, x REAL NOT NULL, y REAL NOT NULL)`,
		`CREATE INDEX address_candidates_batch_idx ON address_candidates (batch)`,
		`INSERT INTO address_candidates VALUES ('k1', 'update-fibre-old', 7, 'IMB/7', 12, 'bis', 'Rue Haute', '31254', 'Labège', '31670', 'deploye', 'FI31',
			'no address with this number', '2026-10-01T10:00:00.000Z', 580100.5, 6274200.25)`,
		`CREATE TABLE road_reports (key TEXT PRIMARY KEY NOT NULL, batch TEXT NOT NULL REFERENCES batches (id), line INTEGER NOT NULL,
			observed_at DATETIME NOT NULL, vehicle TEXT NOT NULL, heading REAL, condition INTEGER NOT NULL, comment TEXT NOT NULL DEFAULT '',
			road_id INTEGER, distance REAL, reason TEXT NOT NULL DEFAULT '', x REAL NOT NULL, y REAL NOT NULL)`,
		`CREATE INDEX road_reports_batch_idx ON road_reports (batch)`,
		`INSERT INTO road_reports VALUES ('r1', 'update-fibre-old', 3, '2026-09-30T07:00:00.000Z', 'v-abc', 90, 2, '', 5, 1.5, '', 580000, 6274000)`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%.60s: %v", stmt, err)
		}
	}
	db.Close()

	s2, err := Open(ctx, path, socle.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	for id, want := range map[string][]string{
		"address_candidates": {`"fibre_batch":"update-fibre-old"`, `"numero":12`, `"reason":"no address with this number"`, `"created_at":"2026-10-01T10:00:00+00:00"`},
		"road_reports":       {`"report_batch":"update-fibre-old"`, `"road_id":5`, `"condition":2`, `"vehicle":"v-abc"`},
	} {
		c, _ := s2.catalog.Collection(id)
		var got []string
		if _, err := s2.Items(ctx, storetest.Items(t, c, socle.ItemsRequest{Limit: 10, BBox: &socle.BBox{MinX: 1, MinY: 43, MaxX: 2, MaxY: 44}}), func(f *socle.Feature) error {
			got = append(got, string(f.ID)+" "+string(f.Geometry)+" "+string(f.Properties))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("%s after the move: %v", id, got)
		}
		for _, w := range want {
			if !strings.Contains(got[0], w) {
				t.Errorf("%s: %s lacks %s", id, got[0], w)
			}
		}
	}
	var n int
	if err := s2.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name LIKE '%_legacy'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("tables left aside: %d %v", n, err)
	}
	if err := s2.db.QueryRowContext(ctx, `SELECT count(*) FROM rtree_road_reports_geom`).Scan(&n); err != nil || n != 1 {
		t.Errorf("road_reports R-tree holds %d rows (%v), want 1", n, err)
	}
}
