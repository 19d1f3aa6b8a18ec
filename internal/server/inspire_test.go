package server_test

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/socle-geo/socle/ogc/features"
)

// The INSPIRE good practice "Setting up an INSPIRE Download service based
// on the OGC API – Features standard": one test per requirement, named by
// its identifier, run on both stores.

// collectionsOf returns the /collections document at path.
func collectionsOf(t *testing.T, path string, headers ...string) features.Collections {
	t.Helper()
	resp, body := get(t, path, headers...)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d\n%s", path, resp.StatusCode, body)
	}
	return decode[features.Collections](t, body)
}

// datasetIDs are the datasets of the sample territory and their records.
var datasetIDs = map[string]string{"addresses": "fr-243100633-addresses", "roads": "fr-243100633-roads", "artificialisation": "fr-243100633-artificialisation"}

// /req/pre-defined/spatial-data-set-metadata: the response of /collections
// SHALL include a link to the metadata record of the data set, rel
// describedby, type application/xml; each collection keeps its own.
func TestINSPIRE_req_pre_defined_spatial_data_set_metadata(t *testing.T) {
	for id, rec := range datasetIDs {
		doc := collectionsOf(t, "/datasets/"+id+"/collections")
		var recs []features.Link
		for _, l := range findLinks(doc.Links, "describedby") {
			if l.Type == "application/xml" {
				recs = append(recs, l)
			}
		}
		if len(recs) != 1 || !strings.HasPrefix(recs[0].Href, goldenBase+"/metadata/"+rec+"?f=xml") {
			t.Errorf("%s: /collections describedby application/xml links %+v", id, recs)
			continue
		}
		// The record is there (HEAD, then GET): an ISO 19139 gmd:MD_Metadata.
		path := strings.TrimPrefix(recs[0].Href, goldenBase)
		if resp, _ := do(t, http.MethodHead, path); resp.StatusCode != 200 {
			t.Errorf("HEAD %s: %d", path, resp.StatusCode)
		}
		resp, body := get(t, path)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/xml") {
			t.Errorf("%s: the record answers %d %s", recs[0].Href, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if root := xmlRoot(t, body); root != (xml.Name{Space: "http://www.isotc211.org/2005/gmd", Local: "MD_Metadata"}) {
			t.Errorf("%s: root element %v, want gmd:MD_Metadata", path, root)
		}
		for _, c := range doc.Collections {
			if len(findLinks(c.Links, "describedby")) == 0 {
				t.Errorf("%s/%s: the collection lost its describedby links", id, c.ID)
			}
		}
	}
	// The whole-territory API links the record of every dataset it serves.
	root := collectionsOf(t, "/collections")
	var recs []string
	for _, l := range findLinks(root.Links, "describedby") {
		if l.Type == "application/xml" {
			recs = append(recs, l.Href)
		}
	}
	if len(recs) != len(datasetIDs) {
		t.Errorf("/collections describedby links %v", recs)
	}
	// In English, the English record.
	en := collectionsOf(t, "/datasets/roads/collections", "Accept-Language", "en")
	if l := findLinks(en.Links, "describedby"); len(l) == 0 || !strings.Contains(l[0].Href, "lang=en") || l[0].Hreflang != "en" {
		t.Errorf("English describedby %+v", l)
	}
}

// xmlRoot returns the name of the root element of an XML document.
func xmlRoot(t *testing.T, body []byte) xml.Name {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("no root element: %v\n%.200s", err, body)
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name
		}
	}
}

// /req/pre-defined/licence: the response of /collections SHALL include a
// link to the licence, rel license; each collection keeps its own.
func TestINSPIRE_req_pre_defined_licence(t *testing.T) {
	for _, path := range []string{"/collections", "/datasets/roads/collections", "/datasets/addresses/collections", "/datasets/artificialisation/collections"} {
		doc := collectionsOf(t, path)
		if l := findLinks(doc.Links, "license"); len(l) != 1 || !strings.Contains(l[0].Href, "etalab") || l[0].Title == "" {
			t.Errorf("%s: license links %+v", path, l)
		}
		for _, c := range doc.Collections {
			if c.ItemType == "feature" && len(findLinks(c.Links, "license")) != 1 {
				t.Errorf("%s: %s has no license link", path, c.ID)
			}
		}
	}
}

