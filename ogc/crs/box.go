package crs

import "github.com/paulmach/orb"

// BoxPolygon returns the box (minx, miny, maxx, maxy, x first) as a polygon
// transformed by t, each edge cut into n segments first: a box straight in
// its own CRS is curved in another, and its corners alone would cut its
// edges short.
func BoxPolygon(minx, miny, maxx, maxy float64, n int, t Transformer) (orb.Polygon, error) {
	n = max(n, 1)
	ring := make(orb.Ring, 0, 4*n+1)
	edge := func(x0, y0, x1, y1 float64) {
		for i := 0; i < n; i++ {
			f := float64(i) / float64(n)
			ring = append(ring, orb.Point{x0 + (x1-x0)*f, y0 + (y1-y0)*f})
		}
	}
	edge(minx, miny, maxx, miny)
	edge(maxx, miny, maxx, maxy)
	edge(maxx, maxy, minx, maxy)
	edge(minx, maxy, minx, miny)
	ring = append(ring, ring[0])
	for i, p := range ring {
		x, y, err := t.Transform(p[0], p[1])
		if err != nil {
			return nil, err
		}
		ring[i] = orb.Point{x, y}
	}
	return orb.Polygon{ring}, nil
}
