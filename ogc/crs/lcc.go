package crs

import (
	"fmt"
	"math"
)

// lcc is the Lambert Conformal Conic projection with two standard parallels
// on an ellipsoid (EPSG method 9802; EPSG Guidance Note 7-2 §3.2.1.1,
// Snyder 1987 §15), in PROJ's formulation: the same t (tsfn), n, F and ρ as
// GN 7-2, and an inverse that solves the isometric latitude by Newton's
// method on tan φ (Karney 2011), converged to double precision.
type lcc struct {
	ell        ellipsoid
	lam0       float64 // central meridian, radians
	x0, y0     float64 // false easting and northing, metres
	n, c, rho0 float64 // cone constant, F (ρ scale) and ρ at the origin, in units of a
}

// lambert93 is EPSG:2154, RGF93 v1 / Lambert-93.
var lambert93 = newLCC(grs80, 49, 44, 46.5, 3, 700000, 6600000)

// newLCC sets up the projection from its standard parallels, latitude and
// longitude of origin (degrees) and false origin (metres). The parallels
// must be distinct and not symmetric about the equator.
func newLCC(ell ellipsoid, lat1, lat2, lat0, lon0, x0, y0 float64) *lcc {
	phi1, phi2, phi0 := lat1*deg2rad, lat2*deg2rad, lat0*deg2rad
	sin1, cos1 := math.Sincos(phi1)
	sin2, cos2 := math.Sincos(phi2)
	m1 := msfn(sin1, cos1, ell.es)
	m2 := msfn(sin2, cos2, ell.es)
	t1 := tsfn(sin1, cos1, ell.e)
	t2 := tsfn(sin2, cos2, ell.e)
	p := &lcc{ell: ell, lam0: lon0 * deg2rad, x0: x0, y0: y0}
	p.n = math.Log(m1/m2) / math.Log(t1/t2)
	p.c = m1 * math.Pow(t1, -p.n) / p.n
	sin0, cos0 := math.Sincos(phi0)
	p.rho0 = p.c * math.Pow(tsfn(sin0, cos0, ell.e), p.n)
	return p
}

func (p *lcc) centralMeridian() float64 { return p.lam0 }

func (p *lcc) forward(lam, phi float64) (float64, float64, error) {
	var rho float64
	if math.Abs(math.Abs(phi)-math.Pi/2) < 1e-10 {
		if phi*p.n <= 0 {
			return 0, 0, fmt.Errorf("%w: latitude %g° in Lambert Conformal Conic", ErrOutsideDomain, phi*rad2deg)
		}
	} else {
		sinphi, cosphi := math.Sincos(phi)
		rho = p.c * math.Pow(tsfn(sinphi, cosphi, p.ell.e), p.n)
	}
	s, c := math.Sincos(lam * p.n)
	return p.ell.a*(rho*s) + p.x0, p.ell.a*(p.rho0-rho*c) + p.y0, nil
}

func (p *lcc) inverse(x, y float64) (float64, float64, error) {
	x = (x - p.x0) / p.ell.a
	y = p.rho0 - (y-p.y0)/p.ell.a
	rho := math.Hypot(x, y)
	if rho == 0 {
		return 0, math.Copysign(math.Pi/2, p.n), nil
	}
	if p.n < 0 {
		rho, x, y = -rho, -x, -y
	}
	ts := math.Pow(rho/p.c, 1/p.n)
	phi := math.Atan(sinhpsi2tanphi((1/ts-ts)/2, p.ell.e))
	return math.Atan2(x, y) / p.n, phi, nil
}

// msfn is m = cos φ / sqrt(1 - e² sin² φ) (GN 7-2, Snyder 14-15).
func msfn(sinphi, cosphi, es float64) float64 {
	return cosphi / math.Sqrt(1-es*sinphi*sinphi)
}

// tsfn is t = tan(π/4 - φ/2) / ((1 - e sin φ)/(1 + e sin φ))^(e/2)
// = exp(-ψ), ψ the isometric latitude (GN 7-2, Snyder 15-9), written to
// keep its relative accuracy near both poles.
func tsfn(sinphi, cosphi, e float64) float64 {
	var t float64
	if sinphi > 0 {
		t = cosphi / (1 + sinphi)
	} else {
		t = (1 - sinphi) / cosphi
	}
	return math.Exp(e*math.Atanh(e*sinphi)) * t
}

// sinhpsi2tanphi returns tan φ from τ' = sinh ψ = tan χ (χ the conformal
// latitude) by Newton's method (Karney 2011, eq. 7-9; PROJ's
// pj_sinhpsi2tanphi, from GeographicLib's Math::tauf). It converges in
// at most two iterations for the Earth's flattening, to double precision.
func sinhpsi2tanphi(taup, e float64) float64 {
	const (
		rooteps = 1.4901161193847656e-08 // sqrt(2^-52)
		tol     = rooteps / 10
		tmax    = 2 / rooteps
	)
	e2m := 1 - e*e
	stol := tol * math.Max(1, math.Abs(taup))
	var tau float64
	if math.Abs(taup) > 70 {
		tau = taup * math.Exp(e*math.Atanh(e))
	} else {
		tau = taup / e2m
	}
	if !(math.Abs(tau) < tmax) {
		return tau
	}
	for i := 0; i < 5; i++ {
		tau1 := math.Sqrt(1 + tau*tau)
		sig := math.Sinh(e * math.Atanh(e*tau/tau1))
		taupa := math.Sqrt(1+sig*sig)*tau - sig*tau1
		dtau := (taup - taupa) * (1 + e2m*tau*tau) / (e2m * tau1 * math.Sqrt(1+taupa*taupa))
		tau += dtau
		if !(math.Abs(dtau) >= stol) {
			break
		}
	}
	return tau
}
