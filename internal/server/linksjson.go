package server

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/socle-geo/socle/ogc/features"
)

// appendLinksJSON appends links as json.Marshal writes them, byte for byte,
// without its reflection: a single feature's answer spent more on
// marshalling its four links than on the rest of its body.
func appendLinksJSON(dst []byte, links []features.Link) []byte {
	if links == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i := range links {
		if i > 0 {
			dst = append(dst, ',')
		}
		l := &links[i]
		dst = append(dst, `{"href":`...)
		dst = appendJSONString(dst, l.Href)
		dst = append(dst, `,"rel":`...)
		dst = appendJSONString(dst, l.Rel)
		if l.Type != "" {
			dst = append(dst, `,"type":`...)
			dst = appendJSONString(dst, l.Type)
		}
		if l.Title != "" {
			dst = append(dst, `,"title":`...)
			dst = appendJSONString(dst, l.Title)
		}
		if l.Hreflang != "" {
			dst = append(dst, `,"hreflang":`...)
			dst = appendJSONString(dst, l.Hreflang)
		}
		if l.Length != 0 {
			dst = append(dst, `,"length":`...)
			dst = strconv.AppendInt(dst, l.Length, 10)
		}
		if l.Templated {
			dst = append(dst, `,"templated":true`...)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendJSONString appends s as json.Marshal writes a string: printable
// ASCII other than the quote, the backslash and the HTML characters <, >
// and &, and valid UTF-8 other than U+2028 and U+2029, go as they are;
// anything else sends the whole string through json.Marshal.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return appendMarshalled(dst, s)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
			return appendMarshalled(dst, s)
		}
		i += size
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

func appendMarshalled(dst []byte, s string) []byte {
	b, _ := json.Marshal(s)
	return append(dst, b...)
}
