package crs

import (
	"bufio"
	"context"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/socle-geo/socle/internal/testdb"
)

// importRow is a line of testdata/import_golden.csv: a WGS 84 point, its
// position in srid, and that position transformed by PostGIS to 4326 and
// 2154.
type importRow struct {
	line     int
	srid     int
	lon, lat float64
	x, y     float64
	to4326   [2]float64
	to2154   [2]float64
}

func parseImportRow(fields []string) (importRow, error) {
	var r importRow
	if len(fields) != 9 {
		return r, strconv.ErrSyntax
	}
	v := make([]float64, 9)
	for i, s := range fields {
		var err error
		if v[i], err = strconv.ParseFloat(s, 64); err != nil {
			return r, err
		}
	}
	r.srid = int(v[0])
	r.lon, r.lat, r.x, r.y = v[1], v[2], v[3], v[4]
	r.to4326 = [2]float64{v[5], v[6]}
	r.to2154 = [2]float64{v[7], v[8]}
	return r, nil
}

func loadImportGolden(t *testing.T) (rows []importRow, version string) {
	t.Helper()
	f, err := os.Open("testdata/import_golden.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "# POSTGIS=") {
			version = strings.TrimPrefix(line, "# ")
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, err := parseImportRow(strings.Split(line, ","))
		if err != nil {
			t.Fatalf("testdata/import_golden.csv:%d: %v", n, err)
		}
		r.line = n
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows, version
}

// checkImport compares the transformers with PostGIS's results: from WGS 84
// to each import CRS, from it back to WGS 84 and on to Lambert-93, within a
// millimetre (1e-8°, about 1.1 mm, in degrees).
func checkImport(t *testing.T, rows []importRow) {
	t.Helper()
	worst := map[[2]int]float64{}
	seen := map[int]bool{}
	for _, r := range rows {
		seen[r.srid] = true
		for _, c := range []struct {
			from, to int
			in, want [2]float64
		}{
			{4326, r.srid, [2]float64{r.lon, r.lat}, [2]float64{r.x, r.y}},
			{r.srid, 4326, [2]float64{r.x, r.y}, r.to4326},
			{r.srid, 2154, [2]float64{r.x, r.y}, r.to2154},
		} {
			tr, err := NewTransformer(c.from, c.to)
			if err != nil {
				t.Fatal(err)
			}
			x, y, err := tr.Transform(c.in[0], c.in[1])
			if err != nil {
				t.Errorf("line %d: %d→%d (%v, %v): %v", r.line, c.from, c.to, c.in[0], c.in[1], err)
				continue
			}
			geo := c.to == 4326 || importGeographic[c.to]
			d := math.Hypot(x-c.want[0], y-c.want[1])
			tol := tolMetres
			if geo {
				d = math.Max(math.Abs(x-c.want[0]), math.Abs(y-c.want[1]))
				tol = tolDegrees
			}
			k := [2]int{c.from, c.to}
			worst[k] = math.Max(worst[k], d)
			if !(d <= tol) {
				t.Errorf("line %d: %d→%d (%.17g, %.17g) = (%.17g, %.17g), PostGIS (%.17g, %.17g): off by %.3g",
					r.line, c.from, c.to, c.in[0], c.in[1], x, y, c.want[0], c.want[1], d)
			}
		}
	}
	for _, srid := range ImportSRIDs() {
		if !seen[srid] {
			t.Errorf("no golden point in SRID %d", srid)
		}
	}
	var b strings.Builder
	for _, srid := range ImportSRIDs() {
		b.WriteString("\n  " + strconv.Itoa(srid) + ":")
		for _, k := range [][2]int{{4326, srid}, {srid, 4326}, {srid, 2154}} {
			b.WriteString(" " + strconv.Itoa(k[0]) + "→" + strconv.Itoa(k[1]) + " " + strconv.FormatFloat(worst[k], 'e', 1, 64))
		}
	}
	t.Logf("largest differences with PostGIS (m, or ° to 4326):%s", b.String())
}

func TestImportGolden(t *testing.T) {
	rows, version := loadImportGolden(t)
	if len(rows) < 1000 || version == "" {
		t.Fatalf("testdata/import_golden.csv: %d rows, version %q", len(rows), version)
	}
	t.Logf("%d rows from %s", len(rows), version)
	checkImport(t, rows)
}

// TestImportRoundTrip projects every golden point to its import CRS and
// back, to a tenth of the tolerance.
func TestImportRoundTrip(t *testing.T) {
	rows, _ := loadImportGolden(t)
	for _, r := range rows {
		there, _ := NewTransformer(4326, r.srid)
		back, _ := NewTransformer(r.srid, 4326)
		x, y, err := there.Transform(r.lon, r.lat)
		if err == nil {
			x, y, err = back.Transform(x, y)
		}
		if err != nil || math.Abs(x-r.lon) > tolDegrees/10 || math.Abs(y-r.lat) > tolDegrees/10 {
			t.Errorf("line %d: 4326→%d→4326 (%v, %v) came back as (%.17g, %.17g), %v", r.line, r.srid, r.lon, r.lat, x, y, err)
		}
	}
}

// TestImportNotServed checks the import CRS stay out of what is served.
func TestImportNotServed(t *testing.T) {
	for _, srid := range ImportSRIDs() {
		for _, c := range Supported {
			if c.SRID == srid {
				t.Errorf("import SRID %d is served", srid)
			}
		}
		if _, err := Parse("EPSG:" + strconv.Itoa(srid)); err == nil {
			t.Errorf("Parse(EPSG:%d) succeeded: import CRS are not served", srid)
		}
	}
}

// TestTMDomain checks that a position a quarter turn or more from a UTM
// zone's central meridian is refused.
func TestTMDomain(t *testing.T) {
	tr, _ := NewTransformer(4326, 5490)
	if _, _, err := tr.Transform(40, 10); err == nil {
		t.Error("4326→5490 at 103° from the central meridian: no error")
	}
}

// TestPostGISImport runs testdata/import_golden.sql on the PostGIS that
// SOCLE_TEST_DATABASE_URL points at (skipped without it, failed in CI) and
// compares its results with the transformers.
func TestPostGISImport(t *testing.T) {
	dbURL := testdb.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS postgis"); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("testdata/import_golden.sql")
	if err != nil {
		t.Fatal(err)
	}
	sql := string(src)
	sql = strings.TrimSuffix(strings.TrimSpace(sql[strings.Index(sql, "WITH pts"):]), ";")
	rs, err := conn.Query(ctx, sql)
	if err != nil {
		t.Fatal(err)
	}
	var rows []importRow
	for rs.Next() {
		var r importRow
		if err := rs.Scan(&r.srid, &r.lon, &r.lat, &r.x, &r.y, &r.to4326[0], &r.to4326[1], &r.to2154[0], &r.to2154[1]); err != nil {
			t.Fatal(err)
		}
		r.line = len(rows) + 1
		rows = append(rows, r)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	checkImport(t, rows)
}
