package socle

import (
	"fmt"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/socle-geo/socle/ogc/cql2"
	"github.com/socle-geo/socle/ogc/crs"
)

// GeometryProperty is the name filters give a feature's geometry.
const GeometryProperty = "geometry"

// resolveFilter checks a CQL2 predicate against c (Features Part 3: only
// queryables, each where a value of its type fits, and only what Socle
// evaluates) and returns it with its geometry literals in the storage CRS:
// each, given in lit, has its axes put easting first, is densified (every
// 0.01° or 1 km) and transformed, so that its edges stay where the client
// drew them; a BBOX literal becomes its polygon (two across the
// antimeridian, CQL2 clause 6.4.3).
func resolveFilter(c *Collection, e cql2.Expr, lit crs.CRS, legacyDates bool) (cql2.Expr, error) {
	if legacyDates {
		e = datesFromStrings(e, c)
	}
	if err := cql2.Validate(e, QueryableTypes(c)); err != nil {
		return nil, &Error{Code: EINVALID, Message: "filter: " + err.Error(), Allowed: append(c.Queryables(), GeometryProperty)}
	}
	r := &filterResolver{c: c, lit: lit}
	return r.predicate(e)
}

// QueryableTypes gives CQL2 the type of each queryable of c.
func QueryableTypes(c *Collection) map[string]cql2.Type {
	m := map[string]cql2.Type{GeometryProperty: cql2.TypeGeometry}
	for _, p := range c.Properties {
		if !p.Queryable {
			continue
		}
		switch p.Type {
		case TypeString:
			m[p.Name] = cql2.TypeString
		case TypeInteger, TypeNumber:
			m[p.Name] = cql2.TypeNumber
		case TypeBoolean:
			m[p.Name] = cql2.TypeBoolean
		case TypeDate:
			m[p.Name] = cql2.TypeDate
		case TypeDateTime:
			m[p.Name] = cql2.TypeTimestamp
		default:
			m[p.Name] = cql2.TypeAny
		}
	}
	return m
}

// datesFromStrings rewrites comparisons of a date or date-time property
// with a string literal into comparisons with a date or timestamp literal,
// as the CQL draft allowed.
func datesFromStrings(e cql2.Expr, c *Collection) cql2.Expr {
	if cmp, ok := e.(cql2.Comparison); ok {
		p, isProp := cmp.Left.(cql2.Property)
		lit, isStr := cmp.Right.(cql2.String)
		if isProp && isStr {
			if prop, found := c.Property(p.Name); found {
				if ts, err := time.Parse(time.RFC3339, lit.Value); err == nil && prop.Type == TypeDateTime {
					cmp.Right = cql2.NewTimestamp(ts)
				} else if d, err := time.Parse(time.DateOnly, lit.Value); err == nil && (prop.Type == TypeDate || prop.Type == TypeDateTime) {
					cmp.Right = cql2.NewDate(d.Year(), d.Month(), d.Day())
				}
			}
		}
		return cmp
	}
	switch x := e.(type) {
	case cql2.And:
		for i := range x.Args {
			x.Args[i] = datesFromStrings(x.Args[i], c)
		}
		return x
	case cql2.Or:
		for i := range x.Args {
			x.Args[i] = datesFromStrings(x.Args[i], c)
		}
		return x
	case cql2.Not:
		x.Arg = datesFromStrings(x.Arg, c)
		return x
	}
	return e
}

// filterResolver walks a predicate as stores evaluate it: predicates,
// values, geometries and periods, each checked where it stands.
type filterResolver struct {
	c   *Collection
	lit crs.CRS
}

func (r *filterResolver) property(name string) (Property, error) {
	p, ok := r.c.Property(name)
	if ok && p.Queryable {
		return p, nil
	}
	names := r.c.Queryables()
	slices.Sort(names)
	return p, &Error{Code: EINVALID, Message: fmt.Sprintf("cql2: unknown property %q", name), Allowed: append(names, GeometryProperty)}
}

