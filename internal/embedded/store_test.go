package embedded

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/internal/zan"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fixturesDir is the sample territory of the repository.
func fixturesDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "fixtures")
}

// openTemp opens a store on a new file of the test's temporary directory.
func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "socle.gpkg")
	s, err := Open(context.Background(), path, socle.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func loadFixtures(t testing.TB, w importer.Writer, dir string) []importer.Report {
	t.Helper()
	im := importer.Importer{Store: w, Catalog: socle.DefaultCatalog(), Log: quiet, Actor: "test"}
	reports, err := im.ImportFixtures(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return reports
}

// countFeatures counts the features of a GeoJSON file (one per line).
func countFeatures(t testing.TB, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"type":"Feature"`) {
			n++
		}
	}
	return n
}

func TestFixturesLoadAndReimportChangesNothing(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	reports := loadFixtures(t, s, fixturesDir())
	for _, r := range reports {
		want := countFeatures(t, filepath.Join(fixturesDir(), r.Collection+".geojson"))
		if r.Result.Inserted != want || r.Result.Rejected != 0 {
			t.Errorf("%s: %+v, want %d inserted", r.Collection, r.Result, want)
		}
		c, _ := cat.Collection(r.Collection)
		sum, err := s.Summary(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Count != int64(want) {
			t.Errorf("%s: count %d, want %d", r.Collection, sum.Count, want)
		}
		if sum.BBox == nil || sum.BBox.MinX < 1.3 || sum.BBox.MaxX > 1.8 || sum.BBox.MinY < 43.3 || sum.BBox.MaxY > 43.7 {
			t.Errorf("%s: bbox %+v is not around the Sicoval", r.Collection, sum.BBox)
		}
	}
	communes, _ := cat.Collection("communes")
	before, _ := s.Summary(ctx, communes)
	if before.Version != 2 { // its own import, then the indicators of land_cover
		t.Errorf("communes version %d after the fixtures, want 2", before.Version)
	}

	again := loadFixtures(t, s, fixturesDir())
	for _, r := range again {
		if r.Result.Inserted+r.Result.Updated != 0 || r.Result.Unchanged != r.Result.Read {
			t.Errorf("re-import of %s changed something: %+v", r.Collection, r.Result)
		}
	}
	after, _ := s.Summary(ctx, communes)
	if after.Version != before.Version {
		t.Errorf("re-import moved the communes version from %d to %d", before.Version, after.Version)
	}

	// Reopened, the file gives the same data.
	s.Close()
	s2, err := Open(ctx, path, cat)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	// The connections that read the file whole are gone, and their page
	// caches with them: the features are served from memory.
	if st := s2.db.Stats(); st.Idle != 0 || st.OpenConnections != 0 {
		t.Errorf("after Open: %d connections open, %d idle, want none", st.OpenConnections, st.Idle)
	}
	for _, c := range cat.Collections {
		a, _ := s.Summary(ctx, c)
		b, _ := s2.Summary(ctx, c)
		if a.Count != b.Count || a.Version != b.Version || (a.BBox == nil) != (b.BBox == nil) || (a.BBox != nil && *a.BBox != *b.BBox) {
			t.Errorf("%s: reopened summary %+v, want %+v", c.ID, b, a)
		}
	}
	var page socle.Page
	var first []byte
	page, err = s2.Items(ctx, storetest.Items(t, communes, socle.ItemsRequest{Limit: 1}), func(f *socle.Feature) error {
		first = append([]byte(nil), f.Properties...)
		return nil
	})
	if err != nil || page.NumberReturned != 1 {
		t.Fatal(page, err)
	}
	var props map[string]any
	if err := json.Unmarshal(first, &props); err != nil {
		t.Fatalf("%s: %v", first, err)
	}
	if props["artificialised_ha_2011_2021"] == nil || props["zan_budget_ha_2021_2031"] == nil {
		t.Errorf("indicators missing: %s", first)
	}
}

// TestGDALReadsTheGeoPackage checks the file with GDAL: the four layers with
// their feature counts, and the R-tree spatial index.
func TestGDALReadsTheGeoPackage(t *testing.T) {
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ogrinfo (GDAL) is not installed")
		}
		t.Skip("SKIPPED: ogrinfo (GDAL) is not installed")
	}
	s, path := openTemp(t)
	loadFixtures(t, s, fixturesDir())
	s.Close()

	out, err := exec.Command("ogrinfo", "-ro", "-so", "-al", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	text := string(out)
	if strings.Contains(text, "ERROR") || strings.Contains(text, "Warning") {
		t.Errorf("ogrinfo complains:\n%s", text)
	}
	counts := map[string]int{}
	layer := ""
	for _, line := range strings.Split(text, "\n") {
		if m := regexp.MustCompile(`^Layer name: (\S+)`).FindStringSubmatch(line); m != nil {
			layer = m[1]
		}
		if m := regexp.MustCompile(`^Feature Count: (\d+)`).FindStringSubmatch(line); m != nil {
			counts[layer], _ = strconv.Atoi(m[1])
		}
	}
	for _, id := range []string{"addresses", "roads", "land_cover", "communes"} {
		want := countFeatures(t, filepath.Join(fixturesDir(), id+".geojson"))
		if counts[id] != want {
			t.Errorf("ogrinfo: %s has %d features, want %d", id, counts[id], want)
		}
	}
	if !strings.Contains(text, "RGF93 v1 / Lambert-93") {
		t.Errorf("ogrinfo does not see Lambert-93:\n%s", text)
	}
	for _, id := range []string{"roads", "addresses", "land_cover", "communes"} {
		out, err := exec.Command("ogrinfo", path, "-sql", "SELECT HasSpatialIndex('"+id+"','geom')").CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo: %v\n%s", err, out)
		}
		if !regexp.MustCompile(`HasSpatialIndex\S* \(Integer\) = 1`).Match(out) {
			t.Errorf("%s has no spatial index according to GDAL:\n%s", id, out)
		}
	}
	// GDAL's own validation of the R-tree against the table.
	out, err = exec.Command("ogrinfo", "-ro", path, "-sql", "SELECT count(*) FROM rtree_roads_geom").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "= "+strconv.Itoa(counts["roads"])) {
		t.Errorf("rtree_roads_geom does not index every road:\n%s", out)
	}
	// GDAL's GeoPackage validator, when its Python bindings are installed.
	for _, script := range []string{"/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py", "/usr/share/doc/python3-gdal/examples/validate_gpkg.py"} {
		if _, err := os.Stat(script); err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "/usr/bin/python3", script, path).CombinedOutput()
		if err != nil {
			t.Errorf("validate_gpkg.py: %v\n%s", err, out)
		} else {
			t.Logf("validate_gpkg.py: %s", strings.TrimSpace(string(out)))
		}
		break
	}
}

// TestChangesFromAnotherProcess has a second store on the same file (as a
// command-line import beside a running server) write a collection: the
// first store's listener notices, serves the new data and announces it.
func TestChangesFromAnotherProcess(t *testing.T) {
	a, path := openTemp(t)
	loadFixtures(t, a, fixturesDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes := make(chan socle.Change, 16)
	go a.ListenChanges(ctx, quiet, func(c socle.Change) { changes <- c }, func() {})

	b, err := Open(ctx, path, socle.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	roads, _ := socle.DefaultCatalog().Collection("roads")
	rows := fixtureRows(t, roads)[:3]
	for i := range rows {
		rows[i] = withProps(t, rows[i], map[string]any{"name": "Route Renommée"})
	}
	res, err := b.Import(ctx, socle.Batch{ID: "elsewhere", Kind: "test"}, roads, socle.RowsOf(rows, nil))
	if err != nil || res.Updated != 3 {
		t.Fatal(res, err)
	}
	select {
	case c := <-changes:
		if c.Collection != "roads" || !c.All || c.Version != 2 {
			t.Errorf("change %+v, want roads v2, all", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no change announced")
	}
	page, err := a.Items(ctx, storetest.Items(t, roads, socle.ItemsRequest{Limit: 10,
		Equals: []socle.TextEquals{{Property: "name", Value: "Route Renommée"}}}), func(*socle.Feature) error { return nil })
	if err != nil || page.NumberMatched != 3 {
		t.Errorf("the first store serves %d renamed roads (%v), want 3", page.NumberMatched, err)
	}
	// And its own next import starts from the file's data.
	rows[0] = withProps(t, rows[0], map[string]any{"name": "Route Encore"})
	res, err = a.Import(ctx, socle.Batch{ID: "here", Kind: "test"}, roads, socle.RowsOf(rows, nil))
	if err != nil || res.Updated != 1 || res.Unchanged != 2 {
		t.Errorf("import after the other process's: %+v %v", res, err)
	}
}

// TestChangeLog runs the change-log suite on the embedded store.
func TestChangeLog(t *testing.T) {
	s, _ := openTemp(t)
	loadFixtures(t, s, fixturesDir())
	storetest.ChangeLog(t, s, socle.DefaultCatalog())
}

// TestChangeFeed runs the change-feed suite on the embedded store.
func TestChangeFeed(t *testing.T) {
	s, _ := openTemp(t)
	loadFixtures(t, s, fixturesDir())
	storetest.ChangeFeed(t, s, socle.DefaultCatalog())
}

// TestZAN runs the ZAN suite on the embedded store.
func TestZAN(t *testing.T) {
	s, _ := openTemp(t)
	storetest.ZAN(t, s, socle.DefaultCatalog())
}

// TestZANChanges runs the change-layer case of the ZAN suite on the
// embedded store.
func TestZANChanges(t *testing.T) {
	s, _ := openTemp(t)
	storetest.ZANChanges(t, s, socle.DefaultCatalog())
}

// TestZANIndicatorsOnly checks on the embedded store that a Cerema file's
// recomputation (indicators only) is a full recomputation's.
func TestZANIndicatorsOnly(t *testing.T) {
	s, _ := openTemp(t)
	storetest.ZANIndicatorsOnly(t, s, socle.DefaultCatalog())
}

// TestZANEPCIName: the EPCI's rows are named as SetEPCINames says.
func TestZANEPCIName(t *testing.T) {
	s, _ := openTemp(t)
	s.SetEPCINames(zan.EPCINames{"200000001": "Communauté de communes de l’Aval"})
	storetest.ZANEPCIName(t, s, socle.DefaultCatalog(), "Communauté de communes de l’Aval")
}
