package csw_test

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/socle-geo/socle/ogc/csw"
)

func TestKVPErrors(t *testing.T) {
	for _, tc := range []struct {
		query   string
		code    csw.ExceptionCode
		locator string
	}{
		{"request=GetCapabilities", csw.MissingParameterValue, "service"},
		{"service=WMS&request=GetCapabilities", csw.InvalidParameterValue, "service"},
		{"service=CSW", csw.MissingParameterValue, "request"},
		{"service=CSW&request=GetRecords", csw.MissingParameterValue, "version"},
		{"service=CSW&request=GetRecords&version=3.0.0", csw.InvalidParameterValue, "version"},
		{"service=CSW&version=2.0.2&request=Foo", csw.InvalidParameterValue, "request"},
		{"service=CSW&version=2.0.2&request=Transaction", csw.OperationNotSupported, "request"},
		{"service=CSW&version=2.0.2&request=Harvest", csw.OperationNotSupported, "request"},
		{"service=CSW&request=GetCapabilities&acceptVersions=1.0.0,3.0.0", csw.VersionNegotiationFailed, "acceptversions"},
		{"service=CSW&request=GetCapabilities&acceptFormats=text/html", csw.InvalidParameterValue, "acceptformats"},
		{"service=CSW&request=GetCapabilities&sections=Contents", csw.InvalidParameterValue, "sections"},
		{"service=CSW&version=2.0.2&request=DescribeRecord&typeName=Record", csw.InvalidParameterValue, "typename"},
		{"service=CSW&version=2.0.2&request=DescribeRecord&schemaLanguage=DTD", csw.InvalidParameterValue, "schemalanguage"},
		{"service=CSW&version=2.0.2&request=GetRecords", csw.MissingParameterValue, "typenames"},
		{"service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:BriefRecord", csw.InvalidParameterValue, "typenames"},
		{getRecords + "&outputSchema=http://www.w3.org/2005/Atom", csw.InvalidParameterValue, "outputschema"},
		{getRecords + "&outputFormat=application/json", csw.InvalidParameterValue, "outputformat"},
		{"service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&resultType=all", csw.InvalidParameterValue, "resulttype"},
		{"service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&resultType=validate", csw.InvalidParameterValue, "resulttype"},
		{getRecords + "&elementSetName=complete", csw.InvalidParameterValue, "elementsetname"},
		{getRecords + "&elementName=dc:foo", csw.InvalidParameterValue, "elementname"},
		{getRecords + "&elementName=dc:title&elementSetName=brief", csw.InvalidParameterValue, "elementname"},
		{getRecords + "&startPosition=0", csw.InvalidParameterValue, "startposition"},
		{getRecords + "&maxRecords=ten", csw.InvalidParameterValue, "maxrecords"},
		{getRecords + "&constraint=title='x'", csw.MissingParameterValue, "constraintlanguage"},
		{getRecords + "&constraintLanguage=SQL&constraint=x", csw.InvalidParameterValue, "constraintlanguage"},
		{getRecords + "&" + cql("title = "), csw.InvalidParameterValue, "constraint"},
		{getRecords + "&" + cql("dc:foo = 'x'"), csw.InvalidParameterValue, "constraint"},
		{getRecords + "&" + cql("title = 'x' AND"), csw.InvalidParameterValue, "constraint"},
		{getRecords + "&" + cql("BBOX(dct:spatial, 0, 0, 1, 1)"), csw.InvalidParameterValue, "constraint"},
		{getRecords + "&" + cql("BBOX(ows:BoundingBox, 0, 0, 1, 1, 'EPSG:27572')"), csw.InvalidParameterValue, "constraint"},
		{getRecords + "&" + cql("title = 'unterminated"), csw.InvalidParameterValue, "constraint"},
		{getRecords + "&" + filter(`<ogc:PropertyIsEqualTo><ogc:Function name="soundex"><ogc:PropertyName>dc:title</ogc:PropertyName></ogc:Function><ogc:Literal>x</ogc:Literal></ogc:PropertyIsEqualTo>`), csw.InvalidParameterValue, "constraint"},
		{getRecords + "&" + filter(`<ogc:Touches><ogc:PropertyName>ows:BoundingBox</ogc:PropertyName><gml:Point><gml:pos>1 2</gml:pos></gml:Point></ogc:Touches>`), csw.InvalidParameterValue, "constraint"},
		{getRecords + "&constraintLanguage=FILTER&constraint=<ogc:Filter", csw.InvalidParameterValue, "constraint"},
		{getRecords + "&sortBy=dc:titlei:A", csw.InvalidParameterValue, "sortby"},
		{getRecords + "&sortBy=dc:title:FOO", csw.InvalidParameterValue, "sortby"},
		{getRecords + "&namespace=foo", csw.InvalidParameterValue, "namespace"},
		{"service=CSW&version=2.0.2&request=GetRecordById", csw.MissingParameterValue, "id"},
		{"service=CSW&version=2.0.2&request=GetRecordById&id=x&outputFormat=text/html", csw.InvalidParameterValue, "outputformat"},
		{"service=CSW&version=2.0.2&request=GetDomain", csw.MissingParameterValue, "parametername"},
		{"service=CSW&version=2.0.2&request=GetDomain&parameterName=GetRecords.foo", csw.InvalidParameterValue, "parametername"},
		{"service=CSW&version=2.0.2&request=GetDomain&propertyName=ows:BoundingBox", csw.InvalidParameterValue, "propertyname"},
	} {
		v, err := url.ParseQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		_, err = csw.ParseKVP(v)
		var e *csw.Exception
		if !errors.As(err, &e) || e.Code != tc.code || e.Locator != tc.locator {
			t.Errorf("%s: %v, want %s (%s)", tc.query, err, tc.code, tc.locator)
		}
	}
}

