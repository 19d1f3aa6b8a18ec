package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
	"github.com/socle-geo/socle/ogc/features"
	"github.com/socle-geo/socle/ogc/jsonfg"
)

// conformsTo lists the conformance classes Socle passes.
var conformsTo = []string{
	features.ConfCore,
	features.ConfGeoJSON,
	features.ConfHTML,
	features.ConfOAS30,
	features.ConfCRS,
	features.ConfQueryables,
	features.ConfQueryablesParam,
	features.ConfSchemas,
	features.ConfFilter,
	features.ConfFeaturesFilter,
	// JSON-FG (OGC 21-045, draft 0.2): the items and features in f=jsonfg.
	jsonfg.ConfCore,
	jsonfg.ConfTypesSchemas,
	// CQL2 (OGC 21-065r2): every class the ATS of the standard passes on
	// both the PostGIS compiler and the Go evaluator (internal/postgis
	// TestCQL2ATSThroughPostGIS). Not array-functions: no collection has
	// array properties.
	cql2Conf + "cql2-text",
	cql2Conf + "cql2-json",
	cql2Conf + "basic-cql2",
	cql2Conf + "advanced-comparison-operators",
	cql2Conf + "case-insensitive-comparison",
	cql2Conf + "accent-insensitive-comparison",
	cql2Conf + "basic-spatial-functions",
	cql2Conf + "basic-spatial-functions-plus",
	cql2Conf + "spatial-functions",
	cql2Conf + "temporal-functions",
	cql2Conf + "property-property",
	cql2Conf + "arithmetic",
	// OGC API – Tiles – Part 1 (20-057) and TMS 2.0 (17-083r4).
	tilesConf + "core",
	tilesConf + "tileset",
	tilesConf + "tilesets-list",
	tilesConf + "dataset-tilesets",
	tilesConf + "geodata-tilesets",
	tilesConf + "mvt",
	"http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
}

const tilesConf = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"

const cql2Conf = "http://www.opengis.net/spec/cql2/1.0/conf/"

// link builds a link to path (relative to the API root) with query q.
func (s *Server) link(r *http.Request, path string, q url.Values, rel, typ, title string) features.Link {
	href := s.base(r) + path
	if len(q) > 0 {
		href += "?" + q.Encode()
	}
	return features.Link{Href: href, Rel: rel, Type: typ, Title: title}
}

// selfAndAlternate returns the self link for format f and an alternate for
// the other one.
func (s *Server) selfAndAlternate(r *http.Request, path string, f Format, jsonType string, lang string) []features.Link {
	j := s.link(r, path, url.Values{"f": {"json"}}, "self", jsonType, t(lang, "Ce document en JSON", "This document as JSON"))
	h := s.link(r, path, url.Values{"f": {"html"}}, "alternate", features.MediaHTML, t(lang, "Ce document en HTML", "This document as HTML"))
	if f == FormatHTML {
		j.Rel, h.Rel = "alternate", "self"
		return []features.Link{h, j}
	}
	return []features.Link{j, h}
}

// t picks the French or English text.
func t(lang, fr, en string) string {
	if lang == "en" {
		return en
	}
	return fr
}

func (s *Server) landing(w http.ResponseWriter, r *http.Request) {
	if s.meta != nil && wantsDCAT(r) {
		s.dcat(w, r) // the catalogue in DCAT-AP, for DCAT harvesters
		return
	}
	f, ok := s.format(w, r, FormatJSON, FormatHTML)
	if !ok || !s.checkParams(w, r, nil) {
		return
	}
	lang := language(r)
	doc := features.LandingPage{
		Title:       s.opts.Title.In(lang),
		Description: t(lang, "Adresses, réseau routier, occupation du sol et communes du territoire, servis selon les standards OGC API et INSPIRE.", "The territory's addresses, road network, land cover and municipalities, served through OGC API and INSPIRE standards."),
	}
	doc.Links = append(s.selfAndAlternate(r, "/", f, features.MediaJSON, lang),
		s.link(r, "/api", nil, "service-desc", features.MediaOpenAPI, t(lang, "Définition de l’API (OpenAPI 3.0)", "API definition (OpenAPI 3.0)")),
		s.link(r, "/api", url.Values{"f": {"html"}}, "service-doc", features.MediaHTML, t(lang, "Documentation de l’API", "API documentation")),
		s.link(r, "/conformance", nil, "conformance", features.MediaJSON, t(lang, "Classes de conformité", "Conformance classes")),
		s.link(r, "/conformance", nil, "http://www.opengis.net/def/rel/ogc/1.0/conformance", features.MediaJSON, t(lang, "Classes de conformité", "Conformance classes")),
		s.link(r, "/collections", nil, "data", features.MediaJSON, t(lang, "Collections", "Collections")),
		s.link(r, "/collections", nil, "http://www.opengis.net/def/rel/ogc/1.0/data", features.MediaJSON, t(lang, "Collections", "Collections")),
		s.link(r, "/tiles", nil, "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", features.MediaJSON, t(lang, "Tuiles vectorielles", "Vector tiles")),
		s.link(r, "/tileMatrixSets", nil, "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", features.MediaJSON, t(lang, "Grilles de tuilage", "Tiling schemes")),
		s.link(r, "/styles", nil, "http://www.opengis.net/def/rel/ogc/1.0/styles", features.MediaJSON, t(lang, "Styles de carte", "Map styles")),
	)
	doc.Links = append(doc.Links, s.landingLinks(r, lang)...)
	var extra map[string]any
	if f == FormatHTML {
		extra = map[string]any{"Map": mapView{BBox: s.territoryBBox(r)}}
	}
	s.respond(w, r, f, lang, doc, "landing", extra)
}

