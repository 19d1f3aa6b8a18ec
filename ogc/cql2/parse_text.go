package cql2

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// Default bounds of a Parser.
const (
	// DefaultMaxLength is the longest filter accepted, in bytes.
	DefaultMaxLength = 64 << 10
	// DefaultMaxDepth is the deepest nesting of expressions accepted.
	DefaultMaxDepth = 64
)

// Parser parses CQL2 filters within bounds. The zero value uses the
// defaults; a Parser holds no state and may be shared.
type Parser struct {
	// MaxLength is the longest input accepted, in bytes; 0 means
	// DefaultMaxLength.
	MaxLength int
	// MaxDepth is the deepest nesting of expressions accepted; 0 means
	// DefaultMaxDepth.
	MaxDepth int
}

func (p Parser) maxLength() int {
	if p.MaxLength > 0 {
		return p.MaxLength
	}
	return DefaultMaxLength
}

func (p Parser) maxDepth() int {
	if p.MaxDepth > 0 {
		return p.MaxDepth
	}
	return DefaultMaxDepth
}

// ParseText parses a CQL2-Text filter with the default bounds.
func ParseText(s string) (Expr, error) { return Parser{}.ParseText(s) }

// ParseText parses a CQL2-Text filter (CQL2 clause 8.2,
// grammar cql2.bnf). Keywords are case-insensitive. Errors are *SyntaxError or
// *LimitError.
func (p Parser) ParseText(s string) (Expr, error) {
	if len(s) > p.maxLength() {
		return nil, &LimitError{Limit: "length", Max: p.maxLength()}
	}
	if !utf8.ValidString(s) {
		i := 0
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return nil, &SyntaxError{Offset: i, Msg: "invalid UTF-8"}
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	// The recursion of the parser is bounded to keep a hostile filter
	// from exhausting the stack; a few calls make one level of the tree,
	// whose depth is checked exactly once it is built.
	tp := &textParser{toks: toks, maxDepth: p.maxDepth(), maxRecursion: 4*p.maxDepth() + 8, elemStart: -1}
	e, err := tp.parseExpr()
	if err != nil {
		return nil, err
	}
	if t := tp.peek(); t.kind != tEOF {
		return nil, tp.unexpected(t, "AND, OR or the end of the filter")
	}
	if pr := want(0, e, boolOperand); pr != nil {
		return nil, &SyntaxError{Offset: toks[0].pos, Msg: pr.msg}
	}
	if tooDeep(e, tp.maxDepth) {
		return nil, &LimitError{Limit: "depth", Max: tp.maxDepth}
	}
	return e, nil
}

// keywords are the reserved words of CQL2-Text besides the names of the
// spatial, temporal and array functions; none can be a bare property or
// function name.
var keywords = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "LIKE": true, "BETWEEN": true, "IN": true,
	"IS": true, "NULL": true, "TRUE": true, "FALSE": true, "DIV": true, "CASEI": true,
	"ACCENTI": true, "DATE": true, "TIMESTAMP": true, "INTERVAL": true, "BBOX": true,
	"POINT": true, "LINESTRING": true, "POLYGON": true, "MULTIPOINT": true,
	"MULTILINESTRING": true, "MULTIPOLYGON": true, "GEOMETRYCOLLECTION": true,
}

// operatorWords are the reserved words that are not literals or calls.
var operatorWords = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "LIKE": true, "BETWEEN": true, "IN": true,
	"IS": true, "NULL": true, "TRUE": true, "FALSE": true, "DIV": true,
}

// The functions of the spatial, temporal and array predicates by their
// upper-case CQL2-Text names.
var (
	spatialOps = map[string]SpatialOp{
		"S_INTERSECTS": SIntersects, "S_EQUALS": SEquals, "S_DISJOINT": SDisjoint, "S_TOUCHES": STouches,
		"S_WITHIN": SWithin, "S_OVERLAPS": SOverlaps, "S_CROSSES": SCrosses, "S_CONTAINS": SContains,
	}
	temporalOps = map[string]TemporalOp{
		"T_AFTER": TAfter, "T_BEFORE": TBefore, "T_CONTAINS": TContains, "T_DISJOINT": TDisjoint,
		"T_DURING": TDuring, "T_EQUALS": TEquals, "T_FINISHEDBY": TFinishedBy, "T_FINISHES": TFinishes,
		"T_INTERSECTS": TIntersects, "T_MEETS": TMeets, "T_METBY": TMetBy, "T_OVERLAPPEDBY": TOverlappedBy,
		"T_OVERLAPS": TOverlaps, "T_STARTEDBY": TStartedBy, "T_STARTS": TStarts,
	}
	arrayOps = map[string]ArrayOp{
		"A_EQUALS": AEquals, "A_CONTAINS": AContains, "A_CONTAINEDBY": AContainedBy, "A_OVERLAPS": AOverlaps,
	}
)

