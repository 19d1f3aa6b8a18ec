package bal

import "math"

// Legal projections of French territories, as used by validateur-bal through
// @etalab/project-legal 0.6.0 (projections.json): the first projection whose
// WGS84 bounding box contains (long, lat) is the territory's legal CRS.
// Datum shifts are ignored (towgs84=0), like project-legal.

type legalProjection struct {
	epsg                           int
	minLon, minLat, maxLon, maxLat float64
	forward                        func(lon, lat float64) (x, y float64)
}

const (
	grs80A    = 6378137.0
	grs80InvF = 298.257222101
	intlA     = 6378388.0
	intlInvF  = 297.0
)

var legalProjections = []legalProjection{
	// RGF93 / Lambert-93 — France métropolitaine
	{2154, -9.86, 41.15, 10.38, 51.56, newLCC(grs80A, grs80InvF, 49, 44, 46.5, 3, 700000, 6600000).forward},
	// RGAF09 / UTM 20N — Antilles
	{5490, -63.66, 14.08, -57.52, 18.54, newUTM(grs80A, grs80InvF, 20, false).forward},
	// RGFG95 / UTM 22N — Guyane
	{2972, -54.6, 2.11, -49.46, 8.88, newUTM(grs80A, grs80InvF, 22, false).forward},
	// RGR92 / UTM 40S — Réunion
	{2975, 51.83, -24.72, 58.24, -18.28, newUTM(grs80A, grs80InvF, 40, true).forward},
	// RGM04 / UTM 38S — Mayotte
	{4471, 43.68, -14.49, 46.7, -11.33, newUTM(grs80A, grs80InvF, 38, true).forward},
	// RGSPM06 / UTM 21N — Saint-Pierre-et-Miquelon
	{4467, -57.1, 43.41, -55.9, 47.37, newUTM(grs80A, grs80InvF, 21, false).forward},
	// RGNC91-93 / Lambert New Caledonia
	{3163, 163.55, -22.75, 168.2, -19.54, newLCC(grs80A, grs80InvF, -20.66666666666667, -22.33333333333333, -21.5, 166, 400000, 300000).forward},
	// RGPF / UTM 5S, 6S, 7S, 8S — Polynésie française
	{3296, -155, -24, -150, -9, newUTM(grs80A, grs80InvF, 5, true).forward},
	{3297, -150, -29, -144, -13, newUTM(grs80A, grs80InvF, 6, true).forward},
	{3298, -144, -29, -138, -7, newUTM(grs80A, grs80InvF, 7, true).forward},
	{3299, -138, -25, -132, -18, newUTM(grs80A, grs80InvF, 8, true).forward},
	// MOP78 / UTM 1S — Wallis
	{2988, -177, -14, -176, -13, newUTM(intlA, intlInvF, 1, true).forward},
}

// projectLegal projects WGS84 (lon, lat) into the legal CRS of the French
// territory containing it, rounded to the centimetre like project-legal.
// ok is false when the coordinates are not valid WGS84 or lie in no
// territory (validateur-bal: row.longlat_invalides).
func projectLegal(lon, lat float64) (x, y float64, epsg int, ok bool) {
	if !(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90) {
		return 0, 0, 0, false
	}
	for _, p := range legalProjections {
		if lon >= p.minLon && lon <= p.maxLon && lat >= p.minLat && lat <= p.maxLat {
			x, y = p.forward(lon, lat)
			return math.Round(x*100) / 100, math.Round(y*100) / 100, p.epsg, true
		}
	}
	return 0, 0, 0, false
}

const deg = math.Pi / 180

// lcc is a Lambert Conic Conformal (2SP) projection (EPSG method 9802).
type lcc struct {
	a, e, n, af, rho0, lon0, x0, y0 float64
}

func newLCC(a, invF, lat1, lat2, lat0, lon0, x0, y0 float64) lcc {
	f := 1 / invF
	e := math.Sqrt(2*f - f*f)
	m := func(phi float64) float64 {
		s := math.Sin(phi)
		return math.Cos(phi) / math.Sqrt(1-e*e*s*s)
	}
	t := func(phi float64) float64 { return lccT(phi, e) }
	p1, p2, p0 := lat1*deg, lat2*deg, lat0*deg
	n := (math.Log(m(p1)) - math.Log(m(p2))) / (math.Log(t(p1)) - math.Log(t(p2)))
	af := a * m(p1) / (n * math.Pow(t(p1), n))
	return lcc{a: a, e: e, n: n, af: af, rho0: af * math.Pow(t(p0), n), lon0: lon0 * deg, x0: x0, y0: y0}
}

func lccT(phi, e float64) float64 {
	s := math.Sin(phi)
	return math.Tan(math.Pi/4-phi/2) / math.Pow((1-e*s)/(1+e*s), e/2)
}

func (p lcc) forward(lon, lat float64) (x, y float64) {
	rho := p.af * math.Pow(lccT(lat*deg, p.e), p.n)
	theta := p.n * (lon*deg - p.lon0)
	return p.x0 + rho*math.Sin(theta), p.y0 + p.rho0 - rho*math.Cos(theta)
}

// utm is a Universal Transverse Mercator zone, computed with Krüger's series
// to the fourth order in n (sub-millimetre within a zone and well beyond).
type utm struct {
	e, ak0, lon0, fn float64
	alpha            [4]float64
}

func newUTM(a, invF float64, zone int, south bool) utm {
	f := 1 / invF
	n := f / (2 - f)
	n2, n3, n4 := n*n, n*n*n, n*n*n*n
	u := utm{
		e:    math.Sqrt(2*f - f*f),
		ak0:  0.9996 * a / (1 + n) * (1 + n2/4 + n4/64),
		lon0: float64(6*zone-183) * deg,
		alpha: [4]float64{
			n/2 - 2*n2/3 + 5*n3/16 + 41*n4/180,
			13*n2/48 - 3*n3/5 + 557*n4/1440,
			61*n3/240 - 103*n4/140,
			49561 * n4 / 161280,
		},
	}
	if south {
		u.fn = 10000000
	}
	return u
}

func (p utm) forward(lon, lat float64) (x, y float64) {
	phi, dl := lat*deg, lon*deg-p.lon0
	s := math.Sin(phi)
	t := math.Sinh(math.Atanh(s) - p.e*math.Atanh(p.e*s))
	xi0 := math.Atan2(t, math.Cos(dl))
	eta0 := math.Atanh(math.Sin(dl) / math.Sqrt(1+t*t))
	xi, eta := xi0, eta0
	for j, al := range p.alpha {
		k := 2 * float64(j+1)
		xi += al * math.Sin(k*xi0) * math.Cosh(k*eta0)
		eta += al * math.Cos(k*xi0) * math.Sinh(k*eta0)
	}
	return 500000 + p.ak0*eta, p.fn + p.ak0*xi
}
