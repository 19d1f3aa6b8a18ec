package csw

import (
	"strings"
)

// Queryable is a property a constraint, a sort key or an element name can
// refer to: a core queryable of CSW 2.0.2 (§6.3.2) or of the ISO
// application profile (OGC 07-045 §7.2.4), named here by its ISO AP name.
type Queryable string

// Queryables of the catalogue. The Dublin Core names map onto them: dc:title
// is Title, dct:abstract Abstract, dc:subject Subject, dc:type Type,
// dc:identifier Identifier, dct:modified Modified, dc:format Format,
// dc:date Date, dc:relation Relation, dc:rights Rights, dc:source Lineage,
// ows:BoundingBox BoundingBox.
const (
	AnyText          Queryable = "AnyText"
	Title            Queryable = "Title"
	AlternateTitle   Queryable = "AlternateTitle"
	Abstract         Queryable = "Abstract"
	Subject          Queryable = "Subject"
	TopicCategory    Queryable = "TopicCategory"
	Type             Queryable = "Type"
	Identifier       Queryable = "Identifier"
	Modified         Queryable = "Modified"
	Date             Queryable = "Date"
	CreationDate     Queryable = "CreationDate"
	PublicationDate  Queryable = "PublicationDate"
	RevisionDate     Queryable = "RevisionDate"
	OrganisationName Queryable = "OrganisationName"
	Creator          Queryable = "Creator"
	Publisher        Queryable = "Publisher"
	Contributor      Queryable = "Contributor"
	Format           Queryable = "Format"
	Language         Queryable = "Language"
	ResourceLanguage Queryable = "ResourceLanguage"
	Rights           Queryable = "Rights"
	Relation         Queryable = "Relation"
	ServiceType      Queryable = "ServiceType"
	CRS              Queryable = "CRS"
	Lineage          Queryable = "Lineage"
	Spatial          Queryable = "Spatial"
	TempExtentBegin  Queryable = "TempExtent_begin"
	TempExtentEnd    Queryable = "TempExtent_end"
	BoundingBox      Queryable = "BoundingBox"
)

type kind int

const (
	kindText kind = iota
	kindDate
	kindSpatial
)

type queryableInfo struct {
	kind kind
	// dc is the Dublin Core element a csw:Record gives the queryable as,
	// empty when it has none.
	dc string
}

var queryables = map[Queryable]queryableInfo{
	AnyText:          {kindText, ""},
	Title:            {kindText, "dc:title"},
	AlternateTitle:   {kindText, "dct:alternative"},
	Abstract:         {kindText, "dct:abstract"},
	Subject:          {kindText, "dc:subject"},
	TopicCategory:    {kindText, ""},
	Type:             {kindText, "dc:type"},
	Identifier:       {kindText, "dc:identifier"},
	Modified:         {kindDate, "dct:modified"},
	Date:             {kindDate, "dc:date"},
	CreationDate:     {kindDate, ""},
	PublicationDate:  {kindDate, ""},
	RevisionDate:     {kindDate, ""},
	OrganisationName: {kindText, ""},
	Creator:          {kindText, "dc:creator"},
	Publisher:        {kindText, "dc:publisher"},
	Contributor:      {kindText, "dc:contributor"},
	Format:           {kindText, "dc:format"},
	Language:         {kindText, "dc:language"},
	ResourceLanguage: {kindText, ""},
	Rights:           {kindText, "dc:rights"},
	Relation:         {kindText, "dc:relation"},
	ServiceType:      {kindText, ""},
	CRS:              {kindText, ""},
	Lineage:          {kindText, "dc:source"},
	Spatial:          {kindText, "dct:spatial"},
	TempExtentBegin:  {kindDate, ""},
	TempExtentEnd:    {kindDate, ""},
	BoundingBox:      {kindSpatial, "ows:BoundingBox"},
}

// queryableNames maps lower-case local names, Dublin Core and ISO AP, to
// queryables.
var queryableNames = map[string]Queryable{
	"anytext":                         AnyText,
	"title":                           Title,
	"alternatetitle":                  AlternateTitle,
	"alternative":                     AlternateTitle,
	"abstract":                        Abstract,
	"description":                     Abstract,
	"subject":                         Subject,
	"keyword":                         Subject,
	"topiccategory":                   TopicCategory,
	"type":                            Type,
	"identifier":                      Identifier,
	"resourceidentifier":              Identifier,
	"modified":                        Modified,
	"date":                            Date,
	"creationdate":                    CreationDate,
	"publicationdate":                 PublicationDate,
	"revisiondate":                    RevisionDate,
	"organisationname":                OrganisationName,
	"organizationname":                OrganisationName,
	"creator":                         Creator,
	"publisher":                       Publisher,
	"contributor":                     Contributor,
	"format":                          Format,
	"language":                        Language,
	"resourcelanguage":                ResourceLanguage,
	"rights":                          Rights,
	"accessconstraints":               Rights,
	"otherconstraints":                Rights,
	"conditionapplyingtoaccessanduse": Rights,
	"relation":                        Relation,
	"operateson":                      Relation,
	"operatesonidentifier":            Relation,
	"servicetype":                     ServiceType,
	"crs":                             CRS,
	"source":                          Lineage,
	"lineage":                         Lineage,
	"spatial":                         Spatial,
	"tempextent_begin":                TempExtentBegin,
	"tempextent_end":                  TempExtentEnd,
	"boundingbox":                     BoundingBox,
}

// queryableSpaces are the namespaces a prefixed property name may be in.
var queryableSpaces = map[string]bool{
	NamespaceCSW: true, NamespaceDC: true, NamespaceDCT: true, NamespaceOWS: true, NamespaceAPISO: true,
}

// ParseQueryable resolves a property name as requests write it: an ISO AP
// or Dublin Core name, in any case, with or without a prefix
// (apiso:Title, dc:title, Title, csw:AnyText, ows:BoundingBox), an
// absolute path of one step (/ows:BoundingBox) included. ns binds the
// prefixes in scope; the usual ones (csw, dc, dct, ows, apiso) need no
// binding.
func ParseQueryable(name string, ns map[string]string) (Queryable, bool) {
	name = strings.TrimPrefix(strings.TrimSpace(name), "/")
	q := resolveQName(name, ns)
	if q.prefixed && !queryableSpaces[q.space] {
		return "", false
	}
	qq, ok := queryableNames[strings.ToLower(q.local)]
	return qq, ok
}

// IsSpatial reports whether q is a geometry.
func (q Queryable) IsSpatial() bool { return queryables[q].kind == kindSpatial }

func (q Queryable) isDate() bool { return queryables[q].kind == kindDate }

// DublinCore is the csw:Record element q is given as, or "".
func (q Queryable) DublinCore() string { return queryables[q].dc }
