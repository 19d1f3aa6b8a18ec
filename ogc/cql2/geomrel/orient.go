package geomrel

import (
	"math"
	"math/big"

	"github.com/paulmach/orb"
)

// ccwErrBound is the relative error bound of the floating-point orientation
// determinant (J. R. Shewchuk, "Adaptive Precision Floating-Point Arithmetic
// and Fast Robust Geometric Predicates", 1997, orient2d stage A).
var ccwErrBound = (3 + 16*epsilon) * epsilon

// epsilon is half an ulp of 1.0, the unit roundoff of float64.
const epsilon = 1.0 / (1 << 53)

// orient returns +1 when c lies to the left of the directed line a→b, -1
// when it lies to the right and 0 when the three points are collinear. The
// sign is exact for every finite input: a floating-point filter decides the
// easy cases and exact rational arithmetic the rest.
func orient(a, b, c orb.Point) int {
	detL := (a[0] - c[0]) * (b[1] - c[1])
	detR := (a[1] - c[1]) * (b[0] - c[0])
	det := detL - detR
	var detSum float64
	switch {
	case detL > 0:
		if detR <= 0 {
			return sign(det)
		}
		detSum = detL + detR
	case detL < 0:
		if detR >= 0 {
			return sign(det)
		}
		detSum = -detL - detR
	default:
		if detR == 0 && !tiny(a, b, c) {
			return 0
		}
		if !tiny(a, b, c) {
			return sign(det)
		}
		return orientExact(a, b, c)
	}
	if bound := ccwErrBound * detSum; det >= bound || -det >= bound {
		if !math.IsInf(det, 0) && !math.IsNaN(det) {
			return sign(det)
		}
	}
	return orientExact(a, b, c)
}

// tiny reports whether a product of coordinate differences may have
// underflowed, in which case a zero product says nothing about the sign.
func tiny(a, b, c orb.Point) bool {
	const small = 1e-150
	for _, d := range [4]float64{a[0] - c[0], b[1] - c[1], a[1] - c[1], b[0] - c[0]} {
		if d != 0 && math.Abs(d) < small {
			return true
		}
	}
	return false
}

// orientExact computes the orientation determinant with rational arithmetic.
func orientExact(a, b, c orb.Point) int {
	r := func(f float64) *big.Rat { return new(big.Rat).SetFloat64(f) }
	ax, ay, bx, by, cx, cy := r(a[0]), r(a[1]), r(b[0]), r(b[1]), r(c[0]), r(c[1])
	if ax == nil || ay == nil || bx == nil || by == nil || cx == nil || cy == nil {
		return 0 // non-finite input: callers reject it before
	}
	l := new(big.Rat).Mul(new(big.Rat).Sub(ax, cx), new(big.Rat).Sub(by, cy))
	rr := new(big.Rat).Mul(new(big.Rat).Sub(ay, cy), new(big.Rat).Sub(bx, cx))
	return l.Cmp(rr)
}

func sign(f float64) int {
	switch {
	case f > 0:
		return 1
	case f < 0:
		return -1
	}
	return 0
}

// inBox reports whether p lies in the axis-aligned box spanned by a and b.
func inBox(p, a, b orb.Point) bool {
	return p[0] >= math.Min(a[0], b[0]) && p[0] <= math.Max(a[0], b[0]) &&
		p[1] >= math.Min(a[1], b[1]) && p[1] <= math.Max(a[1], b[1])
}

// onSegment reports exactly whether p lies on the closed segment ab.
func onSegment(p, a, b orb.Point) bool {
	return inBox(p, a, b) && orient(a, b, p) == 0
}

// param returns the position of p along the segment a→b, 0 at a and 1 at b,
// measured along the dominant axis so that it is monotonic for points on
// the segment.
func param(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	if math.Abs(dx) >= math.Abs(dy) {
		return (p[0] - a[0]) / dx
	}
	return (p[1] - a[1]) / dy
}

// crossing returns the intersection point of two segments known to cross
// properly. The point is rounded, then clamped into the intersection of the
// two segments' boxes so that rounding never moves it far away.
func crossing(a, b, c, d orb.Point) orb.Point {
	// Translate to a local origin to keep the products small.
	ox, oy := a[0], a[1]
	ax, ay := 0.0, 0.0
	bx, by := b[0]-ox, b[1]-oy
	cx, cy := c[0]-ox, c[1]-oy
	dx, dy := d[0]-ox, d[1]-oy
	rx, ry := bx-ax, by-ay
	sx, sy := dx-cx, dy-cy
	den := rx*sy - ry*sx
	t := ((cx-ax)*sy - (cy-ay)*sx) / den
	p := orb.Point{ox + ax + t*rx, oy + ay + t*ry}
	minX := math.Max(math.Min(a[0], b[0]), math.Min(c[0], d[0]))
	maxX := math.Min(math.Max(a[0], b[0]), math.Max(c[0], d[0]))
	minY := math.Max(math.Min(a[1], b[1]), math.Min(c[1], d[1]))
	maxY := math.Min(math.Max(a[1], b[1]), math.Max(c[1], d[1]))
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) {
		// Overflow in the determinant (coordinates near the float64
		// limits): the middle of the common box is the best guess.
		return orb.Point{minX/2 + maxX/2, minY/2 + maxY/2}
	}
	p[0] = math.Min(math.Max(p[0], minX), maxX)
	p[1] = math.Min(math.Max(p[1], minY), maxY)
	return p
}
