package cql2

// CompareOp is a binary comparison operator; its value is the CQL2-JSON op.
type CompareOp string

// The binary comparison operators (CQL2 clause 6.6).
const (
	Eq CompareOp = "="
	Ne CompareOp = "<>"
	Lt CompareOp = "<"
	Le CompareOp = "<="
	Gt CompareOp = ">"
	Ge CompareOp = ">="
)

// Comparison compares two scalar expressions (rule
// binaryComparisonPredicate). The property-property conformance class
// allows properties, literals and functions on either side.
type Comparison struct {
	Op          CompareOp
	Left, Right Expr
}

// Like matches a character expression against a pattern in which '%'
// matches any sequence of characters, '_' one character and '\' escapes the
// next character (rule isLikePredicate, requirements class
// advanced-comparison-operators). The pattern is a String, optionally
// wrapped in CaseI or AccentI.
type Like struct {
	Value, Pattern Expr
}

// Between tests Low <= Value <= High (rule isBetweenPredicate).
type Between struct {
	Value, Low, High Expr
}

// In tests whether Value equals one of the expressions of List (rule
// isInListPredicate).
type In struct {
	Value Expr
	List  []Expr
}

// IsNull tests whether an expression is null (rule isNullPredicate).
type IsNull struct {
	Value Expr
}

// CaseI is the case-insensitive form of a character expression: its value
// is the Unicode full case folding of its argument (requirements class
// case-insensitive-comparison).
type CaseI struct {
	Value Expr
}

// AccentI is the accent-insensitive form of a character expression: its
// value is its argument with the non-spacing marks of its canonical
// decomposition removed (requirements class accent-insensitive-comparison).
type AccentI struct {
	Value Expr
}

// String returns the CQL2-Text form of e.
func (e Comparison) String() string { return Text(e) }

// String returns the CQL2-Text form of e.
func (e Like) String() string { return Text(e) }

// String returns the CQL2-Text form of e.
func (e Between) String() string { return Text(e) }

// String returns the CQL2-Text form of e.
func (e In) String() string { return Text(e) }

// String returns the CQL2-Text form of e.
func (e IsNull) String() string { return Text(e) }

// String returns the CQL2-Text form of e.
func (e CaseI) String() string { return Text(e) }

// String returns the CQL2-Text form of e.
func (e AccentI) String() string { return Text(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e Comparison) MarshalJSON() ([]byte, error) { return JSON(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e Like) MarshalJSON() ([]byte, error) { return JSON(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e Between) MarshalJSON() ([]byte, error) { return JSON(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e In) MarshalJSON() ([]byte, error) { return JSON(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e IsNull) MarshalJSON() ([]byte, error) { return JSON(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e CaseI) MarshalJSON() ([]byte, error) { return JSON(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e AccentI) MarshalJSON() ([]byte, error) { return JSON(e) }
