package postgis

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/ogc/cql2"
)

// atsLayer is a Natural Earth layer of the suite and the filter target of
// its table.
type atsLayer struct {
	*storetest.ATSLayer
	tgt *filterTarget
}

// atsTables loads the suite's Natural Earth layers into PostGIS tables of
// schema ats, with the column types of the GeoPackage the ATS was written
// for, and returns each layer.
func atsTables(t *testing.T, s *Store) map[string]atsLayer {
	t.Helper()
	ctx := context.Background()
	if _, err := s.pool.Exec(ctx, "CREATE SCHEMA ats"); err != nil {
		t.Fatal(err)
	}
	targets := map[string]atsLayer{}
	for name, l := range storetest.ATSLayers(t) {
		var defs, quoted, placeholders []string
		for i, p := range l.Collection.Properties {
			defs = append(defs, ident(p.Name)+" "+sqlType(p.Type))
			quoted = append(quoted, ident(p.Name))
			placeholders = append(placeholders, fmt.Sprintf("$%d", i+1))
		}
		placeholders = append(placeholders, fmt.Sprintf("ST_GeomFromWKB($%d, 4326)", len(placeholders)+1))
		table := pgx.Identifier{"ats", name}.Sanitize()
		if _, err := s.pool.Exec(ctx, fmt.Sprintf("CREATE TABLE %s (fid serial, %s, geom geometry(Geometry, 4326))", table, strings.Join(defs, ", "))); err != nil {
			t.Fatal(err)
		}
		insert := fmt.Sprintf("INSERT INTO %s (%s, geom) VALUES (%s)", table, strings.Join(quoted, ", "), strings.Join(placeholders, ", "))
		batch := &pgx.Batch{}
		for i, f := range l.Features {
			g, err := wkb.Marshal(f.Geometry)
			if err != nil {
				t.Fatal(err)
			}
			batch.Queue(insert, append(slices.Clone(l.Values[i]), g)...)
		}
		if err := s.pool.SendBatch(ctx, batch).Close(); err != nil {
			t.Fatal(err)
		}
		targets[name] = atsLayer{l, collectionTarget(l.Collection)}
	}
	return targets
}

// sqlCount counts the rows of a layer that c selects, resolved as a
// request's filter is (in CRS84) and compiled.
func sqlCount(t *testing.T, s *Store, l atsLayer, c storetest.ATSCase) (int, string, error) {
	e, err := cql2.ParseText(c.Filter())
	if err != nil {
		t.Fatalf("%s: %v", c.Text, err)
	}
	q, err := socle.ResolveItems(l.Collection, socle.ItemsRequest{Filter: e, Limit: 1})
	if err != nil {
		return 0, "", err
	}
	b := newBuilder()
	cond, err := b.compile(q.Filter, l.tgt)
	if err != nil {
		return 0, "", err
	}
	sql := "SELECT count(*) FROM " + pgx.Identifier{"ats", l.Collection.ID}.Sanitize() + " t WHERE " + cond
	var n int
	err = s.pool.QueryRow(context.Background(), sql, b.args...).Scan(&n)
	return n, sql, err
}

// TestCQL2ATSThroughPostGIS runs every predicate and combination of OGC's
// CQL2 abstract test suite through the SQL compiler on PostGIS, and through
// the Go evaluator, and checks both against the expected counts (the three
// disputed rows: PostGIS and Go must agree with each other).
func TestCQL2ATSThroughPostGIS(t *testing.T) {
	s := open(t, Options{})
	targets := atsTables(t, s)
	var tally storetest.ATSTally
	check := func(c storetest.ATSCase) bool {
		e, err := cql2.ParseText(c.Text)
		if err != nil {
			t.Errorf("%s: %v", c.Text, err)
			return false
		}
		got, sql, err := sqlCount(t, s, targets[c.Layer], c)
		if err != nil {
			t.Errorf("[%s] %s: %v\n%s", c.Class, c.Text, err, sql)
			return false
		}
		gox, err := targets[c.Layer].GoCount(e)
		if err != nil {
			t.Errorf("[%s] %s: Go evaluator: %v", c.Class, c.Text, err)
		}
		want := c.Want
		if c.Disputed {
			want = gox
		}
		if got != want || gox != want {
			t.Errorf("[%s] %s on %s: PostGIS %d, Go %d, want %d\n%s", c.Class, c.Text, c.Layer, got, gox, want, sql)
			return false
		}
		return true
	}
	for _, c := range storetest.ATSCases(t) {
		tally.Add(c.Class, check(c))
	}
	tally.Report(t)
}
