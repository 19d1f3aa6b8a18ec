package csw

import (
	"strings"

	"github.com/socle-geo/socle/ogc/iso19139"
)

// Namespaces of CSW 2.0.2 documents.
const (
	NamespaceCSW     = "http://www.opengis.net/cat/csw/2.0.2"
	NamespaceOWS     = "http://www.opengis.net/ows"
	NamespaceOGC     = "http://www.opengis.net/ogc"
	NamespaceGML     = "http://www.opengis.net/gml"
	NamespaceGML32   = "http://www.opengis.net/gml/3.2"
	NamespaceDC      = "http://purl.org/dc/elements/1.1/"
	NamespaceDCT     = "http://purl.org/dc/terms/"
	NamespaceAPISO   = "http://www.opengis.net/cat/csw/apiso/1.0"
	NamespaceXLink   = "http://www.w3.org/1999/xlink"
	NamespaceXSI     = "http://www.w3.org/2001/XMLSchema-instance"
	NamespaceXS      = "http://www.w3.org/2001/XMLSchema"
	NamespaceGMD     = iso19139.NamespaceGMD
	NamespaceInspire = "http://inspire.ec.europa.eu/schemas/inspire_ds/1.0"
	NamespaceCommon  = "http://inspire.ec.europa.eu/schemas/common/1.0"
)

// Version is the only CSW version served.
const Version = "2.0.2"

// SchemaLocation is the xsi:schemaLocation of CSW responses.
const SchemaLocation = NamespaceCSW + " http://schemas.opengis.net/csw/2.0.2/CSW-discovery.xsd"

// Output schemas of GetRecords and GetRecordById.
const (
	// OutputSchemaCSW gives csw:Record (Dublin Core) records; the default.
	OutputSchemaCSW = NamespaceCSW
	// OutputSchemaISO gives gmd:MD_Metadata (ISO 19139) records.
	OutputSchemaISO = NamespaceGMD
)

// TypeName is a record type a query ranges over.
type TypeName string

// Record types of the catalogue: both range over all records; they differ
// in the queryables their profile names, which this package accepts for
// either.
const (
	TypeRecord     TypeName = "csw:Record"
	TypeMDMetadata TypeName = "gmd:MD_Metadata"
)

// ElementSet is the CSW element set name of the records returned.
type ElementSet string

// Element sets.
const (
	Brief   ElementSet = "brief"
	Summary ElementSet = "summary"
	Full    ElementSet = "full"
)

// ResultType says what GetRecords returns.
type ResultType string

// Result types. Hits is the default (CSW 2.0.2 §10.8.4.4).
const (
	Hits     ResultType = "hits"
	Results  ResultType = "results"
	Validate ResultType = "validate"
)

// DefaultMaxRecords is the page size when a request gives none.
const DefaultMaxRecords = 10

// MaxMaxRecords bounds maxRecords, so that one request cannot ask the
// server for an unbounded document.
const MaxMaxRecords = 1000

// wellKnownPrefixes binds the prefixes requests use without declaring
// them (KVP typeNames, CQL property names) to their namespaces.
var wellKnownPrefixes = map[string]string{
	"csw":   NamespaceCSW,
	"gmd":   NamespaceGMD,
	"dc":    NamespaceDC,
	"dct":   NamespaceDCT,
	"ows":   NamespaceOWS,
	"ogc":   NamespaceOGC,
	"gml":   NamespaceGML,
	"apiso": NamespaceAPISO,
}

// qname is a prefixed name resolved against in-scope namespaces.
type qname struct {
	space, local string
	// prefixed is true when the name had a prefix.
	prefixed bool
}

// resolveQName splits "p:local" and resolves p in ns, then in the
// well-known prefixes; an unbound prefix leaves space empty.
func resolveQName(s string, ns map[string]string) qname {
	s = strings.TrimSpace(s)
	p, local, ok := strings.Cut(s, ":")
	if !ok {
		return qname{space: ns[""], local: s}
	}
	q := qname{local: local, prefixed: true}
	if u, ok := ns[p]; ok {
		q.space = u
	} else {
		q.space = wellKnownPrefixes[p]
	}
	return q
}

// parseTypeName resolves a type name; qualified is false for a name
// without prefix or namespace, known false for a qualified name that is
// not a record type of the catalogue.
func parseTypeName(s string, ns map[string]string) (t TypeName, qualified, known bool) {
	// A type name without prefix is not qualified, whatever the default
	// namespace (CSW 2.0.2 §10.6.4.2 asks for qualified names).
	q := resolveQName(s, ns)
	if !q.prefixed || q.space == "" {
		return "", false, false
	}
	switch {
	case q.space == NamespaceCSW && q.local == "Record":
		return TypeRecord, true, true
	case q.space == NamespaceGMD && q.local == "MD_Metadata":
		return TypeMDMetadata, true, true
	}
	return TypeName(s), true, false
}

// parseOutputSchema accepts the namespace URIs of the two schemas and the
// type names some clients send instead.
func parseOutputSchema(s string) (string, *Exception) {
	switch strings.TrimSpace(s) {
	case "", OutputSchemaCSW, "csw:Record", "http://www.opengis.net/cat/csw/2.0.2/record.xsd":
		return OutputSchemaCSW, nil
	case OutputSchemaISO, "gmd:MD_Metadata", "http://www.isotc211.org/2005/gmd/gmd.xsd":
		return OutputSchemaISO, nil
	}
	return "", invalid("outputschema", "unsupported output schema %q: use %s or %s", s, OutputSchemaCSW, OutputSchemaISO)
}

// checkOutputFormat accepts XML only.
func checkOutputFormat(s string) *Exception {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "application/xml", "text/xml":
		return nil
	}
	return invalid("outputformat", "unsupported output format %q: use application/xml", s)
}

func parseElementSet(s string) (ElementSet, *Exception) {
	switch ElementSet(strings.ToLower(strings.TrimSpace(s))) {
	case Brief:
		return Brief, nil
	case Summary:
		return Summary, nil
	case Full:
		return Full, nil
	}
	return "", invalid("elementsetname", "unknown element set %q: use brief, summary or full", s)
}

func parseResultType(s string) (ResultType, *Exception) {
	switch ResultType(strings.ToLower(strings.TrimSpace(s))) {
	case "", Hits:
		return Hits, nil
	case Results:
		return Results, nil
	case Validate:
		return Validate, nil
	}
	return "", invalid("resulttype", "unknown result type %q: use hits, results or validate", s)
}

// schemaLanguages are the names of XML Schema DescribeRecord accepts.
func checkSchemaLanguage(s string) *Exception {
	switch strings.TrimSpace(s) {
	case "", "XMLSCHEMA", "http://www.w3.org/XML/Schema", "http://www.w3.org/2001/XMLSchema", "http://www.w3.org/TR/xmlschema-1/":
		return nil
	}
	return invalid("schemalanguage", "unsupported schema language %q: use http://www.w3.org/XML/Schema", s)
}
