package crs

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// TestLCCToMercator holds the shortcut from Lambert-93 to Web Mercator
// within a micrometre of the general path (inverse, then forward), which
// TestGolden holds within a millimetre of ST_Transform: on a million
// random positions over and well beyond metropolitan France, on the edges
// of the shortcut's own domain, and for the positions the general path
// refuses.
func TestLCCToMercator(t *testing.T) {
	if tr, _ := NewTransformer(2154, 3857); tr != Transformer(lambert93ToMercator) {
		t.Fatalf("NewTransformer(2154, 3857) is a %T, not the shortcut", tr)
	}
	general := &transformer{src: lambert93, dst: webMercator}
	var worst float64
	check := func(x, y float64) {
		t.Helper()
		wx, wy, werr := general.Transform(x, y)
		gx, gy, gerr := lambert93ToMercator.Transform(x, y)
		if werr != nil || gerr != nil {
			if !errors.Is(gerr, ErrInvalidCoordinate) && !errors.Is(gerr, ErrOutsideDomain) || (werr == nil) != (gerr == nil) {
				t.Errorf("(%.17g, %.17g): general %v, shortcut %v", x, y, werr, gerr)
			}
			return
		}
		// Relative beyond a megametre: far from France, y grows without
		// bound near the poles.
		d := math.Hypot(gx-wx, gy-wy) / math.Max(1, math.Hypot(wx, wy)/1e6)
		worst = max(worst, d)
		if !(d < 1e-6) {
			t.Errorf("(%.17g, %.17g): general (%.17g, %.17g), shortcut (%.17g, %.17g): off by %.3g m", x, y, wx, wy, gx, gy, d)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	// Metropolitan France and Corsica, as stored.
	for range 1_000_000 {
		check(-50_000+1_350_000*r.Float64(), 6_000_000+1_200_000*r.Float64())
	}
	// Far beyond, up to where longitudes wrap and latitudes near a pole.
	for range 200_000 {
		check(-2e7+4e7*r.Float64(), -2e7+4e7*r.Float64())
	}
	// The apex of the cone (the north pole), near it, and around the
	// longitudes where the shortcut hands over to the general path.
	apexY := lambert93.y0 + lambert93.rho0*lambert93.ell.a
	for _, p := range [][2]float64{
		{lambert93.x0, apexY}, {lambert93.x0 + 1e-3, apexY}, {lambert93.x0, apexY - 1}, {lambert93.x0, apexY + 1},
		{lambert93.x0 + 1e5, apexY + 1e5}, {lambert93.x0 - 1e7, apexY + 1}, {lambert93.x0 + 1e7, apexY + 1},
		{1e9, 1e9}, {-1e9, -1e9}, {700000, -1e9},
		{math.NaN(), 6.6e6}, {7e5, math.Inf(1)}, {math.Inf(-1), 6.6e6},
	} {
		check(p[0], p[1])
	}
	t.Logf("largest difference: %.3g m", worst)
}

// TestLCCToMercatorNear holds the interpolated transformation of a region
// within a micrometre of the general path, for positions in and well
// around regions from 100 m to 500 km wide, and checks that regions up to
// the size of a z9 tile over France are indeed interpolated.
func TestLCCToMercatorNear(t *testing.T) {
	general := &transformer{src: lambert93, dst: webMercator}
	r := rand.New(rand.NewPCG(5, 6))
	var worst float64
	fitted := 0
	for i := range 2000 {
		size := 100 * math.Pow(5000, r.Float64()) // 100 m to 500 km
		cx, cy := -50_000+1_350_000*r.Float64(), 6_000_000+1_200_000*r.Float64()
		box := orb.Bound{Min: orb.Point{cx - size/2, cy - size/2}, Max: orb.Point{cx + size/2, cy + size/2}}
		tr, err := NewTransformerNear(2154, 3857, box)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := tr.(*lccToMercatorNear); ok {
			fitted++
		} else if size < 50_000 {
			t.Errorf("box %d (%.0f m wide at %.0f, %.0f) is not interpolated", i, size, cx, cy)
		}
		for j := range 500 {
			// Most inside, some up to the box's width beyond it.
			k := 1.0
			if j%4 == 0 {
				k = 3
			}
			x, y := cx+size*k*(r.Float64()-0.5), cy+size*k*(r.Float64()-0.5)
			wx, wy, _ := general.Transform(x, y)
			gx, gy, err := tr.Transform(x, y)
			if err != nil {
				t.Fatal(err)
			}
			d := math.Hypot(gx-wx, gy-wy)
			worst = max(worst, d)
			if !(d < 1e-6) {
				t.Fatalf("box %.0f m at (%.0f, %.0f): (%.17g, %.17g): general (%.17g, %.17g), near (%.17g, %.17g): off by %.3g m", size, cx, cy, x, y, wx, wy, gx, gy, d)
			}
		}
	}
	t.Logf("%d of 2000 boxes interpolated; largest difference: %.3g m", fitted, worst)
	// The mirror image of a region through the apex has the same ρ² and
	// xn/yn: it must not take the region's polynomials.
	apexY := lambert93.y0 + lambert93.rho0*lambert93.ell.a
	box := orb.Bound{Min: orb.Point{640_000, 6_270_000}, Max: orb.Point{660_000, 6_290_000}}
	tr, _ := NewTransformerNear(2154, 3857, box)
	if _, ok := tr.(*lccToMercatorNear); !ok {
		t.Fatalf("box %v is not interpolated", box)
	}
	mx, my := 2*lambert93.x0-650_000, 2*apexY-6_280_000
	wx, wy, werr := general.Transform(mx, my)
	gx, gy, gerr := tr.Transform(mx, my)
	if (werr == nil) != (gerr == nil) || werr == nil && math.Hypot(gx-wx, gy-wy) > 1e-6 {
		t.Errorf("mirror (%.17g, %.17g): general (%.17g, %.17g) %v, near (%.17g, %.17g) %v", mx, my, wx, wy, werr, gx, gy, gerr)
	}
	// Regions it cannot fit: across the apex's meridian line, empty.
	for _, box := range []orb.Bound{
		{Min: orb.Point{600_000, apexY - 1000}, Max: orb.Point{800_000, apexY + 1000}},
		{Min: orb.Point{700_000, 6_600_000}, Max: orb.Point{700_000, 6_600_000}},
		{Min: orb.Point{math.NaN(), 6_600_000}, Max: orb.Point{700_000, 6_700_000}},
	} {
		if tr, _ := NewTransformerNear(2154, 3857, box); tr != Transformer(lambert93ToMercator) {
			t.Errorf("box %v: %T, not the exact transformation", box, tr)
		}
	}
	// Other pairs are NewTransformer's.
	if tr, _ := NewTransformerNear(2154, 4326, orb.Bound{Max: orb.Point{1, 1}}); tr == nil {
		t.Error("no transformer for 2154 → 4326")
	}
}
