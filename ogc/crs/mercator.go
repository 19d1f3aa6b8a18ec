package crs

import "math"

// mercator is the Popular Visualisation Pseudo-Mercator (EPSG method 1024;
// EPSG Guidance Note 7-2 §3.5.2): the spherical Mercator formulas applied
// to ellipsoidal (WGS 84) coordinates with R = a, as PROJ's +proj=webmerc.
//
// There is no latitude clamp: like ST_Transform, forward projects any
// latitude in [-90°, 90°]; ±90° gives y = ±242528680.94 m, the value of
// asinh(tan(π/2)) in floating point.
type mercator struct {
	r float64 // radius of the sphere, metres
}

// webMercator is EPSG:3857, WGS 84 / Pseudo-Mercator.
var webMercator = &mercator{r: 6378137}

func (p *mercator) centralMeridian() float64 { return 0 }

func (p *mercator) forward(lam, phi float64) (float64, float64, error) {
	return p.r * lam, p.r * math.Asinh(math.Tan(phi)), nil
}

func (p *mercator) inverse(x, y float64) (float64, float64, error) {
	return x / p.r, math.Atan(math.Sinh(y / p.r)), nil
}
