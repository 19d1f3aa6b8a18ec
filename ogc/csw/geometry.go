package csw

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/socle-geo/socle/ogc/crs"
)

// Axis order and CRS of filter geometries. CSW 2.0.2 clients and the OGC
// test suites follow these conventions (the ones pycsw, the reference
// implementation, applies):
//   - no srsName: EPSG:4326 in its official latitude, longitude order;
//   - URN (urn:ogc:def:crs:EPSG::4326, urn:x-ogc:def:crs:EPSG:6.11:4326)
//     and http://www.opengis.net/def/crs/EPSG/0/… URIs: the CRS's official
//     axis order;
//   - the legacy forms EPSG:4326 and
//     http://www.opengis.net/gml/srs/epsg.xml#4326: longitude, latitude
//     (easting, northing);
//   - CRS84: longitude, latitude.
// Projected CRS that package crs transforms (Lambert-93, Web Mercator,
// LAEA Europe, ETRS89) are transformed to WGS 84; any other is refused.

var (
	legacyEPSG = regexp.MustCompile(`^(?i:EPSG):(\d+)$|^https?://www\.opengis\.net/gml/srs/epsg\.xml#(\d+)$`)
	xOGCURN    = regexp.MustCompile(`^(?i)urn:x-ogc:def:crs:`)
	epsgCode   = regexp.MustCompile(`^(?i:urn:ogc:def:crs:EPSG:[0-9.]*:)(\d+)$|^https?://www\.opengis\.net/def/crs/EPSG/0/(\d+)$`)
)

// extraProjections are the inverses of projected CRS that package crs
// does not transform but CSW clients send: EPSG:2192, ED50 / France
// EuroLambert, in the OGC test suites. The ED50 to WGS 84 datum shift
// (about 100 m) is neglected: these envelopes select catalogue records.
var extraProjections = map[int]func(x, y float64) (lon, lat float64){
	2192: newLCC1SP(6378388, 297, 46.8, 2.337229166666667, 0.99987742, 600000, 2200000),
}

// newLCC1SP is the inverse of a Lambert Conic Conformal (1SP) projection
// (EPSG method 9801; Snyder, Map Projections, formulas 15-5 to 15-11).
func newLCC1SP(a, invF, lat0, lon0, k0, x0, y0 float64) func(x, y float64) (float64, float64) {
	f := 1 / invF
	e := math.Sqrt(2*f - f*f)
	phi0, lam0 := lat0*math.Pi/180, lon0*math.Pi/180
	tfn := func(phi float64) float64 {
		es := e * math.Sin(phi)
		return math.Tan(math.Pi/4-phi/2) / math.Pow((1-es)/(1+es), e/2)
	}
	n := math.Sin(phi0)
	m0 := math.Cos(phi0) / math.Sqrt(1-e*e*math.Sin(phi0)*math.Sin(phi0))
	t0 := tfn(phi0)
	F := m0 / (n * math.Pow(t0, n))
	rho0 := a * F * math.Pow(t0, n) * k0
	return func(x, y float64) (float64, float64) {
		dx, dy := x-x0, rho0-(y-y0)
		rho := math.Copysign(math.Hypot(dx, dy), n)
		t := math.Pow(rho/(a*k0*F), 1/n)
		theta := math.Atan2(dx, dy)
		phi := math.Pi/2 - 2*math.Atan(t)
		for i := 0; i < 15; i++ {
			es := e * math.Sin(phi)
			next := math.Pi/2 - 2*math.Atan(t*math.Pow((1-es)/(1+es), e/2))
			if math.Abs(next-phi) < 1e-12 {
				phi = next
				break
			}
			phi = next
		}
		return (theta/n + lam0) * 180 / math.Pi, phi * 180 / math.Pi
	}
}

// crsOf resolves a geometry's srsName: the SRID to transform from and
// whether coordinates come latitude (northing) first.
func crsOf(srsName string) (srid int, yx bool, err *Exception) {
	s := strings.TrimSpace(srsName)
	if s == "" {
		return 4326, true, nil
	}
	if m := legacyEPSG.FindStringSubmatch(s); m != nil {
		code := m[1] + m[2]
		n, _ := strconv.Atoi(code)
		if _, perr := crs.NewTransformer(n, 4326); perr != nil {
			return 0, false, invalid("constraint", "unsupported srsName %q", srsName)
		}
		return n, false, nil
	}
	s = xOGCURN.ReplaceAllString(s, "urn:ogc:def:crs:")
	if m := epsgCode.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1] + m[2])
		if _, ok := extraProjections[n]; ok {
			return n, false, nil
		}
	}
	c, perr := crs.Parse(s)
	if perr != nil {
		return 0, false, invalid("constraint", "unsupported srsName %q", srsName)
	}
	return c.SRID, c.YX, nil
}

