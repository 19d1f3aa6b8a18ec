package crs

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// benchPoints returns n points over metropolitan France in srid.
func benchPoints(b *testing.B, srid, n int) []orb.Point {
	b.Helper()
	tr, err := NewTransformer(4326, srid)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	pts := make([]orb.Point, n)
	for i := range pts {
		x, y, err := tr.Transform(-5+15*r.Float64(), 41.3+9.8*r.Float64())
		if err != nil {
			b.Fatal(err)
		}
		pts[i] = orb.Point{x, y}
	}
	return pts
}

// BenchmarkTransform times one position, from the storage CRS (2154) to
// each served CRS and back, and between geographic and Web Mercator.
func BenchmarkTransform(b *testing.B) {
	pairs := [][2]int{
		{2154, 4326}, {2154, 3857}, {2154, 3035},
		{4326, 2154}, {3857, 2154}, {3035, 2154},
		{4326, 3857}, {4326, 4258},
	}
	for _, p := range pairs {
		b.Run(fmt.Sprintf("%d→%d", p[0], p[1]), func(b *testing.B) {
			pts := benchPoints(b, p[0], 4096)
			tr, err := NewTransformer(p[0], p[1])
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			var sink float64
			for i := 0; i < b.N; i++ {
				pt := pts[i%len(pts)]
				x, y, err := tr.Transform(pt[0], pt[1])
				if err != nil {
					b.Fatal(err)
				}
				sink += x + y
			}
			_ = sink
		})
	}
}

// BenchmarkTransformGeometry transforms 250,000 positions (1,000 lines of
// 250) from 2154 to 4326, in place and as a copy.
func BenchmarkTransformGeometry(b *testing.B) {
	pts := benchPoints(b, 2154, 250_000)
	tr, _ := NewTransformer(2154, 4326)
	mk := func() orb.MultiLineString {
		g := make(orb.MultiLineString, 1000)
		for i := range g {
			g[i] = append(orb.LineString(nil), pts[i*250:(i+1)*250]...)
		}
		return g
	}
	b.Run("copy", func(b *testing.B) {
		g := mk()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := TransformGeometry(g, tr); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("in place", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			g := mk()
			b.StartTimer()
			if _, err := TransformGeometryInPlace(g, tr); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLCCToMercator compares, on one position in a 10 km box, the
// interpolation for that box and the shortcut from Lambert-93 to Web
// Mercator with the general path they replace.
func BenchmarkLCCToMercator(b *testing.B) {
	pts := make([]orb.Point, 4096)
	b10 := orb.Bound{Min: orb.Point{570_000, 6_275_000}, Max: orb.Point{580_000, 6_285_000}}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range pts {
		pts[i] = orb.Point{b10.Min[0] + 10_000*r.Float64(), b10.Min[1] + 10_000*r.Float64()}
	}
	for _, tc := range []struct {
		name string
		tr   Transformer
	}{
		{"near", lambert93ToMercator.near(b10)},
		{"shortcut", lambert93ToMercator},
		{"general", &transformer{src: lambert93, dst: webMercator}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var sink float64
			for i := 0; i < b.N; i++ {
				pt := pts[i%len(pts)]
				x, y, err := tc.tr.Transform(pt[0], pt[1])
				if err != nil {
					b.Fatal(err)
				}
				sink += x + y
			}
			_ = sink
		})
	}
}
