package embedded

import (
	"math"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/ogc/cql2/geomrel"
)

// areaTest decides whether geometries intersect a polygon without holes
// (a request box in Lambert-93) as ST_Intersects does, faster than the
// general DE-9IM of geomrel: point in ring, then crossing edges, then
// containment. Orientations are exact where a floating-point filter can
// vouch for their sign (Shewchuk's orient2d error bound); where it cannot,
// the feature goes to geomrel, which is exact.
type areaTest struct {
	poly  orb.Polygon
	ring  orb.Ring
	bound orb.Bound
	// inner is a box inside the polygon, when one is known: what it holds
	// intersects the polygon without further test.
	inner *orb.Bound
}

func newAreaTest(p orb.Polygon) *areaTest {
	t := &areaTest{poly: p, ring: p[0], bound: p.Bound()}
	t.inner = t.innerBox()
	return t
}

// innerBox finds a box inside the polygon. A ring of 5 points is the box
// itself (ST_MakeEnvelope); a ring of ogc/crs BoxPolygon (4 edges of n
// segments, from the lower left corner counter-clockwise) gives one between
// its four edges. The candidate is kept only if no edge of the ring meets it
// and it has a corner inside.
func (t *areaTest) innerBox() *orb.Bound {
	r := t.ring
	if len(r) == 5 && r[0][0] == r[1][0] && r[1][1] == r[2][1] && r[2][0] == r[3][0] && r[3][1] == r[0][1] {
		b := t.bound
		return &b
	}
	if (len(r)-1)%4 != 0 || len(r) < 9 {
		return nil
	}
	n := (len(r) - 1) / 4
	chain := func(k int) []orb.Point { return r[k*n : (k+1)*n+1] }
	b := orb.Bound{Min: orb.Point{math.Inf(-1), math.Inf(-1)}, Max: orb.Point{math.Inf(1), math.Inf(1)}}
	for _, p := range chain(0) {
		b.Min[1] = math.Max(b.Min[1], p[1])
	}
	for _, p := range chain(1) {
		b.Max[0] = math.Min(b.Max[0], p[0])
	}
	for _, p := range chain(2) {
		b.Max[1] = math.Min(b.Max[1], p[1])
	}
	for _, p := range chain(3) {
		b.Min[0] = math.Max(b.Min[0], p[0])
	}
	// Shrink a little, so that the box stays clear of the edges.
	dx, dy := (b.Max[0]-b.Min[0])*1e-6, (b.Max[1]-b.Min[1])*1e-6
	b.Min[0], b.Min[1], b.Max[0], b.Max[1] = b.Min[0]+dx, b.Min[1]+dy, b.Max[0]-dx, b.Max[1]-dy
	if !(b.Min[0] < b.Max[0] && b.Min[1] < b.Max[1]) {
		return nil
	}
	if in, ok := locate(b.Min, r); !in || !ok {
		return nil
	}
	corners := orb.Ring{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}, b.Min}
	for i := 0; i+1 < len(r); i++ {
		if b.Contains(r[i]) {
			return nil
		}
		for j := 0; j+1 < len(corners); j++ {
			if meet, ok := segmentsMeet(r[i], r[i+1], corners[j], corners[j+1]); meet || !ok {
				return nil
			}
		}
	}
	return &b
}

// orient returns the sign of the orientation of c relative to the line a→b
// (positive: c to the left), and false when its sign is in doubt.
func orient(a, b, c orb.Point) (int, bool) {
	detLeft := (a[0] - c[0]) * (b[1] - c[1])
	detRight := (a[1] - c[1]) * (b[0] - c[0])
	det := detLeft - detRight
	bound := 3.3306690738754716e-16 * (math.Abs(detLeft) + math.Abs(detRight))
	switch {
	case det > bound:
		return 1, true
	case det < -bound:
		return -1, true
	case detLeft == 0 && detRight == 0:
		return 0, true
	}
	return 0, false
}

func inBox(p, a, b orb.Point) bool {
	return p[0] >= math.Min(a[0], b[0]) && p[0] <= math.Max(a[0], b[0]) &&
		p[1] >= math.Min(a[1], b[1]) && p[1] <= math.Max(a[1], b[1])
}

// locate tells whether p is in the closed ring r (inside or on it): the
// winding number, with points on an edge counted in.
func locate(p orb.Point, r orb.Ring) (in, ok bool) {
	wn := 0
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if inBox(p, a, b) {
			o, ok := orient(a, b, p)
			if !ok {
				return false, false
			}
			if o == 0 {
				return true, true
			}
		}
		if a[1] <= p[1] {
			if b[1] > p[1] {
				o, ok := orient(a, b, p)
				if !ok {
					return false, false
				}
				if o > 0 {
					wn++
				}
			}
		} else if b[1] <= p[1] {
			o, ok := orient(a, b, p)
			if !ok {
				return false, false
			}
			if o < 0 {
				wn--
			}
		}
	}
	return wn != 0, true
}

