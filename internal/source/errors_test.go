package source

import (
	"archive/zip"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyTo copies testdata files into dir, optionally cut to n bytes.
func copyTo(t *testing.T, dir, src string, n int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", src))
	if err != nil {
		t.Fatal(err)
	}
	if n >= 0 && n < len(b) {
		b = b[:n]
	}
	dst := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// shapefile copies a test Shapefile's siblings into dir, leaving out those
// in skip and cutting the one in cut to n bytes.
func shapefile(t *testing.T, dir, base string, skip map[string]bool, cut string, n int) string {
	t.Helper()
	for _, ext := range []string{".shp", ".shx", ".dbf", ".prj", ".cpg"} {
		if skip[ext] {
			continue
		}
		if _, err := os.Stat(filepath.Join("testdata/gen", base+ext)); err != nil {
			continue
		}
		m := -1
		if ext == cut {
			m = n
		}
		copyTo(t, dir, "gen/"+base+ext, m)
	}
	return filepath.Join(dir, base+".shp")
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readErr opens and reads a file through, returning the first error that
// is not a RecordError and the record errors.
func readErr(path string, opts Options) (error, []*RecordError) {
	s, err := Open(path, opts)
	if err != nil {
		return err, nil
	}
	defer s.Close()
	var rejects []*RecordError
	for _, err := range s.Records() {
		var re *RecordError
		if errors.As(err, &re) {
			rejects = append(rejects, re)
			continue
		}
		if err != nil {
			return err, rejects
		}
	}
	return nil, rejects
}

// TestBadFiles checks that what cannot be read is refused with a clear
// error, never a panic.
func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	base := "communes-l93-utf8"
	for _, c := range []struct {
		name string
		path func(dir string) string
		opts Options
		want []string // substrings of the error
	}{
		{"missing dbf", func(d string) string { return shapefile(t, d, base, map[string]bool{".dbf": true}, "", 0) }, Options{},
			[]string{"communes-l93-utf8.dbf is missing", ".shp, .shx and .dbf"}},
		{"missing shx", func(d string) string { return shapefile(t, d, base, map[string]bool{".shx": true}, "", 0) }, Options{},
			[]string{"communes-l93-utf8.shx is missing"}},
		{"missing shp named by its dbf", func(d string) string {
			shapefile(t, d, base, map[string]bool{".shp": true}, "", 0)
			return filepath.Join(d, base+".dbf")
		}, Options{}, []string{"communes-l93-utf8.shp is missing"}},
		{"truncated shp", func(d string) string { return shapefile(t, d, base, nil, ".shp", 3000) }, Options{},
			[]string{".shp truncated"}},
		{"truncated shp header", func(d string) string { return shapefile(t, d, base, nil, ".shp", 50) }, Options{},
			[]string{"communes-l93-utf8.shp"}},
		{"truncated dbf", func(d string) string { return shapefile(t, d, base, nil, ".dbf", 400) }, Options{},
			[]string{".dbf truncated"}},
		{"dbf of another shapefile", func(d string) string {
			p := shapefile(t, d, base, map[string]bool{".dbf": true}, "", 0)
			b, _ := os.ReadFile("testdata/gen/lines-z.dbf")
			os.WriteFile(filepath.Join(d, base+".dbf"), b, 0o644)
			return p
		}, Options{}, []string{"the .dbf holds 2 records and the .shx 6"}},
		{"unknown cpg", func(d string) string {
			p := shapefile(t, d, base, nil, "", 0)
			writeFile(t, d, base+".cpg", "KLINGON-42")
			return p
		}, Options{}, []string{`"KLINGON-42"`}},
		{"prj of an unsupported CRS", func(d string) string {
			p := shapefile(t, d, base, nil, "", 0)
			writeFile(t, d, base+".prj", ntfLambert2)
			return p
		}, Options{}, []string{"NTF (Paris) / Lambert zone II", "--crs"}},
		{"no prj, Lambert-93 coordinates", func(d string) string { return shapefile(t, d, "communes-l93-noprj", nil, "", 0) }, Options{},
			[]string{"declares no coordinate system", "not longitudes and latitudes", "--crs"}},
		{"truncated zip", func(d string) string { return copyTo(t, d, "gen/bdtopo.zip", 3000) }, Options{Layer: "COMMUNE"},
			[]string{"bdtopo.zip", "corrupt or truncated zip"}},
		{"truncated 7z", func(d string) string { return copyTo(t, d, "gen/bdtopo.7z", 2000) }, Options{Layer: "COMMUNE"},
			[]string{"bdtopo.7z"}},
		{"several layers in a zip", func(d string) string { return copyTo(t, d, "gen/bdtopo.zip", -1) }, Options{},
			[]string{"2 layers", "--layer", "COMMUNE, TRONCON_DE_ROUTE"}},
		{"unknown layer in a zip", func(d string) string { return copyTo(t, d, "gen/bdtopo.zip", -1) }, Options{Layer: "BATIMENT"},
			[]string{`no layer "BATIMENT"`, "COMMUNE, TRONCON_DE_ROUTE"}},
		{"zip of nothing readable", func(d string) string {
			p := filepath.Join(d, "points.zip")
			f, _ := os.Create(p)
			z := zip.NewWriter(f)
			w, _ := z.Create("points.csv")
			w.Write([]byte("lon,lat\n1,43\n"))
			z.Close()
			f.Close()
			return p
		}, Options{}, []string{"points.zip holds no Shapefile (.shp) and no GeoPackage (.gpkg)"}},
		{"several layers in a GeoPackage", func(d string) string { return copyTo(t, d, "gen/communes.gpkg", -1) }, Options{},
			[]string{"3 layers", "--layer", "chefs_lieux, communes, lines_z"}},
		{"unknown GeoPackage layer", func(d string) string { return copyTo(t, d, "gen/communes.gpkg", -1) }, Options{Layer: "routes"},
			[]string{`no layer "routes"`, "chefs_lieux, communes, lines_z"}},
		{"truncated GeoPackage", func(d string) string { return copyTo(t, d, "gen/communes.gpkg", 40000) }, Options{Layer: "communes"},
			[]string{"communes.gpkg"}},
		{"a GeoPackage under another name", func(d string) string {
			p := copyTo(t, d, "gen/communes.gpkg", -1)
			os.Rename(p, filepath.Join(d, "plain.sqlite"))
			return filepath.Join(d, "plain.sqlite")
		}, Options{Layer: "communes"}, nil},
		{"SQLite but not GeoPackage", func(d string) string {
			p := filepath.Join(d, "plain.gpkg")
			db, err := sql.Open("sqlite", p)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec("CREATE TABLE t (a TEXT)"); err != nil {
				t.Fatal(err)
			}
			return p
		}, Options{}, []string{"not a GeoPackage", "gpkg_contents"}},
		{"truncated FlatGeobuf", func(d string) string { return copyTo(t, d, "gen/communes-l93.fgb", 2000) }, Options{},
			[]string{"communes-l93.fgb", "truncated"}},
		{"truncated FlatGeobuf header", func(d string) string { return copyTo(t, d, "gen/communes-l93.fgb", 100) }, Options{},
			[]string{"communes-l93.fgb", "truncated"}},
		{"not a FlatGeobuf", func(d string) string { return writeFile(t, d, "x.fgb", "hello") }, Options{},
			[]string{"not a FlatGeobuf"}},
		{"empty file", func(d string) string { return writeFile(t, d, "empty.geojson", "") }, Options{},
			[]string{"empty"}},
		{"truncated GeoJSON", func(d string) string { return copyTo(t, d, "gen/communes-l93.geojson", 1500) }, Options{},
			[]string{"communes-l93.geojson", "truncated"}},
		{"GeoJSON of another type", func(d string) string { return writeFile(t, d, "x.geojson", `{"type":"Topology"}`) }, Options{},
			[]string{`type "Topology"`}},
		{"GeoJSON crs unknown", func(d string) string {
			return writeFile(t, d, "x.geojson", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:27572"}},"features":[]}`)
		}, Options{}, []string{"EPSG:27572", "--crs"}},
		{"CSV without coordinates", func(d string) string { return writeFile(t, d, "x.csv", "nom;code\nLabège;31254\n") }, Options{},
			[]string{"no geometry column", "wkt, geometry, geom, the_geom", "lon/lat", "x/y", "nom, code"}},
		{"unknown format", func(d string) string { return writeFile(t, d, "x.dat", "\x00\x01binary") }, Options{},
			[]string{"unrecognised format"}},
		{"not a zip", func(d string) string { return writeFile(t, d, "x.zip", "not a zip") }, Options{},
			[]string{"not a zip archive"}},
		{"layer of a single-layer file", func(d string) string { return shapefile(t, d, base, nil, "", 0) }, Options{Layer: "routes"},
			[]string{`no layer "routes"`, "its layer: communes-l93-utf8"}},
		{"bad --crs", func(d string) string { return shapefile(t, d, base, nil, "", 0) }, Options{CRS: "EPSG:27572"},
			[]string{"--crs", "EPSG:27572", "known: EPSG:4326"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_"))
			os.MkdirAll(d, 0o755)
			err, _ := readErr(c.path(d), c.opts)
			if len(c.want) == 0 {
				if err != nil {
					t.Errorf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one saying %q", c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			t.Log(err)
		})
	}
}

const ntfLambert2 = `PROJCS["NTF (Paris) / Lambert zone II",GEOGCS["NTF (Paris)",DATUM["Nouvelle_Triangulation_Francaise_Paris",SPHEROID["Clarke 1880 (IGN)",6378249.2,293.466021293627]],PRIMEM["Paris",2.33722917],UNIT["grad",0.01570796326794897]],PROJECTION["Lambert_Conformal_Conic_1SP"],PARAMETER["latitude_of_origin",52],PARAMETER["central_meridian",0],PARAMETER["scale_factor",0.99987742],PARAMETER["false_easting",600000],PARAMETER["false_northing",2200000],UNIT["metre",1]]`

// TestRecordErrors checks that a bad record is reported with its number
// and the reading goes on.
func TestRecordErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, file, content string
		good                int
		bad                 map[int]string // record number: part of the reason
	}{
		{"GeoJSON", "x.geojson", `{"type":"FeatureCollection","features":[
			{"type":"Feature","properties":{"a":1},"geometry":{"type":"Point","coordinates":[1.5,43.5]}},
			{"type":"Feature","properties":{"a":2},"geometry":{"type":"Polygon","coordinates":[[[1,43],[2,43]]]}},
			{"type":"Feature","properties":{"a":3},"geometry":{"type":"Hexagon","coordinates":[]}},
			42,
			{"type":"Feature","properties":{"a":5},"geometry":{"type":"LineString","coordinates":[[1.5,43.5,100],[1.6,43.6,110]]}},
			{"type":"Feature","properties":{"a":6},"geometry":null}]}`,
			3, map[int]string{2: "fewer than 4", 3: "geometry", 4: "not a GeoJSON feature"}},
		{"CSV", "x.csv", "nom,lon,lat\nA,1.5,43.5\nB,east,43.5\nC,1.5\nD,1.6,43.6\nE,,\n",
			3, map[int]string{2: `"east" is not a coordinate`, 3: "2 columns, the header 3"}},
		{"CSV WKT", "w.csv", "id;WKT\n1;POINT (1.5 43.5)\n2;POLYGON ((1 2, 3 4))\n3;CIRCLE(1 2)\n4;LINESTRING Z (1 43 5, 2 44 6)\n",
			2, map[int]string{2: "fewer than 4", 3: "CIRCLE"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err, rejects := readErr(writeFile(t, dir, c.file, c.content), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rejects) != len(c.bad) {
				t.Errorf("%d rejects, want %d: %v", len(rejects), len(c.bad), rejects)
			}
			for _, r := range rejects {
				if w, ok := c.bad[r.Num]; !ok || !strings.Contains(r.Error(), w) {
					t.Errorf("reject %v, want record %d saying %q", r, r.Num, w)
				}
			}
			s, _ := Open(filepath.Join(dir, c.file), Options{})
			defer s.Close()
			n := 0
			for {
				r, err := s.Next()
				if err == io.EOF {
					break
				}
				if err == nil && r != nil {
					n++
				}
			}
			if n != c.good {
				t.Errorf("%d good records, want %d", n, c.good)
			}
		})
	}
}

// TestBadShapeRecord damages one shape of a Shapefile: that record is
// rejected, the others read.
func TestBadShapeRecord(t *testing.T) {
	dir := t.TempDir()
	p := shapefile(t, dir, "communes-l93-utf8", nil, "", 0)
	b, _ := os.ReadFile(p)
	// The first record's part count (content at 108: type 4, box 32,
	// parts 4 → offset 100+8+36) made absurd.
	b[144], b[145], b[146], b[147] = 0xff, 0xff, 0xff, 0x0f
	os.WriteFile(p, b, 0o644)
	err, rejects := readErr(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rejects) != 1 || rejects[0].Num != 1 || !strings.Contains(rejects[0].Error(), "parts") {
		t.Errorf("rejects %v, want record 1 about its parts", rejects)
	}
}

// TestCRSOverride reads Lambert-93 coordinates declared as nothing, and a
// file whose declared CRS is overridden.
func TestCRSOverride(t *testing.T) {
	for _, crsOpt := range []string{"EPSG:2154", "2154", "urn:ogc:def:crs:EPSG::2154", "http://www.opengis.net/def/crs/EPSG/0/2154", "IGNF:LAMB93"} {
		s, err := Open("testdata/gen/communes-l93-noprj.shp", Options{CRS: crsOpt})
		if err != nil {
			t.Fatalf("--crs %s: %v", crsOpt, err)
		}
		if s.SRID() != 2154 {
			t.Errorf("--crs %s: SRID %d", crsOpt, s.SRID())
		}
		s.Close()
	}
	s, err := Open("testdata/gen/communes-cc43.shp", Options{CRS: "EPSG:2154"})
	if err != nil {
		t.Fatal(err)
	}
	if s.SRID() != 2154 {
		t.Errorf("override: SRID %d", s.SRID())
	}
	s.Close()
}

// TestGeoJSONCRSAfterFeatures finds a crs member written after the
// features.
func TestGeoJSONCRSAfterFeatures(t *testing.T) {
	p := writeFile(t, t.TempDir(), "late.geojson", `{"type":"FeatureCollection","features":[
		{"type":"Feature","id":7,"properties":{"nom":"Labège ]}\\\"[ \\"},"geometry":{"type":"Point","coordinates":[580615.73,6272310.55]}}],
		"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2154"}}}`)
	s, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs := readAll(t, s)
	if s.SRID() != 2154 || len(recs) != 1 || recs[0].ID != int64(7) || recs[0].Fields["nom"] != `Labège ]}\"[ \` {
		t.Errorf("SRID %d, %d records, id %#v", s.SRID(), len(recs), recs[0].ID)
	}
}

// TestGPKGCRSByWKT reads a GeoPackage whose CRS is not given by an EPSG
// code but by its definition (IGN's WKT, no authority).
func TestGPKGCRSByWKT(t *testing.T) {
	p := copyTo(t, t.TempDir(), "gen/communes.gpkg", -1)
	prj, err := os.ReadFile("testdata/gen/communes-l93-ignf.prj")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE gpkg_spatial_ref_sys SET organization = 'IGNF', organization_coordsys_id = 0, definition = ? WHERE srs_id = 2154`, string(prj)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(p, Options{Layer: "communes"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.SRID() != 2154 {
		t.Errorf("SRID %d, want 2154", s.SRID())
	}
}
