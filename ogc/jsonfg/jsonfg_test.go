package jsonfg_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/socle-geo/socle/ogc/crs"
	"github.com/socle-geo/socle/ogc/features"
	"github.com/socle-geo/socle/ogc/featurestream"
	"github.com/socle-geo/socle/ogc/featurestream/featurestreamtest"
	"github.com/socle-geo/socle/ogc/jsonfg"
)

// schemas compiles the vendored JSON-FG 0.2.2 schemas (testdata/schemas,
// see SOURCES.md), each registered under its $id: no network access.
var schemas = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	const base = "https://beta.schemas.opengis.net/json-fg/"
	c := jsonschema.NewCompiler()
	files, err := filepath.Glob("testdata/schemas/*.json")
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
		if err := c.AddResource(base+filepath.Base(path), doc); err != nil {
			return nil, err
		}
	}
	out := map[string]*jsonschema.Schema{}
	for _, name := range []string{"feature", "featurecollection"} {
		if out[name], err = c.Compile(base + name + ".json"); err != nil {
			return nil, err
		}
	}
	return out, nil
})

// validate checks a document against the JSON-FG schema of its kind.
func validate(t *testing.T, kind string, doc []byte) {
	t.Helper()
	s, err := schemas()
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, doc)
	}
	if err := s[kind].Validate(v); err != nil {
		t.Errorf("invalid %s: %v\n%s", kind, err, doc)
	}
}

// sample returns the sample features with their geometries in srid.
func sample(t *testing.T, srid int) []featurestream.Feature {
	t.Helper()
	feats := featurestreamtest.Sample()
	if srid == 2154 {
		return feats
	}
	tr, err := crs.NewTransformer(2154, srid)
	if err != nil {
		t.Fatal(err)
	}
	for i := range feats {
		if feats[i].Geometry != nil {
			if feats[i].Geometry, err = crs.TransformGeometry(feats[i].Geometry, tr); err != nil {
				t.Fatal(err)
			}
		}
	}
	return feats
}

