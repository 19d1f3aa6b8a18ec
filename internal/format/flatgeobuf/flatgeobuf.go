// Package flatgeobuf writes features as FlatGeobuf (https://flatgeobuf.org,
// format version 3): magic bytes, a header naming the CRS and the typed
// columns, an optional packed Hilbert R-tree, then the features, each a
// size-prefixed FlatBuffer. GDAL, QGIS and the flatgeobuf libraries read it.
//
// Two modes, chosen by Options.Index:
//
//   - Without index (a page of a paged result), every feature is written
//     as it arrives after a header that cannot know the count or the
//     extent (features_count 0, no envelope, index_node_size 0). Memory
//     is constant.
//   - With index (a whole result), the R-tree needs every bounding box
//     before the first feature, and its order (along a Hilbert curve) is
//     the order of the features. Features are spilled to a temporary file
//     as they arrive, keeping in memory only 48 bytes per feature (box,
//     spill offset, size, Hilbert value); Close then writes the header,
//     the tree (40 bytes per node, about 1.07 nodes per feature with
//     nodes of 16) and copies the features in tree order. Peak memory is
//     therefore about 90 bytes per feature, plus one feature.
//
// The package owns the FlatGeobuf encoding, written with the FlatBuffers
// builder (github.com/google/flatbuffers/go) from the published schema
// (header.fbs, feature.fbs). It imports the feature stream contract
// (ogc/featurestream), orb and the Hilbert curve, nothing of Socle's
// storage or HTTP layers.
package flatgeobuf

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	flatbuffers "github.com/google/flatbuffers/go"
	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/ogc/featurestream"
)

// MediaType is the media type of FlatGeobuf.
const MediaType = "application/flatgeobuf"

// magic is "fgb", the major version 3, "fgb", the patch level 1.
var magic = [8]byte{0x66, 0x67, 0x62, 0x03, 0x66, 0x67, 0x62, 0x01}

// NodeSize is the number of children of an R-tree node (the format's
// default, which GDAL writes too).
const NodeSize = 16

// Options shape the file.
type Options struct {
	// Name is the layer name readers show (GDAL's layer name).
	Name        string
	Title       string
	Description string
	// SRID is the EPSG code of the geometries' CRS (0: unknown). CRS84
	// is 4326: FlatGeobuf readers take x as longitude.
	SRID int
	// GeometryType is the GeoJSON type of every geometry ("Point",
	// "MultiPolygon", …), or "" when features may differ (each geometry
	// then carries its type).
	GeometryType string
	// Index writes the packed Hilbert R-tree, for a whole result.
	Index bool
	// IDColumn names the first column, holding the feature id ("id" when
	// empty; "-" leaves the id out): FlatGeobuf has no feature id of its
	// own (GDAL numbers features from 0).
	IDColumn string
	// IDType is the type of the ids: featurestream.TypeInteger (the
	// default) or featurestream.TypeString.
	IDType featurestream.Type
	// TempDir holds the spill file of an indexed file (os.TempDir() when
	// empty).
	TempDir string
}

// Column types (header.fbs, enum ColumnType).
const (
	colBool     = 2
	colLong     = 7
	colDouble   = 10
	colString   = 11
	colJSON     = 12
	colDateTime = 13
)

// Geometry types (header.fbs, enum GeometryType: those of WKB).
var geometryTypes = map[string]byte{
	"Point": 1, "LineString": 2, "Polygon": 3, "MultiPoint": 4,
	"MultiLineString": 5, "MultiPolygon": 6, "GeometryCollection": 7,
}

// Encoder writes a FlatGeobuf file. It is a featurestream.Encoder.
type Encoder struct {
	out      *bufio.Writer
	cols     []featurestream.Column
	opts     Options
	geomType byte
	// first is the index of the first schema column in the file (1 after
	// an id column).
	first uint16
	b     *flatbuffers.Builder
	props []byte

	started bool
	closed  bool
	err     error

	// Indexed mode: the spill file and what the tree needs of each feature.
	spill     *os.File
	spillBuf  *bufio.Writer
	spillSize uint64
	items     []item
}

