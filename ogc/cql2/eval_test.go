package cql2_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/ogc/cql2"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// street is a feature of a French address layer.
var street = cql2.MapFeature{
	"nom_voie":  "Rue de l'Église",
	"commune":   "Mont-Bonvillers",
	"insee":     "54084",
	"numero":    12,
	"suffixe":   nil,
	"longueur":  153.5,
	"certifie":  true,
	"maj":       ts("2023-05-04T10:00:00Z"),
	"debut":     ts("2020-01-01T00:00:00Z"),
	"fin":       ts("2024-01-01T00:00:00Z"),
	"tags":      []string{"voie", "centre", "école"},
	"geom":      orb.Point{5.8, 49.3},
	"trace":     orb.LineString{{5.79, 49.29}, {5.81, 49.31}},
	"emprise":   orb.Polygon{{{5.7, 49.2}, {5.9, 49.2}, {5.9, 49.4}, {5.7, 49.4}, {5.7, 49.2}}},
	"grand_num": uint64(1 << 63),
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		filter string
		want   bool
	}{
		// Comparisons, null and three-valued logic.
		{"numero = 12", true},
		{"numero = 12.0", true},
		{"numero > 11.5 AND numero < 12.5", true},
		{"longueur >= 153.5", true},
		{"grand_num > 9223372036854775807", true},
		{"nom_voie = 'Rue de l''Église'", true},
		{"nom_voie = 'Rue de l\\'Église'", true},
		{"nom_voie > 'Rue de l''Eglise'", true},
		{"certifie = TRUE", true},
		{"suffixe = 'bis'", false},
		{"NOT suffixe = 'bis'", false},
		{"suffixe IS NULL", true},
		{"absente IS NULL", true},
		{"suffixe IS NOT NULL", false},
		{"suffixe = 'bis' OR numero = 12", true},
		{"NOT (suffixe = 'bis' AND numero = 13)", true},
		{"NOT (suffixe = 'bis' AND numero = 12)", false},
		{"maj > TIMESTAMP('2023-01-01T00:00:00Z')", true},
		{"maj > DATE('2023-05-04')", true},
		{"maj < DATE('2023-05-04')", false},
		// Advanced comparison operators.
		{"numero BETWEEN 10 AND 12", true},
		{"numero NOT BETWEEN 10 AND 12", false},
		{"numero BETWEEN 13 AND 20", false},
		{"suffixe BETWEEN 1 AND 2", false},
		{"insee IN ('54084', '31555')", true},
		{"insee NOT IN ('31555')", true},
		{"numero IN (1, 2)", false},
		{"nom_voie LIKE 'Rue de l''_glise'", true},
		{"nom_voie LIKE 'Rue%'", true},
		{"nom_voie LIKE '%Église'", true},
		{"nom_voie LIKE '%église'", false},
		{"nom_voie LIKE 'Rue de l''Église_'", false},
		{"nom_voie NOT LIKE 'Chemin%'", true},
		{"commune LIKE 'Mont\\-%'", true},
		{"'50%' LIKE '50\\%'", true},
		{"'500' LIKE '50\\%'", false},
		{"'a_c' LIKE 'a\\_c'", true},
		{"'abc' LIKE 'a\\_c'", false},
		{"'aaa' LIKE '%a%a%a%'", true},
		{"'aa' LIKE '%a%a%a%'", false},
		{"'' LIKE '%'", true},
		// CASEI and ACCENTI.
		{"CASEI(nom_voie) = CASEI('RUE DE L''ÉGLISE')", true},
		{"CASEI('Straße') = CASEI('STRASSE')", true},
		{"ACCENTI(nom_voie) = ACCENTI('Rue de l''Eglise')", true},
		{"ACCENTI(CASEI(nom_voie)) = ACCENTI(CASEI('rue de l''eglise'))", true},
		{"ACCENTI(CASEI(nom_voie)) LIKE ACCENTI(CASEI('%EGLISE'))", true},
		{"ACCENTI('はじめ') = ACCENTI('はしめ')", false},
		{"ACCENTI('Chișinău') = 'Chisinau'", true},
		// Arithmetic.
		{"numero + 1 = 13", true},
		{"numero * 2 - 4 = 20", true},
		{"numero / 5 = 2.4", true},
		{"numero div 5 = 2", true},
		{"numero % 5 = 2", true},
		{"-numero = -12", true},
		{"2 ^ 10 = 1024", true},
		{"2 ^ -1 = 0.5", true},
		{"9223372036854775807 + 1 > 9223372036854775807", true},
		{"suffixe + 1 = 2", false},
		{"(suffixe + 1) IS NULL", true},
		// Temporal functions on instants and intervals.
		{"T_AFTER(maj, TIMESTAMP('2023-01-01T00:00:00Z'))", true},
		{"T_BEFORE(maj, DATE('2023-01-01'))", false},
		{"T_DURING(INTERVAL(debut, fin), INTERVAL('2019-01-01', '..'))", true},
		{"T_INTERSECTS(maj, INTERVAL(debut, fin))", true},
		{"T_INTERSECTS(maj, INTERVAL(debut, suffixe))", false},
		{"T_EQUALS(INTERVAL(debut, fin), INTERVAL('2020-01-01T00:00:00Z', '2024-01-01T00:00:00Z'))", true},
		{"T_STARTS(INTERVAL(debut, maj), INTERVAL(debut, fin))", true},
		{"T_FINISHES(INTERVAL(maj, fin), INTERVAL(debut, fin))", true},
		{"T_MEETS(INTERVAL('..', debut), INTERVAL(debut, fin))", true},
		{"T_DISJOINT(INTERVAL('..', '2019-12-31'), INTERVAL(debut, '..'))", true},
		// Spatial functions.
		{"S_INTERSECTS(geom, BBOX(5, 49, 6, 50))", true},
		{"S_WITHIN(geom, emprise)", true},
		{"S_CONTAINS(emprise, trace)", true},
		{"S_CROSSES(trace, POLYGON((5.8 49, 6 49, 6 50, 5.8 50, 5.8 49)))", true},
		{"S_DISJOINT(geom, POINT(0 0))", true},
		{"S_EQUALS(geom, MULTIPOINT((5.8 49.3)))", true},
		{"S_INTERSECTS(POINT(175 0), BBOX(170, -10, -170, 10))", true},
		{"S_INTERSECTS(POINT(-175 0), BBOX(170, -10, -170, 10))", true},
		{"S_INTERSECTS(POINT(0 0), BBOX(170, -10, -170, 10))", false},
		{"S_INTERSECTS(absente, geom)", false},
		{"S_INTERSECTS(absente, geom) IS NULL", true},
		// Array functions: arrays compare as sets.
		{"A_CONTAINS(tags, ('école', 'voie'))", true},
		{"A_CONTAINEDBY(tags, ('voie', 'centre', 'école', 'rue'))", true},
		{"A_EQUALS(tags, ('centre', 'école', 'voie', 'voie'))", true},
		{"A_EQUALS(tags, ('centre', 'école'))", false},
		{"A_OVERLAPS(tags, ('rue', 'centre'))", true},
		{"A_OVERLAPS(tags, ())", false},
		{"A_EQUALS(('a', TRUE, 1.0, 8), (8, 1, TRUE, 'a'))", true},
	}
	for _, tt := range tests {
		e, err := cql2.ParseText(tt.filter)
		if err != nil {
			t.Errorf("ParseText(%q): %v", tt.filter, err)
			continue
		}
		got, err := evaluateBoth(t, cql2.Evaluator{}, e, street)
		if err != nil {
			t.Errorf("Evaluate(%q): %v", tt.filter, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Evaluate(%q) = %v, want %v", tt.filter, got, tt.want)
		}
	}
}

