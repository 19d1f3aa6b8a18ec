package embedded

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/cql2"
)

// A row holds a published feature's properties in one pointer-free byte
// slice, so that the garbage collector does not scan the properties of a
// loaded territory (an interface and often an allocation each, when held
// as []any). Rows are immutable once built: strings are read from them
// without copying.
//
// Layout: one byte giving the width w of the offsets (2 or 4), the number
// of values n as a uint16, n tags (see tag*), n end offsets of w bytes
// each (little-endian, relative to the data), then the values' bytes:
// int64 and float64 as 8 bytes, strings and JSON as their bytes, times as
// seconds (8 bytes), nanoseconds (4 bytes) and their zone (see zone*).
type row []byte

const (
	tagNull byte = iota
	tagString
	tagInt
	tagFloat
	tagFalse
	tagTrue
	tagTime
	tagJSON
)

// The zone of a time, as held: UTC (as every value parsed or stamped), the
// local zone, or a fixed offset (4 more bytes, seconds east of UTC).
const (
	zoneUTC byte = iota
	zoneLocal
	zoneFixed
)

const rowHeader = 3

// encodeRow builds the row of vals (nil, string, int64, float64, bool,
// time.Time or jsonValue each).
func encodeRow(vals []any) row {
	n := len(vals)
	size := 0
	for _, v := range vals {
		size += valueSize(v)
	}
	w := 2
	if size > math.MaxUint16 {
		w = 4
	}
	head := rowHeader + n + n*w
	r := make(row, head, head+size)
	r[0] = byte(w)
	binary.LittleEndian.PutUint16(r[1:], uint16(n))
	for i, v := range vals {
		var tag byte
		tag, r = appendValue(r, v)
		r[rowHeader+i] = tag
		end := len(r) - head
		if w == 2 {
			binary.LittleEndian.PutUint16(r[rowHeader+n+2*i:], uint16(end))
		} else {
			binary.LittleEndian.PutUint32(r[rowHeader+n+4*i:], uint32(end))
		}
	}
	return r
}

// appendValue appends the bytes of v (nil, string, int64, float64, bool,
// time.Time or jsonValue) as a row holds them, and returns its tag.
func appendValue(r []byte, v any) (byte, []byte) {
	switch x := v.(type) {
	case nil:
		return tagNull, r
	case string:
		return tagString, append(r, x...)
	case int64:
		return tagInt, binary.LittleEndian.AppendUint64(r, uint64(x))
	case float64:
		return tagFloat, binary.LittleEndian.AppendUint64(r, math.Float64bits(x))
	case bool:
		if x {
			return tagTrue, r
		}
		return tagFalse, r
	case time.Time:
		return tagTime, appendHeldTime(r, x)
	case jsonValue:
		return tagJSON, append(r, x...)
	}
	panic(fmt.Sprintf("embedded: a value of unexpected type %T", v))
}

// appendHeldTime appends the bytes of a time as a row holds it.
func appendHeldTime(r []byte, x time.Time) []byte {
	r = binary.LittleEndian.AppendUint64(r, uint64(x.Unix()))
	r = binary.LittleEndian.AppendUint32(r, uint32(x.Nanosecond()))
	switch loc := x.Location(); {
	case loc == time.UTC:
		return append(r, zoneUTC)
	case loc == time.Local:
		return append(r, zoneLocal)
	}
	_, off := x.Zone()
	return binary.LittleEndian.AppendUint32(append(r, zoneFixed), uint32(int32(off)))
}

// rowBuilder builds a row value after value, without the []any encodeRow
// takes: the load's way (decodeRaw). The row is encodeRow's, byte for
// byte.
type rowBuilder struct {
	tags []byte
	ends []int
	data []byte
}

func (b *rowBuilder) reset() {
	b.tags, b.ends, b.data = b.tags[:0], b.ends[:0], b.data[:0]
}

// done closes a value whose bytes are appended to data.
func (b *rowBuilder) done(tag byte) {
	b.tags = append(b.tags, tag)
	b.ends = append(b.ends, len(b.data))
}

func (b *rowBuilder) null() { b.done(tagNull) }

func (b *rowBuilder) bytes(tag byte, s []byte) {
	b.data = append(b.data, s...)
	b.done(tag)
}

func (b *rowBuilder) int(n int64) {
	b.data = binary.LittleEndian.AppendUint64(b.data, uint64(n))
	b.done(tagInt)
}

func (b *rowBuilder) float(x float64) {
	b.data = binary.LittleEndian.AppendUint64(b.data, math.Float64bits(x))
	b.done(tagFloat)
}

func (b *rowBuilder) value(v any) {
	var tag byte
	tag, b.data = appendValue(b.data, v)
	b.done(tag)
}

