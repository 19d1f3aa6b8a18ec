package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/features"
	"github.com/socle-geo/socle/ogc/tiles"
)

// MediaMVT is the media type of Mapbox Vector Tiles.
const MediaMVT = "application/vnd.mapbox-vector-tile"

// Invalidate drops the cached tiles and features a change touched. The
// serve command feeds it the store's change notifications, from this
// instance and others.
func (s *Server) Invalidate(ch socle.Change) {
	n := s.tiles.invalidate(ch)
	m := s.features.invalidate(ch)
	if s.metrics != nil {
		s.metrics.changes.WithLabelValues(ch.Collection).Inc()
	}
	for _, sub := range s.subs {
		sub.srv.Invalidate(ch)
	}
	s.warmAfter(ch.Collection)
	s.log.Debug("caches invalidated", "collection", ch.Collection, "version", ch.Version, "tiles", n, "features", m)
}

// FlushCaches empties the tile and feature caches (e.g. after a lost
// notification link).
func (s *Server) FlushCaches() {
	s.tiles.flush()
	s.features.flush()
	for _, sub := range s.subs {
		sub.srv.FlushCaches()
	}
}

func (s *Server) tileMatrixSet(w http.ResponseWriter, r *http.Request, id string) (*tiles.TileMatrixSet, bool) {
	for _, set := range s.tms {
		if set.ID == id {
			return set, true
		}
	}
	var ids []string
	for _, set := range s.tms {
		ids = append(ids, set.ID)
	}
	s.problem(w, r, &socle.Error{Code: socle.ENOTFOUND, Message: "no tile matrix set " + id, Allowed: ids})
	return nil, false
}

func (s *Server) tileMatrixSets(w http.ResponseWriter, r *http.Request) {
	f, ok := s.format(w, r, FormatJSON)
	if !ok || !s.checkParams(w, r, nil) {
		return
	}
	type ref struct {
		ID    string          `json:"id"`
		Title string          `json:"title,omitempty"`
		URI   string          `json:"uri,omitempty"`
		CRS   string          `json:"crs,omitempty"`
		Links []features.Link `json:"links"`
	}
	var doc struct {
		TileMatrixSets []ref `json:"tileMatrixSets"`
	}
	for _, set := range s.tms {
		doc.TileMatrixSets = append(doc.TileMatrixSets, ref{ID: set.ID, Title: set.Title, URI: set.URI, CRS: set.CRS,
			Links: []features.Link{s.link(r, "/tileMatrixSets/"+set.ID, nil, "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", features.MediaJSON, set.Title)}})
	}
	s.respond(w, r, f, language(r), doc, "tms", nil)
}

func (s *Server) tileMatrixSetDoc(w http.ResponseWriter, r *http.Request) {
	set, ok := s.tileMatrixSet(w, r, chi.URLParam(r, "tmsId"))
	if !ok {
		return
	}
	f, ok := s.format(w, r, FormatJSON)
	if !ok || !s.checkParams(w, r, nil) {
		return
	}
	s.respond(w, r, f, language(r), set, "tms", nil)
}

// tileLayers returns the collections a tile request covers: one, or every
// public one for dataset tiles.
func (s *Server) tileLayers(r *http.Request) ([]*socle.Collection, bool) {
	if id := chi.URLParam(r, "collectionId"); id != "" {
		c, ok := s.catalog.Collection(id)
		if ok {
			markRead(r, c)
		}
		return []*socle.Collection{c}, ok && visible(principal(r), c)
	}
	// A layer the caller may not see is absent; the tile cache keys on the
	// layers, so a tile made for one caller never reaches another.
	var out []*socle.Collection
	for _, c := range s.visibleCollections(r) {
		if c.Tiles.MaxResolution > 0 {
			markRead(r, c)
			out = append(out, c)
		}
	}
	return out, true
}

// tilesPrefix is the path of the tiles' parent: a collection's, or the
// dataset's ("").
func tilesPrefix(r *http.Request) string {
	if id := chi.URLParam(r, "collectionId"); id != "" {
		return "/collections/" + id
	}
	return ""
}

