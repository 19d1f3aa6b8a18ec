package server

import (
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/socle-geo/socle/ogc/iso19139"
)

// iso19139Record is a record with only its identifier.
func iso19139Record(id string) iso19139.Record { return iso19139.Record{FileIdentifier: id} }

// FuzzAcceptLanguage: any Accept-Language header gives a supported
// language; one that refuses both never also picks one it refuses.
func FuzzAcceptLanguage(f *testing.F) {
	for _, s := range []string{"", "*;q=0.0", "fr;q=0, en;q=0", "de-DE,de;q=0.9", "en-GB,en;q=0.8", "*;q=0, en", "fr;q=0, *", ",,;q=", "en;q=abc", "fr-FR;q=0.5;x=1, EN;Q=0.7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Language", header)
		lang := negotiateLanguage(r)
		if !slices.Contains(supportedLanguages, lang) {
			t.Fatalf("%q: language %q", header, lang)
		}
		if refusesAllLanguages(r) {
			if q, mentioned := languageQuality(header, lang); !mentioned || q > 0 {
				t.Fatalf("%q refuses all, yet %s has q %v (mentioned %v)", header, lang, q, mentioned)
			}
		}
	})
}

func TestLanguageResource(t *testing.T) {
	for path, want := range map[string]bool{
		"/": true, "/collections": true, "/collections/roads": true, "/collections/roads/items": true, "/collections/roads/items/12": true,
		"/datasets/roads/": true, "/datasets/roads/collections/roads/items/1": true,
		"/conformance": false, "/collections/roads/tiles": false, "/collections/": false, "/collections/roads/items/": false,
		"/datasets/roads": false, "/tiles/WebMercatorQuad/1/0/0": false, "/metadata/x": false,
	} {
		if got := languageResource(path); got != want {
			t.Errorf("%s: %v, want %v", path, got, want)
		}
	}
}

// FuzzRecordSortby: any sortby is a 400 or an order that is total (the id
// breaks ties), never a panic.
func FuzzRecordSortby(f *testing.F) {
	for _, s := range []string{"", "title", "-updated,+id", "type,-created", ",,", "+", "-", "colour", "title,title"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sortby string) {
		order, err := recordOrder(sortby)
		if err != nil {
			return
		}
		a, b := iso19139Record("a"), iso19139Record("b")
		if order(a, b) == 0 || order(a, b) != -order(b, a) {
			t.Fatalf("%q: not a total order", sortby)
		}
	})
}