func (r *filterResolver) predicate(e cql2.Expr) (cql2.Expr, error) {
	switch e := e.(type) {
	case cql2.And:
		args, err := r.predicates(e.Args)
		return cql2.And{Args: args}, err
	case cql2.Or:
		args, err := r.predicates(e.Args)
		return cql2.Or{Args: args}, err
	case cql2.Not:
		a, err := r.predicate(e.Arg)
		return cql2.Not{Arg: a}, err
	case cql2.Comparison:
		return e, r.values(e.Left, e.Right)
	case cql2.Like:
		return e, r.values(e.Value, e.Pattern)
	case cql2.Between:
		return e, r.values(e.Value, e.Low, e.High)
	case cql2.In:
		return e, r.values(append([]cql2.Expr{e.Value}, e.List...)...)
	case cql2.IsNull:
		if p, ok := e.Value.(cql2.Property); ok && p.Name == GeometryProperty {
			return e, nil
		}
		return e, r.values(e.Value)
	case cql2.Spatial:
		switch e.Op {
		case cql2.SIntersects, cql2.SEquals, cql2.SDisjoint, cql2.STouches, cql2.SWithin, cql2.SOverlaps, cql2.SCrosses, cql2.SContains:
		default:
			return nil, Errorf(EINVALID, "cql2: unknown spatial function %s", e.Op)
		}
		l, err := r.geometry(e.Left)
		if err != nil {
			return nil, err
		}
		g, err := r.geometry(e.Right)
		if err != nil {
			return nil, err
		}
		return cql2.Spatial{Op: e.Op, Left: l, Right: g}, nil
	case cql2.Temporal:
		return e, r.temporal(e)
	case cql2.Bool:
		return e, nil
	case cql2.Property:
		p, err := r.property(e.Name)
		if err != nil {
			return nil, err
		}
		if p.Type != TypeBoolean {
			return nil, Errorf(EINVALID, "cql2: property %s is not a boolean and cannot stand alone as a predicate", e.Name)
		}
		return e, nil
	case cql2.ArrayPredicate, cql2.Array:
		return nil, Errorf(EINVALID, "cql2: array predicates are not supported: no collection has array properties")
	case cql2.Function:
		return nil, Errorf(EINVALID, "cql2: unknown function %s", e.Name)
	}
	return nil, Errorf(EINVALID, "cql2: %s is not a predicate", e)
}

