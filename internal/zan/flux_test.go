package zan_test

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/zan"
	"github.com/socle-geo/socle/internal/zan/zantest"
)

const tolHa = 0.01

func near(a, b float64) bool { return math.Abs(a-b) <= tolHa }

// checkFlux compares a result with the hand-made territory's exact figures.
func checkFlux(t *testing.T, r *zan.Result, stock bool) {
	t.Helper()
	want := zantest.Want()
	got := append(append([]zan.Flux(nil), r.Communes...), r.Total)
	if len(got) != len(want) {
		t.Fatalf("got %d fluxes, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.INSEE != w.INSEE || g.FromYear != zantest.FromYear || g.ToYear != zantest.ToYear {
			t.Errorf("flux %d is %q %d–%d, want %q %d–%d", i, g.INSEE, g.FromYear, g.ToYear, w.INSEE, zantest.FromYear, zantest.ToYear)
		}
		check := func(name string, got, want float64) {
			if !near(got, want) {
				t.Errorf("%s %s = %.4f ha, want %.4f", w.INSEE, name, got, want)
			}
		}
		check("area", g.AreaHa, w.AreaHa)
		check("artificialised", g.ArtificialisedHa, w.ArtificialisedHa)
		check("de-artificialised", g.DeartificialisedHa, w.DeartHa)
		check("net", g.NetHa, w.ArtificialisedHa-w.DeartHa)
		if g.HasStock != stock {
			t.Errorf("%s HasStock = %v, want %v", w.INSEE, g.HasStock, stock)
		}
		if stock {
			check("stock from", g.StockFromHa, w.StockFromHa)
			check("stock to", g.StockToHa, w.StockToHa)
			if s := w.StockToHa / w.AreaHa; math.Abs(g.StockToShare-s) > 1e-6 {
				t.Errorf("%s stock share to = %.6f, want %.6f", w.INSEE, g.StockToShare, s)
			}
		} else if g.StockFromHa != 0 || g.StockToHa != 0 || g.StockFromShare != 0 {
			t.Errorf("%s: a change layer gave a stock: %+v", w.INSEE, g)
		}
	}
}

