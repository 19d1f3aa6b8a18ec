package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/transfer"
	"github.com/socle-geo/socle/ogc/features"
)

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	return v
}

func findLinks(links []features.Link, rel string) []features.Link {
	var out []features.Link
	for _, l := range links {
		if l.Rel == rel {
			out = append(out, l)
		}
	}
	return out
}

// TestDatasetAPIs: each dataset has its own OGC API – Features, with the
// INSPIRE download service links.
func TestDatasetAPIs(t *testing.T) {
	resp, body := get(t, "/datasets/roads/")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Language") != "fr" {
		t.Fatalf("landing: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Language"), body)
	}
	landing := decode[features.LandingPage](t, body)
	if landing.Title != "Réseau routier du Sicoval" {
		t.Errorf("landing title %q", landing.Title)
	}
	db := findLinks(landing.Links, "describedby")
	if len(db) != 2 || db[0].Type != "application/xml" || db[1].Type != "text/html" || !strings.Contains(db[0].Href, "/metadata/fr-243100633-roads") {
		t.Errorf("describedby links %+v", db)
	}
	if l := findLinks(landing.Links, "license"); len(l) != 1 || !strings.Contains(l[0].Href, "etalab") {
		t.Errorf("license links %+v", l)
	}
	if self := findLinks(landing.Links, "self"); len(self) != 1 || !strings.HasPrefix(self[0].Href, goldenBase+"/datasets/roads/?") {
		t.Errorf("self %+v", self)
	}
	resp, body = get(t, "/datasets/roads/", "Accept-Language", "en")
	if resp.Header.Get("Content-Language") != "en" || decode[features.LandingPage](t, body).Title != "Sicoval road network" {
		t.Errorf("English landing: %s\n%s", resp.Header.Get("Content-Language"), body)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if r, err := noRedirect.Get(base(t) + "/datasets/roads"); err != nil || r.StatusCode != http.StatusMovedPermanently || !strings.HasSuffix(r.Header.Get("Location"), "/datasets/roads/") {
		t.Errorf("no slash: %v %v", r, err)
	}

	_, body = get(t, "/datasets/artificialisation/collections")
	cols := decode[features.Collections](t, body)
	var ids []string
	for _, c := range cols.Collections {
		ids = append(ids, c.ID)
	}
	if strings.Join(ids, ",") != "land_cover,communes,artificialisation" {
		t.Errorf("artificialisation collections %v", ids)
	}
	for path, want := range map[string]int{
		"/datasets/artificialisation/collections/roads":       404,
		"/datasets/artificialisation/collections/roads/items": 404,
		"/datasets/roads/conformance":                         200,
		"/datasets/roads/collections/roads/items?limit=2":     200,
		"/datasets/roads/collections/roads/queryables":        200,
		"/datasets/roads/download/roads.gpkg?bogus=1":         400,
		"/datasets/artificialisation/download/roads.geojson":  404,
	} {
		if resp, body := get(t, path); resp.StatusCode != want {
			t.Errorf("%s: %d, want %d\n%s", path, resp.StatusCode, want, body)
		}
	}
	_, body = get(t, "/datasets/roads/collections/roads/items?limit=2")
	if next := findLinks(decode[struct {
		Links []features.Link `json:"links"`
	}](t, body).Links, "next"); len(next) != 1 || !strings.HasPrefix(next[0].Href, goldenBase+"/datasets/roads/collections/roads/items?") {
		t.Errorf("next link %+v", next)
	}

	_, body = get(t, "/datasets/roads/api")
	api := decode[map[string]any](t, body)
	info := api["info"].(map[string]any)
	if info["contact"].(map[string]any)["email"] != "sig@sicoval.example" || !strings.Contains(info["license"].(map[string]any)["url"].(string), "etalab") {
		t.Errorf("OpenAPI info %v", info)
	}
	paths := api["paths"].(map[string]any)
	if _, ok := paths["/collections/roads/items"]; !ok {
		t.Errorf("the roads API lacks its items path")
	}
	if _, ok := paths["/collections/addresses/items"]; ok {
		t.Errorf("the roads API describes addresses")
	}

	// The collection: feature concepts, INSPIRE CRS, bulk downloads whose
	// length is the file's.
	// The description waits 5 s for its files; the tile archive may take
	// longer on a loaded machine: ask until every length is known.
	var col features.Collection
	waitFor(t, "the bulk downloads' lengths", func() bool {
		_, body = get(t, "/datasets/roads/collections/roads")
		col = decode[features.Collection](t, body)
		for _, l := range findLinks(col.Links, "enclosure") {
			if l.Length <= 0 {
				return false
			}
		}
		return true
	})
	if tags := findLinks(col.Links, "tag"); len(tags) != 1 || tags[0].Href != "http://inspire.ec.europa.eu/featureconcept/RoadLink" {
		t.Errorf("tag links %+v", tags)
	}
	for _, c := range []string{"http://www.opengis.net/def/crs/EPSG/0/4258", "http://www.opengis.net/def/crs/EPSG/0/3035"} {
		if !slices.Contains(col.CRS, c) {
			t.Errorf("the collection's CRS lack %s", c)
		}
	}
	if len(findLinks(col.Links, "describedby")) != 2 || len(findLinks(col.Links, "license")) != 1 {
		t.Errorf("collection links %+v", col.Links)
	}
	enc := findLinks(col.Links, "enclosure")
	if len(enc) != 3 {
		t.Fatalf("enclosures %+v", enc)
	}
	dir := t.TempDir()
	for _, l := range enc {
		if l.Type == "" || l.Length <= 0 || l.Title == "" || l.Hreflang != "fr" {
			t.Errorf("enclosure %+v lacks type, length, title or hreflang", l)
		}
		path := strings.TrimPrefix(l.Href, goldenBase)
		resp, body := do(t, http.MethodHead, path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Length") != strconv.FormatInt(l.Length, 10) || len(body) != 0 || resp.Header.Get("Content-Type") != l.Type {
			t.Errorf("HEAD %s: %d length %s type %s, link says %d %s", path, resp.StatusCode, resp.Header.Get("Content-Length"), resp.Header.Get("Content-Type"), l.Length, l.Type)
		}
		resp, body = get(t, path)
		if resp.StatusCode != 200 || int64(len(body)) != l.Length {
			t.Errorf("GET %s: %d, %d bytes, link says %d", path, resp.StatusCode, len(body), l.Length)
		}
		switch l.Type {
		case "application/geo+json":
			fc := decode[struct {
				Features []json.RawMessage `json:"features"`
			}](t, body)
			if len(fc.Features) != 1467 {
				t.Errorf("GeoJSON download: %d roads, want 1467", len(fc.Features))
			}
		case "application/geopackage+sqlite3":
			file := filepath.Join(dir, "roads.gpkg")
			if err := os.WriteFile(file, body, 0o644); err != nil {
				t.Fatal(err)
			}
			if out := gdal(t, "ogrinfo", "-ro", "-so", file, "roads"); !strings.Contains(out, "Feature Count: 1467") {
				t.Errorf("GeoPackage download:\n%s", out)
			}
		case "application/vnd.pmtiles":
			if !bytes.HasPrefix(body, []byte("PMTiles\x03")) {
				t.Errorf("PMTiles download: %.10q", body)
			}
		default:
			t.Errorf("unexpected enclosure type %s", l.Type)
		}
	}
}

