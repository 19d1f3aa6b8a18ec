package cql2

// ArrayOp is an array comparison function; its value is the CQL2-JSON op.
type ArrayOp string

// The array comparison functions (CQL2 clause 7.9). Arrays compare as
// sets.
const (
	AEquals      ArrayOp = "a_equals"
	AContains    ArrayOp = "a_contains"
	AContainedBy ArrayOp = "a_containedBy"
	AOverlaps    ArrayOp = "a_overlaps"
)

// ArrayPredicate applies an array comparison function to two array
// expressions (rule arrayPredicate).
type ArrayPredicate struct {
	Op          ArrayOp
	Left, Right Expr
}

// Array is an array literal, ('a', 'b') in CQL2-Text and ["a", "b"] in
// CQL2-JSON (rule arrayExpression).
type Array struct {
	Items []Expr
}

// String returns the CQL2-Text form of e.
func (e ArrayPredicate) String() string { return Text(e) }

// String returns the CQL2-Text form of e.
func (e Array) String() string { return Text(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e ArrayPredicate) MarshalJSON() ([]byte, error) { return JSON(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e Array) MarshalJSON() ([]byte, error) { return JSON(e) }
