// Package csvenc writes features as CSV (RFC 4180) for spreadsheets,
// pandas, R and GDAL: one row per feature, a header row of the columns, the
// geometry as WKT in a last column "geometry" (or as "x" and "y" columns
// for points).
//
// Values are written as a spreadsheet reads them, never as JSON: integers
// and decimals in plain decimal notation (no exponent for ordinary values,
// optionally with a decimal comma for French-locale spreadsheets), booleans
// true/false, dates YYYY-MM-DD, date-times RFC 3339. Object columns are
// left out, since the schema does not know their keys and a cell must not
// hold JSON; Options.ObjectKeys flattens one level of an object into
// "name.key" columns when the caller knows the keys.
//
// The package owns the CSV rendering only. It imports the feature stream
// contract (ogc/featurestream) and orb, and nothing of Socle's storage or
// HTTP layers. Memory does not grow with the number of features: each row
// is written to a buffered writer as it is encoded.
package csvenc

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/ogc/featurestream"
)

// MediaType is the media type of the output (RFC 7111), UTF-8 with or
// without a BOM.
const MediaType = "text/csv; charset=utf-8"

// Geometry says how the geometry is written.
type Geometry int

const (
	// WKT writes the geometry as Well-Known Text in a last column
	// "geometry", x (easting or longitude) first; empty when null.
	WKT Geometry = iota
	// XY writes a point as two last columns "x" and "y"; Encode fails on
	// any other geometry type. Empty cells when null.
	XY
	// NoGeometry leaves the geometry out.
	NoGeometry
)

// Options shape the output. The zero value is a comma-separated file
// without BOM, with the id in a first column "id" and the geometry as WKT.
type Options struct {
	// Separator is ',' (the default when zero) or ';' (what French
	// spreadsheets expect).
	Separator byte
	// BOM starts the file with a UTF-8 byte order mark, which Excel needs
	// to read UTF-8.
	BOM bool
	// DecimalComma writes decimals (and x, y) with a comma, as
	// French-locale spreadsheets read them; use it with Separator ';'.
	// WKT keeps its points: its grammar needs them.
	DecimalComma bool
	// Geometry is WKT (default), XY or NoGeometry.
	Geometry Geometry
	// Decimals rounds coordinates to that many decimals (0: the shortest
	// text that reads back exactly). crs.CRS.Decimals() keeps about 1 cm.
	Decimals int
	// IDColumn names the first column, holding the feature id ("id" when
	// empty; "-" leaves the id out).
	IDColumn string
	// ObjectKeys lists, per object column, the keys flattened into columns
	// "name.key" (one level: a key holding an object or an array gives an
	// empty cell). An object column absent here is left out.
	ObjectKeys map[string][]string
	// FormulaGuard prefixes with an apostrophe any text value starting with
	// =, +, -, @, tab or carriage return, so that a spreadsheet shows it
	// instead of running it as a formula (CSV injection). Numbers are not
	// touched. Use it for files meant for spreadsheets.
	FormulaGuard bool
}

// Encoder writes one CSV row per feature. It is a featurestream.Encoder.
type Encoder struct {
	w      *bufio.Writer
	cols   []featurestream.Column
	opts   Options
	header []string
	// flat[i] lists the keys flattened from column i (nil: not flattened).
	flat    [][]string
	row     []byte
	started bool
	closed  bool
	// obj is reused to decode flattened objects.
	obj map[string]json.RawMessage
}

var _ featurestream.Encoder = (*Encoder)(nil)

