package cql2

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/socle-geo/socle/ogc/cql2/geomrel"
	"golang.org/x/text/unicode/norm"
)

// bboxGeometry returns the area of a bbox; one that crosses the
// antimeridian (west > east) is the union of its two halves.
func bboxGeometry(b BBox) orb.Geometry {
	w, s, e, n := b.Bound()
	if w <= e {
		return orb.Bound{Min: orb.Point{w, s}, Max: orb.Point{e, n}}
	}
	return orb.Collection{
		orb.Bound{Min: orb.Point{w, s}, Max: orb.Point{180, n}},
		orb.Bound{Min: orb.Point{-180, s}, Max: orb.Point{e, n}},
	}
}

var spatialFuncs = map[SpatialOp]func(a, b orb.Geometry) (bool, error){
	SIntersects: geomrel.Intersects,
	SEquals:     geomrel.Equals,
	SDisjoint:   geomrel.Disjoint,
	STouches:    geomrel.Touches,
	SWithin:     geomrel.Within,
	SOverlaps:   geomrel.Overlaps,
	SCrosses:    geomrel.Crosses,
	SContains:   geomrel.Contains,
}

func (ev Evaluator) spatial(e Spatial, f Feature) (tri, error) {
	var gs [2]orb.Geometry
	for i, x := range [2]Expr{e.Left, e.Right} {
		v, err := ev.value(x, f)
		if err != nil || v == nil {
			return tNull, err
		}
		g, ok := v.(orb.Geometry)
		if !ok {
			return tFalse, evalErrorf("%s of %s", string(e.Op), typeName(v))
		}
		gs[i] = g
	}
	fn, ok := spatialFuncs[e.Op]
	if !ok {
		return tFalse, evalErrorf("unknown spatial function %q", string(e.Op))
	}
	r, err := fn(gs[0], gs[1])
	if errors.Is(err, geomrel.ErrNonFinite) {
		return tFalse, evalErrorf("geometry has a non-finite coordinate")
	}
	return triOf(r), err
}

// array evaluates an array predicate; arrays compare as sets
// (/req/array-functions/array-predicates B). Each element is reduced to a
// canonical key once, so nested arrays cost linear time, not time
// exponential in their depth.
func (ev Evaluator) array(e ArrayPredicate, f Feature) (tri, error) {
	var sets [2]map[string]bool
	for i, x := range [2]Expr{e.Left, e.Right} {
		v, err := ev.value(x, f)
		if err != nil || v == nil {
			return tNull, err
		}
		a, ok := v.([]any)
		if !ok {
			return tFalse, evalErrorf("%s of %s", string(e.Op), typeName(v))
		}
		sets[i] = make(map[string]bool, len(a))
		for _, el := range a {
			sets[i][valueKey(el)] = true
		}
	}
	a, b := sets[0], sets[1]
	switch e.Op {
	case AEquals:
		return triOf(subset(a, b) && subset(b, a)), nil
	case AContains:
		return triOf(subset(b, a)), nil
	case AContainedBy:
		return triOf(subset(a, b)), nil
	case AOverlaps:
		for k := range a {
			if b[k] {
				return tTrue, nil
			}
		}
		return tFalse, nil
	}
	return tFalse, evalErrorf("unknown array function %q", string(e.Op))
}

func subset(a, b map[string]bool) bool {
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// valueKey returns a key that two array elements share exactly when they
// are equal: numbers by value (1 and 1.0 alike), strings after canonical
// decomposition, instants by instant, geometries by coordinates, arrays as
// sets. Values of different types never share a key.
func valueKey(v any) string {
	switch v := v.(type) {
	case nil:
		return "z"
	case int64:
		return "n" + strconv.FormatInt(v, 10)
	case float64:
		if t := math.Trunc(v); t == v && t >= -(1<<63) && t < 1<<63 {
			return "n" + strconv.FormatInt(int64(t), 10)
		}
		return "n" + strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		return "s" + norm.NFD.String(v)
	case bool:
		return "b" + strconv.FormatBool(v)
	case time.Time:
		return "t" + v.UTC().Format(time.RFC3339Nano)
	case period:
		return "p" + boundKey(v.start) + "/" + boundKey(v.end)
	case orb.Geometry:
		return "g" + Text(Geometry{Geom: v})
	case []any:
		keys := make([]string, 0, len(v))
		for _, el := range v {
			keys = append(keys, valueKey(el))
		}
		slices.Sort(keys)
		keys = slices.Compact(keys)
		var b strings.Builder
		b.WriteString("a")
		for _, k := range keys {
			// Length-prefixed, so that no two arrays share a key.
			b.WriteString(strconv.Itoa(len(k)))
			b.WriteByte(':')
			b.WriteString(k)
		}
		return b.String()
	}
	return fmt.Sprintf("?%T", v)
}

func boundKey(b bound) string {
	if b.inf != 0 {
		return strconv.Itoa(int(b.inf))
	}
	return b.t.UTC().Format(time.RFC3339Nano)
}
