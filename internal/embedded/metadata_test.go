package embedded

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/testdb"
)

// batchLister is what metadata asks of both stores.
type batchLister interface {
	Batches(ctx context.Context, collections []string, limit int) ([]socle.BatchRecord, error)
}

// TestBatchesAgree loads the sample territory into both stores, then the
// communes again, and checks that both list the same batches, newest
// first, with the same figures: the lineage of the metadata records does
// not depend on the store.
func TestBatchesAgree(t *testing.T) {
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	pg, err := postgis.Open(ctx, testdb.New(t), cat, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	if err := pg.Migrate(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	em, _ := openTemp(t)
	stores := map[string]batchLister{"postgis": pg, "embedded": em}
	for _, s := range stores {
		if b, err := s.Batches(ctx, []string{"addresses"}, 0); err != nil || len(b) != 0 {
			t.Fatalf("empty store: %v, %v", b, err)
		}
	}
	for _, s := range []importer.Writer{pg, em} {
		loadFixtures(t, s, fixturesDir())
		im := importer.Importer{Store: s, Catalog: cat, Log: quiet, Actor: "test"}
		if _, err := im.ImportLayer(ctx, "communes", filepath.Join(fixturesDir(), "communes.geojson")); err != nil {
			t.Fatal(err)
		}
	}

	type view struct {
		Kind, Collection, Source, SHA, Actor, Status string
		Finished                                     bool
		Counts                                       socle.ImportResult
	}
	got := map[string][]view{}
	for name, s := range stores {
		all, err := s.Batches(ctx, []string{"land_cover", "communes", "addresses"}, 0)
		if err != nil {
			t.Fatal(name, err)
		}
		if len(all) != 4 {
			t.Fatalf("%s: %d batches of three collections and a re-import, want 4", name, len(all))
		}
		for i, b := range all {
			if i > 0 {
				prev := all[i-1]
				if prev.FinishedAt.Before(*b.FinishedAt) {
					t.Errorf("%s: batch %s finished after %s but is listed later", name, b.ID, prev.ID)
				}
			}
			b.Counts.BatchID = ""
			got[name] = append(got[name], view{b.Kind, b.Collection, b.Source, b.FileSHA256, b.Actor, b.Status, b.FinishedAt != nil, b.Counts})
		}
		// The re-import, newest, changed nothing: its batch says so.
		if b := all[0]; b.Collection != "communes" || b.Kind != "import-layer" || b.Counts.Unchanged != 36 || b.Counts.Inserted+b.Counts.Updated != 0 || b.Status != "done" || b.FileSHA256 == "" {
			t.Errorf("%s: re-import batch %+v", name, b)
		}
		two, err := s.Batches(ctx, []string{"addresses"}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(two) != 1 || two[0].ID != all[indexOf(all, "addresses")].ID {
			t.Errorf("%s: limit 1 of addresses gave %+v", name, two)
		}
	}
	pv, ev := got["postgis"], got["embedded"]
	// The fixtures' batches may end within the same millisecond, where the
	// two stores' clocks order them differently: compare them as sets.
	if pv[0] != ev[0] {
		t.Errorf("newest batch: postgis %+v, embedded %+v", pv[0], ev[0])
	}
	seen := map[view]int{}
	for _, v := range pv[1:] {
		seen[v]++
	}
	for _, v := range ev[1:] {
		seen[v]--
	}
	for v, n := range seen {
		if n != 0 {
			t.Errorf("batch %+v listed by one store only", v)
		}
	}
}

func indexOf(bs []socle.BatchRecord, collection string) int {
	for i, b := range bs {
		if b.Collection == collection {
			return i
		}
	}
	return -1
}