// /req/pre-defined/enclosure (requirements class bulk-download): the
// response of /collections links the whole data set as one file, rel
// enclosure, with its media type and length (/rec/pre-defined/
// enclosure-length, enclosure-title); the file is a GeoPackage with one
// layer per collection, each holding every feature. Each collection links
// its own files too, and a HEAD of each answers 200 with its length.
func TestINSPIRE_req_pre_defined_enclosure(t *testing.T) {
	for id := range datasetIDs {
		api := "/datasets/" + id
		for _, c := range collectionsOf(t, api+"/collections").Collections {
			enc := findLinks(c.Links, "enclosure")
			if len(enc) == 0 {
				t.Errorf("%s/collections/%s: no enclosure link", api, c.ID)
			}
			for _, l := range enc {
				resp, _ := do(t, http.MethodHead, strings.TrimPrefix(l.Href, goldenBase))
				if resp.StatusCode != 200 || resp.ContentLength <= 0 || resp.ContentLength != l.Length || l.Title == "" {
					t.Errorf("HEAD %s: %d, Content-Length %d (link: length %d, title %q)", l.Href, resp.StatusCode, resp.ContentLength, l.Length, l.Title)
				}
			}
		}
	}

	doc := collectionsOf(t, "/datasets/artificialisation/collections")
	enc := findLinks(doc.Links, "enclosure")
	if len(enc) != 1 {
		t.Fatalf("/collections enclosures %+v", enc)
	}
	l := enc[0]
	if l.Type != "application/geopackage+sqlite3" || l.Length <= 0 || l.Title == "" || l.Href != goldenBase+"/datasets/artificialisation/download/all.gpkg" {
		t.Errorf("enclosure %+v", l)
	}
	path := strings.TrimPrefix(l.Href, goldenBase)
	resp, body := get(t, path)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != l.Type || int64(len(body)) != l.Length ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), `filename="artificialisation.gpkg"`) {
		t.Fatalf("GET %s: %d %s %d bytes (link says %d) %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), l.Length, resp.Header.Get("Content-Disposition"))
	}
	if resp, _ := do(t, http.MethodHead, path); resp.StatusCode != 200 || resp.ContentLength != l.Length {
		t.Errorf("HEAD %s: %d length %d", path, resp.StatusCode, resp.ContentLength)
	}
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Skip("SKIPPED the file's content: ogrinfo not installed")
	}
	gpkg := filepath.Join(t.TempDir(), "all.gpkg")
	if err := os.WriteFile(gpkg, body, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"land_cover", "communes"} {
		info := gdal(t, "ogrinfo", "-ro", "-so", gpkg, c)
		want := items(t, "/collections/"+c+"/items?limit=1").NumberMatched
		if !strings.Contains(info, "Feature Count: "+strconv.Itoa(want)) {
			t.Errorf("layer %s of the whole dataset: want %d features\n%s", c, want, info)
		}
	}
	// Unknown names list the downloads, the whole dataset first.
	if resp, body := get(t, "/datasets/roads/download/all.geojson"); resp.StatusCode != 404 || !strings.Contains(string(body), "all.gpkg") {
		t.Errorf("all.geojson: %d %s", resp.StatusCode, body)
	}
}

// languagePaths are the documents /req/multilinguality/accept-language-header
// names, on the whole-territory API and on a dataset's.
func languagePaths(t *testing.T) []string {
	t.Helper()
	fid := strings.Trim(string(items(t, "/collections/roads/items?limit=1").Features[0].ID), `"`)
	var paths []string
	for _, api := range []string{"", "/datasets/roads"} {
		paths = append(paths, api+"/", api+"/collections", api+"/collections/roads", api+"/collections/roads/items", api+"/collections/roads/items/"+fid)
	}
	return paths
}

