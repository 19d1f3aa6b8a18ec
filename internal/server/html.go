package server

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
	"github.com/socle-geo/socle/ogc/features"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// pages holds one parsed template set per page (layout + content).
var pages = func() map[string]*template.Template {
	funcs := template.FuncMap{
		"bbox": func(b []float64) string {
			return fmt.Sprintf("%.5f, %.5f — %.5f, %.5f", b[0], b[1], b[2], b[3])
		},
	}
	out := map[string]*template.Template{}
	for _, p := range []string{"landing", "conformance", "collections", "collection", "items", "feature", "api", "queryables", "schema"} {
		out[p] = template.Must(template.New("layout").Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/schema-table.html", "templates/map.html", "templates/"+p+".html"))
	}
	return out
}()

// crumb is one step of the breadcrumb.
type crumb struct{ Label, Href string }

// pageData is what every template sees.
type pageData struct {
	Lang, Title, Base  string
	JSONHref, LangHref string
	// AtomHref is the Atom feed of the API's changes.
	AtomHref string
	Crumbs   []crumb
	Doc      any
	Extra    map[string]any
}

// T picks the text in the page's language.
func (p pageData) T(fr, en string) string { return t(p.Lang, fr, en) }

// In picks a bilingual text in the page's language.
func (p pageData) In(x socle.Text) string { return x.In(p.Lang) }

func (s *Server) renderHTML(r *http.Request, lang, page string, doc any, extra map[string]any) ([]byte, error) {
	base := s.base(r)
	d := pageData{Lang: lang, Base: base, Doc: doc, Extra: extra, AtomHref: base + "/changes.atom"}
	// Links to the same resource in JSON and in the other language.
	q := r.URL.Query()
	q.Set("f", "json")
	q.Del("lang")
	d.JSONHref = base + r.URL.Path + "?" + q.Encode()
	q.Set("f", "html")
	q.Set("lang", t(lang, "en", "fr"))
	d.LangHref = base + r.URL.Path + "?" + q.Encode()
	d.Crumbs = []crumb{{Label: "Accueil", Href: base + "/?f=html"}}
	if lang == "en" {
		d.Crumbs[0].Label = "Home"
	}
	switch page {
	case "landing":
		d.Title = s.opts.Title.In(lang)
		d.Crumbs[0].Href = ""
	case "conformance":
		d.Title = t(lang, "Conformité", "Conformance")
		d.Crumbs = append(d.Crumbs, crumb{Label: d.Title})
	case "api":
		d.Title = "API"
		d.Crumbs = append(d.Crumbs, crumb{Label: d.Title})
	case "collections":
		d.Title = "Collections"
		d.Crumbs = append(d.Crumbs, crumb{Label: d.Title})
	default:
		c := extra["Collection"].(*socle.Collection)
		d.Title = c.Title.In(lang)
		d.Crumbs = append(d.Crumbs, crumb{Label: "Collections", Href: base + "/collections?f=html"})
		if page == "collection" {
			d.Crumbs = append(d.Crumbs, crumb{Label: c.Title.In(lang)})
		} else {
			d.Crumbs = append(d.Crumbs, crumb{Label: c.Title.In(lang), Href: base + "/collections/" + c.ID + "?f=html"})
			switch page {
			case "items":
				d.Crumbs = append(d.Crumbs, crumb{Label: t(lang, "Objets", "Features")})
			case "queryables":
				d.Crumbs = append(d.Crumbs, crumb{Label: t(lang, "Propriétés interrogeables", "Queryables")})
			case "schema":
				d.Crumbs = append(d.Crumbs, crumb{Label: t(lang, "Schéma", "Schema")})
			default:
				d.Crumbs = append(d.Crumbs, crumb{Label: t(lang, "Objets", "Features"), Href: base + "/collections/" + c.ID + "/items?f=html"},
					crumb{Label: fmt.Sprint(extra["Row"].(htmlRow).ID)})
			}
		}
	}
	var buf bytes.Buffer
	if err := pages[page].ExecuteTemplate(&buf, "layout", d); err != nil {
		return nil, &socle.Error{Code: socle.EINTERNAL, Message: "template", Err: err}
	}
	return buf.Bytes(), nil
}

// mapView is what a page's web map shows (see templates/map.html).
type mapView struct {
	BBox, Style, Collection, IDs, FeaturesURL string
}

// bboxString writes a CRS84 box for the map, or "" when there is none.
func bboxString(b orb.Bound, ok bool) string {
	if !ok {
		return ""
	}
	return fmt.Sprintf("%.6f,%.6f,%.6f,%.6f", b.Min[0], b.Min[1], b.Max[0], b.Max[1])
}

// styleFor is the style of a collection's map: its own when there is one.
func styleFor(c *socle.Collection) string {
	if slices.Contains(styleIDs(), c.ID) {
		return c.ID
	}
	return ""
}

// htmlRow is a feature laid out for a table: values in catalog order.
type htmlRow struct {
	ID     any
	Values []string
}

// htmlRow lays out a record for a table: its id, and the values of cols
// in their order (r holds them in that order).
func htmlRowOf(r *socle.Record, cols []socle.Property) htmlRow {
	hr := htmlRow{ID: r.ID, Values: make([]string, len(cols))}
	for i, c := range cols {
		hr.Values[i] = display(c, r.Values[i])
	}
	return hr
}

// display writes a value as a table cell shows it.
func display(p socle.Property, v any) string {
	if b, ok := v.(bool); ok {
		if b {
			return "✓"
		}
		return "✗"
	}
	return socle.FormatValue(p.Type, v)
}

// lonLatBound returns the bounds of g (storage CRS) in longitude and
// latitude.
func lonLatBound(g orb.Geometry) (orb.Bound, bool) {
	tr, err := crs.NewTransformer(socle.StorageSRID, crs.CRS84.SRID)
	if err != nil || g == nil {
		return orb.Bound{}, false
	}
	ll, err := crs.TransformGeometry(g, tr)
	if err != nil {
		return orb.Bound{}, false
	}
	return ll.Bound(), true
}

// geometryText writes g (storage CRS) as GeoJSON in c, rounded to c's
// precision, for people to read.
func geometryText(g orb.Geometry, c crs.CRS) string {
	tr, err := crs.NewTransformer(socle.StorageSRID, c.SRID)
	if err != nil {
		return ""
	}
	out, err := crs.TransformGeometry(g, tr)
	if err != nil {
		return ""
	}
	if c.YX {
		out = crs.SwapAxes(out)
	}
	out = orb.Round(out, int(math.Pow10(c.Decimals())))
	b, err := geojson.NewGeometry(out).MarshalJSON()
	if err != nil {
		return ""
	}
	return string(b)
}

func (s *Server) itemsHTML(w http.ResponseWriter, r *http.Request, c *socle.Collection, q *socle.ItemsQuery) {
	lang := language(r)
	cols := q.Properties
	var rows []htmlRow
	var bound orb.Bound
	var ids []string
	haveBound := false
	page, err := s.store.Records(r.Context(), q, func(rec *socle.Record) error {
		hr := htmlRowOf(rec, cols)
		rows = append(rows, hr)
		ids = append(ids, fmt.Sprint(hr.ID))
		if b, ok := lonLatBound(rec.Geometry); ok {
			if haveBound {
				bound = bound.Union(b)
			} else {
				bound, haveBound = b, true
			}
		}
		return nil
	})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	extra := map[string]any{"Collection": c, "Columns": cols, "Rows": rows, "Page": page, "From": 0, "To": 0, "Downloads": s.downloadMenu(r, lang)}
	fj := r.URL.Query()
	fj.Set("f", "json")
	fj.Set("crs", crs.CRS84.URI)
	extra["Map"] = mapView{BBox: bboxString(bound, haveBound), Style: styleFor(c), Collection: c.ID,
		IDs: strings.Join(ids, ","), FeaturesURL: s.base(r) + r.URL.Path + "?" + fj.Encode()}
	if len(rows) > 0 {
		extra["From"], extra["To"] = 1, len(rows)
	}
	for _, l := range s.itemsLinks(r, c, q, page, lang) {
		if l.Rel == "next" || l.Rel == "prev" {
			u, _ := url.Parse(l.Href)
			v := u.Query()
			v.Set("f", "html")
			u.RawQuery = v.Encode()
			if l.Rel == "next" {
				extra["Next"] = u.String()
			} else {
				extra["Prev"] = u.String()
			}
		}
	}
	s.respond(w, r, FormatHTML, lang, nil, "items", extra)
}

func (s *Server) featureHTML(w http.ResponseWriter, r *http.Request, fq *socle.FeatureQuery, links []features.Link, lang string) {
	c := fq.Collection
	rec, err := s.store.FeatureRecord(r.Context(), fq)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	hr := htmlRowOf(rec, fq.Properties)
	geom := geometryText(rec.Geometry, fq.CRS)
	if len(geom) > 400 {
		geom = geom[:400] + "… (" + strconv.Itoa(len(geom)) + " octets)"
	}
	b, ok := lonLatBound(rec.Geometry)
	mv := mapView{BBox: bboxString(b, ok), Style: styleFor(c), Collection: c.ID, IDs: fmt.Sprint(hr.ID),
		FeaturesURL: s.base(r) + r.URL.Path + "?f=json"}
	s.respond(w, r, FormatHTML, lang, links, "feature", map[string]any{"Collection": c, "Columns": fq.Properties, "Row": hr, "Geometry": geom, "Map": mv,
		"Downloads": s.featureDownloads(r), "ZAN": s.zanCharts(r.Context(), r, c, rec, fq.Properties, lang)})
}

// assets serves the embedded stylesheet and scripts.
func (s *Server) assets(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.StripPrefix("/", http.FileServerFS(assetFS)).ServeHTTP(w, r)
}
