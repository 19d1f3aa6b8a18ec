package crs

import (
	"math"

	"github.com/paulmach/orb"
)

// lccToMercator is Lambert-93 to Web Mercator (2154 → 3857), the
// transformation behind every vector tile of a store kept in Lambert-93,
// done without the geographic detour: from the cone's ρ and θ straight to
// Mercator's x = R·λ and y = R·u, u = asinh(tan φ) the sphere's isometric
// latitude of the geodetic latitude. The general path (inverse, then
// forward) finds tan φ by Newton's method, then takes atan and tan again;
// here Newton's method solves for u itself, which needs fewer
// transcendental functions. Positions the shortcut is not written for (the
// cone's apex, longitudes to wrap, non-finite input, near the poles) go the
// general way. TestLCCToMercator holds the two within a micrometre.
type lccToMercator struct {
	p       *lcc
	r       float64 // Web Mercator's sphere
	general transformer
}

// lambert93ToMercator is NewTransformer(2154, 3857).
var lambert93ToMercator = newLCCToMercator(lambert93, webMercator)

func newLCCToMercator(p *lcc, m *mercator) *lccToMercator {
	return &lccToMercator{p: p, r: m.r, general: transformer{src: p, dst: m}}
}

// cone returns a position's coordinates on the cone, centred on its apex
// and in units of a: ρ = hypot(xn, yn), θ = atan2(xn, yn).
func (t *lccToMercator) cone(x, y float64) (xn, yn float64) {
	p := t.p
	return (x - p.x0) / p.ell.a, p.rho0 - (y-p.y0)/p.ell.a
}

func (t *lccToMercator) Transform(x, y float64) (float64, float64, error) {
	p := t.p
	xn, yn := t.cone(x, y)
	rho := math.Sqrt(xn*xn + yn*yn)
	lam := math.Atan2(xn, yn)/p.n + p.lam0
	// ψ, the ellipsoid's isometric latitude: ρ = F·exp(-nψ).
	psi := -math.Log(rho/p.c) / p.n
	if p.n <= 0 || !(rho > 0) || !(math.Abs(lam) < math.Pi) || !(math.Abs(psi) < 10) {
		return t.general.Transform(x, y)
	}
	return t.r * lam, t.r * t.sphereLatitude(psi), nil
}

// sphereLatitude returns u = asinh(tan φ) from ψ, the ellipsoid's
// isometric latitude of φ. ψ = u - e·atanh(e·sin φ), sin φ = tanh u:
// Newton's method on f(u) = u - e·atanh(e·tanh u) - ψ, f'(u) =
// (1-e²)/(1-e²·tanh²u), from u = ψ. |u - ψ| < e², and the error after a
// step is about e²·(the step)²: after a step below 1e-6 it is below 1e-14
// (a step more changes nothing at double precision); it takes two steps.
func (t *lccToMercator) sphereLatitude(psi float64) float64 {
	e, es := t.p.ell.e, t.p.ell.es
	u := psi
	for range 5 {
		s := math.Tanh(u)
		du := (psi - u + e*math.Atanh(e*s)) * (1 - es*s*s) / t.p.ell.oneEs
		u += du
		if math.Abs(du) < 1e-6 {
			break
		}
	}
	return u
}

// lccToMercatorNear is lccToMercator for the positions of a region, a
// tile and its surroundings: there u is a smooth function of ρ² alone and
// θ of xn/yn alone, each interpolated at Chebyshev nodes (fitted once per
// region, held within 1e-14 rad of the exact values at points between the
// nodes) so that a position costs a division and two short polynomials
// instead of a square root, a logarithm, an arc tangent and Newton's
// method. Positions outside the region take the exact way.
type lccToMercatorNear struct {
	*lccToMercator
	r2, s    [2]float64 // the ranges of ρ² and xn/yn fitted
	u, theta chebyshev
}

// Transform is the exact path outside the fitted ranges (NaN included),
// and beyond the apex (yn < 0), where the mirror image of the region has
// the same ρ² and xn/yn.
func (t *lccToMercatorNear) Transform(x, y float64) (float64, float64, error) {
	xn, yn := t.cone(x, y)
	r2, s := xn*xn+yn*yn, xn/yn
	if !(yn > 0 && r2 >= t.r2[0] && r2 <= t.r2[1] && s >= t.s[0] && s <= t.s[1]) {
		return t.lccToMercator.Transform(x, y)
	}
	return t.r * (t.theta.eval(s)/t.p.n + t.p.lam0), t.r * t.u.eval(r2), nil
}

