package jsonfg

import (
	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/ogc/featurestream"
)

// appendGeometry appends g as a GeoJSON geometry object (null for nil),
// each position with y first when yx (the CRS's axis order), rounded to
// dec decimals (0: exact). A ring or a bound is the polygon it is.
func appendGeometry(b []byte, g orb.Geometry, yx bool, dec int) []byte {
	switch g := g.(type) {
	case nil:
		return append(b, "null"...)
	case orb.Point:
		b = append(b, `{"type":"Point","coordinates":`...)
		b = appendPos(b, g, yx, dec)
	case orb.MultiPoint:
		b = append(b, `{"type":"MultiPoint","coordinates":`...)
		b = appendPoints(b, g, yx, dec)
	case orb.LineString:
		b = append(b, `{"type":"LineString","coordinates":`...)
		b = appendPoints(b, g, yx, dec)
	case orb.MultiLineString:
		b = append(b, `{"type":"MultiLineString","coordinates":[`...)
		for i, l := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPoints(b, l, yx, dec)
		}
		b = append(b, ']')
	case orb.Ring:
		return appendGeometry(b, orb.Polygon{g}, yx, dec)
	case orb.Bound:
		return appendGeometry(b, g.ToPolygon(), yx, dec)
	case orb.Polygon:
		b = append(b, `{"type":"Polygon","coordinates":`...)
		b = appendRings(b, g, yx, dec)
	case orb.MultiPolygon:
		b = append(b, `{"type":"MultiPolygon","coordinates":[`...)
		for i, p := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendRings(b, p, yx, dec)
		}
		b = append(b, ']')
	case orb.Collection:
		b = append(b, `{"type":"GeometryCollection","geometries":[`...)
		for i, m := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendGeometry(b, m, yx, dec)
		}
		b = append(b, ']')
	default:
		return append(b, "null"...)
	}
	return append(b, '}')
}

func appendPos(b []byte, p orb.Point, yx bool, dec int) []byte {
	x, y := p[0], p[1]
	if yx {
		x, y = y, x
	}
	b = featurestream.AppendDecimal(append(b, '['), x, dec)
	b = featurestream.AppendDecimal(append(b, ','), y, dec)
	return append(b, ']')
}

func appendPoints(b []byte, pts []orb.Point, yx bool, dec int) []byte {
	b = append(b, '[')
	for i, p := range pts {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPos(b, p, yx, dec)
	}
	return append(b, ']')
}

func appendRings(b []byte, p orb.Polygon, yx bool, dec int) []byte {
	b = append(b, '[')
	for i, r := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPoints(b, r, yx, dec)
	}
	return append(b, ']')
}