// toWGS84 turns positions as written (axis order of the CRS) into WGS 84
// longitude, latitude.
func toWGS84(pts [][2]float64, srid int, yx bool) ([][2]float64, *Exception) {
	out := make([][2]float64, len(pts))
	var t crs.Transformer
	inverse := extraProjections[srid]
	if srid != 4326 && inverse == nil {
		var err error
		if t, err = crs.NewTransformer(srid, 4326); err != nil {
			return nil, invalid("constraint", "cannot transform EPSG:%d", srid)
		}
	}
	for i, p := range pts {
		x, y := p[0], p[1]
		if yx {
			x, y = y, x
		}
		if inverse != nil {
			x, y = inverse(x, y)
		}
		if t != nil {
			var err error
			if x, y, err = t.Transform(x, y); err != nil {
				return nil, invalid("constraint", "position %g %g is outside EPSG:%d", p[0], p[1], srid)
			}
		}
		if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
			return nil, invalid("constraint", "invalid position")
		}
		out[i] = [2]float64{x, y}
	}
	return out, nil
}

// envelope builds the geometry of an envelope given by its corners as
// written; an envelope in a projected CRS becomes the WGS 84 envelope of
// its transformed, densified edges.
func envelope(lower, upper [2]float64, srsName string) (Geometry, *Exception) {
	srid, yx, err := crsOf(srsName)
	if err != nil {
		return Geometry{}, err
	}
	if srid == 4326 {
		pts, err := toWGS84([][2]float64{lower, upper}, srid, yx)
		if err != nil {
			return Geometry{}, err
		}
		return envelopeGeometry(math.Min(pts[0][0], pts[1][0]), math.Min(pts[0][1], pts[1][1]), math.Max(pts[0][0], pts[1][0]), math.Max(pts[0][1], pts[1][1])), nil
	}
	// Densify the edges: straight in the projection, curved in degrees.
	const steps = 8
	a, b := lower, upper
	var ring [][2]float64
	corners := [][2]float64{{a[0], a[1]}, {b[0], a[1]}, {b[0], b[1]}, {a[0], b[1]}, {a[0], a[1]}}
	for i := 0; i < 4; i++ {
		p, q := corners[i], corners[i+1]
		for s := 0; s < steps; s++ {
			f := float64(s) / steps
			ring = append(ring, [2]float64{p[0] + (q[0]-p[0])*f, p[1] + (q[1]-p[1])*f})
		}
	}
	ring = append(ring, corners[0])
	pts, err := toWGS84(ring, srid, yx)
	if err != nil {
		return Geometry{}, err
	}
	// The envelope of the curved ring: BBOX compares envelopes.
	bb := Geometry{Ring: pts}.bounds()
	return envelopeGeometry(bb.minx, bb.miny, bb.maxx, bb.maxy), nil
}

// polygon builds the geometry of a ring as written.
func polygon(ring [][2]float64, srsName string) (Geometry, *Exception) {
	if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
		return Geometry{}, invalid("constraint", "a polygon ring needs at least 4 positions, the last equal to the first")
	}
	srid, yx, err := crsOf(srsName)
	if err != nil {
		return Geometry{}, err
	}
	pts, err := toWGS84(ring, srid, yx)
	if err != nil {
		return Geometry{}, err
	}
	return Geometry{Ring: pts}, nil
}

func point(p [2]float64, srsName string) (Geometry, *Exception) {
	srid, yx, err := crsOf(srsName)
	if err != nil {
		return Geometry{}, err
	}
	pts, err := toWGS84([][2]float64{p}, srid, yx)
	if err != nil {
		return Geometry{}, err
	}
	return Geometry{Ring: pts}, nil
}

// rect is a record's bounding box in longitude, latitude.
type rect struct{ minx, miny, maxx, maxy float64 }

func (r rect) contains(p [2]float64) bool {
	return p[0] >= r.minx && p[0] <= r.maxx && p[1] >= r.miny && p[1] <= r.maxy
}

