package iso19139

import (
	"encoding/xml"
	"strconv"
	"time"
)

// The element structs below mirror the ISO 19139 schema (gmd, gco, gmx,
// srv of 2007-04-17): one struct per type used, fields in the order of the
// schema's sequences, prefixed names as INSPIRE records write them. The
// prefixes are bound once on gmd:MD_Metadata (see namespaces).

// Namespaces of the elements the encoder writes.
const (
	NamespaceGMD   = "http://www.isotc211.org/2005/gmd"
	NamespaceGCO   = "http://www.isotc211.org/2005/gco"
	NamespaceGMX   = "http://www.isotc211.org/2005/gmx"
	NamespaceSRV   = "http://www.isotc211.org/2005/srv"
	NamespaceGML   = "http://www.opengis.net/gml/3.2"
	NamespaceXLink = "http://www.w3.org/1999/xlink"
	NamespaceXSI   = "http://www.w3.org/2001/XMLSchema-instance"
)

// SchemaLocation is the xsi:schemaLocation INSPIRE records usually carry:
// the CSW ISO application profile schema, which imports gmd and srv.
const SchemaLocation = "http://www.isotc211.org/2005/gmd http://schemas.opengis.net/csw/2.0.2/profiles/apiso/1.0.0/apiso.xsd"

type mdMetadata struct {
	XMLName        xml.Name `xml:"gmd:MD_Metadata"`
	XMLNSgmd       string   `xml:"xmlns:gmd,attr"`
	XMLNSgco       string   `xml:"xmlns:gco,attr"`
	XMLNSgmx       string   `xml:"xmlns:gmx,attr"`
	XMLNSsrv       string   `xml:"xmlns:srv,attr"`
	XMLNSgml       string   `xml:"xmlns:gml,attr"`
	XMLNSxlink     string   `xml:"xmlns:xlink,attr"`
	XMLNSxsi       string   `xml:"xmlns:xsi,attr"`
	SchemaLocation string   `xml:"xsi:schemaLocation,attr"`

	FileIdentifier     *charString       `xml:"gmd:fileIdentifier"`
	Language           *codeProp         `xml:"gmd:language"`
	CharacterSet       *codeProp         `xml:"gmd:characterSet"`
	HierarchyLevel     *codeProp         `xml:"gmd:hierarchyLevel"`
	HierarchyLevelName *charString       `xml:"gmd:hierarchyLevelName"`
	Contact            []partyProp       `xml:"gmd:contact"`
	DateStamp          dateProp          `xml:"gmd:dateStamp"`
	StandardName       *charString       `xml:"gmd:metadataStandardName"`
	StandardVersion    *charString       `xml:"gmd:metadataStandardVersion"`
	ReferenceSystems   []refSystemProp   `xml:"gmd:referenceSystemInfo"`
	DataIdentification *dataIdentProp    `xml:"gmd:identificationInfo>gmd:MD_DataIdentification"`
	ServiceIdent       *serviceIdentProp `xml:"gmd:identificationInfo>srv:SV_ServiceIdentification"`
	Distribution       *distribution     `xml:"gmd:distributionInfo>gmd:MD_Distribution"`
	DataQuality        *dataQuality      `xml:"gmd:dataQualityInfo>gmd:DQ_DataQuality"`
}

// charString is a gco:CharacterString_PropertyType: a gco:CharacterString,
// its gmx:Anchor substitute, or nothing with a nil reason.
type charString struct {
	NilReason string      `xml:"gco:nilReason,attr,omitempty"`
	String    *string     `xml:"gco:CharacterString"`
	Anchor    *anchorElem `xml:"gmx:Anchor"`
}

type anchorElem struct {
	Href string `xml:"xlink:href,attr"`
	Text string `xml:",chardata"`
}

// text is a gco:CharacterString property, nil for an empty string.
func text(s string) *charString {
	if s == "" {
		return nil
	}
	return &charString{String: &s}
}

// textOrNil is a gco:CharacterString property, or one with a nil reason
// when s is empty (for mandatory elements).
func textOrNil(s, reason string) *charString {
	if s == "" {
		return &charString{NilReason: reason}
	}
	return &charString{String: &s}
}

