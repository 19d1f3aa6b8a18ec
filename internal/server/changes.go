package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/metadata"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
	"github.com/socle-geo/socle/ogc/features"
)

// The change feed of a collection: /collections/{id}/changes, every change
// since a token, each with the feature as the change left it, for clients
// that keep a copy in step (socle sync, an observatory's harvester).

// changesParams are the parameters of /changes.
var changesParams = []string{"since", "limit", "coalesce", "properties", "crs"}

// feedLimit is the default page of a feed: large, as clients read feeds
// to their end.
const feedLimit = 1000

func (s *Server) changes(w http.ResponseWriter, r *http.Request) {
	c, _, ok := s.collectionRoute(w, r, FormatJSON)
	if !ok || !s.checkParams(w, r, changesParams) {
		return
	}
	req, err := s.changesRequest(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	q, err := socle.ResolveChanges(c, req)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	lang := language(r)
	enc, err := newEntryEncoder(c, q)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	tw := &trackingWriter{ResponseWriter: w}
	bw := bufio.NewWriterSize(tw, 32<<10)
	h := w.Header()
	h.Set("Content-Type", features.MediaJSON)
	h.Set("Content-Crs", "<"+q.CRS.URI+">")
	h.Set("Content-Language", lang)
	// A feed's next page is always the same; its last page grows.
	h.Set("Cache-Control", "no-cache")
	bw.WriteString(`{"type":"ChangeFeed","collection":`)
	bw.Write(socle.AppendJSONString(nil, c.ID))
	bw.WriteString(`,"changes":[`)
	n := 0
	page, err := s.store.Changes(r.Context(), q, func(e *socle.ChangeEntry) error {
		if n > 0 {
			bw.WriteByte(',')
		}
		n++
		b, err := enc.entry(e)
		if err != nil {
			return err
		}
		_, err = bw.Write(b)
		return err
	})
	if err != nil {
		if tw.wrote {
			s.log.Error("change feed stream failed", "request_id", requestID(r.Context()), "error", err)
			panic(http.ErrAbortHandler)
		}
		if socle.ErrorCode(err) == socle.EGONE {
			// Where to start again: the whole collection.
			for _, l := range s.reloadLinks(r, c, lang) {
				h.Add("Link", fmt.Sprintf("<%s>; rel=%q; type=%q", l.Href, l.Rel, l.Type))
			}
		}
		s.problem(w, r, err)
		return
	}
	bw.WriteString(`],"numberReturned":`)
	bw.WriteString(strconv.Itoa(page.Returned))
	bw.WriteString(`,"token":`)
	bw.Write(socle.AppendJSONString(nil, page.Token))
	bw.WriteString(`,"more":`)
	bw.WriteString(strconv.FormatBool(page.More))
	bw.WriteString(`,"timeStamp":"`)
	bw.WriteString(s.opts.Now().UTC().Format(time.RFC3339))
	bw.WriteString(`","links":`)
	lb, _ := json.Marshal(s.changesLinks(r, c, page, lang))
	bw.Write(lb)
	bw.WriteString("}\n")
	if err := bw.Flush(); err != nil {
		s.log.Debug("client left", "request_id", requestID(r.Context()), "error", err)
	}
}

// changesRequest parses the parameters of a feed.
func (s *Server) changesRequest(r *http.Request) (socle.ChangesRequest, error) {
	v := r.URL.Query()
	var req socle.ChangesRequest
	for name, vals := range v {
		if len(vals) > 1 {
			return req, socle.Errorf(socle.EINVALID, "parameter %s is given %d times", name, len(vals))
		}
	}
	var err error
	if req.Limit, err = features.ParseLimit(v.Get("limit"), min(feedLimit, s.opts.MaxLimit), s.opts.MaxLimit); err != nil {
		return req, err
	}
	if req.CRS, err = parseCRS(v, "crs"); err != nil {
		return req, err
	}
	if v.Has("properties") {
		req.Properties = parseList(v.Get("properties"))
	}
	switch co := v.Get("coalesce"); co {
	case "", "false":
	case "true":
		req.Coalesce = true
	default:
		return req, &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("coalesce: %q is neither true nor false", co), Allowed: []string{"true", "false"}}
	}
	req.Since = v.Get("since")
	return req, nil
}

// changesLinks are a feed page's links: itself, the next page, the
// collection, and where to load it whole.
func (s *Server) changesLinks(r *http.Request, c *socle.Collection, page socle.ChangesPage, lang string) []features.Link {
	self := s.base(r) + r.URL.Path
	links := []features.Link{{Href: self + query(r.URL.Query()), Rel: "self", Type: features.MediaJSON, Title: t(lang, "Cette page", "This page")}}
	if page.More {
		v := r.URL.Query()
		v.Set("since", page.Token)
		links = append(links, features.Link{Href: self + query(v), Rel: "next", Type: features.MediaJSON, Title: t(lang, "Page suivante", "Next page")})
	}
	links = append(links, features.Link{Href: s.base(r) + "/collections/" + c.ID, Rel: "collection", Type: features.MediaJSON, Title: c.Title.In(lang)})
	return append(links, s.reloadLinks(r, c, lang)...)
}

