package server

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/format/csvenc"
	"github.com/socle-geo/socle/internal/format/flatgeobuf"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
	"github.com/socle-geo/socle/ogc/features"
	"github.com/socle-geo/socle/ogc/featurestream"
	"github.com/socle-geo/socle/ogc/jsonfg"
)

// The feature formats beside GeoJSON and HTML: CSV for spreadsheets and
// analysts, FlatGeobuf for GIS clients on slow networks, JSON-FG for the
// CRS and time GeoJSON lacks, a GeoPackage of a whole selection. Each is
// served wherever items are (the root API and every dataset's), from the
// same resolved query — filters, paging, CRS and access rules are those of
// the GeoJSON answer — through the encoders of internal/format and
// ogc/jsonfg, fed with the store's records (socle.Record).

// Feature formats.
const (
	FormatCSV    Format = "csv"
	FormatFGB    Format = "fgb"
	FormatJSONFG Format = "jsonfg"
	FormatGPKG   Format = "gpkg"
)

// MediaGeoPackage is the media type of GeoPackage files (OGC 12-128r18).
const MediaGeoPackage = "application/geopackage+sqlite3"

// featureFormat describes a feature format for links, OpenAPI and the
// HTML pages' download menu.
type featureFormat struct {
	Format    Format
	MediaType string
	Ext       string
	FR, EN    string
}

// itemsFormats are the formats of /items beside GeoJSON and HTML, in the
// order links and menus list them.
var itemsFormats = []featureFormat{
	{FormatCSV, csvenc.MediaType, "csv", "Cette page en CSV", "This page as CSV"},
	{FormatFGB, flatgeobuf.MediaType, "fgb", "Cette page en FlatGeobuf", "This page as FlatGeobuf"},
	{FormatJSONFG, jsonfg.MediaType, "json", "Cette page en JSON-FG", "This page as JSON-FG"},
	{FormatGPKG, MediaGeoPackage, "gpkg", "Toute la sélection en GeoPackage", "The whole selection as a GeoPackage"},
}

// itemsOffered are the formats /items negotiates, GeoJSON first (the
// default).
var itemsOffered = []Format{FormatJSON, FormatHTML, FormatCSV, FormatFGB, FormatJSONFG, FormatGPKG}

// csvParams are the parameters of the CSV format only.
var csvParams = []string{"geometry", "separator", "bom"}

// checkFormatParams refuses the CSV parameters on another format: they
// would be silently ignored.
func checkFormatParams(v url.Values, f Format) error {
	if f == FormatCSV {
		return nil
	}
	for _, p := range csvParams {
		if v.Has(p) {
			return socle.Errorf(socle.EINVALID, "parameter %s applies to f=csv only", p)
		}
	}
	return nil
}

// columns is the schema of the features q returns.
func columns(q *socle.ItemsQuery) []featurestream.Column {
	cols := make([]featurestream.Column, len(q.Properties))
	for i, p := range q.Properties {
		cols[i] = featurestream.Column{Name: p.Name, Type: featurestream.Type(p.Type)}
	}
	return cols
}

// recordFeatures turns the store's records into the encoders' features:
// the geometry transformed to the output CRS (a copy: the store's stays
// as it is), the values as they are (the two contracts share their Go
// types).
type recordFeatures struct {
	tr     crs.Transformer
	factor int
	f      featurestream.Feature
}

func newRecordFeatures(c *socle.Collection, out crs.CRS, round bool) (*recordFeatures, error) {
	tr, err := crs.NewTransformer(c.StorageSRID(), out.SRID)
	if err != nil {
		return nil, &socle.Error{Code: socle.EINVALID, Message: "crs: " + out.URI + " is not served for this collection", Err: err}
	}
	rf := &recordFeatures{tr: tr}
	if round {
		rf.factor = int(math.Pow10(out.Decimals()))
	}
	return rf, nil
}

// feature returns rec as a feature, valid until the next call.
func (rf *recordFeatures) feature(rec *socle.Record) (*featurestream.Feature, error) {
	rf.f.ID, rf.f.Values, rf.f.Geometry = rec.ID, rec.Values, nil
	if rec.Geometry != nil {
		g, err := crs.TransformGeometry(rec.Geometry, rf.tr)
		if err != nil {
			return nil, &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("feature %v lies outside the domain of the asked CRS", rec.ID), Err: err}
		}
		if rf.factor != 0 {
			g = orb.Round(g, rf.factor)
		}
		rf.f.Geometry = g
	}
	return &rf.f, nil
}

