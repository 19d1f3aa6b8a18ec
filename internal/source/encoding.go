package source

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/ianaindex"
)

// textDecoder turns a file's bytes into UTF-8 text. With no declared
// encoding (nil enc) it detects, value by value: valid UTF-8 is UTF-8,
// anything else Windows-1252 (the superset of ISO-8859-1 French files use).
// A value declared UTF-8 that is not valid UTF-8 is read as Windows-1252
// too: a replacement character is never produced.
type textDecoder struct {
	enc  encoding.Encoding // nil: UTF-8 or detect
	name string
	buf  []byte
}

func (d *textDecoder) decode(b []byte) string {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	if d.enc == nil {
		if utf8.Valid(b) {
			return string(b)
		}
		return decodeWith(charmap.Windows1252, b, &d.buf)
	}
	return decodeWith(d.enc, b, &d.buf)
}

func decodeWith(enc encoding.Encoding, b []byte, buf *[]byte) string {
	if enc == charmap.Windows1252 || enc == charmap.ISO8859_1 {
		// The common case, without a transformer.
		s := (*buf)[:0]
		for _, c := range b {
			s = utf8.AppendRune(s, charmap.Windows1252.DecodeByte(c))
		}
		*buf = s
		return string(s)
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return decodeWith(charmap.Windows1252, b, buf)
	}
	return string(out)
}

// encodingByName resolves a code page name as .cpg files write it: UTF-8,
// 65001, 1252, ANSI 1252, CP1252, ISO-8859-1, 88591, 8859-15, LATIN1, 850,
// OEM 850, … nil with ok for UTF-8.
func encodingByName(s string) (enc encoding.Encoding, ok bool) {
	u := strings.ToUpper(strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")))
	u = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(u, "ANSI"), "OEM"))
	k := strings.NewReplacer("-", "", "_", "", " ", "").Replace(u)
	switch k {
	case "UTF8", "65001":
		return nil, true
	case "1252", "CP1252", "WINDOWS1252", "88591", "ISO88591", "LATIN1", "28591":
		// ISO-8859-1 files are read as Windows-1252, its superset: the
		// bytes 0x80-0x9F are C1 controls in one and €, œ, ’ … in the
		// other, which is what such files mean.
		return charmap.Windows1252, true
	case "885915", "ISO885915", "LATIN9", "28605":
		return charmap.ISO8859_15, true
	case "437", "CP437":
		return charmap.CodePage437, true
	case "850", "CP850":
		return charmap.CodePage850, true
	case "1250", "CP1250", "WINDOWS1250":
		return charmap.Windows1250, true
	case "1251", "CP1251", "WINDOWS1251":
		return charmap.Windows1251, true
	}
	if e, err := ianaindex.IANA.Encoding(strings.TrimSpace(s)); err == nil && e != nil {
		return e, true
	}
	return nil, false
}

// ldidEncodings maps a DBF language driver id (byte 29 of the header) to
// its code page, the ids GDAL and ArcGIS write (ESRI's "ldid" table).
var ldidEncodings = map[byte]encoding.Encoding{
	0x01: charmap.CodePage437,
	0x02: charmap.CodePage850,
	0x03: charmap.Windows1252,
	0x57: charmap.Windows1252, // "ANSI": the writer's code page, Windows-1252 in France
	0x58: charmap.Windows1252,
	0x59: charmap.Windows1252,
	0x64: charmap.CodePage852,
	0x65: charmap.CodePage866,
	0x66: charmap.CodePage865,
	0xC8: charmap.Windows1250,
	0xC9: charmap.Windows1251,
	0xCA: charmap.Windows1254,
	0xCB: charmap.Windows1253,
}