func TestKVPParsing(t *testing.T) {
	req := kvp(t, "SERVICE=CSW&Version=2.0.2&REQUEST=getrecords&TYPENAMES=x:Record&NAMESPACE=xmlns(x=http://www.opengis.net/cat/csw/2.0.2)&ElementName=dc:title,ows:BoundingBox&resulttype=RESULTS&startposition=2&maxrecords=5000&requestid=abc&sortby=title,dc:date:D")
	want := &csw.GetRecords{
		RequestID:     "abc",
		ResultType:    csw.Results,
		OutputSchema:  csw.OutputSchemaCSW,
		StartPosition: 2,
		MaxRecords:    csw.MaxMaxRecords,
		Query: csw.Query{
			TypeNames:    []csw.TypeName{csw.TypeRecord},
			ElementNames: []csw.Queryable{csw.Title, csw.BoundingBox},
			SortBy:       []csw.SortKey{{Property: csw.Title}, {Property: csw.Date, Descending: true}},
		},
	}
	if !reflect.DeepEqual(req, want) {
		t.Errorf("got %+v\nwant %+v", req, want)
	}
	gc := kvp(t, "service=CSW&request=GetCapabilities&acceptVersions=2.0.2,2.0.0&sections=&LANGUAGE=eng")
	if g := gc.(*csw.GetCapabilities); g.Sections != nil || g.Language != "eng" {
		t.Errorf("GetCapabilities: %+v", g)
	}
	dr := kvp(t, "service=CSW&version=2.0.2&request=DescribeRecord&typeName=csw:DummyRecord")
	if d := dr.(*csw.DescribeRecord); d.TypeNames == nil || len(d.TypeNames) != 0 {
		t.Errorf("DescribeRecord of an unknown type: %+v, want an empty, non-nil list", d)
	}
	byID := kvp(t, "service=CSW&version=2.0.2&request=GetRecordById&id=a,b&elementSetName=full&outputSchema=http://www.isotc211.org/2005/gmd")
	if want := (&csw.GetRecordByID{IDs: []string{"a", "b"}, ElementSet: csw.Full, OutputSchema: csw.OutputSchemaISO}); !reflect.DeepEqual(byID, want) {
		t.Errorf("GetRecordById: %+v", byID)
	}
}

