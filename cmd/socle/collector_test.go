package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/testdb"
)

func TestCollectorSettings(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	for _, c := range []struct {
		name    string
		env     map[string]string
		caches  int64
		percent int
		limit   int64
		ok      bool
	}{
		{"the root's default caches", nil, 320 << 20, 400, 896 << 20, true},
		{"no caches", nil, 0, 400, 256 << 20, true},
		{"the operator's GOGC", map[string]string{"GOGC": "100"}, 320 << 20, 0, 0, false},
		{"the operator's GOMEMLIMIT", map[string]string{"GOMEMLIMIT": "1GiB"}, 320 << 20, 0, 0, false},
	} {
		percent, limit, ok := collectorSettings(env(c.env), c.caches)
		if percent != c.percent || limit != c.limit || ok != c.ok {
			t.Errorf("%s: got %d, %d, %v; want %d, %d, %v", c.name, percent, limit, ok, c.percent, c.limit, c.ok)
		}
	}
}

// gcMetrics reads the collector's settings from a server's /metrics.
func gcMetrics(t *testing.T, base string) (percent, limit string) {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "go_gc_gogc_percent "); ok {
			percent = v
		}
		if v, ok := strings.CutPrefix(line, "go_gc_gomemlimit_bytes "); ok {
			limit = v
		}
	}
	return percent, limit
}

// TestServeOnPostGISTunesTheCollector: socle serve on PostGIS runs with
// GOGC 400 and a memory limit of twice its caches plus 256 MiB, as its
// /metrics says, unless the environment sets GOGC; on a GeoPackage, Go's
// defaults.
func TestServeOnPostGISTunesTheCollector(t *testing.T) {
	db := testdb.New(t)
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	caches := []string{"--metrics", "open", "--feature-cache-bytes", "1048576", "--tile-cache-bytes", "4194304"}
	base := serveProcess(t, append([]string{"--database-url", db}, caches...)...)
	// The caches: 5 MiB, and a quarter of it for each of the sample
	// metadata's three datasets; twice that, plus 256 MiB.
	if p, l := gcMetrics(t, base); p != "400" || l != "2.86785536e+08" {
		t.Errorf("on PostGIS: GOGC %s, GOMEMLIMIT %s; want 400 and 286785536", p, l)
	}

	t.Setenv("GOGC", "150")
	base = serveProcess(t, append([]string{"--database-url", db}, caches...)...)
	if p, l := gcMetrics(t, base); p != "150" || l != "9.223372036854776e+18" {
		t.Errorf("with GOGC=150 in the environment: GOGC %s, GOMEMLIMIT %s; want 150 and no limit", p, l)
	}

	t.Setenv("GOGC", "")
	gpkg := t.TempDir() + "/t.gpkg"
	socleRun(t, "import", "fixtures", "--data", gpkg, "--fixtures", "../../fixtures", "--log-level", "error")
	base = serveProcess(t, append([]string{"--data", gpkg}, caches...)...)
	if p, l := gcMetrics(t, base); p != "100" || l != "9.223372036854776e+18" {
		t.Errorf("on a GeoPackage: GOGC %s, GOMEMLIMIT %s; want Go's defaults", p, l)
	}
}
