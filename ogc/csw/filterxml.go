package csw

import (
	"strconv"
	"strings"
)

// OGC Filter Encoding 1.1 (OGC 04-095) as CSW 2.0.2 uses it: comparison,
// logical and spatial operators on the queryables, with GML 3.1.1 (or
// 3.2) geometries.

// parseFilterString parses an ogc:Filter given as text (KVP CONSTRAINT with
// CONSTRAINTLANGUAGE=FILTER). The filter declares its namespaces; property
// names may use the usual prefixes undeclared.
func parseFilterString(s string) (Filter, *Exception) {
	root, _, err := parseTree(strings.NewReader(s))
	if err != nil {
		return nil, invalid("constraint", "the constraint is not well-formed XML: %v", err)
	}
	if !root.is(NamespaceOGC, "Filter") {
		return nil, invalid("constraint", "the constraint is not an ogc:Filter")
	}
	return filterNode(root)
}

// filterNode interprets an ogc:Filter element.
func filterNode(n *node) (Filter, *Exception) {
	if len(n.children) == 0 {
		return nil, invalid("constraint", "empty ogc:Filter")
	}
	// A filter of feature identifiers.
	if n.children[0].is(NamespaceOGC, "FeatureId") || n.children[0].is(NamespaceOGC, "GmlObjectId") {
		var or Or
		for _, c := range n.children {
			id, ok := c.attrValue("fid")
			if !ok {
				for _, a := range c.attr {
					if a.Name.Local == "id" {
						id, ok = a.Value, true
					}
				}
			}
			if !ok || !(c.is(NamespaceOGC, "FeatureId") || c.is(NamespaceOGC, "GmlObjectId")) {
				return nil, unexpected(c)
			}
			or.Operands = append(or.Operands, Comparison{Op: EqualTo, Property: Identifier, Literal: id, MatchCase: true})
		}
		if len(or.Operands) == 1 {
			return or.Operands[0], nil
		}
		return or, nil
	}
	if len(n.children) != 1 {
		return nil, errorf(NoApplicableCode, "constraint", "the request is not valid: ogc:Filter holds one operator")
	}
	return operator(n.children[0], 1)
}

var compareOps = map[string]CompareOp{
	"PropertyIsEqualTo":              EqualTo,
	"PropertyIsNotEqualTo":           NotEqualTo,
	"PropertyIsLessThan":             LessThan,
	"PropertyIsGreaterThan":          GreaterThan,
	"PropertyIsLessThanOrEqualTo":    LessThanOrEqualTo,
	"PropertyIsGreaterThanOrEqualTo": GreaterThanOrEqualTo,
}

// mirrored is the operator with its operands swapped.
var mirrored = map[CompareOp]CompareOp{
	EqualTo: EqualTo, NotEqualTo: NotEqualTo,
	LessThan: GreaterThan, GreaterThan: LessThan,
	LessThanOrEqualTo: GreaterThanOrEqualTo, GreaterThanOrEqualTo: LessThanOrEqualTo,
}

var spatialOps = map[string]SpatialOp{
	"BBOX": BBOX, "Intersects": Intersects, "Disjoint": Disjoint,
	"Within": Within, "Contains": Contains, "Equals": Equals,
}

func operator(n *node, depth int) (Filter, *Exception) {
	if depth > maxDepth {
		return nil, invalid("constraint", "the filter nests too deep")
	}
	if n.name.Space != NamespaceOGC {
		return nil, unexpected(n)
	}
	switch l := n.name.Local; l {
	case "And", "Or":
		if len(n.children) < 1 {
			return nil, invalid("constraint", "ogc:%s needs operands", l)
		}
		var ops []Filter
		for _, c := range n.children {
			f, err := operator(c, depth+1)
			if err != nil {
				return nil, err
			}
			ops = append(ops, f)
		}
		if l == "And" {
			return And{Operands: ops}, nil
		}
		return Or{Operands: ops}, nil
	case "Not":
		if len(n.children) != 1 {
			return nil, invalid("constraint", "ogc:Not needs one operand")
		}
		f, err := operator(n.children[0], depth+1)
		if err != nil {
			return nil, err
		}
		return Not{Operand: f}, nil
	case "PropertyIsLike":
		return likeNode(n)
	case "PropertyIsNull":
		if len(n.children) != 1 || !n.children[0].is(NamespaceOGC, "PropertyName") {
			return nil, invalid("constraint", "ogc:PropertyIsNull needs an ogc:PropertyName")
		}
		q, err := propertyName(n.children[0])
		if err != nil {
			return nil, err
		}
		return IsNull{Property: q}, nil
	case "PropertyIsBetween":
		return betweenNode(n)
	case "Touches", "Crosses", "Overlaps", "DWithin", "Beyond":
		return nil, invalid("constraint", "the spatial operator ogc:%s is not supported", l)
	}
	if op, ok := compareOps[n.name.Local]; ok {
		return comparisonNode(n, op)
	}
	if op, ok := spatialOps[n.name.Local]; ok {
		return spatialNode(n, op)
	}
	return nil, unexpected(n)
}