// isReserved reports whether the upper-case word up is reserved.
func isReserved(up string) bool {
	if keywords[up] {
		return true
	}
	if _, ok := spatialOps[up]; ok {
		return true
	}
	if _, ok := temporalOps[up]; ok {
		return true
	}
	_, ok := arrayOps[up]
	return ok
}

type textParser struct {
	toks         []token
	i            int
	depth        int
	maxDepth     int
	maxRecursion int
	// elemStart is the index of the token that begins the array element
	// or function argument being parsed, -1 outside of one. There a
	// parenthesised single expression followed by ',' or ')' is an
	// array of one element: CQL2-Text has no other way to write one.
	elemStart int
	// Geometry literal state.
	geomDim int
	zs      []float64
}

func (p *textParser) peek() token { return p.toks[p.i] }

func (p *textParser) peekAt(k int) token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.toks[len(p.toks)-1]
}

func (p *textParser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func isKw(t token, kw string) bool { return t.kind == tIdent && strings.EqualFold(t.text, kw) }

func isOp(t token, op string) bool { return t.kind == tOp && t.text == op }

func (p *textParser) unexpected(t token, expected string) error {
	return &SyntaxError{Offset: t.pos, Msg: "unexpected " + t.describe(), Expected: expected}
}

func (p *textParser) expect(k tokKind, what string) (token, error) {
	t := p.peek()
	if t.kind != k {
		return t, p.unexpected(t, what)
	}
	return p.next(), nil
}

func (p *textParser) expectKw(kw string) error {
	if t := p.peek(); !isKw(t, kw) {
		return p.unexpected(t, kw)
	}
	p.next()
	return nil
}

func (p *textParser) enter() error {
	p.depth++
	if p.depth > p.maxRecursion {
		return &LimitError{Limit: "depth", Max: p.maxDepth}
	}
	return nil
}

func (p *textParser) leave() { p.depth-- }

// build checks node e, reporting a problem at the offset of the operand at
// fault (argPos, in the operand order of checkNode) or at pos.
func build(e Expr, pos int, argPos ...int) (Expr, error) {
	if pr := checkNode(e); pr != nil {
		if pr.arg >= 0 && pr.arg < len(argPos) {
			pos = argPos[pr.arg]
		}
		return nil, &SyntaxError{Offset: pos, Msg: pr.msg}
	}
	return e, nil
}

// parseExpr parses rule booleanExpression.
func (p *textParser) parseExpr() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	return p.parseLogical("OR", p.parseAnd)
}

func (p *textParser) parseAnd() (Expr, error) { return p.parseLogical("AND", p.parseNot) }

