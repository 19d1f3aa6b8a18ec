//go:build unix

package server_test

// The web map in a real browser: templates/map.html, assets/socle-map.js and
// the styles of styles/, loaded by headless Chromium.
//
// Chromium is /usr/bin/chromium (SOCLE_CHROMIUM overrides it); MapLibre GL JS
// is assets/vendor/maplibre-gl.js, copied there by web/build.sh. Without
// either, the browser tests skip loudly, and fail when CI is set. Set
// SOCLE_BROWSER_SCREENSHOTS=DIR to also keep a PNG of each page in DIR.
//
// A test page holds its load event open with an <img> that the test server
// answers only once the page has POSTed its report (map state, features
// rendered per layer, popup text, JavaScript errors): Chromium's --dump-dom
// then prints the page as it was when the report was made, whatever the
// machine's load, instead of racing a virtual-time budget against the
// map's worker.

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
)

// mapPageData is what map.html reads from the page data (pageData).
type mapPageData struct {
	Lang, Base string
	Extra      map[string]any
}

func (p mapPageData) T(fr, en string) string {
	if p.Lang == "en" {
		return en
	}
	return fr
}

// mapData is the .Extra.Map contract of map.html.
type mapData struct {
	BBox, Style, Collection, IDs, FeaturesURL string
}

// mapReport is what a test page reports about its map.
type mapReport struct {
	Ready       string         `json:"ready"`
	Error       string         `json:"error"`
	Highlighted string         `json:"highlighted"`
	Message     string         `json:"message"`
	Canvas      bool           `json:"canvas"`
	Counts      map[string]int `json:"counts"`
	Popup       string         `json:"popup"`
	Legend      string         `json:"legend"`
	Errors      []string       `json:"errors"`
	Resources   []string       `json:"resources"`
}

// probe runs before the map's scripts: it records JavaScript errors, waits
// for the map (or its failure), clicks at data-click, and reports.
const probe = `<script>
(function () {
  var errors = [], resources = [];
  window.addEventListener('error', function (e) {
    var el = e.target;
    if (el && el !== window && el.tagName) { resources.push(el.tagName + ' ' + (el.src || el.href)); return; }
    errors.push(String(e.message || e.error || e));
  }, true);
  window.addEventListener('unhandledrejection', function (e) {
    errors.push('unhandled rejection: ' + String(e.reason && e.reason.message || e.reason));
  });
  function text(sel) { var n = document.querySelector(sel); return n ? n.textContent.replace(/\s+/g, ' ').trim() : ''; }
  function send(div, extra) {
    var r = {ready: div.getAttribute('data-ready') || '', error: div.getAttribute('data-error') || '',
      highlighted: div.getAttribute('data-highlighted') || '', message: text('.socle-map__message'),
      canvas: !!div.querySelector('canvas'), popup: text('.maplibregl-popup'), legend: text('.socle-map__legend summary'),
      errors: errors, resources: resources, counts: (extra && extra.counts) || {}};
    fetch('/report', {method: 'POST', body: JSON.stringify(r)});
  }
  var started = Date.now();
  function wait() {
    var div = document.querySelector('.socle-map');
    var entry = window.socleMaps && window.socleMaps[0];
    if (!div) { errors.push('no .socle-map'); return send(document.body); }
    if (div.classList.contains('socle-map--unavailable') || Date.now() - started > 45000) return send(div);
    var pending = div.getAttribute('data-ready') !== 'true' ||
      (div.hasAttribute('data-features-url') && !div.hasAttribute('data-highlighted') && !/features/.test(div.getAttribute('data-error') || ''));
    if (!entry || pending) return setTimeout(wait, 100);
    var map = entry.map;
    map.once('idle', function () {
      var counts = {};
      map.getStyle().layers.forEach(function (l) {
        if (l.type !== 'background') counts[l.id] = map.queryRenderedFeatures({layers: [l.id]}).length;
      });
      var click = document.body.getAttribute('data-click');
      if (click) {
        var ll = click.split(',').map(Number);
        map.fire('click', {point: map.project(ll), lngLat: {lng: ll[0], lat: ll[1]}});
      }
      setTimeout(function () { send(div, {counts: counts}); }, 100);
    });
    map.triggerRepaint();
  }
  document.addEventListener('DOMContentLoaded', function () { setTimeout(wait, 0); });
})();
</script>`

