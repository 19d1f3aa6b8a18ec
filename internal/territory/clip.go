package territory

import (
	"errors"
	"sort"

	"github.com/paulmach/orb"
)

// errDegenerate reports a clipping configuration the walk below does not
// resolve: a vertex of one polygon lying exactly on an edge of the other, or
// collinear overlapping edges. Callers nudge the subject and retry.
var errDegenerate = errors.New("territory: degenerate clip configuration")

type clipHit struct {
	pt       orb.Point
	si       int     // subject edge
	st       float64 // parameter along the subject edge
	cj       int     // clip edge
	cu       float64 // parameter along the clip edge
	entering bool
	nextS    int // following hit along the subject
	nextC    int // following hit along the clip polygon
	visited  bool
}

// clipConvex intersects the simple polygon subj (one ring, CCW, closed, no
// holes) with the convex polygon clip (CCW, closed; collinear vertices
// allowed). It returns the pieces of the intersection, each a closed CCW ring.
//
// It is the Weiler–Atherton walk specialised to a convex clip polygon: every
// piece of the intersection of a simple polygon with a convex one is simply
// connected, so pieces need no holes and no nesting. Intersection points are
// computed from the subject edge and the clip edge taken in a canonical
// (lexicographic) order, so two clip polygons sharing an edge get bit-identical
// points on it and pieces of adjacent cells share their vertices exactly.
func clipConvex(subj, clip []orb.Point) ([][]orb.Point, error) {
	s := subj[:len(subj)-1]
	c := clip[:len(clip)-1]
	ns, nc := len(s), len(c)
	var hits []clipHit
	for i := range ns {
		a, b := s[i], s[(i+1)%ns]
		for j := range nc {
			p, q := c[j], c[(j+1)%nc]
			if max(a[0], b[0]) < min(p[0], q[0]) || max(p[0], q[0]) < min(a[0], b[0]) ||
				max(a[1], b[1]) < min(p[1], q[1]) || max(p[1], q[1]) < min(a[1], b[1]) {
				continue
			}
			d1, d2 := orient(p, q, a), orient(p, q, b)
			d3, d4 := orient(a, b, p), orient(a, b, q)
			if d1 == 0 || d2 == 0 || d3 == 0 || d4 == 0 {
				if segmentsIntersect(a, b, p, q) {
					return nil, errDegenerate
				}
				continue
			}
			if (d1 > 0) == (d2 > 0) || (d3 > 0) == (d4 > 0) {
				continue
			}
			cp, cq := p, q
			if cq[0] < cp[0] || (cq[0] == cp[0] && cq[1] < cp[1]) {
				cp, cq = cq, cp
			}
			e1, e2 := orient(cp, cq, a), orient(cp, cq, b)
			t := e1 / (e1 - e2)
			hits = append(hits, clipHit{
				pt: lerp(a, b, t), si: i, st: t, cj: j, cu: d3 / (d3 - d4),
				entering: d1 < 0, // a is right of p→q, i.e. outside the CCW clip
			})
		}
	}
	if len(hits) == 0 {
		if convexContains(c, s[0]) {
			return [][]orb.Point{append([]orb.Point(nil), subj...)}, nil
		}
		if ringContains(subj, c[0]) {
			return [][]orb.Point{append([]orb.Point(nil), clip...)}, nil
		}
		return nil, nil
	}
	if len(hits)%2 != 0 {
		return nil, errDegenerate
	}
	order := make([]int, len(hits))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(x, y int) bool {
		hx, hy := hits[order[x]], hits[order[y]]
		if hx.si != hy.si {
			return hx.si < hy.si
		}
		return hx.st < hy.st
	})
	for k, h := range order {
		hits[h].nextS = order[(k+1)%len(order)]
	}
	sort.Slice(order, func(x, y int) bool {
		hx, hy := hits[order[x]], hits[order[y]]
		if hx.cj != hy.cj {
			return hx.cj < hy.cj
		}
		return hx.cu < hy.cu
	})
	for k, h := range order {
		hits[h].nextC = order[(k+1)%len(order)]
	}

	var pieces [][]orb.Point
	for start := range hits {
		if hits[start].visited || !hits[start].entering {
			continue
		}
		var ring []orb.Point
		cur := start
		for steps := 0; ; steps++ {
			if steps > len(hits) {
				return nil, errDegenerate
			}
			in := &hits[cur]
			in.visited = true
			ring = append(ring, in.pt)
			out := &hits[in.nextS]
			if out.entering {
				return nil, errDegenerate
			}
			ring = appendRange(ring, s, in.si, in.st, out.si, out.st)
			out.visited = true
			ring = append(ring, out.pt)
			nxt := out.nextC
			if !hits[nxt].entering {
				return nil, errDegenerate
			}
			ring = appendRange(ring, c, out.cj, out.cu, hits[nxt].cj, hits[nxt].cu)
			if nxt == start {
				break
			}
			cur = nxt
		}
		ring = dedupe(ring)
		if len(ring) >= 3 {
			ring = append(ring, ring[0])
			pieces = append(pieces, ring)
		}
	}
	return pieces, nil
}

