package server_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/testdb"
	"github.com/socle-geo/socle/internal/xsdtest"
)

// The sample territory's records: three datasets and two services.
var recordIDs = []string{
	"fr-243100633-addresses", "fr-243100633-artificialisation", "fr-243100633-roads",
	"fr-243100633-download", "fr-243100633-discovery",
}

// TestMetadataRecords: every record is served as ISO 19139 in French and
// English, valid against the schemas, and as an HTML page.
func TestMetadataRecords(t *testing.T) {
	docs := map[string][]byte{}
	for _, id := range recordIDs {
		for _, lang := range []string{"fr", "en"} {
			resp, body := get(t, "/metadata/"+id+"?f=xml&lang="+lang)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/xml") || resp.Header.Get("Content-Language") != lang {
				t.Fatalf("%s %s: %d %s %s\n%s", id, lang, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Language"), body)
			}
			want := map[string]string{"fr": "<gmd:LanguageCode codeList=\"http://www.loc.gov/standards/iso639-2/\" codeListValue=\"fre\">", "en": "codeListValue=\"eng\""}[lang]
			if !bytes.Contains(body, []byte(want)) {
				t.Errorf("%s %s: the metadata language is not %s", id, lang, lang)
			}
			docs[id+"-"+lang+".xml"] = body
		}
		resp, body := get(t, "/metadata/"+id, "Accept", "text/html")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !bytes.Contains(body, []byte(id)) {
			t.Errorf("%s as HTML: %d\n%s", id, resp.StatusCode, body)
		}
	}
	xsdtest.Docs(t, xsdtest.ISO19139, docs)

	// The dataset records carry what the data knows.
	roads := string(docs["fr-243100633-roads-fr.xml"])
	for _, want := range []string{
		"<gmd:westBoundLongitude>", "codeListValue=\"revision\"", "roads.geojson", "http://inspire.ec.europa.eu/theme/tn",
		"http://www.opengis.net/def/crs/EPSG/0/2154", goldenBase + "/datasets/roads/", goldenBase + "/datasets/roads/download/roads.gpkg",
		"Réseau routier : 1467",
	} {
		if !strings.Contains(roads, want) {
			t.Errorf("the roads record lacks %q", want)
		}
	}
	svc := string(docs["fr-243100633-download-fr.xml"])
	for _, id := range recordIDs[:3] {
		if !strings.Contains(svc, `uuidref="`+id+`"`) {
			t.Errorf("the download service does not operate on %s", id)
		}
	}

	for path, want := range map[string]int{
		"/metadata/fr-243100633-nothing":          404,
		"/metadata/fr-243100633-roads?f=pdf":      406,
		"/metadata/fr-243100633-roads?bogus=1":    400,
		"/metadata?f=json":                        200,
		"/metadata?f=html":                        200,
		"/datasets":                               200,
		"/datasets/nothing/":                      404,
		"/datasets/roads/download/addresses.gpkg": 404,
		"/datasets/roads/download/roads.shp":      404,
	} {
		if resp, body := get(t, path); resp.StatusCode != want {
			t.Errorf("%s: %d, want %d\n%s", path, resp.StatusCode, want, body)
		}
	}
	// An unchanged record revalidates.
	resp, _ := get(t, "/metadata/fr-243100633-roads")
	if r2, _ := get(t, "/metadata/fr-243100633-roads", "If-None-Match", resp.Header.Get("ETag")); r2.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", r2.StatusCode)
	}
}

// cswResults is what a GetRecords response says of its page.
type cswResults struct {
	Results struct {
		Matched  int    `xml:"numberOfRecordsMatched,attr"`
		Returned int    `xml:"numberOfRecordsReturned,attr"`
		Next     int    `xml:"nextRecord,attr"`
		Schema   string `xml:"recordSchema,attr"`
		Set      string `xml:"elementSet,attr"`
		// Identifiers of gmd records and of csw:Record views.
		ISO []string `xml:"MD_Metadata>fileIdentifier>CharacterString"`
		Any []struct {
			ID string `xml:"identifier"`
		} `xml:",any"`
		DC []string `xml:"-"`
	} `xml:"SearchResults"`
}

func parseResults(t *testing.T, body []byte) cswResults {
	t.Helper()
	var res cswResults
	if err := xml.Unmarshal(body, &res); err != nil {
		t.Fatal(err, string(body))
	}
	for _, a := range res.Results.Any {
		res.Results.DC = append(res.Results.DC, a.ID)
	}
	return res
}

func cswGet(t *testing.T, params string) (*http.Response, []byte) {
	t.Helper()
	return get(t, "/csw?"+params)
}

