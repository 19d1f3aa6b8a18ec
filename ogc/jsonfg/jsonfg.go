// Package jsonfg writes OGC Features and Geometries JSON (JSON-FG, the
// 0.2.x draft, OGC 21-045): features and feature collections that are
// GeoJSON documents with the members JSON-FG adds — "conformsTo" on the
// root object, "coordRefSys", "place" (the geometry in the requested CRS,
// in that CRS's axis order), "time" (an instant or an interval taken from
// named temporal properties) and "featureType".
//
// The draft's rules the encoder follows (clause 8, "Core"):
//   - In CRS84 the geometry is a GeoJSON geometry: "geometry" holds it and
//     "place" is null (a point, line or polygon in CRS84 may not be in
//     "place", /req/core/place).
//   - In any other CRS "place" holds it, in the axis order of the CRS
//     (latitude first for EPSG:4326, /req/core/axis-order), with the CRS
//     in "coordRefSys" on the root object; "geometry" is null, unless a
//     transformation to WGS 84 is given (Options.Fallback): then
//     "geometry" carries the longitude/latitude fallback and the document
//     must be served as MediaTypeCompatible (/req/core/fallback).
//   - "time" and "place" are always present (null when unknown); "time"
//     holds a "date" (date properties) or a UTC "timestamp" (date-time
//     properties), or an "interval" whose open ends are "..".
//   - "conformsTo" is on the root object only; the Feature Types and
//     Schemas class is declared when a feature type is given, which is
//     then written once on the collection (/rec/types-schemas/
//     homogeneous-collection), with "geometryDimension" when every
//     feature's geometry has the same dimension.
//
// Features are streamed: the collection's members come first, then each
// feature as it arrives, then "numberReturned" and "geometryDimension",
// which are known only at the end (JSON objects are unordered).
//
// The package owns the JSON-FG encoding. It is storage-free and imports the
// feature stream contract (ogc/featurestream), the CRS package (ogc/crs),
// the OGC API link type (ogc/features) and orb.
package jsonfg

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/ogc/crs"
	"github.com/socle-geo/socle/ogc/features"
	"github.com/socle-geo/socle/ogc/featurestream"
)

// Media types (clause 11): the preliminary JSON-FG media type, and the same
// with "compatibility=geojson" for documents whose features carry a WGS 84
// fallback in "geometry" beside "place".
const (
	MediaType           = "application/vnd.ogc.fg+json"
	MediaTypeCompatible = MediaType + ";compatibility=geojson"
)

// Conformance classes of JSON-FG 0.2 the encoder declares.
const (
	ConfCore         = "http://www.opengis.net/spec/json-fg-1/0.2/conf/core"
	ConfTypesSchemas = "http://www.opengis.net/spec/json-fg-1/0.2/conf/types-schemas"
)

// Time names the temporal properties "time" is made of: one instant, or
// the start and end of an interval (either may be null: an open end).
// Both ends of an interval must have the same type, date or date-time.
type Time struct {
	Instant    string
	Start, End string
}

// Options shape the documents.
type Options struct {
	// CRS is the CRS of the features' geometries (zero: CRS84).
	CRS crs.CRS
	// Decimals rounds the coordinates of "place" (and of "geometry" in
	// CRS84) to that many decimals (0: the shortest exact text);
	// CRS.Decimals() keeps about a centimetre.
	Decimals int
	// Fallback transforms from CRS.SRID to longitude/latitude on WGS 84
	// (crs.NewTransformer(srid, 4326)). With it, and a CRS other than
	// CRS84, "geometry" carries the fallback geometry (7 decimals) and the
	// document is MediaTypeCompatible.
	Fallback crs.Transformer
	// FeatureType is the type of every feature (e.g. the collection id);
	// "" declares none.
	FeatureType string
	// Time names the properties "time" is made of; zero: "time" is null.
	Time Time
	// Links of the document (collection, or single feature).
	Links []features.Link
	// NumberMatched is the number of features matching the query, when
	// known (collections only).
	NumberMatched *int64
	// TimeStamp is when the response was made (collections only; zero:
	// omitted).
	TimeStamp time.Time
}

