package zan

import (
	"errors"
	"testing"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

// TestOverlayRetriesOnTheMillimetreGrid: an overlay that fails (as
// simplefeatures does on numerical degeneracy) is retried once with its
// operands snapped to 1 mm, and says so; a second failure is an error.
func TestOverlayRetriesOnTheMillimetreGrid(t *testing.T) {
	t.Parallel()
	a, _, err := makeValid(orb.Polygon{{{0.0001, 0}, {10, 0}, {10, 10}, {0, 10}, {0.0001, 0}}})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := makeValid(orb.Polygon{{{5, 5}, {15, 5}, {15, 15}, {5, 15}, {5, 5}}})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	var seen geom.Geometry
	flaky := func(x, y geom.Geometry) (geom.Geometry, error) {
		calls++
		if calls == 1 {
			return geom.Geometry{}, errors.New("degenerate")
		}
		seen = x
		return geom.Intersection(x, y)
	}
	g, retried, err := overlay(flaky, a, b)
	if err != nil || !retried || calls != 2 || g.Area() != 25 {
		t.Fatalf("retried %v after %d calls: area %v, %v", retried, calls, g.Area(), err)
	}
	if seen.Envelope().Area() != 100 { // 0.0001 snapped to 0
		t.Errorf("the retry did not snap its operands: %v", seen.AsText())
	}
	failing := func(x, y geom.Geometry) (geom.Geometry, error) { return geom.Geometry{}, errors.New("degenerate") }
	if _, _, err := overlay(failing, a, b); err == nil {
		t.Error("two failures gave no error")
	}
}