func cswPost(t *testing.T, body string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(base(t)+"/csw", "application/xml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp, b.Bytes()
}

const getRecords = "service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&resultType=results"

// TestCSW: every answer, exception reports included, validates against
// the CSW 2.0.2 + ISO AP + INSPIRE schemas; queries select what they say.
func TestCSW(t *testing.T) {
	docs := map[string][]byte{}
	check := func(name string, resp *http.Response, body []byte) []byte {
		t.Helper()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/xml") {
			t.Fatalf("%s: %d %s\n%s", name, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		docs[name] = body
		return body
	}
	ok := func(name, params string) []byte {
		t.Helper()
		resp, body := cswGet(t, params)
		return check(name, resp, body)
	}
	caps := ok("capabilities", "service=CSW&request=GetCapabilities")
	for _, want := range []string{"inspire_ds:ExtendedCapabilities", "<inspire_common:Language>fre</inspire_common:Language>",
		"<inspire_common:Language>eng</inspire_common:Language>", "infoCatalogueService", `name="GetRecords"`, `name="GetRecordById"`,
		"<ows:Value>http://www.isotc211.org/2005/gmd</ows:Value>", "ows:Post", "fr-243100633-discovery"} {
		if !bytes.Contains(caps, []byte(want)) {
			t.Errorf("capabilities lack %q", want)
		}
	}
	capsEN := ok("capabilities-eng", "service=CSW&request=GetCapabilities&language=eng")
	if !bytes.Contains(capsEN, []byte("<inspire_common:ResponseLanguage>\n          <inspire_common:Language>eng")) && !bytes.Contains(capsEN, []byte("Sicoval metadata catalogue")) {
		t.Errorf("capabilities in English:\n%s", capsEN)
	}
	ok("describerecord", "service=CSW&version=2.0.2&request=DescribeRecord")

	count := func(name, params string) cswResults {
		t.Helper()
		return parseResults(t, ok(name, params))
	}
	if r := count("hits", "service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record"); r.Results.Matched != 5 || r.Results.Returned != 0 {
		t.Errorf("hits: %+v", r.Results)
	}
	for _, set := range []string{"brief", "summary", "full"} {
		r := count("results-dc-"+set, getRecords+"&elementSetName="+set)
		if r.Results.Matched != 5 || r.Results.Returned != 5 || len(r.Results.DC) != 5 || r.Results.Set != set {
			t.Errorf("dc %s: %+v", set, r.Results)
		}
		r = count("results-iso-"+set, getRecords+"&typeNames=gmd:MD_Metadata&outputSchema=http://www.isotc211.org/2005/gmd&elementSetName="+set)
		if r.Results.Returned != 5 || len(r.Results.ISO) != 5 {
			t.Errorf("iso %s: %+v", set, r.Results)
		}
	}
	// CQL text over the queryables.
	for cql, want := range map[string]int{
		"AnyText LIKE '%routier%'": 2, // the roads dataset and the download service's abstract
		"Title LIKE '%Adresses%'":  1,
		"Type = 'service'":         2,
		"Type = 'dataset' AND Subject LIKE '%Réseaux de transport%'":  1,
		"OrganisationName = 'Communauté d''agglomération du Sicoval'": 5,
		"Identifier = 'fr-243100633-roads'":                           1,
		"Modified >= '2000-01-01'":                                    5,
		"Modified < '2000-01-01'":                                     0,
		"BBOX(BoundingBox, 1.3, 43.3, 1.8, 43.7)":                     5,
		"BBOX(BoundingBox, 5, 45, 6, 46)":                             0,
		"Abstract LIKE '%ZAN%'":                                       1,
	} {
		r := count("cql", getRecords+"&constraintLanguage=CQL_TEXT&constraint_language_version=1.1.0&constraint="+url.QueryEscape(cql))
		if r.Results.Matched != want {
			t.Errorf("%s: %d records, want %d", cql, r.Results.Matched, want)
		}
	}
	// OGC Filter 1.1 in a POSTed query.
	post := `<?xml version="1.0"?>
<csw:GetRecords xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" xmlns:ogc="http://www.opengis.net/ogc" xmlns:gml="http://www.opengis.net/gml"
  service="CSW" version="2.0.2" resultType="results" outputSchema="http://www.isotc211.org/2005/gmd" maxRecords="10">
  <csw:Query typeNames="gmd:MD_Metadata" xmlns:gmd="http://www.isotc211.org/2005/gmd">
    <csw:ElementSetName>full</csw:ElementSetName>
    <csw:Constraint version="1.1.0"><ogc:Filter><ogc:And>
      <ogc:PropertyIsEqualTo><ogc:PropertyName>apiso:Type</ogc:PropertyName><ogc:Literal>dataset</ogc:Literal></ogc:PropertyIsEqualTo>
      <ogc:BBOX><ogc:PropertyName>ows:BoundingBox</ogc:PropertyName><gml:Envelope srsName="urn:ogc:def:crs:EPSG::4326"><gml:lowerCorner>43.3 1.3</gml:lowerCorner><gml:upperCorner>43.7 1.8</gml:upperCorner></gml:Envelope></ogc:BBOX>
    </ogc:And></ogc:Filter></csw:Constraint>
  </csw:Query>
</csw:GetRecords>`
	resp, body := cswPost(t, post)
	res := parseResults(t, check("post-filter", resp, body))
	if strings.Join(res.Results.ISO, ",") != "fr-243100633-addresses,fr-243100633-artificialisation,fr-243100633-roads" {
		t.Errorf("POST Filter: %+v", res.Results)
	}
	byID := ok("byid-iso", "service=CSW&version=2.0.2&request=GetRecordById&outputSchema=http://www.isotc211.org/2005/gmd&elementSetName=full&id=fr-243100633-roads")
	if !bytes.Contains(byID, []byte("fr-243100633-roads")) {
		t.Errorf("GetRecordById:\n%s", byID)
	}
	ok("byid-dc", "service=CSW&version=2.0.2&request=GetRecordById&id=fr-243100633-roads,fr-243100633-download")
	empty := ok("byid-unknown", "service=CSW&version=2.0.2&request=GetRecordById&id=nothing")
	if bytes.Contains(empty, []byte("<csw:Record")) {
		t.Errorf("unknown id answered a record:\n%s", empty)
	}

	// Bad requests: OWS exception reports with the right codes, never a 500.
	for params, want := range map[string]string{
		"request=GetCapabilities":                      "MissingParameterValue",
		"service=WFS&request=GetCapabilities":          "InvalidParameterValue",
		"service=CSW&version=2.0.2":                    "MissingParameterValue",
		"service=CSW&version=2.0.2&request=GetRecords": "MissingParameterValue",
		getRecords + "&maxRecords=-1":                  "InvalidParameterValue",
		getRecords + "&startPosition=0":                "InvalidParameterValue",
		getRecords + "&outputSchema=urn:nothing":       "InvalidParameterValue",
		getRecords + "&elementSetName=huge":            "InvalidParameterValue",
		getRecords + "&constraintLanguage=CQL_TEXT&constraint=" + url.QueryEscape("Title LIKE"):  "InvalidParameterValue",
		getRecords + "&constraintLanguage=CQL_TEXT&constraint=" + url.QueryEscape("nothing = 1"): "InvalidParameterValue",
		"service=CSW&version=2.0.2&request=GetRecordById":                                        "MissingParameterValue",
		"service=CSW&version=2.0.2&request=Transaction":                                          "OperationNotSupported",
	} {
		resp, body := cswGet(t, params)
		if resp.StatusCode != 400 && resp.StatusCode != 501 || !bytes.Contains(body, []byte(`exceptionCode="`+want+`"`)) {
			t.Errorf("%s: %d, want %s\n%s", params, resp.StatusCode, want, body)
		}
		docs["exception-"+strconv.Itoa(len(docs))] = body
	}
	for name, b := range map[string]string{"not-xml": "<csw:GetRecords", "empty": "", "other": "<foo/>"} {
		resp, body := cswPost(t, b)
		if resp.StatusCode != 400 || !bytes.Contains(body, []byte("exceptionCode=")) {
			t.Errorf("POST %s: %d\n%s", name, resp.StatusCode, body)
		}
		docs["exception-post-"+name] = body
	}
	xsdtest.Docs(t, xsdtest.CSW, docs)
}

// TestCSWHarvest pages through the catalogue as a GeoNetwork harvester
// does, with pages smaller than the catalogue: every record exactly once,
// exact counts, and a nextRecord chain that ends.
func TestCSWHarvest(t *testing.T) {
	for _, schema := range []string{"typeNames=csw:Record", "typeNames=gmd:MD_Metadata&outputSchema=http://www.isotc211.org/2005/gmd"} {
		seen := map[string]int{}
		start, pages := 1, 0
		for start != 0 {
			pages++
			if pages > 10 {
				t.Fatal("the nextRecord chain does not end")
			}
			_, body := cswGet(t, "service=CSW&version=2.0.2&request=GetRecords&resultType=results&elementSetName=full&maxRecords=2&"+schema+"&startPosition="+strconv.Itoa(start))
			res := parseResults(t, body)
			ids := append(res.Results.DC, res.Results.ISO...)
			wantN := min(2, 5-(start-1))
			if res.Results.Matched != 5 || res.Results.Returned != wantN || len(ids) != wantN {
				t.Fatalf("page at %d: %+v", start, res.Results)
			}
			for _, id := range ids {
				seen[id]++
			}
			if want := start + 2; want <= 5 && res.Results.Next != want || want > 5 && res.Results.Next != 0 {
				t.Fatalf("page at %d: nextRecord %d", start, res.Results.Next)
			}
			start = res.Results.Next
		}
		if pages != 3 || len(seen) != 5 {
			t.Errorf("%s: %d pages, records %v", schema, pages, seen)
		}
		for _, id := range recordIDs {
			if seen[id] != 1 {
				t.Errorf("%s: record %s seen %d times", schema, id, seen[id])
			}
		}
	}
}

// TestGDALReadsTheCatalogue: GDAL's CSW driver finds every dataset record.
func TestGDALReadsTheCatalogue(t *testing.T) {
	url, _ := liveServer(t)
	out := gdal(t, "ogrinfo", "-ro", "-al", "CSW:"+url+"/csw")
	if !strings.Contains(out, "Feature Count: 5") {
		t.Errorf("ogrinfo:\n%s", out)
	}
	for _, id := range recordIDs {
		if !strings.Contains(out, "identifier (String) = "+id) {
			t.Errorf("GDAL did not find %s", id)
		}
	}
}

// TestImportChangesTheRecords: on a store of its own, an import moves the
// extent, the revision date and the lineage of the records served.
func TestImportChangesTheRecords(t *testing.T) {
	base(t)
	ctx := context.Background()
	catalog := socle.DefaultCatalog()
	var store interface {
		server.Store
		importer.Writer
	}
	if env.kind == "embedded" {
		gp, err := embedded.Open(ctx, filepath.Join(t.TempDir(), "socle.gpkg"), catalog)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { gp.Close() })
		store = gp
	} else {
		pg, err := postgis.Open(ctx, testdb.New(t), catalog, postgis.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pg.Close() })
		if err := pg.Migrate(ctx, quiet); err != nil {
			t.Fatal(err)
		}
		store = pg
	}
	im := &importer.Importer{Store: store, Catalog: catalog, Log: quiet, Actor: "sig"}
	if _, err := im.ImportFixtures(ctx, filepath.Join(repoRoot(), "fixtures")); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(store, catalog, quiet, server.Options{}).Handler())
	t.Cleanup(srv.Close)
	fetch := func() string {
		resp, err := http.Get(srv.URL + "/csw?service=CSW&version=2.0.2&request=GetRecordById&outputSchema=http://www.isotc211.org/2005/gmd&elementSetName=full&id=fr-243100633-artificialisation")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return b.String()
	}
	before := fetch()
	// Records give the revision date to the second: the import below must
	// fall in a later second than the fixtures' (not a timed assertion).
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	// A parcel far north-east of the territory.
	path := filepath.Join(t.TempDir(), "parcel.geojson")
	parcel := `{"type":"FeatureCollection","features":[{"type":"Feature","id":990001,"geometry":{"type":"Polygon","coordinates":[[[1.90,43.70],[1.91,43.70],[1.91,43.71],[1.90,43.71],[1.90,43.70]]]},` +
		`"properties":{"id":990001,"code_cs":"CS1.1.1.1","code_us":"US2","artificialised":true,"year":2025,"year_artificialised":2025,"area_m2":1000,"commune_insee":"31004"}}]}`
	if err := os.WriteFile(path, []byte(parcel), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := im.ImportLayer(ctx, "land_cover", path)
	if err != nil || rep.Result.Inserted != 1 {
		t.Fatalf("import: %+v %v (rejects %v)", rep.Result, err, rep.Rejects)
	}
	after := fetch()
	between := func(doc, from, to string) string {
		i := strings.Index(doc, from)
		if i < 0 {
			return ""
		}
		j := strings.Index(doc[i:], to)
		if j < 0 {
			return ""
		}
		return doc[i : i+j]
	}
	if b, a := between(before, "<gmd:eastBoundLongitude>", "</gmd:eastBoundLongitude>"), between(after, "<gmd:eastBoundLongitude>", "</gmd:eastBoundLongitude>"); a == b || !strings.Contains(a, "1.91") {
		t.Errorf("east bound %q → %q", b, a)
	}
	rev := func(doc string) string {
		i := strings.Index(doc, `codeListValue="revision"`)
		if i < 0 {
			return ""
		}
		return between(doc[max(0, i-300):i], "<gco:", "</gmd:date>")
	}
	if rev(before) == "" || rev(before) == rev(after) {
		t.Errorf("revision date %q → %q", rev(before), rev(after))
	}
	if strings.Contains(before, rep.Result.BatchID) || !strings.Contains(after, rep.Result.BatchID) || !strings.Contains(after, "parcel.geojson") {
		t.Errorf("the lineage does not name the new batch %s", rep.Result.BatchID)
	}
	xsdtest.Docs(t, xsdtest.CSW, map[string][]byte{"before.xml": []byte(before), "after.xml": []byte(after)})
}
