package crs

import (
	"math"

	"github.com/paulmach/orb"
)

// Segmentize returns g with every segment longer than dist cut into equal
// parts no longer than dist, as PostGIS's ST_Segmentize does (liblwgeom's
// ptarray_segmentize2d): a geometry drawn straight in one CRS, densified
// before it is transformed, keeps its edges where they were drawn. Points
// are returned as they are.
func Segmentize(g orb.Geometry, dist float64) orb.Geometry {
	switch g := g.(type) {
	case orb.LineString:
		return orb.LineString(segmentizePoints(g, dist))
	case orb.Ring:
		return orb.Ring(segmentizePoints(g, dist))
	case orb.Polygon:
		out := make(orb.Polygon, len(g))
		for i, r := range g {
			out[i] = orb.Ring(segmentizePoints(r, dist))
		}
		return out
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, l := range g {
			out[i] = orb.LineString(segmentizePoints(l, dist))
		}
		return out
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = Segmentize(p, dist).(orb.Polygon)
		}
		return out
	case orb.Collection:
		out := make(orb.Collection, len(g))
		for i, x := range g {
			out[i] = Segmentize(x, dist)
		}
		return out
	}
	return g
}

func segmentizePoints(pts []orb.Point, dist float64) []orb.Point {
	if len(pts) == 0 {
		return nil
	}
	out := make([]orb.Point, 0, len(pts))
	repeated := len(pts) == 2
	add := func(p orb.Point, allowRepeated bool) {
		if !allowRepeated && len(out) > 0 && out[len(out)-1] == p {
			return
		}
		out = append(out, p)
	}
	p1 := pts[0]
	add(p1, false)
	for _, p2 := range pts[1:] {
		segments := math.Ceil(math.Hypot(p2[0]-p1[0], p2[1]-p1[1]) / dist)
		nseg := uint32(0)
		if segments > 0 && segments < math.MaxInt32 {
			nseg = uint32(segments)
		}
		for j := uint32(1); j < nseg; j++ {
			add(orb.Point{
				p1[0] + (p2[0]-p1[0])*float64(j)/float64(nseg),
				p1[1] + (p2[1]-p1[1])*float64(j)/float64(nseg),
			}, false)
		}
		add(p2, repeated)
		p1 = p2
	}
	return out
}

// DensifyStep is the length segments are cut to before a geometry drawn in
// c is transformed: 0.01° in a geographic CRS, 1 km in a projected one.
func DensifyStep(c CRS) float64 {
	if c.Geographic {
		return 0.01
	}
	return 1000
}
