package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/socle-geo/socle/internal/metadata"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/iso19139"
)

// Metadata routes: the ISO 19139 records of the datasets and services
// (/metadata/{recordId}), the CSW catalogue (/csw) and the download API of
// each dataset (/datasets/{dataset}/).

// FormatXML is the ISO 19139 encoding of a record.
const FormatXML Format = "xml"

// metaPages are the templates of the metadata pages.
var metaPages = func() map[string]*template.Template {
	funcs := template.FuncMap{
		"date": func(v any) string {
			switch d := v.(type) {
			case iso19139.CitationDate:
				if h, m, s := d.Date.Clock(); h == 0 && m == 0 && s == 0 {
					return d.Date.Format("2006-01-02")
				}
				return d.Date.UTC().Format("2006-01-02 15:04 UTC")
			}
			return ""
		},
		"lines": func(s string) []string { return strings.Split(s, "\n") },
		"deref": func(b *bool) bool { return b != nil && *b },
	}
	out := map[string]*template.Template{}
	for _, p := range []string{"metadata", "metadata-list"} {
		out[p] = template.Must(template.New("layout").Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/map.html", "templates/"+p+".html"))
	}
	return out
}()

// initMetadata builds the records' maker from the metadata files.
func (s *Server) initMetadata() {
	files := s.opts.Metadata
	if files == nil {
		f, err := metadata.Sample(s.catalog)
		if err != nil {
			s.log.Warn("metadata: the sample territory's files do not fit the catalog; no metadata served", "err", err)
			return
		}
		files = f
	}
	s.meta = metadata.New(files, s.catalog, s.store, metadata.Options{Formats: downloadFormats()})
	s.initDatasets()
}

// metadataRoutes adds the metadata routes of the root API, or the bulk
// downloads of a dataset's API.
func (s *Server) metadataRoutes(r chi.Router) {
	if s.meta == nil {
		return
	}
	if s.dataset != nil {
		r.Get("/download/{file}", s.download)
		r.Get("/dcat", s.dcat)
		return
	}
	r.Get("/metadata", s.metadataList)
	r.Get("/metadata/{recordId}", s.metadataRecord)
	s.cswRoutes(r)
	s.recordsRoutes(r)
	s.datasetRoutes(r)
}

// negotiateXML picks XML (the default) or HTML for a metadata record.
func negotiateXML(r *http.Request) (Format, bool) {
	if f := strings.ToLower(r.URL.Query().Get("f")); f != "" {
		switch f {
		case "xml", "application/xml", "text/xml", "iso19139", "application/vnd.iso.19139+xml":
			return FormatXML, true
		case "html", "text/html":
			return FormatHTML, true
		}
		return "", false
	}
	accept := r.Header.Get("Accept")
	if accept == "" {
		return FormatXML, true
	}
	best, bestQ := Format(""), 0.0
	for _, part := range strings.Split(accept, ",") {
		mt, q := mediaRange(part)
		var f Format
		switch mt {
		case "application/xml", "text/xml", "application/vnd.iso.19139+xml", "*/*", "application/*":
			f = FormatXML
		case "text/html", "application/xhtml+xml":
			f = FormatHTML
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = f, q
		}
	}
	return best, best != ""
}

// writeBody writes a document with its type and language, an ETag over
// them, and answers 304 to a matching If-None-Match.
func writeBody(w http.ResponseWriter, r *http.Request, ctype, lang string, body []byte) {
	h256 := sha256.New()
	h256.Write([]byte(ctype + "\x00" + lang + "\x00"))
	h256.Write(body)
	etag := `"` + hex.EncodeToString(h256.Sum(nil)[:12]) + `"`
	h := w.Header()
	h.Set("Content-Type", ctype)
	if lang != "" {
		h.Set("Content-Language", lang)
	}
	h.Set("ETag", etag)
	h.Add("Vary", "Accept, Accept-Language")
	h.Set("Cache-Control", "public, max-age=60")
	if match := r.Header.Get("If-None-Match"); match == "*" || strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(body)
}

// noMetadata answers 404 when the server has no metadata files.
func (s *Server) noMetadata(w http.ResponseWriter, r *http.Request) bool {
	if s.meta == nil {
		s.problemStatus(w, r, http.StatusNotFound, "this server publishes no metadata")
		return true
	}
	return false
}

// rootBase is the API root URL, also from a dataset's API.
func (s *Server) rootBase(r *http.Request) string {
	return strings.TrimSuffix(s.base(r), s.prefix)
}

func (s *Server) metadataRecord(w http.ResponseWriter, r *http.Request) {
	if s.noMetadata(w, r) {
		return
	}
	f, ok := negotiateXML(r)
	if !ok {
		s.problemStatus(w, r, http.StatusNotAcceptable, "a metadata record is available as: xml, html", "xml", "html")
		return
	}
	if !s.checkParams(w, r, nil) {
		return
	}
	lang := language(r)
	id := chi.URLParam(r, "recordId")
	rec, err := s.meta.Record(r.Context(), s.rootBase(r), lang, id)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if f == FormatXML {
		var buf bytes.Buffer
		if err := rec.Encode(&buf); err != nil {
			s.problem(w, r, err)
			return
		}
		writeBody(w, r, "application/xml; charset=utf-8", lang, buf.Bytes())
		return
	}
	base := s.rootBase(r)
	d := s.metaPage(r, lang, rec.Title)
	d.Crumbs = append(d.Crumbs, crumb{Label: t(lang, "Métadonnées", "Metadata"), Href: base + "/metadata?f=html"}, crumb{Label: rec.Title})
	d.JSONHref = ""
	d.Doc = rec
	xml := base + "/metadata/" + id + "?f=xml"
	if lang == "en" {
		xml += "&lang=en"
	}
	d.Extra = map[string]any{"XML": xml, "Licence": s.meta.Files().Licence}
	if b := rec.BBox; b != nil {
		d.Extra["Map"] = mapView{BBox: bboxString4(b.West, b.South, b.East, b.North)}
	}
	s.writeMetaPage(w, r, "metadata", d)
}

// metaPage starts the page data of a metadata page.
func (s *Server) metaPage(r *http.Request, lang, title string) pageData {
	base := s.rootBase(r)
	q := r.URL.Query()
	q.Set("f", "html")
	q.Set("lang", t(lang, "en", "fr"))
	return pageData{
		Lang: lang, Title: title, Base: base,
		LangHref: base + r.URL.Path + "?" + q.Encode(),
		Crumbs:   []crumb{{Label: t(lang, "Accueil", "Home"), Href: base + "/?f=html"}},
	}
}

func (s *Server) writeMetaPage(w http.ResponseWriter, r *http.Request, page string, d pageData) {
	var buf bytes.Buffer
	if err := metaPages[page].ExecuteTemplate(&buf, "layout", d); err != nil {
		s.problem(w, r, &socle.Error{Code: socle.EINTERNAL, Message: "template", Err: err})
		return
	}
	writeBody(w, r, "text/html; charset=utf-8", d.Lang, buf.Bytes())
}

func bboxString4(w, s, e, n float64) string {
	return fmt.Sprintf("%.6f,%.6f,%.6f,%.6f", w, s, e, n)
}

// recordEntry is a record as the list shows it.
type recordEntry struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Type  string `json:"type"`
	XML   string `json:"xml"`
	HTML  string `json:"html"`
}