// NewEncoder returns an encoder of features of schema cols to w. Nothing is
// written before the first Encode or Close.
func NewEncoder(w io.Writer, cols []featurestream.Column, opts Options) (*Encoder, error) {
	if err := featurestream.CheckColumns(cols); err != nil {
		return nil, err
	}
	switch opts.Separator {
	case 0:
		opts.Separator = ','
	case ',', ';':
	default:
		return nil, fmt.Errorf("csvenc: separator %q: only ',' and ';' are supported", opts.Separator)
	}
	if opts.IDColumn == "" {
		opts.IDColumn = "id"
	}
	e := &Encoder{w: bufio.NewWriterSize(w, 64<<10), cols: cols, opts: opts, flat: make([][]string, len(cols))}
	if opts.IDColumn != "-" {
		e.header = append(e.header, opts.IDColumn)
	}
	for i, c := range cols {
		if c.Type != featurestream.TypeObject {
			e.header = append(e.header, c.Name)
			continue
		}
		keys, ok := opts.ObjectKeys[c.Name]
		if !ok {
			continue
		}
		e.flat[i] = keys
		for _, k := range keys {
			e.header = append(e.header, c.Name+"."+k)
		}
	}
	for name := range opts.ObjectKeys {
		if !hasObjectColumn(cols, name) {
			return nil, fmt.Errorf("csvenc: ObjectKeys names %q, which is not an object column", name)
		}
	}
	switch opts.Geometry {
	case WKT:
		e.header = append(e.header, "geometry")
	case XY:
		e.header = append(e.header, "x", "y")
	case NoGeometry:
	default:
		return nil, fmt.Errorf("csvenc: unknown geometry mode %d", opts.Geometry)
	}
	seen := make(map[string]bool, len(e.header))
	for _, h := range e.header {
		if seen[h] {
			return nil, fmt.Errorf("csvenc: two columns would be named %q", h)
		}
		seen[h] = true
	}
	return e, nil
}

func hasObjectColumn(cols []featurestream.Column, name string) bool {
	for _, c := range cols {
		if c.Name == name && c.Type == featurestream.TypeObject {
			return true
		}
	}
	return false
}

// Header returns the names of the columns written, in order.
func (e *Encoder) Header() []string { return append([]string(nil), e.header...) }

func (e *Encoder) start() error {
	if e.started {
		return nil
	}
	e.started = true
	if e.opts.BOM {
		e.w.WriteString("\uFEFF")
	}
	e.row = e.row[:0]
	for _, h := range e.header {
		e.row = append(e.appendText(e.row, h, false), e.opts.Separator)
	}
	e.row = endRow(e.row)
	_, err := e.w.Write(e.row)
	return err
}

// Encode writes f as one row.
func (e *Encoder) Encode(f *featurestream.Feature) error {
	if e.closed {
		return featurestream.ErrClosed
	}
	if err := featurestream.Check(e.cols, f); err != nil {
		return err
	}
	if err := e.start(); err != nil {
		return err
	}
	// Every cell is followed by the separator; the last one becomes CRLF.
	sep := e.opts.Separator
	row := e.row[:0]
	if e.opts.IDColumn != "-" {
		switch id := f.ID.(type) {
		case int64:
			row = strconv.AppendInt(row, id, 10)
		case string:
			row = e.appendText(row, id, true)
		}
		row = append(row, sep)
	}
	for i, c := range e.cols {
		v := f.Values[i]
		if c.Type == featurestream.TypeObject {
			if keys := e.flat[i]; keys != nil {
				var err error
				if row, err = e.appendFlattened(row, c.Name, keys, v); err != nil {
					return fmt.Errorf("csvenc: feature %v: %w", f.ID, err)
				}
			}
			continue
		}
		row = append(e.appendValue(row, c.Type, v), sep)
	}
	switch e.opts.Geometry {
	case WKT:
		if f.Geometry != nil {
			// WKT holds commas (all but a point): quoted under ','.
			start := len(row)
			row = appendWKT(row, f.Geometry, e.opts.Decimals)
			if needsQuotes(row[start:], sep) {
				row = quoteInPlace(row, start)
			}
		}
		row = append(row, sep)
	case XY:
		switch g := f.Geometry.(type) {
		case nil:
			row = append(row, sep, sep)
		case orb.Point:
			row = append(e.appendNumber(row, g[0], e.opts.Decimals), sep)
			row = append(e.appendNumber(row, g[1], e.opts.Decimals), sep)
		default:
			return fmt.Errorf("csvenc: feature %v: x and y columns need a point, not a %s", f.ID, g.GeoJSONType())
		}
	}
	row = endRow(row)
	e.row = row
	_, err := e.w.Write(row)
	return err
}

// endRow replaces the separator after the last cell by CRLF.
func endRow(row []byte) []byte {
	if len(row) == 0 {
		return append(row, '\r', '\n')
	}
	row[len(row)-1] = '\r'
	return append(row, '\n')
}

// Close writes the header if no feature came, and flushes.
func (e *Encoder) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	if err := e.start(); err != nil {
		return err
	}
	return e.w.Flush()
}

