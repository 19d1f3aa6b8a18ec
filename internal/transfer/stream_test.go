package transfer_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver, to read the files as SQL

	"github.com/socle-geo/socle/fixtures"
	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/testdb"
	"github.com/socle-geo/socle/internal/transfer"
)

// fixtureStore is an embedded store holding the sample territory.
func fixtureStore(t *testing.T, dir string) *embedded.Store {
	t.Helper()
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	a, err := embedded.Open(ctx, filepath.Join(dir, "a.gpkg"), cat)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	im := &importer.Importer{Store: a, Catalog: cat, Log: quiet, Actor: "test"}
	if _, err := im.ImportFixturesFS(ctx, fixtures.FS); err != nil {
		t.Fatal(err)
	}
	return a
}

// migratedPostGIS opens a new PostGIS database with Socle's schema.
func migratedPostGIS(t *testing.T, cat *socle.Catalog) *postgis.Store {
	t.Helper()
	pg, err := postgis.Open(context.Background(), testdb.New(t), cat, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	if err := pg.Migrate(context.Background(), quiet); err != nil {
		t.Fatal(err)
	}
	return pg
}

// TestWriteGeoPackageAsImportsWrite checks that the streamed GeoPackage is
// the file that imports into a new embedded store make of the same
// territory (what WriteGeoPackage wrote before it streamed): every table,
// row by row — features, R-trees, GeoPackage registrations and extents,
// versions, batches, sequence, the communes' indicators — and the schema,
// all but the batch ids and the times of the run.
func TestWriteGeoPackageAsImportsWrite(t *testing.T) {
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	dir := t.TempDir()
	a := fixtureStore(t, dir)
	start := time.Now().UTC().Add(-time.Second)

	// WriteGeoPackage made its tables in copy order.
	ordered := &socle.Catalog{}
	for _, id := range transfer.Order {
		c, _ := cat.Collection(id)
		ordered.Collections = append(ordered.Collections, c)
	}
	if len(ordered.Collections) != len(cat.Collections) {
		t.Fatalf("the catalog has collections out of transfer.Order")
	}
	imported := filepath.Join(dir, "imported.gpkg")
	s, err := embedded.Open(ctx, imported, ordered)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := transfer.Copy(ctx, a, s, ordered, transfer.Options{Source: "a.gpkg", Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	streamed := filepath.Join(dir, "streamed.gpkg")
	if _, err := transfer.WriteGeoPackage(ctx, a, cat, streamed, transfer.Options{Source: "a.gpkg", Actor: "test"}); err != nil {
		t.Fatal(err)
	}

	want, got := sqlDump(t, imported, start), sqlDump(t, streamed, start)
	if len(want) < 1000 {
		t.Fatalf("the dump of %s has %d lines: too few to compare", imported, len(want))
	}
	if len(got) != len(want) {
		t.Errorf("the streamed file dumps to %d lines, the imported one to %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Fatalf("line %d differs:\n  imported: %s\n  streamed: %s", i, want[i], got[i])
		}
	}
}

// sqlDump lists a Socle GeoPackage's schema and every row of its tables
// (R-trees through their virtual tables), with the values that name the
// run — batch ids, and times from start on — masked.
func sqlDump(t *testing.T, path string, start time.Time) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	query := func(q string) [][]string {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var out [][]string
		raw := make([]any, len(cols))
		dest := make([]any, len(cols))
		for i := range raw {
			dest[i] = &raw[i]
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				t.Fatal(err)
			}
			rec := make([]string, len(cols))
			for i, v := range raw {
				if b, ok := v.([]byte); ok {
					v = fmt.Sprintf("%x", b)
				}
				if s, ok := v.(string); ok && cols[i] == "before" {
					// A row the run's derive batch replaced names the run's
					// copy batch and its time.
					s = batchInText.ReplaceAllString(s, "*")
					v = updatedInText.ReplaceAllString(s, `"updated_at":"*"`)
				}
				rec[i] = fmt.Sprintf("%s=%v", cols[i], v)
				if masked(cols[i], v, start) {
					rec[i] = cols[i] + "=*"
				}
			}
			out = append(out, rec)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	var lines []string
	for _, q := range []string{"PRAGMA application_id", "PRAGMA user_version", "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"} {
		for _, r := range query(q) {
			lines = append(lines, strings.Join(r, " "))
		}
	}
	for _, r := range query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT GLOB 'rtree_*_node' AND name NOT GLOB 'rtree_*_parent' AND name NOT GLOB 'rtree_*_rowid' ORDER BY name") {
		name := strings.TrimPrefix(r[0], "name=")
		for _, row := range query(`SELECT * FROM "` + name + `" ORDER BY 1`) {
			lines = append(lines, name+": "+strings.Join(row, " "))
		}
	}
	return lines
}

var (
	batchID       = regexp.MustCompile(`^(copy|derive)-\d{8}T\d{6}Z-[0-9a-f]{6}$`)
	batchInText   = regexp.MustCompile(`(copy|derive)-\d{8}T\d{6}Z-[0-9a-f]{6}`)
	updatedInText = regexp.MustCompile(`"updated_at":"[^"]*"`)
)

func masked(col string, v any, start time.Time) bool {
	if ts, ok := v.(time.Time); ok {
		return !ts.Before(start)
	}
	s, ok := v.(string)
	if !ok {
		return false
	}
	if batchID.MatchString(s) || col == "counts" && strings.Contains(s, `"batch":"copy-`) {
		return true
	}
	ts, err := time.Parse(time.RFC3339Nano, s)
	return err == nil && !ts.Before(start)
}

// pagedSource serves a store's features in small pages, counting the pages
// asked for; with corrupt, the first address it serves has a house number
// out of range (a CHECK violation for the writer).
type pagedSource struct {
	transfer.Source
	limit   int
	pages   int
	corrupt bool
}

func (s *pagedSource) Records(ctx context.Context, q *socle.ItemsQuery, fn func(*socle.Record) error) (socle.Page, error) {
	s.pages++
	small := *q
	small.Limit = s.limit
	numero := q.Index("numero")
	return s.Source.Records(ctx, &small, func(r *socle.Record) error {
		if s.corrupt && numero >= 0 {
			s.corrupt = false
			g := *r
			g.Values = slices.Clone(r.Values)
			g.Values[numero] = int64(100000)
			return fn(&g)
		}
		return fn(r)
	})
}

// TestWriteGeoPackageStreams checks that features are written as they are
// read: a row the writer refuses, in the first page, ends the read there,
// where a writer that took the collection whole would have read it all.
func TestWriteGeoPackageStreams(t *testing.T) {
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	dir := t.TempDir()
	a := fixtureStore(t, dir)
	opt := transfer.Options{Collections: []string{"addresses"}}

	whole := &pagedSource{Source: a, limit: 100}
	res, err := transfer.WriteGeoPackage(ctx, whole, cat, filepath.Join(dir, "whole.gpkg"), opt)
	if err != nil {
		t.Fatal(err)
	}
	if whole.pages < 3 || res[0].Inserted <= 2*whole.limit {
		t.Fatalf("%d addresses in %d pages: too few pages to tell", res[0].Inserted, whole.pages)
	}

	bad := &pagedSource{Source: a, limit: 100, corrupt: true}
	path := filepath.Join(dir, "bad.gpkg")
	_, err = transfer.WriteGeoPackage(ctx, bad, cat, path, opt)
	if socle.ErrorCode(err) != socle.ECONFLICT {
		t.Fatalf("an address with numero 100000 was not refused as a conflict: %v", err)
	}
	if bad.pages != 1 {
		t.Errorf("the writer refused the first row but %d pages of %d were read", bad.pages, whole.pages)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*bad*")); len(m) != 0 {
		t.Errorf("a failed write left %v", m)
	}
}