// metadataList lists the records, in JSON or HTML.
func (s *Server) metadataList(w http.ResponseWriter, r *http.Request) {
	if s.noMetadata(w, r) {
		return
	}
	f, ok := s.format(w, r, FormatJSON, FormatHTML)
	if !ok || !s.checkParams(w, r, nil) {
		return
	}
	lang := language(r)
	base := s.rootBase(r)
	recs, err := s.meta.Records(r.Context(), base, lang)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var list []recordEntry
	for _, rec := range recs {
		u := base + "/metadata/" + rec.FileIdentifier
		list = append(list, recordEntry{ID: rec.FileIdentifier, Title: rec.Title, Type: string(rec.HierarchyLevel), XML: u + "?f=xml", HTML: u + "?f=html"})
	}
	if f == FormatJSON {
		s.respond(w, r, f, lang, map[string]any{"records": list}, "metadata", nil)
		return
	}
	d := s.metaPage(r, lang, t(lang, "Métadonnées", "Metadata"))
	d.Crumbs = append(d.Crumbs, crumb{Label: d.Title})
	d.JSONHref = base + "/metadata?f=json"
	d.Doc = list
	d.Extra = map[string]any{"CSW": base + "/csw?service=CSW&request=GetCapabilities"}
	s.writeMetaPage(w, r, "metadata-list", d)
}
