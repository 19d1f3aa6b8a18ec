// Package geomrel computes the spatial relationships of OGC Simple Features
// (ISO 19125-1, clause 6.1.15) between two orb geometries: the DE-9IM
// intersection matrix and the named predicates Intersects, Disjoint, Equals,
// Touches, Within, Contains, Overlaps and Crosses that CQL2's S_* functions
// are defined by.
//
// Coordinates are planar. Orientation and point-on-segment tests are exact;
// the intersection point of two properly crossing segments is rounded, and
// every later decision about it is taken from how it was constructed rather
// than from its rounded coordinates. Geometry collections are treated as the
// union of their members, except that polygons of one collection that
// overlap or share an edge are not dissolved (valid multi-polygons do
// neither). Polygons that enclose no area count as their linework.
package geomrel

import (
	"errors"
	"sort"

	"github.com/paulmach/orb"
)

// ErrNonFinite is returned for a geometry with an infinite or NaN coordinate.
var ErrNonFinite = errors.New("geomrel: geometry has a non-finite coordinate")

const locUnknown loc = -1

type split struct {
	p   orb.Point
	pos float64
	// tag is the location in the other geometry when the point was
	// constructed (a rounded crossing); locUnknown when the point is exact
	// and is located by an exact test.
	tag loc
}

type overlap struct {
	from, to float64
	other    *seg
}

type seg struct {
	a, b         orb.Point
	chain, idx   int
	ring         bool
	interiorLeft bool
	splits       []split
	overlaps     []overlap
}

type vertex struct {
	hit bool // the vertex lies on the other geometry
	tag loc
}

// side holds the per-call noding state of one geometry.
type side struct {
	g        *geom
	segs     []seg
	segStart []int
	vert     [][]vertex
}

func newSide(g *geom) *side {
	sd := &side{g: g}
	for ci, c := range g.chains {
		sd.segStart = append(sd.segStart, len(sd.segs))
		for i := 0; i+1 < len(c.pts); i++ {
			sd.segs = append(sd.segs, seg{a: c.pts[i], b: c.pts[i+1], chain: ci, idx: i, ring: c.ring, interiorLeft: c.interiorLeft})
		}
		n := len(c.pts)
		if c.ring {
			n--
		}
		vs := make([]vertex, n)
		for i := range vs {
			vs[i].tag = locUnknown
		}
		sd.vert = append(sd.vert, vs)
	}
	sd.segStart = append(sd.segStart, len(sd.segs))
	return sd
}

// vertexIndex returns the chain vertex at end 0 (a) or 1 (b) of s.
func (sd *side) vertexIndex(s *seg, end int) int {
	if end == 0 {
		return s.idx
	}
	if s.ring && s.idx+1 == len(sd.vert[s.chain]) {
		return 0
	}
	return s.idx + 1
}

func (sd *side) hitVertex(s *seg, end int, tag loc) {
	v := &sd.vert[s.chain][sd.vertexIndex(s, end)]
	if !v.hit || tag == locUnknown {
		v.tag = tag
	}
	v.hit = true
}

// touch records that the point p, which lies on the other geometry, also
// lies on segment s.
func (sd *side) touch(s *seg, p orb.Point, tag loc) {
	switch p {
	case s.a:
		sd.hitVertex(s, 0, tag)
	case s.b:
		sd.hitVertex(s, 1, tag)
	default:
		s.splits = append(s.splits, split{p: p, pos: param(p, s.a, s.b), tag: tag})
	}
}

func crossTag(s *seg) loc {
	if s.ring {
		return locB
	}
	return locI
}

// intersect nodes segment s of sa with segment t of sb.
func intersect(sa *side, s *seg, sb *side, t *seg) {
	o1, o2 := orient(s.a, s.b, t.a), orient(s.a, s.b, t.b)
	if o1 == 0 && o2 == 0 {
		collinear(sa, s, sb, t)
		return
	}
	if o1*o2 > 0 {
		return
	}
	o3, o4 := orient(t.a, t.b, s.a), orient(t.a, t.b, s.b)
	if o3*o4 > 0 {
		return
	}
	var p orb.Point
	switch {
	case o1 == 0:
		p = t.a
	case o2 == 0:
		p = t.b
	case o3 == 0:
		p = s.a
	case o4 == 0:
		p = s.b
	default:
		x := crossing(s.a, s.b, t.a, t.b)
		sa.touch(s, x, crossTag(t))
		sb.touch(t, x, crossTag(s))
		return
	}
	sa.touch(s, p, locUnknown)
	sb.touch(t, p, locUnknown)
}

