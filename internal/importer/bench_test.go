package importer

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/socle-geo/socle/internal/benchmem"
	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/testdb"
)

// BenchmarkImportRoads imports a generated BD TOPO-shaped layer of road
// sections (TRONCON_DE_ROUTE: a 5-point line in Lambert-93, ID, NATURE,
// NOM_1_G, LARGEUR, IMPORTANCE, NB_VOIES, SENS, INSEECOM_G) with the bdtopo
// profile, from a GeoPackage and from a zipped Shapefile, into an empty
// PostGIS store and an empty embedded store ("import"), then again with
// --replace into a store already holding them ("replace": every feature
// compared, none written). It reports features/s and the peak of Go
// memory in use during the import (peak-MiB).
//
// The run is 1,000,000 sections (target ≥ 20,000 features/s into
// each store, memory flat):
//
//	SOCLE_BENCH_ROADS=1000000 go test ./internal/importer -run '^$' -bench ImportRoads -benchtime 1x -timeout 2h
//
// Its files (about 600 MB in the temporary directory) are made once, by
// the test code and GDAL's ogr2ogr, outside the timer. The default is
// 20,000 sections, to check the benchmark runs. PostGIS needs
// SOCLE_TEST_DATABASE_URL; without it only the embedded store runs.
func BenchmarkImportRoads(b *testing.B) {
	n := 20_000
	if s := os.Getenv("SOCLE_BENCH_ROADS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			b.Fatalf("SOCLE_BENCH_ROADS=%q", s)
		}
	}
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		b.Skip("GDAL's ogr2ogr makes the benchmark's files")
	}
	files := benchFiles(b, n)
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	stores := []string{"embedded"}
	if testdb.Available() {
		stores = append([]string{"postgis"}, stores...)
	}
	for _, st := range stores {
		for _, format := range []string{"gpkg", "shp.zip"} {
			for _, mode := range []string{"import", "replace"} {
				b.Run(fmt.Sprintf("%s/%s/%s-%d", st, format, mode, n), func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						b.StopTimer()
						cat := socle.DefaultCatalog()
						var w Writer
						var closeStore func()
						if st == "postgis" {
							pg, err := postgis.Open(ctx, testdb.New(b), cat, postgis.Options{})
							if err != nil {
								b.Fatal(err)
							}
							if err := pg.Migrate(ctx, quiet); err != nil {
								b.Fatal(err)
							}
							w, closeStore = pg, func() { pg.Close() }
						} else {
							em, err := embedded.Open(ctx, filepath.Join(b.TempDir(), "bench.gpkg"), cat)
							if err != nil {
								b.Fatal(err)
							}
							w, closeStore = em, func() { em.Close() }
						}
						im := &Importer{Store: w, Catalog: cat, Log: quiet, Actor: "bench"}
						o := FileOptions{Profile: "bdtopo"}
						if mode == "replace" {
							if _, err := im.ImportFile(ctx, "roads", files[format], o); err != nil {
								b.Fatal(err)
							}
							o.Replace = true
						}
						runtime.GC()
						sampler := benchmem.Sample()
						b.StartTimer()
						rep, err := im.ImportFile(ctx, "roads", files[format], o)
						b.StopTimer()
						peak := sampler.Finish()
						closeStore()
						if err != nil {
							b.Fatal(err)
						}
						loaded := rep.Result.Inserted
						if mode == "replace" {
							loaded = rep.Result.Unchanged
						}
						if loaded != n || rep.Result.Rejected != 0 {
							b.Fatalf("%+v", rep.Result)
						}
						b.ReportMetric(float64(n)/rep.Duration.Seconds(), "features/s")
						benchmem.Report(b, peak)
					}
				})
			}
		}
	}
}

// benchFiles writes the road sections as GeoJSON (streamed) and converts
// them with ogr2ogr to a GeoPackage (table troncon_de_route) and a zipped
// Shapefile (TRONCON_DE_ROUTE, UTF-8 with its .cpg).
func benchFiles(b *testing.B, n int) map[string]string {
	b.Helper()
	dir := b.TempDir()
	gj := filepath.Join(dir, "roads.geojson")
	f, err := os.Create(gj)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprint(w, `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2154"}},"features":[`)
	natures := []string{"Route à 1 chaussée", "Route à 2 chaussées", "Chemin", "Sentier", "Bretelle"}
	for i := 0; i < n; i++ {
		if i > 0 {
			w.WriteByte(',')
		}
		x := 500000 + float64(i%1000)*100
		y := 6200000 + float64(i/1000)*50
		fmt.Fprintf(w, "\n"+`{"type":"Feature","geometry":{"type":"LineString","coordinates":[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]},`,
			x, y, x+20, y+7.5, x+40, y, x+60, y+7.5, x+80, y)
		fmt.Fprintf(w, `"properties":{"ID":"TRONROUT%016d","NATURE":%q,"NOM_1_G":"Rue de l'Église %d","LARGEUR":%g,"IMPORTANCE":"%d","NB_VOIES":%d,"SENS":"Double sens","INSEECOM_G":"31%03d"}}`,
			i, natures[i%len(natures)], i%977, 3+float64(i%40)/10, 1+i%5, 1+i%3, i%500)
	}
	fmt.Fprint(w, "]}\n")
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	gpkg := filepath.Join(dir, "bdtopo.gpkg")
	shpDir := filepath.Join(dir, "shp")
	for _, args := range [][]string{
		{"-f", "GPKG", "-nln", "troncon_de_route", "-gt", "65536", gpkg, gj},
		{"-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", "-nln", "TRONCON_DE_ROUTE", shpDir, gj},
	} {
		if out, err := exec.Command("ogr2ogr", args...).CombinedOutput(); err != nil {
			b.Fatalf("ogr2ogr %v: %v\n%s", args, err, out)
		}
	}
	zip := filepath.Join(dir, "TRONCON_DE_ROUTE.zip")
	cmd := exec.Command("zip", "-q", "-r", zip, ".")
	cmd.Dir = shpDir
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("zip: %v\n%s", err, out)
	}
	os.Remove(gj)
	os.RemoveAll(shpDir)
	return map[string]string{"gpkg": gpkg, "shp.zip": zip}
}
