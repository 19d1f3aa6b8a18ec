package storetest

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/zan"
	"github.com/socle-geo/socle/internal/zan/zantest"
)

// ZANStore is what the ZAN suite needs of a store.
type ZANStore interface {
	FeedStore
	ImportConsommation(ctx context.Context, b socle.Batch, c *zan.Consommation) (zan.ConsommationResult, error)
	// RecomputeZAN recomputes every derived figure in full.
	RecomputeZAN(ctx context.Context) error
}

// The hand-made territory of the suite, in Lambert-93 metres: two square
// communes of 100 ha side by side, A (31001) and B (31002).
const (
	zanX0 = 570000.0
	zanY0 = 6270000.0
)

func zanSquare(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{orb.Ring{{zanX0 + x0, zanY0 + y0}, {zanX0 + x1, zanY0 + y0}, {zanX0 + x1, zanY0 + y1}, {zanX0 + x0, zanY0 + y1}, {zanX0 + x0, zanY0 + y0}}}
}

// ZANCommunes are the suite's two communes, as rows of the communes
// collection.
func ZANCommunes() []socle.Row {
	return []socle.Row{
		{Geometry: orb.MultiPolygon{zanSquare(0, 0, 1000, 1000)}, Properties: map[string]any{"insee": "31001", "nom": "Aval", "epci_siren": "200000001"}},
		{Geometry: orb.MultiPolygon{zanSquare(1000, 0, 2000, 1000)}, Properties: map[string]any{"insee": "31002", "nom": "Amont", "epci_siren": "200000001"}},
	}
}

// ZANMillesime returns the land cover of a millésime of the suite: each
// commune covered by a parcel that is not artificialised, and the
// artificialised squares of that year over it (parcels of one millésime
// may overlap: the flux takes their union).
//
//   - 2016: S1 (100..300 × 100..300, in A, 4 ha), S2 (900..1100 × 400..600,
//     across the boundary, 2 ha in each commune);
//   - 2019: S1 moved 100 m east (half of it new, half gone), S2 gone, S3
//     (1500..1600 × 500..600, in B, 1 ha) new.
//
// So from 2016 to 2019: A artificialised 2 ha and de-artificialised 4
// (stock 6 → 4 ha), B 1 and 2 (stock 2 → 1 ha).
func ZANMillesime(year int) []socle.Row {
	parcel := func(id string, g orb.Polygon, art bool) socle.Row {
		cs, us := "CS2.1.1.1", "US1.1" // agricultural: not artificialised
		if art {
			cs, us = "CS1.1.1.1", "US1.1"
		}
		return socle.Row{Geometry: g, Properties: map[string]any{
			"code_cs": cs, "code_us": us, "artificialised": art, "year": int64(year), "area_m2": math.Abs(areaOf(g)),
			"commune_insee": "", "source_id": fmt.Sprintf("OCSGE%d-%s", year, id),
		}}
	}
	rows := []socle.Row{
		parcel("A", zanSquare(0, 0, 1000, 1000), false),
		parcel("B", zanSquare(1000, 0, 2000, 1000), false),
	}
	switch year {
	case 2016:
		rows = append(rows, parcel("S1", zanSquare(100, 100, 300, 300), true), parcel("S2", zanSquare(900, 400, 1100, 600), true))
	case 2019:
		rows = append(rows, parcel("S1", zanSquare(200, 100, 400, 300), true), parcel("S3", zanSquare(1500, 500, 1600, 600), true))
	}
	return rows
}

func areaOf(p orb.Polygon) float64 {
	r := p[0]
	var a float64
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}

// ZANWant are the flux rows the suite's two millésimes give, by key.
var ZANWant = map[string]map[string]float64{
	"31001-2016-2019":     {"artificialised_ha": 2, "deartificialised_ha": 4, "net_ha": -2, "stock_from_ha": 6, "stock_ha": 4, "stock_share": 0.04, "area_ha": 100},
	"31002-2016-2019":     {"artificialised_ha": 1, "deartificialised_ha": 2, "net_ha": -1, "stock_from_ha": 2, "stock_ha": 1, "stock_share": 0.01, "area_ha": 100},
	"200000001-2016-2019": {"artificialised_ha": 3, "deartificialised_ha": 6, "net_ha": -3, "stock_from_ha": 8, "stock_ha": 5, "stock_share": 0.025, "area_ha": 200},
}

