package server

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// TestCallerGate: one GeoPackage at a time per caller, others unhindered.
func TestCallerGate(t *testing.T) {
	g := &callerGate{busy: map[string]bool{}}
	if !g.enter("a") || g.enter("a") || !g.enter("b") {
		t.Fatal("a caller entered twice, or another was kept out")
	}
	g.leave("a")
	if !g.enter("a") {
		t.Fatal("a caller that left cannot enter again")
	}
}

// FuzzNegotiate: whatever f and Accept hold, negotiation picks an offered
// format or none, and never panics.
func FuzzNegotiate(f *testing.F) {
	for _, s := range [][2]string{{"csv", ""}, {"", "text/csv;q=0.5, application/vnd.ogc.fg+json"}, {"FGB", "*/*"},
		{"", "application/geopackage+sqlite3;q=0, */*;q=0.1"}, {"application/flatgeobuf", ""}, {"", ";;q=,"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, format, accept string) {
		r := httptest.NewRequest(http.MethodGet, "/collections/x/items", nil)
		q := r.URL.Query()
		q.Set("f", format)
		r.URL.RawQuery = q.Encode()
		r.Header.Set("Accept", accept)
		got, ok := negotiate(r, itemsOffered...)
		if ok != slices.Contains(itemsOffered, got) {
			t.Fatalf("f=%q Accept=%q: %q %v", format, accept, got, ok)
		}
	})
}