// rowIn returns the row of the values added since reset, carved from the
// free end of *arena (a new block of arenaBlock bytes when it has too
// little room; a slice of its own for a row of over a quarter of a
// block). The load puts a chunk's rows in a few large blocks instead of
// one allocation each: the collector sweeps and tracks a few objects
// instead of a row each. A row is capped at its length, so that nothing
// appends into its neighbour.
func (b *rowBuilder) rowIn(arena *[]byte) row {
	n, size := len(b.tags), len(b.data)
	w := 2
	if size > math.MaxUint16 {
		w = 4
	}
	head := rowHeader + n + n*w
	var r row
	if need := head + size; need > arenaBlock/4 {
		r = make(row, need)
	} else {
		if cap(*arena)-len(*arena) < need {
			*arena = make([]byte, 0, arenaBlock)
		}
		a := *arena
		r = a[len(a) : len(a)+need : len(a)+need]
		*arena = a[:len(a)+need]
	}
	r[0] = byte(w)
	binary.LittleEndian.PutUint16(r[1:], uint16(n))
	copy(r[rowHeader:], b.tags)
	for i, end := range b.ends {
		if w == 2 {
			binary.LittleEndian.PutUint16(r[rowHeader+n+2*i:], uint16(end))
		} else {
			binary.LittleEndian.PutUint32(r[rowHeader+n+4*i:], uint32(end))
		}
	}
	copy(r[head:], b.data)
	return r
}

// arenaBlock is the size of the blocks rowIn carves rows from: large
// enough that a chunk of 16,384 rows takes a few dozen, small enough that
// a block kept alive by the last of its rows left after updates costs
// little.
const arenaBlock = 64 << 10

// valueSize is the number of data bytes encodeRow writes for v.
func valueSize(v any) int {
	switch x := v.(type) {
	case string:
		return len(x)
	case jsonValue:
		return len(x)
	case int64, float64:
		return 8
	case time.Time:
		if loc := x.Location(); loc == time.UTC || loc == time.Local {
			return 13
		}
		return 17
	}
	return 0
}

// len is the number of values.
func (r row) len() int { return int(binary.LittleEndian.Uint16(r[1:])) }

// field returns the tag and bytes of value i.
func (r row) field(i int) (byte, []byte) {
	n := r.len()
	w := int(r[0])
	head := rowHeader + n + n*w
	var start, end int
	if w == 2 {
		if i > 0 {
			start = int(binary.LittleEndian.Uint16(r[rowHeader+n+2*(i-1):]))
		}
		end = int(binary.LittleEndian.Uint16(r[rowHeader+n+2*i:]))
	} else {
		if i > 0 {
			start = int(binary.LittleEndian.Uint32(r[rowHeader+n+4*(i-1):]))
		}
		end = int(binary.LittleEndian.Uint32(r[rowHeader+n+4*i:]))
	}
	return r[rowHeader+i], r[head+start : head+end : head+end]
}

// bytesString reads b as a string without copying: b is part of an
// immutable row.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func decodeTime(b []byte) time.Time {
	t := time.Unix(int64(binary.LittleEndian.Uint64(b)), int64(binary.LittleEndian.Uint32(b[8:])))
	switch b[12] {
	case zoneUTC:
		return t.UTC()
	case zoneLocal:
		return t.Local()
	}
	return t.In(time.FixedZone("", int(int32(binary.LittleEndian.Uint32(b[13:])))))
}

// value returns value i as held in memory before rows: nil, string, int64,
// float64, bool, time.Time or jsonValue.
func (r row) value(i int) any {
	tag, b := r.field(i)
	switch tag {
	case tagString:
		return bytesString(b)
	case tagInt:
		return int64(binary.LittleEndian.Uint64(b))
	case tagFloat:
		return math.Float64frombits(binary.LittleEndian.Uint64(b))
	case tagFalse:
		return false
	case tagTrue:
		return true
	case tagTime:
		return decodeTime(b)
	case tagJSON:
		return jsonValue(bytesString(b))
	}
	return nil
}

// val returns property i of f.
func (f *feature) val(i int) any {
	if f.vals != nil {
		return f.vals[i]
	}
	return f.row.value(i)
}

// values returns f's properties as a new slice, for a write to change.
func (f *feature) values() []any {
	if f.vals != nil {
		return append([]any(nil), f.vals...)
	}
	out := make([]any, f.row.len())
	for i := range out {
		out[i] = f.row.value(i)
	}
	return out
}

// isNull reports whether property i of f is null.
func (f *feature) isNull(i int) bool {
	if f.vals != nil {
		return f.vals[i] == nil
	}
	tag, _ := f.row.field(i)
	return tag == tagNull
}

// seal moves f's properties into a row, and drops the geometry of a point
// (its bound holds it): done before f is published in a layer (until then,
// a write fills vals and geom).
func (f *feature) seal() {
	if f.vals != nil {
		f.row = encodeRow(f.vals)
		f.vals = nil
	}
	f.dropPoint()
}

