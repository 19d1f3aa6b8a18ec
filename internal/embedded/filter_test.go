package embedded

import (
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/ogc/cql2"
)

// propertyOnly hides evalFeature's ScalarProperty: the evaluator reads
// every value through Property.
type propertyOnly struct{ e *evalFeature }

func (p propertyOnly) Property(name string) (any, bool) { return p.e.Property(name) }

// TestEvalFeatureScalar checks that the filters of a sealed feature read
// the same values through ScalarProperty (from the row, unboxed) as
// through Property, for every kind of value, and the same as the feature
// before it is sealed.
func TestEvalFeatureScalar(t *testing.T) {
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	names := []string{"s", "e", "n", "neg", "x", "nan", "yes", "no", "d", "ts", "fixed", "j", "nothing"}
	kinds := []kind{kText, kText, kInt, kInt, kFloat, kFloat, kBool, kBool, kDate, kTime, kTime, kJSON, kInt}
	vals := []any{"Église", "", int64(300), int64(-4), 2.5, math.NaN(), true, false, day, day.Add(90 * time.Minute),
		time.Date(2024, 5, 1, 12, 0, 0, 0, time.FixedZone("", 2*3600)), jsonValue(`{"a":1}`), nil}
	tbl := &table{byName: map[string]int{}}
	for i, n := range names {
		tbl.byName[n] = i
		tbl.cols = append(tbl.cols, column{name: n, kind: kinds[i]})
	}
	open := &feature{vals: vals, geom: orb.Point{1, 2}, bound: orb.Point{1, 2}.Bound()}
	sealed := &feature{vals: append([]any(nil), vals...), geom: orb.Point{1, 2}, bound: orb.Point{1, 2}.Bound()}
	sealed.seal()
	for filter, want := range map[string]bool{
		"s = 'Église'":                              true,
		"s > 'Rue'":                                 true, // by bytes, as PostgreSQL's C collation
		"s IN ('a', 'Église')":                      true,
		"s LIKE '_glise'":                           true,
		"CASEI(s) = 'église'":                       true,
		"e = '' AND e IS NOT NULL":                  true,
		"n = 300 AND n > 299.5":                     true,
		"n BETWEEN 300 AND 300":                     true,
		"neg < 0 AND neg IN (-4)":                   true,
		"x = 2.5":                                   true,
		"nan = nan":                                 true,
		"yes = TRUE AND no = FALSE":                 true,
		"d = DATE('2024-05-01')":                    true,
		"ts = TIMESTAMP('2024-05-01T01:30:00Z')":    true,
		"fixed = TIMESTAMP('2024-05-01T10:00:00Z')": true,
		`j = '{"a":1}'`:                             true,
		"nothing IS NULL":                           true,
		"nothing = 1":                               false,
		"NOT (nothing = 1)":                         false,
		"absent IS NULL":                            true,
		"T_DURING(INTERVAL(d, ts), INTERVAL('2024-01-01', '..'))":        true,
		"T_AFTER(ts, d) AND T_MEETS(INTERVAL('..', d), INTERVAL(d, ts))": true,
		"NOT T_AFTER(nothing, d)":                                        false, // null
		// An interval that ends before it starts: compared all the same,
		// as PostgreSQL does.
		"T_DISJOINT(INTERVAL(ts, d), DATE('2024-06-01'))": true,
		"S_INTERSECTS(geometry, BBOX(0, 0, 3, 3))":        true,
	} {
		e, err := cql2.ParseText(filter)
		if err != nil {
			t.Fatalf("%s: %v", filter, err)
		}
		e = semantics(tbl, e)
		for name, f := range map[string]cql2.Feature{
			"sealed":                &evalFeature{t: tbl, f: sealed},
			"sealed, Property only": propertyOnly{&evalFeature{t: tbl, f: sealed}},
			"open":                  &evalFeature{t: tbl, f: open},
		} {
			got, err := filterEvaluator.Evaluate(e, f)
			if err != nil || got != want {
				t.Errorf("%s on the %s feature = %v, %v; want %v", filter, name, got, err, want)
			}
		}
	}
}