func TestCQLTrees(t *testing.T) {
	for _, tc := range []struct {
		cql  string
		want csw.Filter
	}{
		{"dc:title like '%lor%'", csw.Like{Property: csw.Title, Pattern: "%lor%", Wildcard: '%', SingleChar: '_', Escape: '\\'}},
		{"Title = 'l''Isle' and not Abstract <> 'x'", csw.And{Operands: []csw.Filter{
			csw.Comparison{Op: csw.EqualTo, Property: csw.Title, Literal: "l'Isle", MatchCase: true},
			csw.Not{Operand: csw.Comparison{Op: csw.NotEqualTo, Property: csw.Abstract, Literal: "x", MatchCase: true}},
		}}},
		{"(a:b = 1 OR apiso:Modified >= 2020-01-01) AND dc:subject NOT LIKE 'x'", nil},
		{"apiso:Title BETWEEN 'a' AND 'b'", csw.Between{Property: csw.Title, Lower: "a", Upper: "b"}},
		{"BBOX(ows:BoundingBox, 1, 43, 2, 44)", csw.SpatialFilter{Op: csw.BBOX, Property: csw.BoundingBox, Geometry: csw.Geometry{
			Ring: [][2]float64{{1, 43}, {2, 43}, {2, 44}, {1, 44}, {1, 43}}, Envelope: true,
		}}},
	} {
		got, err := csw.ParseCQL(tc.cql)
		if tc.want == nil {
			if err == nil {
				t.Errorf("%s: parsed as %+v, want an error (a: is not a queryable namespace)", tc.cql, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %#v, %v\nwant %#v", tc.cql, got, err, tc.want)
		}
	}
}

// TestXMLEncodings checks a body declared ISO-8859-1 (as the OGC test
// suites send them) and the filter tree of a POST request.
func TestXMLEncodings(t *testing.T) {
	body := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n" +
		`<GetRecords xmlns="http://www.opengis.net/cat/csw/2.0.2" xmlns:ogc="http://www.opengis.net/ogc" xmlns:d="http://purl.org/dc/elements/1.1/" service="CSW" version="2.0.2" resultType="results" maxRecords="3" outputSchema="http://www.isotc211.org/2005/gmd">` +
		`<Query typeNames="gmd:MD_Metadata" xmlns:gmd="http://www.isotc211.org/2005/gmd"><ElementSetName>brief</ElementSetName><Constraint version="1.1.0"><ogc:Filter><ogc:Or>` +
		"<ogc:PropertyIsEqualTo matchCase=\"false\"><ogc:PropertyName>d:title</ogc:PropertyName><ogc:Literal>Labège \xe9t\xe9</ogc:Literal></ogc:PropertyIsEqualTo>" +
		`<ogc:PropertyIsNull><ogc:PropertyName>apiso:ServiceType</ogc:PropertyName></ogc:PropertyIsNull>` +
		`</ogc:Or></ogc:Filter></Constraint><ogc:SortBy><ogc:SortProperty><ogc:PropertyName>apiso:Modified</ogc:PropertyName><ogc:SortOrder>DESC</ogc:SortOrder></ogc:SortProperty></ogc:SortBy></Query></GetRecords>`
	// "Labège" above is UTF-8 in this source: in an ISO-8859-1 body it
	// reads as two characters, as the client wrote them.
	req, err := csw.ParseXML(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	g := req.(*csw.GetRecords)
	want := csw.Or{Operands: []csw.Filter{
		csw.Comparison{Op: csw.EqualTo, Property: csw.Title, Literal: "LabÃ¨ge été"},
		csw.IsNull{Property: csw.ServiceType},
	}}
	if !reflect.DeepEqual(g.Query.Filter, want) {
		t.Errorf("filter %#v\nwant %#v", g.Query.Filter, want)
	}
	if g.OutputSchema != csw.OutputSchemaISO || g.MaxRecords != 3 || g.Query.ElementSet != csw.Brief ||
		!reflect.DeepEqual(g.Query.SortBy, []csw.SortKey{{Property: csw.Modified, Descending: true}}) ||
		!reflect.DeepEqual(g.Query.TypeNames, []csw.TypeName{csw.TypeMDMetadata}) {
		t.Errorf("request %+v", g)
	}
	if !strings.HasPrefix(string(g.Raw), "<GetRecords ") || !strings.Contains(string(g.Raw), "été") {
		t.Errorf("raw request not kept as UTF-8: %q", g.Raw)
	}
}

func TestXMLErrors(t *testing.T) {
	for _, tc := range []struct {
		body string
		code csw.ExceptionCode
	}{
		{"", csw.NoApplicableCode},
		{"<a", csw.NoApplicableCode},
		{`<GetRecords xmlns="urn:other"/>`, csw.NoApplicableCode},
		{`<csw:Transaction xmlns:csw="http://www.opengis.net/cat/csw/2.0.2"/>`, csw.OperationNotSupported},
		{`<csw:GetRecords xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" service="WFS"/>`, csw.InvalidParameterValue},
		{`<csw:GetRecords xmlns:csw="http://www.opengis.net/cat/csw/2.0.2"/>`, csw.NoApplicableCode},
		{`<csw:GetRecords xmlns:csw="http://www.opengis.net/cat/csw/2.0.2"><csw:Query typeNames="csw:Record"><csw:Foo/></csw:Query></csw:GetRecords>`, csw.NoApplicableCode},
		{`<csw:GetRecordById xmlns:csw="http://www.opengis.net/cat/csw/2.0.2"/>`, csw.MissingParameterValue},
		{`<?xml version="1.0" encoding="EBCDIC"?><a/>`, csw.NoApplicableCode},
		{strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100), csw.NoApplicableCode},
	} {
		_, err := csw.ParseXML(strings.NewReader(tc.body))
		var e *csw.Exception
		if !errors.As(err, &e) || e.Code != tc.code {
			t.Errorf("%.60s: %v, want %s", tc.body, err, tc.code)
		}
	}
}