const pageSource = `<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<title>socle-map</title>
` + probe + `
{{template "map-head" .}}
<style>body { margin: 0; } main { padding: 8px; }</style>
</head>
<body{{with .Extra.Click}} data-click="{{.}}"{{end}}>
<main>
{{template "map" .}}
</main>
<img src="/hold" alt="" width="1" height="1">
</body>
</html>`

func mapTemplates(t *testing.T) *template.Template {
	t.Helper()
	tpl, err := template.New("page").Parse(pageSource)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tpl.ParseFiles(filepath.Join(repoRoot(), "internal", "server", "templates", "map.html")); err != nil {
		t.Fatal(err)
	}
	return tpl
}

// needs skips loudly, or fails in CI, when what a browser test needs is missing.
func needs(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal(what + ": CI must run the browser tests")
	}
	msg := "SKIPPED: " + what
	fmt.Fprintf(os.Stderr, "--- %s: %s\n", t.Name(), msg)
	t.Skip(msg)
}

func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("SOCLE_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	_, err := os.Stat(p)
	needs(t, err == nil, "no headless Chromium at "+p+" (apt-get install -y chromium, or set SOCLE_CHROMIUM)")
	return p
}

func vendorDir() string { return filepath.Join(repoRoot(), "internal", "server", "assets", "vendor") }

func needVendor(t *testing.T) {
	t.Helper()
	_, err := os.Stat(filepath.Join(vendorDir(), "maplibre-gl.js"))
	needs(t, err == nil, "internal/server/assets/vendor/maplibre-gl.js is missing (run web/build.sh)")
}

// mapRun serves one test page (and what it loads) for one browser run.
type mapRun struct {
	t       *testing.T
	mux     *http.ServeMux
	srv     *httptest.Server
	reports chan mapReport

	mu   sync.Mutex
	done chan struct{} // closed by the report: releases /hold
}

// release lets the page finish loading.
func (r *mapRun) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.done:
	default:
		close(r.done)
	}
}

func (r *mapRun) held() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.done
}

// rearm holds the next page load again.
func (r *mapRun) rearm() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done = make(chan struct{})
}

// newMapRun serves the page at /page with the given data; backend (if not
// nil) answers every other path, else the repository's assets, styles and
// fixtures are served from disk.
func newMapRun(t *testing.T, lang string, m mapData, click string, backend http.Handler) *mapRun {
	t.Helper()
	tpl := mapTemplates(t)
	r := &mapRun{t: t, mux: http.NewServeMux(), reports: make(chan mapReport, 1), done: make(chan struct{})}
	r.srv = httptest.NewServer(r.mux)
	t.Cleanup(r.srv.Close)
	t.Cleanup(r.release)
	base := r.srv.URL
	m.FeaturesURL = strings.ReplaceAll(m.FeaturesURL, "{base}", base)
	data := mapPageData{Lang: lang, Base: base, Extra: map[string]any{"Map": m, "Click": click}}
	r.mux.HandleFunc("GET /page", func(w http.ResponseWriter, req *http.Request) {
		var buf bytes.Buffer
		if err := tpl.ExecuteTemplate(&buf, "page", data); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(buf.Bytes())
	})
	r.mux.HandleFunc("POST /report", func(w http.ResponseWriter, req *http.Request) {
		var rep mapReport
		body, _ := io.ReadAll(req.Body)
		if err := json.Unmarshal(body, &rep); err != nil {
			rep.Errors = append(rep.Errors, "bad report: "+err.Error()+": "+string(body))
		}
		select {
		case r.reports <- rep:
		default:
		}
		r.release()
		w.WriteHeader(http.StatusNoContent)
	})
	r.mux.HandleFunc("GET /hold", func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-r.held():
		case <-time.After(60 * time.Second):
		case <-req.Context().Done():
		}
		w.Header().Set("Content-Type", "image/gif")
		_, _ = w.Write([]byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"))
	})
	if backend != nil {
		r.mux.Handle("/", backend)
		return r
	}
	r.mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServer(http.Dir(filepath.Join(repoRoot(), "internal", "server", "assets")))))
	r.mux.Handle("GET /fixtures/", http.StripPrefix("/fixtures/", http.FileServer(http.Dir(filepath.Join(repoRoot(), "fixtures")))))
	r.mux.HandleFunc("GET /styles/{id}", func(w http.ResponseWriter, req *http.Request) {
		b, err := fixtureStyle(req.PathValue("id"), base)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
	return r
}

// fixtureStyle is the style id of styles/ drawn from the fixtures' GeoJSON
// instead of the vector tiles: the same layers, filters and expressions.
func fixtureStyle(id, base string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(repoRoot(), "styles", filepath.Base(id)+".json"))
	if err != nil {
		return nil, err
	}
	var st map[string]any
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	sources := map[string]any{}
	// GeoJSON sources read the API's items: read the fixtures instead.
	items := regexp.MustCompile(`^\{base\}/collections/([a-z_]+)/items`)
	for name, s := range st["sources"].(map[string]any) {
		src := s.(map[string]any)
		if m := items.FindStringSubmatch(fmt.Sprint(src["data"])); src["type"] == "geojson" && m != nil {
			src["data"] = base + "/fixtures/" + m[1] + ".geojson"
			sources[name] = src
		}
	}
	var kept []any
	for _, l := range st["layers"].([]any) {
		layer := l.(map[string]any)
		sl, ok := layer["source-layer"].(string)
		if !ok {
			kept = append(kept, l)
			continue
		}
		if _, err := os.Stat(filepath.Join(repoRoot(), "fixtures", sl+".geojson")); err != nil {
			continue // the updater's collections have no fixture file
		}
		kept = append(kept, l)
		delete(layer, "source-layer")
		layer["source"] = "fixtures-" + sl
		// How socle-map.js knows the collection of a GeoJSON feature.
		layer["metadata"] = map[string]any{"socle:collection": sl}
		sources["fixtures-"+sl] = map[string]any{"type": "geojson", "data": base + "/fixtures/" + sl + ".geojson"}
	}
	st["sources"] = sources
	st["layers"] = kept
	return json.Marshal(st)
}

