package territory

import (
	"math"

	"github.com/paulmach/orb"
)

// Planar helpers on Lambert-93 coordinates (metres). orb.Point is used as a
// plain (x, y) pair.

func sub(a, b orb.Point) orb.Point           { return orb.Point{a[0] - b[0], a[1] - b[1]} }
func add(a, b orb.Point) orb.Point           { return orb.Point{a[0] + b[0], a[1] + b[1]} }
func scale(a orb.Point, k float64) orb.Point { return orb.Point{a[0] * k, a[1] * k} }
func dot(a, b orb.Point) float64             { return a[0]*b[0] + a[1]*b[1] }
func norm(a orb.Point) float64               { return math.Hypot(a[0], a[1]) }
func dist(a, b orb.Point) float64            { return math.Hypot(a[0]-b[0], a[1]-b[1]) }
func lerp(a, b orb.Point, t float64) orb.Point {
	return orb.Point{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t}
}

// unit returns a/|a| (or the zero vector).
func unit(a orb.Point) orb.Point {
	n := norm(a)
	if n == 0 {
		return orb.Point{}
	}
	return orb.Point{a[0] / n, a[1] / n}
}

// leftNormal is a rotated by +90°.
func leftNormal(a orb.Point) orb.Point { return orb.Point{-a[1], a[0]} }

// orient is twice the signed area of (o, a, b): > 0 when b is left of o→a.
func orient(o, a, b orb.Point) float64 {
	return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
}

// segDist is the distance from p to segment ab.
func segDist(p, a, b orb.Point) float64 {
	d := sub(b, a)
	l2 := dot(d, d)
	if l2 == 0 {
		return dist(p, a)
	}
	t := dot(sub(p, a), d) / l2
	t = math.Max(0, math.Min(1, t))
	return dist(p, add(a, scale(d, t)))
}

