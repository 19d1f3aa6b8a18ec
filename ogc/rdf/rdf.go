// Package rdf turns a JSON-LD document into RDF triples (with json-gold, a
// conformant JSON-LD 1.1 processor) and writes them as N-Triples, Turtle
// or RDF/XML, for harvesters that read one syntax only (the EU's data
// portal and data.gouv.fr take RDF/XML or Turtle; JSON-LD is Socle's own
// DCAT-AP encoding).
//
// The writers are deterministic: subjects, then predicates, then objects
// in a stable order, blank nodes renamed in the order they appear, so that
// the same document always gives the same bytes (golden files, ETags).
package rdf

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/piprate/json-gold/ld"
)

// Term is an IRI, a blank node or a literal.
type Term struct {
	// Kind is IRI, Blank or Literal.
	Kind Kind
	// Value is the IRI, the blank node's label (without _:) or the
	// literal's lexical form.
	Value string
	// Datatype is a literal's datatype IRI; empty for xsd:string and for
	// language-tagged strings.
	Datatype string
	// Lang is a literal's language tag.
	Lang string
}

// Kind is the kind of a term.
type Kind int

// Kinds of terms.
const (
	IRI Kind = iota
	Blank
	Literal
)

// Triple is one statement.
type Triple struct{ S, P, O Term }

const xsdString = "http://www.w3.org/2001/XMLSchema#string"
const rdfLangString = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

// FromJSONLD expands a JSON-LD document (its contexts inline: nothing is
// fetched) into its triples of the default graph, sorted.
func FromJSONLD(doc []byte) ([]Triple, error) {
	var input any
	if err := json.Unmarshal(doc, &input); err != nil {
		return nil, fmt.Errorf("rdf: %w", err)
	}
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = refuseLoader{}
	out, err := ld.NewJsonLdProcessor().ToRDF(input, opts)
	if err != nil {
		return nil, fmt.Errorf("rdf: %w", err)
	}
	ds := out.(*ld.RDFDataset)
	var triples []Triple
	for _, q := range ds.GetQuads("@default") {
		triples = append(triples, Triple{S: term(q.Subject), P: term(q.Predicate), O: term(q.Object)})
	}
	return canonical(triples), nil
}

// refuseLoader loads no remote context: documents carry theirs inline.
type refuseLoader struct{}

func (refuseLoader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, "rdf: remote contexts are not fetched: "+u)
}

func term(n ld.Node) Term {
	switch v := n.(type) {
	case ld.IRI:
		return Term{Kind: IRI, Value: v.Value}
	case ld.BlankNode:
		return Term{Kind: Blank, Value: strings.TrimPrefix(v.Attribute, "_:")}
	case ld.Literal:
		t := Term{Kind: Literal, Value: v.Value, Lang: v.Language}
		if v.Datatype != xsdString && v.Datatype != rdfLangString {
			t.Datatype = v.Datatype
		}
		return t
	}
	return Term{}
}

// canonical sorts the triples and renames blank nodes b0, b1… in the
// order of the sorted subjects that are not blank, so that the output
// does not depend on the processor's labels.
func canonical(ts []Triple) []Triple {
	// Order by everything but blank labels first, to give the labels.
	key := func(t Term) string {
		if t.Kind == Blank {
			return "\x01"
		}
		return "\x00" + t.Value + "\x00" + t.Datatype + "\x00" + t.Lang
	}
	slices.SortStableFunc(ts, func(a, b Triple) int {
		return cmp.Or(strings.Compare(key(a.S), key(b.S)), strings.Compare(key(a.P), key(b.P)), strings.Compare(key(a.O), key(b.O)))
	})
	// Labels: first the blank objects of named subjects, then theirs, and
	// so on down the tree, then any other; applied at once at the end.
	names := map[string]string{}
	label := func(t Term) {
		if _, ok := names[t.Value]; t.Kind == Blank && !ok {
			names[t.Value] = fmt.Sprintf("b%d", len(names))
		}
	}
	for _, t := range ts {
		if t.S.Kind != Blank {
			label(t.O)
		}
	}
	for n := -1; n != len(names); {
		n = len(names)
		for _, t := range ts {
			if _, ok := names[t.S.Value]; ok && t.S.Kind == Blank {
				label(t.O)
			}
		}
	}
	for _, t := range ts {
		label(t.S)
		label(t.O)
	}
	for i := range ts {
		for _, x := range []*Term{&ts[i].S, &ts[i].O} {
			if x.Kind == Blank {
				x.Value = names[x.Value]
			}
		}
	}
	full := func(t Term) string {
		return fmt.Sprint(t.Kind) + "\x00" + t.Value + "\x00" + t.Datatype + "\x00" + t.Lang
	}
	slices.SortFunc(ts, func(a, b Triple) int {
		return cmp.Or(strings.Compare(full(a.S), full(b.S)), strings.Compare(full(a.P), full(b.P)), strings.Compare(full(a.O), full(b.O)))
	})
	return slices.CompactFunc(ts, func(a, b Triple) bool { return a == b })
}

