package crs

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
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
