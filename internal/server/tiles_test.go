package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
)

// xyz returns the WebMercatorQuad tile holding lon, lat at zoom z.
func xyz(lon, lat float64, z int) (x, y int) {
	n := math.Exp2(float64(z))
	x = int((lon + 180) / 360 * n)
	r := lat * math.Pi / 180
	y = int((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * n)
	return
}

func decodeTile(t *testing.T, body []byte) map[string]*mvt.Layer {
	t.Helper()
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		t.Fatalf("not a vector tile: %v", err)
	}
	out := map[string]*mvt.Layer{}
	for _, l := range layers {
		out[l.Name] = l
	}
	return out
}

func tileGet(t *testing.T, srvURL, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", srvURL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestDatasetTiles checks what a dataset tile holds at each scale, against
// the features API over the same area.
func TestDatasetTiles(t *testing.T) {
	b := base(t)
	// Labège, where roads, parcels and addresses are dense.
	x, y := xyz(1.512, 43.535, 14)
	resp, body := tileGet(t, b, fmt.Sprintf("/tiles/WebMercatorQuad/14/%d/%d?f=mvt", y, x))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != server.MediaMVT {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header)
	}
	layers := decodeTile(t, body)
	for _, want := range []string{"communes", "roads", "land_cover"} {
		if layers[want] == nil || len(layers[want].Features) == 0 {
			t.Errorf("z14 tile lacks %s (layers %v)", want, keys(layers))
		}
	}
	if layers["addresses"] != nil {
		t.Errorf("addresses must not show at z14")
	}
	// Only the attributes a map needs.
	for _, f := range layers["roads"].Features {
		for k := range f.Properties {
			if !slices.Contains([]string{"name", "road_class", "condition", "width", "id"}, k) {
				t.Fatalf("road attribute %s in the tile", k)
			}
		}
		if f.ID == nil {
			t.Fatal("road without id")
		}
	}
	// Every road the features API finds inside the tile is in the tile.
	layers["roads"].ProjectToWGS84(mvtTile(14, x, y))
	inTile := map[string]bool{}
	for _, f := range layers["roads"].Features {
		inTile[fmt.Sprint(f.ID)] = true
	}
	w, s, e, n := tileLonLat(14, x, y)
	fc := items(t, fmt.Sprintf("/collections/roads/items?limit=10000&properties=&bbox=%f,%f,%f,%f", w+0.0005, s+0.0005, e-0.0005, n-0.0005))
	if len(fc.Features) == 0 {
		t.Fatal("no roads in the test tile")
	}
	for _, f := range fc.Features {
		if !inTile[string(f.ID)] {
			t.Errorf("road %s is inside the tile but not in it", f.ID)
		}
	}
	// At z16, addresses appear, each with its number.
	var addr pointFeature
	_, raw := get(t, "/collections/addresses/items/100")
	if err := json.Unmarshal(raw, &addr); err != nil {
		t.Fatal(err)
	}
	x, y = xyz(addr.Geometry.Coordinates[0], addr.Geometry.Coordinates[1], 16)
	_, body = tileGet(t, b, fmt.Sprintf("/tiles/WebMercatorQuad/16/%d/%d", y, x))
	l := decodeTile(t, body)["addresses"]
	if l == nil || len(l.Features) == 0 || l.Features[0].Properties["numero"] == nil {
		t.Fatalf("z16 tile lacks addresses with numbers")
	}
	// Each address sits where the features API puts it, to the tile's
	// precision (a 4096th of a 600 m tile: 15 cm).
	l.ProjectToWGS84(mvtTile(16, x, y))
	checked := 0
	for _, f := range l.Features {
		var want pointFeature
		_, raw := get(t, fmt.Sprintf("/collections/addresses/items/%v", f.ID))
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		p := f.Geometry.(orb.Point)
		if math.Abs(p[0]-want.Geometry.Coordinates[0]) > 3e-6 || math.Abs(p[1]-want.Geometry.Coordinates[1]) > 3e-6 {
			t.Errorf("address %v at %v in the tile, %v in the API", f.ID, p, want.Geometry.Coordinates)
		}
		if checked++; checked == 20 {
			break
		}
	}
	// At z8 only communes.
	x, y = xyz(1.512, 43.535, 8)
	_, body = tileGet(t, b, fmt.Sprintf("/tiles/WebMercatorQuad/8/%d/%d", y, x))
	if ls := decodeTile(t, body); len(ls) != 1 || ls["communes"] == nil {
		t.Errorf("z8 tile has layers %v, want communes only", keys(ls))
	}
	// A collection tile has its layer only.
	x, y = xyz(1.512, 43.535, 14)
	_, body = tileGet(t, b, fmt.Sprintf("/collections/roads/tiles/WebMercatorQuad/14/%d/%d", y, x))
	if ls := decodeTile(t, body); len(ls) != 1 || ls["roads"] == nil {
		t.Errorf("roads tile has layers %v", keys(ls))
	}
	// Far from the territory: an empty tile, cheaply.
	resp, body = tileGet(t, b, "/tiles/WebMercatorQuad/14/0/0")
	if resp.StatusCode != 200 || len(body) != 0 {
		t.Errorf("empty tile: %d, %d bytes", resp.StatusCode, len(body))
	}
}

