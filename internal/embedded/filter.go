package embedded

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/cql2"
	"github.com/socle-geo/socle/ogc/crs"
)

// GeometryProperty is the name filters give the feature geometry, as in the
// PostGIS store.
const GeometryProperty = "geometry"

// predicate is a compiled ItemsQuery filter: the conditions of
// postgis.builder.filters, evaluated in memory.
type predicate struct {
	t *table
	// box is the bbox in Lambert-93 (nil: none).
	box      *areaTest
	boxBound orb.Bound
	// datetime bounds the temporal property (col -1: none).
	dtCol        int
	dtStart      *time.Time
	dtEnd        *time.Time
	filter       cql2.Expr
	filterBounds *orb.Bound // the area a spatial filter cannot leave, if known
	equals       []equalsCond
	// hints are equalities the filter implies: only to find candidates.
	hints []equalsCond
}

type equalsCond struct {
	col  int
	kind kind
	val  any
}

// compile checks and prepares the query's filters (not its cursor), with
// the errors the PostGIS store gives, in the same order.
func (l *layer) compile(q *socle.ItemsQuery) (*predicate, error) {
	c := q.Collection
	p := &predicate{t: l.t, dtCol: -1}
	if q.BBox != nil {
		bc := q.BoxCRS()
		x0, y0, x1, y1 := q.BBox.MinX, q.BBox.MinY, q.BBox.MaxX, q.BBox.MaxY
		if bc.YX { // easting or longitude first, as PostGIS
			x0, y0, x1, y1 = y0, x0, y1, x1
		}
		g, err := storageBox(x0, y0, x1, y1, bc.SRID)
		if err != nil {
			return nil, err
		}
		p.box, p.boxBound = newAreaTest(g), g.Bound()
	}
	if q.Datetime != nil {
		if c.Temporal == "" {
			return nil, socle.Errorf(socle.EINVALID, "collection %s has no temporal property: datetime does not apply", c.ID)
		}
		p.dtCol = l.t.byName[c.Temporal]
		days := l.t.cols[p.dtCol].kind == kDate
		day := func(t time.Time) time.Time {
			y, m, d := t.UTC().Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		}
		// The bounds reach PostgreSQL as timestamptz parameters, which pgx
		// truncates to the microsecond.
		if s := q.Datetime.Start; s != nil {
			v := s.UTC().Truncate(time.Microsecond)
			if days { // a date is its whole day: compare days
				v = day(v)
			}
			p.dtStart = &v
		}
		if e := q.Datetime.End; e != nil {
			v := e.UTC().Truncate(time.Microsecond)
			if days {
				v = day(v)
			}
			p.dtEnd = &v
		}
	}
	if q.Filter != nil {
		ct := &cqlTarget{t: l.t, literalCRS: q.FilterCRS}
		if ct.literalCRS.URI == "" {
			ct.literalCRS = crs.CRS84
		}
		e, err := ct.predicate(q.Filter)
		if err != nil {
			return nil, err
		}
		p.filter = e
		p.filterBounds = spatialBounds(e)
		hints, covered := l.t.equalHints(q.Filter)
		if covered {
			// Only equalities: tested as ?name=value filters are.
			p.filter, p.filterBounds = nil, nil
			p.equals = append(p.equals, hints...)
		} else {
			p.hints = hints
		}
	}
	for _, e := range q.Equals {
		pr, ok := c.Property(e.Property)
		if !ok || !pr.Queryable {
			return nil, &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("%s is not a queryable property of %s", e.Property, c.ID), Allowed: c.Queryables()}
		}
		i := l.t.byName[pr.Name]
		v, err := equalsValue(l.t.cols[i].kind, e.Value)
		if err != nil {
			return nil, err
		}
		p.equals = append(p.equals, equalsCond{col: i, kind: l.t.cols[i].kind, val: v})
	}
	return p, nil
}

