package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
)

// TestGolden checks the documents byte for byte against golden files made
// with a fixed clock and base URL.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		headers    []string
	}{
		{"landing.json", "/?f=json", nil},
		{"landing.en.json", "/", []string{"Accept-Language", "en-GB,en;q=0.9"}},
		{"landing.html", "/", []string{"Accept", "text/html"}},
		{"conformance.json", "/conformance", nil},
		{"collections.json", "/collections", nil},
		{"collections.html", "/collections?f=html", nil},
		{"collection-addresses.json", "/collections/addresses", nil},
		{"collection-communes.en.html", "/collections/communes?f=html&lang=en", nil},
		{"items-addresses.json", "/collections/addresses/items?limit=3", nil},
		{"items-roads-sorted.json", "/collections/roads/items?limit=2&sortby=-width,name&properties=name,width,road_class", nil},
		{"items-communes.html", "/collections/communes/items?f=html&limit=5&properties=insee,nom,population,zan_budget_used_pct", nil},
		{"feature-addresses-1.json", "/collections/addresses/items/1", nil},
		{"feature-addresses-1.html", "/collections/addresses/items/1?f=html", nil},
		{"feature-communes.json", "/collections/communes/items/31254?properties=nom,artificialised_ha_by_year,artificialised_ha_2011_2021,artificialised_ha_since_2021,zan_budget_ha_2021_2031,zan_budget_used_pct", nil},
		{"api.json", "/api", nil},
		{"api.html", "/api?f=html", nil},
		{"problem-unknown-collection.json", "/collections/nope/items", nil},
		{"items-addresses.jsonfg.json", "/collections/addresses/items?limit=3&f=jsonfg", nil},
		{"items-roads.lambert.jsonfg.json", "/collections/roads/items?limit=2&f=jsonfg&crs=http://www.opengis.net/def/crs/EPSG/0/2154", nil},
		{"feature-communes.jsonfg.json", "/collections/communes/items/31254?f=jsonfg&crs=http://www.opengis.net/def/crs/EPSG/0/4326", nil},
		{"items-addresses.csv", "/collections/addresses/items?limit=3&f=csv", nil},
		{"items-addresses.tableur.csv", "/collections/addresses/items?limit=3&f=csv&separator=semicolon&bom=true&geometry=xy&crs=http://www.opengis.net/def/crs/EPSG/0/2154", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, body := get(t, tc.path, tc.headers...)
			golden(t, tc.name, body)
		})
	}
}

