package transfer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb/encoding/wkb"
	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/internal/transfer"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// dump returns every feature of every collection as the store writes it,
// in CRS84 as clients see it and in Lambert-93 at full precision.
func dump(t *testing.T, s socle.FeatureReader, cat *socle.Catalog) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, c := range cat.Collections {
		_, err := s.Items(context.Background(), storetest.Items(t, c, socle.ItemsRequest{Limit: 100000}), func(f *socle.Feature) error {
			out[c.ID] = append(out[c.ID], string(f.ID)+" "+string(f.Geometry)+" "+string(f.Properties))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		q := socle.AllItems(c, 100000)
		_, err = s.Records(context.Background(), q, func(r *socle.Record) error {
			row, err := transfer.ToRow(q, r)
			if err != nil {
				return err
			}
			g, err := wkb.Marshal(row.Geometry)
			props, _ := json.Marshal(row.Properties)
			out[c.ID] = append(out[c.ID], fmt.Sprintf("%v %x %s", row.ID, g, props))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func same(t *testing.T, what string, a, b map[string][]string) {
	t.Helper()
	for id, fa := range a {
		fb := b[id]
		if len(fa) != len(fb) {
			t.Errorf("%s: %s has %d features, not %d", what, id, len(fb), len(fa))
			continue
		}
		for i := range fa {
			if fa[i] != fb[i] {
				t.Errorf("%s: %s differs:\n  %s\n  %s", what, id, fa[i], fb[i])
				break
			}
		}
	}
}

// TestRoundTrip copies the sample territory, with derived values set as the
// updater sets them, from a GeoPackage to PostGIS and back to a new
// GeoPackage: every feature reads the same, byte for byte, at full
// precision; copying again changes nothing; GDAL reads the new file.
func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	dir := t.TempDir()
	a := fixtureStore(t, dir)
	// Derived values, as an update would leave them.
	addresses, _ := cat.Collection("addresses")
	rows, err := transfer.Read(ctx, a, addresses, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows[:50] {
		rows[i].Properties["fibre_status"] = "deploye"
		rows[i].Properties["fibre_operator"] = "FRTE"
	}
	res, err := a.Import(ctx, socle.Batch{ID: socle.NewBatchID("test", fixturesNow()), Kind: "test", WithDerived: true}, addresses, socle.RowsOf(rows[:50], nil))
	if err != nil || res.Updated != 50 {
		t.Fatalf("derived values not written: %+v %v", res, err)
	}
	// Candidates and reports, as the updater adds them.
	heading, road, dist := 90.0, int64(1), 2.5
	n := 12
	if _, err := a.ApplyUpdate(ctx, &socle.Update{Batch: socle.Batch{ID: "update-fibre-1", Kind: "update-fibre", Actor: "test"}, Collection: "addresses",
		Candidates: []socle.AddressCandidate{
			{Key: "c1", Line: 2, ImbID: "IMB/1", Numero: &n, VoieNom: "Rue Neuve", CommuneInsee: "31254", Reason: "no such street", X: 580100.25, Y: 6274200.5, CreatedAt: fixturesNow()},
			{Key: "c2", Line: 3, ImbID: "IMB/2", Reason: "ambiguous", X: 580200, Y: 6274300, CreatedAt: fixturesNow()},
		}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ApplyUpdate(ctx, &socle.Update{Batch: socle.Batch{ID: "update-road-reports-1", Kind: "update-road-reports", Actor: "test"}, Collection: "roads",
		Reports: []socle.RoadReport{
			{Key: "r1", Line: 2, Time: fixturesNow(), Vehicle: "pseudo-1", Heading: &heading, Condition: 2, RoadID: &road, Distance: &dist, X: 580000.5, Y: 6274000},
			{Key: "r2", Line: 3, Time: fixturesNow(), Vehicle: "pseudo-2", Condition: 0, Reason: "too far", X: 581000, Y: 6275000},
		}}); err != nil {
		t.Fatal(err)
	}
	want := dump(t, a, cat)
	if len(want["address_candidates"]) != 4 || len(want["road_reports"]) != 4 { // two readings each
		t.Fatalf("updater rows not served: %d candidates, %d reports", len(want["address_candidates"]), len(want["road_reports"]))
	}
	if !strings.Contains(strings.Join(want["addresses"], "\n"), `"fibre_status":"deploye"`) {
		t.Fatal("the derived values are not served")
	}

	pg := migratedPostGIS(t, cat)
	results, err := transfer.Copy(ctx, a, pg, cat, transfer.Options{Source: "a.gpkg"})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(cat.Collections) || results[0].Collection != "communes" {
		t.Fatalf("copy order: %+v", results)
	}
	same(t, "GeoPackage → PostGIS", want, dump(t, pg, cat))

	again, err := transfer.Copy(ctx, a, pg, cat, transfer.Options{Source: "a.gpkg"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range again {
		if r.Inserted+r.Updated != 0 {
			t.Errorf("copying twice changed %s: %+v", r.Collection, r.ImportResult)
		}
	}

	path := filepath.Join(dir, "offline.gpkg")
	if _, err := transfer.WriteGeoPackage(ctx, pg, cat, path, transfer.Options{Source: "postgis"}); err != nil {
		t.Fatal(err)
	}
	c, err := embedded.Open(ctx, path, cat)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	same(t, "PostGIS → GeoPackage", want, dump(t, c, cat))

	if _, err := exec.LookPath("ogrinfo"); err == nil {
		out, err := exec.Command("ogrinfo", "-ro", "-so", "-al", path).CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo: %v\n%s", err, out)
		}
		for _, c := range cat.Collections {
			if !bytes.Contains(out, []byte("Layer name: "+c.ID)) {
				t.Errorf("ogrinfo does not see %s", c.ID)
			}
		}
	}
}

// TestSubsetAndUnknown writes one collection, and refuses an unknown one
// without leaving a file.
func TestSubsetAndUnknown(t *testing.T) {
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	dir := t.TempDir()
	a := fixtureStore(t, dir)
	path := filepath.Join(dir, "roads.gpkg")
	res, err := transfer.WriteGeoPackage(ctx, a, cat, path, transfer.Options{Collections: []string{"roads"}})
	if err != nil || len(res) != 1 || res[0].Inserted != 1467 {
		t.Fatalf("%+v %v", res, err)
	}
	bad := filepath.Join(dir, "bad.gpkg")
	_, err = transfer.WriteGeoPackage(ctx, a, cat, bad, transfer.Options{Collections: []string{"rivers"}})
	if socle.ErrorCode(err) != socle.ENOTFOUND {
		t.Fatalf("unknown collection: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*bad*")); len(m) != 0 {
		t.Errorf("a failed copy left %v", m)
	}
}

func fixturesNow() time.Time { return time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC) }
