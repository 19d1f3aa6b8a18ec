package cql2

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// kind is the syntactic type of an expression: what the grammar lets it
// stand for.
type kind uint8

const (
	kBool     kind = iota // predicates, logical operators, boolean literals
	kNum                  // numeric literals and arithmetic
	kStr                  // character literals, CASEI, ACCENTI
	kInstant              // DATE, TIMESTAMP
	kInterval             // INTERVAL
	kGeom                 // geometry and bbox literals
	kArray                // array literals
	kAny                  // properties and functions: any type
)

func kindOf(e Expr) kind {
	switch e.(type) {
	case Number, Arithmetic:
		return kNum
	case String, CaseI, AccentI:
		return kStr
	case Date, Timestamp:
		return kInstant
	case Interval:
		return kInterval
	case Geometry, BBox:
		return kGeom
	case Array:
		return kArray
	case Property, Function:
		return kAny
	}
	return kBool
}

// describe names an expression for error messages.
func describe(e Expr) string {
	switch e := e.(type) {
	case nil:
		return "nothing"
	case Property:
		return fmt.Sprintf("property %q", e.Name)
	case Function:
		return fmt.Sprintf("function %s()", e.Name)
	case String:
		return "a character literal"
	case Number:
		return "a number"
	case Bool:
		return "a boolean literal"
	case Date, Timestamp:
		return "an instant"
	case Interval:
		return "an interval"
	case Geometry, BBox:
		return "a geometry"
	case Array:
		return "an array"
	case Arithmetic:
		return "an arithmetic expression"
	case CaseI, AccentI:
		return "a character expression"
	}
	return "a predicate"
}

// Operand classes of the grammar, with the wording used in errors.
type operand struct {
	name string
	ok   func(Expr) bool
}

var (
	boolOperand = operand{"a boolean expression", func(e Expr) bool {
		_, fn := e.(Function)
		return fn || kindOf(e) == kBool
	}}
	scalarOperand = operand{"a scalar expression", func(e Expr) bool {
		switch kindOf(e) {
		case kNum, kStr, kInstant, kAny:
			return true
		}
		_, ok := e.(Bool)
		return ok
	}}
	charOperand    = operand{"a character expression", func(e Expr) bool { k := kindOf(e); return k == kStr || k == kAny }}
	numericOperand = operand{"a numeric expression", func(e Expr) bool { k := kindOf(e); return k == kNum || k == kAny }}
	geomOperand    = operand{"a geometry expression", func(e Expr) bool { k := kindOf(e); return k == kGeom || k == kAny }}
	timeOperand    = operand{"a temporal expression", func(e Expr) bool {
		k := kindOf(e)
		return k == kInstant || k == kInterval || k == kAny
	}}
	intervalOperand = operand{"an interval, property or function", func(e Expr) bool {
		k := kindOf(e)
		return k == kInterval || k == kAny
	}}
	arrayOperand  = operand{"an array expression", func(e Expr) bool { k := kindOf(e); return k == kArray || k == kAny }}
	nullOperand   = operand{"an expression", func(e Expr) bool { return e != nil && kindOf(e) != kArray }}
	anyOperand    = operand{"an expression", func(e Expr) bool { return e != nil }}
	boundOperand  = operand{"an instant, '..', property or function", func(e Expr) bool { k := kindOf(e); return e == nil || k == kInstant || k == kAny }}
	patternOperan = operand{"a character literal, optionally in CASEI or ACCENTI", isPattern}
)

func isPattern(e Expr) bool {
	switch e := e.(type) {
	case String:
		return true
	case CaseI:
		return isPattern(e.Value)
	case AccentI:
		return isPattern(e.Value)
	}
	return false
}

// problem is a defect of one operand of a node: which operand (its index
// in Children order, or -1 for the node itself) and what is wrong.
type problem struct {
	arg int
	msg string
}

func want(arg int, e Expr, o operand) *problem {
	if o.ok(e) {
		return nil
	}
	return &problem{arg, fmt.Sprintf("expected %s, found %s", o.name, describe(e))}
}

