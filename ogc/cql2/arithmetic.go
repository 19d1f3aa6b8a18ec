package cql2

// ArithOp is an arithmetic operator; its value is the CQL2-JSON op.
type ArithOp string

// The arithmetic operators (CQL2 clause 7.12). Div is the quotient, IntDiv
// ("div") the quotient truncated towards zero and Mod the remainder of that
// truncated division.
const (
	Add    ArithOp = "+"
	Sub    ArithOp = "-"
	Mul    ArithOp = "*"
	Div    ArithOp = "/"
	Mod    ArithOp = "%"
	IntDiv ArithOp = "div"
	Pow    ArithOp = "^"
)

// Arithmetic applies an arithmetic operator to two numeric expressions
// (rule arithmeticExpression). A unary minus on anything but a number
// literal is written as a multiplication by -1, as CQL2-JSON has no unary
// operators.
type Arithmetic struct {
	Op          ArithOp
	Left, Right Expr
}

// String returns the CQL2-Text form of e.
func (e Arithmetic) String() string { return Text(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e Arithmetic) MarshalJSON() ([]byte, error) { return JSON(e) }