func collinear(sa *side, s *seg, sb *side, t *seg) {
	for _, q := range [2]orb.Point{t.a, t.b} {
		if inBox(q, s.a, s.b) {
			sa.touch(s, q, locUnknown)
		}
	}
	for _, q := range [2]orb.Point{s.a, s.b} {
		if inBox(q, t.a, t.b) {
			sb.touch(t, q, locUnknown)
		}
	}
	if from, to := overlapRange(t, s); to > from {
		s.overlaps = append(s.overlaps, overlap{from, to, t})
	}
	if from, to := overlapRange(s, t); to > from {
		t.overlaps = append(t.overlaps, overlap{from, to, s})
	}
}

// overlapRange returns the part of segment on covered by the collinear
// segment by, as positions along on.
func overlapRange(by, on *seg) (from, to float64) {
	pa, pb := param(by.a, on.a, on.b), param(by.b, on.a, on.b)
	return max(0, min(pa, pb)), min(1, max(pa, pb))
}

type item struct {
	minX, maxX, minY, maxY float64
	side                   int
	seg                    *seg
	pt                     orb.Point
}

// node finds every contact between the linework and points of the two
// sides with a sweep over x.
func node(sds [2]*side) {
	var items []item
	for k, sd := range sds {
		for i := range sd.segs {
			s := &sd.segs[i]
			items = append(items, item{min(s.a[0], s.b[0]), max(s.a[0], s.b[0]), min(s.a[1], s.b[1]), max(s.a[1], s.b[1]), k, s, orb.Point{}})
		}
		for _, p := range sd.g.points {
			items = append(items, item{p[0], p[0], p[1], p[1], k, nil, p})
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].minX < items[j].minX })
	var active []int
	for idx := range items {
		it := &items[idx]
		j := 0
		for _, a := range active {
			if items[a].maxX >= it.minX {
				active[j] = a
				j++
			}
		}
		active = active[:j]
		for _, a := range active {
			o := &items[a]
			if o.side == it.side || o.maxY < it.minY || it.maxY < o.minY {
				continue
			}
			x, y := o, it
			if x.side == 1 {
				x, y = y, x
			}
			switch {
			case x.seg != nil && y.seg != nil:
				intersect(sds[0], x.seg, sds[1], y.seg)
			case x.seg != nil:
				if onSegment(y.pt, x.seg.a, x.seg.b) {
					sds[0].touch(x.seg, y.pt, locUnknown)
				}
			case y.seg != nil:
				if onSegment(x.pt, y.seg.a, y.seg.b) {
					sds[1].touch(y.seg, x.pt, locUnknown)
				}
			}
		}
		active = append(active, idx)
	}
}

// matrix accumulates entries, transposing those of the second half.
type matrix struct {
	m  Matrix
	tr bool
}

func (m *matrix) add(self, other loc, d Dim) {
	i, j := 2-int(self), 2-int(other)
	if m.tr {
		i, j = j, i
	}
	if m.m[3*i+j] < d {
		m.m[3*i+j] = d
	}
}

// tagLoc resolves the location of a rounded crossing point in other.
func tagLoc(tag loc, other *geom, p orb.Point) loc {
	if tag == locI && other.mixed && other.areaLoc(p) == locI {
		return locI
	}
	return tag
}

// selfLoc locates a node of g that lies on chain c.
func selfLoc(g *geom, c *chain, p orb.Point) loc {
	switch {
	case g.mixed:
		return g.locate(p)
	case c.ring:
		return locB
	case g.endpoints[p]%2 == 1:
		return locB
	}
	return locI
}

// half adds to m what the parts of sd's geometry tell about their location
// in other: its points, the nodes and edges of its linework and the faces
// on either side of its rings.
func half(sd *side, other *geom, m *matrix) {
	g := sd.g
	for _, p := range g.points {
		self := locI
		if g.mixed {
			self = g.locate(p)
		}
		m.add(self, other.locate(p), 0)
	}
	nodeLoc := func(p orb.Point, tag loc) loc {
		if tag != locUnknown {
			return tagLoc(tag, other, p)
		}
		return other.locate(p)
	}
	for ci := range g.chains {
		c := &g.chains[ci]
		segs := sd.segs[sd.segStart[ci]:sd.segStart[ci+1]]
		// Between two nodes that touch other, every point of the chain
		// lies in the same face of other: one point-in-polygon test
		// serves the whole run.
		var cache loc
		cached := false
		region := func(p orb.Point) loc {
			if !cached {
				cache, cached = other.areaLoc(p), true
			}
			return cache
		}
		pending := false // the last vertex waits for its region
		var pendingPt orb.Point
		last := locE
		for si := range segs {
			s := &segs[si]
			sortSplits(s)
			v := sd.vert[ci][sd.vertexIndex(s, 0)]
			if v.hit {
				m.add(selfLoc(g, c, s.a), nodeLoc(s.a, v.tag), 0)
				cached = false
			} else {
				pending, pendingPt = true, s.a
			}
			prev, prevPos := s.a, 0.0
			for k := 0; k <= len(s.splits); k++ {
				next, nextPos := s.b, 1.0
				if k < len(s.splits) {
					next, nextPos = s.splits[k].p, s.splits[k].pos
				}
				if next != prev {
					if l, ok := edge(g, c, other, s, prev, next, (prevPos+nextPos)/2, region, &cached, m); ok {
						last = l
						if pending {
							m.add(selfLoc(g, c, pendingPt), last, 0)
							pending = false
						}
					}
				}
				if k < len(s.splits) {
					sp := s.splits[k]
					m.add(selfLoc(g, c, sp.p), nodeLoc(sp.p, sp.tag), 0)
					cached = false
				}
				prev, prevPos = next, nextPos
			}
		}
		if !c.ring && len(segs) > 0 {
			s := &segs[len(segs)-1]
			if v := sd.vert[ci][sd.vertexIndex(s, 1)]; v.hit {
				m.add(selfLoc(g, c, s.b), nodeLoc(s.b, v.tag), 0)
			} else {
				m.add(selfLoc(g, c, s.b), last, 0)
			}
		}
	}
}

