// Package csw implements the discovery side of the OGC Catalogue Service
// for the Web, CSW 2.0.2 (OGC 07-006r1), with the ISO application profile
// 1.0 (OGC 07-045) and the INSPIRE discovery service extended
// capabilities (inspire_ds 1.0): request parsing, a search over records
// held in memory, and the XML response encodings.
//
// Requests come in as KVP (ParseKVP, for GET) or as XML bodies (ParseXML,
// for POST) and become one typed value per operation: *GetCapabilities,
// *DescribeRecord, *GetRecords, *GetRecordByID or *GetDomain. A GetRecords
// query holds its constraint as a Filter tree, whatever its language
// (OGC Filter 1.1 XML or CQL_TEXT), with property names resolved to
// Queryables. Transaction and Harvest are refused: the catalogue is
// read-only.
//
// Search evaluates a query against a slice of ISO 19139 records
// (package iso19139) in Go: Socle's catalogue holds a few records, so
// there is no index. Results are sorted stably (the sort keys, then the
// file identifier) and paged with exact counts.
//
// Every error the parsers and Search return is an *Exception carrying an
// OWS exception code (MissingParameterValue, InvalidParameterValue,
// OperationNotSupported, VersionNegotiationFailed, NoApplicableCode) and a
// locator; its Report method gives the ows:ExceptionReport to answer
// with.
//
// The encoders write documents that validate against the CSW 2.0.2, ISO
// 19139 and INSPIRE schemas (the tests check it with xmllint): Capabilities,
// GetRecordsResponse with csw:Record (brief, summary, full Dublin Core) or
// gmd:MD_Metadata records, GetRecordByIdResponse, DescribeRecordResponse,
// GetDomainResponse, Acknowledgement and ExceptionReport.
package csw
