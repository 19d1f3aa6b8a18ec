package storetest

import (
	"context"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/socle-geo/socle/internal/socle"
)

// FeedStore is what the change-feed suite needs of a store.
type FeedStore interface {
	socle.FeatureReader
	socle.Importer
	socle.Reverter
	socle.ChangeFeed
}

// ReadFeed reads a collection's feed from a token to its end, pages of
// limit entries, with every property; it returns the entries and the
// token of each page (the last one resumes after everything).
func ReadFeed(t testing.TB, s socle.ChangeFeed, c *socle.Collection, since string, limit int, coalesce bool) ([]socle.ChangeEntry, []string) {
	t.Helper()
	var entries []socle.ChangeEntry
	var tokens []string
	for range 100000 {
		q, err := socle.ResolveChanges(c, socle.ChangesRequest{Since: since, Limit: limit, Coalesce: coalesce})
		if err != nil {
			t.Fatal(err)
		}
		page, err := s.Changes(context.Background(), q, func(e *socle.ChangeEntry) error {
			entries = append(entries, *e)
			return nil
		})
		if err != nil {
			t.Fatalf("feed of %s since %s: %v", c.ID, since, err)
		}
		if page.Returned > limit {
			t.Fatalf("a page of %d entries, limit %d", page.Returned, limit)
		}
		tokens = append(tokens, page.Token)
		if !page.More {
			return entries, tokens
		}
		if page.Token == since {
			t.Fatalf("the feed does not advance from %s", since)
		}
		since = page.Token
	}
	t.Fatal("the feed does not end")
	return nil, nil
}

