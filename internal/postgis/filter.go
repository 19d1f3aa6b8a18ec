package postgis

import (
	"fmt"
	"strings"

	"github.com/paulmach/orb/encoding/wkb"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/cql2"
)

// filterTarget says how CQL2 properties map to SQL: each queryable is a
// column of t with a type, and the geometry is t.geom.
type filterTarget struct {
	columns map[string]column
	// geometry is the name filters give the geometry column t.geom.
	geometry string
	// srid is the CRS of t.geom and of the filter's literals.
	srid int
}

type column struct {
	expr string
	typ  socle.Type
}

// collectionTarget is the filter target of a collection's table.
func collectionTarget(c *socle.Collection) *filterTarget {
	t := &filterTarget{columns: map[string]column{}, geometry: socle.GeometryProperty, srid: c.StorageSRID()}
	for _, p := range c.Properties {
		if p.Queryable {
			t.columns[p.Name] = column{expr: "t." + ident(p.Name), typ: p.Type}
		}
	}
	return t
}

// compile turns a resolved CQL2 predicate (socle.ResolveItems checked it)
// into a boolean SQL expression. Literals become bound parameters; property
// names resolve only through the target's columns, so nothing from the
// filter text is ever spliced into the SQL. What resolution refuses never
// reaches here: finding it is a bug (errUnresolved).
func (b *builder) compile(e cql2.Expr, t *filterTarget) (string, error) {
	switch e := e.(type) {
	case cql2.And:
		return b.join(e.Args, " AND ", t)
	case cql2.Or:
		return b.join(e.Args, " OR ", t)
	case cql2.Not:
		s, err := b.compile(e.Arg, t)
		return "(NOT " + s + ")", err
	case cql2.Comparison:
		l, r, err := b.pair(e.Left, e.Right, t)
		return "(" + l + " " + string(e.Op) + " " + r + ")", err
	case cql2.Like:
		l, r, err := b.pair(e.Value, e.Pattern, t)
		return "(" + l + " LIKE " + r + ")", err
	case cql2.Between:
		v, err := b.value(e.Value, t)
		if err != nil {
			return "", err
		}
		lo, hi, err := b.pair(e.Low, e.High, t)
		return "(" + v + " BETWEEN " + lo + " AND " + hi + ")", err
	case cql2.In:
		v, err := b.value(e.Value, t)
		if err != nil {
			return "", err
		}
		var items []string
		for _, x := range e.List {
			s, err := b.value(x, t)
			if err != nil {
				return "", err
			}
			items = append(items, s)
		}
		return "(" + v + " IN (" + strings.Join(items, ", ") + "))", nil
	case cql2.IsNull:
		if p, ok := e.Value.(cql2.Property); ok && p.Name == t.geometry {
			return "(t.geom IS NULL)", nil
		}
		v, err := b.value(e.Value, t)
		return "(" + v + " IS NULL)", err
	case cql2.Spatial:
		return b.spatial(e, t)
	case cql2.Temporal:
		return b.temporal(e, t)
	case cql2.Bool:
		if e.Value {
			return "true", nil
		}
		return "false", nil
	case cql2.Property:
		c, err := t.column(e.Name)
		if err != nil {
			return "", err
		}
		return c.expr, nil
	}
	return "", errUnresolved(e)
}

// errUnresolved is what compile says of what resolution should have refused.
func errUnresolved(e cql2.Expr) error {
	return socle.Errorf(socle.EINTERNAL, "postgis: unresolved filter node %s", e)
}

func (b *builder) join(args []cql2.Expr, op string, t *filterTarget) (string, error) {
	parts := make([]string, len(args))
	for i, a := range args {
		s, err := b.compile(a, t)
		if err != nil {
			return "", err
		}
		parts[i] = s
	}
	return "(" + strings.Join(parts, op) + ")", nil
}

func (b *builder) pair(l, r cql2.Expr, t *filterTarget) (string, string, error) {
	ls, err := b.value(l, t)
	if err != nil {
		return "", "", err
	}
	rs, err := b.value(r, t)
	return ls, rs, err
}

