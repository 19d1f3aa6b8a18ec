package transfer_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/internal/transfer"
)

// TestHistoryTravels: a territory copied GeoPackage → PostGIS → new
// GeoPackage keeps its batches, rejects, updater changes and reverts, the
// same on each store; copying again adds nothing; an updater batch made
// before the copy can be reverted after it.
func TestHistoryTravels(t *testing.T) {
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	dir := t.TempDir()
	a := fixtureStore(t, dir)
	// An updater batch: two addresses get a fibre status, one row rejected;
	// a second one, reverted.
	fibre := func(id, status string) *socle.Update {
		return &socle.Update{Batch: socle.Batch{ID: id, Kind: "update-fibre", Source: "immeubles.csv", Actor: "test"}, Collection: "addresses",
			Sets: []socle.FeatureSet{
				{ID: 10, Values: json.RawMessage(`{"fibre_status":"` + status + `","fibre_operator":"FI31","fibre_batch":"` + id + `"}`)},
				{ID: 11, Values: json.RawMessage(`{"fibre_status":"` + status + `","fibre_operator":"FI31","fibre_batch":"` + id + `"}`)},
			},
			Rejects: []socle.Reject{{Line: 4, Column: "x", Reason: "not a number", Raw: "abc;def"}},
			Report:  json.RawMessage(`{"rows_read":3}`)}
	}
	for _, u := range []*socle.Update{fibre("update-fibre-1", "deploye"), fibre("update-fibre-2", "cible")} {
		if _, err := a.ApplyUpdate(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Revert(ctx, "update-fibre-2", "test"); err != nil {
		t.Fatal(err)
	}
	want, err := a.ExportHistory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byBatch := map[string]int{}
	for _, c := range want.Changes {
		// The recomputations of the ZAN figures (derive batches) update the
		// communes too: not the updater's.
		if c.Op == socle.OpUpdate && !strings.HasPrefix(c.Batch, socle.KindDerive+"-") {
			byBatch[c.Batch]++
		}
	}
	if byBatch["update-fibre-1"] != 2 || byBatch["update-fibre-2"] != 2 || len(byBatch) != 3 || len(want.Reverts) != 1 || len(want.Rejects) != 2 {
		t.Fatalf("history of the source: updates by batch %v, %d reverts, %d rejects", byBatch, len(want.Reverts), len(want.Rejects))
	}

	pg := migratedPostGIS(t, cat)
	if _, err := transfer.Copy(ctx, a, pg, cat, transfer.Options{Source: "a.gpkg"}); err != nil {
		t.Fatal(err)
	}
	res, err := transfer.CopyHistory(ctx, a, pg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Batches != len(want.Batches) || res.Changes != len(want.Changes) || res.Reverts != 1 || res.Rejects != 2 {
		t.Errorf("history copied to PostGIS: %+v, want all of %d batches", res, len(want.Batches))
	}
	if again, err := transfer.CopyHistory(ctx, a, pg); err != nil || again != (socle.HistoryResult{}) {
		t.Errorf("history copied twice added %+v (%v)", again, err)
	}
	samePart(t, "PostGIS", want, history(t, pg))

	// Back to a new GeoPackage, with the history.
	back := &transfer.HistoryCopy{From: pg}
	if _, err := transfer.WriteGeoPackage(ctx, pg, cat, filepath.Join(dir, "b.gpkg"), transfer.Options{Source: "pg", History: back}); err != nil {
		t.Fatal(err)
	}
	b, err := embedded.Open(ctx, filepath.Join(dir, "b.gpkg"), cat)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	samePart(t, "new GeoPackage", want, history(t, b))

	// The copies' feeds start after the history they took, logged out of
	// order: a client loads the copy whole, then follows it.
	addresses, _ := cat.Collection("addresses")
	for name, st := range map[string]socle.ChangeFeed{"PostGIS": pg, "new GeoPackage": b} {
		q, _ := socle.ResolveChanges(addresses, socle.ChangesRequest{Limit: 10})
		if _, err := st.Changes(ctx, q, func(*socle.ChangeEntry) error { return nil }); socle.ErrorCode(err) != socle.EGONE {
			t.Errorf("%s: the feed from its start: %v", name, err)
		}
	}
	// The batch made before the copy reverts on the copy.
	if _, err := pg.Revert(ctx, "update-fibre-1", "test"); err != nil {
		t.Fatalf("revert after the copy: %v", err)
	}
	f, err := pg.Feature(ctx, storetest.Feature(t, addresses, "10"))
	if err != nil || strings.Contains(string(f.Properties), "deploye") {
		t.Errorf("address 10 after the revert on the copy: %s %v", f.Properties, err)
	}
}

func history(t *testing.T, s transfer.HistoryReader) *socle.History {
	t.Helper()
	h, err := s.ExportHistory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// samePart checks that got holds every record of want (got also holds the
// copy's own batches), counts compared as JSON values.
func samePart(t *testing.T, where string, want, got *socle.History) {
	t.Helper()
	batches := map[string]socle.HistoryBatch{}
	for _, b := range got.Batches {
		batches[b.ID] = b
	}
	for _, w := range want.Batches {
		g, ok := batches[w.ID]
		if !ok {
			t.Errorf("%s: batch %s missing", where, w.ID)
			continue
		}
		if !sameJSONValue(w.Counts, g.Counts) || !w.StartedAt.Equal(g.StartedAt) || (w.FinishedAt == nil) != (g.FinishedAt == nil) ||
			(w.FinishedAt != nil && !w.FinishedAt.Equal(*g.FinishedAt)) {
			t.Errorf("%s: batch %s: %+v, want %+v", where, w.ID, g, w)
		}
		w.Counts, g.Counts, w.StartedAt, g.StartedAt, w.FinishedAt, g.FinishedAt = nil, nil, time.Time{}, time.Time{}, nil, nil
		if !reflect.DeepEqual(w, g) {
			t.Errorf("%s: batch %+v, want %+v", where, g, w)
		}
	}
	if !reflect.DeepEqual(want.Rejects, got.Rejects) {
		t.Errorf("%s: rejects %+v, want %+v", where, got.Rejects, want.Rejects)
	}
	// The log of want's batches, in its order; got's own batches (the
	// copy's) log theirs besides.
	var mine []socle.FeatureChange
	for _, c := range got.Changes {
		if _, ok := batchIDs(want)[c.Batch]; ok {
			mine = append(mine, c)
		}
	}
	if len(mine) != len(want.Changes) {
		t.Fatalf("%s: %d changes, want %d", where, len(mine), len(want.Changes))
	}
	for i := range want.Changes {
		w, g := want.Changes[i], mine[i]
		if w.Batch != g.Batch || w.Collection != g.Collection || w.FeatureID != g.FeatureID || w.Op != g.Op || !sameBefore(w.Before, g.Before) {
			t.Errorf("%s: change %+v, want %+v", where, g, w)
		}
	}
	if len(got.Reverts) != 1 || got.Reverts[0].Batch != want.Reverts[0].Batch || !got.Reverts[0].RevertedAt.Equal(want.Reverts[0].RevertedAt) ||
		!sameJSONValue(got.Reverts[0].Counts, want.Reverts[0].Counts) {
		t.Errorf("%s: reverts %+v, want %+v", where, got.Reverts, want.Reverts)
	}
}

func sameJSONValue(a, b json.RawMessage) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// sameBefore compares two logged rows: the same JSON values, or both null.
func sameBefore(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	return sameJSONValue(a, b)
}

func batchIDs(h *socle.History) map[string]bool {
	out := map[string]bool{}
	for _, b := range h.Batches {
		out[b.ID] = true
	}
	return out
}
