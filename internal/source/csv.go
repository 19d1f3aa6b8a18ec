package source

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// CSV files carry their geometry as a WKT column or as two coordinate
// columns; their separator is detected from the header line, their text
// is UTF-8 (with or without a BOM) or Windows-1252, value by value.

// wktColumns and coordColumns are the geometry columns looked for, in
// order of preference, without regard to case.
var (
	wktColumns   = []string{"wkt", "geometry", "geom", "the_geom"}
	coordColumns = [][2]string{{"lon", "lat"}, {"longitude", "latitude"}, {"lng", "lat"}, {"x", "y"}}
)

type csvReader struct {
	f        *os.File
	r        *csv.Reader
	header   []string
	wkt      int // index of the WKT column, -1
	xi, yi   int // indexes of the coordinate columns, -1
	decimalC bool
	text     textDecoder
	num      int
}

func openCSV(path string) (opened, error) {
	name := filepath.Base(path)
	fail := func(err error) (opened, error) { return opened{}, fmt.Errorf("source: %s: %w", name, err) }
	f, err := os.Open(path)
	if err != nil {
		return fail(err)
	}
	br := bufio.NewReaderSize(f, 1<<16)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	line, err := br.Peek(64 << 10)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		f.Close()
		return fail(err)
	}
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	sep := csvSeparator(line)
	cr := csv.NewReader(br)
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.LazyQuotes = true
	r := &csvReader{f: f, r: cr, wkt: -1, xi: -1, yi: -1, decimalC: sep == ';'}
	head, err := cr.Read()
	if err != nil {
		f.Close()
		if err == io.EOF {
			return fail(errors.New("empty CSV: no header line"))
		}
		return fail(fmt.Errorf("header: %w", err))
	}
	r.header = make([]string, len(head))
	for i, h := range head {
		r.header[i] = r.text.decode([]byte(strings.TrimSpace(h)))
	}
	idx := func(n string) int {
		for i, h := range r.header {
			if strings.EqualFold(h, n) {
				return i
			}
		}
		return -1
	}
	for _, c := range wktColumns {
		if i := idx(c); i >= 0 {
			r.wkt = i
			break
		}
	}
	if r.wkt < 0 {
		for _, c := range coordColumns {
			if x, y := idx(c[0]), idx(c[1]); x >= 0 && y >= 0 {
				r.xi, r.yi = x, y
				break
			}
		}
	}
	if r.wkt < 0 && r.xi < 0 {
		f.Close()
		var pairs []string
		for _, c := range coordColumns {
			pairs = append(pairs, c[0]+"/"+c[1])
		}
		return fail(fmt.Errorf("no geometry column: looked for a WKT column (%s) or coordinate columns (%s), without regard to case; the columns are: %s",
			strings.Join(wktColumns, ", "), strings.Join(pairs, ", "), strings.Join(r.header, ", ")))
	}
	o := opened{format: CSV, layer: layerName(path), count: -1, crsNote: "CSV files declare no CRS", r: r}
	for i, h := range r.header {
		if i != r.wkt {
			o.fields = append(o.fields, Field{h, String})
		}
	}
	return o, nil
}

// csvSeparator picks the separator of a header line: the most frequent of
// ',', ';' and tab outside quotes (',' when none).
func csvSeparator(line []byte) rune {
	var n [3]int
	quoted := false
	for _, c := range line {
		switch c {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				n[0]++
			}
		case ';':
			if !quoted {
				n[1]++
			}
		case '\t':
			if !quoted {
				n[2]++
			}
		}
	}
	switch {
	case n[1] > n[0] && n[1] >= n[2]:
		return ';'
	case n[2] > n[0] && n[2] > n[1]:
		return '\t'
	}
	return ','
}

func (r *csvReader) next() (*Record, error) {
	row, err := r.r.Read()
	if err == io.EOF {
		return nil, io.EOF
	}
	r.num++
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &RecordError{r.num, fmt.Errorf("line %d: %v", pe.Line, pe.Err)}
		}
		return nil, err
	}
	if len(row) != len(r.header) {
		line, _ := r.r.FieldPos(0)
		return nil, &RecordError{r.num, fmt.Errorf("line %d has %d columns, the header %d", line, len(row), len(r.header))}
	}
	rec := &Record{Num: r.num, Fields: make(map[string]any, len(row))}
	for i, v := range row {
		if i == r.wkt {
			continue
		}
		if v == "" {
			rec.Fields[r.header[i]] = nil
		} else {
			rec.Fields[r.header[i]] = r.text.decode([]byte(v))
		}
	}
	var g orb.Geometry
	switch {
	case r.wkt >= 0:
		if s := strings.TrimSpace(row[r.wkt]); s != "" {
			if g, err = parseWKTGeometry(s); err != nil {
				return nil, &RecordError{r.num, fmt.Errorf("column %s: %w", r.header[r.wkt], err)}
			}
		}
	default:
		xs, ys := strings.TrimSpace(row[r.xi]), strings.TrimSpace(row[r.yi])
		if xs == "" && ys == "" {
			break
		}
		x, err := r.coord(xs)
		if err != nil {
			return nil, &RecordError{r.num, fmt.Errorf("column %s: %w", r.header[r.xi], err)}
		}
		y, err := r.coord(ys)
		if err != nil {
			return nil, &RecordError{r.num, fmt.Errorf("column %s: %w", r.header[r.yi], err)}
		}
		g = orb.Point{x, y}
	}
	if g, err = checkGeometry(g); err != nil {
		return nil, &RecordError{r.num, fmt.Errorf("geometry: %w", err)}
	}
	rec.Geometry = g
	return rec, nil
}

// coord parses a coordinate; with ';' as separator a decimal comma is
// accepted (43,5).
func (r *csvReader) coord(s string) (float64, error) {
	if r.decimalC && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !finite(f) {
		return 0, fmt.Errorf("%q is not a coordinate", s)
	}
	return f, nil
}

func (r *csvReader) close() error { return r.f.Close() }
