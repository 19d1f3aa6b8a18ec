package importer

import (
	"testing"

	"github.com/socle-geo/socle/internal/socle"
)

// FuzzParseMapping: a mapping file never panics, and what it accepts maps
// properties of the collection that Socle does not derive.
func FuzzParseMapping(f *testing.F) {
	f.Add([]byte("name: LIBELLE\nroad_class: {field: TYPE, values: {RUE: \"Route à 1 chaussée\"}}\nsurface: {value: revêtue}\n"))
	f.Add([]byte("width: {value: 3.5}\nnb_voies: {field: N, values: {a: 1, b: [2]}}\n"))
	f.Add([]byte("- a\n- b\n"))
	f.Add([]byte("name: &a {field: X}\nsurface: *a\n"))
	f.Add([]byte("name: {field: null}\n"))
	roads, _ := socle.DefaultCatalog().Collection("roads")
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := ParseMapping(data, roads)
		if err != nil {
			return
		}
		for _, r := range rules {
			p, ok := roads.Property(r.Target)
			if !ok || p.Derived {
				t.Errorf("rule for %q accepted", r.Target)
			}
			if len(r.Fields) == 0 && r.Value == nil {
				t.Errorf("rule for %q takes nothing", r.Target)
			}
		}
	})
}
