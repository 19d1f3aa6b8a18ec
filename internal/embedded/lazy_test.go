package embedded

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/socle"
)

// rowOf is the row that writes f as it is stored (derived values too).
func rowOf(t *table, f *feature) socle.Row {
	r := socle.Row{ID: f.ident(), Geometry: f.geometry(), Properties: map[string]any{}}
	for j, c := range t.cols {
		v := f.val(j)
		if js, ok := v.(jsonValue); ok {
			v = json.RawMessage(js)
		}
		r.Properties[c.name] = v
	}
	return r
}

// copyFile copies a file of the test.
func copyFile(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// dumpFile prints every row of every table of a GeoPackage, in rowid order.
func dumpFile(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	ctx := context.Background()
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	out := map[string][]string{}
	for _, n := range names {
		order := " ORDER BY rowid"
		if strings.HasPrefix(n, "rtree_") && !strings.HasSuffix(n, "_geom") {
			continue // the R-tree's own nodes: its entries are compared
		}
		if strings.HasPrefix(n, "rtree_") {
			order = " ORDER BY id"
		}
		rs, err := db.QueryContext(ctx, "SELECT * FROM "+quote(n)+order)
		if err != nil {
			rs, err = db.QueryContext(ctx, "SELECT * FROM "+quote(n))
			if err != nil {
				t.Fatal(n, err)
			}
		}
		cols, _ := rs.Columns()
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out[n] = append(out[n], fmt.Sprintf("%v", vals))
		}
		rs.Close()
	}
	return out
}

