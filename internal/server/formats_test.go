package server_test

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/tilearchive"
)

const lambert = "http://www.opengis.net/def/crs/EPSG/0/2154"

// fetch gets path and fails unless it answers 200 with the media type.
func fetch(t *testing.T, path, media string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	resp, body := get(t, path, headers...)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %.300s", path, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, media) {
		t.Fatalf("GET %s: Content-Type %q, want %s", path, ct, media)
	}
	return resp, body
}

// save writes body to a file of the test.
func save(t *testing.T, name string, body []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// linkHeader returns the target of the Link header of rel, or "".
func linkHeader(resp *http.Response, rel string) string {
	for _, l := range resp.Header.Values("Link") {
		if strings.Contains(l, `rel="`+rel+`"`) {
			return strings.TrimPrefix(l[:strings.Index(l, ">")], "<")
		}
	}
	return ""
}

// relative turns a link of the golden base into a path of the test server.
func relative(href string) string { return strings.TrimPrefix(href, goldenBase) }

// featureCount reads ogrinfo's count of a layer.
func featureCount(t *testing.T, out string) int {
	t.Helper()
	m := regexp.MustCompile(`Feature Count: (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no feature count in:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// geoJSONIDs returns the ids of a GeoJSON page, as text.
func geoJSONIDs(t *testing.T, path string) ([]string, featureCollection) {
	t.Helper()
	fc := items(t, path)
	var ids []string
	for _, f := range fc.Features {
		ids = append(ids, strings.Trim(string(f.ID), `"`))
	}
	return ids, fc
}

// firstPoint returns the first position of a GeoJSON page's first feature.
func firstPoint(t *testing.T, path string) [2]float64 {
	t.Helper()
	_, body := get(t, path)
	var fc struct {
		Features []struct {
			Geometry struct{ Coordinates json.RawMessage }
		}
	}
	if err := json.Unmarshal(body, &fc); err != nil || len(fc.Features) == 0 {
		t.Fatalf("%s: %v %.200s", path, err, body)
	}
	nums := regexp.MustCompile(`-?[0-9.]+(e[-+]?\d+)?`).FindAllString(string(fc.Features[0].Geometry.Coordinates), 2)
	x, _ := strconv.ParseFloat(nums[0], 64)
	y, _ := strconv.ParseFloat(nums[1], 64)
	return [2]float64{x, y}
}

func near(a, b [2]float64, tol float64) bool {
	return math.Abs(a[0]-b[0]) <= tol && math.Abs(a[1]-b[1]) <= tol
}

// TestCSVItems: the CSV answer is the GeoJSON page as rows, its pages are
// linked in Link headers, and GDAL, Python's csv module and a
// spreadsheet-style reading of the ';' file read it.
func TestCSVItems(t *testing.T) {
	q := "/collections/addresses/items?commune_insee=31254&limit=7&sortby=cle_interop"
	wantIDs, fc := geoJSONIDs(t, q)
	resp, body := fetch(t, q+"&f=csv", "text/csv")
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := rows[0]
	if header[0] != "id" || header[len(header)-1] != "geometry" || !strings.Contains(strings.Join(header, ","), "cle_interop") {
		t.Errorf("header %v", header)
	}
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[0])
		if !strings.HasPrefix(r[len(r)-1], "POINT(") {
			t.Errorf("geometry cell %q", r[len(r)-1])
		}
	}
	if strings.Join(got, ",") != strings.Join(wantIDs, ",") {
		t.Errorf("CSV ids %v, GeoJSON ids %v", got, wantIDs)
	}
	next := linkHeader(resp, "next")
	if !strings.Contains(next, "f=csv") || !strings.Contains(next, "cursor=") {
		t.Fatalf("Link next %q (headers %v)", next, resp.Header.Values("Link"))
	}
	if resp.Header.Get("OGC-NumberMatched") != strconv.Itoa(fc.NumberMatched) {
		t.Errorf("OGC-NumberMatched %q, want %d", resp.Header.Get("OGC-NumberMatched"), fc.NumberMatched)
	}
	// The next page is the GeoJSON's next page.
	var gjNext string
	for _, l := range fc.Links {
		if l.Rel == "next" {
			gjNext = relative(l.Href)
		}
	}
	wantIDs, _ = geoJSONIDs(t, gjNext)
	_, body = fetch(t, relative(next), "text/csv")
	rows, _ = csv.NewReader(bytes.NewReader(body)).ReadAll()
	got = nil
	for _, r := range rows[1:] {
		got = append(got, r[0])
	}
	if strings.Join(got, ",") != strings.Join(wantIDs, ",") {
		t.Errorf("CSV page 2 ids %v, GeoJSON ids %v", got, wantIDs)
	}

	// GDAL reads the whole selection in Lambert-93, with its count and
	// coordinates.
	whole := "/collections/addresses/items?commune_insee=31254&limit=10000&sortby=cle_interop&crs=" + lambert
	_, body = fetch(t, whole+"&f=csv", "text/csv")
	path := save(t, "addresses.csv", body)
	info := gdal(t, "ogrinfo", "-ro", "-al", "-oo", "GEOM_POSSIBLE_NAMES=geometry", "-oo", "KEEP_GEOM_COLUMNS=NO",
		"-oo", "AUTODETECT_TYPE=YES", "-fid", "1", path)
	if n := featureCount(t, info); n != fc.NumberMatched {
		t.Errorf("GDAL counts %d rows, numberMatched %d", n, fc.NumberMatched)
	}
	want := firstPoint(t, whole)
	m := regexp.MustCompile(`POINT \(([0-9.]+) ([0-9.]+)\)`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("no point in:\n%s", info)
	}
	x, _ := strconv.ParseFloat(m[1], 64)
	y, _ := strconv.ParseFloat(m[2], 64)
	if !near([2]float64{x, y}, want, 0.011) {
		t.Errorf("GDAL reads %v, GeoJSON has %v", [2]float64{x, y}, want)
	}
	for _, field := range []string{"numero: Integer", "cle_interop: String"} {
		if !strings.Contains(info, field) {
			t.Errorf("GDAL lacks the field %q:\n%.1500s", field, info)
		}
	}

	// The spreadsheet file: BOM, ';', decimal comma, x and y columns;
	// Python's csv module reads it as a spreadsheet does.
	_, body = fetch(t, whole+"&f=csv&separator=semicolon&bom=true&geometry=xy", "text/csv")
	if !bytes.HasPrefix(body, []byte("\uFEFF")) {
		t.Errorf("no BOM: %.40q", body)
	}
	path = save(t, "tableur.csv", body)
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("SKIPPED: python3 not installed")
	}
	out, err := exec.Command(py, "-c", `
import csv, sys, json
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f, delimiter=";"))
h = rows[0]
ix, iy = h.index("x"), h.index("y")
print(json.dumps({"header": h, "n": len(rows) - 1,
  "x": float(rows[1][ix].replace(",", ".")), "y": float(rows[1][iy].replace(",", ".")), "rawx": rows[1][ix]}))
`, path).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	var py1 struct {
		Header []string
		N      int
		X, Y   float64
		RawX   string
	}
	if err := json.Unmarshal(out, &py1); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if py1.N != fc.NumberMatched || py1.Header[0] != "id" || py1.Header[len(py1.Header)-2] != "x" {
		t.Errorf("python reads %d rows, header %v", py1.N, py1.Header)
	}
	if !strings.Contains(py1.RawX, ",") || !near([2]float64{py1.X, py1.Y}, want, 0.011) {
		t.Errorf("x %q (%v, %v), want %v with a decimal comma", py1.RawX, py1.X, py1.Y, want)
	}

	// Bad CSV parameters, and CSV parameters on another format.
	for _, p := range []string{
		"/collections/roads/items?f=csv&geometry=xy",
		"/collections/addresses/items?f=csv&separator=tab",
		"/collections/addresses/items?f=csv&bom=oui",
		"/collections/addresses/items?f=json&separator=semicolon",
		"/collections/addresses/items?f=fgb&geometry=xy",
	} {
		if resp, body := get(t, p); resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %.200s", p, resp.StatusCode, body)
		}
	}
}