func (e *Encoder) appendValue(row []byte, t featurestream.Type, v any) []byte {
	switch v := v.(type) {
	case nil:
		return row
	case string:
		return e.appendText(row, v, true)
	case int64:
		return strconv.AppendInt(row, v, 10)
	case float64:
		return e.appendNumber(row, v, 0)
	case bool:
		return strconv.AppendBool(row, v)
	case time.Time:
		if t == featurestream.TypeDate {
			return v.AppendFormat(row, time.DateOnly)
		}
		return v.AppendFormat(row, time.RFC3339Nano)
	}
	panic("csvenc: value not checked") // featurestream.Check ran first
}

// appendNumber writes a decimal, with a comma when asked (then quoted if
// the separator is a comma too).
func (e *Encoder) appendNumber(row []byte, f float64, decimals int) []byte {
	start := len(row)
	row = featurestream.AppendDecimal(row, f, decimals)
	if !e.opts.DecimalComma {
		return row
	}
	comma := false
	for i := start; i < len(row); i++ {
		if row[i] == '.' {
			row[i] = ','
			comma = true
		}
	}
	if comma && e.opts.Separator == ',' {
		row = quoteInPlace(row, start)
	}
	return row
}

// appendFlattened writes one cell per key of the object v.
func (e *Encoder) appendFlattened(row []byte, name string, keys []string, v any) ([]byte, error) {
	clear(e.obj)
	if raw, ok := v.(json.RawMessage); ok && raw != nil {
		if e.obj == nil {
			e.obj = map[string]json.RawMessage{}
		}
		if err := json.Unmarshal(raw, &e.obj); err != nil {
			return row, fmt.Errorf("column %q is not a JSON object: %w", name, err)
		}
	}
	for _, k := range keys {
		raw := strings.TrimSpace(string(e.obj[k]))
		switch {
		case raw == "" || raw == "null" || raw[0] == '{' || raw[0] == '[':
			// Missing, null, or deeper than one level: an empty cell.
		case raw == "true" || raw == "false":
			row = append(row, raw...)
		case raw[0] == '"':
			var s string
			if err := json.Unmarshal([]byte(raw), &s); err != nil {
				return row, fmt.Errorf("column %q key %q: %w", name, k, err)
			}
			row = e.appendText(row, s, true)
		default:
			f, err := strconv.ParseFloat(raw, 64)
			if err != nil {
				return row, fmt.Errorf("column %q key %q: %w", name, k, err)
			}
			if i, err := strconv.ParseInt(raw, 10, 64); err == nil {
				row = strconv.AppendInt(row, i, 10)
			} else if !math.IsInf(f, 0) {
				row = e.appendNumber(row, f, 0)
			}
		}
		row = append(row, e.opts.Separator)
	}
	return row, nil
}

// appendText writes a text cell: quoted when RFC 4180 needs it (separator,
// quote, line break) or when leading or trailing spaces would be trimmed by
// a reader; an empty string is "" so that it differs from a null.
func (e *Encoder) appendText(row []byte, s string, value bool) []byte {
	if value && e.opts.FormulaGuard && s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		s = "'" + s
	}
	if s == "" {
		if value {
			return append(row, '"', '"')
		}
		return row
	}
	if needsQuotes([]byte(s), e.opts.Separator) {
		return appendQuoted(row, s)
	}
	return append(row, s...)
}

func needsQuotes(b []byte, sep byte) bool {
	if len(b) == 0 {
		return false
	}
	if b[0] == ' ' || b[0] == '\t' || b[len(b)-1] == ' ' || b[len(b)-1] == '\t' {
		return true
	}
	for _, c := range b {
		if c == sep || c == '"' || c == '\r' || c == '\n' {
			return true
		}
	}
	return false
}

func appendQuoted(row []byte, s string) []byte {
	row = append(row, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		row = append(row, s[:i+1]...)
		row = append(row, '"')
		s = s[i+1:]
	}
	row = append(row, s...)
	return append(row, '"')
}

// quoteInPlace quotes row[start:], which holds no quote character.
func quoteInPlace(row []byte, start int) []byte {
	row = append(row, 0, '"')
	copy(row[start+1:], row[start:len(row)-2])
	row[start] = '"'
	return row
}