func (r *filterResolver) predicates(args []cql2.Expr) ([]cql2.Expr, error) {
	out := make([]cql2.Expr, len(args))
	for i, a := range args {
		x, err := r.predicate(a)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

func (r *filterResolver) values(es ...cql2.Expr) error {
	for _, e := range es {
		if err := r.value(e); err != nil {
			return err
		}
	}
	return nil
}

// value checks a scalar expression: a property, a literal, arithmetic,
// CASEI or ACCENTI.
func (r *filterResolver) value(e cql2.Expr) error {
	switch e := e.(type) {
	case cql2.Property:
		_, err := r.property(e.Name)
		return err
	case cql2.String, cql2.Number, cql2.Bool, cql2.Date, cql2.Timestamp:
		return nil
	case cql2.CaseI:
		return r.value(e.Value)
	case cql2.AccentI:
		return r.value(e.Value)
	case cql2.Arithmetic:
		if err := r.values(e.Left, e.Right); err != nil {
			return err
		}
		switch e.Op {
		case cql2.Add, cql2.Sub, cql2.Mul, cql2.Div, cql2.IntDiv, cql2.Mod, cql2.Pow:
			return nil
		}
	case cql2.Function:
		return Errorf(EINVALID, "cql2: unknown function %s", e.Name)
	}
	return Errorf(EINVALID, "cql2: %s cannot be used as a value here", e)
}

// geometry checks an operand of a spatial predicate, the feature geometry
// or a literal, and returns literals in the storage CRS.
func (r *filterResolver) geometry(e cql2.Expr) (cql2.Expr, error) {
	lc := r.lit
	switch e := e.(type) {
	case cql2.Property:
		if e.Name != GeometryProperty {
			if _, err := r.property(e.Name); err != nil {
				return nil, err
			}
			return nil, Errorf(EINVALID, "cql2: property %s is not a geometry", e.Name)
		}
		return e, nil
	case cql2.Geometry:
		g := e.Geom
		if lc.YX {
			g = crs.SwapAxes(g)
		}
		if _, err := wkb.Marshal(g); err != nil {
			return nil, Errorf(EINVALID, "cql2: invalid geometry literal: %v", err)
		}
		return r.storage(g)
	case cql2.BBox:
		w, s, east, n := e.Bound()
		if lc.YX {
			w, s, east, n = s, w, n, east
		}
		var g orb.Geometry = envelope(w, s, east, n)
		if lc.Geographic && w > east {
			g = orb.MultiPolygon{envelope(w, s, 180, n), envelope(-180, s, east, n)}
		}
		return r.storage(g)
	}
	return nil, Errorf(EINVALID, "cql2: %s is not a geometry", e)
}

// storage returns a literal drawn in the filter CRS in the storage CRS.
func (r *filterResolver) storage(g orb.Geometry) (cql2.Expr, error) {
	srid := r.c.StorageSRID()
	if r.lit.SRID == srid {
		return cql2.Geometry{Geom: g}, nil
	}
	tr, err := crs.NewTransformer(r.lit.SRID, srid)
	if err != nil {
		return nil, Errorf(EINVALID, "cannot project from EPSG:%d", r.lit.SRID)
	}
	pg, err := crs.TransformGeometryInPlace(crs.Segmentize(orb.Clone(g), crs.DensifyStep(r.lit)), tr)
	if err != nil {
		return nil, &Error{Code: EINVALID, Message: "a value in the request is out of range or malformed", Err: err}
	}
	return cql2.Geometry{Geom: pg}, nil
}

// temporal checks T_* predicates: operands are intervals, temporal
// properties or instants, and the functions defined on intervals only
// refuse instants.
func (r *filterResolver) temporal(e cql2.Temporal) error {
	aInstant, err := r.period(e.Left)
	if err != nil {
		return err
	}
	bInstant, err := r.period(e.Right)
	if err != nil {
		return err
	}
	switch e.Op {
	case cql2.TOverlaps, cql2.TOverlappedBy, cql2.TStarts, cql2.TStartedBy, cql2.TDuring, cql2.TContains,
		cql2.TFinishes, cql2.TFinishedBy, cql2.TMeets, cql2.TMetBy:
		if aInstant || bInstant {
			return Errorf(EINVALID, "cql2: %s applies to intervals, not instants", e.Op)
		}
	case cql2.TBefore, cql2.TAfter, cql2.TDisjoint, cql2.TIntersects, cql2.TEquals:
	default:
		return Errorf(EINVALID, "cql2: unknown temporal function %s", e.Op)
	}
	return nil
}

func (r *filterResolver) period(e cql2.Expr) (instant bool, err error) {
	if iv, ok := e.(cql2.Interval); ok {
		for _, b := range []cql2.Expr{iv.Start, iv.End} {
			if b != nil {
				if err := r.value(b); err != nil {
					return false, err
				}
			}
		}
		return false, nil
	}
	switch x := e.(type) {
	case cql2.Property:
		p, err := r.property(x.Name)
		if err != nil {
			return false, err
		}
		if p.Type != TypeDate && p.Type != TypeDateTime {
			return false, Errorf(EINVALID, "cql2: property %s is not temporal", x.Name)
		}
	case cql2.Date, cql2.Timestamp:
	default:
		return false, Errorf(EINVALID, "cql2: %s is not a time", e)
	}
	return true, nil
}
