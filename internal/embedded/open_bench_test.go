package embedded

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/socle-geo/socle/internal/benchmem"
	"github.com/socle-geo/socle/internal/socle"
)

// BenchmarkOpenFile opens a copy of the GeoPackage SOCLE_BENCH_GPKG names
// (the bench kit's, ~/.cache/socle-bench/socle-bench.gpkg: serve's
// start-up, issue 18), and reports the CPU time of each Open (cpu-s/op,
// user and system, every goroutine's: a count that load on the machine
// disturbs less than the time), next to its wall time.
func BenchmarkOpenFile(b *testing.B) {
	src := os.Getenv("SOCLE_BENCH_GPKG")
	if src == "" {
		b.Skip("SKIPPED: SOCLE_BENCH_GPKG is not set (the bench kit's GeoPackage, ~/.cache/socle-bench/socle-bench.gpkg)")
	}
	path := filepath.Join(b.TempDir(), "bench.gpkg")
	copyFile(b, src, path)
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	var cpu float64
	runtime.GC()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0 := benchmem.CPUTime()
		s, err := Open(ctx, path, cat)
		if err != nil {
			b.Fatal(err)
		}
		cpu += (benchmem.CPUTime() - c0).Seconds()
		b.StopTimer()
		s.Close()
		runtime.GC()
		b.StartTimer()
	}
	b.ReportMetric(cpu/float64(b.N), "cpu-s/op")
}
