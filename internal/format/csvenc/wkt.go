package csvenc

import (
	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/ogc/featurestream"
)

// appendWKT appends g as Well-Known Text (OGC 06-103r4, 2D), coordinates in
// plain decimal notation (orb's encoding/wkt prints 6.27e+06 for a
// Lambert-93 northing, which spreadsheets then show as a number). A ring
// or a bound is written as the polygon it is.
func appendWKT(b []byte, g orb.Geometry, dec int) []byte {
	switch g := g.(type) {
	case orb.Point:
		b = append(b, "POINT("...)
		b = appendPos(b, g, dec)
		return append(b, ')')
	case orb.MultiPoint:
		if len(g) == 0 {
			return append(b, "MULTIPOINT EMPTY"...)
		}
		b = append(b, "MULTIPOINT("...)
		for i, p := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '(')
			b = appendPos(b, p, dec)
			b = append(b, ')')
		}
		return append(b, ')')
	case orb.LineString:
		if len(g) == 0 {
			return append(b, "LINESTRING EMPTY"...)
		}
		return appendPoints(append(b, "LINESTRING"...), g, dec)
	case orb.MultiLineString:
		if len(g) == 0 {
			return append(b, "MULTILINESTRING EMPTY"...)
		}
		b = append(b, "MULTILINESTRING("...)
		for i, l := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPoints(b, l, dec)
		}
		return append(b, ')')
	case orb.Ring:
		return appendWKT(b, orb.Polygon{g}, dec)
	case orb.Bound:
		return appendWKT(b, g.ToPolygon(), dec)
	case orb.Polygon:
		if len(g) == 0 {
			return append(b, "POLYGON EMPTY"...)
		}
		return appendRings(append(b, "POLYGON"...), g, dec)
	case orb.MultiPolygon:
		if len(g) == 0 {
			return append(b, "MULTIPOLYGON EMPTY"...)
		}
		b = append(b, "MULTIPOLYGON("...)
		for i, p := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendRings(b, p, dec)
		}
		return append(b, ')')
	case orb.Collection:
		if len(g) == 0 {
			return append(b, "GEOMETRYCOLLECTION EMPTY"...)
		}
		b = append(b, "GEOMETRYCOLLECTION("...)
		for i, m := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendWKT(b, m, dec)
		}
		return append(b, ')')
	}
	return b
}

func appendPos(b []byte, p orb.Point, dec int) []byte {
	b = featurestream.AppendDecimal(b, p[0], dec)
	b = append(b, ' ')
	return featurestream.AppendDecimal(b, p[1], dec)
}

func appendPoints(b []byte, pts []orb.Point, dec int) []byte {
	b = append(b, '(')
	for i, p := range pts {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPos(b, p, dec)
	}
	return append(b, ')')
}

func appendRings(b []byte, p orb.Polygon, dec int) []byte {
	b = append(b, '(')
	for i, r := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPoints(b, r, dec)
	}
	return append(b, ')')
}