// item is what an indexed file keeps of a feature until Close.
type item struct {
	box     [4]float64 // minx, miny, maxx, maxy; +Inf..-Inf when no geometry
	offset  uint64     // in the spill file
	size    uint32
	hilbert uint32
}

var _ featurestream.Encoder = (*Encoder)(nil)

// NewEncoder returns an encoder of features of schema cols to w. Nothing is
// written before the first Encode (without index) or Close.
func NewEncoder(w io.Writer, cols []featurestream.Column, opts Options) (*Encoder, error) {
	if err := featurestream.CheckColumns(cols); err != nil {
		return nil, err
	}
	if opts.IDColumn == "" {
		opts.IDColumn = "id"
	}
	switch opts.IDType {
	case "":
		opts.IDType = featurestream.TypeInteger
	case featurestream.TypeInteger, featurestream.TypeString:
	default:
		return nil, fmt.Errorf("flatgeobuf: id type %q: only integer and string", opts.IDType)
	}
	e := &Encoder{cols: cols, opts: opts, b: flatbuffers.NewBuilder(1024)}
	if opts.GeometryType != "" {
		gt, ok := geometryTypes[opts.GeometryType]
		if !ok {
			return nil, fmt.Errorf("flatgeobuf: unknown geometry type %q", opts.GeometryType)
		}
		e.geomType = gt
	}
	if opts.IDColumn != "-" {
		e.first = 1
		for _, c := range cols {
			if c.Name == opts.IDColumn {
				return nil, fmt.Errorf("flatgeobuf: a column is named like the id column %q", c.Name)
			}
		}
	}
	if len(cols)+int(e.first) > math.MaxUint16 {
		return nil, fmt.Errorf("flatgeobuf: %d columns, at most %d", len(cols), math.MaxUint16)
	}
	e.out = bufio.NewWriterSize(w, 64<<10)
	if opts.Index {
		f, err := os.CreateTemp(opts.TempDir, "socle-*.fgb.spill")
		if err != nil {
			return nil, fmt.Errorf("flatgeobuf: spill file: %w", err)
		}
		e.spill = f
		e.spillBuf = bufio.NewWriterSize(f, 64<<10)
	}
	return e, nil
}

// Encode writes f (without index) or spills it (with index).
func (e *Encoder) Encode(f *featurestream.Feature) error {
	if e.closed {
		return featurestream.ErrClosed
	}
	if e.err != nil {
		return e.err
	}
	if err := e.encode(f); err != nil {
		e.err = err
		return err
	}
	return nil
}

func (e *Encoder) encode(f *featurestream.Feature) error {
	if err := featurestream.Check(e.cols, f); err != nil {
		return err
	}
	g := f.Geometry
	if isEmpty(g) {
		// FlatGeobuf has no empty geometries (xy "should not be null or
		// empty"): an empty geometry is written as none.
		g = nil
	}
	if g != nil && e.geomType != 0 && geometryTypes[g.GeoJSONType()] != e.geomType {
		return fmt.Errorf("flatgeobuf: feature %v is a %s in a file of %s", f.ID, g.GeoJSONType(), e.opts.GeometryType)
	}
	if !e.opts.Index && !e.started {
		// The header first: it shares the builder with the feature.
		e.started = true
		if err := e.writeHeader(0, nil, 0); err != nil {
			return err
		}
	}
	buf, err := e.feature(f, g)
	if err != nil {
		return err
	}
	if !e.opts.Index {
		_, err := e.out.Write(buf)
		return err
	}
	if uint64(len(buf)) > math.MaxUint32 {
		return fmt.Errorf("flatgeobuf: feature %v is larger than 4 GiB", f.ID)
	}
	it := item{box: [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}, offset: e.spillSize, size: uint32(len(buf))}
	if g != nil {
		bd := g.Bound()
		it.box = [4]float64{bd.Min[0], bd.Min[1], bd.Max[0], bd.Max[1]}
	}
	e.items = append(e.items, it)
	e.spillSize += uint64(len(buf))
	_, err = e.spillBuf.Write(buf)
	return err
}

