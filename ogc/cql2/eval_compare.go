package cql2

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

func (ev Evaluator) comparison(e Comparison, f Feature) (tri, error) {
	l, err := ev.scalar(e.Left, f)
	if err != nil {
		return tFalse, err
	}
	r, err := ev.scalar(e.Right, f)
	if err != nil || l.kind == kindNull || r.kind == kindNull {
		return tNull, err
	}
	c, err := ev.compare(l, r)
	if err != nil {
		return tFalse, err
	}
	switch e.Op {
	case Eq:
		return triOf(c == 0), nil
	case Ne:
		return triOf(c != 0), nil
	case Lt:
		return triOf(c < 0), nil
	case Le:
		return triOf(c <= 0), nil
	case Gt:
		return triOf(c > 0), nil
	case Ge:
		return triOf(c >= 0), nil
	}
	return tFalse, evalErrorf("unknown comparison operator %q", string(e.Op))
}

// compare orders two non-null scalar values of the same type
// (requirement /req/basic-cql2/binary-comparison-predicate D). Numbers
// compare exactly, whether integer or float; strings compare by
// CompareStrings, by default by code point after canonical decomposition
// (recommendation /rec/core/string-normalization); dates and timestamps
// compare as instants.
func (ev Evaluator) compare(a, b Value) (int, error) {
	switch a.kind {
	case kindInt:
		switch b.kind {
		case kindInt:
			return cmpInt(a.int(), b.int()), nil
		case kindFloat:
			return -cmpFloatInt(b.float(), a.int()), nil
		}
	case kindFloat:
		switch b.kind {
		case kindInt:
			return cmpFloatInt(a.float(), b.int()), nil
		case kindFloat:
			return cmpFloat(a.float(), b.float()), nil
		}
	case kindString:
		if b.kind == kindString {
			if ev.CompareStrings != nil {
				return ev.CompareStrings(a.str, b.str), nil
			}
			return strings.Compare(norm.NFD.String(a.str), norm.NFD.String(b.str)), nil
		}
	case kindBool:
		if b.kind == kindBool {
			switch x, y := a.bool(), b.bool(); {
			case x == y:
				return 0, nil
			case y:
				return -1, nil
			}
			return 1, nil
		}
	case kindTime:
		if b.kind == kindTime {
			return a.t.Compare(b.t), nil
		}
	}
	return 0, evalErrorf("cannot compare %s with %s", a.typeName(), b.typeName())
}

func (ev Evaluator) between(e Between, f Feature) (tri, error) {
	var vs [3]Value
	for i, x := range [3]Expr{e.Value, e.Low, e.High} {
		v, err := ev.scalar(x, f)
		if err != nil {
			return tFalse, err
		}
		vs[i] = v
	}
	if vs[0].kind == kindNull || vs[1].kind == kindNull || vs[2].kind == kindNull {
		return tNull, nil
	}
	lo, err := ev.compare(vs[1], vs[0])
	if err != nil {
		return tFalse, err
	}
	hi, err := ev.compare(vs[0], vs[2])
	if err != nil {
		return tFalse, err
	}
	return triOf(lo <= 0 && hi <= 0), nil
}

func (ev Evaluator) in(e In, f Feature) (tri, error) {
	v, err := ev.scalar(e.Value, f)
	if err != nil || v.kind == kindNull {
		return tNull, err
	}
	res := tFalse
	for _, x := range e.List {
		w, err := ev.scalar(x, f)
		if err != nil {
			return tFalse, err
		}
		if w.kind == kindNull {
			res = tNull
			continue
		}
		c, err := ev.compare(v, w)
		if err != nil {
			return tFalse, err
		}
		if c == 0 {
			return tTrue, nil
		}
	}
	return res, nil
}

// text evaluates the argument of CASEI or ACCENTI and applies fn to it.
func (ev Evaluator) text(arg Expr, f Feature, name string, fn func(string) string) (Value, error) {
	v, err := ev.scalar(arg, f)
	if err != nil || v.kind == kindNull {
		return Value{}, err
	}
	if v.kind != kindString {
		return Value{}, evalErrorf("%s of %s", name, v.typeName())
	}
	return StringValue(fn(v.str)), nil
}

