package csw_test

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/socle-geo/socle/ogc/csw"
	"github.com/socle-geo/socle/ogc/iso19139"
)

func ids(rs []iso19139.Record) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, strings.TrimPrefix(r.FileIdentifier, "fr-243100633-"))
	}
	return out
}

func search(t *testing.T, query string) csw.Result {
	t.Helper()
	g, ok := kvp(t, getRecords+"&maxRecords=100&"+query).(*csw.GetRecords)
	if !ok {
		t.Fatalf("%s: not a GetRecords", query)
	}
	return csw.Search(g, records())
}

func cql(s string) string {
	return "constraintLanguage=CQL_TEXT&constraint=" + url.QueryEscape(s)
}

func filter(s string) string {
	return "constraintLanguage=FILTER&constraint=" + url.QueryEscape(`<ogc:Filter xmlns:ogc="http://www.opengis.net/ogc" xmlns:gml="http://www.opengis.net/gml">`+s+`</ogc:Filter>`)
}

func TestSearch(t *testing.T) {
	all := []string{"addresses", "communes", "download", "land_cover", "roads"}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", all},
		{cql("dc:title LIKE '%sicoval%'"), all},
		{cql("dc:title LIKE 'R_seau%'"), []string{"roads"}},
		{cql("apiso:Type = 'service'"), []string{"download"}},
		{cql("type <> 'service'"), []string{"addresses", "communes", "land_cover", "roads"}},
		{cql("NOT (dc:type = 'dataset') OR apiso:TopicCategory = 'boundaries'"), []string{"communes", "download"}},
		{cql("apiso:RevisionDate >= '2025-03-10'"), []string{"addresses", "roads"}},
		{cql("dc:date = 2025-03-12"), []string{"roads"}},
		{cql("dc:date > '2025-03-12T12:00:00Z'"), []string{"roads"}},
		{cql("apiso:CreationDate IS NULL"), []string{"addresses", "download", "land_cover", "roads"}},
		{cql("apiso:ServiceType IS NOT NULL"), []string{"download"}},
		{cql("dc:title BETWEEN 'A' AND 'M'"), []string{"addresses", "communes"}},
		{cql("BBOX(ows:BoundingBox, 1.6, 43.4, 1.7, 43.5)"), []string{"addresses", "communes", "download", "land_cover"}},
		{cql("NOT BBOX(ows:BoundingBox, 1.6, 43.4, 1.7, 43.5)"), []string{"roads"}},
		{cql("BBOX(ows:BoundingBox, 578000, 6262000, 579000, 6263000, 'EPSG:2154')"), all},
		{cql("INTERSECTS(ows:BoundingBox, POINT(1.6 43.5))"), []string{"addresses", "communes", "download", "land_cover"}},
		{cql("WITHIN(apiso:BoundingBox, POLYGON((1 43, 2 43, 2 44, 1 44, 1 43)))"), all},
		{cql("apiso:Subject = 'Adresses' OR subject = 'voirie'"), []string{"addresses", "roads"}},
		{cql("dc:relation = 'fr-243100633-roads'"), []string{"download"}},
		{cql("apiso:Format = 'GeoPackage' AND apiso:CRS LIKE '%2154'"), []string{"addresses", "communes", "land_cover", "roads"}},
		{filter(`<ogc:PropertyIsEqualTo><ogc:PropertyName>csw:AnyText</ogc:PropertyName><ogc:Literal>FIBRE</ogc:Literal></ogc:PropertyIsEqualTo>`), []string{"addresses"}},
		{filter(`<ogc:PropertyIsEqualTo matchCase="false"><ogc:PropertyName>apiso:OrganisationName</ogc:PropertyName><ogc:Literal>communauté d'agglomération du sicoval</ogc:Literal></ogc:PropertyIsEqualTo>`), all},
		{filter(`<ogc:PropertyIsEqualTo><ogc:PropertyName>apiso:OrganisationName</ogc:PropertyName><ogc:Literal>communauté d'agglomération du sicoval</ogc:Literal></ogc:PropertyIsEqualTo>`), []string{}},
		{filter(`<ogc:PropertyIsEqualTo><ogc:Function name="upper"><ogc:PropertyName>dc:identifier</ogc:PropertyName></ogc:Function><ogc:Literal>FR-243100633-ROADS</ogc:Literal></ogc:PropertyIsEqualTo>`), []string{"roads"}},
		{filter(`<ogc:PropertyIsGreaterThan><ogc:Literal>2025-03-11</ogc:Literal><ogc:PropertyName>dc:date</ogc:PropertyName></ogc:PropertyIsGreaterThan>`), []string{"addresses", "communes", "download", "land_cover"}},
		{filter(`<ogc:And><ogc:PropertyIsLike wildCard="*" singleChar="?" escapeChar="!"><ogc:PropertyName>dc:title</ogc:PropertyName><ogc:Literal>*(OGC API*</ogc:Literal></ogc:PropertyIsLike><ogc:Not><ogc:PropertyIsNull><ogc:PropertyName>apiso:ServiceType</ogc:PropertyName></ogc:PropertyIsNull></ogc:Not></ogc:And>`), []string{"download"}},
		{filter(`<ogc:PropertyIsLike wildCard="*" singleChar="?" escapeChar="!"><ogc:PropertyName>dc:title</ogc:PropertyName><ogc:Literal>*!*</ogc:Literal></ogc:PropertyIsLike>`), []string{}},
		{filter(`<ogc:BBOX><ogc:PropertyName>ows:BoundingBox</ogc:PropertyName><gml:Envelope><gml:lowerCorner>43.4 1.6</gml:lowerCorner><gml:upperCorner>43.5 1.7</gml:upperCorner></gml:Envelope></ogc:BBOX>`), []string{"addresses", "communes", "download", "land_cover"}},
		{filter(`<ogc:Disjoint><ogc:PropertyName>ows:BoundingBox</ogc:PropertyName><gml:Envelope srsName="urn:ogc:def:crs:OGC:1.3:CRS84"><gml:lowerCorner>1.6 43.4</gml:lowerCorner><gml:upperCorner>1.7 43.5</gml:upperCorner></gml:Envelope></ogc:Disjoint>`), []string{"roads"}},
		{filter(`<ogc:Contains><ogc:PropertyName>ows:BoundingBox</ogc:PropertyName><gml:Point srsName="EPSG:4326"><gml:pos>1.6 43.5</gml:pos></gml:Point></ogc:Contains>`), []string{"addresses", "communes", "download", "land_cover"}},
		{filter(`<ogc:FeatureId fid="fr-243100633-roads"/><ogc:FeatureId fid="fr-243100633-communes"/>`), []string{"communes", "roads"}},
	} {
		res := search(t, tc.query)
		if got := ids(res.Records); !reflect.DeepEqual(got, tc.want) || res.Matched != len(tc.want) {
			q, _ := url.QueryUnescape(tc.query)
			t.Errorf("%s: matched %d %v, want %v", q, res.Matched, got, tc.want)
		}
	}
}