// /req/multilinguality/accept-language-header: a request that accepts none
// of the languages offered gets 406, its body listing them (JSON and
// HTML); one that names only other languages gets the default; each
// supported language is served.
func TestINSPIRE_req_multilinguality_accept_language_header(t *testing.T) {
	for _, path := range languagePaths(t) {
		for _, refuse := range []string{"*;q=0.0", "fr;q=0, en;q=0", "*;q=0, de"} {
			resp, body := get(t, path, "Accept-Language", refuse)
			if resp.StatusCode != http.StatusNotAcceptable {
				t.Errorf("%s with Accept-Language %q: %d, want 406", path, refuse, resp.StatusCode)
				continue
			}
			p := decode[struct {
				Status  int      `json:"status"`
				Allowed []string `json:"allowed"`
			}](t, body)
			if p.Status != 406 || strings.Join(p.Allowed, ",") != "fr,en" || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: 406 body %s", path, body)
			}
		}
		resp, body := get(t, path+"?f=html", "Accept-Language", "*;q=0.0")
		if resp.StatusCode != 406 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(string(body), `hreflang="fr"`) || !strings.Contains(string(body), `hreflang="en"`) {
			t.Errorf("%s?f=html: %d %s\n%s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		for header, want := range map[string]string{"": "fr", "de-DE,de;q=0.9": "fr", "en-GB,en;q=0.8": "en", "*;q=0, en": "en", "fr;q=0, *": "en", "en;q=0.5, fr;q=0.9": "fr"} {
			resp, body := get(t, path, "Accept-Language", header)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Language") != want {
				t.Errorf("%s with Accept-Language %q: %d %s, want 200 %s\n%.200s", path, header, resp.StatusCode, resp.Header.Get("Content-Language"), want, body)
			}
		}
		// The lang parameter is an explicit choice.
		if resp, _ := get(t, path+"?lang=en", "Accept-Language", "*;q=0"); resp.StatusCode != 200 || resp.Header.Get("Content-Language") != "en" {
			t.Errorf("%s?lang=en: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Language"))
		}
	}
	// As the requirement's test does: every feature collection of every
	// download API, its description and a page of items, answers 200 to a
	// language list and 406 to *;q=0.0.
	for _, api := range []string{"", "/datasets/addresses", "/datasets/roads", "/datasets/artificialisation"} {
		for _, c := range collectionsOf(t, api+"/collections").Collections {
			if c.ItemType != "feature" {
				continue
			}
			for _, path := range []string{api + "/collections/" + c.ID, api + "/collections/" + c.ID + "/items?limit=5"} {
				for header, want := range map[string]int{"en-GB, en;q=0.9, fr;q=0.5": 200, "de": 200, "*;q=0.0": 406} {
					if resp, _ := get(t, path, "Accept-Language", header); resp.StatusCode != want {
						t.Errorf("%s with Accept-Language %q: %d, want %d", path, header, resp.StatusCode, want)
					}
				}
			}
		}
	}
	// Elsewhere (tiles, metadata…) the header changes nothing.
	if resp, _ := get(t, "/conformance", "Accept-Language", "*;q=0"); resp.StatusCode != 200 {
		t.Errorf("/conformance: %d", resp.StatusCode)
	}
}

// /req/multilinguality/content-language-root: the landing page of every
// download API (the whole territory's and each dataset's) says its
// language in Content-Language, whether the request names languages or
// not, for GET and HEAD.
func TestINSPIRE_req_multilinguality_content_language_root(t *testing.T) {
	roots := []string{"/"}
	for id := range datasetIDs {
		roots = append(roots, "/datasets/"+id+"/")
	}
	for _, root := range roots {
		for header, want := range map[string]string{"": "fr", "fr": "fr", "en": "en", "en-GB,en;q=0.8": "en", "de": "fr", "es, *;q=0.1": "fr"} {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				var hs []string
				if header != "" {
					hs = []string{"Accept-Language", header}
				}
				resp, _ := do(t, method, root, hs...)
				if resp.StatusCode != 200 || resp.Header.Get("Content-Language") != want {
					t.Errorf("%s %s, Accept-Language %q: %d, Content-Language %q, want 200 %q", method, root, header, resp.StatusCode, resp.Header.Get("Content-Language"), want)
				}
			}
		}
	}
}

