package iso19139_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/xsdtest"
	"github.com/socle-geo/socle/ogc/iso19139"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// goldens are the documents the package produces, by golden file name.
func goldens() map[string]iso19139.Record {
	svc := service()
	return map[string]iso19139.Record{
		"addresses.xml":         addresses(),
		"addresses-brief.xml":   addresses().Brief(),
		"addresses-summary.xml": addresses().Summary(),
		"roads.xml":             roads(),
		"land_cover.xml":        landCover(),
		"communes.xml":          communes(),
		"service.xml":           svc,
		"service-brief.xml":     svc.Brief(),
		"service-summary.xml":   svc.Summary(),
	}
}

func encode(t *testing.T, r iso19139.Record) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := r.Encode(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGolden compares the encoded records with testdata/*.xml; -update
// rewrites them.
func TestGolden(t *testing.T) {
	for name, r := range goldens() {
		got := encode(t, r)
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the encoding; run go test -update and review the diff", path)
		}
	}
}

// TestGoldenValidates validates every golden record against ISO 19139
// (gmd, gmx, srv, gml 3.2) with xmllint.
func TestGoldenValidates(t *testing.T) {
	var files []string
	for name := range goldens() {
		files = append(files, filepath.Join("testdata", name))
	}
	verdict, msgs := xsdtest.Files(t, xsdtest.ISO19139, files...)
	for _, f := range files {
		if !verdict[f] {
			t.Errorf("%s fails to validate:\n%s", f, msgs)
		}
	}
}

// TestSamplesHarness proves the validation harness on real records
// (testdata/samples, see its SOURCES.md): the four French INSPIRE records
// validate, and the five in invalid/ fail, each for its documented reason,
// so a schema that failed to load cannot pass for a validating one.
func TestSamplesHarness(t *testing.T) {
	dir := filepath.Join("testdata", "samples")
	valid, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	invalid, _ := filepath.Glob(filepath.Join(dir, "invalid", "*.xml"))
	if len(valid) != 4 || len(invalid) != 5 {
		t.Fatalf("found %d valid and %d invalid samples, want 4 and 5", len(valid), len(invalid))
	}
	// The element xmllint reports for each invalid sample.
	reasons := map[string]string{
		"topiccategory-whitespace.xml":                       "{http://www.isotc211.org/2005/gmd}MD_TopicCategoryCode': [facet 'enumeration']",
		"onlineresource-protocol-order.xml":                  "{http://www.isotc211.org/2005/gmd}protocol': This element is not expected",
		"fr-000030014-plu20171013-citation-without-date.xml": "{http://www.isotc211.org/2005/gmd}CI_Citation': Missing child element(s)",
		"fr-000019182-cc20150517-multiple-errors.xml":        "{http://www.isotc211.org/2005/gmd}deliveryPoint': This element is not expected",
		"greek-ortho-old-gml-namespace.xml":                  "{http://www.opengis.net/gml}TimePeriod': This element is not expected",
	}
	verdict, msgs := xsdtest.Files(t, xsdtest.ISO19139, append(valid, invalid...)...)
	for _, f := range valid {
		if !verdict[f] {
			t.Errorf("%s should validate:\n%s", f, msgs)
		}
	}
	for _, f := range invalid {
		if verdict[f] {
			t.Errorf("%s should fail to validate", f)
			continue
		}
		reason, ok := reasons[filepath.Base(f)]
		if !ok {
			t.Errorf("%s: no documented reason", f)
			continue
		}
		found := false
		for _, line := range strings.Split(msgs, "\n") {
			if strings.Contains(line, filepath.Base(f)+":") && strings.Contains(line, reason) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s fails, but not with %q:\n%s", f, reason, msgs)
		}
	}
}

func TestFixturesMeetTheTG(t *testing.T) {
	for _, r := range append(datasets(), service()) {
		if err := r.Validate(); err != nil {
			var ve *iso19139.ValidationError
			errors.As(err, &ve)
			t.Errorf("%s: %v: %+v", r.FileIdentifier, err, ve.Problems)
		}
	}
}

func TestValidateReportsRequirements(t *testing.T) {
	r := addresses()
	r.Title = " "
	r.Contact.Email = ""
	r.Dates = append(r.Dates, iso19139.CitationDate{Date: stamp, Type: iso19139.DateRevision})
	r.Keywords = r.Keywords[1:]
	r.TopicCategories = []string{"planningCadastre\n"}
	r.AccessConstraints = nil
	r.Resolutions = []iso19139.Resolution{{EquivalentScale: 1000, Distance: 1}}
	err := r.Validate()
	var ve *iso19139.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate() = %v, want a *ValidationError", err)
	}
	want := []string{
		"common/md-point-of-contact",
		"common/resource-title",
		"common/max-1-date-of-last-revision",
		"common/limitations-on-public-access",
		"datasets-and-series/inspire-theme-keyword",
		"datasets-and-series/topic-category",
		"datasets-and-series/spatial-resolution",
	}
	got := map[string]bool{}
	for _, p := range ve.Problems {
		got[strings.TrimPrefix(p.Requirement, "metadata/2.0/req/")] = true
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("no problem reported for %s; got %+v", w, ve.Problems)
		}
	}
	if len(ve.Problems) != len(want) {
		t.Errorf("got %d problems, want %d: %+v", len(ve.Problems), len(want), ve.Problems)
	}
	if !strings.HasPrefix(err.Error(), `iso19139: record "fr-243100633-addresses": metadata/2.0/req/`) {
		t.Errorf("Error() = %q", err)
	}

	s := service()
	s.Service.Type = "wfs"
	s.Keywords = nil
	if err := s.Validate(); !errors.As(err, &ve) || len(ve.Problems) != 2 {
		t.Errorf("service: Validate() = %v, want sds-type and sds-category problems", err)
	}
}

// TestEncodingEscapes checks that text is escaped and that the record
// can be embedded in another document with its namespaces.
func TestEncodingEscapes(t *testing.T) {
	r := communes()
	r.Title = `Communes <"R&D"> & co`
	doc := struct {
		XMLName xml.Name          `xml:"wrapper"`
		Records []iso19139.Record `xml:"record"`
	}{Records: []iso19139.Record{r, roads()}}
	b, err := xml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Metadata []struct {
			XMLName xml.Name
			Title   string `xml:"identificationInfo>MD_DataIdentification>citation>CI_Citation>title>CharacterString"`
		} `xml:"http://www.isotc211.org/2005/gmd MD_Metadata"`
	}
	if err := xml.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Metadata) != 2 || back.Metadata[0].Title != r.Title {
		t.Fatalf("read back %+v", back)
	}
	if back.Metadata[0].XMLName.Space != iso19139.NamespaceGMD {
		t.Errorf("root namespace %q", back.Metadata[0].XMLName.Space)
	}
}

// TestDateEncoding checks gco:Date for days and gco:DateTime for instants.
func TestDateEncoding(t *testing.T) {
	b := string(encode(t, roads()))
	for _, want := range []string{
		"<gco:DateTime>2025-03-12T17:05:00Z</gco:DateTime>",
		"<gco:DateTime>2025-03-14T09:30:00Z</gco:DateTime>",
		`<gml:endPosition indeterminatePosition="now"></gml:endPosition>`,
	} {
		if want == `<gml:endPosition indeterminatePosition="now"></gml:endPosition>` {
			b = string(encode(t, landCover()))
		}
		if !strings.Contains(b, want) {
			t.Errorf("encoding lacks %s", want)
		}
	}
	if !strings.Contains(string(encode(t, addresses())), "<gco:Date>2020-06-01</gco:Date>") {
		t.Error("a day is not written as gco:Date")
	}
}