func (s *Server) conformance(w http.ResponseWriter, r *http.Request) {
	f, ok := s.format(w, r, FormatJSON, FormatHTML)
	if !ok || !s.checkParams(w, r, nil) {
		return
	}
	s.respond(w, r, f, language(r), features.Conformance{ConformsTo: s.conformsTo()}, "conformance", nil)
}

// collectionDoc describes c, with its extent from the data.
func (s *Server) collectionDoc(r *http.Request, c *socle.Collection, sum socle.Summary, lang string) features.Collection {
	path := "/collections/" + c.ID
	doc := features.Collection{
		ID:          c.ID,
		Title:       c.Title.In(lang),
		Description: c.Description.In(lang),
		Keywords:    c.Keywords,
		ItemType:    "feature",
		CRS:         crs.URIs(),
		StorageCRS:  crs.Lambert.URI,
		Links: []features.Link{
			s.link(r, path, nil, "self", features.MediaJSON, c.Title.In(lang)),
			s.link(r, path, url.Values{"f": {"html"}}, "alternate", features.MediaHTML, c.Title.In(lang)),
			s.link(r, path+"/items", nil, "items", features.MediaGeoJSON, t(lang, "Les objets en GeoJSON", "The features as GeoJSON")),
			s.link(r, path+"/items", url.Values{"f": {"html"}}, "items", features.MediaHTML, t(lang, "Les objets en HTML", "The features as HTML")),
		},
	}
	doc.Links = append(doc.Links, s.schemaLinks(r, c, lang)...)
	if links, err := s.collectionLinks(r, c, sum, lang); err != nil {
		s.log.Error("collection links", "collection", c.ID, "err", err)
	} else {
		doc.Links = append(doc.Links, links...)
	}
	if c.Tiles.MaxResolution > 0 {
		doc.Links = append(doc.Links, s.link(r, path+"/tiles", nil, "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", features.MediaJSON, t(lang, "Tuiles vectorielles", "Vector tiles")))
	}
	if sum.BBox != nil {
		b := sum.BBox
		doc.Extent = &features.Extent{Spatial: &features.SpatialExtent{
			BBox: [][]float64{{round(b.MinX), round(b.MinY), round(b.MaxX), round(b.MaxY)}},
			CRS:  features.CRS84,
		}}
	}
	if c.Temporal != "" && (sum.Start != nil || sum.End != nil) {
		if doc.Extent == nil {
			doc.Extent = &features.Extent{}
		}
		doc.Extent.Temporal = &features.TemporalExtent{
			Interval: [][]*string{{rfc3339(sum.Start), rfc3339(sum.End)}},
			TRS:      "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
		}
	}
	return doc
}