// csvOptions reads the CSV parameters: geometry=wkt|xy|none,
// separator=comma|semicolon, bom=true|false. The semicolon is the file of
// a French-locale spreadsheet: decimals with a comma, and text that a
// spreadsheet would run as a formula shown as text; so is a file with a
// BOM (what Excel needs to read UTF-8).
func csvOptions(v url.Values, c *socle.Collection, out crs.CRS) (csvenc.Options, error) {
	o := csvenc.Options{Decimals: out.Decimals()}
	switch g := v.Get("geometry"); g {
	case "", "wkt":
	case "xy":
		for _, t := range c.GeometryTypes() {
			if t != "Point" {
				return o, &socle.Error{Code: socle.EINVALID, Message: "geometry=xy needs points; " + c.ID + " holds " + t + " geometries", Allowed: []string{"wkt", "none"}}
			}
		}
		o.Geometry = csvenc.XY
	case "none":
		o.Geometry = csvenc.NoGeometry
	default:
		return o, &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("geometry %q is not a CSV geometry form", g), Allowed: []string{"wkt", "xy", "none"}}
	}
	switch sep := v.Get("separator"); sep {
	case "", "comma", ",":
	case "semicolon", ";":
		o.Separator, o.DecimalComma, o.FormulaGuard = ';', true, true
	default:
		return o, &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("separator %q is not supported", sep), Allowed: []string{"comma", "semicolon"}}
	}
	switch b := v.Get("bom"); b {
	case "", "false":
	case "true":
		o.BOM, o.FormulaGuard = true, true
	default:
		return o, &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("bom %q is not a boolean", b), Allowed: []string{"true", "false"}}
	}
	return o, nil
}

// itemsFormat answers /items in CSV, FlatGeobuf or JSON-FG: one page, as
// the GeoJSON answer is, in the asked CRS.
func (s *Server) itemsFormat(w http.ResponseWriter, r *http.Request, c *socle.Collection, q *socle.ItemsQuery, f Format) {
	if f == FormatJSONFG {
		s.itemsJSONFG(w, r, c, q)
		return
	}
	cols := columns(q)
	// CSV and FlatGeobuf have no room for links: they go in Link headers,
	// which must precede the body, and the next page is known only once
	// the page is read. The body is therefore held (in memory, on disk
	// past spillMemory) until the store is done; an indexed FlatGeobuf
	// holds its features until Close anyway.
	body := &spillBuffer{}
	defer body.Close()
	var (
		enc   featurestream.Encoder
		err   error
		ctype string
		rf    *recordFeatures
	)
	switch f {
	case FormatCSV:
		var o csvenc.Options
		if o, err = csvOptions(r.URL.Query(), c, q.CRS); err == nil {
			enc, err = csvenc.NewEncoder(body, cols, o)
		}
		ctype = csvenc.MediaType
		if err == nil {
			rf, err = newRecordFeatures(c, q.CRS, false)
		}
	case FormatFGB:
		gt := c.GeometryType
		if c.Mixed {
			gt = ""
		}
		idType := featurestream.TypeInteger
		if c.IDType == socle.TypeString {
			idType = featurestream.TypeString
		}
		// The whole result (a first page) gets the spatial index; the
		// pages after it are streamed without one.
		enc, err = flatgeobuf.NewEncoder(body, cols, flatgeobuf.Options{Name: c.ID, Title: c.Title.In(language(r)),
			SRID: q.CRS.SRID, GeometryType: gt, IDType: idType, Index: q.Cursor == nil})
		ctype = flatgeobuf.MediaType
		if err == nil {
			rf, err = newRecordFeatures(c, q.CRS, true)
		}
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	page, err := s.store.Records(r.Context(), q, func(rec *socle.Record) error {
		ft, err := rf.feature(rec)
		if err != nil {
			return err
		}
		return enc.Encode(ft)
	})
	if err == nil {
		err = enc.Close()
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Crs", "<"+q.CRS.URI+">")
	h.Set("Content-Language", language(r))
	h.Set("Cache-Control", "public, max-age=30")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, c.ID, f))
	h.Set("Content-Length", fmt.Sprint(body.Len()))
	h.Set("OGC-NumberMatched", fmt.Sprint(page.NumberMatched))
	h.Set("OGC-NumberReturned", fmt.Sprint(page.NumberReturned))
	for _, l := range s.formatLinks(r, c, q, page, f, ctype) {
		h.Add("Link", fmt.Sprintf(`<%s>; rel="%s"; type="%s"`, l.Href, l.Rel, l.Type))
	}
	if r.Method == http.MethodHead {
		return
	}
	if err := body.CopyTo(w); err != nil {
		s.log.Debug("client left", "request_id", requestID(r.Context()), "error", err)
	}
}

