package source

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/ogc/crs"
)

// expected reads testdata/expected/NAME.csv: what GDAL's ogr2ogr read from
// the same file, transformed to Lambert-93, as WKT (see testdata/make.sh).
func expected(t *testing.T, name string) (geoms []orb.Geometry, rows []map[string]string) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "expected", name+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		g, err := parseWKTGeometry(row[0])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		geoms = append(geoms, g)
		m := map[string]string{}
		for i, h := range head[1:] {
			m[h] = row[i+1]
		}
		rows = append(rows, m)
	}
	return geoms, rows
}

// flatten lists a geometry's positions in order, with a shape signature
// (its type and the number of positions of each part).
func flatten(g orb.Geometry) (sig string, pts []orb.Point) {
	var b strings.Builder
	var walk func(g orb.Geometry)
	walk = func(g orb.Geometry) {
		switch g := g.(type) {
		case nil:
			b.WriteString("nil")
		case orb.Point:
			b.WriteString("P")
			pts = append(pts, g)
		case orb.MultiPoint:
			fmt.Fprintf(&b, "MP%d", len(g))
			pts = append(pts, g...)
		case orb.LineString:
			fmt.Fprintf(&b, "L%d", len(g))
			pts = append(pts, g...)
		case orb.Ring:
			fmt.Fprintf(&b, "R%d", len(g))
			pts = append(pts, g...)
		case orb.MultiLineString:
			b.WriteString("ML(")
			for _, l := range g {
				walk(l)
			}
			b.WriteString(")")
		case orb.Polygon:
			b.WriteString("PG(")
			for _, r := range g {
				walk(r)
			}
			b.WriteString(")")
		case orb.MultiPolygon:
			b.WriteString("MPG(")
			for _, p := range g {
				walk(p)
			}
			b.WriteString(")")
		case orb.Collection:
			b.WriteString("GC(")
			for _, m := range g {
				walk(m)
			}
			b.WriteString(")")
		}
	}
	walk(g)
	return b.String(), pts
}

// readAll reads every record, failing on any error.
func readAll(t *testing.T, s *Source) []*Record {
	t.Helper()
	var out []*Record
	for r, err := range s.Records() {
		if err != nil {
			t.Fatalf("%s: %v", s.Layer(), err)
		}
		out = append(out, r)
	}
	return out
}

// communes are the names and INSEE codes of testdata/communes-31-subset.geojson.
var communes = map[string]string{
	"31409": "Péchabou", "31044": "Balma", "31113": "Castanet-Tolosan",
	"31169": "Escalquens", "31254": "Labège", "31446": "Ramonville-Saint-Agne",
}

const note = "Lège-Cap-Ferret, « cœur » 5 €"

type fileCase struct {
	path     string
	opts     Options
	expected string // testdata/expected/NAME.csv
	format   Format
	layer    string
	srid     int
	geomType string
	count    int
	typed    bool // the communes' typed fields (num, ratio, maj, note)
	textOnly bool // the communes' code and nom only
}

