package rdf_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/socle-geo/socle/ogc/rdf"
)

const doc = `{
  "@context": {"dct": "http://purl.org/dc/terms/", "dcat": "http://www.w3.org/ns/dcat#", "xsd": "http://www.w3.org/2001/XMLSchema#"},
  "@id": "https://ex.org/cat", "@type": "dcat:Catalog",
  "dct:title": [{"@value": "Catalogue \"test\"\n<&>", "@language": "fr"}, {"@value": "Test catalogue", "@language": "en"}],
  "dct:modified": {"@value": "2026-01-15", "@type": "xsd:date"},
  "dct:publisher": {"@type": "dct:Agent", "dct:title": "Sicoval"},
  "dcat:dataset": [{"@id": "https://ex.org/d/1", "@type": "dcat:Dataset", "dct:spatial": {"@type": "dct:Location"}}]
}`

func triples(t *testing.T) []rdf.Triple {
	t.Helper()
	ts, err := rdf.FromJSONLD([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

var prefixes = []rdf.Prefix{{Name: "dcat", IRI: "http://www.w3.org/ns/dcat#"}, {Name: "dct", IRI: "http://purl.org/dc/terms/"}, {Name: "xsd", IRI: "http://www.w3.org/2001/XMLSchema#"}}

// TestSyntaxes: the three writers write the same triples, escaped, the
// same bytes every time (blank nodes relabelled from the tree).
func TestSyntaxes(t *testing.T) {
	ts := triples(t)
	if len(ts) != 11 {
		t.Fatalf("%d triples: %v", len(ts), ts)
	}
	var nt, ttl, xml bytes.Buffer
	if err := rdf.WriteNTriples(&nt, ts); err != nil {
		t.Fatal(err)
	}
	if err := rdf.WriteTurtle(&ttl, ts, prefixes); err != nil {
		t.Fatal(err)
	}
	if err := rdf.WriteRDFXML(&xml, ts, prefixes); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<https://ex.org/cat> <http://purl.org/dc/terms/title> "Catalogue \"test\"\n<&>"@fr .`,
		`<https://ex.org/cat> <http://purl.org/dc/terms/modified> "2026-01-15"^^<http://www.w3.org/2001/XMLSchema#date> .`,
		`<https://ex.org/cat> <http://purl.org/dc/terms/publisher> _:b0 .`,
		`_:b1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://purl.org/dc/terms/Location> .`,
	} {
		if !strings.Contains(nt.String(), want+"\n") {
			t.Errorf("N-Triples lack %s:\n%s", want, nt.String())
		}
	}
	for _, want := range []string{"@prefix dct: <http://purl.org/dc/terms/> .", "\n<https://ex.org/cat>\n    dct:modified", "    a dcat:Catalog ;", `dct:modified "2026-01-15"^^xsd:date`, `"Test catalogue"@en`} {
		if !strings.Contains(ttl.String(), want) {
			t.Errorf("Turtle lacks %q:\n%s", want, ttl.String())
		}
	}
	for _, want := range []string{`<rdf:Description rdf:about="https://ex.org/cat">`, `<dct:title xml:lang="fr">Catalogue &quot;test&quot;` + "\n&lt;&amp;&gt;</dct:title>", `<dct:publisher rdf:nodeID="b0"/>`} {
		if !strings.Contains(xml.String(), want) {
			t.Errorf("RDF/XML lacks %q:\n%s", want, xml.String())
		}
	}
	again := triples(t)
	var nt2 bytes.Buffer
	_ = rdf.WriteNTriples(&nt2, again)
	if nt.String() != nt2.String() {
		t.Errorf("two runs differ:\n%s\n%s", nt.String(), nt2.String())
	}
}

// TestNoRemoteContext: a remote @context is refused, never fetched.
func TestNoRemoteContext(t *testing.T) {
	if _, err := rdf.FromJSONLD([]byte(`{"@context": "https://example.org/ctx.jsonld", "@id": "https://ex.org/a", "name": "x"}`)); err == nil {
		t.Fatal("a remote context was accepted")
	}
	if _, err := rdf.FromJSONLD([]byte(`{`)); err == nil {
		t.Fatal("broken JSON was accepted")
	}
}
