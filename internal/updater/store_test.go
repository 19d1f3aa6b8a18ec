package updater_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/socle-geo/socle/fixtures"
	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/roadreport"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/internal/testdb"
	"github.com/socle-geo/socle/internal/updater"
	"github.com/socle-geo/socle/internal/updater/synth"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// store is what the tests need of either store.
type store interface {
	updater.Store
	importer.Writer
	socle.FeatureReader
}

// stores opens each store, loaded with the sample territory.
func stores(t *testing.T) map[string]store {
	t.Helper()
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	out := map[string]store{}
	e, err := embedded.Open(ctx, filepath.Join(t.TempDir(), "t.gpkg"), cat)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	out["embedded"] = e
	if testdb.AdminURL(t) != "" {
		p, err := postgis.Open(ctx, testdb.New(t), cat, postgis.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		if err := p.Migrate(ctx, quiet); err != nil {
			t.Fatal(err)
		}
		out["postgis"] = p
	}
	for name, s := range out {
		im := &importer.Importer{Store: s, Catalog: cat, Log: quiet, Actor: "test"}
		if _, err := im.ImportFixturesFS(ctx, fixtures.FS); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return out
}

func newUpdater(s updater.Store) *updater.Updater {
	p, _ := roadreport.NewPseudonymizer([]byte("a test key of enough length"))
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	return &updater.Updater{Store: s, Catalog: socle.DefaultCatalog(), Actor: "test", Pseudonyms: p, Now: func() time.Time { now = now.Add(time.Second); return now }}
}

// feature returns one feature's properties.
func feature(t *testing.T, s store, collection string, id int64) map[string]any {
	t.Helper()
	c, _ := socle.DefaultCatalog().Collection(collection)
	f, err := s.Feature(context.Background(), storetest.Feature(t, c, strconv.FormatInt(id, 10)))
	if err != nil {
		t.Fatal(err)
	}
	var props map[string]any
	if err := json.Unmarshal(f.Properties, &props); err != nil {
		t.Fatal(err)
	}
	return props
}

func TestUpdaterOnBothStores(t *testing.T) {
	ctx := context.Background()
	addrs, roads := territory(t)
	fibreFile, truth, err := synth.FibreFile(addrs, synth.FibreConfig{Seed: 7, Rows: 400, Fake: 0.05, Duplicates: 0.02, Windows1252: true})
	if err != nil {
		t.Fatal(err)
	}
	fibreFile2, _, err := synth.FibreFile(addrs, synth.FibreConfig{Seed: 9, Rows: 400})
	if err != nil {
		t.Fatal(err)
	}
	reportFile, _, err := synth.ReportFile(roads, synth.ReportConfig{Seed: 8, Rows: 3000, OffRoad: 0.03, Junction: 0.2, Invalid: 0.01, NoHeading: 0.2,
		Start: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), MaxDistance: 20, MaxHeadingDelta: 40})
	if err != nil {
		t.Fatal(err)
	}
	var aTrue int64
	for _, id := range truth {
		if id != 0 {
			aTrue = id
			break
		}
	}
	results := map[string][]any{}
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			u := newUpdater(s)
			addrC, _ := socle.DefaultCatalog().Collection("addresses")
			before, _ := s.Summary(ctx, addrC)

			dry, err := u.Fibre(ctx, "fibre.csv", fibreFile, true)
			if err != nil {
				t.Fatal(err)
			}
			if dry.Batch != "" || dry.FeaturesToSet == 0 || dry.Unmatched == 0 {
				t.Fatalf("dry run report %+v", dry)
			}
			if after, _ := s.Summary(ctx, addrC); after.Version != before.Version || feature(t, s, "addresses", aTrue)["fibre_status"] != nil {
				t.Fatal("the dry run wrote")
			}

			// Query by status before the batch, so that an index built on
			// the old snapshot would show if it outlived it.
			for _, st := range []string{"deploye", "en cours de deploiement", "signe", "raccordable demande", "cible", "abandonne"} {
				n := 0
				if _, err := s.Items(ctx, storetest.Items(t, addrC, socle.ItemsRequest{Limit: 10,
					Equals: []socle.TextEquals{{Property: "fibre_status", Value: st}}}), func(*socle.Feature) error { n++; return nil }); err != nil || n != 0 {
					t.Fatalf("?fibre_status=%s before any batch: %d, %v", st, n, err)
				}
			}
			rep, err := u.Fibre(ctx, "fibre.csv", fibreFile, false)
			if err != nil {
				t.Fatal(err)
			}
			if rep.FeaturesChanged != dry.FeaturesToSet || rep.CandidatesAdded == 0 || rep.CandidatesAdded > rep.Unmatched+rep.Ambiguous {
				t.Fatalf("report %+v", rep)
			}
			got := feature(t, s, "addresses", aTrue)
			if got["fibre_status"] == nil || got["fibre_batch"] != rep.Batch || got["fibre_updated_at"] == nil {
				t.Fatalf("address %d after the batch: %v", aTrue, got)
			}
			// The filter ?fibre_status=… sees the batch (the embedded store's
			// equality index follows the new snapshot).
			found := false
			if _, err := s.Items(ctx, storetest.Items(t, addrC, socle.ItemsRequest{Limit: 10000,
				Equals: []socle.TextEquals{{Property: "fibre_status", Value: got["fibre_status"].(string)}}}), func(f *socle.Feature) error {
				found = found || string(f.ID) == strconv.FormatInt(aTrue, 10)
				return nil
			}); err != nil || !found {
				t.Errorf("?fibre_status=%v misses address %d (%v)", got["fibre_status"], aTrue, err)
			}
			if after, _ := s.Summary(ctx, addrC); after.Version != before.Version+1 || after.LastBatch != rep.Batch {
				t.Errorf("summary after the batch: %+v (before %+v)", after, before)
			}

			again, err := u.Fibre(ctx, "fibre.csv", fibreFile, false)
			if err != nil {
				t.Fatal(err)
			}
			if again.FeaturesChanged != 0 || again.CandidatesAdded != 0 {
				t.Errorf("the same file twice changed %d features, added %d candidates", again.FeaturesChanged, again.CandidatesAdded)
			}

			roadRep, err := u.RoadReports(ctx, "reports.csv", reportFile, false)
			if err != nil {
				t.Fatal(err)
			}
			if roadRep.FeaturesChanged == 0 || roadRep.ReportsAdded == 0 || roadRep.Rejected == 0 || roadRep.Unmatched == 0 {
				t.Fatalf("road report %+v", roadRep)
			}
			roadAgain, err := u.RoadReports(ctx, "reports.csv", reportFile, false)
			if err != nil {
				t.Fatal(err)
			}
			if roadAgain.FeaturesChanged != 0 || roadAgain.ReportsAdded != 0 {
				t.Errorf("the same reports twice: %+v", roadAgain.UpdateResult)
			}

			// A later file that changes data: the earlier batch cannot be
			// reverted under it.
			later, err := u.Fibre(ctx, "fibre2.csv", fibreFile2, false)
			if err != nil {
				t.Fatal(err)
			}
			if later.FeaturesChanged == 0 {
				t.Fatalf("second file changed nothing: %+v", later)
			}
			if _, err := u.Revert(ctx, rep.Batch); socle.ErrorCode(err) != socle.ECONFLICT {
				t.Fatalf("reverting a batch under a later one of the same kind: %v", err)
			}
			if _, err := u.Revert(ctx, later.Batch); err != nil {
				t.Fatal(err)
			}
			if _, err := u.Revert(ctx, again.Batch); err != nil {
				t.Fatal(err)
			}
			rv, err := u.Revert(ctx, rep.Batch)
			if err != nil {
				t.Fatal(err)
			}
			if rv.Restored != rep.FeaturesChanged || rv.Removed != rep.CandidatesAdded || rv.Collections["address_candidates"] != rep.CandidatesAdded {
				t.Errorf("revert %+v of %+v", rv, rep.UpdateResult)
			}
			if got := feature(t, s, "addresses", aTrue); got["fibre_status"] != nil || got["fibre_batch"] != nil {
				t.Errorf("address %d after the revert: %v", aTrue, got)
			}
			if _, err := u.Revert(ctx, rep.Batch); socle.ErrorCode(err) != socle.ECONFLICT {
				t.Errorf("second revert: %v", err)
			}
			if _, err := u.Revert(ctx, "no-such-batch"); socle.ErrorCode(err) != socle.ENOTFOUND {
				t.Errorf("unknown batch: %v", err)
			}
			// After the revert, the file applies again in full.
			re, err := u.Fibre(ctx, "fibre.csv", fibreFile, false)
			if err != nil {
				t.Fatal(err)
			}
			if re.FeaturesChanged != rep.FeaturesChanged || re.CandidatesAdded != rep.CandidatesAdded {
				t.Errorf("re-applied after revert: %+v, first %+v", re.UpdateResult, rep.UpdateResult)
			}
			if _, err := u.Revert(ctx, roadAgain.Batch); err != nil {
				t.Fatal(err)
			}
			rr, err := u.Revert(ctx, roadRep.Batch)
			if err != nil {
				t.Fatal(err)
			}
			if rr.Restored != roadRep.FeaturesChanged || rr.Removed != roadRep.ReportsAdded {
				t.Errorf("road revert %+v of %+v", rr, roadRep.UpdateResult)
			}
			results[name] = []any{dry.FeaturesToSet, rep.FeaturesChanged, rep.CandidatesAdded, rep.Matched, roadRep.FeaturesChanged, roadRep.ReportsAdded, roadRep.Matched, rr.Restored}
		})
	}
	if e, p := results["embedded"], results["postgis"]; p != nil && e != nil {
		ej, _ := json.Marshal(e)
		pj, _ := json.Marshal(p)
		if string(ej) != string(pj) {
			t.Errorf("the stores differ:\nembedded %s\npostgis  %s", ej, pj)
		}
	}
}

