package flatgeobuf_test

import (
	"testing"

	"github.com/socle-geo/socle/internal/format/flatgeobuf"
	"github.com/socle-geo/socle/ogc/featurestream"
	"github.com/socle-geo/socle/ogc/featurestream/featurestreamtest"
)

// countingWriter counts what an encoder writes.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkEncode encodes 1,000 addresses (points) and 1,000 roads (line
// strings) as FlatGeobuf, streamed (a page) and with its index (a whole
// result, through the spill file), and as GeoJSON with encoding/json for
// comparison; B/doc is the size of the output.
func BenchmarkEncode(b *testing.B) {
	for _, set := range []struct {
		name, geomType string
		cols           []featurestream.Column
		feats          []featurestream.Feature
	}{
		{"addresses", "Point", featurestreamtest.AddressColumns, featurestreamtest.Addresses(1000)},
		{"roads", "LineString", featurestreamtest.RoadColumns, featurestreamtest.Roads(1000)},
	} {
		for _, index := range []bool{false, true} {
			name := set.name + "/fgb"
			if index {
				name += "-index"
			}
			b.Run(name, func(b *testing.B) {
				var w countingWriter
				opts := flatgeobuf.Options{Name: set.name, SRID: 2154, GeometryType: set.geomType, Index: index, TempDir: b.TempDir()}
				for b.Loop() {
					w.n = 0
					e, err := flatgeobuf.NewEncoder(&w, set.cols, opts)
					if err != nil {
						b.Fatal(err)
					}
					for i := range set.feats {
						if err := e.Encode(&set.feats[i]); err != nil {
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
		b.Run(set.name+"/geojson", func(b *testing.B) {
			var w countingWriter
			for b.Loop() {
				w.n = 0
				if err := featurestreamtest.GeoJSON(&w, set.cols, set.feats); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(w.n), "B/doc")
		})
	}
}
