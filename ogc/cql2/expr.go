package cql2

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/paulmach/orb"
)

// Expr is a node of a CQL2 syntax tree. The node types of this package are
// its only implementations. String returns the CQL2-Text form of the node
// and MarshalJSON its CQL2-JSON form.
type Expr interface {
	fmt.Stringer
	json.Marshaler
	expr()
}

// Node markers: only the types below implement Expr.
func (And) expr()            {}
func (Or) expr()             {}
func (Not) expr()            {}
func (Comparison) expr()     {}
func (Like) expr()           {}
func (Between) expr()        {}
func (In) expr()             {}
func (IsNull) expr()         {}
func (CaseI) expr()          {}
func (AccentI) expr()        {}
func (Spatial) expr()        {}
func (Geometry) expr()       {}
func (BBox) expr()           {}
func (Temporal) expr()       {}
func (Date) expr()           {}
func (Timestamp) expr()      {}
func (Interval) expr()       {}
func (ArrayPredicate) expr() {}
func (Array) expr()          {}
func (Arithmetic) expr()     {}
func (String) expr()         {}
func (Number) expr()         {}
func (Bool) expr()           {}
func (Property) expr()       {}
func (Function) expr()       {}

// Children returns the direct sub-expressions of e in the order they are
// written. Open interval ends ('..') are nil and are left out.
func Children(e Expr) []Expr {
	switch e := e.(type) {
	case And:
		return e.Args
	case Or:
		return e.Args
	case Not:
		return []Expr{e.Arg}
	case Comparison:
		return []Expr{e.Left, e.Right}
	case Like:
		return []Expr{e.Value, e.Pattern}
	case Between:
		return []Expr{e.Value, e.Low, e.High}
	case In:
		return append([]Expr{e.Value}, e.List...)
	case IsNull:
		return []Expr{e.Value}
	case CaseI:
		return []Expr{e.Value}
	case AccentI:
		return []Expr{e.Value}
	case Spatial:
		return []Expr{e.Left, e.Right}
	case Temporal:
		return []Expr{e.Left, e.Right}
	case ArrayPredicate:
		return []Expr{e.Left, e.Right}
	case Arithmetic:
		return []Expr{e.Left, e.Right}
	case Interval:
		var c []Expr
		if e.Start != nil {
			c = append(c, e.Start)
		}
		if e.End != nil {
			c = append(c, e.End)
		}
		return c
	case Array:
		return e.Items
	case Function:
		return e.Args
	}
	return nil
}

// Walk calls fn for e and then, when fn returns true, for each of its
// sub-expressions, depth first.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	for _, c := range Children(e) {
		Walk(c, fn)
	}
}

// Equal reports whether a and b are the same tree. Numbers compare by
// value (1 equals 1.0), timestamps and dates by instant, geometries by
// coordinates.
func Equal(a, b Expr) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch a := a.(type) {
	case And:
		b, ok := b.(And)
		return ok && equalAll(a.Args, b.Args)
	case Or:
		b, ok := b.(Or)
		return ok && equalAll(a.Args, b.Args)
	case Not:
		b, ok := b.(Not)
		return ok && Equal(a.Arg, b.Arg)
	case Comparison:
		b, ok := b.(Comparison)
		return ok && a.Op == b.Op && Equal(a.Left, b.Left) && Equal(a.Right, b.Right)
	case Like:
		b, ok := b.(Like)
		return ok && Equal(a.Value, b.Value) && Equal(a.Pattern, b.Pattern)
	case Between:
		b, ok := b.(Between)
		return ok && Equal(a.Value, b.Value) && Equal(a.Low, b.Low) && Equal(a.High, b.High)
	case In:
		b, ok := b.(In)
		return ok && Equal(a.Value, b.Value) && equalAll(a.List, b.List)
	case IsNull:
		b, ok := b.(IsNull)
		return ok && Equal(a.Value, b.Value)
	case CaseI:
		b, ok := b.(CaseI)
		return ok && Equal(a.Value, b.Value)
	case AccentI:
		b, ok := b.(AccentI)
		return ok && Equal(a.Value, b.Value)
	case Spatial:
		b, ok := b.(Spatial)
		return ok && a.Op == b.Op && Equal(a.Left, b.Left) && Equal(a.Right, b.Right)
	case Temporal:
		b, ok := b.(Temporal)
		return ok && a.Op == b.Op && Equal(a.Left, b.Left) && Equal(a.Right, b.Right)
	case ArrayPredicate:
		b, ok := b.(ArrayPredicate)
		return ok && a.Op == b.Op && Equal(a.Left, b.Left) && Equal(a.Right, b.Right)
	case Arithmetic:
		b, ok := b.(Arithmetic)
		return ok && a.Op == b.Op && Equal(a.Left, b.Left) && Equal(a.Right, b.Right)
	case Array:
		b, ok := b.(Array)
		return ok && equalAll(a.Items, b.Items)
	case Function:
		b, ok := b.(Function)
		return ok && a.Name == b.Name && equalAll(a.Args, b.Args)
	case Interval:
		b, ok := b.(Interval)
		return ok && Equal(a.Start, b.Start) && Equal(a.End, b.End)
	case Date:
		b, ok := b.(Date)
		return ok && a.Time.Equal(b.Time)
	case Timestamp:
		b, ok := b.(Timestamp)
		return ok && a.Time.Equal(b.Time)
	case Number:
		b, ok := b.(Number)
		return ok && compareNumbers(a, b) == 0
	case String:
		b, ok := b.(String)
		return ok && a == b
	case Bool:
		b, ok := b.(Bool)
		return ok && a == b
	case Property:
		b, ok := b.(Property)
		return ok && a == b
	case Geometry:
		b, ok := b.(Geometry)
		return ok && geometryEqual(a.Geom, b.Geom) && slices.Equal(a.Z, b.Z)
	case BBox:
		b, ok := b.(BBox)
		return ok && slices.Equal(a.Extent, b.Extent)
	}
	return false
}

func equalAll(a, b []Expr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// geometryEqual compares geometries coordinate by coordinate; unlike
// orb.Equal it does not distinguish nil from empty slices.
func geometryEqual(a, b orb.Geometry) bool {
	switch a := a.(type) {
	case orb.Point:
		b, ok := b.(orb.Point)
		return ok && a == b
	case orb.MultiPoint:
		b, ok := b.(orb.MultiPoint)
		return ok && slices.Equal(a, b)
	case orb.LineString:
		b, ok := b.(orb.LineString)
		return ok && slices.Equal(a, b)
	case orb.MultiLineString:
		b, ok := b.(orb.MultiLineString)
		return ok && slices.EqualFunc(a, b, func(x, y orb.LineString) bool { return slices.Equal(x, y) })
	case orb.Polygon:
		b, ok := b.(orb.Polygon)
		return ok && polygonEqual(a, b)
	case orb.MultiPolygon:
		b, ok := b.(orb.MultiPolygon)
		return ok && slices.EqualFunc(a, b, polygonEqual)
	case orb.Collection:
		b, ok := b.(orb.Collection)
		return ok && slices.EqualFunc(a, b, geometryEqual)
	case nil:
		return b == nil
	}
	return orb.Equal(a, b)
}

func polygonEqual(a, b orb.Polygon) bool {
	return slices.EqualFunc(a, b, func(x, y orb.Ring) bool { return slices.Equal(x, y) })
}

// utc drops the monotonic reading and location of t.
func utc(t time.Time) time.Time { return t.UTC().Round(0) }
