package embedded

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/cql2"
)

// predicate is a compiled ItemsQuery filter: its conditions, evaluated in
// memory.
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

// compile prepares the query's filters (not its cursor) for the layer.
func (l *layer) compile(q *socle.ItemsQuery) (*predicate, error) {
	p := &predicate{t: l.t, dtCol: -1}
	if q.Area != nil {
		p.box, p.boxBound = newAreaTest(q.Area.Polygon), q.Area.Bound
	}
	if dt := q.Datetime; dt != nil {
		p.dtCol = l.t.byName[dt.Property.Name]
		p.dtStart, p.dtEnd = dt.Start, dt.End
	}
	if q.Filter != nil {
		p.filter = semantics(l.t, q.Filter)
		p.filterBounds = spatialBounds(q.Filter)
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
		i := l.t.byName[e.Property.Name]
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
	// own: cands is this call's, and the matches can overwrite it.
	own := false
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
		slices.SortFunc(cands, compareFeatureIDs)
		own = true
	} else if fs, ok, exact := p.candidates(l); exact {
		return fs, nil
	} else if ok {
		cands, own = fs, true
	} else {
		cands = l.feats
	}
	var out []*feature
	if own {
		out = cands[:0] // out never passes the feature read
	}
	// One evalFeature for the run: in an interface, each would be an
	// allocation.
	ef := &evalFeature{t: p.t}
	for i, f := range cands {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		ok, err := p.match(f, ef)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// match reports whether f matches; ef is the filter's view of features,
// pointed at f here.
func (p *predicate) match(f *feature, ef *evalFeature) (bool, error) {
	if p.box != nil {
		ok, err := p.box.intersectsFeature(f)
		if err != nil || !ok {
			return false, err
		}
	}
	if p.dtCol >= 0 {
		t, ok := f.time(p.dtCol)
		if !ok {
			return false, nil
		}
		if p.dtStart != nil && t.Before(*p.dtStart) {
			return false, nil
		}
		if p.dtEnd != nil && t.After(*p.dtEnd) {
			return false, nil
		}
	}
	for _, e := range p.equals {
		if e.val == nil || f.isNull(e.col) || f.compareVal(e.kind, e.col, e.val) != 0 {
			return false, nil
		}
	}
	if p.filter != nil {
		ef.f = f
		ok, err := filterEvaluator.Evaluate(p.filter, ef)
		if err != nil {
			return false, &socle.Error{Code: socle.EINVALID, Message: "a value in the request is out of range or malformed", Err: err}
		}
		return ok, nil
	}
	return true, nil
}

// evalFeature is a feature as the CQL2 evaluator reads it: typed values,
// dates as midnight UTC, JSON as its text, and the Lambert-93 geometry as
// "geometry". Its ScalarProperty reads values from the row without boxing
// them, an allocation per value read otherwise.
type evalFeature struct {
	t *table
	f *feature
}

func (e *evalFeature) Property(name string) (any, bool) {
	if name == socle.GeometryProperty {
		return e.f.geometry(), true
	}
	i, ok := e.t.byName[name]
	if !ok {
		return nil, false
	}
	if v, ok := e.f.val(i).(jsonValue); ok {
		return string(v), true
	}
	return e.f.val(i), true
}

func (e *evalFeature) ScalarProperty(name string) (cql2.Value, bool) {
	if name == socle.GeometryProperty || e.f.row == nil {
		return cql2.Value{}, false // left to Property
	}
	i, ok := e.t.byName[name]
	if !ok {
		return cql2.Value{}, false
	}
	return e.f.row.scalar(i), true
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
		if p, ok := e.Left.(cql2.Property); ok && p.Name == socle.GeometryProperty {
			lit = e.Right
		} else if p, ok := e.Right.(cql2.Property); ok && p.Name == socle.GeometryProperty {
			lit = e.Left
		}
		if g, ok := lit.(cql2.Geometry); ok {
			b := g.Geom.Bound()
			return &b
		}
	}
	return nil
}

// semantics rewrites a resolved filter for the Go evaluator where its
// semantics differ from Socle's (those of the SQL the PostGIS store
// compiles, see the functions below): BETWEEN of text, and temporal
// predicates as comparisons of the periods' ends, with SQL's three-valued
// logic. Comparisons and IN of text are the evaluator's, with
// CompareStrings by bytes (filterEvaluator).
func semantics(t *table, e cql2.Expr) cql2.Expr {
	switch e := e.(type) {
	case cql2.And:
		args := make([]cql2.Expr, len(e.Args))
		for i, a := range e.Args {
			args[i] = semantics(t, a)
		}
		return cql2.And{Args: args}
	case cql2.Or:
		args := make([]cql2.Expr, len(e.Args))
		for i, a := range e.Args {
			args[i] = semantics(t, a)
		}
		return cql2.Or{Args: args}
	case cql2.Not:
		return cql2.Not{Arg: semantics(t, e.Arg)}
	case cql2.Between:
		if t.textual(e.Value, e.Low, e.High) {
			return cql2.Function{Name: fnBetween, Args: []cql2.Expr{e.Value, e.Low, e.High}}
		}
	case cql2.Temporal:
		// Comparisons of the periods' ends, with no check that an
		// interval starts before it ends.
		return temporalComparisons(e)
	}
	return e
}

// intersectBounds is the common part of two boxes; min exceeds max when
// there is none, and the R-tree then finds nothing.
func intersectBounds(a, b orb.Bound) orb.Bound {
	return orb.Bound{
		Min: orb.Point{max(a.Min[0], b.Min[0]), max(a.Min[1], b.Min[1])},
		Max: orb.Point{min(a.Max[0], b.Max[0]), min(a.Max[1], b.Max[1])},
	}
}

// Where the Go evaluator's semantics differ from the SQL the PostGIS store
// compiles, the filter is handed to the evaluator with other operators or
// functions of this store in their place, which follow the SQL with its
// three-valued logic. The functions' names cannot clash with a filter's:
// filters that call functions are refused before.
//
// Text: PostgreSQL compares strings by their bytes (the C.UTF-8 collation
// of Socle's databases), as filterEvaluator's CompareStrings does (the
// evaluator's default, canonical decomposition, orders accented letters
// differently: "Église" after "Rue" in PostgreSQL, before it after NFD).
// BETWEEN of text is SQL's AND of two comparisons, false when either is,
// where the evaluator's is null when any operand is null.
//
// Time: the evaluator refuses an interval that ends before it starts,
// PostgreSQL compares its ends all the same: the temporal predicates are
// handed over as the comparisons of instants postgis.builder.temporal
// writes (temporalComparisons), open ends being ±infinity.
const fnBetween = "socle:between"

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
			start = cql2.Timestamp{Time: minusInfinity}
		}
		if end == nil {
			end = cql2.Timestamp{Time: plusInfinity}
		}
		return start, end
	}
	return e, e
}

