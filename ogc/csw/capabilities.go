package csw

import (
	"encoding/xml"
	"io"
	"slices"
	"time"
)

// Capabilities describes the service for GetCapabilities (CSW 2.0.2
// §10.5, OWS Common 1.0) and, when Inspire is set, for the INSPIRE
// discovery service (TG Discovery Services 3.1, ExtendedCapabilities
// scenario 2: the INSPIRE metadata elements in the capabilities).
type Capabilities struct {
	Title, Abstract string
	Keywords        []string
	// Fees and AccessConstraints are free text, "none" when empty.
	Fees, AccessConstraints string
	Provider                Provider
	// URL is the endpoint of every operation, for GET and POST.
	URL string
	// UpdateSequence changes whenever the capabilities or the records
	// change, e.g. the date of the last change.
	UpdateSequence string
	Inspire        *InspireCapabilities
}

// Provider is the organisation operating the service.
type Provider struct {
	Name string
	// Site is the organisation's web site.
	Site string
	// IndividualName and PositionName optionally name a person.
	IndividualName, PositionName string
	Phone, Email                 string
	DeliveryPoint, City          string
	PostalCode, Country          string
}

// InspireCapabilities are the INSPIRE discovery service metadata of the
// inspire_ds:ExtendedCapabilities element, in the order of its schema.
type InspireCapabilities struct {
	// ResourceLocator is the URL of the service, the capabilities URL
	// when empty.
	ResourceLocator string
	// DateOfPublication, DateOfLastRevision, DateOfCreation are the
	// temporal references of the service; at least one is needed.
	DateOfCreation, DateOfLastRevision, DateOfPublication time.Time
	Conformity                                            []InspireConformity
	// PointOfContact is the metadata point of contact.
	PointOfContact InspireContact
	// MetadataDate is the date of the service metadata.
	MetadataDate time.Time
	// Keywords are optional keywords besides the mandatory
	// infoCatalogueService.
	Keywords []InspireKeyword
	// DefaultLanguage and SupportedLanguages are ISO 639-2/B codes
	// ("fre"); the response language is the one the request asks for
	// when supported, else the default.
	DefaultLanguage    string
	SupportedLanguages []string
	// MetadataURL optionally points to the ISO record of the service.
	MetadataURL string
}

// InspireConformity is a degree of conformity to a specification.
type InspireConformity struct {
	Title string
	// Date is the publication date of the specification.
	Date time.Time
	URI  string
	// URL locates the specification's text; optional.
	URL string
	// Degree is conformant, notConformant or notEvaluated.
	Degree string
}

// InspireContact is an organisation and its e-mail address.
type InspireContact struct {
	Organisation, Email string
}

// InspireKeyword is a keyword with its controlled vocabulary, if any.
type InspireKeyword struct {
	Vocabulary     string
	VocabularyDate time.Time
	Value          string
}

// Regulation976Conformity declares conformity to Regulation (EC) No
// 976/2009 on network services, which discovery services implement.
func Regulation976Conformity(degree string) InspireConformity {
	return InspireConformity{
		Title:  "COMMISSION REGULATION (EC) No 976/2009 of 19 October 2009 implementing Directive 2007/2/EC of the European Parliament and of the Council as regards the Network Services",
		Date:   time.Date(2009, 10, 20, 0, 0, 0, 0, time.UTC),
		URI:    "http://data.europa.eu/eli/reg/2009/976",
		Degree: degree,
	}
}

type capabilitiesXML struct {
	XMLName        xml.Name              `xml:"csw:Capabilities"`
	XMLNScsw       string                `xml:"xmlns:csw,attr"`
	XMLNSows       string                `xml:"xmlns:ows,attr"`
	XMLNSogc       string                `xml:"xmlns:ogc,attr"`
	XMLNSgml       string                `xml:"xmlns:gml,attr"`
	XMLNSxlink     string                `xml:"xmlns:xlink,attr"`
	XMLNSxsi       string                `xml:"xmlns:xsi,attr"`
	XMLNSinspire   string                `xml:"xmlns:inspire_ds,attr,omitempty"`
	XMLNScommon    string                `xml:"xmlns:inspire_common,attr,omitempty"`
	SchemaLocation string                `xml:"xsi:schemaLocation,attr"`
	Version        string                `xml:"version,attr"`
	UpdateSequence string                `xml:"updateSequence,attr,omitempty"`
	Identification *serviceIdentXML      `xml:"ows:ServiceIdentification"`
	Provider       *serviceProviderXML   `xml:"ows:ServiceProvider"`
	Operations     *operationsXML        `xml:"ows:OperationsMetadata"`
	Filter         filterCapabilitiesXML `xml:"ogc:Filter_Capabilities"`
}