func TestContentNegotiation(t *testing.T) {
	for _, tc := range []struct {
		path    string
		headers []string
		status  int
		ctype   string
		lang    string
	}{
		{"/", nil, 200, "application/json", "fr"},
		{"/?f=html", nil, 200, "text/html; charset=utf-8", "fr"},
		{"/", []string{"Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}, 200, "text/html; charset=utf-8", "fr"},
		{"/", []string{"Accept", "application/json"}, 200, "application/json", "fr"},
		{"/", []string{"Accept-Language", "en"}, 200, "application/json", "en"},
		{"/", []string{"Accept-Language", "de, en;q=0.5, fr;q=0.8"}, 200, "application/json", "fr"},
		{"/?lang=en", nil, 200, "application/json", "en"},
		{"/api", nil, 200, "application/vnd.oai.openapi+json;version=3.0", "fr"},
		{"/collections/addresses/items", nil, 200, "application/geo+json", "fr"},
		{"/collections/addresses/items", []string{"Accept", "application/geo+json"}, 200, "application/geo+json", "fr"},
		{"/collections/addresses/items?f=geojson", nil, 200, "application/geo+json", "fr"},
		{"/collections/addresses/items/1", nil, 200, "application/geo+json", "fr"},
		{"/collections/addresses/items?f=xml", nil, 406, "application/problem+json", ""},
		{"/collections/addresses/items", []string{"Accept", "application/xml"}, 406, "application/problem+json", ""},
		{"/?f=csv", nil, 406, "application/problem+json", ""},
	} {
		resp, body := get(t, tc.path, tc.headers...)
		if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != tc.ctype {
			t.Errorf("GET %s %v: %d %s, want %d %s\n%s", tc.path, tc.headers, resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, tc.ctype, body)
		}
		if tc.lang != "" && resp.Header.Get("Content-Language") != tc.lang {
			t.Errorf("GET %s %v: Content-Language %q, want %q", tc.path, tc.headers, resp.Header.Get("Content-Language"), tc.lang)
		}
	}
}

// TestBadInput checks that every malformed parameter answers its status
// with a problem body that says what is wrong, never a 500.
func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		path   string
		status int
		detail string
	}{
		{"/collections/addresses/items?bbox=1,2,3", 400, "bbox"},
		{"/collections/addresses/items?bbox=a,b,c,d", 400, "bbox"},
		{"/collections/addresses/items?bbox=1,50,2,40", 400, "bbox"},
		{"/collections/addresses/items?bbox=1,2,3,4,5", 400, "bbox"},
		{"/collections/addresses/items?bbox=-200,40,2,45", 400, "longitude"},
		{"/collections/addresses/items?bbox=1,2,NaN,4", 400, "bbox"},
		{"/collections/addresses/items?limit=0", 400, "limit"},
		{"/collections/addresses/items?limit=-1", 400, "limit"},
		{"/collections/addresses/items?limit=abc", 400, "limit"},
		{"/collections/addresses/items?limit=1e3", 400, "limit"},
		{"/collections/addresses/items?datetime=yesterday", 400, "datetime"},
		{"/collections/addresses/items?datetime=../..", 400, "datetime"},
		{"/collections/addresses/items?datetime=2024-12-01/2024-01-01", 400, "datetime"},
		{"/collections/communes/items?datetime=2024-01-01", 400, "temporal"},
		{"/collections/addresses/items?sortby=nope", 400, "sort"},
		{"/collections/addresses/items?sortby=numero,-numero", 400, "twice"},
		{"/collections/addresses/items?properties=numero,nope", 400, "nope"},
		{"/collections/addresses/items?cursor=garbage", 400, "cursor"},
		{"/collections/addresses/items?sortby=numero&cursor=eyJrIjpbIjEiXX0", 400, "cursor"}, // a cursor made for another sort
		{"/collections/addresses/items?cursor=eyJrIjpbImFiYyJdfQ", 400, "cursor"},            // {"k":["abc"]}: bound to no query
		{"/collections/addresses/items?numero=abc", 400, "numero"},
		{"/collections/addresses/items?certification_commune=peut-etre", 400, "certification_commune"},
		{"/collections/addresses/items?date_der_maj=2024-13-45", 400, "date_der_maj"},
		{"/collections/addresses/items?colour=red", 400, "unknown parameter colour"},
		{"/collections/addresses/items?limit=5&limit=6", 400, "limit"},
		{"/collections/addresses/items?numero=99999999999999999999", 400, "numero"},
		{"/collections/nope", 404, "nope"},
		{"/collections/nope/items", 404, "nope"},
		{"/collections/addresses/items/999999999", 404, "999999999"},
		{"/collections/addresses/items/abc", 404, "abc"},
		{"/collections/addresses/items/1%27%20OR%201=1", 404, ""},
		{"/collections/communes/items/99999", 404, "99999"},
		{"/nowhere", 404, ""},
		{"/collections?bbox=1,2,3,4", 400, "unknown parameter bbox"},
	} {
		resp, body := get(t, tc.path)
		if resp.StatusCode != tc.status {
			t.Errorf("GET %s: status %d, want %d\n%s", tc.path, resp.StatusCode, tc.status, body)
			continue
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("GET %s: Content-Type %q", tc.path, ct)
		}
		var p struct {
			Status int    `json:"status"`
			Title  string `json:"title"`
			Detail string `json:"detail"`
		}
		if err := json.Unmarshal(body, &p); err != nil || p.Status != tc.status || p.Title == "" {
			t.Errorf("GET %s: bad problem body %s (%v)", tc.path, body, err)
		}
		if !strings.Contains(p.Detail, tc.detail) {
			t.Errorf("GET %s: detail %q does not mention %q", tc.path, p.Detail, tc.detail)
		}
		for _, leak := range []string{"SELECT", "pgx", "SQLSTATE", "socle.", "goroutine"} {
			if strings.Contains(string(body), leak) {
				t.Errorf("GET %s leaks %q: %s", tc.path, leak, body)
			}
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		resp, body := do(t, m, "/collections/addresses/items")
		if resp.StatusCode != 405 || resp.Header.Get("Content-Type") != "application/problem+json" || resp.Header.Get("Allow") == "" {
			t.Errorf("%s items: %d %s %s", m, resp.StatusCode, resp.Header, body)
		}
	}
	resp, body := do(t, http.MethodHead, "/collections/addresses")
	if resp.StatusCode != 200 || len(body) != 0 {
		t.Errorf("HEAD: %d, %d bytes", resp.StatusCode, len(body))
	}
}

func TestETagRevalidation(t *testing.T) {
	for _, path := range []string{"/", "/conformance", "/collections", "/collections/roads", "/api"} {
		resp, _ := get(t, path)
		etag := resp.Header.Get("ETag")
		if etag == "" {
			t.Fatalf("%s: no ETag", path)
		}
		resp, body := get(t, path, "If-None-Match", etag)
		if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("%s with If-None-Match: %d, %d bytes", path, resp.StatusCode, len(body))
		}
		resp, _ = get(t, path, "If-None-Match", `"stale"`)
		if resp.StatusCode != 200 {
			t.Errorf("%s with a stale ETag: %d", path, resp.StatusCode)
		}
		// Each language is its own representation.
		if en, _ := get(t, path, "Accept-Language", "en"); en.Header.Get("ETag") == etag {
			t.Errorf("%s: French and English share an ETag", path)
		}
	}
}