// TestTemporalRelations checks the fifteen temporal functions on intervals
// a = [10, 20] against each Allen relation of b.
func TestTemporalRelations(t *testing.T) {
	t.Parallel()
	day := func(d int) string { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly) }
	iv := func(a, b int) string { return "INTERVAL('" + day(a) + "', '" + day(b) + "')" }
	a := iv(10, 20)
	relations := map[string]string{ // b → the one Allen relation a has to it
		iv(22, 25): "T_BEFORE", iv(1, 5): "T_AFTER", iv(20, 25): "T_MEETS", iv(5, 10): "T_METBY",
		iv(15, 25): "T_OVERLAPS", iv(5, 15): "T_OVERLAPPEDBY", iv(10, 25): "T_STARTS", iv(10, 15): "T_STARTEDBY",
		iv(5, 25): "T_DURING", iv(12, 18): "T_CONTAINS", iv(5, 20): "T_FINISHES", iv(15, 20): "T_FINISHEDBY",
		iv(10, 20): "T_EQUALS",
	}
	all := []string{"T_BEFORE", "T_AFTER", "T_MEETS", "T_METBY", "T_OVERLAPS", "T_OVERLAPPEDBY", "T_STARTS",
		"T_STARTEDBY", "T_DURING", "T_CONTAINS", "T_FINISHES", "T_FINISHEDBY", "T_EQUALS"}
	for b, rel := range relations {
		for _, fn := range append(all, "T_DISJOINT", "T_INTERSECTS") {
			want := fn == rel
			switch fn {
			case "T_DISJOINT":
				want = rel == "T_BEFORE" || rel == "T_AFTER"
			case "T_INTERSECTS":
				want = rel != "T_BEFORE" && rel != "T_AFTER"
			}
			filter := fn + "(" + a + ", " + b + ")"
			got, err := cql2.Evaluate(mustParse(t, filter), cql2.MapFeature{})
			if err != nil || got != want {
				t.Errorf("%s = %v, %v; want %v", filter, got, err, want)
			}
		}
	}
}

