package geomrel

import (
	"math"

	"github.com/paulmach/orb"
)

// loc is a location relative to a geometry: its interior, its boundary or
// its exterior.
type loc int8

const (
	locE loc = iota // exterior
	locB            // boundary
	locI            // interior
)

// box is an axis-aligned bounding box; an empty box has min > max.
type box struct{ minX, minY, maxX, maxY float64 }

func emptyBox() box {
	return box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
}

func (b *box) extend(p orb.Point) {
	b.minX = math.Min(b.minX, p[0])
	b.minY = math.Min(b.minY, p[1])
	b.maxX = math.Max(b.maxX, p[0])
	b.maxY = math.Max(b.maxY, p[1])
}

func (b box) union(o box) box {
	return box{math.Min(b.minX, o.minX), math.Min(b.minY, o.minY), math.Max(b.maxX, o.maxX), math.Max(b.maxY, o.maxY)}
}

func (b box) intersects(o box) bool {
	return b.minX <= o.maxX && o.minX <= b.maxX && b.minY <= o.maxY && o.minY <= b.maxY
}

func (b box) contains(p orb.Point) bool {
	return p[0] >= b.minX && p[0] <= b.maxX && p[1] >= b.minY && p[1] <= b.maxY
}

// ring is a closed ring of a polygon.
type ring struct {
	pts []orb.Point // closed: pts[0] == pts[len-1]
	box box
	// interiorLeft tells on which side of every directed edge the
	// polygon's interior lies.
	interiorLeft bool
}

// polygon is a polygon: rings[0] is the shell, the others are holes.
type polygon struct {
	rings []ring
	box   box
}

// chain is a connected piece of linework: a line string or a ring.
type chain struct {
	pts          []orb.Point // rings are closed
	ring         bool
	interiorLeft bool
}

// geom is a geometry flattened into the parts relate works on.
type geom struct {
	points []orb.Point
	polys  []polygon
	chains []chain // line strings first, then rings
	nLines int     // number of line-string chains
	// endpoints counts how often a point ends a line string (Mod-2 rule).
	endpoints map[orb.Point]int
	box       box
	lineBox   box
	dim       int // -1 when empty
	bdim      int // dimension of the boundary, -1 when empty
	mixed     bool
}

