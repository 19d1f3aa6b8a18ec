package csw_test

import (
	"bytes"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/xsdtest"
	"github.com/socle-geo/socle/ogc/csw"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// kvp parses a GET query string that must be valid.
func kvp(t *testing.T, query string) csw.Request {
	t.Helper()
	v, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	req, err := csw.ParseKVP(v)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return req
}

func post(t *testing.T, body string) csw.Request {
	t.Helper()
	req, err := csw.ParseXML(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return req
}

func respond(t *testing.T, req csw.Request) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := csw.Respond(&b, req, records(), capabilities(), now); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func report(t *testing.T, e *csw.Exception) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := e.Report().Encode(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const getRecords = "service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&resultType=results"

// documents are the golden documents, by file name.
func documents(t *testing.T) map[string][]byte {
	exc := func(q string) *csw.Exception {
		v, _ := url.ParseQuery(q)
		_, err := csw.ParseKVP(v)
		e, ok := err.(*csw.Exception)
		if !ok {
			t.Fatalf("%s: %v, want an exception", q, err)
		}
		return e
	}
	return map[string][]byte{
		"capabilities.xml":                 respond(t, kvp(t, "service=CSW&request=GetCapabilities")),
		"capabilities-eng-sections.xml":    respond(t, kvp(t, "service=CSW&request=GetCapabilities&sections=ServiceProvider,OperationsMetadata&language=eng")),
		"getrecords-hits.xml":              respond(t, kvp(t, "service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record")),
		"getrecords-dc-brief.xml":          respond(t, kvp(t, getRecords+"&elementSetName=brief&maxRecords=2")),
		"getrecords-dc-summary.xml":        respond(t, kvp(t, getRecords+"&elementSetName=summary&startPosition=3&maxRecords=2")),
		"getrecords-dc-full.xml":           respond(t, kvp(t, getRecords+"&elementSetName=full&constraintLanguage=CQL_TEXT&constraint="+url.QueryEscape("dc:type = 'dataset' AND apiso:TopicCategory LIKE '%tion'")+"&sortBy=dc:title:D")),
		"getrecords-dc-elementnames.xml":   respond(t, kvp(t, getRecords+"&elementName=dc:identifier,dc:title,ows:BoundingBox&requestId=urn:uuid:1")),
		"getrecords-iso-brief.xml":         respond(t, kvp(t, getRecords+"&typeNames=gmd:MD_Metadata&outputSchema=http://www.isotc211.org/2005/gmd&elementSetName=brief&maxRecords=2")),
		"getrecords-iso-summary.xml":       respond(t, kvp(t, getRecords+"&typeNames=gmd:MD_Metadata&outputSchema=http://www.isotc211.org/2005/gmd&elementSetName=summary&constraintLanguage=CQL_TEXT&constraint="+url.QueryEscape("apiso:ServiceType = 'download'"))),
		"getrecords-iso-full.xml":          respond(t, kvp(t, getRecords+"&typeNames=gmd:MD_Metadata&outputSchema=http://www.isotc211.org/2005/gmd&elementSetName=full&constraintLanguage=CQL_TEXT&constraint="+url.QueryEscape("apiso:Identifier = 'fr-243100633-roads'"))),
		"getrecordbyid-dc.xml":             respond(t, kvp(t, "service=CSW&version=2.0.2&request=GetRecordById&id=fr-243100633-addresses,nope,fr-243100633-download")),
		"getrecordbyid-iso.xml":            respond(t, kvp(t, "service=CSW&version=2.0.2&request=GetRecordById&id=fr-243100633-download&outputSchema=http://www.isotc211.org/2005/gmd&elementSetName=full")),
		"getrecordbyid-empty.xml":          respond(t, kvp(t, "service=CSW&version=2.0.2&request=GetRecordById&id=urn:uuid:unknown")),
		"describerecord.xml":               respond(t, kvp(t, "service=CSW&version=2.0.2&request=DescribeRecord")),
		"getdomain-parameter.xml":          respond(t, kvp(t, "service=CSW&version=2.0.2&request=GetDomain&parameterName=GetRecords.resultType")),
		"getdomain-property.xml":           respond(t, kvp(t, "service=CSW&version=2.0.2&request=GetDomain&propertyName=apiso:TopicCategory")),
		"acknowledgement.xml":              respond(t, post(t, `<?xml version="1.0" encoding="ISO-8859-1"?>`+"\n"+`<csw:GetRecords xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" xmlns:ogc="http://www.opengis.net/ogc" service="CSW" version="2.0.2" resultType="validate"><csw:Query typeNames="csw:Record"><csw:ElementSetName>brief</csw:ElementSetName><csw:Constraint version="1.1.0"><ogc:Filter><ogc:PropertyIsLike wildCard="*" singleChar="?" escapeChar="\"><ogc:PropertyName>dc:title</ogc:PropertyName><ogc:Literal>*Sicoval*</ogc:Literal></ogc:PropertyIsLike></ogc:Filter></csw:Constraint></csw:Query></csw:GetRecords>`)),
		"exception-missing.xml":            report(t, exc("request=GetCapabilities")),
		"exception-invalid.xml":            report(t, exc(getRecords+"&outputSchema=http://www.w3.org/2005/Atom")),
		"exception-notsupported.xml":       report(t, exc("service=CSW&version=2.0.2&request=Transaction")),
		"exception-versionnegotiation.xml": report(t, exc("service=CSW&request=GetCapabilities&acceptVersions=3.0.0")),
		"exception-noapplicablecode.xml":   report(t, mustException(t, "<csw:GetRecords")),
	}
}

func mustException(t *testing.T, body string) *csw.Exception {
	t.Helper()
	_, err := csw.ParseXML(strings.NewReader(body))
	e, ok := err.(*csw.Exception)
	if !ok {
		t.Fatalf("%s: %v, want an exception", body, err)
	}
	return e
}

// TestGolden compares the documents with testdata/*.xml; -update rewrites
// them.
func TestGolden(t *testing.T) {
	for name, got := range documents(t) {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the encoding; run go test -update and review the diff", path)
		}
	}
}

// TestGoldenValidates validates every golden document against CSW 2.0.2 +
// ISO AP + INSPIRE discovery with xmllint.
func TestGoldenValidates(t *testing.T) {
	var files []string
	for name := range documents(t) {
		files = append(files, filepath.Join("testdata", name))
	}
	sort.Strings(files)
	verdict, msgs := xsdtest.Files(t, xsdtest.CSW, files...)
	for _, f := range files {
		if !verdict[f] {
			t.Errorf("%s fails to validate", f)
		}
	}
	if t.Failed() {
		t.Log(msgs)
	}
}