// Close finishes the file: the header alone when no feature came, and with
// index the header, the tree and the features. It removes the spill file,
// also after an error.
func (e *Encoder) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	if e.spill != nil {
		defer func() {
			e.spill.Close()
			os.Remove(e.spill.Name())
		}()
	}
	if e.err != nil {
		return e.err
	}
	if !e.opts.Index {
		if !e.started {
			if err := e.writeHeader(0, nil, 0); err != nil {
				return err
			}
		}
		return e.out.Flush()
	}
	if err := e.spillBuf.Flush(); err != nil {
		return err
	}
	if err := e.writeIndexed(); err != nil {
		return err
	}
	return e.out.Flush()
}

// writeHeader writes the magic bytes and the size-prefixed header.
func (e *Encoder) writeHeader(count uint64, envelope []float64, nodeSize uint16) error {
	b := e.b
	b.Reset()
	str := func(s string) flatbuffers.UOffsetT {
		if s == "" {
			return 0
		}
		return b.CreateString(s)
	}
	name, title, desc := str(e.opts.Name), str(e.opts.Title), str(e.opts.Description)
	// Columns: the id, then the schema's.
	var colOffs []flatbuffers.UOffsetT
	column := func(name string, typ byte, nullable bool) {
		n := b.CreateString(name)
		b.StartObject(11)
		b.PrependUOffsetTSlot(0, n, 0)
		b.PrependByteSlot(1, typ, 0)
		b.PrependBoolSlot(7, nullable, true)
		colOffs = append(colOffs, b.EndObject())
	}
	if e.first == 1 {
		typ := byte(colLong)
		if e.opts.IDType == featurestream.TypeString {
			typ = colString
		}
		column(e.opts.IDColumn, typ, true)
	}
	for _, c := range e.cols {
		column(c.Name, columnType(c.Type), true)
	}
	b.StartVector(4, len(colOffs), 4)
	for i := len(colOffs) - 1; i >= 0; i-- {
		b.PrependUOffsetT(colOffs[i])
	}
	cols := b.EndVector(len(colOffs))
	var env flatbuffers.UOffsetT
	if envelope != nil {
		b.StartVector(8, len(envelope), 8)
		for i := len(envelope) - 1; i >= 0; i-- {
			b.PrependFloat64(envelope[i])
		}
		env = b.EndVector(len(envelope))
	}
	var crs flatbuffers.UOffsetT
	if e.opts.SRID != 0 {
		org := b.CreateString("EPSG")
		b.StartObject(6)
		b.PrependUOffsetTSlot(0, org, 0)
		b.PrependInt32Slot(1, int32(e.opts.SRID), 0)
		crs = b.EndObject()
	}
	b.StartObject(14)
	if name != 0 {
		b.PrependUOffsetTSlot(0, name, 0)
	}
	if env != 0 {
		b.PrependUOffsetTSlot(1, env, 0)
	}
	b.PrependByteSlot(2, e.geomType, 0)
	b.PrependUOffsetTSlot(7, cols, 0)
	b.PrependUint64Slot(8, count, 0)
	b.PrependUint16Slot(9, nodeSize, NodeSize)
	if crs != 0 {
		b.PrependUOffsetTSlot(10, crs, 0)
	}
	if title != 0 {
		b.PrependUOffsetTSlot(11, title, 0)
	}
	if desc != 0 {
		b.PrependUOffsetTSlot(12, desc, 0)
	}
	b.FinishSizePrefixed(b.EndObject())
	if _, err := e.out.Write(magic[:]); err != nil {
		return err
	}
	_, err := e.out.Write(b.FinishedBytes())
	return err
}

