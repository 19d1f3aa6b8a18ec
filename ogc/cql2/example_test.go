package cql2_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/ogc/cql2"
)

func ExampleParseText() {
	e, err := cql2.ParseText(`commune = 'Mont-Bonvillers' and numero between 10 and 20`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cql2.Text(e))
	js, _ := cql2.JSON(e)
	fmt.Println(string(js))
	// Output:
	// commune = 'Mont-Bonvillers' AND numero BETWEEN 10 AND 20
	// {"op":"and","args":[{"op":"=","args":[{"property":"commune"},"Mont-Bonvillers"]},{"op":"between","args":[{"property":"numero"},10,20]}]}
}

func ExampleParseText_error() {
	_, err := cql2.ParseText(`numero > 10 AND AND commune = 'Metz'`)
	fmt.Println(err)
	var se *cql2.SyntaxError
	if errors.As(err, &se) {
		fmt.Println("offset:", se.Offset)
	}
	// Output:
	// cql2: unexpected token "AND" at 16, expected an expression
	// offset: 16
}

func ExampleParseJSON() {
	e, err := cql2.ParseJSON([]byte(`{"op": "s_intersects", "args": [
		{"property": "geom"},
		{"bbox": [5.7, 49.2, 5.9, 49.4]}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e)
	// Output:
	// S_INTERSECTS(geom, BBOX(5.7, 49.2, 5.9, 49.4))
}

func ExampleEvaluate() {
	// Accent- and case-insensitive matching finds "Rue de l'Église"
	// whichever way the user typed it.
	filter, _ := cql2.ParseText(`ACCENTI(CASEI(nom_voie)) LIKE ACCENTI(CASEI('rue de l''eglise%'))
		AND S_WITHIN(geom, BBOX(5.7, 49.2, 5.9, 49.4))`)
	streets := []cql2.MapFeature{
		{"nom_voie": "Rue de l'Église", "geom": orb.Point{5.8, 49.3}},
		{"nom_voie": "RUE DE L'EGLISE", "geom": orb.Point{5.81, 49.31}},
		{"nom_voie": "Rue de l'Église", "geom": orb.Point{2.35, 48.85}},
		{"nom_voie": nil, "geom": orb.Point{5.8, 49.3}},
	}
	for i, f := range streets {
		ok, err := cql2.Evaluate(filter, f)
		fmt.Println(i, ok, err)
	}
	// Output:
	// 0 true <nil>
	// 1 true <nil>
	// 2 false <nil>
	// 3 false <nil>
}

func ExampleEvaluator() {
	ev := cql2.Evaluator{Functions: map[string]cql2.Func{
		"len": func(args []any) (any, error) {
			s, ok := args[0].(string)
			if !ok {
				return nil, errors.New("len expects a string")
			}
			return len([]rune(s)), nil
		},
	}}
	filter, _ := cql2.ParseText(`len(commune) > 10`)
	ok, err := ev.Evaluate(filter, cql2.MapFeature{"commune": "Mont-Bonvillers"})
	fmt.Println(ok, err)
	// Output:
	// true <nil>
}

func ExampleValidate() {
	queryables := map[string]cql2.Type{
		"nom_voie": cql2.TypeString,
		"numero":   cql2.TypeNumber,
		"geom":     cql2.TypeGeometry,
	}
	for _, text := range []string{
		`nom_voie LIKE 'Rue%' AND numero < 20`,
		`numero LIKE '1%'`,
		`code_postal = '54260'`,
	} {
		e, _ := cql2.ParseText(text)
		fmt.Println(cql2.Properties(e), cql2.Validate(e, queryables))
	}
	// Output:
	// [nom_voie numero] <nil>
	// [numero] cql2: property "numero" is a number, expected a string
	// [code_postal] cql2: unknown property "code_postal"
}

func ExampleParser() {
	p := cql2.Parser{MaxLength: 1024, MaxDepth: 8}
	_, err := p.ParseText(`NOT NOT NOT NOT NOT NOT NOT NOT NOT numero = 1`)
	fmt.Println(err)
	// Output:
	// cql2: filter exceeds the maximum depth of 8
}

func ExampleWalk() {
	e, _ := cql2.ParseText(`S_INTERSECTS(geom, POINT(5.8 49.3)) OR T_AFTER(maj, DATE('2024-01-01'))`)
	cql2.Walk(e, func(x cql2.Expr) bool {
		switch x := x.(type) {
		case cql2.Spatial:
			fmt.Println("spatial:", x.Op)
		case cql2.Temporal:
			fmt.Println("temporal:", x.Op)
		}
		return true
	})
	// Output:
	// spatial: s_intersects
	// temporal: t_after
}

// address is a feature held in typed fields. Its ScalarProperty gives the
// evaluator its values without boxing each in an interface; Property
// serves the rest of the filter (here, the geometry).
type address struct {
	street string
	number int64
	geom   orb.Point
}

func (a *address) Property(name string) (any, bool) {
	switch name {
	case "street":
		return a.street, true
	case "number":
		return a.number, true
	case "geom":
		return a.geom, true
	}
	return nil, false
}

func (a *address) ScalarProperty(name string) (cql2.Value, bool) {
	switch name {
	case "street":
		return cql2.StringValue(a.street), true
	case "number":
		return cql2.IntValue(a.number), true
	}
	return cql2.Value{}, false
}

func ExampleScalarFeature() {
	filter, _ := cql2.ParseText(`street = 'Rue Haute' AND number > 300 AND S_WITHIN(geom, BBOX(5, 49, 6, 50))`)
	// Text compared by its bytes, as a database's C collation does.
	ev := cql2.Evaluator{CompareStrings: strings.Compare}
	for _, a := range []*address{
		{"Rue Haute", 312, orb.Point{5.8, 49.3}},
		{"Rue Haute", 12, orb.Point{5.8, 49.3}},
	} {
		ok, err := ev.Evaluate(filter, a)
		fmt.Println(a.number, ok, err)
	}
	// Output:
	// 312 true <nil>
	// 12 false <nil>
}
