package source

import (
	"errors"
	"fmt"

	"github.com/paulmach/orb"
)

// checkGeometry closes open rings and refuses what no store can hold:
// non-finite coordinates, lines of fewer than two positions, rings of
// fewer than four once closed. Repairs beyond closing (orientation,
// self-intersections) are the importer's.
func checkGeometry(g orb.Geometry) (orb.Geometry, error) {
	switch g := g.(type) {
	case nil:
		return nil, nil
	case orb.Point:
		return g, checkPoints([]orb.Point{g})
	case orb.MultiPoint:
		if len(g) == 0 {
			return nil, nil
		}
		return g, checkPoints(g)
	case orb.LineString:
		if len(g) == 0 {
			return nil, nil
		}
		return g, checkLine(g)
	case orb.MultiLineString:
		if len(g) == 0 {
			return nil, nil
		}
		for i, l := range g {
			if err := checkLine(l); err != nil {
				return nil, fmt.Errorf("line %d: %w", i+1, err)
			}
		}
		return g, nil
	case orb.Polygon:
		if len(g) == 0 {
			return nil, nil
		}
		return g, checkPolygon(g)
	case orb.MultiPolygon:
		if len(g) == 0 {
			return nil, nil
		}
		for i, p := range g {
			if err := checkPolygon(p); err != nil {
				return nil, fmt.Errorf("polygon %d: %w", i+1, err)
			}
		}
		return g, nil
	case orb.Collection:
		if len(g) == 0 {
			return nil, nil
		}
		for i, m := range g {
			c, err := checkGeometry(m)
			if err != nil {
				return nil, fmt.Errorf("member %d: %w", i+1, err)
			}
			g[i] = c
		}
		return g, nil
	case orb.Ring:
		return checkGeometry(orb.Polygon{g})
	case orb.Bound:
		return checkGeometry(g.ToPolygon())
	}
	return nil, fmt.Errorf("unsupported geometry %T", g)
}

var errNonFinite = errors.New("coordinate is not a finite number")

func checkPoints(ps []orb.Point) error {
	for _, p := range ps {
		if !finite(p[0]) || !finite(p[1]) {
			return errNonFinite
		}
	}
	return nil
}

func checkLine(l orb.LineString) error {
	if len(l) < 2 {
		return fmt.Errorf("line of %d position(s)", len(l))
	}
	return checkPoints(l)
}

// checkPolygon closes each ring in place (appending the first position).
func checkPolygon(p orb.Polygon) error {
	for i, r := range p {
		if len(r) > 0 && r[0] != r[len(r)-1] {
			r = append(r, r[0])
			p[i] = r
		}
		if len(r) < 4 {
			return fmt.Errorf("ring %d has %d positions once closed, fewer than 4", i+1, len(r))
		}
		if err := checkPoints(r); err != nil {
			return err
		}
	}
	return nil
}

// ringArea is twice the signed area of a ring: positive when
// counter-clockwise (x east, y north).
func ringArea(r []orb.Point) float64 {
	var a float64
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	if n := len(r); n > 1 && r[0] != r[n-1] {
		a += r[n-1][0]*r[0][1] - r[0][0]*r[n-1][1]
	}
	return a
}

// inRing tells whether p is inside ring r (even-odd rule).
func inRing(p orb.Point, r []orb.Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// groupRings makes polygons of Shapefile rings: clockwise rings are outer
// rings, counter-clockwise ones holes, each assigned to the smallest outer
// ring that contains it (Shapefile specification, "Polygon"; holes are not
// always written right after their outer ring). A hole no outer ring
// contains becomes an outer ring, as GDAL does. One polygon is returned as
// a Polygon, several as a MultiPolygon.
func groupRings(rings []orb.Ring) orb.Geometry {
	type outer struct {
		ring  orb.Ring
		area  float64
		bound orb.Bound
		holes []orb.Ring
	}
	var outers []*outer
	var holes []orb.Ring
	for _, r := range rings {
		a := ringArea(r)
		if a <= 0 { // clockwise (or flat): an outer ring
			outers = append(outers, &outer{ring: r, area: -a, bound: r.Bound()})
		} else {
			holes = append(holes, r)
		}
	}
	for _, h := range holes {
		var best *outer
		hb := h.Bound()
		for _, o := range outers {
			if !o.bound.Contains(hb.Min) || !o.bound.Contains(hb.Max) {
				continue
			}
			if !holeInside(h, o.ring) {
				continue
			}
			if best == nil || o.area < best.area {
				best = o
			}
		}
		if best == nil {
			outers = append(outers, &outer{ring: h, bound: hb})
			continue
		}
		best.holes = append(best.holes, h)
	}
	polys := make(orb.MultiPolygon, len(outers))
	for i, o := range outers {
		polys[i] = append(orb.Polygon{o.ring}, o.holes...)
	}
	if len(polys) == 1 {
		return polys[0]
	}
	return polys
}

// holeInside tells whether hole h lies in ring r, by the first of its
// vertices that is not on r's boundary (holes may touch their outer ring).
func holeInside(h, r orb.Ring) bool {
	for _, p := range h {
		if !onBoundary(p, r) {
			return inRing(p, r)
		}
	}
	return true
}

// onBoundary tells whether p lies exactly on one of r's segments.
func onBoundary(p orb.Point, r orb.Ring) bool {
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if (b[0]-a[0])*(p[1]-a[1])-(b[1]-a[1])*(p[0]-a[0]) == 0 &&
			p[0] >= min(a[0], b[0]) && p[0] <= max(a[0], b[0]) && p[1] >= min(a[1], b[1]) && p[1] <= max(a[1], b[1]) {
			return true
		}
	}
	return false
}
