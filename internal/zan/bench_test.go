package zan_test

import (
	"runtime"
	"testing"

	"github.com/socle-geo/socle/internal/benchmem"
	"github.com/socle-geo/socle/internal/zan"
	"github.com/socle-geo/socle/internal/zan/zantest"
)

// BenchmarkComputeFlux is issue 13's benchmark on the Go path: two
// millésimes of 200,000 generated parcels each (irregular, boundaries that
// never coincide between the two, about 4 % changing) over 40 communes,
// generated in memory and never written. Target: well under 120 s on the
// project's 2-core machine. It reports the Go memory in use at the peak,
// what the input alone holds (input-MiB), and the process's peak RSS.
//
//	go test -run '^$' -bench ComputeFlux -benchtime 1x ./internal/zan
func BenchmarkComputeFlux(b *testing.B) {
	tr := zantest.Generate(zantest.Config{Parcels: 200000, Communes: 40, Change: 0.04, Seed: 13})
	runtime.GC()
	input := benchmem.InUse()
	var peak uint64
	for b.Loop() {
		s := benchmem.Sample()
		r, err := zan.ComputeFlux(tr.Communes, tr.Parcels, zantest.FromYear, zantest.ToYear, zan.Options{})
		peak = max(peak, s.Finish())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(input)/(1<<20), "input-MiB")
		b.ReportMetric(r.Total.ArtificialisedHa, "artificialised-ha")
		b.ReportMetric(float64(r.Repaired), "repaired")
	}
	benchmem.Report(b, peak)
}