func keys(m map[string]*mvt.Layer) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func mvtTile(z, x, y int) maptile.Tile { return maptile.New(uint32(x), uint32(y), maptile.Zoom(z)) }

func tileLonLat(z, x, y int) (w, s, e, n float64) {
	nn := math.Exp2(float64(z))
	lon := func(x float64) float64 { return x/nn*360 - 180 }
	lat := func(y float64) float64 { return math.Atan(math.Sinh(math.Pi*(1-2*y/nn))) * 180 / math.Pi }
	return lon(float64(x)), lat(float64(y + 1)), lon(float64(x + 1)), lat(float64(y))
}

// TestLAEATiles serves the INSPIRE grid: a tile over the territory, found
// through PostGIS's own transformation (its committed answer under the
// embedded store), holds its features.
func TestLAEATiles(t *testing.T) {
	b := base(t)
	x, y := newCRSOracle(t).transform(1.512, 43.535, 3035)
	const z = 10
	size := 17578.125 / math.Exp2(z) * 256
	col := int((x - 2000000) / size)
	row := int((5500000 - y) / size)
	resp, body := tileGet(t, b, fmt.Sprintf("/tiles/EuropeanETRS89_LAEAQuad/%d/%d/%d", z, row, col))
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if ls := decodeTile(t, body); ls["roads"] == nil || len(ls["roads"].Features) == 0 {
		t.Errorf("LAEA tile %d/%d/%d has layers %v", z, row, col, keys(ls))
	}
}