// ZANFigures reads the artificialisation collection: each feature's
// numeric properties by key.
func ZANFigures(t testing.TB, s socle.FeatureReader, c *socle.Collection) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	q := socle.AllItems(c, 10000)
	if _, err := s.Records(context.Background(), q, func(r *socle.Record) error {
		m := map[string]any{}
		for i, p := range q.Properties {
			m[p.Name] = r.Values[i]
		}
		out[fmt.Sprint(r.ID)] = m
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// ZAN checks, on an empty store, the artificialisation flux between
// hand-made millésimes whose figures are known exactly, and that the
// derived figures follow every batch they rest on — a second millésime, a
// revert, a Cerema file and its revert — each change logged so that the
// change feeds of artificialisation and communes show it.
func ZAN(t *testing.T, s ZANStore, cat *socle.Catalog) {
	ctx := context.Background()
	communes, _ := cat.Collection("communes")
	landCover, _ := cat.Collection("land_cover")
	art, _ := cat.Collection("artificialisation")
	n := 0
	imp := func(c *socle.Collection, rs []socle.Row) string {
		t.Helper()
		n++
		b := socle.Batch{ID: fmt.Sprintf("test-zan-%02d", n), Kind: "import-layer", Source: "zan.geojson", Actor: "test"}
		if _, err := s.Import(ctx, b, c, socle.RowsOf(rs, nil)); err != nil {
			t.Fatalf("batch %d: %v", n, err)
		}
		return b.ID
	}
	imp(communes, ZANCommunes())
	imp(landCover, ZANMillesime(2016))

	// One millésime: no flux, not zeros.
	if got := ZANFigures(t, s, art); len(got) != 0 {
		t.Fatalf("one millésime gives %d flux rows, want none", len(got))
	}
	artStart, comStart := latest(t, s, art), latest(t, s, communes)

	// The second millésime: the flux of each commune and of the EPCI.
	second := imp(landCover, ZANMillesime(2019))
	got := ZANFigures(t, s, art)
	checkFlux(t, got, ZANWant)
	if r := got["31001-2016-2019"]; r["level"] != "commune" || r["nom"] != "Aval" || r["source"] != zan.SourceMillesimes ||
		r["from_year"] != int64(2016) || r["to_year"] != int64(2019) {
		t.Errorf("commune row: %v", r)
	}
	if r := got["200000001-2016-2019"]; r["level"] != "epci" || r["insee"] != "200000001" {
		t.Errorf("EPCI row: %v", r)
	}
	// The EPCI's outline is the two communes dissolved.
	if f, err := s.FeatureRecord(ctx, Feature(t, art, "200000001-2016-2019")); err != nil {
		t.Fatal(err)
	} else if b := f.Geometry.Bound(); math.Abs(b.Min[0]-zanX0) > 1e-6 || math.Abs(b.Max[0]-zanX0-2000) > 1e-6 {
		t.Errorf("EPCI outline %v", b)
	}
	// The communes' indicators now come from the flux: A's 2 ha over
	// 2016–2018, all in the 2011–2021 reference.
	ind := communeIndicators(t, s, communes)
	if a := ind["31001"]; a["zan_source"] != zan.IndicatorsMillesimes || !near(a["artificialised_ha_2011_2021"], 2) || !near(a["zan_budget_ha_2021_2031"], 1) {
		t.Errorf("indicators of 31001 from the flux: %v", a)
	}
	// The feeds show the derived writes, under a derive batch following
	// the import.
	entries, _ := ReadFeed(t, s, art, artStart, 100, false)
	if len(entries) != 3 || entries[0].Op != socle.OpInsert || !strings.HasPrefix(entries[0].Batch, socle.KindDerive+"-") {
		t.Fatalf("artificialisation feed after the second millésime: %+v", entries)
	}
	derive := entries[0].Batch
	comEntries, _ := ReadFeed(t, s, communes, comStart, 100, false)
	if len(comEntries) != 2 || comEntries[0].Op != socle.OpUpdate || comEntries[0].Batch != derive {
		t.Fatalf("communes feed after the second millésime: %+v", comEntries)
	}
	if v := value(communes, comEntries[0].Record, "zan_source"); v != zan.IndicatorsMillesimes {
		t.Errorf("the communes feed's entry carries zan_source %v", v)
	}
	// A derive batch is not reverted itself.
	if _, err := s.Revert(ctx, derive, "test"); socle.ErrorCode(err) != socle.EINVALID {
		t.Errorf("revert of a derive batch: %v", err)
	}

	// A Cerema file: the reference comes from it; a commune outside the
	// territory is kept apart.
	cons, err := zan.ReadConsommation(strings.NewReader("idcom;idcomtxt;naf11art12;naf12art13;naf13art14;naf14art15;naf15art16;naf16art17;naf17art18;naf18art19;naf19art20;naf20art21;naf21art22\n" +
		"31001;Aval;10000;10000;10000;10000;10000;10000;10000;10000;10000;10000;5000\n" +
		"31999;Ailleurs;1;1;1;1;1;1;1;1;1;1;1\n"))
	if err != nil {
		t.Fatal(err)
	}
	artMark, comMark := latest(t, s, art), latest(t, s, communes)
	cb := socle.Batch{ID: "test-zan-cerema", Source: "cerema.csv", Actor: "test"}
	cres, err := s.ImportConsommation(ctx, cb, cons)
	if err != nil {
		t.Fatal(err)
	}
	if cres.Stored != 1 || len(cres.Unknown) != 1 || cres.Unknown[0] != "31999" || len(cres.Absent) != 1 || cres.Absent[0] != "31002" {
		t.Errorf("Cerema import: %+v", cres)
	}
	ind = communeIndicators(t, s, communes)
	if a := ind["31001"]; a["zan_source"] != zan.IndicatorsCerema || !near(a["artificialised_ha_2011_2021"], 10) ||
		!near(a["zan_budget_ha_2021_2031"], 5) || !near(a["artificialised_ha_since_2021"], 0.5) || !near(a["zan_budget_used_pct"], 10) {
		t.Errorf("indicators of 31001 from the Cerema file: %v", a)
	}
	if b := ind["31002"]; b["zan_source"] != zan.IndicatorsMillesimes {
		t.Errorf("31002, absent from the file, keeps the flux estimate: %v", b)
	}
	if e, _ := ReadFeed(t, s, communes, comMark, 100, false); len(e) != 1 || e[0].FeatureID != "31001" {
		t.Errorf("communes feed after the Cerema file: %+v", e)
	}
	if e, _ := ReadFeed(t, s, art, artMark, 100, false); len(e) != 0 {
		t.Errorf("the Cerema file changed the flux: %+v", e)
	}
	// Its revert: back to the flux estimate.
	if _, err := s.Revert(ctx, cb.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if a := communeIndicators(t, s, communes)["31001"]; a["zan_source"] != zan.IndicatorsMillesimes {
		t.Errorf("after the Cerema file's revert: %v", a)
	}

	// The second millésime reverted: no flux any more, every derived
	// change in the feeds.
	artMark = latest(t, s, art)
	if _, err := s.Revert(ctx, second, "test"); err != nil {
		t.Fatal(err)
	}
	if got := ZANFigures(t, s, art); len(got) != 0 {
		t.Errorf("after the revert of the second millésime: %d flux rows", len(got))
	}
	if e, _ := ReadFeed(t, s, art, artMark, 100, false); len(e) != 3 || e[0].Op != socle.OpDelete {
		t.Errorf("artificialisation feed after the revert: %+v", e)
	}
	if a := communeIndicators(t, s, communes)["31001"]; a["zan_source"] != nil || !near(a["zan_budget_ha_2021_2031"], 0) {
		t.Errorf("indicators after the revert: %v", a)
	}
	// And the first millésime, imported before the second, is revertable:
	// the derived writes in between do not hold it back.
	if _, err := s.Revert(ctx, "test-zan-02", "test"); err != nil {
		t.Errorf("revert of the first millésime: %v", err)
	}
}

// ZANIndicatorsOnly checks, on an empty store, that what a Cerema file
// and its revert recompute — the communes' indicators alone, from the flux
// as stored — is what a full recomputation gives: after each, RecomputeZAN
// changes nothing. The territory is generated (fractional hectares, spread
// over three years) and the file covers only some communes, so that the
// others' indicators come from the flux.
func ZANIndicatorsOnly(t *testing.T, s ZANStore, cat *socle.Catalog) {
	ctx := context.Background()
	communes, _ := cat.Collection("communes")
	landCover, _ := cat.Collection("land_cover")
	art, _ := cat.Collection("artificialisation")
	tr := zantest.Generate(zantest.Config{Parcels: 1500, Communes: 6, Change: 0.05, Seed: 23})
	coRows, lcRows := ZANTerritory(tr.Communes, tr.Parcels)
	n := 0
	imp := func(c *socle.Collection, rs []socle.Row) {
		t.Helper()
		n++
		if _, err := s.Import(ctx, socle.Batch{ID: fmt.Sprintf("test-zanind-%02d", n), Kind: "import-layer", Actor: "test"}, c, socle.RowsOf(rs, nil)); err != nil {
			t.Fatal(err)
		}
	}
	imp(communes, coRows)
	for _, y := range slices.Sorted(maps.Keys(lcRows)) {
		imp(landCover, lcRows[y])
	}
	// Nothing to do right after the land cover's own recomputation.
	unchanged := func(when string) {
		t.Helper()
		artMark, comMark := latest(t, s, art), latest(t, s, communes)
		if err := s.RecomputeZAN(ctx); err != nil {
			t.Fatal(err)
		}
		if e, _ := ReadFeed(t, s, art, artMark, 100, false); len(e) != 0 {
			t.Errorf("%s: a full recomputation changed %d flux rows, first %+v", when, len(e), e[0])
		}
		if e, _ := ReadFeed(t, s, communes, comMark, 100, false); len(e) != 0 {
			t.Errorf("%s: a full recomputation changed the indicators of %d communes, first %s: %v", when, len(e), e[0].FeatureID,
				value(communes, e[0].Record, "artificialised_ha_by_year"))
		}
	}
	unchanged("after the land cover")
	codes := make([]string, 0, len(tr.Communes))
	for _, c := range tr.Communes {
		codes = append(codes, c.INSEE)
	}
	slices.Sort(codes)
	var csv strings.Builder
	csv.WriteString("idcom;idcomtxt;naf11art12;naf12art13;naf13art14;naf14art15;naf15art16;naf16art17;naf17art18;naf18art19;naf19art20;naf20art21;naf21art22\n")
	for i, c := range codes[:len(codes)/2] {
		fmt.Fprintf(&csv, "%s;C%d;1234;2345;3456;4567;5678;6789;7890;8901;9012;10123;%d\n", c, i, 1111*(i+1))
	}
	cons, err := zan.ReadConsommation(strings.NewReader(csv.String()))
	if err != nil {
		t.Fatal(err)
	}
	cb := socle.Batch{ID: "test-zanind-cerema", Source: "cerema.csv", Actor: "test"}
	if _, err := s.ImportConsommation(ctx, cb, cons); err != nil {
		t.Fatal(err)
	}
	ind := communeIndicators(t, s, communes)
	fromFlux := 0
	for _, c := range codes {
		switch src := ind[c]["zan_source"]; src {
		case zan.IndicatorsCerema:
		case zan.IndicatorsMillesimes:
			if f, _ := ind[c]["artificialised_ha_2011_2021"].(float64); f > 0 {
				fromFlux++
			}
		default:
			t.Errorf("commune %s: zan_source %v", c, src)
		}
	}
	if fromFlux == 0 {
		t.Fatalf("no commune's indicators come from the flux: %v", ind)
	}
	unchanged("after the Cerema file")
	if _, err := s.Revert(ctx, cb.ID, "test"); err != nil {
		t.Fatal(err)
	}
	unchanged("after the Cerema file's revert")
}

// ZANEPCIName checks, on an empty store told that SIREN 200000001 is
// named name, that the EPCI's rows of the artificialisation collection
// carry that name (the communes give only the SIREN).
func ZANEPCIName(t *testing.T, s ZANStore, cat *socle.Catalog, name string) {
	art := loadZANPair(t, s, cat, "test-zanname", ZANMillesime(2016), ZANMillesime(2019))
	got := ZANFigures(t, s, art)
	if r := got["200000001-2016-2019"]; r["nom"] != name || r["level"] != zan.LevelEPCI {
		t.Errorf("the EPCI's row: %v, want nom %q", r, name)
	}
	if r := got["31001-2016-2019"]; r["nom"] != "Aval" {
		t.Errorf("a commune's row: %v", r)
	}
}

func checkFlux(t testing.TB, got map[string]map[string]any, want map[string]map[string]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d flux rows, want %d: %v", len(got), len(want), got)
	}
	for key, w := range want {
		g, ok := got[key]
		if !ok {
			t.Errorf("no flux row %s", key)
			continue
		}
		for name, v := range w {
			if !near(g[name], v) {
				t.Errorf("%s: %s = %v, want %v (within 0.01)", key, name, g[name], v)
			}
		}
	}
}

func near(v any, want float64) bool {
	f, ok := v.(float64)
	if !ok {
		if i, isInt := v.(int64); isInt {
			f, ok = float64(i), true
		}
	}
	return ok && math.Abs(f-want) <= 0.01
}

func communeIndicators(t testing.TB, s socle.FeatureReader, communes *socle.Collection) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	q := socle.AllItems(communes, 10000)
	if _, err := s.Records(context.Background(), q, func(r *socle.Record) error {
		m := map[string]any{}
		for i, p := range q.Properties {
			m[p.Name] = r.Values[i]
		}
		out[fmt.Sprint(r.ID)] = m
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func value(c *socle.Collection, r *socle.Record, name string) any {
	if r == nil {
		return nil
	}
	q := socle.AllItems(c, 1)
	for i, p := range q.Properties {
		if p.Name == name && i < len(r.Values) {
			return r.Values[i]
		}
	}
	return nil
}

// ZANTerritory returns a territory made for the flux (zantest.Generate,
// zantest.Communes …) as the rows a store imports: its communes (one EPCI)
// and its land cover, by millésime, artificialised as the matrix says.
func ZANTerritory(communes []zan.Commune, parcels []zan.Parcel) ([]socle.Row, map[int][]socle.Row) {
	var co []socle.Row
	for _, c := range communes {
		g := c.Geom
		if p, ok := g.(orb.Polygon); ok {
			g = orb.MultiPolygon{p}
		}
		co = append(co, socle.Row{Geometry: g, Properties: map[string]any{"insee": c.INSEE, "nom": c.Name, "epci_siren": "200000001"}})
	}
	m := zan.DefaultMatrix()
	lc := map[int][]socle.Row{}
	for _, p := range parcels {
		art := p.Flag == zan.FlagArtificialised
		if p.Flag == zan.FlagFromCodes {
			art, _ = m.Artificialised(p.CodeCS, p.CodeUS)
		}
		var area float64
		switch g := p.Geom.(type) {
		case orb.Polygon:
			area = planarArea(g)
		case orb.MultiPolygon:
			for _, q := range g {
				area += planarArea(q)
			}
		}
		lc[p.Year] = append(lc[p.Year], socle.Row{Geometry: p.Geom, Properties: map[string]any{
			"code_cs": p.CodeCS, "code_us": p.CodeUS, "artificialised": art, "year": int64(p.Year), "area_m2": area,
			"commune_insee": "", "source_id": fmt.Sprintf("P%d", p.ID),
		}})
	}
	return co, lc
}

func planarArea(p orb.Polygon) float64 {
	a := 0.0
	for i, r := range p {
		x := math.Abs(areaOf(orb.Polygon{r}))
		if i == 0 {
			a += x
		} else {
			a -= x
		}
	}
	return a
}

// ZANChangeLayer returns, as land cover of one date, the change layer of
// the suite's two millésimes — only the polygons that changed, with their
// codes at that date — as a territory that publishes only its changes
// imports it once per date.
func ZANChangeLayer(year int) []socle.Row {
	type piece struct {
		id       string
		g        orb.Polygon
		from, to bool
	}
	pieces := []piece{
		{"C1", zanSquare(100, 100, 200, 300), true, false},  // S1's west half, gone
		{"C2", zanSquare(300, 100, 400, 300), false, true},  // S1 moved east, new
		{"C3", zanSquare(900, 400, 1100, 600), true, false}, // S2, gone
		{"C4", zanSquare(1500, 500, 1600, 600), false, true},
	}
	var rows []socle.Row
	for _, p := range pieces {
		art := p.from
		if year == 2019 {
			art = p.to
		}
		cs, us := "CS2.1.1.1", "US1.1"
		if art {
			cs = "CS1.1.1.1"
		}
		rows = append(rows, socle.Row{Geometry: p.g, Properties: map[string]any{
			"code_cs": cs, "code_us": us, "artificialised": art, "year": int64(year), "area_m2": math.Abs(areaOf(p.g)),
			"commune_insee": "", "source_id": fmt.Sprintf("CHG-%s", p.id),
		}})
	}
	return rows
}

// ZANChanges checks, on an empty store, that a change layer imported once
// per date gives the flux the two full millésimes give, with no stock.
func ZANChanges(t *testing.T, s ZANStore, cat *socle.Catalog) {
	art := loadZANPair(t, s, cat, "test-zan-changes", ZANChangeLayer(2016), ZANChangeLayer(2019))
	got := ZANFigures(t, s, art)
	want := map[string]map[string]float64{}
	for k, w := range ZANWant {
		want[k] = map[string]float64{"artificialised_ha": w["artificialised_ha"], "deartificialised_ha": w["deartificialised_ha"], "net_ha": w["net_ha"]}
	}
	checkFlux(t, got, want)
	for k, r := range got {
		if r["source"] != zan.SourceChanges || r["stock_ha"] != nil || r["stock_share"] != nil {
			t.Errorf("%s from a change layer: source %v, stock %v, share %v", k, r["source"], r["stock_ha"], r["stock_share"])
		}
	}
	communes, _ := cat.Collection("communes")
	if c := communeIndicators(t, s, communes)["31001"]; c["zan_source"] != zan.IndicatorsChanges {
		t.Errorf("31001's indicators from a change layer: %v", c)
	}
}

// loadZANPair imports the communes, then the land cover of two dates as
// batches named prefix-0, -1 and -2, into an empty store, and returns the
// artificialisation collection they make.
func loadZANPair(t *testing.T, s ZANStore, cat *socle.Catalog, prefix string, first, second []socle.Row) *socle.Collection {
	t.Helper()
	communes, _ := cat.Collection("communes")
	landCover, _ := cat.Collection("land_cover")
	art, _ := cat.Collection("artificialisation")
	for i, step := range []struct {
		c    *socle.Collection
		rows []socle.Row
	}{{communes, ZANCommunes()}, {landCover, first}, {landCover, second}} {
		if _, err := s.Import(context.Background(), socle.Batch{ID: fmt.Sprintf("%s-%d", prefix, i), Kind: "import-layer", Actor: "test"}, step.c, socle.RowsOf(step.rows, nil)); err != nil {
			t.Fatal(err)
		}
	}
	return art
}
