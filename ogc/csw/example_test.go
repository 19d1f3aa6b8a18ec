package csw_test

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/socle-geo/socle/ogc/csw"
	"github.com/socle-geo/socle/ogc/iso19139"
)

// An HTTP handler parses the request (ParseKVP for GET, ParseXML for
// POST), answers it with Respond, or answers an *Exception with its
// report and status.
func Example() {
	catalogue := []iso19139.Record{{
		FileIdentifier: "fr-243100633-addresses",
		HierarchyLevel: iso19139.ScopeDataset,
		Title:          "Adresses du Sicoval",
		BBox:           &iso19139.BBox{West: 1.3957, East: 1.71347, South: 43.39068, North: 43.56757},
	}}
	query, _ := url.ParseQuery("service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record" +
		"&resultType=results&elementSetName=brief&constraintLanguage=CQL_TEXT&constraint=" +
		url.QueryEscape("dc:title LIKE '%adresses%'"))
	req, err := csw.ParseKVP(query)
	var e *csw.Exception
	if errors.As(err, &e) {
		fmt.Println(e.HTTPStatus())
		e.Report().Encode(os.Stdout)
		return
	}
	csw.Respond(os.Stdout, req, catalogue, csw.Capabilities{}, time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC))
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dct="http://purl.org/dc/terms/" xmlns:ows="http://www.opengis.net/ows" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/cat/csw/2.0.2 http://schemas.opengis.net/csw/2.0.2/CSW-discovery.xsd" version="2.0.2">
	//   <csw:SearchStatus timestamp="2025-03-14T10:00:00Z"></csw:SearchStatus>
	//   <csw:SearchResults numberOfRecordsMatched="1" numberOfRecordsReturned="1" nextRecord="0" recordSchema="http://www.opengis.net/cat/csw/2.0.2" elementSet="brief">
	//     <csw:BriefRecord>
	//       <dc:identifier>fr-243100633-addresses</dc:identifier>
	//       <dc:title>Adresses du Sicoval</dc:title>
	//       <dc:type>dataset</dc:type>
	//       <ows:BoundingBox crs="urn:ogc:def:crs:EPSG::4326" dimensions="2">
	//         <ows:LowerCorner>43.39068 1.3957</ows:LowerCorner>
	//         <ows:UpperCorner>43.56757 1.71347</ows:UpperCorner>
	//       </ows:BoundingBox>
	//     </csw:BriefRecord>
	//   </csw:SearchResults>
	// </csw:GetRecordsResponse>
}
