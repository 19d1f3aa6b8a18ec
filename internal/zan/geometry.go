package zan

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

// Geometry in this package: callers speak orb (Socle's one geometry model);
// simplefeatures is kept to this file and overlay.go, for the overlay that
// only it has. Every polygon given to its overlay is valid first: like GEOS,
// whose ST_Intersection fails on invalid input, it computes nonsense from an
// invalid polygon (a bow-tie intersected with a box gives the box's area),
// so input goes through makeValid, which repairs as PostGIS's ST_MakeValid
// (GEOS 3.11 "linework" method) does for polygons.

// errNotPolygonal says a geometry has no area to give.
var errNotPolygonal = errors.New("zan: geometry is not a Polygon or MultiPolygon")

// MakeValid returns g (an orb.Polygon or orb.MultiPolygon) as a valid
// MultiPolygon covering the same area, repaired as PostGIS's ST_MakeValid
// repairs polygons: consecutive duplicate vertices and zero-area spikes
// dropped, rings that cross or touch themselves split into simple loops,
// the loops of a polygon combined by parity (a ring's inverted lobes are
// holes, a hole outside its shell is an island), the polygons of a
// MultiPolygon unioned (one nested in another is a hole in it). repaired
// tells whether g was not valid as given.
func MakeValid(g orb.Geometry) (mp orb.MultiPolygon, repaired bool, err error) {
	s, repaired, err := makeValid(g)
	if err != nil {
		return nil, false, err
	}
	return toOrb(s), repaired, nil
}

// IntersectionArea is the area, in square units of the coordinates, that
// polygons a and b share, each made valid first (MakeValid): PostGIS's
// ST_Area(ST_Intersection(ST_MakeValid(a), ST_MakeValid(b))).
func IntersectionArea(a, b orb.Geometry) (float64, error) {
	sa, _, err := makeValid(a)
	if err != nil {
		return 0, err
	}
	sb, _, err := makeValid(b)
	if err != nil {
		return 0, err
	}
	g, _, err := overlay(geom.Intersection, sa, sb)
	if err != nil {
		return 0, err
	}
	return g.Area(), nil
}

// Intersection is the part polygons a and b share, each made valid first
// (MakeValid), as a MultiPolygon (empty when they share no area).
func Intersection(a, b orb.Geometry) (orb.MultiPolygon, error) {
	sa, _, err := makeValid(a)
	if err != nil {
		return nil, err
	}
	sb, _, err := makeValid(b)
	if err != nil {
		return nil, err
	}
	g, _, err := overlay(geom.Intersection, sa, sb)
	if err != nil {
		return nil, err
	}
	return toOrb(g), nil
}

// makeValid converts g to a valid simplefeatures geometry (a Polygon, a
// MultiPolygon, or empty), repairing it when needed.
func makeValid(g orb.Geometry) (geom.Geometry, bool, error) {
	var polys []orb.Polygon
	switch t := g.(type) {
	case orb.Polygon:
		polys = []orb.Polygon{t}
	case orb.MultiPolygon:
		polys = t
	case orb.Bound:
		polys = []orb.Polygon{t.ToPolygon()}
	case nil:
		return geom.Geometry{}, false, nil
	default:
		return geom.Geometry{}, false, fmt.Errorf("%w: %s", errNotPolygonal, g.GeoJSONType())
	}
	repaired := false
	var out []geom.Polygon
	for _, p := range polys {
		var rings [][]geom.XY
		for i, r := range p {
			xy, changed, err := cleanRing(r)
			if err != nil {
				return geom.Geometry{}, false, err
			}
			repaired = repaired || changed
			if xy == nil {
				if i == 0 { // the shell has no area: nor has the polygon
					repaired = true
					break
				}
				continue
			}
			rings = append(rings, xy)
		}
		if len(rings) == 0 {
			continue
		}
		out = append(out, sfPolygon(rings))
	}
	var s geom.Geometry
	switch len(out) {
	case 0:
		return geom.Geometry{}, repaired, nil
	case 1:
		s = out[0].AsGeometry()
	default:
		s = geom.NewMultiPolygon(out).AsGeometry()
	}
	if s.Validate() == nil {
		return s, repaired, nil
	}
	// Not valid: each polygon's rings become simple loops combined by
	// parity, and the polygons are unioned.
	parts := make([]geom.Geometry, 0, len(out))
	for _, p := range out {
		r, err := repairPolygon(p)
		if err != nil {
			return geom.Geometry{}, true, err
		}
		if !r.IsEmpty() {
			parts = append(parts, r)
		}
	}
	// Parts are unioned, except that a part lying within what the parts
	// before it cover is cut out of it (a hole given as a part), as GEOS
	// does: its MakeValid unions two overlapping parts but makes a hole of
	// a part nested in another.
	var acc geom.Geometry
	for _, part := range parts {
		op := geom.Union
		if !acc.IsEmpty() {
			in, err := geom.Covers(acc, part)
			if err != nil {
				return geom.Geometry{}, true, fmt.Errorf("zan: repairing a multipolygon: %w", err)
			}
			if in {
				op = geom.Difference
			}
		}
		u, err := op(acc, part)
		if err != nil {
			return geom.Geometry{}, true, fmt.Errorf("zan: repairing a multipolygon: %w", err)
		}
		acc = polygonal(u)
	}
	return acc, true, nil
}

