package embedded

import (
	"bytes"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
)

// The layer encoder writes the bytes of orb's mvt.Marshal, which it replaces.
func TestLayerEncoderMatchesMarshal(t *testing.T) {
	type feat struct {
		g     orb.Geometry
		id    *uint64
		attrs []tag
	}
	seven := uint64(7)
	val := func(v any) tileVal {
		tv, ok := tileValue(kText, v)
		if !ok {
			t.Fatalf("no value for %v", v)
		}
		return tv
	}
	x, y, three, minus4, half, yes, no := val("x"), val("y"), val(int64(3)), val(int64(-4)), val(1.5), val(true), val(false)
	feats := []feat{
		{orb.Point{10, -3}, &seven, []tag{{"a", x}, {"b", three}, {"c", minus4}}},
		{orb.MultiPoint{{1, 2}, {3, 4}}, nil, []tag{{"a", x}, {"d", half}, {"e", yes}}},
		{orb.LineString{{0, 0}, {4096, 10}, {-64, 4160}}, nil, nil},
		{orb.MultiLineString{{{0, 0}, {1, 1}}, {{5, 5}, {6, 7}, {8, 9}}}, &seven, []tag{{"b", three}}},
		{orb.Polygon{{{0, 0}, {10, 0}, {10, 10}, {0, 0}}, {{2, 1}, {3, 2}, {3, 1}, {2, 1}}}, nil, []tag{{"a", y}}},
		{orb.MultiPolygon{{{{0, 0}, {10, 0}, {10, 10}, {0, 0}}}, {{{20, 20}, {30, 20}, {30, 30}, {20, 20}}}}, nil, []tag{{"e", no}}},
	}
	// What mvt.Marshal is given for each value.
	props := map[tileVal]any{x: "x", y: "y", three: uint64(3), minus4: int64(-4), half: 1.5, yes: true, no: false}
	enc := newLayerEncoder()
	layer := &mvt.Layer{Name: "l", Version: 2, Extent: 4096}
	for _, f := range feats {
		if err := enc.add(f.g, f.id, f.attrs); err != nil {
			t.Fatal(err)
		}
		gf := geojson.NewFeature(f.g)
		if f.id != nil {
			gf.ID = *f.id
		}
		for _, a := range f.attrs {
			gf.Properties[a.key] = props[a.val]
		}
		layer.Features = append(layer.Features, gf)
	}
	want, err := mvt.Marshal(mvt.Layers{layer, &mvt.Layer{Name: "m", Version: 2, Extent: 4096, Features: layer.Features[:1]}})
	if err != nil {
		t.Fatal(err)
	}
	enc2 := newLayerEncoder()
	if err := enc2.add(feats[0].g, feats[0].id, feats[0].attrs); err != nil {
		t.Fatal(err)
	}
	got := enc2.appendTo(enc.appendTo(nil, "l", 2, 4096), "m", 2, 4096)
	if !bytes.Equal(got, want) {
		t.Errorf("encoded\n%x\nmvt.Marshal\n%x", got, want)
	}
}