// TestFlatGeobufItems: the whole result is an indexed FlatGeobuf that GDAL
// reads (and filters through its index) in the asked CRS; a page after the
// first is streamed without an index.
func TestFlatGeobufItems(t *testing.T) {
	whole := "/collections/roads/items?limit=10000&crs=" + lambert
	fc := items(t, "/collections/roads/items?limit=1")
	_, body := fetch(t, whole+"&f=fgb", "application/flatgeobuf")
	if !bytes.HasPrefix(body, []byte{'f', 'g', 'b', 3}) {
		t.Fatalf("not FlatGeobuf: %.16q", body)
	}
	path := save(t, "roads.fgb", body)
	info := gdal(t, "ogrinfo", "-ro", "-so", "-al", path)
	if n := featureCount(t, info); n != fc.NumberMatched {
		t.Errorf("GDAL counts %d roads, numberMatched %d", n, fc.NumberMatched)
	}
	for _, want := range []string{"road_class: String", "width: Real", "2154"} {
		if !strings.Contains(info, want) {
			t.Errorf("GDAL's summary lacks %q:\n%s", want, info)
		}
	}
	// The index answers a spatial filter as the API's bbox does.
	box := []string{"575000", "6265000", "580000", "6270000"}
	spat := gdal(t, "ogrinfo", "-ro", "-so", "-al", "-spat", box[0], box[1], box[2], box[3], path)
	api := items(t, "/collections/roads/items?limit=1&bbox-crs="+lambert+"&bbox="+strings.Join(box, ","))
	if got := featureCount(t, spat); got != api.NumberMatched || got == 0 {
		t.Errorf("GDAL -spat through the index: %d roads, the API's bbox %d", got, api.NumberMatched)
	}
	// Coordinates: the first road's first vertex, as GeoJSON gives it.
	want := firstPoint(t, "/collections/roads/items?limit=1&crs="+lambert)
	one := gdal(t, "ogrinfo", "-ro", "-al", "-q", "-where", "id = "+strings.Trim(string(fc.Features[0].ID), `"`), path)
	m := regexp.MustCompile(`LINESTRING \(([0-9.]+) ([0-9.]+)`).FindStringSubmatch(one)
	if m == nil {
		t.Fatalf("no line in:\n%s", one)
	}
	x, _ := strconv.ParseFloat(m[1], 64)
	y, _ := strconv.ParseFloat(m[2], 64)
	if !near([2]float64{x, y}, want, 0.011) {
		t.Errorf("GDAL reads %v, GeoJSON has %v", [2]float64{x, y}, want)
	}

	// Paged: the second page has no index, and holds the GeoJSON's page.
	resp, _ := fetch(t, "/collections/roads/items?limit=50&f=fgb", "application/flatgeobuf")
	next := linkHeader(resp, "next")
	if next == "" {
		t.Fatalf("no next link: %v", resp.Header.Values("Link"))
	}
	_, page := fetch(t, relative(next), "application/flatgeobuf")
	path = save(t, "page.fgb", page)
	info = gdal(t, "ogrinfo", "-ro", "-so", "-al", path)
	if n := featureCount(t, info); n != 50 {
		t.Errorf("page 2 holds %d roads, want 50", n)
	}
	// GDAL says when a file has no index through its open option... the
	// header does: index_node_size 0 (the header's last scalar before the
	// features is the node size; easiest read back by the size of an
	// indexed file of the same features).
	_, indexed := fetch(t, "/collections/roads/items?limit=50&f=fgb", "application/flatgeobuf")
	if len(page) >= len(indexed)+40*3 {
		t.Errorf("page 2 (%d bytes) looks indexed beside page 1 (%d bytes)", len(page), len(indexed))
	}
}