// cleanRing returns r as a closed ring without consecutive duplicate
// vertices, or nil when fewer than three distinct vertices remain; changed
// tells whether anything but closing was done. Coordinates must be finite.
func cleanRing(r orb.Ring) ([]geom.XY, bool, error) {
	out := make([]geom.XY, 0, len(r)+1)
	changed := false
	for _, p := range r {
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
			return nil, false, fmt.Errorf("zan: non-finite coordinate %v", p)
		}
		xy := geom.XY{X: p[0], Y: p[1]}
		if n := len(out); n > 0 && out[n-1] == xy {
			changed = true
			continue
		}
		out = append(out, xy)
	}
	if len(out) > 1 && out[0] == out[len(out)-1] {
		out = out[:len(out)-1]
	}
	if len(out) < 3 {
		return nil, true, nil
	}
	return append(out, out[0]), changed, nil
}

func sfRing(xy []geom.XY) geom.LineString {
	c := make([]float64, 0, 2*len(xy))
	for _, p := range xy {
		c = append(c, p.X, p.Y)
	}
	return geom.NewLineString(geom.NewSequence(c, geom.DimXY))
}

func sfPolygon(rings [][]geom.XY) geom.Polygon {
	ls := make([]geom.LineString, len(rings))
	for i, r := range rings {
		ls[i] = sfRing(r)
	}
	return geom.NewPolygon(ls)
}

// repairPolygon makes one polygon valid: every ring is noded against itself
// and cut into simple loops at the vertices it visits twice; the loops of
// all rings are combined by symmetric difference, so that what a ring's
// lobes or a hole enclose an odd number of times is inside.
func repairPolygon(p geom.Polygon) (geom.Geometry, error) {
	var acc geom.Geometry
	var seen []string
	for _, r := range p.DumpRings() {
		seq := r.Coordinates()
		xy := make([]geom.XY, seq.Length())
		for i := range xy {
			xy[i] = seq.GetXY(i)
		}
		// A ring given twice (a hole equal to its shell) is one line once
		// noded: GEOS counts it once, so does this.
		key := ringKey(xy)
		if slices.Contains(seen, key) {
			continue
		}
		seen = append(seen, key)
		for _, loop := range splitLoops(nodeRing(xy)) {
			lp := sfPolygon([][]geom.XY{loop}).AsGeometry()
			if lp.Area() == 0 {
				continue
			}
			if lp.Validate() != nil {
				// A loop still not simple (intersection points rounded):
				// what the overlay's own noding makes of it.
				u, err := geom.UnaryUnion(lp)
				if err != nil {
					return geom.Geometry{}, fmt.Errorf("zan: repairing a ring: %w", err)
				}
				lp = polygonal(u)
			}
			var err error
			if acc, err = geom.SymmetricDifference(acc, lp); err != nil {
				return geom.Geometry{}, fmt.Errorf("zan: repairing a ring: %w", err)
			}
			acc = polygonal(acc)
		}
	}
	return acc, nil
}

// ringKey names a closed ring whatever its start and direction: its
// vertices, sorted.
func ringKey(xy []geom.XY) string {
	v := slices.Clone(xy[:len(xy)-1])
	slices.SortFunc(v, func(a, b geom.XY) int {
		if c := cmp.Compare(a.X, b.X); c != 0 {
			return c
		}
		return cmp.Compare(a.Y, b.Y)
	})
	return fmt.Sprint(v)
}