// dropPoint leaves a sealed feature's point in its bound alone: a point
// in an interface is a heap object of its own, to mark at every cycle.
func (f *feature) dropPoint() {
	if _, ok := f.geom.(orb.Point); ok && f.row != nil {
		f.geom = nil
	}
}

// geometry returns f's geometry (EPSG:2154).
func (f *feature) geometry() orb.Geometry {
	if f.geom == nil && f.row != nil {
		return orb.Point(f.bound.Min)
	}
	return f.geom
}

// compareVal is compareValues(k, f.val(i), v) for a non-null property i,
// without boxing the property: the equality index's and filters' case.
func (f *feature) compareVal(k kind, i int, v any) int {
	if f.vals != nil {
		return compareValues(k, f.vals[i], v)
	}
	tag, b := f.row.field(i)
	switch tag {
	case tagString:
		return strings.Compare(bytesString(b), v.(string))
	case tagInt:
		return cmp.Compare(int64(binary.LittleEndian.Uint64(b)), v.(int64))
	}
	return compareValues(k, f.row.value(i), v)
}

// compareVals is compareValues(k, a.val(i), b.val(i)) for non-null values.
func compareVals(k kind, i int, a, b *feature) int {
	if a.vals == nil && b.vals == nil {
		ta, x := a.row.field(i)
		tb, y := b.row.field(i)
		if ta == tb {
			switch ta {
			case tagString:
				return strings.Compare(bytesString(x), bytesString(y))
			case tagInt:
				return cmp.Compare(int64(binary.LittleEndian.Uint64(x)), int64(binary.LittleEndian.Uint64(y)))
			case tagTime:
				return decodeTime(x).Compare(decodeTime(y))
			}
		}
	}
	return a.compareVal(k, i, b.val(i))
}

// appendVal is appendProperty(dst, k, f.val(i)) without boxing the value.
func (f *feature) appendVal(dst []byte, k kind, i int) []byte {
	if f.vals != nil {
		return appendProperty(dst, k, f.vals[i])
	}
	tag, b := f.row.field(i)
	switch tag {
	case tagNull:
		return append(dst, "null"...)
	case tagString:
		return socle.AppendJSONString(dst, bytesString(b))
	case tagInt:
		return strconv.AppendInt(dst, int64(binary.LittleEndian.Uint64(b)), 10)
	case tagFloat:
		return socle.AppendFloat(dst, math.Float64frombits(binary.LittleEndian.Uint64(b)), false)
	case tagFalse:
		return append(dst, "false"...)
	case tagTrue:
		return append(dst, "true"...)
	case tagJSON:
		return append(dst, b...)
	case tagTime:
		return appendTime(dst, k, decodeTime(b))
	}
	panic("embedded: unknown tag")
}

// time returns property i of f, a date or date-time, and whether it is
// not null.
func (f *feature) time(i int) (time.Time, bool) {
	if f.vals != nil {
		t, ok := f.vals[i].(time.Time)
		return t, ok
	}
	tag, b := f.row.field(i)
	if tag != tagTime {
		return time.Time{}, false
	}
	return decodeTime(b), true
}

// tileValue is tileValue(k, f.val(i)) without boxing strings and numbers.
func (f *feature) tileValue(k kind, i int) (tileVal, bool) {
	if f.vals != nil {
		return tileValue(k, f.vals[i])
	}
	tag, b := f.row.field(i)
	switch tag {
	case tagNull:
		return tileVal{}, false
	case tagString, tagJSON:
		return tileVal{typ: valueString, s: bytesString(b)}, true
	case tagInt:
		if x := int64(binary.LittleEndian.Uint64(b)); x < 0 {
			return tileVal{typ: valueSint, n: uint64(x)}, true
		}
		return tileVal{typ: valueUint, n: binary.LittleEndian.Uint64(b)}, true
	case tagFloat:
		return tileVal{typ: valueDouble, n: binary.LittleEndian.Uint64(b)}, true
	}
	return tileValue(k, f.row.value(i))
}

// scalar is value i as the CQL2 evaluator reads it (JSON as its text,
// see evalFeature), without boxing it.
func (r row) scalar(i int) cql2.Value {
	tag, b := r.field(i)
	switch tag {
	case tagString, tagJSON:
		return cql2.StringValue(bytesString(b))
	case tagInt:
		return cql2.IntValue(int64(binary.LittleEndian.Uint64(b)))
	case tagFloat:
		return cql2.FloatValue(math.Float64frombits(binary.LittleEndian.Uint64(b)))
	case tagFalse:
		return cql2.BoolValue(false)
	case tagTrue:
		return cql2.BoolValue(true)
	case tagTime:
		return cql2.TimeValue(decodeTime(b))
	}
	return cql2.Value{}
}
