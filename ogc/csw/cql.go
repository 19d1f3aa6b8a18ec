package csw

import (
	"strconv"
	"strings"
	"unicode"
)

// CQL_TEXT is the text constraint language of CSW 2.0.2 (OGC 07-006r1
// §6.2.2, the OGC Common Query Language of Catalogue 2.0). This parser
// takes the subset catalogue clients send:
//
//	expr      = term { OR term }
//	term      = factor { AND factor }
//	factor    = NOT factor | "(" expr ")" | predicate
//	predicate = property ( op literal | [NOT] LIKE string | ILIKE string
//	          | [NOT] BETWEEN literal AND literal | IS [NOT] NULL )
//	          | BBOX "(" property "," n "," n "," n "," n [ "," string ] ")"
//	          | INTERSECTS|DISJOINT|WITHIN|CONTAINS|EQUALS "(" property "," wkt ")"
//	op        = "=" | "<>" | "<" | ">" | "<=" | ">="
//
// Keywords are case-insensitive; strings are single-quoted with ''
// escaping a quote; LIKE patterns use % and _ and match without regard to
// case, as catalogue searches do. BBOX coordinates are minx, miny, maxx,
// maxy in the CRS given (longitude, latitude without one); WKT geometries
// (POINT, POLYGON) are in longitude, latitude.

// MaxCQLLength bounds a CQL_TEXT constraint.
const MaxCQLLength = 64 << 10

// ParseCQL parses a CQL_TEXT constraint; errors are *Exception values
// with code InvalidParameterValue and locator "constraint".
func ParseCQL(s string) (Filter, error) {
	f, err := parseCQL(s)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func parseCQL(s string) (Filter, *Exception) {
	if len(s) > MaxCQLLength {
		return nil, invalid("constraint", "the constraint is longer than %d bytes", MaxCQLLength)
	}
	toks, err := lexCQL(s)
	if err != nil {
		return nil, err
	}
	p := &cqlParser{toks: toks}
	f, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tokEOF {
		return nil, p.fail("unexpected %q", p.peek().text)
	}
	return f, nil
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokString
	tokNumber
	tokOp
	tokLParen
	tokRParen
	tokComma
)

type cqlToken struct {
	kind tokKind
	text string
	pos  int
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == ':' || r == '.' || r == '/' || r == '-'
}

func lexCQL(s string) ([]cqlToken, *Exception) {
	var toks []cqlToken
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(rs) {
					return nil, invalid("constraint", "unterminated string at %d", i)
				}
				if rs[j] == '\'' {
					if j+1 < len(rs) && rs[j+1] == '\'' {
						b.WriteRune('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteRune(rs[j])
				j++
			}
			toks = append(toks, cqlToken{tokString, b.String(), i})
			i = j + 1
		case r == '(':
			toks = append(toks, cqlToken{tokLParen, "(", i})
			i++
		case r == ')':
			toks = append(toks, cqlToken{tokRParen, ")", i})
			i++
		case r == ',':
			toks = append(toks, cqlToken{tokComma, ",", i})
			i++
		case r == '=':
			toks = append(toks, cqlToken{tokOp, "=", i})
			i++
		case r == '<' || r == '>' || r == '!':
			op := string(r)
			if i+1 < len(rs) && (rs[i+1] == '=' || r == '<' && rs[i+1] == '>') {
				op += string(rs[i+1])
			}
			switch op {
			case "!":
				return nil, invalid("constraint", "unexpected \"!\" at %d", i)
			case "!=":
				op = "<>"
			}
			toks = append(toks, cqlToken{tokOp, op, i})
			i += len(op)
		case unicode.IsDigit(r) || (r == '-' || r == '+') && i+1 < len(rs) && (unicode.IsDigit(rs[i+1]) || rs[i+1] == '.'):
			// A number, or an unquoted date or date-time (2004-01-01,
			// 2004-01-01T10:00:00Z).
			j := i + 1
			for j < len(rs) && (unicode.IsDigit(rs[j]) || strings.ContainsRune(".-:+TZeE", rs[j])) {
				j++
			}
			toks = append(toks, cqlToken{tokNumber, string(rs[i:j]), i})
			i = j
		case isWordRune(r):
			j := i + 1
			for j < len(rs) && isWordRune(rs[j]) {
				j++
			}
			toks = append(toks, cqlToken{tokWord, string(rs[i:j]), i})
			i = j
		default:
			return nil, invalid("constraint", "unexpected %q at %d", string(r), i)
		}
	}
	return append(toks, cqlToken{kind: tokEOF, pos: len(rs)}), nil
}

type cqlParser struct {
	toks []cqlToken
	i    int
}

func (p *cqlParser) peek() cqlToken { return p.toks[p.i] }

func (p *cqlParser) next() cqlToken {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *cqlParser) keyword(k string) bool {
	t := p.peek()
	if t.kind == tokWord && strings.EqualFold(t.text, k) {
		p.i++
		return true
	}
	return false
}

func (p *cqlParser) fail(format string, args ...any) *Exception {
	e := invalid("constraint", format, args...)
	e.Text = "invalid CQL_TEXT constraint at " + strconv.Itoa(p.peek().pos) + ": " + e.Text
	return e
}

func (p *cqlParser) expect(kind tokKind, what string) (cqlToken, *Exception) {
	t := p.next()
	if t.kind != kind {
		p.i--
		if t.kind == tokEOF {
			p.i++
		}
		return t, p.fail("expected %s", what)
	}
	return t, nil
}

func (p *cqlParser) expr(depth int) (Filter, *Exception) {
	if depth > maxDepth {
		return nil, p.fail("the constraint nests too deep")
	}
	f, err := p.term(depth)
	if err != nil {
		return nil, err
	}
	ops := []Filter{f}
	for p.keyword("OR") {
		g, err := p.term(depth)
		if err != nil {
			return nil, err
		}
		ops = append(ops, g)
	}
	if len(ops) == 1 {
		return f, nil
	}
	return Or{Operands: ops}, nil
}

func (p *cqlParser) term(depth int) (Filter, *Exception) {
	f, err := p.factor(depth)
	if err != nil {
		return nil, err
	}
	ops := []Filter{f}
	for p.keyword("AND") {
		g, err := p.factor(depth)
		if err != nil {
			return nil, err
		}
		ops = append(ops, g)
	}
	if len(ops) == 1 {
		return f, nil
	}
	return And{Operands: ops}, nil
}

func (p *cqlParser) factor(depth int) (Filter, *Exception) {
	if depth > maxDepth {
		return nil, p.fail("the constraint nests too deep")
	}
	if p.keyword("NOT") {
		f, err := p.factor(depth + 1)
		if err != nil {
			return nil, err
		}
		return Not{Operand: f}, nil
	}
	if p.peek().kind == tokLParen {
		p.next()
		f, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tokRParen, `")"`); err != nil {
			return nil, err
		}
		return f, nil
	}
	t := p.peek()
	if t.kind == tokWord && p.i+1 < len(p.toks) && p.toks[p.i+1].kind == tokLParen {
		if op, ok := cqlSpatial[strings.ToUpper(t.text)]; ok {
			p.next()
			return p.spatial(op)
		}
	}
	return p.predicate()
}

