// Package hilbert numbers the cells of a square grid along a Hilbert curve,
// so that cells near each other on the curve are near each other in space:
// the order of a FlatGeobuf packed R-tree and of PMTiles tile ids. It
// imports nothing.
package hilbert

// Index returns the position of cell (x, y) on the Hilbert curve filling a
// grid of 2^order × 2^order cells (x, y < 2^order, order < 32): (0, 0) is
// 0, the curve goes up the y axis first and ends at (2^order-1, 0). This is
// the curve of the PMTiles specification (v3, section 4.1).
func Index(order uint, x, y uint32) uint64 {
	var d uint64
	for s := uint32(1) << order >> 1; s > 0; s >>= 1 {
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += uint64(s) * uint64(s) * uint64((3*rx)^ry)
		// Rotate the quadrant so that the sub-curve starts where the
		// curve enters it.
		if ry == 0 {
			if rx == 1 {
				x = s - 1 - x&(s-1)
				y = s - 1 - y&(s-1)
			}
			x, y = y, x
		}
		x &= s - 1
		y &= s - 1
	}
	return d
}

// Cell is the inverse of Index: the cell at position d of the curve of
// that order.
func Cell(order uint, d uint64) (x, y uint32) {
	for s := uint32(1); s < uint32(1)<<order; s <<= 1 {
		rx := uint32(1 & (d / 2))
		ry := uint32(1 & (d ^ uint64(rx)))
		if ry == 0 {
			if rx == 1 {
				x = s - 1 - x
				y = s - 1 - y
			}
			x, y = y, x
		}
		x += s * rx
		y += s * ry
		d /= 4
	}
	return x, y
}
