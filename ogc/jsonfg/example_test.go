package jsonfg_test

import (
	"os"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/ogc/crs"
	"github.com/socle-geo/socle/ogc/featurestream"
	"github.com/socle-geo/socle/ogc/jsonfg"
)

// One address in Lambert-93: "place" holds it, "geometry" is null (no
// fallback asked), "time" comes from the date of last update.
func ExampleWriteFeature() {
	cols := []featurestream.Column{
		{Name: "numero", Type: featurestream.TypeInteger},
		{Name: "date_der_maj", Type: featurestream.TypeDate},
	}
	f := &featurestream.Feature{
		ID:       "31254_0042_00012",
		Geometry: orb.Point{578123.456, 6270456.789},
		Values:   []any{int64(12), time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
	}
	opts := jsonfg.Options{CRS: crs.Lambert, Decimals: 2, FeatureType: "addresses", Time: jsonfg.Time{Instant: "date_der_maj"}}
	if err := jsonfg.WriteFeature(os.Stdout, cols, f, opts); err != nil {
		panic(err)
	}
	// Output:
	// {"type":"Feature","conformsTo":["http://www.opengis.net/spec/json-fg-1/0.2/conf/core","http://www.opengis.net/spec/json-fg-1/0.2/conf/types-schemas"],"coordRefSys":"http://www.opengis.net/def/crs/EPSG/0/2154","featureType":"addresses","id":"31254_0042_00012","time":{"date":"2024-03-01"},"place":{"type":"Point","coordinates":[578123.46,6270456.79]},"geometry":null,"properties":{"numero":12,"date_der_maj":"2024-03-01"}}
}
