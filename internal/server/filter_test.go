package server_test

import (
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb/geojson"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/ogc/cql2"
)

func filterIDs(t *testing.T, collection, filter string, extra ...string) []string {
	t.Helper()
	v := url.Values{"limit": {"10000"}, "properties": {""}}
	if filter != "" {
		v.Set("filter", filter)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	resp, body := get(t, "/collections/"+collection+"/items?"+v.Encode())
	if resp.StatusCode != 200 {
		t.Fatalf("filter %q: %d %s", filter, resp.StatusCode, body)
	}
	var fc featureCollection
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatal(err)
	}
	if fc.NumberMatched != len(fc.Features) {
		t.Fatalf("filter %q: numberMatched %d, %d features", filter, fc.NumberMatched, len(fc.Features))
	}
	var ids []string
	for _, f := range fc.Features {
		ids = append(ids, string(f.ID))
	}
	slices.Sort(ids)
	return ids
}

func TestFilterExamples(t *testing.T) {
	for _, tc := range []struct {
		collection, filter, lang string
		min                      int
	}{
		{"addresses", "commune_insee = '31254' AND numero < 10", "", 1},
		{"addresses", `{"op":"and","args":[{"op":"=","args":[{"property":"commune_insee"},"31254"]},{"op":"<","args":[{"property":"numero"},10]}]}`, "cql2-json", 1},
		{"addresses", "ACCENTI(CASEI(voie_nom)) LIKE ACCENTI(CASEI('%eglise%'))", "", 1},
		{"addresses", "S_INTERSECTS(geometry, BBOX(1.50, 43.50, 1.56, 43.56))", "", 10},
		{"addresses", "T_AFTER(date_der_maj, DATE('2024-01-01'))", "", 10},
		{"addresses", "certification_commune = true AND suffixe IS NOT NULL", "", 1},
		{"roads", "width * 2 > 10 AND road_class IN ('Chemin', 'Sentier', 'Route à 1 chaussée')", "", 1},
		{"land_cover", "artificialised = true AND year_artificialised >= 2021", "", 1},
		{"communes", "S_CONTAINS(geometry, POINT(1.53 43.54))", "", 1},
	} {
		ids := filterIDs(t, tc.collection, tc.filter, "filter-lang", tc.lang)
		if len(ids) < tc.min {
			t.Errorf("%s %s: %d features", tc.collection, tc.filter, len(ids))
		}
	}
	// filter-crs: the same box in Lambert-93 selects what it covers.
	l93 := filterIDs(t, "addresses", "S_INTERSECTS(geometry, BBOX(579000, 6268000, 582000, 6271000))",
		"filter-crs", "http://www.opengis.net/def/crs/EPSG/0/2154")
	box := filterIDs(t, "addresses", "", "bbox", "579000,6268000,582000,6271000", "bbox-crs", "http://www.opengis.net/def/crs/EPSG/0/2154")
	if !slices.Equal(l93, box) || len(box) == 0 {
		t.Errorf("filter-crs box selects %d, bbox selects %d", len(l93), len(box))
	}
}

func TestFilterBadInput(t *testing.T) {
	for _, tc := range []struct{ query, detail string }{
		{"filter=numero%20%3D%20AND", `unexpected token \"AND\" at 9`},
		{"filter=nope%20%3D%201", "nope"},
		{"filter=numero%20%3D%20'x'", "cannot compare"},
		{"filter=numero%20%3D%201&filter-lang=ecql", "filter-lang"},
		{"filter-lang=cql2-text", "without a filter"},
		{"filter=numero%3D1&filter-crs=EPSG:1234", "filter-crs"},
		{"filter=" + url.QueryEscape(strings.Repeat("(", 300)+"numero=1"+strings.Repeat(")", 300)), "cql2"},
		{"filter=" + url.QueryEscape(strings.Repeat("numero=1 OR ", 10000)+"numero=1"), "cql2"},
		{"filter=" + url.QueryEscape(`{"op":"=","args":[{"property":"numero"}]}`) + "&filter-lang=cql2-json", "cql2"},
		{"filter=" + url.QueryEscape("numero / 0 > 1"), "out of range or malformed"},
		{"filter=" + url.QueryEscape("A_CONTAINS(cad_parcelles, ('a'))"), "array"},
		{"filter=" + url.QueryEscape("S_INTERSECTS(numero, POINT(1 2))"), "cql2"},
	} {
		resp, body := get(t, "/collections/addresses/items?"+tc.query)
		if resp.StatusCode != 400 || !strings.Contains(string(body), tc.detail) {
			t.Errorf("%s: %d %s (want 400 mentioning %q)", tc.query, resp.StatusCode, body, tc.detail)
		}
	}
}

