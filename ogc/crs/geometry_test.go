package crs

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func TestTransformGeometry(t *testing.T) {
	tr, err := NewTransformer(4326, 2154)
	if err != nil {
		t.Fatal(err)
	}
	p := func(lon, lat float64) orb.Point {
		x, y, err := tr.Transform(lon, lat)
		if err != nil {
			t.Fatal(err)
		}
		return orb.Point{x, y}
	}
	a, b, c := orb.Point{1.4, 43.4}, orb.Point{1.7, 43.4}, orb.Point{1.55, 43.55}
	// ring makes a new ring each time: TransformGeometryInPlace would
	// transform twice a ring shared by two polygons.
	ring := func() orb.Ring { return orb.Ring{a, b, c, a} }
	ta, tb, tc := p(1.4, 43.4), p(1.7, 43.4), p(1.55, 43.55)
	tring := orb.Ring{ta, tb, tc, ta}
	for _, tt := range []struct{ in, want orb.Geometry }{
		{a, ta},
		{orb.MultiPoint{a, b}, orb.MultiPoint{ta, tb}},
		{orb.LineString{a, b, c}, orb.LineString{ta, tb, tc}},
		{ring(), tring},
		{orb.MultiLineString{{a, b}, {b, c}}, orb.MultiLineString{{ta, tb}, {tb, tc}}},
		{orb.Polygon{ring(), ring()}, orb.Polygon{tring, tring}},
		{orb.MultiPolygon{{ring()}, {ring()}}, orb.MultiPolygon{{tring}, {tring}}},
		{orb.Collection{a, orb.LineString{a, b}, orb.Collection{c}}, orb.Collection{ta, orb.LineString{ta, tb}, orb.Collection{tc}}},
		{orb.LineString{}, orb.LineString{}},
	} {
		before := orb.Clone(tt.in)
		got, err := TransformGeometry(tt.in, tr)
		if err != nil {
			t.Errorf("%T: %v", tt.in, err)
			continue
		}
		if !orb.Equal(got, tt.want) {
			t.Errorf("TransformGeometry(%v) = %v, want %v", tt.in, got, tt.want)
		}
		if !orb.Equal(tt.in, before) {
			t.Errorf("TransformGeometry changed its input: %v", tt.in)
		}
		got, err = TransformGeometryInPlace(tt.in, tr)
		if err != nil || !orb.Equal(got, tt.want) {
			t.Errorf("TransformGeometryInPlace(%v) = %v, %v; want %v", before, got, err, tt.want)
		}
		if _, ok := tt.in.(orb.Point); !ok && !orb.Equal(tt.in, tt.want) {
			t.Errorf("TransformGeometryInPlace left %v, want %v", tt.in, tt.want)
		}
	}
	if g, err := TransformGeometry(nil, tr); g != nil || err != nil {
		t.Errorf("TransformGeometry(nil) = %v, %v", g, err)
	}
	if _, err := TransformGeometry(orb.Bound{Min: a, Max: c}, tr); err == nil {
		t.Error("TransformGeometry(orb.Bound) succeeded")
	}
	// An invalid position fails the geometry.
	bad := orb.Collection{orb.LineString{a, {3, 95}}}
	if _, err := TransformGeometry(bad, tr); !errors.Is(err, ErrInvalidCoordinate) {
		t.Errorf("TransformGeometry(%v): %v, want ErrInvalidCoordinate", bad, err)
	}
	// The identity copies too.
	id, _ := NewTransformer(4326, 4258)
	ls := orb.LineString{a, b}
	got, _ := TransformGeometry(ls, id)
	got.(orb.LineString)[0] = orb.Point{math.NaN(), 0}
	if ls[0] != a {
		t.Error("TransformGeometry with the identity shares its input")
	}
}
