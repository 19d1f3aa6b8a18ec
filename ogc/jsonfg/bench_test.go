package jsonfg_test

import (
	"testing"

	"github.com/socle-geo/socle/ogc/crs"
	"github.com/socle-geo/socle/ogc/featurestream"
	"github.com/socle-geo/socle/ogc/featurestream/featurestreamtest"
	"github.com/socle-geo/socle/ogc/jsonfg"
)

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkEncode encodes 1,000 addresses and 1,000 roads as JSON-FG in
// Lambert-93 ("place" only, and with the WGS 84 fallback, which transforms
// every position) and in CRS84 (a hand-written GeoJSON, beside the
// encoding/json baseline of the other encoders' benchmarks).
func BenchmarkEncode(b *testing.B) {
	fallback, err := crs.NewTransformer(2154, 4326)
	if err != nil {
		b.Fatal(err)
	}
	for _, set := range []struct {
		name  string
		cols  []featurestream.Column
		feats []featurestream.Feature
	}{
		{"addresses", featurestreamtest.AddressColumns, featurestreamtest.Addresses(1000)},
		{"roads", featurestreamtest.RoadColumns, featurestreamtest.Roads(1000)},
	} {
		ll := make([]featurestream.Feature, len(set.feats))
		for i, f := range set.feats {
			ll[i] = f
			ll[i].Geometry, _ = crs.TransformGeometry(f.Geometry, fallback)
		}
		for _, c := range []struct {
			name  string
			feats []featurestream.Feature
			opts  jsonfg.Options
		}{
			{"jsonfg-2154", set.feats, jsonfg.Options{CRS: crs.Lambert, Decimals: 2, FeatureType: set.name}},
			{"jsonfg-2154-fallback", set.feats, jsonfg.Options{CRS: crs.Lambert, Decimals: 2, FeatureType: set.name, Fallback: fallback}},
			{"jsonfg-crs84", ll, jsonfg.Options{Decimals: 7, FeatureType: set.name}},
		} {
			b.Run(set.name+"/"+c.name, func(b *testing.B) {
				var w countingWriter
				for b.Loop() {
					w.n = 0
					e, err := jsonfg.NewEncoder(&w, set.cols, c.opts)
					if err != nil {
						b.Fatal(err)
					}
					for i := range c.feats {
						if err := e.Encode(&c.feats[i]); err != nil {
							b.Fatal(err)
						}
					}
					if err := e.Close(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(w.n), "B/doc")
			})
		}
	}
}