func columnType(t featurestream.Type) byte {
	switch t {
	case featurestream.TypeInteger:
		return colLong
	case featurestream.TypeNumber:
		return colDouble
	case featurestream.TypeBoolean:
		return colBool
	case featurestream.TypeDate, featurestream.TypeDateTime:
		return colDateTime
	case featurestream.TypeObject:
		return colJSON
	}
	return colString
}

// feature returns the size-prefixed Feature table of f with geometry g.
// The bytes belong to the builder: valid until the next call.
func (e *Encoder) feature(f *featurestream.Feature, g orb.Geometry) ([]byte, error) {
	p := e.props[:0]
	if e.first == 1 {
		switch id := f.ID.(type) {
		case int64:
			if e.opts.IDType != featurestream.TypeInteger {
				return nil, fmt.Errorf("flatgeobuf: feature id %d in a file of string ids", id)
			}
			p = binary.LittleEndian.AppendUint16(p, 0)
			p = binary.LittleEndian.AppendUint64(p, uint64(id))
		case string:
			if e.opts.IDType != featurestream.TypeString {
				return nil, fmt.Errorf("flatgeobuf: feature id %q in a file of integer ids", id)
			}
			p = binary.LittleEndian.AppendUint16(p, 0)
			p = appendString(p, id)
		}
	}
	// Properties (feature.fbs): for each non-null value, the column index
	// (ushort) then the value, little-endian; strings, JSON and date-times
	// as a uint32 length then UTF-8.
	for i, v := range f.Values {
		if v == nil {
			continue
		}
		p = binary.LittleEndian.AppendUint16(p, e.first+uint16(i))
		switch v := v.(type) {
		case string:
			p = appendString(p, v)
		case int64:
			p = binary.LittleEndian.AppendUint64(p, uint64(v))
		case float64:
			p = binary.LittleEndian.AppendUint64(p, math.Float64bits(v))
		case bool:
			if v {
				p = append(p, 1)
			} else {
				p = append(p, 0)
			}
		case time.Time:
			n := len(p)
			p = append(p, 0, 0, 0, 0)
			if e.cols[i].Type == featurestream.TypeDate {
				p = v.AppendFormat(p, time.DateOnly)
			} else {
				p = v.AppendFormat(p, time.RFC3339Nano)
			}
			binary.LittleEndian.PutUint32(p[n:], uint32(len(p)-n-4))
		case json.RawMessage:
			p = binary.LittleEndian.AppendUint32(p, uint32(len(v)))
			p = append(p, v...)
		}
	}
	e.props = p
	b := e.b
	b.Reset()
	var geom flatbuffers.UOffsetT
	if g != nil {
		geom = e.geometry(g, e.geomType == 0)
	}
	var props flatbuffers.UOffsetT
	if len(p) > 0 {
		props = b.CreateByteVector(p)
	}
	b.StartObject(3)
	if geom != 0 {
		b.PrependUOffsetTSlot(0, geom, 0)
	}
	if props != 0 {
		b.PrependUOffsetTSlot(1, props, 0)
	}
	b.FinishSizePrefixed(b.EndObject())
	return b.FinishedBytes(), nil
}

func appendString(p []byte, s string) []byte {
	p = binary.LittleEndian.AppendUint32(p, uint32(len(s)))
	return append(p, s...)
}

func isEmpty(g orb.Geometry) bool {
	switch g := g.(type) {
	case nil:
		return true
	case orb.Point:
		return false
	case orb.MultiPoint:
		return len(g) == 0
	case orb.LineString:
		return len(g) == 0
	case orb.MultiLineString:
		for _, l := range g {
			if len(l) > 0 {
				return false
			}
		}
		return true
	case orb.Polygon:
		return len(g) == 0 || len(g[0]) == 0
	case orb.MultiPolygon:
		for _, p := range g {
			if !isEmpty(p) {
				return false
			}
		}
		return true
	case orb.Collection:
		for _, m := range g {
			if !isEmpty(m) {
				return false
			}
		}
		return true
	}
	return false
}

