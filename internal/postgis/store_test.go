package postgis

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/socle-geo/socle/fixtures"
	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/internal/testdb"
	"github.com/socle-geo/socle/internal/zan"
	"github.com/socle-geo/socle/ogc/crs"
	"github.com/socle-geo/socle/ogc/tiles"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// open returns a migrated store on a fresh database.
func open(t *testing.T, opts Options) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, testdb.New(t), socle.DefaultCatalog(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	return s
}

// toLambert brings the test grids to the storage CRS.
var toLambert, _ = crs.NewTransformer(4326, StorageSRID)

// addressRows makes n addresses on a grid near Labège (drawn in CRS84), with
// attributes that repeat so that sorting has ties and NULLs.
func addressRows(t *testing.T, n int, seed uint64) []socle.Row {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	streets := []string{"Rue de l’Église", "Avenue des Pyrénées", "Chemin de la Ramée", "Allée Jean Jaurès"}
	var rows []socle.Row
	for i := 1; i <= n; i++ {
		p := orb.Point{1.50 + float64(i%50)*0.0005, 43.53 + float64(i/50)*0.0005}
		g, err := crs.TransformGeometry(p, toLambert)
		if err != nil {
			t.Fatal(err)
		}
		var suffixe any
		if rng.IntN(4) == 0 {
			suffixe = []string{"bis", "ter", "a"}[rng.IntN(3)]
		}
		var date any
		if rng.IntN(5) > 0 {
			date = time.Date(2020+rng.IntN(6), time.Month(1+rng.IntN(9)), 10+rng.IntN(10), 0, 0, 0, 0, time.UTC)
		}
		props := map[string]any{
			"cle_interop": fmt.Sprintf("31254_%04d_%05d", i%7, i), "numero": int64(1 + rng.IntN(40)), "suffixe": suffixe,
			"voie_nom": streets[rng.IntN(len(streets))], "commune_insee": []string{"31254", "31003"}[i%2],
			"commune_nom": []string{"Labège", "Aigrefeuille"}[i%2], "position": "entrée", "source": "test",
			"date_der_maj": date, "certification_commune": rng.IntN(2) == 0,
		}
		rows = append(rows, socle.Row{ID: int64(i), Geometry: g, Properties: props})
	}
	return rows
}

