package embedded

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/testdb"
)

// TestSchemasAgree checks the two stores' schemas against the one source
// of the feature tables, the catalog (internal/socle/layers.go), and
// against each other for the books: the PostGIS migrations and the
// GeoPackage tables this store creates must not drift apart.
func TestSchemasAgree(t *testing.T) {
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	url := testdb.New(t)
	pg, err := postgis.Open(ctx, url, cat, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	if err := pg.Migrate(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	em, _ := openTemp(t)

	pgColumns := func(table string) map[string]string {
		rows, err := pool.Query(ctx, `SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = 'socle' AND table_name = $1`, table)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var name, typ string
			if err := rows.Scan(&name, &typ); err != nil {
				t.Fatal(err)
			}
			out[name] = typ
		}
		return out
	}
	sqliteColumns := func(table string) map[string]string {
		rows, err := em.db.QueryContext(ctx, `SELECT name, type FROM pragma_table_info(?)`, table)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var name, typ string
			if err := rows.Scan(&name, &typ); err != nil {
				t.Fatal(err)
			}
			out[name] = strings.ToUpper(typ)
		}
		return out
	}
	// The kinds a property type is stored as, in each database.
	pgKinds := map[socle.Type][]string{
		socle.TypeString: {"text"}, socle.TypeInteger: {"int2", "int4", "int8"}, socle.TypeNumber: {"float8", "numeric"},
		socle.TypeBoolean: {"bool"}, socle.TypeDate: {"date"}, socle.TypeDateTime: {"timestamptz"}, socle.TypeObject: {"jsonb"},
	}
	sqliteKinds := map[socle.Type][]string{
		socle.TypeString: {"TEXT"}, socle.TypeInteger: {"INTEGER", "MEDIUMINT", "SMALLINT", "TINYINT"}, socle.TypeNumber: {"DOUBLE", "REAL", "FLOAT"},
		socle.TypeBoolean: {"BOOLEAN"}, socle.TypeDate: {"DATE"}, socle.TypeDateTime: {"DATETIME"}, socle.TypeObject: {"TEXT"},
	}
	for _, c := range cat.Collections {
		pc, sc := pgColumns(c.ID), sqliteColumns(c.ID)
		if len(pc) == 0 || len(sc) == 0 {
			t.Errorf("%s: a table is missing (PostGIS %d columns, GeoPackage %d)", c.ID, len(pc), len(sc))
			continue
		}
		for _, p := range c.Properties {
			if k, ok := pc[p.Name]; !ok || !slices.Contains(pgKinds[p.Type], k) {
				t.Errorf("%s.%s (%s): PostGIS column %q", c.ID, p.Name, p.Type, k)
			}
			if k, ok := sc[p.Name]; !ok || !slices.Contains(sqliteKinds[p.Type], k) {
				t.Errorf("%s.%s (%s): GeoPackage column %q", c.ID, p.Name, p.Type, k)
			}
		}
		// Beyond the properties, each table has its id, its geometry, and
		// the batch and time of each row's last write; the GeoPackage its
		// fid where the id is not one.
		kept := []string{c.IDCol(), "geom", "batch", "updated_at"}
		for name := range pc {
			if _, ok := c.Property(name); !ok && !slices.Contains(kept, name) {
				t.Errorf("%s: PostGIS column %s is in no property of the catalog", c.ID, name)
			}
		}
		for name := range sc {
			if _, ok := c.Property(name); !ok && !slices.Contains(kept, name) && name != "fid" {
				t.Errorf("%s: GeoPackage column %s is in no property of the catalog", c.ID, name)
			}
		}
		for _, name := range kept {
			if _, ok := pc[name]; !ok {
				t.Errorf("%s: PostGIS has no column %s", c.ID, name)
			}
			if _, ok := sc[name]; !ok {
				t.Errorf("%s: the GeoPackage has no column %s", c.ID, name)
			}
		}
	}
	// The books: the same columns in both databases.
	for _, table := range []string{"batches", "batch_rejects", "update_inputs", "feature_changes", "update_reverts", "ingest_jobs", "api_keys", "audit_log", "layer_state", "change_log_floor", "sync_state", "consommation"} {
		pc, sc := pgColumns(table), sqliteColumns(table)
		var a, b []string
		for n := range pc {
			a = append(a, n)
		}
		for n := range sc {
			if n != "fid" { // a GeoPackage attributes table's primary key
				b = append(b, n)
			}
		}
		slices.Sort(a)
		slices.Sort(b)
		if len(a) == 0 || !slices.Equal(a, b) {
			t.Errorf("%s: PostGIS columns %v, GeoPackage columns %v", table, a, b)
		}
	}
}
