package crs

import "github.com/paulmach/orb"

// SwapAxes returns g with x and y exchanged in every position: from a
// latitude- or northing-first CRS to the easting-first order of PostGIS and
// orb, and back.
func SwapAxes(g orb.Geometry) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return orb.Point{g[1], g[0]}
	case orb.MultiPoint:
		out := make(orb.MultiPoint, len(g))
		for i, p := range g {
			out[i] = orb.Point{p[1], p[0]}
		}
		return out
	case orb.LineString:
		return orb.LineString(SwapAxes(orb.MultiPoint(g)).(orb.MultiPoint))
	case orb.Ring:
		return orb.Ring(SwapAxes(orb.MultiPoint(g)).(orb.MultiPoint))
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, l := range g {
			out[i] = SwapAxes(l).(orb.LineString)
		}
		return out
	case orb.Polygon:
		out := make(orb.Polygon, len(g))
		for i, r := range g {
			out[i] = SwapAxes(r).(orb.Ring)
		}
		return out
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = SwapAxes(p).(orb.Polygon)
		}
		return out
	case orb.Collection:
		out := make(orb.Collection, len(g))
		for i, x := range g {
			out[i] = SwapAxes(x)
		}
		return out
	}
	return g
}
