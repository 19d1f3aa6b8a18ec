package importer

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/internal/testdb"
)

func newImporter(t *testing.T) (*Importer, *postgis.Store) {
	t.Helper()
	ctx := context.Background()
	catalog := socle.DefaultCatalog()
	store, err := postgis.Open(ctx, testdb.New(t), catalog, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := store.Migrate(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	return &Importer{Store: store, Catalog: catalog, Log: quiet, Actor: "test"}, store
}

const balData = "../bal/testdata"

func TestImportBALTwiceChangesNothing(t *testing.T) {
	im, store := newImporter(t)
	ctx := context.Background()
	file := filepath.Join(balData, "adresses-54084-mont-bonvillers.bal13.csv")
	first, err := im.ImportBAL(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	if first.Result.Inserted != 486 || first.Result.Rejected != 0 {
		t.Fatalf("first import: %+v %v", first.Result, first.Rejects)
	}
	second, err := im.ImportBAL(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	if second.Result.Unchanged != 486 || second.Result.Inserted+second.Result.Updated != 0 {
		t.Fatalf("second import changed something: %+v", second.Result)
	}
	c, _ := im.Catalog.Collection("addresses")
	f, err := store.Feature(ctx, storetest.Feature(t, c, "1"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(f.Properties), `"cle_interop":"54084_0200_00001"`) {
		t.Errorf("first address: %s", f.Properties)
	}
	// Mont-Bonvillers is at about 5.83°E 49.32°N.
	if !strings.Contains(string(f.Geometry), "5.83") || !strings.Contains(string(f.Geometry), "49.32") {
		t.Errorf("first address geometry: %s", f.Geometry)
	}
}

func TestImportBALRejectsBadRowsWithReasons(t *testing.T) {
	im, _ := newImporter(t)
	ctx := context.Background()
	rep, err := im.ImportBAL(ctx, filepath.Join(balData, "fixtures-validateur-bal", "1.4_1.4-bad-id-ban-adresse.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Result.Rejected == 0 || len(rep.Rejects) != rep.Result.Rejected {
		t.Fatalf("no rejects: %+v", rep.Result)
	}
	for _, r := range rep.Rejects {
		if r.Line < 2 || r.Reason == "" || !strings.Contains(r.Column, "id_ban_adresse") {
			t.Errorf("reject without line, column or reason: %+v", r)
		}
	}
	// A file-level error loads nothing.
	_, err = im.ImportBAL(ctx, filepath.Join(balData, "fixtures-validateur-bal", "1.4_1.4-no-ids-ban-every.csv"))
	if socle.ErrorCode(err) != socle.EINVALID || !strings.Contains(err.Error(), "nothing was loaded") {
		t.Errorf("file-level error: %v", err)
	}
	// A file that is not a BAL at all.
	_, err = im.ImportBAL(ctx, filepath.Join(balData, "fixtures-validateur-bal", "junk.ascii.csv"))
	if socle.ErrorCode(err) != socle.EINVALID {
		t.Errorf("junk file: %v", err)
	}
}

func TestImportLayerRejectsBadFeatures(t *testing.T) {
	im, _ := newImporter(t)
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "communes.geojson")
	writeFile(t, path, `{"type":"FeatureCollection","features":[
 {"type":"Feature","id":"31254","geometry":{"type":"Polygon","coordinates":[[[1.5,43.5],[1.6,43.5],[1.6,43.6],[1.5,43.5]]]},"properties":{"nom":"Labège","epci_siren":"243100633","population":4000}},
 {"type":"Feature","id":"31003","geometry":{"type":"Polygon","coordinates":[[[1.5,43.5],[1.6,43.5],[1.6,43.6]]]},"properties":{"nom":"Aigrefeuille"}},
 {"type":"Feature","id":"31004","geometry":{"type":"Polygon","coordinates":[[[200,43.5],[1.6,43.5],[1.6,43.6],[200,43.5]]]},"properties":{"nom":"Ailleurs"}},
 {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1.5,43.5],[1.6,43.5],[1.6,43.6],[1.5,43.5]]]},"properties":{"nom":"Sans code"}},
 {"type":"Feature","id":"31005","geometry":{"type":"Polygon","coordinates":[[[1.5,43.5],[1.6,43.5],[1.6,43.6],[1.5,43.5]]]},"properties":{"population":"beaucoup","nom":"X"}},
 "not a feature"
]}`)
	rep, err := im.ImportLayer(ctx, "communes", path)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Result.Inserted != 1 || rep.Result.Rejected != 5 {
		t.Fatalf("%+v %+v", rep.Result, rep.Rejects)
	}
	wantReasons := []string{"closed", "longitude", "id", "population", "GeoJSON"}
	for i, r := range rep.Rejects {
		if r.Line != i+2 || !strings.Contains(r.Reason, wantReasons[i]) {
			t.Errorf("reject %d: %+v, want line %d and %q", i, r, i+2, wantReasons[i])
		}
	}
	for _, bad := range []string{`{"type":"Feature"}`, `[1,2]`, `{"type":"FeatureCollection"}`, `{"type":"FeatureCollection","features":[`, `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:2154x"}},"features":[]}`} {
		writeFile(t, path, bad)
		if _, err := im.ImportLayer(ctx, "communes", path); socle.ErrorCode(err) != socle.EINVALID {
			t.Errorf("%s: %v", bad, err)
		}
	}
	// A CRS PostGIS does not know is refused before anything is written.
	writeFile(t, path, `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::999999"}},"features":[
 {"type":"Feature","id":"31254","geometry":{"type":"Polygon","coordinates":[[[1.5,43.5],[1.6,43.5],[1.6,43.6],[1.5,43.5]]]},"properties":{"nom":"Labège"}}]}`)
	if _, err := im.ImportLayer(ctx, "communes", path); socle.ErrorCode(err) != socle.EINVALID || !strings.Contains(err.Error(), "999999") {
		t.Errorf("unknown CRS: %v", err)
	}
}
