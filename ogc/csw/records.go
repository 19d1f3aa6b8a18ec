package csw

import (
	"encoding/xml"
	"strconv"

	"github.com/socle-geo/socle/ogc/iso19139"
)

// The Dublin Core view of an ISO record follows the mapping of the CSW ISO
// application profile (OGC 07-045, table 5): fileIdentifier → dc:identifier,
// title → dc:title, hierarchyLevel → dc:type, keywords and topic
// categories → dc:subject, distribution formats → dc:format, coupled
// resources → dc:relation, dateStamp → dct:modified, abstract →
// dct:abstract, resource date → dc:date, responsible parties →
// dc:creator, dc:publisher, dc:contributor by role, resource language →
// dc:language, constraints → dc:rights, lineage → dc:source, resource
// locators → dct:references, geographic bounding box → ows:BoundingBox.

// BoundingBoxCRS is the CRS of the ows:BoundingBox of Dublin Core records:
// WGS 84 in its official latitude, longitude order, as CSW 2.0.2 clients
// read it.
const BoundingBoxCRS = "urn:ogc:def:crs:EPSG::4326"

type dcRecordXML struct {
	XMLName     xml.Name
	Identifier  []string    `xml:"dc:identifier"`
	Title       []string    `xml:"dc:title"`
	Type        string      `xml:"dc:type,omitempty"`
	Subject     []string    `xml:"dc:subject"`
	Format      []string    `xml:"dc:format"`
	Relation    []string    `xml:"dc:relation"`
	Modified    string      `xml:"dct:modified,omitempty"`
	Abstract    []string    `xml:"dct:abstract"`
	Alternative string      `xml:"dct:alternative,omitempty"`
	Date        string      `xml:"dc:date,omitempty"`
	Creator     []string    `xml:"dc:creator"`
	Publisher   []string    `xml:"dc:publisher"`
	Contributor []string    `xml:"dc:contributor"`
	Language    []string    `xml:"dc:language"`
	Rights      []string    `xml:"dc:rights"`
	Source      string      `xml:"dc:source,omitempty"`
	References  []dcRef     `xml:"dct:references"`
	BoundingBox *owsBBoxXML `xml:"ows:BoundingBox"`
}

type dcRef struct {
	Scheme string `xml:"scheme,attr,omitempty"`
	URL    string `xml:",chardata"`
}

type owsBBoxXML struct {
	CRS        string `xml:"crs,attr"`
	Dimensions int    `xml:"dimensions,attr"`
	Lower      string `xml:"ows:LowerCorner"`
	Upper      string `xml:"ows:UpperCorner"`
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// dublinCore is the full Dublin Core view of r.
func dublinCore(r iso19139.Record) dcRecordXML {
	e := newEntry(&r)
	d := dcRecordXML{
		Identifier:  []string{r.FileIdentifier},
		Title:       []string{r.Title},
		Type:        string(r.HierarchyLevel),
		Subject:     e.texts(Subject),
		Format:      e.texts(Format),
		Relation:    e.texts(Relation),
		Alternative: r.AlternateTitle,
		Creator:     e.texts(Creator),
		Publisher:   e.texts(Publisher),
		Contributor: e.texts(Contributor),
		Language:    r.ResourceLanguages,
		Rights:      e.texts(Rights),
		Source:      r.Lineage,
	}
	if r.Abstract != "" {
		d.Abstract = []string{r.Abstract}
	}
	if !r.DateStamp.IsZero() {
		d.Modified = formatDate(r.DateStamp)
	}
	if t, ok := resourceDate(r); ok {
		d.Date = formatDate(t)
	}
	for _, o := range r.OnlineResources {
		d.References = append(d.References, dcRef{Scheme: o.ProtocolHref, URL: o.URL})
	}
	if b := r.BBox; b != nil {
		d.BoundingBox = &owsBBoxXML{
			CRS:        BoundingBoxCRS,
			Dimensions: 2,
			Lower:      ftoa(b.South) + " " + ftoa(b.West),
			Upper:      ftoa(b.North) + " " + ftoa(b.East),
		}
	}
	return d
}

// dcView is the csw:BriefRecord, csw:SummaryRecord or csw:Record of r for
// an element set, or the csw:Record of the element names.
func dcView(r iso19139.Record, set ElementSet, names []Queryable) dcRecordXML {
	full := dublinCore(r)
	if len(names) > 0 {
		keep := map[string]bool{}
		for _, n := range names {
			keep[n.DublinCore()] = true
		}
		v := dcRecordXML{XMLName: xml.Name{Local: "csw:Record"}}
		pick := func(name string, f func()) {
			if keep[name] {
				f()
			}
		}
		pick("dc:identifier", func() { v.Identifier = full.Identifier })
		pick("dc:title", func() { v.Title = full.Title })
		pick("dc:type", func() { v.Type = full.Type })
		pick("dc:subject", func() { v.Subject = full.Subject })
		pick("dc:format", func() { v.Format = full.Format })
		pick("dc:relation", func() { v.Relation = full.Relation })
		pick("dct:modified", func() { v.Modified = full.Modified })
		pick("dct:abstract", func() { v.Abstract = full.Abstract })
		pick("dct:alternative", func() { v.Alternative = full.Alternative })
		pick("dc:date", func() { v.Date = full.Date })
		pick("dc:creator", func() { v.Creator = full.Creator })
		pick("dc:publisher", func() { v.Publisher = full.Publisher })
		pick("dc:contributor", func() { v.Contributor = full.Contributor })
		pick("dc:language", func() { v.Language = full.Language })
		pick("dc:rights", func() { v.Rights = full.Rights })
		pick("dc:source", func() { v.Source = full.Source })
		pick("ows:BoundingBox", func() { v.BoundingBox = full.BoundingBox })
		return v
	}
	switch set {
	case Brief:
		return dcRecordXML{
			XMLName:     xml.Name{Local: "csw:BriefRecord"},
			Identifier:  full.Identifier,
			Title:       full.Title,
			Type:        full.Type,
			BoundingBox: full.BoundingBox,
		}
	case Summary:
		return dcRecordXML{
			XMLName:     xml.Name{Local: "csw:SummaryRecord"},
			Identifier:  full.Identifier,
			Title:       full.Title,
			Type:        full.Type,
			Subject:     full.Subject,
			Format:      full.Format,
			Relation:    full.Relation,
			Modified:    full.Modified,
			Abstract:    full.Abstract,
			BoundingBox: full.BoundingBox,
		}
	}
	full.XMLName = xml.Name{Local: "csw:Record"}
	return full
}

// isoView is the ISO record of an element set (see iso19139.Record.Brief
// and Summary); element names select the full record, which holds them.
func isoView(r iso19139.Record, set ElementSet) iso19139.Record {
	switch set {
	case Brief:
		return r.Brief()
	case Summary:
		return r.Summary()
	}
	return r
}

// recordsXML marshals records in an output schema and element set.
type recordsXML struct {
	records []iso19139.Record
	schema  string
	set     ElementSet
	names   []Queryable
}

func (rs recordsXML) marshal(e *xml.Encoder) error {
	for _, r := range rs.records {
		var err error
		if rs.schema == OutputSchemaISO {
			err = e.Encode(isoView(r, rs.set))
		} else {
			v := dcView(r, rs.set, rs.names)
			err = e.EncodeElement(v, xml.StartElement{Name: v.XMLName})
		}
		if err != nil {
			return err
		}
	}
	return nil
}