// equalsValue converts a ?name=value filter's value to the column's kind,
// as the bound parameter cast to the column's SQL type would be.
func equalsValue(k kind, v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case time.Time:
		switch k {
		case kDate:
			y, m, d := x.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
		case kTime:
			return x.UTC().Truncate(time.Microsecond), nil
		}
		return parseText(k, 64, x.Format(time.RFC3339Nano))
	case string:
		return parseText(k, 64, x)
	case int64:
		if k == kFloat {
			return float64(x), nil
		}
	case float64:
		if k == kInt && x == float64(int64(x)) {
			return int64(x), nil
		}
	}
	return parseText(k, 64, fmt.Sprint(v))
}

// filtered reports whether the predicate has any condition.
func (p *predicate) filtered() bool {
	return p.box != nil || p.dtCol >= 0 || p.filter != nil || len(p.equals) > 0
}

// run returns the features of l that match, in id order.
func (p *predicate) run(ctx context.Context, l *layer) ([]*feature, error) {
	if !p.filtered() {
		return l.feats, nil
	}
	var cands []*feature
	var area *orb.Bound
	if p.box != nil {
		b := p.boxBound
		area = &b
	}
	if p.filterBounds != nil {
		if area == nil {
			area = p.filterBounds
		} else {
			b := intersectBounds(*area, *p.filterBounds)
			area = &b
		}
	}
	if area != nil {
		l.tree.Search(area.Min, area.Max, func(_, _ [2]float64, f *feature) bool {
			cands = append(cands, f)
			return true
		})
		slices.SortFunc(cands, func(a, b *feature) int { return compareIDs(a.id, b.id) })
	} else if fs, ok, exact := p.candidates(l); exact {
		return fs, nil
	} else if ok {
		cands = fs
	} else {
		cands = l.feats
	}
	var out []*feature
	for i, f := range cands {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		ok, err := p.match(f)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, f)
		}
	}
	return out, nil
}

func (p *predicate) match(f *feature) (bool, error) {
	if p.box != nil {
		ok, err := p.box.intersects(f.geom, f.bound)
		if err != nil || !ok {
			return false, err
		}
	}
	if p.dtCol >= 0 {
		v := f.vals[p.dtCol]
		if v == nil {
			return false, nil
		}
		t := v.(time.Time)
		if p.dtStart != nil && t.Before(*p.dtStart) {
			return false, nil
		}
		if p.dtEnd != nil && t.After(*p.dtEnd) {
			return false, nil
		}
	}
	for _, e := range p.equals {
		v := f.vals[e.col]
		if v == nil || e.val == nil || compareValues(e.kind, v, e.val) != 0 {
			return false, nil
		}
	}
	if p.filter != nil {
		ok, err := filterEvaluator.Evaluate(p.filter, evalFeature{t: p.t, f: f})
		if err != nil {
			return false, &socle.Error{Code: socle.EINVALID, Message: "a value in the request is out of range or malformed", Err: err}
		}
		return ok, nil
	}
	return true, nil
}

// evalFeature is a feature as the CQL2 evaluator reads it: typed values,
// dates as midnight UTC, and the Lambert-93 geometry as "geometry".
type evalFeature struct {
	t *table
	f *feature
}

func (e evalFeature) Property(name string) (any, bool) {
	if name == GeometryProperty {
		return e.f.geom, true
	}
	i, ok := e.t.byName[name]
	if !ok {
		return nil, false
	}
	if v, ok := e.f.vals[i].(jsonValue); ok {
		return string(v), true
	}
	return e.f.vals[i], true
}

