package postgis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/encoding/wkt"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/internal/testdb"
	"github.com/socle-geo/socle/internal/zan"
	"github.com/socle-geo/socle/internal/zan/zantest"
)

// fluxDB connects to a fresh database with PostGIS and empty tables
// flux_land_cover and flux_communes of the shape FluxTables describes
// (geometry of any polygonal type: the fixtures have MultiPolygon parcels).
func fluxDB(t testing.TB) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testdb.New(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	for _, q := range []string{
		`CREATE EXTENSION IF NOT EXISTS postgis`,
		`CREATE TABLE flux_land_cover (id bigint PRIMARY KEY, year smallint NOT NULL, code_cs text NOT NULL, code_us text NOT NULL,
			artificialised boolean NOT NULL, geom geometry(Geometry, 2154) NOT NULL)`,
		`CREATE TABLE flux_communes (insee text PRIMARY KEY, nom text NOT NULL, geom geometry(Geometry, 2154) NOT NULL)`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return conn
}

var fluxTables = FluxTables{LandCover: pgx.Identifier{"flux_land_cover"}, Communes: pgx.Identifier{"flux_communes"}}

// loadFlux copies communes and parcels into the tables (the artificialised
// column set by the matrix), then indexes and analyses them.
func loadFlux(t testing.TB, conn *pgx.Conn, communes []zan.Commune, parcels []zan.Parcel) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{`CREATE TEMP TABLE stage_lc (id bigint, year smallint, code_cs text, code_us text, artificialised boolean, wkb bytea)`,
		`CREATE TEMP TABLE stage_co (insee text, nom text, wkb bytea)`} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	enc := func(g orb.Geometry) []byte {
		b, err := wkb.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var rows [][]any
	for _, c := range communes {
		rows = append(rows, []any{c.INSEE, c.Name, enc(c.Geom)})
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"stage_co"}, []string{"insee", "nom", "wkb"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	rows = rows[:0]
	for _, p := range parcels {
		var art bool
		switch p.Flag {
		case zan.FlagArtificialised:
			art = true
		case zan.FlagFromCodes:
			var err error
			if art, err = zan.Artificialised(p.CodeCS, p.CodeUS); err != nil {
				t.Fatal(err)
			}
		}
		rows = append(rows, []any{p.ID, int16(p.Year), p.CodeCS, p.CodeUS, art, enc(p.Geom)})
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"stage_lc"}, []string{"id", "year", "code_cs", "code_us", "artificialised", "wkb"},
		pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO flux_communes SELECT insee, nom, ST_GeomFromWKB(wkb, 2154) FROM stage_co`,
		`INSERT INTO flux_land_cover SELECT id, year, code_cs, code_us, artificialised, ST_GeomFromWKB(wkb, 2154) FROM stage_lc`,
		`DROP TABLE stage_co, stage_lc`,
		`CREATE INDEX ON flux_land_cover USING gist (geom)`,
		`ANALYZE flux_land_cover`, `ANALYZE flux_communes`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
}

// sameFlux says where two results differ by more than 0.01 ha.
func sameFlux(t *testing.T, sql, gold *zan.Result) {
	t.Helper()
	if len(sql.Communes) != len(gold.Communes) {
		t.Fatalf("SQL has %d communes, Go %d", len(sql.Communes), len(gold.Communes))
	}
	all := func(r *zan.Result) []zan.Flux { return append(append([]zan.Flux(nil), r.Communes...), r.Total) }
	g := all(gold)
	for i, s := range all(sql) {
		w := g[i]
		for _, c := range []struct {
			name      string
			got, want float64
		}{
			{"area", s.AreaHa, w.AreaHa}, {"artificialised", s.ArtificialisedHa, w.ArtificialisedHa},
			{"de-artificialised", s.DeartificialisedHa, w.DeartificialisedHa}, {"net", s.NetHa, w.NetHa},
			{"stock from", s.StockFromHa, w.StockFromHa}, {"stock to", s.StockToHa, w.StockToHa},
		} {
			if s.INSEE != w.INSEE || math.Abs(c.got-c.want) > 0.01 {
				t.Errorf("%q %s: SQL %.4f ha, Go %.4f ha (%q)", s.INSEE, c.name, c.got, c.want, w.INSEE)
			}
		}
	}
}

func TestComputeFluxSQLMatchesGoOnHandMadeMillesimes(t *testing.T) {
	t.Parallel()
	conn := fluxDB(t)
	loadFlux(t, conn, zantest.Communes(), zantest.Parcels())
	// By codes, the parcel that only a flag says is artificialised (empty
	// codes) is not: Go gives the same when its flag is dropped.
	byCodes := zantest.Parcels()
	for i := range byCodes {
		byCodes[i].Flag = zan.FlagFromCodes
	}
	for _, byFlag := range []bool{false, true} {
		parcels := byCodes
		if byFlag {
			parcels = zantest.Parcels()
		}
		gold, err := zan.ComputeFlux(zantest.Communes(), parcels, zantest.FromYear, zantest.ToYear, zan.Options{})
		if err != nil {
			t.Fatal(err)
		}
		tables := fluxTables
		tables.ByFlag = byFlag
		r, err := ComputeFluxSQL(context.Background(), conn, tables, zantest.FromYear, zantest.ToYear, nil)
		if err != nil {
			t.Fatal(err)
		}
		sameFlux(t, r, gold)
		if !byFlag {
			continue
		}
		// And the exact figures, not only Go's.
		for i, w := range zantest.Want() {
			f := append(r.Communes, r.Total)[i]
			if math.Abs(f.ArtificialisedHa-w.ArtificialisedHa) > 0.01 || math.Abs(f.DeartificialisedHa-w.DeartHa) > 0.01 ||
				math.Abs(f.StockToHa-w.StockToHa) > 0.01 {
				t.Errorf("by flag %v, %q: %+v, want %+v", byFlag, w.INSEE, f, w)
			}
		}
		if r.MatrixVersion != zan.DefaultMatrix().Version() || r.Source != zan.SourceMillesimes {
			t.Errorf("lineage: %q %q", r.MatrixVersion, r.Source)
		}
	}
}

func TestComputeFluxSQLMatchesGoOnAGeneratedTerritory(t *testing.T) {
	t.Parallel()
	tr := zantest.Generate(zantest.Config{Parcels: 6000, Communes: 6, Change: 0.04, Seed: 11})
	conn := fluxDB(t)
	loadFlux(t, conn, tr.Communes, tr.Parcels)
	gold, err := zan.ComputeFlux(tr.Communes, tr.Parcels, zantest.FromYear, zantest.ToYear, zan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ComputeFluxSQL(context.Background(), conn, fluxTables, zantest.FromYear, zantest.ToYear, nil)
	if err != nil {
		t.Fatal(err)
	}
	if gold.Total.ArtificialisedHa < 1 {
		t.Fatalf("the territory hardly changes: %+v", gold.Total)
	}
	sameFlux(t, r, gold)
}

func TestComputeFluxSQLSaysNoFluxAndUnknownCodes(t *testing.T) {
	t.Parallel()
	conn := fluxDB(t)
	var one []zan.Parcel
	for _, p := range zantest.Parcels() {
		if p.Year == zantest.FromYear {
			one = append(one, p)
		}
	}
	loadFlux(t, conn, zantest.Communes(), one)
	ctx := context.Background()
	_, err := ComputeFluxSQL(ctx, conn, fluxTables, zantest.FromYear, zantest.ToYear, nil)
	var nf *zan.NoFluxError
	if !errors.As(err, &nf) || len(nf.Years) != 1 || nf.Years[0] != zantest.FromYear {
		t.Errorf("one millésime: err = %v", err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO flux_land_cover VALUES (999, $1, 'CS9', 'US5', true, ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))', 2154))`,
		zantest.ToYear); err != nil {
		t.Fatal(err)
	}
	_, err = ComputeFluxSQL(ctx, conn, fluxTables, zantest.FromYear, zantest.ToYear, nil)
	var uc *zan.UnknownCodeError
	if !errors.As(err, &uc) || uc.Code != "CS9" {
		t.Errorf("unknown code: err = %v", err)
	}
}

// TestTrickyPolygonsAgainstLivePostGIS compares zan.IntersectionArea with
// what this PostGIS computes, and checks the figures recorded in zantest.
func TestTrickyPolygonsAgainstLivePostGIS(t *testing.T) {
	t.Parallel()
	conn := fluxDB(t)
	for _, c := range zantest.TrickyPolygons {
		var want float64
		if err := conn.QueryRow(context.Background(), `SELECT ST_Area(ST_Intersection(ST_MakeValid($1::geometry), ST_MakeValid($2::geometry)))`,
			c.A, c.B).Scan(&want); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		a, err := wkt.Unmarshal(c.A)
		if err != nil {
			t.Fatal(err)
		}
		b, err := wkt.Unmarshal(c.B)
		if err != nil {
			t.Fatal(err)
		}
		got, err := zan.IntersectionArea(a, b)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		if math.Abs(got-want) > 1e-5+1e-9*want || math.Abs(c.Want-want) > 1e-6+1e-9*want {
			t.Errorf("%s: Go %.9f m², this PostGIS %.9f, recorded %.9f", c.Name, got, want, c.Want)
		}
	}
}

// BenchmarkComputeFluxSQL is issue 13's benchmark on PostGIS: the same two
// generated millésimes of 200,000 parcels over 40 communes as
// zan.BenchmarkComputeFlux, copied into fresh tables (not timed), then
// ComputeFluxSQL on a new connection. Target: under 60 s on the project's
// 2-core machine. It reports that backend's peak resident set and CPU
// time (the server is on this machine: /proc).
//
//	SOCLE_TEST_DATABASE_URL=… go test -run '^$' -bench ComputeFluxSQL -benchtime 1x ./internal/postgis
func BenchmarkComputeFluxSQL(b *testing.B) {
	ctx := context.Background()
	conn := fluxDB(b)
	tr := zantest.Generate(zantest.Config{Parcels: 200000, Communes: 40, Change: 0.04, Seed: 13})
	loadFlux(b, conn, tr.Communes, tr.Parcels)
	tr = nil
	run, err := pgx.Connect(ctx, conn.Config().ConnString())
	if err != nil {
		b.Fatal(err)
	}
	defer run.Close(ctx)
	var pid int
	if err := run.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		r, err := ComputeFluxSQL(ctx, run, fluxTables, zantest.FromYear, zantest.ToYear, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(r.Total.ArtificialisedHa, "artificialised-ha")
	}
	if status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if kb, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				var n float64
				fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(kb), " kB"), &n)
				b.ReportMetric(n/1024, "backend-maxrss-MiB")
			}
		}
	}
	if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// Fields 14 and 15 (utime, stime), in clock ticks of 1/100 s,
		// after the command name in parentheses.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
		var ut, st float64
		fmt.Sscan(f[11], &ut)
		fmt.Sscan(f[12], &st)
		b.ReportMetric((ut+st)/100, "backend-cpu-s")
	}
}

// BenchmarkZANRecompute is issue 13's recomputation benchmark on the
// PostGIS store (storetest.BenchZANRecompute): the whole derive step —
// flux in SQL, its rows, the communes' indicators, logged — in one
// transaction. Target: under 60 s on the project's 2-core machine. The
// backend's memory is the server's: BenchmarkComputeFluxSQL reports it for
// the flux query, the heavy part.
//
//	SOCLE_TEST_DATABASE_URL=… go test -run '^$' -bench ZANRecompute -benchtime 1x -timeout 60m ./internal/postgis
//	SOCLE_BENCH_ZAN_PARCELS=2000 … (small scale)
func BenchmarkZANRecompute(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, testdb.New(b), socle.DefaultCatalog(), Options{StatementTimeout: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx, quiet); err != nil {
		b.Fatal(err)
	}
	storetest.BenchZANRecompute(b, s, socle.DefaultCatalog())
}