var cqlSpatial = map[string]SpatialOp{
	"BBOX": BBOX, "INTERSECTS": Intersects, "DISJOINT": Disjoint,
	"WITHIN": Within, "CONTAINS": Contains, "EQUALS": Equals,
}

func (p *cqlParser) property() (Queryable, *Exception) {
	t, err := p.expect(tokWord, "a property name")
	if err != nil {
		return "", err
	}
	q, ok := ParseQueryable(t.text, nil)
	if !ok {
		return "", invalid("constraint", "unknown property %q", t.text)
	}
	return q, nil
}

// literal is a string, a number or an unquoted date.
func (p *cqlParser) literal() (string, *Exception) {
	t := p.next()
	switch t.kind {
	case tokString, tokNumber:
		return t.text, nil
	}
	p.i--
	if t.kind == tokEOF {
		p.i++
	}
	return "", p.fail("expected a literal")
}

func (p *cqlParser) number() (float64, *Exception) {
	t, err := p.expect(tokNumber, "a number")
	if err != nil {
		return 0, err
	}
	f, perr := strconv.ParseFloat(t.text, 64)
	if perr != nil {
		return 0, invalid("constraint", "invalid number %q", t.text)
	}
	return f, nil
}

func (p *cqlParser) predicate() (Filter, *Exception) {
	q, err := p.property()
	if err != nil {
		return nil, err
	}
	if q.IsSpatial() {
		return nil, p.fail("%s is compared with BBOX or INTERSECTS", q)
	}
	if t := p.peek(); t.kind == tokOp {
		p.next()
		lit, err := p.literal()
		if err != nil {
			return nil, err
		}
		return Comparison{Op: CompareOp(t.text), Property: q, Literal: lit, MatchCase: true}, nil
	}
	negate := p.keyword("NOT")
	var f Filter
	switch {
	case p.keyword("LIKE"), p.keyword("ILIKE"):
		t, err := p.expect(tokString, "a pattern string")
		if err != nil {
			return nil, err
		}
		f = Like{Property: q, Pattern: t.text, Wildcard: '%', SingleChar: '_', Escape: '\\'}
	case p.keyword("BETWEEN"):
		lo, err := p.literal()
		if err != nil {
			return nil, err
		}
		if !p.keyword("AND") {
			return nil, p.fail("expected AND")
		}
		hi, err := p.literal()
		if err != nil {
			return nil, err
		}
		f = Between{Property: q, Lower: lo, Upper: hi}
	case !negate && p.keyword("IS"):
		not := p.keyword("NOT")
		if !p.keyword("NULL") {
			return nil, p.fail("expected NULL")
		}
		f = IsNull{Property: q}
		if not {
			f = Not{Operand: f}
		}
	default:
		return nil, p.fail("expected a comparison, LIKE, BETWEEN or IS NULL")
	}
	if negate {
		f = Not{Operand: f}
	}
	return f, nil
}