func TestGzipAndCORS(t *testing.T) {
	req, _ := http.NewRequest("GET", base(t)+"/collections/addresses/items?limit=200", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("Origin", "https://carto.sicoval.fr")
	resp, err := http.DefaultTransport.RoundTrip(req) // no transparent decompression
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip: %v", resp.Header)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("no CORS header: %v", resp.Header)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct{ NumberReturned int }
	if err := json.NewDecoder(zr).Decode(&fc); err != nil || fc.NumberReturned != 200 {
		t.Errorf("gzipped body: %v %+v", err, fc)
	}
	// Preflight.
	req, _ = http.NewRequest(http.MethodOptions, base(t)+"/collections", nil)
	req.Header.Set("Origin", "https://carto.sicoval.fr")
	req.Header.Set("Access-Control-Request-Method", "GET")
	pre, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pre.Body.Close()
	if pre.StatusCode != http.StatusNoContent || !strings.Contains(pre.Header.Get("Access-Control-Allow-Methods"), "GET") {
		t.Errorf("preflight: %d %v", pre.StatusCode, pre.Header)
	}
}

// TestWhatIsCompressed: with Accept-Encoding: gzip, an answer of a text,
// JSON or XML type of 1 KiB or more is gzipped and decompresses to the
// bytes of the plain answer, streamed pages included; a smaller answer, a
// tile and a 304 go as they are. (The compressor is started for the first
// kind only: see compressAsked.)
func TestWhatIsCompressed(t *testing.T) {
	x, y := xyz(1.512, 43.535, 14)
	for _, c := range []struct {
		path   string
		zip    bool
		status int
	}{
		{"/collections/addresses/items?limit=1000", true, 200}, // streamed, well past the writer's buffer
		{"/collections/addresses/items?limit=3&f=html", true, 200},
		{"/collections/roads/items?limit=50&f=csv", true, 200},
		{"/csw?service=CSW&request=GetCapabilities", true, 200},
		{"/conformance", true, 200},
		{"/collections/communes/items/no-such-commune", false, 404}, // a problem of ~150 bytes
		{"/collections/roads/items?limit=1&properties=name&f=csv", false, 200},
		{fmt.Sprintf("/collections/roads/tiles/WebMercatorQuad/14/%d/%d", y, x), false, 200},
		{"/collections/addresses/items?limit=3&f=gpkg", false, 200},
	} {
		// A client that sets Accept-Encoding itself gets the bytes as sent.
		plain, want := get(t, c.path, "Accept-Encoding", "identity")
		zipped, got := get(t, c.path, "Accept-Encoding", "gzip")
		if plain.StatusCode != c.status || zipped.StatusCode != c.status {
			t.Errorf("%s: %d, gzip %d, want %d", c.path, plain.StatusCode, zipped.StatusCode, c.status)
			continue
		}
		if enc := zipped.Header.Get("Content-Encoding"); (enc == "gzip") != c.zip || plain.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: Content-Encoding %q (%d bytes plain), want gzip %v", c.path, enc, len(want), c.zip)
			continue
		}
		if c.zip {
			zr, err := gzip.NewReader(bytes.NewReader(got))
			if err != nil {
				t.Fatalf("%s: %v", c.path, err)
			}
			if got, err = io.ReadAll(zr); err != nil {
				t.Fatalf("%s: %v", c.path, err)
			}
			if !strings.Contains(strings.Join(zipped.Header.Values("Vary"), ","), "Accept-Encoding") || zipped.Header.Get("Content-Length") == strconv.Itoa(len(want)) {
				t.Errorf("%s: gzipped with Vary %q, Content-Length %q", c.path, zipped.Header.Get("Vary"), zipped.Header.Get("Content-Length"))
			}
		}
		if !bytes.Equal(got, want) && !strings.Contains(c.path, "gpkg") { // a GeoPackage is written anew each time
			t.Errorf("%s: %d bytes through gzip, %d plain, not the same", c.path, len(got), len(want))
		}
		if etag := zipped.Header.Get("ETag"); etag != "" && c.zip {
			// The ETag names the content, whatever its coding: a
			// revalidation with it is a 304, not compressed.
			nm, body := get(t, c.path, "Accept-Encoding", "gzip", "If-None-Match", etag)
			if nm.StatusCode != http.StatusNotModified || len(body) != 0 || nm.Header.Get("Content-Encoding") != "" {
				t.Errorf("%s: revalidated: %d, %d bytes, Content-Encoding %q", c.path, nm.StatusCode, len(body), nm.Header.Get("Content-Encoding"))
			}
		}
	}
}

