package server

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
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
	Crumbs             []crumb
	Doc                any
	Extra              map[string]any
}

// T picks the text in the page's language.
func (p pageData) T(fr, en string) string { return t(p.Lang, fr, en) }

// In picks a bilingual text in the page's language.
func (p pageData) In(x socle.Text) string { return x.In(p.Lang) }

func (s *Server) renderHTML(r *http.Request, lang, page string, doc any, extra map[string]any) ([]byte, error) {
	base := s.base(r)
	d := pageData{Lang: lang, Base: base, Doc: doc, Extra: extra}
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

// geometryBound reads the bounds of a GeoJSON geometry.
func geometryBound(raw []byte) (orb.Bound, bool) {
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil || g.Coordinates == nil {
		return orb.Bound{}, false
	}
	return g.Coordinates.Bound(), true
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

// columns are the properties shown: the selection, or all in catalog order.
func columns(c *socle.Collection, selected []string) []socle.Property {
	if selected == nil {
		return c.Properties
	}
	var out []socle.Property
	for _, n := range selected {
		p, _ := c.Property(n)
		out = append(out, p)
	}
	return out
}

func row(f *socle.Feature, cols []socle.Property) (htmlRow, error) {
	var id any
	var props map[string]any
	if err := json.Unmarshal(f.ID, &id); err != nil {
		return htmlRow{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(f.Properties))
	dec.UseNumber()
	if err := dec.Decode(&props); err != nil {
		return htmlRow{}, err
	}
	r := htmlRow{ID: id}
	for _, c := range cols {
		r.Values = append(r.Values, display(props[c.Name]))
	}
	return r, nil
}

func display(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "✓"
		}
		return "✗"
	case json.Number:
		return x.String()
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

func (s *Server) itemsHTML(w http.ResponseWriter, r *http.Request, c *socle.Collection, q socle.ItemsQuery) {
	lang := language(r)
	cols := columns(c, q.Properties)
	var rows []htmlRow
	var bound orb.Bound
	var ids []string
	haveBound := false
	q.CRS = crs.CRS84 // the map and the page speak longitude, latitude
	page, err := s.store.Items(r.Context(), q, func(f *socle.Feature) error {
		hr, err := row(f, cols)
		rows = append(rows, hr)
		ids = append(ids, fmt.Sprint(hr.ID))
		if b, ok := geometryBound(f.Geometry); ok {
			if haveBound {
				bound = bound.Union(b)
			} else {
				bound, haveBound = b, true
			}
		}
		return err
	})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	extra := map[string]any{"Collection": c, "Columns": cols, "Rows": rows, "Page": page, "From": 0, "To": 0}
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

func (s *Server) featureHTML(w http.ResponseWriter, r *http.Request, c *socle.Collection, f *socle.Feature, links []features.Link, lang string) {
	cols := columns(c, nil)
	hr, err := row(f, cols)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	geom := string(f.Geometry)
	if len(geom) > 400 {
		geom = geom[:400] + "… (" + strconv.Itoa(len(f.Geometry)) + " octets)"
	}
	b, ok := geometryBound(f.Geometry)
	mv := mapView{BBox: bboxString(b, ok), Style: styleFor(c), Collection: c.ID, IDs: fmt.Sprint(hr.ID),
		FeaturesURL: s.base(r) + r.URL.Path + "?f=json"}
	s.respond(w, r, FormatHTML, lang, links, "feature", map[string]any{"Collection": c, "Columns": cols, "Row": hr, "Geometry": geom, "Map": mv})
}

// assets serves the embedded stylesheet and scripts.
func (s *Server) assets(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.StripPrefix("/", http.FileServerFS(assetFS)).ServeHTTP(w, r)
}
