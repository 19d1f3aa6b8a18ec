package cql2

import "fmt"

// Properties returns the names of the properties e refers to, each once,
// in the order they first appear. Stores check them against the
// queryables of a collection.
func Properties(e Expr) []string {
	var names []string
	seen := map[string]bool{}
	Walk(e, func(x Expr) bool {
		if p, ok := x.(Property); ok && !seen[p.Name] {
			seen[p.Name] = true
			names = append(names, p.Name)
		}
		return true
	})
	return names
}

// Type is the type of a queryable.
type Type int

// The types of queryables, after the JSON Schema types and formats that
// OGC API Features Part 3 uses to describe them.
const (
	TypeAny       Type = iota // unknown or mixed: never checked
	TypeString                // "type": "string"
	TypeNumber                // "type": "number" or "integer"
	TypeBoolean               // "type": "boolean"
	TypeDate                  // "format": "date"
	TypeTimestamp             // "format": "date-time"
	TypeInterval              // an interval-valued property
	TypeGeometry              // a spatial property
	TypeArray                 // "type": "array"
)

// String returns the name of t, e.g. "timestamp".
func (t Type) String() string {
	switch t {
	case TypeString:
		return "string"
	case TypeNumber:
		return "number"
	case TypeBoolean:
		return "boolean"
	case TypeDate:
		return "date"
	case TypeTimestamp:
		return "timestamp"
	case TypeInterval:
		return "interval"
	case TypeGeometry:
		return "geometry"
	case TypeArray:
		return "array"
	}
	return "any"
}

// Validate checks e against the queryables of a collection: every property
// must be one of them, and each must be used where a value of its type
// fits (a string in LIKE, a geometry in a spatial predicate, a number in
// arithmetic, matching types on both sides of a comparison...). The first
// problem found is returned as a *ValidationError. Types of function
// results are unknown and not checked.
func Validate(e Expr, queryables map[string]Type) error {
	for _, name := range Properties(e) {
		if _, ok := queryables[name]; !ok {
			return &ValidationError{Property: name, Msg: fmt.Sprintf("unknown property %q", name)}
		}
	}
	var err error
	Walk(e, func(x Expr) bool {
		if err == nil {
			err = validateNode(x, queryables)
		}
		return err == nil
	})
	return err
}

// typeOf returns the static type of e, TypeAny when unknown.
func typeOf(e Expr, q map[string]Type) Type {
	switch e := e.(type) {
	case Property:
		return q[e.Name]
	case String, CaseI, AccentI:
		return TypeString
	case Number, Arithmetic:
		return TypeNumber
	case Bool:
		return TypeBoolean
	case Date:
		return TypeDate
	case Timestamp:
		return TypeTimestamp
	case Interval:
		return TypeInterval
	case Geometry, BBox:
		return TypeGeometry
	case Array:
		return TypeArray
	case Function, nil:
		return TypeAny
	}
	return TypeBoolean
}

// comparable reports whether values of types a and b can be compared.
func comparableTypes(a, b Type) bool {
	instant := func(t Type) bool { return t == TypeDate || t == TypeTimestamp }
	return a == TypeAny || b == TypeAny || a == b || (instant(a) && instant(b))
}

func mismatch(e Expr, t Type, wantDesc string) error {
	name := ""
	if p, ok := e.(Property); ok {
		name = p.Name
	}
	return &ValidationError{Property: name, Msg: fmt.Sprintf("%s is a %s, expected %s", describe(e), t, wantDesc)}
}

// expectType checks that e is of one of the types ts (or of unknown type).
func expectType(e Expr, q map[string]Type, wantDesc string, ts ...Type) error {
	t := typeOf(e, q)
	if t == TypeAny {
		return nil
	}
	for _, w := range ts {
		if t == w {
			return nil
		}
	}
	return mismatch(e, t, wantDesc)
}

func validateNode(e Expr, q map[string]Type) error {
	switch e := e.(type) {
	case Comparison:
		return comparePair(e.Left, e.Right, q)
	case Between:
		for _, x := range []Expr{e.Value, e.Low, e.High} {
			if err := expectType(x, q, "a number", TypeNumber); err != nil {
				return err
			}
		}
	case In:
		for _, x := range e.List {
			if err := comparePair(e.Value, x, q); err != nil {
				return err
			}
		}
	case Like:
		return expectType(e.Value, q, "a string", TypeString)
	case CaseI:
		return expectType(e.Value, q, "a string", TypeString)
	case AccentI:
		return expectType(e.Value, q, "a string", TypeString)
	case Arithmetic:
		if err := expectType(e.Left, q, "a number", TypeNumber); err != nil {
			return err
		}
		return expectType(e.Right, q, "a number", TypeNumber)
	case Spatial:
		if err := expectType(e.Left, q, "a geometry", TypeGeometry); err != nil {
			return err
		}
		return expectType(e.Right, q, "a geometry", TypeGeometry)
	case Temporal:
		for _, x := range []Expr{e.Left, e.Right} {
			if err := expectType(x, q, "an instant or an interval", TypeDate, TypeTimestamp, TypeInterval); err != nil {
				return err
			}
		}
	case Interval:
		for _, x := range []Expr{e.Start, e.End} {
			if x == nil {
				continue
			}
			if err := expectType(x, q, "an instant", TypeDate, TypeTimestamp); err != nil {
				return err
			}
		}
	case ArrayPredicate:
		if err := expectType(e.Left, q, "an array", TypeArray); err != nil {
			return err
		}
		return expectType(e.Right, q, "an array", TypeArray)
	}
	return nil
}

func comparePair(l, r Expr, q map[string]Type) error {
	lt, rt := typeOf(l, q), typeOf(r, q)
	if comparableTypes(lt, rt) {
		return nil
	}
	name := ""
	if p, ok := l.(Property); ok {
		name = p.Name
	} else if p, ok := r.(Property); ok {
		name = p.Name
	}
	return &ValidationError{Property: name, Msg: fmt.Sprintf("cannot compare %s (%s) with %s (%s)", describe(l), lt, describe(r), rt)}
}