// TestPurgeKeepsPendingDeposits: purging the stored files past their
// retention spares the file of a deposit not processed yet, on both stores.
func TestPurgeKeepsPendingDeposits(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			st := s.(interface {
				PurgeUpdateInputs(context.Context, time.Time) (int, error)
				CreateIngestJob(context.Context, socle.IngestJob, []byte) error
				IngestJobData(context.Context, string) ([]byte, error)
			})
			if err := s.SaveUpdateInput(ctx, socle.UpdateInput{SHA256: "done-" + name, Kind: "road-reports", Data: []byte("time,lon,lat,vehicle_id\n")}); err != nil {
				t.Fatal(err)
			}
			job := socle.IngestJob{ID: "job-" + name, Kind: "road-reports", SHA256: "pending-" + name, Size: 3, Created: time.Now()}
			if err := st.CreateIngestJob(ctx, job, []byte("abc")); err != nil {
				t.Fatal(err)
			}
			n, err := st.PurgeUpdateInputs(ctx, time.Now().Add(time.Hour))
			if err != nil || n != 1 {
				t.Fatalf("purged %d (%v), want the processed file only", n, err)
			}
			if b, err := st.IngestJobData(ctx, job.ID); err != nil || string(b) != "abc" {
				t.Errorf("the pending deposit's file: %q %v", b, err)
			}
		})
	}
}