func (p *textParser) parseLogical(kw string, sub func() (Expr, error)) (Expr, error) {
	pos := p.peek().pos
	e, err := sub()
	if err != nil || !isKw(p.peek(), kw) {
		return e, err
	}
	args, poss := []Expr{e}, []int{pos}
	for isKw(p.peek(), kw) {
		p.next()
		poss = append(poss, p.peek().pos)
		e, err := sub()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if kw == "OR" {
		return build(Or{args}, pos, poss...)
	}
	return build(And{args}, pos, poss...)
}

// parseNot parses rule booleanFactor.
func (p *textParser) parseNot() (Expr, error) {
	t := p.peek()
	if !isKw(t, "NOT") {
		return p.parsePredicate()
	}
	p.next()
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	pos := p.peek().pos
	e, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	return build(Not{e}, t.pos, pos)
}

// parsePredicate parses an operand and the comparison that may follow it
// (rule comparisonPredicate); without one the operand stands alone.
func (p *textParser) parsePredicate() (Expr, error) {
	pos := p.peek().pos
	left, err := p.parseArith()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	switch {
	case t.kind == tOp && (t.text == "=" || t.text == "<>" || t.text == "<" || t.text == "<=" || t.text == ">" || t.text == ">="):
		p.next()
		rpos := p.peek().pos
		right, err := p.parseArith()
		if err != nil {
			return nil, err
		}
		return build(Comparison{CompareOp(t.text), left, right}, t.pos, pos, rpos)
	case isKw(t, "NOT"):
		n := p.peekAt(1)
		if !isKw(n, "LIKE") && !isKw(n, "BETWEEN") && !isKw(n, "IN") {
			return nil, p.unexpected(n, "LIKE, BETWEEN or IN")
		}
		p.next()
		e, err := p.parseSuffix(left, pos)
		if err != nil {
			return nil, err
		}
		return Not{e}, nil
	case isKw(t, "LIKE"), isKw(t, "BETWEEN"), isKw(t, "IN"):
		return p.parseSuffix(left, pos)
	case isKw(t, "IS"):
		p.next()
		not := isKw(p.peek(), "NOT")
		if not {
			p.next()
		}
		if err := p.expectKw("NULL"); err != nil {
			return nil, err
		}
		e, err := build(IsNull{left}, t.pos, pos)
		if err != nil || !not {
			return e, err
		}
		return Not{e}, nil
	}
	return left, nil
}

// parseSuffix parses LIKE, BETWEEN or IN after their first operand.
func (p *textParser) parseSuffix(left Expr, pos int) (Expr, error) {
	t := p.next()
	switch {
	case isKw(t, "LIKE"):
		ppos := p.peek().pos
		pat, err := p.parseArith()
		if err != nil {
			return nil, err
		}
		return build(Like{left, pat}, t.pos, pos, ppos)
	case isKw(t, "BETWEEN"):
		lpos := p.peek().pos
		lo, err := p.parseArith()
		if err != nil {
			return nil, err
		}
		if err := p.expectKw("AND"); err != nil {
			return nil, err
		}
		hpos := p.peek().pos
		hi, err := p.parseArith()
		if err != nil {
			return nil, err
		}
		return build(Between{left, lo, hi}, t.pos, pos, lpos, hpos)
	}
	// IN
	if _, err := p.expect(tLParen, `"("`); err != nil {
		return nil, err
	}
	poss := []int{pos}
	list := []Expr{}
	if p.peek().kind != tRParen {
		for {
			poss = append(poss, p.peek().pos)
			e, err := p.parseArith()
			if err != nil {
				return nil, err
			}
			list = append(list, e)
			if p.peek().kind != tComma {
				break
			}
			p.next()
		}
	}
	if _, err := p.expect(tRParen, `"," or ")"`); err != nil {
		return nil, err
	}
	return build(In{left, list}, t.pos, poss...)
}

// parseArith parses rule arithmeticExpression.
func (p *textParser) parseArith() (Expr, error) {
	pos := p.peek().pos
	left, err := p.parseTerm()
	if err != nil {
		return nil, err
	}
	for t := p.peek(); isOp(t, "+") || isOp(t, "-"); t = p.peek() {
		p.next()
		rpos := p.peek().pos
		right, err := p.parseTerm()
		if err != nil {
			return nil, err
		}
		if left, err = build(Arithmetic{ArithOp(t.text), left, right}, t.pos, pos, rpos); err != nil {
			return nil, err
		}
	}
	return left, nil
}

// parseTerm parses rule arithmeticTerm.
func (p *textParser) parseTerm() (Expr, error) {
	pos := p.peek().pos
	left, err := p.parsePower()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		var op ArithOp
		switch {
		case isOp(t, "*"), isOp(t, "/"), isOp(t, "%"):
			op = ArithOp(t.text)
		case isKw(t, "DIV"):
			op = IntDiv
		default:
			return left, nil
		}
		p.next()
		rpos := p.peek().pos
		right, err := p.parsePower()
		if err != nil {
			return nil, err
		}
		if left, err = build(Arithmetic{op, left, right}, t.pos, pos, rpos); err != nil {
			return nil, err
		}
	}
}