func (t *filterTarget) column(name string) (column, error) {
	c, ok := t.columns[name]
	if !ok {
		return c, errUnresolved(cql2.Property{Name: name})
	}
	return c, nil
}

// value compiles a scalar expression: property, literal, arithmetic, CASEI,
// ACCENTI.
func (b *builder) value(e cql2.Expr, t *filterTarget) (string, error) {
	switch e := e.(type) {
	case cql2.Property:
		c, err := t.column(e.Name)
		if err != nil {
			return "", err
		}
		if c.typ == socle.TypeDate { // dates compare as instants at midnight UTC
			return "(" + c.expr + ")::timestamptz", nil
		}
		return c.expr, nil
	case cql2.String:
		return b.arg(e.Value) + "::text", nil
	case cql2.Number:
		if e.IsInt {
			return b.arg(e.Int) + "::bigint", nil
		}
		return b.arg(e.Float) + "::float8", nil
	case cql2.Bool:
		return b.arg(e.Value) + "::boolean", nil
	case cql2.Date:
		return b.arg(e.Time) + "::timestamptz", nil
	case cql2.Timestamp:
		return b.arg(e.Time) + "::timestamptz", nil
	case cql2.CaseI:
		v, err := b.value(e.Value, t)
		return "lower(" + v + ")", err
	case cql2.AccentI:
		v, err := b.value(e.Value, t)
		return Schema + ".accenti(" + v + ")", err
	case cql2.Arithmetic:
		l, r, err := b.pair(e.Left, e.Right, t)
		if err != nil {
			return "", err
		}
		switch e.Op {
		case cql2.Add, cql2.Sub, cql2.Mul:
			return "(" + l + " " + string(e.Op) + " " + r + ")", nil
		case cql2.Div:
			return "((" + l + ")::float8 / " + r + ")", nil
		case cql2.IntDiv:
			return "trunc((" + l + ")::float8 / " + r + ")", nil
		case cql2.Mod:
			return "mod((" + l + ")::numeric, (" + r + ")::numeric)", nil
		case cql2.Pow:
			return "power(" + l + ", " + r + ")", nil
		}
	}
	return "", errUnresolved(e)
}

// spatial compiles S_* predicates. Literals are in the filter CRS and are
// densified before projection, so their edges stay where the client drew
// them.
func (b *builder) spatial(e cql2.Spatial, t *filterTarget) (string, error) {
	l, err := b.geometry(e.Left, t)
	if err != nil {
		return "", err
	}
	r, err := b.geometry(e.Right, t)
	if err != nil {
		return "", err
	}
	fn := map[cql2.SpatialOp]string{
		cql2.SIntersects: "ST_Intersects", cql2.SEquals: "ST_Equals", cql2.SDisjoint: "ST_Disjoint",
		cql2.STouches: "ST_Touches", cql2.SWithin: "ST_Within", cql2.SOverlaps: "ST_Overlaps",
		cql2.SCrosses: "ST_Crosses", cql2.SContains: "ST_Contains",
	}[e.Op]
	if fn == "" {
		return "", errUnresolved(e)
	}
	return fn + "(" + l + ", " + r + ")", nil
}

// geometry compiles an operand of a spatial predicate: the feature
// geometry, or a literal already in the storage CRS.
func (b *builder) geometry(e cql2.Expr, t *filterTarget) (string, error) {
	switch e := e.(type) {
	case cql2.Property:
		if e.Name == t.geometry {
			return "t.geom", nil
		}
	case cql2.Geometry:
		buf, err := wkb.Marshal(e.Geom)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("ST_GeomFromWKB(%s, %d)", b.arg(buf), t.srid), nil
	}
	return "", errUnresolved(e)
}

