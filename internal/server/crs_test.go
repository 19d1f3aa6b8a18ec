package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/socle-geo/socle/ogc/crs"
)

// crsOracle holds what PostGIS computes for a CRS test, so that the
// embedded store is checked against PostGIS without a database: on PostGIS
// every value is computed by PostGIS and compared with the committed one
// (testdata/crs/TEST.json), and -update rewrites the file; under the
// embedded store the committed values are the oracle.
type crsOracle struct {
	t    *testing.T
	path string
	want map[string][]float64 // committed
	got  map[string][]float64 // computed by PostGIS in this run
	pg   *pgx.Conn
}

func newCRSOracle(t *testing.T) *crsOracle {
	t.Helper()
	o := &crsOracle{t: t, path: filepath.Join("testdata", "crs", t.Name()+".json"), want: map[string][]float64{}, got: map[string][]float64{}}
	b, err := os.ReadFile(o.path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &o.want); err != nil {
			t.Fatalf("%s: %v", o.path, err)
		}
	case !errors.Is(err, fs.ErrNotExist) || env.kind != "postgis":
		t.Fatalf("%v (run go test -update on PostGIS)", err)
	}
	if env.kind != "postgis" {
		return o
	}
	o.pg, err = pgx.Connect(context.Background(), env.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		o.pg.Close(context.Background())
		if !*update || t.Failed() {
			return
		}
		b, err := json.MarshalIndent(o.got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(o.path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(o.path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	})
	return o
}

// value returns the n numbers PostGIS answers to sql with args, named by key
// (which holds the arguments, so that a changed input is not answered by a
// stale value).
func (o *crsOracle) value(key string, n int, sql string, args ...any) []float64 {
	o.t.Helper()
	want, committed := o.want[key]
	if o.pg == nil {
		if !committed {
			o.t.Fatalf("%s: no value for %q (run go test -update on PostGIS)", o.path, key)
		}
		return want
	}
	got := make([]float64, n)
	dest := make([]any, n)
	for i := range got {
		dest[i] = &got[i]
	}
	if err := o.pg.QueryRow(context.Background(), sql, args...).Scan(dest...); err != nil {
		o.t.Fatal(err)
	}
	o.got[key] = got
	if *update {
		return got
	}
	if !committed || len(want) != len(got) {
		o.t.Errorf("%s: no value for %q (run go test -update)", o.path, key)
		return got
	}
	// PROJ versions may differ in the last digits: allow 1e-10 of the value
	// (0.6 mm in Lambert-93, 5e-9 degrees), well below what the tests
	// tolerate, far above a real change.
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-10*math.Abs(want[i]) {
			o.t.Errorf("%s: %q is %v, PostGIS says %v (run go test -update)", o.path, key, want, got)
			break
		}
	}
	return got
}

// transform is where a CRS84 point lies in srid (x, y as PostGIS orders
// them: easting or longitude first).
func (o *crsOracle) transform(lon, lat float64, srid int) (float64, float64) {
	o.t.Helper()
	v := o.value(fmt.Sprintf("point %.9f %.9f in EPSG:%d", lon, lat, srid), 2,
		"SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 4326), $3::int) AS g) s", lon, lat, srid)
	return v[0], v[1]
}

type pointFeature struct {
	Geometry struct {
		Type        string
		Coordinates []float64
	}
}

// TestOutputCRSAndAxisOrder fetches one address in every CRS and checks the
// coordinates against PostGIS (its committed answers under the embedded
// store), in the axis order each CRS defines.
func TestOutputCRSAndAxisOrder(t *testing.T) {
	resp, body := get(t, "/collections/addresses/items/1")
	oracle := newCRSOracle(t)
	var ref pointFeature
	if err := json.Unmarshal(body, &ref); err != nil || resp.Header.Get("Content-Crs") != "<"+crs.CRS84.URI+">" {
		t.Fatalf("%v %s", err, resp.Header)
	}
	lon, lat := ref.Geometry.Coordinates[0], ref.Geometry.Coordinates[1]
	for _, c := range crs.Supported {
		resp, body := get(t, "/collections/addresses/items/1?crs="+url.QueryEscape(c.URI))
		if resp.StatusCode != 200 || resp.Header.Get("Content-Crs") != "<"+c.URI+">" {
			t.Errorf("%s: %d Content-Crs %q", c.URI, resp.StatusCode, resp.Header.Get("Content-Crs"))
			continue
		}
		var f pointFeature
		_ = json.Unmarshal(body, &f)
		x, y := oracle.transform(lon, lat, c.SRID)
		want := []float64{x, y}
		if c.YX {
			want = []float64{y, x}
		}
		tol := 0.006 // metres: output keeps 2 decimals
		if c.Geographic {
			tol = 2e-7 // degrees: 7 decimals of the reference, rounded twice
		}
		for i := range want {
			if math.Abs(f.Geometry.Coordinates[i]-want[i]) > tol {
				t.Errorf("%s: coordinates %v, want %v", c.URI, f.Geometry.Coordinates, want)
				break
			}
		}
	}
	// Items honour crs too, with the same header.
	resp, _ = get(t, "/collections/roads/items?limit=2&crs="+url.QueryEscape(crs.Lambert.URI))
	if resp.Header.Get("Content-Crs") != "<"+crs.Lambert.URI+">" {
		t.Errorf("items Content-Crs %q", resp.Header.Get("Content-Crs"))
	}
}

