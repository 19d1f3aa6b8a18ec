package embedded

import (
	"fmt"
	"sync"

	"github.com/paulmach/orb"
	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of vector_tile.proto (MVT 2.1).
const (
	tileLayers = 3

	layerName     = 1
	layerFeatures = 2
	layerKeys     = 3
	layerValues   = 4
	layerExtent   = 5
	layerVersion  = 15

	featureID       = 1
	featureTags     = 2
	featureType     = 3
	featureGeometry = 4

	valueString = 1
	valueDouble = 3
	valueUint   = 5
	valueSint   = 6
	valueBool   = 7

	geomPoint      = 1
	geomLineString = 2
	geomPolygon    = 3
)

// layerEncoder writes one MVT layer straight to protobuf, the bytes that
// orb's mvt.Marshal gives for the same features (keys and values numbered
// in order of first use, a feature's tags in order of key name), without
// the geojson.Feature, property map and protobuf structs in between.
type layerEncoder struct {
	keys     []string
	keyIndex map[string]uint32
	values   []byte // the encoded Value messages, each with its field tag
	nValues  uint32
	valIndex map[tileVal]uint32
	features []byte // the encoded Feature fields, each with its field tag
	nFeat    int
	tags     []uint64
	cmds     []uint32
	scratch  []byte
}

func newLayerEncoder() *layerEncoder {
	return &layerEncoder{keyIndex: map[string]uint32{}, valIndex: map[tileVal]uint32{}}
}

// encoders keeps layer encoders, their buffers grown, from tile to tile.
var encoders = sync.Pool{New: func() any { return newLayerEncoder() }}

// getLayerEncoder returns an empty encoder; putLayerEncoder gives it back
// once the layer is appended to the tile.
func getLayerEncoder() *layerEncoder { return encoders.Get().(*layerEncoder) }

func putLayerEncoder(e *layerEncoder) {
	if cap(e.features) > 4<<20 {
		return // an outsized tile: let the collector have it
	}
	clear(e.keyIndex)
	clear(e.valIndex)
	e.keys = e.keys[:0]
	e.values = e.values[:0]
	e.features = e.features[:0]
	e.nValues, e.nFeat = 0, 0
	encoders.Put(e)
}

func (e *layerEncoder) key(s string) uint32 {
	if i, ok := e.keyIndex[s]; ok {
		return i
	}
	i := uint32(len(e.keys))
	e.keys = append(e.keys, s)
	e.keyIndex[s] = i
	return i
}

// tileVal is an attribute value of a tile: its Value field (valueString
// ...) and its text, or its bits (the float64's, the int64's, 1 for true).
// A struct, not an any: no boxing, and a cheaper map key.
type tileVal struct {
	typ uint8
	s   string
	n   uint64
}

// value numbers v in the layer's values, adding it when new.
func (e *layerEncoder) value(v tileVal) (uint32, error) {
	if i, ok := e.valIndex[v]; ok {
		return i, nil
	}
	var m []byte
	switch v.typ {
	case valueString:
		m = protowire.AppendTag(m, valueString, protowire.BytesType)
		m = protowire.AppendString(m, v.s)
	case valueDouble:
		m = protowire.AppendTag(m, valueDouble, protowire.Fixed64Type)
		m = protowire.AppendFixed64(m, v.n)
	case valueUint:
		m = protowire.AppendTag(m, valueUint, protowire.VarintType)
		m = protowire.AppendVarint(m, v.n)
	case valueSint:
		m = protowire.AppendTag(m, valueSint, protowire.VarintType)
		m = protowire.AppendVarint(m, protowire.EncodeZigZag(int64(v.n)))
	case valueBool:
		m = protowire.AppendTag(m, valueBool, protowire.VarintType)
		m = protowire.AppendVarint(m, v.n)
	default:
		return 0, fmt.Errorf("unable to encode a value of field %d", v.typ)
	}
	e.values = protowire.AppendTag(e.values, layerValues, protowire.BytesType)
	e.values = protowire.AppendBytes(e.values, m)
	i := e.nValues
	e.nValues++
	e.valIndex[v] = i
	return i, nil
}

// tag is one attribute of a feature: its key and value.
type tag struct {
	key string
	val tileVal
}

// add encodes a feature: its geometry in tile pixels, its id (nil for
// none) and its attributes, sorted by key.
func (e *layerEncoder) add(g orb.Geometry, id *uint64, attrs []tag) error {
	e.tags = e.tags[:0]
	for _, a := range attrs {
		vi, err := e.value(a.val)
		if err != nil {
			return fmt.Errorf("property %s: %v", a.key, err)
		}
		e.tags = append(e.tags, uint64(e.key(a.key)), uint64(vi))
	}
	typ, err := e.geometry(g)
	if err != nil {
		return err
	}
	f := e.scratch[:0]
	if id != nil {
		f = protowire.AppendTag(f, featureID, protowire.VarintType)
		f = protowire.AppendVarint(f, *id)
	}
	if len(e.tags) > 0 {
		f = protowire.AppendTag(f, featureTags, protowire.BytesType)
		n := 0
		for _, t := range e.tags {
			n += protowire.SizeVarint(t)
		}
		f = protowire.AppendVarint(f, uint64(n))
		for _, t := range e.tags {
			f = protowire.AppendVarint(f, t)
		}
	}
	f = protowire.AppendTag(f, featureType, protowire.VarintType)
	f = protowire.AppendVarint(f, typ)
	if len(e.cmds) > 0 {
		f = protowire.AppendTag(f, featureGeometry, protowire.BytesType)
		n := 0
		for _, c := range e.cmds {
			n += protowire.SizeVarint(uint64(c))
		}
		f = protowire.AppendVarint(f, uint64(n))
		for _, c := range e.cmds {
			f = protowire.AppendVarint(f, uint64(c))
		}
	}
	e.scratch = f
	e.features = protowire.AppendTag(e.features, layerFeatures, protowire.BytesType)
	e.features = protowire.AppendBytes(e.features, f)
	e.nFeat++
	return nil
}

// geometry writes g's commands to e.cmds (MVT 2.1 §4.3) and returns its
// geometry type.
func (e *layerEncoder) geometry(g orb.Geometry) (uint64, error) {
	e.cmds = e.cmds[:0]
	var px, py int32
	move := func(n int) { e.cmds = append(e.cmds, uint32(n)<<3|1) }
	line := func(n int) { e.cmds = append(e.cmds, uint32(n)<<3|2) }
	pts := func(ps []orb.Point) {
		for _, p := range ps {
			x, y := int32(p[0]), int32(p[1])
			dx, dy := x-px, y-py
			px, py = x, y
			e.cmds = append(e.cmds, uint32((dx<<1)^(dx>>31)), uint32((dy<<1)^(dy>>31)))
		}
	}
	line1 := func(l []orb.Point) {
		move(1)
		pts(l[:1])
		line(len(l) - 1)
		pts(l[1:])
	}
	ring := func(r orb.Ring) {
		move(1)
		pts(r[:1])
		rest := r[1:]
		if r.Closed() {
			rest = r[1 : len(r)-1]
		}
		line(len(rest))
		pts(rest)
		e.cmds = append(e.cmds, 1<<3|7)
	}
	switch g := g.(type) {
	case orb.Point:
		move(1)
		pts([]orb.Point{g})
		return geomPoint, nil
	case orb.MultiPoint:
		move(len(g))
		pts(g)
		return geomPoint, nil
	case orb.LineString:
		line1(g)
		return geomLineString, nil
	case orb.MultiLineString:
		for _, l := range g {
			line1(l)
		}
		return geomLineString, nil
	case orb.Polygon:
		for _, r := range g {
			ring(r)
		}
		return geomPolygon, nil
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				ring(r)
			}
		}
		return geomPolygon, nil
	}
	return 0, fmt.Errorf("geometry type not supported: %T", g)
}

// appendTo appends the layer, as a field of the Tile message, to b.
func (e *layerEncoder) appendTo(b []byte, name string, version, extent uint64) []byte {
	l := e.scratch[:0]
	l = protowire.AppendTag(l, layerName, protowire.BytesType)
	l = protowire.AppendString(l, name)
	l = append(l, e.features...)
	for _, k := range e.keys {
		l = protowire.AppendTag(l, layerKeys, protowire.BytesType)
		l = protowire.AppendString(l, k)
	}
	l = append(l, e.values...)
	l = protowire.AppendTag(l, layerExtent, protowire.VarintType)
	l = protowire.AppendVarint(l, extent)
	l = protowire.AppendTag(l, layerVersion, protowire.VarintType)
	l = protowire.AppendVarint(l, version)
	e.scratch = l
	b = protowire.AppendTag(b, tileLayers, protowire.BytesType)
	return protowire.AppendBytes(b, l)
}
