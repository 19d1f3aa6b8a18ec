package postgis

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
	"github.com/socle-geo/socle/ogc/features"
)

// geomEncoder writes geometries read as WKB (ST_AsBinary, in the storage
// CRS) as GeoJSON in out, as ST_AsGeoJSON(ST_Transform(geom, out), dec)
// writes them: the transformation and the encoding the embedded store
// uses (crs, features.AppendGeometry), whose answers the differential
// tests hold to PostGIS's. PostgreSQL then only copies the geometry out.
type geomEncoder struct {
	out crs.CRS
	dec int
	tr  crs.Transformer // nil: out is the storage CRS
}

func newGeomEncoder(out crs.CRS, dec int) (*geomEncoder, error) {
	e := &geomEncoder{out: out, dec: dec}
	if out.SRID != StorageSRID {
		tr, err := crs.NewTransformer(StorageSRID, out.SRID)
		if err != nil {
			return nil, &socle.Error{Code: socle.EINVALID, Message: "a value in the request is out of range or malformed", Err: err}
		}
		e.tr = tr
	}
	return e, nil
}

// append writes the geometry b (WKB) to dst.
func (e *geomEncoder) append(dst, b []byte) ([]byte, error) {
	var g orb.Geometry
	if len(b) == 21 && b[0] == 1 && binary.LittleEndian.Uint32(b[1:]) == 1 {
		// A point, as PostgreSQL on x86 and ARM writes it: read here, without
		// the orb.Geometry that wkb.Unmarshal allocates for it.
		p := orb.Point{math.Float64frombits(binary.LittleEndian.Uint64(b[5:])), math.Float64frombits(binary.LittleEndian.Uint64(b[13:]))}
		if e.tr != nil && !emptyPoint(p) {
			x, y, err := e.tr.Transform(p[0], p[1])
			if err != nil {
				return dst, transformError(err)
			}
			p = orb.Point{x, y}
		}
		return features.AppendGeometry(dst, p, e.out, e.dec), nil
	}
	g, err := wkb.Unmarshal(b)
	if err != nil {
		return dst, fmt.Errorf("postgis: geometry: %w", err)
	}
	if e.tr != nil && !emptyPoint(g) {
		// g is this row's own: transformed in place.
		if g, err = crs.TransformGeometryInPlace(g, e.tr); err != nil {
			return dst, transformError(err)
		}
	}
	return features.AppendGeometry(dst, g, e.out, e.dec), nil
}

// transformError is a position the transformation cannot take: a malformed
// request, as dbError says of what ST_Transform raises then (XX000).
func transformError(err error) error {
	if errors.Is(err, crs.ErrInvalidCoordinate) || errors.Is(err, crs.ErrOutsideDomain) {
		return &socle.Error{Code: socle.EINVALID, Message: "a value in the request is out of range or malformed", Err: err}
	}
	return err
}

// emptyPoint says whether g is POINT EMPTY, which WKB writes as NaN NaN.
func emptyPoint(g orb.Geometry) bool {
	p, ok := g.(orb.Point)
	return ok && math.IsNaN(p[0]) && math.IsNaN(p[1])
}
