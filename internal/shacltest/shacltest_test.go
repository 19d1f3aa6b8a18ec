package shacltest

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// edit decodes the minimal catalogue, lets change alter it and encodes it
// again.
func edit(t *testing.T, change func(cat map[string]any)) []byte {
	t.Helper()
	var cat map[string]any
	if err := json.Unmarshal(read(t, "catalogue.jsonld"), &cat); err != nil {
		t.Fatal(err)
	}
	change(cat)
	b, err := json.Marshal(cat)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dataset(cat map[string]any) map[string]any { return cat["dcat:dataset"].(map[string]any) }

func distribution(cat map[string]any) map[string]any {
	return dataset(cat)["dcat:distribution"].(map[string]any)
}

func TestMinimalCatalogueConforms(t *testing.T) {
	conforms, report := Validate(t, read(t, "catalogue.jsonld"))
	if !conforms {
		t.Fatalf("the minimal DCAT-AP catalogue does not conform:\n%s", report)
	}
	if !strings.Contains(report, "42 triples, 0 violations") {
		t.Errorf("report: %s", report)
	}
	// Warnings are listed, not counted: a French local authority is no EU
	// corporate body.
	if !strings.Contains(report, "Warning: <https://geo.example.fr/dcat> dct:publisher") {
		t.Errorf("the publisher warning is not in the report:\n%s", report)
	}
}

func TestMissingDatasetTitleIsAViolation(t *testing.T) {
	doc := edit(t, func(cat map[string]any) { delete(dataset(cat), "dct:title") })
	conforms, report := Validate(t, doc)
	if conforms {
		t.Fatalf("a dataset without dct:title conforms:\n%s", report)
	}
	want := "Violation: <https://geo.example.fr/datasets/roads> dct:title: Less than 1 values [:Dataset_Shape/dct:title, MinCountConstraintComponent]"
	if !strings.Contains(report, want) {
		t.Errorf("want %q in\n%s", want, report)
	}
}

func TestMissingAccessURLIsAViolation(t *testing.T) {
	doc := edit(t, func(cat map[string]any) { delete(distribution(cat), "dcat:accessURL") })
	r := Check(t, doc, JSONLD, Strict...)
	if r.Conforms() || !r.Has("Violation", "dcat:accessURL") {
		t.Fatalf("a distribution without dcat:accessURL is not reported:\n%s", r)
	}
	v := r.Violations()
	if len(v) != 1 || v[0].FocusNode != "<https://geo.example.fr/datasets/roads/download/roads.geojson>" || v[0].Shape != ":Distribution_Shape/dcat:accessURL" {
		t.Errorf("violations: %v", v)
	}
}

func TestBlankFocusNodeIsDescribed(t *testing.T) {
	doc := edit(t, func(cat map[string]any) {
		d := distribution(cat)
		delete(d, "@id")
		delete(d, "dcat:accessURL")
	})
	r := Check(t, doc, JSONLD, Base)
	v := r.Violations()
	if len(v) != 1 || !strings.Contains(v[0].FocusNode, "(a dcat:Distribution, dcat:distribution of <https://geo.example.fr/datasets/roads>)") {
		t.Errorf("violations: %v", v)
	}
}

func TestWrongDatatypeIsAViolation(t *testing.T) {
	doc := edit(t, func(cat map[string]any) { dataset(cat)["dct:issued"] = "hier" })
	r := Check(t, doc, JSONLD, Base)
	if r.Conforms() || !r.Has("Violation", "dct:issued") {
		t.Fatalf("dct:issued \"hier\" is not reported:\n%s", r)
	}
	// An ill-formed literal of a right datatype: rdf-validate-datatype
	// checks the lexical form (not the ranges of month and day: it takes
	// "2025-13-45"^^xsd:date).
	doc = edit(t, func(cat map[string]any) {
		dataset(cat)["dct:issued"] = map[string]any{"@value": "2025-06-01T10:00:00Z", "@type": "xsd:date"}
	})
	if r := Check(t, doc, JSONLD, Base); !r.Has("Violation", "dct:issued") {
		t.Errorf("a date-time typed xsd:date is not reported:\n%s", r)
	}
}

func TestRangeWantsTypedObjects(t *testing.T) {
	doc := edit(t, func(cat map[string]any) {
		distribution(cat)["dct:license"] = map[string]any{"@id": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"}
		cat["dct:license"] = map[string]any{"@id": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"}
		dataset(cat)["dcat:contactPoint"].(map[string]any)["@type"] = "vcard:Organization"
	})
	if r := Check(t, doc, JSONLD, Base); !r.Conforms() {
		t.Fatalf("the base shapes look at classes:\n%s", r)
	}
	r := Check(t, doc, JSONLD, Range)
	want := map[string]string{
		"dct:license":       "Value is not an instance of dct:LicenseDocument",
		"dcat:contactPoint": "Value is not an instance of vcard:Kind",
	}
	for path, msg := range want {
		found := false
		for _, v := range r.Violations() {
			found = found || v.Path == path && strings.HasPrefix(v.Message, msg)
		}
		if !found {
			t.Errorf("no %s violation %q in\n%s", path, msg, r)
		}
	}
}

func TestCodelists(t *testing.T) {
	doc := edit(t, func(cat map[string]any) {
		distribution(cat)["dct:format"] = map[string]any{"@id": "http://publications.europa.eu/resource/authority/file-type/GEOPACKAGE", "@type": "dct:MediaTypeOrExtent"}
		dataset(cat)["dct:language"] = map[string]any{"@id": "http://id.loc.gov/vocabulary/iso639-1/fr", "@type": "dct:LinguisticSystem"}
		dataset(cat)["dct:accessRights"] = map[string]any{"@id": "https://geo.example.fr/access/open", "@type": "dct:RightsStatement"}
	})
	r := Check(t, doc, JSONLD, Codelists)
	for _, path := range []string{"dct:format", "dct:language", "dct:accessRights"} {
		if !r.Has("Violation", path) {
			t.Errorf("a %s outside its EU code list is not reported:\n%s", path, r)
		}
	}
	if len(r.Violations()) != 3 {
		t.Errorf("want 3 violations:\n%s", r)
	}
}

func TestTurtleAndRDFXML(t *testing.T) {
	for name, f := range map[string]Format{"catalogue.ttl": Turtle, "catalogue.rdf": RDFXML} {
		r := Check(t, read(t, name), f, Strict...)
		if !r.Conforms() || r.Triples != 42 {
			t.Errorf("%s (the graph of catalogue.jsonld): %s", name, r)
		}
	}
	doc := strings.Replace(string(read(t, "catalogue.rdf")), `<dct:title xml:lang="fr">Routes</dct:title>`, "", 1)
	if r := Check(t, []byte(doc), RDFXML, Base); !r.Has("Violation", "dct:title") {
		t.Errorf("RDF/XML without the dataset's title:\n%s", r)
	}
}

func TestUnparsableDocument(t *testing.T) {
	conforms, report := Validate(t, []byte(`{"@id": `))
	if conforms || !strings.Contains(report, "the document is not valid jsonld") {
		t.Errorf("truncated JSON-LD: %v\n%s", conforms, report)
	}
	r := Check(t, []byte("<a> <b> ."), Turtle)
	if r.Conforms() || len(r.Results) != 1 || r.Results[0].Constraint != "parse" {
		t.Errorf("bad Turtle: %s", r)
	}
}

// A remote @context is never fetched: only one mapped to a vendored file
// in testdata/dcat-ap/contexts/index.json resolves.
func TestRemoteContextIsNotFetched(t *testing.T) {
	conforms, report := Validate(t, []byte(`{"@context": "https://context.example.org/dcat-ap.jsonld", "@id": "https://geo.example.fr/dcat"}`))
	if conforms || !strings.Contains(report, "https://context.example.org/dcat-ap.jsonld is not vendored") {
		t.Errorf("%v\n%s", conforms, report)
	}
}

// fakeTB records a skip or a failure of the validator lookup.
type fakeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (f *fakeTB) Helper()      {}
func (f *fakeTB) Name() string { return "fake" }
func (f *fakeTB) Skip(args ...any) {
	f.skipped, f.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func lookup(dir string) *fakeTB {
	f := &fakeTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		validator(f, dir)
	}()
	<-done
	return f
}

func TestMissingValidatorSkipsLoudlyOrFailsInCI(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("CI", "")
	if f := lookup(empty); !f.skipped || f.failed || !strings.Contains(f.msg, "SKIPPED") || !strings.Contains(f.msg, "npm ci") {
		t.Errorf("without the validator, outside CI: %+v", f)
	}
	t.Setenv("CI", "true")
	if f := lookup(empty); !f.failed || f.skipped || !strings.Contains(f.msg, "CI must run") {
		t.Errorf("without the validator, in CI: %+v", f)
	}
	t.Setenv("PATH", empty)
	if f := lookup(Dir(t)); !f.failed || !strings.Contains(f.msg, "node") {
		t.Errorf("without node, in CI: %+v", f)
	}
}

// socle-dcat.jsonld is what GET /dcat answered for the sample territory
// once made conform (issue 14): no violation of the strict profiles
// (socle-dcat.violations.txt, rewritten by -update, is empty). The server's
// own test (internal/server TestDCATConformsToDCATAP) validates the live
// document in every syntax.
func TestSocleDcatSnapshot(t *testing.T) {
	doc := read(t, "socle-dcat.jsonld")
	if r := Check(t, doc, JSONLD, Base); !r.Conforms() {
		t.Errorf("base shapes:\n%s", r)
	}
	r := Check(t, doc, JSONLD, Strict...)
	count := map[string]int{}
	for _, v := range r.Violations() {
		count[v.Shape+" "+v.Constraint]++
	}
	var lines []string
	for k, n := range count {
		lines = append(lines, fmt.Sprintf("%s ×%d", k, n))
	}
	sort.Strings(lines)
	got := strings.Join(lines, "\n") + "\n"
	golden := filepath.Join("testdata", "socle-dcat.violations.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("violations of the snapshot changed:\n%s\nwant:\n%s\nfull report:\n%s", got, want, r)
	}
}
