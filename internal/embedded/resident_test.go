package embedded

import (
	"context"
	"os"
	"runtime"
	"runtime/metrics"
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
	cat := socle.DefaultCatalog()
	s, err := Open(ctx, path, cat)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
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
			var matched int64
			for i := 0; i < b.N; i++ {
				page, err := s.Items(ctx, q, func(*socle.Feature) error { return nil })
				if err != nil {
					b.Fatal(err)
				}
				matched = page.NumberMatched
			}
			b.ReportMetric(float64(matched), "matched")
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