var fileCases = []fileCase{
	{path: "gen/communes-l93.geojson", expected: "communes-l93.geojson", format: GeoJSON, layer: "communes", srid: 2154, count: -1, typed: true},
	{path: "gen/communes-l93-utf8.shp", expected: "communes-l93-utf8.shp", format: Shapefile, layer: "communes-l93-utf8", srid: 2154, geomType: "Polygon", count: 6, typed: true},
	{path: "gen/communes-l93-utf8.dbf", expected: "communes-l93-utf8.shp", format: Shapefile, layer: "communes-l93-utf8", srid: 2154, geomType: "Polygon", count: 6, typed: true},
	{path: "gen/communes-l93-1252.shp", expected: "communes-l93-1252.shp", format: Shapefile, layer: "communes-l93-1252", srid: 2154, geomType: "Polygon", count: 6, typed: true},
	{path: "gen/communes-l93-1252-ldid.shp", expected: "communes-l93-1252-ldid.shp", format: Shapefile, layer: "communes-l93-1252-ldid", srid: 2154, geomType: "Polygon", count: 6, typed: true},
	{path: "gen/communes-l93-1252-detect.shp", expected: "communes-l93-1252.shp", format: Shapefile, layer: "communes-l93-1252-detect", srid: 2154, geomType: "Polygon", count: 6, typed: true},
	{path: "gen/communes-l93-utf8-detect.shp", expected: "communes-l93-utf8.shp", format: Shapefile, layer: "communes-l93-utf8-detect", srid: 2154, geomType: "Polygon", count: 6, typed: true},
	{path: "gen/communes-l93-ignf.shp", expected: "communes-l93-ignf.shp", format: Shapefile, layer: "communes-l93-ignf", srid: 2154, geomType: "Polygon", count: 6, typed: true},
	{path: "gen/communes-l93-epsg.shp", expected: "communes-l93-epsg.shp", format: Shapefile, layer: "communes-l93-epsg", srid: 2154, geomType: "Polygon", count: 6, typed: true},
	{path: "gen/communes-l93-noprj.shp", opts: Options{CRS: "EPSG:2154"}, expected: "communes-l93-noprj.shp", format: Shapefile, layer: "communes-l93-noprj", srid: 2154, geomType: "Polygon", count: 6, typed: true},
	{path: "gen/communes-4326-noprj.shp", expected: "communes-4326-noprj.shp", format: Shapefile, layer: "communes-4326-noprj", srid: 4326, geomType: "Polygon", count: 6, typed: true},
	{path: "gen/communes-cc43.shp", expected: "communes-cc43.shp", format: Shapefile, layer: "communes-cc43", srid: 3943, geomType: "Polygon", count: 6, typed: true},
	{path: "gen/lines-z.shp", expected: "lines-z.shp", format: Shapefile, layer: "lines-z", srid: 2154, geomType: "LineString", count: 2},
	{path: "gen/polygons-z.shp", expected: "polygons-z.shp", format: Shapefile, layer: "polygons-z", srid: 2154, geomType: "Polygon", count: 2},
	{path: "gen/multipatch.shp", expected: "multipatch.shp", format: Shapefile, layer: "multipatch", srid: 2154, geomType: "MultiPolygon", count: 2},
	{path: "gen/points-m.shp", expected: "points-m.shp", format: Shapefile, layer: "points-m", srid: 2154, geomType: "Point", count: 6, textOnly: true},
	{path: "gen/roads-5490.shp", expected: "roads-5490.shp", format: Shapefile, layer: "roads-5490", srid: 5490, geomType: "LineString", count: 20},
	{path: "gen/communes.gpkg", opts: Options{Layer: "communes"}, expected: "communes.gpkg-communes", format: GeoPackage, layer: "communes", srid: 2154, geomType: "Polygon", count: 6, typed: true},
	{path: "gen/communes.gpkg", opts: Options{Layer: "CHEFS_LIEUX"}, expected: "communes.gpkg-chefs_lieux", format: GeoPackage, layer: "chefs_lieux", srid: 3943, geomType: "", count: 6, textOnly: true},
	{path: "gen/communes.gpkg", opts: Options{Layer: "lines_z"}, expected: "communes.gpkg-lines_z", format: GeoPackage, layer: "lines_z", srid: 2154, count: 2},
	{path: "gen/communes-gpkg.zip", opts: Options{Layer: "communes"}, expected: "communes.gpkg-communes", format: GeoPackage, layer: "communes", srid: 2154, geomType: "Polygon", count: 6, typed: true},
	{path: "gen/communes-l93.fgb", expected: "communes-l93.fgb", format: FlatGeobuf, layer: "communes", srid: 2154, geomType: "Polygon", count: 6, typed: true},
	{path: "gen/communes-4326.fgb", expected: "communes-4326.fgb", format: FlatGeobuf, layer: "communes", srid: 4326, geomType: "Polygon", count: 6, typed: true},
	{path: "gen/polygons-z.fgb", expected: "polygons-z.fgb", format: FlatGeobuf, layer: "polygons-z", srid: 2154, count: 2},
	{path: "gen/points-lonlat.csv", expected: "points-lonlat.csv", format: CSV, layer: "points-lonlat", srid: 4326, count: -1, textOnly: true},
	{path: "gen/points-l93-1252.csv", opts: Options{CRS: "2154"}, expected: "communes.gpkg-chefs_lieux", format: CSV, layer: "points-l93-1252", srid: 2154, count: -1, textOnly: true},
	{path: "gen/communes-wkt.csv", expected: "communes-wkt.csv", format: CSV, layer: "communes-wkt", srid: 4326, count: -1, textOnly: true},
	{path: "gen/communes-l93.zip", expected: "communes-l93-1252.shp", format: Shapefile, layer: "communes-l93-1252", srid: 2154, geomType: "Polygon", count: 6, typed: true},
	{path: "gen/bdtopo.zip", opts: Options{Layer: "commune"}, expected: "communes-l93-utf8.shp", format: Shapefile, layer: "COMMUNE", srid: 2154, geomType: "Polygon", count: 6, typed: true},
	{path: "gen/bdtopo.zip", opts: Options{Layer: "BDTOPO/1_DONNEES_LIVRAISON/TRONCON_DE_ROUTE.SHP"}, expected: "lines-z.shp", format: Shapefile, layer: "TRONCON_DE_ROUTE", srid: 2154, geomType: "LineString", count: 2},
	{path: "gen/bdtopo.7z", opts: Options{Layer: "COMMUNE"}, expected: "communes-l93-utf8.shp", format: Shapefile, layer: "COMMUNE", srid: 2154, geomType: "Polygon", count: 6, typed: true},
	{path: "saint-barthelemy-highways-epsg5490.gpkg", expected: "saint-barthelemy-highways-epsg5490.gpkg", format: GeoPackage, layer: "troncons", srid: 5490, geomType: "LineString", count: 515},
	{path: "saint-barthelemy-highways.geojson", expected: "saint-barthelemy-highways.geojson", format: GeoJSON, layer: "lines", srid: 4326, count: -1},
	{path: "communes-31-subset.geojson", expected: "communes-31-subset.geojson", format: GeoJSON, layer: "communes-31-subset", srid: 4326, count: -1, textOnly: true},
}

