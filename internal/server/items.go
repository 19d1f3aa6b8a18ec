package server

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/cql2"
	"github.com/socle-geo/socle/ogc/crs"
	"github.com/socle-geo/socle/ogc/features"
	"github.com/socle-geo/socle/ogc/jsonfg"
)

// itemsParams are the standard parameters of /items; the collection's
// queryables are accepted too, as simple property filters.
var itemsParams = []string{"f", "lang", "bbox", "bbox-crs", "crs", "datetime", "limit", "cursor", "properties", "sortby",
	"filter", "filter-lang", "filter-crs", "geometry", "separator", "bom"}

// checkParams answers 400 when the request has a parameter the resource does
// not know: a typo would otherwise silently return unfiltered data.
func (s *Server) checkParams(w http.ResponseWriter, r *http.Request, extra []string) bool {
	return s.checkParamsIn(w, r, requestParams(r), extra)
}

// requestParams is r's query parameters, nil when it has none (most tile
// and single-feature requests, for which parsing makes an empty map).
func requestParams(r *http.Request) url.Values {
	if r.URL.RawQuery == "" {
		return nil
	}
	return r.URL.Query()
}

// checkParamsIn is checkParams on the request's parameters v, parsed once
// by the caller.
func (s *Server) checkParamsIn(w http.ResponseWriter, r *http.Request, v url.Values, extra []string) bool {
	if len(v) == 0 {
		return true
	}
	for name := range v {
		if name != "f" && name != "lang" && !slices.Contains(extra, name) {
			known := append([]string{"f", "lang"}, extra...)
			slices.Sort(known)
			s.problem(w, r, &socle.Error{Code: socle.EINVALID, Message: "unknown parameter " + name, Allowed: known})
			return false
		}
	}
	return true
}

// itemsRequest parses the request's parameters: their syntax only; what
// they mean for c is checked by socle.ResolveItems.
func (s *Server) itemsRequest(v url.Values, c *socle.Collection) (socle.ItemsRequest, error) {
	var q socle.ItemsRequest
	for name, vals := range v {
		if len(vals) > 1 {
			return q, socle.Errorf(socle.EINVALID, "parameter %s is given %d times", name, len(vals))
		}
	}
	var err error
	if q.Limit, err = features.ParseLimit(v.Get("limit"), s.opts.DefaultLimit, s.opts.MaxLimit); err != nil {
		return q, err
	}
	if q.CRS, err = parseCRS(v, "crs"); err != nil {
		return q, err
	}
	if q.BBoxCRS, err = parseCRS(v, "bbox-crs"); err != nil {
		return q, err
	}
	if v.Has("bbox-crs") && !v.Has("bbox") {
		return q, socle.Errorf(socle.EINVALID, "bbox-crs is given without a bbox")
	}
	if v.Has("bbox") {
		bc := q.BBoxCRS
		if bc.URI == "" {
			bc = crs.CRS84
		}
		if q.BBox, err = parseBBox(v.Get("bbox"), bc); err != nil {
			return q, err
		}
	}
	if v.Has("datetime") {
		start, end, err := features.ParseDatetime(v.Get("datetime"))
		if err != nil {
			return q, err
		}
		q.Datetime = &socle.Interval{Start: start, End: end}
	}
	if v.Has("properties") {
		q.Properties = parseList(v.Get("properties"))
	}
	if v.Has("sortby") {
		for _, key := range strings.Split(v.Get("sortby"), ",") {
			// "+" arrives as a space when the client did not escape it.
			key = strings.TrimSpace(key)
			desc := strings.HasPrefix(key, "-")
			q.SortBy = append(q.SortBy, socle.SortKey{Property: strings.TrimLeft(key, "+-"), Desc: desc})
		}
	}
	if err := parseFilter(v, &q); err != nil {
		return q, err
	}
	q.Cursor = v.Get("cursor")
	queryables := c.Queryables()
	for name := range v {
		if slices.Contains(itemsParams, name) {
			continue
		}
		if !slices.Contains(queryables, name) {
			allowed := append(slices.Clone(itemsParams), queryables...)
			return q, &socle.Error{Code: socle.EINVALID, Message: "unknown parameter " + name + " (neither a standard parameter nor a queryable property)", Allowed: allowed}
		}
		q.Equals = append(q.Equals, socle.TextEquals{Property: name, Value: v.Get(name)})
	}
	return q, nil
}