// minZoom is the first tile matrix of t fine enough for c.
func minZoom(set *tiles.TileMatrixSet, c *socle.Collection) int {
	for z := range set.TileMatrices {
		// The resolution at the territory's latitude (Mercator) or the cell
		// size (equal-area grids).
		res := set.TileMatrices[z].CellSize
		if set.SRID == 3857 {
			res *= 0.7254 // cos(43.5°): the Sicoval; good to a zoom level across France
		}
		if res <= c.Tiles.MaxResolution {
			return z
		}
	}
	return len(set.TileMatrices) - 1
}

// tileset answers the tileset metadata (OGC API – Tiles) or TileJSON.
func (s *Server) tileset(w http.ResponseWriter, r *http.Request) {
	layers, ok := s.tileLayers(r)
	prefix := tilesPrefix(r)
	if !ok {
		s.lookup(w, r)
		return
	}
	set, ok := s.tileMatrixSet(w, r, chi.URLParam(r, "tmsId"))
	if !ok {
		return
	}
	lang := language(r)
	if r.URL.Query().Get("f") == "tilejson" {
		if !s.checkParams(w, r, nil) {
			return
		}
		if set.SRID != 3857 {
			s.problem(w, r, socle.Errorf(socle.EINVALID, "TileJSON describes WebMercatorQuad tiles only"))
			return
		}
		s.respond(w, r, FormatJSON, lang, s.tileJSON(r, set, layers, prefix, lang), "tilejson", nil)
		return
	}
	f, ok := s.format(w, r, FormatJSON)
	if !ok || !s.checkParams(w, r, nil) {
		return
	}
	path := prefix + "/tiles/" + set.ID
	type layer struct {
		ID                string          `json:"id"`
		Title             string          `json:"title,omitempty"`
		DataType          string          `json:"dataType"`
		GeometryDimension int             `json:"geometryDimension"`
		MinTileMatrix     string          `json:"minTileMatrix"`
		MaxTileMatrix     string          `json:"maxTileMatrix"`
		PropertiesSchema  map[string]any  `json:"propertiesSchema"`
		Links             []features.Link `json:"links,omitempty"`
	}
	doc := struct {
		Title            string          `json:"title"`
		DataType         string          `json:"dataType"`
		CRS              string          `json:"crs"`
		TileMatrixSetURI string          `json:"tileMatrixSetURI"`
		Links            []features.Link `json:"links"`
		Layers           []layer         `json:"layers"`
	}{
		Title:            t(lang, "Tuiles vectorielles du territoire", "Vector tiles of the territory"),
		DataType:         "vector",
		CRS:              set.CRS,
		TileMatrixSetURI: set.URI,
		Links: []features.Link{
			s.link(r, path, nil, "self", features.MediaJSON, ""),
			s.link(r, "/tileMatrixSets/"+set.ID, nil, "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", features.MediaJSON, set.Title),
			{Href: s.base(r) + path + "/{tileMatrix}/{tileRow}/{tileCol}?f=mvt", Rel: "item", Type: MediaMVT, Templated: true,
				Title: t(lang, "Tuiles Mapbox Vector Tiles", "Mapbox Vector Tiles")},
		},
	}
	if set.SRID == 3857 {
		doc.Links = append(doc.Links, s.link(r, path, url.Values{"f": {"tilejson"}}, "describedby", features.MediaJSON, "TileJSON 3.0"))
	}
	for _, c := range layers {
		props := map[string]any{}
		for _, name := range c.Tiles.Properties {
			p, _ := c.Property(name)
			props[name] = propSchema(p, lang)
		}
		dim := map[string]int{"Point": 0, "LineString": 1, "Polygon": 2, "MultiPolygon": 2}[c.GeometryType]
		doc.Layers = append(doc.Layers, layer{ID: c.ID, Title: c.Title.In(lang), DataType: "vector", GeometryDimension: dim,
			MinTileMatrix: strconv.Itoa(minZoom(set, c)), MaxTileMatrix: strconv.Itoa(len(set.TileMatrices) - 1),
			PropertiesSchema: map[string]any{"type": "object", "properties": props},
			Links:            []features.Link{s.link(r, "/collections/"+c.ID, nil, "collection", features.MediaJSON, c.Title.In(lang))}})
	}
	s.respond(w, r, f, lang, doc, "tileset", nil)
}