// nodeRing returns the closed ring xy with a vertex added wherever two of
// its segments cross or touch, or overlap (each end of the overlap), so that
// every self-contact is at a vertex.
func nodeRing(xy []geom.XY) []geom.XY {
	n := len(xy) - 1 // segments; xy is closed
	type cut struct {
		t  float64
		at geom.XY
	}
	cuts := make([][]cut, n)
	add := func(seg int, t float64, at geom.XY) {
		if at == xy[seg] || at == xy[seg+1] {
			return
		}
		cuts[seg] = append(cuts[seg], cut{t, at})
	}
	// A sweep over segments sorted by their smallest x.
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	minX := func(i int) float64 { return math.Min(xy[i].X, xy[i+1].X) }
	maxX := func(i int) float64 { return math.Max(xy[i].X, xy[i+1].X) }
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(minX(a), minX(b)) })
	for oi, i := range order {
		p, p2 := xy[i], xy[i+1]
		for _, j := range order[oi+1:] {
			if minX(j) > maxX(i) {
				break
			}
			q, q2 := xy[j], xy[j+1]
			if math.Max(q.Y, q2.Y) < math.Min(p.Y, p2.Y) || math.Min(q.Y, q2.Y) > math.Max(p.Y, p2.Y) {
				continue
			}
			r, s := p2.Sub(p), q2.Sub(q)
			d := r.Cross(s)
			qp := q.Sub(p)
			if d == 0 {
				if qp.Cross(r) != 0 {
					continue // parallel, apart
				}
				// Collinear: each end of one strictly inside the other.
				rr, ss := r.Dot(r), s.Dot(s)
				if rr == 0 || ss == 0 {
					continue
				}
				for _, e := range []geom.XY{q, q2} {
					if t := e.Sub(p).Dot(r) / rr; t > 0 && t < 1 {
						add(i, t, e)
					}
				}
				for _, e := range []geom.XY{p, p2} {
					if u := e.Sub(q).Dot(s) / ss; u > 0 && u < 1 {
						add(j, u, e)
					}
				}
				continue
			}
			t, u := qp.Cross(s)/d, qp.Cross(r)/d
			if t < 0 || t > 1 || u < 0 || u > 1 {
				continue
			}
			// The contact point: an existing vertex when there is one, so
			// that both segments get exactly the same coordinates.
			var at geom.XY
			switch {
			case t == 0:
				at = p
			case t == 1:
				at = p2
			case u == 0:
				at = q
			case u == 1:
				at = q2
			default:
				at = p.Add(r.Scale(t))
			}
			add(i, t, at)
			add(j, u, at)
		}
	}
	out := make([]geom.XY, 0, len(xy))
	for i := 0; i < n; i++ {
		out = append(out, xy[i])
		c := cuts[i]
		slices.SortFunc(c, func(a, b cut) int { return cmp.Compare(a.t, b.t) })
		for _, k := range c {
			if k.at != out[len(out)-1] {
				out = append(out, k.at)
			}
		}
	}
	if out[len(out)-1] != xy[0] {
		out = append(out, xy[0])
	}
	return out
}

// splitLoops cuts a closed, noded ring at every vertex it visits twice,
// returning closed loops that visit no vertex twice.
func splitLoops(xy []geom.XY) [][]geom.XY {
	var loops [][]geom.XY
	stack := make([]geom.XY, 0, len(xy))
	at := make(map[geom.XY]int, len(xy))
	for _, v := range xy {
		if k, ok := at[v]; ok {
			loop := append(slices.Clone(stack[k:]), v)
			if len(loop) >= 4 {
				loops = append(loops, loop)
			}
			for _, w := range stack[k+1:] {
				delete(at, w)
			}
			stack = stack[:k+1]
			continue
		}
		at[v] = len(stack)
		stack = append(stack, v)
	}
	return loops
}

// polygonal keeps the polygons of g (an overlay may add lines and points
// where its operands touch).
func polygonal(g geom.Geometry) geom.Geometry {
	switch g.Type() {
	case geom.TypePolygon, geom.TypeMultiPolygon:
		return g
	case geom.TypeGeometryCollection:
		var ps []geom.Polygon
		for _, part := range g.Dump() {
			if p, ok := part.AsPolygon(); ok && !p.IsEmpty() {
				ps = append(ps, p)
			}
		}
		switch len(ps) {
		case 0:
			return geom.Geometry{}
		case 1:
			return ps[0].AsGeometry()
		}
		return geom.NewMultiPolygon(ps).AsGeometry()
	}
	return geom.Geometry{}
}

// toOrb converts a polygonal simplefeatures geometry to an orb
// MultiPolygon.
func toOrb(g geom.Geometry) orb.MultiPolygon {
	var out orb.MultiPolygon
	for _, part := range polygonal(g).Dump() {
		p, ok := part.AsPolygon()
		if !ok {
			continue
		}
		var op orb.Polygon
		for _, r := range p.DumpRings() {
			seq := r.Coordinates()
			ring := make(orb.Ring, seq.Length())
			for i := range ring {
				xy := seq.GetXY(i)
				ring[i] = orb.Point{xy.X, xy.Y}
			}
			op = append(op, ring)
		}
		out = append(out, op)
	}
	return out
}

// Union is the area of all the polygons gs cover, each made valid first,
// as a MultiPolygon: the EPCI's outline from its communes, as PostGIS's
// ST_Union.
func Union(gs []orb.Geometry) (orb.MultiPolygon, error) {
	parts := make([]geom.Geometry, 0, len(gs))
	for _, g := range gs {
		s, _, err := makeValid(g)
		if err != nil {
			return nil, err
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return orb.MultiPolygon{}, nil
	}
	u, err := geom.UnaryUnion(geom.NewGeometryCollection(parts).AsGeometry())
	if err != nil {
		return nil, fmt.Errorf("zan: union: %w", err)
	}
	return toOrb(u), nil
}