// jsonfgSchemas compiles the JSON-FG schemas vendored in ogc/jsonfg.
var jsonfgSchemas = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	const b = "https://beta.schemas.opengis.net/json-fg/"
	c := jsonschema.NewCompiler()
	files, err := filepath.Glob(filepath.Join(repoRoot(), "ogc", "jsonfg", "testdata", "schemas", "*.json"))
	if err != nil {
		return nil, err
	}
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			return nil, err
		}
		if err := c.AddResource(b+filepath.Base(path), doc); err != nil {
			return nil, err
		}
	}
	out := map[string]*jsonschema.Schema{}
	for _, name := range []string{"feature", "featurecollection"} {
		if out[name], err = c.Compile(b + name + ".json"); err != nil {
			return nil, err
		}
	}
	return out, nil
})

// validJSONFG checks a document against the JSON-FG schema of its kind.
func validJSONFG(t *testing.T, kind, path string, doc []byte) {
	t.Helper()
	s, err := jsonfgSchemas()
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("%s: not JSON: %v", path, err)
	}
	if err := s[kind].Validate(v); err != nil {
		t.Errorf("%s: invalid JSON-FG %s: %v", path, kind, err)
	}
}

// TestJSONFGItems: every collection's items and features in JSON-FG, in
// CRS84 and in Lambert-93, are valid against the JSON-FG schemas, with
// "place" in the asked CRS, "coordRefSys", "time" from the collection's
// temporal property and "featureType"; GDAL reads them (as GeoJSON: GDAL
// 3.6 has no JSON-FG driver, and reads the WGS 84 fallback).
func TestJSONFGItems(t *testing.T) {
	for _, c := range []string{"addresses", "roads", "land_cover", "communes"} {
		for _, out := range []string{"", lambert} {
			path := "/collections/" + c + "/items?limit=5&f=jsonfg"
			if out != "" {
				path += "&crs=" + out
			}
			resp, body := fetch(t, path, "application/vnd.ogc.fg+json")
			validJSONFG(t, "featurecollection", path, body)
			var d struct {
				CoordRefSys, FeatureType string
				ConformsTo               []string
				NumberMatched            *int
				Links                    []struct{ Rel, Href string }
				Features                 []struct {
					ID       any
					Time     map[string]any
					Place    json.RawMessage
					Geometry json.RawMessage
				}
			}
			if err := json.Unmarshal(body, &d); err != nil {
				t.Fatal(err)
			}
			wantCRS := out
			if out == "" {
				wantCRS = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
			}
			if d.CoordRefSys != wantCRS || d.FeatureType != c || len(d.Features) != 5 || d.NumberMatched == nil || resp.Header.Get("Content-Crs") != "<"+wantCRS+">" {
				t.Errorf("%s: coordRefSys %q featureType %q, %d features", path, d.CoordRefSys, d.FeatureType, len(d.Features))
			}
			next := false
			for _, l := range d.Links {
				next = next || (l.Rel == "next" && strings.Contains(l.Href, "f=jsonfg"))
			}
			if !next {
				t.Errorf("%s: no next link in %v", path, d.Links)
			}
			f := d.Features[0]
			if out == "" && (string(f.Place) != "null" || string(f.Geometry) == "null") {
				t.Errorf("%s: CRS84 is in geometry, not place: %s %s", path, f.Place, f.Geometry)
			}
			if out != "" && (string(f.Place) == "null" || string(f.Geometry) == "null" || !strings.Contains(resp.Header.Get("Content-Type"), "compatibility=geojson")) {
				t.Errorf("%s: place %.80s, fallback %.80s", path, f.Place, f.Geometry)
			}
			if c == "addresses" && f.Time["date"] == nil {
				t.Errorf("%s: time %v, want the date of date_der_maj", path, f.Time)
			}
			// A single feature.
			id, _ := json.Marshal(f.ID)
			one := "/collections/" + c + "/items/" + strings.Trim(string(id), `"`) + "?f=jsonfg"
			if out != "" {
				one += "&crs=" + out
			}
			_, body = fetch(t, one, "application/vnd.ogc.fg+json")
			validJSONFG(t, "feature", one, body)
		}
	}
	// The golden set's JSON-FG answers are valid too.
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.jsonfg.json"))
	if len(files) == 0 {
		t.Error("no JSON-FG golden files")
	}
	for _, path := range files {
		body, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		kind := "featurecollection"
		if strings.HasPrefix(filepath.Base(path), "feature-") {
			kind = "feature"
		}
		validJSONFG(t, kind, path, body)
	}
	// Lambert-93 coordinates in place equal the GeoJSON's.
	want := firstPoint(t, "/collections/addresses/items?limit=1&crs="+lambert)
	_, body := fetch(t, "/collections/addresses/items?limit=1&f=jsonfg&crs="+lambert, "application/vnd.ogc.fg+json")
	var d struct {
		Features []struct {
			Place struct{ Coordinates [2]float64 }
		}
	}
	json.Unmarshal(body, &d)
	if !near(d.Features[0].Place.Coordinates, want, 0.011) {
		t.Errorf("place %v, GeoJSON %v", d.Features[0].Place.Coordinates, want)
	}
	// GDAL reads the answer.
	fc := items(t, "/collections/communes/items?limit=1")
	_, body = fetch(t, "/collections/communes/items?limit=1000&f=jsonfg", "application/vnd.ogc.fg+json")
	info := gdal(t, "ogrinfo", "-ro", "-so", "-al", save(t, "communes.json", body))
	if n := featureCount(t, info); n != fc.NumberMatched {
		t.Errorf("GDAL counts %d communes, numberMatched %d", n, fc.NumberMatched)
	}
}

