package cql2

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // identifier or keyword
	tQIdent         // double-quoted identifier
	tString         // character literal
	tNumber         // unsigned numeric literal
	tLParen
	tRParen
	tComma
	tOp // = <> < <= > >= + - * / % ^
)

type token struct {
	kind tokKind
	text string // as written
	val  string // decoded value of strings and quoted identifiers
	pos  int    // byte offset
}

func (t token) describe() string {
	if t.kind == tEOF {
		return "end of input"
	}
	return fmt.Sprintf("token %q", t.text)
}

// isSpace reports whether r is whitespace in the CQL2 grammar (rule
// whitespace).
func isSpace(r rune) bool {
	switch r {
	case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680,
		0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// isIdentStart implements rule identifierStart. The Ogham space mark, which
// the rule's ranges include, is whitespace and not part of identifiers.
func isIdentStart(r rune) bool {
	switch {
	case r == 0x1680:
		return false
	case r == ':' || r == '_' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z'):
		return true
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFE, r >= 0x200C && r <= 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	return false
}

// isIdentPart implements rule identifierPart.
func isIdentPart(r rune) bool {
	return isIdentStart(r) || r == '.' || (r >= '0' && r <= '9') ||
		(r >= 0x300 && r <= 0x36F) || r == 0x203F || r == 0x2040
}

// isIdentifier reports whether s is an identifier (rule identifier).
func isIdentifier(s string) bool {
	for i, r := range s {
		if i == 0 && !isIdentStart(r) || !isIdentPart(r) {
			return false
		}
	}
	return s != ""
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// lex splits CQL2-Text into tokens; src is valid UTF-8.
func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for {
		for i < len(src) {
			r, n := utf8.DecodeRuneInString(src[i:])
			if !isSpace(r) {
				break
			}
			i += n
		}
		if i == len(src) {
			return append(toks, token{kind: tEOF, pos: i}), nil
		}
		start := i
		c := src[i]
		switch {
		case c == '(':
			toks = append(toks, token{kind: tLParen, text: "(", pos: i})
			i++
		case c == ')':
			toks = append(toks, token{kind: tRParen, text: ")", pos: i})
			i++
		case c == ',':
			toks = append(toks, token{kind: tComma, text: ",", pos: i})
			i++
		case c == '<':
			n := 1
			if i+1 < len(src) && (src[i+1] == '>' || src[i+1] == '=') {
				n = 2
			}
			toks = append(toks, token{kind: tOp, text: src[i : i+n], pos: i})
			i += n
		case c == '>':
			n := 1
			if i+1 < len(src) && src[i+1] == '=' {
				n = 2
			}
			toks = append(toks, token{kind: tOp, text: src[i : i+n], pos: i})
			i += n
		case strings.IndexByte("=+-*/%^", c) >= 0:
			toks = append(toks, token{kind: tOp, text: src[i : i+1], pos: i})
			i++
		case c == '\'':
			val, end, err := lexString(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tString, text: src[i:end], val: val, pos: i})
			i = end
		case c == '"':
			val, end, err := lexQuoted(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tQIdent, text: src[i:end], val: val, pos: i})
			i = end
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			i = lexNumber(src, i)
			toks = append(toks, token{kind: tNumber, text: src[start:i], pos: start})
		default:
			r, n := utf8.DecodeRuneInString(src[i:])
			if !isIdentStart(r) {
				return nil, &SyntaxError{Offset: i, Msg: fmt.Sprintf("unexpected character %q", r)}
			}
			i += n
			for i < len(src) {
				r, n := utf8.DecodeRuneInString(src[i:])
				if !isIdentPart(r) {
					break
				}
				i += n
			}
			toks = append(toks, token{kind: tIdent, text: src[start:i], pos: start})
		}
	}
}

// lexString decodes the character literal that starts at src[i], a single
// quote. A quote inside is doubled or preceded by a backslash, the escape
// character of requirement /req/cql2-text/escaping: \\ is a backslash and
// \a \b \t \n \v \f \r are control characters; before any other character
// the backslash stands for itself, so that LIKE escapes such as \% reach
// the pattern unchanged.
func lexString(src string, i int) (val string, end int, err error) {
	var b strings.Builder
	j := i + 1
	for j < len(src) {
		c := src[j]
		switch {
		case c == '\'':
			if j+1 < len(src) && src[j+1] == '\'' {
				b.WriteByte('\'')
				j += 2
				continue
			}
			return b.String(), j + 1, nil
		case c == '\\' && j+1 < len(src):
			if e := strings.IndexByte(`'\abtnvfr`, src[j+1]); e >= 0 {
				b.WriteByte("'\\\a\b\t\n\v\f\r"[e])
				j += 2
				continue
			}
			b.WriteByte(c)
			j++
		default:
			b.WriteByte(c)
			j++
		}
	}
	return "", 0, &SyntaxError{Offset: i, Msg: "unterminated character literal"}
}

// lexQuoted decodes the double-quoted identifier at src[i] == '"'. Besides
// the identifier characters of the grammar it accepts any character, with
// "" for a double quote, so that every property name of CQL2-JSON has a
// text form.
func lexQuoted(src string, i int) (val string, end int, err error) {
	var b strings.Builder
	j := i + 1
	for j < len(src) {
		if src[j] == '"' {
			if j+1 < len(src) && src[j+1] == '"' {
				b.WriteByte('"')
				j += 2
				continue
			}
			if b.Len() == 0 {
				return "", 0, &SyntaxError{Offset: i, Msg: "empty quoted identifier"}
			}
			return b.String(), j + 1, nil
		}
		b.WriteByte(src[j])
		j++
	}
	return "", 0, &SyntaxError{Offset: i, Msg: "unterminated quoted identifier"}
}

// lexNumber returns the end of the unsigned numeric literal at src[i]
// (rule unsignedNumericLiteral).
func lexNumber(src string, i int) int {
	for i < len(src) && isDigit(src[i]) {
		i++
	}
	if i < len(src) && src[i] == '.' {
		i++
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j < len(src) && isDigit(src[j]) {
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			i = j
		}
	}
	return i
}
