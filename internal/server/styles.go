package server

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/features"
	"github.com/socle-geo/socle/styles"
)

// Style media types.
const (
	MediaMapboxStyle = "application/vnd.mapbox.style+json"
	MediaQML         = "application/vnd.qgis.qml+xml"
)

// styleIDs lists the styles that exist as MapLibre JSON.
func styleIDs() []string {
	entries, _ := fs.Glob(styles.FS, "*.json")
	var ids []string
	for _, e := range entries {
		ids = append(ids, strings.TrimSuffix(e, ".json"))
	}
	slices.Sort(ids)
	return ids
}

// visibleStyleIDs are the styles the caller may know of: not those of a
// collection hidden from it.
func (s *Server) visibleStyleIDs(r *http.Request) []string {
	p := principal(r)
	return slices.DeleteFunc(styleIDs(), func(id string) bool {
		c, ok := s.catalog.Collection(id)
		return ok && !visible(p, c)
	})
}

// styleTitle reads the title a style gives itself (metadata socle:title).
func styleTitle(id, lang string) string {
	b, err := fs.ReadFile(styles.FS, id+".json")
	if err != nil {
		return id
	}
	var st struct {
		Name     string `json:"name"`
		Metadata struct {
			Title map[string]string `json:"socle:title"`
		} `json:"metadata"`
	}
	if json.Unmarshal(b, &st) == nil {
		if t := st.Metadata.Title[lang]; t != "" {
			return t
		}
		if st.Name != "" {
			return st.Name
		}
	}
	return id
}

func (s *Server) styleList(w http.ResponseWriter, r *http.Request) {
	f, ok := s.format(w, r, FormatJSON)
	if !ok || !s.checkParams(w, r, nil) {
		return
	}
	lang := language(r)
	type entry struct {
		ID    string          `json:"id"`
		Title string          `json:"title"`
		Links []features.Link `json:"links"`
	}
	var doc struct {
		Default string          `json:"default"`
		Styles  []entry         `json:"styles"`
		Links   []features.Link `json:"links"`
	}
	doc.Default = "territoire"
	doc.Links = []features.Link{s.link(r, "/styles", nil, "self", features.MediaJSON, "")}
	for _, id := range s.visibleStyleIDs(r) {
		e := entry{ID: id, Title: styleTitle(id, lang), Links: []features.Link{
			s.link(r, "/styles/"+id, nil, "stylesheet", MediaMapboxStyle, "MapLibre / Mapbox GL"),
		}}
		if _, err := fs.Stat(styles.FS, id+".qml"); err == nil {
			e.Links = append(e.Links, s.link(r, "/styles/"+id, url.Values{"f": {"qml"}}, "stylesheet", MediaQML, "QGIS (QML)"))
		}
		doc.Styles = append(doc.Styles, e)
	}
	s.respond(w, r, f, lang, doc, "styles", nil)
}

// style answers one style, with its URLs made absolute for this server.
func (s *Server) style(w http.ResponseWriter, r *http.Request) {
	id := path.Base(chi.URLParam(r, "styleId"))
	// The style of a hidden collection does not exist for the caller.
	if ids := s.visibleStyleIDs(r); !slices.Contains(ids, id) {
		s.problem(w, r, &socle.Error{Code: socle.ENOTFOUND, Message: "no style " + id, Allowed: ids})
		return
	}
	if !s.checkParams(w, r, nil) {
		return
	}
	file, ctype := id+".json", MediaMapboxStyle
	switch f := r.URL.Query().Get("f"); f {
	case "", "mapbox", "json":
	case "qml":
		file, ctype = id+".qml", MediaQML
	default:
		s.problemStatus(w, r, http.StatusNotAcceptable, "styles are available as: mapbox, qml", "mapbox", "qml")
		return
	}
	b, err := fs.ReadFile(styles.FS, file)
	if err != nil {
		s.problem(w, r, &socle.Error{Code: socle.ENOTFOUND, Message: "no " + r.URL.Query().Get("f") + " encoding of style " + id})
		return
	}
	b = bytes.ReplaceAll(b, []byte("{base}"), []byte(s.base(r)))
	if ctype == MediaMapboxStyle {
		b = s.filterStyle(r, b)
	} else {
		b = s.filterQML(r, b)
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(b)
}