func (p *cqlParser) spatial(op SpatialOp) (Filter, *Exception) {
	p.next() // "("
	q, err := p.property()
	if err != nil {
		return nil, err
	}
	if !q.IsSpatial() {
		return nil, p.fail("%s is not a spatial property: use ows:BoundingBox", q)
	}
	if _, err := p.expect(tokComma, `","`); err != nil {
		return nil, err
	}
	var g Geometry
	if op == BBOX {
		var n [4]float64
		for i := range n {
			if i > 0 {
				if _, err := p.expect(tokComma, `","`); err != nil {
					return nil, err
				}
			}
			if n[i], err = p.number(); err != nil {
				return nil, err
			}
		}
		srs := "urn:ogc:def:crs:OGC:1.3:CRS84"
		if p.peek().kind == tokComma {
			p.next()
			t, err := p.expect(tokString, "a CRS string")
			if err != nil {
				return nil, err
			}
			srs = t.text
		}
		if g, err = envelope([2]float64{n[0], n[1]}, [2]float64{n[2], n[3]}, srs); err != nil {
			return nil, err
		}
	} else if g, err = p.wkt(); err != nil {
		return nil, err
	}
	if _, err := p.expect(tokRParen, `")"`); err != nil {
		return nil, err
	}
	return SpatialFilter{Op: op, Property: q, Geometry: g}, nil
}

// wkt reads a WKT POINT or POLYGON (exterior ring) in longitude, latitude.
func (p *cqlParser) wkt() (Geometry, *Exception) {
	const crs84 = "urn:ogc:def:crs:OGC:1.3:CRS84"
	pair := func() ([2]float64, *Exception) {
		x, err := p.number()
		if err != nil {
			return [2]float64{}, err
		}
		y, err := p.number()
		return [2]float64{x, y}, err
	}
	open := func() *Exception { _, err := p.expect(tokLParen, `"("`); return err }
	closeParen := func() *Exception { _, err := p.expect(tokRParen, `")"`); return err }
	switch {
	case p.keyword("POINT"):
		if err := open(); err != nil {
			return Geometry{}, err
		}
		pt, err := pair()
		if err != nil {
			return Geometry{}, err
		}
		if err := closeParen(); err != nil {
			return Geometry{}, err
		}
		return point(pt, crs84)
	case p.keyword("POLYGON"):
		if err := open(); err != nil {
			return Geometry{}, err
		}
		if err := open(); err != nil {
			return Geometry{}, err
		}
		var ring [][2]float64
		for {
			pt, err := pair()
			if err != nil {
				return Geometry{}, err
			}
			ring = append(ring, pt)
			if p.peek().kind != tokComma {
				break
			}
			p.next()
		}
		if err := closeParen(); err != nil {
			return Geometry{}, err
		}
		// Interior rings are not compared with bounding boxes.
		for p.peek().kind == tokComma {
			p.next()
			depth := 0
			for {
				t := p.next()
				if t.kind == tokEOF {
					return Geometry{}, p.fail("unterminated POLYGON")
				}
				if t.kind == tokLParen {
					depth++
				}
				if t.kind == tokRParen {
					depth--
					if depth == 0 {
						break
					}
				}
			}
		}
		if err := closeParen(); err != nil {
			return Geometry{}, err
		}
		return polygon(ring, crs84)
	}
	return Geometry{}, p.fail("expected a WKT POINT or POLYGON")
}