func TestSearchPagingAndSorting(t *testing.T) {
	for _, tc := range []struct {
		query   string
		want    []string
		matched int
		next    int
	}{
		{"maxRecords=2", []string{"addresses", "communes"}, 5, 3},
		{"maxRecords=2&startPosition=3", []string{"download", "land_cover"}, 5, 5},
		{"maxRecords=2&startPosition=5", []string{"roads"}, 5, 0},
		{"maxRecords=2&startPosition=6", []string{}, 5, 0},
		{"maxRecords=0", []string{}, 5, 1},
		{"sortBy=dc:title:D&maxRecords=3", []string{"download", "roads", "land_cover"}, 5, 4},
		// Ties on dc:type are broken by identifier, in both directions.
		{"sortBy=dc:type:D", []string{"download", "addresses", "communes", "land_cover", "roads"}, 5, 0},
		{"sortBy=dc:type", []string{"addresses", "communes", "land_cover", "roads", "download"}, 5, 0},
		{"sortBy=apiso:RevisionDate:A,dc:identifier:D", []string{"land_cover", "communes", "addresses", "roads", "download"}, 5, 0},
		{"sortBy=ows:BoundingBox:A&maxRecords=1", []string{"roads"}, 5, 2},
	} {
		g := kvp(t, getRecords+"&"+tc.query).(*csw.GetRecords)
		res := csw.Search(g, records())
		if got := ids(res.Records); !reflect.DeepEqual(got, tc.want) || res.Matched != tc.matched || res.NextRecord != tc.next {
			t.Errorf("%s: %v matched %d next %d, want %v %d %d", tc.query, got, res.Matched, res.NextRecord, tc.want, tc.matched, tc.next)
		}
	}
	hits := kvp(t, "service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record").(*csw.GetRecords)
	if res := csw.Search(hits, records()); res.Matched != 5 || len(res.Records) != 0 || res.NextRecord != 1 {
		t.Errorf("hits: %+v", res)
	}
}

func TestLookup(t *testing.T) {
	got := ids(csw.Lookup([]string{"fr-243100633-roads", "x", "fr-243100633-addresses", "fr-243100633-roads"}, records()))
	if want := []string{"roads", "addresses"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Lookup = %v, want %v", got, want)
	}
}

func TestDomain(t *testing.T) {
	g := kvp(t, "service=CSW&version=2.0.2&request=GetDomain&propertyName=dc:type").(*csw.GetDomain)
	if got := csw.Domain(g, records()).Values; !reflect.DeepEqual(got, []string{"dataset", "service"}) {
		t.Errorf("dc:type domain = %v", got)
	}
	g = kvp(t, "service=CSW&version=2.0.2&request=GetDomain&parameterName=GetRecords.CONSTRAINTLANGUAGE").(*csw.GetDomain)
	if got := csw.Domain(g, nil).Values; !reflect.DeepEqual(got, []string{"CQL_TEXT", "FILTER"}) {
		t.Errorf("constraint languages = %v", got)
	}
}
