package csw

import (
	"encoding/xml"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/socle-geo/socle/ogc/iso19139"
)

// rootAttrs are the namespace declarations of every CSW response root.
func rootAttrs() []xml.Attr {
	return []xml.Attr{
		{Name: xml.Name{Local: "xmlns:csw"}, Value: NamespaceCSW},
		{Name: xml.Name{Local: "xmlns:dc"}, Value: NamespaceDC},
		{Name: xml.Name{Local: "xmlns:dct"}, Value: NamespaceDCT},
		{Name: xml.Name{Local: "xmlns:ows"}, Value: NamespaceOWS},
		{Name: xml.Name{Local: "xmlns:xsi"}, Value: NamespaceXSI},
		{Name: xml.Name{Local: "xsi:schemaLocation"}, Value: SchemaLocation},
	}
}

func attr(name, value string) xml.Attr { return xml.Attr{Name: xml.Name{Local: name}, Value: value} }

// document writes the XML declaration, then the root element with body
// written by fn, indented.
func document(w io.Writer, root xml.StartElement, fn func(e *xml.Encoder) error) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	e := xml.NewEncoder(w)
	e.Indent("", "  ")
	if err := e.EncodeToken(root); err != nil {
		return err
	}
	if err := fn(e); err != nil {
		return err
	}
	if err := e.EncodeToken(root.End()); err != nil {
		return err
	}
	if err := e.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// GetRecordsResponse is the answer to a GetRecords request of resultType
// hits or results.
type GetRecordsResponse struct {
	Request *GetRecords
	Result  Result
	// Timestamp is the time of the search.
	Timestamp time.Time
}

// Encode writes the csw:GetRecordsResponse.
func (r GetRecordsResponse) Encode(w io.Writer) error {
	g := r.Request
	root := xml.StartElement{Name: xml.Name{Local: "csw:GetRecordsResponse"}, Attr: append(rootAttrs(), attr("version", Version))}
	return document(w, root, func(e *xml.Encoder) error {
		if g.RequestID != "" {
			if err := e.EncodeElement(g.RequestID, xml.StartElement{Name: xml.Name{Local: "csw:RequestId"}}); err != nil {
				return err
			}
		}
		status := xml.StartElement{Name: xml.Name{Local: "csw:SearchStatus"}, Attr: []xml.Attr{attr("timestamp", timestamp(r.Timestamp))}}
		if err := e.EncodeToken(status); err != nil {
			return err
		}
		if err := e.EncodeToken(status.End()); err != nil {
			return err
		}
		res := xml.StartElement{Name: xml.Name{Local: "csw:SearchResults"}, Attr: []xml.Attr{
			attr("numberOfRecordsMatched", strconv.Itoa(r.Result.Matched)),
			attr("numberOfRecordsReturned", strconv.Itoa(len(r.Result.Records))),
			attr("nextRecord", strconv.Itoa(r.Result.NextRecord)),
			attr("recordSchema", g.OutputSchema),
		}}
		if len(g.Query.ElementNames) == 0 {
			res.Attr = append(res.Attr, attr("elementSet", string(g.Query.ElementSet)))
		}
		if err := e.EncodeToken(res); err != nil {
			return err
		}
		rs := recordsXML{records: r.Result.Records, schema: g.OutputSchema, set: g.Query.ElementSet, names: g.Query.ElementNames}
		if err := rs.marshal(e); err != nil {
			return err
		}
		return e.EncodeToken(res.End())
	})
}

// GetRecordByIDResponse is the answer to GetRecordById: the records found,
// possibly none.
type GetRecordByIDResponse struct {
	Request *GetRecordByID
	Records []iso19139.Record
}

// Encode writes the csw:GetRecordByIdResponse.
func (r GetRecordByIDResponse) Encode(w io.Writer) error {
	root := xml.StartElement{Name: xml.Name{Local: "csw:GetRecordByIdResponse"}, Attr: rootAttrs()}
	return document(w, root, func(e *xml.Encoder) error {
		rs := recordsXML{records: r.Records, schema: r.Request.OutputSchema, set: r.Request.ElementSet}
		return rs.marshal(e)
	})
}

// Acknowledgement is the answer to a GetRecords request of resultType
// validate: the request, echoed.
type Acknowledgement struct {
	Request   *GetRecords
	Timestamp time.Time
}

// Encode writes the csw:Acknowledgement. A KVP request has nothing to
// echo: ParseKVP refuses resultType validate.
func (a Acknowledgement) Encode(w io.Writer) error {
	root := xml.StartElement{Name: xml.Name{Local: "csw:Acknowledgement"}, Attr: append(rootAttrs(), attr("timeStamp", timestamp(a.Timestamp)))}
	return document(w, root, func(e *xml.Encoder) error {
		echo := struct {
			XMLName xml.Name `xml:"csw:EchoedRequest"`
			Raw     []byte   `xml:",innerxml"`
		}{Raw: a.Request.Raw}
		return e.Encode(echo)
	})
}

// SchemaComponent is a schema DescribeRecord returns: an XML Schema
// document for a target namespace.
type SchemaComponent struct {
	TargetNamespace string
	// Schema is the xs:schema element, serialized.
	Schema []byte
}

// DefaultSchemaComponents describes the two record types by reference to
// their published schemas: a schema that includes the CSW record.xsd for
// csw:Record, and the ISO 19139 gmd.xsd for gmd:MD_Metadata. A nil types
// means both.
func DefaultSchemaComponents(types []TypeName) []SchemaComponent {
	if types == nil {
		types = []TypeName{TypeRecord, TypeMDMetadata}
	}
	var out []SchemaComponent
	for _, t := range types {
		ns, loc := NamespaceCSW, "http://schemas.opengis.net/csw/2.0.2/record.xsd"
		if t == TypeMDMetadata {
			ns, loc = NamespaceGMD, "http://schemas.opengis.net/iso/19139/20070417/gmd/gmd.xsd"
		}
		out = append(out, SchemaComponent{
			TargetNamespace: ns,
			Schema: []byte(`<xs:schema xmlns:xs="` + NamespaceXS + `" targetNamespace="` + ns + `" elementFormDefault="qualified">` +
				`<xs:include schemaLocation="` + loc + `"/></xs:schema>`),
		})
	}
	return out
}

