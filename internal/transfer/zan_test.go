package transfer_test

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/internal/transfer"
	"github.com/socle-geo/socle/internal/zan"
)

// zanCopyStore is what the test reads of each copy.
type zanCopyStore interface {
	storetest.ZANStore
	transfer.HistoryReader
	ZANLineage(ctx context.Context) (socle.ZANLineage, error)
}

// TestZANReferenceTravels: a territory with two millésimes and a Cerema
// file copied GeoPackage → PostGIS, then PostGIS → an existing GeoPackage
// and → a new one, keeps its 2011–2021 reference: every copy holds the
// file's rows, serves the same communes' ZAN figures (reference,
// allowance, share used, their source) and the same flux, names the file
// in its lineage, and a full recomputation on it changes nothing — its
// figures rest on the file, not on what the copy carried.
func TestZANReferenceTravels(t *testing.T) {
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	dir := t.TempDir()
	communes, _ := cat.Collection("communes")
	landCover, _ := cat.Collection("land_cover")
	a, err := embedded.Open(ctx, filepath.Join(dir, "a.gpkg"), cat)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	for i, step := range []struct {
		c    *socle.Collection
		rows []socle.Row
	}{{communes, storetest.ZANCommunes()}, {landCover, storetest.ZANMillesime(2016)}, {landCover, storetest.ZANMillesime(2019)}} {
		b := socle.Batch{ID: "zan-copy-" + string(rune('a'+i)), Kind: "import-layer", Actor: "test"}
		if _, err := a.Import(ctx, b, step.c, socle.RowsOf(step.rows, nil)); err != nil {
			t.Fatal(err)
		}
	}
	cons, err := zan.ReadConsommation(strings.NewReader("idcom;idcomtxt;naf11art12;naf12art13;naf13art14;naf14art15;naf15art16;naf16art17;naf17art18;naf18art19;naf19art20;naf20art21;naf21art22\n" +
		"31001;Aval;10000;10000;10000;10000;10000;10000;10000;10000;10000;10000;5000\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ImportConsommation(ctx, socle.Batch{ID: "zan-copy-cerema", Source: "cerema.csv", Actor: "test"}, cons); err != nil {
		t.Fatal(err)
	}
	want := zanFigures(t, a, cat)
	if x := want["communes"]["31001"]; x["zan_source"] != zan.IndicatorsCerema || x["zan_budget_ha_2021_2031"] != 5.0 || x["zan_budget_used_pct"] != 10.0 {
		t.Fatalf("the source's figures for 31001: %v", x)
	}
	wantRows := history(t, a).Consommation
	if len(wantRows) != 11 {
		t.Fatalf("the source holds %d Cerema rows, want 11", len(wantRows))
	}

	check := func(name string, s zanCopyStore) {
		t.Helper()
		if got := history(t, s).Consommation; !reflect.DeepEqual(got, wantRows) {
			t.Errorf("%s: Cerema rows %+v, want %+v", name, got, wantRows)
		}
		if got := zanFigures(t, s, cat); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: ZAN figures\n%v\nwant\n%v", name, got, want)
		}
		lin, err := s.ZANLineage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if lin.Consommation == nil || lin.Consommation.ID != "zan-copy-cerema" || lin.Communes != 1 || len(lin.ConsommationYears) != 11 {
			t.Errorf("%s: lineage %+v", name, lin)
		}
		if err := s.RecomputeZAN(ctx); err != nil {
			t.Fatal(err)
		}
		if got := zanFigures(t, s, cat); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: ZAN figures after a full recomputation\n%v\nwant\n%v", name, got, want)
		}
	}

	pg := migratedPostGIS(t, cat)
	if _, err := transfer.Copy(ctx, a, pg, cat, transfer.Options{Source: "a.gpkg"}); err != nil {
		t.Fatal(err)
	}
	res, err := transfer.CopyHistory(ctx, a, pg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Consommation != 11 {
		t.Errorf("history to PostGIS: %+v", res)
	}
	check("PostGIS", pg)
	if again, err := transfer.CopyHistory(ctx, a, pg); err != nil || again != (socle.HistoryResult{}) {
		t.Errorf("history copied twice added %+v (%v)", again, err)
	}

	// Back to an existing (empty) GeoPackage, then to a new one.
	b, err := embedded.Open(ctx, filepath.Join(dir, "b.gpkg"), cat)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if _, err := transfer.Copy(ctx, pg, b, cat, transfer.Options{Source: "pg"}); err != nil {
		t.Fatal(err)
	}
	if _, err := transfer.CopyHistory(ctx, pg, b); err != nil {
		t.Fatal(err)
	}
	check("existing GeoPackage", b)

	if _, err := transfer.WriteGeoPackage(ctx, pg, cat, filepath.Join(dir, "c.gpkg"), transfer.Options{Source: "pg", History: &transfer.HistoryCopy{From: pg}}); err != nil {
		t.Fatal(err)
	}
	c, err := embedded.Open(ctx, filepath.Join(dir, "c.gpkg"), cat)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	check("new GeoPackage", c)
}

// zanFigures returns the ZAN properties of the communes and the flux rows,
// by collection and feature id.
func zanFigures(t *testing.T, s socle.FeatureReader, cat *socle.Catalog) map[string]map[string]map[string]any {
	t.Helper()
	communes, _ := cat.Collection("communes")
	art, _ := cat.Collection("artificialisation")
	out := map[string]map[string]map[string]any{"artificialisation": storetest.ZANFigures(t, s, art), "communes": {}}
	for id, p := range storetest.ZANFigures(t, s, communes) {
		m := map[string]any{}
		for k, v := range p {
			if strings.HasPrefix(k, "zan_") || strings.HasPrefix(k, "artificialised_") {
				m[k] = v
			}
		}
		out["communes"][id] = m
	}
	return out
}