// parseFilter reads filter, filter-lang and filter-crs (Features Part 3).
func parseFilter(v url.Values, q *socle.ItemsRequest) error {
	if !v.Has("filter") {
		for _, p := range []string{"filter-lang", "filter-crs"} {
			if v.Has(p) {
				return socle.Errorf(socle.EINVALID, "%s is given without a filter", p)
			}
		}
		return nil
	}
	text := v.Get("filter")
	var (
		e   cql2.Expr
		err error
	)
	switch lang := v.Get("filter-lang"); lang {
	case "", "cql2-text":
		e, err = cql2.ParseText(text)
	case "cql2-json":
		e, err = cql2.ParseJSON([]byte(text))
	case "cql-text":
		// The text encoding of the CQL draft, which GDAL up to 3.6 sends:
		// CQL2 text but for dates, written as plain strings.
		e, err = cql2.ParseText(text)
		q.LegacyDates = true
	default:
		return &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("filter-lang %q is not supported", lang), Allowed: []string{"cql2-text", "cql2-json", "cql-text"}}
	}
	if err != nil {
		return &socle.Error{Code: socle.EINVALID, Message: "filter: " + err.Error()}
	}
	q.Filter = e
	q.FilterCRS, err = parseCRS(v, "filter-crs")
	return err
}

// parseCRS reads a CRS parameter; absent gives the zero CRS (CRS84).
func parseCRS(v url.Values, name string) (crs.CRS, error) {
	if !v.Has(name) {
		return crs.CRS{}, nil
	}
	c, err := crs.Parse(v.Get(name))
	if err != nil {
		return c, &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("%s: %q is not a supported CRS", name, v.Get(name)), Allowed: crs.URIs()}
	}
	return c, nil
}

// parseBBox reads bbox in the axis order of c, checking degree ranges for
// geographic CRS.
func parseBBox(s string, c crs.CRS) (*socle.BBox, error) {
	if c == crs.CRS84 {
		minx, miny, maxx, maxy, err := features.ParseCRS84BBox(s)
		return &socle.BBox{MinX: minx, MinY: miny, MaxX: maxx, MaxY: maxy}, err
	}
	a, b, cc, d, err := features.ParseBBox(s)
	if err != nil {
		return nil, err
	}
	if a > cc {
		return nil, &features.ParamError{Param: "bbox", Msg: "the lower corner is right of the upper corner"}
	}
	if c.Geographic && c.YX && (a < -90 || cc > 90 || b < -180 || d > 180) {
		return nil, &features.ParamError{Param: "bbox", Msg: "in " + c.URI + " the box is minlat,minlon,maxlat,maxlon, in range"}
	}
	return &socle.BBox{MinX: a, MinY: b, MaxX: cc, MaxY: d}, nil
}

// parseList parses a comma-separated list of names (properties=); empty
// selects none.
func parseList(list string) []string {
	out := []string{}
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) items(w http.ResponseWriter, r *http.Request) {
	c, f, ok := s.collectionRoute(w, r, itemsOffered...)
	if !ok {
		return
	}
	v := r.URL.Query()
	req, err := s.itemsRequest(v, c)
	if err == nil {
		err = checkFormatParams(v, f)
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	q, err := socle.ResolveItems(c, req)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	switch f {
	case FormatHTML:
		s.itemsHTML(w, r, c, q)
		return
	case FormatCSV, FormatFGB, FormatJSONFG:
		s.itemsFormat(w, r, c, q, f)
		return
	case FormatGPKG:
		s.itemsGeoPackage(w, r, c, q)
		return
	}
	lang := language(r)
	tw := &trackingWriter{ResponseWriter: w}
	bw := bufio.NewWriterSize(tw, 32<<10)
	h := w.Header()
	h.Set("Content-Type", features.MediaGeoJSON)
	h.Set("Content-Crs", "<"+q.CRS.URI+">")
	h.Set("Content-Language", lang)
	h.Set("Cache-Control", "public, max-age=30")

	bw.WriteString(`{"type":"FeatureCollection","features":[`)
	n := 0
	page, err := s.store.Items(r.Context(), q, func(ft *socle.Feature) error {
		if n > 0 {
			bw.WriteByte(',')
		}
		n++
		writeFeature(bw, ft)
		return nil
	})
	if err != nil {
		if tw.wrote {
			// Headers and part of the body are gone: cut the response so the
			// client cannot mistake it for a complete one.
			s.log.Error("items stream failed", "request_id", requestID(r.Context()), "error", err)
			panic(http.ErrAbortHandler)
		}
		s.problem(w, r, err)
		return
	}
	links := s.itemsLinks(r, c, q, page, lang)
	bw.WriteString(`],"numberMatched":`)
	bw.WriteString(strconv.FormatInt(page.NumberMatched, 10))
	bw.WriteString(`,"numberReturned":`)
	bw.WriteString(strconv.Itoa(page.NumberReturned))
	bw.WriteString(`,"timeStamp":"`)
	bw.WriteString(s.opts.Now().UTC().Format(time.RFC3339))
	bw.WriteString(`","links":`)
	lb, _ := json.Marshal(links)
	bw.Write(lb)
	bw.WriteString("}\n")
	if err := bw.Flush(); err != nil {
		s.log.Debug("client left", "request_id", requestID(r.Context()), "error", err)
	}
}

// writeFeature copies one feature's JSON fragments into a GeoJSON Feature.
func writeFeature(bw *bufio.Writer, f *socle.Feature) {
	bw.Write(append(appendFeatureOpen(bw.AvailableBuffer(), f), '}'))
}

// appendFeatureOpen appends f as a GeoJSON feature without its closing
// brace, so that a single feature's response can add its links.
func appendFeatureOpen(dst []byte, f *socle.Feature) []byte {
	dst = append(dst, `{"type":"Feature","id":`...)
	dst = append(dst, f.ID...)
	dst = append(dst, `,"geometry":`...)
	dst = append(dst, f.Geometry...)
	dst = append(dst, `,"properties":`...)
	return append(dst, f.Properties...)
}

// trackingWriter notes whether anything reached the client.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (t *trackingWriter) Write(b []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(b)
}

