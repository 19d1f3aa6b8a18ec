package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/socle-geo/socle/internal/metadata"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/features"
	"github.com/socle-geo/socle/ogc/iso19139"
)

// OGC API – Records – Part 1: Core (OGC 20-004r1): the same records as the
// CSW, as a searchable catalogue that is a collection of the root API
// (/collections/catalogue, itemType record), as Records clients look for
// it: they read /collections and pick the collection whose itemType is
// record. Its items are GeoJSON record features (q, bbox, datetime, type,
// keywords, sortby; paged by limit and offset). The old path /catalogue
// redirects there.
//
// Feature clients that ignore itemType (GDAL's OAPIF driver up to 3.10
// lists every collection that is not a raster) see it as one more layer:
// its items are GeoJSON features with a polygon and flat properties, so
// that layer loads (TestGDALListsTheCatalogue).

const recordsConf = "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/"

// catalogueID is the id of the catalogue among the collections.
const catalogueID = "catalogue"

// cataloguePath is the path of the catalogue collection.
const cataloguePath = "/collections/" + catalogueID

// recordsConformance are the Records classes the root API passes: the
// record and catalogue encodings, the Records API with its query
// parameters and sorting, as a searchable catalogue, in JSON and HTML.
var recordsConformance = []string{
	recordsConf + "record-core",
	recordsConf + "record-collection",
	recordsConf + "record-api",
	recordsConf + "record-core-query-parameters",
	recordsConf + "sorting",
	recordsConf + "searchable-catalog",
	recordsConf + "searchable-catalog/sorting",
	recordsConf + "json",
	recordsConf + "html",
}

// conformance returns the classes this API declares: the root API adds
// the Records classes when it serves the catalogue.
func (s *Server) conformsTo() []string {
	if s.meta == nil || s.dataset != nil {
		return conformsTo
	}
	return append(slices.Clip(conformsTo), recordsConformance...)
}

func (s *Server) recordsRoutes(r chi.Router) {
	r.Get(cataloguePath, s.catalogueDoc)
	r.Get(cataloguePath+"/items", s.catalogueItems)
	r.Get(cataloguePath+"/items/{recordId}", s.catalogueItem)
	r.Get(cataloguePath+"/queryables", s.catalogueQueryables)
	r.Get(cataloguePath+"/sortables", s.catalogueSortables)
	r.Get("/catalogue", s.catalogueMoved)
	r.Get("/catalogue/*", s.catalogueMoved)
	r.Get("/dcat", s.dcat)
}

// catalogueMoved redirects the catalogue's old paths (/catalogue/…) to
// the collection, with the query.
func (s *Server) catalogueMoved(w http.ResponseWriter, r *http.Request) {
	u := s.rootBase(r) + cataloguePath + strings.TrimPrefix(r.URL.Path, "/catalogue")
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, u, http.StatusMovedPermanently)
}

// recordFeature is a record as OGC API – Records writes it.
type recordFeature struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Geometry   any             `json:"geometry"`
	Time       any             `json:"time"`
	ConformsTo []string        `json:"conformsTo"`
	Properties recordProps     `json:"properties"`
	Links      []features.Link `json:"links"`
}

type recordProps struct {
	Type        string              `json:"type"`
	Title       string              `json:"title"`
	Description string              `json:"description"`
	Keywords    []string            `json:"keywords,omitempty"`
	Themes      []recordTheme       `json:"themes,omitempty"`
	Language    map[string]string   `json:"language"`
	Created     string              `json:"created,omitempty"`
	Updated     string              `json:"updated,omitempty"`
	Contacts    []recordContact     `json:"contacts,omitempty"`
	License     string              `json:"license,omitempty"`
	Rights      string              `json:"rights,omitempty"`
	Formats     []map[string]string `json:"formats,omitempty"`
}

type recordTheme struct {
	Concepts []map[string]string `json:"concepts"`
	Scheme   string              `json:"scheme"`
}

type recordContact struct {
	Organization string              `json:"organization"`
	Emails       []map[string]string `json:"emails,omitempty"`
	Roles        []string            `json:"roles,omitempty"`
}

// recordTime is the time a record speaks of: its temporal extent, else
// the last revision (or publication) of the resource.
func recordTime(r iso19139.Record) (start, end time.Time) {
	if te := r.TemporalExtent; te != nil {
		return te.Begin, te.End
	}
	for _, typ := range []iso19139.DateType{iso19139.DateRevision, iso19139.DatePublication, iso19139.DateCreation} {
		for _, d := range r.Dates {
			if d.Type == typ {
				return d.Date, d.Date
			}
		}
	}
	return time.Time{}, time.Time{}
}

