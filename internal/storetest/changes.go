package storetest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/socle-geo/socle/internal/socle"
)

// Store is what the change-log suite needs of a store.
type Store interface {
	socle.FeatureReader
	socle.Importer
	socle.Reverter
	socle.HistoryStore
	socle.Lineage
}

// Dump returns every feature of a collection as text: id, geometry (hex
// WKB) and every property, in id order.
func Dump(t testing.TB, s socle.FeatureReader, c *socle.Collection) []string {
	t.Helper()
	var out []string
	q := socle.AllItems(c, 100000)
	for {
		page, err := s.Records(context.Background(), q, func(r *socle.Record) error {
			g, err := wkb.Marshal(r.Geometry)
			if err != nil {
				return err
			}
			props, err := socle.PropertiesJSON(q.Properties, r.Values)
			if err != nil {
				return err
			}
			out = append(out, fmt.Sprintf("%v %s %s", r.ID, hex.EncodeToString(g), props))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if page.Next == nil {
			return out
		}
		next := *q
		next.Cursor = page.Next
		q = &next
	}
}

// Rows reads a collection back as rows an import writes: ids, properties
// (derived ones left out), geometry.
func Rows(t testing.TB, s socle.FeatureReader, c *socle.Collection) []socle.Row {
	t.Helper()
	var out []socle.Row
	q := socle.AllItems(c, 100000)
	if _, err := s.Records(context.Background(), q, func(r *socle.Record) error {
		props := map[string]any{}
		for i, p := range q.Properties {
			if !p.Derived {
				props[p.Name] = r.Values[i]
			}
		}
		out = append(out, socle.Row{ID: r.ID, Geometry: orb.Clone(r.Geometry), Properties: props})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// Millesime returns the parcels of the land cover's first millésime as
// rows, and the scope that replaces that millésime alone.
func Millesime(t testing.TB, s socle.FeatureReader, landCover *socle.Collection) ([]socle.Row, []socle.Equals) {
	t.Helper()
	parcels := Rows(t, s, landCover)
	if len(parcels) == 0 {
		t.Fatal("no land cover")
	}
	year := parcels[0].Properties["year"]
	var ofYear []socle.Row
	for _, r := range parcels {
		if r.Properties["year"] == year {
			ofYear = append(ofYear, r)
		}
	}
	yearProp, _ := landCover.Property("year")
	return ofYear, []socle.Equals{{Property: yearProp, Value: year}}
}

func sameDump(t testing.TB, what string, want, got []string) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("%s: %d features, want %d", what, len(got), len(want))
		return
	}
	for i := range want {
		if want[i] != got[i] {
			t.Errorf("%s: feature %d differs:\n  got  %.300s\n  want %.300s", what, i, got[i], want[i])
			return
		}
	}
}

// ChangeLog checks, on a store loaded with the sample territory, what
// batches do and undo: rows matched by id or by key (new ones numbered),
// an unchanged batch, a dry run that writes nothing, a replacement that
// retires what a millésime no longer holds, the change log of each, and
// reverts that bring back exactly what was there — refused while a later
// batch changed the same features.
func ChangeLog(t *testing.T, s Store, cat *socle.Catalog) {
	ctx := context.Background()
	roads, _ := cat.Collection("roads")
	landCover, _ := cat.Collection("land_cover")
	before := map[string][]string{}
	for _, c := range cat.Collections {
		before[c.ID] = Dump(t, s, c)
	}
	n := 0
	batch := func(replace bool, scope []socle.Equals, dry bool) socle.Batch {
		n++
		return socle.Batch{ID: fmt.Sprintf("test-changes-%02d", n), Kind: "import-layer", Source: "changes.geojson", Actor: "test",
			Replace: replace, Scope: scope, DryRun: dry}
	}
	imp := func(b socle.Batch, c *socle.Collection, rs []socle.Row) socle.ImportResult {
		t.Helper()
		res, err := s.Import(ctx, b, c, socle.RowsOf(rs, nil))
		if err != nil {
			t.Fatalf("%s: %v", b.ID, err)
		}
		return res
	}
	logOf := func(batch string) []socle.FeatureChange {
		t.Helper()
		h, err := s.ExportHistory(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []socle.FeatureChange
		for _, c := range h.Changes {
			if c.Batch == batch {
				out = append(out, c)
			}
		}
		return out
	}

	// Three roads renamed, two new ones known by their source id.
	all := Rows(t, s, roads)
	edit := slices.Clone(all)
	for i := range 3 {
		edit[i].Properties = maps.Clone(edit[i].Properties)
		edit[i].Properties["name"] = fmt.Sprintf("Rue Changée %d", i)
	}
	for i := range 2 {
		r := edit[10+i]
		props := maps.Clone(r.Properties)
		props["name"], props["source_id"] = fmt.Sprintf("Voie nouvelle %d", i), fmt.Sprintf("TRONROUT000000%d", i)
		g := orb.Clone(r.Geometry)
		edit = append(edit, socle.Row{Geometry: g, Properties: props})
	}
	bA := batch(false, nil, false)
	res := imp(bA, roads, edit)
	if res.Updated != 3 || res.Inserted != 2 || res.Unchanged != len(all)-3 || res.Read != len(all)+2 {
		t.Fatalf("roads batch: %+v", res)
	}
	log := logOf(bA.ID)
	ops := map[string]int{}
	for _, c := range log {
		ops[c.Op]++
		if c.Op == socle.OpUpdate && !strings.Contains(string(c.Before), `"name"`) {
			t.Errorf("an update logged without the row it replaced: %s", c.Before)
		}
		if c.Op == socle.OpInsert && len(c.Before) != 0 {
			t.Errorf("an insert logged with a row: %s", c.Before)
		}
	}
	if ops[socle.OpUpdate] != 3 || ops[socle.OpInsert] != 2 || len(log) != 5 {
		t.Errorf("the log of the batch: %v", ops)
	}
	// The same file again: nothing changes, nothing is logged; the new
	// roads are found by their source id.
	bA2 := batch(false, nil, false)
	if res := imp(bA2, roads, edit); res.Unchanged != len(edit) || res.Inserted+res.Updated != 0 {
		t.Errorf("the same batch twice: %+v", res)
	}
	if l := logOf(bA2.ID); len(l) != 0 {
		t.Errorf("an unchanged batch logged %d changes", len(l))
	}
	// A dry run says what it would do and writes nothing.
	dry := slices.Clone(edit[:1])
	dry[0].Properties = maps.Clone(dry[0].Properties)
	dry[0].Properties["name"] = "Rue du Brouillon"
	bDry := batch(false, nil, true)
	if res := imp(bDry, roads, dry); !res.DryRun || res.Updated != 1 {
		t.Errorf("dry run: %+v", res)
	}
	if bs, _ := s.Batches(ctx, []string{"roads"}, 100); slices.ContainsFunc(bs, func(b socle.BatchRecord) bool { return b.ID == bDry.ID }) {
		t.Errorf("the dry run was recorded")
	}
	if got := Dump(t, s, roads); slices.ContainsFunc(got, func(l string) bool { return strings.Contains(l, "Brouillon") }) {
		t.Errorf("the dry run wrote")
	}

	// A millésime replaced: the parcels of its year the file no longer
	// holds are retired; another year is left alone.
	parcels := Rows(t, s, landCover)
	year := parcels[0].Properties["year"]
	var ofYear, others []socle.Row
	for _, r := range parcels {
		if r.Properties["year"] == year {
			ofYear = append(ofYear, r)
		} else {
			others = append(others, r)
		}
	}
	kept := ofYear[:len(ofYear)/2]
	yearProp, _ := landCover.Property("year")
	bR := batch(true, []socle.Equals{{Property: yearProp, Value: year}}, false)
	res = imp(bR, landCover, kept)
	if res.Retired != len(ofYear)-len(kept) || res.Unchanged != len(kept) {
		t.Fatalf("replace: %+v (of %d parcels of %v, %d kept, %d of other years)", res, len(ofYear), year, len(kept), len(others))
	}
	if got := len(Dump(t, s, landCover)); got != len(kept)+len(others) {
		t.Errorf("after the replacement: %d parcels, want %d", got, len(kept)+len(others))
	}
	for _, c := range logOf(bR.ID) {
		if c.Op != socle.OpDelete || !strings.Contains(string(c.Before), `"geom"`) {
			t.Errorf("a retirement logged as %s %s", c.Op, c.Before)
			break
		}
	}

	// Reverts: the roads batch (the one after it changed nothing), then
	// the replacement.
	rvA, err := s.Revert(ctx, bA.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	if rvA.Restored != 3 || rvA.Removed != 2 || rvA.Reinserted != 0 || rvA.Collections["roads"] != 5 {
		t.Errorf("revert of the roads batch: %+v", rvA)
	}
	rv, err := s.Revert(ctx, bR.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	if rv.Reinserted != len(ofYear)-len(kept) || rv.RevertBatch == "" {
		t.Errorf("revert of the replacement: %+v", rv)
	}
	if l := logOf(rv.RevertBatch); len(l) != rv.Reinserted {
		t.Errorf("the revert logged %d changes, want %d", len(l), rv.Reinserted)
	}
	for _, c := range cat.Collections {
		if c.ID == "communes" {
			continue // indicators: compared below, once everything is back
		}
		sameDump(t, "after the reverts: "+c.ID, before[c.ID], Dump(t, s, c))
	}

	// A batch whose features a later batch changed again waits for it.
	one := slices.Clone(all[20:21])
	one[0].Properties = maps.Clone(one[0].Properties)
	one[0].Properties["name"] = "Premier nom"
	bB := batch(false, nil, false)
	imp(bB, roads, one)
	one[0].Properties = maps.Clone(one[0].Properties)
	one[0].Properties["name"] = "Second nom"
	bC := batch(false, nil, false)
	imp(bC, roads, one)
	if _, err := s.Revert(ctx, bB.ID, "test"); socle.ErrorCode(err) != socle.ECONFLICT || !strings.Contains(socle.ErrorMessage(err), bC.ID) {
		t.Errorf("revert under a later batch: %v", err)
	}
	if _, err := s.Revert(ctx, bC.ID, "test"); err != nil {
		t.Fatal(err)
	}
	rvB, err := s.Revert(ctx, bB.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Revert(ctx, bB.ID, "test"); socle.ErrorCode(err) != socle.ECONFLICT {
		t.Errorf("a second revert: %v", err)
	}
	if _, err := s.Revert(ctx, rvB.RevertBatch, "test"); socle.ErrorCode(err) != socle.EINVALID {
		t.Errorf("revert of a revert: %v", err)
	}
	if _, err := s.Revert(ctx, "no-such-batch", "test"); socle.ErrorCode(err) != socle.ENOTFOUND {
		t.Errorf("revert of an unknown batch: %v", err)
	}
	for _, c := range cat.Collections {
		sameDump(t, "at the end: "+c.ID, before[c.ID], Dump(t, s, c))
	}
	// The log of a revert holds the rows it replaced, so that it can be
	// read as changes like any batch.
	var updates int
	for _, c := range logOf(rvB.RevertBatch) {
		var m map[string]any
		if c.Op == socle.OpUpdate && json.Unmarshal(c.Before, &m) == nil && m["name"] == "Premier nom" {
			updates++
		}
	}
	if updates != 1 {
		t.Errorf("the revert's log: %d updates from the batch's name", updates)
	}
}