type serviceIdentXML struct {
	Title             string   `xml:"ows:Title"`
	Abstract          string   `xml:"ows:Abstract,omitempty"`
	Keywords          []string `xml:"ows:Keywords>ows:Keyword"`
	ServiceType       codeXML  `xml:"ows:ServiceType"`
	ServiceVersion    string   `xml:"ows:ServiceTypeVersion"`
	Fees              string   `xml:"ows:Fees"`
	AccessConstraints string   `xml:"ows:AccessConstraints"`
}

type codeXML struct {
	CodeSpace string `xml:"codeSpace,attr,omitempty"`
	Value     string `xml:",chardata"`
}

type hrefXML struct {
	Type string `xml:"xlink:type,attr"`
	Href string `xml:"xlink:href,attr"`
}

type serviceProviderXML struct {
	Name    string     `xml:"ows:ProviderName"`
	Site    *hrefXML   `xml:"ows:ProviderSite"`
	Contact contactXML `xml:"ows:ServiceContact"`
}

type contactXML struct {
	IndividualName string          `xml:"ows:IndividualName,omitempty"`
	PositionName   string          `xml:"ows:PositionName,omitempty"`
	Info           *contactInfoXML `xml:"ows:ContactInfo"`
	Role           codeXML         `xml:"ows:Role"`
}

type contactInfoXML struct {
	Phone   *phoneXML   `xml:"ows:Phone"`
	Address *addressXML `xml:"ows:Address"`
	Online  *hrefXML    `xml:"ows:OnlineResource"`
}

type phoneXML struct {
	Voice string `xml:"ows:Voice"`
}

type addressXML struct {
	DeliveryPoint string `xml:"ows:DeliveryPoint,omitempty"`
	City          string `xml:"ows:City,omitempty"`
	PostalCode    string `xml:"ows:PostalCode,omitempty"`
	Country       string `xml:"ows:Country,omitempty"`
	Email         string `xml:"ows:ElectronicMailAddress,omitempty"`
}

type operationsXML struct {
	Operations  []operationXML `xml:"ows:Operation"`
	Parameters  []domainXML    `xml:"ows:Parameter"`
	Constraints []domainXML    `xml:"ows:Constraint"`
	Extended    *inspireExtXML `xml:"inspire_ds:ExtendedCapabilities"`
}

type operationXML struct {
	Name        string      `xml:"name,attr"`
	Get         hrefXML     `xml:"ows:DCP>ows:HTTP>ows:Get"`
	Post        *hrefXML    `xml:"ows:DCP>ows:HTTP>ows:Post"`
	Parameters  []domainXML `xml:"ows:Parameter"`
	Constraints []domainXML `xml:"ows:Constraint"`
}

type domainXML struct {
	Name   string   `xml:"name,attr"`
	Values []string `xml:"ows:Value"`
}

type inspireExtXML struct {
	ResourceLocator    locatorXML        `xml:"inspire_common:ResourceLocator"`
	ResourceType       string            `xml:"inspire_common:ResourceType"`
	TemporalReference  temporalRefXML    `xml:"inspire_common:TemporalReference"`
	Conformity         []conformityXML   `xml:"inspire_common:Conformity"`
	PointOfContact     pointOfContactXML `xml:"inspire_common:MetadataPointOfContact"`
	MetadataDate       string            `xml:"inspire_common:MetadataDate"`
	ServiceType        string            `xml:"inspire_common:SpatialDataServiceType"`
	MandatoryKeyword   string            `xml:"inspire_common:MandatoryKeyword>inspire_common:KeywordValue"`
	Keywords           []keywordXML      `xml:"inspire_common:Keyword"`
	DefaultLanguage    string            `xml:"inspire_common:SupportedLanguages>inspire_common:DefaultLanguage>inspire_common:Language"`
	SupportedLanguages []languageXML     `xml:"inspire_common:SupportedLanguages>inspire_common:SupportedLanguage"`
	ResponseLanguage   string            `xml:"inspire_common:ResponseLanguage>inspire_common:Language"`
	MetadataURL        *locatorXML       `xml:"inspire_common:MetadataUrl"`
}