// TestFiles reads every test file and compares it with what GDAL read from
// it: the coordinates, transformed to Lambert-93, within a centimetre; the
// shapes; the communes' names and typed values.
func TestFiles(t *testing.T) {
	for _, c := range fileCases {
		t.Run(c.path+"/"+c.opts.Layer, func(t *testing.T) {
			s, err := Open(filepath.Join("testdata", c.path), c.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.Format() != c.format || s.Layer() != c.layer || s.SRID() != c.srid || s.GeometryType() != c.geomType || s.Count() != c.count {
				t.Errorf("format %q layer %q SRID %d type %q count %d; want %q %q %d %q %d",
					s.Format(), s.Layer(), s.SRID(), s.GeometryType(), s.Count(), c.format, c.layer, c.srid, c.geomType, c.count)
			}
			fields, err := s.Fields()
			if err != nil {
				t.Fatal(err)
			}
			recs := readAll(t, s)
			geoms, rows := expected(t, c.expected)
			if len(recs) != len(geoms) {
				t.Fatalf("%d records, GDAL read %d", len(recs), len(geoms))
			}
			tr, err := crs.NewTransformer(s.SRID(), 2154)
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for i, r := range recs {
				if r.Num != i+1 {
					t.Errorf("record %d numbered %d", i+1, r.Num)
				}
				sig, pts := flatten(r.Geometry)
				wsig, wpts := flatten(geoms[i])
				if sig != wsig {
					t.Errorf("record %d: shape %s, GDAL %s", r.Num, sig, wsig)
					continue
				}
				for j, p := range pts {
					x, y, err := tr.Transform(p[0], p[1])
					if err != nil {
						t.Fatal(err)
					}
					d := math.Hypot(x-wpts[j][0], y-wpts[j][1])
					worst = math.Max(worst, d)
					if d > 0.01 {
						t.Errorf("record %d position %d: (%.3f, %.3f), GDAL (%.3f, %.3f): %.3g m apart", r.Num, j, x, y, wpts[j][0], wpts[j][1], d)
					}
				}
				if c.typed || c.textOnly {
					checkCommune(t, r, rows[i], c.typed)
				}
				for _, f := range fields {
					if _, ok := r.Fields[f.Name]; !ok && c.format != GeoJSON {
						t.Errorf("record %d lacks field %s", r.Num, f.Name)
					}
				}
			}
			t.Logf("%d records, largest difference with GDAL %.2g m", len(recs), worst)
			if c.typed {
				want := map[string]FieldType{"code": String, "nom": String, "num": Integer, "ratio": Real, "note": String}
				for _, f := range fields {
					if w, ok := want[f.Name]; ok && w != f.Type {
						t.Errorf("field %s is %s, want %s", f.Name, f.Type, w)
					}
				}
			}
		})
	}
}

func checkCommune(t *testing.T, r *Record, gdal map[string]string, typed bool) {
	t.Helper()
	code, _ := r.Fields["code"].(string)
	nom, _ := r.Fields["nom"].(string)
	if communes[code] == "" || communes[code] != nom || gdal["code"] != code {
		t.Errorf("record %d: code %q nom %q (GDAL %q)", r.Num, code, nom, gdal["code"])
	}
	if strings.ContainsRune(nom, '\uFFFD') {
		t.Errorf("record %d: replacement character in %q", r.Num, nom)
	}
	if !typed {
		return
	}
	if r.Fields["note"] != note {
		t.Errorf("record %d: note %q, want %q", r.Num, r.Fields["note"], note)
	}
	if n, ok := r.Fields["num"].(int64); !ok || fmt.Sprint(n) != code {
		t.Errorf("record %d: num %#v", r.Num, r.Fields["num"])
	}
	if x, ok := r.Fields["ratio"].(float64); !ok || math.Abs(x*1000-float64(r.Fields["num"].(int64))) > 1e-6 {
		t.Errorf("record %d: ratio %#v", r.Num, r.Fields["ratio"])
	}
	switch m := r.Fields["maj"].(type) {
	case time.Time:
		if !m.Equal(time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("record %d: maj %v", r.Num, m)
		}
	case string:
		if m != "2024-03-15" {
			t.Errorf("record %d: maj %q", r.Num, m)
		}
	default:
		t.Errorf("record %d: maj %#v", r.Num, m)
	}
}

// TestRealDataAgree reads the two Saint-Barthélemy files, one in
// RGAF09 / UTM 20N, the other in WGS 84, and checks they hold the same
// roads at the same places (within a centimetre in EPSG:5490).
func TestRealDataAgree(t *testing.T) {
	a, err := Open("testdata/saint-barthelemy-highways-epsg5490.gpkg", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open("testdata/saint-barthelemy-highways.geojson", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ra, rb := readAll(t, a), readAll(t, b)
	if len(ra) != 515 || len(rb) != 515 {
		t.Fatalf("%d and %d records, want 515", len(ra), len(rb))
	}
	tr, _ := crs.NewTransformer(4326, 5490)
	worst := 0.0
	for i := range ra {
		if ra[i].Fields["osm_id"] != rb[i].Fields["osm_id"] || ra[i].Fields["highway"] != rb[i].Fields["highway"] {
			t.Fatalf("record %d: %v and %v", i+1, ra[i].Fields, rb[i].Fields)
		}
		_, pa := flatten(ra[i].Geometry)
		_, pb := flatten(rb[i].Geometry)
		if len(pa) != len(pb) {
			t.Fatalf("record %d: %d and %d positions", i+1, len(pa), len(pb))
		}
		for j := range pa {
			x, y, _ := tr.Transform(pb[j][0], pb[j][1])
			worst = math.Max(worst, math.Hypot(x-pa[j][0], y-pa[j][1]))
		}
	}
	// The GeoJSON keeps 7 decimals of a degree (about 1 cm).
	if worst > 0.02 {
		t.Errorf("the files differ by up to %.3g m", worst)
	}
	t.Logf("largest difference %.2g m", worst)
}

func TestLayers(t *testing.T) {
	for _, c := range []struct {
		path string
		want string
	}{
		{"gen/communes.gpkg", "chefs_lieux,communes,lines_z"},
		{"gen/bdtopo.zip", "COMMUNE,TRONCON_DE_ROUTE"},
		{"gen/bdtopo.7z", "COMMUNE,TRONCON_DE_ROUTE"},
		{"gen/communes-gpkg.zip", "chefs_lieux,communes,lines_z"},
		{"gen/communes-l93-utf8.shp", "communes-l93-utf8"},
		{"gen/communes-l93.fgb", "communes"},
		{"gen/communes-l93.geojson", "communes"},
		{"gen/points-l93-1252.csv", "points-l93-1252"},
	} {
		got, err := Layers(filepath.Join("testdata", c.path))
		if err != nil || strings.Join(got, ",") != c.want {
			t.Errorf("Layers(%s) = %v, %v; want %s", c.path, got, err, c.want)
		}
	}
}

// TestClose checks an archive's extracted files are removed by Close.
func TestClose(t *testing.T) {
	s, err := Open("testdata/gen/bdtopo.7z", Options{Layer: "COMMUNE"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.cleanups) == 0 {
		t.Fatal("nothing to clean up after extracting a 7z")
	}
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "socle-source-*"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "socle-source-*"))
	if len(after) >= len(dirs) {
		t.Errorf("temporary directories: %d before Close, %d after", len(dirs), len(after))
	}
	if _, err := s.Next(); err == nil {
		t.Error("Next after Close succeeded")
	}
}