// inPolygon tells whether p is in the closed polygon (holes excluded, their
// rings included).
func inPolygon(p orb.Point, poly orb.Polygon) (in, ok bool) {
	if len(poly) == 0 {
		return false, true
	}
	in, ok = locate(p, poly[0])
	if !in || !ok {
		return in, ok
	}
	for _, h := range poly[1:] {
		inHole, ok := locate(p, h)
		if !ok {
			return false, false
		}
		if inHole && !onRing(p, h) {
			return false, true
		}
	}
	return true, true
}

func onRing(p orb.Point, r orb.Ring) bool {
	for i := 0; i+1 < len(r); i++ {
		if inBox(p, r[i], r[i+1]) {
			if o, ok := orient(r[i], r[i+1], p); ok && o == 0 {
				return true
			}
		}
	}
	return false
}

// segmentsMeet tells whether the closed segments p1p2 and q1q2 share a point.
func segmentsMeet(p1, p2, q1, q2 orb.Point) (meet, ok bool) {
	if math.Max(p1[0], p2[0]) < math.Min(q1[0], q2[0]) || math.Max(q1[0], q2[0]) < math.Min(p1[0], p2[0]) ||
		math.Max(p1[1], p2[1]) < math.Min(q1[1], q2[1]) || math.Max(q1[1], q2[1]) < math.Min(p1[1], p2[1]) {
		return false, true
	}
	o1, ok1 := orient(p1, p2, q1)
	o2, ok2 := orient(p1, p2, q2)
	o3, ok3 := orient(q1, q2, p1)
	o4, ok4 := orient(q1, q2, p2)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return false, false
	}
	if o1*o2 < 0 && o3*o4 < 0 {
		return true, true
	}
	return (o1 == 0 && inBox(q1, p1, p2)) || (o2 == 0 && inBox(q2, p1, p2)) ||
		(o3 == 0 && inBox(p1, q1, q2)) || (o4 == 0 && inBox(p2, q1, q2)), true
}

// intersectsFeature is ST_Intersects(the feature's geometry, the polygon),
// the geometry read only when the bounds do not decide.
func (t *areaTest) intersectsFeature(f *feature) (bool, error) {
	gb := f.bound
	if !gb.Intersects(t.bound) {
		return false, nil
	}
	if t.inner != nil && t.inner.Contains(gb.Min) && t.inner.Contains(gb.Max) {
		return true, nil
	}
	if f.geom == nil && f.row != nil {
		// A sealed point (see geometry): tested without boxing it.
		if in, ok := locate(orb.Point(gb.Min), t.ring); ok {
			return in, nil
		}
	}
	return t.decideGeometry(f.geometry())
}

func (t *areaTest) decideGeometry(g orb.Geometry) (bool, error) {
	r, ok := t.decide(g)
	if !ok {
		return geomrel.Intersects(g, t.poly)
	}
	return r, nil
}

func (t *areaTest) decide(g orb.Geometry) (bool, bool) {
	var lines [][]orb.Point
	var polys []orb.Polygon
	switch g := g.(type) {
	case orb.Point:
		return locate(g, t.ring)
	case orb.MultiPoint:
		for _, p := range g {
			in, ok := locate(p, t.ring)
			if !ok || in {
				return in, ok
			}
		}
		return false, true
	case orb.LineString:
		lines = [][]orb.Point{g}
	case orb.MultiLineString:
		for _, l := range g {
			lines = append(lines, l)
		}
	case orb.Polygon:
		polys = []orb.Polygon{g}
	case orb.MultiPolygon:
		polys = g
	default:
		return false, false
	}
	for _, p := range polys {
		for _, r := range p {
			lines = append(lines, r)
		}
	}
	// A part with a point in the polygon.
	for _, l := range lines {
		if len(l) == 0 {
			continue
		}
		in, ok := locate(l[0], t.ring)
		if !ok || in {
			return in, ok
		}
	}
	// Edges that meet.
	for _, l := range lines {
		for i := 0; i+1 < len(l); i++ {
			a, b := l[i], l[i+1]
			if math.Max(a[0], b[0]) < t.bound.Min[0] || math.Min(a[0], b[0]) > t.bound.Max[0] ||
				math.Max(a[1], b[1]) < t.bound.Min[1] || math.Min(a[1], b[1]) > t.bound.Max[1] {
				continue
			}
			for j := 0; j+1 < len(t.ring); j++ {
				meet, ok := segmentsMeet(a, b, t.ring[j], t.ring[j+1])
				if !ok || meet {
					return meet, ok
				}
			}
		}
	}
	// The polygon inside a polygonal feature.
	for _, p := range polys {
		in, ok := inPolygon(t.ring[0], p)
		if !ok || in {
			return in, ok
		}
	}
	return false, true
}