// TestBBoxInEveryCRS selects features with the same area expressed in each
// CRS and axis order: the selections agree with the CRS84 one (a box that is
// straight in one CRS is slightly curved in another, so the test box is
// chosen in an area where no feature lies within metres of its edges; the
// count must be non-trivial).
func TestBBoxInEveryCRS(t *testing.T) {
	// A box around Labège's centre, in Lambert-93, then in the others.
	x0, y0, x1, y1 := 579000.0, 6268000.0, 582000.0, 6271000.0
	ids := func(path string) []string {
		fc := items(t, path)
		var out []string
		for _, f := range fc.Features {
			out = append(out, string(f.ID))
		}
		slices.Sort(out)
		return out
	}
	base := ids(fmt.Sprintf("/collections/addresses/items?limit=10000&properties=&bbox=%f,%f,%f,%f&bbox-crs=%s", x0, y0, x1, y1, url.QueryEscape(crs.Lambert.URI)))
	grown := ids(fmt.Sprintf("/collections/addresses/items?limit=10000&properties=&bbox=%f,%f,%f,%f&bbox-crs=%s", x0-800, y0-800, x1+800, y1+800, url.QueryEscape(crs.Lambert.URI)))
	if len(base) < 10 {
		t.Fatalf("the test box holds only %d addresses", len(base))
	}
	oracle := newCRSOracle(t)
	for _, c := range crs.Supported {
		if c == crs.Lambert {
			continue
		}
		// Transform the Lambert box's corners, then shrink/grow nothing: the
		// selection may differ only for features within the curvature of
		// the edges, which the tolerance count below allows for.
		e := oracle.value(fmt.Sprintf("envelope %.0f %.0f %.0f %.0f of EPSG:2154 in EPSG:%d", x0, y0, x1, y1, c.SRID), 4,
			`SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
			FROM (SELECT ST_Transform(ST_MakeEnvelope($1, $2, $3, $4, 2154), $5::int) AS e) s`, x0, y0, x1, y1, c.SRID)
		a, b, cc, d := e[0], e[1], e[2], e[3]
		box := fmt.Sprintf("%.9f,%.9f,%.9f,%.9f", a, b, cc, d)
		if c.YX {
			box = fmt.Sprintf("%.9f,%.9f,%.9f,%.9f", b, a, d, cc)
		}
		got := ids("/collections/addresses/items?limit=10000&properties=&bbox=" + box + "&bbox-crs=" + url.QueryEscape(c.URI))
		missing := 0
		for _, id := range base {
			if _, ok := slices.BinarySearch(got, id); !ok {
				missing++
			}
		}
		// The envelope of the transformed box contains the original box
		// (the grids are rotated against each other), so it may select more,
		// never fewer — and nothing beyond the Lambert box grown by 800 m.
		extra := 0
		for _, id := range got {
			if _, ok := slices.BinarySearch(grown, id); !ok {
				extra++
			}
		}
		if missing > 0 || extra > 0 {
			t.Errorf("%s: box %s selects %d (missing %d, %d beyond the grown box) vs %d in Lambert-93", c.URI, box, len(got), missing, extra, len(base))
		}
	}
	// Axis order matters: the same numbers in the wrong order select nothing.
	got := ids("/collections/addresses/items?limit=10&bbox=1.5,43.5,1.6,43.6&bbox-crs=" + url.QueryEscape(crs.WGS84.URI))
	if len(got) != 0 {
		t.Errorf("lon,lat numbers read as lat,lon should select nothing, got %d", len(got))
	}
}

func TestCRSBadInput(t *testing.T) {
	for _, tc := range []struct{ path, detail string }{
		{"/collections/addresses/items?crs=EPSG:27572", "crs"},
		{"/collections/addresses/items?crs=http://www.opengis.net/def/crs/EPSG/0/9999", "crs"},
		{"/collections/addresses/items/1?crs=nope", "crs"},
		{"/collections/addresses/items?bbox-crs=" + url.QueryEscape(crs.Lambert.URI), "bbox-crs is given without a bbox"},
		{"/collections/addresses/items?bbox=43,1,44,2&bbox-crs=EPSG:4326&crs=EPSG:1", "crs"},
		{"/collections/addresses/items?bbox=1,43,2,44&bbox-crs=EPSG:4326", ""}, // lat 1..2 is valid, just empty
		{"/collections/addresses/items?bbox=100,1,120,2&bbox-crs=" + url.QueryEscape(crs.WGS84.URI), "minlat"},
	} {
		resp, body := get(t, tc.path)
		want := 400
		if tc.detail == "" {
			want = 200
		}
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d: %s", tc.path, resp.StatusCode, want, body)
		}
	}
}
