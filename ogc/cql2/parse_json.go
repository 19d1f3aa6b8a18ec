package cql2

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// ParseJSON parses a CQL2-JSON filter with the default bounds.
func ParseJSON(b []byte) (Expr, error) { return Parser{}.ParseJSON(b) }

// ParseJSON parses a CQL2-JSON filter (CQL2 clause 8.3). It accepts what
// the CQL2-JSON schema accepts, with the same operand rules as ParseText,
// and also empty line strings and geometry collections of fewer than two
// members, which CQL2-Text can express. Errors are *SyntaxError, whose Path
// locates the offending value, or *LimitError.
func (p Parser) ParseJSON(b []byte) (Expr, error) {
	if len(b) > p.maxLength() {
		return nil, &LimitError{Limit: "length", Max: p.maxLength()}
	}
	// Arrays and objects nest at most three levels per expression (an
	// "in" object, its args and its list); a GeoJSON geometry collection
	// adds six. A document nested deeper than that cannot be within the
	// bounds, and is refused before it is decoded.
	if jsonDepth(b) > 3*p.maxDepth()+8 {
		return nil, &LimitError{Limit: "depth", Max: p.maxDepth()}
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, jsonSyntaxError(err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, &SyntaxError{Offset: -1, Path: "$", Msg: "unexpected data after the filter"}
	}
	jp := &jsonParser{maxDepth: p.maxDepth()}
	e, err := jp.expr(v, "$")
	if err != nil {
		return nil, err
	}
	if pr := want(0, e, boolOperand); pr != nil {
		return nil, &SyntaxError{Offset: -1, Path: "$", Msg: pr.msg}
	}
	if tooDeep(e, jp.maxDepth) {
		return nil, &LimitError{Limit: "depth", Max: jp.maxDepth}
	}
	return e, nil
}

// jsonDepth returns the deepest nesting of arrays and objects in b, not
// counting brackets inside strings.
func jsonDepth(b []byte) int {
	depth, maxDepth, inString, escaped := 0, 0, false, false
	for _, c := range b {
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
			maxDepth = max(maxDepth, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return maxDepth
}

func jsonSyntaxError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &SyntaxError{Offset: int(se.Offset), Msg: "malformed JSON: " + se.Error()}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &SyntaxError{Offset: -1, Path: "$", Msg: "malformed JSON: unexpected end of input"}
	}
	return &SyntaxError{Offset: -1, Path: "$", Msg: "malformed JSON"}
}

type jsonParser struct {
	depth, maxDepth int
}

func jsonErr(path, format string, args ...any) error {
	return &SyntaxError{Offset: -1, Path: path, Msg: fmt.Sprintf(format, args...)}
}

func argPath(path string, i int) string { return fmt.Sprintf("%s.args[%d]", path, i) }

// node checks e, reporting a problem at the path of the operand at fault.
func node(e Expr, path string) (Expr, error) {
	if pr := checkNode(e); pr != nil {
		if pr.arg >= 0 {
			path = argPath(path, pr.arg)
		}
		return nil, jsonErr(path, "%s", pr.msg)
	}
	return e, nil
}

// discriminators are the members that tell what a JSON object is.
var discriminators = []string{"op", "property", "date", "timestamp", "interval", "bbox", "type"}

func (p *jsonParser) expr(v any, path string) (Expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > p.maxDepth {
		return nil, &LimitError{Limit: "depth", Max: p.maxDepth}
	}
	switch v := v.(type) {
	case bool:
		return Bool{v}, nil
	case string:
		return String{v}, nil
	case json.Number:
		n, err := jsonNumber(v)
		if err != nil {
			return nil, jsonErr(path, "%v", err)
		}
		return n, nil
	case []any:
		items, err := p.exprs(v, path)
		if err != nil {
			return nil, err
		}
		return node(Array{items}, path)
	case map[string]any:
		kind := ""
		if _, ok := v["type"]; ok {
			// A GeoJSON geometry may carry a "bbox" member of its own.
			delete(v, "bbox")
		}
		for _, k := range discriminators {
			if _, ok := v[k]; ok {
				if kind != "" {
					return nil, jsonErr(path, "ambiguous object with members %q and %q", kind, k)
				}
				kind = k
			}
		}
		switch kind {
		case "op":
			return p.op(v, path)
		case "property":
			s, ok := v["property"].(string)
			if !ok {
				return nil, jsonErr(path+".property", "expected a string")
			}
			return node(Property{s}, path)
		case "date":
			s, _ := v["date"].(string)
			d, ok := parseDate(s)
			if !ok {
				return nil, jsonErr(path+".date", "expected a date YYYY-MM-DD")
			}
			return d, nil
		case "timestamp":
			s, _ := v["timestamp"].(string)
			t, ok := parseTimestamp(s)
			if !ok {
				return nil, jsonErr(path+".timestamp", "expected a timestamp YYYY-MM-DDThh:mm:ss[.fff]Z")
			}
			return t, nil
		case "interval":
			return p.interval(v["interval"], path)
		case "bbox":
			a, ok := v["bbox"].([]any)
			if !ok {
				return nil, jsonErr(path+".bbox", "expected an array of numbers")
			}
			ext := make([]float64, 0, len(a))
			for i, x := range a {
				f, err := jsonFloat(x)
				if err != nil {
					return nil, jsonErr(fmt.Sprintf("%s.bbox[%d]", path, i), "%v", err)
				}
				ext = append(ext, f)
			}
			return node(BBox{ext}, path)
		case "type":
			z := &zs{}
			g, err := geoJSON(v, path, true, z)
			if err != nil {
				return nil, err
			}
			lit := Geometry{Geom: g}
			if z.dim == 3 {
				lit.Z = z.zs
			}
			return node(lit, path)
		}
		return nil, jsonErr(path, "unknown object: expected an operation, a property, a literal or a geometry")
	case nil:
		return nil, jsonErr(path, "null is not a CQL2 expression")
	}
	return nil, jsonErr(path, "unexpected value")
}

func (p *jsonParser) exprs(vs []any, path string) ([]Expr, error) {
	out := make([]Expr, 0, len(vs))
	for i, x := range vs {
		e, err := p.expr(x, fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (p *jsonParser) op(v map[string]any, path string) (Expr, error) {
	op, ok := v["op"].(string)
	if !ok {
		return nil, jsonErr(path+".op", "expected a string")
	}
	raw, ok := v["args"].([]any)
	if !ok {
		return nil, jsonErr(path+".args", "expected an array")
	}
	nargs := func(n int) error {
		if len(raw) != n {
			return jsonErr(path+".args", "%s takes %d arguments, found %d", op, n, len(raw))
		}
		return nil
	}
	// The second operand of "in" is a list, not an array expression.
	if op == "in" {
		if err := nargs(2); err != nil {
			return nil, err
		}
		val, err := p.expr(raw[0], argPath(path, 0))
		if err != nil {
			return nil, err
		}
		l, ok := raw[1].([]any)
		if !ok {
			return nil, jsonErr(argPath(path, 1), "expected an array")
		}
		list, err := p.exprs(l, argPath(path, 1))
		if err != nil {
			return nil, err
		}
		return node(In{val, list}, path)
	}
	args, err := p.exprs(raw, path+".args")
	if err != nil {
		return nil, err
	}
	two := func(mk func(l, r Expr) Expr) (Expr, error) {
		if err := nargs(2); err != nil {
			return nil, err
		}
		return node(mk(args[0], args[1]), path)
	}
	one := func(mk func(x Expr) Expr) (Expr, error) {
		if err := nargs(1); err != nil {
			return nil, err
		}
		return node(mk(args[0]), path)
	}
	switch op {
	case "and":
		return node(And{args}, path)
	case "or":
		return node(Or{args}, path)
	case "not":
		return one(func(x Expr) Expr { return Not{x} })
	case "=", "<>", "<", "<=", ">", ">=":
		return two(func(l, r Expr) Expr { return Comparison{CompareOp(op), l, r} })
	case "like":
		return two(func(l, r Expr) Expr { return Like{l, r} })
	case "between":
		if err := nargs(3); err != nil {
			return nil, err
		}
		return node(Between{args[0], args[1], args[2]}, path)
	case "isNull":
		return one(func(x Expr) Expr { return IsNull{x} })
	case "casei":
		return one(func(x Expr) Expr { return CaseI{x} })
	case "accenti":
		return one(func(x Expr) Expr { return AccentI{x} })
	case "+", "-", "*", "/", "%", "div", "^":
		return two(func(l, r Expr) Expr { return Arithmetic{ArithOp(op), l, r} })
	}
	up := strings.ToUpper(op)
	if s, ok := spatialOps[up]; ok && string(s) == op {
		return two(func(l, r Expr) Expr { return Spatial{s, l, r} })
	}
	if t, ok := temporalOps[up]; ok && string(t) == op {
		return two(func(l, r Expr) Expr { return Temporal{t, l, r} })
	}
	if a, ok := arrayOps[up]; ok && string(a) == op {
		return two(func(l, r Expr) Expr { return ArrayPredicate{a, l, r} })
	}
	return node(Function{op, args}, path)
}

func (p *jsonParser) interval(v any, path string) (Expr, error) {
	path += ".interval"
	a, ok := v.([]any)
	if !ok || len(a) != 2 {
		return nil, jsonErr(path, "expected an array of two bounds")
	}
	var bounds [2]Expr
	for i, x := range a {
		bp := fmt.Sprintf("%s[%d]", path, i)
		if s, ok := x.(string); ok {
			if s == ".." {
				continue
			}
			e, ok := parseInstant(s)
			if !ok {
				return nil, jsonErr(bp, "invalid instant %q: expected a date, a timestamp or \"..\"", s)
			}
			bounds[i] = e
			continue
		}
		e, err := p.expr(x, bp)
		if err != nil {
			return nil, err
		}
		bounds[i] = e
	}
	e := Interval{bounds[0], bounds[1]}
	if pr := checkNode(e); pr != nil {
		if pr.arg >= 0 {
			path = fmt.Sprintf("%s[%d]", path, pr.arg)
		}
		return nil, jsonErr(path, "%s", pr.msg)
	}
	return e, nil
}

func jsonNumber(n json.Number) (Number, error) {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return Int(i), nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return Number{}, fmt.Errorf("number out of range %s", s)
	}
	return Float(f), nil
}

func jsonFloat(v any) (float64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, errors.New("expected a number")
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, fmt.Errorf("number out of range %s", n)
	}
	return f, nil
}

// zs collects the Z ordinates of a GeoJSON geometry.
type zs struct {
	dim int
	zs  []float64
}

func geoJSON(v map[string]any, path string, top bool, z *zs) (orb.Geometry, error) {
	typ, _ := v["type"].(string)
	if typ == "GeometryCollection" {
		if !top {
			return nil, jsonErr(path, "geometry collections do not nest")
		}
		ms, ok := v["geometries"].([]any)
		if !ok {
			return nil, jsonErr(path+".geometries", "expected an array")
		}
		c := orb.Collection{}
		for i, m := range ms {
			mp := fmt.Sprintf("%s.geometries[%d]", path, i)
			obj, ok := m.(map[string]any)
			if !ok {
				return nil, jsonErr(mp, "expected a geometry")
			}
			g, err := geoJSON(obj, mp, false, z)
			if err != nil {
				return nil, err
			}
			c = append(c, g)
		}
		return c, nil
	}
	path += ".coordinates"
	c := v["coordinates"]
	switch typ {
	case "Point":
		return position(c, path, z)
	case "LineString":
		return positions(c, path, z)
	case "Polygon":
		return polygonCoords(c, path, z)
	case "MultiPoint":
		ps, err := positions(c, path, z)
		return orb.MultiPoint(ps), err
	case "MultiLineString":
		a, ok := c.([]any)
		if !ok {
			return nil, jsonErr(path, "expected an array")
		}
		mls := orb.MultiLineString{}
		for i, x := range a {
			ls, err := positions(x, fmt.Sprintf("%s[%d]", path, i), z)
			if err != nil {
				return nil, err
			}
			mls = append(mls, ls)
		}
		return mls, nil
	case "MultiPolygon":
		a, ok := c.([]any)
		if !ok {
			return nil, jsonErr(path, "expected an array")
		}
		mp := orb.MultiPolygon{}
		for i, x := range a {
			pg, err := polygonCoords(x, fmt.Sprintf("%s[%d]", path, i), z)
			if err != nil {
				return nil, err
			}
			mp = append(mp, pg)
		}
		return mp, nil
	}
	return nil, jsonErr(path[:len(path)-len(".coordinates")]+".type", "unknown geometry type %q", typ)
}

func position(v any, path string, z *zs) (orb.Point, error) {
	a, ok := v.([]any)
	if !ok || len(a) < 2 || len(a) > 3 {
		return orb.Point{}, jsonErr(path, "expected a position of 2 or 3 numbers")
	}
	var f [3]float64
	for i, x := range a {
		var err error
		if f[i], err = jsonFloat(x); err != nil {
			return orb.Point{}, jsonErr(fmt.Sprintf("%s[%d]", path, i), "%v", err)
		}
	}
	if z.dim == 0 {
		z.dim = len(a)
	} else if z.dim != len(a) {
		return orb.Point{}, jsonErr(path, "mixed 2D and 3D positions")
	}
	if len(a) == 3 {
		z.zs = append(z.zs, f[2])
	}
	return orb.Point{f[0], f[1]}, nil
}

func positions(v any, path string, z *zs) (orb.LineString, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, jsonErr(path, "expected an array of positions")
	}
	ls := make(orb.LineString, 0, len(a))
	for i, x := range a {
		p, err := position(x, fmt.Sprintf("%s[%d]", path, i), z)
		if err != nil {
			return nil, err
		}
		ls = append(ls, p)
	}
	return ls, nil
}

func polygonCoords(v any, path string, z *zs) (orb.Polygon, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, jsonErr(path, "expected an array of rings")
	}
	pg := make(orb.Polygon, 0, len(a))
	for i, x := range a {
		r, err := positions(x, fmt.Sprintf("%s[%d]", path, i), z)
		if err != nil {
			return nil, err
		}
		pg = append(pg, orb.Ring(r))
	}
	return pg, nil
}
