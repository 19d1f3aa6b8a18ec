package source

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// parseWKTGeometry reads a geometry in Well-Known Text (OGC 06-103r4 §7,
// with ISO's Z, M and ZM tags and PostGIS's SRID=n; prefix), as CSV files
// carry it. Z and M are dropped; EMPTY is a nil geometry.
func parseWKTGeometry(s string) (orb.Geometry, error) {
	p := wktGeomParser{s: s}
	p.space()
	if len(p.s)-p.i >= 5 && strings.EqualFold(p.s[p.i:p.i+5], "SRID=") {
		j := strings.IndexByte(p.s[p.i:], ';')
		if j < 0 {
			return nil, errors.New("wkt: SRID= without ;")
		}
		p.i += j + 1
	}
	g, err := p.geometry(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("wkt: unexpected %q at %d", p.rest(), p.i)
	}
	return g, nil
}

type wktGeomParser struct {
	s string
	i int
}

func (p *wktGeomParser) rest() string {
	r := p.s[p.i:]
	if len(r) > 20 {
		r = r[:20] + "…"
	}
	return r
}

func (p *wktGeomParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *wktGeomParser) word() string {
	p.space()
	start := p.i
	for p.i < len(p.s) && (p.s[p.i] >= 'A' && p.s[p.i] <= 'Z' || p.s[p.i] >= 'a' && p.s[p.i] <= 'z') {
		p.i++
	}
	return strings.ToUpper(p.s[start:p.i])
}

func (p *wktGeomParser) peek(c byte) bool {
	p.space()
	return p.i < len(p.s) && p.s[p.i] == c
}

func (p *wktGeomParser) expect(c byte) error {
	if !p.peek(c) {
		if p.i >= len(p.s) {
			return fmt.Errorf("wkt: expected %q, got the end", c)
		}
		return fmt.Errorf("wkt: expected %q at %d, got %q", c, p.i, p.rest())
	}
	p.i++
	return nil
}

// dims reads an optional Z, M or ZM tag and returns the ordinates per
// position (0 if not given: then it is counted from the first position),
// and whether the geometry is EMPTY.
func (p *wktGeomParser) dims() (int, bool, error) {
	save := p.i
	switch w := p.word(); w {
	case "Z", "M":
		return 3, p.empty(), nil
	case "ZM":
		return 4, p.empty(), nil
	case "EMPTY":
		return 0, true, nil
	case "":
		return 0, false, nil
	default:
		p.i = save
		return 0, false, fmt.Errorf("wkt: unexpected %q", w)
	}
}

func (p *wktGeomParser) empty() bool {
	save := p.i
	if p.word() == "EMPTY" {
		return true
	}
	p.i = save
	return false
}

func (p *wktGeomParser) number() (float64, error) {
	p.space()
	start := p.i
	for p.i < len(p.s) && strings.IndexByte("+-.eE0123456789naNiIfF", p.s[p.i]) >= 0 {
		p.i++
	}
	f, err := strconv.ParseFloat(p.s[start:p.i], 64)
	if err != nil || !finite(f) {
		return 0, fmt.Errorf("wkt: %q is not a coordinate", p.s[start:p.i])
	}
	return f, nil
}

// position reads x y [z [m]].
func (p *wktGeomParser) position(dim *int) (orb.Point, error) {
	var pt orb.Point
	n := 0
	for {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] == ',' || p.s[p.i] == ')' {
			break
		}
		f, err := p.number()
		if err != nil {
			return pt, err
		}
		if n < 2 {
			pt[n] = f
		}
		n++
	}
	if n < 2 || n > 4 || *dim != 0 && n != *dim {
		return pt, fmt.Errorf("wkt: a position of %d ordinates", n)
	}
	*dim = n
	return pt, nil
}

func (p *wktGeomParser) positions(dim *int) ([]orb.Point, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	var ps []orb.Point
	for {
		// MULTIPOINT ((1 2), (3 4)) puts each in parentheses.
		paren := p.peek('(')
		if paren {
			p.i++
		}
		pt, err := p.position(dim)
		if err != nil {
			return nil, err
		}
		if paren {
			if err := p.expect(')'); err != nil {
				return nil, err
			}
		}
		ps = append(ps, pt)
		if p.peek(',') {
			p.i++
			continue
		}
		return ps, p.expect(')')
	}
}

func (p *wktGeomParser) lists(dim *int) ([][]orb.Point, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	var out [][]orb.Point
	for {
		ps, err := p.positions(dim)
		if err != nil {
			return nil, err
		}
		out = append(out, ps)
		if p.peek(',') {
			p.i++
			continue
		}
		return out, p.expect(')')
	}
}

func (p *wktGeomParser) geometry(depth int) (orb.Geometry, error) {
	if depth > 32 {
		return nil, errors.New("wkt: collections nested too deep")
	}
	kind := p.word()
	dim, empty, err := p.dims()
	if err != nil {
		return nil, err
	}
	if empty {
		return nil, nil
	}
	switch kind {
	case "POINT":
		if err := p.expect('('); err != nil {
			return nil, err
		}
		pt, err := p.position(&dim)
		if err != nil {
			return nil, err
		}
		return pt, p.expect(')')
	case "LINESTRING":
		ps, err := p.positions(&dim)
		return orb.LineString(ps), err
	case "MULTIPOINT":
		ps, err := p.positions(&dim)
		return orb.MultiPoint(ps), err
	case "POLYGON", "TRIANGLE":
		ls, err := p.lists(&dim)
		return toPolygon(ls), err
	case "MULTILINESTRING":
		ls, err := p.lists(&dim)
		ml := make(orb.MultiLineString, len(ls))
		for i, l := range ls {
			ml[i] = l
		}
		return ml, err
	case "MULTIPOLYGON", "POLYHEDRALSURFACE", "TIN":
		if err := p.expect('('); err != nil {
			return nil, err
		}
		var mp orb.MultiPolygon
		for {
			ls, err := p.lists(&dim)
			if err != nil {
				return nil, err
			}
			mp = append(mp, toPolygon(ls))
			if p.peek(',') {
				p.i++
				continue
			}
			return mp, p.expect(')')
		}
	case "GEOMETRYCOLLECTION":
		if err := p.expect('('); err != nil {
			return nil, err
		}
		var c orb.Collection
		for {
			g, err := p.geometry(depth + 1)
			if err != nil {
				return nil, err
			}
			if g != nil {
				c = append(c, g)
			}
			if p.peek(',') {
				p.i++
				continue
			}
			return c, p.expect(')')
		}
	case "":
		return nil, fmt.Errorf("wkt: expected a geometry type at %d, got %q", p.i, p.rest())
	}
	return nil, fmt.Errorf("wkt: geometry type %s not supported", kind)
}

func toPolygon(ls [][]orb.Point) orb.Polygon {
	pg := make(orb.Polygon, len(ls))
	for i, l := range ls {
		pg[i] = l
	}
	return pg
}
