package server_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
)

// BenchmarkKitRequests serves the bench kit's two request shapes of issue
// 18 through the real HTTP server on the kit's 250,000-address territory in
// PostGIS, one request at a time, cycling through the kit's lists: bbox
// pages of 100 addresses (requests/bboxes.txt) and single addresses by id
// without the feature cache (requests/item_ids.txt). ns/op is one request;
// bench/run.sh compares the same requests against pg_featureserv under
// load. It needs the database that `STEPS=data bench/run.sh` loads
// (SOCLE_BENCH_DATABASE_URL, e.g. postgresql://postgres@127.0.0.1:5432/bench)
// and the kit (SOCLE_BENCH_KIT, its directory); without them it skips.
//
//	SOCLE_BENCH_DATABASE_URL=… SOCLE_BENCH_KIT=… go test ./internal/server -run '^$' -bench KitRequests -benchtime 2000x
func BenchmarkKitRequests(b *testing.B) {
	dbURL, kit := os.Getenv("SOCLE_BENCH_DATABASE_URL"), os.Getenv("SOCLE_BENCH_KIT")
	if dbURL == "" || kit == "" {
		b.Skip("SKIPPED: set SOCLE_BENCH_DATABASE_URL (the kit's territory loaded by bench/run.sh) and SOCLE_BENCH_KIT")
	}
	lines := func(name string) []string {
		f, err := os.Open(filepath.Join(kit, "requests", name))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		var out []string
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if sc.Text() != "" {
				out = append(out, sc.Text())
			}
		}
		if len(out) == 0 {
			b.Fatalf("no request in %s", name)
		}
		return out
	}
	ctx := context.Background()
	catalog := socle.DefaultCatalog()
	store, err := postgis.Open(ctx, dbURL, catalog, postgis.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	srv := httptest.NewServer(server.New(store, catalog, quiet, server.Options{FeatureCacheBytes: -1}).Handler())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4}}
	run := func(b *testing.B, paths []string) {
		get := func(path string) int64 {
			resp, err := client.Get(srv.URL + path)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				b.Fatalf("%s: %d %v", path, resp.StatusCode, err)
			}
			return n
		}
		for _, p := range paths { // warm: connections, prepared statements
			get(p)
		}
		var bytes int64
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			bytes += get(paths[i%len(paths)])
		}
		b.ReportMetric(float64(bytes)/float64(b.N), "bytes/req")
	}
	b.Run("bbox-limit-100", func(b *testing.B) {
		var paths []string
		for _, box := range lines("bboxes.txt") {
			paths = append(paths, "/collections/addresses/items?f=json&limit=100&bbox="+box)
		}
		run(b, paths)
	})
	b.Run("item-uncached", func(b *testing.B) {
		var paths []string
		for _, id := range lines("item_ids.txt") {
			paths = append(paths, "/collections/addresses/items/"+id+"?f=json")
		}
		run(b, paths)
	})
	// The same requests straight into the handler, without the client and
	// the sockets: allocs/op is the server's own (and the recorder's), and
	// cpu-µs/req the process's CPU time (its Go code, the database client,
	// the runtime), whatever PostgreSQL spends. One at a time, then 32 at a
	// time as wrk -c32 sends them (the pool's connections all busy, the
	// runtime never idle between requests).
	h := server.New(store, catalog, quiet, server.Options{FeatureCacheBytes: -1}).Handler()
	var reqs []*http.Request
	for _, id := range lines("item_ids.txt") {
		r := httptest.NewRequest(http.MethodGet, "/collections/addresses/items/"+id+"?f=json", nil)
		r.Header.Set("User-Agent", "wrk")
		reqs = append(reqs, r)
	}
	serve := func(b *testing.B, r *http.Request) int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Errorf("%s: %d %s", r.URL, w.Code, w.Body) // Errorf: RunParallel's goroutines may not stop the benchmark
		}
		return w.Body.Len()
	}
	b.Run("item-uncached-handler", func(b *testing.B) {
		for _, r := range reqs {
			serve(b, r)
		}
		var bytes int64
		b.ReportAllocs()
		b.ResetTimer()
		cpu := processCPU()
		for i := 0; i < b.N; i++ {
			bytes += int64(serve(b, reqs[i%len(reqs)]))
		}
		b.ReportMetric(float64(processCPU()-cpu)/1e3/float64(b.N), "cpu-µs/req")
		b.ReportMetric(float64(bytes)/float64(b.N), "bytes/req")
	})
	b.Run("item-uncached-handler-32", func(b *testing.B) {
		var next atomic.Int64
		b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
		b.ReportAllocs()
		b.ResetTimer()
		cpu := processCPU()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				serve(b, reqs[int(next.Add(1))%len(reqs)])
			}
		})
		b.ReportMetric(float64(processCPU()-cpu)/1e3/float64(b.N), "cpu-µs/req")
	})
}
