package cql2

// And is the conjunction of two or more boolean expressions (rule booleanTerm,
// CQL2 clause 6.2).
type And struct {
	Args []Expr
}

// Or is the disjunction of two or more boolean expressions (rule
// booleanExpression).
type Or struct {
	Args []Expr
}

// Not negates a boolean expression (rule booleanFactor). The text forms
// "NOT LIKE", "NOT BETWEEN", "NOT IN" and "IS NOT NULL" parse to Not around
// the positive predicate, as CQL2-JSON has no negated operators.
type Not struct {
	Arg Expr
}

// String returns the CQL2-Text form of e.
func (e And) String() string { return Text(e) }

// String returns the CQL2-Text form of e.
func (e Or) String() string { return Text(e) }

// String returns the CQL2-Text form of e.
func (e Not) String() string { return Text(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e And) MarshalJSON() ([]byte, error) { return JSON(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e Or) MarshalJSON() ([]byte, error) { return JSON(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e Not) MarshalJSON() ([]byte, error) { return JSON(e) }
