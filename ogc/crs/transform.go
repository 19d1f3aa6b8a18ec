package crs

import (
	"errors"
	"fmt"
	"math"
)

// This file and lcc.go, laea.go, mercator.go transform coordinates between
// the supported CRS in pure Go, reproducing what PostGIS's ST_Transform does
// with PROJ 9 (PostGIS 3.3 / PROJ 9.1.1 were measured; see testdata/):
//
//   - Every datum change involved is a null transformation. PROJ picks
//     "ETRS89 to WGS 84 (1)" (EPSG:1149) between 4326 and 4258, "RGF93 v1 to
//     WGS 84 (1)" between 4326 and 2154, "RGF93 v1 to ETRS89 (1)" between
//     2154 and 3035: all are zero shifts, so RGF93 v1, ETRS89 and WGS 84 are
//     the same geographic CRS here and 4326 <-> 4258 is the identity (PROJ's
//     +proj=noop: no check, no longitude wrapping).
//   - A projected CRS is reached through geographic coordinates: inverse
//     projection, then forward projection, in radians.
//   - Longitudes are wrapped to [-180°, 180°] around the central meridian
//     as PROJ does (adjlon); a latitude beyond ±90° (plus 1e-12 rad) or a
//     longitude beyond ±10 rad (±572.96°) is an invalid coordinate.
//   - Web Mercator (3857) is NOT clamped at ±85.06°: ST_Transform projects
//     any latitude up to ±90°, e.g. 89° gives y = 30240971.96 and 90° gives
//     242528680.94 (asinh(tan(π/2)) in floating point). Clamping for tiles is
//     the caller's business.
//
// Two differences remain: from 3035, the inverse of LAEA here is exact
// where PROJ before 9.7 truncates a series, which moves ST_Transform's
// results by up to 1.6 mm on the ground (0.7 mm over France; see laea.go);
// and a NaN or infinite coordinate is an error here where ST_Transform
// passes it on.
//
// Axis order is PostGIS's: easting or longitude first, whatever the CRS's
// official order (see CRS.YX for encoding).

// Errors wrapped by Transform.
var (
	// ErrInvalidCoordinate is a latitude beyond ±90°, a longitude beyond
	// ±10 radians or a non-finite coordinate (PROJ error 2049).
	ErrInvalidCoordinate = errors.New("crs: invalid coordinate")
	// ErrOutsideDomain is a position the projection cannot represent, such
	// as the south pole in Lambert-93 or the antipode of the LAEA centre
	// (PROJ error 2050).
	ErrOutsideDomain = errors.New("crs: point outside of projection domain")
)

// Transformer converts a position x, y (PostGIS axis order: easting or
// longitude first; degrees or metres) from one SRID to another. A
// Transformer is safe for concurrent use.
type Transformer interface {
	Transform(x, y float64) (float64, float64, error)
}

// NewTransformer returns the transformation from fromSRID to toSRID, which
// must be among 4326, 4258, 2154, 3857 and 3035, or ImportSRIDs.
func NewTransformer(fromSRID, toSRID int) (Transformer, error) {
	return newTransformer(fromSRID, toSRID, false)
}

// newTransformer can use, for the inverse of LAEA, the truncated series of
// PROJ before 9.7 (projSeries) instead of the exact inverse: tests use it to
// tell PROJ's error from ours.
func newTransformer(fromSRID, toSRID int, projSeries bool) (Transformer, error) {
	src, err := projectionFor(fromSRID, projSeries)
	if err != nil {
		return nil, err
	}
	dst, err := projectionFor(toSRID, projSeries)
	if err != nil {
		return nil, err
	}
	if src == nil && dst == nil || fromSRID == toSRID {
		return identity{}, nil
	}
	if src == lambert93 && dst == webMercator {
		return lambert93ToMercator, nil
	}
	return &transformer{src: src, dst: dst}, nil
}

// projection is a map projection of the ellipsoid (or sphere) onto the
// plane, with false easting and northing included. forward takes the
// longitude from the central meridian, wrapped to [-π, π], and the latitude,
// in radians; inverse returns them.
type projection interface {
	forward(lam, phi float64) (x, y float64, err error)
	inverse(x, y float64) (lam, phi float64, err error)
	centralMeridian() float64 // radians
}

// projectionFor returns the projection of a supported SRID, nil for the
// geographic CRS.
func projectionFor(srid int, projSeries bool) (projection, error) {
	switch srid {
	case 4326, 4258:
		return nil, nil
	case 2154:
		return lambert93, nil
	case 3857:
		return webMercator, nil
	case 3035:
		if projSeries {
			return laeaEuropeSeries, nil
		}
		return laeaEurope, nil
	}
	if p, ok := importProjection(srid); ok {
		return p, nil
	}
	return nil, fmt.Errorf("crs: cannot transform SRID %d (supported: 4326, 4258, 2154, 3857, 3035)", srid)
}

type identity struct{}

func (identity) Transform(x, y float64) (float64, float64, error) { return x, y, nil }

// transformer goes through geographic coordinates; src or dst is nil for a
// geographic CRS, not both.
type transformer struct {
	src, dst projection
}

const (
	deg2rad = math.Pi / 180
	rad2deg = 180 / math.Pi
	// epsLat is how far beyond a pole PROJ accepts a latitude (PJ_EPS_LAT).
	epsLat = 1e-12
)

func (t *transformer) Transform(x, y float64) (float64, float64, error) {
	if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
		return 0, 0, fmt.Errorf("%w: (%g, %g)", ErrInvalidCoordinate, x, y)
	}
	var lam, phi float64
	if t.src == nil {
		lam, phi = x*deg2rad, y*deg2rad
	} else {
		l, p, err := t.src.inverse(x, y)
		if err != nil {
			return 0, 0, err
		}
		lam, phi = adjlon(l+t.src.centralMeridian()), p
	}
	if t.dst == nil {
		return lam * rad2deg, phi * rad2deg, nil
	}
	if math.Abs(phi)-math.Pi/2 > epsLat || lam > 10 || lam < -10 {
		return 0, 0, fmt.Errorf("%w: (%g, %g)", ErrInvalidCoordinate, x, y)
	}
	phi = math.Max(-math.Pi/2, math.Min(math.Pi/2, phi))
	lam = adjlon(adjlon(lam) - t.dst.centralMeridian())
	return t.dst.forward(lam, phi)
}

// adjlon wraps a longitude into [-π, π], letting it overshoot by 1e-12 to
// keep the sign at the antimeridian (PROJ's adjlon).
func adjlon(lam float64) float64 {
	if math.Abs(lam) < math.Pi+1e-12 {
		return lam
	}
	lam += math.Pi
	lam -= 2 * math.Pi * math.Floor(lam/(2*math.Pi))
	return lam - math.Pi
}

// ellipsoid holds the derived constants of an ellipsoid of revolution.
type ellipsoid struct {
	a     float64 // semi-major axis, metres
	es    float64 // first eccentricity squared
	e     float64 // first eccentricity
	oneEs float64 // 1 - es
}

func newEllipsoid(a, invF float64) ellipsoid {
	f := 1 / invF
	es := 2*f - f*f
	return ellipsoid{a: a, es: es, e: math.Sqrt(es), oneEs: 1 - es}
}

// grs80 is the ellipsoid of RGF93 and ETRS89.
var grs80 = newEllipsoid(6378137, 298.257222101)
