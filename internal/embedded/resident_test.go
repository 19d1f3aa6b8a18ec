package embedded

import (
	"context"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/ogc/cql2"
	"github.com/socle-geo/socle/ogc/crs"
)

// residentFile is the territory's GeoPackage: SOCLE_TERRITORY_GPKG when it
// names an existing file (no import needed), else territoryFile's.
func residentFile(b *testing.B) string {
	if p := os.Getenv("SOCLE_TERRITORY_GPKG"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return territoryFile(b)
}

// BenchmarkResident opens the territory and reports what its features cost
// the garbage collector once loaded, in counts per feature: live heap bytes
// and heap objects after a collection, and the bytes the collector has to
// scan (pointer-holding memory); and the allocations and collections of
// opening it. The time of the opening and of a forced collection with the
// store loaded are reported too (indicative: the machine may be loaded).
func BenchmarkResident(b *testing.B) {
	path := residentFile(b)
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	base := liveHeap()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	s, err := Open(ctx, path, cat)
	if err != nil {
		b.Fatal(err)
	}
	opening := time.Since(start)
	runtime.ReadMemStats(&after)
	defer s.Close()
	var n int64
	for _, c := range cat.Collections {
		sum, err := s.Summary(ctx, c)
		if err != nil {
			b.Fatal(err)
		}
		n += sum.Count
	}
	loaded := liveHeap()
	var gc time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		runtime.GC()
		gc += time.Since(t)
	}
	b.StopTimer()
	perFeature := func(v uint64, base uint64) float64 { return float64(v-base) / float64(n) }
	b.ReportMetric(float64(n), "features")
	b.ReportMetric(float64(loaded.bytes)/(1<<20), "live-MiB")
	b.ReportMetric(perFeature(loaded.bytes, base.bytes), "live-B/feature")
	b.ReportMetric(perFeature(loaded.objects, base.objects), "objects/feature")
	b.ReportMetric(perFeature(loaded.scan, base.scan), "scan-B/feature")
	b.ReportMetric(float64(gc.Microseconds())/float64(b.N)/1000, "ms/forced-GC")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(n), "open-allocs/feature")
	b.ReportMetric(float64(after.NumGC-before.NumGC), "open-GCs")
	b.ReportMetric(opening.Seconds(), "open-s")
	runtime.KeepAlive(s)
}

// heapCounts are the live heap's figures after a collection.
type heapCounts struct{ bytes, objects, scan uint64 }

func liveHeap() heapCounts {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	sample := []metrics.Sample{{Name: "/gc/scan/heap:bytes"}}
	metrics.Read(sample)
	return heapCounts{ms.HeapAlloc, ms.HeapObjects, sample[0].Value.Uint64()}
}

// BenchmarkPageAllocs counts the allocations of pages of 1000 addresses
// (plain, by bounding box, by equality, by CQL2, sorted by a property) and
// of a single address, as the server asks for them (GeoJSON fragments).
func BenchmarkPageAllocs(b *testing.B) {
	path := residentFile(b)
	ctx := context.Background()
	s, cat := openBench(b, path)
	c, _ := cat.Collection("addresses")
	filter, err := cql2.ParseText("commune_insee = '31555' AND numero > 5")
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		r    socle.ItemsRequest
	}{
		{"page-1000", socle.ItemsRequest{Limit: 1000}},
		{"bbox-1000", socle.ItemsRequest{Limit: 1000, BBox: &socle.BBox{MinX: 1.3, MinY: 43.5, MaxX: 1.6, MaxY: 43.7}, BBoxCRS: crs.CRS84}},
		{"equals-1000", socle.ItemsRequest{Limit: 1000, Equals: []socle.TextEquals{{Property: "commune_insee", Value: "31555"}}}},
		{"cql2-1000", socle.ItemsRequest{Limit: 1000, Filter: filter}},
		{"sortby-1000", socle.ItemsRequest{Limit: 1000, SortBy: []socle.SortKey{{Property: "voie_nom", Desc: true}}}},
	} {
		q := storetest.Items(b, c, tc.r)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			benchPages(b, s, q)
		})
	}
	fq := storetest.Feature(b, c, "125000")
	b.Run("feature", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := s.Feature(ctx, fq); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkConcurrentPages asks for pages of 100 addresses (varying
// offsets, in GeoJSON fragments) from 32 goroutines, as the load test's
// connections do, and reports the share of the process's CPU time the
// collector took and how many collections ran per 1000 pages (counts of
// the runtime), and the 99th percentile of the pages' latencies
// (indicative: the machine may be loaded).
func BenchmarkConcurrentPages(b *testing.B) {
	path := residentFile(b)
	ctx := context.Background()
	s, cat := openBench(b, path)
	c, _ := cat.Collection("addresses")
	var qs []*socle.ItemsQuery
	for i := 0; i < 64; i++ {
		x := 1.30 + 0.005*float64(i)
		qs = append(qs, storetest.Items(b, c, socle.ItemsRequest{Limit: 100, BBox: &socle.BBox{MinX: x, MinY: 43.55, MaxX: x + 0.01, MaxY: 43.65}, BBoxCRS: crs.CRS84}))
	}
	runtime.GC()
	cpu := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/total:cpu-seconds"}, {Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(cpu)
	gc0, total0, cycles0 := cpu[0].Value.Float64(), cpu[1].Value.Float64(), cpu[2].Value.Uint64()
	var mu sync.Mutex
	var lat []time.Duration
	var next atomic.Int64
	b.SetParallelism(16) // 32 goroutines on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			q := qs[next.Add(1)%int64(len(qs))]
			t := time.Now()
			if _, err := s.Items(ctx, q, func(*socle.Feature) error { return nil }); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	metrics.Read(cpu)
	gc, total, cycles := cpu[0].Value.Float64()-gc0, cpu[1].Value.Float64()-total0, cpu[2].Value.Uint64()-cycles0
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
	if total > 0 {
		b.ReportMetric(100*gc/total, "gc-cpu-%")
	}
	b.ReportMetric(float64(cycles)*1000/float64(b.N), "GCs/1000-pages")
}
