package csw

// Request is a parsed CSW request: one of *GetCapabilities,
// *DescribeRecord, *GetRecords, *GetRecordByID and *GetDomain. It is
// sealed.
type Request interface {
	// Operation is the CSW operation name, e.g. "GetRecords".
	Operation() string
	request()
}

// GetCapabilities asks for the service description (CSW 2.0.2 §10.5).
type GetCapabilities struct {
	// Sections lists the sections asked for (ServiceIdentification,
	// ServiceProvider, OperationsMetadata, Filter_Capabilities); empty
	// means all.
	Sections []string
	// UpdateSequence is the client's cached update sequence, if any.
	UpdateSequence string
	// Language is the INSPIRE response language asked for (ISO 639-2/B,
	// KVP LANGUAGE), if any.
	Language string
}

// DescribeRecord asks for the schemas of record types (§10.6).
type DescribeRecord struct {
	// TypeNames lists the record types asked for; nil means all. Qualified
	// names of types the catalogue does not hold are left out, so a
	// request for those alone has an empty, non-nil list: the answer
	// describes nothing.
	TypeNames []TypeName
}

// GetRecords searches the catalogue (§10.8).
type GetRecords struct {
	// RequestID is echoed in the response.
	RequestID string
	// ResultType is hits (the default), results or validate.
	ResultType ResultType
	// OutputSchema is OutputSchemaCSW or OutputSchemaISO.
	OutputSchema string
	// StartPosition is the 1-based index of the first record returned.
	StartPosition int
	// MaxRecords is the page size, at most MaxMaxRecords.
	MaxRecords int
	Query      Query
	// Raw is the XML request, UTF-8, without prolog, echoed by the
	// Acknowledgement of resultType validate; nil for KVP requests.
	Raw []byte
}

// Query is what GetRecords selects and how it shows it.
type Query struct {
	TypeNames []TypeName
	// ElementSet is the element set; empty when ElementNames is set.
	ElementSet ElementSet
	// ElementNames lists the properties to return instead of an element
	// set.
	ElementNames []Queryable
	// Filter is the constraint, nil for all records.
	Filter Filter
	SortBy []SortKey
}

// SortKey sorts results by a queryable.
type SortKey struct {
	Property   Queryable
	Descending bool
}

// GetRecordByID fetches records by identifier (§10.9).
type GetRecordByID struct {
	IDs          []string
	ElementSet   ElementSet
	OutputSchema string
}

// GetDomain asks for the values a parameter or a property takes (§10.7).
type GetDomain struct {
	// ParameterName is an Operation.parameter name such as
	// "GetRecords.resultType"; PropertyName a queryable. One is set.
	ParameterName string
	PropertyName  Queryable
	// PropertyLabel is the property as the request named it, echoed in
	// the response.
	PropertyLabel string
}

func (*GetCapabilities) Operation() string { return "GetCapabilities" }
func (*DescribeRecord) Operation() string  { return "DescribeRecord" }
func (*GetRecords) Operation() string      { return "GetRecords" }
func (*GetRecordByID) Operation() string   { return "GetRecordById" }
func (*GetDomain) Operation() string       { return "GetDomain" }

func (*GetCapabilities) request() {}
func (*DescribeRecord) request()  {}
func (*GetRecords) request()      {}
func (*GetRecordByID) request()   {}
func (*GetDomain) request()       {}

// checkPaging applies the defaults and bounds of startPosition and
// maxRecords.
func (g *GetRecords) checkPaging() *Exception {
	if g.StartPosition < 1 {
		return invalid("startposition", "startPosition must be 1 or more")
	}
	if g.MaxRecords < 0 {
		return invalid("maxrecords", "maxRecords must be 0 or more")
	}
	if g.MaxRecords > MaxMaxRecords {
		g.MaxRecords = MaxMaxRecords
	}
	return nil
}

// checkQuery applies the rules shared by both encodings: type names,
// element set default.
func (g *GetRecords) checkQuery() *Exception {
	if len(g.Query.TypeNames) == 0 {
		return missing("typenames")
	}
	if g.Query.ElementSet == "" && len(g.Query.ElementNames) == 0 {
		g.Query.ElementSet = Summary
	}
	return nil
}
