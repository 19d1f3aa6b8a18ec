package cql2_test

import (
	"errors"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/ogc/cql2"
)

// wide re-parses printed filters, which may be longer than their input.
var wide = cql2.Parser{MaxLength: 1 << 30}

// fuzzFeature gives every property a value chosen by the length of its
// name, so that evaluation meets every value type.
type fuzzFeature struct{}

func (fuzzFeature) Property(name string) (any, bool) {
	switch len(name) % 9 {
	case 0:
		return "Rue de l'Église", true
	case 1:
		return int64(42), true
	case 2:
		return 1.5, true
	case 3:
		return true, true
	case 4:
		return time.Date(2022, 4, 16, 10, 13, 19, 0, time.UTC), true
	case 5:
		return orb.Polygon{{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}}, true
	case 6:
		return []any{"a", int64(1), true}, true
	case 7:
		return orb.LineString{{-5, 5}, {15, 5}}, true
	}
	return nil, false
}

func checkParseError(t *testing.T, err error) {
	t.Helper()
	var se *cql2.SyntaxError
	var le *cql2.LimitError
	if !errors.As(err, &se) && !errors.As(err, &le) {
		t.Fatalf("error of type %T: %v", err, err)
	}
}

// checkRoundTrips asserts the properties every parsed filter has: it is
// well-formed, its text and JSON parse back to an equal tree, and
// evaluation does not panic.
func checkRoundTrips(t *testing.T, e cql2.Expr) {
	t.Helper()
	if err := cql2.Check(e); err != nil {
		t.Fatalf("Check(%s): %v", e, err)
	}
	text := cql2.Text(e)
	back, err := wide.ParseText(text)
	if err != nil {
		t.Fatalf("ParseText(Text(e) = %q): %v", text, err)
	}
	if !cql2.Equal(e, back) {
		t.Fatalf("text round trip differs:\n%s\n%s", text, back)
	}
	if again := cql2.Text(back); again != text {
		t.Fatalf("text not stable:\n%s\n%s", text, again)
	}
	js, err := cql2.JSON(e)
	if err != nil {
		t.Fatal(err)
	}
	back, err = wide.ParseJSON(js)
	if err != nil {
		t.Fatalf("ParseJSON(JSON(e) = %s): %v", js, err)
	}
	if !cql2.Equal(e, back) {
		t.Fatalf("JSON round trip differs:\n%s\n%s", js, back)
	}
	_, err = evaluateBoth(t, cql2.Evaluator{}, e, fuzzFeature{})
	var ee *cql2.EvalError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("Evaluate: error of type %T: %v", err, err)
	}
}

func FuzzParseText(f *testing.F) {
	for _, ex := range loadExamples(f) {
		f.Add(ex.text)
	}
	for _, row := range readCSV(f, "cql2-ats-predicates.csv") {
		f.Add(row[3])
	}
	for _, s := range []string{
		"g((a + b))", "A_EQUALS(x, ((1, 2), ((3)), 'a'))", "x = 'C:\\\\dir\\''",
		"S_INTERSECTS(g, GEOMETRYCOLLECTION Z (POINT (1 2 3), LINESTRING Z (0 0 0, 1 1 1)))",
		"x = 2 ^ 3 ^ 2", "(a = 1) IS NULL", `"say ""hi""" = 1`, "x IN ()",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := cql2.ParseText(s)
		if err != nil {
			checkParseError(t, err)
			return
		}
		checkRoundTrips(t, e)
	})
}

func FuzzParseJSON(f *testing.F) {
	for _, ex := range loadExamples(f) {
		if ex.json != nil {
			f.Add(ex.json)
		}
	}
	for _, s := range []string{
		`{"op":"f","args":[["x"]]}`,
		`{"op":"or","args":[{"op":"or","args":[true,false]},true]}`,
		`{"op":"=","args":[{"property":"a b"},{"op":"*","args":[-1,{"op":"-","args":[0,-0.0]}]}]}`,
		`{"op":"isNull","args":[{"type":"MultiPolygon","coordinates":[[[[0,0,1],[1,0,2],[1,1,3],[0,0,1]]]]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := cql2.ParseJSON(b)
		if err != nil {
			checkParseError(t, err)
			return
		}
		checkRoundTrips(t, e)
	})
}
