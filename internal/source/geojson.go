package source

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/paulmach/orb/geojson"
)

// GeoJSON (RFC 7946) is read as a stream: the top-level members are
// tokenised until "features", whose features are then decoded one at a
// time. A "crs" member (GeoJSON 2008, still written by GDAL for anything
// but WGS 84) names the CRS; when it comes after the features, the file is
// read through once at Open to find it.

type geojsonReader struct {
	f     *os.File
	dec   *json.Decoder
	num   int
	layer string
	// single is a top-level Feature or geometry, read as the only record.
	single json.RawMessage
	done   bool
}

// geojsonHead is what precedes a GeoJSON file's features (or all of it
// when it has none).
type geojsonHead struct {
	typ        string
	name       string
	crs        json.RawMessage
	featuresAt int64 // offset just after the '[' of "features", -1 if none
}

func scanGeoJSONHead(f *os.File) (*geojsonHead, *json.Decoder, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<16))
	dec.UseNumber()
	h := &geojsonHead{featuresAt: -1}
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, jsonErr(err)
	}
	if tok != json.Delim('{') {
		return nil, nil, errors.New("not GeoJSON: the file is not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, jsonErr(err)
		}
		key, _ := tok.(string)
		switch key {
		case "type":
			if err := dec.Decode(&h.typ); err != nil {
				return nil, nil, fmt.Errorf("the type member: %w", jsonErr(err))
			}
		case "name":
			var v any
			if err := dec.Decode(&v); err != nil {
				return nil, nil, jsonErr(err)
			}
			h.name, _ = v.(string)
		case "crs":
			if err := dec.Decode(&h.crs); err != nil {
				return nil, nil, jsonErr(err)
			}
		case "features":
			tok, err := dec.Token()
			if err != nil {
				return nil, nil, jsonErr(err)
			}
			if tok != json.Delim('[') {
				return nil, nil, errors.New("the features member is not an array")
			}
			h.featuresAt = dec.InputOffset()
			return h, dec, nil
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, nil, jsonErr(err)
			}
		}
	}
	return h, dec, nil
}

// trailingCRS returns the crs member that follows the features array
// starting at offset at (just after its '['), nil if there is none. The
// array is skipped by counting brackets outside strings, far faster than
// decoding it; what follows it (the end of the object) is decoded.
func trailingCRS(f *os.File, at int64) (json.RawMessage, error) {
	if _, err := f.Seek(at, io.SeekStart); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(f, 1<<16)
	depth, inString, escaped := 1, false, false
	for depth > 0 {
		c, err := br.ReadByte()
		if err != nil {
			return nil, errors.New("the JSON ends early (truncated?)")
		}
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
		}
	}
	rest, err := io.ReadAll(io.LimitReader(br, 16<<20))
	if err != nil {
		return nil, err
	}
	rest = bytes.TrimLeft(rest, " \t\r\n")
	if !bytes.HasPrefix(rest, []byte(",")) {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(append([]byte("{"), rest[1:]...), &m); err != nil {
		return nil, fmt.Errorf("after the features: %w", jsonErr(err))
	}
	return m["crs"], nil
}

// jsonErr words a decoding error for people, with its offset.
func jsonErr(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, err)
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return errors.New("the JSON ends early (truncated?)")
	}
	return err
}