// itemsJSONFG streams a page as a JSON-FG feature collection: its links
// and numberMatched come after the features, as GeoJSON's do.
func (s *Server) itemsJSONFG(w http.ResponseWriter, r *http.Request, c *socle.Collection, q *socle.ItemsQuery) {
	opts, rf, err := s.jsonfgOptions(c, q.CRS, q.Properties)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	opts.TimeStamp = s.opts.Now()
	tw := &trackingWriter{ResponseWriter: w}
	enc, err := jsonfg.NewEncoder(tw, columns(q), opts)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", opts.MediaType())
	h.Set("Content-Crs", "<"+q.CRS.URI+">")
	h.Set("Content-Language", language(r))
	h.Set("Cache-Control", "public, max-age=30")
	page, err := s.store.Records(r.Context(), q, func(rec *socle.Record) error {
		ft, err := rf.feature(rec)
		if err != nil {
			return err
		}
		return enc.Encode(ft)
	})
	if err != nil {
		if tw.wrote {
			s.log.Error("items stream failed", "request_id", requestID(r.Context()), "error", err)
			panic(http.ErrAbortHandler)
		}
		s.problem(w, r, err)
		return
	}
	links := s.formatLinks(r, c, q, page, FormatJSONFG, jsonfg.MediaType)
	links = append(links, s.link(r, "/collections/"+c.ID, nil, "collection", features.MediaJSON, c.Title.In(language(r))))
	if err := enc.CloseWith(jsonfg.Trailer{NumberMatched: &page.NumberMatched, Links: links}); err != nil {
		s.log.Debug("client left", "request_id", requestID(r.Context()), "error", err)
	}
}

// jsonfgOptions are the JSON-FG options of c's features in out: the
// collection id as feature type, "time" from its temporal property (when
// selected), a WGS 84 fallback in "geometry" beside "place" in any other
// CRS than CRS84, so that GeoJSON readers still find a geometry.
func (s *Server) jsonfgOptions(c *socle.Collection, out crs.CRS, props []socle.Property) (jsonfg.Options, *recordFeatures, error) {
	opts := jsonfg.Options{CRS: out, Decimals: out.Decimals(), FeatureType: c.ID}
	for _, p := range props {
		if p.Name == c.Temporal && (p.Type == socle.TypeDate || p.Type == socle.TypeDateTime) {
			opts.Time = jsonfg.Time{Instant: p.Name}
		}
	}
	if out.URI != crs.CRS84.URI {
		fb, err := crs.NewTransformer(out.SRID, crs.CRS84.SRID)
		if err != nil {
			return opts, nil, &socle.Error{Code: socle.EINTERNAL, Message: "no WGS 84 fallback", Err: err}
		}
		opts.Fallback = fb
	}
	rf, err := newRecordFeatures(c, out, false)
	return opts, rf, err
}