// DescribeRecordResponse is the answer to DescribeRecord.
type DescribeRecordResponse struct {
	Components []SchemaComponent
}

// Encode writes the csw:DescribeRecordResponse.
func (r DescribeRecordResponse) Encode(w io.Writer) error {
	root := xml.StartElement{Name: xml.Name{Local: "csw:DescribeRecordResponse"}, Attr: rootAttrs()}
	return document(w, root, func(e *xml.Encoder) error {
		for _, c := range r.Components {
			sc := struct {
				XMLName         xml.Name `xml:"csw:SchemaComponent"`
				SchemaLanguage  string   `xml:"schemaLanguage,attr"`
				TargetNamespace string   `xml:"targetNamespace,attr"`
				Schema          []byte   `xml:",innerxml"`
			}{SchemaLanguage: "http://www.w3.org/XML/Schema", TargetNamespace: c.TargetNamespace, Schema: c.Schema}
			if err := e.Encode(sc); err != nil {
				return err
			}
		}
		return nil
	})
}

// parameterDomains are the values of the request parameters GetDomain
// describes, by lower-case name.
var parameterDomains = map[string][]string{
	"getcapabilities.sections":      capabilitySections,
	"describerecord.typename":       {string(TypeRecord), string(TypeMDMetadata)},
	"describerecord.outputformat":   {"application/xml"},
	"describerecord.schemalanguage": {"http://www.w3.org/XML/Schema"},
	"getrecords.typenames":          {string(TypeRecord), string(TypeMDMetadata)},
	"getrecords.outputformat":       {"application/xml"},
	"getrecords.outputschema":       {OutputSchemaCSW, OutputSchemaISO},
	"getrecords.resulttype":         {string(Hits), string(Results), string(Validate)},
	"getrecords.elementsetname":     {string(Brief), string(Summary), string(Full)},
	"getrecords.constraintlanguage": {"CQL_TEXT", "FILTER"},
	"getrecordbyid.outputformat":    {"application/xml"},
	"getrecordbyid.outputschema":    {OutputSchemaCSW, OutputSchemaISO},
	"getrecordbyid.elementsetname":  {string(Brief), string(Summary), string(Full)},
	"getdomain.parametername":       nil,
}

func init() {
	var names []string
	for k := range parameterDomains {
		if k != "getdomain.parametername" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	parameterDomains["getdomain.parametername"] = names
}

// GetDomainResponse is the answer to GetDomain.
type GetDomainResponse struct {
	Request *GetDomain
	// Values is the domain: for a property, the distinct values the
	// records hold (see Domain).
	Values []string
}

// Domain is the answer to g over records: the values of a parameter, or
// the distinct values of a property, sorted.
func Domain(g *GetDomain, records []iso19139.Record) GetDomainResponse {
	if g.ParameterName != "" {
		return GetDomainResponse{Request: g, Values: parameterDomains[strings.ToLower(g.ParameterName)]}
	}
	set := map[string]bool{}
	for i := range records {
		for _, v := range newEntry(&records[i]).values(g.PropertyName) {
			set[v] = true
		}
	}
	vals := make([]string, 0, len(set))
	for v := range set {
		vals = append(vals, v)
	}
	sort.Strings(vals)
	return GetDomainResponse{Request: g, Values: vals}
}

// Encode writes the csw:GetDomainResponse.
func (r GetDomainResponse) Encode(w io.Writer) error {
	root := xml.StartElement{Name: xml.Name{Local: "csw:GetDomainResponse"}, Attr: rootAttrs()}
	return document(w, root, func(e *xml.Encoder) error {
		dv := struct {
			XMLName       xml.Name `xml:"csw:DomainValues"`
			Type          string   `xml:"type,attr"`
			ParameterName string   `xml:"csw:ParameterName,omitempty"`
			PropertyName  string   `xml:"csw:PropertyName,omitempty"`
			Values        []string `xml:"csw:ListOfValues>csw:Value"`
		}{Type: string(TypeRecord), ParameterName: r.Request.ParameterName, PropertyName: r.Request.PropertyLabel}
		dv.Values = r.Values
		return e.Encode(dv)
	})
}

// Respond writes the answer to a parsed request over records: the
// capabilities, a schema description, a page of search results (or its
// acknowledgement), records by identifier or a domain. now stamps search
// results. It returns only the writer's errors; requests are checked by
// the parsers.
func Respond(w io.Writer, req Request, records []iso19139.Record, caps Capabilities, now time.Time) error {
	switch r := req.(type) {
	case *GetCapabilities:
		return caps.Encode(w, r)
	case *DescribeRecord:
		return DescribeRecordResponse{Components: DefaultSchemaComponents(r.TypeNames)}.Encode(w)
	case *GetRecords:
		if r.ResultType == Validate && r.Raw != nil {
			return Acknowledgement{Request: r, Timestamp: now}.Encode(w)
		}
		return GetRecordsResponse{Request: r, Result: Search(r, records), Timestamp: now}.Encode(w)
	case *GetRecordByID:
		return GetRecordByIDResponse{Request: r, Records: Lookup(r.IDs, records)}.Encode(w)
	case *GetDomain:
		return Domain(r, records).Encode(w)
	}
	return errorf(NoApplicableCode, "request", "unknown request %T", req)
}