func (s *Server) recordFeature(r iso19139.Record, base, lang string) recordFeature {
	f := recordFeature{ID: r.FileIdentifier, Type: "Feature", ConformsTo: []string{"http://www.opengis.net/spec/ogcapi-records-1/1.0/req/record-core"}}
	if b := r.BBox; b != nil {
		f.Geometry = map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{b.West, b.South}, {b.East, b.South}, {b.East, b.North}, {b.West, b.North}, {b.West, b.South}}}}
	}
	if start, end := recordTime(r); !start.IsZero() {
		if start.Equal(end) {
			f.Time = map[string]string{"timestamp": start.UTC().Format(time.RFC3339)}
		} else {
			f.Time = map[string][]string{"interval": {start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339)}}
		}
	}
	p := recordProps{Type: string(r.HierarchyLevel), Title: r.Title, Description: r.Abstract,
		Language: map[string]string{"code": lang}, Updated: r.DateStamp.UTC().Format(time.RFC3339)}
	for _, d := range r.Dates {
		if d.Type == iso19139.DateCreation {
			p.Created = d.Date.UTC().Format(time.RFC3339)
		}
	}
	for _, ks := range r.Keywords {
		if ks.Thesaurus != nil {
			th := recordTheme{Scheme: ks.Thesaurus.Title.Href}
			for _, k := range ks.Keywords {
				th.Concepts = append(th.Concepts, map[string]string{"id": k.Text, "url": k.Href})
			}
			p.Themes = append(p.Themes, th)
			continue
		}
		for _, k := range ks.Keywords {
			p.Keywords = append(p.Keywords, k.Text)
		}
	}
	for _, c := range r.ResponsibleParties {
		p.Contacts = append(p.Contacts, recordContact{Organization: c.Organisation, Emails: []map[string]string{{"value": c.Email}}, Roles: []string{c.Role}})
	}
	for _, u := range r.UseConstraints {
		p.License = "other"
		p.Rights = u.Text
	}
	for _, fm := range r.Formats {
		p.Formats = append(p.Formats, map[string]string{"name": fm.Name})
	}
	f.Properties = p
	rec := base + "/metadata/" + r.FileIdentifier
	f.Links = []features.Link{
		{Href: base + cataloguePath + "/items/" + r.FileIdentifier, Rel: "self", Type: features.MediaGeoJSON},
		{Href: rec + "?f=xml", Rel: "describedby", Type: "application/xml", Title: "ISO 19139"},
		{Href: rec + "?f=html", Rel: "alternate", Type: features.MediaHTML, Title: r.Title},
		{Href: base + cataloguePath, Rel: "collection", Type: features.MediaJSON},
	}
	for _, u := range r.UseConstraints {
		if u.Href != "" {
			f.Links = append(f.Links, features.Link{Href: u.Href, Rel: "license", Type: features.MediaHTML, Title: u.Text})
		}
	}
	for _, o := range r.OnlineResources {
		rel := "related"
		switch o.Function {
		case "download":
			rel = "enclosure"
			if o.ProtocolHref == iso19139.ProtocolOGCAPIFeatures {
				rel = "service"
			}
		case "search":
			rel = "service"
		case "information":
			continue // the alternate link
		}
		f.Links = append(f.Links, features.Link{Href: o.URL, Rel: rel, Title: o.Name})
	}
	return f
}