// round keeps 7 decimals (1 cm) in extents.
func round(v float64) float64 {
	return float64(int64(v*1e7+sign(v)*0.5)) / 1e7
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

func rfc3339(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func (s *Server) collections(w http.ResponseWriter, r *http.Request) {
	f, ok := s.format(w, r, FormatJSON, FormatHTML)
	if !ok || !s.checkParams(w, r, nil) {
		return
	}
	lang := language(r)
	doc := features.Collections{Links: s.selfAndAlternate(r, "/collections", f, features.MediaJSON, lang), Collections: []features.Collection{}}
	links, err := s.collectionsLinks(r, lang)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	doc.Links = append(doc.Links, links...)
	for _, c := range s.visibleCollections(r) {
		sum, err := s.store.Summary(r.Context(), c)
		if err != nil {
			s.problem(w, r, err)
			return
		}
		doc.Collections = append(doc.Collections, s.collectionDoc(r, c, sum, lang))
	}
	if cat, ok, err := s.catalogueCollection(r, lang); err != nil {
		s.problem(w, r, err)
		return
	} else if ok {
		doc.Collections = append(doc.Collections, cat)
	}
	s.respond(w, r, f, lang, doc, "collections", nil)
}

func (s *Server) collection(w http.ResponseWriter, r *http.Request) {
	c, f, ok := s.collectionRoute(w, r, FormatJSON, FormatHTML)
	if !ok {
		return
	}
	if !s.checkParams(w, r, nil) {
		return
	}
	lang := language(r)
	sum, err := s.store.Summary(r.Context(), c)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	doc := s.collectionDoc(r, c, sum, lang)
	if f == FormatHTML {
		doc.Links[0].Rel, doc.Links[1].Rel = "alternate", "self"
	}
	var mv mapView
	if sum.BBox != nil {
		mv = mapView{BBox: fmt.Sprintf("%.6f,%.6f,%.6f,%.6f", sum.BBox.MinX, sum.BBox.MinY, sum.BBox.MaxX, sum.BBox.MaxY), Style: styleFor(c)}
	}
	s.respond(w, r, f, lang, doc, "collection", map[string]any{"Collection": c, "Summary": sum, "Map": mv})
}

// territoryBBox is the union of the public collections' extents, for maps.
func (s *Server) territoryBBox(r *http.Request) string {
	var b *socle.BBox
	for _, c := range s.catalog.Collections {
		sum, err := s.store.Summary(r.Context(), c)
		if err != nil || sum.BBox == nil || c.Access != socle.AccessPublic {
			continue
		}
		if b == nil {
			x := *sum.BBox
			b = &x
			continue
		}
		b.MinX, b.MinY = min(b.MinX, sum.BBox.MinX), min(b.MinY, sum.BBox.MinY)
		b.MaxX, b.MaxY = max(b.MaxX, sum.BBox.MaxX), max(b.MaxY, sum.BBox.MaxY)
	}
	if b == nil {
		return ""
	}
	return fmt.Sprintf("%.6f,%.6f,%.6f,%.6f", b.MinX, b.MinY, b.MaxX, b.MaxY)
}

// lookup finds the collection named in the path, or answers 404.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) (*socle.Collection, bool) {
	id := chi.URLParam(r, "collectionId")
	c, ok := s.catalog.Collection(id)
	if ok {
		markRead(r, c)
	}
	if !ok || !visible(principal(r), c) {
		var all []string
		for _, c := range s.visibleCollections(r) {
			all = append(all, c.ID)
		}
		s.problem(w, r, &socle.Error{Code: socle.ENOTFOUND, Message: "no collection " + id, Allowed: all})
		return nil, false
	}
	return c, true
}

// collectionRoute resolves what every /collections/{collectionId}/…
// request begins with: the collection (404 when the caller may not see it)
// and the format (406 when none of offered suits the client).
func (s *Server) collectionRoute(w http.ResponseWriter, r *http.Request, offered ...Format) (*socle.Collection, Format, bool) {
	c, ok := s.lookup(w, r)
	if !ok {
		return nil, "", false
	}
	f, ok := s.format(w, r, offered...)
	return c, f, ok
}

// format negotiates the format or answers 406.
func (s *Server) format(w http.ResponseWriter, r *http.Request, offered ...Format) (Format, bool) {
	f, ok := negotiate(r, offered...)
	if !ok {
		var names []string
		for _, o := range offered {
			names = append(names, string(o))
		}
		s.problemStatus(w, r, http.StatusNotAcceptable, "this resource is available as: "+strings.Join(names, ", "), names...)
	}
	return f, ok
}

// respond writes a metadata document as JSON or HTML, with an ETag so that
// clients and proxies revalidate instead of downloading again.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, f Format, lang string, doc any, page string, extra map[string]any) {
	var body []byte
	var ctype string
	if f == FormatHTML {
		var err error
		body, err = s.renderHTML(r, lang, page, doc, extra)
		if err != nil {
			s.problem(w, r, err)
			return
		}
		ctype = "text/html; charset=utf-8"
	} else {
		var err error
		body, err = json.Marshal(doc)
		if err != nil {
			s.problem(w, r, err)
			return
		}
		switch page {
		case "api":
			ctype = features.MediaOpenAPI
		case "queryables", "schema":
			ctype = features.MediaSchema
		default:
			ctype = features.MediaJSON
		}
	}
	// The ETag covers what varies: the body, its type and its language.
	h256 := sha256.New()
	h256.Write([]byte(ctype + "\x00" + lang + "\x00"))
	h256.Write(body)
	etag := `"` + hex.EncodeToString(h256.Sum(nil)[:12]) + `"`
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Language", lang)
	h.Set("ETag", etag)
	h.Add("Vary", "Accept, Accept-Language")
	h.Set("Cache-Control", "public, max-age=60")
	if match := r.Header.Get("If-None-Match"); match == "*" || strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(body)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