// spatialBounds returns the box outside which a filter cannot hold when it
// requires (through a chain of ANDs) the geometry to intersect a literal:
// S_INTERSECTS, S_WITHIN, S_EQUALS, S_TOUCHES, S_OVERLAPS, S_CROSSES or
// S_CONTAINS of the geometry and a literal. nil when unknown.
func spatialBounds(e cql2.Expr) *orb.Bound {
	switch e := e.(type) {
	case cql2.And:
		var out *orb.Bound
		for _, a := range e.Args {
			if b := spatialBounds(a); b != nil {
				if out == nil {
					out = b
				} else {
					i := intersectBounds(*out, *b)
					out = &i
				}
			}
		}
		return out
	case cql2.Spatial:
		if e.Op == cql2.SDisjoint {
			return nil
		}
		var lit cql2.Expr
		if p, ok := e.Left.(cql2.Property); ok && p.Name == GeometryProperty {
			lit = e.Right
		} else if p, ok := e.Right.(cql2.Property); ok && p.Name == GeometryProperty {
			lit = e.Left
		}
		if g, ok := lit.(cql2.Geometry); ok {
			b := g.Geom.Bound()
			return &b
		}
	}
	return nil
}

// cqlTarget checks a CQL2 predicate as postgis.builder.compile does —
// property names resolve only to queryables, with the same errors — and
// rewrites its geometry literals into Lambert-93, densified as the SQL does,
// so that the Go evaluator compares them with the stored geometries.
type cqlTarget struct {
	t          *table
	literalCRS crs.CRS
}

func (ct *cqlTarget) column(name string) (column, error) {
	i, ok := ct.t.byName[name]
	if ok && ct.t.c.Properties[i].Queryable {
		return ct.t.cols[i], nil
	}
	var names []string
	for _, p := range ct.t.c.Properties {
		if p.Queryable {
			names = append(names, p.Name)
		}
	}
	slices.Sort(names)
	return column{}, &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("cql2: unknown property %q", name), Allowed: append(names, GeometryProperty)}
}

func (ct *cqlTarget) predicate(e cql2.Expr) (cql2.Expr, error) {
	switch e := e.(type) {
	case cql2.And:
		args, err := ct.predicates(e.Args)
		return cql2.And{Args: args}, err
	case cql2.Or:
		args, err := ct.predicates(e.Args)
		return cql2.Or{Args: args}, err
	case cql2.Not:
		a, err := ct.predicate(e.Arg)
		return cql2.Not{Arg: a}, err
	case cql2.Comparison:
		if err := ct.values(e.Left, e.Right); err != nil {
			return nil, err
		}
		if ct.textual(e.Left, e.Right) {
			return cql2.Function{Name: fnCompare + string(e.Op), Args: []cql2.Expr{e.Left, e.Right}}, nil
		}
		return e, nil
	case cql2.Like:
		return e, ct.values(e.Value, e.Pattern)
	case cql2.Between:
		if err := ct.values(e.Value, e.Low, e.High); err != nil {
			return nil, err
		}
		if ct.textual(e.Value, e.Low, e.High) {
			return cql2.Function{Name: fnBetween, Args: []cql2.Expr{e.Value, e.Low, e.High}}, nil
		}
		return e, nil
	case cql2.In:
		args := append([]cql2.Expr{e.Value}, e.List...)
		if err := ct.values(args...); err != nil {
			return nil, err
		}
		if ct.textual(args...) {
			return cql2.Function{Name: fnIn, Args: args}, nil
		}
		return e, nil
	case cql2.IsNull:
		if p, ok := e.Value.(cql2.Property); ok && p.Name == GeometryProperty {
			return e, nil
		}
		return e, ct.values(e.Value)
	case cql2.Spatial:
		l, err := ct.geometry(e.Left)
		if err != nil {
			return nil, err
		}
		r, err := ct.geometry(e.Right)
		if err != nil {
			return nil, err
		}
		switch e.Op {
		case cql2.SIntersects, cql2.SEquals, cql2.SDisjoint, cql2.STouches, cql2.SWithin, cql2.SOverlaps, cql2.SCrosses, cql2.SContains:
		default:
			return nil, socle.Errorf(socle.EINVALID, "cql2: unknown spatial function %s", e.Op)
		}
		return cql2.Spatial{Op: e.Op, Left: l, Right: r}, nil
	case cql2.Temporal:
		if err := ct.temporal(e); err != nil {
			return nil, err
		}
		// As the SQL compiler writes it: comparisons of the periods' ends,
		// with no check that an interval starts before it ends.
		as, ae := periodEnds(e.Left)
		bs, be := periodEnds(e.Right)
		return cql2.Function{Name: fnTemporal + string(e.Op), Args: []cql2.Expr{as, ae, bs, be}}, nil
	case cql2.Bool:
		return e, nil
	case cql2.Property:
		c, err := ct.column(e.Name)
		if err != nil {
			return nil, err
		}
		if c.kind != kBool {
			return nil, socle.Errorf(socle.EINVALID, "cql2: property %s is not a boolean and cannot stand alone as a predicate", e.Name)
		}
		return e, nil
	case cql2.ArrayPredicate, cql2.Array:
		return nil, socle.Errorf(socle.EINVALID, "cql2: array predicates are not supported: no collection has array properties")
	case cql2.Function:
		return nil, socle.Errorf(socle.EINVALID, "cql2: unknown function %s", e.Name)
	}
	return nil, socle.Errorf(socle.EINVALID, "cql2: %s is not a predicate", e)
}

