package source

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/paulmach/orb"
)

// FlatGeobuf (flatgeobuf.org, format version 3): a signature, a
// size-prefixed FlatBuffer header (schema header.fbs), an optional packed
// Hilbert R-tree, then size-prefixed FlatBuffer features (feature.fbs),
// read here in file order. No Go module of the format was to be had, and
// the generated FlatBuffers accessors panic on a corrupt file; this reader
// checks every offset instead (fgbTable), and is fuzzed.

var fgbMagic = [8]byte{'f', 'g', 'b', 3, 'f', 'g', 'b', 0}

// maxFGBBuffer bounds a header or a feature.
const maxFGBBuffer = 1 << 30

// fgbBuf reads FlatBuffers tables from one buffer; the first bad offset
// sets err and every later read returns zero values.
type fgbBuf struct {
	b   []byte
	err error
}

type fgbTable struct {
	pos, vt, vtLen int
}

var errFGBCorrupt = errors.New("corrupt FlatBuffer")

func (f *fgbBuf) fail() {
	if f.err == nil {
		f.err = errFGBCorrupt
	}
}

func (f *fgbBuf) in(p, n int) bool {
	if f.err != nil || p < 0 || n < 0 || p > len(f.b)-n {
		f.fail()
		return false
	}
	return true
}

func (f *fgbBuf) u32(p int) uint32 {
	if !f.in(p, 4) {
		return 0
	}
	return binary.LittleEndian.Uint32(f.b[p:])
}

func (f *fgbBuf) root() fgbTable { return f.table(int(f.u32(0))) }

func (f *fgbBuf) table(pos int) fgbTable {
	if !f.in(pos, 4) {
		return fgbTable{}
	}
	vt := pos - int(int32(binary.LittleEndian.Uint32(f.b[pos:])))
	if !f.in(vt, 4) {
		return fgbTable{}
	}
	n := int(binary.LittleEndian.Uint16(f.b[vt:]))
	if n < 4 || !f.in(vt, n) {
		f.fail()
		return fgbTable{}
	}
	return fgbTable{pos: pos, vt: vt, vtLen: n}
}

// field returns the position of a table's field i, 0 when absent.
func (f *fgbBuf) field(t fgbTable, i int) int {
	if f.err != nil {
		return 0
	}
	o := 4 + 2*i
	if o+2 > t.vtLen {
		return 0
	}
	off := int(binary.LittleEndian.Uint16(f.b[t.vt+o:]))
	if off == 0 {
		return 0
	}
	return t.pos + off
}

func (f *fgbBuf) u8(t fgbTable, i int, def byte) byte {
	p := f.field(t, i)
	if p == 0 || !f.in(p, 1) {
		return def
	}
	return f.b[p]
}

func (f *fgbBuf) u16(t fgbTable, i int, def uint16) uint16 {
	p := f.field(t, i)
	if p == 0 || !f.in(p, 2) {
		return def
	}
	return binary.LittleEndian.Uint16(f.b[p:])
}

func (f *fgbBuf) i32(t fgbTable, i int) int32 {
	p := f.field(t, i)
	if p == 0 || !f.in(p, 4) {
		return 0
	}
	return int32(binary.LittleEndian.Uint32(f.b[p:]))
}

func (f *fgbBuf) u64(t fgbTable, i int) uint64 {
	p := f.field(t, i)
	if p == 0 || !f.in(p, 8) {
		return 0
	}
	return binary.LittleEndian.Uint64(f.b[p:])
}

// ref follows a field's offset to a string, vector or table; 0 if absent.
func (f *fgbBuf) ref(t fgbTable, i int) int {
	p := f.field(t, i)
	if p == 0 {
		return 0
	}
	return p + int(f.u32(p))
}

// vector returns the start and length of a vector of elements of size
// bytes; 0, 0 when absent.
func (f *fgbBuf) vector(t fgbTable, i, size int) (int, int) {
	p := f.ref(t, i)
	if p == 0 {
		return 0, 0
	}
	n := int(f.u32(p))
	if !f.in(p+4, n*size) || n > len(f.b)/size {
		return 0, 0
	}
	return p + 4, n
}

func (f *fgbBuf) bytes(t fgbTable, i int) []byte {
	p, n := f.vector(t, i, 1)
	if n == 0 {
		return nil
	}
	return f.b[p : p+n]
}

func (f *fgbBuf) string(t fgbTable, i int) string { return string(f.bytes(t, i)) }

// tables returns a vector of tables.
func (f *fgbBuf) tables(t fgbTable, i int) []fgbTable {
	p, n := f.vector(t, i, 4)
	out := make([]fgbTable, 0, n)
	for j := 0; j < n && f.err == nil; j++ {
		q := p + 4*j
		out = append(out, f.table(q+int(f.u32(q))))
	}
	return out
}

