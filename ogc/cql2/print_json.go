package cql2

import (
	"bytes"
	"strconv"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// JSON returns the CQL2-JSON form of e (CQL2 clause 8.3). For a tree that
// passes Check, the result validates against the CQL2-JSON schema (except
// where the schema is stricter than CQL2-Text: empty line strings and
// geometry collections of fewer than two members) and ParseJSON of it
// returns a tree Equal to e.
func JSON(e Expr) ([]byte, error) {
	var b bytes.Buffer
	writeJSON(&b, e)
	return b.Bytes(), nil
}

func writeOp(b *bytes.Buffer, op string, args ...Expr) {
	b.WriteString(`{"op":`)
	writeJSONString(b, op)
	b.WriteString(`,"args":[`)
	for i, a := range args {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSON(b, a)
	}
	b.WriteString("]}")
}

func writeJSONArray(b *bytes.Buffer, es []Expr) {
	b.WriteByte('[')
	for i, e := range es {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSON(b, e)
	}
	b.WriteByte(']')
}

func writeJSON(b *bytes.Buffer, e Expr) {
	switch e := e.(type) {
	case And:
		writeOp(b, "and", e.Args...)
	case Or:
		writeOp(b, "or", e.Args...)
	case Not:
		writeOp(b, "not", e.Arg)
	case Comparison:
		writeOp(b, string(e.Op), e.Left, e.Right)
	case Like:
		writeOp(b, "like", e.Value, e.Pattern)
	case Between:
		writeOp(b, "between", e.Value, e.Low, e.High)
	case In:
		b.WriteString(`{"op":"in","args":[`)
		writeJSON(b, e.Value)
		b.WriteByte(',')
		writeJSONArray(b, e.List)
		b.WriteString("]}")
	case IsNull:
		writeOp(b, "isNull", e.Value)
	case CaseI:
		writeOp(b, "casei", e.Value)
	case AccentI:
		writeOp(b, "accenti", e.Value)
	case Spatial:
		writeOp(b, string(e.Op), e.Left, e.Right)
	case Temporal:
		writeOp(b, string(e.Op), e.Left, e.Right)
	case ArrayPredicate:
		writeOp(b, string(e.Op), e.Left, e.Right)
	case Arithmetic:
		writeOp(b, string(e.Op), e.Left, e.Right)
	case Function:
		writeOp(b, e.Name, e.Args...)
	case Array:
		writeJSONArray(b, e.Items)
	case Property:
		b.WriteString(`{"property":`)
		writeJSONString(b, e.Name)
		b.WriteByte('}')
	case String:
		writeJSONString(b, e.Value)
	case Number:
		b.WriteString(formatNumber(e))
	case Bool:
		b.WriteString(strconv.FormatBool(e.Value))
	case Date:
		b.WriteString(`{"date":"` + formatDate(e.Time) + `"}`)
	case Timestamp:
		b.WriteString(`{"timestamp":"` + formatTimestamp(e.Time) + `"}`)
	case Interval:
		b.WriteString(`{"interval":[`)
		writeJSONBound(b, e.Start)
		b.WriteByte(',')
		writeJSONBound(b, e.End)
		b.WriteString("]}")
	case BBox:
		b.WriteString(`{"bbox":[`)
		for i, f := range e.Extent {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(formatFloat(f))
		}
		b.WriteString("]}")
	case Geometry:
		w := geojsonWriter{b: b, z: e.Z}
		w.geometry(e.Geom)
	default:
		b.WriteString("null")
	}
}

func writeJSONBound(b *bytes.Buffer, e Expr) {
	switch e := e.(type) {
	case nil:
		b.WriteString(`".."`)
	case Date:
		b.WriteString(`"` + formatDate(e.Time) + `"`)
	case Timestamp:
		b.WriteString(`"` + formatTimestamp(e.Time) + `"`)
	default:
		writeJSON(b, e)
	}
}

// writeJSONString writes s as a JSON string, replacing invalid UTF-8.
func writeJSONString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c < 0x20 || c == 0x7f:
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\ufffd`)
		case r == 0x2028 || r == 0x2029:
			b.WriteString(`\u202`)
			b.WriteByte(hex[r&0xf])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	b.WriteByte('"')
}

// geojsonWriter writes a geometry as a GeoJSON geometry object, taking Z
// ordinates in order.
type geojsonWriter struct {
	b *bytes.Buffer
	z []float64
	i int
}

func (w *geojsonWriter) position(p orb.Point) {
	w.b.WriteByte('[')
	w.b.WriteString(formatFloat(p[0]))
	w.b.WriteByte(',')
	w.b.WriteString(formatFloat(p[1]))
	if w.z != nil && w.i < len(w.z) {
		w.b.WriteByte(',')
		w.b.WriteString(formatFloat(w.z[w.i]))
		w.i++
	}
	w.b.WriteByte(']')
}

func (w *geojsonWriter) positions(ps []orb.Point) {
	w.b.WriteByte('[')
	for i, p := range ps {
		if i > 0 {
			w.b.WriteByte(',')
		}
		w.position(p)
	}
	w.b.WriteByte(']')
}

func (w *geojsonWriter) polygon(pg orb.Polygon) {
	w.b.WriteByte('[')
	for i, r := range pg {
		if i > 0 {
			w.b.WriteByte(',')
		}
		w.positions(r)
	}
	w.b.WriteByte(']')
}

func (w *geojsonWriter) start(typ string) {
	w.b.WriteString(`{"type":"` + typ + `","coordinates":`)
}

func (w *geojsonWriter) geometry(g orb.Geometry) {
	switch g := g.(type) {
	case orb.Point:
		w.start("Point")
		w.position(g)
	case orb.LineString:
		w.start("LineString")
		w.positions(g)
	case orb.Polygon:
		w.start("Polygon")
		w.polygon(g)
	case orb.MultiPoint:
		w.start("MultiPoint")
		w.positions(g)
	case orb.MultiLineString:
		w.start("MultiLineString")
		w.b.WriteByte('[')
		for i, l := range g {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.positions(l)
		}
		w.b.WriteByte(']')
	case orb.MultiPolygon:
		w.start("MultiPolygon")
		w.b.WriteByte('[')
		for i, pg := range g {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.polygon(pg)
		}
		w.b.WriteByte(']')
	case orb.Collection:
		w.b.WriteString(`{"type":"GeometryCollection","geometries":[`)
		for i, m := range g {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.geometry(m)
		}
		w.b.WriteByte(']')
	default:
		w.b.WriteString("null")
		return
	}
	w.b.WriteByte('}')
}