// TestFilterInjection sends hostile text through every place a filter has
// text: string literals, quoted identifiers and LIKE patterns. Each reaches
// the database as a bound value (or is refused as an unknown property), so
// it selects nothing and harms nothing.
func TestFilterInjection(t *testing.T) {
	before := items(t, "/collections/addresses/items?limit=1").NumberMatched
	for _, f := range []string{
		`voie_nom = 'x'' OR 1=1 --'`,
		`voie_nom = 'x''); DROP TABLE socle.addresses; --'`,
		`voie_nom LIKE '%'' OR ''1''=''1'`,
		`CASEI(voie_nom) = CASEI('a'' UNION SELECT * FROM pg_user --')`,
	} {
		if ids := filterIDs(t, "addresses", f); len(ids) != 0 {
			t.Errorf("%s selected %d features", f, len(ids))
		}
	}
	for _, f := range []string{`"voie_nom; DROP TABLE x" = 'a'`, `"t.id" = 1`, `"1=1 OR voie_nom" = 'a'`} {
		resp, body := get(t, "/collections/addresses/items?filter="+url.QueryEscape(f))
		if resp.StatusCode != 400 || !strings.Contains(string(body), "unknown property") {
			t.Errorf("%s: %d %s", f, resp.StatusCode, body)
		}
	}
	if after := items(t, "/collections/addresses/items?limit=1").NumberMatched; after != before {
		t.Fatalf("addresses went from %d to %d", before, after)
	}
}

// mapFeatures loads every feature of a collection (CRS84) for the Go
// evaluator, with dates and times typed as the catalog says.
func mapFeatures(t *testing.T, collection string) map[string]cql2.MapFeature {
	t.Helper()
	c, _ := socle.DefaultCatalog().Collection(collection)
	_, body := get(t, "/collections/"+collection+"/items?limit=10000")
	fc, err := geojson.UnmarshalFeatureCollection(body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]cql2.MapFeature{}
	for _, f := range fc.Features {
		m := cql2.MapFeature{"geometry": f.Geometry}
		for k, v := range f.Properties {
			p, _ := c.Property(k)
			if s, ok := v.(string); ok && (p.Type == socle.TypeDate || p.Type == socle.TypeDateTime) {
				ts, err := time.Parse(time.RFC3339Nano, s)
				if p.Type == socle.TypeDate {
					ts, err = time.Parse(time.DateOnly, s)
				}
				if err != nil {
					t.Fatalf("%s: %v", k, err)
				}
				v = ts
			}
			m[k] = v
		}
		id, _ := json.Marshal(f.ID)
		out[string(id)] = m
	}
	return out
}

// TestFilterPostGISAgreesWithGo is the differential test: random filters
// over the sample addresses select the same features through PostGIS and
// through the Go evaluator.
func TestFilterPostGISAgreesWithGo(t *testing.T) {
	features := mapFeatures(t, "addresses")
	var sample []cql2.MapFeature
	for _, f := range features {
		sample = append(sample, f)
	}
	slices.SortFunc(sample, func(a, b cql2.MapFeature) int {
		return strings.Compare(a["cle_interop"].(string), b["cle_interop"].(string))
	})
	rng := rand.New(rand.NewPCG(2026, 11))
	nonEmpty := 0
	for i := 0; i < 150; i++ {
		filter := storetest.RandomAddressFilter(rng, sample, 3)
		e, err := cql2.ParseText(filter)
		if err != nil {
			t.Fatalf("%s: %v", filter, err)
		}
		var want []string
		for id, f := range features {
			ok, err := cql2.Evaluate(e, f)
			if err != nil {
				t.Fatalf("%s: %v", filter, err)
			}
			if ok {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		got := filterIDs(t, "addresses", filter)
		if !slices.Equal(got, want) {
			t.Errorf("%s: PostGIS %d features, Go %d", filter, len(got), len(want))
		}
		if len(want) > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < 50 {
		t.Errorf("only %d of 150 random filters selected anything: the test is too weak", nonEmpty)
	}
}
