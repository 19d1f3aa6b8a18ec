package server

import (
	"math/rand/v2"
	"net/url"
	"testing"
)

// TestKeptQueryEncodesAsURLValues: a page's links, written from the query
// encoded once, are byte for byte what url.Values.Encode writes of the
// request's parameters with f and cursor set, whatever the keys (before,
// between and after "cursor" and "f"), their values (repeated, empty,
// escaped) and the cursor (none, or one with characters to escape).
func TestKeptQueryEncodesAsURLValues(t *testing.T) {
	keys := []string{"bbox", "bbox-crs", "crs", "cursor", "d", "datetime", "f", "filter", "filter-lang", "g", "limit",
		"properties", "sortby", "x y", "é", "A", "cursos", "fa"}
	values := []string{"", "1.4,43.5,1.5,43.6", "commune_insee='31555' AND numero>3", "a&b=c", "é", "+-id", "%"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		q := url.Values{}
		for range rng.IntN(6) {
			k := keys[rng.IntN(len(keys))]
			q[k] = append(q[k], values[rng.IntN(len(values))])
		}
		kept := newKeptQuery(q)
		for _, cursor := range []string{"", "eyJrIjpbNzI5ODJdfQ", "a b+c/="} {
			for _, f := range []string{"json", "html", "jsonfg"} {
				want := url.Values{}
				for k, v := range q {
					want[k] = v
				}
				want.Set("f", f)
				want.Del("cursor")
				if cursor != "" {
					want.Set("cursor", cursor)
				}
				if got := kept.encode(f, cursor); got != want.Encode() {
					t.Fatalf("query %v, f %s, cursor %q:\n got %s\nwant %s", q, f, cursor, got, want.Encode())
				}
			}
		}
	}
}
