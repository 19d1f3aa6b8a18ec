package flatgeobuf_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/format/flatgeobuf"
	"github.com/socle-geo/socle/ogc/featurestream"
	"github.com/socle-geo/socle/ogc/featurestream/featurestreamtest"
)

// write encodes the features into a file of dir and returns its path.
func write(t testing.TB, dir string, cols []featurestream.Column, feats []featurestream.Feature, opts flatgeobuf.Options) string {
	t.Helper()
	var buf bytes.Buffer
	if opts.TempDir == "" {
		opts.TempDir = t.TempDir()
	}
	e, err := flatgeobuf.NewEncoder(&buf, cols, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range feats {
		if err := e.Encode(&feats[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(opts.TempDir); len(left) != 0 {
		t.Errorf("the spill file was left behind: %v", left)
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%v.fgb", opts.Name, opts.Index))
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// gdalFeatures converts the file to GeoJSON with ogr2ogr, extra arguments
// (a spatial filter) first, and returns GDAL's features.
func gdalFeatures(t *testing.T, path string, args ...string) []gdalFeature {
	t.Helper()
	out := featurestreamtest.Tool(t, "ogr2ogr", append(append([]string{"-f", "GeoJSON"}, args...), "/vsistdout/", path)...)
	var fc struct{ Features []gdalFeature }
	if err := json.Unmarshal([]byte(out), &fc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return fc.Features
}

type gdalFeature struct {
	Properties map[string]any
	Geometry   json.RawMessage
}

func (f gdalFeature) geometry(t *testing.T) orb.Geometry {
	t.Helper()
	if string(f.Geometry) == "null" || f.Geometry == nil {
		return nil
	}
	g, err := featurestreamtest.ParseGeoJSONGeometry(f.Geometry)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGDALReadsIt writes the sample (every geometry type, nulls, Unicode,
// a feature without geometry) with and without index, and checks what
// GDAL's FlatGeobuf driver reads: the count, the CRS, the field names and
// types, every value and every coordinate.
func TestGDALReadsIt(t *testing.T) {
	dir := t.TempDir()
	feats := featurestreamtest.Sample()
	for _, index := range []bool{true, false} {
		path := write(t, dir, featurestreamtest.Columns, feats, flatgeobuf.Options{Name: "sample", SRID: 2154, Index: index})
		info := featurestreamtest.Tool(t, "ogrinfo", "-ro", "-so", "-al", path)
		for _, want := range []string{
			"Layer name: sample", `ID["EPSG",2154]`,
			"id: Integer64", "name: String", "numero: Integer64", "width: Real", "paved: Integer(Boolean)",
			"date_der_maj: DateTime", "observed_at: DateTime", "by_year: String",
		} {
			if !strings.Contains(info, want) {
				t.Errorf("index %v: ogrinfo does not say %q:\n%s", index, want, info)
			}
		}
		if index {
			// The header of an indexed file has the count and the extent.
			for _, want := range []string{"Feature Count: 8", "Extent: (578000.000000, 6267000.000000) - (585000.000000, 6275400.000000)"} {
				if !strings.Contains(info, want) {
					t.Errorf("ogrinfo does not say %q:\n%s", want, info)
				}
			}
		}
		got := gdalFeatures(t, path)
		if len(got) != len(feats) {
			t.Fatalf("index %v: GDAL read %d features, want %d", index, len(got), len(feats))
		}
		byID := map[float64]gdalFeature{}
		for _, g := range got {
			byID[g.Properties["id"].(float64)] = g
		}
		for _, f := range feats {
			g, ok := byID[float64(f.ID.(int64))]
			if !ok {
				t.Errorf("index %v: feature %v missing", index, f.ID)
				continue
			}
			if geom := g.geometry(t); !orb.Equal(geom, f.Geometry) {
				t.Errorf("index %v: feature %v: GDAL read %s, want %v", index, f.ID, g.Geometry, f.Geometry)
			}
			for i, c := range featurestreamtest.Columns {
				checkValue(t, f.ID, c, f.Values[i], g.Properties[c.Name])
			}
		}
	}
}

// checkValue compares a value with what GDAL's GeoJSON of it holds.
func checkValue(t *testing.T, id any, c featurestream.Column, want, got any) {
	t.Helper()
	var ok bool
	switch w := want.(type) {
	case nil:
		ok = got == nil
	case string:
		ok = got == w
	case int64:
		ok = got == float64(w)
	case float64:
		ok = got == w
	case bool:
		ok = got == w
	case time.Time:
		// A DateTime column: GDAL reads a date as its midnight.
		s, _ := got.(string)
		if c.Type == featurestream.TypeDate {
			ok = s == w.Format("2006-01-02T00:00:00")
		} else {
			back, err := time.Parse(time.RFC3339, s)
			ok = err == nil && back.Equal(w)
		}
	case json.RawMessage:
		// A Json column: GDAL writes it back as JSON.
		var v any
		ok = json.Unmarshal(w, &v) == nil && reflect.DeepEqual(v, got)
	}
	if !ok {
		t.Errorf("feature %v, %s: GDAL read %#v, want %#v", id, c.Name, got, want)
	}
}

// TestGDALUsesTheIndex checks spatial filters on 1,000 roads (a tree of
// four levels) against a brute-force search, then moves every leaf box of
// the index away and sees GDAL find nothing: it answers from the index.
func TestGDALUsesTheIndex(t *testing.T) {
	dir := t.TempDir()
	feats := featurestreamtest.Roads(1000)
	path := write(t, dir, featurestreamtest.RoadColumns, feats, flatgeobuf.Options{Name: "roads", SRID: 2154, GeometryType: "LineString", Index: true})
	boxes := []orb.Bound{
		{Min: orb.Point{572000, 6267000}, Max: orb.Point{573500, 6268000}},
		{Min: orb.Point{580000, 6270000}, Max: orb.Point{580200, 6270300}},
		{Min: orb.Point{570000, 6265000}, Max: orb.Point{577500, 6272500}},
	}
	for _, b := range boxes {
		want := map[float64]bool{}
		for _, f := range feats {
			if f.Geometry.Bound().Intersects(b) {
				want[float64(f.ID.(int64))] = true
			}
		}
		got := gdalFeatures(t, path, spat(b)...)
		ids := map[float64]bool{}
		for _, g := range got {
			ids[g.Properties["id"].(float64)] = true
		}
		// GDAL keeps the features whose geometry (not only box) meets the
		// filter: a subset of the boxes that do, never one outside.
		for id := range ids {
			if !want[id] {
				t.Errorf("box %v: GDAL returned road %v, whose box is outside", b, id)
			}
		}
		if len(ids) == 0 || len(want) == 0 {
			t.Errorf("box %v: GDAL found %d roads of %d candidates", b, len(ids), len(want))
		}
	}

	// Move every leaf box far away: a reader that used the index finds
	// nothing in the first box any more; one that scanned would.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	headerSize := int(binary.LittleEndian.Uint32(data[8:]))
	nodes := 1000 + 63 + 4 + 1 // 1000 leaves grouped by 16, up to one root
	leaves := 12 + headerSize + 40*(nodes-1000)
	for i := range 1000 {
		for k := range 4 {
			binary.LittleEndian.PutUint64(data[leaves+40*i+8*k:], math.Float64bits(-1))
		}
	}
	moved := filepath.Join(dir, "moved.fgb")
	if err := os.WriteFile(moved, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := gdalFeatures(t, moved, spat(boxes[0])...); len(got) != 0 {
		t.Errorf("GDAL found %d roads through an index that points nowhere: it did not use the index", len(got))
	}
	if got := gdalFeatures(t, moved); len(got) != 1000 {
		t.Errorf("without filter GDAL read %d roads, want 1000", len(got))
	}
}

func spat(b orb.Bound) []string {
	return []string{"-spat", fmt.Sprint(b.Min[0]), fmt.Sprint(b.Min[1]), fmt.Sprint(b.Max[0]), fmt.Sprint(b.Max[1])}
}

// TestCRS84AndStringIDs writes longitude/latitude points with string ids
// and a declared geometry type.
func TestCRS84AndStringIDs(t *testing.T) {
	cols := []featurestream.Column{{Name: "nom", Type: featurestream.TypeString}}
	feats := []featurestream.Feature{
		{ID: "31254_0010", Geometry: orb.Point{1.5193462, 43.5311027}, Values: []any{"Labège"}},
		{ID: "31113_0200", Geometry: orb.Point{1.4988311, 43.5160921}, Values: []any{"Castanet-Tolosan"}},
	}
	path := write(t, t.TempDir(), cols, feats, flatgeobuf.Options{Name: "addresses", SRID: 4326, GeometryType: "Point", IDType: featurestream.TypeString, IDColumn: "cle_interop", Index: true})
	info := featurestreamtest.Tool(t, "ogrinfo", "-ro", "-so", "-al", path)
	for _, want := range []string{"Geometry: Point", `ID["EPSG",4326]`, "cle_interop: String", "Data axis to CRS axis mapping: 2,1"} {
		if !strings.Contains(info, want) {
			t.Errorf("ogrinfo does not say %q:\n%s", want, info)
		}
	}
	got := gdalFeatures(t, path, "-spat", "1.51", "43.53", "1.53", "43.54")
	if len(got) != 1 || got[0].Properties["cle_interop"] != "31254_0010" || !orb.Equal(got[0].geometry(t), feats[0].Geometry) {
		t.Errorf("GDAL found %+v", got)
	}
}

func TestEmpty(t *testing.T) {
	for _, index := range []bool{true, false} {
		path := write(t, t.TempDir(), featurestreamtest.Columns, nil, flatgeobuf.Options{Name: "none", SRID: 2154, Index: index})
		info := featurestreamtest.Tool(t, "ogrinfo", "-ro", "-so", "-al", path)
		if !strings.Contains(info, "Feature Count: 0") || !strings.Contains(info, "name: String") {
			t.Errorf("index %v: ogrinfo:\n%s", index, info)
		}
	}
}

func TestErrors(t *testing.T) {
	e, err := flatgeobuf.NewEncoder(&bytes.Buffer{}, nil, flatgeobuf.Options{GeometryType: "Point"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Encode(&featurestream.Feature{ID: int64(1), Geometry: orb.LineString{{0, 0}, {1, 1}}}); err == nil {
		t.Error("a line string in a file of points was accepted")
	}
	if err := e.Encode(&featurestream.Feature{ID: int64(2), Geometry: orb.Point{0, 0}}); err == nil {
		t.Error("Encode went on after an error")
	}
	if err := e.Close(); err == nil {
		t.Error("Close hid the error")
	}
	e, _ = flatgeobuf.NewEncoder(&bytes.Buffer{}, nil, flatgeobuf.Options{})
	if err := e.Encode(&featurestream.Feature{ID: "a"}); err == nil {
		t.Error("a string id in a file of integer ids was accepted")
	}
	if _, err := flatgeobuf.NewEncoder(&bytes.Buffer{}, []featurestream.Column{{Name: "id", Type: featurestream.TypeString}}, flatgeobuf.Options{}); err == nil {
		t.Error("a column named like the id column was accepted")
	}
	if _, err := flatgeobuf.NewEncoder(&bytes.Buffer{}, nil, flatgeobuf.Options{GeometryType: "Circle"}); err == nil {
		t.Error("an unknown geometry type was accepted")
	}
}

// TestMemoryBound holds the package's promise: without index the heap
// does not grow with the features; with index it grows by the 48 bytes
// per feature kept for the tree (plus the slice's slack), not by the
// features themselves (about 240 bytes each here), which go to the spill
// file.
func TestMemoryBound(t *testing.T) {
	feats := featurestreamtest.Addresses(1000)
	const n = 100000
	for _, c := range []struct {
		index   bool
		maxPerF float64
	}{{false, 1}, {true, 100}} {
		e, err := flatgeobuf.NewEncoder(io.Discard, featurestreamtest.AddressColumns, flatgeobuf.Options{SRID: 2154, Index: c.index, TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		f := feats[0]
		if err := e.Encode(&f); err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := 1; i < n; i++ {
			f := feats[i%len(feats)]
			f.ID = int64(i + 1)
			if err := e.Encode(&f); err != nil {
				t.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perFeature := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / n
		if perFeature > c.maxPerF {
			t.Errorf("index %v: the heap grew by %.1f bytes per feature, want at most %v", c.index, perFeature, c.maxPerF)
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
