package cql2

// Property is a reference to a property, a queryable of the collection
// (rule propertyName).
type Property struct {
	Name string
}

// Function is a call of a function the server advertises (rule function),
// e.g. avg(windSpeed) or Buffer(geometry, 10, 'm'). Its name is a CQL2
// identifier that is not a reserved word.
type Function struct {
	Name string
	Args []Expr
}

// String returns the CQL2-Text form of e.
func (e Property) String() string { return Text(e) }

// String returns the CQL2-Text form of e.
func (e Function) String() string { return Text(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e Property) MarshalJSON() ([]byte, error) { return JSON(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e Function) MarshalJSON() ([]byte, error) { return JSON(e) }