// near returns the transformation specialised for box (Lambert-93), or t
// itself when the box is not one it can fit: across the apex's meridian
// line yn = 0, too close to the poles, or too large for the polynomials to
// hold.
func (t *lccToMercator) near(box orb.Bound) Transformer {
	p := t.p
	xa, ya := t.cone(box.Min[0], box.Max[1])
	xb, yb := t.cone(box.Max[0], box.Min[1])
	if p.n <= 0 || !(ya > 0) || !(xa < xb) || !(ya < yb) {
		return t
	}
	// ρ² over the box: least at the point nearest the apex, greatest at a
	// corner; xn/yn, monotonic in each, at corners.
	cx, cy := max(xa, min(0, xb)), ya
	r2 := [2]float64{cx*cx + cy*cy, max(xa*xa, xb*xb) + yb*yb}
	s := [2]float64{min(xa/ya, xa/yb), max(xb/ya, xb/yb)}
	n := &lccToMercatorNear{lccToMercator: t, r2: r2, s: s}
	uOf := func(r2 float64) float64 { return t.sphereLatitude(-math.Log(math.Sqrt(r2)/p.c) / p.n) }
	n.u = fitChebyshev(uOf, r2[0], r2[1])
	n.theta = fitChebyshev(math.Atan, s[0], s[1])
	for _, c := range []struct {
		f      func(float64) float64
		fit    *chebyshev
		lo, hi float64
	}{{uOf, &n.u, r2[0], r2[1]}, {math.Atan, &n.theta, s[0], s[1]}} {
		// Beyond |u| = 10 (the poles), the exact way is the general one.
		if !(math.Abs(c.f(c.lo)) < 10 && math.Abs(c.f(c.hi)) < 10) || c.fit.worst(c.f, c.lo, c.hi) > 1e-14 {
			return t
		}
	}
	return n
}

// NewTransformerNear is NewTransformer for positions in and around box
// (in the source CRS), such as the vertices of a tile's features: the
// same results (within a micrometre), faster where a faster way is known
// for the region (Lambert-93 to Web Mercator).
func NewTransformerNear(fromSRID, toSRID int, box orb.Bound) (Transformer, error) {
	tr, err := NewTransformer(fromSRID, toSRID)
	if err != nil {
		return nil, err
	}
	if t, ok := tr.(*lccToMercator); ok {
		return t.near(box), nil
	}
	return tr, nil
}

// chebyshevN is the number of nodes: the series of u and θ on a region
// the size of a few z8 tiles falls below 1e-16 before its 12th term.
const chebyshevN = 12

// chebyshev interpolates a function on [mid-half, mid+half] at the
// Chebyshev nodes: Σ' c_k T_k((v-mid)/half).
type chebyshev struct {
	mid, half float64
	c         [chebyshevN]float64
}

func fitChebyshev(f func(float64) float64, lo, hi float64) chebyshev {
	ch := chebyshev{mid: (lo + hi) / 2, half: (hi - lo) / 2}
	var fv [chebyshevN]float64
	for j := range fv {
		fv[j] = f(ch.mid + ch.half*math.Cos(math.Pi*(float64(j)+0.5)/chebyshevN))
	}
	for k := range ch.c {
		sum := 0.0
		for j, v := range fv {
			sum += v * math.Cos(math.Pi*float64(k)*(float64(j)+0.5)/chebyshevN)
		}
		ch.c[k] = 2 * sum / chebyshevN
	}
	return ch
}

// eval is Clenshaw's recurrence.
func (ch *chebyshev) eval(v float64) float64 {
	t := (v - ch.mid) / ch.half
	var b1, b2 float64
	for k := chebyshevN - 1; k >= 1; k-- {
		b1, b2 = ch.c[k]+2*t*b1-b2, b1
	}
	return ch.c[0]/2 + t*b1 - b2
}

// worst is the largest difference between f and the fit at the ends and
// halfway between the nodes, where an interpolation errs most.
func (ch *chebyshev) worst(f func(float64) float64, lo, hi float64) float64 {
	d := max(math.Abs(ch.eval(lo)-f(lo)), math.Abs(ch.eval(hi)-f(hi)))
	for j := range 2*chebyshevN - 1 {
		v := ch.mid + ch.half*math.Cos(math.Pi*float64(j+1)/(2*chebyshevN))
		d = max(d, math.Abs(ch.eval(v)-f(v)))
	}
	return d
}