// parsePower parses rule powerTerm; a chain a ^ b ^ c groups to the right.
func (p *textParser) parsePower() (Expr, error) {
	pos := p.peek().pos
	base, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if !isOp(t, "^") {
		return base, nil
	}
	p.next()
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	rpos := p.peek().pos
	exp, err := p.parsePower()
	if err != nil {
		return nil, err
	}
	return build(Arithmetic{Pow, base, exp}, t.pos, pos, rpos)
}

// parseUnary parses rule arithmeticFactor: a sign before a number is part
// of the literal; a minus before anything else multiplies it by -1.
func (p *textParser) parseUnary() (Expr, error) {
	t := p.peek()
	if !isOp(t, "-") && !isOp(t, "+") {
		return p.parsePrimary()
	}
	p.next()
	if n := p.peek(); n.kind == tNumber {
		p.next()
		num, err := parseNumber(n.text, n.pos)
		if err != nil || t.text == "+" {
			return num, err
		}
		return negate(num), nil
	}
	if t.text == "+" {
		return nil, p.unexpected(p.peek(), "a number")
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	pos := p.peek().pos
	e, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	return build(Arithmetic{Mul, Int(-1), e}, t.pos, t.pos, pos)
}

func negate(n Number) Number {
	if n.IsInt {
		return Int(-n.Int)
	}
	return Float(-n.Float)
}

// parseNumber converts an unsigned numeric literal.
func parseNumber(s string, pos int) (Number, error) {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return Int(i), nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return Number{}, &SyntaxError{Offset: pos, Msg: "number out of range " + strconv.Quote(s)}
	}
	return Float(f), nil
}

// parsePrimary parses literals, property names, function calls, built-in
// functions, predicates written as functions and parenthesised
// expressions.
func (p *textParser) parsePrimary() (Expr, error) {
	t := p.peek()
	switch t.kind {
	case tNumber:
		p.next()
		return parseNumber(t.text, t.pos)
	case tString:
		p.next()
		return String{t.val}, nil
	case tQIdent:
		p.next()
		return Property{t.val}, nil
	case tLParen:
		if p.i == p.elemStart {
			return p.parseElementParen()
		}
		p.next()
		e, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, `")"`); err != nil {
			return nil, err
		}
		return e, nil
	case tIdent:
	default:
		return nil, p.unexpected(t, "an expression")
	}
	up := strings.ToUpper(t.text)
	if isReserved(up) && !operatorWords[up] {
		// Keywords that open a literal or a call must be followed by
		// '(' (or Z or EMPTY for geometries); anything else is most
		// likely a property named like a keyword.
		n := p.peekAt(1)
		if n.kind != tLParen && !isKw(n, "Z") && !isKw(n, "EMPTY") {
			return nil, &SyntaxError{Offset: t.pos, Msg: "unexpected " + t.describe(),
				Expected: "an expression (a property named like a reserved word is written in double quotes)"}
		}
	}
	switch up {
	case "TRUE", "FALSE":
		p.next()
		return Bool{up == "TRUE"}, nil
	case "DATE", "TIMESTAMP":
		p.next()
		if _, err := p.expect(tLParen, `"("`); err != nil {
			return nil, err
		}
		s, err := p.expect(tString, "a character literal")
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, `")"`); err != nil {
			return nil, err
		}
		if up == "DATE" {
			d, ok := parseDate(s.val)
			if !ok {
				return nil, &SyntaxError{Offset: s.pos, Msg: "invalid date " + strconv.Quote(s.val), Expected: "YYYY-MM-DD"}
			}
			return d, nil
		}
		ts, ok := parseTimestamp(s.val)
		if !ok {
			return nil, &SyntaxError{Offset: s.pos, Msg: "invalid timestamp " + strconv.Quote(s.val), Expected: "YYYY-MM-DDThh:mm:ss[.fff]Z"}
		}
		return ts, nil
	case "INTERVAL":
		return p.parseInterval()
	case "CASEI", "ACCENTI":
		p.next()
		if _, err := p.expect(tLParen, `"("`); err != nil {
			return nil, err
		}
		pos := p.peek().pos
		e, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, `")"`); err != nil {
			return nil, err
		}
		if up == "CASEI" {
			return build(CaseI{e}, t.pos, pos)
		}
		return build(AccentI{e}, t.pos, pos)
	case "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION":
		return p.parseGeometryLiteral()
	case "BBOX":
		return p.parseBBox()
	}
	if op, ok := spatialOps[up]; ok {
		return p.parseBinaryPredicate(func(l, r Expr) Expr { return Spatial{op, l, r} }, p.parseExpr)
	}
	if op, ok := temporalOps[up]; ok {
		return p.parseBinaryPredicate(func(l, r Expr) Expr { return Temporal{op, l, r} }, p.parseExpr)
	}
	if op, ok := arrayOps[up]; ok {
		return p.parseBinaryPredicate(func(l, r Expr) Expr { return ArrayPredicate{op, l, r} }, p.parseArrayOperand)
	}
	if isReserved(up) {
		return nil, p.unexpected(t, "an expression")
	}
	p.next()
	if p.peek().kind != tLParen {
		return Property{t.text}, nil
	}
	args, poss, err := p.parseList()
	if err != nil {
		return nil, err
	}
	return build(Function{t.text, args}, t.pos, poss...)
}

