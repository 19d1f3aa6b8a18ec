// Package iso19139 encodes metadata records as ISO/TS 19139:2007 XML
// following the INSPIRE Technical Guidance for metadata, version 2.0
// ("TG MD 2.0"): dataset and series records (conformance classes 1 and 2,
// baseline and interoperability metadata) and network service records
// (conformance classes 3 and 4).
//
// A Record is a plain value that says what a record holds; Encode (or
// xml.Marshal, through Record.MarshalXML) writes one gmd:MD_Metadata
// element with the namespaces INSPIRE records usually declare (gmd, gco,
// gmx, srv, gml 3.2, xlink, xsi). The element tree is built from explicit
// structs in the order the ISO 19139 schema requires, so the output
// validates against gmd/srv/gmx of 2007-04-17 with GML 3.2.1; the tests
// check that with xmllint.
//
// Code list values use the ISO 19139 code list catalogue at
// http://standards.iso.org/iso/19139/resources/gmxCodelists.xml, as
// TG MD 2.0 §2.1.1 suggests. Vocabulary terms that have a URI (INSPIRE
// themes, the spatial data service classification, the limitations on
// public access, CRS identifiers, protocols) are written as gmx:Anchor
// with xlink:href (TG recommendations C.8, C.9, 1.5, 2.1.1, 3.2).
//
// The package knows nothing of where records come from: the caller fills
// a Record, Validate reports what TG MD 2.0 requires and is missing, and
// Brief and Summary give the reduced views the CSW ISO application profile
// asks for, still valid against the schema.
package iso19139