func (r rect) containsStrictly(p [2]float64) bool {
	return p[0] > r.minx && p[0] < r.maxx && p[1] > r.miny && p[1] < r.maxy
}

func (r rect) corners() [4][2]float64 {
	return [4][2]float64{{r.minx, r.miny}, {r.maxx, r.miny}, {r.maxx, r.maxy}, {r.minx, r.maxy}}
}

func (g Geometry) bounds() rect {
	b := rect{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range g.Ring {
		b.minx, b.miny = math.Min(b.minx, p[0]), math.Min(b.miny, p[1])
		b.maxx, b.maxy = math.Max(b.maxx, p[0]), math.Max(b.maxy, p[1])
	}
	return b
}

// inRing reports whether p is inside the ring or on its boundary.
func inRing(p [2]float64, ring [][2]float64) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		a, b := ring[j], ring[i]
		if onSegment(p, a, b) {
			return true
		}
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

func cross(o, a, b [2]float64) float64 {
	return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
}

func onSegment(p, a, b [2]float64) bool {
	return cross(a, b, p) == 0 &&
		p[0] >= math.Min(a[0], b[0]) && p[0] <= math.Max(a[0], b[0]) &&
		p[1] >= math.Min(a[1], b[1]) && p[1] <= math.Max(a[1], b[1])
}

// segmentsIntersect reports whether segments ab and cd share a point.
func segmentsIntersect(a, b, c, d [2]float64) bool {
	d1, d2 := cross(c, d, a), cross(c, d, b)
	d3, d4 := cross(a, b, c), cross(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return onSegment(a, c, d) || onSegment(b, c, d) || onSegment(c, a, b) || onSegment(d, a, b)
}

// segmentCrossesInterior reports whether segment ab passes through the
// interior of r (Liang–Barsky clipping against the open rectangle).
func segmentCrossesInterior(a, b [2]float64, r rect) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := b[0]-a[0], b[1]-a[1]
	for _, c := range [4][2]float64{{-dx, a[0] - r.minx}, {dx, r.maxx - a[0]}, {-dy, a[1] - r.miny}, {dy, r.maxy - a[1]}} {
		p, q := c[0], c[1]
		if p == 0 {
			if q <= 0 {
				return false
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = math.Max(t0, t)
		} else {
			t1 = math.Min(t1, t)
		}
	}
	if t0 >= t1 {
		return false
	}
	m := [2]float64{a[0] + dx*(t0+t1)/2, a[1] + dy*(t0+t1)/2}
	return r.containsStrictly(m)
}

// intersects reports whether the box and the geometry share a point.
func intersects(r rect, g Geometry) bool {
	if len(g.Ring) == 1 {
		return r.contains(g.Ring[0])
	}
	for _, p := range g.Ring {
		if r.contains(p) {
			return true
		}
	}
	for _, c := range r.corners() {
		if inRing(c, g.Ring) {
			return true
		}
	}
	cs := r.corners()
	for i := 0; i+1 < len(g.Ring); i++ {
		for k := 0; k < 4; k++ {
			if segmentsIntersect(g.Ring[i], g.Ring[i+1], cs[k], cs[(k+1)%4]) {
				return true
			}
		}
	}
	return false
}

// within reports whether the box lies inside the geometry.
func within(r rect, g Geometry) bool {
	if len(g.Ring) == 1 {
		return r.minx == r.maxx && r.miny == r.maxy && r.contains(g.Ring[0])
	}
	for _, c := range r.corners() {
		if !inRing(c, g.Ring) {
			return false
		}
	}
	if g.Envelope {
		return true
	}
	for i := 0; i+1 < len(g.Ring); i++ {
		if r.containsStrictly(g.Ring[i]) || segmentCrossesInterior(g.Ring[i], g.Ring[i+1], r) {
			return false
		}
	}
	return true
}

// containsGeometry reports whether the box holds the whole geometry.
func containsGeometry(r rect, g Geometry) bool {
	for _, p := range g.Ring {
		if !r.contains(p) {
			return false
		}
	}
	return len(g.Ring) > 0
}

func equalsGeometry(r rect, g Geometry) bool {
	if !g.Envelope {
		return false
	}
	b := g.bounds()
	const eps = 1e-9
	return math.Abs(b.minx-r.minx) < eps && math.Abs(b.miny-r.miny) < eps && math.Abs(b.maxx-r.maxx) < eps && math.Abs(b.maxy-r.maxy) < eps
}