// checkNode checks that the direct operands of e are of the kinds the
// grammar allows and that its literal values are valid.
func checkNode(e Expr) *problem {
	switch e := e.(type) {
	case And:
		return checkLogical(e.Args, "AND")
	case Or:
		return checkLogical(e.Args, "OR")
	case Not:
		return want(0, e.Arg, boolOperand)
	case Comparison:
		switch e.Op {
		case Eq, Ne, Lt, Le, Gt, Ge:
		default:
			return &problem{-1, fmt.Sprintf("unknown comparison operator %q", string(e.Op))}
		}
		return first(want(0, e.Left, scalarOperand), want(1, e.Right, scalarOperand))
	case Like:
		return first(want(0, e.Value, charOperand), want(1, e.Pattern, patternOperan))
	case Between:
		return first(want(0, e.Value, numericOperand), want(1, e.Low, numericOperand), want(2, e.High, numericOperand))
	case In:
		if p := want(0, e.Value, scalarOperand); p != nil {
			return p
		}
		for i, x := range e.List {
			if p := want(i+1, x, scalarOperand); p != nil {
				return p
			}
		}
	case IsNull:
		return want(0, e.Value, nullOperand)
	case CaseI:
		return want(0, e.Value, charOperand)
	case AccentI:
		return want(0, e.Value, charOperand)
	case Spatial:
		if spatialOps[strings.ToUpper(string(e.Op))] != e.Op {
			return &problem{-1, fmt.Sprintf("unknown spatial function %q", string(e.Op))}
		}
		return first(want(0, e.Left, geomOperand), want(1, e.Right, geomOperand))
	case Temporal:
		if temporalOps[strings.ToUpper(string(e.Op))] != e.Op {
			return &problem{-1, fmt.Sprintf("unknown temporal function %q", string(e.Op))}
		}
		o := timeOperand
		if e.Op.intervalOnly() {
			// CQL2 clause 7.8.2: these functions apply to intervals
			// only; a literal instant is a client error.
			o = intervalOperand
		}
		return first(want(0, e.Left, o), want(1, e.Right, o))
	case ArrayPredicate:
		if arrayOps[strings.ToUpper(string(e.Op))] != e.Op {
			return &problem{-1, fmt.Sprintf("unknown array function %q", string(e.Op))}
		}
		return first(want(0, e.Left, arrayOperand), want(1, e.Right, arrayOperand))
	case Arithmetic:
		switch e.Op {
		case Add, Sub, Mul, Div, Mod, IntDiv, Pow:
		default:
			return &problem{-1, fmt.Sprintf("unknown arithmetic operator %q", string(e.Op))}
		}
		return first(want(0, e.Left, numericOperand), want(1, e.Right, numericOperand))
	case Array:
		for i, x := range e.Items {
			if p := want(i, x, anyOperand); p != nil {
				return p
			}
		}
	case Function:
		if !isIdentifier(e.Name) || isReserved(strings.ToUpper(e.Name)) {
			return &problem{-1, fmt.Sprintf("invalid function name %q", e.Name)}
		}
		for i, x := range e.Args {
			if p := want(i, x, anyOperand); p != nil {
				return p
			}
		}
	case Interval:
		if p := first(want(0, e.Start, boundOperand), want(1, e.End, boundOperand)); p != nil {
			return p
		}
		if s, ok := instantOf(e.Start); ok {
			if t, ok := instantOf(e.End); ok && s.After(t) {
				return &problem{-1, "interval starts after it ends"}
			}
		}
	case Property:
		if e.Name == "" || !utf8.ValidString(e.Name) {
			return &problem{-1, "invalid property name"}
		}
	case String:
		if !utf8.ValidString(e.Value) {
			return &problem{-1, "invalid UTF-8 in character literal"}
		}
	case Number:
		if !e.IsInt && (math.IsInf(e.Float, 0) || math.IsNaN(e.Float)) {
			return &problem{-1, "number out of range"}
		}
	case BBox:
		return checkBBox(e.Extent)
	case Geometry:
		return checkGeometry(e)
	case Date, Timestamp, Bool:
	case nil:
		return &problem{-1, "missing expression"}
	}
	return nil
}

func first(ps ...*problem) *problem {
	for _, p := range ps {
		if p != nil {
			return p
		}
	}
	return nil
}

func checkLogical(args []Expr, op string) *problem {
	if len(args) < 2 {
		return &problem{-1, op + " needs at least two operands"}
	}
	for i, a := range args {
		if p := want(i, a, boolOperand); p != nil {
			return p
		}
	}
	return nil
}

func instantOf(e Expr) (t time.Time, ok bool) {
	switch e := e.(type) {
	case Date:
		return e.Time, true
	case Timestamp:
		return e.Time, true
	}
	return time.Time{}, false
}