// parseList parses a parenthesised, comma-separated list of array elements
// or function arguments.
func (p *textParser) parseList() (items []Expr, poss []int, err error) {
	if _, err := p.expect(tLParen, `"("`); err != nil {
		return nil, nil, err
	}
	if err := p.enter(); err != nil {
		return nil, nil, err
	}
	defer p.leave()
	items = []Expr{}
	if p.peek().kind == tRParen {
		p.next()
		return items, nil, nil
	}
	for {
		poss = append(poss, p.peek().pos)
		e, err := p.parseElement()
		if err != nil {
			return nil, nil, err
		}
		items = append(items, e)
		if p.peek().kind != tComma {
			break
		}
		p.next()
	}
	if _, err := p.expect(tRParen, `"," or ")"`); err != nil {
		return nil, nil, err
	}
	return items, poss, nil
}

// parseElement parses an array element or a function argument.
func (p *textParser) parseElement() (Expr, error) {
	saved := p.elemStart
	p.elemStart = p.i
	defer func() { p.elemStart = saved }()
	return p.parseExpr()
}

// parseElementParen parses a '(' that begins an element: an array, or a
// parenthesised expression when an operator follows the ')'.
func (p *textParser) parseElementParen() (Expr, error) {
	open := p.peek()
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	items, poss, err := p.parseList()
	if err != nil {
		return nil, err
	}
	if len(items) == 1 {
		if n := p.peek(); n.kind != tComma && n.kind != tRParen {
			return items[0], nil
		}
	}
	return build(Array{items}, open.pos, poss...)
}

// parseArrayOperand parses an operand of an array predicate, where a '('
// always begins an array.
func (p *textParser) parseArrayOperand() (Expr, error) {
	if t := p.peek(); t.kind == tLParen {
		items, poss, err := p.parseList()
		if err != nil {
			return nil, err
		}
		return build(Array{items}, t.pos, poss...)
	}
	return p.parsePrimary()
}

func (p *textParser) parseBinaryPredicate(mk func(l, r Expr) Expr, operand func() (Expr, error)) (Expr, error) {
	t := p.next()
	if _, err := p.expect(tLParen, `"("`); err != nil {
		return nil, err
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	lpos := p.peek().pos
	l, err := operand()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tComma, `","`); err != nil {
		return nil, err
	}
	rpos := p.peek().pos
	r, err := operand()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tRParen, `")"`); err != nil {
		return nil, err
	}
	return build(mk(l, r), t.pos, lpos, rpos)
}