// run loads /page in Chromium and returns the page's report and the DOM.
func (r *mapRun) run(chrome string) (mapReport, string) {
	t := r.t
	t.Helper()
	args := func(more ...string) []string {
		return append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
			"--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
			"--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1000,700",
			"--user-data-dir=" + t.TempDir()}, more...)
	}
	url := r.srv.URL + "/page"
	out := chromium(t, chrome, args("--dump-dom", url))
	var rep mapReport
	select {
	case rep = <-r.reports:
	default:
		t.Fatalf("the page made no report; Chromium printed:\n%s", out)
	}
	if dir := os.Getenv("SOCLE_BROWSER_SCREENSHOTS"); dir != "" {
		// A second load for the picture; its report is not needed.
		r.rearm()
		shot := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_", ",", "").Replace(t.Name())+".png")
		chromium(t, chrome, args("--screenshot="+shot, url))
		t.Logf("screenshot: %s", shot)
	}
	return rep, out
}

func chromium(t *testing.T, chrome string, args []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chrome, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Chromium starts helper processes: end the whole group on time-out.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, tail(stderr.String(), 3000))
	}
	return stdout.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// checkMap asserts a map that initialised without error.
func checkMap(t *testing.T, rep mapReport, dom string) {
	t.Helper()
	if rep.Ready != "true" || rep.Error != "" || len(rep.Errors) > 0 || len(rep.Resources) > 0 {
		t.Fatalf("map not ready or in error: %+v", rep)
	}
	if !rep.Canvas || !strings.Contains(dom, `data-ready="true"`) || !regexp.MustCompile(`<canvas[^>]*maplibregl-canvas`).MatchString(dom) {
		t.Fatalf("no map canvas in the page:\n%s", tail(dom, 3000))
	}
}

func atLeast(t *testing.T, rep mapReport, layer string, n int) {
	t.Helper()
	if rep.Counts[layer] < n {
		t.Errorf("layer %s: %d features rendered, want at least %d (all: %v)", layer, rep.Counts[layer], n, rep.Counts)
	}
}

func contains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s %q lacks %q", what, got, w)
		}
	}
}