// TestFormatNegotiation: f and Accept pick the format; what is not offered
// is 406.
func TestFormatNegotiation(t *testing.T) {
	for _, tc := range []struct {
		path, accept, want string
		status             int
	}{
		{"/collections/addresses/items?limit=2", "text/csv", "text/csv", 200},
		{"/collections/addresses/items?limit=2", "application/flatgeobuf", "application/flatgeobuf", 200},
		{"/collections/addresses/items?limit=2", "application/vnd.ogc.fg+json", "application/vnd.ogc.fg+json", 200},
		{"/collections/addresses/items?limit=2", "text/csv;q=0.5, application/vnd.ogc.fg+json", "application/vnd.ogc.fg+json", 200},
		{"/collections/addresses/items?limit=2", "application/geo+json, text/csv;q=0.2", "application/geo+json", 200},
		{"/collections/addresses/items?limit=2&f=flatgeobuf", "", "application/flatgeobuf", 200},
		{"/collections/addresses/items?limit=2", "application/geopackage+sqlite3", "application/geopackage+sqlite3", 200},
		{"/collections/addresses/items/1", "application/vnd.ogc.fg+json", "application/vnd.ogc.fg+json", 200},
		{"/collections/addresses/items?limit=2", "image/png", "application/problem+json", 406},
		{"/collections/addresses/items?limit=2&f=shp", "", "application/problem+json", 406},
		{"/collections/addresses/items/1?f=csv", "", "application/problem+json", 406},
		{"/collections?f=csv", "", "application/problem+json", 406},
		// Every API: a dataset's too.
		{"/datasets/addresses/collections/addresses/items?limit=2&f=csv", "", "text/csv", 200},
		{"/datasets/roads/collections/roads/items?limit=2", "application/flatgeobuf", "application/flatgeobuf", 200},
		{"/datasets/artificialisation/collections/communes/items?limit=2&f=jsonfg", "", "application/vnd.ogc.fg+json", 200},
		{"/datasets/roads/collections/addresses/items?limit=2&f=csv", "", "application/problem+json", 404},
	} {
		var h []string
		if tc.accept != "" {
			h = []string{"Accept", tc.accept}
		}
		resp, body := get(t, tc.path, h...)
		if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.want) {
			t.Errorf("%s (Accept %q): %d %s, want %d %s: %.200s", tc.path, tc.accept, resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, tc.want, body)
		}
	}
	// The GeoJSON page links its alternates.
	fc := items(t, "/collections/addresses/items?limit=2")
	types := map[string]bool{}
	for _, l := range fc.Links {
		if l.Rel == "alternate" {
			types[strings.Split(l.Type, ";")[0]] = true
		}
	}
	for _, m := range []string{"text/html", "text/csv", "application/flatgeobuf", "application/vnd.ogc.fg+json"} {
		if !types[m] {
			t.Errorf("no alternate link of type %s: %v", m, fc.Links)
		}
	}
}

