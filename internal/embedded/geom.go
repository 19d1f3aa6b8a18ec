package embedded

import (
	"errors"
	"math"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
)

// The geometry operations the PostGIS store asks of PostGIS, done the same
// way here: ST_MakeEnvelope, ST_Segmentize, ST_Transform, ST_Envelope and
// ST_AsGeoJSON.

// transformer returns the transformation between two SRIDs, or EINVALID.
func transformer(from, to int) (crs.Transformer, error) {
	t, err := crs.NewTransformer(from, to)
	if err != nil {
		return nil, &socle.Error{Code: socle.EINVALID, Message: "a value in the request is out of range or malformed", Err: err}
	}
	return t, nil
}

// transform returns g transformed; a position the projection cannot take is
// a malformed request, as PostGIS's error XX000 is for the PostGIS store.
func transform(g orb.Geometry, from, to int) (orb.Geometry, error) {
	if from == to {
		return g, nil
	}
	t, err := transformer(from, to)
	if err != nil {
		return nil, err
	}
	out, err := crs.TransformGeometry(g, t)
	if err != nil {
		if errors.Is(err, crs.ErrInvalidCoordinate) || errors.Is(err, crs.ErrOutsideDomain) {
			return nil, malformed("transform from EPSG:%d to EPSG:%d: %v", from, to, err)
		}
		return nil, err
	}
	return out, nil
}

// envelope is ST_MakeEnvelope: the ring runs (xmin ymin, xmin ymax, xmax
// ymax, xmax ymin) as PostGIS builds it.
func envelope(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{orb.Ring{{x0, y0}, {x0, y1}, {x1, y1}, {x1, y0}, {x0, y0}}}
}

// boxGeometry is ST_Envelope of a box, or a box2d cast to geometry: a point
// when the box is one, a line when it is flat, a polygon otherwise.
func boxGeometry(b orb.Bound) orb.Geometry {
	switch {
	case b.Min[0] == b.Max[0] && b.Min[1] == b.Max[1]:
		return b.Min
	case b.Min[0] == b.Max[0] || b.Min[1] == b.Max[1]:
		return orb.LineString{b.Min, b.Max}
	}
	return envelope(b.Min[0], b.Min[1], b.Max[0], b.Max[1])
}

// floatDown and floatUp round to the float32 below or above, as PostGIS
// stores bounding boxes (gbox_float_round).
func floatDown(d float64) float64 {
	f := float32(d)
	if float64(f) > d {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return float64(f)
}

func floatUp(d float64) float64 {
	f := float32(d)
	if float64(f) < d {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return float64(f)
}

// floatBound is the box PostGIS keeps with a serialized geometry.
func floatBound(b orb.Bound) orb.Bound {
	return orb.Bound{Min: orb.Point{floatDown(b.Min[0]), floatDown(b.Min[1])}, Max: orb.Point{floatUp(b.Max[0]), floatUp(b.Max[1])}}
}

// geomBound is g.Bound(), the same floats, for the lines and polygons a
// load decodes by the hundred thousand: orb's Bound extends a Bound value
// point by point through calls the compiler does not inline, this loop
// does the same comparisons on four floats.
func geomBound(g orb.Geometry) orb.Bound {
	switch g := g.(type) {
	case orb.LineString:
		return pointsBound(g)
	case orb.Polygon:
		if len(g) > 0 {
			return pointsBound(g[0])
		}
	case orb.MultiLineString:
		if len(g) > 0 {
			b := pointsBound(g[0])
			for _, ls := range g[1:] {
				b = b.Union(pointsBound(ls))
			}
			return b
		}
	case orb.MultiPolygon:
		if len(g) > 0 && len(g[0]) > 0 {
			b := pointsBound(g[0][0])
			for _, p := range g[1:] {
				b = b.Union(geomBound(p))
			}
			return b
		}
	}
	return g.Bound()
}

// pointsBound is orb.MultiPoint(ps).Bound(): orb's Bound.Extend of each
// point in turn (an empty bound becomes the point's; a point within leaves
// it; else math.Min and math.Max), on locals.
func pointsBound(ps []orb.Point) orb.Bound {
	if len(ps) == 0 {
		return orb.MultiPoint(ps).Bound()
	}
	minX, minY, maxX, maxY := ps[0][0], ps[0][1], ps[0][0], ps[0][1]
	for _, p := range ps {
		switch {
		case minX > maxX || minY > maxY:
			minX, minY, maxX, maxY = p[0], p[1], p[0], p[1]
		case p[1] < minY || maxY < p[1] || p[0] < minX || maxX < p[0]:
			minX, minY = math.Min(minX, p[0]), math.Min(minY, p[1])
			maxX, maxY = math.Max(maxX, p[0]), math.Max(maxY, p[1])
		}
	}
	return orb.Bound{Min: orb.Point{minX, minY}, Max: orb.Point{maxX, maxY}}
}