func propertyName(n *node) (Queryable, *Exception) {
	q, ok := ParseQueryable(n.content(), n.ns)
	if !ok {
		return "", invalid("constraint", "unknown property %q", n.content())
	}
	return q, nil
}

// matchCase reads the matchCase attribute (Filter 1.1), def when absent.
func matchCase(n *node, def bool) bool {
	v, ok := n.attrValue("matchCase")
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return def
	}
	return b
}

// operand is one side of a comparison: a property (maybe wrapped in a
// function) or a literal.
type operand struct {
	property Queryable
	fn       string
	literal  string
	isProp   bool
}

// functions are the ogc:Function names understood on a property.
var functions = map[string]string{"upper": "upper", "lower": "lower"}

func operandNode(n *node) (operand, *Exception) {
	switch {
	case n.is(NamespaceOGC, "PropertyName"):
		q, err := propertyName(n)
		return operand{property: q, isProp: true}, err
	case n.is(NamespaceOGC, "Literal"):
		return operand{literal: n.content()}, nil
	case n.is(NamespaceOGC, "Function"):
		name, _ := n.attrValue("name")
		fn, ok := functions[strings.ToLower(name)]
		if !ok {
			return operand{}, invalid("constraint", "unknown function %q: use upper or lower", name)
		}
		if len(n.children) != 1 || !n.children[0].is(NamespaceOGC, "PropertyName") {
			return operand{}, invalid("constraint", "function %s takes one ogc:PropertyName", name)
		}
		q, err := propertyName(n.children[0])
		return operand{property: q, fn: fn, isProp: true}, err
	}
	return operand{}, unexpected(n)
}

func comparisonNode(n *node, op CompareOp) (Filter, *Exception) {
	if len(n.children) != 2 {
		return nil, invalid("constraint", "ogc:%s needs two operands", n.name.Local)
	}
	a, err := operandNode(n.children[0])
	if err != nil {
		return nil, err
	}
	b, err := operandNode(n.children[1])
	if err != nil {
		return nil, err
	}
	if a.isProp == b.isProp {
		return nil, invalid("constraint", "ogc:%s compares a property with a literal", n.name.Local)
	}
	if !a.isProp {
		a, b = b, a
		op = mirrored[op]
	}
	if a.property.IsSpatial() {
		return nil, invalid("constraint", "%s is compared with spatial operators", a.property)
	}
	return Comparison{Op: op, Property: a.property, Func: a.fn, Literal: b.literal, MatchCase: matchCase(n, true)}, nil
}

func likeNode(n *node) (Filter, *Exception) {
	if len(n.children) != 2 {
		return nil, invalid("constraint", "ogc:PropertyIsLike needs a property and a literal")
	}
	a, err := operandNode(n.children[0])
	if err != nil {
		return nil, err
	}
	b, err := operandNode(n.children[1])
	if err != nil {
		return nil, err
	}
	if !a.isProp || b.isProp {
		return nil, invalid("constraint", "ogc:PropertyIsLike needs a property and a literal")
	}
	if a.property.IsSpatial() {
		return nil, invalid("constraint", "%s is compared with spatial operators", a.property)
	}
	l := Like{Property: a.property, Func: a.fn, Pattern: b.literal, MatchCase: matchCase(n, false)}
	first := func(names ...string) rune {
		for _, name := range names {
			if v, ok := n.attrValue(name); ok {
				for _, r := range v {
					return r
				}
				return 0
			}
		}
		return 0
	}
	l.Wildcard = first("wildCard")
	l.SingleChar = first("singleChar")
	l.Escape = first("escapeChar", "escape")
	if l.Wildcard == 0 || l.SingleChar == 0 {
		return nil, invalid("constraint", "ogc:PropertyIsLike needs the wildCard and singleChar attributes")
	}
	return l, nil
}

