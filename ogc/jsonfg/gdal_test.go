package jsonfg_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socle-geo/socle/ogc/crs"
	"github.com/socle-geo/socle/ogc/featurestream/featurestreamtest"
	"github.com/socle-geo/socle/ogc/jsonfg"
)

// TestGDALReadsIt opens JSON-FG collections with GDAL. GDAL gained a
// JSON-FG driver in 3.8; with an older GDAL (Debian 12 has 3.6) the
// GeoJSON driver reads the same file, as the draft intends for GeoJSON
// clients: the count, the properties and the "geometry" member (CRS84, or
// the WGS 84 fallback of a Lambert-93 document) must come through, the
// JSON-FG members ignored. With the JSONFG driver, "place" is read in
// Lambert-93.
func TestGDALReadsIt(t *testing.T) {
	dir := t.TempDir()
	formats := featurestreamtest.Tool(t, "ogrinfo", "--formats")
	hasJSONFG := strings.Contains(formats, "JSONFG")
	if !hasJSONFG {
		version, _ := exec.Command("ogrinfo", "--version").Output()
		t.Logf("%s: no JSONFG driver (GDAL ≥ 3.8); reading with the GeoJSON driver", strings.TrimSpace(string(version)))
	}
	for _, c := range []struct {
		name  string
		srid  int
		opts  jsonfg.Options
		place bool
	}{
		{"crs84", 4326, jsonfg.Options{Decimals: 7, FeatureType: "sample", Time: jsonfg.Time{Instant: "observed_at"}}, false},
		{"lambert93", 2154, jsonfg.Options{CRS: crs.Lambert, Decimals: 2, Fallback: transformer(t, 2154, 4326), FeatureType: "sample"}, true},
	} {
		feats := sample(t, c.srid)
		path := filepath.Join(dir, c.name+".json")
		out := encodeCollection(t, feats, c.opts)
		validate(t, "featurecollection", out)
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		// GDAL ≥ 3.8 would pick either driver for a .json file: name it
		// (-if came in 3.7). An older one has the GeoJSON driver only.
		driver, pick := "GeoJSON", []string{}
		if hasJSONFG {
			driver, pick = "JSONFG", []string{"-if", "JSONFG"}
		}
		info := featurestreamtest.Tool(t, "ogrinfo", append(append([]string{"-ro", "-so", "-al"}, pick...), path)...)
		for _, want := range []string{"Feature Count: 8", "name: String", "numero: Integer64", "width: Real", "paved: Integer(Boolean)", "date_der_maj: Date", "observed_at: DateTime"} {
			if !strings.Contains(info, want) {
				t.Errorf("%s: ogrinfo (%s) does not say %q:\n%s", c.name, driver, want, info)
			}
		}
		js := featurestreamtest.Tool(t, "ogr2ogr", append(append([]string{"-f", "GeoJSON"}, pick...), "/vsistdout/", path)...)
		var fc struct{ Features []feature }
		if err := json.Unmarshal([]byte(js), &fc); err != nil {
			t.Fatalf("%v\n%s", err, js)
		}
		if len(fc.Features) != len(feats) {
			t.Fatalf("%s: GDAL read %d features, want %d", c.name, len(fc.Features), len(feats))
		}
		ll := sample(t, 4326)
		for i, f := range feats {
			got := fc.Features[i]
			if got.Properties["name"] != nilIfNil(f.Values[0]) {
				t.Errorf("%s feature %v: name %v", c.name, f.ID, got.Properties["name"])
			}
			g := geometry(t, got.Geometry)
			switch {
			case hasJSONFG && c.place:
				if !near(g, f.Geometry, 0.005) {
					t.Errorf("%s feature %v: GDAL read %s, want %v (place)", c.name, f.ID, got.Geometry, f.Geometry)
				}
			default:
				if !near(g, ll[i].Geometry, 1e-7) {
					t.Errorf("%s feature %v: GDAL read %s, want %v", c.name, f.ID, got.Geometry, ll[i].Geometry)
				}
			}
		}
	}
}