type locatorXML struct {
	URL       string `xml:"inspire_common:URL"`
	MediaType string `xml:"inspire_common:MediaType,omitempty"`
}

type temporalRefXML struct {
	Creation    string `xml:"inspire_common:DateOfCreation,omitempty"`
	Revision    string `xml:"inspire_common:DateOfLastRevision,omitempty"`
	Publication string `xml:"inspire_common:DateOfPublication,omitempty"`
}

type conformityXML struct {
	Title  string      `xml:"inspire_common:Specification>inspire_common:Title"`
	Date   string      `xml:"inspire_common:Specification>inspire_common:DateOfPublication"`
	URI    string      `xml:"inspire_common:Specification>inspire_common:URI,omitempty"`
	URL    *locatorXML `xml:"inspire_common:Specification>inspire_common:ResourceLocator"`
	Degree string      `xml:"inspire_common:Degree"`
}

type pointOfContactXML struct {
	Organisation string `xml:"inspire_common:OrganisationName"`
	Email        string `xml:"inspire_common:EmailAddress"`
}

type keywordXML struct {
	Vocabulary *vocabularyXML `xml:"inspire_common:OriginatingControlledVocabulary"`
	Value      string         `xml:"inspire_common:KeywordValue"`
}

type vocabularyXML struct {
	Title string `xml:"inspire_common:Title"`
	Date  string `xml:"inspire_common:DateOfPublication"`
}

type languageXML struct {
	Language string `xml:"inspire_common:Language"`
}

type filterCapabilitiesXML struct {
	GeometryOperands []string       `xml:"ogc:Spatial_Capabilities>ogc:GeometryOperands>ogc:GeometryOperand"`
	SpatialOperators []spatialOpXML `xml:"ogc:Spatial_Capabilities>ogc:SpatialOperators>ogc:SpatialOperator"`
	Logical          struct{}       `xml:"ogc:Scalar_Capabilities>ogc:LogicalOperators"`
	Comparison       []string       `xml:"ogc:Scalar_Capabilities>ogc:ComparisonOperators>ogc:ComparisonOperator"`
	Functions        []functionXML  `xml:"ogc:Scalar_Capabilities>ogc:ArithmeticOperators>ogc:Functions>ogc:FunctionNames>ogc:FunctionName"`
	EID              struct{}       `xml:"ogc:Id_Capabilities>ogc:EID"`
	FID              struct{}       `xml:"ogc:Id_Capabilities>ogc:FID"`
}

type spatialOpXML struct {
	Name string `xml:"name,attr"`
}

