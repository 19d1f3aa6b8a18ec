package source

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// wkbReader decodes Well-Known Binary: ISO (types 1-7, +1000 for Z, +2000
// M, +3000 ZM) and PostGIS's extended form (Z, M and SRID flags), as
// GeoPackage stores it (GeoPackage 1.3 §2.1.3: the standard WKB of ISO
// 13249-3). Z and M are read and dropped. Polyhedral surfaces, TINs and
// triangles become MultiPolygons and Polygons; curves are refused. Every
// count is checked against the bytes left, so a corrupt blob is an error,
// never a huge allocation or a panic.
type wkbReader struct {
	b     []byte
	depth int
}

var errWKBShort = errors.New("wkb: truncated")

// decodeWKB decodes one geometry and requires nothing after it.
func decodeWKB(b []byte) (orb.Geometry, error) {
	r := wkbReader{b: b}
	g, err := r.geometry()
	if err != nil {
		return nil, err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("wkb: %d bytes after the geometry", len(r.b))
	}
	return g, nil
}

func (r *wkbReader) byteOrder() (binary.ByteOrder, error) {
	if len(r.b) < 1 {
		return nil, errWKBShort
	}
	o := r.b[0]
	r.b = r.b[1:]
	switch o {
	case 0:
		return binary.BigEndian, nil
	case 1:
		return binary.LittleEndian, nil
	}
	return nil, fmt.Errorf("wkb: byte order %d", o)
}

func (r *wkbReader) uint32(o binary.ByteOrder) (uint32, error) {
	if len(r.b) < 4 {
		return 0, errWKBShort
	}
	v := o.Uint32(r.b)
	r.b = r.b[4:]
	return v, nil
}

// count reads a number of items each at least size bytes long.
func (r *wkbReader) count(o binary.ByteOrder, size int) (int, error) {
	n, err := r.uint32(o)
	if err != nil {
		return 0, err
	}
	if uint64(n)*uint64(size) > uint64(len(r.b)) {
		return 0, errWKBShort
	}
	return int(n), nil
}

func (r *wkbReader) points(o binary.ByteOrder, dim int) ([]orb.Point, error) {
	n, err := r.count(o, 8*dim)
	if err != nil {
		return nil, err
	}
	ps := make([]orb.Point, n)
	for i := range ps {
		ps[i] = orb.Point{
			math.Float64frombits(o.Uint64(r.b)),
			math.Float64frombits(o.Uint64(r.b[8:])),
		}
		r.b = r.b[8*dim:]
	}
	return ps, nil
}

func (r *wkbReader) rings(o binary.ByteOrder, dim int) (orb.Polygon, error) {
	n, err := r.count(o, 4)
	if err != nil {
		return nil, err
	}
	p := make(orb.Polygon, n)
	for i := range p {
		ps, err := r.points(o, dim)
		if err != nil {
			return nil, err
		}
		p[i] = ps
	}
	return p, nil
}

// header reads a geometry's byte order and type: the base type (1-17) and
// the number of ordinates per position.
func (r *wkbReader) header() (binary.ByteOrder, uint32, int, error) {
	o, err := r.byteOrder()
	if err != nil {
		return nil, 0, 0, err
	}
	t, err := r.uint32(o)
	if err != nil {
		return nil, 0, 0, err
	}
	dim := 2
	if t&0xE0000000 != 0 { // EWKB flags
		if t&0x80000000 != 0 {
			dim++
		}
		if t&0x40000000 != 0 {
			dim++
		}
		if t&0x20000000 != 0 { // SRID
			if _, err := r.uint32(o); err != nil {
				return nil, 0, 0, err
			}
		}
		t &= 0x0FFFFFFF
	}
	switch t / 1000 {
	case 0:
	case 1, 2:
		dim++
	case 3:
		dim += 2
	default:
		return nil, 0, 0, fmt.Errorf("wkb: geometry type %d", t)
	}
	if dim > 4 {
		return nil, 0, 0, fmt.Errorf("wkb: geometry type %d with Z or M twice", t)
	}
	return o, t % 1000, dim, nil
}

func (r *wkbReader) geometry() (orb.Geometry, error) {
	if r.depth++; r.depth > 32 {
		return nil, errors.New("wkb: collections nested too deep")
	}
	defer func() { r.depth-- }()
	o, t, dim, err := r.header()
	if err != nil {
		return nil, err
	}
	switch t {
	case 1:
		if len(r.b) < 8*dim {
			return nil, errWKBShort
		}
		p := orb.Point{math.Float64frombits(o.Uint64(r.b)), math.Float64frombits(o.Uint64(r.b[8:]))}
		r.b = r.b[8*dim:]
		if math.IsNaN(p[0]) && math.IsNaN(p[1]) {
			return nil, nil // POINT EMPTY
		}
		return p, nil
	case 2:
		ps, err := r.points(o, dim)
		return orb.LineString(ps), err
	case 3, 17: // Polygon, Triangle
		p, err := r.rings(o, dim)
		return p, err
	case 4, 5, 6, 7, 15, 16:
		n, err := r.count(o, 9)
		if err != nil {
			return nil, err
		}
		members := make([]orb.Geometry, 0, n)
		for i := 0; i < n; i++ {
			g, err := r.geometry()
			if err != nil {
				return nil, err
			}
			members = append(members, g)
		}
		return multi(t, members)
	case 8, 9, 10, 11, 12, 13, 14:
		return nil, fmt.Errorf("wkb: curved geometry (type %d) not supported", t)
	}
	return nil, fmt.Errorf("wkb: geometry type %d", t)
}

// multi assembles a multi geometry of WKB type t from its members.
func multi(t uint32, members []orb.Geometry) (orb.Geometry, error) {
	switch t {
	case 4:
		mp := make(orb.MultiPoint, 0, len(members))
		for _, m := range members {
			switch p := m.(type) {
			case orb.Point:
				mp = append(mp, p)
			case nil:
			default:
				return nil, fmt.Errorf("wkb: a %s in a MultiPoint", m.GeoJSONType())
			}
		}
		return mp, nil
	case 5:
		ml := make(orb.MultiLineString, 0, len(members))
		for _, m := range members {
			l, ok := m.(orb.LineString)
			if !ok {
				return nil, fmt.Errorf("wkb: a %s in a MultiLineString", typeName(m))
			}
			ml = append(ml, l)
		}
		return ml, nil
	case 6, 15, 16:
		mp := make(orb.MultiPolygon, 0, len(members))
		for _, m := range members {
			p, ok := m.(orb.Polygon)
			if !ok {
				return nil, fmt.Errorf("wkb: a %s in a MultiPolygon", typeName(m))
			}
			mp = append(mp, p)
		}
		return mp, nil
	}
	c := make(orb.Collection, 0, len(members))
	for _, m := range members {
		if m != nil {
			c = append(c, m)
		}
	}
	return c, nil
}

func typeName(g orb.Geometry) string {
	if g == nil {
		return "empty geometry"
	}
	return g.GeoJSONType()
}