// itemsLinks returns self, alternate, next, prev and collection links; next
// and prev keep every parameter of the request but the cursor.
func (s *Server) itemsLinks(r *http.Request, c *socle.Collection, q *socle.ItemsQuery, page socle.Page, lang string) []features.Link {
	base := s.base(r)
	path := base + "/collections/" + c.ID + "/items?"
	kept := newKeptQuery(r.URL.Query())
	var cursor string
	if q.Cursor != nil {
		cursor = q.EncodeCursor(q.Cursor)
	}
	link := func(f, cursor, rel, typ, title string) features.Link {
		return features.Link{Href: path + kept.encode(f, cursor), Rel: rel, Type: typ, Title: title}
	}
	links := make([]features.Link, 0, 5+len(itemsFormats))
	links = append(links,
		link("json", cursor, "self", features.MediaGeoJSON, t(lang, "Cette page en GeoJSON", "This page as GeoJSON")),
		link("html", cursor, "alternate", features.MediaHTML, t(lang, "Cette page en HTML", "This page as HTML")))
	for _, ff := range itemsFormats {
		links = append(links, link(string(ff.Format), cursor, "alternate", ff.MediaType, t(lang, ff.FR, ff.EN)))
	}
	if page.Next != nil {
		links = append(links, link("json", q.EncodeCursor(page.Next), "next", features.MediaGeoJSON, t(lang, "Page suivante", "Next page")))
	}
	if page.Prev != nil {
		links = append(links, link("json", q.EncodeCursor(page.Prev), "prev", features.MediaGeoJSON, t(lang, "Page précédente", "Previous page")))
	}
	links = append(links, features.Link{Href: base + "/collections/" + c.ID, Rel: "collection", Type: features.MediaJSON, Title: c.Title.In(lang)})
	return links
}

// keptQuery is a request's query but f and cursor, each parameter encoded
// once as url.Values.Encode writes it, in the order of its keys: a page's
// links all share it (encoding the whole query again for each of its ten
// links was ~5 % of a bbox page's CPU).
type keptQuery []keptParam

type keptParam struct{ key, encoded string }

func newKeptQuery(v url.Values) keptQuery {
	kept := make(keptQuery, 0, len(v))
	for k, vals := range v {
		if k == "f" || k == "cursor" {
			continue
		}
		kept = append(kept, keptParam{k, url.Values{k: vals}.Encode()})
	}
	slices.SortFunc(kept, func(a, b keptParam) int { return strings.Compare(a.key, b.key) })
	return kept
}

// encode returns the query with f and, unless empty, cursor: what
// url.Values.Encode returns for the request's parameters with those set.
func (kq keptQuery) encode(f, cursor string) string {
	extra := []keptParam{{"f", "f=" + url.QueryEscape(f)}}
	if cursor != "" {
		extra = []keptParam{{"cursor", "cursor=" + url.QueryEscape(cursor)}, extra[0]} // "cursor" < "f"
	}
	var b strings.Builder
	add := func(p keptParam) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.encoded)
	}
	i := 0
	for _, p := range kq {
		for i < len(extra) && extra[i].key < p.key {
			add(extra[i])
			i++
		}
		add(p)
	}
	for ; i < len(extra); i++ {
		add(extra[i])
	}
	return b.String()
}

