package csw_test

import (
	"bufio"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socle-geo/socle/ogc/csw"
)

// checkParsed asserts what every parse has: an *Exception or a request
// that searches and encodes without error.
func checkParsed(t *testing.T, req csw.Request, err error) {
	t.Helper()
	if err != nil {
		var e *csw.Exception
		if !errors.As(err, &e) {
			t.Fatalf("error of type %T: %v", err, err)
		}
		if err := e.Report().Encode(io.Discard); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := csw.Respond(io.Discard, req, records(), capabilities(), now); err != nil {
		t.Fatalf("Respond: %v", err)
	}
}

// corpusSeeds are the requests of the pycsw corpus (testdata/csw-requests),
// POST bodies or GET query strings; a corpus missing from the checkout
// fails the fuzz test rather than leaving it with only its own seeds.
func corpusSeeds(f *testing.F, kind string) []string {
	f.Helper()
	var out []string
	if kind == "post" {
		files, _ := filepath.Glob(filepath.Join(corpusDir, "*", "post", "*.xml"))
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			out = append(out, string(b))
		}
	} else {
		files, _ := filepath.Glob(filepath.Join(corpusDir, "*", "get", "requests.txt"))
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			sc := bufio.NewScanner(strings.NewReader(string(b)))
			for sc.Scan() {
				if _, q, ok := strings.Cut(sc.Text(), ","); ok {
					out = append(out, q)
				}
			}
		}
	}
	if len(out) == 0 {
		f.Fatalf("no %s requests in %s", kind, corpusDir)
	}
	return out
}

func FuzzParseKVP(f *testing.F) {
	for _, s := range append(corpusSeeds(f, "get"),
		getRecords+"&"+cql("BBOX(ows:BoundingBox, 1, 43, 2, 44) AND NOT title LIKE 'a%'"),
		getRecords+"&"+filter(`<ogc:Within><ogc:PropertyName>ows:BoundingBox</ogc:PropertyName><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>43 1 43 2 44 2 44 1 43 1</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></ogc:Within>`),
		getRecords+"&sortBy=ows:BoundingBox:D,apiso:Modified&outputSchema=http://www.isotc211.org/2005/gmd&elementSetName=brief",
	) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		v, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		req, err := csw.ParseKVP(v)
		checkParsed(t, req, err)
	})
}

func FuzzParseXML(f *testing.F) {
	for _, s := range corpusSeeds(f, "post") {
		f.Add([]byte(s))
	}
	f.Add([]byte(`<csw:GetRecords xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" xmlns:ogc="http://www.opengis.net/ogc" resultType="results"><csw:Query typeNames="csw:Record"><csw:Constraint><ogc:Filter><ogc:Not><ogc:PropertyIsBetween><ogc:PropertyName>dc:date</ogc:PropertyName><ogc:LowerBoundary><ogc:Literal>2020</ogc:Literal></ogc:LowerBoundary><ogc:UpperBoundary><ogc:Literal>2026</ogc:Literal></ogc:UpperBoundary></ogc:PropertyIsBetween></ogc:Not></ogc:Filter></csw:Constraint></csw:Query></csw:GetRecords>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := csw.ParseXML(strings.NewReader(string(body)))
		checkParsed(t, req, err)
	})
}

func FuzzParseCQL(f *testing.F) {
	for _, s := range []string{
		"dc:title like '%lor%' or dct:abstract like '%pharetra in%'",
		"NOT (apiso:Type = 'service') AND apiso:Modified >= 2024-01-01T00:00:00Z",
		"BBOX(ows:BoundingBox, 1, 43, 2, 44, 'urn:ogc:def:crs:EPSG::4326')",
		"INTERSECTS(ows:BoundingBox, POLYGON((1 43, 2 43, 2 44, 1 44, 1 43), (1.1 43.1, 1.2 43.1, 1.2 43.2, 1.1 43.1)))",
		"title BETWEEN 'a' AND 'm' OR subject IS NOT NULL",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fl, err := csw.ParseCQL(s)
		if err != nil {
			var e *csw.Exception
			if !errors.As(err, &e) || e.Code != csw.InvalidParameterValue {
				t.Fatalf("error %v", err)
			}
			return
		}
		g := &csw.GetRecords{ResultType: csw.Results, StartPosition: 1, MaxRecords: 10, OutputSchema: csw.OutputSchemaCSW,
			Query: csw.Query{TypeNames: []csw.TypeName{csw.TypeRecord}, ElementSet: csw.Full, Filter: fl}}
		csw.Search(g, records())
	})
}