// TestFormatsDeclared: the OpenAPI document offers the formats on every
// items path, /conformance declares JSON-FG, and the HTML page's download
// menu links each format.
func TestFormatsDeclared(t *testing.T) {
	_, body := get(t, "/api")
	var api struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]any
			}
		}
		Components struct {
			Parameters map[string]struct {
				Schema struct{ Enum []any }
			}
		}
	}
	if err := json.Unmarshal(body, &api); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/collections/{collectionId}/items", "/collections/addresses/items", "/collections/roads/items"} {
		content := api.Paths[path]["get"].Responses["200"].Content
		for _, m := range []string{"text/csv", "application/flatgeobuf", "application/vnd.ogc.fg+json"} {
			if content[m] == nil {
				t.Errorf("%s: no %s response in the OpenAPI document", path, m)
			}
		}
	}
	if enum := api.Components.Parameters["f-items"].Schema.Enum; len(enum) < 5 {
		t.Errorf("f of items: %v", enum)
	}
	_, body = get(t, "/conformance")
	if !strings.Contains(string(body), "http://www.opengis.net/spec/json-fg-1/0.2/conf/core") {
		t.Errorf("/conformance does not declare JSON-FG: %s", body)
	}
	_, body = get(t, "/collections/addresses/items?f=html&limit=3&lang=en")
	for _, f := range []string{"f=csv", "f=fgb", "f=jsonfg", "separator=semicolon"} {
		if !strings.Contains(string(body), f) {
			t.Errorf("the HTML page's download menu lacks %s", f)
		}
	}
}

