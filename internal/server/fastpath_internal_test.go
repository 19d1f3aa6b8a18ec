package server

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/socle-geo/socle/ogc/features"
)

// FuzzLinksJSON: appendLinksJSON writes what json.Marshal writes, whatever
// the links hold (HTML characters, control characters, invalid UTF-8,
// U+2028), and nil and empty lists as json.Marshal does.
func FuzzLinksJSON(f *testing.F) {
	f.Add("http://h/collections/a/items/1?f=json", "self", "application/geo+json", "Ce document en JSON", "", int64(0), false, 2)
	f.Add("http://h&x/<b>?a=1&b=2", "alternate", "text/html", "Adresses (Base Adresse Locale) — été", "fr", int64(-12), true, 3)
	f.Add("\x00\x1f\"\\\u2028\u2029\xff\xc3", "\xc3\xa9", "", "\b\f\n\r\t", "en", int64(1<<40), false, 1)
	f.Add("", "", "", "", "", int64(0), false, 0)
	f.Fuzz(func(t *testing.T, href, rel, typ, title, hreflang string, length int64, templated bool, n int) {
		var links []features.Link
		switch {
		case n < 0 || n > 4:
			n = 4
		case n == 0:
			links = []features.Link{} // empty, not nil: "[]"
		}
		for i := 0; i < n; i++ {
			links = append(links, features.Link{Href: href + strings.Repeat("/", i), Rel: rel, Type: typ, Title: title, Hreflang: hreflang,
				Length: length, Templated: templated})
			href, rel, typ, title = title, href, rel, typ // vary which field holds what
		}
		want, err := json.Marshal(links)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendLinksJSON([]byte("x"), links); !bytes.Equal(got[1:], want) || got[0] != 'x' {
			t.Fatalf("appendLinksJSON:\n got %q\nwant %q", got[1:], want)
		}
	})
}

func TestLinksJSONNil(t *testing.T) {
	if got := string(appendLinksJSON(nil, nil)); got != "null" {
		t.Fatalf("nil links: %q, want null", got)
	}
}

// FuzzQueryGet: queryGet answers what url.Query().Get answers: the first
// value that parses, pairs with a semicolon or a bad escape skipped, the
// name itself possibly escaped.
func FuzzQueryGet(f *testing.F) {
	for _, q := range []string{"f=json", "lang=en&f=html", "f=&f=json", "%66=json", "f=%zz&f=csv", "f;x=1&f=fgb", "f=a+b%20c",
		"&&f", "f", "lang=%E9t%C3%A9", "%zz=1&f=2", "f%3Djson", "+f=1&f=2", strings.Repeat("a=1&", 1200) + "f=json"} {
		f.Add(q, "f")
		f.Add(q, "lang")
	}
	f.Fuzz(func(t *testing.T, raw, name string) {
		u := &url.URL{RawQuery: raw}
		if got, want := queryGet(u, name), u.Query().Get(name); got != want {
			t.Fatalf("queryGet(%q, %q) = %q, url.Values says %q", raw, name, got, want)
		}
	})
}

// FuzzLanguageResource: languageResource, which cuts the path instead of
// splitting it, answers what the split version answered.
func FuzzLanguageResource(f *testing.F) {
	for _, p := range []string{"/", "/collections", "/collections/a", "/collections/a/items", "/collections/a/items/1",
		"/collections/a/items/1/x", "/collections//items", "/collections/a/items/", "/datasets/d/collections/a/items/1",
		"/datasets/d", "/datasets/d/", "/collections/", "/collections/a/tiles", "/collections/a//"} {
		f.Add(p)
	}
	split := func(path string) bool {
		if rest, ok := strings.CutPrefix(path, "/datasets/"); ok {
			_, sub, ok := strings.Cut(rest, "/")
			if !ok {
				return false
			}
			path = "/" + sub
		}
		if path == "/" || path == "/collections" {
			return true
		}
		rest, ok := strings.CutPrefix(path, "/collections/")
		if !ok {
			return false
		}
		parts := strings.Split(rest, "/")
		switch len(parts) {
		case 1:
			return parts[0] != ""
		case 2:
			return parts[1] == "items"
		case 3:
			return parts[1] == "items" && parts[2] != ""
		}
		return false
	}
	f.Fuzz(func(t *testing.T, path string) {
		if got, want := languageResource(path), split(path); got != want {
			t.Fatalf("languageResource(%q) = %v, want %v", path, got, want)
		}
	})
}