func mustParse(t testing.TB, s string) cql2.Expr {
	t.Helper()
	e, err := cql2.ParseText(s)
	if err != nil {
		t.Fatalf("ParseText(%q): %v", s, err)
	}
	return e
}

func TestEvaluateErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ filter, msg string }{
		{"nom_voie = 12", "cql2: cannot compare a string with a number"},
		{"numero LIKE 'a%'", "cql2: LIKE applied to a number"},
		{"numero / 0 = 1", "cql2: division by zero"},
		{"numero % 0 = 1", "cql2: division by zero"},
		{"nom_voie + 1 = 2", "cql2: arithmetic on a string"},
		{"(-8) ^ 0.5 = 1", "cql2: arithmetic result out of range"},
		{"T_DURING(INTERVAL(maj, maj), INTERVAL(fin, debut))", "cql2: interval starts after it ends"},
		{"T_DURING(maj, INTERVAL(debut, fin))", "cql2: t_during applies to intervals, not instants"},
		{"T_AFTER(nom_voie, maj)", "cql2: t_after of a string"},
		{"S_INTERSECTS(nom_voie, geom)", "cql2: s_intersects of a string"},
		{"A_CONTAINS(nom_voie, ('a'))", "cql2: a_contains of a string"},
		{"CASEI(numero) = 'a'", "cql2: CASEI of a number"},
		{"buffer(geom, 1) = 2", "cql2: unknown function buffer"},
		{"nom_voie IN ('a', 1)", "cql2: cannot compare a string with a number"},
		{"f(1)", "cql2: unknown function f"},
	} {
		_, err := evaluateBoth(t, cql2.Evaluator{}, mustParse(t, tt.filter), street)
		var ee *cql2.EvalError
		if !errors.As(err, &ee) || err.Error() != tt.msg {
			t.Errorf("Evaluate(%q) = %v, want %q", tt.filter, err, tt.msg)
		}
	}
}