func openGeoJSON(path string) (opened, error) {
	name := filepath.Base(path)
	fail := func(err error) (opened, error) { return opened{}, fmt.Errorf("source: %s: %w", name, err) }
	f, err := os.Open(path)
	if err != nil {
		return fail(err)
	}
	h, dec, err := scanGeoJSONHead(f)
	if err != nil {
		f.Close()
		return fail(err)
	}
	o := opened{format: GeoJSON, layer: layerName(path), count: -1}
	if h.name != "" {
		o.layer = h.name
	}
	r := &geojsonReader{f: f, dec: dec, layer: o.layer}
	switch h.typ {
	case "FeatureCollection":
		if h.featuresAt < 0 {
			f.Close()
			return fail(errors.New("a FeatureCollection without a features member"))
		}
		if h.crs == nil {
			// A crs member may follow the features: skip them by their
			// brackets and look.
			crs, err := trailingCRS(f, h.featuresAt)
			if err != nil {
				f.Close()
				return fail(err)
			}
			h.crs = crs
			if err := r.seek(h.featuresAt); err != nil {
				f.Close()
				return fail(err)
			}
		}
	case "Feature", "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection":
		// One feature or geometry: read it whole.
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return fail(err)
		}
		raw, err := io.ReadAll(bufio.NewReader(f))
		if err != nil {
			f.Close()
			return fail(err)
		}
		r.single = raw
	case "":
		f.Close()
		return fail(errors.New("not GeoJSON: no type member"))
	default:
		f.Close()
		return fail(fmt.Errorf("not GeoJSON: type %q", h.typ))
	}
	if h.crs != nil && string(h.crs) != "null" {
		srid, err := geojsonCRS(h.crs)
		if err != nil {
			o.crsErr = err
		}
		o.srid = srid
	} else {
		o.crsNote = "no crs member"
	}
	o.r = r
	o.fieldsFn = func() ([]Field, error) { return geojsonFields(path, h.featuresAt, r.single) }
	return o, nil
}

// seek restarts the decoder at the features array.
func (r *geojsonReader) seek(at int64) error {
	if _, err := r.f.Seek(at, io.SeekStart); err != nil {
		return err
	}
	// The decoder resumes inside the array: give it the '[' back.
	r.dec = json.NewDecoder(io.MultiReader(bytes.NewReader([]byte("[")), bufio.NewReaderSize(r.f, 1<<16)))
	r.dec.UseNumber()
	_, err := r.dec.Token()
	return err
}

// geojsonCRS reads a crs member: {"type": "name", "properties": {"name":
// "urn:ogc:def:crs:EPSG::2154"}} (GeoJSON 2008 §3.1).
func geojsonCRS(raw json.RawMessage) (int, error) {
	var m struct {
		Type       string `json:"type"`
		Properties struct {
			Name string `json:"name"`
			Code any    `json:"code"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return 0, fmt.Errorf("invalid crs member: %w", err)
	}
	switch {
	case m.Properties.Name != "":
		srid, err := ParseCRS(m.Properties.Name)
		if err != nil {
			return 0, fmt.Errorf("crs member: %w", err)
		}
		return srid, nil
	case m.Type == "EPSG" && m.Properties.Code != nil:
		srid, err := ParseCRS(fmt.Sprint(m.Properties.Code))
		if err != nil {
			return 0, fmt.Errorf("crs member: %w", err)
		}
		return srid, nil
	}
	return 0, fmt.Errorf("crs member %s: only named CRS are read", raw)
}

type geojsonFeature struct {
	Type       string          `json:"type"`
	ID         json.RawMessage `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

func (r *geojsonReader) next() (*Record, error) {
	if r.single != nil {
		if r.done {
			return nil, io.EOF
		}
		r.done = true
		r.num = 1
		var f geojsonFeature
		if err := json.Unmarshal(r.single, &f); err != nil {
			return nil, jsonErr(err)
		}
		if f.Type != "Feature" {
			f = geojsonFeature{Type: "Feature", Geometry: r.single}
		}
		return featureRecord(1, &f)
	}
	if r.done || !r.dec.More() {
		r.done = true
		return nil, io.EOF
	}
	r.num++
	var f geojsonFeature
	if err := r.dec.Decode(&f); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			// The value was read whole: the next feature can be.
			return nil, &RecordError{r.num, fmt.Errorf("not a GeoJSON feature: %v", err)}
		}
		r.done = true
		return nil, fmt.Errorf("feature %d: %w", r.num, jsonErr(err))
	}
	return featureRecord(r.num, &f)
}

func featureRecord(num int, f *geojsonFeature) (*Record, error) {
	if f.Type != "Feature" && (f.Type != "" || f.Geometry == nil && f.Properties == nil) {
		// A missing type is tolerated, as GDAL does, on what has a
		// geometry or properties.
		return nil, &RecordError{num, fmt.Errorf("type %q, not a Feature", f.Type)}
	}
	rec := &Record{Num: num}
	if len(f.ID) > 0 && string(f.ID) != "null" {
		id, err := jsonValue(f.ID)
		if err != nil {
			return nil, &RecordError{num, fmt.Errorf("id: %w", err)}
		}
		rec.ID = id
	}
	props, err := jsonProperties(f.Properties)
	if err != nil {
		return nil, &RecordError{num, err}
	}
	rec.Fields = props
	if len(f.Geometry) > 0 && string(f.Geometry) != "null" {
		g, err := geojson.UnmarshalGeometry(f.Geometry)
		if err != nil {
			return nil, &RecordError{num, fmt.Errorf("geometry: %w", err)}
		}
		geom, err := checkGeometry(g.Geometry())
		if err != nil {
			return nil, &RecordError{num, fmt.Errorf("geometry: %w", err)}
		}
		rec.Geometry = geom
	}
	return rec, nil
}

// jsonProperties decodes a properties object: numbers are int64 when
// integral and written without a fraction or exponent, float64 otherwise;
// objects and arrays are kept as their JSON text.
func jsonProperties(raw json.RawMessage) (map[string]any, error) {
	out := map[string]any{}
	if len(raw) == 0 || string(raw) == "null" {
		return out, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("properties: %w", err)
	}
	for k, v := range m {
		x, err := jsonValue(v)
		if err != nil {
			return nil, fmt.Errorf("property %s: %w", k, err)
		}
		out[k] = x
	}
	return out, nil
}

func jsonValue(v json.RawMessage) (any, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return nil, nil
	}
	switch v[0] {
	case 'n':
		return nil, nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case '"':
		var s string
		err := json.Unmarshal(v, &s)
		return s, err
	case '{', '[':
		var c bytes.Buffer
		if err := json.Compact(&c, v); err != nil {
			return nil, err
		}
		return c.String(), nil
	}
	s := string(v)
	if bytes.IndexAny(v, ".eE") < 0 {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%s is not a number", s)
	}
	return f, nil
}