// anchor is a gmx:Anchor, or a gco:CharacterString without an Href; nil
// for an empty anchor.
func anchor(a Anchor) *charString {
	if a.Href == "" {
		return text(a.Text)
	}
	return &charString{Anchor: &anchorElem{Href: a.Href, Text: a.Text}}
}

// codeProp is a property holding one code list value element, e.g.
// <gmd:hierarchyLevel><gmd:MD_ScopeCode codeList=… codeListValue=…>.
type codeProp struct {
	elem, list, value string
}

func code(elem, list, value string) *codeProp {
	if value == "" {
		return nil
	}
	return &codeProp{elem: elem, list: list, value: value}
}

// isoCode is a value of an ISO 19139 code list of the catalogue.
func isoCode(elem, value string) *codeProp {
	return code("gmd:"+elem, CodeListCatalogue+"#"+elem, value)
}

func (c codeProp) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	inner := xml.StartElement{
		Name: xml.Name{Local: c.elem},
		Attr: []xml.Attr{
			{Name: xml.Name{Local: "codeList"}, Value: c.list},
			{Name: xml.Name{Local: "codeListValue"}, Value: c.value},
		},
	}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if err := e.EncodeElement(c.value, inner); err != nil {
		return err
	}
	return e.EncodeToken(start.End())
}

// dateProp is a gco:Date or gco:DateTime property.
type dateProp struct {
	NilReason string `xml:"gco:nilReason,attr,omitempty"`
	Date      string `xml:"gco:Date,omitempty"`
	DateTime  string `xml:"gco:DateTime,omitempty"`
}

// hasClock reports whether t has a time of day.
func hasClock(t time.Time) bool {
	h, m, s := t.Clock()
	return h != 0 || m != 0 || s != 0 || t.Nanosecond() != 0
}

func date(t time.Time) dateProp {
	switch {
	case t.IsZero():
		return dateProp{NilReason: "unknown"}
	case hasClock(t):
		return dateProp{DateTime: t.Format(time.RFC3339)}
	}
	return dateProp{Date: t.Format(time.DateOnly)}
}

type decimal struct {
	Value string `xml:"gco:Decimal"`
}

func dec(f float64) decimal { return decimal{strconv.FormatFloat(f, 'f', -1, 64)} }

type partyProp struct {
	Party responsibleParty `xml:"gmd:CI_ResponsibleParty"`
}

type responsibleParty struct {
	Individual   *charString `xml:"gmd:individualName"`
	Organisation *charString `xml:"gmd:organisationName"`
	ContactInfo  *contact    `xml:"gmd:contactInfo>gmd:CI_Contact"`
	Role         *codeProp   `xml:"gmd:role"`
}

type contact struct {
	Phone   *charString `xml:"gmd:phone>gmd:CI_Telephone>gmd:voice"`
	Address *address    `xml:"gmd:address>gmd:CI_Address"`
	Online  *onlineRes  `xml:"gmd:onlineResource>gmd:CI_OnlineResource"`
}

type address struct {
	DeliveryPoint *charString `xml:"gmd:deliveryPoint"`
	City          *charString `xml:"gmd:city"`
	PostalCode    *charString `xml:"gmd:postalCode"`
	Country       *charString `xml:"gmd:country"`
	Email         *charString `xml:"gmd:electronicMailAddress"`
}

type refSystemProp struct {
	Code *charString `xml:"gmd:MD_ReferenceSystem>gmd:referenceSystemIdentifier>gmd:RS_Identifier>gmd:code"`
}

type citation struct {
	Title          *charString    `xml:"gmd:title"`
	AlternateTitle *charString    `xml:"gmd:alternateTitle"`
	Dates          []ciDateProp   `xml:"gmd:date"`
	Identifiers    []identifierPr `xml:"gmd:identifier"`
}

type ciDateProp struct {
	Date ciDate `xml:"gmd:CI_Date"`
}

