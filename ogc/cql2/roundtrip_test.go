package cql2_test

import (
	"testing"

	"github.com/socle-geo/socle/ogc/cql2"
)

// roundTrip checks that e prints to text and JSON that parse back to e.
func roundTrip(t *testing.T, e cql2.Expr) {
	t.Helper()
	if err := cql2.Check(e); err != nil {
		t.Fatalf("Check(%s): %v", e, err)
	}
	wide := cql2.Parser{MaxLength: 1 << 30}
	text := cql2.Text(e)
	back, err := wide.ParseText(text)
	if err != nil {
		t.Fatalf("ParseText(Text(e) = %q): %v", text, err)
	}
	if !cql2.Equal(e, back) {
		t.Fatalf("text round trip:\n got %s\nwant %s", back, text)
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
		t.Fatalf("JSON round trip:\n got %s\nwant %s", back, js)
	}
}

func TestTextRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, printed string }{
		{"a = 1", "a = 1"},
		{"a=1 and b=2 or c=3", "a = 1 AND b = 2 OR c = 3"},
		{"a=1 and (b=2 or c=3)", "a = 1 AND (b = 2 OR c = 3)"},
		{"not not a = 1", "NOT (NOT a = 1)"},
		{"not (a = 1 and b = 2)", "NOT (a = 1 AND b = 2)"},
		{"x NOT LIKE 'a%'", "x NOT LIKE 'a%'"},
		{"x IS NOT NULL", "x IS NOT NULL"},
		{"(a = 1) IS NULL", "(a = 1) IS NULL"},
		{"(a = 1 OR b = 2) IS NULL", "(a = 1 OR b = 2) IS NULL"},
		{"x = a - b - c", "x = a - b - c"},
		{"x = a - (b - c)", "x = a - (b - c)"},
		{"x = (a + b) * c", "x = (a + b) * c"},
		{"x = a / b * c", "x = a / b * c"},
		{"x = a / (b * c)", "x = a / (b * c)"},
		{"x = 2 ^ 3 ^ 2", "x = 2 ^ (3 ^ 2)"},
		{"x = (2 ^ 3) ^ 2", "x = (2 ^ 3) ^ 2"},
		{"x = -y ^ 2", "x = (-1 * y) ^ 2"},
		{"x = - - 1", ""},
		{"x = 5 - -1", "x = 5 - -1"},
		{"x = 7 DIV 2 % 3", "x = 7 div 2 % 3"},
		{"x = 1.0 AND y = 1e3 AND z = .5 AND w = 1.", "x = 1.0 AND y = 1000.0 AND z = 0.5 AND w = 1.0"},
		{"x = 1e300 AND y = 1e-300", "x = 1E+300 AND y = 1E-300"},
		{"x = 12345678901234567890", "x = 12345678901234567000.0"},
		{`x = 'it''s' AND y = 'C:\\dir\'' AND z = 'tab\tline\n'`, `x = 'it''s' AND y = 'C:\\dir''' AND z = 'tab\tline\n'`},
		{`"my prop" = 1 AND "date" = 2 AND "say ""hi""" = 3`, `"my prop" = 1 AND "date" = 2 AND "say ""hi""" = 3`},
		{"eo:cloud_cover < 0.1 AND a.b.c = 1", "eo:cloud_cover < 0.1 AND a.b.c = 1"},
		{"f() AND g(1, 'a', TRUE, a = 1 OR b = 2, (1, 2), ('x'), ())", "f() AND g(1, 'a', TRUE, a = 1 OR b = 2, (1, 2), ('x'), ())"},
		{"g((a + b) * 2) AND g(((a + b) * 2))", "g((a + b) * 2) AND g(((a + b) * 2))"},
		{"g((a + b))", "g((a + b))"},
		{"A_EQUALS(x, ((1, 2), ((3)), 'a'))", "A_EQUALS(x, ((1, 2), ((3)), 'a'))"},
		{"A_OVERLAPS(x, (a = 1, NOT b = 2))", "A_OVERLAPS(x, (a = 1, NOT b = 2))"},
		{"S_INTERSECTS(g, POINT Z (1 2 3))", "S_INTERSECTS(g, POINT Z (1 2 3))"},
		{"S_INTERSECTS(g, MULTIPOINT (1 2, 3 4))", "S_INTERSECTS(g, MULTIPOINT ((1 2), (3 4)))"},
		{"S_INTERSECTS(g, POLYGON EMPTY) OR S_INTERSECTS(g, LINESTRING EMPTY)", "S_INTERSECTS(g, POLYGON EMPTY) OR S_INTERSECTS(g, LINESTRING EMPTY)"},
		{"S_INTERSECTS(g, POLYGON ((0 0, 1 0, 1 1, 0 0), EMPTY))", "S_INTERSECTS(g, POLYGON ((0 0, 1 0, 1 1, 0 0), EMPTY))"},
		{"S_INTERSECTS(g, GEOMETRYCOLLECTION Z (POINT (1 2 3), LINESTRING Z (0 0 0, 1 1 1)))", "S_INTERSECTS(g, GEOMETRYCOLLECTION Z (POINT Z (1 2 3), LINESTRING Z (0 0 0, 1 1 1)))"},
		{"S_INTERSECTS(g, GEOMETRYCOLLECTION EMPTY)", "S_INTERSECTS(g, GEOMETRYCOLLECTION EMPTY)"},
		{"S_INTERSECTS(g, MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5))))", "S_INTERSECTS(g, MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5))))"},
		{"s_intersects(g, bbox(-180, -90, 180, 90))", "S_INTERSECTS(g, BBOX(-180, -90, 180, 90))"},
		{"T_AFTER(t, INTERVAL('..', '..'))", "T_AFTER(t, INTERVAL('..', '..'))"},
		{"T_AFTER(t, INTERVAL(a, f(b)))", "T_AFTER(t, INTERVAL(a, f(b)))"},
		{"t = TIMESTAMP('2020-01-01T10:00:00.120Z')", "t = TIMESTAMP('2020-01-01T10:00:00.12Z')"},
		{"like(1) = 2", ""},
		{"x IN ()", "x IN ()"},
		{"CASEI(ACCENTI(x)) LIKE ACCENTI(CASEI('É%'))", "CASEI(ACCENTI(x)) LIKE ACCENTI(CASEI('É%'))"},
		{"TRUE AND NOT FALSE", "TRUE AND NOT FALSE"},
		{"(S_INTERSECTS(a, b)) IS NULL", "S_INTERSECTS(a, b) IS NULL"},
	}
	for _, tt := range tests {
		e, err := cql2.ParseText(tt.in)
		if tt.printed == "" {
			if err == nil {
				t.Errorf("ParseText(%q) = %s, want an error", tt.in, e)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseText(%q): %v", tt.in, err)
			continue
		}
		if got := cql2.Text(e); got != tt.printed {
			t.Errorf("Text(ParseText(%q)) = %q, want %q", tt.in, got, tt.printed)
		}
		t.Run(tt.in, func(t *testing.T) { roundTrip(t, e) })
	}
}