// formatLinks are the self, next and prev links of a page in format f,
// keeping every parameter of the request but the cursor.
func (s *Server) formatLinks(r *http.Request, c *socle.Collection, q *socle.ItemsQuery, page socle.Page, f Format, media string) []features.Link {
	path := "/collections/" + c.ID + "/items"
	params := func(cur *socle.Cursor) url.Values {
		v := url.Values{}
		for k, vals := range r.URL.Query() {
			if k != "f" && k != "cursor" {
				v[k] = vals
			}
		}
		v.Set("f", string(f))
		if cur != nil {
			v.Set("cursor", q.EncodeCursor(cur))
		}
		return v
	}
	lang := language(r)
	links := []features.Link{s.link(r, path, params(q.Cursor), "self", media, t(lang, "Cette page", "This page"))}
	if page.Next != nil {
		links = append(links, s.link(r, path, params(page.Next), "next", media, t(lang, "Page suivante", "Next page")))
	}
	if page.Prev != nil {
		links = append(links, s.link(r, path, params(page.Prev), "prev", media, t(lang, "Page précédente", "Previous page")))
	}
	return links
}

// spillMemory is how much of a held body stays in memory; the rest goes
// to a temporary file.
const spillMemory = 4 << 20

// spillBuffer holds a response body until it is complete: in memory up to
// spillMemory, then in a temporary file.
type spillBuffer struct {
	mem  bytes.Buffer
	file *os.File
	n    int64
}

func (b *spillBuffer) Write(p []byte) (int, error) {
	if b.file == nil && b.mem.Len()+len(p) > spillMemory {
		f, err := os.CreateTemp("", "socle-body-*")
		if err != nil {
			return 0, err
		}
		b.file = f
		if _, err := b.mem.WriteTo(f); err != nil {
			return 0, err
		}
	}
	b.n += int64(len(p))
	if b.file != nil {
		return b.file.Write(p)
	}
	return b.mem.Write(p)
}

// Len is the number of bytes written.
func (b *spillBuffer) Len() int64 { return b.n }

// CopyTo copies the body to w.
func (b *spillBuffer) CopyTo(w io.Writer) error {
	if b.file == nil {
		_, err := b.mem.WriteTo(w)
		return err
	}
	if _, err := b.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(w, b.file)
	return err
}

// Close removes the file, if any.
func (b *spillBuffer) Close() {
	if b.file != nil {
		b.file.Close()
		os.Remove(b.file.Name())
	}
}

// featureJSONFG answers a single feature in JSON-FG.
func (s *Server) featureJSONFG(w http.ResponseWriter, r *http.Request, fq *socle.FeatureQuery, links []features.Link) {
	c := fq.Collection
	opts, rf, err := s.jsonfgOptions(c, fq.CRS, fq.Properties)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	rec, err := s.store.FeatureRecord(r.Context(), fq)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	ft, err := rf.feature(rec)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	opts.Links = links
	cols := make([]featurestream.Column, len(fq.Properties))
	for i, p := range fq.Properties {
		cols[i] = featurestream.Column{Name: p.Name, Type: featurestream.Type(p.Type)}
	}
	var buf bytes.Buffer
	if err := jsonfg.WriteFeature(&buf, cols, ft, opts); err != nil {
		s.problem(w, r, err)
		return
	}
	buf.WriteByte('\n')
	h := w.Header()
	h.Set("Content-Type", opts.MediaType())
	h.Set("Content-Crs", "<"+fq.CRS.URI+">")
	h.Set("Content-Language", language(r))
	h.Set("Cache-Control", "public, max-age=30")
	_, _ = w.Write(buf.Bytes())
}

// itemsMediaTypes are the media types of /items, for the OpenAPI document.
func itemsMediaTypes() []string {
	out := []string{features.MediaGeoJSON, features.MediaHTML}
	for _, ff := range itemsFormats {
		out = append(out, strings.Split(ff.MediaType, ";")[0])
	}
	return out
}