func TestFluxOfHandMadeMillesimes(t *testing.T) {
	t.Parallel()
	for _, workers := range []int{1, 3} {
		r, err := zan.ComputeFlux(zantest.Communes(), zantest.Parcels(), zantest.FromYear, zantest.ToYear, zan.Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		checkFlux(t, r, true)
		if r.Source != zan.SourceMillesimes || r.MatrixVersion != zan.DefaultMatrix().Version() {
			t.Errorf("source %q, matrix %q", r.Source, r.MatrixVersion)
		}
		if r.Repaired != 1 {
			t.Errorf("repaired %d parcels, want 1 (the bow-tie)", r.Repaired)
		}
		if r.Parcels != len(zantest.Parcels()) {
			t.Errorf("read %d parcels, want %d", r.Parcels, len(zantest.Parcels()))
		}
	}
}

func TestFluxOfChangeLayerEqualsMillesimes(t *testing.T) {
	t.Parallel()
	r, err := zan.ComputeChangeFlux(zantest.Communes(), zantest.Changes(), zantest.FromYear, zantest.ToYear, zan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != zan.SourceChanges {
		t.Errorf("source %q", r.Source)
	}
	checkFlux(t, r, false)
}

func TestComputeFluxesPairsConsecutiveMillesimes(t *testing.T) {
	t.Parallel()
	parcels := zantest.Parcels()
	// A third millésime: the same as the second, one building gone back
	// to farmland.
	for _, p := range parcels {
		if p.Year == zantest.ToYear {
			p.Year = 2022
			if p.ID == 2 {
				p.CodeCS, p.CodeUS = "CS2.2.1.4", "US1.1"
			}
			parcels = append(parcels, p)
		}
	}
	rs, err := zan.ComputeFluxes(zantest.Communes(), parcels, zan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].FromYear != 2016 || rs[0].ToYear != 2019 || rs[1].FromYear != 2019 || rs[1].ToYear != 2022 {
		t.Fatalf("pairs: %+v", rs)
	}
	checkFlux(t, rs[0], true)
	a := rs[1].Communes[0]
	if a.INSEE != "31001" || !near(a.ArtificialisedHa, 0) || !near(a.DeartificialisedHa, 1) || !near(a.StockFromHa, 10.5) || !near(a.StockToHa, 9.5) {
		t.Errorf("2019–2022 in 31001: %+v", a)
	}
}

func TestSingleMillesimeIsNoFluxNotZeros(t *testing.T) {
	t.Parallel()
	var one []zan.Parcel
	for _, p := range zantest.Parcels() {
		if p.Year == zantest.FromYear {
			one = append(one, p)
		}
	}
	_, err := zan.ComputeFluxes(zantest.Communes(), one, zan.Options{})
	var nf *zan.NoFluxError
	if !errors.Is(err, zan.ErrNoFlux) || !errors.As(err, &nf) || len(nf.Years) != 1 || nf.Years[0] != zantest.FromYear {
		t.Fatalf("one millésime: err = %v, want a NoFluxError for [%d]", err, zantest.FromYear)
	}
	if _, err := zan.ComputeFlux(zantest.Communes(), one, zantest.FromYear, zantest.ToYear, zan.Options{}); !errors.Is(err, zan.ErrNoFlux) {
		t.Errorf("ComputeFlux with the second millésime missing: err = %v", err)
	}
	if _, err := zan.ComputeFlux(zantest.Communes(), one, zantest.FromYear, zantest.FromYear, zan.Options{}); !errors.Is(err, zan.ErrNoFlux) {
		t.Errorf("ComputeFlux of a millésime with itself: err = %v", err)
	}
	if _, err := zan.ComputeFluxes(zantest.Communes(), nil, zan.Options{}); !errors.Is(err, zan.ErrNoFlux) {
		t.Errorf("no land cover at all: err = %v", err)
	}
}

func TestUnknownCodesAndBadGeometryAreErrors(t *testing.T) {
	t.Parallel()
	parcels := zantest.Parcels()
	parcels[3].CodeCS = "CS9.9"
	_, err := zan.ComputeFlux(zantest.Communes(), parcels, zantest.FromYear, zantest.ToYear, zan.Options{})
	var uc *zan.UnknownCodeError
	if !errors.As(err, &uc) || uc.Code != "CS9.9" {
		t.Errorf("unknown cover code: err = %v", err)
	}
	parcels = zantest.Parcels()
	parcels[1].Geom = orb.LineString{{0, 0}, {1, 1}}
	if _, err := zan.ComputeFlux(zantest.Communes(), parcels, zantest.FromYear, zantest.ToYear, zan.Options{}); err == nil {
		t.Error("a LineString parcel was accepted")
	}
	communes := append(zantest.Communes(), zantest.Communes()[0])
	if _, err := zan.ComputeFlux(communes, zantest.Parcels(), zantest.FromYear, zantest.ToYear, zan.Options{}); err == nil {
		t.Error("a commune given twice was accepted")
	}
}

// TestChangeLayerOfGeneratedTerritory derives the change layer of a
// generated territory (irregular parcels whose boundaries never coincide
// between the millésimes) and checks that it gives the flux the two
// millésimes give, commune by commune.
func TestChangeLayerOfGeneratedTerritory(t *testing.T) {
	t.Parallel()
	tr := zantest.Generate(zantest.Config{Parcels: 4000, Communes: 6, Change: 0.04, Seed: 3})
	full, err := zan.ComputeFlux(tr.Communes, tr.Parcels, zantest.FromYear, zantest.ToYear, zan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	changes, err := zantest.ChangeLayer(tr, zan.DefaultMatrix())
	if err != nil {
		t.Fatal(err)
	}
	diff, err := zan.ComputeChangeFlux(tr.Communes, changes, zantest.FromYear, zantest.ToYear, zan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if full.Total.ArtificialisedHa < 1 || full.Total.DeartificialisedHa < 0.1 {
		t.Fatalf("the generated territory hardly changes: %+v", full.Total)
	}
	for i, f := range append(full.Communes, full.Total) {
		d := append(diff.Communes, diff.Total)[i]
		if f.INSEE != d.INSEE || !near(f.ArtificialisedHa, d.ArtificialisedHa) || !near(f.DeartificialisedHa, d.DeartificialisedHa) || !near(f.AreaHa, d.AreaHa) {
			t.Errorf("%q: millésimes +%.4f −%.4f ha, change layer +%.4f −%.4f ha", f.INSEE, f.ArtificialisedHa, f.DeartificialisedHa, d.ArtificialisedHa, d.DeartificialisedHa)
		}
		// The stock moves by the net flux.
		if !near(f.StockToHa-f.StockFromHa, f.NetHa) {
			t.Errorf("%q: stock %.4f → %.4f ha but net %.4f ha", f.INSEE, f.StockFromHa, f.StockToHa, f.NetHa)
		}
	}
}