// languageTag is the shape of an RFC 5646 language tag (language, then
// subtags), as hreflang and Content-Language carry them.
var languageTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)

// /req/multilinguality/hreflang: every enclosure link (the whole data set
// in /collections, each collection's files) says the language of its
// distribution in hreflang, a language tag.
func TestINSPIRE_req_multilinguality_hreflang(t *testing.T) {
	for id := range datasetIDs {
		api := "/datasets/" + id
		for _, lang := range []string{"fr", "en"} {
			doc := collectionsOf(t, api+"/collections", "Accept-Language", lang)
			links := findLinks(doc.Links, "enclosure")
			if len(links) == 0 {
				t.Errorf("%s/collections: no enclosure", api)
			}
			for _, c := range doc.Collections {
				links = append(links, findLinks(c.Links, "enclosure")...)
				resp, body := get(t, api+"/collections/"+c.ID, "Accept-Language", lang)
				if resp.StatusCode != 200 {
					t.Fatalf("%s/collections/%s: %d", api, c.ID, resp.StatusCode)
				}
				links = append(links, findLinks(decode[features.Collection](t, body).Links, "enclosure")...)
			}
			for _, l := range links {
				if !languageTag.MatchString(l.Hreflang) {
					t.Errorf("%s (%s): enclosure %s has hreflang %q", api, lang, l.Href, l.Hreflang)
				}
			}
		}
	}
}

// /rec/multilinguality/content-negotiation (and the language-specific
// ETag it implies): every answer says its language in Content-Language
// and, where it depends on Accept-Language, says so in Vary; an ETag never
// serves one language's answer for the other.
func TestINSPIRE_rec_multilinguality_content_negotiation(t *testing.T) {
	paths := append(languagePaths(t), "/conformance", "/api", "/collections/roads/queryables", "/collections/roads/schema",
		"/tiles/WebMercatorQuad", "/styles", "/metadata/fr-243100633-roads", "/csw?service=CSW&request=GetCapabilities",
		"/collections/catalogue", "/collections/catalogue/items", "/dcat", "/datasets", "/changes.atom", "/collections/roads/changes?since=latest",
		"/collections/nothing")
	for _, path := range paths {
		etags := map[string]string{}
		for _, lang := range []string{"fr", "en"} {
			resp, _ := get(t, path, "Accept-Language", lang)
			got := resp.Header.Get("Content-Language")
			if resp.StatusCode == 404 {
				if got != "en" { // problem texts are English
					t.Errorf("%s: problem Content-Language %q", path, got)
				}
				continue
			}
			if got == "" {
				t.Errorf("%s (%s): no Content-Language", path, lang)
			}
			if languageResourcePath(path) {
				if got != lang {
					t.Errorf("%s: Accept-Language %s answered in %q", path, lang, got)
				}
				if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept-Language") {
					t.Errorf("%s: Vary %v lacks Accept-Language", path, resp.Header.Values("Vary"))
				}
			}
			if e := resp.Header.Get("ETag"); e != "" {
				etags[lang] = e
			}
		}
		if len(etags) == 2 && etags["fr"] == etags["en"] && languageResourcePath(path) {
			t.Errorf("%s: one ETag %s for both languages", path, etags["fr"])
		}
	}
}

// languageResourcePath reports whether path is one of languagePaths' kind.
func languageResourcePath(path string) bool {
	p, _, _ := strings.Cut(strings.TrimPrefix(path, "/datasets/roads"), "?")
	return p == "/" || p == "/collections" || p == "/collections/roads" || strings.HasPrefix(p, "/collections/roads/items")
}
