package cql2

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// Text returns the CQL2-Text form of e. For a tree that passes Check,
// ParseText of the result returns a tree Equal to e. Keywords are upper
// case, arithmetic gets the parentheses its precedence needs, and property
// names are double-quoted when they are not plain identifiers or are
// reserved words.
func Text(e Expr) string {
	var b strings.Builder
	writeText(&b, e)
	return b.String()
}

// prec is the binding strength of e in CQL2-Text; operands binding less
// strongly than their context are parenthesised.
func prec(e Expr) int {
	switch e := e.(type) {
	case Or:
		return 1
	case And:
		return 2
	case Not:
		return 3
	case Comparison, Like, Between, In, IsNull:
		return 4
	case Arithmetic:
		switch e.Op {
		case Add, Sub:
			return 5
		case Pow:
			return 7
		}
		return 6
	}
	return 9
}

func writeParen(b *strings.Builder, e Expr, paren bool) {
	if paren {
		b.WriteByte('(')
		writeText(b, e)
		b.WriteByte(')')
		return
	}
	writeText(b, e)
}

func writeList(b *strings.Builder, es []Expr) {
	for i, e := range es {
		if i > 0 {
			b.WriteString(", ")
		}
		writeText(b, e)
	}
}

func writeText(b *strings.Builder, e Expr) {
	switch e := e.(type) {
	case And:
		for i, a := range e.Args {
			if i > 0 {
				b.WriteString(" AND ")
			}
			writeParen(b, a, prec(a) <= 2)
		}
	case Or:
		for i, a := range e.Args {
			if i > 0 {
				b.WriteString(" OR ")
			}
			writeParen(b, a, prec(a) <= 1)
		}
	case Not:
		// The negated forms of LIKE, BETWEEN, IN and IS NULL read
		// better and parse back to the same tree.
		switch a := e.Arg.(type) {
		case Like:
			writeParen(b, a.Value, prec(a.Value) <= 4)
			b.WriteString(" NOT LIKE ")
			writeText(b, a.Pattern)
			return
		case Between:
			writeParen(b, a.Value, prec(a.Value) <= 4)
			b.WriteString(" NOT BETWEEN ")
			writeParen(b, a.Low, prec(a.Low) <= 4)
			b.WriteString(" AND ")
			writeParen(b, a.High, prec(a.High) <= 4)
			return
		case In:
			writeParen(b, a.Value, prec(a.Value) <= 4)
			b.WriteString(" NOT IN (")
			writeList(b, a.List)
			b.WriteByte(')')
			return
		case IsNull:
			writeParen(b, a.Value, prec(a.Value) <= 4)
			b.WriteString(" IS NOT NULL")
			return
		}
		b.WriteString("NOT ")
		writeParen(b, e.Arg, prec(e.Arg) <= 3)
	case Comparison:
		writeParen(b, e.Left, prec(e.Left) <= 4)
		b.WriteByte(' ')
		b.WriteString(string(e.Op))
		b.WriteByte(' ')
		writeParen(b, e.Right, prec(e.Right) <= 4)
	case Like:
		writeParen(b, e.Value, prec(e.Value) <= 4)
		b.WriteString(" LIKE ")
		writeText(b, e.Pattern)
	case Between:
		writeParen(b, e.Value, prec(e.Value) <= 4)
		b.WriteString(" BETWEEN ")
		writeParen(b, e.Low, prec(e.Low) <= 4)
		b.WriteString(" AND ")
		writeParen(b, e.High, prec(e.High) <= 4)
	case In:
		writeParen(b, e.Value, prec(e.Value) <= 4)
		b.WriteString(" IN (")
		writeList(b, e.List)
		b.WriteByte(')')
	case IsNull:
		writeParen(b, e.Value, prec(e.Value) <= 4)
		b.WriteString(" IS NULL")
	case CaseI:
		b.WriteString("CASEI(")
		writeText(b, e.Value)
		b.WriteByte(')')
	case AccentI:
		b.WriteString("ACCENTI(")
		writeText(b, e.Value)
		b.WriteByte(')')
	case Spatial:
		writeCall(b, strings.ToUpper(string(e.Op)), e.Left, e.Right)
	case Temporal:
		writeCall(b, strings.ToUpper(string(e.Op)), e.Left, e.Right)
	case ArrayPredicate:
		writeCall(b, strings.ToUpper(string(e.Op)), e.Left, e.Right)
	case Arithmetic:
		p := prec(e)
		if e.Op == Pow {
			// Rule powerTerm does not chain: nested powers get
			// parentheses on either side.
			writeParen(b, e.Left, prec(e.Left) <= p)
		} else {
			writeParen(b, e.Left, prec(e.Left) < p)
		}
		b.WriteByte(' ')
		b.WriteString(string(e.Op))
		b.WriteByte(' ')
		writeParen(b, e.Right, prec(e.Right) <= p)
	case Array:
		b.WriteByte('(')
		writeList(b, e.Items)
		b.WriteByte(')')
	case Function:
		b.WriteString(e.Name)
		b.WriteByte('(')
		writeList(b, e.Args)
		b.WriteByte(')')
	case Property:
		writeProperty(b, e.Name)
	case String:
		writeString(b, e.Value)
	case Number:
		b.WriteString(formatNumber(e))
	case Bool:
		if e.Value {
			b.WriteString("TRUE")
		} else {
			b.WriteString("FALSE")
		}
	case Date:
		b.WriteString("DATE('")
		b.WriteString(formatDate(e.Time))
		b.WriteString("')")
	case Timestamp:
		b.WriteString("TIMESTAMP('")
		b.WriteString(formatTimestamp(e.Time))
		b.WriteString("')")
	case Interval:
		b.WriteString("INTERVAL(")
		writeBound(b, e.Start)
		b.WriteString(", ")
		writeBound(b, e.End)
		b.WriteByte(')')
	case BBox:
		b.WriteString("BBOX(")
		for i, f := range e.Extent {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(formatFloat(f))
		}
		b.WriteByte(')')
	case Geometry:
		w := wktWriter{b: b, z: e.Z}
		w.geometry(e.Geom)
	}
}

