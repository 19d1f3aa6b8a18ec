package iso19139

import "time"

// Record is what an INSPIRE metadata record holds, for a dataset, a series
// or a service. Fields are named after the INSPIRE metadata elements
// (Regulation 1205/2008, Part B) and documented with the ISO 19139 path
// they are written to. Zero values are left out where the schema allows it.
type Record struct {
	// FileIdentifier is the record's identifier (gmd:fileIdentifier),
	// e.g. "fr-243100633-addresses" in the French (CNIG) practice
	// fr-<SIREN>-<id> (TG MD 2.0 recommendation C.1).
	FileIdentifier string
	// Language is the metadata language, ISO 639-2/B ("fre", "eng")
	// (gmd:language, requirement C.5).
	Language string
	// HierarchyLevel is the resource type (gmd:hierarchyLevel,
	// requirements 1.1 and 3.1).
	HierarchyLevel Scope
	// HierarchyLevelName names the hierarchy level in the language of the
	// metadata; required for services ("service"), where the encoder
	// writes "service" if it is empty.
	HierarchyLevelName string
	// Contact is the metadata point of contact (gmd:contact, requirement
	// C.6). Its role is always written as pointOfContact.
	Contact Party
	// DateStamp is the date of the metadata (gmd:dateStamp, requirement
	// C.7), written as gco:Date when it has no time of day, else
	// gco:DateTime.
	DateStamp time.Time

	// CRS lists the coordinate reference systems of a dataset as HTTP URIs,
	// e.g. http://www.opengis.net/def/crs/EPSG/0/2154
	// (gmd:referenceSystemInfo, requirements 2.1 and 2.2); each is written
	// as a gmx:Anchor labelled "EPSG:2154".
	CRS []string

	// Title is the resource title (requirement C.8).
	Title string
	// AlternateTitle is an optional short title (gmd:alternateTitle).
	AlternateTitle string
	// Abstract is the resource abstract (requirement C.9).
	Abstract string
	// Identifiers are the unique resource identifiers (gmd:citation/
	// gmd:identifier, requirement 1.3). TG recommendation 1.2 prefers an
	// MD_Identifier holding the whole URI in its code; an identifier with
	// a CodeSpace is written as RS_Identifier.
	Identifiers []Identifier
	// Dates are the temporal references of the resource: creation,
	// publication, revision (gmd:citation/gmd:date, requirements C.11 to
	// C.13).
	Dates []CitationDate
	// ResponsibleParties are the responsible organisations
	// (gmd:pointOfContact, requirement C.10).
	ResponsibleParties []Party
	// Keywords are grouped by vocabulary (gmd:descriptiveKeywords,
	// requirements C.15, C.16, 1.4, 3.4).
	Keywords []KeywordSet
	// AccessConstraints are the limitations on public access, written in
	// one MD_LegalConstraints with accessConstraints otherRestrictions
	// (requirement C.17), e.g. NoLimitations(lang).
	AccessConstraints []Anchor
	// UseConstraints are the conditions applying to access and use,
	// written in a separate MD_LegalConstraints with useConstraints
	// otherRestrictions (requirement C.18), e.g. LicenceOuverte2(lang).
	UseConstraints []Anchor
	// SpatialRepresentationTypes are "vector", "grid", "tin" or
	// "textTable" (requirement 2.4); datasets only.
	SpatialRepresentationTypes []string
	// Resolutions are the spatial resolutions (requirement 1.5); datasets
	// only.
	Resolutions []Resolution
	// ResourceLanguages are the languages of the data, ISO 639-2/B
	// (requirement 1.6); "zxx" when the data holds no text. Datasets only;
	// the encoder writes the metadata language when empty.
	ResourceLanguages []string
	// CharacterSet is the character encoding of the data, an
	// MD_CharacterSetCode such as "utf8" (requirement 2.5); datasets only.
	CharacterSet string
	// TopicCategories are ISO 19115 MD_TopicCategoryCode values such as
	// "location", "transportation", "planningCadastre", "boundaries"
	// (requirement 1.7); datasets only.
	TopicCategories []string
	// BBox is the geographic bounding box in WGS 84 decimal degrees
	// (requirement C.19): mandatory for datasets, optional for services.
	BBox *BBox
	// TemporalExtent is an optional time period of the content
	// (requirement C.14).
	TemporalExtent *TemporalExtent
	// Service holds what only a service record has; it must be set when
	// HierarchyLevel is ScopeService, and is ignored otherwise.
	Service *Service

	// Formats are the encodings of the distributed data (gmd:
	// distributionFormat, requirement 2.6).
	Formats []Format
	// OnlineResources are the resource locators (gmd:transferOptions,
	// requirements 1.8 and 3.7).
	OnlineResources []OnlineResource

	// Conformity lists the declared conformity to specifications
	// (gmd:DQ_DomainConsistency, requirements C.20 to C.22, 1.10).
	Conformity []Conformity
	// TopologicalConsistency is the descriptive topological consistency
	// result of a network dataset (requirement 2.8); nil when not needed.
	TopologicalConsistency *TopologicalConsistency
	// Lineage is the lineage statement (requirement 1.11); datasets and
	// series only.
	Lineage string
}