// TestLazyStoreSameAsLoaded runs the same batches on the same file through
// a store opened by Open and one opened by OpenLazy, whose small imports
// look up only the features their rows touch: the results, the errors,
// the files (features, change log, extents, sequences, R-tree) and the
// answers must be the same.
func TestLazyStoreSameAsLoaded(t *testing.T) {
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	seed, seedPath := openTemp(t)
	loadFixtures(t, seed, fixturesDir())
	addrC, _ := cat.Collection("addresses")
	roadC, _ := cat.Collection("roads")
	addr, _ := seed.layer(ctx, addrC)
	roads, _ := seed.layer(ctx, roadC)
	seed.Close()
	at := addr.t
	if len(addr.feats) < 20 || len(roads.feats) < 5 {
		t.Fatalf("fixtures too small: %d addresses, %d roads", len(addr.feats), len(roads.feats))
	}
	// The address at the east edge of the extent, moved inward: the extent
	// shrinks.
	east := addr.feats[0]
	for _, f := range addr.feats {
		if f.bound.Max[0] > east.bound.Max[0] {
			east = f
		}
	}
	edit := func(f *feature, name string, v any) socle.Row {
		r := rowOf(at, f)
		r.Properties[name] = v
		return r
	}
	var b1 []socle.Row
	// Retirements first: by id, by key.
	b1 = append(b1, socle.Row{ID: addr.feats[8].ident(), Retire: true})
	b1 = append(b1, socle.Row{Properties: map[string]any{"cle_interop": addr.feats[9].val(at.byName["cle_interop"])}, Retire: true})
	b1 = append(b1, socle.Row{ID: int64(987654321), Retire: true}) // names none
	for _, f := range addr.feats[1:6] {
		b1 = append(b1, edit(f, "source", "lazy test"))
	}
	b1 = append(b1, rowOf(at, addr.feats[6])) // unchanged
	byKey := edit(addr.feats[7], "voie_nom", "Rue par la clé")
	byKey.ID = nil
	delete(byKey.Properties, "id")
	b1 = append(b1, byKey)
	fresh := edit(addr.feats[10], "cle_interop", "31004_9999_00001")
	fresh.ID = nil
	delete(fresh.Properties, "id")
	fresh.Geometry = orb.Point{east.bound.Max[0] + 250, east.bound.Min[1]} // the extent grows east
	b1 = append(b1, fresh)
	withID := edit(addr.feats[11], "cle_interop", "31004_9999_00002")
	withID.ID = int64(900000)
	withID.Properties["id"] = int64(900000)
	b1 = append(b1, withID)
	moved := rowOf(at, east)
	moved.Geometry = orb.Point{east.bound.Max[0] - 2000, east.bound.Min[1]}
	b1 = append(b1, moved)

	// A conflict: a row with an id and another feature's key.
	clash := edit(addr.feats[12], "cle_interop", addr.feats[13].val(at.byName["cle_interop"]))
	// A second batch: the east address moves back, the new one leaves (the
	// extent shrinks again), as a sync carries derived values.
	var b3 []socle.Row
	b3 = append(b3, socle.Row{Properties: map[string]any{"cle_interop": "31004_9999_00001"}, Retire: true})
	back := rowOf(at, east)
	b3 = append(b3, back, edit(addr.feats[14], "numero", int64(77)))
	rt := roads.t
	rr := rowOf(rt, roads.feats[2])
	rr.Properties["name"] = "Chemin paresseux"

	type step struct {
		c     *socle.Collection
		b     socle.Batch
		rows  []socle.Row
		wantE bool
	}
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	steps := []step{
		{addrC, socle.Batch{ID: "import-layer-1", Kind: "import-layer", Source: "b1"}, b1, false},
		{addrC, socle.Batch{ID: "import-layer-2", Kind: "import-layer", Source: "b1 again"}, b1, false},
		{addrC, socle.Batch{ID: "import-layer-3", Kind: "import-layer", Source: "clash"}, []socle.Row{clash}, true},
		{addrC, socle.Batch{ID: "sync-4", Kind: "sync", Source: "b3", WithDerived: true}, b3, false},
		{roadC, socle.Batch{ID: "import-layer-5", Kind: "import-layer", Source: "roads"}, []socle.Row{rr}, false},
	}
	dir := t.TempDir()
	run := func(lazy bool) (results []string, file map[string][]string, answers []string) {
		path := filepath.Join(dir, fmt.Sprintf("lazy-%v.gpkg", lazy))
		copyFile(t, seedPath, path)
		open := Open
		if lazy {
			open = OpenLazy
		}
		s, err := open(ctx, path, cat)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		s.now = func() time.Time { return now }
		for i, st := range steps {
			res, err := s.Import(ctx, st.b, st.c, socle.RowsOf(st.rows, nil))
			if (err != nil) != st.wantE {
				t.Fatalf("lazy %v, step %d: %v", lazy, i, err)
			}
			results = append(results, fmt.Sprintf("%+v %v", res, err))
			if lazy && i == 0 {
				if s.layers["addresses"].Load() != nil {
					t.Fatal("the lazy store read the addresses whole for a small batch")
				}
			}
		}
		for _, c := range cat.Collections {
			sum, err := s.Summary(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			js, _ := json.Marshal(sum)
			answers = append(answers, c.ID+" "+string(js))
			l, _ := s.layer(ctx, c)
			for _, f := range l.feats {
				answers = append(answers, fmt.Sprintf("%s %v %v %v", c.ID, f.ident(), f.values(), f.geometry()))
			}
		}
		return results, dumpFile(t, s.db), answers
	}
	fullRes, fullFile, fullAns := run(false)
	lazyRes, lazyFile, lazyAns := run(true)
	if !reflect.DeepEqual(fullRes, lazyRes) {
		t.Errorf("results differ:\nloaded %q\nlazy   %q", fullRes, lazyRes)
	}
	if !strings.Contains(fullRes[2], "another feature's") {
		t.Errorf("the clash was not refused as such: %s", fullRes[2])
	}
	for _, want := range []string{"Inserted:2 Updated:7 Unchanged:2 Retired:2", "Inserted:0 Updated:0 Unchanged:13 Retired:0"} {
		if !strings.Contains(strings.Join(fullRes, "\n"), want) {
			t.Errorf("no result %s in %q", want, fullRes)
		}
	}
	for name, rows := range fullFile {
		if !reflect.DeepEqual(rows, lazyFile[name]) {
			t.Errorf("table %s differs:\nloaded %q\nlazy   %q", name, rows, lazyFile[name])
		}
	}
	if len(lazyFile) != len(fullFile) {
		t.Errorf("%d tables loaded, %d lazy", len(fullFile), len(lazyFile))
	}
	if !reflect.DeepEqual(fullAns, lazyAns) {
		for i := range min(len(fullAns), len(lazyAns)) {
			if fullAns[i] != lazyAns[i] {
				t.Errorf("answers differ first at %d:\nloaded %s\nlazy   %s", i, fullAns[i], lazyAns[i])
				break
			}
		}
	}
}
