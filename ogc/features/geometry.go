package features

import (
	"math"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/ogc/crs"
)

// AppendGeometry writes g as ST_AsGeoJSON(g, decimals) does in PostGIS 3.3:
// no spaces, a "crs" member naming the SRID unless it is 4326, each ordinate
// with at most decimals digits after the point. g is in c's SRID, easting
// first; the axes are swapped for a CRS whose first axis is northing.
func AppendGeometry(dst []byte, g orb.Geometry, c crs.CRS, dec int) []byte {
	dst = append(dst, `{"type":"`...)
	dst = append(dst, g.GeoJSONType()...)
	dst = append(dst, '"', ',')
	if c.SRID != 4326 {
		dst = append(dst, `"crs":{"type":"name","properties":{"name":"EPSG:`...)
		dst = strconv.AppendInt(dst, int64(c.SRID), 10)
		dst = append(dst, `"}},`...)
	}
	dst = append(dst, `"coordinates":`...)
	pt := func(dst []byte, p orb.Point) []byte {
		x, y := p[0], p[1]
		if c.YX {
			x, y = y, x
		}
		dst = append(dst, '[')
		dst = AppendOrdinate(dst, x, dec)
		dst = append(dst, ',')
		dst = AppendOrdinate(dst, y, dec)
		return append(dst, ']')
	}
	pts := func(dst []byte, ps []orb.Point) []byte {
		dst = append(dst, '[')
		for i, p := range ps {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = pt(dst, p)
		}
		return append(dst, ']')
	}
	poly := func(dst []byte, p orb.Polygon) []byte {
		dst = append(dst, '[')
		for i, r := range p {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = pts(dst, r)
		}
		return append(dst, ']')
	}
	switch g := g.(type) {
	case orb.Point:
		if math.IsNaN(g[0]) && math.IsNaN(g[1]) { // POINT EMPTY, as WKB holds it
			dst = append(dst, "[]"...)
		} else {
			dst = pt(dst, g)
		}
	case orb.MultiPoint:
		dst = pts(dst, g)
	case orb.LineString:
		dst = pts(dst, g)
	case orb.MultiLineString:
		dst = append(dst, '[')
		for i, l := range g {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = pts(dst, l)
		}
		dst = append(dst, ']')
	case orb.Polygon:
		dst = poly(dst, g)
	case orb.MultiPolygon:
		dst = append(dst, '[')
		for i, p := range g {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = poly(dst, p)
		}
		dst = append(dst, ']')
	default:
		dst = append(dst, "[]"...)
	}
	return append(dst, '}')
}

// AppendOrdinate writes d as liblwgeom's lwprint_double does: the shortest
// decimal that reads back as d (Ryū), then rounded — on those decimal
// digits, halves to even — to at most prec decimals, trailing zeros
// dropped, no sign on zero; exponent notation at or below 1e-8 and from
// 1e15 on.
func AppendOrdinate(dst []byte, d float64, prec int) []byte {
	switch {
	case d == 0:
		return append(dst, '0')
	case math.IsNaN(d):
		return append(dst, "NaN"...)
	case math.IsInf(d, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(d, -1):
		return append(dst, "-Infinity"...)
	}
	neg := d < 0
	ad := math.Abs(d)
	// The shortest digits: ad = mant × 10^exp. Written into an array on
	// the stack: a string per ordinate was most of this function's cost.
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], ad, 'e', -1, 64)
	ePos := len(s) - 1
	for s[ePos] != 'e' {
		ePos--
	}
	sci := 0 // the exponent, written with its sign
	for _, c := range s[ePos+2:] {
		sci = sci*10 + int(c-'0')
	}
	if s[ePos+1] == '-' {
		sci = -sci
	}
	var mant uint64
	n := 0
	for i := 0; i < ePos; i++ {
		if s[i] != '.' {
			mant = mant*10 + uint64(s[i]-'0')
			n++
		}
	}
	if ad <= 1e-8 || ad >= 1e15 {
		dst = appendFixed(dst, mant, 1-n, neg, prec)
		dst = append(dst, 'e')
		if sci < 0 {
			dst = append(dst, '-')
			sci = -sci
		} else {
			dst = append(dst, '+')
		}
		return strconv.AppendInt(dst, int64(sci), 10)
	}
	return appendFixed(dst, mant, sci-(n-1), neg, prec)
}

// appendFixed is ryu's to_chars_fixed as PostGIS modified it: the decimal
// mant × 10^exp rounded to prec decimals.
func appendFixed(dst []byte, mant uint64, exp int, neg bool, prec int) []byte {
	digits := func(v uint64) int {
		n := 1
		for ; v >= 10; v /= 10 {
			n++
		}
		return n
	}
	out := mant
	if exp < 0 && prec < -exp {
		trim := -exp - prec
		if trim > digits(mant) {
			out, exp = 0, 0
		} else {
			div := uint64(1)
			for i := 0; i < trim; i++ {
				div *= 10
			}
			q, r := out/div, out%div
			out = q
			exp += trim
			if r > div/2 || (r == div/2 && q&1 == 1) {
				out++
			}
			for out != 0 && out%10 == 0 {
				out /= 10
				exp++
			}
		}
	}
	if out == 0 {
		return append(dst, '0')
	}
	if neg {
		dst = append(dst, '-')
	}
	var buf [20]byte
	s := strconv.AppendUint(buf[:0], out, 10)
	switch {
	case exp >= 0:
		dst = append(dst, s...)
		for i := 0; i < exp; i++ {
			dst = append(dst, '0')
		}
	case -exp < len(s):
		dst = append(dst, s[:len(s)+exp]...)
		dst = append(dst, '.')
		dst = append(dst, s[len(s)+exp:]...)
	default:
		dst = append(dst, '0', '.')
		for i := 0; i < -exp-len(s); i++ {
			dst = append(dst, '0')
		}
		dst = append(dst, s...)
	}
	return dst
}
