package csw

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Request bodies are read into a small element tree before they are
// interpreted: filters nest, and property names and type names are QNames
// whose prefixes resolve against the namespaces in scope where they occur.

// Limits of XML request bodies.
const (
	// MaxBodySize bounds the XML request read by ParseXML.
	MaxBodySize = 1 << 20
	// maxDepth bounds the nesting of elements.
	maxDepth = 64
	// maxNodes bounds the number of elements.
	maxNodes = 10000
)

type node struct {
	name     xml.Name
	attr     []xml.Attr
	children []*node
	text     strings.Builder
	// ns binds the prefixes in scope at this element ("" is the default
	// namespace).
	ns map[string]string
}

// attrValue is the value of the unqualified attribute local, matched
// without regard to case (Filter attributes are camel case, clients are
// not always).
func (n *node) attrValue(local string) (string, bool) {
	for _, a := range n.attr {
		if a.Name.Space == "" && strings.EqualFold(a.Name.Local, local) {
			return a.Value, true
		}
	}
	return "", false
}

func (n *node) content() string { return strings.TrimSpace(n.text.String()) }

func (n *node) is(space, local string) bool { return n.name.Space == space && n.name.Local == local }

// errNotWellFormed wraps XML syntax errors.
var errNotWellFormed = errors.New("not well-formed XML")

// parseTree reads an XML document into a tree; it also returns the root
// element's bytes (from its start tag to the end of the document),
// transcoded to UTF-8, for an Acknowledgement to echo.
func parseTree(r io.Reader) (*node, []byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxBodySize+1))
	if err != nil {
		return nil, nil, err
	}
	if len(raw) > MaxBodySize {
		return nil, nil, fmt.Errorf("the request is larger than %d bytes", MaxBodySize)
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	utf8Body, err := toUTF8(raw)
	if err != nil {
		return nil, nil, err
	}
	d := xml.NewDecoder(bytes.NewReader(utf8Body))
	// The body is UTF-8 now, whatever its declaration says.
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	var (
		root     *node
		stack    []*node
		nodes    int
		rootFrom int64 = -1
	)
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", errNotWellFormed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			nodes++
			if nodes > maxNodes || len(stack) >= maxDepth {
				return nil, nil, fmt.Errorf("the request nests deeper than %d elements or holds more than %d", maxDepth, maxNodes)
			}
			n := &node{name: t.Name, attr: t.Attr}
			var parentNS map[string]string
			if len(stack) > 0 {
				parentNS = stack[len(stack)-1].ns
			}
			n.ns = scope(parentNS, t.Attr)
			if len(stack) == 0 {
				if root != nil {
					return nil, nil, fmt.Errorf("%w: more than one root element", errNotWellFormed)
				}
				root = n
				rootFrom = off
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		}
	}
	if root == nil {
		return nil, nil, fmt.Errorf("%w: no root element", errNotWellFormed)
	}
	return root, bytes.TrimSpace(utf8Body[rootFrom:]), nil
}

// scope adds the namespace declarations of attrs to the parent's.
func scope(parent map[string]string, attrs []xml.Attr) map[string]string {
	var ns map[string]string
	for _, a := range attrs {
		prefix, ok := "", false
		switch {
		case a.Name.Space == "xmlns":
			prefix, ok = a.Name.Local, true
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			ok = true
		}
		if !ok {
			continue
		}
		if ns == nil {
			ns = make(map[string]string, len(parent)+1)
			for k, v := range parent {
				ns[k] = v
			}
		}
		ns[prefix] = a.Value
	}
	if ns == nil {
		return parent
	}
	return ns
}

// toUTF8 transcodes a body declared ISO-8859-1 (or Latin-1, US-ASCII),
// the encoding many CSW clients and the OGC test suites declare;
// windows-1252 is read as ISO-8859-1. Other bodies must be UTF-8.
func toUTF8(b []byte) ([]byte, error) {
	enc := declaredEncoding(b)
	switch enc {
	case "", "utf-8", "utf8":
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "iso_8859-1", "us-ascii", "ascii", "windows-1252", "cp1252":
		if utf8.Valid(b) && !bytes.ContainsFunc(b, func(r rune) bool { return r >= 0x80 }) {
			return b, nil
		}
		out := make([]byte, 0, len(b)+len(b)/8)
		for _, c := range b {
			out = utf8.AppendRune(out, rune(c))
		}
		return out, nil
	default:
		return nil, fmt.Errorf("unsupported encoding %q: use UTF-8", enc)
	}
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("%w: the request is not UTF-8", errNotWellFormed)
	}
	return b, nil
}

// declaredEncoding is the encoding of the XML declaration, lower case.
func declaredEncoding(b []byte) string {
	if !bytes.HasPrefix(b, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(b, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := string(b[:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	rest = strings.TrimPrefix(rest, "=")
	rest = strings.TrimLeft(rest, " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	rest = rest[1:]
	if j := strings.IndexByte(rest, q); j >= 0 {
		return strings.ToLower(rest[:j])
	}
	return ""
}