// edge adds the contribution of the sub-edge prev→next of segment s and
// returns its location in other. ok is false for a sub-edge whose middle
// falls on the boundary of other without overlapping it: a sliver between
// two rounded crossing points, which contributes nothing the nodes at its
// ends do not.
func edge(g *geom, c *chain, other *geom, s *seg, prev, next orb.Point, midPos float64, region func(orb.Point) loc, cached *bool, m *matrix) (l loc, ok bool) {
	mid := orb.Point{(prev[0] + next[0]) / 2, (prev[1] + next[1]) / 2}
	var ovl []*seg
	for _, o := range s.overlaps {
		if o.from < midPos && midPos < o.to {
			ovl = append(ovl, o.other)
		}
	}
	var ol loc
	if len(ovl) > 0 {
		*cached = false
		ol = locI
		for _, t := range ovl {
			if t.ring {
				ol = locB
			}
		}
		if ol == locI && other.mixed {
			if a := other.areaLoc(mid); a != locE {
				ol = a
			}
		}
	} else if ol = region(mid); ol == locB {
		*cached = false
		return ol, false
	}
	self := locI
	if c.ring {
		self = locB
	} else if g.mixed {
		if a := g.areaLoc(mid); a != locE {
			self = a
		}
	}
	m.add(self, ol, 1)
	if !c.ring {
		return ol, true
	}
	// The faces left and right of a ring edge.
	leftSelf, rightSelf := locE, locI
	if c.interiorLeft {
		leftSelf, rightSelf = locI, locE
	}
	leftO, rightO := ol, ol
	if len(ovl) > 0 {
		leftO, rightO = locE, locE
		rings := false
		d := orb.Point{next[0] - prev[0], next[1] - prev[1]}
		for _, t := range ovl {
			if !t.ring {
				continue
			}
			rings = true
			same := d[0]*(t.b[0]-t.a[0])+d[1]*(t.b[1]-t.a[1]) > 0
			if t.interiorLeft == same {
				leftO = locI
			} else {
				rightO = locI
			}
		}
		if !rings {
			a := other.areaLoc(mid)
			leftO, rightO = a, a
		}
	}
	if leftO != locB {
		m.add(leftSelf, leftO, 2)
	}
	if rightO != locB {
		m.add(rightSelf, rightO, 2)
	}
	return ol, true
}

func sortSplits(s *seg) {
	if len(s.splits) < 2 {
		return
	}
	sort.SliceStable(s.splits, func(i, j int) bool { return s.splits[i].pos < s.splits[j].pos })
	out := s.splits[:1]
	for _, sp := range s.splits[1:] {
		if l := &out[len(out)-1]; l.p == sp.p {
			if sp.tag == locUnknown {
				l.tag = locUnknown
			}
			continue
		}
		out = append(out, sp)
	}
	s.splits = out
}

// relate computes the matrix of a and b and their dimensions.
func relate(a, b orb.Geometry) (m Matrix, da, db int, err error) {
	ga, ok := prepare(a)
	if !ok {
		return m, 0, 0, ErrNonFinite
	}
	gb, ok := prepare(b)
	if !ok {
		return m, 0, 0, ErrNonFinite
	}
	for i := range m {
		m[i] = DimF
	}
	m[8] = Dim2
	if ga.dim < 0 || gb.dim < 0 || !ga.box.intersects(gb.box) {
		if ga.dim >= 0 {
			m[2], m[5] = Dim(ga.dim), Dim(ga.bdim)
		}
		if gb.dim >= 0 {
			m[6], m[7] = Dim(gb.dim), Dim(gb.bdim)
		}
		return m, ga.dim, gb.dim, nil
	}
	sa, sb := newSide(ga), newSide(gb)
	node([2]*side{sa, sb})
	acc := &matrix{m: m}
	half(sa, gb, acc)
	acc.tr = true
	half(sb, ga, acc)
	return acc.m, ga.dim, gb.dim, nil
}
