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

// OGC API – Records – Part 1 (OGC 20-004r1): the same records as the CSW,
// as a searchable catalogue at /catalogue, its items GeoJSON record
// features (q, bbox, datetime, type, keywords; paged by limit and offset).

const recordsConf = "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/"

func (s *Server) recordsRoutes(r chi.Router) {
	r.Get("/catalogue", s.catalogueDoc)
	r.Get("/catalogue/items", s.catalogueItems)
	r.Get("/catalogue/items/{recordId}", s.catalogueItem)
	r.Get("/dcat", s.dcat)
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
		{Href: base + "/catalogue/items/" + r.FileIdentifier, Rel: "self", Type: features.MediaGeoJSON},
		{Href: rec + "?f=xml", Rel: "describedby", Type: "application/xml", Title: "ISO 19139"},
		{Href: rec + "?f=html", Rel: "alternate", Type: features.MediaHTML, Title: r.Title},
		{Href: base + "/catalogue", Rel: "collection", Type: features.MediaJSON},
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

func (s *Server) catalogueDoc(w http.ResponseWriter, r *http.Request) {
	if s.noMetadata(w, r) {
		return
	}
	f, ok := s.format(w, r, FormatJSON)
	if !ok || !s.checkParams(w, r, nil) {
		return
	}
	lang := language(r)
	base := s.rootBase(r)
	states, err := s.meta.Datasets(r.Context())
	if err != nil {
		s.problem(w, r, err)
		return
	}
	files := s.meta.Files()
	svc := files.Services[metadata.ServiceDiscovery]
	doc := map[string]any{
		"id":          "catalogue",
		"type":        "Catalog",
		"itemType":    "record",
		"title":       svc.Title.In(lang),
		"description": strings.TrimSpace(svc.Abstract.In(lang)),
		"conformsTo":  []string{recordsConf + "core", recordsConf + "record-core", recordsConf + "record-collection", recordsConf + "json", recordsConf + "html"},
		"updated":     metadata.Modified(files, states).UTC().Format(time.RFC3339),
		"links": []features.Link{
			{Href: base + "/catalogue", Rel: "self", Type: features.MediaJSON},
			{Href: base + "/catalogue/items", Rel: "items", Type: features.MediaGeoJSON, Title: t(lang, "Les fiches", "The records")},
			{Href: base + "/catalogue/items?f=html", Rel: "items", Type: features.MediaHTML, Title: t(lang, "Les fiches", "The records")},
			{Href: base + "/dcat", Rel: "alternate", Type: "application/ld+json", Title: "DCAT-AP"},
			{Href: base + "/csw?service=CSW&request=GetCapabilities", Rel: "alternate", Type: "application/xml", Title: "CSW 2.0.2"},
			s.licenceLink(lang),
		},
	}
	s.respond(w, r, f, lang, doc, "catalogue", nil)
}

// catalogueItems searches the records: q (terms in title, description or
// keywords), bbox (CRS84, intersecting), datetime (intersecting the
// record's time), type, keywords (any of them), limit and offset.
func (s *Server) catalogueItems(w http.ResponseWriter, r *http.Request) {
	if s.noMetadata(w, r) {
		return
	}
	f, ok := s.format(w, r, FormatJSON, FormatHTML)
	if !ok || !s.checkParams(w, r, []string{"q", "bbox", "datetime", "type", "keywords", "limit", "offset"}) {
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
	slices.SortStableFunc(hits, func(a, b iso19139.Record) int { return strings.Compare(a.FileIdentifier, b.FileIdentifier) })
	page := hits[min(offset, len(hits)):min(offset+limit, len(hits))]
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
		d.JSONHref = base + "/catalogue/items?" + q.Encode()
		d.Doc = list
		d.Extra = map[string]any{"CSW": base + "/csw?service=CSW&request=GetCapabilities"}
		s.writeMetaPage(w, r, "metadata-list", d)
		return
	}
	feats := []recordFeature{}
	for _, rec := range page {
		feats = append(feats, s.recordFeature(rec, base, lang))
	}
	link := func(rel string, off int) features.Link {
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(off))
		q.Set("limit", strconv.Itoa(limit))
		return features.Link{Href: base + "/catalogue/items?" + q.Encode(), Rel: rel, Type: features.MediaGeoJSON}
	}
	links := []features.Link{link("self", offset), {Href: base + "/catalogue", Rel: "collection", Type: features.MediaJSON}}
	if offset+limit < len(hits) {
		links = append(links, link("next", offset+limit))
	}
	if offset > 0 {
		links = append(links, link("prev", max(0, offset-limit)))
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
