package server_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
)

// gdal runs a GDAL command-line tool, skipping (failing in CI) when GDAL is
// not installed.
func gdal(t *testing.T, tool string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not found: CI must run the GDAL client tests", tool)
		}
		t.Skipf("SKIPPED: %s not installed (apt-get install gdal-bin)", tool)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=60", "CPL_DEBUG=OFF")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", tool, args, err, out)
	}
	return string(out)
}

// liveServer serves the shared store with links on its own address, as a
// real client needs them, and records the requests it gets.
func liveServer(t *testing.T) (string, *requestLog) {
	t.Helper()
	base(t)
	h := server.New(env.store, socle.DefaultCatalog(), quiet, server.Options{}).Handler()
	log := &requestLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r.URL.RequestURI())
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, log
}

type requestLog struct {
	mu   sync.Mutex
	uris []string
}

func (l *requestLog) add(u string) { l.mu.Lock(); l.uris = append(l.uris, u); l.mu.Unlock() }

// any reports whether a recorded request contains s.
func (l *requestLog) any(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, u := range l.uris {
		if strings.Contains(u, s) {
			return true
		}
	}
	return false
}

// TestGDALReadsTheAPI runs GDAL's OGC API Features driver as a real client:
// it lists the collections, then copies addresses (following next links) to
// a GeoPackage and gets exactly numberMatched features with their attributes.
func TestGDALReadsTheAPI(t *testing.T) {
	url, _ := liveServer(t)
	out := gdal(t, "ogrinfo", "-ro", "OAPIF:"+url)
	for _, c := range []string{"addresses", "roads", "land_cover", "communes"} {
		if !strings.Contains(out, c) {
			t.Errorf("ogrinfo does not list %s:\n%s", c, out)
		}
	}

	fc := items(t, "/collections/addresses/items?limit=1&sortby=cle_interop")
	gpkg := filepath.Join(t.TempDir(), "addresses.gpkg")
	gdal(t, "ogr2ogr", "-f", "GPKG", gpkg, "OAPIF:"+url, "addresses", "-oo", "PAGE_SIZE=1000")
	info := gdal(t, "ogrinfo", "-ro", "-so", gpkg, "addresses")
	if !strings.Contains(info, "Feature Count: "+strconv.Itoa(fc.NumberMatched)) {
		t.Fatalf("the copy does not hold numberMatched = %d features:\n%s", fc.NumberMatched, info)
	}
	for _, field := range []string{"cle_interop: String", "numero: Integer", "certification_commune", "date_der_maj: Date"} {
		if !strings.Contains(info, field) {
			t.Errorf("the copy lacks the field %q:\n%s", field, info)
		}
	}
	// One feature's attributes, through GDAL and through the API.
	first := fc.Features[0]
	key := first.Properties["cle_interop"].(string)
	row := gdal(t, "ogrinfo", "-ro", "-q", gpkg, "-sql", "SELECT cle_interop, numero, voie_nom, commune_insee FROM addresses WHERE cle_interop = '"+key+"'")
	for _, p := range []string{"cle_interop", "voie_nom", "commune_insee"} {
		if v := first.Properties[p].(string); !strings.Contains(row, v) {
			t.Errorf("GDAL's %s for %s: want %q in\n%s", p, key, v, row)
		}
	}
	if n := strconv.Itoa(int(first.Properties["numero"].(float64))); !strings.Contains(row, "numero (Integer) = "+n) {
		t.Errorf("GDAL's numero for %s: want %s in\n%s", key, n, row)
	}
}

// TestGDALPushesFiltersToTheServer checks that GDAL's -where and -spat give
// what the server's own filter and bbox give (GDAL translates -where into
// CQL2 when /conformance declares it).
func TestGDALPushesFiltersToTheServer(t *testing.T) {
	url, log := liveServer(t)
	count := func(args ...string) int {
		out := gdal(t, "ogrinfo", append([]string{"-ro", "-so", "OAPIF:" + url, "addresses"}, args...)...)
		i := strings.Index(out, "Feature Count: ")
		if i < 0 {
			t.Fatalf("no feature count in:\n%s", out)
		}
		n, _ := strconv.Atoi(strings.Fields(out[i+len("Feature Count: "):])[0])
		return n
	}
	where := "commune_insee = '31254' AND numero < 10"
	if got, want := count("-where", where), len(filterIDs(t, "addresses", where)); got != want || want == 0 {
		t.Errorf("-where %q: GDAL counts %d, the server's filter %d", where, got, want)
	}
	if !log.any("filter=") {
		t.Errorf("GDAL evaluated the filter itself instead of sending it: %v", log.uris)
	}
	if got, want := count("-spat", "1.50", "43.50", "1.56", "43.56"), items(t, "/collections/addresses/items?limit=1&bbox=1.50,43.50,1.56,43.56").NumberMatched; got != want || want == 0 {
		t.Errorf("-spat: GDAL counts %d, the server's bbox %d", got, want)
	}
}
