package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
)

// notInOpenAPI are the routes no OpenAPI document can state: OpenAPI 3.0
// path templates match one segment, these match any rest of the path.
var notInOpenAPI = map[string]string{
	"/assets/*":             "the static files of the HTML pages (scripts, styles, fonts), in folders",
	"/catalogue/*":          "the catalogue's former paths, redirected to /collections/catalogue/… (/catalogue itself is stated)",
	"/datasets/{dataset}/*": "each dataset's download API, checked against its own document below",
}

// TestOpenAPIStatesEveryRoute walks the routes each API serves (the root
// API, and the download API of every dataset) and fails when one is not in
// the API's OpenAPI document with its method, or when the document states
// a path no route serves.
func TestOpenAPIStatesEveryRoute(t *testing.T) {
	base(t)
	srv := server.New(env.store, socle.DefaultCatalog(), quiet, server.Options{Metrics: server.MetricsOpen})
	t.Cleanup(srv.Close)
	h := srv.Handler()
	live := httptest.NewServer(h)
	t.Cleanup(live.Close)
	check := func(name string, api http.Handler, docURL string) {
		t.Helper()
		resp, err := http.Get(live.URL + docURL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var doc struct {
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(body, &doc); err != nil || len(doc.Paths) == 0 {
			t.Fatalf("%s: %v\n%.300s", docURL, err, body)
		}
		routes := map[string]bool{}
		err = chi.Walk(api.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			if method == http.MethodHead || method == http.MethodOptions {
				return nil
			}
			route = strings.TrimSuffix(route, "/")
			if route == "" {
				route = "/"
			}
			routes[method+" "+route] = true
			if _, ok := notInOpenAPI[route]; ok {
				return nil
			}
			if !slices.ContainsFunc(slices.Collect(mapsKeys(doc.Paths)), func(p string) bool {
				_, hasOp := doc.Paths[p][strings.ToLower(method)]
				return hasOp && templateMatches(route, p)
			}) {
				t.Errorf("%s serves %s %s, which its OpenAPI document (%s) does not state", name, method, route, docURL)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for p, ops := range doc.Paths {
			for m := range ops {
				if !slices.Contains([]string{"get", "post", "put", "patch", "delete"}, m) {
					continue
				}
				served := false
				for r := range routes {
					method, route, _ := strings.Cut(r, " ")
					served = served || (strings.EqualFold(method, m) && templateMatches(route, p))
				}
				if !served {
					t.Errorf("%s's OpenAPI document states %s %s, which no route serves", name, strings.ToUpper(m), p)
				}
			}
		}
	}
	check("root", h, "/api")
	subs := server.DatasetHandlers(srv)
	if len(subs) == 0 {
		t.Fatal("no dataset API")
	}
	for id, sub := range subs {
		check("dataset "+id, sub, "/datasets/"+id+"/api")
	}
}

var segmentParam = regexp.MustCompile(`^\{[^}/]+\}$`)

// templateMatches reports whether a chi route and an OpenAPI path name the
// same resources: segment by segment equal, or a parameter in the route
// (any value) against a parameter or a value in the document (the document
// states each collection's paths).
func templateMatches(route, path string) bool {
	rs, ps := strings.Split(route, "/"), strings.Split(strings.TrimSuffix(path, "/"), "/")
	if path == "/" {
		ps = []string{""}
	}
	if route == "/" {
		rs = []string{""}
	}
	if len(rs) != len(ps) {
		return false
	}
	for i := range rs {
		// A fixed segment the router serves apart (/collections/catalogue)
		// is not the document's parameter (/collections/{collectionId}).
		if rs[i] != ps[i] && !segmentParam.MatchString(rs[i]) {
			return false
		}
	}
	return true
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