// prepare flattens g; ok is false when g holds a non-finite coordinate.
func prepare(g orb.Geometry) (*geom, bool) {
	p := &geom{endpoints: map[orb.Point]int{}, box: emptyBox(), lineBox: emptyBox(), dim: -1, bdim: -1}
	var lines [][]orb.Point
	var rings []chain
	ok := true
	var walk func(g orb.Geometry)
	addPoint := func(pt orb.Point) {
		if !finite(pt) {
			ok = false
			return
		}
		p.points = append(p.points, pt)
	}
	addLine := func(ls []orb.Point) {
		pts, fin := dedupe(ls, false)
		if !fin {
			ok = false
			return
		}
		switch len(pts) {
		case 0:
		case 1:
			p.points = append(p.points, pts[0])
		default:
			lines = append(lines, pts)
		}
	}
	addPolygon := func(poly orb.Polygon) {
		var pg polygon
		for i, r := range poly {
			pts, fin := dedupe(r, true)
			if !fin {
				ok = false
				return
			}
			if len(pts) == 0 {
				continue
			}
			ccw, proper := orientation(pts)
			if !proper {
				if i == 0 {
					// A shell without area is only linework.
					addLine(pts)
					return
				}
				continue // a hole without area removes nothing
			}
			if i == 0 && len(pg.rings) == 0 {
				pg.box = boxOf(pts)
			} else if len(pg.rings) == 0 {
				continue // holes of an empty shell
			}
			pg.rings = append(pg.rings, ring{pts: pts, box: boxOf(pts), interiorLeft: ccw == (len(pg.rings) == 0)})
		}
		if len(pg.rings) > 0 {
			p.polys = append(p.polys, pg)
		}
	}
	walk = func(g orb.Geometry) {
		switch g := g.(type) {
		case nil:
		case orb.Point:
			addPoint(g)
		case orb.MultiPoint:
			for _, pt := range g {
				addPoint(pt)
			}
		case orb.LineString:
			addLine(g)
		case orb.MultiLineString:
			for _, ls := range g {
				addLine(ls)
			}
		case orb.Ring:
			addPolygon(orb.Polygon{g})
		case orb.Polygon:
			addPolygon(g)
		case orb.MultiPolygon:
			for _, pg := range g {
				addPolygon(pg)
			}
		case orb.Bound:
			if g.Min == g.Max {
				addPoint(g.Min)
			} else if g.Min[0] == g.Max[0] || g.Min[1] == g.Max[1] {
				addLine([]orb.Point{g.Min, g.Max})
			} else {
				addPolygon(g.ToPolygon())
			}
		case orb.Collection:
			for _, m := range g {
				walk(m)
			}
		}
	}
	walk(g)
	if !ok {
		return nil, false
	}
	for _, pt := range p.points {
		p.box.extend(pt)
		p.dim = max(p.dim, 0)
	}
	for _, l := range lines {
		p.chains = append(p.chains, chain{pts: l})
		b := boxOf(l)
		p.box = p.box.union(b)
		p.lineBox = p.lineBox.union(b)
		p.dim = max(p.dim, 1)
		if l[0] != l[len(l)-1] {
			p.endpoints[l[0]]++
			p.endpoints[l[len(l)-1]]++
		}
	}
	p.nLines = len(p.chains)
	for _, pg := range p.polys {
		for _, r := range pg.rings {
			rings = append(rings, chain{pts: r.pts, ring: true, interiorLeft: r.interiorLeft})
		}
		p.box = p.box.union(pg.box)
		p.dim = 2
	}
	p.chains = append(p.chains, rings...)
	switch {
	case len(p.polys) > 0:
		p.bdim = 1
	case len(lines) > 0:
		for _, n := range p.endpoints {
			if n%2 == 1 {
				p.bdim = 0
				break
			}
		}
	}
	p.mixed = len(p.polys) > 0 && (len(lines) > 0 || len(p.points) > 0)
	return p, true
}

func finite(p orb.Point) bool {
	return !math.IsInf(p[0], 0) && !math.IsNaN(p[0]) && !math.IsInf(p[1], 0) && !math.IsNaN(p[1])
}

// dedupe drops consecutive repeated points; closed rings are closed when
// needed. fin is false on a non-finite coordinate.
func dedupe(in []orb.Point, closed bool) (out []orb.Point, fin bool) {
	out = make([]orb.Point, 0, len(in)+1)
	for _, pt := range in {
		if !finite(pt) {
			return nil, false
		}
		if len(out) == 0 || out[len(out)-1] != pt {
			out = append(out, pt)
		}
	}
	if closed && len(out) > 0 && out[0] != out[len(out)-1] {
		out = append(out, out[0])
	}
	return out, true
}

func boxOf(pts []orb.Point) box {
	b := emptyBox()
	for _, p := range pts {
		b.extend(p)
	}
	return b
}

// orientation tells whether the closed ring pts runs counter-clockwise;
// proper is false when the ring encloses no area.
func orientation(pts []orb.Point) (ccw, proper bool) {
	n := len(pts) - 1 // distinct vertices of the closed ring
	if n < 3 {
		return false, false
	}
	// The lowest-leftmost vertex is convex: the turn there gives the
	// orientation exactly.
	k := 0
	for i := 1; i < n; i++ {
		if pts[i][1] < pts[k][1] || (pts[i][1] == pts[k][1] && pts[i][0] < pts[k][0]) {
			k = i
		}
	}
	prev := pts[(k+n-1)%n]
	next := pts[(k+1)%n]
	if o := orient(prev, pts[k], next); o != 0 {
		return o > 0, true
	}
	// A spike at the extreme vertex: fall back to the signed area.
	var area float64
	for i := 0; i < n; i++ {
		area += (pts[i][0] - pts[0][0]) * (pts[i+1][1] - pts[0][1])
		area -= (pts[i+1][0] - pts[0][0]) * (pts[i][1] - pts[0][1])
	}
	if area == 0 {
		return false, false
	}
	return area > 0, true
}