func transformer(t *testing.T, from, to int) crs.Transformer {
	t.Helper()
	tr, err := crs.NewTransformer(from, to)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func encodeCollection(t *testing.T, feats []featurestream.Feature, opts jsonfg.Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	e, err := jsonfg.NewEncoder(&buf, featurestreamtest.Columns, opts)
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
	return buf.Bytes()
}

// doc is what the tests read of a document.
type doc struct {
	Type              string
	ConformsTo        []string
	CoordRefSys       string
	FeatureType       string
	GeometryDimension *int
	NumberMatched     *int64
	NumberReturned    *int64
	TimeStamp         string
	Links             []features.Link
	Features          []feature
}

type feature struct {
	Type        string
	ID          any
	ConformsTo  []string
	CoordRefSys string
	Time        map[string]any
	Place       json.RawMessage
	Geometry    json.RawMessage
	Properties  map[string]any
}

func geometry(t *testing.T, raw json.RawMessage) orb.Geometry {
	t.Helper()
	if string(raw) == "null" {
		return nil
	}
	g, err := featurestreamtest.ParseGeoJSONGeometry(raw)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// near reports whether a and b have the same shape and positions within
// tol on each axis.
func near(a, b orb.Geometry, tol float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if a.GeoJSONType() != b.GeoJSONType() {
		return false
	}
	var pa, pb []orb.Point
	collect := func(dst *[]orb.Point) func(orb.Point) {
		return func(p orb.Point) { *dst = append(*dst, p) }
	}
	eachPoint(a, collect(&pa))
	eachPoint(b, collect(&pb))
	if len(pa) != len(pb) {
		return false
	}
	for i := range pa {
		if math.Abs(pa[i][0]-pb[i][0]) > tol || math.Abs(pa[i][1]-pb[i][1]) > tol {
			return false
		}
	}
	return true
}

func eachPoint(g orb.Geometry, f func(orb.Point)) {
	switch g := g.(type) {
	case orb.Point:
		f(g)
	case orb.MultiPoint:
		for _, p := range g {
			f(p)
		}
	case orb.LineString:
		eachPoint(orb.MultiPoint(g), f)
	case orb.Ring:
		eachPoint(orb.MultiPoint(g), f)
	case orb.MultiLineString:
		for _, l := range g {
			eachPoint(l, f)
		}
	case orb.Polygon:
		for _, r := range g {
			eachPoint(r, f)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			eachPoint(p, f)
		}
	}
}

var utcTimestamp = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$`)

// TestCollections encodes the sample in CRS84, Lambert-93 (with and
// without the WGS 84 fallback) and EPSG:4326 (latitude first), validates
// each document against the JSON-FG schema and checks the draft's rules
// the schema cannot: where the geometry goes, in which axis order, "time"
// in UTC, "conformsTo" on the root only, the media type.
func TestCollections(t *testing.T) {
	matched := int64(42)
	links := []features.Link{{Href: "https://socle.example/collections/sample/items?f=jsonfg", Rel: "self", Type: jsonfg.MediaType}}
	stamp := time.Date(2026, 12, 6, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	for _, c := range []struct {
		name      string
		srid      int
		opts      jsonfg.Options
		mediaType string
	}{
		{"CRS84", 4326, jsonfg.Options{Decimals: 7, FeatureType: "sample", Time: jsonfg.Time{Instant: "observed_at"}}, jsonfg.MediaType},
		{"Lambert-93", 2154, jsonfg.Options{CRS: crs.Lambert, Decimals: 2, FeatureType: "sample", Time: jsonfg.Time{Instant: "date_der_maj"}}, jsonfg.MediaType},
		{"Lambert-93 with fallback", 2154, jsonfg.Options{CRS: crs.Lambert, Decimals: 2, Time: jsonfg.Time{Start: "observed_at", End: "observed_at"}}, jsonfg.MediaTypeCompatible},
		{"EPSG:4326", 4326, jsonfg.Options{CRS: crs.WGS84, Decimals: 7, Time: jsonfg.Time{Start: "date_der_maj", End: "date_der_maj"}}, jsonfg.MediaTypeCompatible},
	} {
		t.Run(c.name, func(t *testing.T) {
			feats := sample(t, c.srid)
			opts := c.opts
			opts.Links, opts.NumberMatched, opts.TimeStamp = links, &matched, stamp
			if c.mediaType == jsonfg.MediaTypeCompatible {
				opts.Fallback = transformer(t, c.srid, 4326)
			}
			if got := opts.MediaType(); got != c.mediaType {
				t.Errorf("media type %q, want %q", got, c.mediaType)
			}
			out := encodeCollection(t, feats, opts)
			validate(t, "featurecollection", out)
			var d doc
			if err := json.Unmarshal(out, &d); err != nil {
				t.Fatal(err)
			}
			wantCRS := opts.CRS.URI
			if wantCRS == "" {
				wantCRS = crs.CRS84.URI
			}
			if d.Type != "FeatureCollection" || d.CoordRefSys != wantCRS || d.ConformsTo[0] != jsonfg.ConfCore ||
				*d.NumberMatched != 42 || *d.NumberReturned != int64(len(feats)) || d.TimeStamp != "2026-12-06T08:30:00Z" || len(d.Links) != 1 {
				t.Errorf("collection members: %+v", d)
			}
			if opts.FeatureType != "" && (d.FeatureType != "sample" || len(d.ConformsTo) != 2 || d.ConformsTo[1] != jsonfg.ConfTypesSchemas) {
				t.Errorf("feature type %q, conformsTo %q", d.FeatureType, d.ConformsTo)
			}
			if d.GeometryDimension != nil {
				t.Errorf("geometryDimension %d for a mixed collection", *d.GeometryDimension)
			}
			if len(d.Features) != len(feats) {
				t.Fatalf("%d features, want %d", len(d.Features), len(feats))
			}
			for i, f := range feats {
				got := d.Features[i]
				if got.ConformsTo != nil || got.CoordRefSys != "" {
					t.Errorf("feature %v repeats root members (/req/core/metadata C)", f.ID)
				}
				if got.ID != float64(f.ID.(int64)) || got.Properties["name"] != nilIfNil(f.Values[0]) {
					t.Errorf("feature %v: id %v, name %v", f.ID, got.ID, got.Properties["name"])
				}
				place, geom := geometry(t, got.Place), geometry(t, got.Geometry)
				tol := math.Pow(10, -float64(opts.Decimals)) / 2
				switch {
				case opts.CRS.URI == "":
					if place != nil || !near(geom, f.Geometry, tol) {
						t.Errorf("CRS84 feature %v: place %s, geometry %s", f.ID, got.Place, got.Geometry)
					}
				default:
					wantPlace := f.Geometry
					if opts.CRS.YX && wantPlace != nil {
						wantPlace = crs.SwapAxes(wantPlace)
					}
					if !near(place, wantPlace, tol) {
						t.Errorf("feature %v: place %s, want %v", f.ID, got.Place, wantPlace)
					}
					var wantGeom orb.Geometry
					if opts.Fallback != nil && f.Geometry != nil {
						wantGeom, _ = crs.TransformGeometry(f.Geometry, opts.Fallback)
					}
					if !near(geom, wantGeom, 1e-7) {
						t.Errorf("feature %v: geometry %s, want %v", f.ID, got.Geometry, wantGeom)
					}
				}
				checkTime(t, opts.Time, f, got.Time)
			}
		})
	}
}

func nilIfNil(v any) any {
	if v == nil {
		return nil
	}
	return v
}

// checkTime checks the "time" member of a sample feature.
func checkTime(t *testing.T, tm jsonfg.Time, f featurestream.Feature, got map[string]any) {
	t.Helper()
	value := func(name string) (time.Time, bool) {
		for i, c := range featurestreamtest.Columns {
			if c.Name == name {
				v, ok := f.Values[i].(time.Time)
				return v, ok
			}
		}
		t.Fatalf("no column %s", name)
		return time.Time{}, false
	}
	format := func(name string, v time.Time) string {
		if name == "date_der_maj" {
			return v.Format(time.DateOnly)
		}
		s := v.UTC().Format(time.RFC3339Nano)
		if !utcTimestamp.MatchString(s) {
			t.Errorf("timestamp %q is not in UTC (/req/core/utc)", s)
		}
		return s
	}
	var want map[string]any
	switch {
	case tm.Instant != "":
		if v, ok := value(tm.Instant); ok {
			key := "timestamp"
			if tm.Instant == "date_der_maj" {
				key = "date"
			}
			want = map[string]any{key: format(tm.Instant, v)}
		}
	case tm.Start != "":
		s, sok := value(tm.Start)
		e, eok := value(tm.End)
		if sok || eok {
			iv := []any{"..", ".."}
			if sok {
				iv[0] = format(tm.Start, s)
			}
			if eok {
				iv[1] = format(tm.End, e)
			}
			want = map[string]any{"interval": iv}
		}
	}
	if js, wjs := mustJSON(got), mustJSON(want); js != wjs {
		t.Errorf("feature %v: time %s, want %s", f.ID, js, wjs)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestFeature writes each sample feature as a single-feature document.
func TestFeature(t *testing.T) {
	feats := sample(t, 2154)
	opts := jsonfg.Options{
		CRS: crs.Lambert, Decimals: 2, Fallback: transformer(t, 2154, 4326), FeatureType: "sample",
		Time:  jsonfg.Time{Instant: "observed_at"},
		Links: []features.Link{{Href: "https://socle.example/collections/sample/items/1", Rel: "self"}},
	}
	for i := range feats {
		var buf bytes.Buffer
		if err := jsonfg.WriteFeature(&buf, featurestreamtest.Columns, &feats[i], opts); err != nil {
			t.Fatal(err)
		}
		validate(t, "feature", buf.Bytes())
		var got feature
		var links struct {
			FeatureType string
			Links       []features.Link
		}
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(buf.Bytes(), &links)
		if got.Type != "Feature" || got.CoordRefSys != crs.Lambert.URI || len(got.ConformsTo) != 2 || links.FeatureType != "sample" || len(links.Links) != 1 {
			t.Errorf("feature %v: %s", feats[i].ID, buf.Bytes())
		}
	}
	// Objects stay objects; text is escaped.
	var buf bytes.Buffer
	if err := jsonfg.WriteFeature(&buf, featurestreamtest.Columns, &feats[0], jsonfg.Options{CRS: crs.Lambert}); err != nil {
		t.Fatal(err)
	}
	var got feature
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Properties["name"] != featurestreamtest.Unicode || got.Properties["by_year"].(map[string]any)["note"] != "a,b" ||
		got.Properties["observed_at"] != "2024-11-02T07:31:05.25+01:00" || got.Properties["date_der_maj"] != "2024-03-01" {
		t.Errorf("properties %v", got.Properties)
	}
}

// TestGeometryDimension: a homogeneous typed collection says its geometry
// dimension.
func TestGeometryDimension(t *testing.T) {
	var buf bytes.Buffer
	e, err := jsonfg.NewEncoder(&buf, featurestreamtest.RoadColumns, jsonfg.Options{FeatureType: "roads", Decimals: 7})
	if err != nil {
		t.Fatal(err)
	}
	tr := transformer(t, 2154, 4326)
	for _, f := range featurestreamtest.Roads(3) {
		f.Geometry, _ = crs.TransformGeometry(f.Geometry, tr)
		if err := e.Encode(&f); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	validate(t, "featurecollection", buf.Bytes())
	var d doc
	json.Unmarshal(buf.Bytes(), &d)
	if d.GeometryDimension == nil || *d.GeometryDimension != 1 {
		t.Errorf("geometryDimension %v, want 1", d.GeometryDimension)
	}
	// An empty collection is valid too.
	buf.Reset()
	e, _ = jsonfg.NewEncoder(&buf, featurestreamtest.Columns, jsonfg.Options{})
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	validate(t, "featurecollection", buf.Bytes())
	if !strings.Contains(buf.String(), `"features":[],"numberReturned":0`) {
		t.Errorf("empty collection: %s", buf.Bytes())
	}
}

// TestTrailer: the members a server knows only after the page (its
// links, numberMatched) come after the features, and the document stays
// valid.
func TestTrailer(t *testing.T) {
	var buf bytes.Buffer
	e, err := jsonfg.NewEncoder(&buf, featurestreamtest.Columns, jsonfg.Options{CRS: crs.Lambert, Decimals: 2, FeatureType: "sample"})
	if err != nil {
		t.Fatal(err)
	}
	feats := sample(t, 2154)
	for i := range feats {
		if err := e.Encode(&feats[i]); err != nil {
			t.Fatal(err)
		}
	}
	matched := int64(99)
	links := []features.Link{{Href: "https://socle.example/items?cursor=x&f=jsonfg", Rel: "next", Type: jsonfg.MediaType}}
	if err := e.CloseWith(jsonfg.Trailer{NumberMatched: &matched, Links: links}); err != nil {
		t.Fatal(err)
	}
	validate(t, "featurecollection", buf.Bytes())
	var d doc
	if err := json.Unmarshal(buf.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	if d.NumberMatched == nil || *d.NumberMatched != 99 || len(d.Links) != 1 || d.Links[0].Rel != "next" || *d.NumberReturned != int64(len(feats)) {
		t.Errorf("trailer members: %+v", d)
	}
	if i, j := strings.Index(buf.String(), `"features"`), strings.Index(buf.String(), `"links"`); j < i {
		t.Errorf("links before the features: %s", buf.Bytes())
	}
}

func TestOptionErrors(t *testing.T) {
	for _, tm := range []jsonfg.Time{
		{Instant: "name"},
		{Instant: "missing"},
		{Start: "date_der_maj"},
		{Start: "date_der_maj", End: "observed_at"},
		{Instant: "observed_at", Start: "observed_at", End: "observed_at"},
	} {
		if _, err := jsonfg.NewEncoder(&bytes.Buffer{}, featurestreamtest.Columns, jsonfg.Options{Time: tm}); err == nil {
			t.Errorf("time %+v accepted", tm)
		}
	}
	e, _ := jsonfg.NewEncoder(&bytes.Buffer{}, featurestreamtest.Columns, jsonfg.Options{})
	f := featurestreamtest.Sample()[0]
	f.Values[6] = json.RawMessage(`{"a":`)
	if err := e.Encode(&f); err == nil {
		t.Error("invalid JSON in an object property accepted")
	}
}

// TestSchemaBites makes sure the compiled schemas reject what JSON-FG
// forbids, so that the validations above mean something.
func TestSchemaBites(t *testing.T) {
	s, err := schemas()
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{
		`{"type":"Feature","place":null,"geometry":null,"properties":{}}`,                                                  // no time
		`{"type":"Feature","time":{"timestamp":"2024-11-02T07:31:05+01:00"},"place":null,"geometry":null,"properties":{}}`, // not UTC
		`{"type":"Feature","time":null,"place":{"type":"Point","coordinates":[1]},"geometry":null,"properties":{}}`,
	} {
		v, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if s["feature"].Validate(v) == nil {
			t.Errorf("schema accepts %s", bad)
		}
	}
}
