package embedded

import (
	"context"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/testdb"
)

// fixtureRows reads a fixture layer as the importer hands it to a store:
// ids, typed properties without derived ones, geometry in Lambert-93.
func fixtureRows(t *testing.T, c *socle.Collection) []socle.Row {
	t.Helper()
	f, err := os.Open(filepath.Join(fixturesDir(), c.ID+".geojson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, rejects, err := importer.ReadGeoJSON(c, f)
	if err != nil || len(rejects) > 0 {
		t.Fatal(err, rejects)
	}
	return rows
}

// withProps returns r with some properties changed.
func withProps(t *testing.T, r socle.Row, change map[string]any) socle.Row {
	t.Helper()
	m := maps.Clone(r.Properties)
	for k, v := range change {
		m[k] = v
	}
	r.Properties = m
	return r
}

// changeLog collects the changes a store announces.
type changeLog struct {
	mu      sync.Mutex
	changes []socle.Change
}

func (l *changeLog) add(c socle.Change) { l.mu.Lock(); l.changes = append(l.changes, c); l.mu.Unlock() }
func (l *changeLog) take() []socle.Change {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.changes
	l.changes = nil
	return out
}
func (l *changeLog) len() int { l.mu.Lock(); defer l.mu.Unlock(); return len(l.changes) }

// TestImportsAgree applies the same batches to both stores — updates,
// inserts with and without ids, rejects, conflicts, malformed values, land
// cover that moves the communes' indicators — and compares their results,
// their errors, the changes they announce and the data they then serve.
func TestImportsAgree(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cat := socle.DefaultCatalog()
	coll := func(id string) *socle.Collection { c, _ := cat.Collection(id); return c }
	pg, err := postgis.Open(ctx, testdb.New(t), cat, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	if err := pg.Migrate(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	em, _ := openTemp(t)
	var pgLog, emLog changeLog
	ready := make(chan struct{}, 2)
	go pg.ListenChanges(ctx, quiet, pgLog.add, func() { ready <- struct{}{} })
	go em.ListenChanges(ctx, quiet, emLog.add, func() { ready <- struct{}{} })
	<-ready
	<-ready
	addresses, roads, landCover, communes := fixtureRows(t, coll("addresses")), fixtureRows(t, coll("roads")),
		fixtureRows(t, coll("land_cover")), fixtureRows(t, coll("communes"))

	n := 0
	apply := func(label, id string, rows []socle.Row, rejects []socle.Reject) {
		t.Helper()
		n++
		b := socle.Batch{ID: fmt.Sprintf("batch-%02d", n), Kind: "test", Source: label}
		r1, err1 := pg.Import(ctx, b, coll(id), socle.RowsOf(rows, rejects))
		r2, err2 := em.Import(ctx, b, coll(id), socle.RowsOf(rows, rejects))
		if !sameErrors(t, label, err1, err2) {
			t.Logf("%s: PostGIS %v; embedded %v", label, err1, err2)
		}
		if err1 == nil && err2 == nil && r1 != r2 {
			t.Errorf("%s: PostGIS %+v, embedded %+v", label, r1, r2)
		}
		// The changes: PostGIS's come through the database.
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) && pgLog.len() < emLog.len() {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		pgc, emc := pgLog.take(), emLog.take()
		t.Logf("%s: %+v %v; changes %v", label, r2, err2, summarize(emc))
		compareChanges(t, label, pgc, emc)
	}

	apply("communes", "communes", communes, nil)
	apply("roads", "roads", roads, nil)
	apply("land cover", "land_cover", landCover, nil)
	apply("addresses", "addresses", addresses, []socle.Reject{{Line: 7, Column: "numero", Reason: "numero: x is not a valid integer", Raw: "x"}})

	// Updates, an unchanged row, inserts with and without ids, an
	// address moved.
	moved, err := transform(orb.Point{1.5961723, 43.4321}, 4326, 2154)
	if err != nil {
		t.Fatal(err)
	}
	newAddr := func(key string, numero int64, id any) socle.Row {
		r := withProps(t, addresses[10], map[string]any{"cle_interop": key, "numero": numero})
		r.ID = id
		return r
	}
	batch := []socle.Row{
		withProps(t, addresses[0], map[string]any{"voie_nom": "Rue Nouvelle"}),
		{ID: addresses[1].ID, Geometry: moved, Properties: addresses[1].Properties},
		addresses[2],
		newAddr("31004_0010_09991", 9991, nil),
		newAddr("31004_0010_09992", 9992, nil),
		newAddr("31004_0010_09993", 9993, int64(90001)),
	}
	apply("addresses changed", "addresses", batch, nil)
	apply("addresses again", "addresses", batch, nil)
	// Keyless rows that exist consume ids of the sequence all the same.
	keyless := slices.Clone(addresses[20:40])
	for i := range keyless {
		keyless[i].ID = nil
	}
	keyless = append(keyless, newAddr("31004_0010_09994", 9994, nil))
	apply("addresses keyless", "addresses", keyless, nil)
	apply("addresses keyless, one more", "addresses", append(keyless, newAddr("31004_0010_09995", 9995, nil)), nil)

	// Rows refused whole batches.
	for _, tc := range []struct {
		label string
		row   socle.Row
	}{
		{"numero out of its check", withProps(t, addresses[3], map[string]any{"numero": int64(100000)})},
		{"numero beyond integer", withProps(t, addresses[3], map[string]any{"numero": int64(3000000000)})},
		{"numero not an integer", withProps(t, addresses[3], map[string]any{"numero": 3.5})},
		{"voie_nom null", withProps(t, addresses[3], map[string]any{"voie_nom": nil})},
		{"cle_interop null", withProps(t, addresses[3], map[string]any{"cle_interop": nil})},
		{"a date as text", withProps(t, addresses[3], map[string]any{"date_der_maj": "2024-13-01"})},
		{"id taken", newAddr("31004_0010_09996", 9996, int64(5))},
		{"line for a point", socle.Row{ID: addresses[3].ID, Geometry: orb.LineString{{580000, 6270000}, {580100, 6270100}}, Properties: addresses[3].Properties}},
		{"no geometry", socle.Row{ID: addresses[3].ID, Properties: addresses[3].Properties}},
	} {
		apply(tc.label, "addresses", []socle.Row{addresses[4], tc.row}, nil)
	}
	// A failed batch consumes the ids it drew, as PostgreSQL's sequence does.
	apply("keyless, then a conflict", "addresses", []socle.Row{newAddr("31004_0010_09998", 9998, nil), withProps(t, addresses[3], map[string]any{"numero": int64(100000)})}, nil)
	apply("keyless after a failure", "addresses", []socle.Row{newAddr("31004_0010_09999", 9999, nil)}, nil)
	apply("a key twice", "addresses", []socle.Row{addresses[5], withProps(t, addresses[5], map[string]any{"voie_nom": "X"})}, nil)
	apply("a new key twice", "addresses", []socle.Row{newAddr("31004_0010_09997", 9997, nil), newAddr("31004_0010_09997", 9997, nil)}, nil)
	apply("an unchanged key twice", "addresses", []socle.Row{addresses[6], addresses[6]}, nil)
	apply("insee malformed", "communes", []socle.Row{withProps(t, communes[0], map[string]any{"nom": "X"}), {ID: "3100A", Geometry: communes[1].Geometry, Properties: communes[1].Properties}}, nil)

	// Many roads at once: one envelope for them all.
	var wide []socle.Row
	for i, r := range roads[:150] {
		wide = append(wide, withProps(t, r, map[string]any{"width": 3.5 + float64(i%7)}))
	}
	apply("150 roads", "roads", wide, nil)
	apply("a road", "roads", []socle.Row{withProps(t, roads[200], map[string]any{"width": nil, "surface": "non revêtue"})}, nil)

	// Land cover artificialised in 2022 and un-artificialised: the
	// communes' indicators follow.
	var parcels []socle.Row
	for i, r := range landCover[:40] {
		if i%2 == 0 {
			parcels = append(parcels, withProps(t, r, map[string]any{"artificialised": true, "year_artificialised": int64(2022), "code_us": "US2"}))
		} else {
			parcels = append(parcels, withProps(t, r, map[string]any{"artificialised": false, "year_artificialised": nil}))
		}
	}
	apply("land cover artificialised", "land_cover", parcels, nil)
	apply("communes population", "communes", []socle.Row{withProps(t, communes[3], map[string]any{"population": int64(1234)})}, nil)

	// What both serve afterwards.
	p := &storePair{pg: pg, em: em, cat: cat}
	st := &stats{}
	for _, c := range cat.Collections {
		p.walk(t, c.ID+" after the batches", c, socle.ItemsRequest{Limit: 10000}, 1, st)
		a, _ := pg.Summary(ctx, c)
		b, _ := em.Summary(ctx, c)
		if a.Count != b.Count || a.Version != b.Version || a.LastBatch != b.LastBatch {
			t.Errorf("%s: summary PostGIS %d/v%d/%s, embedded %d/v%d/%s", c.ID, a.Count, a.Version, a.LastBatch, b.Count, b.Version, b.LastBatch)
		}
	}
	t.Logf("%d batches, %d features compared after them", n, st.features)
}

// compareChanges compares the announced changes: the same collections,
// versions and flags in the same order, and the same boxes (in any order,
// to a micrometre).
func compareChanges(t *testing.T, label string, pg, em []socle.Change) {
	t.Helper()
	if len(pg) != len(em) {
		t.Errorf("%s: PostGIS announced %d changes %v, embedded %d %v", label, len(pg), summarize(pg), len(em), summarize(em))
		return
	}
	for i := range pg {
		a, b := pg[i], em[i]
		if a.Collection != b.Collection || a.Version != b.Version || a.All != b.All {
			t.Errorf("%s: change %d: PostGIS %s v%d all=%v, embedded %s v%d all=%v", label, i, a.Collection, a.Version, a.All, b.Collection, b.Version, b.All)
			continue
		}
		for _, srid := range []int{3857, 3035} {
			x, y := slices.Clone(a.Boxes[srid]), slices.Clone(b.Boxes[srid])
			order := func(p, q [4]float64) int {
				for k := range p {
					if c := compareFloat(p[k], q[k]); c != 0 {
						return c
					}
				}
				return 0
			}
			slices.SortFunc(x, order)
			slices.SortFunc(y, order)
			if len(x) != len(y) {
				t.Errorf("%s: change %d (%s): %d boxes in %d from PostGIS, %d from embedded", label, i, a.Collection, len(x), srid, len(y))
				continue
			}
			for k := range x {
				for j := range x[k] {
					if math.Abs(x[k][j]-y[k][j]) > 1e-6 {
						t.Errorf("%s: change %d (%s): box in %d PostGIS %v, embedded %v", label, i, a.Collection, srid, x[k], y[k])
						break
					}
				}
			}
		}
	}
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func summarize(cs []socle.Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s v%d boxes:%d all:%v", c.Collection, c.Version, len(c.Boxes[3857]), c.All))
	}
	return out
}