// reloadLinks are where a client loads a collection whole: its items, and
// its bulk downloads when a dataset holds it.
func (s *Server) reloadLinks(r *http.Request, c *socle.Collection, lang string) []features.Link {
	links := []features.Link{{Href: s.base(r) + "/collections/" + c.ID + "/items", Rel: "items", Type: features.MediaGeoJSON, Title: t(lang, "Toutes les entités", "All the features")}}
	if s.meta == nil {
		return links
	}
	for _, d := range s.meta.Files().Datasets {
		if !metadata.Visible(r.Context(), d) || !containsString(d.Collections, c.ID) {
			continue
		}
		for _, f := range s.meta.Formats() {
			links = append(links, features.Link{Href: metadata.DownloadURL(s.rootBase(r), d.ID, c.ID, f), Rel: "enclosure", Type: f.MediaType,
				Title: fmt.Sprintf(t(lang, "%s : toutes les données (%s)", "%s: all the data (%s)"), c.Title.In(lang), f.Name)})
		}
		break
	}
	return links
}

func query(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// entryEncoder writes feed entries: the features as GeoJSON in the asked
// CRS, as the items are; tombstones with their box.
type entryEncoder struct {
	c     *socle.Collection
	q     *socle.ChangesQuery
	tr    crs.Transformer
	dec   int
	textP bool
}

func newEntryEncoder(c *socle.Collection, q *socle.ChangesQuery) (*entryEncoder, error) {
	e := &entryEncoder{c: c, q: q, dec: q.CRS.Decimals(), textP: c.IDType == socle.TypeString}
	if q.CRS.SRID != c.StorageSRID() {
		tr, err := crs.NewTransformer(c.StorageSRID(), q.CRS.SRID)
		if err != nil {
			return nil, &socle.Error{Code: socle.EINVALID, Message: "crs: " + q.CRS.URI + " is not served for this collection", Err: err}
		}
		e.tr = tr
	}
	return e, nil
}

// transform returns g in the output CRS (nil when it cannot be: a
// position outside the CRS's domain).
func (e *entryEncoder) transform(g orb.Geometry) orb.Geometry {
	if g == nil || e.tr == nil {
		return g
	}
	out, err := crs.TransformGeometry(g, e.tr)
	if err != nil {
		return nil
	}
	return out
}

func (e *entryEncoder) entry(en *socle.ChangeEntry) ([]byte, error) {
	b := []byte(`{"seq":`)
	b = strconv.AppendInt(b, en.Seq, 10)
	b = append(b, `,"change":"`...)
	b = append(b, en.Op...)
	b = append(b, `","id":`...)
	b = e.appendID(b, en.FeatureID)
	b = append(b, `,"batch":`...)
	b = socle.AppendJSONString(b, en.Batch)
	b = append(b, `,"time":`...)
	b = socle.AppendJSONString(b, socle.FormatDateTime(en.Time))
	if en.Record == nil {
		if g := e.transform(boxOf(en.Bound)); g != nil {
			bb := g.Bound()
			box := []float64{bb.Min[0], bb.Min[1], bb.Max[0], bb.Max[1]}
			if e.q.CRS.YX {
				box = []float64{bb.Min[1], bb.Min[0], bb.Max[1], bb.Max[0]}
			}
			b = append(b, `,"bbox":[`...)
			for i, v := range box {
				if i > 0 {
					b = append(b, ',')
				}
				b = features.AppendOrdinate(b, v, e.dec)
			}
			b = append(b, ']')
		}
		if len(en.Keys) > 0 {
			props := make([]socle.Property, 0, len(en.Keys))
			vals := make([]any, 0, len(en.Keys))
			for _, k := range e.c.Keys {
				if p, ok := e.c.Property(k); ok {
					props, vals = append(props, p), append(vals, en.Keys[k])
				}
			}
			js, err := socle.PropertiesJSON(props, vals)
			if err != nil {
				return nil, err
			}
			b = append(b, `,"keys":`...)
			b = append(b, js...)
		}
		return append(b, '}'), nil
	}
	b = append(b, `,"feature":{"type":"Feature","id":`...)
	b = e.appendID(b, en.FeatureID)
	b = append(b, `,"geometry":`...)
	if g := e.transform(en.Record.Geometry); g != nil {
		b = features.AppendGeometry(b, g, e.q.CRS, e.dec)
	} else {
		b = append(b, "null"...)
	}
	props, err := socle.PropertiesJSON(e.q.Properties, en.Record.Values)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"properties":`...)
	b = append(b, props...)
	return append(b, "}}"...), nil
}

func (e *entryEncoder) appendID(b []byte, id string) []byte {
	if e.textP {
		return socle.AppendJSONString(b, id)
	}
	return append(b, id...)
}

// boxOf is a bound as a geometry to transform (nil for none).
func boxOf(b orb.Bound) orb.Geometry {
	if b == (orb.Bound{}) {
		return nil
	}
	return orb.Polygon{orb.Ring{b.Min, {b.Min[0], b.Max[1]}, b.Max, {b.Max[0], b.Min[1]}, b.Min}}
}
