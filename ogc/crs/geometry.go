package crs

import (
	"errors"
	"fmt"

	"github.com/paulmach/orb"
)

// TransformGeometry returns a transformed copy of g; g is left untouched.
// Every position goes through t. An orb.Bound is refused: its corners do not
// make the bound of the transformed box (transform Bound.ToPolygon(), after
// densifying it if need be).
func TransformGeometry(g orb.Geometry, t Transformer) (orb.Geometry, error) {
	if _, ok := g.(orb.Bound); ok || g == nil {
		return TransformGeometryInPlace(g, t)
	}
	return TransformGeometryInPlace(orb.Clone(g), t)
}

// TransformGeometryInPlace overwrites the positions of g with their
// transforms and returns g (a new value for an orb.Point, which cannot be
// changed in place). After an error, g is partly transformed. Positions
// that g holds twice through shared slices are transformed twice.
func TransformGeometryInPlace(g orb.Geometry, t Transformer) (orb.Geometry, error) {
	switch g := g.(type) {
	case nil:
		return nil, nil
	case orb.Point:
		x, y, err := t.Transform(g[0], g[1])
		return orb.Point{x, y}, err
	case orb.MultiPoint:
		return g, transformPoints(g, t)
	case orb.LineString:
		return g, transformPoints(g, t)
	case orb.Ring:
		return g, transformPoints(g, t)
	case orb.MultiLineString:
		for _, l := range g {
			if err := transformPoints(l, t); err != nil {
				return g, err
			}
		}
		return g, nil
	case orb.Polygon:
		for _, r := range g {
			if err := transformPoints(r, t); err != nil {
				return g, err
			}
		}
		return g, nil
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				if err := transformPoints(r, t); err != nil {
					return g, err
				}
			}
		}
		return g, nil
	case orb.Collection:
		for i, m := range g {
			tm, err := TransformGeometryInPlace(m, t)
			g[i] = tm
			if err != nil {
				return g, err
			}
		}
		return g, nil
	case orb.Bound:
		return g, errors.New("crs: cannot transform an orb.Bound by its corners; transform Bound.ToPolygon()")
	}
	return g, fmt.Errorf("crs: cannot transform a %T", g)
}

// transformPoints transforms pts in place.
func transformPoints(pts []orb.Point, t Transformer) error {
	for i, p := range pts {
		x, y, err := t.Transform(p[0], p[1])
		if err != nil {
			return err
		}
		pts[i] = orb.Point{x, y}
	}
	return nil
}