func (r *geojsonReader) close() error { return r.f.Close() }

// geojsonFields reads the file through and returns the union of its
// features' properties, in order of first appearance, typed.
func geojsonFields(path string, featuresAt int64, single json.RawMessage) ([]Field, error) {
	var order []string
	types := map[string]FieldType{}
	add := func(raw json.RawMessage) {
		keys, err := orderedKeys(raw)
		if err != nil {
			return
		}
		p, _ := jsonProperties(raw)
		for _, k := range keys {
			t := valueType(p[k])
			if old, seen := types[k]; seen {
				types[k] = mergeType(old, t)
			} else {
				order = append(order, k)
				types[k] = t
			}
		}
	}
	if single != nil {
		var f geojsonFeature
		if json.Unmarshal(single, &f) == nil {
			add(f.Properties)
		}
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r := &geojsonReader{f: f}
		if err := r.seek(featuresAt); err != nil {
			return nil, fmt.Errorf("source: %s: %w", filepath.Base(path), err)
		}
		for r.dec.More() {
			var feat struct {
				Properties json.RawMessage `json:"properties"`
			}
			if err := r.dec.Decode(&feat); err != nil {
				var te *json.UnmarshalTypeError
				if errors.As(err, &te) {
					continue
				}
				return nil, fmt.Errorf("source: %s: %w", filepath.Base(path), jsonErr(err))
			}
			add(feat.Properties)
		}
	}
	out := make([]Field, len(order))
	for i, k := range order {
		t := types[k]
		if t == "" {
			t = String
		}
		out[i] = Field{k, t}
	}
	return out, nil
}

// orderedKeys lists an object's keys in the order written.
func orderedKeys(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not an object")
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := tok.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// valueType is a value's field type, "" for null.
func valueType(v any) FieldType {
	switch v.(type) {
	case int64:
		return Integer
	case float64:
		return Real
	case bool:
		return Boolean
	case string:
		return String
	}
	return ""
}

func mergeType(a, b FieldType) FieldType {
	switch {
	case a == b || b == "":
		return a
	case a == "":
		return b
	case (a == Integer || a == Real) && (b == Integer || b == Real):
		return Real
	}
	return String
}