// parseInterval parses rule intervalInstance.
func (p *textParser) parseInterval() (Expr, error) {
	t := p.next()
	if _, err := p.expect(tLParen, `"("`); err != nil {
		return nil, err
	}
	var bounds [2]Expr
	var poss [2]int
	for k := range bounds {
		if k == 1 {
			if _, err := p.expect(tComma, `","`); err != nil {
				return nil, err
			}
		}
		b := p.peek()
		poss[k] = b.pos
		switch b.kind {
		case tString:
			p.next()
			if b.val == ".." {
				continue
			}
			e, ok := parseInstant(b.val)
			if !ok {
				return nil, &SyntaxError{Offset: b.pos, Msg: "invalid instant " + strconv.Quote(b.val), Expected: "a date, a timestamp or '..'"}
			}
			bounds[k] = e
		case tIdent, tQIdent:
			e, err := p.parsePrimary()
			if err != nil {
				return nil, err
			}
			bounds[k] = e
		default:
			return nil, p.unexpected(b, "an instant, '..', property or function")
		}
	}
	if _, err := p.expect(tRParen, `")"`); err != nil {
		return nil, err
	}
	return build(Interval{bounds[0], bounds[1]}, t.pos, poss[:]...)
}

// parseDate parses rule fullDate.
func parseDate(s string) (Date, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s[:4]) || !digits(s[5:7]) || !digits(s[8:]) {
		return Date{}, false
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, false
	}
	return Date{t}, true
}

// parseTimestamp parses fullDate "T" utcTime, e.g. 1969-07-20T20:17:40.5Z.
func parseTimestamp(s string) (Timestamp, bool) {
	if len(s) < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len(s)-1] != 'Z' ||
		!digits(s[11:13]) || !digits(s[14:16]) || !digits(s[17:19]) {
		return Timestamp{}, false
	}
	if _, ok := parseDate(s[:10]); !ok {
		return Timestamp{}, false
	}
	if frac := s[19 : len(s)-1]; frac != "" && (frac[0] != '.' || len(frac) < 2 || !digits(frac[1:])) {
		return Timestamp{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return Timestamp{}, false
	}
	return Timestamp{utc(t)}, true
}

// parseInstant parses a date or a timestamp.
func parseInstant(s string) (Expr, bool) {
	if len(s) == 10 {
		return parseDate(s)
	}
	return parseTimestamp(s)
}