func TestTileErrorsAndRevalidation(t *testing.T) {
	b := base(t)
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/tiles/WebMercatorQuad/x/0/0", 400},
		{"/tiles/WebMercatorQuad/1/0/0.5", 400},
		{"/tiles/WebMercatorQuad/25/0/0", 404},
		{"/tiles/WebMercatorQuad/2/4/0", 404},
		{"/tiles/WebMercatorQuad/2/0/-1", 404},
		{"/tiles/NoSuchGrid/1/0/0", 404},
		{"/collections/nope/tiles/WebMercatorQuad/1/0/0", 404},
		{"/tiles/WebMercatorQuad/1/0/0?f=png", 406},
		{"/tiles/WebMercatorQuad/1/0/0?zoom=3", 400},
		{"/tiles/EuropeanETRS89_LAEAQuad?f=tilejson", 400},
	} {
		resp, body := tileGet(t, b, tc.path)
		if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s, want %d", tc.path, resp.StatusCode, body, tc.status)
		}
	}
	x, y := xyz(1.512, 43.535, 13)
	path := fmt.Sprintf("/tiles/WebMercatorQuad/13/%d/%d", y, x)
	resp, body := tileGet(t, b, path)
	etag := resp.Header.Get("ETag")
	if etag == "" || resp.Header.Get("Cache-Control") != "no-cache" || len(body) == 0 {
		t.Fatalf("tile headers: %v", resp.Header)
	}
	resp, body = tileGet(t, b, path, "If-None-Match", etag)
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 || resp.Header.Get("X-Cache") != "hit" {
		t.Errorf("revalidation: %d, %d bytes, %s", resp.StatusCode, len(body), resp.Header.Get("X-Cache"))
	}

	// A tile at a scale its layer is not drawn at (addresses: from 3.5 m a
	// pixel) is the one empty tile, not rendered (a "hit" the first time),
	// with the ETag of no bytes, and revalidates as any other.
	x, y = xyz(1.512, 43.535, 12)
	path = fmt.Sprintf("/collections/addresses/tiles/WebMercatorQuad/12/%d/%d", y, x)
	resp, body = tileGet(t, b, path)
	sum := sha256.Sum256(nil)
	empty := `"` + hex.EncodeToString(sum[:12]) + `"`
	if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("X-Cache") != "hit" || resp.Header.Get("ETag") != empty ||
		resp.Header.Get("Content-Length") != "0" || resp.Header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
		t.Errorf("a tile nothing is drawn in: %d, %d bytes, %v", resp.StatusCode, len(body), resp.Header)
	}
	if resp, _ = tileGet(t, b, path, "If-None-Match", empty); resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidating the empty tile: %d", resp.StatusCode)
	}
}