type functionXML struct {
	Args  int    `xml:"nArgs,attr"`
	Value string `xml:",chardata"`
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// supportedQueryables lists the queryables, by profile, as capabilities
// name them.
func supportedQueryables() (dc, iso []string) {
	dc = []string{"csw:AnyText", "dc:contributor", "dc:creator", "dc:date", "dc:format", "dc:identifier", "dc:language",
		"dc:publisher", "dc:relation", "dc:rights", "dc:source", "dc:subject", "dc:title", "dc:type",
		"dct:abstract", "dct:alternative", "dct:modified", "ows:BoundingBox"}
	iso = []string{"apiso:Abstract", "apiso:AlternateTitle", "apiso:AnyText", "apiso:BoundingBox", "apiso:CRS",
		"apiso:CreationDate", "apiso:Format", "apiso:Identifier", "apiso:Language", "apiso:Modified",
		"apiso:OperatesOn", "apiso:OrganisationName", "apiso:PublicationDate", "apiso:ResourceLanguage",
		"apiso:RevisionDate", "apiso:ServiceType", "apiso:Subject", "apiso:TempExtent_begin", "apiso:TempExtent_end",
		"apiso:Title", "apiso:TopicCategory", "apiso:Type"}
	return dc, iso
}

// Encode writes the capabilities document answering req (its sections
// and language); a nil req asks for everything.
func (c Capabilities) Encode(w io.Writer, req *GetCapabilities) error {
	if req == nil {
		req = &GetCapabilities{}
	}
	want := func(section string) bool { return len(req.Sections) == 0 || slices.Contains(req.Sections, section) }
	doc := capabilitiesXML{
		XMLNScsw:       NamespaceCSW,
		XMLNSows:       NamespaceOWS,
		XMLNSogc:       NamespaceOGC,
		XMLNSgml:       NamespaceGML,
		XMLNSxlink:     NamespaceXLink,
		XMLNSxsi:       NamespaceXSI,
		SchemaLocation: SchemaLocation,
		Version:        Version,
		UpdateSequence: c.UpdateSequence,
		Filter:         filterCapabilities(),
	}
	orNone := func(s string) string {
		if s == "" {
			return "none"
		}
		return s
	}
	if want("ServiceIdentification") {
		doc.Identification = &serviceIdentXML{
			Title:             c.Title,
			Abstract:          c.Abstract,
			Keywords:          c.Keywords,
			ServiceType:       codeXML{CodeSpace: "OGC", Value: "CSW"},
			ServiceVersion:    Version,
			Fees:              orNone(c.Fees),
			AccessConstraints: orNone(c.AccessConstraints),
		}
	}
	if want("ServiceProvider") {
		p := c.Provider
		sp := &serviceProviderXML{Name: p.Name, Contact: contactXML{
			IndividualName: p.IndividualName,
			PositionName:   p.PositionName,
			Role:           codeXML{CodeSpace: "ISOTC211/19115", Value: "pointOfContact"},
		}}
		info := &contactInfoXML{}
		if p.DeliveryPoint != "" || p.City != "" || p.PostalCode != "" || p.Country != "" || p.Email != "" {
			info.Address = &addressXML{DeliveryPoint: p.DeliveryPoint, City: p.City, PostalCode: p.PostalCode, Country: p.Country, Email: p.Email}
		}
		if p.Site != "" {
			sp.Site = &hrefXML{Type: "simple", Href: p.Site}
			info.Online = &hrefXML{Type: "simple", Href: p.Site}
		}
		if p.Phone != "" {
			info.Phone = &phoneXML{Voice: p.Phone}
		}
		if info.Phone != nil || info.Address != nil || info.Online != nil {
			sp.Contact.Info = info
		}
		doc.Provider = sp
	}
	if want("OperationsMetadata") {
		doc.Operations = c.operations(req.Language)
		if doc.Operations.Extended != nil {
			doc.XMLNSinspire = NamespaceInspire
			doc.XMLNScommon = NamespaceCommon
		}
	}
	return encodeDocument(w, doc)
}

func (c Capabilities) operations(lang string) *operationsXML {
	href := hrefXML{Type: "simple", Href: c.URL}
	op := func(name string, params ...domainXML) operationXML {
		post := href
		return operationXML{Name: name, Get: href, Post: &post, Parameters: params}
	}
	schemas := domainXML{Name: "outputSchema", Values: []string{OutputSchemaCSW, OutputSchemaISO}}
	sets := domainXML{Name: "ElementSetName", Values: []string{string(Brief), string(Summary), string(Full)}}
	formats := domainXML{Name: "outputFormat", Values: []string{"application/xml"}}
	types := domainXML{Name: "typeNames", Values: []string{string(TypeRecord), string(TypeMDMetadata)}}
	dc, iso := supportedQueryables()
	getRecords := op("GetRecords",
		types, formats, schemas,
		domainXML{Name: "resultType", Values: []string{string(Hits), string(Results), string(Validate)}},
		sets,
		domainXML{Name: "CONSTRAINTLANGUAGE", Values: []string{"CQL_TEXT", "FILTER"}},
	)
	getRecords.Constraints = []domainXML{
		{Name: "SupportedDublinCoreQueryables", Values: dc},
		{Name: "SupportedISOQueryables", Values: iso},
	}
	ops := &operationsXML{
		Operations: []operationXML{
			op("GetCapabilities", domainXML{Name: "sections", Values: capabilitySections}),
			op("DescribeRecord",
				domainXML{Name: "typeName", Values: []string{string(TypeRecord), string(TypeMDMetadata)}},
				formats,
				domainXML{Name: "schemaLanguage", Values: []string{"http://www.w3.org/XML/Schema"}}),
			getRecords,
			op("GetRecordById", formats, schemas, sets),
			op("GetDomain", domainXML{Name: "ParameterName", Values: parameterDomains["getdomain.parametername"]}),
		},
		Parameters: []domainXML{
			{Name: "service", Values: []string{"CSW"}},
			{Name: "version", Values: []string{Version}},
		},
		Constraints: []domainXML{
			{Name: "MaxRecordDefault", Values: []string{"10"}},
			{Name: "PostEncoding", Values: []string{"XML"}},
		},
	}
	if in := c.Inspire; in != nil {
		ops.Extended = c.inspire(lang)
	}
	return ops
}

func (c Capabilities) inspire(lang string) *inspireExtXML {
	in := c.Inspire
	locator := in.ResourceLocator
	if locator == "" {
		locator = c.URL + "?service=CSW&version=2.0.2&request=GetCapabilities"
	}
	x := &inspireExtXML{
		ResourceLocator: locatorXML{URL: locator, MediaType: "application/xml"},
		ResourceType:    "service",
		TemporalReference: temporalRefXML{
			Creation:    date(in.DateOfCreation),
			Revision:    date(in.DateOfLastRevision),
			Publication: date(in.DateOfPublication),
		},
		PointOfContact:   pointOfContactXML{Organisation: in.PointOfContact.Organisation, Email: in.PointOfContact.Email},
		MetadataDate:     date(in.MetadataDate),
		ServiceType:      "discovery",
		MandatoryKeyword: "infoCatalogueService",
		DefaultLanguage:  in.DefaultLanguage,
		ResponseLanguage: in.DefaultLanguage,
	}
	for _, cf := range in.Conformity {
		cx := conformityXML{Title: cf.Title, Date: date(cf.Date), URI: cf.URI, Degree: cf.Degree}
		if cf.URL != "" {
			cx.URL = &locatorXML{URL: cf.URL}
		}
		x.Conformity = append(x.Conformity, cx)
	}
	for _, k := range in.Keywords {
		kx := keywordXML{Value: k.Value}
		if k.Vocabulary != "" {
			kx.Vocabulary = &vocabularyXML{Title: k.Vocabulary, Date: date(k.VocabularyDate)}
		}
		x.Keywords = append(x.Keywords, kx)
	}
	langs := in.SupportedLanguages
	if len(langs) == 0 {
		langs = []string{in.DefaultLanguage}
	}
	for _, l := range langs {
		x.SupportedLanguages = append(x.SupportedLanguages, languageXML{Language: l})
		if l == lang {
			x.ResponseLanguage = l
		}
	}
	if in.MetadataURL != "" {
		x.MetadataURL = &locatorXML{URL: in.MetadataURL, MediaType: "application/vnd.iso.19139+xml"}
	}
	return x
}

func filterCapabilities() filterCapabilitiesXML {
	return filterCapabilitiesXML{
		GeometryOperands: []string{"gml:Envelope", "gml:Polygon", "gml:Point"},
		SpatialOperators: []spatialOpXML{{"BBOX"}, {"Intersects"}, {"Disjoint"}, {"Within"}, {"Contains"}, {"Equals"}},
		Comparison:       []string{"EqualTo", "NotEqualTo", "LessThan", "GreaterThan", "LessThanEqualTo", "GreaterThanEqualTo", "Like", "Between", "NullCheck"},
		Functions:        []functionXML{{1, "lower"}, {1, "upper"}},
	}
}