// segmentsIntersect reports whether closed segments ab and cd share a point.
func segmentsIntersect(a, b, c, d orb.Point) bool {
	if math.Max(a[0], b[0]) < math.Min(c[0], d[0]) || math.Max(c[0], d[0]) < math.Min(a[0], b[0]) ||
		math.Max(a[1], b[1]) < math.Min(c[1], d[1]) || math.Max(c[1], d[1]) < math.Min(a[1], b[1]) {
		return false
	}
	d1, d2 := orient(c, d, a), orient(c, d, b)
	d3, d4 := orient(a, b, c), orient(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	on := func(p, q, r orb.Point) bool { // r on segment pq, given collinear
		return math.Min(p[0], q[0]) <= r[0] && r[0] <= math.Max(p[0], q[0]) &&
			math.Min(p[1], q[1]) <= r[1] && r[1] <= math.Max(p[1], q[1])
	}
	return (d1 == 0 && on(c, d, a)) || (d2 == 0 && on(c, d, b)) ||
		(d3 == 0 && on(a, b, c)) || (d4 == 0 && on(a, b, d))
}

// crossParam returns t in (0, 1) along ab where ab properly crosses cd.
func crossParam(a, b, c, d orb.Point) (float64, bool) {
	d1, d2 := orient(c, d, a), orient(c, d, b)
	if (d1 > 0) == (d2 > 0) || d1 == 0 || d2 == 0 {
		return 0, false
	}
	d3, d4 := orient(a, b, c), orient(a, b, d)
	if (d3 > 0) == (d4 > 0) || d3 == 0 || d4 == 0 {
		return 0, false
	}
	return d1 / (d1 - d2), true
}

// signedArea is the shoelace area of a ring (closed or not); > 0 when CCW.
func signedArea(pts []orb.Point) float64 {
	n := len(pts)
	if n > 1 && pts[0] == pts[n-1] {
		n--
	}
	s := 0.0
	for i := range n {
		j := (i + 1) % n
		s += pts[i][0]*pts[j][1] - pts[j][0]*pts[i][1]
	}
	return s / 2
}

// ringCentroid is the area centroid of a closed ring.
func ringCentroid(pts []orb.Point) orb.Point {
	n := len(pts) - 1
	var cx, cy, a float64
	o := pts[0]
	for i := range n {
		p, q := sub(pts[i], o), sub(pts[i+1], o)
		w := p[0]*q[1] - q[0]*p[1]
		a += w
		cx += (p[0] + q[0]) * w
		cy += (p[1] + q[1]) * w
	}
	if a == 0 {
		return o
	}
	return orb.Point{o[0] + cx/(3*a), o[1] + cy/(3*a)}
}

// polylineLength is the length of a polyline.
func polylineLength(pts []orb.Point) float64 {
	l := 0.0
	for i := 1; i < len(pts); i++ {
		l += dist(pts[i-1], pts[i])
	}
	return l
}

// pointAlong returns the point at distance d along pts and the unit direction
// of the edge it lies on.
func pointAlong(pts []orb.Point, d float64) (orb.Point, orb.Point) {
	for i := 1; i < len(pts); i++ {
		l := dist(pts[i-1], pts[i])
		if d <= l || i == len(pts)-1 {
			t := 0.0
			if l > 0 {
				t = math.Max(0, math.Min(1, d/l))
			}
			return lerp(pts[i-1], pts[i], t), unit(sub(pts[i], pts[i-1]))
		}
		d -= l
	}
	return pts[0], orb.Point{1, 0}
}

// cutPolyline splits pts into n parts of equal length; consecutive parts share
// their end vertex exactly.
func cutPolyline(pts []orb.Point, n int) [][]orb.Point {
	if n <= 1 {
		return [][]orb.Point{pts}
	}
	total := polylineLength(pts)
	step := total / float64(n)
	parts := make([][]orb.Point, 0, n)
	cur := []orb.Point{pts[0]}
	acc := 0.0 // length from the start of pts to pts[i-1]
	next := step
	for i := 1; i < len(pts); i++ {
		l := dist(pts[i-1], pts[i])
		for len(parts) < n-1 && acc+l >= next {
			q := lerp(pts[i-1], pts[i], (next-acc)/l)
			if q != cur[len(cur)-1] {
				cur = append(cur, q)
			}
			parts = append(parts, cur)
			cur = []orb.Point{q}
			next += step
		}
		if pts[i] != cur[len(cur)-1] {
			cur = append(cur, pts[i])
		}
		acc += l
	}
	if len(cur) >= 2 {
		parts = append(parts, cur)
	} else if len(parts) > 0 { // the last cut fell on the final vertex
		last := parts[len(parts)-1]
		last[len(last)-1] = pts[len(pts)-1]
	}
	return parts
}

// ringIndex answers point-in-polygon and segment/boundary queries on one ring
// in O(edges per band): edges are bucketed in horizontal bands.
type ringIndex struct {
	pts   []orb.Point // closed
	bound orb.Bound
	y0, h float64
	bands [][]int32
}

func newRingIndex(pts []orb.Point) *ringIndex {
	ri := &ringIndex{pts: pts, bound: orb.LineString(pts).Bound()}
	nb := max(1, min(256, len(pts)/2))
	ri.y0 = ri.bound.Min[1]
	ri.h = (ri.bound.Max[1] - ri.bound.Min[1]) / float64(nb)
	if ri.h <= 0 {
		ri.h = 1
	}
	ri.bands = make([][]int32, nb)
	for i := 0; i+1 < len(pts); i++ {
		lo, hi := ri.band(math.Min(pts[i][1], pts[i+1][1])), ri.band(math.Max(pts[i][1], pts[i+1][1]))
		for b := lo; b <= hi; b++ {
			ri.bands[b] = append(ri.bands[b], int32(i))
		}
	}
	return ri
}

func (ri *ringIndex) band(y float64) int {
	b := int(math.Floor((y - ri.y0) / ri.h))
	return max(0, min(len(ri.bands)-1, b))
}

// contains reports whether p is inside the ring (crossing-number rule).
func (ri *ringIndex) contains(p orb.Point) bool {
	if !ri.bound.Contains(p) {
		return false
	}
	in := false
	for _, i := range ri.bands[ri.band(p[1])] {
		a, b := ri.pts[i], ri.pts[i+1]
		if (a[1] > p[1]) != (b[1] > p[1]) {
			x := a[0] + (p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if p[0] < x {
				in = !in
			}
		}
	}
	return in
}

// edges calls fn with every ring edge whose band range overlaps [ylo, yhi];
// an edge may be reported more than once.
func (ri *ringIndex) edges(ylo, yhi float64, fn func(i int32)) {
	if yhi < ri.bound.Min[1] || ylo > ri.bound.Max[1] {
		return
	}
	for b := ri.band(ylo); b <= ri.band(yhi); b++ {
		for _, i := range ri.bands[b] {
			fn(i)
		}
	}
}

// crosses reports whether segment ab touches the ring boundary.
func (ri *ringIndex) crosses(a, b orb.Point) bool {
	hit := false
	ri.edges(math.Min(a[1], b[1]), math.Max(a[1], b[1]), func(i int32) {
		if !hit && segmentsIntersect(a, b, ri.pts[i], ri.pts[i+1]) {
			hit = true
		}
	})
	return hit
}

// polylineInside reports whether every vertex of pts is inside and no edge
// touches the boundary.
func (ri *ringIndex) polylineInside(pts []orb.Point) bool {
	for i, p := range pts {
		if !ri.contains(p) {
			return false
		}
		if i > 0 && ri.crosses(pts[i-1], p) {
			return false
		}
	}
	return true
}

// crossings returns the parameters t in (0, 1) where ab crosses the ring.
func (ri *ringIndex) crossings(a, b orb.Point) []float64 {
	var ts []float64
	var seen []int32
	ri.edges(math.Min(a[1], b[1]), math.Max(a[1], b[1]), func(i int32) {
		for _, s := range seen {
			if s == i {
				return
			}
		}
		seen = append(seen, i)
		if t, ok := crossParam(a, b, ri.pts[i], ri.pts[i+1]); ok {
			ts = append(ts, t)
		}
	})
	return ts
}

// boxTouched reports whether any ring edge may intersect the box.
func (ri *ringIndex) boxTouched(bx orb.Bound) bool {
	hit := false
	ri.edges(bx.Min[1], bx.Max[1], func(i int32) {
		if hit {
			return
		}
		a, b := ri.pts[i], ri.pts[i+1]
		if math.Max(a[0], b[0]) >= bx.Min[0] && math.Min(a[0], b[0]) <= bx.Max[0] &&
			math.Max(a[1], b[1]) >= bx.Min[1] && math.Min(a[1], b[1]) <= bx.Max[1] {
			hit = true
		}
	})
	return hit
}

// nearBoundary reports whether p lies within r of the ring boundary.
func (ri *ringIndex) nearBoundary(p orb.Point, r float64) bool {
	hit := false
	ri.edges(p[1]-r, p[1]+r, func(i int32) {
		if !hit && segDist(p, ri.pts[i], ri.pts[i+1]) < r {
			hit = true
		}
	})
	return hit
}

// boundaryDist is the distance from p to the ring boundary.
func (ri *ringIndex) boundaryDist(p orb.Point) float64 {
	d := math.Inf(1)
	for i := 0; i+1 < len(ri.pts); i++ {
		d = math.Min(d, segDist(p, ri.pts[i], ri.pts[i+1]))
	}
	return d
}

// segIndex is a uniform-grid hash of road edges, for crossing and proximity
// queries while the network grows.
type segIndex struct {
	cell  float64
	cells map[[2]int32][]int32
	segs  [][2]orb.Point
	mark  []uint32 // per-segment query stamp, to report each segment once
	stamp uint32
}

func newSegIndex(cell float64) *segIndex {
	return &segIndex{cell: cell, cells: make(map[[2]int32][]int32)}
}

func (s *segIndex) key(x, y float64) [2]int32 {
	return [2]int32{int32(math.Floor(x / s.cell)), int32(math.Floor(y / s.cell))}
}

func (s *segIndex) add(a, b orb.Point) {
	id := int32(len(s.segs))
	s.segs = append(s.segs, [2]orb.Point{a, b})
	s.mark = append(s.mark, 0)
	lo := s.key(math.Min(a[0], b[0]), math.Min(a[1], b[1]))
	hi := s.key(math.Max(a[0], b[0]), math.Max(a[1], b[1]))
	for x := lo[0]; x <= hi[0]; x++ {
		for y := lo[1]; y <= hi[1]; y++ {
			k := [2]int32{x, y}
			s.cells[k] = append(s.cells[k], id)
		}
	}
}

func (s *segIndex) addPolyline(pts []orb.Point) {
	for i := 1; i < len(pts); i++ {
		s.add(pts[i-1], pts[i])
	}
}

// visit calls fn once for every segment whose cells overlap the box; fn
// returns false to stop.
func (s *segIndex) visit(bx orb.Bound, fn func(a, b orb.Point) bool) {
	s.stamp++
	lo := s.key(bx.Min[0], bx.Min[1])
	hi := s.key(bx.Max[0], bx.Max[1])
	for x := lo[0]; x <= hi[0]; x++ {
		for y := lo[1]; y <= hi[1]; y++ {
			for _, id := range s.cells[[2]int32{x, y}] {
				if s.mark[id] == s.stamp {
					continue
				}
				s.mark[id] = s.stamp
				if !fn(s.segs[id][0], s.segs[id][1]) {
					return
				}
			}
		}
	}
}

// blocked reports whether segment ab intersects an indexed segment. When
// hasJoint is set, a must equal joint: segments ending at the joint may touch
// ab there (that is the intended connection) but must not run along it.
func (s *segIndex) blocked(a, b orb.Point, joint orb.Point, hasJoint bool) bool {
	hit := false
	bx := orb.Bound{Min: orb.Point{math.Min(a[0], b[0]), math.Min(a[1], b[1])}, Max: orb.Point{math.Max(a[0], b[0]), math.Max(a[1], b[1])}}
	s.visit(bx, func(c, d orb.Point) bool {
		if hasJoint && (c == joint || d == joint) {
			e := d
			if d == joint {
				e = c
			}
			if orient(a, b, e) == 0 && dot(sub(b, a), sub(e, a)) > 0 {
				hit = true
				return false
			}
			return true
		}
		if segmentsIntersect(a, b, c, d) {
			hit = true
			return false
		}
		return true
	})
	return hit
}

// near reports whether any indexed segment lies within r of p.
func (s *segIndex) near(p orb.Point, r float64) bool {
	hit := false
	bx := orb.Bound{Min: orb.Point{p[0] - r, p[1] - r}, Max: orb.Point{p[0] + r, p[1] + r}}
	s.visit(bx, func(c, d orb.Point) bool {
		if segDist(p, c, d) < r {
			hit = true
			return false
		}
		return true
	})
	return hit
}