type ciDate struct {
	Date     dateProp  `xml:"gmd:date"`
	DateType *codeProp `xml:"gmd:dateType"`
}

type identifierPr struct {
	MD *mdIdentifier `xml:"gmd:MD_Identifier"`
	RS *rsIdentifier `xml:"gmd:RS_Identifier"`
}

type mdIdentifier struct {
	Code *charString `xml:"gmd:code"`
}

type rsIdentifier struct {
	Code      *charString `xml:"gmd:code"`
	CodeSpace *charString `xml:"gmd:codeSpace"`
}

type keywordsProp struct {
	Keywords keywords `xml:"gmd:MD_Keywords"`
}

type keywords struct {
	Keyword   []*charString `xml:"gmd:keyword"`
	Type      *codeProp     `xml:"gmd:type"`
	Thesaurus *citation     `xml:"gmd:thesaurusName>gmd:CI_Citation"`
}

type constraintsProp struct {
	Legal legalConstraints `xml:"gmd:MD_LegalConstraints"`
}

type legalConstraints struct {
	Access []*codeProp   `xml:"gmd:accessConstraints"`
	Use    []*codeProp   `xml:"gmd:useConstraints"`
	Other  []*charString `xml:"gmd:otherConstraints"`
}

// identification holds the elements of AbstractMD_Identification_Type
// shared by datasets and services, in schema order.
type identification struct {
	ID             string            `xml:"id,attr,omitempty"`
	Citation       citation          `xml:"gmd:citation>gmd:CI_Citation"`
	Abstract       *charString       `xml:"gmd:abstract"`
	PointOfContact []partyProp       `xml:"gmd:pointOfContact"`
	Keywords       []keywordsProp    `xml:"gmd:descriptiveKeywords"`
	Constraints    []constraintsProp `xml:"gmd:resourceConstraints"`
}

type dataIdentProp struct {
	identification
	SpatialRepresentation []*codeProp      `xml:"gmd:spatialRepresentationType"`
	Resolution            []resolutionProp `xml:"gmd:spatialResolution"`
	Language              []*codeProp      `xml:"gmd:language"`
	CharacterSet          *codeProp        `xml:"gmd:characterSet"`
	TopicCategory         []topicProp      `xml:"gmd:topicCategory"`
	Extent                *extent          `xml:"gmd:extent>gmd:EX_Extent"`
}

type resolutionProp struct {
	Resolution resolution `xml:"gmd:MD_Resolution"`
}

type topicProp struct {
	Code string `xml:"gmd:MD_TopicCategoryCode"`
}

type resolution struct {
	Scale    *scale    `xml:"gmd:equivalentScale"`
	Distance *distance `xml:"gmd:distance>gco:Distance"`
}

type scale struct {
	Denominator string `xml:"gmd:MD_RepresentativeFraction>gmd:denominator>gco:Integer"`
}

type distance struct {
	UOM   string `xml:"uom,attr"`
	Value string `xml:",chardata"`
}

type extent struct {
	BBox     *geoBBox        `xml:"gmd:geographicElement>gmd:EX_GeographicBoundingBox"`
	Temporal *temporalExtent `xml:"gmd:temporalElement>gmd:EX_TemporalExtent>gmd:extent>gml:TimePeriod"`
}

type geoBBox struct {
	West  decimal `xml:"gmd:westBoundLongitude"`
	East  decimal `xml:"gmd:eastBoundLongitude"`
	South decimal `xml:"gmd:southBoundLatitude"`
	North decimal `xml:"gmd:northBoundLatitude"`
}

type temporalExtent struct {
	ID    string      `xml:"gml:id,attr"`
	Begin timePostion `xml:"gml:beginPosition"`
	End   timePostion `xml:"gml:endPosition"`
}

type timePostion struct {
	Indeterminate string `xml:"indeterminatePosition,attr,omitempty"`
	Value         string `xml:",chardata"`
}

