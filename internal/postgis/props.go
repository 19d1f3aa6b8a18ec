package postgis

import (
	"bytes"

	"github.com/socle-geo/socle/internal/socle"
)

// Properties are read as text and written as JSON here, not with
// json_build_object: on the 250,000-address territory PostgreSQL answered a
// page of 100 addresses 2.4× faster without building JSON (pgbench, see
// docs/benchmarks.md), and this loop costs little.

// propertyColumns returns the SQL list of the properties, each as text.
func propertyColumns(props []socle.Property) string {
	var b bytes.Buffer
	for i, p := range props {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("t.")
		b.WriteString(ident(p.Name))
		b.WriteString("::text")
	}
	return b.String()
}

// appendProperties writes the JSON object of props from their text values
// (nil is SQL NULL).
func appendProperties(dst []byte, props []socle.Property, raw [][]byte) []byte {
	dst = append(dst, '{')
	for i, p := range props {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = socle.AppendJSONString(dst, p.Name)
		dst = append(dst, ':')
		v := raw[i]
		if v == nil {
			dst = append(dst, "null"...)
			continue
		}
		switch p.Type {
		case socle.TypeInteger, socle.TypeNumber, socle.TypeObject:
			dst = append(dst, v...) // PostgreSQL's text of numbers and jsonb is JSON
		case socle.TypeBoolean:
			if len(v) > 0 && v[0] == 't' {
				dst = append(dst, "true"...)
			} else {
				dst = append(dst, "false"...)
			}
		case socle.TypeDateTime:
			dst = appendTimestamp(dst, v)
		default:
			dst = socle.AppendJSONString(dst, string(v))
		}
	}
	return append(dst, '}')
}

// appendTimestamp writes PostgreSQL's text of a timestamptz
// ("2024-05-01 10:00:00+00", in the session's UTC) as RFC 3339
// ("2024-05-01T10:00:00+00:00"), as PostgreSQL's JSON writes it.
func appendTimestamp(dst, v []byte) []byte {
	dst = append(dst, '"')
	start := len(dst)
	dst = append(dst, v...)
	if i := bytes.IndexByte(dst[start:], ' '); i >= 0 {
		dst[start+i] = 'T'
	}
	// A zone written as +HH gets its minutes.
	if n := len(dst) - start; n >= 3 && (dst[len(dst)-3] == '+' || dst[len(dst)-3] == '-') {
		dst = append(dst, ":00"...)
	}
	return append(dst, '"')
}