func checkBBox(x []float64) *problem {
	if len(x) != 4 && len(x) != 6 {
		return &problem{-1, "a bbox has 4 or 6 numbers"}
	}
	for _, v := range x {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return &problem{-1, "number out of range"}
		}
	}
	if len(x) == 6 && x[2] > x[5] {
		return &problem{-1, "bbox minimum elevation is above its maximum"}
	}
	if _, s, _, n := (BBox{x}).Bound(); s > n {
		return &problem{-1, "bbox south bound is north of its north bound"}
	}
	return nil
}

// checkGeometry checks that g has a CQL2-Text and a CQL2-JSON encoding.
func checkGeometry(g Geometry) *problem {
	n := 0
	var walk func(g orb.Geometry, top bool) string
	pos := func(ps []orb.Point) string {
		for _, p := range ps {
			if math.IsInf(p[0], 0) || math.IsNaN(p[0]) || math.IsInf(p[1], 0) || math.IsNaN(p[1]) {
				return "number out of range"
			}
		}
		n += len(ps)
		return ""
	}
	line := func(l orb.LineString, top bool) string {
		if len(l) == 1 || (len(l) == 0 && !top) {
			return "a line string has at least 2 positions"
		}
		return pos(l)
	}
	poly := func(p orb.Polygon, top bool) string {
		if len(p) == 0 && !top {
			return "a polygon of a multi-polygon has at least one ring"
		}
		for _, r := range p {
			if len(r) > 0 && len(r) < 4 {
				return "a ring has at least 4 positions"
			}
			if m := pos(r); m != "" {
				return m
			}
		}
		return ""
	}
	walk = func(g orb.Geometry, top bool) string {
		switch g := g.(type) {
		case orb.Point:
			return pos([]orb.Point{g})
		case orb.MultiPoint:
			return pos(g)
		case orb.LineString:
			return line(g, top)
		case orb.MultiLineString:
			for _, l := range g {
				if m := line(l, false); m != "" {
					return m
				}
			}
		case orb.Polygon:
			return poly(g, top)
		case orb.MultiPolygon:
			for _, p := range g {
				if m := poly(p, false); m != "" {
					return m
				}
			}
		case orb.Collection:
			if !top {
				return "geometry collections do not nest"
			}
			for _, m := range g {
				if m == nil {
					return "missing geometry"
				}
				if msg := walk(m, true); msg != "" {
					return msg
				}
			}
		case nil:
			return "missing geometry"
		default:
			return fmt.Sprintf("unsupported geometry type %s", g.GeoJSONType())
		}
		return ""
	}
	if msg := walk(g.Geom, true); msg != "" {
		return &problem{-1, msg}
	}
	if g.Z != nil && len(g.Z) != n {
		return &problem{-1, "Z ordinates do not match the positions"}
	}
	for _, z := range g.Z {
		if math.IsInf(z, 0) || math.IsNaN(z) {
			return &problem{-1, "number out of range"}
		}
	}
	return nil
}

// Check reports whether e is a well-formed filter: a boolean expression
// whose every node has operands of the kinds the CQL2 grammar allows,
// nested no deeper than DefaultMaxDepth. Every tree the parsers return
// passes; trees built by hand should be checked before they are printed,
// as only well-formed trees print to text and JSON that parse back to the
// same tree.
func Check(e Expr) error {
	if p := want(0, e, boolOperand); p != nil {
		return &SyntaxError{Offset: -1, Path: "$", Msg: p.msg}
	}
	if tooDeep(e, DefaultMaxDepth) {
		return &LimitError{Limit: "depth", Max: DefaultMaxDepth}
	}
	return checkTree(e, "$")
}

func checkTree(e Expr, path string) error {
	if p := checkNode(e); p != nil {
		if p.arg >= 0 {
			path = fmt.Sprintf("%s.args[%d]", path, p.arg)
		}
		return &SyntaxError{Offset: -1, Path: path, Msg: p.msg}
	}
	for i, c := range Children(e) {
		if err := checkTree(c, fmt.Sprintf("%s.args[%d]", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// tooDeep reports whether e is nested deeper than limit, the depth being
// the number of nodes on the longest path from e down to a leaf. Its own
// recursion never goes deeper than limit+1.
func tooDeep(e Expr, limit int) bool {
	if e == nil {
		return false
	}
	if limit <= 0 {
		return true
	}
	for _, c := range Children(e) {
		if tooDeep(c, limit-1) {
			return true
		}
	}
	return false
}
