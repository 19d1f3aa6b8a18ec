package zan

import (
	"fmt"

	"github.com/peterstace/simplefeatures/geom"
)

// snapDecimals is the grid (in decimal places of a metre: 1 mm) that an
// overlay's operands are snapped to when the overlay fails on numerical
// degeneracy; the retried operands are repaired again after snapping.
const snapDecimals = 3

// overlay runs op on a and b (valid polygonal geometries) and keeps the
// polygons of its result. When the overlay fails (simplefeatures reports
// "pathological cases of numerical degeneracy" as errors, never as a wrong
// figure), it is retried once with both operands snapped to a 1 mm grid and
// repaired; retried tells whether that happened. A millimetre grid moves an
// area by at most about perimeter × 0.5 mm, far below the 0.01 ha the
// figures are given to.
func overlay(op func(a, b geom.Geometry) (geom.Geometry, error), a, b geom.Geometry) (g geom.Geometry, retried bool, err error) {
	g, err = op(a, b)
	if err == nil {
		return polygonal(g), false, nil
	}
	first := err
	a, err = snapValid(a)
	if err != nil {
		return geom.Geometry{}, true, fmt.Errorf("zan: overlay: %w (snapping: %v)", first, err)
	}
	b, err = snapValid(b)
	if err != nil {
		return geom.Geometry{}, true, fmt.Errorf("zan: overlay: %w (snapping: %v)", first, err)
	}
	g, err = op(a, b)
	if err != nil {
		return geom.Geometry{}, true, fmt.Errorf("zan: overlay: %w (snapped to 1 mm: %v)", first, err)
	}
	return polygonal(g), true, nil
}

// snapValid snaps g to the 1 mm grid and makes the result valid again.
func snapValid(g geom.Geometry) (geom.Geometry, error) {
	s := g.SnapToGrid(snapDecimals)
	if s.Validate() == nil {
		return s, nil
	}
	o, _, err := makeValid(toOrb(s))
	return o, err
}