func writeCall(b *strings.Builder, name string, l, r Expr) {
	b.WriteString(name)
	b.WriteByte('(')
	writeText(b, l)
	b.WriteString(", ")
	writeText(b, r)
	b.WriteByte(')')
}

func writeBound(b *strings.Builder, e Expr) {
	switch e := e.(type) {
	case nil:
		b.WriteString("'..'")
	case Date:
		b.WriteString("'" + formatDate(e.Time) + "'")
	case Timestamp:
		b.WriteString("'" + formatTimestamp(e.Time) + "'")
	default:
		writeText(b, e)
	}
}

func writeProperty(b *strings.Builder, name string) {
	if isIdentifier(name) && !isReserved(strings.ToUpper(name)) {
		b.WriteString(name)
		return
	}
	b.WriteByte('"')
	b.WriteString(strings.ReplaceAll(name, `"`, `""`))
	b.WriteByte('"')
}

// writeString writes a character literal, escaping quotes, backslashes and
// the control characters that have backslash escapes.
func writeString(b *strings.Builder, s string) {
	b.WriteByte('\'')
	for i := range len(s) {
		switch c := s[i]; c {
		case '\'':
			b.WriteString("''")
		case '\\':
			b.WriteString(`\\`)
		case '\a', '\b', '\t', '\n', '\v', '\f', '\r':
			b.WriteByte('\\')
			b.WriteByte("abtnvfr"[strings.IndexByte("\a\b\t\n\v\f\r", c)])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
}

// formatNumber writes integers as such and always gives floats a fraction
// or an exponent, so that they parse back as floats.
func formatNumber(n Number) string {
	if n.IsInt {
		return strconv.FormatInt(n.Int, 10)
	}
	s := formatFloat(n.Float)
	if !strings.ContainsAny(s, ".E") {
		s += ".0"
	}
	return s
}

// formatFloat returns the shortest decimal form of f that parses back to
// f, in plain notation for moderate magnitudes.
func formatFloat(f float64) string {
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strings.ToUpper(strconv.FormatFloat(f, 'e', -1, 64))
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func formatDate(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func formatTimestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")
}

// wktWriter writes a geometry as WKT, taking Z ordinates in order.
type wktWriter struct {
	b *strings.Builder
	z []float64
	i int
}

func (w *wktWriter) tag(name string) {
	w.b.WriteString(name)
	if w.z != nil {
		w.b.WriteString(" Z")
	}
	w.b.WriteByte(' ')
}

func (w *wktWriter) position(p orb.Point) {
	w.b.WriteString(formatFloat(p[0]))
	w.b.WriteByte(' ')
	w.b.WriteString(formatFloat(p[1]))
	if w.z != nil && w.i < len(w.z) {
		w.b.WriteByte(' ')
		w.b.WriteString(formatFloat(w.z[w.i]))
		w.i++
	}
}

func (w *wktWriter) positions(ps []orb.Point) {
	if len(ps) == 0 {
		w.b.WriteString("EMPTY")
		return
	}
	w.b.WriteByte('(')
	for i, p := range ps {
		if i > 0 {
			w.b.WriteString(", ")
		}
		w.position(p)
	}
	w.b.WriteByte(')')
}

func (w *wktWriter) polygon(pg orb.Polygon) {
	if len(pg) == 0 {
		w.b.WriteString("EMPTY")
		return
	}
	w.b.WriteByte('(')
	for i, r := range pg {
		if i > 0 {
			w.b.WriteString(", ")
		}
		w.positions(r)
	}
	w.b.WriteByte(')')
}

func (w *wktWriter) geometry(g orb.Geometry) {
	switch g := g.(type) {
	case orb.Point:
		w.tag("POINT")
		w.b.WriteByte('(')
		w.position(g)
		w.b.WriteByte(')')
	case orb.LineString:
		w.tag("LINESTRING")
		w.positions(g)
	case orb.Polygon:
		w.tag("POLYGON")
		w.polygon(g)
	case orb.MultiPoint:
		w.tag("MULTIPOINT")
		if len(g) == 0 {
			w.b.WriteString("EMPTY")
			return
		}
		w.b.WriteByte('(')
		for i, p := range g {
			if i > 0 {
				w.b.WriteString(", ")
			}
			w.b.WriteByte('(')
			w.position(p)
			w.b.WriteByte(')')
		}
		w.b.WriteByte(')')
	case orb.MultiLineString:
		w.tag("MULTILINESTRING")
		if len(g) == 0 {
			w.b.WriteString("EMPTY")
			return
		}
		w.b.WriteByte('(')
		for i, l := range g {
			if i > 0 {
				w.b.WriteString(", ")
			}
			w.positions(l)
		}
		w.b.WriteByte(')')
	case orb.MultiPolygon:
		w.tag("MULTIPOLYGON")
		if len(g) == 0 {
			w.b.WriteString("EMPTY")
			return
		}
		w.b.WriteByte('(')
		for i, pg := range g {
			if i > 0 {
				w.b.WriteString(", ")
			}
			w.polygon(pg)
		}
		w.b.WriteByte(')')
	case orb.Collection:
		w.tag("GEOMETRYCOLLECTION")
		if len(g) == 0 {
			w.b.WriteString("EMPTY")
			return
		}
		w.b.WriteByte('(')
		for i, m := range g {
			if i > 0 {
				w.b.WriteString(", ")
			}
			w.geometry(m)
		}
		w.b.WriteByte(')')
	}
}
