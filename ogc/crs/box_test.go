package crs

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestBoxPolygon(t *testing.T) {
	tr, err := NewTransformer(4326, 2154)
	if err != nil {
		t.Fatal(err)
	}
	p, err := BoxPolygon(1.5, 43.5, 1.6, 43.6, 8, tr)
	if err != nil {
		t.Fatal(err)
	}
	r := p[0]
	if len(r) != 33 || r[0] != r[len(r)-1] {
		t.Fatalf("ring of %d points, closed %v", len(r), r[0] == r[len(r)-1])
	}
	// Every vertex lies on the box's edges, transformed: spot-check one
	// corner and one mid-edge point against the transformer.
	x, y, _ := tr.Transform(1.6, 43.5)
	if r[8][0] != x || r[8][1] != y {
		t.Errorf("corner: %v, want %v %v", r[8], x, y)
	}
	x, y, _ = tr.Transform(1.55, 43.5)
	if r[4][0] != x || r[4][1] != y {
		t.Errorf("mid-edge: %v, want %v %v", r[4], x, y)
	}
	if _, err := BoxPolygon(0, 91, 1, 92, 4, tr); err == nil {
		t.Error("a box beyond the pole transformed without error")
	}
}

func TestSwapAxes(t *testing.T) {
	p := orb.Polygon{{{1, 2}, {3, 4}, {5, 6}, {1, 2}}}
	got := SwapAxes(p).(orb.Polygon)
	if got[0][1] != (orb.Point{4, 3}) || p[0][1] != (orb.Point{3, 4}) {
		t.Errorf("SwapAxes: %v (input now %v)", got, p)
	}
	if back := SwapAxes(got); !orb.Equal(back, p) {
		t.Errorf("swapping twice gives %v", back)
	}
}
