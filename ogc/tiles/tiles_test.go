package tiles

import (
	"math"
	"testing"
)

func sets(t *testing.T) map[string]*TileMatrixSet {
	all, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*TileMatrixSet{}
	for _, s := range all {
		out[s.ID] = s
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6*math.Max(1, math.Abs(b)) }

func TestBounds(t *testing.T) {
	s := sets(t)
	// WebMercatorQuad 0/0/0 is the whole square; 1/0/1 its north-east quarter.
	wm := s["WebMercatorQuad"]
	const e = 20037508.3427892
	for _, tc := range []struct {
		set            *TileMatrixSet
		z, r, c        string
		x0, y0, x1, y1 float64
	}{
		{wm, "0", "0", "0", -e, -e, e, e},
		{wm, "1", "0", "1", 0, 0, e, e},
		{wm, "1", "1", "0", -e, -e, 0, 0},
		// LAEA: origin (x 2,000,000; y 5,500,000), 4,500 km tiles at 0.
		{s["EuropeanETRS89_LAEAQuad"], "0", "0", "0", 2000000, 1000000, 6500000, 5500000},
		{s["EuropeanETRS89_LAEAQuad"], "1", "1", "0", 2000000, 1000000, 4250000, 3250000},
	} {
		tl, err := tc.set.Parse(tc.z, tc.r, tc.c)
		if err != nil {
			t.Fatal(err)
		}
		x0, y0, x1, y1 := tl.Bounds()
		if !near(x0, tc.x0) || !near(y0, tc.y0) || !near(x1, tc.x1) || !near(y1, tc.y1) {
			t.Errorf("%s %s/%s/%s: %v %v %v %v", tc.set.ID, tc.z, tc.r, tc.c, x0, y0, x1, y1)
		}
	}
	// The tile of Labège at z14 (x 8260, y 5987 in the XYZ scheme).
	tl, _ := wm.Parse("14", "5987", "8260")
	x0, y0, x1, y1 := tl.Bounds()
	lon := func(x float64) float64 { return x / 6378137 * 180 / math.Pi }
	lat := func(y float64) float64 { return math.Atan(math.Sinh(y/6378137)) * 180 / math.Pi }
	if !(lon(x0) < 1.51 && lon(x1) > 1.51 && lat(y0) < 43.53 && lat(y1) > 43.53) {
		t.Errorf("14/5987/8260 spans %f,%f – %f,%f, not Labège", lon(x0), lat(y0), lon(x1), lat(y1))
	}
	if r := tl.Resolution(); r < 6.5 || r > 7.2 {
		t.Errorf("ground resolution at z14, 43.5°N: %f m", r)
	}
}

func TestParseErrors(t *testing.T) {
	wm := sets(t)["WebMercatorQuad"]
	for _, tc := range []struct {
		z, r, c string
		missing bool
	}{
		{"a", "0", "0", false}, {"1", "0.5", "0", false}, {"1", "0", "", false},
		{"25", "0", "0", true}, {"-1", "0", "0", true}, {"1", "2", "0", true}, {"1", "0", "2", true}, {"3", "-1", "0", true},
	} {
		_, err := wm.Parse(tc.z, tc.r, tc.c)
		te, ok := err.(*TileError)
		if !ok || te.Missing != tc.missing {
			t.Errorf("%s/%s/%s: %v", tc.z, tc.r, tc.c, err)
		}
	}
}