func digits(s string) bool {
	for i := range len(s) {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// parseBBox parses rule bboxTaggedText.
func (p *textParser) parseBBox() (Expr, error) {
	t := p.next()
	if _, err := p.expect(tLParen, `"("`); err != nil {
		return nil, err
	}
	var ext []float64
	for {
		f, err := p.signedNumber()
		if err != nil {
			return nil, err
		}
		ext = append(ext, f)
		if p.peek().kind != tComma || len(ext) == 6 {
			break
		}
		p.next()
	}
	if _, err := p.expect(tRParen, `")"`); err != nil {
		return nil, err
	}
	return build(BBox{ext}, t.pos)
}

func (p *textParser) signedNumber() (float64, error) {
	neg := false
	if t := p.peek(); isOp(t, "-") || isOp(t, "+") {
		neg = t.text == "-"
		p.next()
	}
	t, err := p.expect(tNumber, "a number")
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(t.text, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, &SyntaxError{Offset: t.pos, Msg: "number out of range " + strconv.Quote(t.text)}
	}
	if neg {
		f = -f
	}
	return f, nil
}

// parseGeometryLiteral parses rule spatialInstance except BBOX: WKT with
// an optional Z, or EMPTY for any type but POINT.
func (p *textParser) parseGeometryLiteral() (Expr, error) {
	start := p.peek().pos
	p.geomDim, p.zs = 0, nil
	g, err := p.parseWKT(true)
	if err != nil {
		return nil, err
	}
	lit := Geometry{Geom: g}
	if p.geomDim == 3 {
		lit.Z = p.zs
	}
	return build(lit, start)
}

func (p *textParser) parseWKT(top bool) (orb.Geometry, error) {
	t := p.next()
	up := strings.ToUpper(t.text)
	if t.kind != tIdent {
		up = ""
	}
	if isKw(p.peek(), "Z") {
		z := p.next()
		if p.geomDim == 2 {
			return nil, &SyntaxError{Offset: z.pos, Msg: "mixed 2D and 3D positions"}
		}
		p.geomDim = 3
	}
	empty := isKw(p.peek(), "EMPTY")
	if empty {
		e := p.next()
		if up == "POINT" {
			return nil, &SyntaxError{Offset: e.pos, Msg: "POINT EMPTY is not supported"}
		}
	}
	switch up {
	case "POINT":
		if _, err := p.expect(tLParen, `"("`); err != nil {
			return nil, err
		}
		pt, err := p.position()
		if err != nil {
			return nil, err
		}
		_, err = p.expect(tRParen, `")"`)
		return pt, err
	case "LINESTRING":
		if empty {
			return orb.LineString{}, nil
		}
		ls, err := p.positions(2)
		return orb.LineString(ls), err
	case "POLYGON":
		if empty {
			return orb.Polygon{}, nil
		}
		return p.polygonText()
	case "MULTIPOINT":
		mp := orb.MultiPoint{}
		if empty {
			return mp, nil
		}
		err := p.each(func() error {
			paren := p.peek().kind == tLParen
			if paren {
				p.next()
			}
			pt, err := p.position()
			if err != nil {
				return err
			}
			mp = append(mp, pt)
			if paren {
				_, err = p.expect(tRParen, `")"`)
			}
			return err
		})
		return mp, err
	case "MULTILINESTRING":
		mls := orb.MultiLineString{}
		if empty {
			return mls, nil
		}
		err := p.each(func() error {
			ls, err := p.positions(2)
			mls = append(mls, ls)
			return err
		})
		return mls, err
	case "MULTIPOLYGON":
		mp := orb.MultiPolygon{}
		if empty {
			return mp, nil
		}
		err := p.each(func() error {
			pg, err := p.polygonText()
			mp = append(mp, pg)
			return err
		})
		return mp, err
	case "GEOMETRYCOLLECTION":
		c := orb.Collection{}
		if empty {
			return c, nil
		}
		if !top {
			return nil, &SyntaxError{Offset: t.pos, Msg: "geometry collections do not nest"}
		}
		err := p.each(func() error {
			m := p.peek()
			switch strings.ToUpper(m.text) {
			case "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON":
			default:
				return p.unexpected(m, "a geometry")
			}
			g, err := p.parseWKT(false)
			c = append(c, g)
			return err
		})
		return c, err
	}
	return nil, p.unexpected(t, "a geometry")
}

// each parses "(" item {"," item} ")".
func (p *textParser) each(item func() error) error {
	if _, err := p.expect(tLParen, `"("`); err != nil {
		return err
	}
	for {
		if err := item(); err != nil {
			return err
		}
		if p.peek().kind != tComma {
			break
		}
		p.next()
	}
	_, err := p.expect(tRParen, `"," or ")"`)
	return err
}

func (p *textParser) polygonText() (orb.Polygon, error) {
	pg := orb.Polygon{}
	err := p.each(func() error {
		if isKw(p.peek(), "EMPTY") {
			p.next()
			pg = append(pg, orb.Ring{})
			return nil
		}
		r, err := p.positions(4)
		pg = append(pg, orb.Ring(r))
		return err
	})
	return pg, err
}

// positions parses "(" position {"," position} ")" with at least min
// positions.
func (p *textParser) positions(min int) ([]orb.Point, error) {
	start := p.peek().pos
	var pts []orb.Point
	err := p.each(func() error {
		pt, err := p.position()
		pts = append(pts, pt)
		return err
	})
	if err == nil && len(pts) < min {
		err = &SyntaxError{Offset: start, Msg: "too few positions", Expected: "at least " + strconv.Itoa(min)}
	}
	return pts, err
}

// position parses rule point: two or three signed numbers; all positions
// of a literal have the same dimension.
func (p *textParser) position() (orb.Point, error) {
	start := p.peek().pos
	x, err := p.signedNumber()
	if err != nil {
		return orb.Point{}, err
	}
	y, err := p.signedNumber()
	if err != nil {
		return orb.Point{}, err
	}
	dim := 2
	if t := p.peek(); t.kind == tNumber || isOp(t, "-") || isOp(t, "+") {
		z, err := p.signedNumber()
		if err != nil {
			return orb.Point{}, err
		}
		p.zs = append(p.zs, z)
		dim = 3
	}
	if p.geomDim == 0 {
		p.geomDim = dim
	} else if p.geomDim != dim {
		return orb.Point{}, &SyntaxError{Offset: start, Msg: "mixed 2D and 3D positions"}
	}
	return orb.Point{x, y}, nil
}
