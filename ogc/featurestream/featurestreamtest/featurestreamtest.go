// Package featurestreamtest holds the features the encoders' tests and
// benchmarks share: a small sample that exercises every column type, every
// geometry type Socle serves, nulls and awkward text, and generated
// collections of any size for benchmarks, with a GeoJSON writer
// (encoding/json) as the baseline encoders are compared with.
//
// It is imported by tests only, and imports featurestream and orb.
package featurestreamtest

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/socle-geo/socle/ogc/featurestream"
)

// Columns is the schema of Sample: one column of every type.
var Columns = []featurestream.Column{
	{Name: "name", Type: featurestream.TypeString},
	{Name: "numero", Type: featurestream.TypeInteger},
	{Name: "width", Type: featurestream.TypeNumber},
	{Name: "paved", Type: featurestream.TypeBoolean},
	{Name: "date_der_maj", Type: featurestream.TypeDate},
	{Name: "observed_at", Type: featurestream.TypeDateTime},
	{Name: "by_year", Type: featurestream.TypeObject},
}

// Awkward strings: quotes, both separators, line breaks, a formula, accents,
// an emoji and text outside the Basic Multilingual Plane.
const (
	Quoted    = `Rue "du Moulin"; n° 3,5`
	Multiline = "ligne 1\r\nligne 2\nfin"
	Formula   = "=HYPERLINK(\"http://example.test\")"
	Unicode   = "Chemin de l’Église — « Labège » ✓ 🚲 𝄞"
)

// Sample returns features in Lambert-93 (EPSG:2154) over the Sicoval, one
// of each geometry type Socle serves plus one without geometry (the last),
// with nulls and awkward strings. Fresh values on every call.
func Sample() []featurestream.Feature {
	d := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	ts := time.Date(2024, 11, 2, 7, 31, 5, 250_000_000, time.FixedZone("CET", 3600))
	x, y := 578000.0, 6270000.0
	// ring is a square, counter-clockwise; hole its clockwise twin.
	ring := func(x0, y0, s float64) orb.Ring {
		return orb.Ring{{x0, y0}, {x0 + s, y0}, {x0 + s, y0 + s}, {x0, y0 + s}, {x0, y0}}
	}
	hole := func(x0, y0, s float64) orb.Ring {
		return orb.Ring{{x0, y0}, {x0, y0 + s}, {x0 + s, y0 + s}, {x0 + s, y0}, {x0, y0}}
	}
	return []featurestream.Feature{
		{ID: int64(1), Geometry: orb.Point{x + 0.25, y + 0.75},
			Values: []any{Unicode, int64(12), 5.5, true, d, ts, json.RawMessage(`{"2021": 1.5, "2022": 0.25, "note": "a,b"}`)}},
		{ID: int64(2), Geometry: orb.LineString{{x, y}, {x + 100.5, y + 50.25}, {x + 200, y + 10}},
			Values: []any{nil, nil, nil, nil, nil, nil, nil}},
		{ID: int64(3), Geometry: orb.Polygon{ring(x+1000, y+1000, 500), hole(x+1100, y+1100, 100)},
			Values: []any{Quoted, int64(-7), 0.1, false, d.AddDate(0, 0, 1), ts.Add(time.Hour), json.RawMessage(`{}`)}},
		{ID: int64(4), Geometry: orb.MultiPoint{{x + 10, y + 10}, {x + 20, y + 25}},
			Values: []any{Multiline, int64(1) << 53, 1e-7, true, nil, ts, nil}},
		{ID: int64(5), Geometry: orb.MultiLineString{{{x + 3000, y}, {x + 3100, y}}, {{x + 3000, y + 50}, {x + 3100, y + 60}, {x + 3200, y + 40}}},
			Values: []any{"", int64(0), -2.75, false, d, nil, nil}},
		{ID: int64(6), Geometry: orb.MultiPolygon{
			{ring(x+5000, y+5000, 300)},
			{ring(x+6000, y+5000, 400), hole(x+6100, y+5100, 50)},
		}, Values: []any{Formula, int64(42), 123456789.125, true, d, ts, json.RawMessage(`{"2021": null, "nested": {"a": 1}}`)}},
		{ID: int64(7), Geometry: orb.Point{x + 7000, y - 3000},
			Values: []any{"a\tb", int64(-1), 6250000.0, false, d, ts, nil}},
		{ID: int64(8), Geometry: nil,
			Values: []any{"sans géométrie", int64(8), nil, nil, nil, nil, nil}},
	}
}

