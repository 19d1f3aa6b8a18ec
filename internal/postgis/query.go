package postgis

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb/encoding/wkb"

	"github.com/socle-geo/socle/internal/socle"
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

// builder accumulates a WHERE clause and its arguments, in the order of
// their ordinal placeholders ($1, $2…: pgx sends them as they are, where
// named ones were lexed out of the whole statement at every query, ~2 % of
// a bbox page's CPU). Values only ever reach the database as bound
// parameters; identifiers only come from the catalog and are sanitized.
type builder struct {
	conds []string
	args  []any
}

func newBuilder() *builder { return &builder{} }

// arg binds v and returns its placeholder.
func (b *builder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

func (b *builder) where() string {
	if len(b.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(b.conds, " AND ")
}

// filters adds the query's filters (not its cursor).
func (b *builder) filters(q *socle.ItemsQuery) error {
	if q.Area != nil {
		buf, err := wkb.Marshal(q.Area.Polygon)
		if err != nil {
			return err
		}
		b.conds = append(b.conds, fmt.Sprintf("ST_Intersects(t.geom, ST_GeomFromWKB(%s, %d))", b.arg(buf), StorageSRID))
	}
	if dt := q.Datetime; dt != nil {
		col := "t." + ident(dt.Property.Name)
		cast := "::timestamptz"
		if dt.Property.Type == socle.TypeDate {
			cast = "::date"
		}
		if dt.Start != nil {
			b.conds = append(b.conds, fmt.Sprintf("%s >= %s%s", col, b.arg(*dt.Start), cast))
		}
		if dt.End != nil {
			b.conds = append(b.conds, fmt.Sprintf("%s <= %s%s", col, b.arg(*dt.End), cast))
		}
	}
	if q.Filter != nil {
		cond, err := b.compile(q.Filter, collectionTarget(q.Collection))
		if err != nil {
			return err
		}
		b.conds = append(b.conds, cond)
	}
	for _, e := range q.Equals {
		b.conds = append(b.conds, fmt.Sprintf("t.%s = %s::%s", ident(e.Property.Name), b.arg(e.Value), sqlType(e.Property.Type)))
	}
	return nil
}

// sortKey is one key of the keyset order.
type sortKey struct {
	expr string
	typ  string // SQL type of cursor values
	desc bool
	// nullable keys order NULLs last (ascending) or first (descending), as
	// socle.OrderKey says, through an explicit (expr IS NULL) key.
	nullable bool
}

// sortKeys compiles the query's order.
func sortKeys(q *socle.ItemsQuery) []sortKey {
	keys := make([]sortKey, len(q.Order))
	for i, k := range q.Order {
		if k.ID {
			keys[i] = sortKey{expr: "t." + ident(idColumn(q.Collection)), typ: sqlType(q.Collection.IDType)}
			continue
		}
		keys[i] = sortKey{expr: "t." + ident(k.Property.Name), typ: sqlType(k.Property.Type), desc: k.Desc, nullable: k.Nullable()}
	}
	return keys
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
func (b *builder) keyset(keys []sortKey, cur *socle.Cursor) {
	type atom struct {
		expr, val    string
		desc, isNull bool
	}
	var atoms []atom
	for i, k := range keys {
		v := cur.Keys[i]
		isNull := v == nil
		if k.nullable {
			atoms = append(atoms, atom{expr: "(" + k.expr + " IS NULL)", val: b.arg(isNull) + "::boolean", desc: k.desc})
		}
		atoms = append(atoms, atom{expr: k.expr, val: b.arg(v) + "::" + k.typ, desc: k.desc, isNull: isNull})
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
}
