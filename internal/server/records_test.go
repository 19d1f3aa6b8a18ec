package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/shacltest"
	"github.com/socle-geo/socle/ogc/features"
)

type recordsPage struct {
	Type           string `json:"type"`
	NumberMatched  int    `json:"numberMatched"`
	NumberReturned int    `json:"numberReturned"`
	Features       []struct {
		ID         string          `json:"id"`
		Geometry   map[string]any  `json:"geometry"`
		Links      []features.Link `json:"links"`
		Properties struct {
			Type  string `json:"type"`
			Title string `json:"title"`
		} `json:"properties"`
	} `json:"features"`
	Links []features.Link `json:"links"`
}

func (p recordsPage) ids() string {
	var ids []string
	for _, f := range p.Features {
		ids = append(ids, strings.TrimPrefix(f.ID, "fr-243100633-"))
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

// TestRecordsCatalogue: OGC API – Records search over the same records.
func TestRecordsCatalogue(t *testing.T) {
	resp, body := get(t, "/collections/catalogue")
	if resp.StatusCode != 200 {
		t.Fatalf("/collections/catalogue: %d\n%s", resp.StatusCode, body)
	}
	if doc := decode[map[string]any](t, body); doc["itemType"] != "record" {
		t.Errorf("catalogue %v", doc)
	}
	for query, want := range map[string]string{
		"":                                    "addresses,artificialisation,discovery,download,roads",
		"q=routier":                           "download,roads",
		"q=ZAN,fibre":                         "addresses,artificialisation",
		"type=service":                        "discovery,download",
		"type=dataset&bbox=1.3,43.3,1.8,43.7": "addresses,artificialisation,roads",
		"bbox=5,45,6,46":                      "",
		"keywords=voirie":                     "roads",
		"keywords=Sicoval&type=dataset":       "addresses,artificialisation,roads",
		"datetime=1900-01-01/1901-01-01":      "",
		"datetime=../2100-01-01":              "addresses,artificialisation,discovery,download,roads",
	} {
		resp, body := get(t, "/collections/catalogue/items?"+query)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/geo+json" {
			t.Fatalf("%s: %d %s\n%s", query, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		p := decode[recordsPage](t, body)
		if p.ids() != want || p.NumberMatched != len(p.Features) {
			t.Errorf("%s: %s (matched %d), want %s", query, p.ids(), p.NumberMatched, want)
		}
	}
	// Paging: every record once.
	seen := map[string]int{}
	next := "/collections/catalogue/items?limit=2"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		_, body := get(t, next)
		p := decode[recordsPage](t, body)
		if p.NumberMatched != 5 {
			t.Errorf("numberMatched %d", p.NumberMatched)
		}
		for _, f := range p.Features {
			seen[f.ID]++
		}
		next = ""
		if l := findLinks(p.Links, "next"); len(l) == 1 {
			next = strings.TrimPrefix(l[0].Href, goldenBase)
		}
	}
	for _, id := range recordIDs {
		if seen[id] != 1 {
			t.Errorf("paging: %s seen %d times", id, seen[id])
		}
	}
	_, body = get(t, "/collections/catalogue/items/fr-243100633-roads")
	rec := decode[struct {
		Type     string          `json:"type"`
		Geometry map[string]any  `json:"geometry"`
		Links    []features.Link `json:"links"`
	}](t, body)
	if rec.Type != "Feature" || rec.Geometry["type"] != "Polygon" || len(findLinks(rec.Links, "describedby")) != 1 || len(findLinks(rec.Links, "enclosure")) == 0 {
		t.Errorf("record: %s", body)
	}
	for path, want := range map[string]int{
		"/collections/catalogue/items/nothing":            404,
		"/collections/catalogue/items?type=map":           400,
		"/collections/catalogue/items?bbox=1,2":           400,
		"/collections/catalogue/items?offset=-1":          400,
		"/collections/catalogue/items?datetime=yesterday": 400,
		"/collections/catalogue/items?f=html&q=routier":   200,
	} {
		if resp, body := get(t, path); resp.StatusCode != want {
			t.Errorf("%s: %d, want %d\n%s", path, resp.StatusCode, want, body)
		}
	}
}

// TestDCAT: the DCAT-AP catalogue lists every dataset with its texts in
// both languages, its extent, and distributions that can be downloaded.
func TestDCAT(t *testing.T) {
	resp, body := get(t, "/dcat")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/ld+json" {
		t.Fatalf("/dcat: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	doc := decode[map[string]any](t, body)
	if doc["@type"] != "dcat:Catalog" || doc["@context"] == nil {
		t.Fatalf("catalog %v", doc["@type"])
	}
	ds := doc["dcat:dataset"].([]any)
	if len(ds) != 3 {
		t.Fatalf("%d datasets", len(ds))
	}
	for _, x := range ds {
		d := x.(map[string]any)
		for _, k := range []string{"dct:title", "dct:description", "dct:spatial", "dct:modified", "dcat:theme", "dcat:keyword", "dcat:contactPoint", "dct:publisher", "dcat:distribution"} {
			if d[k] == nil {
				t.Errorf("%s lacks %s", d["@id"], k)
			}
		}
		if len(d["dct:title"].([]any)) != 2 {
			t.Errorf("%s: title not in both languages", d["@id"])
		}
		for _, y := range d["dcat:distribution"].([]any) {
			dist := y.(map[string]any)
			u, _ := dist["dcat:accessURL"].(map[string]any)["@id"].(string)
			if dl, ok := dist["dcat:downloadURL"].(map[string]any); ok {
				u = dl["@id"].(string)
			}
			p, _ := url.Parse(u)
			if resp, _ := do(t, http.MethodHead, p.Path); resp.StatusCode != 200 {
				t.Errorf("distribution %s: %d", u, resp.StatusCode)
			}
		}
	}
}

// TestRecordsCatalogueIsACollection: a Records client finds the catalogue
// as OGC API – Records puts it: among the collections of the root API,
// with itemType record, linked from the landing page, its classes on
// /conformance; the old /catalogue paths redirect there.
func TestRecordsCatalogueIsACollection(t *testing.T) {
	_, body := get(t, "/collections")
	cols := decode[struct {
		Collections []struct {
			ID       string          `json:"id"`
			Type     string          `json:"type"`
			ItemType string          `json:"itemType"`
			Links    []features.Link `json:"links"`
		} `json:"collections"`
	}](t, body)
	var records []string
	for _, c := range cols.Collections {
		if c.ItemType == "record" {
			records = append(records, c.ID)
			if c.Type != "Catalog" || len(findLinks(c.Links, "items")) != 2 || len(findLinks(c.Links, features.RelQueryables)) != 1 {
				t.Errorf("catalogue collection %+v", c)
			}
		} else if c.ItemType != "feature" {
			t.Errorf("collection %s: itemType %q", c.ID, c.ItemType)
		}
	}
	if strings.Join(records, ",") != "catalogue" {
		t.Errorf("record collections %v, want [catalogue]", records)
	}
	_, body = get(t, "/")
	landing := decode[features.LandingPage](t, body)
	if l := findLinks(landing.Links, "http://www.opengis.net/def/rel/ogc/1.0/ogc-catalog"); len(l) != 1 || l[0].Href != goldenBase+"/collections/catalogue" {
		t.Errorf("landing page's catalogue link %v", l)
	}
	_, body = get(t, "/conformance")
	conf := decode[features.Conformance](t, body)
	for _, c := range []string{"record-core", "record-collection", "record-api", "searchable-catalog", "sorting", "json"} {
		if !slices.Contains(conf.ConformsTo, "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/"+c) {
			t.Errorf("conformance lacks Records %s", c)
		}
	}
	// A dataset's API (an INSPIRE download service) has no catalogue.
	_, body = get(t, "/datasets/roads/collections")
	if strings.Contains(string(body), `"record"`) {
		t.Errorf("a dataset's API lists the catalogue:\n%s", body)
	}
	_, body = get(t, "/datasets/roads/conformance")
	if strings.Contains(string(body), "ogcapi-records") {
		t.Errorf("a dataset's API declares Records:\n%s", body)
	}
	// The old paths move for good, with their query.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]string{
		"/catalogue":                          "/collections/catalogue",
		"/catalogue/items?q=routier&limit=2":  "/collections/catalogue/items?q=routier&limit=2",
		"/catalogue/items/fr-243100633-roads": "/collections/catalogue/items/fr-243100633-roads",
	} {
		resp, err := client.Get(base(t) + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != goldenBase+want {
			t.Errorf("%s: %d → %s, want 301 → %s", path, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
	for _, path := range []string{"/collections/catalogue/queryables", "/collections/catalogue/sortables"} {
		resp, body := get(t, path)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != features.MediaSchema {
			t.Errorf("%s: %d %s\n%s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}

// TestRecordsSorting: sortby on the sortables, ascending or descending,
// the id breaking ties; an unknown property is a 400 naming the sortables.
func TestRecordsSorting(t *testing.T) {
	order := func(query string) string {
		t.Helper()
		resp, body := get(t, "/collections/catalogue/items?"+query)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d\n%s", query, resp.StatusCode, body)
		}
		var ids []string
		for _, f := range decode[recordsPage](t, body).Features {
			ids = append(ids, strings.TrimPrefix(f.ID, "fr-243100633-"))
		}
		return strings.Join(ids, ",")
	}
	for query, want := range map[string]string{
		"":                          "addresses,artificialisation,discovery,download,roads",
		"sortby=-id":                "roads,download,discovery,artificialisation,addresses",
		"sortby=type,-id":           "roads,artificialisation,addresses,download,discovery",
		"sortby=-type,id":           "discovery,download,addresses,artificialisation,roads",
		"sortby=%2Btype,id&limit=2": "addresses,artificialisation",
	} {
		if got := order(query); got != want {
			t.Errorf("%s: %s, want %s", query, got, want)
		}
	}
	// Paging through a sorted search returns every record once.
	var all []string
	for off := 0; off < 5; off += 2 {
		all = append(all, order("sortby=-title&limit=2&offset="+strconv.Itoa(off)))
	}
	if got := strings.Join(all, ","); len(strings.Split(got, ",")) != 5 || got != order("sortby=-title") {
		t.Errorf("sorted pages %s, the whole %s", got, order("sortby=-title"))
	}
	resp, body := get(t, "/collections/catalogue/items?sortby=colour")
	if resp.StatusCode != 400 || !strings.Contains(string(body), "title") {
		t.Errorf("sortby=colour: %d\n%s", resp.StatusCode, body)
	}
}

// TestDCATConformsToDCATAP validates the DCAT-AP document, in each of its
// syntaxes, against the DCAT-AP 2.1.1 SHACL shapes (base, range, code
// lists) with a real SHACL validator (internal/shacltest); the four
// syntaxes hold the same triples.
func TestDCATConformsToDCATAP(t *testing.T) {
	triples := map[string]int{}
	for f, syntax := range map[string]shacltest.Format{"jsonld": shacltest.JSONLD, "ttl": shacltest.Turtle, "rdf": shacltest.RDFXML, "nt": shacltest.NTriples} {
		for _, path := range []string{"/dcat", "/datasets/roads/dcat"} {
			resp, body := get(t, path+"?f="+f)
			if resp.StatusCode != 200 {
				t.Fatalf("%s?f=%s: %d\n%s", path, f, resp.StatusCode, body)
			}
			r := shacltest.Check(t, body, syntax, shacltest.Strict...)
			if !r.Conforms() {
				t.Errorf("%s?f=%s does not conform to DCAT-AP 2.1.1:\n%s", path, f, r)
			}
			triples[path+" "+strconv.Itoa(r.Triples)]++
		}
	}
	if len(triples) != 2 {
		t.Errorf("the syntaxes do not hold the same triples: %v", triples)
	}
	// Discoverable: linked from the landing pages, and the landing page
	// answers Accept: application/ld+json with it.
	for _, api := range []string{"", "/datasets/roads"} {
		_, body := get(t, api+"/")
		var found bool
		for _, l := range findLinks(decode[features.LandingPage](t, body).Links, "alternate") {
			found = found || (l.Type == "application/ld+json" && l.Href == goldenBase+api+"/dcat")
		}
		if !found {
			t.Errorf("%s/: no alternate application/ld+json link to %s/dcat", api, api)
		}
		resp, body := get(t, api+"/", "Accept", "application/ld+json")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/ld+json" || !strings.Contains(string(body), "dcat:Catalog") {
			t.Errorf("%s/ with Accept: application/ld+json: %d %s", api, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for accept, want := range map[string]string{"text/turtle": "text/turtle; charset=utf-8", "application/rdf+xml, */*;q=0.1": "application/rdf+xml; charset=utf-8",
			"text/html,application/xhtml+xml,*/*;q=0.8": "text/html; charset=utf-8", "application/json": "application/json", "": "application/json"} {
			if resp, _ := get(t, api+"/", "Accept", accept); resp.Header.Get("Content-Type") != want {
				t.Errorf("%s/ with Accept %q: %s, want %s", api, accept, resp.Header.Get("Content-Type"), want)
			}
		}
	}
	if resp, _ := get(t, "/dcat", "Accept", "image/png"); resp.StatusCode != 406 {
		t.Errorf("/dcat for image/png: %d", resp.StatusCode)
	}
	if resp, _ := get(t, "/dcat?f=pdf"); resp.StatusCode != 406 {
		t.Errorf("/dcat?f=pdf: %d", resp.StatusCode)
	}
}
