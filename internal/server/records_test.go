package server_test

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

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
	resp, body := get(t, "/catalogue")
	if resp.StatusCode != 200 {
		t.Fatalf("/catalogue: %d\n%s", resp.StatusCode, body)
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
		resp, body := get(t, "/catalogue/items?"+query)
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
	next := "/catalogue/items?limit=2"
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
	_, body = get(t, "/catalogue/items/fr-243100633-roads")
	rec := decode[struct {
		Type     string          `json:"type"`
		Geometry map[string]any  `json:"geometry"`
		Links    []features.Link `json:"links"`
	}](t, body)
	if rec.Type != "Feature" || rec.Geometry["type"] != "Polygon" || len(findLinks(rec.Links, "describedby")) != 1 || len(findLinks(rec.Links, "enclosure")) == 0 {
		t.Errorf("record: %s", body)
	}
	for path, want := range map[string]int{
		"/catalogue/items/nothing":            404,
		"/catalogue/items?type=map":           400,
		"/catalogue/items?bbox=1,2":           400,
		"/catalogue/items?offset=-1":          400,
		"/catalogue/items?datetime=yesterday": 400,
		"/catalogue/items?f=html&q=routier":   200,
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