// TestJSONRoundTrip covers trees that only CQL2-JSON writes directly.
func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`{"op":"or","args":[{"op":"or","args":[true,false]},true]}`,
		`{"op":"and","args":[{"op":"and","args":[true,false]},{"op":"and","args":[true,false]}]}`,
		`{"op":"f","args":[["x"]]}`,
		`{"op":"f","args":[[{"property":"p"}]]}`,
		`{"op":"f","args":[[{"op":"+","args":[1,2]}]]}`,
		`{"op":"f","args":[[[["x"]]]]}`,
		`{"op":"a_equals","args":[[[1]],[{"op":"or","args":[true,false]}]]}`,
		`{"op":"=","args":[{"property":"a b"},{"property":"\"q\""}]}`,
		`{"op":"=","args":[{"property":"AND"},{"op":"*","args":[-1,{"op":"-","args":[0,-0.0]}]}]}`,
		`{"op":"=","args":["\\'\u0007\u0000x\u2028",{"op":"^","args":[{"op":"^","args":[2,3]},4]}]}`,
		`{"op":"isNull","args":[{"op":"s_within","args":[{"bbox":[1,2,3,4,5,6]},{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]}]}]}]}`,
		`{"op":"isNull","args":[{"interval":["2020-01-01",".."]}]}`,
		`{"op":"isNull","args":[{"type":"MultiPolygon","coordinates":[[[[0,0,1],[1,0,2],[1,1,3],[0,0,1]]]]}]}`,
		`{"op":"like","args":[{"op":"casei","args":[{"op":"f","args":[]}]},{"op":"accenti","args":[{"op":"casei","args":["%"]}]}]}`,
		`{"op":"in","args":[{"op":"-","args":[1,{"op":"-","args":[2,3]}]},[{"op":"div","args":[1,{"op":"%","args":[2,3]}]}]]}`,
		`{"op":"between","args":[{"op":"-","args":[{"op":"*","args":[-1,2]},2]},1.5e300,-1e-7]}`,
		`{"op":"not","args":[{"op":"f","args":[{"op":"not","args":[{"op":"isNull","args":[{"property":"x"}]}]}]}]}`,
		`{"op":"t_equals","args":[{"timestamp":"1969-07-20T20:17:40.123456789Z"},{"date":"0001-01-01"}]}`,
		`{"op":"=","args":[{"property":"\u1680ogham"},{"property":"a\u1680b"}]}`,
		`{"op":"s_intersects","args":[{"property":"g"},{"type":"Point","coordinates":[1,2],"bbox":[1,2,1,2]}]}`,
	} {
		e, err := cql2.ParseJSON([]byte(in))
		if err != nil {
			t.Errorf("ParseJSON(%s): %v", in, err)
			continue
		}
		t.Run(in, func(t *testing.T) { roundTrip(t, e) })
	}
}