// addFormatParameters declares the parameters of the feature formats in
// the OpenAPI document's components.
func addFormatParameters(params obj, lang string) {
	items := []string{string(FormatJSON), string(FormatHTML)}
	for _, ff := range itemsFormats {
		items = append(items, string(ff.Format))
	}
	params["f-items"] = obj{"name": "f", "in": "query", "required": false,
		"description": t(lang, "Format de la réponse : GeoJSON (json), HTML, CSV, FlatGeobuf (fgb), JSON-FG (jsonfg), GeoPackage de toute la sélection (gpkg) ; sinon l’en-tête Accept",
			"Response format: GeoJSON (json), HTML, CSV, FlatGeobuf (fgb), JSON-FG (jsonfg), a GeoPackage of the whole selection (gpkg); else the Accept header"),
		"schema": obj{"type": "string", "enum": items}}
	params["f-feature"] = obj{"name": "f", "in": "query", "required": false, "description": t(lang, "Format de la réponse", "Response format"),
		"schema": obj{"type": "string", "enum": []string{string(FormatJSON), string(FormatHTML), string(FormatJSONFG)}}}
	params["geometry"] = obj{"name": "geometry", "in": "query", "required": false,
		"description": t(lang, "CSV : la géométrie en WKT (wkt), en colonnes x et y pour des points (xy), ou absente (none)",
			"CSV: the geometry as WKT (wkt), as x and y columns for points (xy), or left out (none)"),
		"schema": obj{"type": "string", "enum": []string{"wkt", "xy", "none"}, "default": "wkt"}}
	params["separator"] = obj{"name": "separator", "in": "query", "required": false,
		"description": t(lang, "CSV : séparateur ; semicolon donne le fichier d’un tableur français (virgule décimale, formules neutralisées)",
			"CSV: separator; semicolon makes the file of a French-locale spreadsheet (decimal comma, formulas defused)"),
		"schema": obj{"type": "string", "enum": []string{"comma", "semicolon"}, "default": "comma"}}
	params["bom"] = obj{"name": "bom", "in": "query", "required": false,
		"description": t(lang, "CSV : commencer par une marque d’ordre d’octets UTF-8, pour Excel", "CSV: start with a UTF-8 byte order mark, for Excel"),
		"schema":      obj{"type": "boolean", "default": false}}
}

// download is one entry of the HTML pages' download menu.
type download struct {
	Label, Href, Type string
}

// downloadMenu lists the current page (and the whole selection, as a
// GeoPackage) in every feature format, keeping the request's parameters.
func (s *Server) downloadMenu(r *http.Request, lang string) []download {
	href := func(f string, extra url.Values) string {
		v := url.Values{}
		for k, vals := range r.URL.Query() {
			if k != "f" && k != "lang" {
				v[k] = vals
			}
		}
		for k, vals := range extra {
			v[k] = vals
		}
		v.Set("f", f)
		return s.base(r) + r.URL.Path + "?" + v.Encode()
	}
	out := []download{{"GeoJSON", href(string(FormatJSON), nil), features.MediaGeoJSON}}
	for _, ff := range itemsFormats {
		label := map[Format]string{FormatCSV: "CSV", FormatFGB: "FlatGeobuf", FormatJSONFG: "JSON-FG", FormatGPKG: "GeoPackage"}[ff.Format]
		if ff.Format == FormatGPKG {
			// The whole selection: without the page's limit and cursor.
			h := href(string(ff.Format), nil)
			u, _ := url.Parse(h)
			v := u.Query()
			v.Del("limit")
			v.Del("cursor")
			u.RawQuery = v.Encode()
			out = append(out, download{t(lang, "GeoPackage (toute la sélection)", "GeoPackage (the whole selection)"), u.String(), ff.MediaType})
			continue
		}
		out = append(out, download{label, href(string(ff.Format), nil), ff.MediaType})
		if ff.Format == FormatCSV {
			out = append(out, download{t(lang, "CSV pour tableur", "CSV for spreadsheets"),
				href(string(ff.Format), url.Values{"separator": {"semicolon"}, "bom": {"true"}}), ff.MediaType})
		}
	}
	return out
}

// ServedCatalog is the catalog as the HTTP layer serves it (personal
// properties left out where they may not be shown, and from every tile
// layer), for what is made outside a request from the same rules: the
// PMTiles export of the command line.
func ServedCatalog(full *socle.Catalog) *socle.Catalog {
	c, _ := servedCatalog(full)
	return c
}

// featureDownloads lists one feature in its formats, keeping the
// request's parameters (crs, properties).
func (s *Server) featureDownloads(r *http.Request) []download {
	href := func(f Format) string {
		v := r.URL.Query()
		v.Del("lang")
		v.Set("f", string(f))
		return s.base(r) + r.URL.Path + "?" + v.Encode()
	}
	return []download{{"GeoJSON", href(FormatJSON), features.MediaGeoJSON}, {"JSON-FG", href(FormatJSONFG), jsonfg.MediaType}}
}
