package cql2_test

import (
	"strings"
	"testing"
	"time"

	"github.com/socle-geo/socle/ogc/cql2"
)

// scalarFeature gives the scalar properties of a Feature through
// ScalarProperty, as a store keeping features in its own encoding would,
// so that the evaluator takes its typed path; others (geometries, arrays,
// unsigned integers) are left to Property.
type scalarFeature struct{ cql2.Feature }

func (s scalarFeature) ScalarProperty(name string) (cql2.Value, bool) {
	v, ok := s.Property(name)
	if !ok {
		return cql2.Value{}, false
	}
	switch v := v.(type) {
	case nil:
		return cql2.Value{}, true
	case string:
		return cql2.StringValue(v), true
	case bool:
		return cql2.BoolValue(v), true
	case int:
		return cql2.IntValue(int64(v)), true
	case int64:
		return cql2.IntValue(v), true
	case float64:
		return cql2.FloatValue(v), true
	case time.Time:
		return cql2.TimeValue(v), true
	}
	return cql2.Value{}, false
}

// evaluateBoth evaluates e against f through Property only and through
// ScalarProperty, and fails unless both give the same result and error.
func evaluateBoth(t testing.TB, ev cql2.Evaluator, e cql2.Expr, f cql2.Feature) (bool, error) {
	t.Helper()
	got, err := ev.Evaluate(e, f)
	typed, typedErr := ev.Evaluate(e, scalarFeature{f})
	if got != typed || errString(err) != errString(typedErr) {
		t.Errorf("Evaluate(%s) = %v, %v through Property, %v, %v through ScalarProperty", e, got, err, typed, typedErr)
	}
	return got, err
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// lying gives through ScalarProperty values other than its Property's (a
// broken ScalarFeature), which tells which of the two the evaluator read.
type lying struct{ cql2.MapFeature }

func (l lying) ScalarProperty(name string) (cql2.Value, bool) {
	switch name {
	case "s":
		return cql2.StringValue("typed"), true
	case "n":
		return cql2.IntValue(2), true
	case "nothing":
		return cql2.Value{}, true
	}
	return cql2.Value{}, false
}

// TestScalarPropertyRead checks that comparisons, LIKE, BETWEEN, IN, IS
// NULL, CASEI and ACCENTI read properties through ScalarProperty, and
// that a property it has no Value for is read through Property.
func TestScalarPropertyRead(t *testing.T) {
	t.Parallel()
	f := lying{cql2.MapFeature{"s": "untyped", "n": 1, "nothing": "not null", "other": "through Property"}}
	for _, filter := range []string{
		"s = 'typed'", "s LIKE 'ty%'", "n BETWEEN 2 AND 2", "n IN (0, 2)", "nothing IS NULL",
		"CASEI(s) = 'typed'", "ACCENTI(s) = 'typed'", "other = 'through Property'", "absent IS NULL",
	} {
		got, err := cql2.Evaluate(mustParse(t, filter), f)
		if err != nil || !got {
			t.Errorf("Evaluate(%q) = %v, %v; want true", filter, got, err)
		}
	}
}

// record is a feature held in typed fields, as a store's would be: its
// Property boxes each value it returns, its ScalarProperty does not.
type record struct {
	insee, commune string
	numero         int64
	longueur       float64
	maj            time.Time
	certifie       bool
}

func (r *record) Property(name string) (any, bool) {
	switch name {
	case "insee":
		return r.insee, true
	case "commune":
		return r.commune, true
	case "numero":
		return r.numero, true
	case "longueur":
		return r.longueur, true
	case "maj":
		return r.maj, true
	case "certifie":
		return r.certifie, true
	case "suffixe":
		return nil, true
	}
	return nil, false
}

func (r *record) ScalarProperty(name string) (cql2.Value, bool) {
	switch name {
	case "insee":
		return cql2.StringValue(r.insee), true
	case "commune":
		return cql2.StringValue(r.commune), true
	case "numero":
		return cql2.IntValue(r.numero), true
	case "longueur":
		return cql2.FloatValue(r.longueur), true
	case "maj":
		return cql2.TimeValue(r.maj), true
	case "certifie":
		return cql2.BoolValue(r.certifie), true
	case "suffixe":
		return cql2.Value{}, true
	}
	return cql2.Value{}, false
}

// propertyOnly hides a feature's ScalarProperty.
type propertyOnly struct{ f cql2.Feature }

func (p *propertyOnly) Property(name string) (any, bool) { return p.f.Property(name) }

// TestScalarAllocs checks that the typed path allocates nothing for
// comparisons, LIKE, BETWEEN, IN and IS NULL of properties and literals, its
// reason to be (with strings already in NFD: others are normalized in
// copies), where reading the same feature through Property allocates.
func TestScalarAllocs(t *testing.T) {
	f := &record{insee: "54084", commune: "Mont-Bonvillers", numero: 1012, longueur: 153.5, maj: ts("2023-05-04T10:00:00Z"), certifie: true}
	e := mustParse(t, "insee = '54084' AND numero > 1000 AND longueur BETWEEN 100 AND 200.5 AND "+
		"commune IN ('a', 'Mont-Bonvillers') AND commune LIKE 'Mont-_on%' AND suffixe IS NULL AND maj > DATE('2023-01-01') AND certifie = TRUE")
	for _, f := range []cql2.Feature{f, &propertyOnly{f}} {
		ok, err := evaluateBoth(t, cql2.Evaluator{}, e, f)
		if err != nil || !ok {
			t.Fatalf("Evaluate = %v, %v; want true", ok, err)
		}
	}
	if n := testing.AllocsPerRun(100, func() { cql2.Evaluate(e, f) }); n != 0 {
		t.Errorf("%v allocations per evaluation, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { cql2.Evaluate(e, &propertyOnly{f}) }); n == 0 {
		t.Errorf("no allocation through Property: the test cannot tell")
	}
}

func TestCompareStrings(t *testing.T) {
	t.Parallel()
	bytewise := cql2.Evaluator{CompareStrings: strings.Compare}
	f := cql2.MapFeature{"precomposed": "\u00e9", "decomposed": "e\u0301", "eglise": "Église"}
	for _, tt := range []struct {
		filter        string
		nfd, bytewise bool
	}{
		{"precomposed = decomposed", true, false},
		{"precomposed <> decomposed", false, true},
		{"precomposed IN ('x', decomposed)", true, false},
		{"eglise < 'Foch'", true, false},
		{"eglise > 'Foch'", false, true},
		{"eglise LIKE '_glise'", true, true},
	} {
		e := mustParse(t, tt.filter)
		if got, err := evaluateBoth(t, cql2.Evaluator{}, e, f); err != nil || got != tt.nfd {
			t.Errorf("Evaluate(%q) = %v, %v; want %v", tt.filter, got, err, tt.nfd)
		}
		if got, err := evaluateBoth(t, bytewise, e, f); err != nil || got != tt.bytewise {
			t.Errorf("Evaluate(%q) by bytes = %v, %v; want %v", tt.filter, got, err, tt.bytewise)
		}
	}
}