// Scope is an MD_ScopeCode value used as resource type.
type Scope string

// Resource types of INSPIRE records.
const (
	ScopeDataset Scope = "dataset"
	ScopeSeries  Scope = "series"
	ScopeService Scope = "service"
)

// IsService reports whether the record describes a service.
func (r Record) IsService() bool { return r.HierarchyLevel == ScopeService }

// Party is a responsible party: an organisation, a contact e-mail address
// and a role (CI_ResponsibleParty).
type Party struct {
	// Organisation is the full name of the organisation
	// (gmd:organisationName).
	Organisation string
	// Email is a functioning address of the organisation
	// (gmd:electronicMailAddress).
	Email string
	// Individual is an optional person's name (gmd:individualName);
	// INSPIRE recommends organisations' addresses over persons'.
	Individual string
	// Phone, Address (delivery point), City, PostalCode, Country and
	// Website are optional contact details.
	Phone, Address, City, PostalCode, Country, Website string
	// Role is a CI_RoleCode value: pointOfContact, owner, custodian,
	// publisher, distributor, originator, author, principalInvestigator,
	// processor, resourceProvider, user. Empty means pointOfContact.
	Role string
}

// Identifier is a unique resource identifier: a code unique within a
// namespace. TG MD 2.0 recommends a URI in Code and no CodeSpace.
type Identifier struct {
	Code      string
	CodeSpace string
	// Href makes the code a gmx:Anchor to a resolvable URI.
	Href string
}

// DateType is a CI_DateTypeCode value.
type DateType string

// Date types of temporal references.
const (
	DateCreation    DateType = "creation"
	DatePublication DateType = "publication"
	DateRevision    DateType = "revision"
)

// CitationDate is a reference date of a resource or of a cited document,
// written as gco:Date when it has no time of day, else gco:DateTime.
type CitationDate struct {
	Date time.Time
	Type DateType
}

// Anchor is a free text that may refer to a term of a register: written
// as gmx:Anchor with xlink:href when Href is set, else as
// gco:CharacterString (TG MD 2.0 §2.1.2).
type Anchor struct {
	Text string
	Href string
}

// KeywordSet is a group of keywords from one vocabulary (MD_Keywords):
// free keywords when Thesaurus is nil.
type KeywordSet struct {
	Keywords []Anchor
	// Type is an optional MD_KeywordTypeCode: discipline, place, stratum,
	// temporal, theme.
	Type string
	// Thesaurus cites the originating controlled vocabulary.
	Thesaurus *Citation
}

// Citation cites a document or vocabulary by title and date (CI_Citation).
type Citation struct {
	Title Anchor
	Date  CitationDate
}

// BBox is a geographic bounding box in WGS 84 decimal degrees.
type BBox struct {
	West, East, South, North float64
}

// TemporalExtent is a time period (gml:TimePeriod). A zero End with EndNow
// set is an ongoing period (indeterminatePosition="now"); a zero End
// otherwise is unknown.
type TemporalExtent struct {
	Begin  time.Time
	End    time.Time
	EndNow bool
}

// Resolution is a spatial resolution: an equivalent scale denominator or a
// distance with its unit (e.g. 0.5 "m"); exactly one is set.
type Resolution struct {
	EquivalentScale int
	Distance        float64
	// DistanceUnit is the unit of Distance, "m" when empty.
	DistanceUnit string
}