// MediaType is the media type the documents must be served with.
func (o Options) MediaType() string {
	if o.Fallback != nil && !isCRS84(o.CRS) {
		return MediaTypeCompatible
	}
	return MediaType
}

func isCRS84(c crs.CRS) bool { return c.URI == "" || c.URI == crs.CRS84.URI }

// fallbackDecimals keeps about a centimetre in degrees.
const fallbackDecimals = 7

// writer holds what both document kinds need.
type writer struct {
	cols []featurestream.Column
	opts Options
	crs  crs.CRS
	// instant, start, end are column indexes of the temporal properties
	// (-1: none).
	instant, start, end int
	buf                 []byte
}

func newWriter(cols []featurestream.Column, opts Options) (*writer, error) {
	if err := featurestream.CheckColumns(cols); err != nil {
		return nil, err
	}
	w := &writer{cols: cols, opts: opts, crs: opts.CRS, instant: -1, start: -1, end: -1}
	if isCRS84(w.crs) {
		w.crs = crs.CRS84
	}
	find := func(name string) (int, error) {
		for i, c := range cols {
			if c.Name == name {
				if c.Type != featurestream.TypeDate && c.Type != featurestream.TypeDateTime {
					return -1, fmt.Errorf("jsonfg: time property %q is a %s, not a date or a date-time", name, c.Type)
				}
				return i, nil
			}
		}
		return -1, fmt.Errorf("jsonfg: no time property %q", name)
	}
	t := opts.Time
	var err error
	switch {
	case t.Instant != "" && (t.Start != "" || t.End != ""):
		return nil, errors.New("jsonfg: time is an instant or an interval, not both")
	case t.Instant != "":
		if w.instant, err = find(t.Instant); err != nil {
			return nil, err
		}
	case t.Start != "" || t.End != "":
		if t.Start == "" || t.End == "" {
			return nil, errors.New("jsonfg: an interval needs a start and an end property")
		}
		if w.start, err = find(t.Start); err != nil {
			return nil, err
		}
		if w.end, err = find(t.End); err != nil {
			return nil, err
		}
		if cols[w.start].Type != cols[w.end].Type {
			return nil, fmt.Errorf("jsonfg: interval of a %s and a %s (/req/core/interval)", cols[w.start].Type, cols[w.end].Type)
		}
	}
	return w, nil
}

// appendRootMembers appends the members only a root object has,
// "conformsTo" and "coordRefSys", and a comma.
func (w *writer) appendRootMembers(b []byte) []byte {
	b = append(b, `"conformsTo":["`+ConfCore...)
	if w.opts.FeatureType != "" {
		b = append(b, `","`+ConfTypesSchemas...)
	}
	b = append(b, `"],"coordRefSys":`...)
	b = appendString(b, w.crs.URI)
	b = append(b, ',')
	return b
}

// appendFeature appends f as a JSON-FG feature object; root adds the
// members only the root object has.
func (w *writer) appendFeature(b []byte, f *featurestream.Feature, root bool) ([]byte, error) {
	if err := featurestream.Check(w.cols, f); err != nil {
		return b, err
	}
	b = append(b, `{"type":"Feature",`...)
	if root {
		b = w.appendRootMembers(b)
		if w.opts.FeatureType != "" {
			b = append(b, `"featureType":`...)
			b = appendString(b, w.opts.FeatureType)
			b = append(b, ',')
		}
	}
	switch id := f.ID.(type) {
	case int64:
		b = strconv.AppendInt(append(b, `"id":`...), id, 10)
		b = append(b, ',')
	case string:
		b = appendString(append(b, `"id":`...), id)
		b = append(b, ',')
	}
	b = w.appendTime(append(b, `"time":`...), f)
	g := f.Geometry
	if isCRS84(w.crs) {
		b = append(b, `,"place":null,"geometry":`...)
		b = appendGeometry(b, g, false, w.opts.Decimals)
	} else {
		b = append(b, `,"place":`...)
		b = appendGeometry(b, g, w.crs.YX, w.opts.Decimals)
		b = append(b, `,"geometry":`...)
		if w.opts.Fallback == nil || g == nil {
			b = append(b, "null"...)
		} else {
			ll, err := crs.TransformGeometry(g, w.opts.Fallback)
			if err != nil {
				return b, fmt.Errorf("jsonfg: feature %v: WGS 84 fallback: %w", f.ID, err)
			}
			b = appendGeometry(b, ll, false, fallbackDecimals)
		}
	}
	b = append(b, `,"properties":{`...)
	for i, c := range w.cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendString(b, c.Name), ':')
		var err error
		if b, err = appendValue(b, c, f.Values[i]); err != nil {
			return b, fmt.Errorf("jsonfg: feature %v: %w", f.ID, err)
		}
	}
	b = append(b, '}')
	if root && w.opts.Links != nil {
		js, err := json.Marshal(w.opts.Links)
		if err != nil {
			return b, err
		}
		b = append(append(b, `,"links":`...), js...)
	}
	return append(b, '}'), nil
}

