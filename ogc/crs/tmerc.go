package crs

import (
	"fmt"
	"math"
)

// tmerc is the Transverse Mercator projection on an ellipsoid (EPSG method
// 9807; EPSG Guidance Note 7-2 §3.5.3) by Krüger's series in the third
// flattening n to order n⁶, as Karney (2011, "Transverse Mercator with an
// accuracy of a few nanometers", eqs. 7-11, 35-36) writes them. PROJ's
// default algorithm for +proj=tmerc and +proj=utm (Poder/Engsager's
// "extended" tmerc) is the same series, so both agree to far below a
// millimetre within a few thousand kilometres of the central meridian,
// the whole of a UTM zone and more. The conformal latitude is computed
// exactly (Karney eq. 7-9) rather than by its series.
type tmerc struct {
	ell    ellipsoid
	lam0   float64 // central meridian, radians
	k0     float64 // scale on the central meridian
	x0, y0 float64 // false easting and northing, metres
	ka     float64 // k0 · A, A the rectifying radius
	alp    [6]float64
	bet    [6]float64
}

// newTM sets up the projection from its central meridian (degrees), scale
// factor and false origin (metres); the latitude of origin is the equator,
// as for every UTM zone.
func newTM(ell ellipsoid, lon0, k0, x0, y0 float64) *tmerc {
	f := 1 - math.Sqrt(ell.oneEs)
	n := f / (2 - f)
	n2 := n * n
	n3, n4, n5, n6 := n2*n, n2*n2, n2*n2*n, n2*n2*n2
	p := &tmerc{ell: ell, lam0: lon0 * deg2rad, k0: k0, x0: x0, y0: y0}
	p.ka = k0 * ell.a / (1 + n) * (1 + n2/4 + n4/64 + n6/256)
	p.alp = [6]float64{
		n/2 - 2*n2/3 + 5*n3/16 + 41*n4/180 - 127*n5/288 + 7891*n6/37800,
		13*n2/48 - 3*n3/5 + 557*n4/1440 + 281*n5/630 - 1983433*n6/1935360,
		61*n3/240 - 103*n4/140 + 15061*n5/26880 + 167603*n6/181440,
		49561*n4/161280 - 179*n5/168 + 6601661*n6/7257600,
		34729*n5/80640 - 3418889*n6/1995840,
		212378941 * n6 / 319334400,
	}
	p.bet = [6]float64{
		n/2 - 2*n2/3 + 37*n3/96 - n4/360 - 81*n5/512 + 96199*n6/604800,
		n2/48 + n3/15 - 437*n4/1440 + 46*n5/105 - 1118711*n6/3870720,
		17*n3/480 - 37*n4/840 - 209*n5/4480 + 5569*n6/90720,
		4397*n4/161280 - 11*n5/504 - 830251*n6/7257600,
		4583*n5/161280 - 108847*n6/3991680,
		20648693 * n6 / 638668800,
	}
	return p
}

// newUTM is the UTM zone (1 to 60) of the northern or southern hemisphere.
func newUTM(ell ellipsoid, zone int, south bool) *tmerc {
	y0 := 0.0
	if south {
		y0 = 10000000
	}
	return newTM(ell, float64(6*zone-183), 0.9996, 500000, y0)
}

func (p *tmerc) centralMeridian() float64 { return p.lam0 }

func (p *tmerc) forward(lam, phi float64) (float64, float64, error) {
	if math.Abs(lam) > math.Pi/2 {
		// Beyond a quarter turn from the central meridian the series no
		// longer describe the map (PROJ still returns numbers there): no
		// imported file has such coordinates.
		return 0, 0, fmt.Errorf("%w: %g° from the central meridian in Transverse Mercator", ErrOutsideDomain, lam*rad2deg)
	}
	sinlam, coslam := math.Sincos(lam)
	// τ' = tan χ, χ the conformal latitude (Karney eq. 7-9).
	tau := math.Tan(phi)
	var taup float64
	if math.Abs(phi) < math.Pi/2 {
		tau1 := math.Hypot(1, tau)
		sig := math.Sinh(p.ell.e * math.Atanh(p.ell.e*tau/tau1))
		taup = math.Hypot(1, sig)*tau - sig*tau1
	} else {
		taup = math.Copysign(math.Inf(1), phi)
	}
	xip := math.Atan2(taup, coslam)
	etap := math.Asinh(sinlam / math.Hypot(taup, coslam))
	xi, eta := xip, etap
	for j := range p.alp {
		k := 2 * float64(j+1)
		s, c := math.Sincos(k * xip)
		xi += p.alp[j] * s * math.Cosh(k*etap)
		eta += p.alp[j] * c * math.Sinh(k*etap)
	}
	return p.ka*eta + p.x0, p.ka*xi + p.y0, nil
}

func (p *tmerc) inverse(x, y float64) (float64, float64, error) {
	xi := (y - p.y0) / p.ka
	eta := (x - p.x0) / p.ka
	xip, etap := xi, eta
	for j := range p.bet {
		k := 2 * float64(j+1)
		s, c := math.Sincos(k * xi)
		xip -= p.bet[j] * s * math.Cosh(k*eta)
		etap -= p.bet[j] * c * math.Sinh(k*eta)
	}
	sinxip, cosxip := math.Sincos(xip)
	sinheta := math.Sinh(etap)
	r := math.Hypot(sinheta, cosxip)
	lam := math.Atan2(sinheta, cosxip)
	if r == 0 {
		return lam, math.Copysign(math.Pi/2, sinxip), nil
	}
	taup := sinxip / r
	return lam, math.Atan(sinhpsi2tanphi(taup, p.ell.e)), nil
}
