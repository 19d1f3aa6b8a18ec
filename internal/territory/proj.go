package territory

import (
	"math"

	"github.com/paulmach/orb"
)

// lambertConic is a Lambert conformal conic projection with two standard
// parallels on an ellipsoid, in the notation of IGN's "Projection cartographique
// conique conforme de Lambert" (NT/G 71, algorithms ALG0001, ALG0003, ALG0004,
// ALG0019, ALG0054).
type lambertConic struct {
	e        float64 // first eccentricity
	n        float64 // cone constant
	c        float64 // projection constant
	xs, ys   float64 // pole coordinates
	lambda0  float64 // central meridian (radians)
	isoLat0  float64 // isometric latitude of the origin
	semiMajr float64
}

// lambert93 is EPSG:2154, RGF93 v1 / Lambert-93: GRS80, lat_1=49, lat_2=44,
// lat_0=46.5, lon_0=3, x_0=700000, y_0=6600000. RGF93 and WGS84 coincide at
// the centimetre level, so no datum shift is applied.
var lambert93 = newLambertConic(6378137.0, 1/298.257222101, 49, 44, 46.5, 3, 700000, 6600000)

func deg(v float64) float64 { return v * math.Pi / 180 }

func newLambertConic(a, f, lat1, lat2, lat0, lon0, x0, y0 float64) lambertConic {
	e := math.Sqrt(f * (2 - f))
	p1, p2 := deg(lat1), deg(lat2)
	gn := func(phi float64) float64 { return a / math.Sqrt(1-e*e*math.Sin(phi)*math.Sin(phi)) }
	l1, l2 := isometricLatitude(p1, e), isometricLatitude(p2, e)
	n := math.Log((gn(p2)*math.Cos(p2))/(gn(p1)*math.Cos(p1))) / (l1 - l2)
	c := gn(p1) * math.Cos(p1) / n * math.Exp(n*l1)
	l0 := isometricLatitude(deg(lat0), e)
	return lambertConic{
		e: e, n: n, c: c,
		xs: x0, ys: y0 + c*math.Exp(-n*l0),
		lambda0: deg(lon0), isoLat0: l0, semiMajr: a,
	}
}

// isometricLatitude is ALG0001.
func isometricLatitude(phi, e float64) float64 {
	es := e * math.Sin(phi)
	return math.Log(math.Tan(math.Pi/4+phi/2) * math.Pow((1-es)/(1+es), e/2))
}

// latitudeFromIsometric is ALG0002 (fixed-point iteration).
func latitudeFromIsometric(l, e float64) float64 {
	el := math.Exp(l)
	phi := 2*math.Atan(el) - math.Pi/2
	for range 20 {
		es := e * math.Sin(phi)
		next := 2*math.Atan(math.Pow((1+es)/(1-es), e/2)*el) - math.Pi/2
		if math.Abs(next-phi) < 1e-14 {
			return next
		}
		phi = next
	}
	return phi
}

// forward projects (lon, lat) in degrees to (x, y) in metres (ALG0003).
func (p lambertConic) forward(lon, lat float64) (x, y float64) {
	l := isometricLatitude(deg(lat), p.e)
	r := p.c * math.Exp(-p.n*l)
	g := p.n * (deg(lon) - p.lambda0)
	return p.xs + r*math.Sin(g), p.ys - r*math.Cos(g)
}

// inverse is ALG0004.
func (p lambertConic) inverse(x, y float64) (lon, lat float64) {
	dx, dy := x-p.xs, y-p.ys
	r := math.Hypot(dx, dy)
	g := math.Atan2(dx, -dy)
	lambda := p.lambda0 + g/p.n
	l := -1 / p.n * math.Log(math.Abs(r/p.c))
	phi := latitudeFromIsometric(l, p.e)
	return lambda * 180 / math.Pi, phi * 180 / math.Pi
}

// ToLambert93 projects a WGS84 (lon, lat) point to Lambert-93 metres.
func ToLambert93(p orb.Point) orb.Point {
	x, y := lambert93.forward(p[0], p[1])
	return orb.Point{x, y}
}

// FromLambert93 unprojects a Lambert-93 point to WGS84 (lon, lat).
func FromLambert93(p orb.Point) orb.Point {
	lon, lat := lambert93.inverse(p[0], p[1])
	return orb.Point{lon, lat}
}

// toWGS84Rounded unprojects and rounds to the fixtures' 1e-7 degree grid.
func toWGS84Rounded(p orb.Point) orb.Point {
	q := FromLambert93(p)
	return orb.Point{round7(q[0]), round7(q[1])}
}

// AreaLambert93 is the area in m² of a WGS84 polygon measured in Lambert-93
// (shoelace on the projected rings, holes subtracted).
func AreaLambert93(poly orb.Polygon) float64 {
	total := 0.0
	for i, ring := range poly {
		pts := make([]orb.Point, len(ring))
		for k, p := range ring {
			pts[k] = ToLambert93(p)
		}
		a := math.Abs(signedArea(pts))
		if i == 0 {
			total += a
		} else {
			total -= a
		}
	}
	return total
}