func load(t *testing.T, s *Store, collection string, rows []socle.Row) socle.ImportResult {
	t.Helper()
	c, _ := s.catalog.Collection(collection)
	res, err := s.Import(context.Background(), socle.Batch{ID: socle.NewBatchID("test", time.Now()), Kind: "test"}, c, socle.RowsOf(rows, nil))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestMigrateIsIdempotentAndConcurrent(t *testing.T) {
	s := open(t, Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- s.Migrate(context.Background(), quiet) }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestImportIsIdempotentAndKeepsRejects(t *testing.T) {
	s := open(t, Options{})
	rows := addressRows(t, 40, 1)
	c, _ := s.catalog.Collection("addresses")
	rejects := []socle.Reject{{Line: 41, Column: "numero", Reason: "numero: x is not a valid integer", Raw: `{"numero":"x"}`}}
	ctx := context.Background()
	first, err := s.Import(ctx, socle.Batch{ID: "b1", Kind: "test"}, c, socle.RowsOf(rows, rejects))
	if err != nil {
		t.Fatal(err)
	}
	if first.Inserted != 40 || first.Rejected != 1 || first.Read != 41 {
		t.Fatalf("first import = %+v", first)
	}
	sum1, _ := s.Summary(ctx, c)
	second := load(t, s, "addresses", rows)
	if second.Unchanged != 40 || second.Inserted+second.Updated != 0 {
		t.Fatalf("the same rows imported twice changed something: %+v", second)
	}
	sum2, _ := s.Summary(ctx, c)
	if sum2.Version != sum1.Version {
		t.Errorf("an import that changed nothing bumped the version %d → %d", sum1.Version, sum2.Version)
	}
	// One changed row is one update, and it names its batch.
	rows[3].Properties["voie_nom"] = "Rue Nouvelle"
	third := load(t, s, "addresses", rows)
	if third.Updated != 1 || third.Unchanged != 39 {
		t.Fatalf("one changed row: %+v", third)
	}
	var batch, reason string
	if err := s.pool.QueryRow(ctx, "SELECT batch FROM addresses WHERE id = 4").Scan(&batch); err != nil || batch != third.BatchID {
		t.Errorf("changed row names batch %q (%v), want %q", batch, err, third.BatchID)
	}
	if err := s.pool.QueryRow(ctx, "SELECT reason FROM batch_rejects WHERE batch = 'b1' AND line = 41").Scan(&reason); err != nil || reason == "" {
		t.Errorf("the rejected row was not kept: %v", err)
	}
	// Feature ids are stable across re-imports keyed by cle_interop, even
	// when the file carries no ids.
	for i := range rows {
		rows[i].ID = nil
	}
	load(t, s, "addresses", rows)
	var id int64
	if err := s.pool.QueryRow(ctx, "SELECT id FROM addresses WHERE cle_interop = '31254_0004_00004'").Scan(&id); err != nil || id != 4 {
		t.Errorf("id after a re-import without ids = %d (%v), want 4", id, err)
	}
}

// An import writes its new rows in the order of their geometries, whatever
// the file's order, so that the features of a box share heap pages.
func TestImportWritesRowsInSpatialOrder(t *testing.T) {
	s := open(t, Options{})
	rows := addressRows(t, 400, 3)
	// The file's order and the ids unrelated to where the addresses are.
	rand.New(rand.NewPCG(7, 7)).Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	for i := range rows {
		rows[i].ID = int64(i + 1)
	}
	load(t, s, "addresses", rows)
	ids := func(order string) []int64 {
		t.Helper()
		r, err := s.pool.Query(context.Background(), "SELECT id FROM addresses ORDER BY "+order)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(r, pgx.RowTo[int64])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	stored, spatial := ids("ctid"), ids("geom, id")
	if !slices.Equal(stored, spatial) {
		t.Fatalf("rows stored in the order %v…, want the geometries' order %v…", stored[:10], spatial[:10])
	}
	// Neighbours on the heap are neighbours on the ground: consecutive rows
	// about two grid steps apart on average (90 m), where the file's order
	// jumps across the grid (50 × 8 points 40–55 m apart: ~700 m).
	var apart float64
	if err := s.pool.QueryRow(context.Background(), `SELECT avg(d) FROM (
		SELECT ST_Distance(geom, lag(geom) OVER (ORDER BY ctid)) AS d FROM addresses) x`).Scan(&apart); err != nil {
		t.Fatal(err)
	}
	if apart > 200 {
		t.Errorf("consecutive stored rows %.0f m apart on average", apart)
	}
}

// A batch that wrote a large part of a table leaves it analysed: the
// planner's statistics count its rows. A small one leaves that to
// autovacuum.
func TestBulkImportLeavesTheTableAnalysed(t *testing.T) {
	s := open(t, Options{})
	analysed := func() (n int64) {
		t.Helper()
		if err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stats WHERE schemaname = 'socle' AND tablename = 'addresses'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return
	}
	tuples := func() (n float64) {
		t.Helper()
		if err := s.pool.QueryRow(context.Background(), `SELECT reltuples FROM pg_class WHERE oid = 'addresses'::regclass`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return
	}
	rows := addressRows(t, 1500, 5)
	load(t, s, "addresses", rows[:50])
	if n := analysed(); n != 0 {
		t.Fatalf("50 rows: %d columns with statistics, want the table left to autovacuum", n)
	}
	load(t, s, "addresses", rows)
	if n, r := analysed(), tuples(); n == 0 || r != 1500 {
		t.Fatalf("1,500 rows: %d columns with statistics, %v rows; want the table analysed", n, r)
	}
	// The session's statement timeout is back on the pool's connections.
	var timeout string
	for range 4 {
		if err := s.pool.QueryRow(context.Background(), "SHOW statement_timeout").Scan(&timeout); err != nil || timeout == "0" {
			t.Fatalf("statement_timeout = %q (%v) after the analyse", timeout, err)
		}
	}
}

// page collects every feature id of a query, following next cursors, and
// checks the prev cursors lead back over the same pages.
func pageAll(t *testing.T, s *Store, q *socle.ItemsQuery) []string {
	t.Helper()
	ctx := context.Background()
	var all []string
	var pages [][]string
	for n := 0; ; n++ {
		var ids []string
		page, err := s.Items(ctx, q, func(f *socle.Feature) error { ids = append(ids, string(f.ID)); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != page.NumberReturned {
			t.Fatalf("NumberReturned %d, streamed %d", page.NumberReturned, len(ids))
		}
		all = append(all, ids...)
		pages = append(pages, ids)
		if n > 0 && page.Prev == nil {
			t.Fatalf("page %d has no prev link", n)
		}
		if page.Next == nil {
			break
		}
		next := *q
		next.Cursor = page.Next
		q = &next
	}
	return all
}

func TestKeysetPagingMatchesAFullSort(t *testing.T) {
	s := open(t, Options{})
	rows := addressRows(t, 230, 7)
	load(t, s, "addresses", rows)
	c, _ := s.catalog.Collection("addresses")
	// The oracle: every feature, sorted in Go.
	type rec struct {
		id    string
		props map[string]any
	}
	var recs []rec
	_, err := s.Items(context.Background(), storetest.Items(t, c, socle.ItemsRequest{Limit: 1000}), func(f *socle.Feature) error {
		var p map[string]any
		if err := json.Unmarshal(f.Properties, &p); err != nil {
			return err
		}
		recs = append(recs, rec{string(f.ID), p})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cmp := func(a, b any) int { // NULLs last, as PostgreSQL orders ascending
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return 1
		case b == nil:
			return -1
		}
		switch x := a.(type) {
		case float64:
			return compare(x, b.(float64))
		case string:
			return compare(x, b.(string))
		case bool:
			return compare(fmt.Sprint(x), fmt.Sprint(b))
		}
		return 0
	}
	sorts := [][]socle.SortKey{
		nil,
		{{Property: "numero"}},
		{{Property: "numero", Desc: true}},
		{{Property: "suffixe"}, {Property: "numero", Desc: true}},
		{{Property: "suffixe", Desc: true}},
		{{Property: "date_der_maj", Desc: true}, {Property: "voie_nom"}},
		{{Property: "certification_commune"}, {Property: "date_der_maj"}},
		{{Property: "voie_nom", Desc: true}, {Property: "suffixe", Desc: true}, {Property: "numero"}},
	}
	for _, sortBy := range sorts {
		want := slices.Clone(recs)
		sort.SliceStable(want, func(i, j int) bool {
			for _, k := range sortBy {
				c := cmp(want[i].props[k.Property], want[j].props[k.Property])
				if k.Desc {
					c = -c
				}
				if c != 0 {
					return c < 0
				}
			}
			return compare(atoi(want[i].id), atoi(want[j].id)) < 0
		})
		var wantIDs []string
		for _, r := range want {
			wantIDs = append(wantIDs, r.id)
		}
		for _, limit := range []int{1, 7, 50, 230, 500} {
			got := pageAll(t, s, storetest.Items(t, c, socle.ItemsRequest{SortBy: sortBy, Limit: limit}))
			if !slices.Equal(got, wantIDs) {
				t.Errorf("sortby %v limit %d: paging gives\n%v\nwant\n%v", sortBy, limit, got, wantIDs)
			}
		}
	}
}

func atoi(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}

func compare[T int | float64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestPrevPagesWalkBack(t *testing.T) {
	s := open(t, Options{})
	load(t, s, "addresses", addressRows(t, 53, 3))
	c, _ := s.catalog.Collection("addresses")
	ctx := context.Background()
	q := storetest.Items(t, c, socle.ItemsRequest{Limit: 10, SortBy: []socle.SortKey{{Property: "suffixe", Desc: true}, {Property: "numero"}}})
	var forward [][]string
	for {
		var ids []string
		page, err := s.Items(ctx, q, func(f *socle.Feature) error { ids = append(ids, string(f.ID)); return nil })
		if err != nil {
			t.Fatal(err)
		}
		forward = append(forward, ids)
		if page.Next == nil {
			// Now walk back with prev links.
			for i := len(forward) - 2; i >= 0; i-- {
				if page.Prev == nil {
					t.Fatalf("page %d has no prev", i+1)
				}
				prev := *q
				prev.Cursor = page.Prev
				q = &prev
				var back []string
				page, err = s.Items(ctx, q, func(f *socle.Feature) error { back = append(back, string(f.ID)); return nil })
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(back, forward[i]) {
					t.Fatalf("prev of page %d = %v, want %v", i+1, back, forward[i])
				}
			}
			if page.Prev != nil {
				t.Errorf("the first page, reached backwards, still has a prev link")
			}
			return
		}
		next := *q
		next.Cursor = page.Next
		q = &next
	}
}

func TestFiltersBindValuesOnly(t *testing.T) {
	s := open(t, Options{})
	load(t, s, "addresses", addressRows(t, 20, 5))
	c, _ := s.catalog.Collection("addresses")
	ctx := context.Background()
	for _, hostile := range []string{"' OR 1=1 --", "31254'; DROP TABLE socle.addresses; --", `\'; SELECT pg_sleep(10); --`} {
		page, err := s.Items(ctx, storetest.Items(t, c, socle.ItemsRequest{Limit: 100, Equals: []socle.TextEquals{{Property: "commune_insee", Value: hostile}}}),
			func(*socle.Feature) error { return nil })
		if err != nil || page.NumberMatched != 0 || page.NumberReturned != 0 {
			t.Errorf("hostile value %q: %+v, %v", hostile, page, err)
		}
	}
	sum, err := s.Summary(ctx, c)
	if err != nil || sum.Count != 20 {
		t.Fatalf("the table was harmed: %+v %v", sum, err)
	}
	// A property name that is not in the catalog never reaches SQL.
	_, err = socle.ResolveItems(c, socle.ItemsRequest{Limit: 1, Equals: []socle.TextEquals{{Property: "id; DROP TABLE x", Value: "1"}}})
	if socle.ErrorCode(err) != socle.EINVALID {
		t.Errorf("unknown property: %v", err)
	}
	// A forged cursor is a 400, not a database error.
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"k":["1; DROP"]}`))
	_, err = socle.ResolveItems(c, socle.ItemsRequest{Limit: 1, Cursor: forged})
	if code := socle.ErrorCode(err); code != socle.EINVALID {
		t.Errorf("forged cursor: %v (%s)", err, code)
	}
}

func TestBBoxAndDatetime(t *testing.T) {
	s := open(t, Options{})
	rows := addressRows(t, 100, 9)
	load(t, s, "addresses", rows)
	c, _ := s.catalog.Collection("addresses")
	ctx := context.Background()
	count := func(r socle.ItemsRequest) int64 {
		r.Limit = 1000
		q := storetest.Items(t, c, r)
		n := 0
		page, err := s.Items(ctx, q, func(*socle.Feature) error { n++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if int64(n) != page.NumberMatched {
			t.Errorf("numberMatched %d but %d streamed", page.NumberMatched, n)
		}
		return page.NumberMatched
	}
	// The grid is 50 columns, 0.0005° apart, from (1.5, 43.53); ids start at 1.
	box := socle.BBox{MinX: 1.49999, MinY: 43.52999, MaxX: 1.50451, MaxY: 43.53001}
	inBox := 0
	toLonLat, _ := crs.NewTransformer(StorageSRID, 4326)
	for _, r := range rows {
		g, _ := crs.TransformGeometry(r.Geometry, toLonLat)
		p := g.(orb.Point)
		if p[0] >= box.MinX && p[0] <= box.MaxX && p[1] >= box.MinY && p[1] <= box.MaxY {
			inBox++
		}
	}
	if n := count(socle.ItemsRequest{BBox: &box}); n != int64(inBox) || inBox == 0 {
		t.Errorf("bbox: %d features, want %d", n, inBox)
	}
	if n := count(socle.ItemsRequest{BBox: &socle.BBox{MinX: 2, MinY: 45, MaxX: 2.1, MaxY: 45.1}}); n != 0 {
		t.Errorf("bbox far away: %d features", n)
	}
	// Datetime against the oracle.
	from := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	want := 0
	for _, r := range rows {
		if d, ok := r.Properties["date_der_maj"].(time.Time); ok && !d.Before(from) {
			want++
		}
	}
	if n := count(socle.ItemsRequest{Datetime: &socle.Interval{Start: &from}}); n != int64(want) {
		t.Errorf("datetime 2023-01-01/..: %d, want %d", n, want)
	}
}

func TestFullPoolAnswersUnavailable(t *testing.T) {
	s := open(t, Options{MaxConns: 1, AcquireTimeout: 200 * time.Millisecond})
	ctx := context.Background()
	held, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := s.catalog.Collection("communes")
	start := time.Now()
	_, err = s.Summary(ctx, c)
	if socle.ErrorCode(err) != socle.EUNAVAILABLE {
		t.Fatalf("full pool: %v", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("a full pool made the caller wait %s", waited)
	}
	// Every read: a tile under load is a 503 with Retry-After, never a 500.
	sets, err := tiles.Load()
	if err != nil {
		t.Fatal(err)
	}
	tl, err := sets[0].Parse("12", "1500", "2060")
	if err != nil {
		t.Fatal(err)
	}
	roads, _ := s.catalog.Collection("roads")
	for name, read := range map[string]func() error{
		"tile": func() error {
			_, err := s.Tile(ctx, socle.TileQuery{Tile: tl, Collections: []*socle.Collection{roads}})
			return err
		},
		"items": func() error {
			_, err := s.Items(ctx, storetest.Items(t, roads, socle.ItemsRequest{Limit: 10}), func(*socle.Feature) error { return nil })
			return err
		},
		"feature": func() error { _, err := s.Feature(ctx, storetest.Feature(t, roads, "1")); return err },
		"changes": func() error {
			q, _ := socle.ResolveChanges(roads, socle.ChangesRequest{Limit: 10})
			_, err := s.Changes(ctx, q, func(*socle.ChangeEntry) error { return nil })
			return err
		},
	} {
		if err := read(); socle.ErrorCode(err) != socle.EUNAVAILABLE {
			t.Errorf("%s on a full pool: %v", name, err)
		}
	}
	held.Release()
	if _, err := s.Summary(ctx, c); err != nil {
		t.Fatalf("after release: %v", err)
	}
	// A caller who leaves while waiting gets its own error, not EUNAVAILABLE.
	held, _ = s.pool.Acquire(ctx)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Summary(cctx, c); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v", err)
	}
	held.Release()
}

// TestChangeLog runs the change-log suite on the PostGIS store.
func TestChangeLog(t *testing.T) {
	s := open(t, Options{})
	im := &importer.Importer{Store: s, Catalog: s.catalog, Log: quiet, Actor: "test"}
	if _, err := im.ImportFixturesFS(context.Background(), fixtures.FS); err != nil {
		t.Fatal(err)
	}
	storetest.ChangeLog(t, s, socle.DefaultCatalog())
}

// TestChangeFeed runs the change-feed suite on the PostGIS store.
func TestChangeFeed(t *testing.T) {
	s := open(t, Options{})
	im := &importer.Importer{Store: s, Catalog: s.catalog, Log: quiet, Actor: "test"}
	if _, err := im.ImportFixturesFS(context.Background(), fixtures.FS); err != nil {
		t.Fatal(err)
	}
	storetest.ChangeFeed(t, s, socle.DefaultCatalog())
}

// TestZAN runs the ZAN suite on the PostGIS store.
func TestZAN(t *testing.T) {
	s := open(t, Options{})
	storetest.ZAN(t, s, socle.DefaultCatalog())
}

// TestZANChanges runs the change-layer case of the ZAN suite on PostGIS.
func TestZANChanges(t *testing.T) {
	s := open(t, Options{})
	storetest.ZANChanges(t, s, socle.DefaultCatalog())
}

// TestBoxPageForms walks bbox pages forwards and back, sorted several ways,
// with the page statement the store chooses when it expects few matches
// (the page, then a count when it is full) and when it expects many
// (narrowPage: the matches read narrow, the page's rows by their address,
// and the count, in one statement): both give the
// same features, pages, cursors and numberMatched, those of a page without
// a bbox over the same features.
func TestBoxPageForms(t *testing.T) {
	s := open(t, Options{})
	rows := addressRows(t, 230, 11)
	load(t, s, "addresses", rows)
	c, _ := s.catalog.Collection("addresses")
	ctx := context.Background()
	// The grid runs from (1.5, 43.53), 50 columns 0.0005° apart: this box
	// holds the first 3 rows and 41 columns of them, 123 features.
	box := &socle.BBox{MinX: 1.49999, MinY: 43.52999, MaxX: 1.52001, MaxY: 43.53101}
	inBox := map[string]bool{}
	toLonLat, _ := crs.NewTransformer(StorageSRID, 4326)
	for _, r := range rows {
		g, _ := crs.TransformGeometry(r.Geometry, toLonLat)
		p := g.(orb.Point)
		if p[0] >= box.MinX && p[0] <= box.MaxX && p[1] >= box.MinY && p[1] <= box.MaxY {
			inBox[fmt.Sprint(r.ID)] = true
		}
	}
	type page struct {
		ids              string
		matched          int64
		next, prev       *socle.Cursor
		returned         int
		nextNil, prevNil bool
	}
	walk := func(q *socle.ItemsQuery, narrow bool) []page {
		form := func() {
			s.mu.Lock()
			if narrow {
				s.density[c.ID] = narrowMax / 2 / boxArea(q.Area) // expects many matches, not too many
			} else {
				delete(s.density, c.ID)
			}
			s.mu.Unlock()
		}
		var out []page
		for {
			form()
			var ids []string
			pg, err := s.Items(ctx, q, func(f *socle.Feature) error {
				ids = append(ids, string(f.ID)+string(f.Geometry)+string(f.Properties))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, page{ids: fmt.Sprint(ids), matched: pg.NumberMatched, returned: pg.NumberReturned,
				next: pg.Next, prev: pg.Prev, nextNil: pg.Next == nil, prevNil: pg.Prev == nil})
			if pg.Next == nil {
				break
			}
			next := *q
			next.Cursor = pg.Next
			q = &next
		}
		// And back from the last page to the first.
		for i := len(out) - 1; i > 0; i-- {
			prev := *q
			prev.Cursor = out[i].prev
			form()
			var ids []string
			pg, err := s.Items(ctx, &prev, func(f *socle.Feature) error {
				ids = append(ids, string(f.ID)+string(f.Geometry)+string(f.Properties))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(ids); got != out[i-1].ids || pg.NumberMatched != out[i-1].matched {
				t.Errorf("narrow %v: prev of page %d differs from page %d (%d matched, want %d)", narrow, i, i-1, pg.NumberMatched, out[i-1].matched)
			}
		}
		return out
	}
	sorts := [][]socle.SortKey{nil, {{Property: "suffixe", Desc: true}, {Property: "numero"}}, {{Property: "date_der_maj"}}}
	for _, sortBy := range sorts {
		for _, limit := range []int{10, 123, 500} {
			q := storetest.Items(t, c, socle.ItemsRequest{BBox: box, SortBy: sortBy, Limit: limit})
			whole, narrow := walk(q, false), walk(q, true)
			// Records (CSV, FlatGeobuf, GeoPackage, JSON-FG) walk the same
			// statements with typed columns.
			records := func(narrow bool) string {
				var out []string
				q := q
				for {
					s.mu.Lock()
					if narrow {
						s.density[c.ID] = narrowMax / 2 / boxArea(q.Area)
					} else {
						delete(s.density, c.ID)
					}
					s.mu.Unlock()
					pg, err := s.Records(ctx, q, func(r *socle.Record) error {
						out = append(out, fmt.Sprint(r.ID, r.Geometry, r.Values))
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, fmt.Sprint("matched ", pg.NumberMatched))
					if pg.Next == nil {
						return strings.Join(out, "\n")
					}
					next := *q
					next.Cursor = pg.Next
					q = &next
				}
			}
			if w, n := records(false), records(true); w != n {
				t.Errorf("sortby %v limit %d: Records differ between the forms:\n%s\nnarrow:\n%s", sortBy, limit, w, n)
			}
			s.mu.Lock()
			s.density[c.ID] = narrowMax / 2 / boxArea(q.Area)
			s.mu.Unlock()
			if est, ok := s.expectedMatches(q); !ok || est <= float64(limit) || est > narrowMax {
				t.Fatalf("limit %d: the narrow form is not chosen (%v matches expected)", limit, est)
			}
			if len(whole) != len(narrow) {
				t.Fatalf("sortby %v limit %d: %d pages, narrow %d", sortBy, limit, len(whole), len(narrow))
			}
			n := 0
			for i := range whole {
				w, nw := whole[i], narrow[i]
				if w.ids != nw.ids || w.matched != nw.matched || w.returned != nw.returned || w.nextNil != nw.nextNil || w.prevNil != nw.prevNil {
					t.Errorf("sortby %v limit %d page %d: whole and narrow differ (matched %d/%d, returned %d/%d)",
						sortBy, limit, i, w.matched, nw.matched, w.returned, nw.returned)
				}
				if w.matched != int64(len(inBox)) {
					t.Errorf("sortby %v limit %d page %d: numberMatched %d, want %d", sortBy, limit, i, w.matched, len(inBox))
				}
				n += w.returned
			}
			if n != len(inBox) {
				t.Errorf("sortby %v limit %d: %d features over the pages, want %d", sortBy, limit, n, len(inBox))
			}
		}
	}
}

// TestZANIndicatorsOnly checks on PostGIS that a Cerema file's
// recomputation (indicators only) is a full recomputation's.
func TestZANIndicatorsOnly(t *testing.T) {
	s := open(t, Options{})
	storetest.ZANIndicatorsOnly(t, s, socle.DefaultCatalog())
}

// TestZANEPCIName: the EPCI's rows are named as Options.EPCINames say.
func TestZANEPCIName(t *testing.T) {
	s := open(t, Options{EPCINames: zan.EPCINames{"200000001": "Communauté de communes de l’Aval"}})
	storetest.ZANEPCIName(t, s, socle.DefaultCatalog(), "Communauté de communes de l’Aval")
}

// TestTileFeaturesInIDOrder: a tile lists its features in the order of
// their ids, as the embedded store does, whatever the order of the rows on
// disk (here the geometries', unrelated to the ids): the same tile is the
// same bytes, and ETag, whatever the plan that read it.
func TestTileFeaturesInIDOrder(t *testing.T) {
	s := open(t, Options{MaxConns: 1}) // one connection: the settings below are the tile's
	rows := addressRows(t, 400, 3)
	rand.New(rand.NewPCG(7, 7)).Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	for i := range rows {
		rows[i].ID = int64(i + 1)
	}
	load(t, s, "addresses", rows)
	sets, err := tiles.Load()
	if err != nil {
		t.Fatal(err)
	}
	mid := maptile.At(orb.Point{1.5125, 43.532}, 16) // the middle of the grid
	tl, err := sets[0].Parse("16", fmt.Sprint(mid.Y), fmt.Sprint(mid.X))
	if err != nil {
		t.Fatal(err)
	}
	addresses, _ := s.catalog.Collection("addresses")
	ctx := context.Background()
	var first []byte
	// Each plan PostgreSQL may choose: the index's order, the heap's, the
	// heap's after an update moved rows.
	for _, set := range []string{"enable_seqscan = off, enable_bitmapscan = off", "enable_indexscan = off", "enable_indexscan = on",
		"UPDATE"} {
		if set == "UPDATE" {
			if _, err := s.pool.Exec(ctx, "UPDATE addresses SET voie_nom = voie_nom WHERE id % 3 = 0"); err != nil {
				t.Fatal(err)
			}
		} else {
			for _, kv := range strings.Split(set, ", ") {
				k, v, _ := strings.Cut(kv, " = ")
				if _, err := s.pool.Exec(ctx, "SELECT set_config($1, $2, false)", k, v); err != nil {
					t.Fatal(err)
				}
			}
		}
		data, err := s.Tile(ctx, socle.TileQuery{Tile: tl, Collections: []*socle.Collection{addresses}})
		if err != nil {
			t.Fatal(err)
		}
		layers, err := mvt.Unmarshal(data)
		if err != nil || len(layers) != 1 || len(layers[0].Features) < 20 {
			t.Fatalf("%s: %v, %d layers, want one of at least 20 features", set, err, len(layers))
		}
		var ids []float64
		for _, f := range layers[0].Features {
			ids = append(ids, f.ID.(float64))
		}
		if !slices.IsSorted(ids) {
			t.Errorf("%s: features in the order %v", set, ids)
		}
		if first == nil {
			first = data
		} else if !bytes.Equal(data, first) {
			t.Errorf("%s: the tile is not the same bytes", set)
		}
	}
}