func (f *fgbBuf) float64s(t fgbTable, i int) []float64 {
	p, n := f.vector(t, i, 8)
	out := make([]float64, n)
	for j := range out {
		out[j] = math.Float64frombits(binary.LittleEndian.Uint64(f.b[p+8*j:]))
	}
	return out
}

func (f *fgbBuf) uint32s(t fgbTable, i int) []uint32 {
	p, n := f.vector(t, i, 4)
	out := make([]uint32, n)
	for j := range out {
		out[j] = binary.LittleEndian.Uint32(f.b[p+4*j:])
	}
	return out
}

// FlatGeobuf column types (header.fbs ColumnType).
const (
	fgbByte = iota
	fgbUByte
	fgbBool
	fgbShort
	fgbUShort
	fgbInt
	fgbUInt
	fgbLong
	fgbULong
	fgbFloat
	fgbDouble
	fgbString
	fgbJSON
	fgbDateTime
	fgbBinary
)

type fgbColumn struct {
	name string
	typ  byte
}

type fgbReader struct {
	c        io.Closer
	r        *bufio.Reader
	geomType byte
	cols     []fgbColumn
	count    uint64
	num      int
	buf      []byte
	size     int64 // of the file, to bound a feature's size
}

var fgbGeomTypes = map[byte]string{1: "Point", 2: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}

func openFGB(path string) (opened, error) {
	name := filepath.Base(path)
	fail := func(err error) (opened, error) { return opened{}, fmt.Errorf("source: %s: %w", name, err) }
	file, err := os.Open(path)
	if err != nil {
		return fail(err)
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return fail(err)
	}
	o, err := readFGBHeader(file, st.Size(), file, layerName(path))
	if err != nil {
		file.Close()
		return fail(err)
	}
	return o, nil
}

// readFGBHeader reads the header from in (size bytes long) and skips the
// index; c is closed by the reader's close.
func readFGBHeader(in io.Reader, size int64, c io.Closer, layer string) (opened, error) {
	r := &fgbReader{c: c, r: bufio.NewReaderSize(in, 1<<16), size: size}
	var head [12]byte
	if _, err := io.ReadFull(r.r, head[:]); err != nil {
		return opened{}, fmt.Errorf("header: %w", errShort(err))
	}
	if string(head[:3]) != "fgb" || head[3] != 3 || string(head[4:7]) != "fgb" {
		return opened{}, errors.New("not a FlatGeobuf 3 file")
	}
	hsize := binary.LittleEndian.Uint32(head[8:])
	if hsize < 4 || hsize > maxFGBBuffer || int64(hsize) > size {
		return opened{}, fmt.Errorf("header of %d bytes: corrupt or truncated", hsize)
	}
	hb := make([]byte, hsize)
	if _, err := io.ReadFull(r.r, hb); err != nil {
		return opened{}, fmt.Errorf("header: %w", errShort(err))
	}
	fb := &fgbBuf{b: hb}
	h := fb.root()
	o := opened{format: FlatGeobuf, layer: layer, count: -1}
	if n := fb.string(h, 0); n != "" {
		o.layer = n
	}
	if env := fb.float64s(h, 1); len(env) >= 4 && finite(env[0]) && finite(env[1]) && finite(env[2]) && finite(env[3]) && env[0] <= env[2] && env[1] <= env[3] {
		o.bounds = &orb.Bound{Min: orb.Point{env[0], env[1]}, Max: orb.Point{env[2], env[3]}}
	}
	r.geomType = fb.u8(h, 2, 0)
	o.geomType = fgbGeomTypes[r.geomType]
	for _, c := range fb.tables(h, 7) {
		col := fgbColumn{name: fb.string(c, 0), typ: fb.u8(c, 1, 0)}
		r.cols = append(r.cols, col)
		o.fields = append(o.fields, Field{col.name, fgbFieldType(col.typ)})
	}
	r.count = fb.u64(h, 8)
	nodeSize := fb.u16(h, 9, 16)
	if c := fb.ref(h, 10); c != 0 {
		crsT := fb.table(c)
		org, code, wkt := fb.string(crsT, 0), fb.i32(crsT, 1), fb.string(crsT, 4)
		switch {
		case (org == "" || org == "EPSG") && code > 0 && transformable(int(code)):
			o.srid = int(code)
		case wkt != "":
			srid, crsName, err := crsFromWKT(wkt)
			if err != nil || srid == 0 {
				o.crsErr = fmt.Errorf("its CRS %s:%d %q is not one Socle can transform (%s)", org, code, crsName, knownCRS())
			}
			o.srid = srid
		case code > 0:
			o.crsErr = fmt.Errorf("its CRS %s:%d is not one Socle can transform (%s)", org, code, knownCRS())
		}
	} else {
		o.crsNote = "no crs in the header"
	}
	if fb.err != nil {
		return opened{}, fmt.Errorf("header: %w", fb.err)
	}
	if r.count > 0 {
		if r.count < math.MaxInt32 {
			o.count = int(r.count)
		}
		if nodeSize > 0 {
			if nodeSize < 2 {
				return opened{}, fmt.Errorf("index node size %d", nodeSize)
			}
			// The packed R-tree: every level of ceil(n / nodeSize) nodes
			// of 40 bytes, up to the root.
			n, nodes := r.count, r.count
			for n > 1 {
				n = (n + uint64(nodeSize) - 1) / uint64(nodeSize)
				nodes += n
			}
			skip := nodes * 40
			if skip > uint64(size) {
				return opened{}, errors.New("index larger than the file: truncated or corrupt")
			}
			if _, err := r.r.Discard(int(skip)); err != nil {
				return opened{}, errors.New("index truncated")
			}
		}
	}
	o.r = r
	return o, nil
}

