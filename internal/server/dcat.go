package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/socle-geo/socle/internal/metadata"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/rdf"
)

// DCAT-AP 2 (with the GeoDCAT-AP properties for extents and CRS) as
// JSON-LD, for the national open-data portals: the catalogue, its
// datasets with both languages' texts, their distributions (the bulk
// downloads and the dataset's API) and the download service.

const dcatContext = `{
  "dcat": "http://www.w3.org/ns/dcat#",
  "dct": "http://purl.org/dc/terms/",
  "foaf": "http://xmlns.com/foaf/0.1/",
  "vcard": "http://www.w3.org/2006/vcard/ns#",
  "locn": "http://www.w3.org/ns/locn#",
  "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
  "xsd": "http://www.w3.org/2001/XMLSchema#",
  "gsp": "http://www.opengis.net/ont/geosparql#",
  "adms": "http://www.w3.org/ns/adms#",
  "skos": "http://www.w3.org/2004/02/skos/core#"
}`

// euThemes maps INSPIRE themes to the EU data themes DCAT-AP asks for.
var euThemes = map[string]string{"ad": "REGI", "au": "REGI", "tn": "TRAN", "lc": "ENVI", "lu": "REGI"}

// themeLabels are the French and English labels of the themes (INSPIRE
// theme register, EU data theme table): a skos:Concept has a prefLabel.
var themeLabels = map[string][2]string{
	"ad": {"Adresses", "Addresses"}, "au": {"Unités administratives", "Administrative units"},
	"tn": {"Réseaux de transport", "Transport networks"}, "lc": {"Occupation des terres", "Land cover"},
	"lu":   {"Usage des sols", "Land use"},
	"REGI": {"Régions et villes", "Regions and cities"}, "TRAN": {"Transports", "Transport"},
	"ENVI": {"Environnement", "Environment"},
}

// concept is a theme as a skos:Concept with its labels.
func concept(uri, code string) ld {
	c := typed(uri, "skos:Concept")
	if l, ok := themeLabels[code]; ok {
		c["skos:prefLabel"] = langs(l[0], l[1])
	}
	return c
}

// euFileTypes are the EU file type authority's codes of the formats.
var euFileTypes = map[string]string{"geojson": "GEOJSON", "gpkg": "GPKG"}

type ld = map[string]any

func langs(fr, en string) []ld {
	out := []ld{{"@value": strings.TrimSpace(fr), "@language": "fr"}}
	if en != "" {
		out = append(out, ld{"@value": strings.TrimSpace(en), "@language": "en"})
	}
	return out
}

func id(u string) ld { return ld{"@id": u} }

// typed is a resource with its class: the DCAT-AP range shapes check the
// class of every object, and a harvester has no ontology to infer it from.
func typed(u string, class ...string) ld {
	if len(class) == 1 {
		return ld{"@id": u, "@type": class[0]}
	}
	return ld{"@id": u, "@type": class}
}

// euLanguage is a language of the EU's authority table.
func euLanguage(code string) ld {
	return typed("http://publications.europa.eu/resource/authority/language/"+code, "dct:LinguisticSystem")
}

func dateTime(t time.Time) ld {
	return ld{"@value": t.UTC().Format(time.RFC3339), "@type": "xsd:dateTime"}
}

func day(t time.Time) ld { return ld{"@value": t.Format("2006-01-02"), "@type": "xsd:date"} }

// RDF syntaxes of the DCAT-AP document: JSON-LD (the default), Turtle,
// RDF/XML, N-Triples.
var dcatSyntaxes = []struct {
	media string
	names []string // f values and other media types
}{
	{"application/ld+json", []string{"jsonld", "json-ld", "application/json"}},
	{"text/turtle", []string{"ttl", "turtle", "application/x-turtle"}},
	{"application/rdf+xml", []string{"rdf", "rdfxml", "xml", "application/xml", "text/xml"}},
	{"application/n-triples", []string{"nt", "ntriples", "text/plain"}},
}

// dcatSyntax picks the syntax: the f parameter, else Accept (*/*: JSON-LD).
func dcatSyntax(r *http.Request) (media string, ok bool) {
	match := func(v string) string {
		v = strings.ToLower(v)
		for _, sy := range dcatSyntaxes {
			if v == sy.media || slices.Contains(sy.names, v) {
				return sy.media
			}
		}
		return ""
	}
	if f := r.URL.Query().Get("f"); f != "" {
		m := match(f)
		return m, m != ""
	}
	accept := r.Header.Get("Accept")
	if accept == "" {
		return dcatSyntaxes[0].media, true
	}
	best, bestQ := "", 0.0
	for _, part := range strings.Split(accept, ",") {
		mt, q := mediaRange(part)
		m := match(mt)
		if mt == "*/*" || mt == "application/*" {
			m = dcatSyntaxes[0].media
		}
		if m != "" && q > bestQ {
			best, bestQ = m, q
		}
	}
	return best, best != ""
}

