package featurestream

import (
	"math"
	"strconv"
)

// AppendDecimal appends f as decimal text a spreadsheet, a JSON parser and
// GDAL all read back: no exponent for ordinary values (from 1e-6 to 1e21,
// as JavaScript prints numbers; beyond, the shortest exponent form), no
// trailing zeros, no negative zero. With decimals > 0 the value is rounded
// to that many decimals first (coordinates to about a centimetre); with
// decimals <= 0 it is the shortest text that reads back exactly.
//
// NaN and the infinities are written NaN, Infinity and -Infinity (as
// PostgreSQL prints them); JSON writers must test math.IsNaN and
// math.IsInf first, since JSON has no such numbers.
func AppendDecimal(dst []byte, f float64, decimals int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		return append(dst, '0')
	}
	a := math.Abs(f)
	if a >= 1e21 || (decimals <= 0 && a < 1e-6) {
		return strconv.AppendFloat(dst, f, 'e', -1, 64)
	}
	if decimals <= 0 {
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', decimals, 64)
	// Trim the zeros of the fixed decimals, then a bare point.
	for dst[len(dst)-1] == '0' {
		dst = dst[:len(dst)-1]
	}
	if dst[len(dst)-1] == '.' {
		dst = dst[:len(dst)-1]
	}
	if string(dst[start:]) == "-0" {
		dst = append(dst[:start], '0')
	}
	return dst
}