// temporalComparisons is a temporal predicate as comparisons of the ends
// (as, ae, bs, be) of its operands, ANDed (ORed for T_DISJOINT): the
// evaluator's comparisons, AND and OR have SQL's three-valued logic.
func temporalComparisons(e cql2.Temporal) cql2.Expr {
	var ends [4]cql2.Expr
	ends[0], ends[1] = periodEnds(e.Left)
	ends[2], ends[3] = periodEnds(e.Right)
	type part struct {
		x  int // indexes of the ends: 0 as, 1 ae, 2 bs, 3 be
		op cql2.CompareOp
		y  int
	}
	var parts []part
	or := false
	switch e.Op {
	case cql2.TBefore:
		parts = []part{{1, cql2.Lt, 2}}
	case cql2.TAfter:
		parts = []part{{0, cql2.Gt, 3}}
	case cql2.TDisjoint:
		parts, or = []part{{1, cql2.Lt, 2}, {0, cql2.Gt, 3}}, true
	case cql2.TIntersects:
		parts = []part{{1, cql2.Ge, 2}, {0, cql2.Le, 3}}
	case cql2.TEquals:
		parts = []part{{0, cql2.Eq, 2}, {1, cql2.Eq, 3}}
	case cql2.TMeets:
		parts = []part{{1, cql2.Eq, 2}}
	case cql2.TMetBy:
		parts = []part{{0, cql2.Eq, 3}}
	case cql2.TOverlaps:
		parts = []part{{0, cql2.Lt, 2}, {1, cql2.Gt, 2}, {1, cql2.Lt, 3}}
	case cql2.TOverlappedBy:
		parts = []part{{0, cql2.Gt, 2}, {0, cql2.Lt, 3}, {1, cql2.Gt, 3}}
	case cql2.TStarts:
		parts = []part{{0, cql2.Eq, 2}, {1, cql2.Lt, 3}}
	case cql2.TStartedBy:
		parts = []part{{0, cql2.Eq, 2}, {1, cql2.Gt, 3}}
	case cql2.TDuring:
		parts = []part{{0, cql2.Gt, 2}, {1, cql2.Lt, 3}}
	case cql2.TContains:
		parts = []part{{0, cql2.Lt, 2}, {1, cql2.Gt, 3}}
	case cql2.TFinishes:
		parts = []part{{0, cql2.Gt, 2}, {1, cql2.Eq, 3}}
	case cql2.TFinishedBy:
		parts = []part{{0, cql2.Lt, 2}, {1, cql2.Eq, 3}}
	default:
		return e // the evaluator's error
	}
	args := make([]cql2.Expr, len(parts))
	for i, p := range parts {
		args[i] = cql2.Comparison{Op: p.op, Left: ends[p.x], Right: ends[p.y]}
	}
	switch {
	case len(args) == 1:
		return args[0]
	case or:
		return cql2.Or{Args: args}
	}
	return cql2.And{Args: args}
}

// filterEvaluator evaluates filters with the functions above, comparing
// text by its bytes.
var filterEvaluator = cql2.Evaluator{Functions: storeFunctions(), CompareStrings: strings.Compare}

func storeFunctions() map[string]cql2.Func {
	return map[string]cql2.Func{
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
func (t *table) textual(es ...cql2.Expr) bool {
	for _, e := range es {
		switch e := e.(type) {
		case cql2.String, cql2.CaseI, cql2.AccentI:
			return true
		case cql2.Property:
			if i, ok := t.byName[e.Name]; ok && t.cols[i].kind == kText {
				return true
			}
		}
	}
	return false
}