// fixtureAddresses returns n addresses of Castanet-Tolosan from the fixtures:
// their GeoJSON, ids, bbox and the position of the last one.
func fixtureAddresses(t *testing.T, n int) (fc []byte, ids, bbox, last string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(), "fixtures", "addresses.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	var all struct {
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	var picked []json.RawMessage
	var idl []string
	minx, miny, maxx, maxy := 180.0, 90.0, -180.0, -90.0
	for _, raw := range all.Features {
		var f struct {
			ID       json.Number `json:"id"`
			Geometry struct {
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties struct {
				Commune string `json:"commune_insee"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatal(err)
		}
		if f.Properties.Commune != "31113" {
			continue
		}
		c := f.Geometry.Coordinates
		minx, miny, maxx, maxy = min(minx, c[0]), min(miny, c[1]), max(maxx, c[0]), max(maxy, c[1])
		picked = append(picked, raw)
		idl = append(idl, f.ID.String())
		last = fmt.Sprintf("%.7f,%.7f", c[0], c[1])
		if len(picked) == n {
			break
		}
	}
	fc, _ = json.Marshal(map[string]any{"type": "FeatureCollection", "features": picked})
	return fc, strings.Join(idl, ","), fmt.Sprintf("%.7f,%.7f,%.7f,%.7f", minx, miny, maxx, maxy), last
}

const territoryBBox = "1.394,43.388,1.716,43.570"

// TestBrowserMapFixtures draws the real styles over the fixtures (GeoJSON),
// with the real template and scripts, and needs no database.
func TestBrowserMapFixtures(t *testing.T) {
	chrome := chromiumPath(t)
	needVendor(t)

	t.Run("territoire, highlighted addresses, popup in French", func(t *testing.T) {
		fc, ids, bbox, last := fixtureAddresses(t, 3)
		r := newMapRun(t, "fr", mapData{BBox: bbox, Style: "territoire", Collection: "addresses", IDs: ids,
			FeaturesURL: "{base}/features?f=json"}, last, nil)
		r.mux.HandleFunc("GET /features", func(w http.ResponseWriter, req *http.Request) {
			w.Header().Set("Content-Type", "application/geo+json")
			_, _ = w.Write(fc)
		})
		rep, dom := r.run(chrome)
		checkMap(t, rep, dom)
		if rep.Highlighted != "3" {
			t.Errorf("highlighted %q features, want 3", rep.Highlighted)
		}
		atLeast(t, rep, "socle-highlight-point", 3)
		atLeast(t, rep, "addresses-fibre", 3)
		atLeast(t, rep, "addresses-numero", 1)
		atLeast(t, rep, "roads-main", 1)
		atLeast(t, rep, "land_cover-fill", 1)
		contains(t, "popup", rep.Popup, "Adresse ", "Numéro", "Voie", "Fibre optique", "inconnu", "Voir la fiche")
		contains(t, "legend", rep.Legend, "Légende")
		if !strings.Contains(dom, `data-style-url="`+r.srv.URL+`/styles/territoire"`) {
			t.Errorf("the map div does not name the style URL:\n%s", tail(dom, 2000))
		}
	})

	t.Run("communes in English", func(t *testing.T) {
		// A point inside Montlaur (31389), near the middle of the territory.
		r := newMapRun(t, "en", mapData{BBox: territoryBBox, Style: "communes"}, "1.5770,43.4850", nil)
		rep, dom := r.run(chrome)
		checkMap(t, rep, dom)
		atLeast(t, rep, "communes-zan", 30)
		atLeast(t, rep, "communes-label", 20)
		contains(t, "popup", rep.Popup, "Municipality", "INSEE code", "Open the feature page")
		contains(t, "legend", rep.Legend, "Legend")
	})

	t.Run("without maplibre-gl.js", func(t *testing.T) {
		r := newMapRun(t, "fr", mapData{BBox: territoryBBox}, "", nil)
		r.mux.Handle("GET /assets/vendor/", http.NotFoundHandler())
		rep, dom := r.run(chrome)
		if rep.Ready != "" || rep.Canvas || len(rep.Errors) > 0 {
			t.Errorf("want no map and no JavaScript error, got %+v", rep)
		}
		contains(t, "data-error", rep.Error, "maplibre-gl.js is not loaded")
		contains(t, "message", rep.Message, "Carte indisponible", "MapLibre GL JS")
		if !strings.Contains(dom, "socle-map--unavailable") {
			t.Errorf("the div is not marked unavailable:\n%s", tail(dom, 2000))
		}
	})
}

// TestBrowserMapTiles draws the default style from Socle's own vector tiles
// and styles (a real server over the test database).
func TestBrowserMapTiles(t *testing.T) {
	chrome := chromiumPath(t)
	base(t) // the database and the fixtures, or skip
	needVendor(t)
	// The package's server has a fixed base URL that a browser cannot reach:
	// serve the same store with URLs made from each request.
	srv := server.New(env.store, socle.DefaultCatalog(), quiet, server.Options{CORSOrigins: []string{"*"}, TileCacheBytes: -1})
	backend := srv.Handler()

	t.Run("territory overview", func(t *testing.T) {
		r := newMapRun(t, "fr", mapData{BBox: territoryBBox}, "", backend)
		rep, dom := r.run(chrome)
		checkMap(t, rep, dom)
		atLeast(t, rep, "communes-boundary", 30)
		atLeast(t, rep, "communes-label", 20)
		atLeast(t, rep, "roads-main", 50)
	})

	t.Run("addresses highlighted in the tiles", func(t *testing.T) {
		_, ids, bbox, last := fixtureAddresses(t, 3)
		r := newMapRun(t, "fr", mapData{BBox: bbox, Collection: "addresses", IDs: ids}, last, backend)
		rep, dom := r.run(chrome)
		checkMap(t, rep, dom)
		if rep.Highlighted != "3" {
			t.Errorf("highlighted %q features, want 3", rep.Highlighted)
		}
		atLeast(t, rep, "socle-highlight-point", 3)
		atLeast(t, rep, "addresses-fibre", 3)
		atLeast(t, rep, "roads-main", 1)
		atLeast(t, rep, "land_cover-fill", 1)
		contains(t, "popup", rep.Popup, "Adresse ", "Numéro", "Voie")
	})
}

// TestMapTemplate checks map.html's contract without a browser.
func TestMapTemplate(t *testing.T) {
	tpl := mapTemplates(t)
	render := func(d mapPageData, name string) string {
		var buf bytes.Buffer
		if err := tpl.ExecuteTemplate(&buf, name, d); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	base := "https://sig.example.fr/socle"
	head := render(mapPageData{Lang: "fr", Base: base}, "map-head")
	for _, want := range []string{base + "/assets/vendor/maplibre-gl.css", base + "/assets/vendor/maplibre-gl.js",
		base + "/assets/socle-map.css", base + "/assets/socle-map.js"} {
		contains(t, "map-head", head, want)
	}
	if got := render(mapPageData{Lang: "fr", Base: base}, "map"); strings.TrimSpace(got) != "" {
		t.Errorf("no .Extra.Map: want nothing, got %q", got)
	}
	m := mapData{BBox: "1.39,43.38,1.71,43.57", Collection: "addresses", IDs: "1,2,3",
		FeaturesURL: base + "/collections/addresses/items?f=json&limit=10"}
	div := render(mapPageData{Lang: "en", Base: base, Extra: map[string]any{"Map": m}}, "map")
	for _, want := range []string{`class="socle-map"`, `data-style-url="` + base + `/styles/territoire"`,
		`data-bbox="1.39,43.38,1.71,43.57"`, `data-highlight-collection="addresses"`, `data-highlight-ids="1,2,3"`,
		`data-features-url="` + base + `/collections/addresses/items?f=json&amp;limit=10"`, `aria-label="Map"`, "The map needs JavaScript."} {
		contains(t, "map", div, want)
	}
	// The same from a map[string]string, with a style chosen.
	div = render(mapPageData{Lang: "fr", Base: base, Extra: map[string]any{"Map": map[string]string{"Style": "roads"}}}, "map")
	contains(t, "map", div, `data-style-url="`+base+`/styles/roads"`, "La carte nécessite JavaScript.")
	if strings.Contains(div, "data-bbox") || strings.Contains(div, "data-highlight") || strings.Contains(div, "ZgotmplZ") {
		t.Errorf("unexpected attributes: %s", div)
	}
}

// TestStyleFiles checks styles/ without a browser: MapLibre styles that only
// load from the server ({base}) and draw the tile contract's layers, and QML
// that QGIS reads as vector tile styles.
func TestStyleFiles(t *testing.T) {
	dir := filepath.Join(repoRoot(), "styles")
	// The tile contract: a layer per collection, and a style for each.
	layers := map[string][]string{}
	ids := []string{"territoire"}
	for _, c := range socle.DefaultCatalog().Collections {
		layers[c.ID] = c.Tiles.Properties
		ids = append(ids, c.ID)
	}
	url := regexp.MustCompile(`https?://[^"\s]*`)
	for _, id := range ids {
		b, err := os.ReadFile(filepath.Join(dir, id+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			Version  int                        `json:"version"`
			Name     string                     `json:"name"`
			Metadata map[string]json.RawMessage `json:"metadata"`
			Glyphs   string                     `json:"glyphs"`
			Sprite   any                        `json:"sprite"`
			Sources  map[string]struct {
				Type  string   `json:"type"`
				URL   string   `json:"url"`
				Tiles []string `json:"tiles"`
				Data  any      `json:"data"`
			} `json:"sources"`
			Layers []struct {
				ID          string `json:"id"`
				Source      string `json:"source"`
				SourceLayer string `json:"source-layer"`
			} `json:"layers"`
		}
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatalf("%s.json: %v", id, err)
		}
		if st.Version != 8 || st.Name == "" || st.Metadata["socle:title"] == nil || st.Metadata["socle:legend"] == nil {
			t.Errorf("%s.json: want version 8, a name, socle:title and socle:legend metadata", id)
		}
		if st.Glyphs != "" || st.Sprite != nil {
			t.Errorf("%s.json: glyphs or sprite would load from elsewhere", id)
		}
		for _, u := range url.FindAllString(string(b), -1) {
			t.Errorf("%s.json: absolute URL %s: use {base}", id, u)
		}
		for name, src := range st.Sources {
			all := strings.Join(append([]string{src.URL}, src.Tiles...), "")
			data, _ := src.Data.(string)
			ok := src.Type == "vector" && strings.HasPrefix(all, "{base}/") ||
				src.Type == "geojson" && strings.HasPrefix(data, "{base}/collections/")
			if !ok {
				t.Errorf("%s.json: source %s: want vector tiles or GeoJSON items under {base}/, got %+v", id, name, src)
			}
		}
		seen := map[string]bool{}
		for _, l := range st.Layers {
			if l.SourceLayer == "" {
				continue
			}
			if _, ok := layers[l.SourceLayer]; !ok {
				t.Errorf("%s.json: layer %s draws %q, not a tile layer", id, l.ID, l.SourceLayer)
			}
			if _, ok := st.Sources[l.Source]; !ok {
				t.Errorf("%s.json: layer %s: no source %q", id, l.ID, l.Source)
			}
			seen[l.SourceLayer] = true
		}
		if id != "territoire" && !seen[id] {
			t.Errorf("%s.json does not draw the %s layer", id, id)
		}
		if id == "territoire" && len(seen) != len(layers) {
			t.Errorf("territoire.json draws %v, want every tile layer", seen)
		}
	}
	for _, id := range ids {
		b, err := os.ReadFile(filepath.Join(dir, id+".qml"))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			XMLName    xml.Name `xml:"qgis"`
			Categories string   `xml:"styleCategories,attr"`
			Renderer   struct {
				Type   string `xml:"type,attr"`
				Styles []struct {
					Layer      string `xml:"layer,attr"`
					Geometry   string `xml:"geometry,attr"`
					Expression string `xml:"expression,attr"`
					Symbols    []struct {
						Type string `xml:"type,attr"`
					} `xml:"symbols>symbol"`
				} `xml:"styles>style"`
			} `xml:"renderer"`
			Labeling struct {
				Type string `xml:"type,attr"`
			} `xml:"labeling"`
		}
		if err := xml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s.qml: %v", id, err)
		}
		if doc.Renderer.Type != "basic" || doc.Labeling.Type != "basic" || doc.Categories != "Symbology|Labeling" || len(doc.Renderer.Styles) == 0 {
			t.Errorf("%s.qml: want a basic vector tile renderer and labeling, got %+v", id, doc)
		}
		for _, s := range doc.Renderer.Styles {
			if _, ok := layers[s.Layer]; !ok || len(s.Symbols) != 1 || s.Geometry == "" {
				t.Errorf("%s.qml: style on %q: want a tile layer and one symbol", id, s.Layer)
			}
		}
	}
}

// TestStylesGenerated checks that styles/ is what styles/generate.mjs writes.
func TestStylesGenerated(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("SKIPPED: no node to run styles/generate.mjs --check")
	}
	cmd := exec.Command(node, filepath.Join(repoRoot(), "styles", "generate.mjs"), "--check")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("styles/generate.mjs --check: %v\n%s", err, out)
	}
}