// wantsDCAT reports whether a request to the landing page asks for the
// DCAT-AP document (Accept: application/ld+json, text/turtle or
// application/rdf+xml preferred to JSON and HTML, or f=jsonld…).
func wantsDCAT(r *http.Request) bool {
	if f := r.URL.Query().Get("f"); f != "" {
		m, ok := dcatSyntax(r)
		return ok && m != "application/ld+json" || strings.EqualFold(f, "jsonld") || strings.EqualFold(f, "json-ld")
	}
	rdfQ, otherQ := 0.0, 0.0
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, q := mediaRange(part)
		switch mt {
		case "application/ld+json", "text/turtle", "application/rdf+xml", "application/n-triples":
			rdfQ = max(rdfQ, q)
		case "application/json", "application/geo+json", "text/html", "application/xhtml+xml", "*/*":
			otherQ = max(otherQ, q)
		}
	}
	return rdfQ > 0 && rdfQ >= otherQ
}

// dcat serves the DCAT-AP document: of the whole catalogue on the root
// API, of one dataset on a dataset's API.
func (s *Server) dcat(w http.ResponseWriter, r *http.Request) {
	if s.noMetadata(w, r) {
		return
	}
	media, ok := dcatSyntax(r)
	if !ok {
		var names []string
		for _, sy := range dcatSyntaxes {
			names = append(names, sy.media)
		}
		s.problemStatus(w, r, http.StatusNotAcceptable, "the DCAT-AP document is available as: "+strings.Join(names, ", "), names...)
		return
	}
	if !s.checkParams(w, r, nil) {
		return
	}
	doc, err := s.dcatDoc(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	body, err := json.Marshal(doc)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if media != "application/ld+json" {
		triples, err := rdf.FromJSONLD(body)
		if err != nil {
			s.problem(w, r, &socle.Error{Code: socle.EINTERNAL, Message: "the DCAT-AP document could not be written", Err: err})
			return
		}
		var buf bytes.Buffer
		switch media {
		case "text/turtle":
			err = rdf.WriteTurtle(&buf, triples, dcatPrefixes)
		case "application/rdf+xml":
			err = rdf.WriteRDFXML(&buf, triples, dcatPrefixes)
		default:
			err = rdf.WriteNTriples(&buf, triples)
		}
		if err != nil {
			s.problem(w, r, &socle.Error{Code: socle.EINTERNAL, Message: "the DCAT-AP document could not be written", Err: err})
			return
		}
		body = buf.Bytes()
		if media != "application/n-triples" {
			media += "; charset=utf-8"
		}
	}
	// The document holds both languages.
	writeBody(w, r, media, "fr, en", body)
}

// dcatPrefixes are the namespaces of the Turtle and RDF/XML encodings.
var dcatPrefixes = func() []rdf.Prefix {
	var ctx map[string]string
	if err := json.Unmarshal([]byte(dcatContext), &ctx); err != nil {
		panic(err) // a constant
	}
	var out []rdf.Prefix
	for name, iri := range ctx {
		out = append(out, rdf.Prefix{Name: name, IRI: iri})
	}
	slices.SortFunc(out, func(a, b rdf.Prefix) int { return strings.Compare(a.Name, b.Name) })
	return out
}()

// dcatDoc is the DCAT-AP document as JSON-LD.
func (s *Server) dcatDoc(r *http.Request) (ld, error) {
	base := s.rootBase(r)
	states, err := s.meta.Datasets(r.Context())
	if err != nil {
		return nil, err
	}
	self := base + "/dcat"
	if s.dataset != nil {
		// A dataset's API: its dataset only.
		states = slices.DeleteFunc(states, func(st *metadata.State) bool { return st.Dataset.ID != s.dataset.ID })
		self = base + "/datasets/" + s.dataset.ID + "/dcat"
	}
	files := s.meta.Files()
	o := files.Organisation
	publisher := ld{"@type": "foaf:Agent", "foaf:name": langs(o.Name.FR, o.Name.EN), "foaf:mbox": id("mailto:" + o.Email)}
	if o.Website != "" {
		publisher["foaf:homepage"] = id(o.Website)
	}
	contact := ld{"@type": []string{"vcard:Organization", "vcard:Kind"}, "vcard:fn": o.Name.FR, "vcard:hasEmail": id("mailto:" + o.Email)}
	licence := typed(files.Licence.Href, "dct:LicenseDocument")
	var datasets, served []any
	for _, st := range states {
		d := st.Dataset
		uri := base + "/datasets/" + d.ID
		served = append(served, id(uri))
		ds := ld{
			"@id":                   uri,
			"@type":                 "dcat:Dataset",
			"dct:identifier":        uri,
			"adms:identifier":       ld{"@type": "adms:Identifier", "skos:notation": files.RecordID(d.ID)},
			"dct:title":             langs(d.Title.FR, d.Title.EN),
			"dct:description":       langs(d.Abstract.FR, d.Abstract.EN),
			"dct:issued":            day(d.Created.Time),
			"dct:publisher":         publisher,
			"dcat:contactPoint":     contact,
			"dct:accessRights":      typed("http://publications.europa.eu/resource/authority/access-right/PUBLIC", "dct:RightsStatement"),
			"dct:language":          euLanguage("FRA"),
			"dct:provenance":        ld{"@type": "dct:ProvenanceStatement", "rdfs:label": langs(d.Lineage.FR, d.Lineage.EN)},
			"dcat:landingPage":      typed(base+"/metadata/"+files.RecordID(d.ID)+"?f=html", "foaf:Document"),
			"foaf:isPrimaryTopicOf": typed(base+"/metadata/"+files.RecordID(d.ID)+"?f=xml", "foaf:Document"),
		}
		var kw []any
		for _, k := range d.Keywords.FR {
			kw = append(kw, ld{"@value": k, "@language": "fr"})
		}
		for _, k := range d.Keywords.EN {
			kw = append(kw, ld{"@value": k, "@language": "en"})
		}
		ds["dcat:keyword"] = kw
		var themes []any
		seen := map[string]bool{}
		for _, t := range d.Themes {
			themes = append(themes, concept("http://inspire.ec.europa.eu/theme/"+t, t))
			if eu := euThemes[t]; eu != "" && !seen[eu] {
				seen[eu] = true
				themes = append(themes, concept("http://publications.europa.eu/resource/authority/data-theme/"+eu, eu))
			}
		}
		ds["dcat:theme"] = themes
		if !st.Revision.IsZero() {
			ds["dct:modified"] = dateTime(st.Revision)
		}
		if b := st.BBox; b != nil {
			wkt := fmt.Sprintf("POLYGON((%[1]g %[2]g,%[3]g %[2]g,%[3]g %[4]g,%[1]g %[4]g,%[1]g %[2]g))", b.MinX, b.MinY, b.MaxX, b.MaxY)
			ds["dct:spatial"] = ld{"@type": "dct:Location", "dcat:bbox": ld{"@value": wkt, "@type": "gsp:wktLiteral"}}
		}
		if st.Start != nil && st.End != nil {
			ds["dct:temporal"] = ld{"@type": "dct:PeriodOfTime", "dcat:startDate": dateTime(*st.Start), "dcat:endDate": dateTime(*st.End)}
		}
		var crs []any
		for _, c := range metadata.CRS() {
			crs = append(crs, typed(c, "dct:Standard"))
		}
		ds["dct:conformsTo"] = crs
		var dists []any
		for _, c := range st.Collections {
			for _, f := range s.meta.Formats() {
				u := metadata.DownloadURL(base, d.ID, c.ID, f)
				dists = append(dists, ld{
					"@id": u, "@type": "dcat:Distribution",
					"dct:title":        langs(c.Title.FR+" ("+f.Name+")", c.Title.EN+" ("+f.Name+")"),
					"dcat:accessURL":   id(u),
					"dcat:downloadURL": id(u),
					"dcat:mediaType":   typed(f.Href, "dct:MediaType", "dct:MediaTypeOrExtent"),
					"dct:format":       typed("http://publications.europa.eu/resource/authority/file-type/"+euFileTypes[f.Ext], "dct:MediaTypeOrExtent"),
					"dct:license":      licence,
				})
			}
		}
		dists = append(dists, ld{
			"@id": uri + "/", "@type": "dcat:Distribution",
			"dct:title":          langs("API OGC – Features du jeu de données", "OGC API – Features of the dataset"),
			"dcat:accessURL":     id(uri + "/"),
			"dcat:accessService": id(base + "/"),
			"dct:conformsTo":     typed("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core", "dct:Standard"),
			"dct:license":        licence,
		})
		ds["dcat:distribution"] = dists
		datasets = append(datasets, ds)
	}
	down := files.Services[metadata.ServiceDownload]
	cat := files.Services[metadata.ServiceDiscovery]
	doc := ld{
		"@context":        json.RawMessage(dcatContext),
		"@id":             self,
		"@type":           "dcat:Catalog",
		"dct:title":       langs(cat.Title.FR, cat.Title.EN),
		"dct:description": langs(cat.Abstract.FR, cat.Abstract.EN),
		"dct:publisher":   publisher,
		"dct:modified":    dateTime(metadata.Modified(files, states)),
		"dct:language":    []any{euLanguage("FRA"), euLanguage("ENG")},
		"dct:license":     licence,
		"foaf:homepage":   typed(base+"/", "foaf:Document"),
		"dcat:dataset":    datasets,
		"dcat:service": []any{ld{
			"@id": base + "/", "@type": "dcat:DataService",
			"dct:title":                langs(down.Title.FR, down.Title.EN),
			"dct:description":          langs(down.Abstract.FR, down.Abstract.EN),
			"dcat:endpointURL":         id(base + "/"),
			"dcat:endpointDescription": id(base + "/api"),
			"dct:conformsTo":           typed("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core", "dct:Standard"),
			"dcat:servesDataset":       served,
			"dct:license":              licence,
		}},
	}
	return doc, nil
}