// WriteNTriples writes the triples as N-Triples.
func WriteNTriples(w io.Writer, ts []Triple) error {
	var b bytes.Buffer
	for _, t := range ts {
		b.WriteString(ntTerm(t.S) + " " + ntTerm(t.P) + " " + ntTerm(t.O) + " .\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}

func ntTerm(t Term) string {
	switch t.Kind {
	case Blank:
		return "_:" + t.Value
	case Literal:
		s := `"` + escapeString(t.Value) + `"`
		if t.Lang != "" {
			return s + "@" + t.Lang
		}
		if t.Datatype != "" {
			return s + "^^<" + escapeIRI(t.Datatype) + ">"
		}
		return s
	}
	return "<" + escapeIRI(t.Value) + ">"
}

// escapeString escapes a literal for N-Triples and Turtle (ECHAR).
func escapeString(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// escapeIRI escapes the characters an IRIREF may not hold.
func escapeIRI(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r <= 0x20 || strings.ContainsRune(`<>"{}|^`+"`\\", r) {
			fmt.Fprintf(&b, `\u%04X`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Prefix binds a short name to a namespace, for Turtle and RDF/XML.
type Prefix struct{ Name, IRI string }

// WriteTurtle writes the triples as Turtle: the prefixes, then one block
// per subject.
func WriteTurtle(w io.Writer, ts []Triple, prefixes []Prefix) error {
	var b bytes.Buffer
	used := usedPrefixes(ts, prefixes)
	for _, p := range used {
		fmt.Fprintf(&b, "@prefix %s: <%s> .\n", p.Name, escapeIRI(p.IRI))
	}
	name := func(t Term) string {
		if t.Kind == IRI {
			if q, ok := qname(t.Value, used); ok {
				return q
			}
		}
		if t.Kind == Literal && t.Datatype != "" && t.Lang == "" {
			if q, ok := qname(t.Datatype, used); ok {
				return `"` + escapeString(t.Value) + `"^^` + q
			}
		}
		return ntTerm(t)
	}
	for i, t := range ts {
		switch {
		case i > 0 && ts[i-1].S == t.S && ts[i-1].P == t.P:
			b.WriteString(" ,\n        " + name(t.O))
			continue
		case i > 0 && ts[i-1].S == t.S:
			b.WriteString(" ;\n    ")
		default:
			if i > 0 {
				b.WriteString(" .\n")
			}
			b.WriteString("\n" + name(t.S) + "\n    ")
		}
		p := name(t.P)
		if t.P.Value == rdfType {
			p = "a"
		}
		b.WriteString(p + " " + name(t.O))
	}
	if len(ts) > 0 {
		b.WriteString(" .\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}

const rdfNS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
const rdfType = rdfNS + "type"

// qname writes iri as prefix:local when a prefix fits and the local part
// is a plain name (letters, digits, _ and -, not starting with a digit or
// -).
func qname(iri string, prefixes []Prefix) (string, bool) {
	for _, p := range prefixes {
		local, ok := strings.CutPrefix(iri, p.IRI)
		if ok && plainName(local) {
			return p.Name + ":" + local, true
		}
	}
	return "", false
}

func plainName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		letter := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if i == 0 && !letter {
			return false
		}
		if !letter && r != '-' && !(r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// usedPrefixes are the prefixes some IRI of ts uses, in the given order.
func usedPrefixes(ts []Triple, prefixes []Prefix) []Prefix {
	var out []Prefix
	for _, p := range prefixes {
		uses := func(t Term) bool {
			return (t.Kind == IRI && strings.HasPrefix(t.Value, p.IRI)) || (t.Kind == Literal && strings.HasPrefix(t.Datatype, p.IRI))
		}
		if slices.ContainsFunc(ts, func(t Triple) bool { return uses(t.S) || uses(t.P) || uses(t.O) }) {
			out = append(out, p)
		}
	}
	return out
}

// WriteRDFXML writes the triples as RDF/XML: one rdf:Description per
// subject, blank nodes by rdf:nodeID. Every predicate must end in a name
// that an XML element can have (true of DCAT-AP's).
func WriteRDFXML(w io.Writer, ts []Triple, prefixes []Prefix) error {
	ps := append([]Prefix{{Name: "rdf", IRI: rdfNS}}, prefixes...)
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<rdf:RDF")
	for _, p := range usedPrefixes(ts, ps) {
		if p.Name == "rdf" {
			continue
		}
		fmt.Fprintf(&b, "\n    xmlns:%s=\"%s\"", p.Name, xmlEscape(p.IRI))
	}
	fmt.Fprintf(&b, "\n    xmlns:rdf=\"%s\">\n", rdfNS)
	for i, t := range ts {
		if i == 0 || ts[i-1].S != t.S {
			if i > 0 {
				b.WriteString("  </rdf:Description>\n")
			}
			if t.S.Kind == Blank {
				fmt.Fprintf(&b, "  <rdf:Description rdf:nodeID=\"%s\">\n", t.S.Value)
			} else {
				fmt.Fprintf(&b, "  <rdf:Description rdf:about=\"%s\">\n", xmlEscape(t.S.Value))
			}
		}
		el, ok := qname(t.P.Value, ps)
		if !ok {
			return fmt.Errorf("rdf: no prefix makes an XML name of the predicate %s", t.P.Value)
		}
		switch t.O.Kind {
		case IRI:
			fmt.Fprintf(&b, "    <%s rdf:resource=\"%s\"/>\n", el, xmlEscape(t.O.Value))
		case Blank:
			fmt.Fprintf(&b, "    <%s rdf:nodeID=\"%s\"/>\n", el, t.O.Value)
		default:
			attr := ""
			if t.O.Lang != "" {
				attr = fmt.Sprintf(" xml:lang=\"%s\"", xmlEscape(t.O.Lang))
			} else if t.O.Datatype != "" {
				attr = fmt.Sprintf(" rdf:datatype=\"%s\"", xmlEscape(t.O.Datatype))
			}
			fmt.Fprintf(&b, "    <%s%s>%s</%s>\n", el, attr, xmlEscape(t.O.Value), el)
		}
	}
	if len(ts) > 0 {
		b.WriteString("  </rdf:Description>\n")
	}
	b.WriteString("</rdf:RDF>\n")
	_, err := w.Write(b.Bytes())
	return err
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