func (ct *cqlTarget) predicates(args []cql2.Expr) ([]cql2.Expr, error) {
	out := make([]cql2.Expr, len(args))
	for i, a := range args {
		x, err := ct.predicate(a)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

func (ct *cqlTarget) values(es ...cql2.Expr) error {
	for _, e := range es {
		if err := ct.value(e); err != nil {
			return err
		}
	}
	return nil
}

// value checks a scalar expression: property, literal, arithmetic, CASEI,
// ACCENTI.
func (ct *cqlTarget) value(e cql2.Expr) error {
	switch e := e.(type) {
	case cql2.Property:
		_, err := ct.column(e.Name)
		return err
	case cql2.String, cql2.Number, cql2.Bool, cql2.Date, cql2.Timestamp:
		return nil
	case cql2.CaseI:
		return ct.value(e.Value)
	case cql2.AccentI:
		return ct.value(e.Value)
	case cql2.Arithmetic:
		if err := ct.values(e.Left, e.Right); err != nil {
			return err
		}
		switch e.Op {
		case cql2.Add, cql2.Sub, cql2.Mul, cql2.Div, cql2.IntDiv, cql2.Mod, cql2.Pow:
			return nil
		}
	case cql2.Function:
		return socle.Errorf(socle.EINVALID, "cql2: unknown function %s", e.Name)
	}
	return socle.Errorf(socle.EINVALID, "cql2: %s cannot be used as a value here", e)
}

// geometry checks an operand of a spatial predicate and returns it with
// literals in Lambert-93: a literal in a CRS whose first axis is northing
// has its axes swapped, then it is densified (0.01° or 1 km) and
// transformed, as the PostGIS store does.
func (ct *cqlTarget) geometry(e cql2.Expr) (cql2.Expr, error) {
	lc := ct.literalCRS
	switch e := e.(type) {
	case cql2.Property:
		if e.Name != GeometryProperty {
			if _, err := ct.column(e.Name); err != nil {
				return nil, err
			}
			return nil, socle.Errorf(socle.EINVALID, "cql2: property %s is not a geometry", e.Name)
		}
		return e, nil
	case cql2.Geometry:
		g := e.Geom
		if lc.YX {
			g = crs.SwapAxes(g)
		}
		if _, err := wkb.Marshal(g); err != nil {
			return nil, socle.Errorf(socle.EINVALID, "cql2: invalid geometry literal: %v", err)
		}
		pg, err := projectBox(g, lc, StorageSRID)
		if err != nil {
			return nil, err
		}
		return cql2.Geometry{Geom: pg}, nil
	case cql2.BBox:
		w, s, east, n := e.Bound()
		if lc.YX {
			w, s, east, n = s, w, n, east
		}
		var g orb.Geometry = envelope(w, s, east, n)
		if lc.Geographic && w > east {
			// A box across the antimeridian (CQL2 clause 6.4.3): two boxes.
			g = orb.MultiPolygon{envelope(w, s, 180, n), envelope(-180, s, east, n)}
		}
		pg, err := projectBox(g, lc, StorageSRID)
		if err != nil {
			return nil, err
		}
		return cql2.Geometry{Geom: pg}, nil
	}
	return nil, socle.Errorf(socle.EINVALID, "cql2: %s is not a geometry", e)
}

// temporal checks T_* predicates as the PostGIS store does: operands are
// intervals, temporal properties or instants, and the functions defined on
// intervals only refuse instants.
func (ct *cqlTarget) temporal(e cql2.Temporal) error {
	aInstant, err := ct.period(e.Left)
	if err != nil {
		return err
	}
	bInstant, err := ct.period(e.Right)
	if err != nil {
		return err
	}
	switch e.Op {
	case cql2.TOverlaps, cql2.TOverlappedBy, cql2.TStarts, cql2.TStartedBy, cql2.TDuring, cql2.TContains,
		cql2.TFinishes, cql2.TFinishedBy, cql2.TMeets, cql2.TMetBy:
		if aInstant || bInstant {
			return socle.Errorf(socle.EINVALID, "cql2: %s applies to intervals, not instants", e.Op)
		}
	case cql2.TBefore, cql2.TAfter, cql2.TDisjoint, cql2.TIntersects, cql2.TEquals:
	default:
		return socle.Errorf(socle.EINVALID, "cql2: unknown temporal function %s", e.Op)
	}
	return nil
}

func (ct *cqlTarget) period(e cql2.Expr) (instant bool, err error) {
	if iv, ok := e.(cql2.Interval); ok {
		for _, b := range []cql2.Expr{iv.Start, iv.End} {
			if b != nil {
				if err := ct.value(b); err != nil {
					return false, err
				}
			}
		}
		return false, nil
	}
	switch x := e.(type) {
	case cql2.Property:
		c, err := ct.column(x.Name)
		if err != nil {
			return false, err
		}
		if c.kind != kDate && c.kind != kTime {
			return false, socle.Errorf(socle.EINVALID, "cql2: property %s is not temporal", x.Name)
		}
	case cql2.Date, cql2.Timestamp:
	default:
		return false, socle.Errorf(socle.EINVALID, "cql2: %s is not a time", e)
	}
	return true, nil
}

// intersectBounds is the common part of two boxes; min exceeds max when
// there is none, and the R-tree then finds nothing.
func intersectBounds(a, b orb.Bound) orb.Bound {
	return orb.Bound{
		Min: orb.Point{max(a.Min[0], b.Min[0]), max(a.Min[1], b.Min[1])},
		Max: orb.Point{min(a.Max[0], b.Max[0]), min(a.Max[1], b.Max[1])},
	}
}

// storageBox is the PostGIS store's storageBox: a box given in srid as a
// Lambert-93 polygon, each edge cut in 32 before projection (ogc/crs
// BoxPolygon), so that its edges stay where they were drawn.
func storageBox(x0, y0, x1, y1 float64, srid int) (orb.Polygon, error) {
	if srid == StorageSRID {
		return envelope(x0, y0, x1, y1), nil
	}
	tr, err := crs.NewTransformer(srid, StorageSRID)
	if err != nil {
		return nil, socle.Errorf(socle.EINVALID, "cannot project from EPSG:%d", srid)
	}
	poly, err := crs.BoxPolygon(x0, y0, x1, y1, 32, tr)
	if err != nil {
		return nil, socle.Errorf(socle.EINVALID, "the box %g,%g,%g,%g is outside the domain of EPSG:%d", x0, y0, x1, y1, srid)
	}
	return poly, nil
}

// Where the Go evaluator's semantics differ from the SQL the PostGIS store
// compiles, the filter is handed to the evaluator with functions of this
// store in place of the operators, which follow the SQL with its
// three-valued logic. Their names cannot clash with a filter's: filters
// that call functions are refused before.
//
// Text: the evaluator compares strings after canonical decomposition (NFD),
// PostgreSQL by their bytes (the C.UTF-8 collation of Socle's databases),
// which orders accented letters differently ("Église" after "Rue" in
// PostgreSQL, before it after NFD): comparisons, BETWEEN and IN of text.
//
// Time: the evaluator refuses an interval that ends before it starts,
// PostgreSQL compares its ends all the same: the temporal predicates.
const (
	fnCompare = "socle:compare"
	fnBetween = "socle:between"
	fnIn      = "socle:in"
	// The comparisons of instants postgis.builder.temporal writes; open ends
	// are ±infinity.
	fnTemporal    = "socle:temporal:"
	fnMinusInfity = "socle:-infinity"
	fnInfinity    = "socle:infinity"
)

// The open ends of intervals, beyond any instant PostgreSQL holds.
var (
	minusInfinity = time.Date(-1000000, 1, 1, 0, 0, 0, 0, time.UTC)
	plusInfinity  = time.Date(1000000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// periodEnds returns the start and end of a temporal operand: an
// interval's bounds (±infinity when open), or an instant twice.
func periodEnds(e cql2.Expr) (start, end cql2.Expr) {
	if iv, ok := e.(cql2.Interval); ok {
		start, end = iv.Start, iv.End
		if start == nil {
			start = cql2.Function{Name: fnMinusInfity}
		}
		if end == nil {
			end = cql2.Function{Name: fnInfinity}
		}
		return start, end
	}
	return e, e
}

// temporalFunc evaluates a temporal predicate on the ends (as, ae, bs, be)
// of its operands with SQL's three-valued logic: a comparison with null is
// null; AND is false if any part is, else null if any part is.
func temporalFunc(op cql2.TemporalOp) cql2.Func {
	type part struct {
		x, y int // indexes of the ends: 0 as, 1 ae, 2 bs, 3 be
		ok   func(int) bool
	}
	lt := func(c int) bool { return c < 0 }
	le := func(c int) bool { return c <= 0 }
	gt := func(c int) bool { return c > 0 }
	ge := func(c int) bool { return c >= 0 }
	eq := func(c int) bool { return c == 0 }
	var parts []part
	or := false
	switch op {
	case cql2.TBefore:
		parts = []part{{1, 2, lt}}
	case cql2.TAfter:
		parts = []part{{0, 3, gt}}
	case cql2.TDisjoint:
		parts, or = []part{{1, 2, lt}, {0, 3, gt}}, true
	case cql2.TIntersects:
		parts = []part{{1, 2, ge}, {0, 3, le}}
	case cql2.TEquals:
		parts = []part{{0, 2, eq}, {1, 3, eq}}
	case cql2.TMeets:
		parts = []part{{1, 2, eq}}
	case cql2.TMetBy:
		parts = []part{{0, 3, eq}}
	case cql2.TOverlaps:
		parts = []part{{0, 2, lt}, {1, 2, gt}, {1, 3, lt}}
	case cql2.TOverlappedBy:
		parts = []part{{0, 2, gt}, {0, 3, lt}, {1, 3, gt}}
	case cql2.TStarts:
		parts = []part{{0, 2, eq}, {1, 3, lt}}
	case cql2.TStartedBy:
		parts = []part{{0, 2, eq}, {1, 3, gt}}
	case cql2.TDuring:
		parts = []part{{0, 2, gt}, {1, 3, lt}}
	case cql2.TContains:
		parts = []part{{0, 2, lt}, {1, 3, gt}}
	case cql2.TFinishes:
		parts = []part{{0, 2, gt}, {1, 3, eq}}
	case cql2.TFinishedBy:
		parts = []part{{0, 2, lt}, {1, 3, eq}}
	}
	return func(args []any) (any, error) {
		var ends [4]*time.Time
		for i, a := range args {
			switch v := a.(type) {
			case nil:
			case time.Time:
				ends[i] = &v
			default:
				return nil, fmt.Errorf("%s: %T is not a time", op, a)
			}
		}
		res := !or // AND starts true, OR false
		null := false
		for _, p := range parts {
			x, y := ends[p.x], ends[p.y]
			if x == nil || y == nil {
				null = true
				continue
			}
			if p.ok(x.Compare(*y)) == or {
				return or, nil // a true part decides an OR, a false one an AND
			}
		}
		if null {
			return nil, nil
		}
		return res, nil
	}
}

// filterEvaluator evaluates filters with the functions above.
var filterEvaluator = cql2.Evaluator{Functions: storeFunctions()}

func storeFunctions() map[string]cql2.Func {
	fns := textFunctions()
	fns[fnMinusInfity] = func([]any) (any, error) { return minusInfinity, nil }
	fns[fnInfinity] = func([]any) (any, error) { return plusInfinity, nil }
	for _, op := range []cql2.TemporalOp{cql2.TAfter, cql2.TBefore, cql2.TContains, cql2.TDisjoint, cql2.TDuring, cql2.TEquals,
		cql2.TFinishedBy, cql2.TFinishes, cql2.TIntersects, cql2.TMeets, cql2.TMetBy, cql2.TOverlappedBy, cql2.TOverlaps,
		cql2.TStartedBy, cql2.TStarts} {
		fns[fnTemporal+string(op)] = temporalFunc(op)
	}
	return fns
}

func textFunctions() map[string]cql2.Func {
	return map[string]cql2.Func{
		fnCompare + string(cql2.Eq): textCompare(func(c int) bool { return c == 0 }),
		fnCompare + string(cql2.Ne): textCompare(func(c int) bool { return c != 0 }),
		fnCompare + string(cql2.Lt): textCompare(func(c int) bool { return c < 0 }),
		fnCompare + string(cql2.Le): textCompare(func(c int) bool { return c <= 0 }),
		fnCompare + string(cql2.Gt): textCompare(func(c int) bool { return c > 0 }),
		fnCompare + string(cql2.Ge): textCompare(func(c int) bool { return c >= 0 }),
		fnBetween: func(args []any) (any, error) {
			ge, err := textCompare(func(c int) bool { return c >= 0 })(args[0:2])
			if err != nil {
				return nil, err
			}
			le, err := textCompare(func(c int) bool { return c <= 0 })([]any{args[0], args[2]})
			if err != nil {
				return nil, err
			}
			// SQL's AND: false wins, then null.
			switch {
			case ge == false || le == false:
				return false, nil
			case ge == nil || le == nil:
				return nil, nil
			}
			return true, nil
		},
		fnIn: func(args []any) (any, error) {
			if args[0] == nil {
				return nil, nil
			}
			var res any = false
			for _, x := range args[1:] {
				eq, err := textCompare(func(c int) bool { return c == 0 })([]any{args[0], x})
				if err != nil {
					return nil, err
				}
				switch eq {
				case true:
					return true, nil
				case nil:
					res = nil
				}
			}
			return res, nil
		},
	}
}

// textCompare compares two strings by their bytes; null when one is null.
func textCompare(ok func(int) bool) cql2.Func {
	return func(args []any) (any, error) {
		if args[0] == nil || args[1] == nil {
			return nil, nil
		}
		a, aok := args[0].(string)
		b, bok := args[1].(string)
		if !aok || !bok {
			return nil, fmt.Errorf("cannot compare %T with %T", args[0], args[1])
		}
		return ok(strings.Compare(a, b)), nil
	}
}

// textual reports whether an operand is text: a text property, a string,
// CASEI or ACCENTI.
func (ct *cqlTarget) textual(es ...cql2.Expr) bool {
	for _, e := range es {
		switch e := e.(type) {
		case cql2.String, cql2.CaseI, cql2.AccentI:
			return true
		case cql2.Property:
			if i, ok := ct.t.byName[e.Name]; ok && ct.t.cols[i].kind == kText {
				return true
			}
		}
	}
	return false
}