type serviceIdentProp struct {
	identification
	ServiceType      localName        `xml:"srv:serviceType"`
	TypeVersion      []*charString    `xml:"srv:serviceTypeVersion"`
	Extent           *extent          `xml:"srv:extent>gmd:EX_Extent"`
	CoupledResources []coupledResProp `xml:"srv:coupledResource"`
	CouplingType     *codeProp        `xml:"srv:couplingType"`
	Operations       []operationProp  `xml:"srv:containsOperations"`
	OperatesOn       []operatesOn     `xml:"srv:operatesOn"`
}

type localName struct {
	Name localNameElem `xml:"gco:LocalName"`
}

type localNameElem struct {
	CodeSpace string `xml:"codeSpace,attr,omitempty"`
	Value     string `xml:",chardata"`
}

type coupledResProp struct {
	Resource coupledResource `xml:"srv:SV_CoupledResource"`
}

type coupledResource struct {
	Operation  *charString `xml:"srv:operationName"`
	Identifier *charString `xml:"srv:identifier"`
	ScopedName string      `xml:"gco:ScopedName,omitempty"`
}

type operationProp struct {
	NilReason string             `xml:"gco:nilReason,attr,omitempty"`
	Operation *operationMetadata `xml:"srv:SV_OperationMetadata"`
}

type operationMetadata struct {
	Name        *charString `xml:"srv:operationName"`
	DCP         *codeProp   `xml:"srv:DCP"`
	Description *charString `xml:"srv:operationDescription"`
	ConnectURL  string      `xml:"srv:connectPoint>gmd:CI_OnlineResource>gmd:linkage>gmd:URL"`
}

type operatesOn struct {
	UUIDRef string `xml:"uuidref,attr,omitempty"`
	Href    string `xml:"xlink:href,attr,omitempty"`
}

type distribution struct {
	Formats []formatProp `xml:"gmd:distributionFormat"`
	Online  []onlineProp `xml:"gmd:transferOptions>gmd:MD_DigitalTransferOptions>gmd:onLine"`
}

type formatProp struct {
	Format format `xml:"gmd:MD_Format"`
}

type onlineProp struct {
	Resource onlineRes `xml:"gmd:CI_OnlineResource"`
}

type format struct {
	Name          *charString `xml:"gmd:name"`
	Version       *charString `xml:"gmd:version"`
	Specification *charString `xml:"gmd:specification"`
}

type onlineRes struct {
	URL                string      `xml:"gmd:linkage>gmd:URL"`
	Protocol           *charString `xml:"gmd:protocol"`
	ApplicationProfile *charString `xml:"gmd:applicationProfile"`
	Name               *charString `xml:"gmd:name"`
	Description        *charString `xml:"gmd:description"`
	Function           *codeProp   `xml:"gmd:function"`
}

type dataQuality struct {
	Level            *codeProp   `xml:"gmd:scope>gmd:DQ_Scope>gmd:level"`
	LevelDescription *charString `xml:"gmd:scope>gmd:DQ_Scope>gmd:levelDescription>gmd:MD_ScopeDescription>gmd:other"`
	Reports          []dqReport  `xml:"gmd:report"`
	Lineage          *charString `xml:"gmd:lineage>gmd:LI_Lineage>gmd:statement"`
}

type dqReport struct {
	Domain   *dqElement `xml:"gmd:DQ_DomainConsistency"`
	Topology *dqElement `xml:"gmd:DQ_TopologicalConsistency"`
}

type dqElement struct {
	MeasureName       *charString `xml:"gmd:nameOfMeasure"`
	EvaluationMethod  *codeProp   `xml:"gmd:evaluationMethodType"`
	MethodDescription *charString `xml:"gmd:evaluationMethodDescription"`
	DateTime          *dateProp   `xml:"gmd:dateTime"`
	Result            conformance `xml:"gmd:result>gmd:DQ_ConformanceResult"`
}

type conformance struct {
	Specification citation    `xml:"gmd:specification>gmd:CI_Citation"`
	Explanation   *charString `xml:"gmd:explanation"`
	Pass          boolProp    `xml:"gmd:pass"`
}

type boolProp struct {
	NilReason string `xml:"gco:nilReason,attr,omitempty"`
	Value     string `xml:"gco:Boolean,omitempty"`
}