// TestGDALReadsADatasetAPI: GDAL's OGC API driver sees only the dataset's
// collections.
func TestGDALReadsADatasetAPI(t *testing.T) {
	url, _ := liveServer(t)
	out := gdal(t, "ogrinfo", "-ro", "OAPIF:"+url+"/datasets/artificialisation/")
	if !strings.Contains(out, "land_cover") || !strings.Contains(out, "communes") || strings.Contains(out, "roads") || strings.Contains(out, "addresses") {
		t.Errorf("ogrinfo:\n%s", out)
	}
}

// TestDownloadsWarm: a server that warms its downloads makes them at start
// and again after a change, without a client asking, and removes them when
// closed.
func TestDownloadsWarm(t *testing.T) {
	base(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	srv := server.New(env.store, socle.DefaultCatalog(), quiet, server.Options{WarmDownloads: true})
	ready := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go env.store.ListenChanges(ctx, quiet, srv.Invalidate, func() {
		select {
		case ready <- struct{}{}:
		default:
		}
	})
	<-ready
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	files := func() map[string]bool {
		out := map[string]bool{}
		m, _ := filepath.Glob(filepath.Join(tmp, "socle-downloads-*", "*"))
		for _, p := range m {
			out[filepath.Base(p)] = true
		}
		return out
	}
	// At start: every collection of every dataset, in the three formats,
	// and each whole dataset as one GeoPackage.
	waitFor(t, "the downloads made at start", func() bool {
		n, whole := 0, 0
		for name := range files() {
			switch {
			case strings.HasPrefix(name, "dataset~") && strings.HasSuffix(name, ".gpkg"):
				whole++
			case strings.HasSuffix(name, ".gpkg") || strings.HasSuffix(name, ".geojson") || strings.HasSuffix(name, ".pmtiles"):
				n++
			}
		}
		return n == 14 && whole == 3 // 5 collections in 3 datasets, 3 formats, no tiles of the empty artificialisation
	})
	before := files()
	// A change of the roads: their files are made again, the others kept.
	roads, _ := socle.DefaultCatalog().Collection("roads")
	rows, err := transfer.Read(context.Background(), env.store, roads, nil)
	if err != nil {
		t.Fatal(err)
	}
	original := maps.Clone(rows[0].Properties)
	rows[0].Properties["name"] = "Rue des téléchargements"
	write := func(row socle.Row) {
		if _, err := env.store.Import(context.Background(), socle.Batch{ID: socle.NewBatchID("test", time.Now()), Kind: "test"}, roads, socle.RowsOf([]socle.Row{row}, nil)); err != nil {
			t.Fatal(err)
		}
	}
	write(rows[0])
	defer func() { rows[0].Properties = original; write(rows[0]) }()
	waitFor(t, "the roads' downloads made again", func() bool {
		now := files()
		newRoads, newWhole := 0, 0
		for name := range now {
			if strings.HasPrefix(name, "roads-") && !before[name] {
				newRoads++
			}
			if strings.HasPrefix(name, "dataset~roads-") && !before[name] {
				newWhole++
			}
		}
		return newRoads == 3 && newWhole == 1 && len(now) == 17
	})
	for name := range before {
		if !strings.HasPrefix(name, "roads-") && !strings.HasPrefix(name, "dataset~roads-") && !files()[name] {
			t.Errorf("%s was made again though its collection did not change", name)
		}
	}
	resp, err := http.Get(hs.URL + "/datasets/roads/download/roads.geojson")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Rue des téléchargements") {
		t.Errorf("download after the change: %d, renamed road present: %v", resp.StatusCode, strings.Contains(string(body), "Rue des téléchargements"))
	}
	srv.Close()
	if m, _ := filepath.Glob(filepath.Join(tmp, "socle-downloads-*")); len(m) != 0 {
		t.Errorf("Close left %v", m)
	}
}

// waitFor polls cond until it holds, failing after a generous deadline
// (not a timed assertion: a loaded machine only makes it slower).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: never happened", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