type featureCollection struct {
	Features []struct {
		ID         json.RawMessage `json:"id"`
		Geometry   struct{ Type string }
		Properties map[string]any
	}
	NumberMatched  int
	NumberReturned int
	Links          []struct{ Href, Rel, Type string }
}

func items(t *testing.T, path string) featureCollection {
	t.Helper()
	resp, body := get(t, path)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	var fc featureCollection
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatal(err)
	}
	return fc
}

// TestPagingThroughEveryAddress follows next links over the whole largest
// collection and checks every feature comes exactly once, then walks back.
func TestPagingThroughEveryAddress(t *testing.T) {
	next := "/collections/addresses/items?limit=500&sortby=voie_nom,-numero"
	seen := map[string]bool{}
	var pages []string
	matched := -1
	for next != "" {
		fc := items(t, next)
		pages = append(pages, next)
		if matched == -1 {
			matched = fc.NumberMatched
		} else if fc.NumberMatched != matched {
			t.Fatalf("numberMatched changed between pages: %d then %d", matched, fc.NumberMatched)
		}
		if fc.NumberReturned != len(fc.Features) {
			t.Fatalf("numberReturned %d for %d features", fc.NumberReturned, len(fc.Features))
		}
		for _, f := range fc.Features {
			if seen[string(f.ID)] {
				t.Fatalf("feature %s seen twice", f.ID)
			}
			seen[string(f.ID)] = true
		}
		next = ""
		for _, l := range fc.Links {
			if l.Rel == "next" {
				u, _ := url.Parse(l.Href)
				if u.Host != "socle.test" {
					t.Fatalf("next link %s is not on the base URL", l.Href)
				}
				next = u.RequestURI()
			}
		}
	}
	if len(seen) != matched || matched < 1000 {
		t.Fatalf("paged over %d features, numberMatched %d", len(seen), matched)
	}
}

func TestSimplePropertyFilters(t *testing.T) {
	all := items(t, "/collections/addresses/items?limit=10000&properties=commune_insee,certification_commune")
	want := 0
	for _, f := range all.Features {
		if f.Properties["commune_insee"] == "31254" && f.Properties["certification_commune"] == true {
			want++
		}
	}
	fc := items(t, "/collections/addresses/items?limit=10000&commune_insee=31254&certification_commune=true")
	if fc.NumberMatched != want || len(fc.Features) != want || want == 0 {
		t.Errorf("commune_insee=31254&certification_commune=true: %d matched, %d returned, want %d", fc.NumberMatched, len(fc.Features), want)
	}
	empty := items(t, "/collections/addresses/items?properties=")
	for _, f := range empty.Features {
		if len(f.Properties) != 0 {
			t.Fatalf("properties= returned %v", f.Properties)
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp, body := get(t, p); resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", p, resp.StatusCode, body)
		}
	}
	// A server whose database is gone is alive but not ready.
	store, err := postgis.Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=1", socle.DefaultCatalog(), postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	srv := httptest.NewServer(server.New(store, socle.DefaultCatalog(), quiet, server.Options{}).Handler())
	defer srv.Close()
	for p, want := range map[string]int{"/healthz": 200, "/readyz": 503, "/collections": 503} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("without a database, %s: %d, want %d", p, resp.StatusCode, want)
		}
	}
}
