package cql2

import "math"

// String is a character literal (rule characterLiteral).
type String struct {
	Value string
}

// Number is a numeric literal (rule numericLiteral). A literal written
// without fraction or exponent that fits in an int64 is an integer: IsInt is
// set and Int holds its exact value. Any other literal is held in Float.
type Number struct {
	Int   int64
	Float float64
	IsInt bool
}

// Bool is a boolean literal, TRUE or FALSE.
type Bool struct {
	Value bool
}

// Int returns the integer literal i.
func Int(i int64) Number { return Number{Int: i, IsInt: true} }

// Float returns the floating-point literal f.
func Float(f float64) Number { return Number{Float: f} }

// Float64 returns the value of n as a float64.
func (n Number) Float64() float64 {
	if n.IsInt {
		return float64(n.Int)
	}
	return n.Float
}

// compareNumbers compares two numbers exactly, even an int64 with a float64
// that are not exactly representable in each other's type.
func compareNumbers(a, b Number) int {
	switch {
	case a.IsInt && b.IsInt:
		return cmpInt(a.Int, b.Int)
	case a.IsInt:
		return -cmpFloatInt(b.Float, a.Int)
	case b.IsInt:
		return cmpFloatInt(a.Float, b.Int)
	}
	return cmpFloat(a.Float, b.Float)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpFloatInt compares f with i without rounding i to a float64.
func cmpFloatInt(f float64, i int64) int {
	switch {
	case math.IsNaN(f):
		return -1
	case f < -(1 << 63):
		return -1
	case f >= 1<<63:
		return 1
	}
	t := math.Trunc(f)
	if c := cmpInt(int64(t), i); c != 0 {
		return c
	}
	return cmpFloat(f, t)
}

// String returns the CQL2-Text form of e.
func (e String) String() string { return Text(e) }

// String returns the CQL2-Text form of e.
func (e Number) String() string { return Text(e) }

// String returns the CQL2-Text form of e.
func (e Bool) String() string { return Text(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e String) MarshalJSON() ([]byte, error) { return JSON(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e Number) MarshalJSON() ([]byte, error) { return JSON(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e Bool) MarshalJSON() ([]byte, error) { return JSON(e) }
