package iso19139

import (
	"encoding/xml"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Encode writes r as an XML document: the XML declaration and one
// gmd:MD_Metadata element, indented. It does not check r; see Validate.
func (r Record) Encode(w io.Writer) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	e := xml.NewEncoder(w)
	e.Indent("", "  ")
	if err := e.Encode(r); err != nil {
		return err
	}
	if err := e.Close(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// MarshalXML writes r as a gmd:MD_Metadata element, whatever the name in
// start, so that a Record can be embedded in other documents (a CSW
// GetRecordsResponse) and keep its own namespace declarations.
func (r Record) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return e.EncodeElement(r.element(), xml.StartElement{Name: xml.Name{Local: "gmd:MD_Metadata"}})
}

// metadataStandard names the standard the records follow, as CSW ISO AP
// clients expect it.
const (
	metadataStandardName    = "ISO 19115"
	metadataStandardVersion = "2003/Cor 1:2006"
)

func (r Record) element() mdMetadata {
	lang := r.Language
	md := mdMetadata{
		XMLNSgmd:       NamespaceGMD,
		XMLNSgco:       NamespaceGCO,
		XMLNSgmx:       NamespaceGMX,
		XMLNSsrv:       NamespaceSRV,
		XMLNSgml:       NamespaceGML,
		XMLNSxlink:     NamespaceXLink,
		XMLNSxsi:       NamespaceXSI,
		SchemaLocation: SchemaLocation,

		FileIdentifier:  text(r.FileIdentifier),
		Language:        language(lang),
		CharacterSet:    isoCode("MD_CharacterSetCode", "utf8"),
		HierarchyLevel:  isoCode("MD_ScopeCode", string(r.HierarchyLevel)),
		Contact:         []partyProp{party(r.Contact, "pointOfContact")},
		DateStamp:       date(r.DateStamp),
		StandardName:    text(metadataStandardName),
		StandardVersion: text(metadataStandardVersion),
	}
	name := r.HierarchyLevelName
	if name == "" && r.IsService() {
		name = "service"
	}
	md.HierarchyLevelName = text(name)
	for _, uri := range r.CRS {
		md.ReferenceSystems = append(md.ReferenceSystems, refSystemProp{Code: anchor(Anchor{Text: crsLabel(uri), Href: uri})})
	}

	id := r.identification()
	if r.IsService() && r.Service != nil {
		md.ServiceIdent = r.serviceIdentification(id)
	} else {
		md.DataIdentification = r.dataIdentification(id)
	}
	md.Distribution = r.distribution()
	md.DataQuality = r.dataQuality()
	return md
}

func language(lang string) *codeProp {
	if lang == "" {
		return nil
	}
	return code("gmd:LanguageCode", LanguageCodeList, lang)
}

var epsgURI = regexp.MustCompile(`^https?://www\.opengis\.net/def/crs/EPSG/0/(\d+)$`)

// crsLabel is the informative text of a CRS anchor: "EPSG:2154" for an
// EPSG URI (as in the CNIG samples), the URI itself otherwise.
func crsLabel(uri string) string {
	if m := epsgURI.FindStringSubmatch(uri); m != nil {
		return "EPSG:" + m[1]
	}
	return uri
}

func party(p Party, role string) partyProp {
	if role == "" {
		role = p.Role
	}
	if role == "" {
		role = "pointOfContact"
	}
	rp := responsibleParty{
		Individual:   text(p.Individual),
		Organisation: textOrNil(p.Organisation, "missing"),
		Role:         isoCode("CI_RoleCode", role),
	}
	c := &contact{Phone: text(p.Phone)}
	if p.Address != "" || p.City != "" || p.PostalCode != "" || p.Country != "" || p.Email != "" {
		c.Address = &address{
			DeliveryPoint: text(p.Address),
			City:          text(p.City),
			PostalCode:    text(p.PostalCode),
			Country:       text(p.Country),
			Email:         text(p.Email),
		}
	}
	if p.Website != "" {
		c.Online = &onlineRes{URL: p.Website}
	}
	if c.Phone != nil || c.Address != nil || c.Online != nil {
		rp.ContactInfo = c
	}
	return partyProp{Party: rp}
}

func citationDates(dates []CitationDate) []ciDateProp {
	var out []ciDateProp
	for _, d := range dates {
		out = append(out, ciDateProp{Date: ciDate{Date: date(d.Date), DateType: isoCode("CI_DateTypeCode", string(d.Type))}})
	}
	if len(out) == 0 {
		// CI_Citation needs a date; an unknown one keeps the record valid.
		out = append(out, ciDateProp{Date: ciDate{Date: dateProp{NilReason: "unknown"}, DateType: isoCode("CI_DateTypeCode", string(DatePublication))}})
	}
	return out
}

func cite(c Citation) citation {
	return citation{
		Title: anchorOrNil(c.Title),
		Dates: citationDates([]CitationDate{c.Date}),
	}
}

func anchorOrNil(a Anchor) *charString {
	if cs := anchor(a); cs != nil {
		return cs
	}
	return &charString{NilReason: "missing"}
}

func (r Record) identification() identification {
	id := identification{
		Citation: citation{
			Title:          textOrNil(r.Title, "missing"),
			AlternateTitle: text(r.AlternateTitle),
			Dates:          citationDates(r.Dates),
		},
		Abstract: textOrNil(r.Abstract, "missing"),
	}
	for _, i := range r.Identifiers {
		code := anchor(Anchor{Text: i.Code, Href: i.Href})
		if i.CodeSpace != "" {
			id.Citation.Identifiers = append(id.Citation.Identifiers, identifierPr{RS: &rsIdentifier{Code: code, CodeSpace: text(i.CodeSpace)}})
		} else {
			id.Citation.Identifiers = append(id.Citation.Identifiers, identifierPr{MD: &mdIdentifier{Code: code}})
		}
	}
	for _, p := range r.ResponsibleParties {
		id.PointOfContact = append(id.PointOfContact, party(p, ""))
	}
	for _, ks := range r.Keywords {
		kw := keywords{Type: isoCode("MD_KeywordTypeCode", ks.Type)}
		for _, k := range ks.Keywords {
			if cs := anchor(k); cs != nil {
				kw.Keyword = append(kw.Keyword, cs)
			}
		}
		if len(kw.Keyword) == 0 {
			continue
		}
		if ks.Thesaurus != nil {
			c := cite(*ks.Thesaurus)
			kw.Thesaurus = &c
		}
		id.Keywords = append(id.Keywords, keywordsProp{Keywords: kw})
	}
	// Requirement C.17: limitations on public access in their own
	// MD_LegalConstraints; C.18: conditions for access and use in
	// another.
	if len(r.AccessConstraints) > 0 {
		lc := legalConstraints{Access: []*codeProp{isoCode("MD_RestrictionCode", "otherRestrictions")}}
		for _, a := range r.AccessConstraints {
			lc.Other = append(lc.Other, anchorOrNil(a))
		}
		id.Constraints = append(id.Constraints, constraintsProp{Legal: lc})
	}
	if len(r.UseConstraints) > 0 {
		lc := legalConstraints{Use: []*codeProp{isoCode("MD_RestrictionCode", "otherRestrictions")}}
		for _, a := range r.UseConstraints {
			lc.Other = append(lc.Other, anchorOrNil(a))
		}
		id.Constraints = append(id.Constraints, constraintsProp{Legal: lc})
	}
	return id
}

func (r Record) extent() *extent {
	if r.BBox == nil && r.TemporalExtent == nil {
		return nil
	}
	x := &extent{}
	if b := r.BBox; b != nil {
		x.BBox = &geoBBox{West: dec(b.West), East: dec(b.East), South: dec(b.South), North: dec(b.North)}
	}
	if t := r.TemporalExtent; t != nil {
		te := &temporalExtent{ID: "te-" + ncName(r.FileIdentifier), Begin: timePosition(t.Begin, false), End: timePosition(t.End, t.EndNow)}
		x.Temporal = te
	}
	return x
}

func timePosition(t time.Time, now bool) timePostion {
	switch {
	case now && t.IsZero():
		return timePostion{Indeterminate: "now"}
	case t.IsZero():
		return timePostion{Indeterminate: "unknown"}
	case hasClock(t):
		return timePostion{Value: t.Format(time.RFC3339)}
	}
	return timePostion{Value: t.Format(time.DateOnly)}
}

// ncName turns s into characters allowed in an xs:NCName (gml:id).
func ncName(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

func (r Record) dataIdentification(id identification) *dataIdentProp {
	d := &dataIdentProp{identification: id}
	// Recommendation 1.1: an id for coupled resources to point to.
	if ncName(r.FileIdentifier) == r.FileIdentifier && r.FileIdentifier != "" && !strings.ContainsAny(r.FileIdentifier[:1], "0123456789-.") {
		d.ID = r.FileIdentifier
	}
	for _, t := range r.SpatialRepresentationTypes {
		d.SpatialRepresentation = append(d.SpatialRepresentation, isoCode("MD_SpatialRepresentationTypeCode", t))
	}
	for _, res := range r.Resolutions {
		switch {
		case res.EquivalentScale > 0:
			d.Resolution = append(d.Resolution, resolutionProp{Resolution: resolution{Scale: &scale{Denominator: strconv.Itoa(res.EquivalentScale)}}})
		case res.Distance > 0:
			unit := res.DistanceUnit
			if unit == "" {
				unit = "m"
			}
			d.Resolution = append(d.Resolution, resolutionProp{Resolution: resolution{Distance: &distance{UOM: unit, Value: strconv.FormatFloat(res.Distance, 'f', -1, 64)}}})
		}
	}
	langs := r.ResourceLanguages
	if len(langs) == 0 && r.Language != "" {
		langs = []string{r.Language}
	}
	for _, l := range langs {
		d.Language = append(d.Language, language(l))
	}
	if len(d.Language) == 0 {
		// gmd:language is mandatory in MD_DataIdentification.
		d.Language = append(d.Language, language("und"))
	}
	d.CharacterSet = isoCode("MD_CharacterSetCode", r.CharacterSet)
	for _, t := range r.TopicCategories {
		d.TopicCategory = append(d.TopicCategory, topicProp{Code: t})
	}
	d.Extent = r.extent()
	return d
}

func (r Record) serviceIdentification(id identification) *serviceIdentProp {
	s := r.Service
	si := &serviceIdentProp{
		identification: id,
		ServiceType: localName{Name: localNameElem{
			CodeSpace: "http://inspire.ec.europa.eu/metadata-codelist/SpatialDataServiceType",
			Value:     s.Type,
		}},
		Extent: r.extent(),
	}
	for _, v := range s.TypeVersions {
		si.TypeVersion = append(si.TypeVersion, text(v))
	}
	for _, c := range s.CoupledResources {
		si.CoupledResources = append(si.CoupledResources, coupledResProp{Resource: coupledResource{
			Operation:  textOrNil(c.Operation, "missing"),
			Identifier: textOrNil(c.Identifier, "missing"),
			ScopedName: c.ScopedName,
		}})
	}
	coupling := s.CouplingType
	if coupling == "" {
		coupling = "loose"
		if len(s.OperatesOn) > 0 {
			coupling = "tight"
		}
	}
	si.CouplingType = code("srv:SV_CouplingType", CodeListCatalogue+"#SV_CouplingType", coupling)
	for _, op := range s.Operations {
		dcp := op.DCP
		if dcp == "" {
			dcp = "WebServices"
		}
		si.Operations = append(si.Operations, operationProp{Operation: &operationMetadata{
			Name:        textOrNil(op.Name, "missing"),
			DCP:         code("srv:DCPList", CodeListCatalogue+"#DCPList", dcp),
			Description: text(op.Description),
			ConnectURL:  op.URL,
		}})
	}
	if len(si.Operations) == 0 {
		si.Operations = []operationProp{{NilReason: "missing"}}
	}
	for _, o := range s.OperatesOn {
		si.OperatesOn = append(si.OperatesOn, operatesOn{UUIDRef: o.UUIDRef, Href: o.Href})
	}
	return si
}

func (r Record) distribution() *distribution {
	if len(r.Formats) == 0 && len(r.OnlineResources) == 0 {
		return nil
	}
	d := &distribution{}
	for _, f := range r.Formats {
		version := text(f.Version)
		if version == nil {
			// Requirement 2.6: an unknown version is nil with a reason.
			version = &charString{NilReason: "unknown"}
		}
		d.Formats = append(d.Formats, formatProp{Format: format{
			Name:          anchorOrNil(Anchor{Text: f.Name, Href: f.Href}),
			Version:       version,
			Specification: text(f.Specification),
		}})
	}
	for _, o := range r.OnlineResources {
		d.Online = append(d.Online, onlineProp{Resource: onlineRes{
			URL:                o.URL,
			Protocol:           anchor(Anchor{Text: o.Protocol, Href: o.ProtocolHref}),
			ApplicationProfile: anchor(o.ApplicationProfile),
			Name:               text(o.Name),
			Description:        anchor(o.Description),
			Function:           isoCode("CI_OnLineFunctionCode", o.Function),
		}})
	}
	return d
}

func (r Record) dataQuality() *dataQuality {
	if len(r.Conformity) == 0 && r.TopologicalConsistency == nil && r.Lineage == "" {
		return nil
	}
	level := r.HierarchyLevel
	if level == "" {
		level = ScopeDataset
	}
	dq := &dataQuality{Level: isoCode("MD_ScopeCode", string(level))}
	if r.IsService() {
		// Requirement 3.8: the service level is also named.
		name := r.HierarchyLevelName
		if name == "" {
			name = "service"
		}
		dq.LevelDescription = text(name)
	}
	for _, c := range r.Conformity {
		dq.Reports = append(dq.Reports, dqReport{Domain: &dqElement{Result: conformanceResult(c)}})
	}
	if t := r.TopologicalConsistency; t != nil {
		el := &dqElement{
			MeasureName:       text(t.MeasureName),
			EvaluationMethod:  isoCode("DQ_EvaluationMethodTypeCode", t.EvaluationMethod),
			MethodDescription: text(t.MethodDescription),
			Result: conformanceResult(Conformity{
				Specification: GenericNetworkModel,
				Explanation:   t.Explanation,
				Pass:          Bool(false),
			}),
		}
		if !t.Date.IsZero() {
			el.DateTime = &dateProp{DateTime: t.Date.Format(time.RFC3339)}
		}
		dq.Reports = append(dq.Reports, dqReport{Topology: el})
	}
	if !r.IsService() {
		dq.Lineage = text(r.Lineage)
	}
	return dq
}

func conformanceResult(c Conformity) conformance {
	res := conformance{
		Specification: cite(c.Specification),
		Explanation:   textOrNil(c.Explanation, "missing"),
	}
	switch {
	case c.Pass == nil:
		res.Pass = boolProp{NilReason: "unknown"}
	case *c.Pass:
		res.Pass = boolProp{Value: "true"}
	default:
		res.Pass = boolProp{Value: "false"}
	}
	return res
}