func fgbFieldType(t byte) FieldType {
	switch t {
	case fgbBool:
		return Boolean
	case fgbByte, fgbUByte, fgbShort, fgbUShort, fgbInt, fgbUInt, fgbLong, fgbULong:
		return Integer
	case fgbFloat, fgbDouble:
		return Real
	case fgbDateTime:
		return DateTime
	case fgbBinary:
		return Binary
	}
	return String
}

func (r *fgbReader) next() (*Record, error) {
	if r.count > 0 && uint64(r.num) >= r.count {
		return nil, io.EOF
	}
	var sz [4]byte
	n, err := io.ReadFull(r.r, sz[:])
	if n == 0 && err == io.EOF {
		if r.count > 0 {
			return nil, fmt.Errorf("truncated: %d features of %d", r.num, r.count)
		}
		return nil, io.EOF
	}
	r.num++
	if err != nil {
		return nil, fmt.Errorf("truncated at feature %d", r.num)
	}
	size := binary.LittleEndian.Uint32(sz[:])
	if size > maxFGBBuffer || int64(size) > r.size {
		return nil, fmt.Errorf("feature %d of %d bytes: corrupt or truncated", r.num, size)
	}
	if cap(r.buf) < int(size) {
		r.buf = make([]byte, size)
	}
	b := r.buf[:size]
	if _, err := io.ReadFull(r.r, b); err != nil {
		return nil, fmt.Errorf("truncated at feature %d", r.num)
	}
	return decodeFGBFeature(r.num, b, r.geomType, r.cols)
}

// decodeFGBFeature decodes one feature's FlatBuffer.
func decodeFGBFeature(num int, b []byte, geomType byte, cols []fgbColumn) (*Record, error) {
	fb := &fgbBuf{b: b}
	t := fb.root()
	rec := &Record{Num: num, Fields: make(map[string]any, len(cols))}
	for _, c := range cols {
		rec.Fields[c.name] = nil
	}
	if err := fgbProperties(fb.bytes(t, 1), cols, rec.Fields); err != nil {
		return nil, &RecordError{num, err}
	}
	var g orb.Geometry
	if p := fb.ref(t, 0); p != 0 {
		var err error
		g, err = fgbGeometry(fb, fb.table(p), geomType, 0)
		if err == nil {
			g, err = checkGeometry(g)
		}
		if err != nil {
			return nil, &RecordError{num, fmt.Errorf("geometry: %w", err)}
		}
	}
	if fb.err != nil {
		return nil, &RecordError{num, fb.err}
	}
	rec.Geometry = g
	return rec, nil
}