// geometry builds the Geometry table of g (feature.fbs): the flat xy
// pairs and, for geometries of several rings or lines, the end index of
// each part; a multipolygon or a collection as parts.
func (e *Encoder) geometry(g orb.Geometry, withType bool) flatbuffers.UOffsetT {
	b := e.b
	var xy, ends, parts flatbuffers.UOffsetT
	switch g := g.(type) {
	case orb.Point:
		xy = e.xy([]orb.Point{g})
	case orb.MultiPoint:
		xy = e.xy(g)
	case orb.LineString:
		xy = e.xy(g)
	case orb.Ring:
		return e.geometry(orb.Polygon{g}, withType)
	case orb.Bound:
		return e.geometry(g.ToPolygon(), withType)
	case orb.MultiLineString:
		xy, ends = e.lines(lineSlices(g))
	case orb.Polygon:
		xy, ends = e.lines(ringSlices(g))
	case orb.MultiPolygon:
		offs := make([]flatbuffers.UOffsetT, len(g))
		for i, p := range g {
			offs[i] = e.geometry(p, false)
		}
		parts = e.offsets(offs)
	case orb.Collection:
		offs := make([]flatbuffers.UOffsetT, 0, len(g))
		for _, m := range g {
			if !isEmpty(m) {
				offs = append(offs, e.geometry(m, true))
			}
		}
		parts = e.offsets(offs)
	}
	b.StartObject(8)
	if ends != 0 {
		b.PrependUOffsetTSlot(0, ends, 0)
	}
	if xy != 0 {
		b.PrependUOffsetTSlot(1, xy, 0)
	}
	if withType {
		b.PrependByteSlot(6, geometryTypes[g.GeoJSONType()], 0)
	}
	if parts != 0 {
		b.PrependUOffsetTSlot(7, parts, 0)
	}
	return b.EndObject()
}

func lineSlices(m orb.MultiLineString) [][]orb.Point {
	out := make([][]orb.Point, len(m))
	for i, l := range m {
		out[i] = l
	}
	return out
}

func ringSlices(p orb.Polygon) [][]orb.Point {
	out := make([][]orb.Point, len(p))
	for i, r := range p {
		out[i] = r
	}
	return out
}

// xy writes the flat coordinate vector of pts.
func (e *Encoder) xy(pts []orb.Point) flatbuffers.UOffsetT {
	b := e.b
	b.StartVector(8, 2*len(pts), 8)
	for i := len(pts) - 1; i >= 0; i-- {
		b.PrependFloat64(pts[i][1])
		b.PrependFloat64(pts[i][0])
	}
	return b.EndVector(2 * len(pts))
}

// lines writes the coordinates of several lines or rings and their ends
// (omitted for one part, as the format recommends).
func (e *Encoder) lines(ls [][]orb.Point) (xy, ends flatbuffers.UOffsetT) {
	b := e.b
	n := 0
	for _, l := range ls {
		n += len(l)
	}
	b.StartVector(8, 2*n, 8)
	for i := len(ls) - 1; i >= 0; i-- {
		for j := len(ls[i]) - 1; j >= 0; j-- {
			b.PrependFloat64(ls[i][j][1])
			b.PrependFloat64(ls[i][j][0])
		}
	}
	xy = b.EndVector(2 * n)
	if len(ls) > 1 {
		b.StartVector(4, len(ls), 4)
		end := n
		for i := len(ls) - 1; i >= 0; i-- {
			b.PrependUint32(uint32(end))
			end -= len(ls[i])
		}
		ends = b.EndVector(len(ls))
	}
	return xy, ends
}

func (e *Encoder) offsets(offs []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	b := e.b
	b.StartVector(4, len(offs), 4)
	for i := len(offs) - 1; i >= 0; i-- {
		b.PrependUOffsetT(offs[i])
	}
	return b.EndVector(len(offs))
}