// latest returns the token of the feed's end.
func latest(t testing.TB, s socle.ChangeFeed, c *socle.Collection) string {
	t.Helper()
	q, err := socle.ResolveChanges(c, socle.ChangesRequest{Since: "latest", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	page, err := s.Changes(context.Background(), q, func(*socle.ChangeEntry) error {
		t.Error("since=latest gave an entry")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return page.Token
}

// dumpLine writes a feature as Dump does.
func dumpLine(t testing.TB, c *socle.Collection, r *socle.Record) string {
	t.Helper()
	g, err := wkb.Marshal(r.Geometry)
	if err != nil {
		t.Fatal(err)
	}
	props, err := socle.PropertiesJSON(c.Properties, r.Values)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%v %s %s", r.ID, hex.EncodeToString(g), props)
}

// replay applies feed entries to a dump (as Dump makes it) and returns the
// dump they lead to.
func replay(t testing.TB, c *socle.Collection, dump []string, entries []socle.ChangeEntry) []string {
	t.Helper()
	byID := map[string]string{}
	for _, l := range dump {
		byID[strings.SplitN(l, " ", 2)[0]] = l
	}
	for _, e := range entries {
		switch e.Op {
		case socle.OpDelete:
			if _, ok := byID[e.FeatureID]; !ok {
				t.Errorf("%s: a delete of %s, not there", c.ID, e.FeatureID)
			}
			delete(byID, e.FeatureID)
		case socle.OpInsert, socle.OpUpdate:
			if e.Record == nil {
				t.Fatalf("%s: an %s of %s without the feature", c.ID, e.Op, e.FeatureID)
			}
			if _, ok := byID[e.FeatureID]; ok != (e.Op == socle.OpUpdate) {
				t.Errorf("%s: an %s of %s, there: %v", c.ID, e.Op, e.FeatureID, ok)
			}
			byID[e.FeatureID] = dumpLine(t, c, e.Record)
		default:
			t.Fatalf("op %q", e.Op)
		}
	}
	out := slices.Collect(maps.Values(byID))
	return out
}

// sameSet compares two dumps as sets of lines.
func sameSet(t testing.TB, what string, want, got []string) {
	t.Helper()
	w, g := slices.Sorted(slices.Values(want)), slices.Sorted(slices.Values(got))
	sameDump(t, what, w, g)
}

// ChangeFeed checks, on a store loaded with the sample territory, the feed
// each kind of write makes: the entries of updates, inserts, retirements
// by key, a replaced millésime and a revert, each exactly once and in
// order whatever the paging, each carrying the feature as the change left
// it (replaying the feed on the old data gives the new, feature for
// feature); the coalesced feed (one entry per feature, none for a feature
// back as it was or added and removed); since a time; the tokens refused;
// and what pruning forgets.
func ChangeFeed(t *testing.T, s FeedStore, cat *socle.Catalog) {
	ctx := context.Background()
	roads, _ := cat.Collection("roads")
	landCover, _ := cat.Collection("land_cover")
	addresses, _ := cat.Collection("addresses")
	start := map[string]string{}
	startDump := map[string][]string{}
	for _, c := range []*socle.Collection{roads, landCover, addresses} {
		start[c.ID] = latest(t, s, c)
		startDump[c.ID] = Dump(t, s, c)
		if got, _ := ReadFeed(t, s, c, start[c.ID], 10, false); len(got) != 0 {
			t.Fatalf("%s: %d entries after latest", c.ID, len(got))
		}
	}
	startTime := time.Now()
	time.Sleep(10 * time.Millisecond) // batches after the time, by the store's clock
	n := 0
	imp := func(c *socle.Collection, rs []socle.Row, replace bool, scope []socle.Equals) socle.ImportResult {
		t.Helper()
		n++
		b := socle.Batch{ID: fmt.Sprintf("test-feed-%02d", n), Kind: "import-layer", Source: "feed.geojson", Actor: "test", Replace: replace, Scope: scope}
		res, err := s.Import(ctx, b, c, socle.RowsOf(rs, nil))
		if err != nil {
			t.Fatalf("batch %d: %v", n, err)
		}
		return res
	}

	// Roads: 3 renamed, 2 added, one retired by its key, in one batch;
	// then one renamed twice, then one renamed and back.
	all := Rows(t, s, roads)
	var edit []socle.Row
	for i := range 3 {
		r := all[i]
		r.Properties = maps.Clone(r.Properties)
		r.Properties["name"] = fmt.Sprintf("Rue du Flux %d", i)
		edit = append(edit, r)
	}
	for i := range 2 {
		r := all[10+i]
		props := maps.Clone(r.Properties)
		props["name"], props["source_id"] = fmt.Sprintf("Voie du flux %d", i), fmt.Sprintf("TRONFLUX%04d", i)
		edit = append(edit, socle.Row{Geometry: r.Geometry, Properties: props})
	}
	victim := all[30]
	if victim.Properties["source_id"] == nil {
		// Give it a key first, to retire it by its key.
		victim.Properties = maps.Clone(victim.Properties)
		victim.Properties["source_id"] = "TRONFLUXVICTIM"
		imp(roads, []socle.Row{victim}, false, nil)
	}
	retire := socle.Row{Retire: true, Properties: map[string]any{"source_id": victim.Properties["source_id"]}}
	nothing := socle.Row{Retire: true, Properties: map[string]any{"source_id": "TRONFLUXNOWHERE"}}
	res := imp(roads, append([]socle.Row{retire, nothing}, edit...), false, nil)
	if res.Updated != 3 || res.Inserted != 2 || res.Retired != 1 || res.Unchanged != 1 {
		t.Fatalf("roads batch: %+v", res)
	}
	twice := all[40]
	for _, name := range []string{"Premier passage", "Second passage"} {
		twice.Properties = maps.Clone(twice.Properties)
		twice.Properties["name"] = name
		imp(roads, []socle.Row{twice}, false, nil)
	}
	back := all[50]
	orig := back.Properties["name"]
	for _, name := range []any{"Aller", orig} {
		back.Properties = maps.Clone(back.Properties)
		back.Properties["name"] = name
		imp(roads, []socle.Row{back}, false, nil)
	}
	// Addresses: one added then retired by its id.
	addrs := Rows(t, s, addresses)
	added := addrs[0]
	added.ID = nil
	added.Properties = maps.Clone(added.Properties)
	added.Properties["cle_interop"] = "99999_flux_00001"
	imp(addresses, []socle.Row{added}, false, nil)
	q, _ := socle.ResolveChanges(addresses, socle.ChangesRequest{Since: start["addresses"], Limit: 10})
	var addedID any
	if _, err := s.Changes(ctx, q, func(e *socle.ChangeEntry) error { addedID = e.Record.ID; return nil }); err != nil || addedID == nil {
		t.Fatalf("the added address: %v", err)
	}
	imp(addresses, []socle.Row{{ID: addedID, Retire: true}}, false, nil)
	// Land cover: a millésime replaced by half of it, then reverted.
	ofYear, scope := Millesime(t, s, landCover)
	res = imp(landCover, ofYear[:len(ofYear)/2], true, scope)
	retired := res.Retired
	rv, err := s.Revert(ctx, fmt.Sprintf("test-feed-%02d", n), "test")
	if err != nil {
		t.Fatal(err)
	}

	// The feeds, read whole: the expected entries, in log order.
	want := map[string]map[string]int{
		"roads":      {socle.OpUpdate: 3 + 2 + 2, socle.OpInsert: 2, socle.OpDelete: 1},
		"addresses":  {socle.OpInsert: 1, socle.OpDelete: 1},
		"land_cover": {socle.OpDelete: retired, socle.OpInsert: retired},
	}
	if victim.Properties["source_id"] == "TRONFLUXVICTIM" {
		want["roads"][socle.OpUpdate]++
	}
	for _, c := range []*socle.Collection{roads, landCover, addresses} {
		end := Dump(t, s, c)
		whole, tokens := ReadFeed(t, s, c, start[c.ID], 100000, false)
		ops := map[string]int{}
		for i, e := range whole {
			ops[e.Op]++
			if i > 0 && e.Seq <= whole[i-1].Seq {
				t.Errorf("%s: entries out of order: %d after %d", c.ID, e.Seq, whole[i-1].Seq)
			}
			if e.Batch == "" || e.Time.Before(startTime) || e.Time.After(time.Now()) {
				t.Errorf("%s: entry %d: batch %q at %v", c.ID, e.Seq, e.Batch, e.Time)
			}
			if e.Op == socle.OpDelete && (e.Record != nil || e.Bound == orb.Bound{}) {
				t.Errorf("%s: a tombstone %+v", c.ID, e)
			}
		}
		if !maps.Equal(ops, want[c.ID]) {
			t.Errorf("%s: the feed's entries %v, want %v", c.ID, ops, want[c.ID])
		}
		sameSet(t, c.ID+": the old data with the feed replayed", end, replay(t, c, startDump[c.ID], whole))
		// Paged, and resumed from every token: each change once.
		paged, tokens := ReadFeed(t, s, c, start[c.ID], 2, false)
		if len(paged) != len(whole) {
			t.Errorf("%s: paged by 2, %d entries, want %d", c.ID, len(paged), len(whole))
		}
		for i, tok := range tokens[:len(tokens)-1] {
			if len(tokens) > 12 && i%(len(tokens)/6) != 0 {
				continue // a sample of the tokens of a long feed
			}
			rest, _ := ReadFeed(t, s, c, tok, 50, false)
			if len(rest) != len(whole)-2*(i+1) || len(rest) > 0 && rest[0].Seq != whole[2*(i+1)].Seq {
				t.Errorf("%s: resumed from %s: %d entries, want %d", c.ID, tok, len(rest), len(whole)-2*(i+1))
				break
			}
		}
		// Coalesced: one entry per feature, the old data replayed gives
		// the new; paged and whole the same.
		co, _ := ReadFeed(t, s, c, start[c.ID], 100000, true)
		coPaged, coTokens := ReadFeed(t, s, c, start[c.ID], 2, true)
		seen := map[string]bool{}
		for _, e := range co {
			if seen[e.FeatureID] {
				t.Errorf("%s: coalesced, %s twice", c.ID, e.FeatureID)
			}
			seen[e.FeatureID] = true
		}
		if len(coPaged) != len(co) {
			t.Errorf("%s: coalesced paged by 2, %d entries, want %d", c.ID, len(coPaged), len(co))
		}
		sameSet(t, c.ID+": coalesced replay", end, replay(t, c, startDump[c.ID], co))
		sameSet(t, c.ID+": coalesced paged replay", end, replay(t, c, startDump[c.ID], coPaged))
		if last := coTokens[len(coTokens)-1]; strings.Contains(last, ".") {
			t.Errorf("%s: the coalesced feed ends on a range token %s", c.ID, last)
		}
		switch c.ID {
		case "roads":
			// Each entry holds the feature as its change left it.
			var names []any
			for _, e := range whole {
				if e.FeatureID == fmt.Sprint(twice.ID) {
					names = append(names, e.Record.Values[slices.IndexFunc(c.Properties, func(p socle.Property) bool { return p.Name == "name" })])
				}
			}
			if !slices.Equal(names, []any{"Premier passage", "Second passage"}) {
				t.Errorf("roads: the entries of a road renamed twice hold %v", names)
			}
			// 3 renamed, 2 added, 1 retired, 1 renamed twice (once), 1 back
			// as it was (none); the victim's key change folds into its delete.
			if len(co) != 3+2+1+1 {
				t.Errorf("roads: %d coalesced entries", len(co))
			}
		case "addresses", "land_cover":
			if len(co) != 0 {
				t.Errorf("%s: %d coalesced entries for changes undone", c.ID, len(co))
			}
		}
	}
	if rv.Reinserted != retired {
		t.Errorf("revert: %+v", rv)
	}

	// Since a time: the changes committed after it.
	atEntries, _ := ReadFeed(t, s, roads, startTime.UTC().Format(time.RFC3339Nano), 1000, false)
	whole, _ := ReadFeed(t, s, roads, start["roads"], 1000, false)
	if len(atEntries) != len(whole) {
		t.Errorf("since %v: %d entries, want %d", startTime, len(atEntries), len(whole))
	}
	// Tokens: one ahead of the log is not this store's; malformed ones.
	ahead := whole[len(whole)-1].Seq + 1000
	q, _ = socle.ResolveChanges(roads, socle.ChangesRequest{Since: fmt.Sprint(ahead), Limit: 10})
	if _, err := s.Changes(ctx, q, func(*socle.ChangeEntry) error { return nil }); socle.ErrorCode(err) != socle.EGONE {
		t.Errorf("a token ahead of the log: %v", err)
	}
	for _, bad := range []string{"x", "-1", "01", "1.2", "5.3.4", "1.2.3.4", "2026-13-01T00:00:00Z"} {
		if _, err := socle.ResolveChanges(roads, socle.ChangesRequest{Since: bad, Limit: 10}); socle.ErrorCode(err) != socle.EINVALID {
			t.Errorf("since=%s: %v", bad, err)
		}
	}

	// Pruning: the feed no longer starts before what it forgot, nor are
	// those batches reverted; since=latest still works, and new changes
	// are served from it.
	tok := latest(t, s, roads)
	time.Sleep(10 * time.Millisecond)
	pruned, err := s.PruneChanges(ctx, time.Now())
	if err != nil || pruned == 0 {
		t.Fatalf("prune: %d, %v", pruned, err)
	}
	q, _ = socle.ResolveChanges(roads, socle.ChangesRequest{Since: start["roads"], Limit: 10})
	if _, err := s.Changes(ctx, q, func(*socle.ChangeEntry) error { return nil }); socle.ErrorCode(err) != socle.EGONE {
		t.Errorf("a token from before the pruning: %v", err)
	}
	q, _ = socle.ResolveChanges(roads, socle.ChangesRequest{Since: startTime.UTC().Format(time.RFC3339), Limit: 10})
	if _, err := s.Changes(ctx, q, func(*socle.ChangeEntry) error { return nil }); socle.ErrorCode(err) != socle.EGONE {
		t.Errorf("a time from before the pruning: %v", err)
	}
	if _, err := s.Revert(ctx, "test-feed-01", "test"); socle.ErrorCode(err) != socle.ECONFLICT {
		t.Errorf("revert of a pruned batch: %v", err)
	}
	if got, _ := ReadFeed(t, s, roads, tok, 10, false); len(got) != 0 {
		t.Errorf("the latest token before the pruning: %d entries", len(got))
	}
	twice.Properties = maps.Clone(twice.Properties)
	twice.Properties["name"] = "Après l'élagage"
	imp(roads, []socle.Row{twice}, false, nil)
	if got, _ := ReadFeed(t, s, roads, tok, 10, false); len(got) != 1 || got[0].Record == nil {
		t.Errorf("after the pruning: %d entries", len(got))
	}
}