func fgbGeometry(fb *fgbBuf, t fgbTable, typ byte, depth int) (orb.Geometry, error) {
	if depth > 32 {
		return nil, errors.New("collections nested too deep")
	}
	if typ == 0 {
		typ = fb.u8(t, 6, 0)
	}
	xy := fb.float64s(t, 1)
	ends := fb.uint32s(t, 0)
	if fb.err != nil {
		return nil, fb.err
	}
	pts := make([]orb.Point, len(xy)/2)
	for i := range pts {
		pts[i] = orb.Point{xy[2*i], xy[2*i+1]}
	}
	split := func() ([][]orb.Point, error) {
		if len(ends) == 0 {
			if len(pts) == 0 {
				return nil, nil
			}
			return [][]orb.Point{pts}, nil
		}
		out := make([][]orb.Point, 0, len(ends))
		start := 0
		for _, e := range ends {
			if int(e) < start || int(e) > len(pts) {
				return nil, fmt.Errorf("part end %d out of %d points", e, len(pts))
			}
			out = append(out, pts[start:e:e])
			start = int(e)
		}
		return out, nil
	}
	parts := func(want byte) ([]orb.Geometry, error) {
		var out []orb.Geometry
		for _, p := range fb.tables(t, 7) {
			g, err := fgbGeometry(fb, p, want, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, g)
		}
		return out, fb.err
	}
	switch typ {
	case 1:
		if len(pts) == 0 {
			return nil, nil
		}
		return pts[0], nil
	case 2:
		return orb.LineString(pts), nil
	case 4:
		return orb.MultiPoint(pts), nil
	case 3, 17: // Polygon, Triangle
		rings, err := split()
		pg := make(orb.Polygon, len(rings))
		for i, r := range rings {
			pg[i] = r
		}
		return pg, err
	case 5:
		lines, err := split()
		ml := make(orb.MultiLineString, len(lines))
		for i, l := range lines {
			ml[i] = l
		}
		return ml, err
	case 6, 15, 16: // MultiPolygon, PolyhedralSurface, TIN
		ps, err := parts(3)
		if err != nil {
			return nil, err
		}
		mp := make(orb.MultiPolygon, 0, len(ps))
		for _, p := range ps {
			if pg, ok := p.(orb.Polygon); ok {
				mp = append(mp, pg)
			}
		}
		return mp, nil
	case 7:
		ps, err := parts(0)
		if err != nil {
			return nil, err
		}
		c := make(orb.Collection, 0, len(ps))
		for _, p := range ps {
			if p != nil {
				c = append(c, p)
			}
		}
		return c, nil
	}
	return nil, fmt.Errorf("geometry type %d not supported (curves)", typ)
}

// fgbProperties decodes a feature's properties: column index (uint16) and
// value, little-endian; strings, JSON, date-times and binaries prefixed
// by their length (uint32).
func fgbProperties(b []byte, cols []fgbColumn, out map[string]any) error {
	le := binary.LittleEndian
	for len(b) > 0 {
		if len(b) < 2 {
			return errors.New("properties truncated")
		}
		i := int(le.Uint16(b))
		b = b[2:]
		if i >= len(cols) {
			return fmt.Errorf("property of column %d, the header has %d", i, len(cols))
		}
		c := cols[i]
		need := 0
		switch c.typ {
		case fgbByte, fgbUByte, fgbBool:
			need = 1
		case fgbShort, fgbUShort:
			need = 2
		case fgbInt, fgbUInt, fgbFloat:
			need = 4
		case fgbLong, fgbULong, fgbDouble:
			need = 8
		case fgbString, fgbJSON, fgbDateTime, fgbBinary:
			if len(b) < 4 {
				return fmt.Errorf("property %s truncated", c.name)
			}
			n := le.Uint32(b)
			b = b[4:]
			if uint64(n) > uint64(len(b)) {
				return fmt.Errorf("property %s truncated", c.name)
			}
			need = int(n)
		default:
			return fmt.Errorf("column %s of unknown type %d", c.name, c.typ)
		}
		if len(b) < need {
			return fmt.Errorf("property %s truncated", c.name)
		}
		v := b[:need]
		b = b[need:]
		switch c.typ {
		case fgbByte:
			out[c.name] = int64(int8(v[0]))
		case fgbUByte:
			out[c.name] = int64(v[0])
		case fgbBool:
			out[c.name] = v[0] != 0
		case fgbShort:
			out[c.name] = int64(int16(le.Uint16(v)))
		case fgbUShort:
			out[c.name] = int64(le.Uint16(v))
		case fgbInt:
			out[c.name] = int64(int32(le.Uint32(v)))
		case fgbUInt:
			out[c.name] = int64(le.Uint32(v))
		case fgbLong:
			out[c.name] = int64(le.Uint64(v))
		case fgbULong:
			if u := le.Uint64(v); u <= math.MaxInt64 {
				out[c.name] = int64(u)
			} else {
				out[c.name] = float64(u)
			}
		case fgbFloat:
			out[c.name] = float64(math.Float32frombits(le.Uint32(v)))
		case fgbDouble:
			out[c.name] = math.Float64frombits(le.Uint64(v))
		case fgbString, fgbJSON:
			out[c.name] = (&textDecoder{}).decode(v)
		case fgbDateTime:
			s := string(v)
			t, err := textValue(s, DateTime)
			if err != nil {
				if d, err2 := time.Parse("2006-01-02", s); err2 == nil {
					t, err = d, nil
				}
			}
			if err != nil {
				return fmt.Errorf("property %s: %w", c.name, err)
			}
			out[c.name] = t
		case fgbBinary:
			out[c.name] = append([]byte(nil), v...)
		}
	}
	return nil
}

func (r *fgbReader) close() error { return r.c.Close() }
