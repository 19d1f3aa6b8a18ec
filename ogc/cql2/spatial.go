package cql2

import "github.com/paulmach/orb"

// SpatialOp is a spatial comparison function; its value is the CQL2-JSON op.
type SpatialOp string

// The spatial comparison functions (CQL2 clauses 7.5 and 7.7), with the
// meaning OGC Simple Features gives them.
const (
	SIntersects SpatialOp = "s_intersects"
	SEquals     SpatialOp = "s_equals"
	SDisjoint   SpatialOp = "s_disjoint"
	STouches    SpatialOp = "s_touches"
	SWithin     SpatialOp = "s_within"
	SOverlaps   SpatialOp = "s_overlaps"
	SCrosses    SpatialOp = "s_crosses"
	SContains   SpatialOp = "s_contains"
)

// Spatial applies a spatial comparison function to two geometry
// expressions (rule spatialPredicate).
type Spatial struct {
	Op          SpatialOp
	Left, Right Expr
}

// Geometry is a geometry literal: WKT in CQL2-Text, a GeoJSON geometry
// object in CQL2-JSON (rule spatialInstance). Geom is never an orb.Bound or
// orb.Ring, and a collection never nests another collection.
type Geometry struct {
	// Geom holds the x and y of every position.
	Geom orb.Geometry
	// Z holds the third ordinate of every position, in the order the
	// positions are written, when the literal is three-dimensional; it
	// is nil for two dimensions. The evaluator ignores it.
	Z []float64
}

// BBox is a bounding-box literal, BBOX(...) in CQL2-Text and {"bbox": [...]}
// in CQL2-JSON. Extent holds west, south, east, north, or west, south,
// minimum elevation, east, north, maximum elevation. A west bound greater
// than the east bound denotes a box that crosses the antimeridian.
type BBox struct {
	Extent []float64
}

// Bound returns the two-dimensional extent of b as (west, south, east,
// north).
func (b BBox) Bound() (west, south, east, north float64) {
	if len(b.Extent) == 6 {
		return b.Extent[0], b.Extent[1], b.Extent[3], b.Extent[4]
	}
	if len(b.Extent) == 4 {
		return b.Extent[0], b.Extent[1], b.Extent[2], b.Extent[3]
	}
	return 0, 0, 0, 0
}

// String returns the CQL2-Text form of e.
func (e Spatial) String() string { return Text(e) }

// String returns the CQL2-Text form of e.
func (e Geometry) String() string { return Text(e) }

// String returns the CQL2-Text form of e.
func (e BBox) String() string { return Text(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e Spatial) MarshalJSON() ([]byte, error) { return JSON(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e Geometry) MarshalJSON() ([]byte, error) { return JSON(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e BBox) MarshalJSON() ([]byte, error) { return JSON(e) }