func TestTileJSONAndTilesets(t *testing.T) {
	resp, body := get(t, "/tiles/WebMercatorQuad?f=tilejson")
	var tj struct {
		TileJSON     string    `json:"tilejson"`
		Tiles        []string  `json:"tiles"`
		Bounds       []float64 `json:"bounds"`
		MinZoom      int       `json:"minzoom"`
		MaxZoom      int       `json:"maxzoom"`
		VectorLayers []struct {
			ID      string
			Fields  map[string]string
			MinZoom int
		} `json:"vector_layers"`
	}
	if err := json.Unmarshal(body, &tj); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if tj.TileJSON != "3.0.0" || len(tj.Tiles) != 1 || tj.Tiles[0] != goldenBase+"/tiles/WebMercatorQuad/{z}/{y}/{x}?f=mvt" || len(tj.VectorLayers) != 5 {
		t.Errorf("TileJSON: %s", body)
	}
	if tj.Bounds[0] < 1.3 || tj.Bounds[2] > 1.8 || tj.Bounds[1] < 43.3 || tj.Bounds[3] > 43.7 {
		t.Errorf("TileJSON bounds %v are not the territory's", tj.Bounds)
	}
	for _, l := range tj.VectorLayers {
		if l.ID == "addresses" && (l.MinZoom != 15 || l.Fields["numero"] != "Number") {
			t.Errorf("addresses layer: %+v", l)
		}
	}
	for _, p := range []string{"/tiles", "/tiles/EuropeanETRS89_LAEAQuad", "/collections/roads/tiles", "/tileMatrixSets", "/tileMatrixSets/EuropeanETRS89_LAEAQuad"} {
		if resp, body := get(t, p); resp.StatusCode != 200 || !json.Valid(body) {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
}

// TestTileCacheFollowsChanges changes a road through one store and checks
// that two servers (two "instances" on the same database, each with its own
// cache and listener) drop exactly the tiles it touched.
func TestTileCacheFollowsChanges(t *testing.T) {
	base(t)
	postgisOnly(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	catalog := socle.DefaultCatalog()
	newInstance := func() string {
		st, err := postgis.Open(ctx, env.dbURL, catalog, postgis.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		srv := server.New(st, catalog, quiet, server.Options{})
		ready := make(chan struct{}, 8)
		go st.ListenChanges(ctx, quiet, srv.Invalidate, func() { srv.FlushCaches(); ready <- struct{}{} })
		<-ready
		hs := httptest.NewServer(srv.Handler())
		t.Cleanup(hs.Close)
		return hs.URL
	}
	a, b := newInstance(), newInstance()
	// A road of the test tile, and a tile far from it.
	x, y := xyz(1.512, 43.535, 15)
	near := fmt.Sprintf("/collections/roads/tiles/WebMercatorQuad/15/%d/%d", y, x)
	fx, fy := xyz(1.68, 43.42, 15)
	far := fmt.Sprintf("/collections/roads/tiles/WebMercatorQuad/15/%d/%d", fy, fx)
	_, body := tileGet(t, a, near)
	roads := decodeTile(t, body)["roads"]
	if roads == nil || len(roads.Features) == 0 {
		t.Fatal("no road in the test tile")
	}
	for _, srv := range []string{a, b} {
		for _, p := range []string{near, far} {
			tileGet(t, srv, p)
			if resp, _ := tileGet(t, srv, p); resp.Header.Get("X-Cache") != "hit" {
				t.Fatalf("%s%s not cached", srv, p)
			}
		}
	}
	// Rename the first road of the tile through a third store (as a
	// command-line import would).
	id := fmt.Sprint(roads.Features[0].ID)
	c, _ := catalog.Collection("roads")
	_, raw := get(t, "/collections/roads/items/"+id+"?crs=http://www.opengis.net/def/crs/EPSG/0/2154")
	original := rowOf(t, c, raw, nil)
	renamed := rowOf(t, c, raw, map[string]any{"name": "Rue renommée par le test"})
	st, err := postgis.Open(ctx, env.dbURL, catalog, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	defer func() { // the other tests share this territory
		_, _ = st.Import(context.Background(), socle.Batch{ID: socle.NewBatchID("test", time.Now()), Kind: "test"}, c,
			socle.RowsOf([]socle.Row{original}, nil))
	}()
	res, err := st.Import(ctx, socle.Batch{ID: socle.NewBatchID("test", time.Now()), Kind: "test"}, c,
		socle.RowsOf([]socle.Row{renamed}, nil))
	if err != nil || res.Updated != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	for _, srv := range []string{a, b} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			resp, body := tileGet(t, srv, near)
			if resp.Header.Get("X-Cache") == "miss" {
				found := false
				for _, f := range decodeTile(t, body)["roads"].Features {
					found = found || f.Properties["name"] == "Rue renommée par le test"
				}
				if !found {
					t.Errorf("%s: the new tile lacks the renamed road", srv)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still serves the cached tile after the change", srv)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if resp, _ := tileGet(t, srv, far); resp.Header.Get("X-Cache") != "hit" {
			t.Errorf("%s: a tile far from the change was dropped", srv)
		}
	}
}

// TestGDALReadsTiles opens a dataset tile with GDAL's MVT driver, as a
// desktop client would from the XYZ template.
func TestGDALReadsTiles(t *testing.T) {
	url, _ := liveServer(t)
	x, y := xyz(1.512, 43.535, 14)
	tileURL := fmt.Sprintf("%s/tiles/WebMercatorQuad/14/%d/%d?f=mvt", url, y, x)
	out := gdal(t, "ogrinfo", "-ro", "-so", "MVT:"+tileURL)
	for _, layer := range []string{"roads (Line String)", "land_cover (Polygon)", "communes (Polygon)"} {
		if !strings.Contains(out, layer) {
			t.Errorf("GDAL does not see %s in the tile:\n%s", layer, out)
		}
	}
	_, body := tileGet(t, url, fmt.Sprintf("/tiles/WebMercatorQuad/14/%d/%d", y, x))
	want := len(decodeTile(t, body)["roads"].Features)
	info := gdal(t, "ogrinfo", "-ro", "-so", "MVT:"+tileURL, "roads")
	if !strings.Contains(info, fmt.Sprintf("Feature Count: %d", want)) {
		t.Errorf("GDAL counts other roads than the %d in the tile:\n%s", want, info)
	}
}
