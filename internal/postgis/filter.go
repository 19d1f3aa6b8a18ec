package postgis

import (
	"fmt"
	"slices"
	"strings"

	"github.com/paulmach/orb/encoding/wkb"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/cql2"
	"github.com/socle-geo/socle/ogc/crs"
)

// filterTarget says how CQL2 properties map to SQL: each queryable is a
// column of t with a type, and the geometry is t.geom in SRID.
type filterTarget struct {
	columns map[string]column
	// geometry is the name filters give the geometry column t.geom.
	geometry string
	srid     int
	// literalCRS is the CRS of geometry literals (filter-crs).
	literalCRS crs.CRS
}

type column struct {
	expr string
	typ  socle.Type
}

// collectionTarget is the filter target of a collection's table.
func collectionTarget(c *socle.Collection, literalCRS crs.CRS) *filterTarget {
	t := &filterTarget{columns: map[string]column{}, geometry: GeometryProperty, srid: StorageSRID, literalCRS: literalCRS}
	for _, p := range c.Properties {
		if p.Queryable {
			t.columns[p.Name] = column{expr: "t." + ident(p.Name), typ: p.Type}
		}
	}
	return t
}

// GeometryProperty is the name filters give the feature geometry.
const GeometryProperty = "geometry"

// compile turns a CQL2 predicate into a boolean SQL expression. Literals
// become bound parameters; property names resolve only through the target's
// columns, so nothing from the filter text is ever spliced into the SQL.
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
		if c.typ != socle.TypeBoolean {
			return "", socle.Errorf(socle.EINVALID, "cql2: property %s is not a boolean and cannot stand alone as a predicate", e.Name)
		}
		return c.expr, nil
	case cql2.ArrayPredicate, cql2.Array:
		return "", socle.Errorf(socle.EINVALID, "cql2: array predicates are not supported: no collection has array properties")
	case cql2.Function:
		return "", socle.Errorf(socle.EINVALID, "cql2: unknown function %s", e.Name)
	}
	return "", socle.Errorf(socle.EINVALID, "cql2: %s is not a predicate", e)
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
		var names []string
		for n := range t.columns {
			names = append(names, n)
		}
		return c, &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("cql2: unknown property %q", name), Allowed: append(sorted(names), t.geometry)}
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
	case cql2.Function:
		return "", socle.Errorf(socle.EINVALID, "cql2: unknown function %s", e.Name)
	}
	return "", socle.Errorf(socle.EINVALID, "cql2: %s cannot be used as a value here", e)
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
		return "", socle.Errorf(socle.EINVALID, "cql2: unknown spatial function %s", e.Op)
	}
	return fn + "(" + l + ", " + r + ")", nil
}

func (b *builder) geometry(e cql2.Expr, t *filterTarget) (string, error) {
	lc := t.literalCRS
	if lc.URI == "" {
		lc = crs.CRS84
	}
	project := func(g string) string {
		if lc.SRID == t.srid {
			return g
		}
		step := 1000.0
		if lc.Geographic {
			step = 0.01
		}
		return fmt.Sprintf("ST_Transform(ST_Segmentize(%s, %g), %d)", g, step, t.srid)
	}
	switch e := e.(type) {
	case cql2.Property:
		if e.Name != t.geometry {
			if _, err := t.column(e.Name); err != nil {
				return "", err
			}
			return "", socle.Errorf(socle.EINVALID, "cql2: property %s is not a geometry", e.Name)
		}
		return "t.geom", nil
	case cql2.Geometry:
		g := e.Geom
		if lc.YX {
			g = crs.SwapAxes(g)
		}
		buf, err := wkb.Marshal(g)
		if err != nil {
			return "", socle.Errorf(socle.EINVALID, "cql2: invalid geometry literal: %v", err)
		}
		return project(fmt.Sprintf("ST_GeomFromWKB(%s, %d)", b.arg(buf), lc.SRID)), nil
	case cql2.BBox:
		w, s, east, n := e.Bound()
		if lc.YX {
			w, s, east, n = s, w, n, east
		}
		if lc.Geographic && w > east {
			// A box across the antimeridian (CQL2 clause 6.4.3): two boxes.
			return project(fmt.Sprintf("ST_Collect(ST_MakeEnvelope(%s, %s, 180, %s, %d), ST_MakeEnvelope(-180, %s, %s, %s, %d))",
				b.arg(w), b.arg(s), b.arg(n), lc.SRID, b.arg(s), b.arg(east), b.arg(n), lc.SRID)), nil
		}
		return project(fmt.Sprintf("ST_MakeEnvelope(%s, %s, %s, %s, %d)", b.arg(w), b.arg(s), b.arg(east), b.arg(n), lc.SRID)), nil
	}
	return "", socle.Errorf(socle.EINVALID, "cql2: %s is not a geometry", e)
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
		return "", socle.Errorf(socle.EINVALID, "cql2: %s applies to intervals, not instants", e.Op)
	}
	c := func(x, op, y string) string { return x + " " + op + " " + y }
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
		return "", socle.Errorf(socle.EINVALID, "cql2: unknown temporal function %s", e.Op)
	}
	return "(" + strings.Join(parts, " AND ") + ")", nil
}

// period returns the SQL of an operand's start and end.
func (b *builder) period(e cql2.Expr, t *filterTarget) (start, end string, instant bool, err error) {
	bound := func(x cql2.Expr, open string) (string, error) {
		if x == nil {
			return "'" + open + "'::timestamptz", nil
		}
		v, err := b.value(x, t)
		if err != nil {
			return "", err
		}
		return "(" + v + ")::timestamptz", nil
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
			return "", "", false, cerr
		}
		if c.typ != socle.TypeDate && c.typ != socle.TypeDateTime {
			return "", "", false, socle.Errorf(socle.EINVALID, "cql2: property %s is not temporal", x.Name)
		}
	case cql2.Date, cql2.Timestamp:
	default:
		return "", "", false, socle.Errorf(socle.EINVALID, "cql2: %s is not a time", e)
	}
	v, err := bound(e, "")
	return v, v, true, err
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}
