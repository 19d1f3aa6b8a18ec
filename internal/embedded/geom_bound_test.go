package embedded

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// TestGeomBoundSameAsOrb: geomBound gives orb's Bound, bit for bit, NaNs,
// signed zeros, infinities and empty parts included.
func TestGeomBoundSameAsOrb(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	special := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1, -1}
	coord := func() float64 {
		if r.IntN(4) == 0 {
			return special[r.IntN(len(special))]
		}
		return float64(r.IntN(7) - 3)
	}
	points := func() []orb.Point {
		ps := make([]orb.Point, r.IntN(5))
		for i := range ps {
			ps[i] = orb.Point{coord(), coord()}
		}
		return ps
	}
	same := func(a, b orb.Bound) bool {
		for _, p := range [][2]orb.Point{{a.Min, b.Min}, {a.Max, b.Max}} {
			for i := range 2 {
				if math.Float64bits(p[0][i]) != math.Float64bits(p[1][i]) {
					return false
				}
			}
		}
		return true
	}
	for range 200000 {
		var g orb.Geometry
		switch r.IntN(5) {
		case 0:
			g = orb.LineString(points())
		case 1:
			p := orb.Polygon{}
			for range r.IntN(3) {
				p = append(p, orb.Ring(points()))
			}
			g = p
		case 2:
			m := orb.MultiLineString{}
			for range r.IntN(3) {
				m = append(m, orb.LineString(points()))
			}
			g = m
		case 3:
			m := orb.MultiPolygon{}
			for range r.IntN(3) {
				p := orb.Polygon{}
				for range r.IntN(3) {
					p = append(p, orb.Ring(points()))
				}
				m = append(m, p)
			}
			g = m
		default:
			g = orb.MultiPoint(points())
		}
		if got, want := geomBound(g), g.Bound(); !same(got, want) {
			t.Fatalf("%v: geomBound %v, orb %v", g, got, want)
		}
	}
}
