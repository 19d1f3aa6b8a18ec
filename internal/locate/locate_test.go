package locate

import (
	"testing"

	"github.com/paulmach/orb"
)

func sq(x0, y0, x1, y1 float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
}

// TestCommune: a point in the commune that contains it, a line in the one
// it shares the longest length with, a polygon the largest area; nothing
// outside.
func TestCommune(t *testing.T) {
	l := New([]Commune{
		{Code: "31002", Geometry: sq(1000, 0, 2000, 1000)},
		{Code: "31001", Geometry: sq(0, 0, 1000, 1000)},
	})
	for _, tc := range []struct {
		g    orb.Geometry
		want string
	}{
		{orb.Point{500, 500}, "31001"},
		{orb.Point{1500, 500}, "31002"},
		{orb.Point{5000, 500}, ""},
		{orb.MultiPoint{{1500, 500}}, "31002"},
		{orb.LineString{{900, 500}, {1300, 500}}, "31002"},
		{orb.LineString{{100, 500}, {1300, 500}}, "31001"},
		// In and out of 31001 several times, longer there than in 31002.
		{orb.LineString{{-100, 500}, {800, 500}, {800, 1200}, {1200, 1200}, {1200, 900}, {1300, 900}}, "31001"},
		{orb.MultiLineString{{{900, 100}, {1000, 100}}, {{1000, 200}, {1500, 200}}}, "31002"},
		{orb.LineString{{-500, -500}, {-100, -100}}, ""},
		{orb.Polygon{{{800, 0}, {1100, 0}, {1100, 100}, {800, 100}, {800, 0}}}, "31001"},
		{orb.Polygon{{{900, 0}, {1300, 0}, {1300, 100}, {900, 100}, {900, 0}}}, "31002"},
		// Equal shares go to the smaller code.
		{orb.LineString{{900, 500}, {1100, 500}}, "31001"},
	} {
		if got := l.Commune(tc.g); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.g, got, tc.want)
		}
	}
	if (&Locator{}).Commune(orb.Point{1, 1}) != "" {
		t.Error("the zero locator found a commune")
	}
}
