package cql2_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/socle-geo/socle/ogc/cql2"
)

func TestTextSyntaxErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		offset int
		msg    string // the whole Error() text when it starts with "cql2:", else a substring
	}{
		{"a = 1 AND AND b = 2", 10, `cql2: unexpected token "AND" at 10, expected an expression`},
		{"city=", 5, `cql2: unexpected end of input at 5, expected an expression`},
		{"a = 1 b", 6, `cql2: unexpected token "b" at 6, expected AND, OR or the end of the filter`},
		{"'abc", 0, "cql2: unterminated character literal at 0"},
		{`"abc`, 0, "cql2: unterminated quoted identifier at 0"},
		{"x = #", 4, `cql2: unexpected character '#' at 4`},
		{"a = 'x' + 1", 4, "expected a numeric expression, found a character literal"},
		{"S_INTERSECTS(geom, 'abc')", 19, "expected a geometry expression, found a character literal"},
		{"S_INTERSECTS(geom, POINT EMPTY)", 25, "POINT EMPTY is not supported"},
		{"S_INTERSECTS(geom, POINT(1 2 3, 4))", 30, `unexpected token ","`},
		{"S_INTERSECTS(geom, LINESTRING(1 2))", 29, "too few positions"},
		{"S_INTERSECTS(geom, LINESTRING(1 2, 3 4 5))", 35, "mixed 2D and 3D positions"},
		{"S_INTERSECTS(geom, POLYGON Z ((0 0, 1 0, 1 1, 0 0)))", 31, "mixed 2D and 3D positions"},
		{"S_INTERSECTS(geom, BBOX(0, 10, 1, 5))", 19, "bbox south bound is north of its north bound"},
		{"d = DATE('2020-13-01')", 9, `invalid date "2020-13-01"`},
		{"d = TIMESTAMP('2020-01-01T10:00:00')", 14, `invalid timestamp`},
		{"name LIKE other", 10, "expected a character literal, optionally in CASEI or ACCENTI, found property \"other\""},
		{"T_MEETS(DATE('2020-01-01'), x)", 8, "expected an interval, property or function, found an instant"},
		{"T_AFTER(x, INTERVAL('2021-01-01', '2020-01-01'))", 11, "interval starts after it ends"},
		{"T_AFTER(x, INTERVAL('2021', '..'))", 20, `invalid instant "2021"`},
		{"city", 0, `expected a boolean expression, found property "city"`},
		{"NOT", 3, "unexpected end of input"},
		{"x NOT = 1", 6, `unexpected token "=" at 6, expected LIKE, BETWEEN or IN`},
		{"x IS NOT 1", 9, "expected NULL"},
		{"x BETWEEN 1 OR 2", 12, "expected AND"},
		{"x IN 1", 5, `expected "("`},
		{"date = 1", 0, `cql2: unexpected token "date" at 0, expected an expression (a property named like a reserved word is written in double quotes)`},
		{"x = 1 AND and = 2", 10, `unexpected token "and"`},
		{"x = 1e999", 4, "number out of range"},
		{"x = +y", 5, "expected a number"},
		{"\"\" = 1", 0, "empty quoted identifier"},
		{"a = 1 AND b", 10, `expected a boolean expression, found property "b"`},
		{"A_CONTAINS(x, 'a')", 14, "expected an array expression, found a character literal"},
		{"x = (1, 2)", 6, `unexpected token ","`},
		{"S_WITHIN(g, GEOMETRYCOLLECTION(GEOMETRYCOLLECTION EMPTY))", 31, `unexpected token "GEOMETRYCOLLECTION"`},
		{"x = 1\xff", 5, "invalid UTF-8"},
	}
	for _, tt := range tests {
		_, err := cql2.ParseText(tt.in)
		var se *cql2.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseText(%q) = %v, want a *SyntaxError", tt.in, err)
			continue
		}
		if se.Offset != tt.offset {
			t.Errorf("ParseText(%q): offset %d, want %d (%v)", tt.in, se.Offset, tt.offset, err)
		}
		if strings.HasPrefix(tt.msg, "cql2:") && err.Error() != tt.msg ||
			!strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ParseText(%q) = %q, want %q", tt.in, err, tt.msg)
		}
	}
}

func TestJSONSyntaxErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, path, msg string
	}{
		{`{"op":"=","args":[1]}`, "$.args", "= takes 2 arguments, found 1"},
		{`{"op":"and","args":[{"property":"a"}, true]}`, "$.args[0]", `expected a boolean expression, found property "a"`},
		{`{"op":"and","args":[true]}`, "$", "AND needs at least two operands"},
		{`{"op":"s_intersects","args":[{"property":"g"},{"type":"Point","coordinates":[1]}]}`, "$.args[1].coordinates", "expected a position"},
		{`{"op":"s_intersects","args":[{"property":"g"},{"type":"Blob","coordinates":[]}]}`, "$.args[1].type", `unknown geometry type "Blob"`},
		{`{"op":"t_after","args":[{"property":"t"},{"interval":["2020-01-01","x"]}]}`, "$.args[1].interval[1]", `invalid instant "x"`},
		{`{"op":"=","args":[{"property":"d"},{"date":"2020-02-30"}]}`, "$.args[1].date", "expected a date"},
		{`{"op":"=","args":[{"property":"d","date":"2020-02-03"},1]}`, "$.args[0]", "ambiguous object"},
		{`{"op":"=","args":[{"property":""},1]}`, "$.args[0]", "invalid property name"},
		{`{"op":"date","args":[]}`, "$", `invalid function name "date"`},
		{`{"op":"=","args":[null,1]}`, "$.args[0]", "null is not a CQL2 expression"},
		{`{"op":"in","args":[{"property":"x"},1]}`, "$.args[1]", "expected an array"},
		{`{"property":"x"}`, "$", "expected a boolean expression"},
		{`true false`, "$", "unexpected data after the filter"},
		{`{"op":`, "$", "malformed JSON"},
	}
	for _, tt := range tests {
		_, err := cql2.ParseJSON([]byte(tt.in))
		var se *cql2.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseJSON(%s) = %v, want a *SyntaxError", tt.in, err)
			continue
		}
		if se.Path != tt.path || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("ParseJSON(%s) = %q (path %q), want %q at %q", tt.in, err, se.Path, tt.msg, tt.path)
		}
		if !strings.HasPrefix(err.Error(), "cql2: ") {
			t.Errorf("error %q lacks the cql2: prefix", err)
		}
	}
	_, err := cql2.ParseJSON([]byte(`{"op": "=", "args": [1, }`))
	var se *cql2.SyntaxError
	if !errors.As(err, &se) || se.Offset < 0 {
		t.Errorf("malformed JSON: %v, want a *SyntaxError with an offset", err)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	isLimit := func(err error, limit string) bool {
		var le *cql2.LimitError
		return errors.As(err, &le) && le.Limit == limit
	}
	// Redundant parentheses add no depth to the tree; only their
	// recursion is bounded, at four times the depth.
	if _, err := cql2.ParseText(strings.Repeat("(", 200) + "a = 1" + strings.Repeat(")", 200)); err != nil {
		t.Errorf("200 redundant parentheses: %v", err)
	}
	deepParens := strings.Repeat("(", 1000) + "a = 1" + strings.Repeat(")", 1000)
	deepNot := strings.Repeat("NOT ", 200) + "a = 1"
	longSum := "a = 1" + strings.Repeat(" + 1", 100)
	deepPow := "a = 2" + strings.Repeat(" ^ 2", 100)
	deepCall := "f(" + strings.Repeat("g(", 200) + strings.Repeat(")", 201)
	deepArray := "A_EQUALS(x, " + strings.Repeat("(", 200) + strings.Repeat(")", 201)
	for _, in := range []string{deepParens, deepNot, longSum, deepPow, deepCall, deepArray} {
		if _, err := cql2.ParseText(in); !isLimit(err, "depth") {
			t.Errorf("ParseText(%.30q...) = %v, want a depth LimitError", in, err)
		}
	}
	// A tree 64 nodes deep passes, one 65 deep does not, in both
	// encodings.
	for _, h := range []int{64, 65} {
		text := strings.Repeat("NOT ", h-1) + "TRUE"
		_, err := cql2.ParseText(text)
		if (err == nil) != (h <= 64) || (err != nil && !isLimit(err, "depth")) {
			t.Errorf("text depth %d: %v", h, err)
		}
		js := strings.Repeat(`{"op":"not","args":[`, h-1) + "true" + strings.Repeat("]}", h-1)
		_, err = cql2.ParseJSON([]byte(js))
		if (err == nil) != (h <= 64) || (err != nil && !isLimit(err, "depth")) {
			t.Errorf("JSON depth %d: %v", h, err)
		}
	}
	if _, err := cql2.ParseText("a = 1" + strings.Repeat(" ", cql2.DefaultMaxLength)); !isLimit(err, "length") {
		t.Errorf("long input: %v, want a length LimitError", err)
	}
	if _, err := cql2.ParseText(strings.Repeat("(", 50000)); !isLimit(err, "depth") {
		t.Errorf("50000 parentheses: %v, want a depth LimitError", err)
	}
	if err := func() error { _, err := cql2.ParseText("a = 1" + strings.Repeat(" AND a = 1", 2000)); return err }(); err != nil {
		t.Errorf("a long flat conjunction is not deep: %v", err)
	}
	p := cql2.Parser{MaxDepth: 3, MaxLength: 20}
	if _, err := p.ParseText("NOT NOT NOT NOT a = 1"); !isLimit(err, "length") {
		t.Errorf("custom length: %v", err)
	}
	if _, err := p.ParseText("NOT NOT NOT a = 1"); !isLimit(err, "depth") {
		t.Errorf("custom depth: %v", err)
	}
	if _, err := p.ParseText("NOT a = 1"); err != nil {
		t.Errorf("within custom bounds: %v", err)
	}
	deepJSON := strings.Repeat(`{"op":"not","args":[`, 100) + "true" + strings.Repeat("]}", 100)
	if _, err := cql2.ParseJSON([]byte(deepJSON)); !isLimit(err, "depth") {
		t.Errorf("deep JSON: %v, want a depth LimitError", err)
	}
	if _, err := cql2.ParseJSON([]byte(strings.Repeat("[", 30000) + strings.Repeat("]", 30000))); !isLimit(err, "depth") {
		t.Errorf("deep JSON arrays: %v, want a depth LimitError", err)
	}
	if _, err := cql2.ParseJSON([]byte(`"` + strings.Repeat("x", cql2.DefaultMaxLength) + `"`)); !isLimit(err, "length") {
		t.Errorf("long JSON: %v, want a length LimitError", err)
	}
	if got := (&cql2.LimitError{Limit: "depth", Max: 64}).Error(); got != "cql2: filter exceeds the maximum depth of 64" {
		t.Errorf("LimitError = %q", got)
	}
}
