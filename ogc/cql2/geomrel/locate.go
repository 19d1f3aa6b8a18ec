package geomrel

import "github.com/paulmach/orb"

// ringLoc locates p relative to the area enclosed by the closed ring r
// (non-zero winding rule). The boundary test is exact.
func ringLoc(p orb.Point, r *ring) loc {
	if !r.box.contains(p) {
		return locE
	}
	wn := 0
	pts := r.pts
	for i := 0; i+1 < len(pts); i++ {
		a, b := pts[i], pts[i+1]
		if inBox(p, a, b) && orient(a, b, p) == 0 {
			return locB
		}
		if a[1] <= p[1] {
			if b[1] > p[1] && orient(a, b, p) > 0 {
				wn++
			}
		} else if b[1] <= p[1] && orient(a, b, p) < 0 {
			wn--
		}
	}
	if wn != 0 {
		return locI
	}
	return locE
}

// polygonLoc locates p relative to a polygon with holes.
func polygonLoc(p orb.Point, pg *polygon) loc {
	if !pg.box.contains(p) {
		return locE
	}
	switch ringLoc(p, &pg.rings[0]) {
	case locE:
		return locE
	case locB:
		return locB
	}
	for i := 1; i < len(pg.rings); i++ {
		switch ringLoc(p, &pg.rings[i]) {
		case locB:
			return locB
		case locI:
			return locE
		}
	}
	return locI
}

// areaLoc locates p relative to the union of g's polygons: interior if
// inside any, boundary if on the boundary of one and inside none.
func (g *geom) areaLoc(p orb.Point) loc {
	l := locE
	for i := range g.polys {
		switch polygonLoc(p, &g.polys[i]) {
		case locI:
			return locI
		case locB:
			l = locB
		}
	}
	return l
}

// locate locates p relative to the whole of g. Areas take precedence over
// lines and lines over points, so that a collection behaves as the union of
// its members; line boundaries follow the Mod-2 rule of OGC Simple Features
// (ISO 19125-1, 6.1.6.2).
func (g *geom) locate(p orb.Point) loc {
	if !g.box.contains(p) {
		return locE
	}
	if l := g.areaLoc(p); l != locE {
		return l
	}
	if g.lineBox.contains(p) {
		if g.endpoints[p]%2 == 1 {
			return locB
		}
		for _, c := range g.chains[:g.nLines] {
			for i := 0; i+1 < len(c.pts); i++ {
				if onSegment(p, c.pts[i], c.pts[i+1]) {
					return locI
				}
			}
		}
	}
	for _, q := range g.points {
		if q == p {
			return locI
		}
	}
	return locE
}