func betweenNode(n *node) (Filter, *Exception) {
	if len(n.children) != 3 {
		return nil, invalid("constraint", "ogc:PropertyIsBetween needs a property and two boundaries")
	}
	a, err := operandNode(n.children[0])
	if err != nil {
		return nil, err
	}
	if !a.isProp || a.fn != "" || a.property.IsSpatial() {
		return nil, invalid("constraint", "ogc:PropertyIsBetween needs a property")
	}
	bound := func(c *node, local string) (string, *Exception) {
		if !c.is(NamespaceOGC, local) || len(c.children) != 1 {
			return "", unexpected(c)
		}
		o, err := operandNode(c.children[0])
		if err != nil {
			return "", err
		}
		if o.isProp {
			return "", invalid("constraint", "the boundaries of ogc:PropertyIsBetween are literals")
		}
		return o.literal, nil
	}
	lo, err := bound(n.children[1], "LowerBoundary")
	if err != nil {
		return nil, err
	}
	hi, err := bound(n.children[2], "UpperBoundary")
	if err != nil {
		return nil, err
	}
	return Between{Property: a.property, Lower: lo, Upper: hi}, nil
}

func spatialNode(n *node, op SpatialOp) (Filter, *Exception) {
	f := SpatialFilter{Op: op, Property: BoundingBox}
	var geom *node
	for _, c := range n.children {
		switch {
		case c.is(NamespaceOGC, "PropertyName"):
			q, err := propertyName(c)
			if err != nil {
				return nil, err
			}
			if !q.IsSpatial() {
				return nil, invalid("constraint", "%s is not a spatial property: use ows:BoundingBox", c.content())
			}
			f.Property = q
		case (c.name.Space == NamespaceGML || c.name.Space == NamespaceGML32) && geom == nil:
			geom = c
		default:
			return nil, unexpected(c)
		}
	}
	if geom == nil {
		return nil, invalid("constraint", "ogc:%s needs a GML geometry", n.name.Local)
	}
	g, err := gmlGeometry(geom)
	if err != nil {
		return nil, err
	}
	if op == BBOX && !g.Envelope {
		return nil, invalid("constraint", "ogc:BBOX needs a gml:Envelope")
	}
	f.Geometry = g
	return f, nil
}