func (s *Server) feature(w http.ResponseWriter, r *http.Request) {
	c, f, ok := s.collectionRoute(w, r, FormatJSON, FormatHTML, FormatJSONFG)
	if !ok {
		return
	}
	lang := language(r)
	// JSON answers of public collections are cached until the collection
	// changes: the URL (valid, or it would not be there), the base of the
	// links and the language make the key.
	var key string
	var stamp []uint64
	if f == FormatJSON && c.Access == socle.AccessPublic {
		if s.features.enabled() {
			key = s.base(r) + "\x00" + lang + "\x00" + r.URL.Path + "?" + r.URL.RawQuery
		}
		if e, hit := s.features.get(key); hit {
			s.writeFeatureJSON(w, r, e, lang, true)
			return
		}
		stamp = s.features.stamp([]string{c.ID})
	}
	v := requestParams(r)
	if !s.checkParamsIn(w, r, v, []string{"properties", "crs"}) {
		return
	}
	var props []string
	if v.Has("properties") {
		props = parseList(v.Get("properties"))
	}
	out, err := parseCRS(v, "crs")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	fq, err := socle.ResolveFeature(c, chi.URLParam(r, "featureId"), props, out)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	links := s.featureLinks(r, c, fq.ID, f, lang)
	if f == FormatJSONFG {
		s.featureJSONFG(w, r, fq, links)
		return
	}
	if f == FormatHTML {
		s.featureHTML(w, r, fq, links, lang)
		return
	}
	ft, err := s.store.Feature(r.Context(), fq)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	// The feature's object without its closing brace, then its links.
	size := len(ft.ID) + len(ft.Geometry) + len(ft.Properties) + 96
	for _, l := range links {
		size += len(l.Href) + len(l.Rel) + len(l.Type) + len(l.Title) + 48
	}
	body := appendFeatureOpen(make([]byte, 0, size), ft)
	body = append(appendLinksJSON(append(body, `,"links":`...), links), "}\n"...)
	sum := sha256.Sum256(body)
	e := &cachedResponse{key: key, layers: []string{c.ID}, data: body, etag: `"` + lang + "-" + hex.EncodeToString(sum[:12]) + `"`,
		crs: fq.CRS.URI}
	e.withHeaders()
	if key != "" {
		s.features.put(e, stamp)
	}
	s.writeFeatureJSON(w, r, e, lang, false)
}

// featureLinks returns a feature's links for format f: itself in each
// format (self in f), then its collection. The hrefs are written once here
// rather than through link's url.Values (this answer is the hottest there is).
func (s *Server) featureLinks(r *http.Request, c *socle.Collection, id string, f Format, lang string) []features.Link {
	base := s.base(r)
	href := base + "/collections/" + c.ID + "/items/" + url.PathEscape(id) + "?f="
	links := []features.Link{
		{Href: href + "json", Rel: "self", Type: features.MediaGeoJSON, Title: t(lang, "Ce document en JSON", "This document as JSON")},
		{Href: href + "html", Rel: "alternate", Type: features.MediaHTML, Title: t(lang, "Ce document en HTML", "This document as HTML")},
		{Href: href + string(FormatJSONFG), Rel: "alternate", Type: jsonfg.MediaType, Title: t(lang, "Cet objet en JSON-FG", "This feature as JSON-FG")},
		{Href: base + "/collections/" + c.ID, Rel: "collection", Type: features.MediaJSON, Title: c.Title.In(lang)},
	}
	switch f {
	case FormatHTML:
		links[0].Rel, links[1].Rel = "alternate", "self"
		links[0], links[1] = links[1], links[0]
	case FormatJSONFG:
		links[0].Rel, links[2].Rel = "alternate", "self"
		links[0], links[1], links[2] = links[2], links[0], links[1]
	}
	return links
}

// writeFeatureJSON answers with a single feature's GeoJSON, or 304 when the
// client holds it.
func (s *Server) writeFeatureJSON(w http.ResponseWriter, r *http.Request, e *cachedResponse, lang string, hit bool) {
	h := w.Header()
	h["Content-Type"] = valueGeoJSON
	h["Content-Crs"] = e.crsValue
	h["Content-Language"] = languageValue(lang)
	h["Cache-Control"] = valuePublic30
	h["Etag"] = e.etagValue
	h["X-Cache"] = cacheValue(hit)
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, e.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(e.data)
}