// TestGeoPackageItems: f=gpkg is the whole filtered selection (or the
// page asked for) as a GeoPackage GDAL reads, with the selected
// properties, in the storage CRS; other CRS and selections past the bound
// are refused with a problem.
func TestGeoPackageItems(t *testing.T) {
	sel := "/collections/addresses/items?commune_insee=31254&filter=numero%20%3C%2030"
	fc := items(t, sel+"&limit=1")
	if fc.NumberMatched <= 10 {
		t.Fatalf("the selection holds %d addresses: too few to page", fc.NumberMatched)
	}
	resp, body := fetch(t, sel+"&f=gpkg&properties=cle_interop,numero,voie_nom", "application/geopackage+sqlite3")
	if !strings.Contains(resp.Header.Get("Content-Disposition"), `filename="addresses.gpkg"`) || resp.Header.Get("Content-Crs") != "<"+lambert+">" {
		t.Errorf("headers %v", resp.Header)
	}
	path := save(t, "selection.gpkg", body)
	info := gdal(t, "ogrinfo", "-ro", "-so", path, "addresses")
	if n := featureCount(t, info); n != fc.NumberMatched {
		t.Errorf("GDAL counts %d addresses, numberMatched %d", n, fc.NumberMatched)
	}
	if !strings.Contains(info, "voie_nom: String") || strings.Contains(info, "fibre_status") || !strings.Contains(info, "2154") {
		t.Errorf("fields and CRS:\n%s", info)
	}
	// Coordinates: Lambert-93 at full precision, as GeoJSON gives them
	// (to its centimetre).
	want := firstPoint(t, sel+"&limit=1&sortby=cle_interop&crs="+lambert)
	one := gdal(t, "ogrinfo", "-ro", "-q", path, "-sql", "SELECT geom FROM addresses ORDER BY cle_interop LIMIT 1")
	m := regexp.MustCompile(`POINT \(([0-9.]+) ([0-9.]+)\)`).FindStringSubmatch(one)
	if m == nil {
		t.Fatalf("no point in:\n%s", one)
	}
	x, _ := strconv.ParseFloat(m[1], 64)
	y, _ := strconv.ParseFloat(m[2], 64)
	if !near([2]float64{x, y}, want, 0.006) {
		t.Errorf("GDAL reads %v, GeoJSON has %v", [2]float64{x, y}, want)
	}
	// A page: limit given.
	_, body = fetch(t, sel+"&f=gpkg&limit=10", "application/geopackage+sqlite3")
	if n := featureCount(t, gdal(t, "ogrinfo", "-ro", "-so", save(t, "page.gpkg", body), "addresses")); n != 10 {
		t.Errorf("the page holds %d addresses, want 10", n)
	}
	// Refused: another CRS; too large for the bound.
	if resp, body := get(t, sel+"&f=gpkg&crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84"); resp.StatusCode != 400 {
		t.Errorf("gpkg in CRS84: %d %.200s", resp.StatusCode, body)
	}
	small := httptestServer(t, server.Options{BaseURL: goldenBase, MaxGPKGBytes: 50000})
	resp, err := http.Get(small + "/collections/roads/items?f=gpkg")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("a GeoPackage past the bound: %d", resp.StatusCode)
	}
}

