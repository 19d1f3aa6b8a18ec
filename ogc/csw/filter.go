package csw

// Filter is a constraint of a GetRecords query, the common tree of the OGC
// Filter 1.1 and CQL_TEXT encodings. It is sealed: its implementations are
// the types of this file, so a type switch over them is complete.
type Filter interface {
	filter()
}

// And holds when all its operands hold.
type And struct{ Operands []Filter }

// Or holds when one of its operands holds.
type Or struct{ Operands []Filter }

// Not holds when its operand does not.
type Not struct{ Operand Filter }

// CompareOp is a binary comparison operator.
type CompareOp string

// Comparison operators of Filter 1.1.
const (
	EqualTo              CompareOp = "="
	NotEqualTo           CompareOp = "<>"
	LessThan             CompareOp = "<"
	GreaterThan          CompareOp = ">"
	LessThanOrEqualTo    CompareOp = "<="
	GreaterThanOrEqualTo CompareOp = ">="
)

// Comparison compares a property with a literal. A property with several
// values (subjects, formats) holds when one of them compares; NotEqualTo
// holds when the property has values and none is equal. Dates compare as
// dates: a literal of a day compares with the day of the value.
type Comparison struct {
	Op       CompareOp
	Property Queryable
	Literal  string
	// Func is "upper" or "lower" when the property is wrapped in that
	// ogc:Function, else "".
	Func string
	// MatchCase is false for a case-insensitive comparison.
	MatchCase bool
}

// Like matches a property against a pattern. Wildcard, SingleChar and
// Escape are the pattern's metacharacters (CQL: %, _ and \).
type Like struct {
	Property   Queryable
	Pattern    string
	Wildcard   rune
	SingleChar rune
	Escape     rune
	// MatchCase is false for a case-insensitive match, the default of
	// CSW clients' searches.
	MatchCase bool
	Func      string
}

// Between holds when a value of the property is within [Lower, Upper].
type Between struct {
	Property     Queryable
	Lower, Upper string
}

// IsNull holds when the property has no value.
type IsNull struct{ Property Queryable }

// SpatialOp is a spatial operator.
type SpatialOp string

// Spatial operators, comparing a record's bounding box with a geometry.
const (
	BBOX       SpatialOp = "BBOX"
	Intersects SpatialOp = "Intersects"
	Disjoint   SpatialOp = "Disjoint"
	Within     SpatialOp = "Within"
	Contains   SpatialOp = "Contains"
	Equals     SpatialOp = "Equals"
)

// SpatialFilter compares the records' bounding box with a geometry. BBOX
// is Intersects with an envelope (Filter 1.1 §7.8.3: "not disjoint").
type SpatialFilter struct {
	Op       SpatialOp
	Property Queryable
	Geometry Geometry
}

// Geometry is a point, an envelope or a polygon's exterior ring, in WGS 84
// longitude, latitude: the parsers reorder the axes and transform other
// CRS.
type Geometry struct {
	// Ring holds one position for a point, or a closed ring.
	Ring [][2]float64
	// Envelope is true when the ring is an axis-aligned rectangle.
	Envelope bool
}

// envelopeGeometry is the ring of an envelope.
func envelopeGeometry(minx, miny, maxx, maxy float64) Geometry {
	return Geometry{
		Ring:     [][2]float64{{minx, miny}, {maxx, miny}, {maxx, maxy}, {minx, maxy}, {minx, miny}},
		Envelope: true,
	}
}

func (And) filter()           {}
func (Or) filter()            {}
func (Not) filter()           {}
func (Comparison) filter()    {}
func (Like) filter()          {}
func (Between) filter()       {}
func (IsNull) filter()        {}
func (SpatialFilter) filter() {}
