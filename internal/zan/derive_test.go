package zan

import (
	"reflect"
	"testing"
)

// TestIndicatorsFromStoredFlux: the communes' indicators recomputed from
// the artificialisation rows as stored (a Cerema file alone changed) are
// those computed from the flux itself, to the last digit, even where the
// stored rounding and the spreading over the years meet: 0.00026 ha over
// two years is 0.0001 a year from the raw figure but 0.0002 from the
// stored 0.0003, unless the indicators always take the stored figure.
func TestIndicatorsFromStoredFlux(t *testing.T) {
	r := &Result{FromYear: 2016, ToYear: 2018, Source: SourceMillesimes, MatrixVersion: "v",
		Communes: []Flux{
			{INSEE: "31001", Name: "A", ArtificialisedHa: 0.00026, HasStock: true},
			{INSEE: "31002", Name: "B", ArtificialisedHa: 12.345678901, DeartificialisedHa: 1, HasStock: true},
		}}
	r2 := &Result{FromYear: 2018, ToYear: 2021, Source: SourceMillesimes, MatrixVersion: "v",
		Communes: []Flux{{INSEE: "31001", Name: "A", ArtificialisedHa: 3.33335}, {INSEE: "31002", Name: "B", ArtificialisedHa: 0.1}}}
	in := IndicatorInputs{Communes: []string{"31001", "31002", "31003"}, Fluxes: []*Result{r2, r}}
	want := CommuneIndicators(in)
	in.Fluxes = StoredFluxes(FluxRows([]*Result{r, r2}, EPCI{Code: "200000001"}))
	if len(in.Fluxes) != 2 || in.Fluxes[0].FromYear != 2016 || in.Fluxes[1].ToYear != 2021 || len(in.Fluxes[0].Communes) != 2 {
		t.Fatalf("stored fluxes: %+v", in.Fluxes)
	}
	got := CommuneIndicators(in)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("from the stored rows:\n%+v\nfrom the flux:\n%+v", got, want)
	}
	if a := want["31001"].ByYear; a != `{"2016": 0.0002, "2017": 0.0002, "2018": 1.1111, "2019": 1.1111, "2020": 1.1111}` {
		t.Errorf("31001 by year: %s", a)
	}
	if c := want["31003"]; c.Source != "" || c.ByYear != "{}" {
		t.Errorf("31003, without flux: %+v", c)
	}
}
