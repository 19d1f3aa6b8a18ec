package hilbert

import "testing"

// TestIndex checks the curve against the PMTiles specification's table of
// tile ids (an id is the cells of the zooms above plus the Hilbert index)
// and that it visits every cell once, each next to the previous one.
func TestIndex(t *testing.T) {
	base := func(z uint) uint64 { return ((uint64(1) << (2 * z)) - 1) / 3 }
	for _, c := range []struct {
		z    uint
		x, y uint32
		id   uint64
	}{
		{0, 0, 0, 0}, {1, 0, 0, 1}, {1, 0, 1, 2}, {1, 1, 1, 3}, {1, 1, 0, 4}, {2, 0, 0, 5},
		{12, 3423, 1763, 19078479},
	} {
		if got := base(c.z) + Index(c.z, c.x, c.y); got != c.id {
			t.Errorf("%d/%d/%d: id %d, want %d", c.z, c.x, c.y, got, c.id)
		}
	}
	for order := uint(0); order <= 6; order++ {
		n := uint32(1) << order
		at := make(map[uint64][2]uint32)
		for x := range n {
			for y := range n {
				d := Index(order, x, y)
				if _, dup := at[d]; dup || d >= uint64(n)*uint64(n) {
					t.Fatalf("order %d: (%d,%d) has index %d, taken or out of range", order, x, y, d)
				}
				at[d] = [2]uint32{x, y}
				if cx, cy := Cell(order, d); cx != x || cy != y {
					t.Fatalf("order %d: Cell(%d) = %d,%d, want %d,%d", order, d, cx, cy, x, y)
				}
			}
		}
		for d := uint64(1); d < uint64(n)*uint64(n); d++ {
			a, b := at[d-1], at[d]
			if dist := absDiff(a[0], b[0]) + absDiff(a[1], b[1]); dist != 1 {
				t.Fatalf("order %d: %v then %v are not neighbours", order, a, b)
			}
		}
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}
