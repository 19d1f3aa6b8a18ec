package cql2

import (
	"math"
	"time"
)

// ScalarFeature is a Feature that can also give its scalar properties as
// Values. The evaluator then reads the operands of comparisons, LIKE,
// BETWEEN, IN and IS NULL that are properties through ScalarProperty,
// sparing the allocation that holding a string, a number or an instant in
// an interface costs: a store that keeps its features in its own encoding
// can filter them without allocating per property read.
//
// ScalarProperty returns the named property and true, or false when it
// has no Value for it (a missing property, a geometry, an array): the
// evaluator then reads it with Property. A Value returned must be the one
// Property's value stands for (the zero Value for nil, IntValue for an
// integer, and so on), so that a filter has the same result whichever the
// evaluator reads.
type ScalarFeature interface {
	Feature
	ScalarProperty(name string) (value Value, ok bool)
}

// A Value is a scalar value of a ScalarFeature: null (the zero Value), a
// string, a boolean, an integer, a floating-point number or an instant. It
// holds none in an interface.
type Value struct {
	kind valueKind
	num  uint64 // an int64, a float64's bits or a bool (1 for true)
	str  string
	t    time.Time
	// other is a value of the evaluator that is not a scalar: a geometry,
	// an interval or an array (kind kindOther).
	other any
}

type valueKind uint8

const (
	kindNull valueKind = iota
	kindString
	kindBool
	kindInt
	kindFloat
	kindTime
	kindOther
)

// StringValue returns a string Value.
func StringValue(s string) Value { return Value{kind: kindString, str: s} }

// BoolValue returns a boolean Value.
func BoolValue(b bool) Value {
	v := Value{kind: kindBool}
	if b {
		v.num = 1
	}
	return v
}

// IntValue returns an integer Value.
func IntValue(n int64) Value { return Value{kind: kindInt, num: uint64(n)} }

// FloatValue returns a floating-point Value.
func FloatValue(x float64) Value { return Value{kind: kindFloat, num: math.Float64bits(x)} }

// TimeValue returns an instant, the Value of a date (midnight UTC) or of
// a timestamp.
func TimeValue(t time.Time) Value { return Value{kind: kindTime, t: t} }

func (v Value) int() int64     { return int64(v.num) }
func (v Value) float() float64 { return math.Float64frombits(v.num) }
func (v Value) bool() bool     { return v.num != 0 }

// valueOf returns the Value of a normalized value (see Evaluator.value).
func valueOf(x any) Value {
	switch x := x.(type) {
	case nil:
		return Value{}
	case string:
		return StringValue(x)
	case bool:
		return BoolValue(x)
	case int64:
		return IntValue(x)
	case float64:
		return FloatValue(x)
	case time.Time:
		return TimeValue(x)
	}
	return Value{kind: kindOther, other: x}
}

// any returns v as a normalized value.
func (v Value) any() any {
	switch v.kind {
	case kindString:
		return v.str
	case kindBool:
		return v.bool()
	case kindInt:
		return v.int()
	case kindFloat:
		return v.float()
	case kindTime:
		return v.t
	case kindOther:
		return v.other
	}
	return nil
}

// typeName names the type of v for error messages, as typeName does.
func (v Value) typeName() string {
	switch v.kind {
	case kindNull:
		return "null"
	case kindString:
		return "a string"
	case kindBool:
		return "a boolean"
	case kindInt, kindFloat:
		return "a number"
	case kindTime:
		return "an instant"
	}
	return typeName(v.other)
}

// scalar evaluates e as value does, to a Value: properties through
// ScalarProperty when f is a ScalarFeature, and literals, without boxing
// them in an interface.
func (ev Evaluator) scalar(e Expr, f Feature) (Value, error) {
	switch e := e.(type) {
	case Property:
		if sf, ok := f.(ScalarFeature); ok {
			if v, ok := sf.ScalarProperty(e.Name); ok {
				return v, nil
			}
		}
	case String:
		return StringValue(e.Value), nil
	case Number:
		if e.IsInt {
			return IntValue(e.Int), nil
		}
		return FloatValue(e.Float), nil
	case Bool:
		return BoolValue(e.Value), nil
	case Date:
		return TimeValue(e.Time), nil
	case Timestamp:
		return TimeValue(e.Time), nil
	case CaseI:
		return ev.text(e.Value, f, "CASEI", caseFold)
	case AccentI:
		return ev.text(e.Value, f, "ACCENTI", stripAccents)
	}
	x, err := ev.value(e, f)
	return valueOf(x), err
}