// Format is a distribution format (MD_Format).
type Format struct {
	// Name is the format's name; Href makes it a gmx:Anchor, e.g. to
	// the INSPIRE media-types register.
	Name, Href string
	// Version is the format's version; empty is written with
	// gco:nilReason="unknown" (requirement 2.6).
	Version string
	// Specification optionally names the format's specification.
	Specification string
}

// OnlineResource is a resource locator (CI_OnlineResource).
type OnlineResource struct {
	// URL is the link (gmd:linkage/gmd:URL).
	URL string
	// Protocol names the protocol; ProtocolHref makes it a gmx:Anchor,
	// e.g. to http://www.opengis.net/def/serviceType/ogc/api-features.
	Protocol, ProtocolHref string
	// ApplicationProfile optionally qualifies the link, e.g. an anchor to
	// http://inspire.ec.europa.eu/metadata-codelist/SpatialDataServiceType/download.
	ApplicationProfile Anchor
	// Name and Description describe the link for people; a Description
	// with an Href refers to the OnLineDescriptionCode register.
	Name        string
	Description Anchor
	// Function is a CI_OnLineFunctionCode: download, information,
	// offlineAccess, order, search.
	Function string
}

// Conformity is a declared degree of conformity to a specification
// (DQ_ConformanceResult).
type Conformity struct {
	Specification Citation
	// Explanation says what the statement means; empty is written with
	// gco:nilReason="missing".
	Explanation string
	// Pass is the degree: true, false, or nil for not evaluated
	// (gco:nilReason="unknown", requirement C.22).
	Pass *bool
}

// TopologicalConsistency is a descriptive topological consistency result
// (requirement 2.8): a DQ_TopologicalConsistency whose conformance result
// cites the INSPIRE Generic Network Model with pass false, explained in
// text.
type TopologicalConsistency struct {
	// MeasureName names the measure, e.g. "Connectivité du réseau".
	MeasureName string
	// EvaluationMethod is a DQ_EvaluationMethodTypeCode, e.g.
	// "directInternal"; optional.
	EvaluationMethod string
	// MethodDescription describes the evaluation; optional.
	MethodDescription string
	// Date is when the check ran; optional.
	Date time.Time
	// Explanation describes the result (mandatory).
	Explanation string
}

// Service is what a service record adds (srv:SV_ServiceIdentification).
type Service struct {
	// Type is the spatial data service type: discovery, view, download,
	// transformation, invoke or other (requirements 3.5 and 4.1).
	Type string
	// TypeVersions optionally name the implemented standards, e.g.
	// "OGC API - Features - Part 1: Core 1.0".
	TypeVersions []string
	// CouplingType is an SV_CouplingType: loose, mixed or tight; empty
	// means tight when OperatesOn is set, loose otherwise.
	CouplingType string
	// CoupledResources optionally say which operation serves which
	// dataset (srv:coupledResource).
	CoupledResources []CoupledResource
	// Operations are the service operations (srv:containsOperations);
	// when empty the element is written with gco:nilReason="missing".
	Operations []Operation
	// OperatesOn are the coupled datasets (srv:operatesOn, requirement
	// 3.6), by reference to their metadata records.
	OperatesOn []OperatesOn
}

// CoupledResource links an operation of the service to the identifier of
// a dataset it serves.
type CoupledResource struct {
	Operation  string
	Identifier string
	// ScopedName is optionally the dataset's name in the service, e.g. a
	// collection id.
	ScopedName string
}

// Operation is a service operation and where it is invoked.
type Operation struct {
	Name string
	// DCP is a DCPList code, "WebServices" when empty.
	DCP string
	URL string
	// Description is optional.
	Description string
}

// OperatesOn refers to the metadata record of a coupled dataset.
type OperatesOn struct {
	// UUIDRef is the identifier of the dataset's MD_DataIdentification or
	// of its record (srv:operatesOn/@uuidref).
	UUIDRef string
	// Href is the URL of the dataset's metadata record, e.g. a CSW
	// GetRecordById request (srv:operatesOn/@xlink:href).
	Href string
}

// Bool returns a pointer to b, for Conformity.Pass.
func Bool(b bool) *bool { return &b }

// Date returns midnight UTC of the given day, a date without time of day.
func Date(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
}
