package socle

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// The text forms of property values, the same from every store and in
// every encoding that writes text: GeoJSON properties, HTML tables.

// AppendJSONString appends s as a JSON string: the quote, the backslash,
// \n, \r and \t named, other control characters as \u00XX.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, `\u00`...)
			dst = append(dst, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendFloat appends f as PostgreSQL's float8out writes it: the shortest
// text that reads back exactly, in fixed notation for decimal exponents
// from -4 to 14 and in exponent notation otherwise. NaN and the infinities
// are words, quoted when inJSON.
func AppendFloat(dst []byte, f float64, inJSON bool) []byte {
	word := func(s string) []byte {
		if inJSON {
			return append(append(append(dst, '"'), s...), '"')
		}
		return append(dst, s...)
	}
	switch {
	case math.IsNaN(f):
		return word("NaN")
	case math.IsInf(f, 1):
		return word("Infinity")
	case math.IsInf(f, -1):
		return word("-Infinity")
	}
	if f == 0 {
		if math.Signbit(f) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	}
	e := strconv.AppendFloat(nil, f, 'e', -1, 64)
	exp, _ := strconv.Atoi(string(e[strings.LastIndexByte(string(e), 'e')+1:]))
	if exp >= -4 && exp < 15 {
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	return append(dst, e...)
}

// FormatDateTime writes a date-time value: RFC 3339 in UTC, with the
// microseconds it has, e.g. 2024-05-01T10:00:00.5+00:00.
func FormatDateTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999999") + "+00:00"
}

// FormatValue writes a property value of type t as text: numbers as
// AppendFloat does, dates as YYYY-MM-DD, date-times as FormatDateTime,
// objects as compact JSON, nothing for null.
func FormatValue(t Type, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return string(AppendFloat(nil, x, false))
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		if t == TypeDate {
			return x.Format(time.DateOnly)
		}
		return FormatDateTime(x)
	case json.RawMessage:
		var o any
		if err := json.Unmarshal(x, &o); err != nil {
			return string(x)
		}
		b, _ := json.Marshal(o)
		return string(b)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