// gmlGeometry reads a gml:Envelope, gml:Box, gml:Polygon or gml:Point.
func gmlGeometry(n *node) (Geometry, *Exception) {
	srs, _ := n.attrValue("srsName")
	child := func(local string) *node {
		for _, c := range n.children {
			if c.name.Local == local && (c.name.Space == NamespaceGML || c.name.Space == NamespaceGML32) {
				return c
			}
		}
		return nil
	}
	switch n.name.Local {
	case "Envelope":
		lo, hi := child("lowerCorner"), child("upperCorner")
		var pts [][2]float64
		if lo != nil && hi != nil {
			a, err := positions(lo.content(), 2)
			if err != nil {
				return Geometry{}, err
			}
			b, err := positions(hi.content(), 2)
			if err != nil {
				return Geometry{}, err
			}
			pts = append(a, b...)
		} else {
			for _, c := range n.children {
				if c.name.Local == "pos" {
					p, err := positions(c.content(), 2)
					if err != nil {
						return Geometry{}, err
					}
					pts = append(pts, p...)
				}
			}
		}
		if len(pts) != 2 {
			return Geometry{}, invalid("constraint", "a gml:Envelope needs a lower and an upper corner")
		}
		return envelope(pts[0], pts[1], srs)
	case "Box":
		c := child("coordinates")
		if c == nil {
			return Geometry{}, invalid("constraint", "a gml:Box needs gml:coordinates")
		}
		pts, err := coordinates(c)
		if err != nil {
			return Geometry{}, err
		}
		if len(pts) != 2 {
			return Geometry{}, invalid("constraint", "a gml:Box needs two positions")
		}
		return envelope(pts[0], pts[1], srs)
	case "Polygon":
		ext := child("exterior")
		if ext == nil {
			ext = child("outerBoundaryIs")
		}
		if ext == nil || len(ext.children) != 1 || ext.children[0].name.Local != "LinearRing" {
			return Geometry{}, invalid("constraint", "a gml:Polygon needs an exterior gml:LinearRing")
		}
		ring, err := ringPositions(ext.children[0])
		if err != nil {
			return Geometry{}, err
		}
		return polygon(ring, srs)
	case "Point":
		var pts [][2]float64
		var err *Exception
		if p := child("pos"); p != nil {
			pts, err = positions(p.content(), 2)
		} else if c := child("coordinates"); c != nil {
			pts, err = coordinates(c)
		}
		if err != nil {
			return Geometry{}, err
		}
		if len(pts) != 1 {
			return Geometry{}, invalid("constraint", "a gml:Point needs one position")
		}
		return point(pts[0], srs)
	}
	return Geometry{}, invalid("constraint", "unsupported geometry gml:%s: use gml:Envelope, gml:Polygon or gml:Point", n.name.Local)
}

func ringPositions(ring *node) ([][2]float64, *Exception) {
	var pts [][2]float64
	for _, c := range ring.children {
		switch c.name.Local {
		case "posList":
			dim := 2
			if v, ok := c.attrValue("srsDimension"); ok {
				if d, err := strconv.Atoi(v); err == nil && d >= 2 && d <= 4 {
					dim = d
				}
			}
			p, err := positions(c.content(), dim)
			if err != nil {
				return nil, err
			}
			pts = append(pts, p...)
		case "pos":
			p, err := positions(c.content(), 2)
			if err != nil {
				return nil, err
			}
			pts = append(pts, p...)
		case "coordinates":
			p, err := coordinates(c)
			if err != nil {
				return nil, err
			}
			pts = append(pts, p...)
		default:
			return nil, unexpected(c)
		}
	}
	return pts, nil
}

// positions reads a gml:pos or gml:posList: numbers separated by
// whitespace, dim per position (only the first two are kept).
func positions(s string, dim int) ([][2]float64, *Exception) {
	f := strings.Fields(s)
	if len(f) == 0 || len(f)%dim != 0 {
		return nil, invalid("constraint", "invalid number of coordinates in %q", s)
	}
	var out [][2]float64
	for i := 0; i < len(f); i += dim {
		x, err1 := strconv.ParseFloat(f[i], 64)
		y, err2 := strconv.ParseFloat(f[i+1], 64)
		if err1 != nil || err2 != nil {
			return nil, invalid("constraint", "invalid coordinates in %q", s)
		}
		out = append(out, [2]float64{x, y})
	}
	return out, nil
}

// coordinates reads GML 2 gml:coordinates ("x,y x,y" by default).
func coordinates(n *node) ([][2]float64, *Exception) {
	cs, ts := ",", " "
	if v, ok := n.attrValue("cs"); ok && v != "" {
		cs = v
	}
	if v, ok := n.attrValue("ts"); ok && v != "" {
		ts = v
	}
	var out [][2]float64
	for _, tuple := range strings.Split(n.content(), ts) {
		tuple = strings.TrimSpace(tuple)
		if tuple == "" {
			continue
		}
		xy := strings.Split(tuple, cs)
		if len(xy) < 2 {
			return nil, invalid("constraint", "invalid coordinates %q", tuple)
		}
		x, err1 := strconv.ParseFloat(strings.TrimSpace(xy[0]), 64)
		y, err2 := strconv.ParseFloat(strings.TrimSpace(xy[1]), 64)
		if err1 != nil || err2 != nil {
			return nil, invalid("constraint", "invalid coordinates %q", tuple)
		}
		out = append(out, [2]float64{x, y})
	}
	return out, nil
}
