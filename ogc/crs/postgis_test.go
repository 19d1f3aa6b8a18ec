package crs

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/socle-geo/socle/internal/testdb"
)

// TestPostGIS compares the transformers with the PostGIS that
// SOCLE_TEST_DATABASE_URL points at (skipped without it, failed in CI): the
// points of testdata/postgis_golden.sql, then 3,000 random points over
// Europe, metropolitan France and the Sicoval, every pair of SRIDs. It also
// tells whether the golden file still matches that PostGIS.
func TestPostGIS(t *testing.T) {
	dbURL := testdb.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS postgis"); err != nil {
		t.Fatal(err)
	}
	var version string
	if err := conn.QueryRow(ctx, "SELECT postgis_full_version()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	projSeries, err := seriesPROJ(version)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("PostGIS: %s", version)

	src, err := os.ReadFile("testdata/postgis_golden.sql")
	if err != nil {
		t.Fatal(err)
	}
	golden := string(src)
	golden = strings.TrimSuffix(strings.TrimSpace(golden[strings.Index(golden, "WITH pts"):]), ";")
	rows := query(ctx, t, conn, golden)
	t.Run("golden points", func(t *testing.T) { comparePostGIS(t, rows, projSeries) })

	t.Run("golden file", func(t *testing.T) {
		g := loadGolden(t)
		if len(g.rows) != len(rows) {
			t.Fatalf("PostGIS gives %d rows, testdata/postgis_golden.csv has %d", len(rows), len(g.rows))
		}
		var dm, dd float64
		for i, r := range rows {
			for j, to := range srids {
				d := diff(to, r.out[j], g.rows[i].out[j])
				if geographic(to) {
					dd = math.Max(dd, d)
				} else {
					dm = math.Max(dm, d)
				}
			}
		}
		t.Logf("testdata/postgis_golden.csv differs from this PostGIS by up to %.2g m, %.2g°", dm, dd)
		if strings.TrimPrefix(g.version, "# ") == version && (dm > 1e-6 || dd > 1e-11) {
			t.Errorf("same PostGIS and PROJ as testdata/postgis_golden.csv, yet different results: regenerate it?")
		}
	})

	t.Run("random points", func(t *testing.T) {
		r := rand.New(rand.NewPCG(2154, 3035))
		var lons, lats []float64
		for _, box := range []struct {
			n                      int
			west, south, east, nth float64
		}{
			{1000, -10, 35, 35, 71},         // Europe
			{1000, -5.2, 41.3, 9.6, 51.1},   // metropolitan France
			{1000, 1.4, 43.38, 1.75, 43.58}, // Sicoval
		} {
			for i := 0; i < box.n; i++ {
				lons = append(lons, box.west+(box.east-box.west)*r.Float64())
				lats = append(lats, box.south+(box.nth-box.south)*r.Float64())
			}
		}
		sql := "WITH pts(ord, lon, lat) AS (SELECT 1, * FROM unnest($1::float8[], $2::float8[])),\n" +
			golden[strings.Index(golden, "p AS (SELECT"):]
		comparePostGIS(t, query(ctx, t, conn, sql, lons, lats), projSeries)
	})
}

// query runs a query shaped like testdata/postgis_golden.sql.
func query(ctx context.Context, t *testing.T, conn *pgx.Conn, sql string, args ...any) []row {
	t.Helper()
	rs, err := conn.Query(ctx, sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []row
	for rs.Next() {
		var r row
		dst := []any{&r.set, &r.src, &r.in[0], &r.in[1]}
		for j := range srids {
			dst = append(dst, &r.out[j][0], &r.out[j][1])
		}
		if err := rs.Scan(dst...); err != nil {
			t.Fatal(err)
		}
		r.line = len(out) + 1
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