// appendRange appends the vertices of the (unclosed) ring v met when walking
// forward from parameter t1 on edge e1 to parameter t2 on edge e2.
func appendRange(dst, v []orb.Point, e1 int, t1 float64, e2 int, t2 float64) []orb.Point {
	if e1 == e2 && t2 > t1 {
		return dst
	}
	n := len(v)
	for k := (e1 + 1) % n; ; k = (k + 1) % n {
		dst = append(dst, v[k])
		if k == e2 {
			return dst
		}
	}
}

// dedupe drops consecutive repeated points (and a repeated closing point).
func dedupe(r []orb.Point) []orb.Point {
	out := r[:0]
	for _, p := range r {
		if len(out) == 0 || out[len(out)-1] != p {
			out = append(out, p)
		}
	}
	for len(out) > 1 && out[0] == out[len(out)-1] {
		out = out[:len(out)-1]
	}
	return out
}

// convexContains reports whether p is strictly inside the CCW convex ring c
// (given without its closing point).
func convexContains(c []orb.Point, p orb.Point) bool {
	for j := range c {
		if orient(c[j], c[(j+1)%len(c)], p) <= 0 {
			return false
		}
	}
	return true
}

// ringContains is a crossing-number point-in-polygon test on a closed ring.
func ringContains(r []orb.Point, p orb.Point) bool {
	in := false
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if (a[1] > p[1]) != (b[1] > p[1]) {
			if p[0] < a[0]+(p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1]) {
				in = !in
			}
		}
	}
	return in
}

// ringIsSimple reports whether a closed ring has at least three distinct
// vertices, no repeated vertex and no two non-adjacent edges that touch.
func ringIsSimple(r []orb.Point) bool {
	n := len(r) - 1
	if n < 3 || r[0] != r[n] {
		return false
	}
	seen := make(map[orb.Point]struct{}, n)
	for _, p := range r[:n] {
		if _, dup := seen[p]; dup {
			return false
		}
		seen[p] = struct{}{}
	}
	for i := range n {
		a, b := r[i], r[i+1]
		for j := i + 1; j < n; j++ {
			if j == i+1 || (i == 0 && j == n-1) {
				// adjacent edges share a vertex; they must not fold back
				var p, q, o orb.Point
				if j == i+1 {
					o, p, q = r[j], a, r[j+1]
				} else {
					o, p, q = r[0], r[n-1], b
				}
				if orient(o, p, q) == 0 && dot(sub(p, o), sub(q, o)) > 0 {
					return false
				}
				continue
			}
			if segmentsIntersect(a, b, r[j], r[j+1]) {
				return false
			}
		}
	}
	return true
}
