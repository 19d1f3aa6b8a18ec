package postgis

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
)

// sqlType is the PostgreSQL type a cursor or filter value is cast to.
func sqlType(t socle.Type) string {
	switch t {
	case socle.TypeInteger:
		return "bigint"
	case socle.TypeNumber:
		return "float8"
	case socle.TypeBoolean:
		return "boolean"
	case socle.TypeDate:
		return "date"
	case socle.TypeDateTime:
		return "timestamptz"
	case socle.TypeObject:
		return "jsonb"
	}
	return "text"
}

// builder accumulates a WHERE clause and its named arguments. Values only
// ever reach the database as bound parameters; identifiers only come from the
// catalog and are sanitized.
type builder struct {
	conds []string
	args  pgx.NamedArgs
}

func newBuilder() *builder { return &builder{args: pgx.NamedArgs{}} }

// arg binds v and returns its placeholder.
func (b *builder) arg(v any) string {
	name := "p" + strconv.Itoa(len(b.args))
	b.args[name] = v
	return "@" + name
}

func (b *builder) where() string {
	if len(b.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(b.conds, " AND ")
}

// storageBox binds a box given in srid as a Lambert-93 polygon: its edges
// densified and projected in Go (ogc/crs), so that the statement does not pay
// PROJ's set-up on every request.
func (b *builder) storageBox(x0, y0, x1, y1 float64, srid int) (string, error) {
	if srid == StorageSRID {
		return fmt.Sprintf("ST_MakeEnvelope(%s, %s, %s, %s, %d)", b.arg(x0), b.arg(y0), b.arg(x1), b.arg(y1), StorageSRID), nil
	}
	tr, err := crs.NewTransformer(srid, StorageSRID)
	if err != nil {
		return "", socle.Errorf(socle.EINVALID, "cannot project from EPSG:%d", srid)
	}
	poly, err := crs.BoxPolygon(x0, y0, x1, y1, 32, tr)
	if err != nil {
		return "", socle.Errorf(socle.EINVALID, "the box %g,%g,%g,%g is outside the domain of EPSG:%d", x0, y0, x1, y1, srid)
	}
	buf, err := wkb.Marshal(poly)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("ST_GeomFromWKB(%s, %d)", b.arg(buf), StorageSRID), nil
}

// filters adds the query's filters (not its cursor).
func (b *builder) filters(q *socle.ItemsQuery) error {
	c := q.Collection
	if q.BBox != nil {
		bc := q.BoxCRS()
		x0, y0, x1, y1 := q.BBox.MinX, q.BBox.MinY, q.BBox.MaxX, q.BBox.MaxY
		if bc.YX { // PostGIS always puts easting/longitude first
			x0, y0, x1, y1 = y0, x0, y1, x1
		}
		box, err := b.storageBox(x0, y0, x1, y1, bc.SRID)
		if err != nil {
			return err
		}
		b.conds = append(b.conds, "ST_Intersects(t.geom, "+box+")")
	}
	if q.Datetime != nil {
		if c.Temporal == "" {
			return socle.Errorf(socle.EINVALID, "collection %s has no temporal property: datetime does not apply", c.ID)
		}
		p, _ := c.Property(c.Temporal)
		col := "t." + ident(p.Name)
		cast := ""
		if p.Type == socle.TypeDate { // a date is its whole day: compare days
			cast = "::date"
		}
		if q.Datetime.Start != nil {
			b.conds = append(b.conds, fmt.Sprintf("%s >= (%s::timestamptz)%s", col, b.arg(*q.Datetime.Start), cast))
		}
		if q.Datetime.End != nil {
			b.conds = append(b.conds, fmt.Sprintf("%s <= (%s::timestamptz)%s", col, b.arg(*q.Datetime.End), cast))
		}
	}
	if q.Filter != nil {
		cond, err := b.compile(q.Filter, collectionTarget(c, q.FilterCRS))
		if err != nil {
			return err
		}
		b.conds = append(b.conds, cond)
	}
	for _, e := range q.Equals {
		p, ok := c.Property(e.Property)
		if !ok || !p.Queryable {
			return &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("%s is not a queryable property of %s", e.Property, c.ID), Allowed: c.Queryables()}
		}
		b.conds = append(b.conds, fmt.Sprintf("t.%s = %s::%s", ident(p.Name), b.arg(e.Value), sqlType(p.Type)))
	}
	return nil
}