// appendTime appends the "time" member's value.
func (w *writer) appendTime(b []byte, f *featurestream.Feature) []byte {
	switch {
	case w.instant >= 0:
		v, ok := f.Values[w.instant].(time.Time)
		if !ok {
			return append(b, "null"...)
		}
		if w.cols[w.instant].Type == featurestream.TypeDate {
			b = append(b, `{"date":"`...)
		} else {
			b = append(b, `{"timestamp":"`...)
		}
		b = appendInstant(b, w.cols[w.instant].Type, v)
		return append(b, `"}`...)
	case w.start >= 0:
		s, sok := f.Values[w.start].(time.Time)
		e, eok := f.Values[w.end].(time.Time)
		if !sok && !eok {
			return append(b, "null"...)
		}
		b = append(b, `{"interval":["`...)
		if sok {
			b = appendInstant(b, w.cols[w.start].Type, s)
		} else {
			b = append(b, ".."...)
		}
		b = append(b, `","`...)
		if eok {
			b = appendInstant(b, w.cols[w.end].Type, e)
		} else {
			b = append(b, ".."...)
		}
		return append(b, `"]}`...)
	}
	return append(b, "null"...)
}

// appendInstant writes a full-date, or a date-time in UTC ("Z",
// /req/core/utc).
func appendInstant(b []byte, t featurestream.Type, v time.Time) []byte {
	if t == featurestream.TypeDate {
		return v.AppendFormat(b, time.DateOnly)
	}
	return v.UTC().AppendFormat(b, time.RFC3339Nano)
}

// appendValue appends a property value as JSON: dates as full-dates,
// date-times in RFC 3339 as they are (with their offset), objects as they
// are, non-finite numbers (which JSON lacks) as null.
func appendValue(b []byte, c featurestream.Column, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, v), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return append(b, "null"...), nil
		}
		return featurestream.AppendDecimal(b, v, 0), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case time.Time:
		b = append(b, '"')
		if c.Type == featurestream.TypeDate {
			b = v.AppendFormat(b, time.DateOnly)
		} else {
			b = v.AppendFormat(b, time.RFC3339Nano)
		}
		return append(b, '"'), nil
	case json.RawMessage:
		if !json.Valid(v) {
			return b, fmt.Errorf("property %q is not valid JSON", c.Name)
		}
		return append(b, v...), nil
	}
	return b, fmt.Errorf("property %q: unexpected %T", c.Name, v)
}

// WriteFeature writes one feature as a JSON-FG feature document (the
// response of /collections/{id}/items/{featureId}).
func WriteFeature(out io.Writer, cols []featurestream.Column, f *featurestream.Feature, opts Options) error {
	w, err := newWriter(cols, opts)
	if err != nil {
		return err
	}
	b, err := w.appendFeature(make([]byte, 0, 1024), f, true)
	if err != nil {
		return err
	}
	_, err = out.Write(b)
	return err
}

// Encoder writes a JSON-FG feature collection, one feature at a time. It
// is a featurestream.Encoder.
type Encoder struct {
	w       *writer
	out     *bufio.Writer
	n       int64
	dim     int // geometry dimension of every feature so far; -1 mixed, -2 none yet
	started bool
	closed  bool
}

var _ featurestream.Encoder = (*Encoder)(nil)

