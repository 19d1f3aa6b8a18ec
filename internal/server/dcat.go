package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/socle-geo/socle/internal/metadata"
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
  "adms": "http://www.w3.org/ns/adms#"
}`

// euThemes maps INSPIRE themes to the EU data themes DCAT-AP asks for.
var euThemes = map[string]string{"ad": "REGI", "au": "REGI", "tn": "TRAN", "lc": "ENVI", "lu": "REGI"}

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

func dateTime(t time.Time) ld {
	return ld{"@value": t.UTC().Format(time.RFC3339), "@type": "xsd:dateTime"}
}

func day(t time.Time) ld { return ld{"@value": t.Format("2006-01-02"), "@type": "xsd:date"} }

func (s *Server) dcat(w http.ResponseWriter, r *http.Request) {
	if s.noMetadata(w, r) {
		return
	}
	if !s.checkParams(w, r, nil) {
		return
	}
	base := s.rootBase(r)
	states, err := s.meta.Datasets(r.Context())
	if err != nil {
		s.problem(w, r, err)
		return
	}
	files := s.meta.Files()
	o := files.Organisation
	publisher := ld{"@type": "foaf:Agent", "foaf:name": langs(o.Name.FR, o.Name.EN), "foaf:mbox": id("mailto:" + o.Email)}
	if o.Website != "" {
		publisher["foaf:homepage"] = id(o.Website)
	}
	contact := ld{"@type": "vcard:Organization", "vcard:fn": o.Name.FR, "vcard:hasEmail": id("mailto:" + o.Email)}
	licence := id(files.Licence.Href)
	var datasets, served []any
	for _, st := range states {
		d := st.Dataset
		uri := base + "/datasets/" + d.ID
		served = append(served, id(uri))
		ds := ld{
			"@id":                   uri,
			"@type":                 "dcat:Dataset",
			"dct:identifier":        uri,
			"adms:identifier":       files.RecordID(d.ID),
			"dct:title":             langs(d.Title.FR, d.Title.EN),
			"dct:description":       langs(d.Abstract.FR, d.Abstract.EN),
			"dct:issued":            day(d.Created.Time),
			"dct:publisher":         publisher,
			"dcat:contactPoint":     contact,
			"dct:accessRights":      id("http://publications.europa.eu/resource/authority/access-right/PUBLIC"),
			"dct:language":          id("http://publications.europa.eu/resource/authority/language/FRA"),
			"dct:provenance":        ld{"@type": "dct:ProvenanceStatement", "rdfs:label": langs(d.Lineage.FR, d.Lineage.EN)},
			"dcat:landingPage":      id(base + "/metadata/" + files.RecordID(d.ID) + "?f=html"),
			"foaf:isPrimaryTopicOf": id(base + "/metadata/" + files.RecordID(d.ID) + "?f=xml"),
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
			themes = append(themes, id("http://inspire.ec.europa.eu/theme/"+t))
			if eu := euThemes[t]; eu != "" && !seen[eu] {
				seen[eu] = true
				themes = append(themes, id("http://publications.europa.eu/resource/authority/data-theme/"+eu))
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
			crs = append(crs, id(c))
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
					"dcat:mediaType":   id(f.Href),
					"dct:format":       id("http://publications.europa.eu/resource/authority/file-type/" + euFileTypes[f.Ext]),
					"dct:license":      licence,
				})
			}
		}
		dists = append(dists, ld{
			"@id": uri + "/", "@type": "dcat:Distribution",
			"dct:title":          langs("API OGC – Features du jeu de données", "OGC API – Features of the dataset"),
			"dcat:accessURL":     id(uri + "/"),
			"dcat:accessService": id(base + "/"),
			"dct:conformsTo":     id("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"),
			"dct:license":        licence,
		})
		ds["dcat:distribution"] = dists
		datasets = append(datasets, ds)
	}
	down := files.Services[metadata.ServiceDownload]
	cat := files.Services[metadata.ServiceDiscovery]
	doc := ld{
		"@context":        json.RawMessage(dcatContext),
		"@id":             base + "/dcat",
		"@type":           "dcat:Catalog",
		"dct:title":       langs(cat.Title.FR, cat.Title.EN),
		"dct:description": langs(cat.Abstract.FR, cat.Abstract.EN),
		"dct:publisher":   publisher,
		"dct:modified":    dateTime(metadata.Modified(files, states)),
		"dct:language":    []any{id("http://publications.europa.eu/resource/authority/language/FRA"), id("http://publications.europa.eu/resource/authority/language/ENG")},
		"dct:license":     licence,
		"foaf:homepage":   id(base + "/"),
		"dcat:dataset":    datasets,
		"dcat:service": []any{ld{
			"@id": base + "/", "@type": "dcat:DataService",
			"dct:title":                langs(down.Title.FR, down.Title.EN),
			"dct:description":          langs(down.Abstract.FR, down.Abstract.EN),
			"dcat:endpointURL":         id(base + "/"),
			"dcat:endpointDescription": id(base + "/api"),
			"dct:conformsTo":           id("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"),
			"dcat:servesDataset":       served,
			"dct:license":              licence,
		}},
	}
	body, err := json.Marshal(doc)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeBody(w, r, "application/ld+json", "", body)
}
