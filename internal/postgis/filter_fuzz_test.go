package postgis

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/cql2"
)

// FuzzCompileText compiles every filter the fuzzer makes that parses, and
// checks that nothing of the filter's text reaches the SQL: the only quotes
// in it are the compiler's own '-infinity' and 'infinity', there is no
// statement separator or comment, and every literal is a bound argument.
func FuzzCompileText(f *testing.F) {
	seeds, _ := filepath.Glob("../../ogc/cql2/testdata/ogc/examples/text/*.txt")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err == nil {
			f.Add(string(b))
		}
	}
	for _, s := range []string{
		`voie_nom = 'x'' OR 1=1 --'`, `voie_nom LIKE '%;DROP TABLE x;%'`, `"voie_nom" = '/* */'`,
		`CASEI(voie_nom) IN ('a''b', 'c')`, `T_AFTER(date_der_maj, DATE('2024-01-01'))`,
		`S_INTERSECTS(geometry, POLYGON((1 43, 2 43, 2 44, 1 43)))`, `numero + 1 > 2 * 3`,
	} {
		f.Add(s)
	}
	c, _ := socle.DefaultCatalog().Collection("addresses")
	f.Fuzz(func(t *testing.T, text string) {
		e, err := cql2.ParseText(text)
		if err != nil {
			return
		}
		q, err := socle.ResolveItems(c, socle.ItemsRequest{Filter: e, Limit: 1})
		if err != nil {
			if socle.ErrorCode(err) != socle.EINVALID {
				t.Fatalf("%q: resolution error with code %s: %v", text, socle.ErrorCode(err), err)
			}
			return
		}
		b := newBuilder()
		sql, err := b.compile(q.Filter, collectionTarget(c))
		if err != nil {
			// Resolution refuses what the compiler cannot compile.
			t.Fatalf("%q: resolved, then refused by the compiler: %v", text, err)
		}
		rest := strings.NewReplacer("'-infinity'", "", "'infinity'", "").Replace(sql)
		if strings.ContainsAny(rest, "';") || strings.Contains(rest, "--") || strings.Contains(rest, "/*") {
			t.Fatalf("%q compiles to SQL with a quote, separator or comment of its own:\n%s", text, sql)
		}
		for _, p := range cql2.Properties(e) {
			if _, ok := c.Property(p); !ok && p != socle.GeometryProperty {
				t.Fatalf("%q: unknown property %q compiled", text, p)
			}
		}
	})
}
