package cql2

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/paulmach/orb"
)

// Feature is what the evaluator reads of a feature. Property returns the
// value of the named property and whether the feature has it; a missing
// property is null. Values are nil, string, bool, any Go integer or float
// type, json.Number, time.Time (dates are midnight UTC), an orb.Geometry,
// or a slice ([]any, []string, []float64, []int64) for array properties.
// A Feature that holds its values unboxed may also be a ScalarFeature.
type Feature interface {
	Property(name string) (value any, ok bool)
}

// MapFeature is a Feature whose properties are the entries of a map; the
// geometry is just another entry, e.g. "geometry": orb.Point{2.35, 48.85}.
type MapFeature map[string]any

// Property returns m[name].
func (m MapFeature) Property(name string) (any, bool) {
	v, ok := m[name]
	return v, ok
}

// Func is a function filters may call. It receives its evaluated
// arguments, with the value types of Feature, and returns a value of one
// of those types; nil is null.
type Func func(args []any) (any, error)

// Evaluator evaluates filters against features in memory. The zero value
// knows no functions. An Evaluator holds no state and may be shared.
type Evaluator struct {
	// Functions are the functions filters may call, by name.
	Functions map[string]Func
	// CompareStrings orders two strings in comparisons, BETWEEN and IN,
	// returning a negative number, zero or a positive number as a sorts
	// before, alike or after b. Nil orders them by code point after
	// canonical decomposition (NFD), as recommendation
	// /rec/core/string-normalization has it; strings.Compare orders them
	// by their bytes, as a database's C collation does.
	CompareStrings func(a, b string) int
}

// Evaluate evaluates e against f with the zero Evaluator.
func Evaluate(e Expr, f Feature) (bool, error) { return Evaluator{}.Evaluate(e, f) }

// Evaluate reports whether f matches the filter e. Null propagates as in
// SQL (three-valued logic): a comparison with null is null, NOT null is
// null, and only features for which e is true match. An error, always an
// *EvalError, reports an operation on values of the wrong type, such as a
// string compared with a number.
func (ev Evaluator) Evaluate(e Expr, f Feature) (bool, error) {
	t, err := ev.truth(e, f)
	return t == tTrue, err
}

// tri is a truth value of three-valued logic.
type tri int8

const (
	tFalse tri = iota
	tTrue
	tNull
)

func triOf(b bool) tri {
	if b {
		return tTrue
	}
	return tFalse
}

func (ev Evaluator) truth(e Expr, f Feature) (tri, error) {
	switch e := e.(type) {
	case And:
		res := tTrue
		for _, a := range e.Args {
			t, err := ev.truth(a, f)
			if err != nil || t == tFalse {
				return tFalse, err
			}
			if t == tNull {
				res = tNull
			}
		}
		return res, nil
	case Or:
		res := tFalse
		for _, a := range e.Args {
			t, err := ev.truth(a, f)
			if err != nil || t == tTrue {
				return t, err
			}
			if t == tNull {
				res = tNull
			}
		}
		return res, nil
	case Not:
		t, err := ev.truth(e.Arg, f)
		switch t {
		case tTrue:
			return tFalse, err
		case tFalse:
			return tTrue, err
		}
		return tNull, err
	case Bool:
		return triOf(e.Value), nil
	case Comparison:
		return ev.comparison(e, f)
	case Like:
		return ev.like(e, f)
	case Between:
		return ev.between(e, f)
	case In:
		return ev.in(e, f)
	case IsNull:
		v, err := ev.scalar(e.Value, f)
		return triOf(v.kind == kindNull), err
	case Spatial:
		return ev.spatial(e, f)
	case Temporal:
		return ev.temporal(e, f)
	case ArrayPredicate:
		return ev.array(e, f)
	}
	v, err := ev.value(e, f)
	if err != nil {
		return tFalse, err
	}
	switch v := v.(type) {
	case nil:
		return tNull, nil
	case bool:
		return triOf(v), nil
	}
	return tFalse, evalErrorf("%s is %s, not a boolean", describe(e), typeName(v))
}

// value evaluates e to one of the normalized value types: nil, string,
// bool, int64, float64, time.Time, period, orb.Geometry or []any.
func (ev Evaluator) value(e Expr, f Feature) (any, error) {
	switch e := e.(type) {
	case Property:
		v, ok := f.Property(e.Name)
		if !ok {
			return nil, nil
		}
		return normalize(v)
	case String:
		return e.Value, nil
	case Number:
		if e.IsInt {
			return e.Int, nil
		}
		return e.Float, nil
	case Bool:
		return e.Value, nil
	case Date:
		return e.Time, nil
	case Timestamp:
		return e.Time, nil
	case CaseI:
		v, err := ev.text(e.Value, f, "CASEI", caseFold)
		return v.any(), err
	case AccentI:
		v, err := ev.text(e.Value, f, "ACCENTI", stripAccents)
		return v.any(), err
	case Arithmetic:
		return ev.arithmetic(e, f)
	case Interval:
		return ev.interval(e, f)
	case Geometry:
		return e.Geom, nil
	case BBox:
		return bboxGeometry(e), nil
	case Array:
		out := make([]any, 0, len(e.Items))
		for _, it := range e.Items {
			v, err := ev.value(it, f)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case Function:
		fn, ok := ev.Functions[e.Name]
		if !ok {
			return nil, evalErrorf("unknown function %s", e.Name)
		}
		args := make([]any, 0, len(e.Args))
		for _, a := range e.Args {
			v, err := ev.value(a, f)
			if err != nil {
				return nil, err
			}
			args = append(args, v)
		}
		v, err := fn(args)
		if err != nil {
			return nil, &EvalError{Msg: fmt.Sprintf("function %s: %v", e.Name, err)}
		}
		return normalize(v)
	case nil:
		return nil, evalErrorf("missing expression")
	}
	// A predicate used as a value.
	t, err := ev.truth(e, f)
	switch {
	case err != nil:
		return nil, err
	case t == tNull:
		return nil, nil
	}
	return t == tTrue, nil
}

// normalize converts a property or function value to a value type of the
// evaluator.
func normalize(v any) (any, error) {
	switch v := v.(type) {
	case nil, string, bool, int64, float64, time.Time, period, []any:
		return v, nil
	case int:
		return int64(v), nil
	case int8:
		return int64(v), nil
	case int16:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case uint8:
		return int64(v), nil
	case uint16:
		return int64(v), nil
	case uint32:
		return int64(v), nil
	case uint:
		return normalize(uint64(v))
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v), nil
		}
		return float64(v), nil
	case float32:
		return float64(v), nil
	case json.Number:
		n, err := jsonNumber(v)
		if err != nil {
			return nil, &EvalError{Msg: err.Error()}
		}
		if n.IsInt {
			return n.Int, nil
		}
		return n.Float, nil
	case orb.Geometry:
		return v, nil
	case []string:
		return convertSlice(v), nil
	case []float64:
		return convertSlice(v), nil
	case []int64:
		return convertSlice(v), nil
	}
	return nil, evalErrorf("unsupported value type %T", v)
}

func convertSlice[T any](s []T) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// typeName names the type of a value for error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64, float64:
		return "a number"
	case time.Time:
		return "an instant"
	case period:
		return "an interval"
	case orb.Geometry:
		return "a geometry"
	case []any:
		return "an array"
	}
	return strconv.Quote(fmt.Sprintf("%T", v))
}