// temporal compiles T_* predicates over periods [start, end]; an instant is
// a period whose ends coincide, an open end is ±infinity (CQL2 clause 7.8).
func (b *builder) temporal(e cql2.Temporal, t *filterTarget) (string, error) {
	as, ae, aInstant, err := b.period(e.Left, t)
	if err != nil {
		return "", err
	}
	bs, be, bInstant, err := b.period(e.Right, t)
	if err != nil {
		return "", err
	}
	intervalOnly := map[cql2.TemporalOp]bool{cql2.TOverlaps: true, cql2.TOverlappedBy: true, cql2.TStarts: true,
		cql2.TStartedBy: true, cql2.TDuring: true, cql2.TContains: true, cql2.TFinishes: true, cql2.TFinishedBy: true,
		cql2.TMeets: true, cql2.TMetBy: true}
	if intervalOnly[e.Op] && (aInstant || bInstant) {
		return "", errUnresolved(e)
	}
	c := func(x func() string, op string, y func() string) string { return x() + " " + op + " " + y() }
	var parts []string
	switch e.Op {
	case cql2.TBefore:
		parts = []string{c(ae, "<", bs)}
	case cql2.TAfter:
		parts = []string{c(as, ">", be)}
	case cql2.TDisjoint:
		return "(" + c(ae, "<", bs) + " OR " + c(as, ">", be) + ")", nil
	case cql2.TIntersects:
		parts = []string{c(ae, ">=", bs), c(as, "<=", be)}
	case cql2.TEquals:
		parts = []string{c(as, "=", bs), c(ae, "=", be)}
	case cql2.TMeets:
		parts = []string{c(ae, "=", bs)}
	case cql2.TMetBy:
		parts = []string{c(as, "=", be)}
	case cql2.TOverlaps:
		parts = []string{c(as, "<", bs), c(ae, ">", bs), c(ae, "<", be)}
	case cql2.TOverlappedBy:
		parts = []string{c(as, ">", bs), c(as, "<", be), c(ae, ">", be)}
	case cql2.TStarts:
		parts = []string{c(as, "=", bs), c(ae, "<", be)}
	case cql2.TStartedBy:
		parts = []string{c(as, "=", bs), c(ae, ">", be)}
	case cql2.TDuring:
		parts = []string{c(as, ">", bs), c(ae, "<", be)}
	case cql2.TContains:
		parts = []string{c(as, "<", bs), c(ae, ">", be)}
	case cql2.TFinishes:
		parts = []string{c(as, ">", bs), c(ae, "=", be)}
	case cql2.TFinishedBy:
		parts = []string{c(as, "<", bs), c(ae, "=", be)}
	default:
		return "", errUnresolved(e)
	}
	return "(" + strings.Join(parts, " AND ") + ")", nil
}

// period returns an operand's start and end, each bound when its SQL is
// first asked for: a predicate reads some ends only (T_BEFORE the first's
// end and the second's start), and PostgreSQL refuses a statement with an
// argument it does not use. The operand is checked at once.
func (b *builder) period(e cql2.Expr, t *filterTarget) (start, end func() string, instant bool, err error) {
	bound := func(x cql2.Expr, open string) (func() string, error) {
		if x == nil {
			return func() string { return "'" + open + "'::timestamptz" }, nil
		}
		if _, err := (&builder{}).value(x, t); err != nil { // checked, not bound
			return nil, err
		}
		var sql string
		return func() string {
			if sql == "" {
				v, _ := b.value(x, t) // as checked above
				sql = "(" + v + ")::timestamptz"
			}
			return sql
		}, nil
	}
	if iv, ok := e.(cql2.Interval); ok {
		if start, err = bound(iv.Start, "-infinity"); err != nil {
			return
		}
		end, err = bound(iv.End, "infinity")
		return start, end, false, err
	}
	switch x := e.(type) {
	case cql2.Property:
		c, cerr := t.column(x.Name)
		if cerr != nil {
			return nil, nil, false, cerr
		}
		if c.typ != socle.TypeDate && c.typ != socle.TypeDateTime {
			return nil, nil, false, errUnresolved(e)
		}
	case cql2.Date, cql2.Timestamp:
	default:
		return nil, nil, false, errUnresolved(e)
	}
	v, err := bound(e, "")
	return v, v, true, err
}