func TestFunctions(t *testing.T) {
	t.Parallel()
	ev := cql2.Evaluator{Functions: map[string]cql2.Func{
		"upper": func(args []any) (any, error) {
			if len(args) != 1 {
				return nil, errors.New("one argument expected")
			}
			s, _ := args[0].(string)
			return strings.ToUpper(s), nil
		},
		"isCertified": func([]any) (any, error) { return true, nil },
	}}
	for filter, want := range map[string]bool{
		"upper(commune) = 'MONT-BONVILLERS'":       true,
		"isCertified()":                            true,
		"NOT isCertified() OR upper('a') = 'A'":    true,
		"upper(commune) LIKE 'MONT%' AND numero=1": false,
	} {
		got, err := evaluateBoth(t, ev, mustParse(t, filter), street)
		if err != nil || got != want {
			t.Errorf("Evaluate(%q) = %v, %v; want %v", filter, got, err, want)
		}
	}
	if _, err := ev.Evaluate(mustParse(t, "upper(1, 2) = 'A'"), street); err == nil ||
		err.Error() != "cql2: function upper: one argument expected" {
		t.Errorf("function error = %v", err)
	}
}

func TestPropertiesAndValidate(t *testing.T) {
	t.Parallel()
	e := mustParse(t, `nom_voie LIKE 'Rue%' AND (numero > 10 OR S_WITHIN(geom, BBOX(0, 0, 1, 1))) AND nom_voie <> "date"`)
	if got := strings.Join(cql2.Properties(e), ","); got != "nom_voie,numero,geom,date" {
		t.Errorf("Properties = %s", got)
	}
	q := map[string]cql2.Type{
		"nom_voie": cql2.TypeString, "numero": cql2.TypeNumber, "geom": cql2.TypeGeometry,
		"date": cql2.TypeString, "maj": cql2.TypeTimestamp, "tags": cql2.TypeArray,
	}
	if err := cql2.Validate(e, q); err != nil {
		t.Errorf("Validate: %v", err)
	}
	for filter, msg := range map[string]string{
		"voie = 'x'":                          `cql2: unknown property "voie"`,
		"numero LIKE 'a%'":                    `cql2: property "numero" is a number, expected a string`,
		"S_INTERSECTS(nom_voie, geom)":        `cql2: property "nom_voie" is a string, expected a geometry`,
		"numero = 'a'":                        `cql2: cannot compare property "numero" (number) with a character literal (string)`,
		"maj = 3":                             `cql2: cannot compare property "maj" (timestamp) with a number (number)`,
		"T_AFTER(numero, DATE('2020-01-01'))": `cql2: property "numero" is a number, expected an instant or an interval`,
		"numero + nom_voie = 1":               `cql2: property "nom_voie" is a string, expected a number`,
		"A_CONTAINS(nom_voie, ('a'))":         `cql2: property "nom_voie" is a string, expected an array`,
	} {
		err := cql2.Validate(mustParse(t, filter), q)
		var ve *cql2.ValidationError
		if !errors.As(err, &ve) || err.Error() != msg {
			t.Errorf("Validate(%q) = %v, want %q", filter, err, msg)
		}
	}
	for _, ok := range []string{"maj > DATE('2020-01-01')", "upper(nom_voie) = 1", "A_CONTAINS(tags, ('a'))"} {
		if err := cql2.Validate(mustParse(t, ok), q); err != nil {
			t.Errorf("Validate(%q): %v", ok, err)
		}
	}
}

// TestNestedArrays guards against set comparison of nested arrays taking
// time exponential in their depth: this one is 60 levels deep.
func TestNestedArrays(t *testing.T) {
	t.Parallel()
	nest := strings.Repeat("((1, 2), ", 60) + "3" + strings.Repeat(")", 60)
	other := strings.Repeat("((2, 1.0), ", 60) + "3" + strings.Repeat(")", 60)
	got, err := cql2.Evaluate(mustParse(t, "A_EQUALS("+nest+", "+other+")"), cql2.MapFeature{})
	if err != nil || !got {
		t.Errorf("A_EQUALS of equal nested arrays = %v, %v", got, err)
	}
}