// caseFold applies Unicode full case folding
// (/req/case-insensitive-comparison/casei-function E): 'Straße' and
// 'STRASSE' fold alike. ASCII text folds to its lower case, without the
// allocations of a Caser (none when already folded).
func caseFold(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	return cases.Fold().String(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// stripAccents removes the non-spacing marks of the canonical
// decomposition of s, then recomposes what is left
// (/req/accent-insensitive-comparison/accenti-function). The Japanese
// voicing marks U+3099 and U+309A are kept, as their removal changes words
// (/rec/accent-insensitive-comparison/special-japanese-non-spacing-marks).
func stripAccents(s string) string {
	if isASCII(s) {
		return s // no marks, and in NFC
	}
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) && r != 0x3099 && r != 0x309A {
			continue
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

func (ev Evaluator) like(e Like, f Feature) (tri, error) {
	v, err := ev.scalar(e.Value, f)
	if err != nil {
		return tFalse, err
	}
	p, err := ev.scalar(e.Pattern, f)
	if err != nil || v.kind == kindNull || p.kind == kindNull {
		return tNull, err
	}
	if v.kind != kindString {
		return tFalse, evalErrorf("LIKE applied to %s", v.typeName())
	}
	if p.kind != kindString {
		return tFalse, evalErrorf("LIKE pattern is %s", p.typeName())
	}
	// Compose both so that '_' matches one user-perceived character
	// rather than a base letter without its accent.
	return triOf(likeMatch(norm.NFC.String(v.str), norm.NFC.String(p.str))), nil
}

type likeToken struct {
	r    rune
	kind byte // 'c' a character, '_' one character, '%' any sequence
}

// likeMatch matches s against a LIKE pattern: '%' matches any sequence of
// characters, '_' one character, and '\' makes the next character literal
// (requirement /req/advanced-comparison-operators/like-predicate). It runs
// in O(len(s)·len(pattern)) time, whatever the pattern, and allocates
// nothing for patterns of up to 32 characters.
func likeMatch(s, pattern string) bool {
	var buf [32]likeToken
	pat := buf[:0]
	esc := false
	for _, r := range pattern {
		switch {
		case esc:
			pat = append(pat, likeToken{r, 'c'})
			esc = false
		case r == '\\':
			esc = true
		case r == '%':
			if len(pat) == 0 || pat[len(pat)-1].kind != '%' {
				pat = append(pat, likeToken{kind: '%'})
			}
		case r == '_':
			pat = append(pat, likeToken{kind: '_'})
		default:
			pat = append(pat, likeToken{r, 'c'})
		}
	}
	if esc {
		pat = append(pat, likeToken{'\\', 'c'}) // a trailing backslash stands for itself
	}
	// si and mark are byte offsets in s, moved a character at a time.
	si, pi, star, mark := 0, 0, -1, 0
	for si < len(s) {
		r, size := utf8.DecodeRuneInString(s[si:])
		switch {
		case pi < len(pat) && (pat[pi].kind == '_' || (pat[pi].kind == 'c' && pat[pi].r == r)):
			si += size
			pi++
		case pi < len(pat) && pat[pi].kind == '%':
			star, mark = pi, si
			pi++
		case star >= 0:
			_, n := utf8.DecodeRuneInString(s[mark:])
			mark += n
			si, pi = mark, star+1
		default:
			return false
		}
	}
	for pi < len(pat) && pat[pi].kind == '%' {
		pi++
	}
	return pi == len(pat)
}

// arithmetic evaluates e; null operands give null
// (/req/arithmetic/arithmetic B). Integer operations stay exact and fall
// back to float64 when they would overflow.
func (ev Evaluator) arithmetic(e Arithmetic, f Feature) (any, error) {
	l, err := ev.value(e.Left, f)
	if err != nil {
		return nil, err
	}
	r, err := ev.value(e.Right, f)
	if err != nil || l == nil || r == nil {
		return nil, err
	}
	li, lInt := l.(int64)
	ri, rInt := r.(int64)
	lf, lok := toFloat(l)
	rf, rok := toFloat(r)
	if !lok || !rok {
		bad := l
		if lok {
			bad = r
		}
		return nil, evalErrorf("arithmetic on %s", typeName(bad))
	}
	ints := lInt && rInt
	var res float64
	switch e.Op {
	case Add:
		if ints {
			if s := li + ri; (s > li) == (ri > 0) {
				return s, nil
			}
		}
		res = lf + rf
	case Sub:
		if ints {
			if d := li - ri; (d < li) == (ri > 0) {
				return d, nil
			}
		}
		res = lf - rf
	case Mul:
		if ints {
			if li == 0 || ri == 0 {
				return int64(0), nil
			}
			if p := li * ri; p/ri == li && !(li == -1 && ri == math.MinInt64) && !(ri == -1 && li == math.MinInt64) {
				return p, nil
			}
		}
		res = lf * rf
	case Div:
		if rf == 0 {
			return nil, evalErrorf("division by zero")
		}
		res = lf / rf
	case IntDiv:
		if rf == 0 {
			return nil, evalErrorf("division by zero")
		}
		if ints && !(li == math.MinInt64 && ri == -1) {
			return li / ri, nil
		}
		res = math.Trunc(lf / rf)
	case Mod:
		if rf == 0 {
			return nil, evalErrorf("division by zero")
		}
		if ints {
			if ri == -1 {
				return int64(0), nil
			}
			return li % ri, nil
		}
		res = math.Mod(lf, rf)
	case Pow:
		if ints && ri >= 0 {
			if p, ok := powInt(li, ri); ok {
				return p, nil
			}
		}
		res = math.Pow(lf, rf)
	default:
		return nil, evalErrorf("unknown arithmetic operator %q", string(e.Op))
	}
	if math.IsNaN(res) || math.IsInf(res, 0) {
		return nil, evalErrorf("arithmetic result out of range")
	}
	return res, nil
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// powInt computes b^e exactly, reporting false on overflow.
func powInt(b, e int64) (int64, bool) {
	res := int64(1)
	for e > 0 {
		if e&1 == 1 {
			p := res * b
			if b != 0 && (p/b != res || (b == -1 && res == math.MinInt64)) {
				return 0, false
			}
			res = p
		}
		e >>= 1
		if e > 0 {
			sq := b * b
			if b != 0 && (sq/b != b || b == math.MinInt64) {
				return 0, false
			}
			b = sq
		}
	}
	return res, true
}