// httptestServer serves the shared store with opts.
func httptestServer(t *testing.T, opts server.Options) string {
	t.Helper()
	base(t)
	srv := httptest.NewServer(server.New(env.store, socle.DefaultCatalog(), quiet, opts).Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestFormatsHead: HEAD answers each format's headers, with the length of
// what GET sends.
func TestFormatsHead(t *testing.T) {
	for _, f := range []string{"csv", "fgb", "gpkg"} {
		path := "/collections/communes/items?limit=5&f=" + f
		head, body := do(t, http.MethodHead, path)
		get, full := get(t, path)
		if head.StatusCode != 200 || len(body) != 0 || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
			t.Errorf("HEAD %s: %d %q, %d bytes", path, head.StatusCode, head.Header.Get("Content-Type"), len(body))
		}
		if n := head.Header.Get("Content-Length"); n != strconv.Itoa(len(full)) && f != "gpkg" {
			t.Errorf("HEAD %s: Content-Length %s, GET sends %d bytes", path, n, len(full))
		}
	}
}

// TestPMTilesDownloadEqualsServedTiles: the PMTiles archive of a dataset's
// downloads, read by the pmtiles npm package, holds the collection's tiles
// as /collections/{id}/tiles serves them, byte for byte.
func TestPMTilesDownloadEqualsServedTiles(t *testing.T) {
	read := filepath.Join(repoRoot(), "internal", "format", "pmtiles", "testdata", "reader", "read.mjs")
	if _, err := os.Stat(filepath.Join(filepath.Dir(read), "node_modules", "pmtiles")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the PMTiles reader is not installed: CI must run internal/format/pmtiles/testdata/reader/install.sh first")
		}
		t.Skip("SKIPPED: the PMTiles reader is not installed: run internal/format/pmtiles/testdata/reader/install.sh")
	}
	var archive []byte
	waitFor(t, "the roads' PMTiles download", func() bool {
		resp, body := get(t, "/datasets/roads/download/roads.pmtiles")
		archive = body
		return resp.StatusCode == 200
	})
	dir := t.TempDir()
	path := save(t, "roads.pmtiles", archive)
	// First the header, for the extent and zooms; then every tile.
	list := filepath.Join(dir, "none.json")
	os.WriteFile(list, []byte("[]"), 0o644)
	out, err := exec.Command("node", read, path, list).Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var head struct {
		Header struct {
			MinZoom, MaxZoom               int
			MinLon, MinLat, MaxLon, MaxLat float64
		}
	}
	if err := json.Unmarshal(out, &head); err != nil {
		t.Fatal(err)
	}
	h := head.Header
	all := tilearchive.Tiles(orb.Bound{Min: orb.Point{h.MinLon, h.MinLat}, Max: orb.Point{h.MaxLon, h.MaxLat}}, 0, h.MaxZoom)
	if h.MaxZoom != 14 || len(all) < 100 {
		t.Fatalf("header %+v: %d tiles", h, len(all))
	}
	ask := make([][3]uint32, len(all))
	for i, tl := range all {
		ask[i] = [3]uint32{uint32(tl.Z), tl.X, tl.Y}
	}
	js, _ := json.Marshal(ask)
	os.WriteFile(list, js, 0o644)
	if out, err = exec.Command("node", read, path, list).Output(); err != nil {
		t.Fatalf("node: %v", err)
	}
	var got struct{ Tiles []struct{ Data *string } }
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	found := 0
	for i, tl := range all {
		_, want := get(t, fmt.Sprintf("/collections/roads/tiles/WebMercatorQuad/%d/%d/%d", tl.Z, tl.Y, tl.X))
		var have []byte
		if d := got.Tiles[i].Data; d != nil {
			have, _ = base64.StdEncoding.DecodeString(*d)
			found++
		}
		if !bytes.Equal(have, want) {
			t.Errorf("tile %d/%d/%d: %d bytes in the archive, %d served", tl.Z, tl.X, tl.Y, len(have), len(want))
		}
	}
	if found == 0 {
		t.Error("no tile in the archive")
	}
}

// BenchmarkItemsFormats serves one page of addresses (a bbox over Labège,
// limit 1000) in each format through the real HTTP server, on the store
// under test (SOCLE_TEST_STORE): ns/op is a page, MB/s the body's bytes
// (uncompressed). On the sample territory the page holds a few hundred
// addresses; bench/formats.sh measures the 250,000-address territory.
//
//	go test ./internal/server -run '^$' -bench ItemsFormats -benchtime 200x
func BenchmarkItemsFormats(b *testing.B) {
	if env.kind == "postgis" && os.Getenv("SOCLE_TEST_DATABASE_URL") == "" {
		b.Skip("SKIPPED: no database (SOCLE_TEST_DATABASE_URL), or set SOCLE_TEST_STORE=embedded")
	}
	if env.err != nil {
		b.Fatal(env.err)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for _, f := range []string{"json", "fgb", "csv", "jsonfg"} {
		b.Run(f, func(b *testing.B) {
			url := env.srv.URL + "/collections/addresses/items?bbox=1.50,43.52,1.58,43.57&limit=1000&f=" + f
			var n int64
			for i := 0; i < b.N; i++ {
				resp, err := client.Get(url)
				if err != nil {
					b.Fatal(err)
				}
				m, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("%d %v", resp.StatusCode, err)
				}
				n = m
			}
			b.SetBytes(n)
			b.ReportMetric(float64(n), "bytes/page")
		})
	}
}