// NewEncoder returns an encoder of a feature collection of schema cols to
// out. Nothing is written before the first Encode or Close.
func NewEncoder(out io.Writer, cols []featurestream.Column, opts Options) (*Encoder, error) {
	w, err := newWriter(cols, opts)
	if err != nil {
		return nil, err
	}
	return &Encoder{w: w, out: bufio.NewWriterSize(out, 64<<10), dim: -2}, nil
}

func (e *Encoder) start() error {
	if e.started {
		return nil
	}
	e.started = true
	o := e.w.opts
	b := append(e.w.buf[:0], `{"type":"FeatureCollection",`...)
	b = e.w.appendRootMembers(b)
	if o.FeatureType != "" {
		b = append(b, `"featureType":`...)
		b = append(appendString(b, o.FeatureType), ',')
	}
	if !o.TimeStamp.IsZero() {
		b = append(b, `"timeStamp":"`...)
		b = o.TimeStamp.UTC().AppendFormat(b, time.RFC3339)
		b = append(b, `",`...)
	}
	if o.NumberMatched != nil {
		b = strconv.AppendInt(append(b, `"numberMatched":`...), *o.NumberMatched, 10)
		b = append(b, ',')
	}
	if o.Links != nil {
		js, err := json.Marshal(o.Links)
		if err != nil {
			return err
		}
		b = append(append(append(b, `"links":`...), js...), ',')
	}
	b = append(b, `"features":[`...)
	e.w.buf = b
	_, err := e.out.Write(b)
	return err
}

// Encode writes f into the collection.
func (e *Encoder) Encode(f *featurestream.Feature) error {
	if e.closed {
		return featurestream.ErrClosed
	}
	if err := e.start(); err != nil {
		return err
	}
	b := e.w.buf[:0]
	if e.n > 0 {
		b = append(b, ',')
	}
	b, err := e.w.appendFeature(b, f, false)
	if err != nil {
		return err
	}
	e.w.buf = b
	e.n++
	switch d := dimension(f.Geometry); {
	case e.dim == -2:
		e.dim = d
	case e.dim != d:
		e.dim = -1
	}
	_, err = e.out.Write(b)
	return err
}

// Close ends the collection with "numberReturned" (and
// "geometryDimension" when every geometry had the same) and flushes.
func (e *Encoder) Close() error { return e.CloseWith(Trailer{}) }

// Trailer holds the members of a collection known only once its features
// are written: a server learns whether there is a next page, and how many
// features matched, when the store has streamed the page.
type Trailer struct {
	NumberMatched *int64
	Links         []features.Link
}

// CloseWith is Close, writing t's members after the features (JSON
// objects are unordered; a member given in Options too is written once,
// from Options).
func (e *Encoder) CloseWith(t Trailer) error {
	if e.closed {
		return nil
	}
	e.closed = true
	if err := e.start(); err != nil {
		return err
	}
	b := strconv.AppendInt(append(e.w.buf[:0], `],"numberReturned":`...), e.n, 10)
	if t.NumberMatched != nil && e.w.opts.NumberMatched == nil {
		b = strconv.AppendInt(append(b, `,"numberMatched":`...), *t.NumberMatched, 10)
	}
	if t.Links != nil && e.w.opts.Links == nil {
		js, err := json.Marshal(t.Links)
		if err != nil {
			return err
		}
		b = append(append(b, `,"links":`...), js...)
	}
	if e.w.opts.FeatureType != "" && e.dim >= 0 {
		b = strconv.AppendInt(append(b, `,"geometryDimension":`...), int64(e.dim), 10)
	}
	b = append(b, '}')
	if _, err := e.out.Write(b); err != nil {
		return err
	}
	return e.out.Flush()
}

// dimension is 0 for points, 1 for lines, 2 for surfaces, -1 for none or
// a collection.
func dimension(g orb.Geometry) int {
	switch g.(type) {
	case orb.Point, orb.MultiPoint:
		return 0
	case orb.LineString, orb.MultiLineString:
		return 1
	case orb.Polygon, orb.MultiPolygon, orb.Ring, orb.Bound:
		return 2
	}
	return -1
}

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD,
// as encoding/json does.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