// tileJSON describes the WebMercatorQuad tiles for MapLibre and QGIS with a
// plain {z}/{x}/{y} template.
func (s *Server) tileJSON(r *http.Request, set *tiles.TileMatrixSet, layers []*socle.Collection, prefix, lang string) map[string]any {
	type vl struct {
		ID          string            `json:"id"`
		Description string            `json:"description,omitempty"`
		Fields      map[string]string `json:"fields"`
		MinZoom     int               `json:"minzoom"`
		MaxZoom     int               `json:"maxzoom"`
	}
	var vls []vl
	minz := 24
	bounds := []float64{-180, -85.05, 180, 85.05}
	for i, c := range layers {
		fields := c.TileFields()
		z := minZoom(set, c)
		minz = min(minz, z)
		vls = append(vls, vl{ID: c.ID, Description: c.Title.In(lang), Fields: fields, MinZoom: z, MaxZoom: 16})
		if sum, err := s.store.Summary(r.Context(), c); err == nil && sum.BBox != nil {
			b := sum.BBox
			if i == 0 || bounds[0] == -180 {
				bounds = []float64{b.MinX, b.MinY, b.MaxX, b.MaxY}
			} else {
				bounds = []float64{min(bounds[0], b.MinX), min(bounds[1], b.MinY), max(bounds[2], b.MaxX), max(bounds[3], b.MaxY)}
			}
		}
	}
	return map[string]any{
		"tilejson":      "3.0.0",
		"name":          s.opts.Title.In(lang),
		"description":   t(lang, "Tuiles vectorielles (Mapbox Vector Tiles) du territoire", "Vector tiles (Mapbox Vector Tiles) of the territory"),
		"attribution":   t(lang, "Sicoval ; limites communales IGN Admin Express", "Sicoval; municipal boundaries IGN Admin Express"),
		"scheme":        "xyz",
		"tiles":         []string{s.base(r) + prefix + "/tiles/" + set.ID + "/{z}/{y}/{x}?f=mvt"},
		"minzoom":       minz,
		"maxzoom":       16,
		"bounds":        bounds,
		"center":        []float64{(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, float64(max(minz, 11))},
		"vector_layers": vls,
	}
}

// tile answers one vector tile, from the cache when it holds it.
func (s *Server) tile(w http.ResponseWriter, r *http.Request) {
	layers, ok := s.tileLayers(r)
	if !ok {
		s.lookup(w, r)
		return
	}
	set, ok := s.tileMatrixSet(w, r, chi.URLParam(r, "tmsId"))
	if !ok {
		return
	}
	v := requestParams(r)
	if f := v.Get("f"); f != "" && f != "mvt" {
		s.problemStatus(w, r, http.StatusNotAcceptable, "tiles are available as: mvt", "mvt")
		return
	}
	if !s.checkParamsIn(w, r, v, nil) {
		return
	}
	tl, err := set.Parse(chi.URLParam(r, "tileMatrix"), chi.URLParam(r, "tileRow"), chi.URLParam(r, "tileCol"))
	if err != nil {
		code := socle.EINVALID
		if te, ok := err.(*tiles.TileError); ok && te.Missing {
			code = socle.ENOTFOUND
		}
		s.problem(w, r, &socle.Error{Code: code, Message: err.Error()})
		return
	}
	q := socle.TileQuery{Tile: tl, Collections: layers}
	var (
		e   *cachedResponse
		hit bool
	)
	if !q.Drawn() {
		// Empty whatever the data (a scale none of the layers is drawn
		// at): the one empty tile, without a key, the cache, a flight or
		// the store. "hit": it is not rendered.
		e, hit = emptyTile, true
	} else {
		e, hit, err = s.renderedTile(r.Context(), set, q)
		if err != nil {
			s.problem(w, r, tileFailure(err))
			return
		}
	}
	h := w.Header()
	h["Content-Type"] = valueMVT
	h["Etag"] = e.etagValue
	h["X-Cache"] = cacheValue(hit)
	// Clients revalidate every time (a 304 is cheap): a tile is never stale.
	h["Cache-Control"] = valueNoCache
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, e.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Length"] = e.lengthValue
	_, _ = w.Write(e.data)
}

// emptyTile is the entry of a tile with nothing in it, shared by every
// tile at a scale its layers are not drawn at (its bounds and layers are
// not used: it is never in the cache).
var emptyTile = (&cachedResponse{etag: tileETag(nil), lengthValue: sharedValue("0")}).withHeaders()

// renderedTile returns q's tile from the cache (hit), or renders it once
// for every request that asks for it meanwhile, and caches it.
func (s *Server) renderedTile(ctx context.Context, set *tiles.TileMatrixSet, q socle.TileQuery) (*cachedResponse, bool, error) {
	ids := make([]string, len(q.Collections))
	for i, c := range q.Collections {
		ids[i] = c.ID
	}
	key := set.ID + "/" + q.Tile.String() + "/" + strings.Join(ids, ",")
	if e, hit := s.tiles.get(key); hit {
		return e, true, nil
	}
	e, err := s.tileFlights.do(ctx, key, func(ctx context.Context) (*cachedResponse, error) {
		// The stamp of the render, not of each request that joins it:
		// a change after it started keeps its tile out of the cache.
		stamp := s.tiles.stamp(ids)
		data, err := s.store.Tile(ctx, q)
		if err != nil {
			return nil, err
		}
		e := cachedTile(key, set, q.Tile, ids, data)
		s.tiles.put(e, stamp)
		return e, nil
	})
	return e, false, err
}

// cachedTile is the cache entry of a tile's data.
func cachedTile(key string, set *tiles.TileMatrixSet, tl tiles.Tile, ids []string, data []byte) *cachedResponse {
	x0, y0, x1, y1 := tl.Bounds()
	m := (x1 - x0) * socle.TileBuffer / socle.TileExtent
	e := &cachedResponse{key: key, srid: set.SRID, bounds: [4]float64{x0 - m, y0 - m, x1 + m, y1 + m}, layers: ids,
		data: data, etag: tileETag(data)}
	// A tile's only: a single feature's Content-Length is left to net/http,
	// as it was.
	e.lengthValue = sharedValue(strconv.Itoa(len(data)))
	return e.withHeaders()
}

// tileETag is the ETag of a tile's data.
func tileETag(data []byte) string {
	sum := sha256.Sum256(data)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// tileFailure is what a failed tile request answers. A tile is a bounded
// piece of work its client cannot narrow: a statement timeout means the
// server is busy, and the answer is the 503 with Retry-After of a full
// pool, not the "narrow it" of a page. (The request's own time budget
// passing is the same 503 on every route: see problem.)
func tileFailure(err error) error {
	if socle.ErrorCode(err) == socle.ETIMEOUT {
		return &socle.Error{Code: socle.EUNAVAILABLE, Message: "the server is busy, retry shortly", Err: err}
	}
	return err
}

// tilesets lists the tilesets of the dataset or of a collection.
func (s *Server) tilesets(w http.ResponseWriter, r *http.Request) {
	_, ok := s.tileLayers(r)
	prefix := tilesPrefix(r)
	if !ok {
		s.lookup(w, r)
		return
	}
	f, ok := s.format(w, r, FormatJSON)
	if !ok || !s.checkParams(w, r, nil) {
		return
	}
	lang := language(r)
	type ts struct {
		Title            string          `json:"title"`
		DataType         string          `json:"dataType"`
		CRS              string          `json:"crs"`
		TileMatrixSetURI string          `json:"tileMatrixSetURI"`
		Links            []features.Link `json:"links"`
	}
	var doc struct {
		Links    []features.Link `json:"links"`
		Tilesets []ts            `json:"tilesets"`
	}
	doc.Links = []features.Link{s.link(r, prefix+"/tiles", nil, "self", features.MediaJSON, "")}
	for _, set := range s.tms {
		path := prefix + "/tiles/" + set.ID
		doc.Tilesets = append(doc.Tilesets, ts{Title: set.Title, DataType: "vector", CRS: set.CRS, TileMatrixSetURI: set.URI,
			Links: []features.Link{
				s.link(r, path, nil, "self", features.MediaJSON, set.Title),
				{Href: s.base(r) + path + "/{tileMatrix}/{tileRow}/{tileCol}?f=mvt", Rel: "item", Type: MediaMVT, Templated: true,
					Title: t(lang, "Tuiles Mapbox Vector Tiles", "Mapbox Vector Tiles")},
			}})
	}
	s.respond(w, r, f, lang, doc, "tilesets", nil)
}