// AddressColumns is the schema of Addresses: the BAL properties Socle serves.
var AddressColumns = []featurestream.Column{
	{Name: "cle_interop", Type: featurestream.TypeString},
	{Name: "numero", Type: featurestream.TypeInteger},
	{Name: "suffixe", Type: featurestream.TypeString},
	{Name: "voie_nom", Type: featurestream.TypeString},
	{Name: "commune_insee", Type: featurestream.TypeString},
	{Name: "commune_nom", Type: featurestream.TypeString},
	{Name: "position", Type: featurestream.TypeString},
	{Name: "source", Type: featurestream.TypeString},
	{Name: "date_der_maj", Type: featurestream.TypeDate},
	{Name: "certification_commune", Type: featurestream.TypeBoolean},
	{Name: "fibre_status", Type: featurestream.TypeString},
	{Name: "fibre_updated_at", Type: featurestream.TypeDateTime},
}

// Addresses returns n address points in Lambert-93 (as items?limit=n
// serves them), the same for the same n.
func Addresses(n int) []featurestream.Feature {
	r := rand.New(rand.NewPCG(19, uint64(n)))
	streets := []string{"Rue de l’Église", "Avenue de Toulouse", "Chemin des Crêtes", "Impasse du Moulin", "Route de Baziège"}
	communes := [][2]string{{"31254", "Labège"}, {"31113", "Castanet-Tolosan"}, {"31157", "Escalquens"}}
	d := time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)
	out := make([]featurestream.Feature, n)
	for i := range out {
		c := communes[r.IntN(len(communes))]
		num := int64(1 + r.IntN(200))
		var fibre, fibreAt any
		if r.IntN(3) > 0 {
			fibre, fibreAt = "deployed", d.Add(time.Duration(r.IntN(1e6))*time.Second)
		}
		out[i] = featurestream.Feature{
			ID:       int64(i + 1),
			Geometry: orb.Point{570000 + 15000*r.Float64(), 6265000 + 15000*r.Float64()},
			Values: []any{
				fmt.Sprintf("%s_%04x_%05d", c[0], r.IntN(1<<16), num), num, nil, streets[r.IntN(len(streets))],
				c[0], c[1], "entrée", "commune", d.AddDate(0, 0, -r.IntN(900)), r.IntN(2) == 0, fibre, fibreAt,
			},
		}
	}
	return out
}

// RoadColumns is the schema of Roads.
var RoadColumns = []featurestream.Column{
	{Name: "name", Type: featurestream.TypeString},
	{Name: "road_class", Type: featurestream.TypeString},
	{Name: "surface", Type: featurestream.TypeString},
	{Name: "width", Type: featurestream.TypeNumber},
	{Name: "commune_insee", Type: featurestream.TypeString},
	{Name: "condition", Type: featurestream.TypeInteger},
	{Name: "condition_observed_at", Type: featurestream.TypeDateTime},
}

// Roads returns n road segments in Lambert-93 of 2 to 20 vertices.
func Roads(n int) []featurestream.Feature {
	r := rand.New(rand.NewPCG(7, uint64(n)))
	out := make([]featurestream.Feature, n)
	t0 := time.Date(2026, 11, 2, 7, 31, 5, 0, time.UTC)
	for i := range out {
		x, y := 570000+15000*r.Float64(), 6265000+15000*r.Float64()
		ls := make(orb.LineString, 2+r.IntN(19))
		for j := range ls {
			ls[j] = orb.Point{x, y}
			x += 40*r.Float64() - 20
			y += 40*r.Float64() - 20
		}
		out[i] = featurestream.Feature{
			ID:       int64(i + 1),
			Geometry: ls,
			Values: []any{"Route de Baziège", "secondary", "asphalt", 3.5 + float64(r.IntN(40))/10,
				"31254", int64(r.IntN(4)), t0.Add(-time.Duration(r.IntN(1e6)) * time.Second)},
		}
	}
	return out
}

// GeoJSON writes a GeoJSON FeatureCollection of the features with
// encoding/json (through orb/geojson), one feature at a time: the baseline
// the encoders' benchmarks compare with. Dates are written as RFC 3339
// dates, objects as they are.
func GeoJSON(w io.Writer, cols []featurestream.Column, feats []featurestream.Feature) error {
	if _, err := io.WriteString(w, `{"type":"FeatureCollection","features":[`); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	for i := range feats {
		f := &feats[i]
		if i > 0 {
			if _, err := io.WriteString(w, ","); err != nil {
				return err
			}
		}
		gf := geojson.NewFeature(f.Geometry)
		gf.ID = f.ID
		for j, c := range cols {
			v := f.Values[j]
			if t, ok := v.(time.Time); ok && c.Type == featurestream.TypeDate {
				v = t.Format(time.DateOnly)
			}
			gf.Properties[c.Name] = v
		}
		if err := enc.Encode(gf); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "]}")
	return err
}

// ParseGeoJSONGeometry reads a GeoJSON geometry object, as readers such as
// GDAL write them.
func ParseGeoJSONGeometry(b []byte) (orb.Geometry, error) {
	g, err := geojson.UnmarshalGeometry(b)
	if err != nil {
		return nil, err
	}
	return g.Geometry(), nil
}
