package storetest

import (
	"context"
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/benchmem"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/zan"
	"github.com/socle-geo/socle/internal/zan/zantest"
)

// ZANBenchParcels is the size of BenchZANRecompute's millésimes: issue
// 13's 200,000 parcels each, or SOCLE_BENCH_ZAN_PARCELS to check the
// benchmark at a small scale.
func ZANBenchParcels() int {
	if n, err := strconv.Atoi(os.Getenv("SOCLE_BENCH_ZAN_PARCELS")); err == nil && n > 0 {
		return n
	}
	return 200000
}

// BenchZANRecompute is issue 13's benchmark on a store: two generated
// millésimes (irregular parcels whose boundaries never coincide between
// the two, about 4 % changing) of ZANBenchParcels parcels each over 40
// communes are imported (not timed), then two sub-benchmarks time:
//
//   - all: each iteration recomputes every derived ZAN figure — the flux,
//     its rows, the communes' indicators — through the store's RecomputeZAN
//     (what a land-cover batch runs), which changes nothing but runs in
//     full all the same;
//   - cerema: each iteration loads a Cerema file (ImportConsommation), which
//     recomputes the indicators only, from the stored flux.
//
// Each reports the Go memory in use at the peak and the process's peak RSS
// (PostGIS's backend is another process: see docs/benchmarks.md for how to
// read its memory).
func BenchZANRecompute(b *testing.B, s ZANStore, cat *socle.Catalog) {
	ctx := context.Background()
	tr := zantest.Generate(zantest.Config{Parcels: ZANBenchParcels(), Communes: 40, Change: 0.04, Seed: 13})
	communes, landCover := ZANTerritory(tr.Communes, tr.Parcels)
	coC, _ := cat.Collection("communes")
	lcC, _ := cat.Collection("land_cover")
	art, _ := cat.Collection("artificialisation")
	start := time.Now()
	if _, err := s.Import(ctx, socle.Batch{ID: "bench-zan-communes", Kind: "import-layer", Actor: "bench"}, coC, socle.RowsOf(communes, nil)); err != nil {
		b.Fatal(err)
	}
	for _, y := range slices.Sorted(maps.Keys(landCover)) {
		if _, err := s.Import(ctx, socle.Batch{ID: fmt.Sprintf("bench-zan-%d", y), Kind: "import-layer", Actor: "bench"}, lcC, socle.RowsOf(landCover[y], nil)); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("loaded %d parcels over %d communes in %s (the second import includes a first recomputation)", len(tr.Parcels), len(tr.Communes), time.Since(start).Round(time.Millisecond))
	tr, communes, landCover = nil, nil, nil
	runtime.GC()
	b.Run("all", func(b *testing.B) {
		var peak uint64
		for b.Loop() {
			sm := benchmem.Sample()
			if err := s.RecomputeZAN(ctx); err != nil {
				b.Fatal(err)
			}
			peak = max(peak, sm.Finish())
		}
		rows := ZANFigures(b, s, art)
		var total float64
		for _, r := range rows {
			if r["level"] == zan.LevelEPCI {
				total, _ = r["artificialised_ha"].(float64)
			}
		}
		b.ReportMetric(total, "artificialised-ha")
		b.ReportMetric(float64(len(rows)), "flux-rows")
		benchmem.Report(b, peak)
	})
	empty := &zan.Consommation{Years: []int{2011}}
	n := 0
	b.Run("cerema", func(b *testing.B) {
		var peak uint64
		for b.Loop() {
			n++
			sm := benchmem.Sample()
			if _, err := s.ImportConsommation(ctx, socle.Batch{ID: fmt.Sprintf("bench-zan-cerema-%d", n), Actor: "bench"}, empty); err != nil {
				b.Fatal(err)
			}
			peak = max(peak, sm.Finish())
		}
		benchmem.Report(b, peak)
	})
}