// sortKey is one key of the keyset order.
type sortKey struct {
	expr string
	typ  string // SQL type of cursor values
	desc bool
	// nullable keys order NULLs last (ascending) or first (descending), as
	// PostgreSQL does, through an explicit (expr IS NULL) key.
	nullable bool
}

// sortKeys resolves the query's order, the feature id last as tie-breaker.
func sortKeys(q *socle.ItemsQuery) ([]sortKey, error) {
	c := q.Collection
	var keys []sortKey
	for _, s := range q.SortBy {
		p, ok := c.Property(s.Property)
		if !ok || !p.Sortable {
			return nil, &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("cannot sort %s by %s", c.ID, s.Property), Allowed: c.Sortables()}
		}
		keys = append(keys, sortKey{expr: "t." + ident(p.Name), typ: sqlType(p.Type), desc: s.Desc, nullable: p.Nullable})
	}
	return append(keys, sortKey{expr: "t." + ident(idColumn(c)), typ: sqlType(c.IDType)}), nil
}

// orderBy returns the ORDER BY clause; reverse walks backwards (previous page).
func orderBy(keys []sortKey, reverse bool) string {
	var parts []string
	for _, k := range keys {
		dir := "ASC"
		if k.desc != reverse {
			dir = "DESC"
		}
		if k.nullable {
			parts = append(parts, fmt.Sprintf("(%s IS NULL) %s", k.expr, dir))
		}
		parts = append(parts, k.expr+" "+dir)
	}
	return " ORDER BY " + strings.Join(parts, ", ")
}

// keyset adds the condition "strictly after (or before) the cursor" in the
// order of keys: an OR chain of equal prefixes, so that each key keeps its own
// direction and NULLs keep their place.
func (b *builder) keyset(keys []sortKey, cur *socle.Cursor) error {
	if len(cur.Keys) != len(keys) {
		return socle.Errorf(socle.EINVALID, "the cursor does not match this query: use the links the server returned")
	}
	type atom struct {
		expr, val    string
		desc, isNull bool
	}
	var atoms []atom
	for i, k := range keys {
		var v any
		if err := json.Unmarshal(cur.Keys[i], &v); err != nil {
			return socle.Errorf(socle.EINVALID, "invalid cursor")
		}
		isNull := v == nil
		if k.nullable {
			atoms = append(atoms, atom{expr: "(" + k.expr + " IS NULL)", val: b.arg(isNull) + "::boolean", desc: k.desc})
		} else if isNull {
			return socle.Errorf(socle.EINVALID, "invalid cursor")
		}
		var text any
		switch x := v.(type) {
		case nil:
		case string:
			text = x
		case bool:
			text = strconv.FormatBool(x)
		default:
			text = string(cur.Keys[i]) // a JSON number, as written by PostgreSQL
		}
		atoms = append(atoms, atom{expr: k.expr, val: b.arg(text) + "::" + k.typ, desc: k.desc, isNull: isNull})
	}
	var ors []string
	for i, a := range atoms {
		if a.isNull {
			continue // nothing is strictly after NULL within the NULL group
		}
		var ands []string
		for _, p := range atoms[:i] {
			ands = append(ands, fmt.Sprintf("%s IS NOT DISTINCT FROM %s", p.expr, p.val))
		}
		op := ">"
		if a.desc != cur.Before {
			op = "<"
		}
		ands = append(ands, fmt.Sprintf("%s %s %s", a.expr, op, a.val))
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	if len(ors) == 0 {
		b.conds = append(b.conds, "false")
	} else {
		b.conds = append(b.conds, "("+strings.Join(ors, " OR ")+")")
	}
	return nil
}

// selectedProperties resolves the properties a query returns, in catalog
// order when none are selected.
func selectedProperties(c *socle.Collection, selected []string) ([]socle.Property, error) {
	if selected == nil {
		return c.Properties, nil
	}
	out := make([]socle.Property, 0, len(selected))
	for _, n := range selected {
		p, ok := c.Property(n)
		if !ok {
			var all []string
			for _, p := range c.Properties {
				all = append(all, p.Name)
			}
			return nil, &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("%s has no property %s", c.ID, n), Allowed: all}
		}
		out = append(out, p)
	}
	return out, nil
}