// catalogueCollection describes the catalogue as a collection: its
// records' extent, its items, queryables and sortables, and its other
// encodings (DCAT-AP, CSW). ok is false on an API without the catalogue
// (no metadata files, or a dataset's API).
func (s *Server) catalogueCollection(r *http.Request, lang string) (doc features.Collection, ok bool, err error) {
	if s.meta == nil || s.dataset != nil {
		return doc, false, nil
	}
	states, err := s.meta.Datasets(r.Context())
	if err != nil {
		return doc, false, err
	}
	base := s.rootBase(r)
	svc := s.meta.Files().Services[metadata.ServiceDiscovery]
	doc = features.Collection{
		ID:          catalogueID,
		Type:        "Catalog",
		Title:       svc.Title.In(lang),
		Description: strings.TrimSpace(svc.Abstract.In(lang)),
		ItemType:    "record",
		Links: []features.Link{
			{Href: base + cataloguePath, Rel: "self", Type: features.MediaJSON, Title: svc.Title.In(lang)},
			{Href: base + cataloguePath + "?f=html", Rel: "alternate", Type: features.MediaHTML, Title: svc.Title.In(lang)},
			{Href: base + cataloguePath + "/items", Rel: "items", Type: features.MediaGeoJSON, Title: t(lang, "Les fiches", "The records")},
			{Href: base + cataloguePath + "/items?f=html", Rel: "items", Type: features.MediaHTML, Title: t(lang, "Les fiches", "The records")},
			{Href: base + cataloguePath + "/queryables", Rel: features.RelQueryables, Type: features.MediaSchema, Title: t(lang, "Propriétés interrogeables", "Queryable properties")},
			{Href: base + cataloguePath + "/sortables", Rel: features.RelSortables, Type: features.MediaSchema, Title: t(lang, "Propriétés de tri", "Sortable properties")},
			{Href: base + "/dcat", Rel: "alternate", Type: "application/ld+json", Title: "DCAT-AP"},
			{Href: base + "/csw?service=CSW&request=GetCapabilities", Rel: "alternate", Type: "application/xml", Title: "CSW 2.0.2"},
			s.licenceLink(lang),
		},
	}
	doc.Keywords = svc.Keywords.In(lang)
	var box *socle.BBox
	for _, st := range states {
		b := st.BBox
		if b == nil {
			continue
		}
		if box == nil {
			x := *b
			box = &x
			continue
		}
		box.MinX, box.MinY = min(box.MinX, b.MinX), min(box.MinY, b.MinY)
		box.MaxX, box.MaxY = max(box.MaxX, b.MaxX), max(box.MaxY, b.MaxY)
	}
	if box != nil {
		doc.Extent = &features.Extent{Spatial: &features.SpatialExtent{
			BBox: [][]float64{{round(box.MinX), round(box.MinY), round(box.MaxX), round(box.MaxY)}},
			CRS:  features.CRS84,
		}}
	}
	return doc, true, nil
}

func (s *Server) catalogueDoc(w http.ResponseWriter, r *http.Request) {
	if s.noMetadata(w, r) {
		return
	}
	f, ok := s.format(w, r, FormatJSON, FormatHTML)
	if !ok || !s.checkParams(w, r, nil) {
		return
	}
	lang := language(r)
	if f == FormatHTML {
		// The catalogue's page is the list of its records.
		u := s.rootBase(r) + cataloguePath + "/items?f=html"
		if lang == "en" {
			u += "&lang=en"
		}
		http.Redirect(w, r, u, http.StatusSeeOther)
		return
	}
	doc, _, err := s.catalogueCollection(r, lang)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	s.respond(w, r, f, lang, doc, "catalogue", nil)
}

// recordSortables are the properties records sort by, with how each
// compares.
var recordSortables = map[string]func(a, b iso19139.Record) int{
	"id": func(a, b iso19139.Record) int { return strings.Compare(a.FileIdentifier, b.FileIdentifier) },
	"title": func(a, b iso19139.Record) int {
		return strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title))
	},
	"type": func(a, b iso19139.Record) int {
		return strings.Compare(string(a.HierarchyLevel), string(b.HierarchyLevel))
	},
	"updated": func(a, b iso19139.Record) int {
		return a.DateStamp.Compare(b.DateStamp)
	},
	"created": func(a, b iso19139.Record) int { return recordCreated(a).Compare(recordCreated(b)) },
}

// recordCreated is the creation date of the resource, zero when none.
func recordCreated(r iso19139.Record) time.Time {
	for _, d := range r.Dates {
		if d.Type == iso19139.DateCreation {
			return d.Date
		}
	}
	return time.Time{}
}

// recordOrder parses sortby (name, +name or -name, comma-separated) into
// one comparison; the id breaks ties, so that pages never overlap.
func recordOrder(sortby string) (func(a, b iso19139.Record) int, error) {
	var keys []func(a, b iso19139.Record) int
	for _, term := range parseList(sortby) {
		desc := strings.HasPrefix(term, "-")
		name := strings.TrimLeft(term, "+-")
		cmp, ok := recordSortables[name]
		if !ok {
			return nil, &socle.Error{Code: socle.EINVALID, Message: "records cannot be sorted by " + strconv.Quote(name), Allowed: sortedKeysOf(recordSortables)}
		}
		if desc {
			asc := cmp
			cmp = func(a, b iso19139.Record) int { return -asc(a, b) }
		}
		keys = append(keys, cmp)
	}
	keys = append(keys, recordSortables["id"])
	return func(a, b iso19139.Record) int {
		for _, k := range keys {
			if c := k(a, b); c != 0 {
				return c
			}
		}
		return 0
	}, nil
}

func sortedKeysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// catalogueItems searches the records: q (terms in title, description or
// keywords), bbox (CRS84, intersecting), datetime (intersecting the
// record's time), type, keywords (any of them), sortby, limit and offset.
func (s *Server) catalogueItems(w http.ResponseWriter, r *http.Request) {
	if s.noMetadata(w, r) {
		return
	}
	f, ok := s.format(w, r, FormatJSON, FormatHTML)
	if !ok || !s.checkParams(w, r, []string{"q", "bbox", "datetime", "type", "keywords", "sortby", "limit", "offset"}) {
		return
	}
	lang := language(r)
	base := s.rootBase(r)
	v := r.URL.Query()
	limit, err := features.ParseLimit(v.Get("limit"), s.opts.DefaultLimit, s.opts.MaxLimit)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	offset := 0
	if v.Has("offset") {
		if offset, err = strconv.Atoi(v.Get("offset")); err != nil || offset < 0 {
			s.problem(w, r, &features.ParamError{Param: "offset", Msg: "a non-negative integer is expected"})
			return
		}
	}
	match, err := recordMatcher(v)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	order, err := recordOrder(v.Get("sortby"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	recs, err := s.meta.Records(r.Context(), base, lang)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var hits []iso19139.Record
	for _, rec := range recs {
		if match(rec) {
			hits = append(hits, rec)
		}
	}
	slices.SortStableFunc(hits, order)
	page := hits[min(offset, len(hits)):min(offset+limit, len(hits))]
	itemsURL := base + cataloguePath + "/items"
	if f == FormatHTML {
		var list []recordEntry
		for _, rec := range page {
			u := base + "/metadata/" + rec.FileIdentifier
			list = append(list, recordEntry{ID: rec.FileIdentifier, Title: rec.Title, Type: string(rec.HierarchyLevel), XML: u + "?f=xml", HTML: u + "?f=html"})
		}
		d := s.metaPage(r, lang, t(lang, "Catalogue", "Catalogue"))
		d.Crumbs = append(d.Crumbs, crumb{Label: d.Title})
		q := r.URL.Query()
		q.Set("f", "json")
		d.JSONHref = itemsURL + "?" + q.Encode()
		d.Doc = list
		d.Extra = map[string]any{"CSW": base + "/csw?service=CSW&request=GetCapabilities"}
		s.writeMetaPage(w, r, "metadata-list", d)
		return
	}
	feats := []recordFeature{}
	for _, rec := range page {
		feats = append(feats, s.recordFeature(rec, base, lang))
	}
	link := func(rel, typ string, off int) features.Link {
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(off))
		q.Set("limit", strconv.Itoa(limit))
		if typ == features.MediaHTML {
			q.Set("f", "html")
		} else {
			q.Del("f")
		}
		return features.Link{Href: itemsURL + "?" + q.Encode(), Rel: rel, Type: typ}
	}
	links := []features.Link{link("self", features.MediaGeoJSON, offset), link("alternate", features.MediaHTML, offset),
		{Href: base + cataloguePath, Rel: "collection", Type: features.MediaJSON}}
	if offset+limit < len(hits) {
		links = append(links, link("next", features.MediaGeoJSON, offset+limit))
	}
	if offset > 0 {
		links = append(links, link("prev", features.MediaGeoJSON, max(0, offset-limit)))
	}
	doc := map[string]any{
		"type": "FeatureCollection", "features": feats, "links": links,
		"numberMatched": len(hits), "numberReturned": len(feats), "timeStamp": s.opts.Now().UTC().Format(time.RFC3339),
	}
	body, err := json.Marshal(doc)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeBody(w, r, features.MediaGeoJSON, lang, body)
}

// recordSchema is the JSON Schema of the queryables (sortables: false)
// or sortables of the catalogue.
func (s *Server) recordSchema(r *http.Request, lang string, sortables bool) jsonSchema {
	str := func(fr, en string) prop { return prop{Title: t(lang, fr, en), Type: "string"} }
	doc := jsonSchema{Schema: "https://json-schema.org/draft/2020-12/schema", Type: "object",
		Title: s.meta.Files().Services[metadata.ServiceDiscovery].Title.In(lang), Properties: map[string]prop{
			"id":      {Title: t(lang, "Identifiant de la fiche", "Record identifier"), Type: "string", Role: "id"},
			"title":   str("Titre", "Title"),
			"type":    {Title: t(lang, "Type de ressource", "Resource type"), Type: "string", Enum: []string{"dataset", "service"}},
			"updated": {Title: t(lang, "Date de la fiche", "Record date"), Type: "string", Format: "date-time"},
			"created": {Title: t(lang, "Date de création de la ressource", "Creation date of the resource"), Type: "string", Format: "date-time"},
		}}
	if sortables {
		doc.ID = s.rootBase(r) + cataloguePath + "/sortables"
		return doc
	}
	doc.ID = s.rootBase(r) + cataloguePath + "/queryables"
	doc.Properties["description"] = str("Résumé", "Abstract")
	doc.Properties["keywords"] = prop{Title: t(lang, "Mots-clés (paramètre keywords)", "Keywords (keywords parameter)"), Type: "array"}
	doc.Properties["geometry"] = prop{Title: t(lang, "Emprise (paramètre bbox)", "Extent (bbox parameter)"), Format: "geometry-polygon", Role: "primary-geometry"}
	doc.Properties["time"] = prop{Title: t(lang, "Étendue temporelle (paramètre datetime)", "Temporal extent (datetime parameter)"), Type: "string", Format: "date-time", Role: "primary-interval-start"}
	f := false
	doc.AdditionalProperties = &f
	return doc
}

func (s *Server) catalogueQueryables(w http.ResponseWriter, r *http.Request) {
	s.serveRecordSchema(w, r, false)
}

func (s *Server) catalogueSortables(w http.ResponseWriter, r *http.Request) {
	s.serveRecordSchema(w, r, true)
}

func (s *Server) serveRecordSchema(w http.ResponseWriter, r *http.Request, sortables bool) {
	if s.noMetadata(w, r) {
		return
	}
	f, ok := s.format(w, r, FormatJSON)
	if !ok || !s.checkParams(w, r, nil) {
		return
	}
	lang := language(r)
	s.respond(w, r, f, lang, s.recordSchema(r, lang, sortables), "queryables", nil)
}

// declareCatalogue adds the catalogue's operations to the OpenAPI
// document of the root API.
func (s *Server) declareCatalogue(paths obj, lang string) {
	if s.meta == nil || s.dataset != nil {
		return
	}
	ref := func(name string) obj { return obj{"$ref": "#/components/parameters/" + name} }
	str := func(name, fr, en string) obj {
		return obj{"name": name, "in": "query", "required": false, "description": t(lang, fr, en), "style": "form", "explode": false,
			"schema": obj{"type": "array", "items": obj{"type": "string"}}}
	}
	ok := func(desc, media string) obj {
		return obj{"200": obj{"description": desc, "content": obj{media: obj{"schema": obj{"type": "object"}}}},
			"400": obj{"$ref": "#/components/responses/BadRequest"}, "404": obj{"$ref": "#/components/responses/NotFound"},
			"406": obj{"$ref": "#/components/responses/NotAcceptable"}}
	}
	op := func(id, summary string, params []any, responses obj) obj {
		return obj{"get": obj{"operationId": id, "summary": summary, "tags": []string{"Records"}, "parameters": params, "responses": responses}}
	}
	common := []any{ref("f"), ref("lang")}
	paths[cataloguePath] = op("describeCatalogue", t(lang, "Le catalogue (OGC API – Records)", "The catalogue (OGC API – Records)"), common,
		ok(t(lang, "Le catalogue, une collection de fiches", "The catalogue, a collection of records"), features.MediaJSON))
	paths[cataloguePath+"/items"] = op("getRecords", t(lang, "Chercher des fiches de métadonnées", "Search metadata records"),
		[]any{ref("f"), ref("lang"), ref("bbox"), ref("datetime"), ref("limit"),
			str("q", "Termes cherchés dans le titre, le résumé et les mots-clés (l’un d’eux)", "Terms searched in the title, abstract and keywords (any of them)"),
			str("type", "Type de ressource : dataset, service", "Resource type: dataset, service"),
			str("keywords", "Mots-clés (l’un d’eux)", "Keywords (any of them)"),
			str("sortby", "Tri : id, title, type, updated, created ; préfixe - pour décroissant", "Sort: id, title, type, updated, created; - prefix for descending"),
			obj{"name": "offset", "in": "query", "required": false, "schema": obj{"type": "integer", "minimum": 0, "default": 0}}},
		ok(t(lang, "Une page de fiches (GeoJSON)", "A page of records (GeoJSON)"), features.MediaGeoJSON))
	paths[cataloguePath+"/items/{recordId}"] = op("getRecord", t(lang, "Une fiche de métadonnées", "A metadata record"),
		[]any{obj{"name": "recordId", "in": "path", "required": true, "schema": obj{"type": "string"}}, ref("f"), ref("lang")},
		ok(t(lang, "Une fiche (GeoJSON)", "A record (GeoJSON)"), features.MediaGeoJSON))
	paths[cataloguePath+"/queryables"] = op("getRecordQueryables", t(lang, "Propriétés interrogeables des fiches", "Queryables of the records"), common,
		ok("JSON Schema", features.MediaSchema))
	paths[cataloguePath+"/sortables"] = op("getRecordSortables", t(lang, "Propriétés de tri des fiches", "Sortables of the records"), common,
		ok("JSON Schema", features.MediaSchema))
}

// recordMatcher compiles the search parameters.
func recordMatcher(v url.Values) (func(iso19139.Record) bool, error) {
	var tests []func(iso19139.Record) bool
	words := func(s string) []string {
		var out []string
		for _, w := range strings.Split(s, ",") {
			if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
				out = append(out, w)
			}
		}
		return out
	}
	keywords := func(rec iso19139.Record) []string {
		var out []string
		for _, ks := range rec.Keywords {
			for _, k := range ks.Keywords {
				out = append(out, strings.ToLower(k.Text))
			}
		}
		return out
	}
	if v.Has("q") {
		terms := words(v.Get("q"))
		tests = append(tests, func(rec iso19139.Record) bool {
			text := strings.ToLower(rec.Title + "\n" + rec.Abstract + "\n" + strings.Join(keywords(rec), "\n"))
			return slices.ContainsFunc(terms, func(t string) bool { return strings.Contains(text, t) })
		})
	}
	if v.Has("keywords") {
		want := words(v.Get("keywords"))
		tests = append(tests, func(rec iso19139.Record) bool {
			return slices.ContainsFunc(keywords(rec), func(k string) bool { return slices.Contains(want, k) })
		})
	}
	if v.Has("type") {
		want := words(v.Get("type"))
		for _, t := range want {
			if t != "dataset" && t != "service" {
				return nil, &socle.Error{Code: socle.EINVALID, Message: "unknown record type " + t, Allowed: []string{"dataset", "service"}}
			}
		}
		tests = append(tests, func(rec iso19139.Record) bool { return slices.Contains(want, string(rec.HierarchyLevel)) })
	}
	if v.Has("bbox") {
		minx, miny, maxx, maxy, err := features.ParseCRS84BBox(v.Get("bbox"))
		if err != nil {
			return nil, err
		}
		tests = append(tests, func(rec iso19139.Record) bool {
			b := rec.BBox
			return b != nil && b.West <= maxx && b.East >= minx && b.South <= maxy && b.North >= miny
		})
	}
	if v.Has("datetime") {
		start, end, err := features.ParseDatetime(v.Get("datetime"))
		if err != nil {
			return nil, err
		}
		tests = append(tests, func(rec iso19139.Record) bool {
			rs, re := recordTime(rec)
			if rs.IsZero() {
				return false
			}
			if re.IsZero() {
				re = rs
			}
			return (end == nil || !rs.After(*end)) && (start == nil || !re.Before(*start))
		})
	}
	return func(rec iso19139.Record) bool {
		for _, t := range tests {
			if !t(rec) {
				return false
			}
		}
		return true
	}, nil
}

func (s *Server) catalogueItem(w http.ResponseWriter, r *http.Request) {
	if s.noMetadata(w, r) {
		return
	}
	f, ok := s.format(w, r, FormatJSON, FormatHTML)
	if !ok || !s.checkParams(w, r, nil) {
		return
	}
	lang := language(r)
	base := s.rootBase(r)
	id := chi.URLParam(r, "recordId")
	rec, err := s.meta.Record(r.Context(), base, lang, id)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if f == FormatHTML {
		u := base + "/metadata/" + id + "?f=html"
		if lang == "en" {
			u += "&lang=en"
		}
		http.Redirect(w, r, u, http.StatusSeeOther)
		return
	}
	body, err := json.Marshal(s.recordFeature(rec, base, lang))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeBody(w, r, features.MediaGeoJSON, lang, body)
}
